// SPDX-License-Identifier: GPL-2.0
/*
 * CERT and CERTREQ payloads: encoding byte, then certificate data or a
 * list of CA key hashes.
 */
#include "ike/cert.h"

static int parse(struct ike_cert *c, struct ike_reader *r,
		 struct ike_error *err)
{
	c->encoding = ike_get_u8(r);
	if (!ike_reader_ok(r))
		return ike_fail_truncated(err, "certificate encoding missing");
	c->data = ike_get_rest(r, &c->len);
	return 0;
}

static void build(struct ike_writer *w, const struct ike_cert *c)
{
	ike_put_u8(w, c->encoding);
	ike_put_bytes(w, c->data, c->len);
}

static const char *check_req(const struct ike_cert *req)
{
	if (req->encoding == IKE_CERT_X509_SIG &&
	    req->len % IKE_CERTREQ_HASH_LEN)
		return "CERTREQ not a list of 20-byte hashes";
	return NULL;
}

int ike_cert_parse(struct ike_cert *cert, struct ike_reader *r,
		   struct ike_error *err)
{
	if (parse(cert, r, err))
		return -1;
	if (!cert->len)
		return ike_fail_syntax(err, "empty certificate");
	return 0;
}

int ike_cert_build(struct ike_writer *w, const struct ike_cert *cert,
		   struct ike_error *err)
{
	if (!cert->len)
		return ike_fail_inval(err, "empty certificate");
	build(w, cert);
	return 0;
}

int ike_certreq_parse(struct ike_cert *req, struct ike_reader *r,
		      struct ike_error *err)
{
	const char *why;

	if (parse(req, r, err))
		return -1;
	why = check_req(req);
	return why ? ike_fail_syntax(err, why) : 0;
}

int ike_certreq_build(struct ike_writer *w, const struct ike_cert *req,
		      struct ike_error *err)
{
	const char *why = check_req(req);

	if (why)
		return ike_fail_inval(err, why);
	build(w, req);
	return 0;
}

static int cert_parse(struct ike_payload *pl, struct ike_reader *r,
		      struct ike_error *err)
{
	return ike_cert_parse(pl->cert, r, err);
}

static int cert_build(struct ike_writer *w, const struct ike_payload *pl,
		      struct ike_error *err)
{
	return ike_cert_build(w, pl->cert, err);
}

static int certreq_parse(struct ike_payload *pl, struct ike_reader *r,
			 struct ike_error *err)
{
	return ike_certreq_parse(pl->cert, r, err);
}

static int certreq_build(struct ike_writer *w, const struct ike_payload *pl,
			 struct ike_error *err)
{
	return ike_certreq_build(w, pl->cert, err);
}

const struct ike_payload_ops ike_cert_ops = {
	.size = sizeof(struct ike_cert),
	.parse = cert_parse,
	.build = cert_build,
};

const struct ike_payload_ops ike_certreq_ops = {
	.size = sizeof(struct ike_cert),
	.parse = certreq_parse,
	.build = certreq_build,
};
