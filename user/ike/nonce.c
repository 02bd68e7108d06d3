// SPDX-License-Identifier: GPL-2.0
/*
 * Nonce payload: the nonce bytes, 16 to 256 of them.
 */
#include "ike/nonce.h"

static bool size_ok(size_t len)
{
	return len >= IKE_NONCE_MIN && len <= IKE_NONCE_MAX;
}

int ike_nonce_parse(struct ike_nonce *nonce, struct ike_reader *r,
		    struct ike_error *err)
{
	nonce->data = ike_get_rest(r, &nonce->len);
	if (!size_ok(nonce->len))
		return ike_fail_syntax(err, "nonce not 16 to 256 bytes");
	return 0;
}

int ike_nonce_build(struct ike_writer *w, const struct ike_nonce *nonce,
		    struct ike_error *err)
{
	if (!size_ok(nonce->len))
		return ike_fail_inval(err, "nonce not 16 to 256 bytes");
	ike_put_bytes(w, nonce->data, nonce->len);
	return 0;
}

static int nonce_parse(struct ike_payload *pl, struct ike_reader *r,
		       struct ike_error *err)
{
	return ike_nonce_parse(pl->nonce, r, err);
}

static int nonce_build(struct ike_writer *w, const struct ike_payload *pl,
		       struct ike_error *err)
{
	return ike_nonce_build(w, pl->nonce, err);
}

const struct ike_payload_ops ike_nonce_ops = {
	.size = sizeof(struct ike_nonce),
	.parse = nonce_parse,
	.build = nonce_build,
};
