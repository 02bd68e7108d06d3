// SPDX-License-Identifier: GPL-2.0
/*
 * IDi/IDr payload: ID type, three reserved bytes, identification data.
 */
#include "ike/id.h"

static const char *check(const struct ike_id *id)
{
	switch (id->type) {
	case IKE_ID_IPV4_ADDR:
		return id->len == 4 ? NULL : "IPv4 ID not 4 bytes";
	case IKE_ID_IPV6_ADDR:
		return id->len == 16 ? NULL : "IPv6 ID not 16 bytes";
	default:
		return id->len ? NULL : "empty ID";
	}
}

int ike_id_parse(struct ike_id *id, struct ike_reader *r,
		 struct ike_error *err)
{
	const char *why;

	id->type = ike_get_u8(r);
	ike_skip(r, 3);
	if (!ike_reader_ok(r))
		return ike_fail_truncated(err, "ID header truncated");
	id->data = ike_get_rest(r, &id->len);
	why = check(id);
	return why ? ike_fail_syntax(err, why) : 0;
}

int ike_id_build(struct ike_writer *w, const struct ike_id *id,
		 struct ike_error *err)
{
	const char *why = check(id);

	if (why)
		return ike_fail_inval(err, why);
	ike_put_u8(w, id->type);
	ike_put_zero(w, 3);
	ike_put_bytes(w, id->data, id->len);
	return 0;
}

static int id_parse(struct ike_payload *pl, struct ike_reader *r,
		    struct ike_error *err)
{
	return ike_id_parse(pl->id, r, err);
}

static int id_build(struct ike_writer *w, const struct ike_payload *pl,
		    struct ike_error *err)
{
	return ike_id_build(w, pl->id, err);
}

const struct ike_payload_ops ike_id_ops = {
	.size = sizeof(struct ike_id),
	.parse = id_parse,
	.build = id_build,
};
