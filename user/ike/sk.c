// SPDX-License-Identifier: GPL-2.0
/*
 * SK and SKF payloads: opaque encrypted bodies at the end of a message.
 */
#include "ike/sk.h"

static void put_body(struct ike_writer *w, const uint8_t *body, size_t len)
{
	if (body)
		ike_put_bytes(w, body, len);
	else
		ike_put_zero(w, len);
}

int ike_sk_parse(struct ike_sk *sk, struct ike_reader *r,
		 struct ike_error *err)
{
	sk->body = ike_get_rest(r, &sk->len);
	if (!sk->len)
		return ike_fail_syntax(err, "empty encrypted payload");
	return 0;
}

int ike_sk_build(struct ike_writer *w, const struct ike_sk *sk,
		 struct ike_error *err)
{
	if (!sk->len)
		return ike_fail_inval(err, "empty encrypted payload");
	put_body(w, sk->body, sk->len);
	return 0;
}

static const char *check_skf(const struct ike_skf *skf)
{
	if (!skf->number || skf->number > skf->total)
		return "fragment number not within 1..total";
	if (!skf->len)
		return "empty encrypted fragment";
	return NULL;
}

int ike_skf_parse(struct ike_skf *skf, struct ike_reader *r,
		  struct ike_error *err)
{
	const char *why;

	skf->number = ike_get_u16(r);
	skf->total = ike_get_u16(r);
	if (!ike_reader_ok(r))
		return ike_fail_truncated(err, "SKF header truncated");
	skf->body = ike_get_rest(r, &skf->len);
	why = check_skf(skf);
	return why ? ike_fail_syntax(err, why) : 0;
}

int ike_skf_build(struct ike_writer *w, const struct ike_skf *skf,
		  struct ike_error *err)
{
	const char *why = check_skf(skf);

	if (why)
		return ike_fail_inval(err, why);
	ike_put_u16(w, skf->number);
	ike_put_u16(w, skf->total);
	put_body(w, skf->body, skf->len);
	return 0;
}

static int sk_parse(struct ike_payload *pl, struct ike_reader *r,
		    struct ike_error *err)
{
	return ike_sk_parse(pl->sk, r, err);
}

static int sk_build(struct ike_writer *w, const struct ike_payload *pl,
		    struct ike_error *err)
{
	return ike_sk_build(w, pl->sk, err);
}

static int skf_parse(struct ike_payload *pl, struct ike_reader *r,
		     struct ike_error *err)
{
	return ike_skf_parse(pl->skf, r, err);
}

static int skf_build(struct ike_writer *w, const struct ike_payload *pl,
		     struct ike_error *err)
{
	return ike_skf_build(w, pl->skf, err);
}

const struct ike_payload_ops ike_sk_ops = {
	.size = sizeof(struct ike_sk),
	.last = true,
	.parse = sk_parse,
	.build = sk_build,
};

const struct ike_payload_ops ike_skf_ops = {
	.size = sizeof(struct ike_skf),
	.last = true,
	.parse = skf_parse,
	.build = skf_build,
};
