// SPDX-License-Identifier: GPL-2.0
/*
 * parallel_prog: does a long operation of the module in one network
 * namespace hold up the module, or generic netlink, in another one? And do
 * two operations in one namespace still run one after the other?
 *
 *   parallel_prog NS_A NS_B OLD NEW N MIN
 *
 * In NS_A, N SAs and at least one policy are bound to OLD. One thread
 * rewrites OLD to NEW there. The first policy XFRM announces moved shows
 * that the rewrite is running: it has copied every SA and moves policies;
 * the N old SAs are still to be deleted and announced. From then on:
 *
 *  - another thread asks NS_A to count what is bound to NEW (a dry-run
 *    DELETE), which must wait for the rewrite and count all N SAs;
 *  - the main thread sends requests in NS_B, one after the other, until
 *    the rewrite has returned: the module's GET_INFO, a dry-run DELETE
 *    (which takes NS_B's lock) and nlctrl's GETFAMILY, counting those that
 *    completed while the rewrite ran.
 *
 * Prints the counts. Exits 0 if at least MIN requests in NS_B completed
 * while the rewrite ran and the count in NS_A saw all N SAs at NEW, 1
 * otherwise, 2 on a bad command line or set-up.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/xfrm.h>
#include <linux/xfrm_mif.h>
#include <netlink/genl/ctrl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mifnl.h"
#include "netns.h"

static struct ip_addr old_addr, new_addr;
static atomic_int rewrite_done;

struct op {
	struct mifnl nl;
	int err;
	uint32_t states;
};

static int on_counts(struct nlattr **attrs, uint8_t cmd, void *arg)
{
	struct op *op = arg;

	if (attrs[XFRM_MIF_A_STATES])
		op->states = nla_get_u32(attrs[XFRM_MIF_A_STATES]);
	return 0;
}

/* REWRITE from to, or with dry_run a DELETE of from that only counts. */
static int request(struct op *op, const struct ip_addr *from,
		   const struct ip_addr *to, int dry_run)
{
	struct nl_msg *msg;

	msg = mifnl_msg(&op->nl, to ? XFRM_MIF_CMD_REWRITE :
			XFRM_MIF_CMD_DELETE, 0);
	if (!msg || mifnl_put_addr(msg, XFRM_MIF_A_ADDR, from) ||
	    (to && mifnl_put_addr(msg, XFRM_MIF_A_NEW_ADDR, to)) ||
	    (dry_run && nla_put_u32(msg, XFRM_MIF_A_FLAGS,
				    XFRM_MIF_OPF_DRY_RUN) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	op->states = 0;
	return mifnl_request(&op->nl, msg, on_counts, op);
}

static void *rewrite_thread(void *arg)
{
	struct op *op = arg;

	op->err = request(op, &old_addr, &new_addr, 0);
	atomic_store(&rewrite_done, 1);
	return NULL;
}

static void *probe_thread(void *arg)
{
	struct op *op = arg;

	op->err = request(op, &new_addr, NULL, 1);
	return NULL;
}

/* XFRM's policy announcements in the current namespace. */
static struct nl_sock *xfrm_monitor(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk)
		return NULL;
	if (nl_connect(sk, NETLINK_XFRM) < 0 ||
	    nl_socket_add_memberships(sk, XFRMNLGRP_POLICY, XFRMNLGRP_SA, 0) < 0) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

/* One request of the three kinds in NS_B, by turn. 0 if it succeeded. */
static int other_request(struct op *b, unsigned long i)
{
	static const struct ip_addr none = { .family = AF_INET,
					     .bytes = { 10, 255, 255, 1 } };
	struct nl_msg *msg;

	switch (i % 3) {
	case 0:
		msg = mifnl_msg(&b->nl, XFRM_MIF_CMD_GET_INFO, 0);
		return msg ? mifnl_request(&b->nl, msg, NULL, NULL) : -ENOMEM;
	case 1:
		return request(b, &none, NULL, 1);
	default:
		return genl_ctrl_resolve(b->nl.sk, XFRM_MIF_GENL_NAME) < 0 ?
		       -EIO : 0;
	}
}

int main(int argc, char **argv)
{
	struct op rw = { 0 }, probe = { 0 }, b = { 0 };
	unsigned long during = 0, after = 0, i;
	pthread_t t_rw, t_probe;
	struct nl_sock *mon;
	struct pollfd pfd;
	long n, min;
	int err;

	if (argc != 7 || ip_addr_parse(argv[3], &old_addr) ||
	    ip_addr_parse(argv[4], &new_addr)) {
		fprintf(stderr, "usage: parallel_prog NS_A NS_B OLD NEW N MIN\n");
		return 2;
	}
	n = strtol(argv[5], NULL, 0);
	min = strtol(argv[6], NULL, 0);

	/* Sockets belong to the namespace they were made in. */
	if (netns_enter(argv[1]) || mifnl_open(&rw.nl) ||
	    mifnl_open(&probe.nl) || !(mon = xfrm_monitor()) ||
	    netns_enter(argv[2]) || mifnl_open(&b.nl)) {
		fprintf(stderr, "parallel_prog: set-up failed\n");
		return 2;
	}

	if (pthread_create(&t_rw, NULL, rewrite_thread, &rw))
		return 2;
	pfd.fd = nl_socket_get_fd(mon);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 120 * 1000) != 1) {
		fprintf(stderr, "parallel_prog: XFRM announced no policy\n");
		return 1;
	}
	if (pthread_create(&t_probe, NULL, probe_thread, &probe))
		return 2;

	for (i = 0; !atomic_load(&rewrite_done); i++) {
		err = other_request(&b, i);
		if (err) {
			fprintf(stderr, "parallel_prog: request %lu in %s: %s\n",
				i, argv[2], strerror(-err));
			return 1;
		}
		if (!atomic_load(&rewrite_done))
			during++;
		else
			after++;
	}
	pthread_join(t_rw, NULL);
	pthread_join(t_probe, NULL);

	printf("rewrite in %s: %s, %u SAs\n", argv[1],
	       rw.err ? strerror(-rw.err) : "ok", rw.states);
	printf("requests in %s: %lu completed while it ran, %lu after\n",
	       argv[2], during, after);
	printf("count in %s during the rewrite: %s, %u SAs at %s\n", argv[1],
	       probe.err ? strerror(-probe.err) : "ok", probe.states, argv[4]);
	nl_socket_free(mon);
	mifnl_close(&rw.nl);
	mifnl_close(&probe.nl);
	mifnl_close(&b.nl);
	return !rw.err && rw.states == n && !probe.err && probe.states == n &&
	       during >= (unsigned long)min ? 0 : 1;
}
