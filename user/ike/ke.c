// SPDX-License-Identifier: GPL-2.0
/*
 * KE payload: DH group, two reserved bytes, public value.
 */
#include "ike/ke.h"

int ike_ke_parse(struct ike_ke *ke, struct ike_reader *r,
		 struct ike_error *err)
{
	ke->group = ike_get_u16(r);
	ike_skip(r, 2);
	if (!ike_reader_ok(r))
		return ike_fail_truncated(err, "KE header truncated");
	ke->data = ike_get_rest(r, &ke->len);
	if (!ke->len)
		return ike_fail_syntax(err, "KE without a public value");
	return 0;
}

int ike_ke_build(struct ike_writer *w, const struct ike_ke *ke,
		 struct ike_error *err)
{
	if (!ke->len)
		return ike_fail_inval(err, "KE without a public value");
	ike_put_u16(w, ke->group);
	ike_put_u16(w, 0);
	ike_put_bytes(w, ke->data, ke->len);
	return 0;
}

static int ke_parse(struct ike_payload *pl, struct ike_reader *r,
		    struct ike_error *err)
{
	return ike_ke_parse(pl->ke, r, err);
}

static int ke_build(struct ike_writer *w, const struct ike_payload *pl,
		    struct ike_error *err)
{
	return ike_ke_build(w, pl->ke, err);
}

const struct ike_payload_ops ike_ke_ops = {
	.size = sizeof(struct ike_ke),
	.parse = ke_parse,
	.build = ke_build,
};
