// SPDX-License-Identifier: GPL-2.0
/*
 * Notify payload: protocol ID, SPI size, notify type, SPI, data.
 */
#include "ike/notify.h"

static const char *check(const struct ike_notify *n)
{
	size_t len = n->len;

	if (n->spi_size != 0 && n->spi_size != 4 && n->spi_size != 8)
		return "notify SPI size not 0, 4 or 8";
	switch (n->type) {
	case IKE_N_NAT_DETECTION_SOURCE_IP:
	case IKE_N_NAT_DETECTION_DESTINATION_IP:
		return len == IKE_NAT_DETECTION_LEN ? NULL :
		       "NAT detection data not 20 bytes";
	case IKE_N_COOKIE:
		return len >= 1 && len <= IKE_COOKIE_MAX ? NULL :
		       "COOKIE not 1 to 64 bytes";
	case IKE_N_COOKIE2:
		return len >= 8 && len <= IKE_COOKIE_MAX ? NULL :
		       "COOKIE2 not 8 to 64 bytes";
	case IKE_N_INVALID_KE_PAYLOAD:
		return len == 2 ? NULL : "INVALID_KE_PAYLOAD data not 2 bytes";
	case IKE_N_ADDITIONAL_IP4_ADDRESS:
		return len == 4 ? NULL : "ADDITIONAL_IP4_ADDRESS not 4 bytes";
	case IKE_N_ADDITIONAL_IP6_ADDRESS:
		return len == 16 ? NULL : "ADDITIONAL_IP6_ADDRESS not 16 bytes";
	case IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD:
		return len == 1 ? NULL :
		       "UNSUPPORTED_CRITICAL_PAYLOAD data not 1 byte";
	case IKE_N_SIGNATURE_HASH_ALGORITHMS:
		return len % 2 == 0 ? NULL :
		       "SIGNATURE_HASH_ALGORITHMS data of odd length";
	}
	return NULL;
}

int ike_notify_parse(struct ike_notify *n, struct ike_reader *r,
		     struct ike_error *err)
{
	const char *why;

	n->protocol = ike_get_u8(r);
	n->spi_size = ike_get_u8(r);
	n->type = ike_get_u16(r);
	if (!ike_reader_ok(r))
		return ike_fail_truncated(err, "notify header truncated");
	if (n->spi_size > IKE_NOTIFY_MAX_SPI)
		return ike_fail_syntax(err, "notify SPI size not 0, 4 or 8");
	if (n->spi_size > ike_left(r))
		return ike_fail_length(err, "notify SPI runs past the payload");
	ike_get_copy(r, n->spi, n->spi_size);
	n->data = ike_get_rest(r, &n->len);
	why = check(n);
	return why ? ike_fail_syntax(err, why) : 0;
}

int ike_notify_build(struct ike_writer *w, const struct ike_notify *n,
		     struct ike_error *err)
{
	const char *why = n->spi_size > IKE_NOTIFY_MAX_SPI ?
			  "notify SPI size not 0, 4 or 8" : check(n);

	if (why)
		return ike_fail_inval(err, why);
	ike_put_u8(w, n->protocol);
	ike_put_u8(w, n->spi_size);
	ike_put_u16(w, n->type);
	ike_put_bytes(w, n->spi, n->spi_size);
	ike_put_bytes(w, n->data, n->len);
	return 0;
}

static int notify_parse(struct ike_payload *pl, struct ike_reader *r,
			struct ike_error *err)
{
	return ike_notify_parse(pl->notify, r, err);
}

static int notify_build(struct ike_writer *w, const struct ike_payload *pl,
			struct ike_error *err)
{
	return ike_notify_build(w, pl->notify, err);
}

const struct ike_payload_ops ike_notify_ops = {
	.size = sizeof(struct ike_notify),
	.parse = notify_parse,
	.build = notify_build,
};
