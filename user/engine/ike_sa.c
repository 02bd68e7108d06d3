// SPDX-License-Identifier: GPL-2.0
/*
 * IKE SA objects and the message plumbing shared by all exchanges:
 * building and protecting messages, the request window with its
 * retransmission state, and the cached response.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "crypto/random.h"
#include "engine/cfg.h"
#include "engine/ike_sa.h"
#include "engine/exchange.h"
#include "engine/fragment.h"
#include "engine/identity.h"
#include "engine/mif_failover.h"
#include "engine/window.h"
#include "ike/sk.h"

/*
 * The next free block of reqids (reqid_blocks.h: in a cycle, skipping
 * those in use); none when all 2^20 - 1 are, which never happens (each
 * IKE SA costs far more than 4 KiB).
 */
static void reqid_block(struct engine *e, struct ikesa *sa)
{
	uint32_t b = reqid_blocks_take(&e->reqid_blocks);

	if (b) {
		sa->reqid_base = b << IKESA_REQID_BITS;
		sa->reqid_next = 1;
	}
}

static bool reqid_in_use(const struct ikesa *sa, uint32_t reqid)
{
	for (const struct childsa *c = sa->children; c; c = c->next)
		if (c->reqid == reqid)
			return true;
	return false;
}

uint32_t ikesa_reqid(struct ikesa *sa)
{
	const uint32_t n = 1u << IKESA_REQID_BITS;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t r = sa->reqid_base | sa->reqid_next;

		sa->reqid_next = (sa->reqid_next + 1) % n ?: 1;
		if (!reqid_in_use(sa, r))
			return r;
	}
	return 0;
}

void ikesa_kernel_scope(const struct ikesa *sa, struct kernel_scope *s)
{
	memset(s, 0, sizeof(*s));
	s->reqid = sa->reqid_base;
	s->reqid_mask = IKESA_REQID_MASK;
}

struct ikesa *ikesa_new(struct engine *e, const struct conn *c,
			bool initiator, const struct ip_addr *local,
			uint16_t lport, const struct ip_addr *remote,
			uint16_t rport)
{
	struct ikesa *sa = calloc(1, sizeof(*sa));
	uint8_t spi[8];

	if (!sa)
		return NULL;
	if (random_ike_spi(spi)) {
		free(sa);
		return NULL;
	}
	sa->engine = e;
	sa->conn = c;
	sa->initiator = initiator;
	sa->state = IKESA_INIT;
	if (initiator)
		memcpy(&sa->spi_i, spi, 8);
	else
		memcpy(&sa->spi_r, spi, 8);
	sa->local = *local;
	sa->remote = *remote;
	sa->local_port = lport;
	sa->remote_port = rport;
	/* Room in the timer heap for every SA: filing it never fails. */
	if (timer_heap_reserve(&e->timers, e->n_sas + 1) ||
	    sa_table_insert(&e->by_spi, &sa->by_spi,
			    sa_hash_spi(initiator ? sa->spi_i : sa->spi_r,
					initiator))) {
		free(sa);
		return NULL;
	}
	sa->next = e->sas;
	if (sa->next)
		sa->next->pprev = &sa->next;
	sa->pprev = &e->sas;
	e->sas = sa;
	sa->seq = e->sa_seq++;
	e->n_sas++;
	conn_sas_link(e, sa);
	ikesa_touch(sa);
	reqid_block(e, sa);
	/* Whom we mean to talk to, for INITIAL_CONTACT (unique.c). */
	if (initiator && c->remote_id.len &&
	    !identity_is_wildcard(&c->remote_id) &&
	    ikesa_set_peer_id(sa, c->remote_id.type, c->remote_id.data,
			      c->remote_id.len)) {
		ikesa_destroy(sa);
		return NULL;
	}
	return sa;
}

uint64_t ikesa_hash_ids(const struct ikesa *sa)
{
	const struct conn_id *l = &sa->conn->local_id;
	uint8_t type = l->type;
	uint64_t h;

	h = sa_hash_bytes(0, &type, 1);
	h = sa_hash_bytes(h, l->data, l->len);
	return sa_hash_bytes(h, sa->peer_id, sa->peer_id_len);
}

int ikesa_set_peer_id(struct ikesa *sa, uint8_t type, const uint8_t *data,
		      size_t len)
{
	uint8_t *id = malloc(len + 1);

	if (!id)
		return -ENOMEM;
	id[0] = type;
	memcpy(id + 1, data, len);
	free(sa->peer_id);
	sa->peer_id = id;
	sa->peer_id_len = len + 1;
	return sa_table_insert(&sa->engine->by_id, &sa->by_id,
			       ikesa_hash_ids(sa));
}

int ikesa_set_spis(struct ikesa *sa, uint64_t spi_i, uint64_t spi_r)
{
	struct engine *e = sa->engine;

	sa->spi_i = spi_i;
	sa->spi_r = spi_r;
	sa_table_remove(&e->by_spi, &sa->by_spi);
	sa_table_remove(&e->by_peer, &sa->by_peer);
	if (sa_table_insert(&e->by_spi, &sa->by_spi,
			    sa_hash_spi(sa->initiator ? spi_i : spi_r,
					sa->initiator)))
		return -ENOMEM;
	return sa->initiator ? 0 : engine_hash_peer(e, sa);
}

static void free_buf(uint8_t **p, size_t *len)
{
	free(*p);
	*p = NULL;
	*len = 0;
}

int ikesa_set_nonce(struct ikesa *sa, bool nr, const uint8_t *data,
		    size_t len)
{
	uint8_t **p = nr ? &sa->nr : &sa->ni;
	size_t *plen = nr ? &sa->nr_len : &sa->ni_len;
	int ret;

	free_buf(p, plen);
	*p = malloc(len);
	if (!*p)
		return -ENOMEM;
	if (data) {
		memcpy(*p, data, len);
	} else {
		ret = random_nonce(*p, len);
		if (ret) {
			free_buf(p, plen);
			return ret;
		}
	}
	*plen = len;
	return 0;
}

void ikesa_drop_nonces(struct ikesa *sa)
{
	free_buf(&sa->ni, &sa->ni_len);
	free_buf(&sa->nr, &sa->nr_len);
}

static uint64_t addr_hash(const struct ip_addr *addr)
{
	return sa_hash_peer(addr, 0, 0);
}

void ikesa_half_open(struct ikesa *sa)
{
	struct engine *e = sa->engine;

	sa->state = IKESA_AUTH;
	if (!sa->half_open) {
		sa->half_open = true;
		e->n_half_open++;
		/* Not counted by address when out of memory: no harm. */
		sa_table_insert(&e->half_open, &sa->by_addr,
				addr_hash(&sa->remote));
	}
}

static void half_open_done(struct ikesa *sa)
{
	if (sa->half_open) {
		sa->half_open = false;
		sa->engine->n_half_open--;
		sa_table_remove(&sa->engine->half_open, &sa->by_addr);
	}
}

unsigned int ikesa_half_open_from(const struct engine *e,
				  const struct ip_addr *addr,
				  unsigned int max)
{
	const struct sa_node *n;
	const struct ikesa *sa;
	unsigned int count = 0;

	for (n = sa_table_first(&e->half_open, addr_hash(addr));
	     n && count < max; n = sa_table_next(n)) {
		sa = (const struct ikesa *)((const char *)n -
					    offsetof(struct ikesa, by_addr));
		count += ip_addr_equal(&sa->remote, addr);
	}
	return count;
}

void ikesa_touch(struct ikesa *sa)
{
	struct engine *e = sa->engine;

	if (sa->touched)
		return;
	sa->touched = true;
	sa->touched_next = e->touched;
	e->touched = sa;
}

void engine_touch_all(struct engine *e)
{
	e->touched_all = true;
}

/* Off the engine's timers: out of the heap, the touched list, the count. */
static void timers_leave(struct ikesa *sa)
{
	struct engine *e = sa->engine;
	struct ikesa **pp;

	timer_heap_remove(&e->timers, &sa->timer);
	if (sa->mobike_plain)
		e->n_mobike_plain--;
	sa->mobike_plain = false;
	/* The list holds what one entry point touched: a few SAs. */
	for (pp = &e->touched; sa->touched && *pp; pp = &(*pp)->touched_next)
		if (*pp == sa) {
			*pp = sa->touched_next;
			sa->touched = false;
			break;
		}
}

void ikesa_kill(struct ikesa *sa)
{
	struct engine *e = sa->engine;

	ikesa_touch(sa);
	rekey_queue_leave(sa);
	half_open_done(sa);
	if (sa->state != IKESA_DEAD)
		e->sa_gone++;
	ikesa_leave_established(sa);
	if (!sa->dead_pprev) {
		sa->dead_next = e->dead;
		if (sa->dead_next)
			sa->dead_next->dead_pprev = &sa->dead_next;
		sa->dead_pprev = &e->dead;
		e->dead = sa;
		e->n_dead++;
	}
	sa->state = IKESA_DEAD;
}

void ikesa_leave_established(struct ikesa *sa)
{
	if (sa->state == IKESA_ESTABLISHED)
		sa->engine->n_established--;
}

void ikesa_enter_established(struct ikesa *sa)
{
	if (sa->state != IKESA_ESTABLISHED)
		sa->engine->n_established++;
	sa->state = IKESA_ESTABLISHED;
}

void ikesa_undead(struct ikesa *sa)
{
	if (!sa->dead_pprev)
		return;
	*sa->dead_pprev = sa->dead_next;
	if (sa->dead_next)
		sa->dead_next->dead_pprev = sa->dead_pprev;
	sa->dead_next = NULL;
	sa->dead_pprev = NULL;
	sa->engine->n_dead--;
}

void ikesa_why(struct ikesa *sa, enum engine_reason why)
{
	if (!sa->why)
		sa->why = why;
}

void ikesa_kill_why(struct ikesa *sa, enum engine_reason why)
{
	ikesa_why(sa, why);
	ikesa_kill(sa);
}

/* A random point in [0, range), 0 without randomness. */
static uint64_t jitter(uint64_t range)
{
	uint32_t r = 0;

	if (!range || random_iv((uint8_t *)&r, sizeof(r)))
		return 0;
	return r % range;
}

void ikesa_established(struct ikesa *sa, uint64_t now,
		       const struct ikesa *old)
{
	uint64_t life = sa->conn->ike_lifetime_s * 1000;
	struct engine_event ev = {
		.type = ENGINE_EV_IKE_UP, .sa = sa, .old_sa = old,
		.reason = old ? ENGINE_R_REKEYED : ENGINE_R_NONE,
	};

	ikesa_touch(sa);
	half_open_done(sa);
	ikesa_enter_established(sa);
	sa->expire = 0;
	if (!sa->established_at)
		sa->established_at = now;
	if (old)
		sa->engine->counts.ike_rekeys++;
	sa->last_heard = now;
	sa->rekey_at = 0;
	if (life && sa->initiator)
		sa->rekey_at = now + life - IKE_REKEY_MARGIN(life);
	else if (life)
		sa->rekey_at = now + life -
			       (sa->conn->rekey_jitter ?
				jitter(IKE_RESPONDER_JITTER(life)) : 0);
	if (!sa->announced) {
		sa->announced = true;
		engine_event(sa->engine, &ev);
	}
}

void ikesa_replaced(struct ikesa *sa, uint64_t now)
{
	const struct conn *c = sa->conn;
	uint64_t span = 0;

	for (unsigned int i = 0; i <= c->retrans_tries; i++)
		span += (uint64_t)c->retrans_base_ms << i;
	ikesa_touch(sa);
	sa->replaced = true;
	sa->delete_at = now + span;
	/*
	 * Its successor does everything from now on: no rekey or
	 * reauthentication here. Nor liveness checks, MIF or MOBIKE
	 * updates, path checks or NAT keepalives: their deadlines ask
	 * for replaced (engine.c, mobike.c, peer_alt.c, nat.c).
	 */
	sa->rekey_at = 0;
	sa->reauth = false;
}

void ikesa_rekey_later(struct ikesa *sa, uint64_t now)
{
	uint64_t retry = IKE_REKEY_RETRY(sa->conn->ike_lifetime_s * 1000);

	if (sa->rekey_at && retry)
		sa->rekey_at = now + retry / 2 + jitter(retry - retry / 2);
}

/* The last word on an established IKE SA. */
static void announce_down(struct ikesa *sa)
{
	struct engine_event ev = {
		.type = ENGINE_EV_IKE_DOWN, .sa = sa,
		.reason = sa->why ? sa->why : ENGINE_R_CLOSED,
	};

	if (sa->announced)
		engine_event(sa->engine, &ev);
	sa->announced = false;
}

void ikesa_set_conn(struct ikesa *sa, const struct conn *c)
{
	if (sa->conn == c)
		return;
	conn_sas_unlink(sa->engine, sa);
	sa->conn = c;
	conn_sas_link(sa->engine, sa);
}

void ikesa_destroy(struct ikesa *sa)
{
	struct engine *e = sa->engine;

	if (sa->pprev) {
		*sa->pprev = sa->next;
		if (sa->next)
			sa->next->pprev = sa->pprev;
		e->n_sas--;
	}
	sa_table_remove(&e->by_spi, &sa->by_spi);
	sa_table_remove(&e->by_peer, &sa->by_peer);
	sa_table_remove(&e->by_id, &sa->by_id);
	conn_sas_unlink(e, sa);
	rekey_queue_leave(sa);
	ikesa_undead(sa);
	ikesa_leave_established(sa);
	e->sa_gone++;
	reqid_blocks_put(&e->reqid_blocks, sa->reqid_base >> IKESA_REQID_BITS);
	half_open_done(sa);
	if (sa->rekey_coll)
		sa->rekey_coll->rekey_of = NULL;
	if (sa->rekey_of)
		sa->rekey_of->rekey_coll = NULL;
	while (sa->children)
		ikesa_del_child(sa, sa->children, ENGINE_R_IKE_GONE);
	announce_down(sa);
	request_free(sa, sa->req.state);
	sa->req.state = NULL;
	window_free(sa);
	free(sa->peer_id);
	free(sa->peer_alt);
	free(sa->del_ahead);
	mobike_free(sa);
	fragment_free(sa);
	cfg_release(sa);
	mif_sa_free(sa);
	free_buf(&sa->req.buf, &sa->req.len);
	free_buf(&sa->resp_buf, &sa->resp_len);
	free_buf(&sa->init_req, &sa->init_req_len);
	free_buf(&sa->init_resp, &sa->init_resp_len);
	ikesa_drop_nonces(sa);
	free_buf(&sa->cookie, &sa->cookie_len);
	if (sa->dh) {
		dh_destroy(sa->dh);
		free(sa->dh);
	}
	if (sa->keyed) {
		ike_keys_destroy(&sa->keys);
		sk_keys_destroy(&sa->sk_in);
		sk_keys_destroy(&sa->sk_out);
	}
	/* Last: nothing above may file it again. */
	timers_leave(sa);
	gnutls_memset(sa, 0, sizeof(*sa));
	free(sa);
}

void ikesa_spi_bytes(uint64_t spi, uint8_t out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(spi >> (56 - 8 * i));
}

uint64_t ikesa_spi_value(const uint8_t in[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}

int ikesa_derive_keys(struct ikesa *sa, const struct ikesa *old,
		      const uint8_t *g_ir, size_t len)
{
	uint8_t spi_i[8], spi_r[8];
	int ret;

	ikesa_spi_bytes(sa->spi_i, spi_i);
	ikesa_spi_bytes(sa->spi_r, spi_r);
	if (old)
		ret = ike_keys_rekey(&sa->keys, &old->keys, sa->ike.prf,
				     sa->ike.encr, sa->ike.integ, g_ir, len,
				     sa->ni, sa->ni_len, sa->nr, sa->nr_len,
				     spi_i, spi_r);
	else
		ret = ike_keys_derive(&sa->keys, sa->ike.prf, sa->ike.encr,
				      sa->ike.integ, g_ir, len, sa->ni,
				      sa->ni_len, sa->nr, sa->nr_len, spi_i,
				      spi_r);
	if (ret)
		return ret;
	ret = sk_keys_from_ike(&sa->sk_out, &sa->keys, sa->initiator);
	if (!ret)
		ret = sk_keys_from_ike(&sa->sk_in, &sa->keys, !sa->initiator);
	if (ret) {
		ike_keys_destroy(&sa->keys);
		sk_keys_destroy(&sa->sk_out);
		sk_keys_destroy(&sa->sk_in);
		return ret;
	}
	sa->keyed = true;
	return 0;
}

int ikesa_encrypt_tail(struct ikesa *sa, struct ike_writer *w, size_t start,
		       const uint8_t *plain, size_t len)
{
	size_t body = len + sk_overhead(&sa->sk_out, len), olen = body;
	uint8_t *out;
	int ret;

	if (!ike_writer_ok(w) || w->len < start + body)
		return -EINVAL;
	out = malloc(body);
	if (!out)
		return -ENOMEM;
	ret = sk_encrypt(&sa->sk_out, w->p + start, w->len - start - body,
			 plain, len, out, &olen);
	if (!ret && olen != body)
		ret = -EINVAL;
	if (!ret)
		memcpy(w->p + w->len - body, out, body);
	free(out);
	return ret;
}

static int seal(struct ikesa *sa, struct ike_message *m,
		const struct ike_chain *inner, struct ike_writer *w)
{
	uint8_t first = inner->count ? inner->pl[0].type : IKE_PL_NONE;
	struct ike_writer pw;
	struct ike_sk sk = { NULL, 0 };
	struct ike_error err;
	int ret = -EINVAL;

	ike_writer_init_secret(&pw);
	if (ike_chain_build(&pw, inner, &err) || !ike_writer_ok(&pw))
		goto out;
	if (fragment_wanted(sa, pw.len)) {
		ret = fragment_seal(sa, &m->hdr, first, pw.p, pw.len, w);
		goto out;
	}
	sk.len = pw.len + sk_overhead(&sa->sk_out, pw.len);
	if (ike_chain_add(&m->chain, IKE_PL_SK, &sk, &err))
		goto out;
	m->chain.pl[m->chain.count - 1].next = first;
	if (ike_message_build(w, m, &err))
		goto out;
	ret = ikesa_encrypt_tail(sa, w, 0, pw.p, pw.len);
out:
	ike_writer_free(&pw);
	return ret;
}

int ikesa_build(struct ikesa *sa, uint8_t exchange, bool response,
		uint32_t msg_id, const struct ike_chain *inner,
		uint8_t **out, size_t *out_len)
{
	struct ike_message *m = calloc(1, sizeof(*m));
	struct ike_writer w;
	struct ike_error err;
	int ret;

	if (!m)
		return -ENOMEM;
	m->hdr.spi_i = sa->spi_i;
	m->hdr.spi_r = sa->spi_r;
	m->hdr.exchange = exchange;
	m->hdr.flags = (sa->initiator ? IKE_FLAG_INITIATOR : 0) |
		       (response ? IKE_FLAG_RESPONSE : 0);
	m->hdr.msg_id = msg_id;
	ike_writer_init(&w);
	if (exchange == IKE_EXCH_IKE_SA_INIT) {
		m->chain = *inner;	/* borrowed, not released here */
		ret = ike_message_build(&w, m, &err) ? -EINVAL : 0;
	} else if (!sa->keyed) {
		ret = -EINVAL;
	} else {
		ret = seal(sa, m, inner, &w);
		ike_message_free(m);
	}
	free(m);
	if (ret) {
		ike_writer_free(&w);
		return ret;
	}
	*out = w.p;
	*out_len = w.len;
	return 0;
}

void ikesa_send_to(struct ikesa *sa, const struct ip_addr *local,
		   uint16_t lport, const struct ip_addr *remote,
		   uint16_t rport, const uint8_t *buf, size_t len)
{
	struct engine_send *s = &sa->engine->send;
	size_t n;

	/* A message, or its fragments back to back (fragment.h). */
	for (; len; buf += n, len -= n) {
		n = fragment_dgram_len(buf, len);
		if (s->fn)
			s->fn(s->ctx, local, lport, remote, rport, buf, n);
	}
}

void ikesa_send(struct ikesa *sa, const uint8_t *buf, size_t len)
{
	ikesa_send_to(sa, &sa->local, sa->local_port, &sa->remote,
		      sa->remote_port, buf, len);
}

void ikesa_resend(struct ikesa *sa, const struct ikesa_request *r)
{
	ikesa_touch(sa);	/* sent anew: its deadline, reset or not */
	if (r->away)
		ikesa_send_to(sa, &r->local,
			      r->lport ? r->lport : sa->local_port,
			      &r->remote,
			      r->rport ? r->rport : sa->remote_port,
			      r->buf, r->len);
	else
		ikesa_send(sa, r->buf, r->len);
}

void ikesa_resend_request(struct ikesa *sa)
{
	ikesa_resend(sa, &sa->req);
}

int ikesa_request(struct ikesa *sa, uint64_t now, uint8_t exchange,
		  const struct ike_chain *inner)
{
	return ikesa_request_away(sa, now, exchange, inner, NULL, NULL);
}

int ikesa_request_away(struct ikesa *sa, uint64_t now, uint8_t exchange,
		       const struct ike_chain *inner,
		       const struct ip_addr *local,
		       const struct ip_addr *remote)
{
	return ikesa_request_to(sa, now, exchange, inner, local, 0, remote,
				0);
}

int ikesa_request_to(struct ikesa *sa, uint64_t now, uint8_t exchange,
		     const struct ike_chain *inner,
		     const struct ip_addr *local, uint16_t lport,
		     const struct ip_addr *remote, uint16_t rport)
{
	uint8_t *buf;
	size_t len;
	int ret;

	ret = ikesa_build(sa, exchange, false, sa->req_next, inner, &buf,
			  &len);
	if (ret)
		return ret;
	free(sa->req.buf);
	/* A new request: nothing of the last one's state applies to it. */
	request_free(sa, sa->req.state);
	sa->req.state = NULL;
	ikesa_touch(sa);
	sa->req.active = true;
	sa->req.parallel = false;
	sa->req.exchange = exchange;
	sa->req.msg_id = sa->req_next++;
	sa->req.buf = buf;
	sa->req.len = len;
	sa->req.tries = 0;
	sa->req.deadline = now + sa->conn->retrans_base_ms;
	sa->req.away = local && remote;
	sa->req.lport = sa->req.away ? lport : 0;
	sa->req.rport = sa->req.away ? rport : 0;
	if (sa->req.away) {
		sa->req.local = *local;
		sa->req.remote = *remote;
	}
	ikesa_resend_request(sa);
	return 0;
}

void ikesa_request_done(struct ikesa *sa)
{
	ikesa_touch(sa);
	request_free(sa, sa->req.state);
	sa->req.state = NULL;
	free_buf(&sa->req.buf, &sa->req.len);
	sa->req.active = false;
	sa->req.parallel = false;
	sa->req.deadline = 0;
	window_pop(sa);
}

void ikesa_response_forget(struct ikesa *sa, uint32_t msg_id)
{
	window_forget(sa, msg_id);
}

int ikesa_respond(struct ikesa *sa, uint8_t exchange, uint32_t msg_id,
		  const struct ike_chain *inner)
{
	return ikesa_respond_to(sa, exchange, msg_id, inner, &sa->local,
				sa->local_port, &sa->remote, sa->remote_port);
}

int ikesa_respond_to(struct ikesa *sa, uint8_t exchange, uint32_t msg_id,
		     const struct ike_chain *inner,
		     const struct ip_addr *local, uint16_t lport,
		     const struct ip_addr *remote, uint16_t rport)
{
	uint8_t *buf, *fit;
	size_t len;
	int ret;

	ret = ikesa_build(sa, exchange, true, msg_id, inner, &buf, &len);
	if (ret)
		return ret;
	/* Kept for replays as long as the IKE SA lives: no writer's slack. */
	fit = realloc(buf, len);
	if (fit)
		buf = fit;
	window_keep(sa, msg_id, buf, len);
	ikesa_send_to(sa, local, lport, remote, rport, buf, len);
	return 0;
}

void ikesa_notify(struct ike_notify *n, uint16_t type, const void *data,
		  size_t len)
{
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->data = data;
	n->len = len;
}

int ikesa_respond_notify(struct ikesa *sa, uint8_t exchange, uint32_t msg_id,
			 uint16_t type)
{
	return ikesa_respond_notify_data(sa, exchange, msg_id, type, NULL, 0);
}

int ikesa_respond_notify_data(struct ikesa *sa, uint8_t exchange,
			      uint32_t msg_id, uint16_t type,
			      const void *data, size_t len)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	struct ike_notify n;
	struct ike_error err;
	int ret;

	if (!c)
		return -ENOMEM;
	if (type < IKE_N_FIRST_STATUS)
		engine_logf(sa->engine, engine_notify_level(type), sa,
			    "%s request refused: sent %s",
			    ike_exchange_name(exchange), ike_notify_name(type));
	ikesa_notify(&n, type, data, len);
	ike_chain_add(c, IKE_PL_NOTIFY, &n, &err);
	ret = ikesa_respond(sa, exchange, msg_id, c);
	ike_chain_free(c);
	free(c);
	return ret;
}

int ikesa_decrypt(struct ikesa *sa, const uint8_t *buf, size_t len,
		  struct ike_chain *inner, struct ikesa_plain *plain,
		  struct ike_error *err)
{
	struct ike_message *m;
	const struct ike_payload *pl;
	uint8_t *out = NULL;
	size_t olen = 0, aad_len;
	uint8_t first = 0;
	int ret = -EBADMSG;

	plain->p = NULL;
	plain->len = 0;
	memset(inner, 0, sizeof(*inner));
	memset(err, 0, sizeof(*err));
	if (!sa->keyed)
		return -EBADMSG;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -EBADMSG;
	if (ike_message_parse(m, buf, len, err) || !m->chain.count)
		goto out;
	pl = &m->chain.pl[m->chain.count - 1];
	if (pl->type != IKE_PL_SK)
		goto out;
	aad_len = (size_t)(pl->sk->body - buf);
	olen = pl->sk->len;
	first = pl->next;
	out = malloc(olen);
	if (!out)
		goto out;
	if (sk_decrypt(&sa->sk_in, buf, aad_len, pl->sk->body, pl->sk->len,
		       out, &olen))
		goto out;
	ret = 0;
out:
	ike_message_free(m);
	free(m);
	if (ret) {
		free(out);
		memset(err, 0, sizeof(*err));
		return ret;
	}
	if (ike_chain_parse(inner, first, out, olen, err)) {
		gnutls_memset(out, 0, olen);
		free(out);
		if (!err->notify)
			err->notify = IKE_N_INVALID_SYNTAX;
		return -EINVAL;
	}
	plain->p = out;
	plain->len = olen;
	return 0;
}

void ikesa_plain_free(struct ikesa_plain *plain)
{
	if (plain->p) {
		gnutls_memset(plain->p, 0, plain->len);
		free(plain->p);
	}
	plain->p = NULL;
	plain->len = 0;
}

static void child_event(struct ikesa *sa, enum engine_event_type type,
			enum engine_reason why, const struct childsa *c,
			const struct childsa *old)
{
	struct engine_event ev = {
		.type = type, .reason = why, .sa = sa, .child = c, .old = old,
	};

	engine_event(sa->engine, &ev);
}

void ikesa_add_child(struct ikesa *sa, struct childsa *c)
{
	ikesa_touch(sa);
	c->next = sa->children;
	sa->children = c;
	if (c->installed) {
		child_event(sa, ENGINE_EV_CHILD_UP, ENGINE_R_NONE, c, NULL);
		mif_failover_refresh(sa);	/* its address's alternates */
	}
}

void ikesa_child_rekeyed(struct ikesa *sa, const struct childsa *c,
			 const struct childsa *old)
{
	sa->engine->counts.child_rekeys++;
	child_event(sa, ENGINE_EV_CHILD_REKEYED, ENGINE_R_NONE, c, old);
}

struct childsa *ikesa_find_child(struct ikesa *sa, uint32_t spi, bool in)
{
	for (struct childsa *c = sa->children; c; c = c->next)
		if ((in ? c->spi_in : c->spi_out) == spi)
			return c;
	return NULL;
}

void ikesa_take_child(struct ikesa *sa, struct childsa *c,
		      enum engine_reason why)
{
	struct childsa **pp;

	ikesa_touch(sa);
	for (pp = &sa->children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->next = NULL;
	if (c->installed)
		child_event(sa, ENGINE_EV_CHILD_DOWN,
			    c->replaced ? ENGINE_R_REKEYED : why, c, NULL);
}

void ikesa_del_child(struct ikesa *sa, struct childsa *c,
		     enum engine_reason why)
{
	ikesa_take_child(sa, c, why);
	childsa_uninstall(c, sa->engine);
	childsa_free(c);
}

void ikesa_queue_delete(struct ikesa *sa, uint32_t spi, uint64_t now)
{
	ikesa_touch(sa);
	/* Full: the peer learns of it from its own expiry instead. */
	if (!spi || sa->n_del_pending == IKESA_DEL_PENDING)
		return;
	if (!sa->n_del_pending)
		sa->del_pending_at = now ? now : 1;
	sa->del_pending[sa->n_del_pending++] = spi;
}

size_t ikesa_id_body(const struct conn_id *id, uint8_t *out, size_t max)
{
	if (id->len + 4 > max)
		return 0;
	out[0] = id->type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, id->data, id->len);
	return id->len + 4;
}

bool ikesa_of_conn(const struct ikesa *sa, const char *conn)
{
	return !conn || (sa->conn->name && !strcmp(sa->conn->name, conn));
}
