// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket's "rekey" command: see rekey_cmd.h. One
 * CREATE_CHILD_SA rekeying the IKE SA on each established IKE SA of the
 * connection, as its lifetime would (ike_rekey.c); one the peer is
 * rekeying at the same moment is settled by the nonces.
 */
#include <errno.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/reply.h"
#include "daemon/rekey_cmd.h"

struct json_object *rekey_cmd(struct daemon *d, const char *conn)
{
	struct engine_ike_view v;
	unsigned int n = 0, busy = 0;
	struct json_object *o;
	struct ikesa *sa;
	int ret;

	if (!conf_find(d->conf, conn))
		return jerr("no connection \"%s\"", conn);
	if (!d->have_engine)
		return jerr("rekey: the engine is not running");
	engine_for_each_sa(sa, &d->engine) {
		engine_ike_view(sa, &v);
		if (!v.conn || v.state != IKESA_ESTABLISHED ||
		    strcmp(v.conn->name, conn))
			continue;
		ret = engine_rekey_ike(&d->engine, sa, daemon_now());
		if (!ret)
			n++;
		else if (ret == -EBUSY)
			busy++;
	}
	mlog(LOG_INFO, "conn %s: rekey (control), %u IKE SAs, %u busy", conn,
	     n, busy);
	if (!n)
		return jerr(busy ? "busy (a request in flight): try again" :
			    "no established IKE SA of conn %s", conn);
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(true));
	jadd_str(o, "conn", conn);
	jadd_int(o, "ike_sas", n);
	return o;
}
