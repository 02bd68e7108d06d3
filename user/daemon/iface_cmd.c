// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket's "iface" command: see iface_cmd.h. Each operation
 * parses its own arguments (strings, as mifctl passed them) and hands
 * the work to the engine.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/iface_cmd.h"
#include "daemon/reply.h"
#include "ike/mif_alternates.h"

#define IFACE_MAX_ARGS	32

struct iface_args {
	const char *argv[IFACE_MAX_ARGS];
	int argc;
	const char *conn;	/* NULL: every connection */
};

/* Why a move could not start, in words (mif_move_start()'s errors). */
static const char *move_error(int err)
{
	switch (err) {
	case -EOPNOTSUPP:
		return "MIF not negotiated with this peer, or no kernel support";
	case -ENOENT:
		return "no Child SA on the old address";
	case -EADDRNOTAVAIL:
		return "the new address is not announced on an interface up";
	case -EBUSY:
		return "too many moves waiting";
	case -EAGAIN:
		return "the IKE SA is not established";
	}
	return strerror(-err);
}

/* Whether sa has a Child SA on addr, as our (or the peer's) address. */
static bool holds(const struct ikesa *sa, const struct ip_addr *addr,
		  bool local)
{
	const struct childsa *c;
	struct engine_child_view cv;

	engine_for_each_child(c, sa) {
		engine_child_view(sa, c, &cv);
		if (ip_addr_equal(local ? &cv.local : &cv.remote, addr))
			return true;
	}
	return false;
}

/*
 * mifctl ike iface move OLD NEW [peer] [conn NAME] (engine/mif_move.c):
 * every IKE SA with Child SAs on OLD (ours; with "peer", the peer's
 * address) moves them to NEW; with "conn", only the IKE SAs of that
 * connection. The reply lists the IKE SAs started, and those that could
 * not start with the reason.
 */
static struct json_object *op_move(struct daemon *d,
				   const struct iface_args *a)
{
	struct json_object *o, *started, *failed, *e;
	struct engine_ike_view v;
	struct ip_addr old, new;
	const char *conn = a->conn;
	struct ikesa *sa;
	char buf[160];
	bool local = true;
	unsigned int n = 0, nf = 0;
	int i, ret;

	if (a->argc < 2)
		return jerr("iface move: usage: move OLD NEW [peer] "
			    "[conn NAME]");
	for (i = 2; i < a->argc; i++) {
		if (!strcmp(a->argv[i], "peer") && local) {
			local = false;
		} else if (!strcmp(a->argv[i], "conn") && i + 1 < a->argc) {
			conn = a->argv[++i];
		} else {
			return jerr("iface move: usage: move OLD NEW [peer] "
				    "[conn NAME]");
		}
	}
	if (ip_addr_parse(a->argv[0], &old) || ip_addr_parse(a->argv[1], &new))
		return jerr("iface move: OLD and NEW must be IP addresses");
	if (old.family != new.family || ip_addr_equal(&old, &new))
		return jerr("iface move: OLD and NEW must be two addresses "
			    "of one family");
	if (!d->have_engine)
		return jerr("iface move: the engine is not running");
	started = json_object_new_array();
	failed = json_object_new_array();
	engine_for_each_sa(sa, &d->engine) {
		engine_ike_view(sa, &v);
		if (v.state != IKESA_ESTABLISHED ||
		    (conn && (!v.conn || strcmp(v.conn->name, conn))) ||
		    !holds(sa, &old, local))
			continue;
		ret = engine_iface_move(sa, &old, &new, local, daemon_now());
		e = json_object_new_object();
		jadd_str(e, "conn", v.conn ? v.conn->name : "");
		jadd_hex(e, "spi_i", v.spi_i, 16);
		jadd_hex(e, "spi_r", v.spi_r, 16);
		jadd_addr(e, "remote", &v.remote);
		if (ret) {
			jadd_str(e, "error", move_error(ret));
			json_object_array_add(failed, e);
			nf++;
		} else {
			json_object_array_add(started, e);
			n++;
		}
	}
	o = json_object_new_object();
	snprintf(buf, sizeof(buf), "move %s -> %s%s: started on %u IKE SAs"
		 "%s", a->argv[0], a->argv[1], local ? "" : " (the peer's)",
		 n, nf ? ", failed on some (see -j)" : "");
	jadd_str(o, "summary", buf);
	jadd_addr(o, "old", &old);
	jadd_addr(o, "new", &new);
	json_object_object_add(o, "peer", json_object_new_boolean(!local));
	json_object_object_add(o, "started", started);
	json_object_object_add(o, "failed", failed);
	return o;
}

/*
 * mifctl ike iface add ADDR [from ADDR...] [peer ADDR] [cfg] [conn NAME]
 * (engine/mif_add.c).
 */
static struct json_object *op_add(struct daemon *d,
				  const struct iface_args *a)
{
	struct ip_addr addr, peer, from[KERNEL_CLONE_MAX_FROM];
	const char *conn = a->conn;
	struct engine_iface_op r;
	struct json_object *o;
	unsigned int n_from = 0;
	bool has_peer = false, cfg = false;
	char summary[320];
	int i = 1, ret;

	if (a->argc < 1 || ip_addr_parse(a->argv[0], &addr))
		return jerr("iface add needs the new local address: ADDR "
			    "[from ADDR...] [peer ADDR] [cfg] [conn NAME]");
	while (i < a->argc) {
		const char *k = a->argv[i++];

		if (!strcmp(k, "from")) {
			struct ip_addr f;

			while (i < a->argc && !ip_addr_parse(a->argv[i], &f)) {
				if (n_from == KERNEL_CLONE_MAX_FROM)
					return jerr("iface add: at most %d "
						    "from addresses",
						    KERNEL_CLONE_MAX_FROM);
				from[n_from++] = f;
				i++;
			}
			if (!n_from)
				return jerr("iface add: from needs addresses");
		} else if (!strcmp(k, "peer")) {
			if (i == a->argc || ip_addr_parse(a->argv[i], &peer))
				return jerr("iface add: peer needs an address");
			has_peer = true;
			i++;
		} else if (!strcmp(k, "conn")) {
			if (i == a->argc)
				return jerr("iface add: conn needs a name");
			conn = a->argv[i++];
		} else if (!strcmp(k, "cfg")) {
			cfg = true;
		} else {
			return jerr("iface add: unexpected \"%s\"", k);
		}
	}
	ret = engine_iface_add(&d->engine, conn, &addr, from, n_from,
			       has_peer ? &peer : NULL, cfg, daemon_now(), &r);
	if (ret == -EINVAL)
		return jerr("iface add: a from address is on none of our "
			    "interfaces");
	if (ret == -ENOENT)
		return jerr("iface add: no established IKE SA%s%s of that "
			    "address family", conn ? " of " : "",
			    conn ? conn : "");
	snprintf(summary, sizeof(summary), "add %s: %u started, %u busy "
		 "(try again), %u without MIF (nothing to do), %u with "
		 "nothing to derive, %u refused (see the log)%s", a->argv[0],
		 r.started, r.busy, r.no_mif, r.nothing, r.failed,
		 r.no_cfg ? "; cfg: the connection asks for no inner "
			    "address (vips)" : "");
	o = json_object_new_object();
	jadd_str(o, "summary", summary);
	jadd_addr(o, "addr", &addr);
	jadd_int(o, "started", r.started);
	jadd_int(o, "busy", r.busy);
	jadd_int(o, "no_mif", r.no_mif);
	jadd_int(o, "nothing", r.nothing);
	jadd_int(o, "failed", r.failed);
	jadd_int(o, "no_cfg", r.no_cfg);
	return o;
}

/* Why engine_mif_delete() started nothing. */
static const char *del_why(int err)
{
	switch (err) {
	case -ENOENT:
		return "no IKE SA has it (no Child SA on it, not announced)";
	case -EADDRINUSE:
		return "it is the IKE SA's own address: delete the IKE SA "
		       "instead (ike down)";
	case -EBUSY:
		return "a delete is waiting already, or a request is in "
		       "flight: try again";
	}
	return strerror(-err);
}

/*
 * mifctl ike iface del ADDR [conn NAME] (mif_delete.c): withdraw our
 * address ADDR, and every Child SA bound to it, from the IKE SAs that
 * have it.
 */
static struct json_object *op_del(struct daemon *d,
				  const struct iface_args *a)
{
	struct engine_mif_delete r;
	struct json_object *o;
	const char *conn = a->conn;
	struct ip_addr addr;
	char sum[160];
	int ret;

	if (a->argc == 3 && !strcmp(a->argv[1], "conn"))
		conn = a->argv[2];
	else if (a->argc != 1)
		return jerr("iface del needs ADDR [conn NAME]");
	if (ip_addr_parse(a->argv[0], &addr))
		return jerr("iface del: \"%s\" is not an IP address",
			    a->argv[0]);
	ret = engine_mif_delete(&d->engine, conn, &addr, daemon_now(), &r);
	if (ret)
		return jerr("iface del %s: %s", a->argv[0], del_why(ret));
	snprintf(sum, sizeof(sum), "%s: deleting %u Child SAs on %u IKE SAs "
		 "(%u with MIF_DELETE_INTERFACE, %u with Delete payloads)%s",
		 a->argv[0], r.children, r.sent + r.plain, r.sent, r.plain,
		 r.refused ? "; some IKE SAs refused, see the log" : "");
	o = json_object_new_object();
	jadd_str(o, "summary", sum);
	jadd_addr(o, "addr", &addr);
	jadd_int(o, "ike_sas", r.sent + r.plain);
	jadd_int(o, "mif", r.sent);
	jadd_int(o, "plain", r.plain);
	jadd_int(o, "children", r.children);
	jadd_int(o, "refused", r.refused);
	return o;
}

/*
 * mifctl ike iface alt ADDR ALT...|none [conn NAME] (engine/mif_alt.c):
 * our address ADDR fails over to ALT... (best first) on the IKE SAs that
 * use it; "none" gives it back to the default rule.
 */
static struct json_object *op_alt(struct daemon *d,
				  const struct iface_args *a)
{
	struct ip_addr addr, alts[MIF_MAX_ALTS];
	const char *conn = a->conn;
	struct engine_iface_op r;
	struct json_object *o, *ja;
	unsigned int n = 0;
	bool none = false;
	char summary[256];
	int i = 1, ret;

	if (a->argc < 2 || ip_addr_parse(a->argv[0], &addr))
		return jerr("iface alt needs ADDR ALT... or ADDR none "
			    "[conn NAME]");
	if (!strcmp(a->argv[1], "none")) {
		none = true;
		i = 2;
	}
	while (i < a->argc) {
		const char *k = a->argv[i++];
		struct ip_addr x;

		if (!strcmp(k, "conn")) {
			if (i == a->argc)
				return jerr("iface alt: conn needs a name");
			conn = a->argv[i++];
		} else if (none || ip_addr_parse(k, &x)) {
			return jerr("iface alt: unexpected \"%s\"", k);
		} else if (n == MIF_MAX_ALTS) {
			return jerr("iface alt: at most %d alternates",
				    MIF_MAX_ALTS);
		} else if (x.family != addr.family) {
			return jerr("iface alt: %s is not of %s's address "
				    "family", k, a->argv[0]);
		} else {
			alts[n++] = x;
		}
	}
	if (!none && !n)
		return jerr("iface alt: give the alternates, or none");
	if (!d->have_engine)
		return jerr("iface alt: the engine is not running");
	ret = engine_iface_alt(&d->engine, conn, &addr, alts, n, daemon_now(),
			       &r);
	if (ret == -ENOENT)
		return jerr("iface alt: no established IKE SA%s%s uses %s",
			    conn ? " of " : "", conn ? conn : "", a->argv[0]);
	if (ret)
		return jerr("iface alt: %s", strerror(-ret));
	snprintf(summary, sizeof(summary), "alt %s: %u started, %u busy "
		 "(try again), %u without MIF (nothing to do), %u refused "
		 "(see the log)", a->argv[0], r.started, r.busy, r.no_mif,
		 r.failed);
	o = json_object_new_object();
	jadd_str(o, "summary", summary);
	jadd_addr(o, "addr", &addr);
	ja = json_object_new_array();
	for (unsigned int k = 0; k < n; k++) {
		char buf[IP_ADDR_STRLEN];

		json_object_array_add(ja, json_object_new_string(
			ip_addr_str(&alts[k], buf, sizeof(buf))));
	}
	json_object_object_add(o, "alternates", ja);
	jadd_int(o, "started", r.started);
	jadd_int(o, "busy", r.busy);
	jadd_int(o, "no_mif", r.no_mif);
	jadd_int(o, "failed", r.failed);
	return o;
}

static const struct {
	const char *name;
	struct json_object *(*fn)(struct daemon *d, const struct iface_args *a);
} ops[] = {
	{ "move", op_move },
	{ "add", op_add },
	{ "del", op_del },
	{ "alt", op_alt },
};

struct json_object *iface_cmd(struct daemon *d, struct json_object *req)
{
	struct json_object *jop, *jargs, *jconn;
	struct iface_args a = { 0 };
	const char *op;

	if (!json_object_object_get_ex(req, "op", &jop) ||
	    !json_object_is_type(jop, json_type_string))
		return jerr("iface needs \"op\" (move, add, del, alt)");
	op = json_object_get_string(jop);
	if (json_object_object_get_ex(req, "conn", &jconn)) {
		if (!json_object_is_type(jconn, json_type_string))
			return jerr("\"conn\" must be a string");
		a.conn = json_object_get_string(jconn);
	}
	if (json_object_object_get_ex(req, "args", &jargs)) {
		size_t n;

		if (!json_object_is_type(jargs, json_type_array))
			return jerr("\"args\" must be an array of strings");
		n = json_object_array_length(jargs);
		if (n > IFACE_MAX_ARGS)
			return jerr("iface %s: at most %d arguments", op,
				    IFACE_MAX_ARGS);
		for (size_t i = 0; i < n; i++) {
			struct json_object *v = json_object_array_get_idx(jargs, i);

			if (!json_object_is_type(v, json_type_string))
				return jerr("\"args\" must be an array of "
					    "strings");
			a.argv[a.argc++] = json_object_get_string(v);
		}
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(op, ops[i].name))
			return ops[i].fn(d, &a);
	return jerr("iface: unknown operation \"%s\" (move, add, del, alt)",
		    op);
}
