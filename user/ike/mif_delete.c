// SPDX-License-Identifier: GPL-2.0
/*
 * MIF_DELETE_INTERFACE data: interface ID, address family, one address
 * or none. Wire format and rules: docs/protocol/mif.md.
 */
#include <string.h>

#include "ike/constants.h"
#include "ike/mif.h"
#include "ike/mif_delete.h"

static const char *check(const struct mif_delete *d)
{
	if (d->family == MIF_AF_ALL)
		return d->id ? NULL : "MIF_DELETE_INTERFACE names neither an "
				      "interface nor an address";
	if (!mif_addr_len(d->family))
		return "MIF_DELETE_INTERFACE address family not 0, 1 or 2";
	if (!mif_addr_usable(d->family, d->addr))
		return "unusable address in MIF_DELETE_INTERFACE";
	return NULL;
}

int mif_delete_parse(struct mif_delete *d, const uint8_t *data, size_t len,
		     struct ike_error *err)
{
	enum ike_err code = IKE_ERR_SYNTAX;
	struct ike_reader r;
	const char *why;
	size_t alen;

	memset(d, 0, sizeof(*d));
	ike_reader_init(&r, data, len);
	if (ike_left(&r) < MIF_DELETE_HDR_LEN) {
		code = IKE_ERR_TRUNCATED;
		why = "MIF_DELETE_INTERFACE truncated";
		goto fail;
	}
	d->id = ike_get_u16(&r);
	d->family = ike_get_u8(&r);
	ike_skip(&r, 1);
	alen = mif_addr_len(d->family);
	if ((d->family == MIF_AF_ALL || alen) && ike_left(&r) != alen) {
		code = IKE_ERR_LENGTH;
		why = "MIF_DELETE_INTERFACE length does not match its family";
		goto fail;
	}
	ike_get_copy(&r, d->addr, alen);
	why = check(d);
	if (why)
		goto fail;
	return 0;
fail:
	memset(d, 0, sizeof(*d));
	return mif_fail(err, code, IKE_N_MIF_UNACCEPTABLE_MOVE, why);
}

int mif_delete_build(struct ike_writer *w, const struct mif_delete *d,
		     struct ike_error *err)
{
	const char *why = check(d);

	if (why)
		return ike_fail_inval(err, why);
	ike_put_u16(w, d->id);
	ike_put_u8(w, d->family);
	ike_put_zero(w, 1);
	ike_put_bytes(w, d->addr, mif_addr_len(d->family));
	return 0;
}
