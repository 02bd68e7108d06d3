// SPDX-License-Identifier: GPL-2.0
/*
 * The dispatcher: find the IKE SA a datagram belongs to, enforce the
 * message-ID window, decrypt, and hand the payloads to the exchange;
 * and the timers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "engine/cfg.h"
#include "engine/children.h"
#include "engine/conn_index.h"
#include "engine/create_child_sa.h"
#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/fragment.h"
#include "engine/identity.h"
#include "engine/mif.h"
#include "engine/mif_failover.h"
#include "engine/mif_delete.h"
#include "engine/mobike.h"
#include "engine/nat.h"
#include "engine/notify_table.h"
#include "engine/rekey_queue.h"
#include "engine/trap.h"
#include "engine/window.h"

/* Adding an exchange: one file and one line here. */
static const struct exchange_ops *const exchanges[] = {
	&xchg_ike_sa_init,
	&xchg_ike_auth,
	&xchg_create_child_sa,
	&xchg_informational,
};

static const struct exchange_ops *find_exchange(uint8_t type)
{
	for (size_t i = 0; i < sizeof(exchanges) / sizeof(exchanges[0]); i++)
		if (exchanges[i]->exchange == type)
			return exchanges[i];
	return NULL;
}

int engine_init(struct engine *e, struct backend *b,
		const struct engine_send *send)
{
	int ret;

	memset(e, 0, sizeof(*e));
	e->backend = b;
	if (send)
		e->send = *send;
	e->next_trap_reqid = TRAP_REQID_MIN;
	sa_table_init(&e->by_spi);
	sa_table_init(&e->by_peer);
	sa_table_init(&e->by_id);
	policy_table_init(&e->policies, b);
	sa_table_init(&e->half_open);
	conn_index_init(&e->conn_index);
	conn_sas_init(&e->conn_sas);
	e->half_open_max = ENGINE_HALF_OPEN_MAX;
	e->half_open_max_peer = ENGINE_HALF_OPEN_MAX_PEER;
	e->cookie_threshold = ENGINE_COOKIE_THRESHOLD;
	e->cookie_modp = true;
	e->rekeys_in_flight_max = ENGINE_REKEYS_IN_FLIGHT_MAX;
	e->rq_tail = &e->rq_head;
	iface_table_init(&e->ifaces);
	timer_heap_init(&e->timers);
	ret = cookie_init(&e->cookies);
	if (!ret)
		ret = reqid_blocks_init(&e->reqid_blocks, IKESA_REQID_BLOCKS);
	return ret;
}

void engine_set_events(struct engine *e, const struct engine_events *ev)
{
	if (ev)
		e->events = *ev;
	else
		memset(&e->events, 0, sizeof(e->events));
}

void engine_set_refusals(struct engine *e, const struct engine_refusals *r)
{
	if (r)
		e->refusals = *r;
	else
		memset(&e->refusals, 0, sizeof(e->refusals));
}

void engine_event(struct engine *e, const struct engine_event *ev)
{
	if (e->events.fn)
		e->events.fn(e->events.ctx, ev);
}

const char *engine_refusal_name(enum engine_refusal_reason r)
{
	static const char *const names[ENGINE_REF_N] = {
		[ENGINE_REF_MALFORMED] = "malformed",
		[ENGINE_REF_NO_CONN] = "no connection for these addresses",
		[ENGINE_REF_HALF_OPEN] = "too many half-open IKE SAs",
		[ENGINE_REF_HALF_OPEN_PEER] =
			"too many half-open IKE SAs from this address",
		[ENGINE_REF_COOKIE] = "asked for a COOKIE",
		[ENGINE_REF_NO_PROPOSAL] = "no proposal chosen",
		[ENGINE_REF_INVALID_KE] = "KE payload of another group",
		[ENGINE_REF_FAILED] = "out of memory or bad public value",
		[ENGINE_REF_OFFER_LIMIT] = "offer longer than the limits",
		[ENGINE_REF_VERSION] = "a later IKE major version",
		[ENGINE_REF_SHORT_NONCE] =
			"Ni shorter than half the key of the PRF (RFC 7296 2.10)",
	};

	return r < ENGINE_REF_N && names[r] ? names[r] : "?";
}

void engine_refuse(struct engine *e, const struct engine_msg *m,
		   enum engine_refusal_reason why, unsigned int detail)
{
	engine_refuse_conn(e, m, why, detail, NULL, NULL);
}

void engine_refuse_conn(struct engine *e, const struct engine_msg *m,
			enum engine_refusal_reason why, unsigned int detail,
			const struct conn *c, const char *text)
{
	struct engine_refusal r = {
		.reason = why, .remote = m->remote,
		.remote_port = m->remote_port, .detail = detail,
		.conn = c, .why = text,
	};

	e->refused[why]++;
	if (e->refusals.fn)
		e->refusals.fn(e->refusals.ctx, &r);
}

void engine_set_log(struct engine *e, const struct engine_log *log)
{
	if (log)
		e->log = *log;
	else
		memset(&e->log, 0, sizeof(e->log));
}

void engine_logf(struct engine *e, enum engine_log_level level,
		 const struct ikesa *sa, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!e->log.fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->log.fn(e->log.ctx, level, sa, msg);
}

uint16_t engine_error_notify(const struct ike_chain *c)
{
	const struct ike_payload *pl = NULL;

	/* Some report and fail nothing (notify_table.h). */
	while ((pl = ike_chain_find(c, IKE_PL_NOTIFY, pl)))
		if (notify_fails(pl->notify->type))
			return pl->notify->type;
	return 0;
}

enum engine_log_level engine_notify_level(uint16_t type)
{
	switch (type) {
	case IKE_N_INVALID_KE_PAYLOAD:
	case IKE_N_TEMPORARY_FAILURE:
	case IKE_N_CHILD_SA_NOT_FOUND:
	case IKE_N_COOKIE:
		return ENGINE_LOG_INFO;
	default:
		return ENGINE_LOG_WARNING;
	}
}

void engine_refused(struct engine *e, const struct conn *c,
		    const struct ip_addr *peer, const char *fmt, ...)
{
	struct engine_event ev = {
		.type = ENGINE_EV_REFUSED, .conn = c, .peer = peer,
	};
	char why[256];
	va_list ap;

	if (!e->events.fn)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ev.why = why;
	engine_event(e, &ev);
}

int engine_hash_peer(struct engine *e, struct ikesa *sa)
{
	return sa_table_insert(&e->by_peer, &sa->by_peer,
			       sa_hash_peer(&sa->remote, sa->remote_port,
					    sa->spi_i));
}

static void timers_flush(struct engine *e);

/* Dead SAs linked by dead_next, merged newest (highest seq) first. */
static struct ikesa *merge_dead(struct ikesa *a, struct ikesa *b)
{
	struct ikesa *head = NULL, **tail = &head;

	while (a && b) {
		struct ikesa **from = a->seq > b->seq ? &a : &b;

		*tail = *from;
		tail = &(*from)->dead_next;
		*from = (*from)->dead_next;
	}
	*tail = a ? a : b;
	return head;
}

/*
 * The dead list in the order of the list of every SA, newest first (a
 * merge sort: O(d log d) for d dead, d mostly 1), its head at *head.
 */
static void sort_dead(struct ikesa **head)
{
	struct ikesa *parts[64] = { NULL }, *sa = *head, *next, **pp;
	unsigned int i;

	for (; sa; sa = next) {
		next = sa->dead_next;
		sa->dead_next = NULL;
		for (i = 0; i < 63 && parts[i]; i++) {
			sa = merge_dead(parts[i], sa);
			parts[i] = NULL;
		}
		parts[i] = sa;
	}
	for (sa = NULL, i = 0; i < 64; i++)
		if (parts[i])
			sa = merge_dead(parts[i], sa);
	*head = sa;
	for (pp = head; *pp; pp = &(*pp)->dead_next)
		(*pp)->dead_pprev = pp;
}

/*
 * The dead destroyed, in the order of the list of every SA (the order
 * of their last events); any that die meanwhile, after them.
 */
static void reap(struct engine *e)
{
	struct ikesa *batch, *sa;

	/* After most messages nothing died: nothing to do. */
	while (e->dead) {
		/* Filed again first, the dead out: the touched list is empty. */
		timers_flush(e);
		batch = e->dead;
		e->dead = NULL;
		sort_dead(&batch);
		while ((sa = batch)) {
			if (sa->state == IKESA_DEAD)
				ikesa_destroy(sa);
			else
				ikesa_undead(sa);
		}
	}
}

void engine_free(struct engine *e)
{
	trap_remove_all(e);
	while (e->sas)
		ikesa_destroy(e->sas);
	timer_heap_free(&e->timers);
	e->touched = NULL;
	reqid_blocks_free(&e->reqid_blocks);
	cfg_pools_free(e);
	sa_table_free(&e->by_spi);
	sa_table_free(&e->by_peer);
	sa_table_free(&e->by_id);
	policy_table_free(&e->policies);
	sa_table_free(&e->half_open);
	free(e->conns);
	free(e->conn_set);
	conn_index_free(&e->conn_index);
	conn_sas_free(&e->conn_sas);
	e->conns = NULL;
	e->conn_set = NULL;
	e->n_conns = e->max_conns = 0;
	proposal_sets_free(&e->psets);
	cookie_wipe(&e->cookies);
	iface_table_free(&e->ifaces);
}

int engine_add_conn(struct engine *e, const struct conn *c)
{
	const struct conn **p;
	unsigned int max, *set;

	if (e->n_conns == e->max_conns) {
		if (e->max_conns >= ENGINE_MAX_CONNS)
			return -ENOSPC;
		max = e->max_conns ? e->max_conns * 2 : 16;
		if (max > ENGINE_MAX_CONNS)
			max = ENGINE_MAX_CONNS;
		p = realloc(e->conns, max * sizeof(*p));
		if (!p)
			return -ENOMEM;
		e->conns = p;
		set = realloc(e->conn_set, max * sizeof(*set));
		if (!set)
			return -ENOMEM;
		e->conn_set = set;
		e->max_conns = max;
	}
	if (proposal_sets_add(&e->psets, c, &e->conn_set[e->n_conns]) ||
	    cfg_conn_added(e, c) || conn_index_add(&e->conn_index, c) ||
	    conn_sas_add_conn(&e->conn_sas, c))
		return -ENOMEM;
	e->conns[e->n_conns++] = c;
	iface_conn_added(e, c);
	/* A reload: the SAs' connections may change with it. */
	engine_touch_all(e);
	return 0;
}

void engine_clear_conns(struct engine *e)
{
	e->n_conns = 0;
	conn_index_clear(&e->conn_index);
	conn_sas_clear_conns(&e->conn_sas);
	engine_touch_all(e);
	proposal_sets_clear(&e->psets);
	iface_conns_cleared(e);
	cfg_conns_cleared(e);
}

bool engine_id_matches(const struct conn_id *want, const struct ike_id *id)
{
	return identity_match(want, id->type, id->data, id->len);
}

/*
 * The connections of the pass (by rank: both addresses, one, none) come
 * from the index, one chain or two (local alone, remote alone), each in
 * the order they were added: of two, the earlier first. A position at or
 * past n_conns ends the pass, as it would have ended a scan of e->conns.
 */
const struct conn *engine_match_next(const struct engine *e,
				     const struct ip_addr *local,
				     const struct ip_addr *remote,
				     struct engine_match *it)
{
	const struct conn_index *x = &e->conn_index;
	uint32_t pos;

	for (; it->pass < 3; it->pass++, it->begun = false) {
		if (!it->begun) {
			it->begun = true;
			it->b = CONN_INDEX_END;
			if (it->pass == 0) {
				it->a = conn_index_both(x, local, remote);
			} else if (it->pass == 1) {
				it->a = conn_index_local(x, local);
				it->b = conn_index_remote(x, remote);
			} else {
				it->a = conn_index_any(x);
			}
		}
		pos = it->a < it->b ? it->a : it->b;
		if (pos >= e->n_conns)
			continue;
		if (pos == it->a)
			it->a = conn_index_next(x, pos);
		else
			it->b = conn_index_next(x, pos);
		it->last = pos;
		return e->conns[pos];
	}
	return NULL;
}

unsigned int engine_match_set(const struct engine *e,
			      const struct engine_match *it)
{
	return e->conn_set[it->last];
}

const struct conn *engine_match_conn(const struct engine *e,
				     const struct ip_addr *local,
				     const struct ip_addr *remote,
				     const struct ike_id *id)
{
	struct engine_match it = { 0 };
	const struct conn *c;

	while ((c = engine_match_next(e, local, remote, &it)))
		if (!id || engine_id_matches(&c->remote_id, id))
			return c;
	return NULL;
}

#define of_node(n, field) \
	((struct ikesa *)((char *)(n) - offsetof(struct ikesa, field)))

unsigned long engine_sa_gone(const struct engine *e)
{
	return e->sa_gone;
}

struct ikesa *engine_find_sa(const struct engine *e, uint64_t spi,
			     bool initiator)
{
	const struct sa_node *n;
	struct ikesa *sa;

	for (n = sa_table_first(&e->by_spi, sa_hash_spi(spi, initiator)); n;
	     n = sa_table_next(n)) {
		sa = of_node(n, by_spi);
		if (sa->state == IKESA_DEAD || sa->initiator != initiator)
			continue;
		if ((initiator ? sa->spi_i : sa->spi_r) == spi)
			return sa;
	}
	return NULL;
}

/* A responder SA made by this peer request (§2.1: a retransmission). */
static struct ikesa *find_half_open(const struct engine *e, uint64_t spi_i,
				    const struct ip_addr *remote,
				    uint16_t rport)
{
	const struct sa_node *n;
	struct ikesa *sa;

	for (n = sa_table_first(&e->by_peer,
				sa_hash_peer(remote, rport, spi_i));
	     n; n = sa_table_next(n)) {
		sa = of_node(n, by_peer);
		if (!sa->initiator && sa->state != IKESA_DEAD &&
		    sa->spi_i == spi_i && sa->remote_port == rport &&
		    ip_addr_equal(&sa->remote, remote))
			return sa;
	}
	return NULL;
}

/*
 * An unencrypted message: parse it whole and hand it to fn. Returns 0,
 * or -1 when it is malformed (err says how), having done nothing.
 */
static int plain_input(struct engine *e, struct ikesa *sa,
		       void (*fn)(struct engine *, struct ikesa *,
				  const struct engine_msg *),
		       struct engine_msg *m, struct ike_error *err)
{
	struct ike_message *msg = calloc(1, sizeof(*msg));
	int ret;

	memset(err, 0, sizeof(*err));
	if (!msg)
		return -1;
	ret = ike_message_parse(msg, m->buf, m->len, err);
	if (!ret) {
		m->chain = &msg->chain;
		fn(e, sa, m);
		ike_message_free(msg);
	} else if (!sa) {
		engine_refuse(e, m, ENGINE_REF_MALFORMED, 0);
	}
	free(msg);
	return ret;
}

static void input_response(struct engine *e, const struct exchange_ops *x,
			   struct engine_msg *m)
{
	const struct ike_header *h = m->hdr;
	bool we_init = !(h->flags & IKE_FLAG_INITIATOR);
	struct ikesa *sa;
	struct ike_chain *inner;
	struct ike_error err;
	struct ikesa_plain plain = { NULL, 0 };

	sa = engine_find_sa(e, we_init ? h->spi_i : h->spi_r, we_init);
	if (!sa || !window_match(sa, h->msg_id, h->exchange))
		return;
	ikesa_touch(sa);
	if (x->plain) {
		/* Unprotected: a malformed one is dropped. */
		plain_input(e, sa, x->response, m, &err);
		return;
	}
	if (h->spi_i != sa->spi_i || h->spi_r != sa->spi_r)
		return;
	inner = calloc(1, sizeof(*inner));
	if (!inner)
		return;
	/* A malformed response cannot be answered: drop it. */
	if (!fragment_open(sa, m, inner, &plain, &err)) {
		m->chain = inner;
		sa->last_heard = m->now;
		peer_alt_heard(sa, m);
		window_heard(sa, inner);
		x->response(e, sa, m);
		/* The window is free again: the next child, if one is due. */
		children_next(sa, m->now);
		ike_chain_free(inner);
		ikesa_plain_free(&plain);
	}
	free(inner);
}

static void input_request(struct engine *e, const struct exchange_ops *x,
			  struct engine_msg *m)
{
	const struct ike_header *h = m->hdr;
	bool we_init = !(h->flags & IKE_FLAG_INITIATOR);
	struct ikesa *sa;
	struct ike_chain *inner;
	struct ike_error err;
	struct ikesa_plain plain = { NULL, 0 };
	enum window_verdict verdict;
	int ret;

	if (x->plain) {
		if (h->spi_r != 0 || h->msg_id != 0 || we_init)
			return;
		sa = find_half_open(e, h->spi_i, m->remote, m->remote_port);
		if (sa) {
			/* Retransmitted IKE_SA_INIT: replay our answer. */
			if (sa->state == IKESA_AUTH && sa->resp_buf &&
			    sa->resp_next == 1)
				ikesa_send(sa, sa->resp_buf, sa->resp_len);
			return;
		}
		if (ike_sa_init_admit(e, m) &&
		    plain_input(e, NULL, x->request, m, &err))
			ike_sa_init_malformed(e, m, &err);
		return;
	}

	sa = engine_find_sa(e, we_init ? h->spi_i : h->spi_r, we_init);
	if (!sa || h->spi_i != sa->spi_i || h->spi_r != sa->spi_r)
		return;
	ikesa_touch(sa);
	verdict = window_verdict(sa, h->msg_id);
	if (verdict == WINDOW_DROP)
		return;		/* outside the window: drop (§2.3) */
	inner = calloc(1, sizeof(*inner));
	if (!inner)
		return;
	ret = fragment_open(sa, m, inner, &plain, &err);
	if (ret == -EBADMSG || ret == -EINPROGRESS)
		goto out;
	sa->last_heard = m->now;
	/*
	 * Authenticated: where the peer is now, behind its NAT; a MOBIKE
	 * update from elsewhere moves after its own check.
	 */
	if (!mobike_update_elsewhere(sa, m, inner))
		nat_follow(sa, m);
	if (verdict == WINDOW_AGAIN) {
		/* A retransmission: answer from the cache, where it came from. */
		m->chain = inner;
		mobike_update_again(sa, m);
		window_replay(sa, h->msg_id, m);
		goto out;
	}
	window_accept(sa, h->msg_id);
	if (ret) {
		if (err.notify == IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD)
			ikesa_respond_notify_data(sa, h->exchange, h->msg_id,
						  err.notify, &err.payload, 1);
		else
			ikesa_respond_notify(sa, h->exchange, h->msg_id,
					     err.notify);
		if (h->exchange == IKE_EXCH_IKE_AUTH)
			ikesa_kill_why(sa, ENGINE_R_LOCAL);
		goto out;
	}
	m->chain = inner;
	window_heard(sa, inner);
	x->request(e, sa, m);
out:
	ike_chain_free(inner);
	ikesa_plain_free(&plain);
	free(inner);
}

void engine_input(struct engine *e, uint64_t now,
		  const struct ip_addr *local, uint16_t lport,
		  const struct ip_addr *remote, uint16_t rport,
		  const uint8_t *buf, size_t len)
{
	const struct exchange_ops *x;
	struct ike_header h;
	struct ike_error err;
	struct engine_msg m = {
		.now = now, .hdr = &h, .buf = buf, .len = len,
		.local = local, .remote = remote,
		.local_port = lport, .remote_port = rport,
	};

	if (!buf)
		return;
	if (ike_header_parse(&h, buf, len, &err)) {
		if (err.code == IKE_ERR_VERSION)
			ike_sa_init_version(e, &m);
		return;
	}
	x = find_exchange(h.exchange);
	if (!x)
		return;
	if (h.flags & IKE_FLAG_RESPONSE)
		input_response(e, x, &m);
	else
		input_request(e, x, &m);
	reap(e);
}

struct ikesa *engine_initiate(struct engine *e, const struct conn *c,
			      uint64_t now)
{
	struct ikesa *sa;

	sa = ikesa_new(e, c, true, &c->local, c->local_port, &c->remote,
		       c->remote_port);
	if (!sa)
		return NULL;
	if (ike_sa_init_start(sa, now)) {
		ikesa_destroy(sa);
		return NULL;
	}
	return sa;
}

/* Established, and not replaced by a rekey of the peer's. */
static bool usable(const struct ikesa *sa)
{
	return sa && sa->state == IKESA_ESTABLISHED && !sa->replaced;
}

int engine_create_child(struct engine *e, struct ikesa *sa, uint64_t now)
{
	if (sa)
		ikesa_touch(sa);
	if (!usable(sa))
		return -EINVAL;
	if (sa->req.active)
		return -EBUSY;
	return create_child_sa_start(sa, NULL, now);
}

int engine_rekey_child(struct engine *e, struct ikesa *sa,
		       struct childsa *old, uint64_t now)
{
	if (sa)
		ikesa_touch(sa);
	if (!usable(sa) || !old)
		return -EINVAL;
	/*
	 * Beside other Child SAs' requests, as the peer's window takes;
	 * not beside a Delete of old.
	 */
	if (!window_room(sa) || informational_deletes(sa, old->spi_in))
		return -EBUSY;
	return create_child_sa_start(sa, old, now);
}

int engine_rekey_ike(struct engine *e, struct ikesa *sa, uint64_t now)
{
	if (sa)
		ikesa_touch(sa);
	if (!usable(sa))
		return -EINVAL;
	if (sa->req.active)
		return -EBUSY;
	return ike_rekey_start(sa, sa->ike.dh->id, now);
}

int engine_delete_child(struct engine *e, struct ikesa *sa,
			struct childsa *c, uint64_t now)
{
	if (sa)
		ikesa_touch(sa);
	if (!usable(sa) || !c)
		return -EINVAL;
	if (sa->req.active)
		return -EBUSY;
	return informational_start(sa, c, false, now);
}

int engine_delete_ike(struct engine *e, struct ikesa *sa, uint64_t now)
{
	int ret;

	if (sa)
		ikesa_touch(sa);
	if (!sa || sa->state != IKESA_ESTABLISHED)
		return -EINVAL;
	if (sa->req.active)
		return -EBUSY;
	ret = informational_start(sa, NULL, true, now);
	if (!ret)
		ikesa_why(sa, ENGINE_R_LOCAL);
	return ret;
}

int engine_dpd(struct engine *e, struct ikesa *sa, uint64_t now)
{
	if (sa)
		ikesa_touch(sa);
	if (!usable(sa))
		return -EINVAL;
	if (sa->req.active)
		return -EBUSY;
	return informational_start(sa, NULL, false, now);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

/*
 * The Child SAs' deadlines: hard expiry always, rekeying only when a
 * request could go out (idle, or room in the window beside others) and
 * the IKE SA does not wait for a place (rekeys).
 */
static uint64_t children_deadline(const struct ikesa *sa, bool idle,
				  bool rekeys)
{
	uint64_t d = 0;

	for (const struct childsa *c = sa->children; c; c = c->next) {
		d = earliest(d, c->expire_at);
		if (rekeys && !c->replaced)
			d = earliest(d, c->rekey_at);
		/* A Delete owed after a rekey: at once (create_child_sa.h). */
		if (idle && c->delete_owed && !sa->replaced)
			d = earliest(d, 1);
	}
	return d;
}

/*
 * Whether a Child SA's rekey may go out now: nothing in flight, or
 * requests that it may join with room beside them (window.h).
 */
static bool rekey_room(const struct ikesa *sa)
{
	if (sa->state != IKESA_ESTABLISHED)
		return false;
	return !sa->req.active || (!sa->replaced && window_room(sa));
}

uint64_t engine_sa_deadline(const struct ikesa *sa)
{
	bool idle = rekey_room(sa);
	/* Waiting for a place: no timer for its rekeys (rekey_queue.h). */
	bool waits = sa->rq_state == REKEY_QUEUE_WAITING;
	uint64_t d;

	if (sa->state == IKESA_DEAD)
		return 0;
	/* Woken from the queue: at once, to take the place kept for it. */
	if (sa->rq_state == REKEY_QUEUE_WOKEN)
		return 1;
	d = earliest(sa->expire, children_deadline(sa, idle, idle && !waits));
	d = earliest(d, fragment_deadline(sa));
	d = earliest(d, nat_deadline(sa));
	if (sa->req.active)
		return earliest(d, earliest(sa->req.deadline,
					    window_deadline(sa)));
	if (sa->state != IKESA_ESTABLISHED)
		return d;
	if (sa->replaced)
		return earliest(d, sa->delete_at);
	if (sa->n_del_pending)
		d = earliest(d, sa->del_pending_at);
	d = earliest(d, sa->unique_delete_at);
	if (sa->conn->dpd_ms)
		d = earliest(d, sa->last_heard + sa->conn->dpd_ms);
	d = earliest(d, mif_delete_deadline(sa));
	d = earliest(d, mif_announce_deadline(sa));
	d = earliest(d, mif_move_deadline(sa));
	d = earliest(d, mobike_deadline(sa));
	d = earliest(d, peer_alt_deadline(sa));
	d = earliest(d, mif_failback_deadline(sa));
	/* Children not created yet, the window free again: at once. */
	if (children_pending(sa))
		d = earliest(d, 1);
	return waits ? d : earliest(d, sa->rekey_at);
}

/*
 * Child SAs past their hard lifetime are gone from the kernel: forget
 * them, and tell the peer once the window allows.
 */
static void children_expire(struct ikesa *sa, uint64_t now)
{
	struct childsa *c = sa->children, *next;

	for (; c; c = next) {
		next = c->next;
		if (!c->expire_at || now < c->expire_at)
			continue;
		/* A Delete of it in flight says it already. */
		if (sa->state == IKESA_ESTABLISHED &&
		    !informational_deletes(sa, c->spi_in))
			ikesa_queue_delete(sa, c->spi_in, now);
		ikesa_del_child(sa, c, ENGINE_R_EXPIRED);
	}
}

/*
 * Start rekeying the Child SAs that are due, in order, as many as the
 * peer's window takes (one at a time with a window of 1) and the
 * engine's bound admits; at the bound the IKE SA waits for a place, once
 * for all its Child SAs due (rekey_queue.h). True if one went out.
 */
static bool children_rekey(struct ikesa *sa, uint64_t now)
{
	struct engine *e = sa->engine;
	bool sent = false;

	for (struct childsa *c = sa->children; c && window_room(sa);
	     c = c->next) {
		if (c->replaced || !c->rekey_at || now < c->rekey_at)
			continue;
		if (!rekey_queue_admit(sa)) {
			rekey_queue_wait(sa);
			break;
		}
		c->rekey_at = childsa_retry_at(c, now);
		if (!engine_rekey_child(e, sa, c, now))
			sent = true;
	}
	return sent;
}

/*
 * The IKE lifetime is up and the connection wants authentication anew:
 * delete the IKE SA; its initiator sets up the next one once it is gone
 * (engine_reauth()).
 */
static void reauth(struct ikesa *sa, uint64_t now)
{
	engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "IKE lifetime reached: "
		    "deleting the IKE SA, %s", sa->initiator ?
		    "to set up a new one" : "for the peer to set up anew");
	sa->rekey_at = 0;
	sa->reauth = sa->initiator;
	ikesa_why(sa, ENGINE_R_EXPIRED);
	if (informational_start(sa, NULL, true, now)) {
		ikesa_kill(sa);
		engine_reauth(sa, now);
	}
}

void engine_reauth(struct ikesa *sa, uint64_t now)
{
	if (!sa->reauth)
		return;
	sa->reauth = false;
	/* Not for a connection a reload removed. */
	if (!conn_sas_current(&sa->engine->conn_sas, sa->conn))
		return;
	if (!engine_initiate(sa->engine, sa->conn, now))
		engine_logf(sa->engine, ENGINE_LOG_ERR, sa,
			    "cannot set up the IKE SA that replaces it");
}

/* Our request went unanswered through every retransmission. */
static void gave_up(struct ikesa *sa)
{
	const char *x = ike_exchange_name(sa->req.exchange);
	char r[IP_ADDR_STRLEN];

	if (sa->init_error && sa->state == IKESA_INIT)
		engine_failed(sa->engine, sa, NULL, sa->init_error,
			      ENGINE_FAIL_FINAL, "%s: no valid answer after "
			      "%u retransmissions; the last error received "
			      "was %s", x, sa->req.tries,
			      ike_notify_name(sa->init_error));
	else if (sa->state == IKESA_INIT)
		engine_failed(sa->engine, sa, NULL, 0, ENGINE_FAIL_FINAL,
			      "%s request not answered after %u "
			      "retransmissions: no IKE daemon answers at "
			      "%s port %u, or the path drops it", x,
			      sa->req.tries, ip_addr_str(&sa->remote, r,
							 sizeof(r)),
			      sa->remote_port);
	else
		engine_failed(sa->engine, sa, NULL, 0, ENGINE_FAIL_FINAL,
			      "%s request not answered after %u "
			      "retransmissions: the peer is gone", x,
			      sa->req.tries);
}

void engine_sa_tick(struct ikesa *sa, uint64_t now)
{
	const struct conn *c = sa->conn;

	if (sa->expire && now >= sa->expire) {
		engine_logf(sa->engine, ENGINE_LOG_DEBUG, sa, "half-open: no "
			    "IKE_AUTH request in %u s, forgotten",
			    ENGINE_HALF_OPEN_MS / 1000);
		ikesa_kill_why(sa, ENGINE_R_TIMEOUT);
		return;
	}
	children_expire(sa, now);
	fragment_expire(sa, now);
	nat_tick(sa, now);
	/* The other new Child SAs' requests in flight (window.h). */
	window_due(sa, now);
	if (sa->req.active && now >= sa->req.deadline) {
		/* A return-routability check gives up sooner (mif_move.h). */
		if (mif_move_check_timeout(sa, now) ||
		    mobike_check_timeout(sa, now))
			return;
		/* The peer's address is silent: its other ones (peer_alt.h). */
		if (peer_alt_timeout(sa, now))
			return;
		if (sa->req.tries >= c->retrans_tries) {
			/* The peer is gone (§2.4): forget everything. */
			gave_up(sa);
			ikesa_kill_why(sa, ENGINE_R_TIMEOUT);
			engine_reauth(sa, now);
			return;
		}
		sa->req.tries++;
		sa->engine->counts.retransmits++;
		sa->req.deadline = now +
			((uint64_t)c->retrans_base_ms << sa->req.tries);
		ikesa_resend_request(sa);
		return;
	}
	/*
	 * Requests in flight: only Child SAs, new or rekeyed, may join
	 * them, as the peer's window takes (window.h); what else is due
	 * waits until none is in flight.
	 */
	if (sa->req.active && rekey_room(sa)) {
		create_child_sa_pay(sa, now);
		children_next(sa, now);
		children_rekey(sa, now);
	}
	if (sa->req.active || sa->state != IKESA_ESTABLISHED)
		return;
	/* Our address went (MOBIKE): before anything else. */
	if (mobike_tick(sa, now))
		return;
	/* The peer answered from an alternate: check it before all else. */
	if (peer_alt_tick(sa, now))
		return;
	if (sa->unique_delete_at) {
		/* Replaced (unique.c): the Delete waited for the window. */
		sa->unique_delete_at = 0;
		if (informational_start(sa, NULL, true, now))
			ikesa_kill(sa);
		return;
	}
	if (sa->replaced) {
		if (now < sa->delete_at)
			return;
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "rekeyed by the "
			    "peer, which has not deleted it: deleting it");
		if (informational_start(sa, NULL, true, now))
			ikesa_kill(sa);
		return;
	}
	if (sa->n_del_pending) {
		informational_delete_pending(sa, now);
		return;
	}
	if (create_child_sa_pay(sa, now))
		return;
	if (children_next(sa, now))
		return;
	if (sa->rekey_at && now >= sa->rekey_at) {
		if (c->ike_reauth) {
			reauth(sa, now);
			return;
		}
		/*
		 * At the bound, in the queue; the rest of the tick runs
		 * meanwhile. An IKE SA has no hard expiry of its own
		 * (ike_sa.h): its rekey waits as long as it must.
		 */
		if (!rekey_queue_admit(sa)) {
			rekey_queue_wait(sa);
		} else {
			/* Until the new SA replaces this one, again later. */
			sa->rekey_at = now +
				IKE_REKEY_RETRY(c->ike_lifetime_s * 1000);
			if (!sa->initiator)
				engine_logf(sa->engine, ENGINE_LOG_INFO, sa,
					    "IKE lifetime reached and the "
					    "initiator has not rekeyed: "
					    "rekeying");
			ike_rekey_start(sa, sa->ike.dh->id, now);
			return;
		}
	}
	if (mif_delete_tick(sa, now))
		return;
	if (children_rekey(sa, now))
		return;
	if (mif_announce_tick(sa, now))
		return;
	if (mif_move_tick(sa, now))
		return;
	if (mif_failback_tick(sa, now))
		return;
	if (c->dpd_ms && now >= sa->last_heard + c->dpd_ms)
		informational_start(sa, NULL, false, now);
}

/* Whether MOBIKE moves sa at once when an address of ours is lost. */
static bool mobike_plain(const struct ikesa *sa)
{
	return sa->mobike.on && sa->mif_status != MIF_ON;
}

/* File sa again under its deadline (out of the heap if none). */
static void refile(struct engine *e, struct ikesa *sa)
{
	bool plain = mobike_plain(sa);

	sa->touched = false;
	timer_heap_set(&e->timers, &sa->timer, engine_sa_deadline(sa));
	if (plain != sa->mobike_plain) {
		sa->mobike_plain = plain;
		if (plain)
			e->n_mobike_plain++;
		else
			e->n_mobike_plain--;
	}
}

/* The SAs touched since the heap was last read, filed again. */
static void timers_flush(struct engine *e)
{
	struct ikesa *sa;

	if (e->touched_all) {
		e->touched_all = false;
		e->touched = NULL;
		for (sa = e->sas; sa; sa = sa->next)
			refile(e, sa);
		return;
	}
	while ((sa = e->touched)) {
		e->touched = sa->touched_next;
		refile(e, sa);
	}
}

#define of_timer(t) \
	((struct ikesa *)((char *)(t) - offsetof(struct ikesa, timer)))

#ifdef MIF_TIMER_AUDIT
/*
 * Built with -DMIF_TIMER_AUDIT: every read of the heap checks it against
 * a walk of every SA, and aborts on an SA filed under a stale deadline
 * (an entry point that changed it without touching it).
 */
static void timers_audit(const struct engine *e)
{
	unsigned int plain = 0, established = 0;

	for (const struct ikesa *sa = e->sas; sa; sa = sa->next) {
		plain += sa->mobike_plain;
		established += sa->state == IKESA_ESTABLISHED;
		if (sa->timer.key == engine_sa_deadline(sa) &&
		    sa->mobike_plain == mobike_plain(sa))
			continue;
		fprintf(stderr, "timer audit: SA %016llx filed at %llu, "
			"due at %llu\n", (unsigned long long)sa->spi_i,
			(unsigned long long)sa->timer.key,
			(unsigned long long)engine_sa_deadline(sa));
		abort();
	}
	if (plain != e->n_mobike_plain)
		abort();
	/* And the count of established SAs (engine_n_established()). */
	if (established != e->n_established) {
		fprintf(stderr, "timer audit: %u IKE SAs established, %u "
			"counted\n", established, e->n_established);
		abort();
	}
}
#else
static void timers_audit(const struct engine *e)
{
}
#endif

uint64_t engine_next_deadline(struct engine *e)
{
	const struct timer_node *t;
	uint64_t d;

	timers_flush(e);
	timers_audit(e);
	t = timer_heap_top(&e->timers);
	d = t ? t->key : 0;
	if (e->n_failover_lost && !e->kernel_failover)
		d = 1;		/* at once (mif_failover.h) */
	/* An IKE SA with MOBIKE moves by itself: at once (mobike.h). */
	if (e->n_failover_lost && e->n_mobike_plain)
		d = 1;
	return d;
}

uint64_t engine_tick(struct engine *e, uint64_t now)
{
	struct timer_node *t;
	struct ikesa *sa;
	bool woken;

	/* A failover changes every IKE SA that had the address. */
	if (e->n_failover_lost)
		engine_touch_all(e);
	mif_failover_tick(e, now);
	timers_flush(e);
	timers_audit(e);
	/*
	 * Only the SAs due, each once: out of the heap and touched, to be
	 * filed again under their next deadline once all have run.
	 */
	while ((t = timer_heap_top(&e->timers)) && t->key <= now) {
		sa = of_timer(t);
		timer_heap_remove(&e->timers, t);
		ikesa_touch(sa);
		/* Killed by the tick of another since it was filed: not run. */
		if (sa->state == IKESA_DEAD)
			continue;
		e->n_sa_ticks++;
		woken = sa->rq_state == REKEY_QUEUE_WOKEN;
		engine_sa_tick(sa, now);
		/* Its turn is over; not a turn it got in this tick. */
		if (woken)
			rekey_queue_ticked(sa);
	}
	reap(e);
	return engine_next_deadline(e);
}
