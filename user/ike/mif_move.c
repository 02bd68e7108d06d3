// SPDX-License-Identifier: GPL-2.0
/*
 * MIF_MOVE notify data: flags, family, the old and new interface IDs,
 * the old and new addresses. Wire format and rules: docs/protocol/mif.md,
 * "Moving an interface".
 */
#include <string.h>

#include "ike/constants.h"
#include "ike/mif.h"
#include "ike/mif_move.h"

static const char *check_move(const struct mif_move *mv)
{
	size_t alen = mif_addr_len(mv->family);

	if (!alen)
		return "MIF_MOVE address family not 1 or 2";
	if (!mv->new_id)
		return "MIF_MOVE new interface ID 0";
	if (!mif_addr_usable(mv->family, mv->old_addr))
		return "unusable old address in MIF_MOVE";
	if (!mif_addr_usable(mv->family, mv->new_addr))
		return "unusable new address in MIF_MOVE";
	if (!memcmp(mv->old_addr, mv->new_addr, alen))
		return "MIF_MOVE moves an address onto itself";
	return NULL;
}

int mif_move_parse(struct mif_move *mv, const uint8_t *data, size_t len,
		   struct ike_error *err)
{
	enum ike_err code = IKE_ERR_SYNTAX;
	struct ike_reader r;
	const char *why;
	size_t alen;

	memset(mv, 0, sizeof(*mv));
	ike_reader_init(&r, data, len);
	if (ike_left(&r) < MIF_MOVE_HDR_LEN) {
		code = IKE_ERR_TRUNCATED;
		why = "MIF_MOVE truncated";
		goto fail;
	}
	mv->flags = ike_get_u8(&r) & MIF_MOVE_FLAGS_KNOWN;
	mv->family = ike_get_u8(&r);
	ike_skip(&r, 2);
	mv->old_id = ike_get_u16(&r);
	mv->new_id = ike_get_u16(&r);
	alen = mif_addr_len(mv->family);
	if (alen && ike_left(&r) != 2 * alen) {
		code = IKE_ERR_LENGTH;
		why = "MIF_MOVE length does not match its family";
		goto fail;
	}
	ike_get_copy(&r, mv->old_addr, alen);
	ike_get_copy(&r, mv->new_addr, alen);
	why = check_move(mv);
	if (!why)
		return 0;
fail:
	memset(mv, 0, sizeof(*mv));
	return mif_fail(err, code, IKE_N_MIF_UNACCEPTABLE_MOVE, why);
}

int mif_move_build(struct ike_writer *w, const struct mif_move *mv,
		   struct ike_error *err)
{
	const char *why = check_move(mv);
	size_t alen = mif_addr_len(mv->family);

	if (why)
		return ike_fail_inval(err, why);
	ike_put_u8(w, mv->flags & MIF_MOVE_FLAGS_KNOWN);
	ike_put_u8(w, mv->family);
	ike_put_zero(w, 2);
	ike_put_u16(w, mv->old_id);
	ike_put_u16(w, mv->new_id);
	ike_put_bytes(w, mv->old_addr, alen);
	ike_put_bytes(w, mv->new_addr, alen);
	return 0;
}

bool mif_move_equal(const struct mif_move *a, const struct mif_move *b)
{
	size_t alen = mif_addr_len(a->family);

	return a->flags == b->flags && a->family == b->family && alen &&
	       a->old_id == b->old_id && a->new_id == b->new_id &&
	       !memcmp(a->old_addr, b->old_addr, alen) &&
	       !memcmp(a->new_addr, b->new_addr, alen);
}
