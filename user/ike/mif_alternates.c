// SPDX-License-Identifier: GPL-2.0
/*
 * MIF_ALTERNATES data: family, count, the address, its alternates.
 * Wire format and rules: docs/protocol/mif.md.
 */
#include <string.h>

#include "ike/constants.h"
#include "ike/mif.h"
#include "ike/mif_alternates.h"

/* What is wrong with a, or NULL. At most 9 * 8 / 2 comparisons. */
static const char *check(const struct mif_alternates *a)
{
	size_t alen = mif_addr_len(a->family);

	if (!alen)
		return "MIF_ALTERNATES of an unknown address family";
	if (a->n > MIF_MAX_ALTS)
		return "MIF_ALTERNATES with more than 8 alternates";
	if (!mif_addr_usable(a->family, a->addr))
		return "MIF_ALTERNATES for an address that cannot be one";
	for (unsigned int i = 0; i < a->n; i++) {
		if (!mif_addr_usable(a->family, a->alts[i]))
			return "MIF_ALTERNATES lists an address that cannot "
			       "be one";
		if (!memcmp(a->alts[i], a->addr, alen))
			return "MIF_ALTERNATES lists the address as its own "
			       "alternate";
		for (unsigned int j = 0; j < i; j++)
			if (!memcmp(a->alts[i], a->alts[j], alen))
				return "MIF_ALTERNATES lists an alternate "
				       "twice";
	}
	return NULL;
}

int mif_alternates_parse(struct mif_alternates *a, const uint8_t *data,
			 size_t len, struct ike_error *err)
{
	enum ike_err code = IKE_ERR_SYNTAX;
	struct ike_reader r;
	const char *why;
	size_t alen;

	memset(a, 0, sizeof(*a));
	ike_reader_init(&r, data, len);
	if (ike_left(&r) < MIF_ALTERNATES_HDR_LEN)
		return mif_fail(err, IKE_ERR_TRUNCATED,
				IKE_N_MIF_UNACCEPTABLE_MOVE,
				"MIF_ALTERNATES truncated");
	a->family = ike_get_u8(&r);
	a->n = ike_get_u8(&r);
	ike_skip(&r, 2);
	alen = mif_addr_len(a->family);
	if (alen && a->n <= MIF_MAX_ALTS &&
	    ike_left(&r) != (1 + (size_t)a->n) * alen) {
		code = IKE_ERR_LENGTH;
		why = "MIF_ALTERNATES length does not match its count";
		goto fail;
	}
	if (alen && a->n <= MIF_MAX_ALTS) {
		ike_get_copy(&r, a->addr, alen);
		for (unsigned int i = 0; i < a->n; i++)
			ike_get_copy(&r, a->alts[i], alen);
	}
	why = check(a);
	if (why)
		goto fail;
	return 0;
fail:
	memset(a, 0, sizeof(*a));
	return mif_fail(err, code, IKE_N_MIF_UNACCEPTABLE_MOVE, why);
}

int mif_alternates_build(struct ike_writer *w, const struct mif_alternates *a,
			 struct ike_error *err)
{
	const char *why = check(a);
	size_t alen = mif_addr_len(a->family);

	if (why)
		return ike_fail_inval(err, why);
	ike_put_u8(w, a->family);
	ike_put_u8(w, a->n);
	ike_put_zero(w, 2);
	ike_put_bytes(w, a->addr, alen);
	for (unsigned int i = 0; i < a->n; i++)
		ike_put_bytes(w, a->alts[i], alen);
	return 0;
}
