// SPDX-License-Identifier: GPL-2.0
/*
 * Trap policies: see trap.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/children.h"
#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/trap.h"

static bool reqid_free(const struct engine *e, uint32_t reqid)
{
	for (const struct trap *t = e->traps; t; t = t->next)
		if (t->tmpl.reqid == reqid)
			return false;
	return true;
}

/* A reqid of block 0 that no trap has, or 0. */
static uint32_t trap_reqid(struct engine *e)
{
	for (uint32_t i = 0; i < TRAP_REQID_MAX; i++) {
		uint32_t r = e->next_trap_reqid;

		e->next_trap_reqid = r >= TRAP_REQID_MAX ? TRAP_REQID_MIN :
				     r + 1;
		if (r >= TRAP_REQID_MIN && reqid_free(e, r))
			return r;
	}
	return 0;
}

static bool trapped(const struct engine *e, const struct conn *conn,
		    unsigned int child)
{
	for (const struct trap *t = e->traps; t; t = t->next)
		if (t->conn == conn && t->child == child && !t->retired)
			return true;
	return false;
}

/*
 * The template of child ch of conn: outer addresses the connection's (a
 * local address left open is the kernel's to choose), its selectors
 * and mode.
 */
static void make_tmpl(struct childsa *c, const struct conn *conn,
		      const struct conn_child *ch, unsigned int i)
{
	memset(c, 0, sizeof(*c));
	c->remote = conn->remote;
	c->local = conn->local;
	if (!c->local.family)
		c->local.family = conn->remote.family;
	c->local_port = conn->local_port;
	c->remote_port = conn->remote_port;
	c->mode = ch->mode;
	c->tmpl = i;
	c->n_local_ts = ch->n_local_ts;
	c->n_remote_ts = ch->n_remote_ts;
	memcpy(c->local_ts, ch->local_ts, sizeof(c->local_ts));
	memcpy(c->remote_ts, ch->remote_ts, sizeof(c->remote_ts));
}

static void unlink_trap(struct engine *e, struct trap *t)
{
	struct trap **p = &e->traps;

	while (*p != t)
		p = &(*p)->next;
	*p = t->next;
}

static void destroy(struct engine *e, struct trap *t)
{
	childsa_untrap(&t->tmpl, e);
	unlink_trap(e, t);
	free(t);
}

static int install(struct engine *e, const struct conn *conn, bool drop)
{
	struct conn_child own;
	int n = 0, ret;

	if (!conn->remote.family)
		return -EINVAL;
	for (unsigned int i = 0; i < conn_n_children(conn); i++) {
		const struct conn_child *ch = conn_child(conn, i, &own);
		struct trap *t;

		if (trapped(e, conn, i))
			continue;
		if (!ch->n_local_ts || !ch->n_remote_ts) {
			/*
			 * Selectors that come with an inner address: a
			 * trap cannot work, a drop simply has none.
			 */
			engine_logf(e, drop ? ENGINE_LOG_INFO :
				    ENGINE_LOG_WARNING, NULL, "conn %s: "
				    "child %u has no selectors to %s",
				    conn->name, i, drop ? "drop" : "trap");
			continue;
		}
		t = calloc(1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		t->conn = conn;
		t->child = i;
		t->drop = drop;
		make_tmpl(&t->tmpl, conn, ch, i);
		t->tmpl.reqid = trap_reqid(e);
		if (!t->tmpl.reqid) {
			free(t);
			return -ENOSPC;
		}
		t->next = e->traps;
		e->traps = t;
		ret = childsa_trap(&t->tmpl, e);
		if (ret) {
			/* The policies trapped before the failure go. */
			destroy(e, t);
			return ret;
		}
		n++;
	}
	return n;
}

int engine_trap_install(struct engine *e, const struct conn *conn)
{
	return install(e, conn, false);
}

int engine_drop_install(struct engine *e, const struct conn *conn)
{
	return install(e, conn, true);
}

bool engine_trap_is_drop(const struct engine *e, uint32_t reqid)
{
	const struct trap *t = trap_find(e, reqid);

	return t && t->drop;
}

void engine_trap_remove(struct engine *e, const struct conn *conn)
{
	struct trap *t = e->traps, *next;

	for (; t; t = next) {
		next = t->next;
		if (t->conn == conn)
			destroy(e, t);
	}
}

bool engine_trap_installed(const struct engine *e, const struct conn *conn)
{
	for (const struct trap *t = e->traps; t; t = t->next)
		if (t->conn == conn && !t->retired)
			return true;
	return false;
}

const struct trap *trap_find(const struct engine *e, uint32_t reqid)
{
	for (const struct trap *t = e->traps; t; t = t->next)
		if (t->tmpl.reqid == reqid && !t->retired)
			return t;
	return NULL;
}

const struct conn *engine_trap_conn(const struct engine *e, uint32_t reqid)
{
	const struct trap *t = trap_find(e, reqid);

	return t ? t->conn : NULL;
}

int engine_trap_child(const struct engine *e, uint32_t reqid)
{
	const struct trap *t = trap_find(e, reqid);

	return t ? (int)t->child : -1;
}

void engine_traps_retire(struct engine *e)
{
	for (struct trap *t = e->traps; t; t = t->next)
		t->retired = true;
}

void engine_traps_remove_retired(struct engine *e)
{
	struct trap *t = e->traps, *next;

	for (; t; t = next) {
		next = t->next;
		if (t->retired)
			destroy(e, t);
	}
}

void trap_remove_all(struct engine *e)
{
	while (e->traps)
		destroy(e, e->traps);
}
