// SPDX-License-Identifier: GPL-2.0
/*
 * Vendor ID payload: the identifier bytes.
 */
#include "ike/vendor.h"

int ike_vendor_parse(struct ike_vendor *vid, struct ike_reader *r,
		     struct ike_error *err)
{
	vid->data = ike_get_rest(r, &vid->len);
	if (!vid->len)
		return ike_fail_syntax(err, "empty Vendor ID");
	return 0;
}

int ike_vendor_build(struct ike_writer *w, const struct ike_vendor *vid,
		     struct ike_error *err)
{
	if (!vid->len)
		return ike_fail_inval(err, "empty Vendor ID");
	ike_put_bytes(w, vid->data, vid->len);
	return 0;
}

static int vendor_parse(struct ike_payload *pl, struct ike_reader *r,
			struct ike_error *err)
{
	return ike_vendor_parse(pl->vendor, r, err);
}

static int vendor_build(struct ike_writer *w, const struct ike_payload *pl,
			struct ike_error *err)
{
	return ike_vendor_build(w, pl->vendor, err);
}

const struct ike_payload_ops ike_vendor_ops = {
	.size = sizeof(struct ike_vendor),
	.parse = vendor_parse,
	.build = vendor_build,
};
