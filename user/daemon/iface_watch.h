/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local interfaces as the kernel has them: links and addresses read
 * from rtnetlink (libnl-route-3's link and address caches under a cache
 * manager, which follows RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and
 * RTNLGRP_IPV6_IFADDR) and fed to the engine's interface table
 * (engine_iface_update and friends), all of them at the start, then each
 * change as it comes. Loopback interfaces, IPv6 link-local addresses
 * and addresses not yet (or never) past duplicate address detection are
 * left out; an interface counts as up when it is administratively up
 * and has carrier.
 */
#ifndef MIF_DAEMON_IFACE_WATCH_H
#define MIF_DAEMON_IFACE_WATCH_H

#include <poll.h>
#include <stdbool.h>

struct engine;
struct nl_cache_mngr;
struct nl_cache;

struct iface_watch {
	struct engine *engine;
	struct nl_cache_mngr *mngr;	/* NULL: not open */
	struct nl_cache *links, *addrs;
	/* Something ignored for lack of room may fit now: feed all. */
	bool resync;
};

/* Read every link and address into e, and follow them. 0 or -errno. */
int iface_watch_open(struct iface_watch *w, struct engine *e);
void iface_watch_close(struct iface_watch *w);
/* The fd to poll for input, -1 if not open. */
int iface_watch_fd(const struct iface_watch *w);
/* Take in what the kernel said (the fd was readable). */
void iface_watch_process(struct iface_watch *w);

#endif
