// SPDX-License-Identifier: GPL-2.0
/*
 * IKE fragmentation (RFC 7383): negotiation, splitting and reassembly.
 * See fragment.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>

#include "engine/exchange.h"
#include "engine/fragment.h"
#include "engine/ike_sa.h"
#include "engine/window.h"
#include "ike/sk.h"

#define IKE_UDP_PORT	500
/* Fragment Number and Total Fragments, after the generic header. */
#define SKF_HEADER_LEN	(IKE_PAYLOAD_HEADER_LEN + 4)

void fragment_add_notify(const struct ikesa *sa, struct ike_chain *chain,
			 struct ike_notify *n)
{
	struct ike_error err;

	if (sa->initiator ? !sa->conn->fragmentation : !sa->frag)
		return;
	ikesa_notify(n, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	ike_chain_add(chain, IKE_PL_NOTIFY, n, &err);
}

void fragment_check_notify(struct ikesa *sa, const struct ike_chain *ch)
{
	sa->frag = sa->conn->fragmentation &&
		   ike_chain_find_notify(ch, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED);
}

/* The largest datagram we send to the peer. */
static size_t dgram_max(const struct ikesa *sa)
{
	if (sa->conn->fragment_size)
		return sa->conn->fragment_size;
	return sa->remote.family == AF_INET ? FRAGMENT_SIZE_IPV4 :
					      FRAGMENT_SIZE_IPV6;
}

/* What the IP and UDP headers take of it, and the non-ESP marker. */
static size_t dgram_headers(const struct ikesa *sa)
{
	size_t n = (sa->remote.family == AF_INET ? 20 : 40) + 8;

	if (sa->local_port != IKE_UDP_PORT || sa->remote_port != IKE_UDP_PORT)
		n += 4;
	return n;
}

/* The most plaintext one fragment carries; 0: none fits. */
static size_t chunk_len(const struct ikesa *sa)
{
	size_t max = dgram_max(sa);
	size_t fixed = dgram_headers(sa) + IKE_HEADER_LEN + SKF_HEADER_LEN;
	size_t room, c;

	if (max <= fixed)
		return 0;
	room = max - fixed;
	/* The padding of a block cipher makes the overhead vary a little. */
	for (c = room; c; c--)
		if (c + sk_overhead(&sa->sk_out, c) <= room)
			return c;
	return 0;
}

bool fragment_wanted(const struct ikesa *sa, size_t plain_len)
{
	size_t whole, c;

	if (!sa->frag)
		return false;
	whole = dgram_headers(sa) + IKE_HEADER_LEN + IKE_PAYLOAD_HEADER_LEN +
		plain_len + sk_overhead(&sa->sk_out, plain_len);
	if (whole <= dgram_max(sa))
		return false;
	c = chunk_len(sa);
	return c && (plain_len + c - 1) / c <= UINT16_MAX;
}

/* One fragment at the end of w. */
static int seal_one(struct ikesa *sa, const struct ike_header *hdr,
		    uint8_t first, uint16_t number, uint16_t total,
		    const uint8_t *plain, size_t len, struct ike_writer *w)
{
	struct ike_skf skf = {
		.number = number, .total = total, .body = NULL,
		.len = len + sk_overhead(&sa->sk_out, len),
	};
	struct ike_message m = { .hdr = *hdr };
	struct ike_error err;
	size_t start = w->len;
	int ret = -ENOMEM;

	if (ike_chain_add(&m.chain, IKE_PL_SKF, &skf, &err))
		goto out;
	/* The type of the first inner payload, in the first fragment. */
	m.chain.pl[0].next = number == 1 ? first : IKE_PL_NONE;
	ret = -EINVAL;
	if (ike_message_build(w, &m, &err))
		goto out;
	ret = ikesa_encrypt_tail(sa, w, start, plain, len);
out:
	ike_message_free(&m);
	return ret;
}

int fragment_seal(struct ikesa *sa, const struct ike_header *hdr,
		  uint8_t first, const uint8_t *plain, size_t len,
		  struct ike_writer *w)
{
	size_t c = chunk_len(sa), off = 0;
	uint16_t total, i;
	int ret = 0;

	if (!c || (len + c - 1) / c > UINT16_MAX)
		return -EMSGSIZE;
	total = (uint16_t)((len + c - 1) / c);
	for (i = 1; i <= total && !ret; i++, off += c)
		ret = seal_one(sa, hdr, first, i, total, plain + off,
			       len - off < c ? len - off : c, w);
	if (!ret)
		engine_logf(sa->engine, ENGINE_LOG_DEBUG, sa, "%s %s %u: "
			    "%zu bytes of payloads in %u fragments",
			    ike_exchange_name(hdr->exchange),
			    hdr->flags & IKE_FLAG_RESPONSE ? "response" :
			    "request", hdr->msg_id, len, total);
	return ret;
}

size_t fragment_dgram_len(const uint8_t *buf, size_t len)
{
	uint32_t n;

	if (len < IKE_HEADER_LEN)
		return len;
	n = (uint32_t)buf[24] << 24 | (uint32_t)buf[25] << 16 |
	    (uint32_t)buf[26] << 8 | buf[27];
	return n >= IKE_HEADER_LEN && n <= len ? n : len;
}

static void wipe_free(uint8_t *p, size_t len)
{
	if (p) {
		gnutls_memset(p, 0, len);
		free(p);
	}
}

/* Forget the fragments held, to start the message anew. */
static void reset(struct reassembly *r, uint64_t now)
{
	for (unsigned int i = 0; i < FRAGMENT_MAX; i++) {
		wipe_free(r->frag[i].p, r->frag[i].len);
		r->frag[i].p = NULL;
		r->frag[i].len = 0;
	}
	r->total = 0;
	r->held = 0;
	r->bytes = 0;
	r->refused = false;
	r->first = IKE_PL_NONE;
	r->started = now;
}

static void drop(struct ikesa *sa, bool response)
{
	struct reassembly *r = sa->reasm[response];

	if (!r)
		return;
	reset(r, 0);
	free(r);
	sa->reasm[response] = NULL;
}

static const char *kind(bool response)
{
	return response ? "response" : "request";
}

/* Check and decrypt one fragment into a malloc'ed buffer. */
static int open_one(struct ikesa *sa, const struct engine_msg *m,
		    const struct ike_skf *f, uint8_t **out, size_t *out_len)
{
	size_t len = f->len;
	uint8_t *p = malloc(len);

	if (!p)
		return -ENOMEM;
	if (sk_decrypt(&sa->sk_in, m->buf, (size_t)(f->body - m->buf),
		       f->body, f->len, p, &len)) {
		free(p);
		engine_logf(sa->engine, ENGINE_LOG_DEBUG, sa, "%s %s %u: "
			    "fragment %u of %u fails its integrity check: "
			    "dropped", ike_exchange_name(m->hdr->exchange),
			    kind(m->hdr->flags & IKE_FLAG_RESPONSE),
			    m->hdr->msg_id, f->number, f->total);
		return -EBADMSG;
	}
	*out = p;
	*out_len = len;
	return 0;
}

/*
 * A fragment of a request already answered: its first fragment, once
 * authenticated, has the response sent again (§2.6.1); the others are
 * ignored.
 */
static int again(struct ikesa *sa, const struct engine_msg *m,
		 const struct ike_skf *f)
{
	uint8_t *p;
	size_t len;

	if (f->number != 1)
		return -EINPROGRESS;
	if (open_one(sa, m, f, &p, &len))
		return -EBADMSG;
	wipe_free(p, len);
	return 0;
}

/* Every fragment is held: the message, decrypted, into inner and plain. */
static int assemble(struct ikesa *sa, bool response, struct ike_chain *inner,
		    struct ikesa_plain *plain, struct ike_error *err)
{
	struct reassembly *r = sa->reasm[response];
	uint8_t first = r->first, *p = malloc(r->bytes + 1);
	uint16_t total = r->total;
	uint32_t msg_id = r->msg_id;
	uint8_t exchange = r->exchange;
	size_t at = 0;

	if (p)
		for (unsigned int i = 0; i < total; i++) {
			memcpy(p + at, r->frag[i].p, r->frag[i].len);
			at += r->frag[i].len;
		}
	drop(sa, response);
	if (!p)
		return -EBADMSG;
	engine_logf(sa->engine, ENGINE_LOG_DEBUG, sa, "%s %s %u: "
		    "reassembled from %u fragments, %zu bytes of payloads",
		    ike_exchange_name(exchange), kind(response), msg_id, total,
		    at);
	if (ike_chain_parse(inner, first, p, at, err)) {
		wipe_free(p, at);
		if (!err->notify)
			err->notify = IKE_N_INVALID_SYNTAX;
		return -EINVAL;
	}
	plain->p = p;
	plain->len = at;
	return 0;
}

/* Hold one fragment, pl, of m. */
static int take(struct ikesa *sa, const struct engine_msg *m,
		const struct ike_payload *pl, struct ike_chain *inner,
		struct ikesa_plain *plain, struct ike_error *err)
{
	const struct ike_header *h = m->hdr;
	const struct ike_skf *f = pl->skf;
	bool response = h->flags & IKE_FLAG_RESPONSE;
	const char *x = ike_exchange_name(h->exchange);
	struct reassembly *r;
	uint8_t *p;
	size_t len;

	if (!sa->frag || !sa->keyed) {
		engine_logf(sa->engine, ENGINE_LOG_DEBUG, sa, "%s %s %u: a "
			    "fragment, but fragmentation was not negotiated: "
			    "dropped", x, kind(response), h->msg_id);
		return -EBADMSG;
	}
	if (f->total > FRAGMENT_MAX) {
		engine_logf(sa->engine, ENGINE_LOG_DEBUG, sa, "%s %s %u: in "
			    "%u fragments, more than %u: dropped", x,
			    kind(response), h->msg_id, f->total, FRAGMENT_MAX);
		return -EBADMSG;
	}
	if (!response && window_verdict(sa, h->msg_id) == WINDOW_AGAIN)
		return again(sa, m, f);
	/* The window moved on: what was held of another message goes. */
	r = sa->reasm[response];
	if (r && r->msg_id != h->msg_id) {
		drop(sa, response);
		r = NULL;
	}
	/* Of another exchange, or of an earlier try (§2.6): dropped. */
	if (r && (h->exchange != r->exchange || f->total < r->total))
		return -EINPROGRESS;
	if (r && f->total == r->total &&
	    (r->refused || r->frag[f->number - 1].p))
		return -EINPROGRESS;	/* a duplicate */
	if (open_one(sa, m, f, &p, &len))
		return -EBADMSG;

	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r) {
			wipe_free(p, len);
			return -EBADMSG;
		}
		sa->reasm[response] = r;
		r->msg_id = h->msg_id;
		r->exchange = h->exchange;
		r->started = m->now;
	} else if (f->total > r->total) {
		/* Sent again in more fragments: start anew (§2.6). */
		reset(r, m->now);
	}
	r->total = f->total;
	if (r->bytes + len > FRAGMENT_MAX_BYTES) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "%s %s %u: "
			    "more than %u bytes in fragments: dropped", x,
			    kind(response), h->msg_id, FRAGMENT_MAX_BYTES);
		reset(r, r->started);
		r->total = f->total;
		r->refused = true;
		wipe_free(p, len);
		return -EINPROGRESS;
	}
	r->frag[f->number - 1].p = p;
	r->frag[f->number - 1].len = len;
	r->held++;
	r->bytes += len;
	if (f->number == 1)
		r->first = pl->next;
	if (r->held < r->total)
		return -EINPROGRESS;
	return assemble(sa, response, inner, plain, err);
}

int fragment_open(struct ikesa *sa, const struct engine_msg *m,
		  struct ike_chain *inner, struct ikesa_plain *plain,
		  struct ike_error *err)
{
	const struct ike_payload *pl = NULL;
	struct ike_message *msg;
	int ret;

	/* Most messages are one SK payload and no fragment. */
	if (m->hdr->next == IKE_PL_SK)
		return ikesa_decrypt(sa, m->buf, m->len, inner, plain, err);
	msg = calloc(1, sizeof(*msg));
	if (!msg)
		return -EBADMSG;
	if (!ike_message_parse(msg, m->buf, m->len, err) && msg->chain.count)
		pl = &msg->chain.pl[msg->chain.count - 1];
	if (!pl || pl->type != IKE_PL_SKF) {
		ike_message_free(msg);
		free(msg);
		return ikesa_decrypt(sa, m->buf, m->len, inner, plain, err);
	}
	memset(inner, 0, sizeof(*inner));
	memset(err, 0, sizeof(*err));
	plain->p = NULL;
	plain->len = 0;
	ret = take(sa, m, pl, inner, plain, err);
	ike_message_free(msg);
	free(msg);
	return ret;
}

uint64_t fragment_deadline(const struct ikesa *sa)
{
	uint64_t d = 0, t;

	for (int i = 0; i < 2; i++) {
		if (!sa->reasm[i])
			continue;
		t = sa->reasm[i]->started + FRAGMENT_TIMEOUT_MS;
		if (!d || t < d)
			d = t;
	}
	return d;
}

void fragment_expire(struct ikesa *sa, uint64_t now)
{
	struct reassembly *r;

	for (int i = 0; i < 2; i++) {
		r = sa->reasm[i];
		if (!r || now < r->started + FRAGMENT_TIMEOUT_MS)
			continue;
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "%s %s %u: %u of "
			    "%u fragments in %u s: forgotten",
			    ike_exchange_name(r->exchange), kind(i), r->msg_id,
			    r->held, r->total, FRAGMENT_TIMEOUT_MS / 1000);
		drop(sa, i);
	}
}

void fragment_free(struct ikesa *sa)
{
	drop(sa, false);
	drop(sa, true);
}
