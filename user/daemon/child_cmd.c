// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket's "child" command: see child_cmd.h. up sends one
 * CREATE_CHILD_SA on each established IKE SA of the connections
 * concerned (engine_child_up()), down one INFORMATIONAL Delete of the
 * child's Child SAs (engine_child_down()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/child_cmd.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/reply.h"

#define USAGE	"usage: child up|down NAME [conn CONN]"

static const char *child_error(int err)
{
	switch (err) {
	case -EEXIST:
		return "a Child SA of it is up already";
	case -EALREADY:
		return "a Child SA of it is on its way already";
	case -EBUSY:
		return "busy (a request in flight or too many queued): "
		       "try again";
	case -ENOENT:
		return "no Child SA of it";
	case -EINVAL:
		return "the IKE SA is not established";
	}
	return strerror(-err);
}

/* The string args[i], or NULL. */
static const char *arg(struct json_object *args, size_t i)
{
	struct json_object *v = json_object_array_get_idx(args, i);

	return v && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : NULL;
}

struct json_object *child_cmd(struct daemon *d, struct json_object *req)
{
	struct json_object *jop, *jargs, *o, *started, *failed, *e;
	const char *op, *name, *conn = NULL;
	struct engine_ike_view v;
	unsigned int n = 0, nf = 0, matched = 0;
	struct ikesa *sa;
	char summary[320];
	size_t argc;
	bool up;
	int child, ret, first = 0;

	if (!json_object_object_get_ex(req, "op", &jop) ||
	    !json_object_is_type(jop, json_type_string))
		return jerr("child needs \"op\" (up, down)");
	op = json_object_get_string(jop);
	if (strcmp(op, "up") && strcmp(op, "down"))
		return jerr("child: unknown operation \"%s\" (up, down)", op);
	up = op[0] == 'u';
	if (!json_object_object_get_ex(req, "args", &jargs) ||
	    !json_object_is_type(jargs, json_type_array))
		return jerr("child %s: " USAGE, op);
	argc = json_object_array_length(jargs);
	name = arg(jargs, 0);
	if (!name || (argc != 1 && argc != 3))
		return jerr("child %s: " USAGE, op);
	if (argc == 3) {
		const char *kw = arg(jargs, 1);

		conn = arg(jargs, 2);
		if (!kw || strcmp(kw, "conn") || !conn)
			return jerr("child %s: " USAGE, op);
		if (!conf_find(d->conf, conn))
			return jerr("no connection \"%s\"", conn);
	}
	if (!d->have_engine)
		return jerr("child %s: the engine is not running", op);
	started = json_object_new_array();
	failed = json_object_new_array();
	engine_for_each_sa(sa, &d->engine) {
		engine_ike_view(sa, &v);
		if (!v.conn || v.state != IKESA_ESTABLISHED ||
		    (conn && strcmp(v.conn->name, conn)))
			continue;
		child = engine_child_index(v.conn, name);
		if (child < 0)
			continue;
		matched++;
		ret = up ? engine_child_up(&d->engine, sa, (unsigned int)child,
					   daemon_now()) :
			   engine_child_down(&d->engine, sa,
					     (unsigned int)child, daemon_now());
		e = json_object_new_object();
		jadd_str(e, "conn", v.conn->name);
		jadd_hex(e, "spi_i", v.spi_i, 16);
		jadd_hex(e, "spi_r", v.spi_r, 16);
		if (ret < 0) {
			jadd_str(e, "error", child_error(ret));
			if (!first)
				first = ret;
			json_object_array_add(failed, e);
			nf++;
		} else {
			if (!up)
				jadd_int(e, "child_sas", ret);
			json_object_array_add(started, e);
			n++;
		}
	}
	if (!matched) {
		json_object_put(started);
		json_object_put(failed);
		return jerr("child %s: no established IKE SA%s%s with a child "
			    "\"%s\"", op, conn ? " of conn " : "",
			    conn ? conn : "", name);
	}
	mlog(LOG_INFO, "child %s %s (control): started on %u IKE SAs, %u "
	     "refused", name, op, n, nf);
	o = json_object_new_object();
	snprintf(summary, sizeof(summary), "%s %s: %s on %u IKE SAs%s", name,
		 op, up ? "CREATE_CHILD_SA sent or queued" : "Delete sent", n,
		 nf ? ", refused on some (see -j)" : "");
	jadd_str(o, "summary", summary);
	jadd_str(o, "child", name);
	json_object_object_add(o, "started", started);
	json_object_object_add(o, "failed", failed);
	/* Refused on every IKE SA: an error, the first reason its text. */
	if (!n)
		jadd_str(o, "error", child_error(first));
	return o;
}
