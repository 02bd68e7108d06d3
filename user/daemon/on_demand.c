// SPDX-License-Identifier: GPL-2.0
/*
 * On-demand connections: see on_demand.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/log.h"
#include "daemon/on_demand.h"

/* Whether the action of a connection leaves a trap behind its SAs. */
static bool action_trap(const struct conf_conn *cc)
{
	return cc->dpd_action == CONF_ACTION_TRAP ||
	       cc->close_action == CONF_ACTION_TRAP;
}

/*
 * Whether cc's traffic is dropped once its Child SAs failed: no trap
 * stands behind them, failure_shunt is drop, and a peer address gives
 * the policies their template.
 */
static bool wants_drop(const struct conf_conn *cc)
{
	return !cc->trap && !action_trap(cc) && !cc->shunt_pass &&
	       cc->conn.remote.family;
}

/* An IKE SA of c other than skip in state, or any live one (state < 0). */
static bool has_sa(const struct engine *e, const struct conn *c,
		   const struct ikesa *skip, int state)
{
	const struct ikesa *sa;
	struct engine_ike_view v;

	engine_for_each_conn_sa(sa, e, c) {
		if (sa == skip)
			continue;
		engine_ike_view(sa, &v);
		if (v.conn != c || v.state == IKESA_DEAD)
			continue;
		if (state < 0 || (int)v.state == state)
			return true;
	}
	return false;
}

static void install(struct engine *e, const struct conf_conn *cc, bool drop,
		    const char *why)
{
	const char *what = drop ? "drop" : "trap";
	int n;

	if (engine_trap_installed(e, &cc->conn))
		return;
	n = drop ? engine_drop_install(e, &cc->conn) :
		   engine_trap_install(e, &cc->conn);
	if (n < 0)
		mlog(LOG_ERR, "conn %s: cannot install its %s policies: %s",
		     cc->name, what, strerror(-n));
	else if (n)
		mlog(LOG_INFO, "conn %s: %s policies installed (%s)",
		     cc->name, what, why);
}

static void remove_traps(struct engine *e, const struct conf_conn *cc,
			 const char *why)
{
	if (!engine_trap_installed(e, &cc->conn))
		return;
	engine_trap_remove(e, &cc->conn);
	mlog(LOG_INFO, "conn %s: %s policies removed (%s)", cc->name,
	     wants_drop(cc) ? "drop" : "trap", why);
}

/*
 * Which connections of nc have an established IKE SA, up[i] for the
 * i-th: one walk of every SA, not one per connection. False when out
 * of memory (then ask has_sa() each time).
 */
static bool established_of(const struct engine *e, const struct conf *nc,
			   bool *up)
{
	const struct ikesa *sa;
	const struct conf_conn *cc;
	struct engine_ike_view v;

	if (!up)
		return false;
	engine_for_each_sa(sa, e) {
		engine_ike_view(sa, &v);
		cc = v.state == IKESA_ESTABLISHED ?
		     conf_conn_of(nc, v.conn) : NULL;
		if (cc)
			up[cc - nc->conns] = true;
	}
	return true;
}

void on_demand_apply(struct engine *e, struct conf *nc)
{
	bool *up = nc->n_conns ? calloc(nc->n_conns, sizeof(*up)) : NULL;
	bool walked = established_of(e, nc, up);

	/* The new ones beside the old, then the old go: no gap. */
	engine_traps_retire(e);
	for (unsigned int i = 0; i < nc->n_conns; i++) {
		const struct conf_conn *cc = &nc->conns[i];
		bool has = walked ? up[i] : (action_trap(cc) || wants_drop(cc)) &&
			   has_sa(e, &cc->conn, NULL, IKESA_ESTABLISHED);

		if (cc->trap)
			install(e, cc, false, "start = trap");
		else if (action_trap(cc) && has)
			install(e, cc, false, "behind its SAs");
		else if (wants_drop(cc) && has)
			install(e, cc, true, "behind its SAs");
	}
	engine_traps_remove_retired(e);
	free(up);
}

void on_demand_event(struct engine *e, struct conf *conf,
		     const struct engine_event *ev)
{
	struct engine_ike_view v;
	const struct conf_conn *cc;
	long i;

	if ((ev->type != ENGINE_EV_IKE_UP && ev->type != ENGINE_EV_IKE_DOWN) ||
	    !ev->sa)
		return;
	engine_ike_view(ev->sa, &v);
	i = conf_index(conf, v.conn);
	/* A connection of a replaced configuration: its traps went. */
	if (i < 0 || &conf->conns[i].conn != v.conn)
		return;
	cc = &conf->conns[i];
	if (ev->type == ENGINE_EV_IKE_UP) {
		if (cc->trap)
			install(e, cc, false, "start = trap");
		else if (action_trap(cc))
			install(e, cc, false, "behind its SAs");
		else if (wants_drop(cc))
			install(e, cc, true, "behind its SAs");
		return;
	}
	if (!engine_trap_installed(e, &cc->conn))
		return;
	/*
	 * A drop stays unless we or the peer closed the connection: after
	 * DPD, a failed re-establishment, an expiry, its traffic is dropped.
	 */
	if (wants_drop(cc) && ev->reason != ENGINE_R_LOCAL &&
	    ev->reason != ENGINE_R_PEER) {
		if (ev->reason == ENGINE_R_TIMEOUT)
			mlog(LOG_NOTICE, "conn %s: peer not answering (DPD): "
			     "its traffic is dropped (failure_shunt = drop)",
			     cc->name);
		return;
	}
	if (cc->trap ||
	    (ev->reason == ENGINE_R_TIMEOUT &&
	     cc->dpd_action == CONF_ACTION_TRAP) ||
	    (ev->reason == ENGINE_R_PEER &&
	     cc->close_action == CONF_ACTION_TRAP)) {
		if (ev->reason == ENGINE_R_TIMEOUT || ev->reason == ENGINE_R_PEER)
			mlog(LOG_NOTICE, "conn %s: %s: its traffic waits on "
			     "the trap (%s = trap)", cc->name,
			     ev->reason == ENGINE_R_TIMEOUT ?
			     "peer not answering (DPD)" :
			     "IKE SA deleted by the peer",
			     cc->trap ? "start" :
			     ev->reason == ENGINE_R_TIMEOUT ? "dpd_action" :
			     "close_action");
		return;
	}
	/* Rekeyed, reauthenticated, replaced: another IKE SA carries on. */
	if (ev->reason != ENGINE_R_LOCAL && ev->reason != ENGINE_R_TIMEOUT &&
	    ev->reason != ENGINE_R_PEER)
		return;
	if (has_sa(e, v.conn, ev->sa, IKESA_ESTABLISHED))
		return;
	remove_traps(e, cc, "its IKE SA is gone");
}

/*
 * The newest established IKE SA of c, or NULL: the first on c's list,
 * which keeps the newest first (conn_sas.h). The child goes there: of
 * duplicates the newest is the one that stays (unique.c deletes the
 * older where the connection's "unique" says so).
 */
static struct ikesa *established(const struct engine *e, const struct conn *c)
{
	struct ikesa *sa;
	struct engine_ike_view v;

	engine_for_each_conn_sa(sa, e, c) {
		engine_ike_view(sa, &v);
		if (v.conn == c && v.state == IKESA_ESTABLISHED)
			return sa;
	}
	return NULL;
}

/*
 * The acquire of a trapped child whose IKE SA is up: the Child SA went
 * (the peer deleted it, a rekey failed) and the trap holds its traffic;
 * bring it up again on that IKE SA. Returns sa if a CREATE_CHILD_SA was
 * sent or queued, else NULL.
 */
static struct ikesa *child_up(struct engine *e, const struct conn *c,
			      struct ikesa *sa, const struct kernel_event *ev,
			      const char *s, const char *d, uint64_t now)
{
	int child = engine_trap_child(e, ev->reqid);
	struct engine_ike_view v;
	int ret;

	if (child < 0)
		return NULL;
	ret = engine_child_up(e, sa, (unsigned int)child, now);
	engine_ike_view(sa, &v);
	if (ret == -EALREADY || ret == -EEXIST) {
		mlog(LOG_DEBUG, "conn %s: acquire %s -> %s: child under way "
		     "already", c->name, s, d);
		return NULL;
	}
	if (ret) {
		mlog(LOG_WARNING, "conn %s: acquire %s -> %s: cannot bring "
		     "its child up on IKE SA %016llx: %s", c->name, s, d,
		     (unsigned long long)v.spi_i, strerror(-ret));
		return NULL;
	}
	mlog(LOG_INFO, "conn %s: acquire %s -> %s (proto %u): child up on "
	     "IKE SA %016llx", c->name, s, d, ev->sel.proto,
	     (unsigned long long)v.spi_i);
	return sa;
}

struct ikesa *on_demand_acquire(struct engine *e, struct conf *conf,
				struct retries *r,
				const struct kernel_event *ev, uint64_t now)
{
	char s[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN];
	const struct conn_retry *run;
	const struct conn *c = engine_trap_conn(e, ev->reqid);
	struct ikesa *up;
	long i;

	ip_addr_str(&ev->sel.src, s, sizeof(s));
	ip_addr_str(&ev->sel.dst, d, sizeof(d));
	if (!c) {
		mlog(LOG_DEBUG, "acquire %s -> %s, reqid %u: not ours", s, d,
		     ev->reqid);
		return NULL;
	}
	if (engine_trap_is_drop(e, ev->reqid)) {
		mlog(LOG_DEBUG, "conn %s: acquire %s -> %s: dropped "
		     "(failure_shunt = drop)", c->name, s, d);
		return NULL;
	}
	i = conf_index(conf, c);
	if (i < 0 || &conf->conns[i].conn != c)
		return NULL;
	up = established(e, c);
	if (up)
		return child_up(e, c, up, ev, s, d, now);
	run = retry_get(r, (unsigned int)i);
	if (has_sa(e, c, NULL, -1) ||
	    (run && run->state != RETRY_IDLE)) {
		mlog(LOG_DEBUG, "conn %s: acquire %s -> %s: under way already",
		     c->name, s, d);
		return NULL;
	}
	mlog(LOG_INFO, "conn %s: acquire %s -> %s (proto %u)", c->name,
	     s, d, ev->sel.proto);
	return retry_start(r, conf, (unsigned int)i, e, now, " on demand");
}

void on_demand_down(struct engine *e, const struct conf_conn *cc)
{
	remove_traps(e, cc, "ike down");
}
