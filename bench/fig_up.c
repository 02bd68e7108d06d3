// SPDX-License-Identifier: GPL-2.0
/*
 * fig_up: bring up a figure's Child SAs through a daemon's control socket
 * and time until every one is installed in both peers' kernels, for
 * bench/fig.sh.
 *
 *   fig_up mifd SOCKET NS_A NS_B SAS POLICIES SECONDS CONN...
 *   fig_up vici SOCKET NS_A NS_B SAS POLICIES SECONDS IKE/CHILD...
 *
 * The requests go one after the other over one connection to SOCKET:
 *   mifd  {"cmd":"up","conn":CONN} per connection, as `mifctl ike up CONN`
 *         sends it; mifd answers at once and brings up every Child SA of
 *         the connection by itself
 *   vici  charon's "initiate" with ike = IKE, child = CHILD and
 *         timeout = -1, as `swanctl --initiate --ike IKE --child CHILD`
 *         sends it, told not to wait: charon answers at once. A child of
 *         an IKE SA already under way is queued on it (CREATE_CHILD_SA).
 *
 * Then it polls the kernel's SA and outbound policy counts
 * (XFRM_MSG_GETSADINFO, XFRM_MSG_GETSPDINFO, every 5 ms) in the network
 * namespaces NS_A and NS_B (names of ip-netns(8), /run/netns/NAME) until
 * each holds SAS more SAs and POLICIES more outbound policies than before
 * the first request: each side installs a Child SA's outbound policy with
 * its SAs, the initiator once the response is in. SECONDS bounds the
 * wait. Prints one line:
 *
 *   RESULT sent=S seconds=T requests_seconds=R sas=A/B out_policies=P/Q
 *
 * seconds from the first request to the last SA or policy; exit status 0
 * when both kernels reached the counts, 1 otherwise (RESULT still printed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "up.h"

const char *prog = "fig_up";

/* ---- the kernels' counts ---- */

/* An XFRM netlink socket in network namespace name (/run/netns/NAME). */
static int xfrm_socket_in(const char *name, int home)
{
	char path[256];
	int ns, fd;

	if (snprintf(path, sizeof(path), "/run/netns/%s", name) >=
	    (int)sizeof(path))
		die("namespace name too long: %s", name);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		die("no network namespace %s", path);
	if (setns(ns, CLONE_NEWNET) < 0)
		die("setns: %s", strerror(errno));
	close(ns);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
	if (fd < 0)
		die("XFRM netlink socket: %s", strerror(errno));
	if (setns(home, CLONE_NEWNET) < 0)
		die("setns back: %s", strerror(errno));
	return fd;
}


struct side {
	int fd;
	uint32_t sa0, pol0, sas, pols;
};

static void side_poll(struct side *s)
{
	s->sas = xfrm_count(s->fd, XFRM_MSG_GETSADINFO) - s->sa0;
	s->pols = xfrm_count(s->fd, XFRM_MSG_GETSPDINFO) - s->pol0;
}

static unsigned long number(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end)
		die("bad %s", what);
	return v;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int (*up)(int, const char *, char *, size_t);
	unsigned long want_sas, want_pols, sent = 0;
	struct side side[2];
	double limit, t0, t_req, t_end;
	char err[512];
	int fd, home;
	bool done;

	if (argc < 9) {
		fprintf(stderr, "usage: %s mifd|vici SOCKET NS_A NS_B SAS "
			"POLICIES SECONDS NAME...\n", prog);
		return 2;
	}
	if (!strcmp(argv[1], "mifd"))
		up = mifd_up;
	else if (!strcmp(argv[1], "vici"))
		up = vici_up;
	else
		die("unknown daemon \"%s\" (mifd, vici)", argv[1]);
	want_sas = number(argv[5], "SAS");
	want_pols = number(argv[6], "POLICIES");
	limit = (double)number(argv[7], "SECONDS");
	if (strlen(argv[2]) >= sizeof(sun.sun_path))
		die("socket path too long: %s", argv[2]);
	strcpy(sun.sun_path, argv[2]);

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		die("/proc/self/ns/net: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		side[i].fd = xfrm_socket_in(argv[3 + i], home);
		side[i].sa0 = xfrm_count(side[i].fd, XFRM_MSG_GETSADINFO);
		side[i].pol0 = xfrm_count(side[i].fd, XFRM_MSG_GETSPDINFO);
	}
	close(home);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die("cannot connect to %s", argv[2]);

	t0 = now();
	for (int i = 8; i < argc; i++) {
		if (up(fd, argv[i], err, sizeof(err))) {
			fprintf(stderr, "%s: %s: %s\n", prog, argv[i], err);
			continue;
		}
		sent++;
	}
	t_req = now();
	for (;;) {
		struct timespec ts = { 0, 5000000 };

		side_poll(&side[0]);
		side_poll(&side[1]);
		t_end = now();
		done = side[0].sas >= want_sas && side[0].pols >= want_pols &&
		       side[1].sas >= want_sas && side[1].pols >= want_pols;
		if (done || t_end - t0 > limit)
			break;
		nanosleep(&ts, NULL);
	}
	close(fd);
	printf("RESULT sent=%lu seconds=%.3f requests_seconds=%.3f "
	       "sas=%u/%u out_policies=%u/%u\n", sent, t_end - t0,
	       t_req - t0, side[0].sas, side[1].sas, side[0].pols,
	       side[1].pols);
	return done ? 0 : 1;
}
