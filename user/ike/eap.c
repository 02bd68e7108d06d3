// SPDX-License-Identifier: GPL-2.0
/*
 * EAP payload: code, identifier, length, then type and type data.
 */
#include "ike/eap.h"

static bool has_type(uint8_t code)
{
	return code == IKE_EAP_REQUEST || code == IKE_EAP_RESPONSE;
}

int ike_eap_parse(struct ike_eap *eap, struct ike_reader *r,
		  struct ike_error *err)
{
	size_t total = ike_left(r);
	uint16_t len;

	eap->code = ike_get_u8(r);
	eap->ident = ike_get_u8(r);
	len = ike_get_u16(r);
	if (!ike_reader_ok(r))
		return ike_fail_truncated(err, "EAP header truncated");
	if (len != total)
		return ike_fail_length(err, "EAP length differs from payload");
	if (eap->code < IKE_EAP_REQUEST || eap->code > IKE_EAP_FAILURE)
		return ike_fail_syntax(err, "unknown EAP code");
	if (has_type(eap->code)) {
		eap->type = ike_get_u8(r);
		if (!ike_reader_ok(r))
			return ike_fail_length(err, "EAP type missing");
	} else if (ike_left(r)) {
		return ike_fail_length(err, "EAP Success/Failure with data");
	}
	eap->data = ike_get_rest(r, &eap->len);
	return 0;
}

int ike_eap_build(struct ike_writer *w, const struct ike_eap *eap,
		  struct ike_error *err)
{
	bool typed = has_type(eap->code);
	size_t len = IKE_EAP_HEADER_LEN + (typed ? 1 + eap->len : 0);

	if (eap->code < IKE_EAP_REQUEST || eap->code > IKE_EAP_FAILURE)
		return ike_fail_inval(err, "unknown EAP code");
	if (!typed && eap->len)
		return ike_fail_inval(err, "EAP Success/Failure with data");
	if (len > UINT16_MAX)
		return ike_fail_inval(err, "EAP message too long");
	ike_put_u8(w, eap->code);
	ike_put_u8(w, eap->ident);
	ike_put_u16(w, (uint16_t)len);
	if (typed) {
		ike_put_u8(w, eap->type);
		ike_put_bytes(w, eap->data, eap->len);
	}
	return 0;
}

static int eap_parse(struct ike_payload *pl, struct ike_reader *r,
		     struct ike_error *err)
{
	return ike_eap_parse(pl->eap, r, err);
}

static int eap_build(struct ike_writer *w, const struct ike_payload *pl,
		     struct ike_error *err)
{
	return ike_eap_build(w, pl->eap, err);
}

const struct ike_payload_ops ike_eap_ops = {
	.size = sizeof(struct ike_eap),
	.parse = eap_parse,
	.build = eap_build,
};
