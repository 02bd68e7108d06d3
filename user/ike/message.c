// SPDX-License-Identifier: GPL-2.0
/*
 * IKE header and payload chain: parse and build whole messages.
 */
#include <stdlib.h>
#include <string.h>

#include "ike/message.h"
#include "ike/notify.h"

static void clear_error(struct ike_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int ike_header_parse(struct ike_header *h, const uint8_t *buf, size_t len,
		     struct ike_error *err)
{
	struct ike_reader r;

	clear_error(err);
	memset(h, 0, sizeof(*h));
	if (len < IKE_HEADER_LEN)
		return ike_fail(err, IKE_ERR_TRUNCATED, 0,
				"message shorter than the IKE header");
	ike_reader_init(&r, buf, len);
	h->spi_i = ike_get_u64(&r);
	h->spi_r = ike_get_u64(&r);
	h->next = ike_get_u8(&r);
	h->version = ike_get_u8(&r);
	h->exchange = ike_get_u8(&r);
	h->flags = ike_get_u8(&r);
	h->msg_id = ike_get_u32(&r);
	h->length = ike_get_u32(&r);

	if (h->version >> 4 != IKE_MAJOR_VERSION)
		return ike_fail(err, IKE_ERR_VERSION,
				IKE_N_INVALID_MAJOR_VERSION,
				"major version is not 2");
	if (h->length < IKE_HEADER_LEN)
		return ike_fail(err, IKE_ERR_LENGTH, 0,
				"header length below 28");
	if (h->length != len)
		return ike_fail(err, IKE_ERR_LENGTH, 0,
				"header length differs from message size");
	return 0;
}

void ike_header_build(struct ike_writer *w, const struct ike_header *h)
{
	ike_put_u64(w, h->spi_i);
	ike_put_u64(w, h->spi_r);
	ike_put_u8(w, h->next);
	ike_put_u8(w, IKE_VERSION_2_0);
	ike_put_u8(w, h->exchange);
	ike_put_u8(w, h->flags & IKE_FLAGS_KNOWN);
	ike_put_u32(w, h->msg_id);
	ike_put_u32(w, h->length);
}

void ike_chain_free(struct ike_chain *c)
{
	for (unsigned int i = 0; i < c->count; i++)
		ike_payload_free(&c->pl[i]);
	free(c->pl);
	memset(c, 0, sizeof(*c));
}

/*
 * How many payloads the chain holds that the codec decodes: a walk of
 * the generic headers, so that the array is allocated once and exactly.
 * Whatever does not hold together is left to the parse to report.
 */
static unsigned int count_payloads(uint8_t type, const uint8_t *buf,
				   size_t len)
{
	const struct ike_payload_ops *o;
	struct ike_reader r;
	unsigned int n = 0;
	uint16_t plen;

	ike_reader_init(&r, buf, len);
	while (type != IKE_PL_NONE && ike_left(&r) >= IKE_PAYLOAD_HEADER_LEN) {
		o = ike_payload_lookup(type);
		type = ike_get_u8(&r);
		ike_skip(&r, 1);
		plen = ike_get_u16(&r);
		if (plen < IKE_PAYLOAD_HEADER_LEN ||
		    (size_t)plen - IKE_PAYLOAD_HEADER_LEN > ike_left(&r))
			break;
		ike_skip(&r, plen - IKE_PAYLOAD_HEADER_LEN);
		if (!o)
			continue;
		n++;
		if (o->last)
			break;
	}
	return n;
}

/* Room for one more payload; 0 or -1. */
static int grow(struct ike_chain *c, unsigned int room)
{
	struct ike_payload *pl;

	if (c->count < c->room)
		return 0;
	if (room <= c->room)
		room = c->room ? c->room * 2 : 8;
	pl = realloc(c->pl, room * sizeof(*pl));
	if (!pl)
		return -1;
	c->pl = pl;
	c->room = room;
	return 0;
}

int ike_chain_parse(struct ike_chain *c, uint8_t first, const uint8_t *buf,
		    size_t len, struct ike_error *err)
{
	const struct ike_payload_ops *o;
	struct ike_payload *pl;
	struct ike_reader r, body;
	uint8_t type = first, next, flags;
	unsigned int n;
	uint16_t plen;

	clear_error(err);
	memset(c, 0, sizeof(*c));
	n = count_payloads(first, buf, len);
	if (n && grow(c, n)) {
		ike_fail(err, IKE_ERR_NOMEM, 0, "out of memory");
		return -1;
	}
	ike_reader_init(&r, buf, len);

	while (type != IKE_PL_NONE) {
		if (ike_left(&r) < IKE_PAYLOAD_HEADER_LEN) {
			ike_fail_truncated(err, "payload header truncated");
			goto fail;
		}
		next = ike_get_u8(&r);
		flags = ike_get_u8(&r);
		plen = ike_get_u16(&r);
		if (plen < IKE_PAYLOAD_HEADER_LEN) {
			ike_fail_length(err, "payload length below 4");
			goto fail;
		}
		if (!ike_get_sub(&r, plen - IKE_PAYLOAD_HEADER_LEN, &body)) {
			ike_fail_length(err, "payload runs past the end");
			goto fail;
		}

		o = ike_payload_lookup(type);
		if (!o) {
			if (flags & IKE_PAYLOAD_CRITICAL) {
				ike_fail(err, IKE_ERR_CRITICAL,
					 IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD,
					 "unknown payload marked critical");
				if (err)
					err->payload = type;
				goto fail;
			}
			type = next;	/* unknown, not critical: skip */
			continue;
		}
		if (grow(c, 0)) {
			ike_fail(err, IKE_ERR_NOMEM, 0, "out of memory");
			goto fail;
		}

		pl = &c->pl[c->count];
		memset(pl, 0, sizeof(*pl));
		pl->type = type;
		pl->next = next;
		pl->critical = flags & IKE_PAYLOAD_CRITICAL;
		pl->body = ike_get_rest(&body, &pl->body_len);
		if (ike_payload_decode(pl, err))
			goto fail;
		c->count++;

		if (o->last) {
			if (ike_left(&r)) {
				ike_fail_length(err,
					"data after the encrypted payload");
				goto fail;
			}
			break;
		}
		type = next;
	}
	if (ike_left(&r)) {
		ike_fail_length(err, "data after the last payload");
		goto fail;
	}
	return 0;

fail:
	ike_chain_free(c);
	return -1;
}

int ike_chain_build(struct ike_writer *w, const struct ike_chain *c,
		    struct ike_error *err)
{
	const struct ike_payload_ops *o;
	const struct ike_payload *pl;
	uint8_t next;

	clear_error(err);
	for (unsigned int i = 0; i < c->count; i++) {
		pl = &c->pl[i];
		o = ike_payload_lookup(pl->type);
		next = i + 1 < c->count ? c->pl[i + 1].type : IKE_PL_NONE;
		if (o && o->last) {
			if (i + 1 != c->count) {
				ike_fail_inval(err,
					"encrypted payload must be last");
				if (err)
					err->payload = pl->type;
				return -1;
			}
			next = pl->next;
		}
		if (ike_payload_build(w, pl, next, err))
			return -1;
	}
	return 0;
}

int ike_chain_add(struct ike_chain *c, uint8_t type, void *body,
		  struct ike_error *err)
{
	struct ike_payload *pl;

	if (grow(c, 0))
		return ike_fail(err, IKE_ERR_NOMEM, 0, "out of memory");
	pl = &c->pl[c->count++];
	memset(pl, 0, sizeof(*pl));
	pl->type = type;
	pl->any = body;
	return 0;
}

const struct ike_payload *ike_chain_find(const struct ike_chain *c,
					 uint8_t type,
					 const struct ike_payload *after)
{
	unsigned int i = after ? (unsigned int)(after - c->pl) + 1 : 0;

	for (; i < c->count; i++)
		if (c->pl[i].type == type)
			return &c->pl[i];
	return NULL;
}

const struct ike_payload *ike_chain_find_notify(const struct ike_chain *c,
						uint16_t type)
{
	const struct ike_payload *pl = NULL;

	while ((pl = ike_chain_find(c, IKE_PL_NOTIFY, pl)))
		if (pl->notify->type == type)
			return pl;
	return NULL;
}

int ike_message_parse(struct ike_message *m, const uint8_t *buf, size_t len,
		      struct ike_error *err)
{
	memset(m, 0, sizeof(*m));
	if (ike_header_parse(&m->hdr, buf, len, err))
		return -1;
	return ike_chain_parse(&m->chain, m->hdr.next, buf + IKE_HEADER_LEN,
			       len - IKE_HEADER_LEN, err);
}

int ike_message_build(struct ike_writer *w, const struct ike_message *m,
		      struct ike_error *err)
{
	struct ike_header h = m->hdr;
	size_t start = w->len;

	clear_error(err);
	h.next = m->chain.count ? m->chain.pl[0].type : IKE_PL_NONE;
	h.length = 0;
	ike_header_build(w, &h);
	if (ike_chain_build(w, &m->chain, err))
		return -1;
	if (!ike_writer_ok(w))
		return ike_fail(err, IKE_ERR_NOMEM, 0, "output buffer exhausted");
	ike_patch_u32(w, start + 24, (uint32_t)(w->len - start));
	return 0;
}

void ike_message_free(struct ike_message *m)
{
	ike_chain_free(&m->chain);
}
