// SPDX-License-Identifier: GPL-2.0
/*
 * MIF part two: moving an interface (docs/protocol/mif.md, "Moving an
 * interface" and "Return routability"). See mif_move.h.
 *
 * Requester: the move waits in the IKE SA's queue for the request
 * window, goes out as an INFORMATIONAL request with MIF_MOVE (from the
 * new address when it moves the IKE SA's own), and is carried out when
 * the response echoes it. Responder: checks the move; for a new address
 * of the requester, sends a COOKIE2 request there first and answers
 * only once it is echoed from there; then one kernel call, its view of
 * the Child SAs, the answer.
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
#include "engine/mif_move.h"
#include "engine/mobike.h"
#include "engine/notify_table.h"
#include "engine/rr_check.h"
#include "ike/constants.h"

static uint8_t mif_family(int family)
{
	return family == AF_INET6 ? MIF_AF_IPV6 : MIF_AF_IPV4;
}

static void move_addrs(const struct mif_move *mv, struct ip_addr *old,
		       struct ip_addr *new)
{
	size_t alen = mif_addr_len(mv->family);

	ip_addr_from_bytes(old, mv->old_addr, alen);
	ip_addr_from_bytes(new, mv->new_addr, alen);
}

/* The interface of list m listing a (not down, if up), 0: none. */
static uint16_t listed_on(const struct mif_interfaces *m,
			  const struct ip_addr *a, bool up)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (mif_iface_has_addr(&m->iface[i], mif_family(a->family),
				       a->bytes) &&
		    (!up || !(m->iface[i].flags & MIF_IFACE_DOWN)))
			return m->iface[i].id;
	return 0;
}

/* A Child SA of sa with a as its local (or remote) outer address. */
static struct childsa *holder(const struct ikesa *sa,
			      const struct ip_addr *a, bool local)
{
	for (struct childsa *c = sa->children; c; c = c->next)
		if (ip_addr_equal(local ? &c->local : &c->remote, a))
			return c;
	return NULL;
}

static void log_move(struct ikesa *sa, int level, const char *what,
		     const struct ip_addr *old, const struct ip_addr *new,
		     const char *why)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];

	engine_logf(sa->engine, level, sa, "%s %s -> %s%s%s", what,
		    ip_addr_str(old, a, sizeof(a)),
		    ip_addr_str(new, b, sizeof(b)), why ? ": " : "",
		    why ? why : "");
}

/* A transport-mode selector naming old as one host names new. */
static void move_sels(struct ike_selector *s, unsigned int n,
		      const struct ip_addr *old, const struct ip_addr *new)
{
	size_t alen = ip_addr_len(old);
	uint8_t type = old->family == AF_INET6 ? IKE_TS_IPV6_ADDR_RANGE :
						 IKE_TS_IPV4_ADDR_RANGE;

	for (unsigned int i = 0; i < n; i++)
		if (s[i].type == type && !memcmp(s[i].start, old->bytes, alen) &&
		    !memcmp(s[i].end, old->bytes, alen)) {
			memcpy(s[i].start, new->bytes, alen);
			memcpy(s[i].end, new->bytes, alen);
		}
}

static void move_path_addr(struct childsa *c, const struct ip_addr *old,
			   const struct ip_addr *new)
{
	size_t alen = ip_addr_len(old);

	if (!c->has_path || c->path.family != mif_family(old->family))
		return;
	if (!memcmp(c->path.req_addr, old->bytes, alen))
		memcpy(c->path.req_addr, new->bytes, alen);
	if (!memcmp(c->path.resp_addr, old->bytes, alen))
		memcpy(c->path.resp_addr, new->bytes, alen);
}

/* The IKE SA's own address, if it is old, is new from now on. */
static void ike_addr_follow(struct ikesa *sa, const struct ip_addr *old,
			    const struct ip_addr *new, bool local)
{
	struct engine *e = sa->engine;

	if (local && ip_addr_equal(&sa->local, old))
		sa->local = *new;
	if (!local && ip_addr_equal(&sa->remote, old)) {
		sa->remote = *new;
		/* Filed by the peer's address, as nat_follow() does. */
		if (!sa->initiator) {
			sa_table_remove(&e->by_peer, &sa->by_peer);
			engine_hash_peer(e, sa);
		}
	}
}

/*
 * One kernel call moving old (ours if local, else the peer's) to new in
 * sa's scope, then the same in our view: the Child SAs' outer addresses
 * and interfaces, transport-mode selectors, the policy table, and the
 * IKE SA's own address. 0 or -errno (nothing moved).
 */
static int carry_out(struct ikesa *sa, const struct ip_addr *old,
		     const struct ip_addr *new, bool local, uint16_t new_id,
		     const struct mif_move_encap *enc)
{
	struct engine *e = sa->engine;
	struct kernel_iface_result r;
	struct kernel_move km = { .old = *old, .new = *new };
	struct kernel_scope scope;
	const struct iface *ifc = local ? iface_by_addr(&e->ifaces, new) :
					  NULL;
	char n[64];
	int ret;

	if (!e->backend->ops->move_addr)
		return -EOPNOTSUPP;
	/* Moved already, kernel and view (a failover): the IKE SA follows. */
	if (!holder(sa, old, local)) {
		ike_addr_follow(sa, old, new, local);
		return 0;
	}
	/* The kernel's ports: at the moved address, at the other end. */
	if (enc && enc->on) {
		km.encap_port = local ? enc->port : enc->peer_port;
		km.encap_peer_port = local ? enc->peer_port : enc->port;
	} else if (enc) {
		km.encap_off = true;
	}
	ikesa_kernel_scope(sa, &scope);
	ret = e->backend->ops->move_addr(e->backend, &km, &scope, &r);
	if (ret)
		return ret;
	for (struct childsa *c = sa->children; c; c = c->next) {
		struct ip_addr *a = local ? &c->local : &c->remote;
		bool transport = c->mode == KERNEL_MODE_TRANSPORT;

		if (!ip_addr_equal(a, old))
			continue;
		*a = *new;
		if (enc) {
			c->encap = enc->on;
			if (enc->on) {
				c->local_port = enc->port;
				c->remote_port = enc->peer_port;
			}
		}
		if (local) {
			c->local_iface = new_id;
			c->ifindex = ifc ? ifc->ifindex : 0;
		} else {
			c->remote_iface = new_id;
		}
		move_path_addr(c, old, new);
		if (transport && local)
			move_sels(c->local_ts, c->n_local_ts, old, new);
		else if (transport)
			move_sels(c->remote_ts, c->n_remote_ts, old, new);
	}
	if (policy_table_move(&e->policies, old, new, &scope))
		engine_logf(e, ENGINE_LOG_ERR, sa, "move: out of memory "
			    "updating the policy table");
	ike_addr_follow(sa, old, new, local);
	snprintf(n, sizeof(n), "moved %s (%u SAs, %u policies)",
		 local ? "ours" : "the peer's", r.states, r.policies);
	log_move(sa, ENGINE_LOG_NOTICE, n, old, new, NULL);
	return 0;
}

int mif_move_carry_out(struct ikesa *sa, const struct ip_addr *old,
		       const struct ip_addr *new, bool local, uint16_t new_id)
{
	return carry_out(sa, old, new, local, new_id, NULL);
}

int mif_move_carry_out_encap(struct ikesa *sa, const struct ip_addr *old,
			     const struct ip_addr *new, bool local,
			     uint16_t new_id, const struct mif_move_encap *enc)
{
	return carry_out(sa, old, new, local, new_id, enc);
}

/* Requester. */

struct move_req {
	struct request_state rs;	/* first: request_free_plain() */
	struct mif_move mv;
	unsigned int tries;	/* sent before this one */
	bool answered;
};

static const struct request_ops move_req_ops = {
	.free = request_free_plain,
};

static struct move_req *move_req(const struct ikesa *sa)
{
	return request_get_as(sa, &move_req_ops, struct move_req);
}

/*
 * Without MIF: only our IKE SA's own address moves, by MOBIKE if it is
 * negotiated, else by a new IKE SA.
 */
static int fallback(struct ikesa *sa, const struct ip_addr *old,
		    const struct ip_addr *new, bool local, uint64_t now)
{
	if (sa->mobike.on && local && sa->initiator &&
	    ip_addr_equal(old, &sa->local))
		return mobike_update(sa, old, new, now);
	if (!local || !ip_addr_equal(old, &sa->local) || !sa->initiator) {
		log_move(sa, ENGINE_LOG_WARNING, "cannot move", old, new,
			 "MIF is not negotiated with this peer, and only the "
			 "initiator's own IKE SA address can move without it");
		return -EOPNOTSUPP;
	}
	log_move(sa, ENGINE_LOG_NOTICE, "moving", old, new, "neither MIF "
		 "nor MOBIKE is negotiated: deleting the IKE SA and "
		 "setting it up again (break-before-make)");
	sa->reauth = true;
	ikesa_why(sa, ENGINE_R_LOCAL);
	if (informational_start(sa, NULL, true, now)) {
		ikesa_kill(sa);
		engine_reauth(sa, now);
	}
	return 0;
}

struct mif_move_sa *mif_move_state(struct ikesa *sa)
{
	/* Most IKE SAs never move: the state comes with the first move. */
	if (!sa->mif->move)
		sa->mif->move = calloc(1, sizeof(*sa->mif->move));
	return sa->mif->move;
}

int mif_move_start(struct ikesa *sa, const struct ip_addr *old,
		   const struct ip_addr *new, bool local, uint64_t now)
{
	struct mif_move_sa *q;
	struct mif_move mv;
	const struct mif_interfaces *owner;

	if (sa->state != IKESA_ESTABLISHED || sa->replaced)
		return -EAGAIN;
	if (old->family != new->family || ip_addr_equal(old, new) ||
	    !mif_addr_usable(mif_family(new->family), new->bytes))
		return -EINVAL;
	if (sa->mif_status != MIF_ON)
		return fallback(sa, old, new, local, now);
	if (!sa->engine->backend->ops->move_addr)
		return -EOPNOTSUPP;
	/*
	 * Our side may have moved already (the kernel's failover, and
	 * engine_kernel_event() moved our view with it; or, the peer's
	 * address, peer_alt.c after its check): the peer is told all the
	 * same, and our kernel call then moves nothing.
	 */
	if (!holder(sa, old, local) && !holder(sa, new, local))
		return -ENOENT;
	owner = local ? sa->mif->ours : sa->mif->peer;
	memset(&mv, 0, sizeof(mv));
	mv.flags = local ? 0 : MIF_MOVE_RESPONDER;
	mv.family = mif_family(old->family);
	mv.old_id = listed_on(owner, old, false);
	mv.new_id = listed_on(owner, new, true);
	if (!mv.new_id) {
		log_move(sa, ENGINE_LOG_WARNING, "cannot move", old, new, local ?
			 "the new address is not in our announced list (or "
			 "its interface is down)" : "the peer has not "
			 "announced the new address on an interface up");
		return -EADDRNOTAVAIL;
	}
	memcpy(mv.old_addr, old->bytes, ip_addr_len(old));
	memcpy(mv.new_addr, new->bytes, ip_addr_len(new));
	q = mif_move_state(sa);
	if (!q)
		return -ENOMEM;
	if (q->n_queued == MIF_MOVE_QUEUE)
		return -EBUSY;
	q->tries[q->n_queued] = 0;
	q->queued[q->n_queued++] = mv;
	mif_move_tick(sa, now);
	return 0;
}

int engine_iface_move(struct ikesa *sa, const struct ip_addr *old,
		      const struct ip_addr *new, bool local, uint64_t now)
{
	ikesa_touch(sa);
	return mif_move_start(sa, old, new, local, now);
}

uint64_t mif_move_deadline(const struct ikesa *sa)
{
	const struct mif_move_sa *q;

	if (sa->mif_status != MIF_ON || !sa->mif->move)
		return 0;
	q = sa->mif->move;
	if (!q->n_queued || sa->state != IKESA_ESTABLISHED || sa->replaced ||
	    sa->req.active)
		return 0;
	/* Due at once, or when a refused one is tried again. */
	return q->not_before ? q->not_before : 1;
}

static int send_move(struct ikesa *sa, const struct mif_move *mv,
		     unsigned int tries, uint64_t now)
{
	struct ike_chain *chain = calloc(1, sizeof(*chain));
	struct move_req *st = calloc(1, sizeof(*st));
	struct ip_addr old, new;
	struct ike_writer w;
	struct ike_notify n;
	struct ike_error err;
	int ret = -ENOMEM;

	ike_writer_init(&w);
	if (!chain || !st)
		goto out;
	ret = -EINVAL;
	if (mif_move_build(&w, mv, &err) || !ike_writer_ok(&w))
		goto out;
	ikesa_notify(&n, IKE_N_MIF_MOVE, w.p, w.len);
	ike_chain_add(chain, IKE_PL_NOTIFY, &n, &err);
	move_addrs(mv, &old, &new);
	/* Our IKE SA address moves: talk from the new one (MOBIKE does). */
	if (!(mv->flags & MIF_MOVE_RESPONDER) &&
	    ip_addr_equal(&old, &sa->local))
		ret = ikesa_request_away(sa, now, IKE_EXCH_INFORMATIONAL,
					 chain, &new, &sa->remote);
	else
		ret = ikesa_request(sa, now, IKE_EXCH_INFORMATIONAL, chain);
	if (!ret) {
		st->rs.ops = &move_req_ops;
		st->mv = *mv;
		st->tries = tries;
		request_set(sa, &st->rs);
		st = NULL;
		log_move(sa, ENGINE_LOG_INFO, mv->flags & MIF_MOVE_RESPONDER ?
			 "asking the peer to move its" : "moving our", &old,
			 &new, "MIF_MOVE sent");
	}
out:
	ike_writer_free(&w);
	if (chain)
		ike_chain_free(chain);
	free(chain);
	free(st);
	return ret;
}

bool mif_move_tick(struct ikesa *sa, uint64_t now)
{
	struct mif_move_sa *q;
	struct mif_move mv;
	unsigned int tries;
	uint64_t due = mif_move_deadline(sa);

	if (!due || due > now)
		return false;
	q = sa->mif->move;
	q->not_before = 0;
	mv = q->queued[0];
	tries = q->tries[0];
	q->n_queued--;
	memmove(q->queued, q->queued + 1, q->n_queued * sizeof(q->queued[0]));
	memmove(q->tries, q->tries + 1, q->n_queued * sizeof(q->tries[0]));
	if (send_move(sa, &mv, tries, now)) {
		engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "MIF_MOVE: cannot "
			    "send the request: move dropped");
		return false;
	}
	return true;
}

/* The response echoes our move: carry it out on our side. */
static void move_response(struct notify_ctx *ctx, const struct ike_notify *n)
{
	struct ikesa *sa = ctx->sa;
	struct move_req *st = move_req(sa);
	struct ip_addr old, new;
	struct mif_move mv;
	struct ike_error err;
	int ret;

	if (!st) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "INFORMATIONAL: "
			    "MIF_MOVE answers no move of ours: ignored");
		return;
	}
	st->answered = true;
	move_addrs(&st->mv, &old, &new);
	if (mif_move_parse(&mv, n->data, n->len, &err) ||
	    !mif_move_equal(&mv, &st->mv)) {
		log_move(sa, ENGINE_LOG_ERR, "move", &old, &new, "the peer's "
			 "MIF_MOVE answer is not our request: nothing moved");
		return;
	}
	ret = carry_out(sa, &old, &new, !(mv.flags & MIF_MOVE_RESPONDER),
			mv.new_id, NULL);
	if (ret)
		log_move(sa, ENGINE_LOG_ERR, "move", &old, &new, "the peer "
			 "moved, but our kernel refused: the SAs on the old "
			 "address will fail until the next move");
}

/*
 * Queue st's move again, first, 1 to 2 s from now, or 4 to 8 s once its
 * MIF_MOVE_RETRIES are spent (a random point, so that two crossing
 * moves do not cross again). Whether it was queued.
 */
static bool retry(struct ikesa *sa, const struct move_req *st, uint64_t now)
{
	struct mif_move_sa *q = mif_move_state(sa);
	unsigned int base = st->tries < MIF_MOVE_RETRIES ? 1000 : 4000;
	struct ip_addr old, new;
	uint8_t r[2] = { 0 };
	unsigned int wait;
	char why[64];

	if (!q || q->n_queued == MIF_MOVE_QUEUE)
		return false;
	random_nonce(r, sizeof(r));
	wait = base + (((unsigned int)r[0] << 8 | r[1]) % base);
	memmove(q->queued + 1, q->queued, q->n_queued * sizeof(q->queued[0]));
	memmove(q->tries + 1, q->tries, q->n_queued * sizeof(q->tries[0]));
	q->queued[0] = st->mv;
	q->tries[0] = st->tries + 1;
	q->n_queued++;
	q->not_before = now + wait;
	move_addrs(&st->mv, &old, &new);
	snprintf(why, sizeof(why), "refused by the peer: tried again in %u "
		 "ms", wait);
	log_move(sa, ENGINE_LOG_INFO, "move", &old, &new, why);
	return true;
}

/*
 * Whether our side of the move of old to new (ours if local, else the
 * peer's) is done already (a failover: the kernel moved, our view with
 * it): our Child SAs are on new, none on old. The peer, until it takes
 * the move, sends to an address we left, so the move is not given up
 * while that holds, up to MIF_MOVE_RETRIES_MOVED tries in all; it stops
 * mattering once our SAs move on or go.
 */
static bool moved_ahead(const struct ikesa *sa, const struct ip_addr *old,
			const struct ip_addr *new, bool local)
{
	return sa->state == IKESA_ESTABLISHED && !sa->replaced &&
	       !holder(sa, old, local) && holder(sa, new, local);
}

static void unacceptable_response(struct notify_ctx *ctx,
				  const struct ike_notify *n)
{
	struct ikesa *sa = ctx->sa;
	struct move_req *st = move_req(sa);
	struct ip_addr old, new;

	(void)n;
	if (!st) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "INFORMATIONAL: "
			    "MIF_UNACCEPTABLE_MOVE answers no move: ignored");
		return;
	}
	st->answered = true;
	move_addrs(&st->mv, &old, &new);
	if (st->tries < MIF_MOVE_RETRIES && retry(sa, st, ctx->now))
		return;
	if (st->tries < MIF_MOVE_RETRIES_MOVED &&
	    moved_ahead(sa, &old, &new,
			!(st->mv.flags & MIF_MOVE_RESPONDER))) {
		if (st->tries == MIF_MOVE_RETRIES)
			log_move(sa, ENGINE_LOG_WARNING, "move", &old, &new,
				 "refused by the peer (MIF_UNACCEPTABLE_MOVE), "
				 "but our SAs are there already: tried again "
				 "every 4 to 8 s until the peer takes it");
		if (retry(sa, st, ctx->now))
			return;
	}
	log_move(sa, ENGINE_LOG_WARNING, "move", &old, &new, "refused by "
		 "the peer (MIF_UNACCEPTABLE_MOVE): nothing moved");
}

/* Responder. */

/* The peer's move to a new address of its own, while it is checked. */
struct move_check {
	struct request_state rs;	/* first: request_free_plain() */
	struct rr_check rr;
	struct mif_move mv;
};

static const struct request_ops move_check_ops = {
	.free = request_free_plain,
};

static struct move_check *move_check(const struct ikesa *sa)
{
	return request_get_as(sa, &move_check_ops, struct move_check);
}

/* Answer a checked move: its echo, or MIF_UNACCEPTABLE_MOVE. */
static void answer_later(struct ikesa *sa, struct move_check *ck, bool ok)
{
	struct ike_chain *chain = calloc(1, sizeof(*chain));
	struct ike_writer w;
	struct ike_notify n;
	struct ike_error err;

	ike_writer_init(&w);
	if (!chain)
		return;
	if (ok && !mif_move_build(&w, &ck->mv, &err) && ike_writer_ok(&w))
		ikesa_notify(&n, IKE_N_MIF_MOVE, w.p, w.len);
	else
		ikesa_notify(&n, IKE_N_MIF_UNACCEPTABLE_MOVE, NULL, 0);
	ike_chain_add(chain, IKE_PL_NOTIFY, &n, &err);
	rr_check_answer(sa, &ck->rr, chain);
	ike_writer_free(&w);
	ike_chain_free(chain);
	free(chain);
}

static void refuse(struct notify_ctx *ctx, const struct ip_addr *old,
		   const struct ip_addr *new, const char *why)
{
	struct ike_error err;

	if (old && new)
		log_move(ctx->sa, ENGINE_LOG_WARNING, "the peer's MIF_MOVE",
			 old, new, why);
	else
		engine_logf(ctx->sa->engine, ENGINE_LOG_WARNING, ctx->sa,
			    "the peer's MIF_MOVE refused: %s", why);
	ikesa_notify(&ctx->mif->move, IKE_N_MIF_UNACCEPTABLE_MOVE, NULL, 0);
	ike_chain_add(ctx->out, IKE_PL_NOTIFY, &ctx->mif->move, &err);
}

static void echo(struct notify_ctx *ctx, const struct mif_move *mv)
{
	struct ike_writer w;
	struct ike_error err;

	ike_writer_init(&w);
	if (!mif_move_build(&w, mv, &err) && ike_writer_ok(&w) &&
	    w.len <= sizeof(ctx->mif->move_data)) {
		memcpy(ctx->mif->move_data, w.p, w.len);
		ikesa_notify(&ctx->mif->move, IKE_N_MIF_MOVE,
			     ctx->mif->move_data, w.len);
		ike_chain_add(ctx->out, IKE_PL_NOTIFY, &ctx->mif->move, &err);
	}
	ike_writer_free(&w);
}

/*
 * Whether the peer may move once more now (MIF_MOVE_RATE per second);
 * not without the memory to count it.
 */
static bool rate_ok(struct ikesa *sa, uint64_t now)
{
	struct mif_move_sa *q = mif_move_state(sa);

	if (!q)
		return false;
	if (now >= q->window_start + MIF_MOVE_RATE_MS) {
		q->window_start = now;
		q->in_window = 0;
	}
	if (q->in_window >= MIF_MOVE_RATE)
		return false;
	q->in_window++;
	return true;
}

/* The new address answered the check: move, and echo the move. */
static void check_routable(struct ikesa *sa, struct rr_check *rr,
			   uint64_t now)
{
	struct move_check *ck = rr_check_owner(rr, struct move_check, rr);
	struct ip_addr old, new;

	move_addrs(&ck->mv, &old, &new);
	if (carry_out(sa, &old, &new, false, ck->mv.new_id, NULL)) {
		log_move(sa, ENGINE_LOG_WARNING, "the peer's MIF_MOVE", &old,
			 &new, "refused: the kernel refused");
		answer_later(sa, ck, false);
		return;
	}
	answer_later(sa, ck, true);
}

static void check_failed(struct ikesa *sa, struct rr_check *rr,
			 const char *why)
{
	struct move_check *ck = rr_check_owner(rr, struct move_check, rr);
	struct ip_addr old, new;
	char refused[224];

	move_addrs(&ck->mv, &old, &new);
	snprintf(refused, sizeof(refused), "refused: %s", why);
	log_move(sa, ENGINE_LOG_WARNING, "the peer's MIF_MOVE", &old, &new,
		 refused);
	answer_later(sa, ck, false);
}

static const struct rr_check_ops move_rr_ops = {
	.routable = check_routable,
	.failed = check_failed,
};

/* Send the COOKIE2 check to the requester's new address; defer. */
static int start_check(struct notify_ctx *ctx, const struct mif_move *mv,
		       const struct ip_addr *old, const struct ip_addr *new)
{
	struct ikesa *sa = ctx->sa;
	struct move_check *ck = calloc(1, sizeof(*ck));
	const struct childsa *c = holder(sa, old, false);
	int ret = -ENOMEM;

	if (!ck || !c)
		goto out;
	ck->rs.ops = &move_check_ops;
	ck->mv = *mv;
	/* From our address of the pair, to the new one. */
	ret = rr_check_start(sa, &ck->rr, &move_rr_ops, ctx->msg, &c->local,
			     sa->local_port, new, sa->remote_port);
	if (!ret) {
		request_set(sa, &ck->rs);
		ck = NULL;
		ctx->defer = true;
		log_move(sa, ENGINE_LOG_INFO, "the peer moves", old, new,
			 "checking the new address (COOKIE2)");
	}
out:
	free(ck);
	return ret;
}

/* INFORMATIONAL request: the peer's move. */
static void move_request(struct notify_ctx *ctx, const struct ike_notify *n)
{
	struct ikesa *sa = ctx->sa;
	struct mif_interfaces *ours = NULL;
	struct ip_addr old, new;
	struct mif_move mv;
	struct ike_error err;
	bool theirs;
	int ret;

	if (sa->mif_status != MIF_ON) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "INFORMATIONAL: "
			    "MIF_MOVE without MIF negotiated: ignored");
		return;
	}
	if (mif_move_parse(&mv, n->data, n->len, &err)) {
		refuse(ctx, NULL, NULL, err.reason);
		return;
	}
	move_addrs(&mv, &old, &new);
	theirs = !(mv.flags & MIF_MOVE_RESPONDER);
	if (!rate_ok(sa, ctx->msg->now)) {
		refuse(ctx, &old, &new, "more than 4 moves in a second");
		return;
	}
	if (!holder(sa, &old, !theirs)) {
		refuse(ctx, &old, &new, "no Child SA of this IKE SA is on "
		       "the old address");
		return;
	}
	if (theirs) {
		const struct mif_iface *f = mif_iface_find(sa->mif->peer,
							   mv.new_id);

		if (!f || (f->flags & MIF_IFACE_DOWN) ||
		    !mif_iface_has_addr(f, mv.family, mv.new_addr)) {
			refuse(ctx, &old, &new, "the new address is not "
			       "announced under that interface, or it is "
			       "down");
			return;
		}
		if (ctx->out->count) {
			refuse(ctx, &old, &new, "a move to be checked must "
			       "travel alone");
			return;
		}
		if (sa->req.active) {
			refuse(ctx, &old, &new, "our own request is in "
			       "flight: cannot check the new address now");
			return;
		}
		if (start_check(ctx, &mv, &old, &new))
			refuse(ctx, &old, &new, "cannot send the check");
		return;
	}
	/* Our own addresses: the new one must be ours, announced, up. */
	ours = malloc(sizeof(*ours));
	if (!ours) {
		refuse(ctx, &old, &new, "out of memory");
		return;
	}
	mif_local_list(sa->engine, sa->conn, ours);
	if (listed_on(ours, &new, true) != mv.new_id) {
		refuse(ctx, &old, &new, "the new address is not ours on an "
		       "interface up with that ID");
	} else {
		ret = carry_out(sa, &old, &new, true, mv.new_id, NULL);
		if (ret)
			refuse(ctx, &old, &new, "the kernel refused");
		else
			echo(ctx, &mv);
	}
	free(ours);
}

/* Dispatch by direction: the table holds one handler per type. */
static void move_notify(struct notify_ctx *ctx, const struct ike_notify *n)
{
	if (ctx->response)
		move_response(ctx, n);
	else
		move_request(ctx, n);
}

const struct notify_entry notify_mif_move = {
	.type = IKE_N_MIF_MOVE,
	.where = NOTIFY_IN_INFO_REQ | NOTIFY_IN_INFO_RESP,
	.handle = move_notify,
};

const struct notify_entry notify_mif_unacceptable_move = {
	.type = IKE_N_MIF_UNACCEPTABLE_MOVE,
	.where = NOTIFY_IN_INFO_RESP,
	.informs = true,
	.handle = unacceptable_response,
};

bool mif_move_check_timeout(struct ikesa *sa, uint64_t now)
{
	struct move_check *ck = move_check(sa);

	return ck && rr_check_timeout(sa, &ck->rr, now);
}

void mif_move_info_response(struct ikesa *sa, const struct engine_msg *m)
{
	struct move_check *ck = move_check(sa);
	struct move_req *st = move_req(sa);
	struct ip_addr old, new;

	if (ck) {
		rr_check_response(sa, &ck->rr, m);
		return;
	}
	if (!st || st->answered)
		return;
	move_addrs(&st->mv, &old, &new);
	log_move(sa, ENGINE_LOG_WARNING, "move", &old, &new, "the peer's "
		 "answer has no MIF_MOVE: nothing moved");
}
