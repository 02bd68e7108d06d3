// SPDX-License-Identifier: GPL-2.0
/*
 * TSi/TSr payload: selector count, three reserved bytes, selectors.
 */
#include <stdlib.h>
#include <string.h>

#include "ike/ts.h"

#define SELECTOR_HDR	8

size_t ike_selector_addr_len(uint8_t type)
{
	switch (type) {
	case IKE_TS_IPV4_ADDR_RANGE:
		return 4;
	case IKE_TS_IPV6_ADDR_RANGE:
		return 16;
	}
	return 0;
}

static int parse_selector(struct ike_selector *s, struct ike_reader *r,
			  struct ike_error *err)
{
	size_t alen;
	uint16_t len;

	if (ike_left(r) < SELECTOR_HDR)
		return ike_fail_length(err, "selector truncated");
	s->type = ike_get_u8(r);
	s->ip_proto = ike_get_u8(r);
	len = ike_get_u16(r);
	alen = ike_selector_addr_len(s->type);
	if (!alen)
		return ike_fail_syntax(err, "unsupported selector type");
	if (len != SELECTOR_HDR + 2 * alen)
		return ike_fail_length(err,
			"selector length does not match its type");
	if ((size_t)len - 4 > ike_left(r))
		return ike_fail_length(err, "selector runs past the payload");
	s->start_port = ike_get_u16(r);
	s->end_port = ike_get_u16(r);
	ike_get_copy(r, s->start, alen);
	ike_get_copy(r, s->end, alen);
	return 0;
}

int ike_ts_parse(struct ike_ts *ts, struct ike_reader *r,
		 struct ike_error *err)
{
	unsigned int n;

	memset(ts, 0, sizeof(*ts));
	n = ike_get_u8(r);
	ike_skip(r, 3);
	if (!ike_reader_ok(r))
		return ike_fail_truncated(err, "TS header truncated");
	if (!n)
		return ike_fail_syntax(err, "no traffic selectors");
	if (n > IKE_TS_MAX)
		return ike_fail_limit(err, "more than 32 traffic selectors");
	if ((size_t)n * (SELECTOR_HDR + 2 * 4) > ike_left(r))
		return ike_fail_length(err, "selectors run past the payload");
	ts->sel = calloc(n, sizeof(*ts->sel));
	if (!ts->sel)
		return ike_fail(err, IKE_ERR_NOMEM, 0, "out of memory");
	for (unsigned int i = 0; i < n; i++)
		if (parse_selector(&ts->sel[i], r, err))
			goto fail;
	if (ike_left(r)) {
		ike_fail_length(err, "data after the last selector");
		goto fail;
	}
	ts->n = n;
	return 0;
fail:
	ike_ts_free(ts);
	return -1;
}

void ike_ts_free(struct ike_ts *ts)
{
	free(ts->sel);
	memset(ts, 0, sizeof(*ts));
}

int ike_ts_build(struct ike_writer *w, const struct ike_ts *ts,
		 struct ike_error *err)
{
	const struct ike_selector *s;
	size_t alen;

	if (!ts->n || ts->n > IKE_TS_MAX)
		return ike_fail_inval(err, "TS needs 1 to 32 selectors");
	ike_put_u8(w, (uint8_t)ts->n);
	ike_put_zero(w, 3);
	for (unsigned int i = 0; i < ts->n; i++) {
		s = &ts->sel[i];
		alen = ike_selector_addr_len(s->type);
		if (!alen)
			return ike_fail_inval(err, "unsupported selector type");
		ike_put_u8(w, s->type);
		ike_put_u8(w, s->ip_proto);
		ike_put_u16(w, (uint16_t)(SELECTOR_HDR + 2 * alen));
		ike_put_u16(w, s->start_port);
		ike_put_u16(w, s->end_port);
		ike_put_bytes(w, s->start, alen);
		ike_put_bytes(w, s->end, alen);
	}
	return 0;
}

static int ts_parse(struct ike_payload *pl, struct ike_reader *r,
		    struct ike_error *err)
{
	return ike_ts_parse(pl->ts, r, err);
}

static int ts_build(struct ike_writer *w, const struct ike_payload *pl,
		    struct ike_error *err)
{
	return ike_ts_build(w, pl->ts, err);
}

static void ts_release(struct ike_payload *pl)
{
	ike_ts_free(pl->ts);
}

const struct ike_payload_ops ike_ts_ops = {
	.size = sizeof(struct ike_ts),
	.parse = ts_parse,
	.build = ts_build,
	.release = ts_release,
};
