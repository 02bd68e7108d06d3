// SPDX-License-Identifier: GPL-2.0
/*
 * A new inner address in MIF_ADD_INTERFACE (cfg_add.h): the CP payloads
 * of the add, and the traffic selectors of its derived Child SAs.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/cfg_add.h"
#include "engine/exchange.h"

static unsigned int fam_bit(int family)
{
	return family == AF_INET ? CFG_ADD_IPV4 :
	       family == AF_INET6 ? CFG_ADD_IPV6 : 0;
}

static int attr_family(uint16_t type)
{
	return type == IKE_CP_INTERNAL_IP4_ADDRESS ? AF_INET :
	       type == IKE_CP_INTERNAL_IP6_ADDRESS ? AF_INET6 : 0;
}

static unsigned int n_fams(unsigned int fams)
{
	return !!(fams & CFG_ADD_IPV4) + !!(fams & CFG_ADD_IPV6);
}

int cfg_add_families(const struct ikesa *sa, unsigned int *fams)
{
	/* The IKE SA's inner addresses are its initiator's. */
	*fams = !sa->initiator ? 0 :
		(sa->conn->vips4 ? CFG_ADD_IPV4 : 0) |
		(sa->conn->vips6 ? CFG_ADD_IPV6 : 0);
	if (*fams && sa->n_vips + n_fams(*fams) > CONN_MAX_VIPS)
		return -ENOSPC;
	return 0;
}

/* One attribute: empty (a NULL), or the address a. */
static void put(struct cfg_payload *out, int family, const struct ip_addr *a)
{
	struct ike_cp_attr *at = &out->attrs[out->cp.n];

	at->type = family == AF_INET ? IKE_CP_INTERNAL_IP4_ADDRESS :
				       IKE_CP_INTERNAL_IP6_ADDRESS;
	at->value = out->values[out->cp.n];
	at->len = 0;
	if (a) {
		memcpy(out->values[out->cp.n], a->bytes, ip_addr_len(a));
		at->len = (uint16_t)ip_addr_len(a);
		/* An IPv6 address goes with its prefix length: a host. */
		if (family == AF_INET6)
			out->values[out->cp.n][at->len++] = 128;
	}
	out->cp.n++;
}

static void start(struct cfg_payload *out, uint8_t type)
{
	memset(out, 0, sizeof(*out));
	out->cp.type = type;
	out->cp.attrs = out->attrs;
}

void cfg_add_request(struct cfg_payload *out, unsigned int fams,
		     struct ike_chain *chain)
{
	struct ike_error err;

	start(out, IKE_CFG_REQUEST);
	if (fams & CFG_ADD_IPV4)
		put(out, AF_INET, NULL);
	if (fams & CFG_ADD_IPV6)
		put(out, AF_INET6, NULL);
	ike_chain_add(chain, IKE_PL_CP, &out->cp, &err);
}

unsigned int cfg_add_asked(struct ikesa *sa, const struct ike_chain *req)
{
	const struct ike_payload *pl = ike_chain_find(req, IKE_PL_CP, NULL);
	unsigned int fams = 0;

	if (!pl)
		return 0;
	if (pl->cp->type != IKE_CFG_REQUEST) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "MIF_ADD_"
			    "INTERFACE: CP of type %u, not CFG_REQUEST: "
			    "ignored", pl->cp->type);
		return 0;
	}
	/* A repeated family asks for one address all the same. */
	for (unsigned int i = 0; i < pl->cp->n; i++)
		fams |= fam_bit(attr_family(pl->cp->attrs[i].type));
	return fams;
}

void cfg_add_respond(struct ikesa *sa, unsigned int fams,
		     struct cfg_add_vips *got, struct cfg_payload *out)
{
	static const int families[] = { AF_INET, AF_INET6 };
	char text[IP_ADDR_STRLEN];

	memset(got, 0, sizeof(*got));
	if (!fams)
		return;
	if (!sa->pool) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "MIF_ADD_"
			    "INTERFACE: the peer asks for an inner address, "
			    "connection %s has no pool: answered without",
			    sa->conn->name);
		return;
	}
	start(out, IKE_CFG_REPLY);
	for (unsigned int i = 0; i < 2; i++) {
		struct ip_addr *a = &got->a[got->n];
		int ret = -ENOSPC;

		if (!(fams & fam_bit(families[i])))
			continue;
		if (cfg_vip_room(sa))
			ret = pool_acquire(sa->pool, families[i], sa,
					   sa->peer_id, sa->peer_id ?
					   sa->peer_id_len : 0, a);
		if (ret) {
			engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "MIF_"
				    "ADD_INTERFACE: pool %s has no IPv%c "
				    "address left%s: answered without",
				    pool_name(sa->pool),
				    families[i] == AF_INET ? '4' : '6',
				    sa->n_vips < CONN_MAX_VIPS ? "" :
				    " (or the IKE SA has its most)");
			continue;
		}
		sa->vips[sa->n_vips++] = *a;
		put(out, families[i], a);
		got->n++;
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "MIF_ADD_"
			    "INTERFACE: leased %s from pool %s",
			    ip_addr_str(a, text, sizeof(text)),
			    pool_name(sa->pool));
	}
}

/* Drop a from sa->vips. */
static void forget(struct ikesa *sa, const struct ip_addr *a)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < sa->n_vips; i++)
		if (!ip_addr_equal(&sa->vips[i], a))
			sa->vips[n++] = sa->vips[i];
	sa->n_vips = n;
}

void cfg_add_unlease(struct ikesa *sa, const struct cfg_add_vips *got)
{
	for (unsigned int i = 0; i < got->n; i++) {
		forget(sa, &got->a[i]);
		if (sa->pool)
			pool_release_addr(sa->pool, sa, &got->a[i]);
	}
}

static bool have(const struct ikesa *sa, const struct ip_addr *a)
{
	for (unsigned int i = 0; i < sa->n_vips; i++)
		if (ip_addr_equal(&sa->vips[i], a))
			return true;
	return false;
}

void cfg_add_response(struct ikesa *sa, unsigned int fams,
		      const struct ike_chain *resp, struct cfg_add_vips *got)
{
	const struct ike_payload *pl = ike_chain_find(resp, IKE_PL_CP, NULL);
	unsigned int taken = 0, ignored = 0;
	char text[IP_ADDR_STRLEN];

	memset(got, 0, sizeof(*got));
	if (!pl || pl->cp->type != IKE_CFG_REPLY) {
		engine_logf(sa->engine, ENGINE_LOG_NOTICE, sa, "add interface:"
			    " the peer gave no new inner address (%s): the "
			    "derived Child SAs keep their sources' selectors",
			    pl ? "a CP not CFG_REPLY" : "no CP in the answer");
		return;
	}
	for (unsigned int i = 0; i < pl->cp->n; i++) {
		const struct ike_cp_attr *at = &pl->cp->attrs[i];
		int family = attr_family(at->type);
		struct ip_addr *a = &got->a[got->n];

		if (!family)
			continue;
		if (!at->len || !(fams & fam_bit(family)) ||
		    (taken & fam_bit(family))) {
			ignored++;
			continue;
		}
		ip_addr_from_bytes(a, at->value, family == AF_INET ? 4 : 16);
		if (have(sa, a)) {
			ignored++;
			continue;
		}
		taken |= fam_bit(family);
		got->n++;
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "add interface: "
			    "new inner address %s",
			    ip_addr_str(a, text, sizeof(text)));
	}
	if (ignored)
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "add interface:"
			    " %u attributes of the CFG_REPLY ignored: empty, "
			    "not asked for, repeated or held already",
			    ignored);
}

void cfg_add_keep(struct ikesa *sa, const struct cfg_add_vips *got)
{
	for (unsigned int i = 0; i < got->n && cfg_vip_room(sa); i++)
		sa->vips[sa->n_vips++] = got->a[i];
}

static int sel_family(const struct ike_selector *s)
{
	return s->type == IKE_TS_IPV4_ADDR_RANGE ? AF_INET :
	       s->type == IKE_TS_IPV6_ADDR_RANGE ? AF_INET6 : 0;
}

/* Whether s is one inner address of sa of a family of fams, alone. */
static bool inner_host(const struct ikesa *sa, unsigned int fams,
		       const struct ike_selector *s)
{
	int family = sel_family(s);
	size_t len = family == AF_INET ? 4 : 16;

	if (!(fams & fam_bit(family)) || memcmp(s->start, s->end, len))
		return false;
	for (unsigned int i = 0; i < sa->n_vips; i++)
		if (sa->vips[i].family == family &&
		    !memcmp(sa->vips[i].bytes, s->start, len))
			return true;
	return false;
}

bool cfg_add_same_ts(const struct ikesa *sa, unsigned int fams,
		     const struct ike_selector *a, unsigned int na,
		     const struct ike_selector *b, unsigned int nb)
{
	if (na != nb)
		return false;
	for (unsigned int i = 0; i < na; i++) {
		if (inner_host(sa, fams, &a[i]) &&
		    inner_host(sa, fams, &b[i])) {
			if (a[i].type != b[i].type ||
			    a[i].ip_proto != b[i].ip_proto ||
			    a[i].start_port != b[i].start_port ||
			    a[i].end_port != b[i].end_port)
				return false;
		} else if (memcmp(&a[i], &b[i], sizeof(a[i]))) {
			return false;
		}
	}
	return true;
}

void cfg_add_substitute(const struct ikesa *sa,
			const struct cfg_add_vips *got,
			struct ike_selector *ts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int k = 0; k < got->n; k++) {
			const struct ip_addr *a = &got->a[k];
			size_t len = ip_addr_len(a);

			if (sel_family(&ts[i]) != a->family ||
			    !inner_host(sa, fam_bit(a->family), &ts[i]))
				continue;
			memcpy(ts[i].start, a->bytes, len);
			memcpy(ts[i].end, a->bytes, len);
			break;
		}
}
