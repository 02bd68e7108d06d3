// SPDX-License-Identifier: GPL-2.0
/*
 * The payload type table, and the generic payload header around a body.
 */
#include <stdlib.h>

#include "ike/payload.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const struct ike_payload_ops *const ops[] = {
	[IKE_PL_SA]		= &ike_sa_ops,
	[IKE_PL_KE]		= &ike_ke_ops,
	[IKE_PL_IDI]		= &ike_id_ops,
	[IKE_PL_IDR]		= &ike_id_ops,
	[IKE_PL_CERT]		= &ike_cert_ops,
	[IKE_PL_CERTREQ]	= &ike_certreq_ops,
	[IKE_PL_AUTH]		= &ike_auth_ops,
	[IKE_PL_NONCE]		= &ike_nonce_ops,
	[IKE_PL_NOTIFY]		= &ike_notify_ops,
	[IKE_PL_DELETE]		= &ike_delete_ops,
	[IKE_PL_VENDOR]		= &ike_vendor_ops,
	[IKE_PL_TSI]		= &ike_ts_ops,
	[IKE_PL_TSR]		= &ike_ts_ops,
	[IKE_PL_SK]		= &ike_sk_ops,
	[IKE_PL_CP]		= &ike_cp_ops,
	[IKE_PL_EAP]		= &ike_eap_ops,
	[IKE_PL_SKF]		= &ike_skf_ops,
};

const struct ike_payload_ops *ike_payload_lookup(uint8_t type)
{
	return type < ARRAY_SIZE(ops) ? ops[type] : NULL;
}

int ike_payload_decode(struct ike_payload *pl, struct ike_error *err)
{
	const struct ike_payload_ops *o = ike_payload_lookup(pl->type);
	struct ike_reader r;

	pl->any = NULL;
	pl->owned = false;
	if (!o)
		return ike_fail_inval(err, "no codec for payload type");
	pl->any = calloc(1, o->size);
	if (!pl->any) {
		ike_fail(err, IKE_ERR_NOMEM, 0, "out of memory");
		goto fail;
	}
	pl->owned = true;
	ike_reader_init(&r, pl->body, pl->body_len);
	if (o->parse(pl, &r, err))
		goto fail;
	if (ike_left(&r)) {
		ike_fail_length(err, "payload longer than its contents");
		goto fail;
	}
	return 0;

fail:
	ike_payload_free(pl);
	if (err)
		err->payload = pl->type;
	return -1;
}

int ike_payload_build(struct ike_writer *w, const struct ike_payload *pl,
		      uint8_t next, struct ike_error *err)
{
	const struct ike_payload_ops *o = ike_payload_lookup(pl->type);
	size_t start = w->len;

	if (!o || !pl->any) {
		ike_fail_inval(err, !o ? "no codec for payload type" :
					 "payload without contents");
		goto fail;
	}
	ike_put_u8(w, next);
	ike_put_u8(w, pl->critical ? IKE_PAYLOAD_CRITICAL : 0);
	ike_put_reserve(w, 2);
	if (o->build(w, pl, err))
		goto fail;
	if (!ike_writer_ok(w)) {
		ike_fail(err, IKE_ERR_NOMEM, 0, "output buffer exhausted");
		goto fail;
	}
	if (w->len - start > UINT16_MAX) {
		ike_fail_inval(err, "payload longer than 65535 bytes");
		goto fail;
	}
	ike_patch_u16(w, start + 2, (uint16_t)(w->len - start));
	return 0;

fail:
	if (err)
		err->payload = pl->type;
	return -1;
}

void ike_payload_free(struct ike_payload *pl)
{
	const struct ike_payload_ops *o = ike_payload_lookup(pl->type);

	if (!pl->owned)
		return;
	if (o && o->release)
		o->release(pl);
	free(pl->any);
	pl->any = NULL;
	pl->owned = false;
}
