// SPDX-License-Identifier: GPL-2.0
/*
 * Reloading the configuration without losing SAs needlessly.
 *
 * A connection's IKE and Child SAs were negotiated from some of its
 * settings (addresses, identities, proposals, selectors, ...): when one
 * of those changes, the SAs no longer say what the file says, and are
 * replaced. The other settings are read by the engine each time it
 * needs them, or copied into the next SA it makes: a change of those
 * keeps the SAs, which take them over. The table below names the latter;
 * every other difference replaces the SAs, so that a setting added to
 * struct conn later errs on the safe side until it is listed here.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/reload.h"
#include "daemon/retry.h"
#include "engine/engine.h"

struct reload_key {
	const char *name;	/* as mifd.conf(5) spells it */
	size_t off, len;	/* the field in struct conf_conn */
};

#define FIELD(f)	offsetof(struct conf_conn, f), \
			sizeof(((struct conf_conn *)0)->f)

/*
 * Settings the SAs may take over: the engine reads dpd_ms, retrans_*,
 * unique, ike_reauth, fragment_size, nat_keepalive_ms, add_interfaces and
 * failback from sa->conn when it acts; the lifetimes were turned into the SAs' rekey times when
 * they were made, and the new ones apply from the next rekey; start is
 * mifd's alone.
 */
static const struct reload_key updatable[] = {
	{ "dpd", FIELD(conn.dpd_ms) },
	{ "nat_keepalive", FIELD(conn.nat_keepalive_ms) },
	{ "ike_lifetime", FIELD(conn.ike_lifetime_s) },
	{ "child_lifetime", FIELD(conn.child_lifetime_s) },
	{ "ike_reauth", FIELD(conn.ike_reauth) },
	{ "rekey_jitter", FIELD(conn.rekey_jitter) },
	{ "retransmit_base", FIELD(conn.retrans_base_ms) },
	{ "retransmit_tries", FIELD(conn.retrans_tries) },
	{ "alternates_after", FIELD(conn.alt_after) },
	{ "unique", FIELD(conn.unique) },
	{ "fragment_size", FIELD(conn.fragment_size) },
	{ "add_interfaces", FIELD(conn.add_interfaces) },
	{ "failback", FIELD(conn.failback) },
	{ "start", FIELD(start) },
	{ "start", FIELD(trap) },
	{ "keyingtries", FIELD(keyingtries) },
	{ "dpd_action", FIELD(dpd_action) },
	{ "close_action", FIELD(close_action) },
	{ "failure_shunt", FIELD(shunt_pass) },
};

/*
 * Settings negotiated with the peer or authenticated by it, to name
 * what changed (a difference found elsewhere is "other settings").
 */
static const struct reload_key negotiated[] = {
	{ "local", FIELD(conn.local) },
	{ "remote", FIELD(conn.remote) },
	{ "local_port", FIELD(conn.local_port) },
	{ "remote_port", FIELD(conn.remote_port) },
	{ "local_id", FIELD(conn.local_id) },
	{ "remote_id", FIELD(conn.remote_id) },
	{ "auth", FIELD(conn.auth_method) },
	{ "psk", FIELD(conn.psk) },
	{ "psk", FIELD(conn.psk_len) },
	{ "ike", FIELD(conn.n_ike) },
	{ "ike", FIELD(conn.ike) },
	{ "esp", FIELD(conn.n_esp) },
	{ "esp", FIELD(conn.esp) },
	{ "local_ts", FIELD(conn.n_local_ts) },
	{ "local_ts", FIELD(conn.local_ts) },
	{ "remote_ts", FIELD(conn.n_remote_ts) },
	{ "remote_ts", FIELD(conn.remote_ts) },
	{ "mode", FIELD(conn.mode) },
	{ "interfaces", FIELD(conn.n_ifaces) },
	{ "interfaces", FIELD(conn.ifaces) },
	{ "mif", FIELD(conn.mif) },
	{ "mobike", FIELD(conn.mobike) },
	{ "fragmentation", FIELD(conn.fragmentation) },
	{ "encap", FIELD(conn.encap) },
	{ "cert", FIELD(cert_file) },
	{ "key", FIELD(key_file) },
	{ "ca_dir", FIELD(ca_dir) },
	{ "rsa_pss", FIELD(conn.rsa_pss) },
	{ "rsa_sha1", FIELD(conn.rsa_sha1) },
};

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static bool differs(const struct conf_conn *a, const struct conf_conn *b,
		    const struct reload_key *k)
{
	return memcmp((const char *)a + k->off, (const char *)b + k->off,
		      k->len) != 0;
}

/* Append the names of the keys of t (n of them) that differ. */
static void list_keys(const struct conf_conn *a, const struct conf_conn *b,
		      const struct reload_key *t, size_t n, char *keys,
		      size_t len)
{
	const char *last = NULL;
	size_t at = strlen(keys);

	for (size_t i = 0; i < n; i++) {
		if (!differs(a, b, &t[i]) || (last && !strcmp(last, t[i].name)))
			continue;
		last = t[i].name;
		snprintf(keys + at, len - at, "%s%s", at ? ", " : "",
			 t[i].name);
		at += strlen(keys + at);
	}
}

enum reload_change reload_compare(const struct conf_conn *a,
				  const struct conf_conn *b, char *keys,
				  size_t len)
{
	/* Static: a struct conn is several kilobytes. */
	static struct conf_conn mix;
	bool same_rest;

	if (!len)
		return RELOAD_REPLACED;
	keys[0] = '\0';
	if (conf_conn_equal(a, b))
		return RELOAD_KEPT;
	/* b with a's updatable settings: equal unless more changed. */
	mix = *b;
	for (size_t i = 0; i < N(updatable); i++)
		memcpy((char *)&mix + updatable[i].off,
		       (const char *)a + updatable[i].off, updatable[i].len);
	same_rest = conf_conn_equal(a, &mix);
	gnutls_memset(&mix, 0, sizeof(mix));
	if (same_rest) {
		list_keys(a, b, updatable, N(updatable), keys, len);
		return RELOAD_UPDATED;
	}
	list_keys(a, b, negotiated, N(negotiated), keys, len);
	if (!keys[0])
		snprintf(keys, len, "other settings");
	return RELOAD_REPLACED;
}

/*
 * Each IKE SA that is not on its way out and belongs to a connection of
 * c: mark[] of that connection set, n[] counted (either may be NULL).
 * One walk of the SAs, however many connections.
 */
static void sas_of(const struct engine *e, const struct conf *c, bool *mark,
		   unsigned int *n)
{
	const struct ikesa *sa;
	struct engine_ike_view v;
	struct conf_conn *cc;

	engine_for_each_sa(sa, e) {
		engine_ike_view(sa, &v);
		cc = conf_conn_of(c, v.conn);
		if (!cc || v.state == IKESA_DEAD)
			continue;
		if (mark)
			mark[cc - c->conns] = true;
		if (n)
			n[cc - c->conns]++;
	}
}

/*
 * What becomes of each old connection's SAs (ch[], by the index in old),
 * done in one walk of the SAs.
 */
static void act(struct engine *e, struct conf *old, struct conf *nc,
		const enum reload_change *ch, uint64_t now)
{
	struct engine_ike_view v;
	struct conf_conn *oc;
	struct ikesa *sa;

	engine_for_each_sa(sa, e) {
		engine_ike_view(sa, &v);
		oc = conf_conn_of(old, v.conn);
		if (!oc || v.state == IKESA_DEAD)
			continue;
		if (ch[oc - old->conns] == RELOAD_REPLACED)
			daemon_delete_sa(e, sa, now);
		else
			engine_sa_set_conn(sa, &conf_find(nc, oc->name)->conn);
	}
}

void reload_conns(struct engine *e, struct conf *old, struct conf *nc,
		  uint64_t now)
{
	unsigned int n_old = old ? old->n_conns : 0, *n = NULL;
	enum reload_change *ch = NULL;
	char keys[256];

	if (n_old) {
		n = calloc(n_old, sizeof(*n));
		ch = calloc(n_old, sizeof(*ch));
		if (!n || !ch) {
			/* Out of memory: every SA goes, the safe side. */
			free(n);
			free(ch);
			n = NULL;
			ch = NULL;
			mlog(LOG_ERR, "reload: out of memory, every IKE SA "
			     "deleted");
		}
	}
	for (unsigned int i = 0; ch && i < n_old; i++) {
		struct conf_conn *ncc = conf_find(nc, old->conns[i].name);

		ch[i] = ncc ? reload_compare(&old->conns[i], ncc, keys,
					     sizeof(keys)) : RELOAD_REPLACED;
	}
	if (ch) {
		sas_of(e, old, NULL, n);
		act(e, old, nc, ch, now);
	} else if (old) {
		struct engine_ike_view v;
		struct ikesa *sa;

		engine_for_each_sa(sa, e) {
			engine_ike_view(sa, &v);
			if (conf_conn_of(old, v.conn) &&
			    v.state != IKESA_DEAD)
				daemon_delete_sa(e, sa, now);
		}
	}
	for (unsigned int i = 0; ch && i < n_old; i++) {
		const struct conf_conn *oc = &old->conns[i];
		struct conf_conn *ncc = conf_find(nc, oc->name);

		if (ncc && ch[i] != RELOAD_KEPT)
			reload_compare(oc, ncc, keys, sizeof(keys));
		if (!ncc)
			mlog(LOG_NOTICE, "conn %s: removed, %u IKE SAs deleted",
			     oc->name, n[i]);
		else if (ch[i] == RELOAD_REPLACED)
			mlog(LOG_NOTICE, "conn %s: replaced (%s), %u IKE SAs "
			     "deleted", oc->name, keys, n[i]);
		else if (ch[i] == RELOAD_UPDATED)
			mlog(LOG_NOTICE, "conn %s: updated (%s), %u IKE SAs "
			     "kept", oc->name, keys, n[i]);
		else
			mlog(LOG_INFO, "conn %s: kept, %u IKE SAs", oc->name,
			     n[i]);
	}
	free(n);
	free(ch);
	for (unsigned int i = 0; old && i < nc->n_conns; i++)
		if (!conf_find(old, nc->conns[i].name))
			mlog(LOG_NOTICE, "conn %s: added", nc->conns[i].name);

	engine_clear_conns(e);
	for (unsigned int i = 0; i < nc->n_conns; i++) {
		int ret = engine_add_conn(e, &nc->conns[i].conn);

		if (ret)
			mlog(LOG_ERR, "conn %s: not accepted by the engine, it "
			     "does not respond: %s", nc->conns[i].name,
			     strerror(-ret));
	}
}

void reload_start(struct engine *e, struct conf *nc, uint64_t now,
		  struct retries *r)
{
	bool *up = nc->n_conns ? calloc(nc->n_conns, sizeof(*up)) : NULL;

	if (nc->n_conns && !up) {
		mlog(LOG_ERR, "reload: out of memory, nothing initiated");
		return;
	}
	/* Before any is initiated: each initiation adds its own SA only. */
	sas_of(e, nc, up, NULL);
	for (unsigned int i = 0; i < nc->n_conns; i++) {
		struct conf_conn *cc = &nc->conns[i];

		if (!cc->start || up[i])
			continue;
		if (r) {
			retry_start(r, nc, i, e, now, "");
			continue;
		}
		mlog(LOG_INFO, "conn %s: initiating", cc->name);
		if (!engine_initiate(e, &cc->conn, now))
			mlog(LOG_ERR, "conn %s: cannot initiate", cc->name);
	}
	free(up);
}
