// SPDX-License-Identifier: GPL-2.0
/*
 * NAT traversal of IKE SAs and their Child SAs: see nat.h.
 */
#include <string.h>

#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/nat.h"
#include "ike/natd.h"

/* The SPIs of the IKE_SA_INIT message sa sends: SPIr zero in a request. */
static uint64_t our_spi_r(const struct ikesa *sa)
{
	return sa->initiator ? 0 : sa->spi_r;
}

int nat_add_notifies(const struct ikesa *sa, struct ike_chain *chain,
		     struct nat_notifies *n)
{
	struct ip_addr fake = { .family = sa->local.family };
	const struct ip_addr *src = &sa->local;
	uint16_t sport = sa->local_port;
	struct ike_error err;
	int ret;

	if (!sa->initiator && !sa->nat.natd)
		return 0;
	/* encap: a source nobody has, port 0: a NAT the peer will see. */
	if (sa->conn->encap) {
		src = &fake;
		sport = 0;
	}
	ret = ike_natd_hash(sa->spi_i, our_spi_r(sa), src, sport, n->hash[0]);
	if (!ret)
		ret = ike_natd_hash(sa->spi_i, our_spi_r(sa), &sa->remote,
				    sa->remote_port, n->hash[1]);
	if (ret)
		return ret;
	ikesa_notify(&n->n[0], IKE_N_NAT_DETECTION_SOURCE_IP, n->hash[0],
		     IKE_NAT_DETECTION_LEN);
	ikesa_notify(&n->n[1], IKE_N_NAT_DETECTION_DESTINATION_IP, n->hash[1],
		     IKE_NAT_DETECTION_LEN);
	ret = ike_chain_add(chain, IKE_PL_NOTIFY, &n->n[0], &err);
	if (!ret)
		ret = ike_chain_add(chain, IKE_PL_NOTIFY, &n->n[1], &err);
	return ret;
}

void nat_check(struct ikesa *sa, const struct engine_msg *m)
{
	const struct ike_payload *pl = NULL;
	const struct ike_notify *n;
	uint8_t src[IKE_NAT_DETECTION_LEN], dst[IKE_NAT_DETECTION_LEN];
	bool have_src = false, have_dst = false;
	bool src_ok = false, dst_ok = false;
	struct nat_state *s = &sa->nat;

	s->fake = sa->conn->encap;
	/*
	 * The two hashes we expect, once: a message may hold many NAT-D
	 * notifies (one per address of a multihomed sender), each only
	 * compared.
	 */
	if (ike_natd_hash(m->hdr->spi_i, m->hdr->spi_r, m->remote,
			  m->remote_port, src) ||
	    ike_natd_hash(m->hdr->spi_i, m->hdr->spi_r, m->local,
			  m->local_port, dst))
		return;
	while ((pl = ike_chain_find(m->chain, IKE_PL_NOTIFY, pl))) {
		n = pl->notify;
		if (n->type == IKE_N_NAT_DETECTION_SOURCE_IP) {
			have_src = true;
			src_ok |= n->len == sizeof(src) &&
				  !memcmp(n->data, src, sizeof(src));
		} else if (n->type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			have_dst = true;
			dst_ok |= n->len == sizeof(dst) &&
				  !memcmp(n->data, dst, sizeof(dst));
		}
	}
	s->natd = have_src && have_dst;
	if (!s->natd) {
		if (s->fake)
			engine_logf(sa->engine, ENGINE_LOG_WARNING, sa,
				    "encap = yes, but the peer sent no NAT "
				    "detection: ESP is not encapsulated");
		return;
	}
	s->remote = !src_ok;
	s->local = !dst_ok;
	if (s->local && sa->conn->nat_keepalive_ms)
		s->keepalive_at = m->now + sa->conn->nat_keepalive_ms;
	if (s->local || s->remote)
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "NAT detected: "
			    "%s%s%s", s->local ? "we are behind a NAT" : "",
			    s->local && s->remote ? ", and " : "",
			    s->remote ? "the peer is behind a NAT" : "");
	else if (s->fake)
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "no NAT, but "
			    "encap = yes: ESP in UDP");
}

bool nat_encap(const struct ikesa *sa)
{
	const struct nat_state *s = &sa->nat;

	return s->natd && (s->local || s->remote || s->fake);
}

void nat_float(struct ikesa *sa)
{
	if (!nat_encap(sa))
		return;
	if (sa->local_port == NAT_IKE_PORT)
		sa->local_port = NAT_NATT_PORT;
	if (sa->remote_port == NAT_IKE_PORT)
		sa->remote_port = NAT_NATT_PORT;
	engine_logf(sa->engine, ENGINE_LOG_DEBUG, sa, "NAT traversal: IKE "
		    "on UDP ports %u -> %u from IKE_AUTH on", sa->local_port,
		    sa->remote_port);
}

void nat_child(const struct ikesa *sa, struct childsa *c)
{
	c->encap = nat_encap(sa);
}

/* The peer's NAT mapped it elsewhere: move the Child SAs with it. */
static void follow_children(struct ikesa *sa)
{
	struct engine *e = sa->engine;
	char r[IP_ADDR_STRLEN];
	int ret;

	for (struct childsa *c = sa->children; c; c = c->next) {
		if (!c->encap || !c->installed ||
		    (ip_addr_equal(&c->remote, &sa->remote) &&
		     c->remote_port == sa->remote_port))
			continue;
		/*
		 * The outbound SA is keyed by the peer's address: XFRM
		 * cannot move it in place, only change its ports.
		 */
		if (!ip_addr_equal(&c->remote, &sa->remote)) {
			engine_logf(e, ENGINE_LOG_WARNING, sa, "Child SA "
				    "%08x stays on %s: the peer's NAT changed "
				    "its address", c->spi_in,
				    ip_addr_str(&c->remote, r, sizeof(r)));
			continue;
		}
		c->remote_port = sa->remote_port;
		ret = childsa_update_encap(c, e);
		if (ret)
			engine_logf(e, ENGINE_LOG_ERR, sa, "Child SA %08x: "
				    "cannot move its UDP encapsulation to port "
				    "%u: %s", c->spi_in, c->remote_port,
				    strerror(-ret));
	}
}

void nat_follow(struct ikesa *sa, const struct engine_msg *m)
{
	struct engine *e = sa->engine;
	bool established = sa->state == IKESA_ESTABLISHED;
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];

	if (!nat_encap(sa)) {
		/*
		 * A MOBIKE initiator moves to 4500 without a NAT (RFC 4555
		 * §3.1, as charon does): answer there too.
		 */
		if (!sa->initiator && m->local_port == NAT_NATT_PORT &&
		    sa->local_port != NAT_NATT_PORT) {
			sa->local_port = m->local_port;
			sa->remote_port = m->remote_port;
		}
		return;
	}
	/* The initiator moved to 4500 with IKE_AUTH: answer there. */
	if (m->local_port == NAT_NATT_PORT)
		sa->local_port = m->local_port;
	/*
	 * Where the peer is: its 4500 mapping in IKE_AUTH, else only a
	 * peer behind a NAT moves (RFC 7296 §2.23).
	 */
	if ((established && !sa->nat.remote) ||
	    (ip_addr_equal(&sa->remote, m->remote) &&
	     sa->remote_port == m->remote_port))
		return;
	if (established)
		engine_logf(e, ENGINE_LOG_NOTICE, sa, "the peer's NAT mapping "
			    "changed: %s port %u -> %s port %u",
			    ip_addr_str(&sa->remote, a, sizeof(a)),
			    sa->remote_port,
			    ip_addr_str(m->remote, b, sizeof(b)),
			    m->remote_port);
	sa->remote = *m->remote;
	sa->remote_port = m->remote_port;
	if (!sa->initiator) {
		/* Its retransmitted IKE_SA_INIT, were one to come, is gone. */
		sa_table_remove(&e->by_peer, &sa->by_peer);
		engine_hash_peer(e, sa);
	}
	follow_children(sa);
}

const char *nat_name(const struct ikesa *sa)
{
	const struct nat_state *s = &sa->nat;

	if (!s->natd)
		return "off";
	if (s->local && s->remote)
		return "both";
	if (s->local)
		return "local";
	/* A peer with encap = yes looks like one behind a NAT. */
	if (s->remote)
		return "remote";
	return s->fake ? "encap" : "none";
}

uint64_t nat_deadline(const struct ikesa *sa)
{
	/* A rekeyed IKE SA leaves them to its successor. */
	if (!sa->nat.local || !sa->conn->nat_keepalive_ms ||
	    sa->state != IKESA_ESTABLISHED || sa->replaced)
		return 0;
	/* None planned yet (keepalives just turned on by a reload): now. */
	return sa->nat.keepalive_at ? sa->nat.keepalive_at : 1;
}

void nat_tick(struct ikesa *sa, uint64_t now)
{
	static const uint8_t keepalive = 0xff;
	struct engine_send *s = &sa->engine->send;
	uint64_t at = nat_deadline(sa);

	if (!at || now < at)
		return;
	sa->nat.keepalive_at = now + sa->conn->nat_keepalive_ms;
	if (s->fn)
		s->fn(s->ctx, &sa->local, sa->local_port, &sa->remote,
		      sa->remote_port, &keepalive, 1);
}
