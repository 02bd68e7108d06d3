// SPDX-License-Identifier: GPL-2.0
/*
 * The backend's interface-wide operations through the xfrm_mif module
 * (docs/netlink.md): each is one request, REWRITE, DELETE, CLONE or
 * ALT_SET/ALT_DEL, carrying the scope as the module's filters, and the
 * counts of what was done come from its reply. Events are read from the
 * module's "events" multicast group on a socket of their own.
 *
 * The scope's reqid block goes as XFRM_MIF_A_REQID with
 * XFRM_MIF_A_REQID_MASK; a mask of all ones sends only the reqid (the
 * filter every version of the module knows), a mask of 0 no reqid at all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <linux/xfrm_mif.h>
#include <netlink/genl/genl.h>
#include <stdio.h>
#include <string.h>

#include "backend/module.h"

static int put_scope(struct nl_msg *msg, const struct kernel_scope *s)
{
	if (!s)
		return 0;
	if (s->reqid_mask && nla_put_u32(msg, XFRM_MIF_A_REQID,
					 s->reqid & s->reqid_mask) < 0)
		return -EMSGSIZE;
	if (s->reqid_mask && s->reqid_mask != UINT32_MAX &&
	    nla_put_u32(msg, XFRM_MIF_A_REQID_MASK, s->reqid_mask) < 0)
		return -EMSGSIZE;
	if (s->mark && (nla_put_u32(msg, XFRM_MIF_A_MARK, s->mark) < 0 ||
			nla_put_u32(msg, XFRM_MIF_A_MARK_MASK,
				    s->mark_mask ? s->mark_mask : UINT32_MAX) < 0))
		return -EMSGSIZE;
	if (s->if_id && nla_put_u32(msg, XFRM_MIF_A_IF_ID, s->if_id) < 0)
		return -EMSGSIZE;
	return 0;
}

static int put_port(struct nl_msg *msg, int attr, uint16_t port)
{
	return port && nla_put_u16(msg, attr, htons(port)) < 0 ? -EMSGSIZE : 0;
}

static unsigned int get_u32(struct nlattr **attrs, int type)
{
	return attrs[type] ? nla_get_u32(attrs[type]) : 0;
}

static int on_counts(struct nlattr **attrs, uint8_t cmd, void *arg)
{
	struct kernel_iface_result *r = arg;

	(void)cmd;
	r->states = get_u32(attrs, XFRM_MIF_A_STATES);
	r->policies = get_u32(attrs, XFRM_MIF_A_POLICIES);
	r->skipped = get_u32(attrs, XFRM_MIF_A_SKIPPED);
	return 0;
}

/* Send @msg (or fail with -ENOMEM if building it failed), counts into @r. */
static int request(struct mifnl *nl, struct nl_msg *msg, int built,
		struct kernel_iface_result *r)
{
	struct kernel_iface_result dummy;

	if (!msg || built) {
		nlmsg_free(msg);
		snprintf(nl->err, sizeof(nl->err), "request too large");
		return -ENOMEM;
	}
	memset(r ? r : &dummy, 0, sizeof(dummy));
	return mifnl_request(nl, msg, on_counts, r ? r : &dummy);
}

int module_move(struct mifnl *nl, const struct kernel_move *m,
		const struct kernel_scope *s, struct kernel_iface_result *r)
{
	struct nl_msg *msg = mifnl_msg(nl, XFRM_MIF_CMD_REWRITE, 0);
	int err;

	err = msg ? 0 : -ENOMEM;
	if (msg && (mifnl_put_addr(msg, XFRM_MIF_A_ADDR, &m->old) ||
		    mifnl_put_addr(msg, XFRM_MIF_A_NEW_ADDR, &m->new) ||
		    put_port(msg, XFRM_MIF_A_ENCAP_PORT, m->encap_port) ||
		    put_port(msg, XFRM_MIF_A_ENCAP_PEER_PORT,
			     m->encap_peer_port) ||
		    put_scope(msg, s)))
		err = -EMSGSIZE;
	return request(nl, msg, err, r);
}

int module_delete(struct mifnl *nl, const struct ip_addr *addr,
		  const struct kernel_scope *s, struct kernel_iface_result *r)
{
	struct nl_msg *msg = mifnl_msg(nl, XFRM_MIF_CMD_DELETE, 0);
	int err;

	err = msg ? 0 : -ENOMEM;
	if (msg && (mifnl_put_addr(msg, XFRM_MIF_A_ADDR, addr) ||
		    put_scope(msg, s)))
		err = -EMSGSIZE;
	return request(nl, msg, err, r);
}

static int put_clone_sa(struct nl_msg *msg, const struct kernel_clone_sa *sa)
{
	struct nlattr *nest = nla_nest_start(msg, XFRM_MIF_A_CLONE);

	if (!nest ||
	    nla_put_u32(msg, XFRM_MIF_CLONE_A_SPI, htonl(sa->spi)) < 0 ||
	    nla_put_u32(msg, XFRM_MIF_CLONE_A_NEW_SPI, htonl(sa->new_spi)) < 0)
		return -EMSGSIZE;
	if (sa->dst.family &&
	    mifnl_put_addr(msg, XFRM_MIF_CLONE_A_DST, &sa->dst))
		return -EMSGSIZE;
	if (sa->encr_key_len &&
	    nla_put(msg, XFRM_MIF_CLONE_A_ENC_KEY, (int)sa->encr_key_len,
		    sa->encr_key) < 0)
		return -EMSGSIZE;
	if (sa->integ_key_len &&
	    nla_put(msg, XFRM_MIF_CLONE_A_AUTH_KEY, (int)sa->integ_key_len,
		    sa->integ_key) < 0)
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_addr_list(struct nl_msg *msg, int type,
			 const struct ip_addr *a, unsigned int n)
{
	struct nlattr *nest = nla_nest_start(msg, type);
	unsigned int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++)
		if (mifnl_put_addr(msg, XFRM_MIF_A_ADDR, &a[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_opt_addr(struct nl_msg *msg, int type, const struct ip_addr *a)
{
	return a->family ? mifnl_put_addr(msg, type, a) : 0;
}

/* Room for a clone request: a little for each entry and its keys. */
static size_t clone_size(const struct kernel_clone *c)
{
	size_t size = 1024;

	for (unsigned int i = 0; i < c->n_sas; i++)
		size += 96 + c->sas[i].encr_key_len + c->sas[i].integ_key_len;
	return size;
}

int module_clone(struct mifnl *nl, const struct kernel_clone *c,
		 const struct kernel_scope *s, struct kernel_iface_result *r)
{
	struct nl_msg *msg = mifnl_msg_size(nl, XFRM_MIF_CMD_CLONE,
					    clone_size(c));
	struct mifnl_clones list = { 0 };
	unsigned int i;
	int err;

	err = msg ? 0 : -ENOMEM;
	if (msg && (put_addr_list(msg, XFRM_MIF_A_FROM, c->from, c->n_from) ||
		    mifnl_put_addr(msg, XFRM_MIF_A_NEW_ADDR, &c->new_addr) ||
		    put_opt_addr(msg, XFRM_MIF_A_NEW_PEER, &c->new_peer) ||
		    put_opt_addr(msg, XFRM_MIF_A_NEW_INNER, &c->new_inner) ||
		    put_opt_addr(msg, XFRM_MIF_A_NEW_PEER_INNER,
				 &c->new_peer_inner) ||
		    put_port(msg, XFRM_MIF_A_ENCAP_PORT, c->encap_port) ||
		    put_port(msg, XFRM_MIF_A_ENCAP_PEER_PORT,
			     c->encap_peer_port) ||
		    put_scope(msg, s)))
		err = -EMSGSIZE;
	for (i = 0; !err && i < c->n_sas; i++) {
		err = mifnl_clones_next(msg, &list);
		if (!err)
			err = put_clone_sa(msg, &c->sas[i]);
	}
	if (!err)
		err = mifnl_clones_end(msg, &list);
	/* Keys may be in it: mifnl_request wipes what it sends, we the rest. */
	if (err && msg)
		gnutls_memset(nlmsg_hdr(msg), 0, nlmsg_hdr(msg)->nlmsg_len);
	return request(nl, msg, err, r);
}

int module_set_alts(struct mifnl *nl, const struct ip_addr *addr,
		    const struct ip_addr *alts, unsigned int n,
		    const struct kernel_scope *s)
{
	struct nl_msg *msg = mifnl_msg(nl, n ? XFRM_MIF_CMD_ALT_SET :
				       XFRM_MIF_CMD_ALT_DEL, 0);
	int err = -ENOMEM;

	if (n > XFRM_MIF_MAX_ALTS) {
		nlmsg_free(msg);
		snprintf(nl->err, sizeof(nl->err), "more than %d alternates",
			 XFRM_MIF_MAX_ALTS);
		return -E2BIG;
	}
	err = msg ? 0 : -ENOMEM;
	if (msg && (mifnl_put_addr(msg, XFRM_MIF_A_ADDR, addr) ||
		    put_scope(msg, s) ||
		    (n && put_addr_list(msg, XFRM_MIF_A_ALTS, alts, n))))
		err = -EMSGSIZE;
	err = request(nl, msg, err, NULL);
	/* Removing alternates that were never set is no failure. */
	return !n && err == -ENOENT ? 0 : err;
}

int module_events_open(struct mifnl *nl)
{
	int err = mifnl_open(nl);

	if (!err)
		err = mifnl_join_events(nl);
	if (err)
		mifnl_close(nl);
	return err;
}

struct events {
	kernel_event_fn fn;
	void *arg;
};

/* One module event as a kernel_event; events of other commands are skipped. */
static int on_event(struct nlattr **attrs, uint8_t cmd, void *arg)
{
	struct events *evs = arg;
	struct kernel_event ev = { 0 };

	switch (cmd) {
	case XFRM_MIF_CMD_REWRITE:
		ev.type = KERNEL_EV_MOVED;
		break;
	case XFRM_MIF_CMD_FAILOVER:
		ev.failover = true;
		ev.type = attrs[XFRM_MIF_A_REASON] ? KERNEL_EV_FAILOVER_FAILED :
			  KERNEL_EV_MOVED;
		if (ev.type == KERNEL_EV_MOVED && !attrs[XFRM_MIF_A_NEW_ADDR])
			return 0;
		break;
	case XFRM_MIF_CMD_DELETE:
		ev.type = KERNEL_EV_DELETED;
		break;
	case XFRM_MIF_CMD_CLONE:
		ev.type = KERNEL_EV_CLONED;
		break;
	default:
		return 0;
	}
	if (!attrs[XFRM_MIF_A_ADDR] ||
	    mifnl_get_addr(attrs[XFRM_MIF_A_ADDR], &ev.addr))
		return 0;
	if (attrs[XFRM_MIF_A_NEW_ADDR] &&
	    mifnl_get_addr(attrs[XFRM_MIF_A_NEW_ADDR], &ev.new_addr))
		return 0;
	if (ev.type == KERNEL_EV_CLONED) {
		/* The clone's event names the new address only. */
		ev.new_addr = ev.addr;
		memset(&ev.addr, 0, sizeof(ev.addr));
	}
	ev.states = get_u32(attrs, XFRM_MIF_A_STATES);
	ev.policies = get_u32(attrs, XFRM_MIF_A_POLICIES);
	evs->fn(&ev, evs->arg);
	return 0;
}

int module_events_read(struct mifnl *nl, kernel_event_fn fn, void *arg)
{
	struct events evs = { .fn = fn, .arg = arg };

	return mifnl_read_events(nl, on_event, &evs);
}
