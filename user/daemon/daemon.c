// SPDX-License-Identifier: GPL-2.0
/*
 * mifd's state and main-loop round: the engine fed from the sockets and
 * the timers, the control requests, reloads, and the log of what the
 * engine reports (its events, and its lines on why exchanges failed).
 */
#include <errno.h>
#include <poll.h>
#include <endian.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/vip.h"
#include "daemon/log.h"
#include "daemon/on_demand.h"
#include "daemon/reload.h"
#include "daemon/reply.h"
#include "daemon/child_cmd.h"
#include "daemon/rekey_cmd.h"
#include "daemon/iface_cmd.h"
#include "daemon/memory.h"
#include "backend/xfrm.h"
#include "ike/constants.h"
#include "ike/mif.h"

static int sig_fd = -1;

uint64_t daemon_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *state_name(int s)
{
	switch (s) {
	case IKESA_INIT:
		return "connecting";
	case IKESA_AUTH:
		return "authenticating";
	case IKESA_ESTABLISHED:
		return "established";
	case IKESA_DELETING:
		return "deleting";
	case IKESA_DEAD:
		return "dead";
	}
	return "?";
}

static void send_cb(void *ctx, const struct ip_addr *local, uint16_t lport,
		    const struct ip_addr *remote, uint16_t rport,
		    const uint8_t *buf, size_t len)
{
	struct daemon *d = ctx;
	char l[IP_ADDR_STRLEN], r[IP_ADDR_STRLEN], more[64] = "";
	unsigned long held;
	int ret;

	ret = sockets_send(&d->socks, local, lport, remote, rport, buf, len);
	/*
	 * Every datagram passes here, the answers to forged requests too
	 * (which may well fail): nothing formatted for lines not written,
	 * and failures in a budget of lines.
	 */
	if (ret ? !log_limit_pass(&d->send_log, daemon_now(), &held) :
		  log_get_level() < LOG_DEBUG)
		return;
	ip_addr_str(local, l, sizeof(l));
	ip_addr_str(remote, r, sizeof(r));
	if (ret && held)
		snprintf(more, sizeof(more), " (%lu more since the last line)",
			 held);
	if (ret)
		mlog(LOG_WARNING, "send %s:%u -> %s:%u (%zu bytes): %s%s", l,
		     lport, r, rport, len, strerror(-ret), more);
	else
		mlog(LOG_DEBUG, "sent %zu bytes %s:%u -> %s:%u", len, l, lport,
		     r, rport);
}

/*
 * The backend the engine sees: the XFRM one, with every failure logged
 * (the engine itself only turns them into TEMPORARY_FAILURE).
 */
static struct daemon *of_backend(struct backend *b)
{
	return b->priv;
}

static int logged(struct daemon *d, const char *what, uint32_t spi, int ret)
{
	if (ret)
		mlog(LOG_ERR, "kernel: %s (SPI %08x): %s%s%s", what, spi,
		     strerror(-ret), *xfrm_backend_error(&d->xfrm) ? ": " : "",
		     xfrm_backend_error(&d->xfrm));
	else
		mlog(LOG_DEBUG, "kernel: %s (SPI %08x)", what, spi);
	return ret;
}

static int lb_alloc_spi(struct backend *b, const struct ip_addr *src,
			const struct ip_addr *dst, uint32_t reqid,
			uint32_t *spi)
{
	struct daemon *d = of_backend(b);

	int ret = d->xfrm.ops->alloc_spi(&d->xfrm, src, dst, reqid, spi);

	return logged(d, "allocate SPI", ret ? 0 : *spi, ret);
}

static int lb_add_sa(struct backend *b, const struct kernel_sa *sa)
{
	struct daemon *d = of_backend(b);

	return logged(d, "add SA", sa->spi, d->xfrm.ops->add_sa(&d->xfrm, sa));
}

static int lb_update_sa(struct backend *b, const struct kernel_sa *sa)
{
	struct daemon *d = of_backend(b);

	return logged(d, "update SA", sa->spi,
		      d->xfrm.ops->update_sa(&d->xfrm, sa));
}

static int lb_del_sa(struct backend *b, const struct ip_addr *dst,
		     uint32_t spi, uint32_t mark, uint32_t mark_mask)
{
	struct daemon *d = of_backend(b);
	int ret = d->xfrm.ops->del_sa(&d->xfrm, dst, spi, mark, mark_mask);

	/* Gone already (expired, or flushed by hand): fine. */
	return logged(d, "delete SA", spi, ret == -ESRCH ? 0 : ret);
}

static int lb_sa_stats(struct backend *b, const struct ip_addr *dst,
		       uint32_t spi, uint32_t mark, uint32_t mark_mask,
		       struct kernel_sa_stats *st)
{
	struct daemon *d = of_backend(b);

	if (!d->xfrm.ops->sa_stats)
		return -EOPNOTSUPP;
	return d->xfrm.ops->sa_stats(&d->xfrm, dst, spi, mark, mark_mask, st);
}

static int lb_add_policy(struct backend *b, const struct kernel_policy *p)
{
	struct daemon *d = of_backend(b);

	return logged(d, "add policy", p->reqid,
		      d->xfrm.ops->add_policy(&d->xfrm, p));
}

static int lb_del_policy(struct backend *b, const struct kernel_policy *p)
{
	struct daemon *d = of_backend(b);
	int ret = d->xfrm.ops->del_policy(&d->xfrm, p);

	return logged(d, "delete policy", p->reqid, ret == -ENOENT ? 0 : ret);
}

/* An interface-wide operation's outcome, logged as the others are. */
static int iface_logged(struct daemon *d, const char *what,
			const struct ip_addr *addr,
			const struct kernel_iface_result *r, int ret)
{
	char a[INET6_ADDRSTRLEN];

	ip_addr_str(addr, a, sizeof(a));
	/* Without the module the engine does it per SA: no error. */
	if (ret == -EOPNOTSUPP)
		mlog(LOG_DEBUG, "kernel: %s %s: needs the xfrm_mif module; "
		     "done per SA instead", what, a);
	else if (ret)
		mlog(LOG_ERR, "kernel: %s %s: %s%s%s", what, a, strerror(-ret),
		     *xfrm_backend_error(&d->xfrm) ? ": " : "",
		     xfrm_backend_error(&d->xfrm));
	else if (r)
		mlog(LOG_DEBUG, "kernel: %s %s: %u SAs, %u policies", what, a,
		     r->states, r->policies);
	else
		mlog(LOG_DEBUG, "kernel: %s %s", what, a);
	return ret;
}

static int lb_move_addr(struct backend *b, const struct kernel_move *m,
			const struct kernel_scope *s,
			struct kernel_iface_result *r)
{
	struct daemon *d = of_backend(b);

	return iface_logged(d, "move", &m->old, r,
			    d->xfrm.ops->move_addr(&d->xfrm, m, s, r));
}

static int lb_delete_addr(struct backend *b, const struct ip_addr *addr,
			  const struct kernel_scope *s,
			  struct kernel_iface_result *r)
{
	struct daemon *d = of_backend(b);

	return iface_logged(d, "delete", addr, r,
			    d->xfrm.ops->delete_addr(&d->xfrm, addr, s, r));
}

static int lb_clone_addr(struct backend *b, const struct kernel_clone *c,
			 const struct kernel_scope *s,
			 struct kernel_iface_result *r)
{
	struct daemon *d = of_backend(b);

	return iface_logged(d, "clone onto", &c->new_addr, r,
			    d->xfrm.ops->clone_addr(&d->xfrm, c, s, r));
}

static int lb_set_alts(struct backend *b, const struct ip_addr *addr,
		       const struct ip_addr *alts, unsigned int n,
		       const struct kernel_scope *s)
{
	struct daemon *d = of_backend(b);
	int ret = d->xfrm.ops->set_alts(&d->xfrm, addr, alts, n, s);

	/* Without the module the daemon fails over itself: no error. */
	if (ret == -EOPNOTSUPP)
		return ret;
	return iface_logged(d, "set alternates of", addr, NULL, ret);
}

static void lb_destroy(struct backend *b)
{
	struct daemon *d = of_backend(b);

	d->xfrm.ops->destroy(&d->xfrm);
}

static const struct backend_ops logging_ops = {
	.alloc_spi = lb_alloc_spi,
	.add_sa = lb_add_sa,
	.update_sa = lb_update_sa,
	.del_sa = lb_del_sa,
	.sa_stats = lb_sa_stats,
	.add_policy = lb_add_policy,
	.del_policy = lb_del_policy,
	.move_addr = lb_move_addr,
	.delete_addr = lb_delete_addr,
	.clone_addr = lb_clone_addr,
	.set_alts = lb_set_alts,
	.destroy = lb_destroy,
};

/* Configuration. */

static bool conf_in_use(const struct daemon *d, const struct conf *c)
{
	const struct ikesa *sa;
	struct engine_ike_view v;

	engine_for_each_sa(sa, &d->engine) {
		engine_ike_view(sa, &v);
		if (conf_conn_of(c, v.conn))
			return true;
	}
	return false;
}

/*
 * The retired configurations no IKE SA uses any more, freed. all: look
 * in any case (a reload); else only once an IKE SA went since the last
 * look, not a walk of every SA at each loop pass.
 */
static void free_retired(struct daemon *d, bool all)
{
	if (!all && engine_sa_gone(&d->engine) == d->retired_gone)
		return;
	d->retired_gone = engine_sa_gone(&d->engine);
	for (unsigned int i = 0; i < DAEMON_RETIRED_MAX; i++)
		if (d->retired[i] && !conf_in_use(d, d->retired[i])) {
			conf_free(d->retired[i]);
			d->retired[i] = NULL;
		}
}

void daemon_delete_sa(struct engine *e, struct ikesa *sa, uint64_t now)
{
	struct engine_ike_view v;

	engine_ike_view(sa, &v);
	if (v.state == IKESA_ESTABLISHED && !engine_delete_ike(e, sa, now))
		return;
	if (v.state != IKESA_DELETING)
		engine_drop_sa(sa, ENGINE_R_LOCAL);
}

/*
 * With MIF or MOBIKE, IKE messages also go from and to the addresses of
 * the interfaces the connections list (a return-routability check of a
 * moved address, MIF_MOVE, UPDATE_SA_ADDRESSES from the new address): a
 * socket on each, ports 500 and 4500, kept as the interfaces change. A failure is logged by sockets_want() and
 * costs only that address.
 */
static void want_iface_sockets(struct daemon *d)
{
	const struct iface_table *t = &d->engine.ifaces;

	if (!d->have_engine)
		return;
	for (unsigned int i = 0; i < t->n; i++) {
		const struct iface *ifc = &t->ifaces[i];

		if (ifc->priority == IFACE_PRIO_NONE)
			continue;
		for (unsigned int k = 0; k < ifc->n_v4 + ifc->n_v6; k++) {
			const struct ip_addr *a = k < ifc->n_v4 ?
				&ifc->v4[k] : &ifc->v6[k - ifc->n_v4];

			if (!sockets_want(&d->socks, a, 500))
				sockets_want(&d->socks, a, IKE_NATT_PORT);
		}
	}
}

/*
 * The sockets of the configuration's addresses and ports. Returns 0, or
 * the first failure (logged with its address and port); with strict
 * set (at start-up), at once: a daemon that cannot listen on port 500
 * must not run on 4500 alone.
 */
static int open_sockets(struct daemon *d, bool strict)
{
	bool ifaces = false;
	int ret = 0, r;

	sockets_begin(&d->socks);
	for (unsigned int i = 0; i < d->conf->n_conns; i++) {
		const struct conn *c = &d->conf->conns[i].conn;

		ifaces |= (c->mif || c->mobike) && c->n_ifaces;
		r = sockets_want(&d->socks, &c->local, c->local_port);
		if (!r)
			r = sockets_want(&d->socks, &c->local, IKE_NATT_PORT);
		if (r && !ret)
			ret = r;
		if (ret && strict)
			break;
	}
	if (ifaces && !(ret && strict))
		want_iface_sockets(d);
	sockets_end(&d->socks);
	return ret;
}

/*
 * Make nc the configuration: the IKE SAs of connections whose
 * negotiated settings are unchanged are kept, the others' deleted
 * (reload.c); connections with start = yes and no IKE SA are initiated.
 * Returns 0, or at start-up (no configuration before) the failure to
 * open a socket, having initiated nothing.
 */
static int apply_conf(struct daemon *d, struct conf *nc, uint64_t now)
{
	struct conf *old = d->conf;
	struct engine *e = &d->engine;
	int ret;

	reload_conns(e, old, nc, now);
	if (failures_renew(&d->failures, old, nc))
		failures_free(&d->failures);	/* what they were is lost */
	if (retries_renew(&d->retries, old, nc))
		retries_free(&d->retries);	/* runs stop; start = yes below */
	e->cookie_threshold = nc->cookie_threshold;
	e->cookie_modp = nc->cookie_modp;
	e->half_open_max = nc->half_open_max;
	e->half_open_max_peer = nc->half_open_max_peer;
	e->max_ike_sas_per_id = nc->max_ike_sas_per_id;
	e->window_size = nc->window_size;
	engine_set_rekeys_max(e, nc->rekeys_in_flight_max);
	d->conf = nc;
	log_set_level(nc->log_level);
	if (old) {
		unsigned int i;

		for (i = 0; i < DAEMON_RETIRED_MAX && d->retired[i]; i++)
			;
		if (i < DAEMON_RETIRED_MAX) {
			d->retired[i] = old;
		} else {
			/* Too many reloads in flight: drop the SAs. */
			struct engine_ike_view v;
			struct ikesa *sa;

			engine_for_each_sa(sa, e) {
				engine_ike_view(sa, &v);
				if (conf_conn_of(old, v.conn))
					engine_drop_sa(sa, ENGINE_R_LOCAL);
			}
			engine_tick(e, now);
			for (i = 0; i < DAEMON_RETIRED_MAX; i++) {
				if (d->retired[i] &&
				    conf_in_use(d, d->retired[i]))
					continue;
				conf_free(d->retired[i]);
				d->retired[i] = NULL;
			}
			conf_free(old);
		}
	}
	engine_tick(e, now);
	free_retired(d, true);
	ret = open_sockets(d, !old);
	if (ret && !old)
		return ret;

	on_demand_apply(e, nc);
	reload_start(e, nc, now, &d->retries);
	return 0;
}

/* conf_load's errors or warnings, a log line each. */
static void log_conf_lines(int level, const char *text)
{
	char buf[4096];
	char *save = NULL, *line;

	snprintf(buf, sizeof(buf), "%s", text);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		mlog(level, "%s", line);
}

static void log_conf_errors(const char *err)
{
	log_conf_lines(LOG_ERR, err);
}

void daemon_notify(struct daemon *d, const char *state)
{
	char status[sizeof(d->status)], msg[sizeof(d->status) + 64];
	unsigned int n;

	if (!d->notify)
		return;
	n = engine_n_established(&d->engine);
	snprintf(status, sizeof(status), "%u connections, %u IKE SAs up",
		 d->conf ? d->conf->n_conns : 0, n);
	if (!state && !strcmp(status, d->status))
		return;
	memcpy(d->status, status, sizeof(status));
	snprintf(msg, sizeof(msg), "%s%sSTATUS=%s", state ? state : "",
		 state ? "\n" : "", status);
	d->notify(msg);
}

int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	struct timespec ts;
	struct conf *nc;
	char msg[64];
	int ret;

	if (d->notify) {
		/* MONOTONIC_USEC: for Type=notify-reload (systemd 253). */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
			 (unsigned long long)ts.tv_sec * 1000000 +
			 (unsigned long long)ts.tv_nsec / 1000);
		d->notify(msg);
	}
	ret = conf_load(d->conf_path, &nc, err, errlen);
	if (ret) {
		log_conf_errors(err);
		mlog(LOG_ERR, "configuration %s refused; keeping the old one",
		     d->conf_path);
		daemon_notify(d, "READY=1");
		return ret;
	}
	log_conf_lines(LOG_WARNING, nc->warnings);
	if (strcmp(nc->socket, d->conf->socket) && !d->socket_override[0])
		mlog(LOG_WARNING, "the control socket moves only on restart");
	if (nc->have_control_group != d->conf->have_control_group ||
	    nc->control_gid != d->conf->control_gid)
		mlog(LOG_WARNING, "control_group changes only on restart");
	mlog(LOG_NOTICE, "reloaded %s: %u connections", d->conf_path,
	     nc->n_conns);
	apply_conf(d, nc, daemon_now());
	daemon_notify(d, "READY=1");
	return 0;
}

/* Events, as the engine reports them. */

static const char *reason_name(enum engine_reason r)
{
	switch (r) {
	case ENGINE_R_NONE:
		return "";
	case ENGINE_R_LOCAL:
		return "deleted";
	case ENGINE_R_PEER:
		return "deleted by the peer";
	case ENGINE_R_REKEYED:
		return "rekeyed";
	case ENGINE_R_TIMEOUT:
		return "peer not answering";
	case ENGINE_R_EXPIRED:
		return "expired";
	case ENGINE_R_IKE_GONE:
		return "IKE SA gone";
	case ENGINE_R_CLOSED:
		return "closed";
	case ENGINE_R_REPLACED:
		return "replaced by a new IKE SA";
	case ENGINE_R_AUTH_FAILED:
		return "authentication failed";
	}
	return "?";
}

static const char *conn_name(const struct engine_ike_view *v)
{
	return v->conn && v->conn->name ? v->conn->name : "?";
}

static void log_ike(const struct engine_event *ev)
{
	struct engine_ike_view v;

	engine_ike_view(ev->sa, &v);
	if (ev->type == ENGINE_EV_IKE_UP)
		mlog(LOG_NOTICE, "conn %s: IKE SA %016llx_i %016llx_r (%s) "
		     "established%s", conn_name(&v),
		     (unsigned long long)v.spi_i,
		     (unsigned long long)v.spi_r,
		     v.initiator ? "initiator" : "responder",
		     ev->old_sa ? ", rekeyed" : "");
	else
		mlog(LOG_NOTICE, "conn %s: IKE SA %016llx_i %016llx_r gone "
		     "(%s)", conn_name(&v), (unsigned long long)v.spi_i,
		     (unsigned long long)v.spi_r, reason_name(ev->reason));
}

static void log_child(const struct engine_event *ev)
{
	struct engine_ike_view v;
	struct engine_child_view c, old;
	char l[IP_ADDR_STRLEN], r[IP_ADDR_STRLEN];

	if (!ev->child)
		return;
	engine_ike_view(ev->sa, &v);
	engine_child_view(ev->sa, ev->child, &c);
	switch (ev->type) {
	case ENGINE_EV_CHILD_UP:
		mlog(LOG_NOTICE, "conn %s: Child SA %08x_i %08x_o %s %s <-> "
		     "%s installed", conn_name(&v), c.spi_in, c.spi_out,
		     c.mode == KERNEL_MODE_TUNNEL ? "tunnel" : "transport",
		     ip_addr_str(&c.local, l, sizeof(l)),
		     ip_addr_str(&c.remote, r, sizeof(r)));
		break;
	case ENGINE_EV_CHILD_DOWN:
		mlog(LOG_NOTICE, "conn %s: Child SA %08x_i %08x_o removed "
		     "(%s)", conn_name(&v), c.spi_in, c.spi_out,
		     reason_name(ev->reason));
		break;
	case ENGINE_EV_CHILD_REKEYED:
		engine_child_view(ev->sa, ev->old, &old);
		mlog(LOG_INFO, "conn %s: Child SA %08x_i %08x_o rekeyed as "
		     "%08x_i %08x_o", conn_name(&v), old.spi_in,
		     old.spi_out, c.spi_in, c.spi_out);
		break;
	default:
		break;
	}
}

static void log_refused(const struct engine_event *ev)
{
	char r[IP_ADDR_STRLEN];

	mlog(LOG_WARNING, "conn %s: peer %s: refused: %s",
	     ev->conn && ev->conn->name ? ev->conn->name : "-",
	     ev->peer ? ip_addr_str(ev->peer, r, sizeof(r)) : "?", ev->why);
}

static void on_event(void *ctx, const struct engine_event *ev)
{
	struct daemon *d = ctx;
	struct engine_ike_view v = { 0 };

	retry_event(&d->retries, d->conf, &d->engine, ev, daemon_now());
	on_demand_event(&d->engine, d->conf, ev);
	if (ev->type == ENGINE_EV_IKE_UP || ev->type == ENGINE_EV_IKE_DOWN) {
		log_ike(ev);
		vip_event(ev);
	} else if (ev->type == ENGINE_EV_VIP_ADDED) {
		vip_event(ev);
	} else if (ev->type == ENGINE_EV_REFUSED) {
		log_refused(ev);
	} else if (ev->type == ENGINE_EV_FAILED) {
		/* The engine logged it. */
		if (ev->sa)
			engine_ike_view(ev->sa, &v);
		failures_record(&d->failures, d->conf, ev->conn, v.spi_i,
				ev->failure, daemon_now());
	} else {
		log_child(ev);
	}
}

static void on_refused(void *ctx, const struct engine_refusal *r)
{
	struct daemon *d = ctx;
	struct log_limit *l = &d->refusal_log[r->reason];
	char addr[IP_ADDR_STRLEN], more[64] = "", detail[300] = "";
	char why[300];
	unsigned long held;

	if (r->conn && r->why) {
		/* Unauthenticated, as the request: recorded all the same. */
		struct engine_failure f = {
			.notify = IKE_N_NO_PROPOSAL_CHOSEN, .sent = true,
			.final = true, .why = why,
		};

		snprintf(why, sizeof(why), "IKE_SA_INIT from %s: sent "
			 "NO_PROPOSAL_CHOSEN: %s", ip_addr_str(r->remote, addr,
							       sizeof(addr)),
			 r->why);
		failures_record(&d->failures, d->conf, r->conn, 0, &f,
				daemon_now());
	}
	if (!log_limit_pass(l, daemon_now(), &held))
		return;
	if (held)
		snprintf(more, sizeof(more), " (%lu more since the last line)",
			 held);
	ip_addr_str(r->remote, addr, sizeof(addr));
	if (r->reason == ENGINE_REF_OFFER_LIMIT) {
		mlog(LOG_NOTICE, "IKE_SA_INIT from %s:%u: %u proposals beyond "
		     "the first %u (or %u transforms) ignored%s", addr,
		     r->remote_port, r->detail, PROPOSAL_MAX_OFFERED,
		     PROPOSAL_MAX_TRANSFORMS, more);
		return;
	}
	if (r->reason == ENGINE_REF_INVALID_KE)
		snprintf(detail, sizeof(detail), ", asked for group %u",
			 r->detail);
	else if (r->reason == ENGINE_REF_SHORT_NONCE)
		snprintf(detail, sizeof(detail), ": %u bytes", r->detail);
	else if (r->reason == ENGINE_REF_VERSION)
		snprintf(detail, sizeof(detail), ": %u", r->detail);
	else if (r->why)
		snprintf(detail, sizeof(detail), " (conn %s): %s",
			 r->conn->name, r->why);
	/*
	 * Notice: what keeps a peer's IKE SA from coming up (no proposal,
	 * a short nonce, a version we do not speak) and the limits; the
	 * routine detours (COOKIE, INVALID_KE_PAYLOAD) and requests from
	 * strangers are info.
	 */
	mlog(r->reason == ENGINE_REF_HALF_OPEN ||
	     r->reason == ENGINE_REF_HALF_OPEN_PEER ||
	     r->reason == ENGINE_REF_NO_PROPOSAL ||
	     r->reason == ENGINE_REF_SHORT_NONCE ||
	     r->reason == ENGINE_REF_VERSION ? LOG_NOTICE : LOG_INFO,
	     "IKE_SA_INIT from %s:%u refused: %s%s%s", addr,
	     r->remote_port, engine_refusal_name(r->reason), detail, more);
}

/* Why an exchange failed, as the engine says it. */
static void on_log(void *ctx, enum engine_log_level level,
		   const struct ikesa *sa, const char *msg)
{
	struct engine_ike_view v;

	(void)ctx;
	if (!sa) {
		mlog((int)level, "%s", msg);
		return;
	}
	engine_ike_view(sa, &v);
	mlog((int)level, "conn %s: IKE SA %016llx_i %016llx_r: %s",
	     conn_name(&v), (unsigned long long)v.spi_i,
	     (unsigned long long)v.spi_r, msg);
}

/* Control requests. */

/* A selector as PREFIX/LEN when it is one, else START-END; [proto/ports]. */
static void sel_str(const struct ike_selector *s, char *out, size_t len)
{
	size_t alen = ike_selector_addr_len(s->type);
	struct ip_addr a, b;
	char sa[IP_ADDR_STRLEN], sb[IP_ADDR_STRLEN];
	unsigned int plen = 0;
	bool prefix = true;
	int n;

	ip_addr_from_bytes(&a, s->start, alen);
	ip_addr_from_bytes(&b, s->end, alen);
	for (size_t i = 0; i < alen * 8; i++) {
		int bs = (s->start[i / 8] >> (7 - i % 8)) & 1;
		int be = (s->end[i / 8] >> (7 - i % 8)) & 1;

		if (bs == be && plen == i) {
			plen++;
			continue;
		}
		if (bs != 0 || be != 1)
			prefix = false;
	}
	ip_addr_str(&a, sa, sizeof(sa));
	if (prefix)
		n = snprintf(out, len, "%s/%u", sa, plen);
	else
		n = snprintf(out, len, "%s-%s", sa,
			     ip_addr_str(&b, sb, sizeof(sb)));
	if (n < 0 || (size_t)n >= len)
		return;
	if (s->ip_proto || s->start_port != 0 || s->end_port != 65535) {
		if (s->start_port == 0 && s->end_port == 65535)
			snprintf(out + n, len - (size_t)n, "[%u]", s->ip_proto);
		else if (s->start_port == s->end_port)
			snprintf(out + n, len - (size_t)n, "[%u/%u]",
				 s->ip_proto, s->start_port);
		else
			snprintf(out + n, len - (size_t)n, "[%u/%u-%u]",
				 s->ip_proto, s->start_port, s->end_port);
	}
}

static struct json_object *ts_array(const struct ike_selector *s,
				    unsigned int n)
{
	struct json_object *a = json_object_new_array();
	char buf[128];

	for (unsigned int i = 0; i < n; i++) {
		sel_str(&s[i], buf, sizeof(buf));
		json_object_array_add(a, json_object_new_string(buf));
	}
	return a;
}

static void add_stats(struct daemon *d, struct json_object *o,
		      const char *dir, const struct ip_addr *dst, uint32_t spi)
{
	struct kernel_sa_stats st;
	char k[32];

	if (!d->backend.ops->sa_stats ||
	    d->backend.ops->sa_stats(&d->backend, dst, spi, 0, 0, &st))
		return;
	snprintf(k, sizeof(k), "bytes_%s", dir);
	jadd_int(o, k, (int64_t)st.bytes);
	snprintf(k, sizeof(k), "packets_%s", dir);
	jadd_int(o, k, (int64_t)st.packets);
}

static struct json_object *child_json(struct daemon *d,
				      const struct ikesa *sa,
				      const struct childsa *child)
{
	struct json_object *o = json_object_new_object();
	struct engine_child_view c;

	engine_child_view(sa, child, &c);
	/* The child it is made from. */
	jadd_str(o, "name", c.name);
	jadd_hex(o, "spi_in", c.spi_in, 8);
	jadd_hex(o, "spi_out", c.spi_out, 8);
	jadd_int(o, "reqid", c.reqid);
	jadd_str(o, "mode", c.mode == KERNEL_MODE_TUNNEL ? "tunnel" :
		 "transport");
	json_object_object_add(o, "installed",
			       json_object_new_boolean(c.installed));
	jadd_addr(o, "local", &c.local);
	jadd_addr(o, "remote", &c.remote);
	/* The interfaces of its pair (MIF): ours by name, both by ID. */
	json_object_object_add(o, "interface", c.ifname ?
			       json_object_new_string(c.ifname) : NULL);
	jadd_int(o, "local_iface", c.local_iface);
	jadd_int(o, "remote_iface", c.remote_iface);
	if (c.encr)
		jadd_str(o, "encr", c.encr);
	if (c.integ)
		jadd_str(o, "integ", c.integ);
	json_object_object_add(o, "esn", json_object_new_boolean(c.esn));
	json_object_object_add(o, "local_ts",
			       ts_array(c.local_ts, c.n_local_ts));
	json_object_object_add(o, "remote_ts",
			       ts_array(c.remote_ts, c.n_remote_ts));
	if (c.installed) {
		add_stats(d, o, "in", &c.local, c.spi_in);
		add_stats(d, o, "out", &c.remote, c.spi_out);
	}
	return o;
}

/* A MIF announcement: id, priority (as sent: lower preferred), down. */
static struct json_object *mif_list_json(const struct mif_interfaces *l)
{
	struct json_object *a = json_object_new_array();
	struct ip_addr ip;

	for (unsigned int i = 0; i < l->n; i++) {
		const struct mif_iface *f = &l->iface[i];
		struct json_object *o = json_object_new_object();
		struct json_object *addrs = json_object_new_array();
		char buf[IP_ADDR_STRLEN];

		jadd_int(o, "id", f->id);
		jadd_int(o, "priority", f->prio);
		json_object_object_add(o, "down", json_object_new_boolean(
				       f->flags & MIF_IFACE_DOWN));
		for (unsigned int j = 0; j < f->n4; j++)
			if (!ip_addr_from_bytes(&ip, f->addr4[j], 4))
				json_object_array_add(addrs,
					json_object_new_string(ip_addr_str(&ip,
						buf, sizeof(buf))));
		for (unsigned int j = 0; j < f->n6; j++)
			if (!ip_addr_from_bytes(&ip, f->addr6[j], 16))
				json_object_array_add(addrs,
					json_object_new_string(ip_addr_str(&ip,
						buf, sizeof(buf))));
		json_object_object_add(o, "addresses", addrs);
		json_object_array_add(a, o);
	}
	return a;
}

/* MIF on an IKE SA: negotiated or why not, and both announcements. */
/* sa's lists of alternates: [{"addr": A, "alternates": [...]}, ...]. */
static struct json_object *alt_lists_json(const struct ikesa *sa, bool ours)
{
	struct json_object *a = json_object_new_array();
	struct ip_addr addr, alts[8];
	unsigned int n;

	for (unsigned int i = 0; engine_mif_alt(sa, ours, i, &addr, alts, &n);
	     i++) {
		struct json_object *o = json_object_new_object();
		struct json_object *l = json_object_new_array();
		char buf[IP_ADDR_STRLEN];

		jadd_addr(o, "addr", &addr);
		for (unsigned int j = 0; j < n; j++)
			json_object_array_add(l, json_object_new_string(
				ip_addr_str(&alts[j], buf, sizeof(buf))));
		json_object_object_add(o, "alternates", l);
		json_object_array_add(a, o);
	}
	return a;
}

/* Ours by hand, the peer's, and the failovers failback may undo. */
static struct json_object *alt_json(const struct ikesa *sa)
{
	struct json_object *o = json_object_new_object();
	struct json_object *fb = json_object_new_array();
	struct ip_addr from, to;
	bool back;

	json_object_object_add(o, "ours", alt_lists_json(sa, true));
	json_object_object_add(o, "peer", alt_lists_json(sa, false));
	for (unsigned int i = 0; engine_mif_failback(sa, i, &from, &to, &back);
	     i++) {
		struct json_object *f = json_object_new_object();

		jadd_addr(f, "from", &from);
		jadd_addr(f, "to", &to);
		json_object_object_add(f, "back",
				       json_object_new_boolean(back));
		json_object_array_add(fb, f);
	}
	json_object_object_add(o, "failed_over", fb);
	return o;
}

static struct json_object *mif_json(const struct ikesa *sa,
				    const struct engine_mif_view *m)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "negotiated",
			       json_object_new_boolean(m->on));
	if (!m->on) {
		jadd_str(o, "why", m->why);
		return o;
	}
	jadd_int(o, "version", m->version);
	if (m->ours)
		json_object_object_add(o, "local_interfaces",
				       mif_list_json(m->ours));
	json_object_object_add(o, "local_refused",
			       json_object_new_boolean(m->refused));
	json_object_object_add(o, "announce_pending",
			       json_object_new_boolean(m->pending));
	if (m->peer)
		json_object_object_add(o, "peer_interfaces",
				       mif_list_json(m->peer));
	/* Only when there is something: most IKE SAs have none. */
	if (m->n_alt_ours || m->n_alt_peer || m->n_failback)
		json_object_object_add(o, "alternates", alt_json(sa));
	return o;
}

/* The IDs of sa as text: ours, and the peer's once known. */
static void add_ids(struct json_object *o, const struct ikesa *sa)
{
	char buf[ENGINE_ID_TEXT_MAX];

	if (engine_local_id_text(sa, buf, sizeof(buf)))
		jadd_str(o, "local_id", buf);
	if (engine_peer_id_text(sa, buf, sizeof(buf)))
		jadd_str(o, "remote_id", buf);
}

/*
 * A moment at (ms, daemon_now()'s clock) as KEY_s, seconds from now
 * (after: to come; else since), and KEY_time, UTC wall-clock time.
 */
static void add_time(struct json_object *o, const char *key, uint64_t at,
		     uint64_t now, bool after)
{
	int64_t s = after ? (int64_t)(at > now ? at - now : 0) / 1000 :
			    (int64_t)(now > at ? now - at : 0) / 1000;
	time_t t = time(NULL) + (after ? s : -s);
	char k[32], buf[32];
	struct tm tm;

	snprintf(k, sizeof(k), "%s_s", key);
	jadd_int(o, k, s);
	snprintf(k, sizeof(k), "%s_time", key);
	if (gmtime_r(&t, &tm) &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		jadd_str(o, k, buf);
}

/*
 * Inner addresses (engine/cfg.h): ours as initiator, the peer's as
 * responder, with the pool they are leased from.
 */
static void vips_json(struct json_object *o,
		      const struct engine_ike_view *v)
{
	struct json_object *a = json_object_new_array();
	char buf[IP_ADDR_STRLEN];

	for (unsigned int i = 0; i < v->n_vips; i++)
		json_object_array_add(a, json_object_new_string(
			ip_addr_str(&v->vips[i], buf, sizeof(buf))));
	json_object_object_add(o, v->initiator ? "local_vips" : "peer_vips",
			       a);
	if (v->pool)
		jadd_str(o, "pool", v->pool);
}

/* MOBIKE (RFC 4555): negotiated, and the peer's other addresses. */
static void mobike_json(struct json_object *o,
			const struct engine_ike_view *v)
{
	struct json_object *a = json_object_new_array();
	char buf[IP_ADDR_STRLEN];

	json_object_object_add(o, "mobike", json_object_new_boolean(v->mobike));
	for (unsigned int i = 0; i < v->n_mobike_peer; i++)
		json_object_array_add(a, json_object_new_string(
			ip_addr_str(&v->mobike_peer[i], buf, sizeof(buf))));
	json_object_object_add(o, "mobike_peer_addresses", a);
}

/* Each pool's size and use. */
static struct json_object *pools_json(const struct engine *e)
{
	struct json_object *a = json_object_new_array(), *o;
	const struct pool *p;
	struct pool_stats st;

	for (unsigned int i = 0; (p = engine_pool_at(e, i)); i++) {
		pool_stats(p, &st);
		o = json_object_new_object();
		jadd_str(o, "name", pool_name(p));
		jadd_int(o, "size", (int64_t)st.size);
		jadd_int(o, "leased", st.leased);
		jadd_int(o, "online", st.online);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *sa_json(struct daemon *d, const struct ikesa *sa,
				   uint64_t now)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ch = json_object_new_array();
	const struct childsa *c;
	struct engine_ike_view v;

	engine_ike_view(sa, &v);
	jadd_str(o, "conn", v.conn ? v.conn->name : NULL);
	jadd_str(o, "state", state_name(v.state));
	jadd_str(o, "role", v.initiator ? "initiator" : "responder");
	jadd_hex(o, "spi_i", v.spi_i, 16);
	jadd_hex(o, "spi_r", v.spi_r, 16);
	jadd_addr(o, "local", &v.local);
	jadd_int(o, "local_port", v.local_port);
	jadd_addr(o, "remote", &v.remote);
	jadd_int(o, "remote_port", v.remote_port);
	jadd_str(o, "nat", v.nat);
	if (v.encr) {
		jadd_str(o, "encr", v.encr);
		if (v.integ)
			jadd_str(o, "integ", v.integ);
		jadd_str(o, "prf", v.prf);
		jadd_str(o, "dh", v.dh);
	}
	if (v.conn)
		add_ids(o, sa);
	if (v.state == IKESA_ESTABLISHED && now >= v.last_heard)
		jadd_int(o, "last_heard_ms", (int64_t)(now - v.last_heard));
	if (v.established_at)
		add_time(o, "established", v.established_at, now, false);
	if (v.state == IKESA_ESTABLISHED && v.rekey_at)
		add_time(o, v.conn && v.conn->ike_reauth ? "reauth" :
			 "rekey", v.rekey_at, now, true);
	json_object_object_add(o, "mif", mif_json(sa, &v.mif));
	mobike_json(o, &v);
	vips_json(o, &v);
	engine_for_each_child(c, sa)
		json_object_array_add(ch, child_json(d, sa, c));
	json_object_object_add(o, "children", ch);
	return o;
}

/* The last failures of conn (NULL: of every connection), by name. */
static struct json_object *last_errors(struct daemon *d, const char *conn,
				       uint64_t now)
{
	struct json_object *a = json_object_new_array(), *o;
	const struct conn_failure *f;

	for (unsigned int i = 0; d->conf && i < d->conf->n_conns; i++) {
		const char *name = d->conf->conns[i].name;

		f = failures_get(&d->failures, i);
		if (!f || (conn && strcmp(name, conn)))
			continue;
		o = failure_json(f, now);
		jadd_str(o, "conn", name);
		json_object_array_add(a, o);
	}
	return a;
}

/* The connections trying to come up (conn: that one only), by name. */
static struct json_object *retries(struct daemon *d, const char *conn,
				   uint64_t now)
{
	struct json_object *a = json_object_new_array(), *o;
	const struct conn_retry *r;

	for (unsigned int i = 0; d->conf && i < d->conf->n_conns; i++) {
		const struct conf_conn *cc = &d->conf->conns[i];

		r = retry_get(&d->retries, i);
		if (!r || (conn && strcmp(cc->name, conn)))
			continue;
		o = retry_json(r, cc, now);
		jadd_str(o, "conn", cc->name);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *cmd_list(struct daemon *d, const char *conn)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_array();
	uint64_t now = daemon_now();
	const struct ikesa *sa;
	struct engine_ike_view v;

	engine_for_each_sa(sa, &d->engine) {
		engine_ike_view(sa, &v);
		if (v.state == IKESA_DEAD)
			continue;
		if (conn && (!v.conn || strcmp(v.conn->name, conn)))
			continue;
		json_object_array_add(a, sa_json(d, sa, now));
	}
	json_object_object_add(o, "ike_sas", a);
	json_object_object_add(o, "pools", pools_json(&d->engine));
	json_object_object_add(o, "last_errors", last_errors(d, conn, now));
	json_object_object_add(o, "retries", retries(d, conn, now));
	return o;
}

/* The engine's counts since start (engine.h). */
static struct json_object *counts_json(const struct engine_counts *n)
{
	struct json_object *o = json_object_new_object();

	jadd_int(o, "retransmits", (int64_t)n->retransmits);
	jadd_int(o, "ike_rekeys", (int64_t)n->ike_rekeys);
	jadd_int(o, "child_rekeys", (int64_t)n->child_rekeys);
	jadd_int(o, "ike_rekey_collisions", (int64_t)n->ike_rekey_collisions);
	jadd_int(o, "child_rekey_collisions",
		 (int64_t)n->child_rekey_collisions);
	jadd_int(o, "rekeys_deferred", (int64_t)n->rekeys_deferred);
	return o;
}

/*
 * counts: the IKE SAs (not dead, and established), the installed Child
 * SAs and the engine's counts, in one walk of the SAs (status walks them
 * once per connection): cheap enough to ask every second of a run with
 * 10,000 IKE SAs (bench/load.sh).
 */
static struct json_object *cmd_counts(struct daemon *d)
{
	struct json_object *o = json_object_new_object();
	unsigned int n_ike = 0, n_child = 0;
	const struct ikesa *sa;
	struct engine_ike_view v;

	engine_for_each_sa(sa, &d->engine) {
		engine_ike_view(sa, &v);
		if (v.state == IKESA_DEAD)
			continue;
		n_ike++;
		n_child += v.n_installed;
	}
	jadd_int(o, "ike_sas", n_ike);
	jadd_int(o, "established", engine_n_established(&d->engine));
	jadd_int(o, "child_sas", n_child);
	json_object_object_add(o, "counts", counts_json(&d->engine.counts));
	return o;
}

static struct json_object *cmd_status(struct daemon *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *conns = json_object_new_array();
	struct json_object *socks = json_object_new_array();
	unsigned int n_ike = 0, n_child = 0;
	const struct ikesa *sa;
	struct engine_ike_view v;

	jadd_str(o, "version", MIF_VERSION);
	jadd_int(o, "pid", getpid());
	jadd_int(o, "uptime_s", (int64_t)((daemon_now() - d->start_ms) / 1000));
	jadd_str(o, "config", d->conf_path);
	jadd_str(o, "log_level", conf_log_level_name(log_get_level()));
	engine_for_each_sa(sa, &d->engine) {
		engine_ike_view(sa, &v);
		if (v.state == IKESA_DEAD)
			continue;
		n_ike++;
		n_child += v.n_installed;
	}
	jadd_int(o, "ike_sas", n_ike);
	jadd_int(o, "child_sas", n_child);
	json_object_object_add(o, "counts", counts_json(&d->engine.counts));
	for (unsigned int i = 0; i < d->conf->n_conns; i++) {
		const struct conf_conn *cc = &d->conf->conns[i];
		struct json_object *c = json_object_new_object();
		unsigned int n = 0;
		const char *state = "down";

		engine_for_each_sa(sa, &d->engine) {
			engine_ike_view(sa, &v);
			if (v.conn != &cc->conn || v.state == IKESA_DEAD)
				continue;
			n++;
			if (v.state == IKESA_ESTABLISHED)
				state = "up";
			else if (strcmp(state, "up"))
				state = state_name(v.state);
		}
		if (!n && retry_get(&d->retries, i))
			state = "connecting";
		jadd_str(c, "name", cc->name);
		jadd_str(c, "state", state);
		jadd_addr(c, "local", &cc->conn.local);
		if (cc->conn.remote.family)
			jadd_addr(c, "remote", &cc->conn.remote);
		else
			jadd_str(c, "remote", "%any");
		jadd_str(c, "mode", cc->conn.mode == KERNEL_MODE_TUNNEL ?
			 "tunnel" : "transport");
		jadd_str(c, "ike", cc->ike_text);
		jadd_str(c, "esp", cc->esp_text);
		json_object_object_add(c, "start",
				       json_object_new_boolean(cc->start));
		json_object_object_add(c, "trapped", json_object_new_boolean(
			engine_trap_installed(&d->engine, &cc->conn)));
		jadd_int(c, "ike_sas", n);
		if (failures_get(&d->failures, i))
			json_object_object_add(c, "last_error", failure_json(
				failures_get(&d->failures, i), daemon_now()));
		if (retry_get(&d->retries, i))
			json_object_object_add(c, "retry", retry_json(
				retry_get(&d->retries, i), cc, daemon_now()));
		json_object_array_add(conns, c);
	}
	json_object_object_add(o, "conns", conns);
	for (unsigned int i = 0; i < d->socks.n; i++) {
		char buf[IP_ADDR_STRLEN + 8];
		char a[IP_ADDR_STRLEN];

		snprintf(buf, sizeof(buf), "%s:%u",
			 ip_addr_str(&d->socks.s[i].addr, a, sizeof(a)),
			 d->socks.s[i].port);
		json_object_array_add(socks, json_object_new_string(buf));
	}
	json_object_object_add(o, "sockets", socks);
	return o;
}

static struct json_object *iface_json(const struct iface *ifc)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_array();
	char buf[IP_ADDR_STRLEN];

	jadd_int(o, "id", ifc->id);
	jadd_str(o, "name", ifc->name);
	jadd_int(o, "ifindex", ifc->ifindex);
	json_object_object_add(o, "priority", ifc->priority == IFACE_PRIO_NONE ?
			       NULL : json_object_new_int(ifc->priority));
	jadd_str(o, "state", ifc->up ? "up" : "down");
	for (unsigned int i = 0; i < ifc->n_v4; i++)
		json_object_array_add(a, json_object_new_string(
			ip_addr_str(&ifc->v4[i], buf, sizeof(buf))));
	for (unsigned int i = 0; i < ifc->n_v6; i++)
		json_object_array_add(a, json_object_new_string(
			ip_addr_str(&ifc->v6[i], buf, sizeof(buf))));
	json_object_object_add(o, "addresses", a);
	jadd_int(o, "ignored_addresses", (int64_t)ifc->ignored_addrs);
	return o;
}

/* The engine's table of local interfaces, in id order. */
static struct json_object *cmd_interfaces(struct daemon *d)
{
	const struct iface_table *t = &d->engine.ifaces;
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_array();

	for (unsigned int i = 0; i < t->n; i++)
		json_object_array_add(a, iface_json(&t->ifaces[i]));
	json_object_object_add(o, "interfaces", a);
	jadd_int(o, "ignored_interfaces", (int64_t)t->ignored_ifaces);
	return o;
}

static struct json_object *ok_reply(const char *conn, unsigned int n)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(true));
	if (conn)
		jadd_str(o, "conn", conn);
	jadd_int(o, "ike_sas", n);
	return o;
}

static struct json_object *cmd_up(struct daemon *d, const char *name)
{
	struct conf_conn *cc = conf_find(d->conf, name);
	uint64_t now = daemon_now();
	struct engine_ike_view v;
	struct ikesa *sa;
	struct json_object *o;

	if (!cc)
		return jerr("no connection \"%s\"", name);
	if (!cc->conn.remote.family)
		return jerr("conn %s has remote = %%any: it only responds",
			    name);
	engine_for_each_conn_sa(sa, &d->engine, &cc->conn) {
		engine_ike_view(sa, &v);
		if (v.conn == &cc->conn && v.state != IKESA_DEAD &&
		    v.state != IKESA_DELETING) {
			o = ok_reply(name, 1);
			jadd_str(o, "state", state_name(v.state));
			jadd_str(o, "note", "already up");
			jadd_hex(o, "spi_i", v.spi_i, 16);
			return o;
		}
	}
	sa = retry_start(&d->retries, d->conf, (unsigned int)(cc -
			 d->conf->conns), &d->engine, now, " (control)");
	if (!sa)
		return jerr("conn %s: cannot initiate", name);
	engine_ike_view(sa, &v);
	o = ok_reply(name, 1);
	jadd_str(o, "state", state_name(v.state));
	jadd_hex(o, "spi_i", v.spi_i, 16);
	/* Whether a failure of it is followed by another attempt. */
	json_object_object_add(o, "retry",
			       json_object_new_boolean(cc->keyingtries != 1));
	return o;
}

static struct json_object *cmd_down(struct daemon *d, const char *name)
{
	struct conf_conn *cc = conf_find(d->conf, name);
	uint64_t now = daemon_now();
	unsigned int n = 0;
	struct engine_ike_view v;
	struct json_object *o;
	struct ikesa *sa;
	bool cancelled;

	if (!cc)
		return jerr("no connection \"%s\"", name);
	cancelled = retry_cancel(&d->retries, d->conf,
				 (unsigned int)(cc - d->conf->conns));
	on_demand_down(&d->engine, cc);
	engine_for_each_conn_sa(sa, &d->engine, &cc->conn) {
		engine_ike_view(sa, &v);
		if (v.conn != &cc->conn || v.state == IKESA_DEAD)
			continue;
		n++;
		daemon_delete_sa(&d->engine, sa, now);
	}
	mlog(LOG_INFO, "conn %s: down (control), %u IKE SAs", name, n);
	engine_tick(&d->engine, now);
	o = ok_reply(name, n);
	if (cancelled)
		jadd_str(o, "note", "no more attempts");
	return o;
}

/* What a member of the control group may ask: nothing that changes. */
static bool read_only(const char *cmd)
{
	return !strcmp(cmd, "list") || !strcmp(cmd, "status") ||
	       !strcmp(cmd, "interfaces") || !strcmp(cmd, "counts");
}

struct json_object *daemon_request(void *ctx, const struct control_peer *peer,
				   struct json_object *req)
{
	struct daemon *d = ctx;
	struct json_object *jcmd, *jconn = NULL;
	const char *cmd, *conn = NULL;

	if (!json_object_object_get_ex(req, "cmd", &jcmd) ||
	    !json_object_is_type(jcmd, json_type_string))
		return jerr("missing \"cmd\" (list, up, down, rekey, reload, "
			    "status, interfaces, iface, child)");
	cmd = json_object_get_string(jcmd);
	if (json_object_object_get_ex(req, "conn", &jconn)) {
		if (!json_object_is_type(jconn, json_type_string))
			return jerr("\"conn\" must be a string");
		conn = json_object_get_string(jconn);
	}
	/*
	 * Not the queries: ike up -w asks ten times a second, which would
	 * drown the debug log.
	 */
	if (!read_only(cmd))
		mlog(LOG_DEBUG, "control: %s%s%s (uid %u)", cmd,
		     conn ? " " : "", conn ? conn : "",
		     (unsigned int)peer->uid);
	if (!peer->admin && !read_only(cmd)) {
		mlog(LOG_WARNING, "control: uid %u (pid %d) refused \"%s\": "
		     "the control group may only list, status and "
		     "interfaces",
		     (unsigned int)peer->uid, (int)peer->pid, cmd);
		return jerr("permission denied: \"%s\" is for root; the "
			    "control group may list, status and interfaces",
			    cmd);
	}
	if (!strcmp(cmd, "list"))
		return cmd_list(d, conn);
	if (!strcmp(cmd, "status"))
		return cmd_status(d);
	if (!strcmp(cmd, "counts"))
		return cmd_counts(d);
	if (!strcmp(cmd, "interfaces"))
		return cmd_interfaces(d);
	if (!strcmp(cmd, "up") || !strcmp(cmd, "down")) {
		if (!conn)
			return jerr("%s needs \"conn\"", cmd);
		return cmd[0] == 'u' ? cmd_up(d, conn) : cmd_down(d, conn);
	}
	if (!strcmp(cmd, "rekey")) {
		if (!conn)
			return jerr("rekey needs \"conn\"");
		return rekey_cmd(d, conn);
	}
	if (!strcmp(cmd, "iface"))
		return iface_cmd(d, req);
	if (!strcmp(cmd, "child"))
		return child_cmd(d, req);
	if (!strcmp(cmd, "reload")) {
		char err[4096];
		struct json_object *o;

		if (daemon_reload(d, err, sizeof(err))) {
			size_t l = strlen(err);

			if (l && err[l - 1] == '\n')
				err[l - 1] = '\0';
			return jerr("%s", err);
		}
		o = ok_reply(NULL, 0);
		json_object_object_del(o, "ike_sas");
		jadd_int(o, "conns", d->conf->n_conns);
		return o;
	}
	return jerr("unknown command \"%s\" (list, up, down, rekey, reload, "
		    "status, interfaces, iface, child)", cmd);
}

/* Start and stop. */

int daemon_start(struct daemon *d, const char *conf_path,
		 const char *socket_path)
{
	char err[4096];
	struct engine_send s = { send_cb, d };
	struct engine_events ev = { on_event, d };
	struct engine_refusals refusals = { on_refused, d };
	struct engine_log lg = { on_log, d };
	struct conf *c;
	sigset_t mask;
	int ret;

	memset(d, 0, sizeof(*d));
	d->ctl.fd = -1;
	for (unsigned int i = 0; i < ENGINE_REF_N; i++)
		d->refusal_log[i] = (struct log_limit){
			.burst = DAEMON_LOG_BURST,
			.interval_ms = DAEMON_LOG_INTERVAL_MS };
	d->send_log = d->refusal_log[0];
	d->ctl.lock_fd = -1;
	d->start_ms = daemon_now();
	snprintf(d->conf_path, sizeof(d->conf_path), "%s", conf_path);
	if (socket_path)
		snprintf(d->socket_override, sizeof(d->socket_override), "%s",
			 socket_path);
	ret = conf_load(conf_path, &c, err, sizeof(err));
	if (ret) {
		log_conf_errors(err);
		return ret;
	}
	log_conf_lines(LOG_WARNING, c->warnings);
	log_set_level(c->log_level);
	/* Before any key but the configuration's (which it locks too). */
	memory_protect(c->lock_memory);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sig_fd < 0) {
		ret = -errno;
		mlog(LOG_ERR, "signalfd: %s", strerror(errno));
		conf_free(c);
		return ret;
	}

	ret = xfrm_backend_open(&d->xfrm);
	if (ret) {
		mlog(LOG_ERR, "cannot open the XFRM netlink socket: %s",
		     strerror(-ret));
		conf_free(c);
		return ret;
	}
	mlog(LOG_INFO, "kernel: interface-wide operations %s",
	     xfrm_backend_uses_module(&d->xfrm) ? "through xfrm_mif" :
	     "per SA through XFRM (xfrm_mif is not loaded)");
	d->have_backend = true;
	d->backend.ops = &logging_ops;
	d->backend.priv = d;
	ret = engine_init(&d->engine, &d->backend, &s);
	if (ret) {
		mlog(LOG_ERR, "engine: %s", strerror(-ret));
		conf_free(c);
		return ret;
	}
	engine_set_events(&d->engine, &ev);
	engine_set_refusals(&d->engine, &refusals);
	engine_set_log(&d->engine, &lg);
	d->have_engine = true;
	/* Without it mifd still works: only the interface table is empty. */
	if (iface_watch_open(&d->ifw, &d->engine))
		mlog(LOG_ERR, "interfaces: not followed; the table stays "
		     "empty");
	socket_path = d->socket_override[0] ? d->socket_override : c->socket;
	ret = control_open(&d->ctl, socket_path, c->have_control_group ?
			   &c->control_gid : NULL, daemon_request, d);
	if (ret) {
		conf_free(c);	/* control_open() said why */
		return ret;
	}
	ret = apply_conf(d, c, daemon_now());
	if (ret)
		return ret;	/* d->conf is c: daemon_stop() frees it */
	mlog(LOG_NOTICE, "mifd %s: %s, %u connections, control socket %s",
	     MIF_VERSION, conf_path, c->n_conns, socket_path);
	return 0;
}

void daemon_stop(struct daemon *d)
{
	uint64_t now = daemon_now();
	struct engine_ike_view v;
	struct ikesa *sa;
	unsigned int n = 0;

	iface_watch_close(&d->ifw);
	if (d->have_engine) {
		/* Tell the peers, once; then remove everything. */
		engine_for_each_sa(sa, &d->engine) {
			engine_ike_view(sa, &v);
			if (v.state == IKESA_ESTABLISHED &&
			    !engine_delete_ike(&d->engine, sa, now))
				n++;
		}
		engine_free(&d->engine);
		d->have_engine = false;
		mlog(LOG_NOTICE, "stopped; sent %u Deletes", n);
	}
	control_close(&d->ctl);
	sockets_close(&d->socks);
	if (d->have_backend) {
		d->backend.ops->destroy(&d->backend);
		d->have_backend = false;
	}
	for (unsigned int i = 0; i < DAEMON_RETIRED_MAX; i++) {
		conf_free(d->retired[i]);
		d->retired[i] = NULL;
	}
	conf_free(d->conf);
	d->conf = NULL;
	failures_free(&d->failures);
	retries_free(&d->retries);
	if (sig_fd >= 0) {
		close(sig_fd);
		sig_fd = -1;
	}
}

/* The main loop. */

static void read_signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP: {
			char err[4096];

			mlog(LOG_NOTICE, "SIGHUP: reloading %s", d->conf_path);
			daemon_reload(d, err, sizeof(err));
			break;
		}
		case SIGTERM:
		case SIGINT:
			mlog(LOG_NOTICE, "%s: stopping",
			     si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			d->stop = true;
			break;
		}
	}
}

static void read_ike(struct daemon *d, unsigned int i)
{
	static uint8_t buf[65536];
	struct ip_addr local, remote;
	uint16_t lport, rport;

	for (int k = 0; k < 64; k++) {
		int n = sockets_recv(&d->socks, i, buf, sizeof(buf), &local,
				     &lport, &remote, &rport);
		char r[IP_ADDR_STRLEN];

		if (n == -EAGAIN || n == -EWOULDBLOCK)
			return;
		if (n < 0) {
			mlog(LOG_DEBUG, "recv: %s", strerror(-n));
			return;
		}
		if (n == 0)
			continue;
		if (log_get_level() >= LOG_DEBUG)
			mlog(LOG_DEBUG, "received %d bytes from %s:%u", n,
			     ip_addr_str(&remote, r, sizeof(r)), rport);
		engine_input(&d->engine, daemon_now(), &local, lport, &remote,
			     rport, buf, (size_t)n);
	}
}

/* What the kernel did outside our own calls (the module's events). */
void daemon_kernel_event(const struct kernel_event *ev, void *arg)
{
	static const char *const what[] = {
		[KERNEL_EV_MOVED] = "moved",
		[KERNEL_EV_FAILOVER_FAILED] = "failover failed",
		[KERNEL_EV_DELETED] = "deleted",
		[KERNEL_EV_CLONED] = "cloned",
		[KERNEL_EV_ACQUIRE] = "acquire",
	};
	char a[INET6_ADDRSTRLEN] = "-", n[INET6_ADDRSTRLEN] = "-";
	struct daemon *d = arg;

	if (ev->type == KERNEL_EV_ACQUIRE) {
		if (d->have_engine && d->conf)
			on_demand_acquire(&d->engine, d->conf, &d->retries, ev,
					  daemon_now());
		return;
	}
	if (ev->addr.family)
		ip_addr_str(&ev->addr, a, sizeof(a));
	if (ev->new_addr.family)
		ip_addr_str(&ev->new_addr, n, sizeof(n));
	mlog(LOG_DEBUG, "kernel event: %s%s %s -> %s, %u SAs, %u policies",
	     what[ev->type], ev->failover ? " (failover)" : "", a, n,
	     ev->states, ev->policies);
	/* Into the engine's view, which tells the peer. */
	engine_kernel_event(&d->engine, ev, daemon_now());
}

static void read_kernel_events(struct daemon *d)
{
	int ret = d->xfrm.ops->read_events(&d->xfrm, daemon_kernel_event, d);

	if (ret)
		mlog(LOG_WARNING, "kernel events: %s", strerror(-ret));
}

int daemon_run_once(struct daemon *d)
{
	struct pollfd pfd[1 + SOCKETS_MAX + 1 + CONTROL_MAX_CLIENTS + 1 + 1];
	unsigned int n = 0, n_socks, ctl_at, n_ctl, ifw_at = 0, kev_at = 0;
	uint64_t now = daemon_now(), deadline;
	int timeout = 1000, ret;

	deadline = engine_next_deadline(&d->engine);
	if (retry_next_deadline(&d->retries) &&
	    (!deadline || retry_next_deadline(&d->retries) < deadline))
		deadline = retry_next_deadline(&d->retries);
	if (deadline)
		timeout = deadline <= now ? 0 :
			  deadline - now < 1000 ? (int)(deadline - now) : 1000;

	pfd[n].fd = sig_fd;
	pfd[n].events = POLLIN;
	pfd[n++].revents = 0;
	n_socks = d->socks.n;
	for (unsigned int i = 0; i < n_socks; i++) {
		pfd[n].fd = d->socks.s[i].fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	ctl_at = n;
	n_ctl = control_pollfds(&d->ctl, pfd + n);
	n += n_ctl;
	if (iface_watch_fd(&d->ifw) >= 0) {
		ifw_at = n;
		pfd[n].fd = iface_watch_fd(&d->ifw);
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	if (d->have_backend && d->xfrm.ops->event_fd(&d->xfrm) >= 0) {
		kev_at = n;
		pfd[n].fd = d->xfrm.ops->event_fd(&d->xfrm);
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}

	ret = poll(pfd, n, timeout);
	if (ret < 0 && errno != EINTR)
		return -errno;
	if (ret > 0) {
		if (pfd[0].revents)
			read_signals(d);
		/* The socket table changes on reload: by fd. */
		for (unsigned int i = 0; i < n_socks; i++) {
			if (!pfd[1 + i].revents)
				continue;
			for (unsigned int j = 0; j < d->socks.n; j++)
				if (d->socks.s[j].fd == pfd[1 + i].fd) {
					read_ike(d, j);
					break;
				}
		}
		if (ifw_at && pfd[ifw_at].revents) {
			iface_watch_process(&d->ifw);
			/* The sockets of the interfaces' addresses follow. */
			open_sockets(d, false);
		}
		if (kev_at && pfd[kev_at].revents)
			read_kernel_events(d);
	}
	/* Also without events: clients that stopped reading are dropped. */
	control_process(&d->ctl, pfd + ctl_at, n_ctl, daemon_now());
	engine_tick(&d->engine, daemon_now());
	retry_run(&d->retries, d->conf, &d->engine, daemon_now());
	free_retired(d, false);
	daemon_notify(d, NULL);
	return 0;
}
