/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entering a network namespace by its ip netns name, as ip -n does.
 */
#ifndef MIF_NETNS_H
#define MIF_NETNS_H

/*
 * Into the network namespace ip netns names @name (/run/netns/NAME), or
 * at the path @name if it holds a slash. 0, or -errno (-ENAMETOOLONG for
 * a name too long for a path).
 */
int netns_enter(const char *name);

#endif
