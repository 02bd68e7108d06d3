// SPDX-License-Identifier: GPL-2.0
/*
 * MIF: the peer's address stops answering; its alternates are tried,
 * checked and moved to. See peer_alt.h; the rules are
 * docs/protocol/mif.md, "Who fails over what".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/random.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/mif_alt.h"
#include "engine/mif_move.h"
#include "engine/mobike.h"
#include "engine/peer_alt.h"
#include "ike/constants.h"

/* Two addresses as text, for one log line. */
struct two_addrs {
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];
};

static struct two_addrs *strs(struct two_addrs *t, const struct ip_addr *a,
			      const struct ip_addr *b)
{
	ip_addr_str(a, t->a, sizeof(t->a));
	if (b)
		ip_addr_str(b, t->b, sizeof(t->b));
	else
		t->b[0] = 0;
	return t;
}

static bool mif_on(const struct ikesa *sa)
{
	return sa->mif_status == MIF_ON && sa->mif;
}

/* With MIF, or with MOBIKE as the IKE SA's initiator (RFC 4555 §3.5). */
static bool applies(const struct ikesa *sa)
{
	return mif_on(sa) || (sa->mobike.on && sa->initiator);
}

/* The probe's state, if it applies and one runs or is spent. */
static struct peer_alt_sa *state(struct ikesa *sa)
{
	return applies(sa) ? sa->peer_alt : NULL;
}

/*
 * Idle, and not spent: nothing to keep. Most IKE SAs never probe, so
 * the state is made when a probe starts and goes when it is over.
 */
static void release(struct ikesa *sa)
{
	struct peer_alt_sa *p = sa->peer_alt;

	if (p && p->phase == PEER_ALT_IDLE && !p->spent) {
		free(p);
		sa->peer_alt = NULL;
	}
}

/* The return-routability check in flight. */
struct alt_check {
	struct request_state rs;
	uint8_t cookie[PEER_ALT_COOKIE2_LEN];
};

static void alt_check_free(struct ikesa *sa, struct request_state *st)
{
	(void)sa;
	free(request_of(st, struct alt_check, rs));
}

static const struct request_ops alt_check_ops = {
	.free = alt_check_free,
};

/* Send sa's request in flight to the alternate being tried, once more. */
static void send_away(struct ikesa *sa, struct peer_alt_sa *p, uint64_t now)
{
	sa->req.away = true;
	sa->req.local = p->locals[p->i];
	sa->req.remote = p->alts[p->i];
	sa->req.deadline = now + sa->conn->retrans_base_ms;
	p->sends++;
	ikesa_resend_request(sa);
}

/* Nothing more to try: the request goes back to the IKE SA's pair. */
static void give_up(struct ikesa *sa, struct peer_alt_sa *p, uint64_t now)
{
	const struct conn *c = sa->conn;
	struct two_addrs t;

	engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "the peer's address "
		    "%s does not answer, nor any of its alternates",
		    strs(&t, &p->dead, NULL)->a);
	if (p->phase == PEER_ALT_CHECK) {
		/* The check's message ID must still be answered. */
		sa->req.tries = 0;
		sa->req.deadline = now + c->retrans_base_ms;
	} else {
		/* This send stands for the retransmission the probe put off. */
		sa->req.tries++;
		sa->req.deadline = now +
			((uint64_t)c->retrans_base_ms << sa->req.tries);
	}
	sa->req.away = false;
	p->phase = PEER_ALT_IDLE;
	p->spent = true;
	p->spent_heard = sa->last_heard;
	ikesa_resend_request(sa);
}

/*
 * The alternates of the peer's address a (not a itself, same family),
 * with MIF its list or default rule, from our IKE SA address; into out
 * and locals, their number.
 */
static unsigned int alternates(const struct ikesa *sa,
			       const struct ip_addr *a, struct ip_addr *out,
			       struct ip_addr *locals)
{
	struct ip_addr l[MIF_MAX_ALTS];
	unsigned int n = mif_alt_peer(sa, a, l, MIF_MAX_ALTS), k = 0;

	for (unsigned int i = 0; i < n; i++)
		if (l[i].family == a->family && !ip_addr_equal(&l[i], a)) {
			locals[k] = sa->local;
			out[k++] = l[i];
		}
	return k;
}

/*
 * Without MIF, MOBIKE's pairs (peer_alt.h): ours the outer loop, the IKE
 * SA's address first; the peer's the inner, its IKE SA address first;
 * the IKE SA's own pair left out. Into out (the peer's) and locals
 * (ours), at most PEER_ALT_PAIRS; their number.
 */
static unsigned int pairs(const struct ikesa *sa, struct ip_addr *out,
			  struct ip_addr *locals)
{
	struct ip_addr ours[1 + PEER_ALT_PAIRS], theirs[1 + MOBIKE_MAX_ADDRS];
	unsigned int n_ours = 1, n_theirs = 1, k = 0;

	ours[0] = sa->local;
	n_ours += mobike_local_alts(sa, &sa->local, &ours[1], PEER_ALT_PAIRS);
	theirs[0] = sa->remote;
	for (unsigned int i = 0; i < sa->mobike.n_peer; i++) {
		const struct ip_addr *r = &sa->mobike.peer[i];

		if (r->family == sa->remote.family &&
		    !ip_addr_equal(r, &sa->remote))
			theirs[n_theirs++] = *r;
	}
	for (unsigned int i = 0; i < n_ours; i++)
		for (unsigned int j = 0; j < n_theirs; j++) {
			if (!i && !j)
				continue;	/* the pair that failed */
			if (k == PEER_ALT_PAIRS)
				return k;
			locals[k] = ours[i];
			out[k++] = theirs[j];
		}
	return k;
}

static bool start(struct ikesa *sa, uint64_t now)
{
	struct peer_alt_sa *p = sa->peer_alt;
	struct two_addrs t;

	if (sa->req.away || (sa->req.tries < sa->conn->alt_after &&
			     sa->req.tries < sa->conn->retrans_tries))
		return false;
	if (p && p->spent && p->spent_heard == sa->last_heard)
		return false;
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return false;
		sa->peer_alt = p;
	}
	p->spent = false;
	p->dead = sa->remote;
	p->n = mif_on(sa) ? alternates(sa, &sa->remote, p->alts, p->locals) :
			    pairs(sa, p->alts, p->locals);
	p->until = now + PEER_ALT_PROBE_MS;
	if (!p->n) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "the peer's "
			    "address %s does not answer, and it has no "
			    "alternate", strs(&t, &p->dead, NULL)->a);
		p->spent = true;
		p->spent_heard = sa->last_heard;
		return false;
	}
	strs(&t, &p->dead, &p->alts[0]);
	if (mif_on(sa)) {
		engine_logf(sa->engine, ENGINE_LOG_NOTICE, sa, "the peer's "
			    "address %s does not answer (%u retransmissions): "
			    "trying its alternate %s", t.a, sa->req.tries,
			    t.b);
	} else {
		char l[IP_ADDR_STRLEN];

		engine_logf(sa->engine, ENGINE_LOG_NOTICE, sa, "MOBIKE: the "
			    "peer's address %s does not answer (%u "
			    "retransmissions): probing %u pairs, first %s -> "
			    "%s", t.a, sa->req.tries, p->n,
			    ip_addr_str(&p->locals[0], l, sizeof(l)), t.b);
	}
	p->phase = PEER_ALT_RESEND;
	p->i = 0;
	p->sends = 0;
	send_away(sa, p, now);
	return true;
}

/* The alternate being tried did not answer: again, or the next one. */
static bool next(struct ikesa *sa, struct peer_alt_sa *p, uint64_t now)
{
	struct two_addrs t;

	if (p->sends < PEER_ALT_SENDS) {
		send_away(sa, p, now);
		return true;
	}
	if (p->i + 1 >= p->n || (!mif_on(sa) && now >= p->until)) {
		give_up(sa, p, now);
		return true;
	}
	strs(&t, &p->alts[p->i], &p->alts[p->i + 1]);
	if (mif_on(sa)) {
		engine_logf(sa->engine, ENGINE_LOG_NOTICE, sa, "the peer's "
			    "alternate %s does not answer either: trying %s",
			    t.a, t.b);
	} else {
		char l[IP_ADDR_STRLEN];

		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "MOBIKE: no "
			    "answer at %s: probing %s -> %s", t.a,
			    ip_addr_str(&p->locals[p->i + 1], l, sizeof(l)),
			    t.b);
	}
	p->i++;
	p->sends = 0;
	send_away(sa, p, now);
	return true;
}

bool peer_alt_timeout(struct ikesa *sa, uint64_t now)
{
	struct peer_alt_sa *p = state(sa);

	if (!applies(sa) || sa->state != IKESA_ESTABLISHED)
		return false;
	if (!p)
		return start(sa, now);
	switch (p->phase) {
	case PEER_ALT_IDLE:
		return start(sa, now);
	case PEER_ALT_CHECK_DUE:
		/* Another request came first: it goes to the alternate. */
		p->phase = PEER_ALT_RESEND;
		p->sends = 0;
		send_away(sa, p, now);
		return true;
	case PEER_ALT_CHECK:
		if (!request_get(sa, &alt_check_ops))
			break;
		return next(sa, p, now);
	case PEER_ALT_RESEND:
		return next(sa, p, now);
	}
	p->phase = PEER_ALT_IDLE;
	release(sa);
	return false;
}

void peer_alt_heard(struct ikesa *sa, const struct engine_msg *m)
{
	struct peer_alt_sa *p = state(sa);
	struct two_addrs t;

	if (!p)
		return;
	p->spent = false;
	if (p->phase != PEER_ALT_RESEND) {
		release(sa);
		return;
	}
	if (!ip_addr_equal(m->remote, &p->alts[p->i]) ||
	    (!mif_on(sa) && !ip_addr_equal(m->local, &p->locals[p->i]))) {
		/* The peer answered at its address after all. */
		p->phase = PEER_ALT_IDLE;
		release(sa);
		return;
	}
	engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "the peer answered from "
		    "its alternate %s: checking it (COOKIE2)",
		    strs(&t, &p->alts[p->i], NULL)->a);
	p->phase = PEER_ALT_CHECK_DUE;
}

uint64_t peer_alt_deadline(const struct ikesa *sa)
{
	const struct peer_alt_sa *p = sa->peer_alt;

	if (!p || p->phase != PEER_ALT_CHECK_DUE || sa->req.active ||
	    sa->state != IKESA_ESTABLISHED || sa->replaced)
		return 0;
	return 1;
}

/*
 * Without MIF (MOBIKE): UPDATE_SA_ADDRESSES with COOKIE2 to alts[i] is
 * the check and the move in one (mobike.c).
 */
static bool mobike_probe_done(struct ikesa *sa, struct peer_alt_sa *p,
			      uint64_t now)
{
	char l[IP_ADDR_STRLEN];
	struct two_addrs t;
	int ret;

	p->phase = PEER_ALT_IDLE;
	ret = mobike_update_path(sa, &p->locals[p->i], &p->alts[p->i], now);
	strs(&t, &p->dead, &p->alts[p->i]);
	ip_addr_str(&p->locals[p->i], l, sizeof(l));
	if (ret)
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "the peer's "
			    "address %s does not answer, %s -> %s does: cannot "
			    "send UPDATE_SA_ADDRESSES there (%d)", t.a, l, t.b,
			    ret);
	else
		engine_logf(sa->engine, ENGINE_LOG_NOTICE, sa, "the peer's "
			    "address %s does not answer, %s -> %s does: MOBIKE "
			    "path probing moves the IKE SA there", t.a, l,
			    t.b);
	release(sa);
	return !ret;
}

/* The return-routability check of alts[i]: COOKIE2, sent there. */
bool peer_alt_tick(struct ikesa *sa, uint64_t now)
{
	struct peer_alt_sa *p = state(sa);
	struct ike_chain *chain;
	struct alt_check *ck;
	struct ike_notify n;
	struct ike_error err;
	int ret = -ENOMEM;

	if (!p || !peer_alt_deadline(sa))
		return false;
	if (!mif_on(sa))
		return mobike_probe_done(sa, p, now);
	chain = calloc(1, sizeof(*chain));
	ck = calloc(1, sizeof(*ck));
	if (!chain || !ck || random_key(ck->cookie, sizeof(ck->cookie)))
		goto out;
	ck->rs.ops = &alt_check_ops;
	ikesa_notify(&n, IKE_N_COOKIE2, ck->cookie, sizeof(ck->cookie));
	ike_chain_add(chain, IKE_PL_NOTIFY, &n, &err);
	ret = ikesa_request_away(sa, now, IKE_EXCH_INFORMATIONAL, chain,
				 &sa->local, &p->alts[p->i]);
	if (!ret) {
		request_set(sa, &ck->rs);
		ck = NULL;
		p->phase = PEER_ALT_CHECK;
		p->sends = 1;
	}
out:
	if (ret) {
		engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "cannot send the "
			    "return-routability check of the peer's "
			    "alternate");
		p->phase = PEER_ALT_IDLE;
		release(sa);
	}
	if (chain)
		ike_chain_free(chain);
	free(chain);
	free(ck);
	return !ret;
}

/* The peer's interface listing a, up (0: none). */
static uint16_t peer_iface(const struct ikesa *sa, const struct ip_addr *a)
{
	const struct mif_interfaces *m = sa->mif->peer;
	uint8_t fam = a->family == AF_INET6 ? MIF_AF_IPV6 : MIF_AF_IPV4;

	for (unsigned int i = 0; i < m->n; i++)
		if (!(m->iface[i].flags & MIF_IFACE_DOWN) &&
		    mif_iface_has_addr(&m->iface[i], fam, a->bytes))
			return m->iface[i].id;
	return 0;
}

/* Checked: our side moves, then the peer is asked to move its own. */
static void move_to(struct ikesa *sa, struct peer_alt_sa *p, uint64_t now)
{
	struct ip_addr dead = p->dead, alt = p->alts[p->i];
	struct two_addrs t;
	int ret;

	p->phase = PEER_ALT_IDLE;
	release(sa);
	ret = mif_move_carry_out(sa, &dead, &alt, false,
				 peer_iface(sa, &alt));
	if (ret) {
		strs(&t, &dead, &alt);
		engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "the peer's "
			    "address %s is dead, but our kernel refused the "
			    "move to %s", t.a, t.b);
		return;
	}
	strs(&t, &dead, &alt);
	engine_logf(sa->engine, ENGINE_LOG_NOTICE, sa, "the peer's address %s "
		    "stopped answering: moved to its alternate %s (return "
		    "routability checked)", t.a, t.b);
	/* The peer's inbound SAs are found by their destination: tell it. */
	ret = mif_move_start(sa, &dead, &alt, false, now);
	if (ret)
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "cannot ask "
			    "the peer to move its %s to %s: its SAs stay "
			    "there", t.a, t.b);
}

void peer_alt_info_response(struct ikesa *sa, const struct engine_msg *m)
{
	struct peer_alt_sa *p = state(sa);
	struct request_state *st = request_get(sa, &alt_check_ops);
	const struct ike_payload *pl;
	struct alt_check *ck;
	struct two_addrs t;

	if (!p || !st || p->phase != PEER_ALT_CHECK)
		return;
	ck = request_of(st, struct alt_check, rs);
	pl = ike_chain_find_notify(m->chain, IKE_N_COOKIE2);
	if (!pl || pl->notify->len != sizeof(ck->cookie) ||
	    memcmp(pl->notify->data, ck->cookie, sizeof(ck->cookie)) ||
	    !ip_addr_equal(m->remote, &p->alts[p->i])) {
		strs(&t, &p->alts[p->i], m->remote);
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "return-"
			    "routability check of the peer's alternate %s "
			    "failed: the answer came from %s, or without our "
			    "cookie", t.a, t.b);
		p->phase = PEER_ALT_IDLE;
		p->spent = true;
		p->spent_heard = sa->last_heard;
		return;
	}
	move_to(sa, p, m->now);
}
