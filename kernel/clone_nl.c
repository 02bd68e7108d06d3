// SPDX-License-Identifier: GPL-2.0
/*
 * XFRM_MIF_CMD_CLONE's request and reply: FROM addresses and filters, the
 * new addresses, one XFRM_MIF_A_CLONE entry per SA (its copy's SPI and
 * keys), checked here before clone.c touches any SA.
 */
#include <linux/slab.h>
#include <linux/xfrm_mif.h>
#include <net/genetlink.h>

#include "clone.h"

const struct nla_policy mif_clone_ent_policy[XFRM_MIF_CLONE_A_MAX + 1] = {
	[XFRM_MIF_CLONE_A_SPI]		= { .type = NLA_BE32 },
	[XFRM_MIF_CLONE_A_PROTO]	= { .type = NLA_U8 },
	[XFRM_MIF_CLONE_A_DST]		= NLA_POLICY_NESTED(mif_addr_policy),
	[XFRM_MIF_CLONE_A_NEW_SPI]	= { .type = NLA_BE32 },
	[XFRM_MIF_CLONE_A_ENC_KEY]	= { .type = NLA_BINARY,
					    .len = MIF_KEY_MAX },
	[XFRM_MIF_CLONE_A_AUTH_KEY]	= { .type = NLA_BINARY,
					    .len = MIF_KEY_MAX },
	[XFRM_MIF_CLONE_A_ENCAP_PORT]	= { .type = NLA_BE16 },
	[XFRM_MIF_CLONE_A_ENCAP_PEER_PORT] = { .type = NLA_BE16 },
};

/* The ports of attributes port and peer (NULL: not given) into p. */
static void mif_parse_ports(struct mif_ports *p, const struct nlattr *port,
			    const struct nlattr *peer)
{
	if (port) {
		p->port = nla_get_be16(port);
		p->has_port = true;
	}
	if (peer) {
		p->peer_port = nla_get_be16(peer);
		p->has_peer_port = true;
	}
}

static int mif_parse_ent(struct mif_clone *c, const struct nlattr *nla,
			 struct mif_clone_ent *e)
{
	struct netlink_ext_ack *extack = c->extack;
	struct nlattr *tb[XFRM_MIF_CLONE_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, XFRM_MIF_CLONE_A_MAX, nla,
			       mif_clone_ent_policy, extack);
	if (err)
		return err;
	e->nla = nla;
	if (NL_REQ_ATTR_CHECK(extack, nla, tb, XFRM_MIF_CLONE_A_SPI) ||
	    NL_REQ_ATTR_CHECK(extack, nla, tb, XFRM_MIF_CLONE_A_NEW_SPI)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "a clone entry needs the SPI and the new SPI");
		return -EINVAL;
	}
	e->spi = nla_get_be32(tb[XFRM_MIF_CLONE_A_SPI]);
	e->new_spi = nla_get_be32(tb[XFRM_MIF_CLONE_A_NEW_SPI]);
	if (!e->spi || !e->new_spi) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "SPI 0 in a clone entry");
		return -EINVAL;
	}
	e->proto = tb[XFRM_MIF_CLONE_A_PROTO] ?
		   nla_get_u8(tb[XFRM_MIF_CLONE_A_PROTO]) : IPPROTO_ESP;
	if (e->proto != IPPROTO_ESP && e->proto != IPPROTO_AH &&
	    e->proto != IPPROTO_COMP) {
		NL_SET_ERR_MSG_ATTR(extack, tb[XFRM_MIF_CLONE_A_PROTO],
				    "protocol is not ESP, AH or IPcomp");
		return -EINVAL;
	}
	/* IPcomp's header carries 16 bits: a larger CPI is never found */
	if (e->proto == IPPROTO_COMP && be32_to_cpu(e->new_spi) > 0xffff) {
		mif_err(extack, tb[XFRM_MIF_CLONE_A_NEW_SPI],
			be32_to_cpu(e->spi),
			"new IPcomp CPI above 0xffff (a CPI has 16 bits)");
		return -EINVAL;
	}
	if (e->proto == IPPROTO_ESP) {
		e->ports = c->ports;
		mif_parse_ports(&e->ports, tb[XFRM_MIF_CLONE_A_ENCAP_PORT],
				tb[XFRM_MIF_CLONE_A_ENCAP_PEER_PORT]);
	} else if (tb[XFRM_MIF_CLONE_A_ENCAP_PORT] ||
		   tb[XFRM_MIF_CLONE_A_ENCAP_PEER_PORT]) {
		mif_err(extack, tb[XFRM_MIF_CLONE_A_ENCAP_PORT] ?:
				tb[XFRM_MIF_CLONE_A_ENCAP_PEER_PORT],
			be32_to_cpu(e->spi),
			"UDP encapsulation ports for an SA that is not ESP");
		return -EINVAL;
	}
	if (tb[XFRM_MIF_CLONE_A_DST]) {
		err = mif_addr_parse(tb[XFRM_MIF_CLONE_A_DST], &e->dst, extack);
		if (err)
			return err;
		e->has_dst = true;
	}
	e->enc = tb[XFRM_MIF_CLONE_A_ENC_KEY];
	e->auth = tb[XFRM_MIF_CLONE_A_AUTH_KEY];
	return 0;
}

/*
 * The entries: those of every XFRM_MIF_A_CLONES of the request, in order.
 * A nest holds at most 64 KiB, so a clone of more than a few hundred SAs
 * spans several. Genetlink validated each against the policy, which lets
 * only XFRM_MIF_A_CLONE entries in.
 */
static int mif_parse_ents(struct mif_clone *c, const struct genl_info *info)
{
	const struct nlattr *list, *nla;
	unsigned int n = 0;
	int rem, lrem, err;

	nlmsg_for_each_attr(list, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(list) == XFRM_MIF_A_CLONES)
			nla_for_each_nested(nla, list, lrem)
				n++;
	}
	if (!n)
		return 0;
	c->ent = kvcalloc(n, sizeof(*c->ent), GFP_KERNEL_ACCOUNT);
	if (!c->ent)
		return -ENOMEM;
	nlmsg_for_each_attr(list, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(list) != XFRM_MIF_A_CLONES)
			continue;
		nla_for_each_nested(nla, list, lrem) {
			err = mif_parse_ent(c, nla, &c->ent[c->nent]);
			if (err)
				return err;
			c->nent++;
		}
	}
	return 0;
}

static int mif_parse_addr_attr(struct mif_clone *c, struct genl_info *info,
			       int type, struct mif_addr *a, bool *has)
{
	int err;

	if (!info->attrs[type])
		return 0;
	err = mif_addr_parse(info->attrs[type], a, c->extack);
	if (!err)
		*has = true;
	return err;
}

/*
 * FROM, NEW_ADDR, NEW_PEER, NEW_INNER, NEW_PEER_INNER, the ports and the
 * filters, then the entries.
 */
static int mif_clone_parse(struct mif_clone *c, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	struct mif_filter f = { };
	const struct nlattr *nla;
	bool has_to = false;
	unsigned int i;
	int rem, err;

	if (MIF_REQ_ATTR_CHECK(info, XFRM_MIF_A_NEW_ADDR, "missing new address") ||
	    MIF_REQ_ATTR_CHECK(info, XFRM_MIF_A_FROM, "missing source addresses"))
		return -EINVAL;
	err = mif_parse_addr_attr(c, info, XFRM_MIF_A_NEW_ADDR, &c->to, &has_to);
	if (!err)
		err = mif_parse_addr_attr(c, info, XFRM_MIF_A_NEW_PEER,
					  &c->peer, &c->has_peer);
	if (!err)
		err = mif_parse_addr_attr(c, info, XFRM_MIF_A_NEW_INNER,
					  &c->inner, &c->has_inner);
	if (!err)
		err = mif_parse_addr_attr(c, info, XFRM_MIF_A_NEW_PEER_INNER,
					  &c->peer_inner, &c->has_peer_inner);
	if (err)
		return err;
	if (c->has_peer && c->peer.family != c->to.family) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[XFRM_MIF_A_NEW_PEER],
				    "new peer address of another family than the new address");
		return -EAFNOSUPPORT;
	}
	if (c->has_peer && mif_addr_equal(&c->to, &c->peer.a, c->peer.family)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[XFRM_MIF_A_NEW_PEER],
				    "new peer address is the new address");
		return -EINVAL;
	}

	err = mif_narrow_parse(info, &f);
	if (err)
		return err;
	mif_parse_ports(&c->ports, attrs[XFRM_MIF_A_ENCAP_PORT],
			attrs[XFRM_MIF_A_ENCAP_PEER_PORT]);

	/* the policy lets only XFRM_MIF_A_ADDR nests in */
	nla_for_each_nested(nla, attrs[XFRM_MIF_A_FROM], rem) {
		struct mif_filter *fi = &c->f[c->nfrom];

		if (c->nfrom == XFRM_MIF_MAX_FROM) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "too many source addresses");
			return -E2BIG;
		}
		*fi = f;
		err = mif_addr_parse(nla, &fi->addr, extack);
		if (err)
			return err;
		if (fi->addr.family != c->to.family) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "source address of another family than the new address");
			return -EAFNOSUPPORT;
		}
		if (mif_addr_equal(&c->to, &fi->addr.a, fi->addr.family) ||
		    (c->has_peer &&
		     mif_addr_equal(&c->peer, &fi->addr.a, fi->addr.family))) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "source address is the new address or the new peer");
			return -EINVAL;
		}
		for (i = 0; i < c->nfrom; i++) {
			if (mif_addr_equal(&c->f[i].addr, &fi->addr.a,
					   fi->addr.family)) {
				NL_SET_ERR_MSG_ATTR(extack, nla,
						    "source address listed twice");
				return -EINVAL;
			}
		}
		c->nfrom++;
	}
	if (!c->nfrom) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[XFRM_MIF_A_FROM],
				    "no source address given");
		return -EINVAL;
	}
	return mif_parse_ents(c, info);
}

int mif_nl_clone(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	bool dry_run = mif_dry_run(info);
	struct mif_counts counts;
	struct mif_clone *c;
	int err;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	mif_clone_init(c, net, info->extack);
	err = mif_clone_parse(c, info);
	if (!err)
		err = mif_clone(c, dry_run, &counts);
	if (!err) {
		counts.skipped = c->skipped;
		if (!dry_run)
			mif_event(net, XFRM_MIF_CMD_CLONE, &c->to, &counts);
		err = mif_reply_counts(info, XFRM_MIF_CMD_CLONE, &c->to,
				       &counts);
	}
	mif_clone_free(c);
	return err;
}
