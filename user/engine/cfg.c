// SPDX-License-Identifier: GPL-2.0
/*
 * CFG: inner addresses in IKE_AUTH (cfg.h), and the engine's table of
 * the connections' pools.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/cfg.h"
#include "engine/exchange.h"

/* Pools. */

static struct engine_pool *find_pool(const struct engine *e,
				     const struct conn *c)
{
	for (unsigned int i = 0; i < e->n_pools; i++) {
		struct engine_pool *ep = &e->pools[i];

		if (!strcmp(pool_name(ep->pool), c->name) &&
		    pool_has_ranges(ep->pool, c->pools, c->n_pools))
			return ep;
	}
	return NULL;
}

int cfg_conn_added(struct engine *e, const struct conn *c)
{
	struct engine_pool *ep;
	struct pool *p;

	if (!c->n_pools)
		return 0;
	ep = find_pool(e, c);
	if (ep) {
		ep->in_use = true;
		return 0;
	}
	p = pool_new(c->name, c->pools, c->n_pools);
	ep = p ? realloc(e->pools, (e->n_pools + 1) * sizeof(*ep)) : NULL;
	if (!ep) {
		pool_free(p);
		return -ENOMEM;
	}
	e->pools = ep;
	e->pools[e->n_pools++] = (struct engine_pool){ p, true };
	return 0;
}

void cfg_conns_cleared(struct engine *e)
{
	unsigned int i, n = 0;
	struct pool_stats st;

	/* Those of no connection since the last time, and idle, go. */
	for (i = 0; i < e->n_pools; i++) {
		pool_stats(e->pools[i].pool, &st);
		if (!e->pools[i].in_use && !st.online) {
			pool_free(e->pools[i].pool);
			continue;
		}
		e->pools[n] = e->pools[i];
		e->pools[n++].in_use = false;
	}
	e->n_pools = n;
}

void cfg_pools_free(struct engine *e)
{
	for (unsigned int i = 0; i < e->n_pools; i++)
		pool_free(e->pools[i].pool);
	free(e->pools);
	e->pools = NULL;
	e->n_pools = 0;
}

struct pool *engine_conn_pool(const struct engine *e, const struct conn *c)
{
	struct engine_pool *ep = c->n_pools ? find_pool(e, c) : NULL;

	return ep ? ep->pool : NULL;
}

const struct pool *engine_pool_at(const struct engine *e, unsigned int i)
{
	return i < e->n_pools ? e->pools[i].pool : NULL;
}

/* Payloads. */

static int addr_attr_family(uint16_t type)
{
	return type == IKE_CP_INTERNAL_IP4_ADDRESS ? AF_INET :
	       type == IKE_CP_INTERNAL_IP6_ADDRESS ? AF_INET6 : 0;
}

static void add_attr(struct cfg_payload *out, uint16_t type,
		     const struct ip_addr *a)
{
	struct ike_cp_attr *at = &out->attrs[out->cp.n];
	size_t len = a ? ip_addr_len(a) : 0;

	if (out->cp.n == IKE_CP_MAX_ATTRS)
		return;
	at->type = type;
	at->len = (uint16_t)len;
	at->value = out->values[out->cp.n];
	if (a)
		memcpy(out->values[out->cp.n], a->bytes, len);
	/* An IPv6 address goes with its prefix length: a host. */
	if (type == IKE_CP_INTERNAL_IP6_ADDRESS && a) {
		out->values[out->cp.n][16] = 128;
		at->len = 17;
	}
	out->cp.n++;
}

static void start_cp(struct cfg_payload *out, uint8_t type)
{
	memset(out, 0, sizeof(*out));
	out->cp.type = type;
	out->cp.attrs = out->attrs;
}

void cfg_request(struct ikesa *sa, struct cfg_payload *out,
		 struct ike_chain *chain)
{
	const struct conn *c = sa->conn;
	struct ike_error err;

	if (!c->vips4 && !c->vips6)
		return;
	start_cp(out, IKE_CFG_REQUEST);
	for (unsigned int i = 0; i < c->vips4; i++)
		add_attr(out, IKE_CP_INTERNAL_IP4_ADDRESS, NULL);
	for (unsigned int i = 0; i < c->vips6; i++)
		add_attr(out, IKE_CP_INTERNAL_IP6_ADDRESS, NULL);
	ike_chain_add(chain, IKE_PL_CP, &out->cp, &err);
}

static unsigned int count_family(const struct ikesa *sa, int family)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < sa->n_vips; i++)
		n += sa->vips[i].family == family;
	return n;
}

static bool have_vip(const struct ikesa *sa, const struct ip_addr *a)
{
	for (unsigned int i = 0; i < sa->n_vips; i++)
		if (ip_addr_equal(&sa->vips[i], a))
			return true;
	return false;
}

void cfg_response(struct ikesa *sa, const struct ike_chain *resp)
{
	const struct ike_payload *pl = ike_chain_find(resp, IKE_PL_CP, NULL);
	const struct conn *c = sa->conn;
	char text[IP_ADDR_STRLEN];
	unsigned int ignored = 0;
	struct ip_addr a;

	if (!pl || (!c->vips4 && !c->vips6))
		return;
	if (pl->cp->type != IKE_CFG_REPLY) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "IKE_AUTH: "
			    "CP of type %u, not CFG_REPLY: ignored",
			    pl->cp->type);
		return;
	}
	for (unsigned int i = 0; i < pl->cp->n; i++) {
		const struct ike_cp_attr *at = &pl->cp->attrs[i];
		int family = addr_attr_family(at->type);
		unsigned int want = family == AF_INET ? c->vips4 : c->vips6;

		if (!family || !at->len)
			continue;
		/* An IPv6 address is followed by its prefix length. */
		ip_addr_from_bytes(&a, at->value,
				   family == AF_INET ? 4 : 16);
		if (count_family(sa, family) >= want || have_vip(sa, &a) ||
		    !cfg_vip_room(sa)) {
			ignored++;
			continue;
		}
		sa->vips[sa->n_vips++] = a;
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "IKE_AUTH: "
			    "inner address %s",
			    ip_addr_str(&a, text, sizeof(text)));
	}
	if (ignored)
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "IKE_AUTH: "
			    "%u inner addresses of the CFG_REPLY ignored: "
			    "more than asked for, or repeated", ignored);
}

/* Lease one address of family for the peer of sa; log why not. */
static bool lease(struct ikesa *sa, int family)
{
	char text[IP_ADDR_STRLEN];
	struct ip_addr a;
	int ret;

	if (!cfg_vip_room(sa))
		return false;
	ret = pool_acquire(sa->pool, family, sa, sa->peer_id,
			   sa->peer_id ? sa->peer_id_len : 0, &a);
	if (ret) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa,
			    "IKE_AUTH: pool %s has no IPv%c address left%s",
			    pool_name(sa->pool), family == AF_INET ? '4' : '6',
			    ret == -ENOMEM ? " (out of memory)" : "");
		return false;
	}
	sa->vips[sa->n_vips++] = a;
	engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "IKE_AUTH: leased %s "
		    "from pool %s", ip_addr_str(&a, text, sizeof(text)),
		    pool_name(sa->pool));
	return true;
}

/* The name servers of family, if the request asks for them. */
static void add_dns(const struct conn *c, struct cfg_payload *out,
		    int family)
{
	uint16_t type = family == AF_INET ? IKE_CP_INTERNAL_IP4_DNS :
					    IKE_CP_INTERNAL_IP6_DNS;

	for (unsigned int i = 0; i < c->n_dns; i++)
		if (c->dns[i].family == family)
			add_attr(out, type, &c->dns[i]);
}

uint16_t cfg_respond(struct ikesa *sa, const struct ike_chain *req,
		     struct cfg_payload *out, struct ike_chain *chain)
{
	const struct ike_payload *pl = ike_chain_find(req, IKE_PL_CP, NULL);
	const struct conn *c = sa->conn;
	unsigned int asked = 0;
	bool dns4 = false, dns6 = false;
	struct ike_error err;

	sa->pool = engine_conn_pool(sa->engine, c);
	if (!pl)
		return 0;
	if (pl->cp->type != IKE_CFG_REQUEST) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "IKE_AUTH: "
			    "CP of type %u, not CFG_REQUEST: ignored",
			    pl->cp->type);
		return 0;
	}
	if (!sa->pool) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "IKE_AUTH: the "
			    "peer asks for a configuration, connection %s has "
			    "no pool: ignored", c->name);
		return 0;
	}
	start_cp(out, IKE_CFG_REPLY);
	for (unsigned int i = 0; i < pl->cp->n; i++) {
		uint16_t type = pl->cp->attrs[i].type;
		int family = addr_attr_family(type);

		dns4 |= type == IKE_CP_INTERNAL_IP4_DNS;
		dns6 |= type == IKE_CP_INTERNAL_IP6_DNS;
		if (!family)
			continue;
		/* A non-empty request names an address: a hint, unused. */
		asked++;
		if (lease(sa, family))
			add_attr(out, type, &sa->vips[sa->n_vips - 1]);
	}
	if (asked && !sa->n_vips) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "IKE_AUTH: "
			    "none of %u inner addresses asked for could be "
			    "leased", asked);
		return IKE_N_INTERNAL_ADDRESS_FAILURE;
	}
	if (dns4)
		add_dns(c, out, AF_INET);
	if (dns6)
		add_dns(c, out, AF_INET6);
	ike_chain_add(chain, IKE_PL_CP, &out->cp, &err);
	return 0;
}

/* Selectors. */

/* A host's selector, or (a NULL) every address of family. */
static void sel_of(struct ike_selector *s, int family,
		   const struct ip_addr *a)
{
	size_t len = family == AF_INET ? 4 : 16;

	memset(s, 0, sizeof(*s));
	s->type = family == AF_INET ? IKE_TS_IPV4_ADDR_RANGE :
				      IKE_TS_IPV6_ADDR_RANGE;
	s->end_port = 65535;
	if (a) {
		memcpy(s->start, a->bytes, len);
		memcpy(s->end, a->bytes, len);
	} else {
		memset(s->end, 0xff, len);
	}
}

unsigned int cfg_local_ts(const struct ikesa *sa, struct ike_selector *out,
			  unsigned int max)
{
	const struct conn *c = sa->conn;
	unsigned int n = 0;

	if (sa->n_vips) {
		for (unsigned int i = 0; i < sa->n_vips && n < max; i++)
			sel_of(&out[n++], sa->vips[i].family, &sa->vips[i]);
		return n;
	}
	if (c->vips4 && n < max)
		sel_of(&out[n++], AF_INET, NULL);
	if (c->vips6 && n < max)
		sel_of(&out[n++], AF_INET6, NULL);
	return n;
}

unsigned int cfg_rank_ts(const struct ikesa *sa, unsigned int k,
			 unsigned int n_ifaces, struct ike_selector *out,
			 unsigned int max)
{
	static const int families[] = { AF_INET, AF_INET6 };
	unsigned int n = 0;

	if (k >= n_ifaces)
		return 0;
	for (unsigned int i = 0; i < 2; i++) {
		const struct ip_addr *a;

		if (!cfg_vip_for_rank(sa, families[i], 0))
			continue;
		/* As many addresses of the family as interfaces, no more. */
		a = cfg_vip_for_rank(sa, families[i], k);
		if (!cfg_vip_for_rank(sa, families[i], n_ifaces - 1) ||
		    cfg_vip_for_rank(sa, families[i], n_ifaces) || n == max)
			return 0;
		sel_of(&out[n++], families[i], a);
	}
	return n;
}

unsigned int cfg_narrow_tsi(const struct ikesa *sa, struct ike_selector *ts,
			    unsigned int n, unsigned int peer_ifaces)
{
	struct ike_selector vips[CONN_MAX_VIPS], copy[CONN_MAX_TS];
	struct ike_ts peer = { .n = n, .sel = copy };
	unsigned int nv = 0;

	if (!sa->pool)
		return n;
	if (!n || n > CONN_MAX_TS || !sa->n_vips)
		return 0;
	nv = cfg_rank_ts(sa, 0, peer_ifaces, vips, CONN_MAX_VIPS);
	if (!nv) {
		for (unsigned int i = 0; i < sa->n_vips; i++)
			sel_of(&vips[i], sa->vips[i].family, &sa->vips[i]);
		nv = sa->n_vips;
	}
	memcpy(copy, ts, n * sizeof(*copy));
	return ts_narrow(&peer, vips, nv, ts, CONN_MAX_TS);
}

void cfg_inherit(struct ikesa *new_sa, struct ikesa *old)
{
	free(new_sa->vips);
	new_sa->n_vips = old->n_vips;
	new_sa->vips = old->vips;
	new_sa->pool = old->pool;
	if (old->pool)
		pool_move(old->pool, old, new_sa);
	old->pool = NULL;
	old->n_vips = 0;
	old->vips = NULL;
}

void cfg_release(struct ikesa *sa)
{
	if (sa->pool)
		pool_release(sa->pool, sa);
	sa->pool = NULL;
	free(sa->vips);
	sa->vips = NULL;
	sa->n_vips = 0;
}

bool cfg_vip_room(struct ikesa *sa)
{
	/* Most IKE SAs have no inner address: room only once one comes. */
	if (!sa->vips)
		sa->vips = calloc(CONN_MAX_VIPS, sizeof(*sa->vips));
	return sa->vips && sa->n_vips < CONN_MAX_VIPS;
}

const struct ip_addr *cfg_vip_for_rank(const struct ikesa *sa, int family,
				       unsigned int k)
{
	for (unsigned int i = 0; i < sa->n_vips; i++)
		if (sa->vips[i].family == family && !k--)
			return &sa->vips[i];
	return NULL;
}
