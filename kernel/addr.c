// SPDX-License-Identifier: GPL-2.0
/*
 * Outer addresses as netlink attributes: a nest holding exactly one of
 * XFRM_MIF_ADDR_A_INET (4 bytes) or XFRM_MIF_ADDR_A_INET6 (16 bytes).
 */
#include <kunit/visibility.h>
#include <linux/in6.h>
#include <linux/xfrm_mif.h>
#include <net/netlink.h>

#include "mif.h"

const struct nla_policy mif_addr_policy[XFRM_MIF_ADDR_A_MAX + 1] = {
	[XFRM_MIF_ADDR_A_INET]	= NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[XFRM_MIF_ADDR_A_INET6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

/*
 * The address in nest nla. A request's policy has validated the nest
 * already (NLA_POLICY_NESTED(mif_addr_policy)); parsing checks it again,
 * for callers that hold a nest no policy has seen. The unspecified address
 * (0.0.0.0, ::) is refused: it is no outer address, and a rewrite, clone or
 * alternate to it would leave tunnel templates and SAs without an endpoint.
 */
int mif_addr_parse(const struct nlattr *nla, struct mif_addr *addr,
		   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[XFRM_MIF_ADDR_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, XFRM_MIF_ADDR_A_MAX, nla, mif_addr_policy,
			       extack);
	if (err)
		return err;

	memset(addr, 0, sizeof(*addr));
	if (tb[XFRM_MIF_ADDR_A_INET] && tb[XFRM_MIF_ADDR_A_INET6]) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "address has both an IPv4 and an IPv6 value");
		return -EINVAL;
	}
	if (tb[XFRM_MIF_ADDR_A_INET]) {
		addr->family = AF_INET;
		addr->a.a4 = nla_get_in_addr(tb[XFRM_MIF_ADDR_A_INET]);
	} else if (tb[XFRM_MIF_ADDR_A_INET6]) {
		addr->family = AF_INET6;
		addr->a.in6 = nla_get_in6_addr(tb[XFRM_MIF_ADDR_A_INET6]);
	} else {
		NL_SET_ERR_MSG_ATTR(extack, nla, "address has no value");
		return -EINVAL;
	}
	if (xfrm_addr_any(&addr->a, addr->family)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "unspecified address (0.0.0.0 or ::)");
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mif_addr_parse);

int mif_addr_put(struct sk_buff *skb, int attrtype,
		 const struct mif_addr *addr)
{
	struct nlattr *nest;
	int err;

	nest = nla_nest_start(skb, attrtype);
	if (!nest)
		return -EMSGSIZE;
	if (addr->family == AF_INET)
		err = nla_put_in_addr(skb, XFRM_MIF_ADDR_A_INET, addr->a.a4);
	else
		err = nla_put_in6_addr(skb, XFRM_MIF_ADDR_A_INET6,
				       &addr->a.in6);
	if (err) {
		nla_nest_cancel(skb, nest);
		return err;
	}
	nla_nest_end(skb, nest);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mif_addr_put);

bool mif_addr_equal(const struct mif_addr *x, const xfrm_address_t *a,
		    unsigned short family)
{
	return x->family == family && xfrm_addr_equal(&x->a, a, family);
}
EXPORT_SYMBOL_IF_KUNIT(mif_addr_equal);
