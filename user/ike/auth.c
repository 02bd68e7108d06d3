// SPDX-License-Identifier: GPL-2.0
/*
 * AUTH payload: method, three reserved bytes, authentication data.
 */
#include "ike/auth.h"

int ike_auth_parse(struct ike_auth *auth, struct ike_reader *r,
		   struct ike_error *err)
{
	auth->method = ike_get_u8(r);
	ike_skip(r, 3);
	if (!ike_reader_ok(r))
		return ike_fail_truncated(err, "AUTH header truncated");
	auth->data = ike_get_rest(r, &auth->len);
	if (!auth->len)
		return ike_fail_syntax(err, "empty AUTH data");
	return 0;
}

int ike_auth_build(struct ike_writer *w, const struct ike_auth *auth,
		   struct ike_error *err)
{
	if (!auth->len)
		return ike_fail_inval(err, "empty AUTH data");
	ike_put_u8(w, auth->method);
	ike_put_zero(w, 3);
	ike_put_bytes(w, auth->data, auth->len);
	return 0;
}

static int auth_parse(struct ike_payload *pl, struct ike_reader *r,
		      struct ike_error *err)
{
	return ike_auth_parse(pl->auth, r, err);
}

static int auth_build(struct ike_writer *w, const struct ike_payload *pl,
		      struct ike_error *err)
{
	return ike_auth_build(w, pl->auth, err);
}

const struct ike_payload_ops ike_auth_ops = {
	.size = sizeof(struct ike_auth),
	.parse = auth_parse,
	.build = auth_build,
};
