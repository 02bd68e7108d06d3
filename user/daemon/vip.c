// SPDX-License-Identifier: GPL-2.0
/*
 * Inner addresses on a device, through rtnetlink (libnl-route-3), one
 * short-lived socket per IKE SA that comes or goes with some.
 */
#include <errno.h>
#include <net/if.h>
#include <sys/socket.h>

#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include "daemon/log.h"
#include "daemon/vip.h"
#include "engine/engine.h"

static const char *device(const struct engine_ike_view *v)
{
	return v->conn->vip_device[0] ? v->conn->vip_device : "lo";
}

/* Add or delete one host address a on ifindex. 0 or a libnl error. */
static int change(struct nl_sock *sk, int ifindex, const struct ip_addr *a,
		  bool add)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local;
	int ret;

	local = nl_addr_build(a->family, a->bytes, ip_addr_len(a));
	if (!ra || !local) {
		ret = -NLE_NOMEM;
		goto out;
	}
	nl_addr_set_prefixlen(local, (int)ip_addr_len(a) * 8);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, a->family);
	ret = rtnl_addr_set_local(ra, local);
	if (!ret)
		ret = add ? rtnl_addr_add(sk, ra, NLM_F_REPLACE) :
			    rtnl_addr_delete(sk, ra, 0);
out:
	nl_addr_put(local);
	rtnl_addr_put(ra);
	return ret;
}

static void apply(const struct engine_ike_view *v, const struct ip_addr *vips,
		  unsigned int n_vips, bool add)
{
	const char *dev = device(v);
	char text[IP_ADDR_STRLEN];
	struct nl_sock *sk;
	int ifindex, ret;

	ifindex = (int)if_nametoindex(dev);
	if (!ifindex) {
		mlog(LOG_ERR, "conn %s: inner addresses: no device %s "
		     "(vip_device)", v->conn->name, dev);
		return;
	}
	sk = nl_socket_alloc();
	ret = sk ? nl_connect(sk, NETLINK_ROUTE) : -NLE_NOMEM;
	if (ret) {
		mlog(LOG_ERR, "conn %s: inner addresses: rtnetlink: %s",
		     v->conn->name, nl_geterror(ret));
		nl_socket_free(sk);
		return;
	}
	for (unsigned int i = 0; i < n_vips; i++) {
		ip_addr_str(&vips[i], text, sizeof(text));
		ret = change(sk, ifindex, &vips[i], add);
		if (ret && !(!add && ret == -NLE_NOADDR))
			mlog(LOG_ERR, "conn %s: inner address %s not %s %s: "
			     "%s", v->conn->name, text,
			     add ? "added to" : "removed from", dev,
			     nl_geterror(ret));
		else
			mlog(LOG_INFO, "conn %s: inner address %s %s %s",
			     v->conn->name, text, add ? "on" : "off", dev);
	}
	nl_socket_free(sk);
}

void vip_event(const struct engine_event *ev)
{
	struct engine_ike_view v;

	if (!ev->sa)
		return;
	engine_ike_view(ev->sa, &v);
	if (!v.initiator || !v.n_vips)
		return;
	if (ev->type == ENGINE_EV_IKE_UP && !ev->old_sa)
		apply(&v, v.vips, v.n_vips, true);
	else if (ev->type == ENGINE_EV_VIP_ADDED && ev->vip)
		apply(&v, ev->vip, 1, true);
	else if (ev->type == ENGINE_EV_IKE_DOWN)
		apply(&v, v.vips, v.n_vips, false);
}
