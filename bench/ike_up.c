// SPDX-License-Identifier: GPL-2.0
/*
 * ike_up: initiate N IKE SAs through a daemon's control socket and time
 * until every one has its first Child SA in the kernel, for bench/ike.sh.
 *
 *   ike_up mifd SOCKET PREFIX FIRST N [SECONDS [WINDOW [CHILDREN]]]
 *   ike_up vici SOCKET PREFIX FIRST N [SECONDS [WINDOW [CHILDREN]]]
 *
 * Connections PREFIX<FIRST> .. PREFIX<FIRST+N-1> are initiated one request
 * after the other over one connection to SOCKET:
 *   mifd  mifd's JSON control socket: {"cmd":"up","conn":NAME} per line
 *         (what `mifctl ike up NAME` sends; mifd answers at once)
 *   vici  charon's vici socket: an "initiate" request with child = ike =
 *         NAME and timeout = -1 (what `swanctl --initiate` sends, told not
 *         to wait: charon answers at once)
 * One client process, one socket, one request in flight for both daemons:
 * neither pays a command-line client's start-up per SA.
 *
 * WINDOW (default 0: none) bounds the set-ups in flight: a request is sent
 * only while fewer than WINDOW of those already sent lack their outbound
 * policy, so that the queues in front of both daemons stay as deep at
 * N = 10,000 as at N = WINDOW instead of growing with N (with every request
 * at once, the last ones wait for thousands ahead of them and time out).
 *
 * Then, from the network namespace it runs in (the initiator's), it polls the
 * kernel's SA and policy counts (XFRM_MSG_GETSADINFO, XFRM_MSG_GETSPDINFO,
 * every 5 ms) until N more outbound policies and 2N more SAs than before the
 * first request exist: an initiator installs the Child SA's outbound policy
 * only once IKE_AUTH is answered, so that is when the last IKE SA is up on
 * both sides. SECONDS (default 600) bounds the wait. With CHILDREN
 * (default 1; bench/load.sh), each connection brings up that many Child
 * SAs: a set-up is done, for WINDOW and for the end, when all of them
 * are (CHILDREN outbound policies and 2 * CHILDREN SAs each). Prints one
 * line:
 *
 *   RESULT n=N sent=S seconds=T requests_seconds=R sas=A out_policies=P
 *
 * seconds from the first request to the last policy; exit status 0 when all
 * N came up, 1 otherwise (RESULT still printed, with what was there).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "up.h"

const char *prog = "ike_up";

static int xfrm_fd = -1;

static uint32_t sad_count(void)
{
	return xfrm_count(xfrm_fd, XFRM_MSG_GETSADINFO);
}

static uint32_t spd_out_count(void)
{
	return xfrm_count(xfrm_fd, XFRM_MSG_GETSPDINFO);
}

/* Set-ups sent and not yet up: requests without their outbound policies. */
static unsigned long in_flight(unsigned long sent, uint32_t pol0,
			       unsigned long per)
{
	uint32_t up = (spd_out_count() - pol0) / per;

	return sent > up ? sent - up : 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int (*up)(int, const char *, char *, size_t);
	unsigned long first, n, sent = 0, window = 0, per = 1;
	double limit = 600, t0, t_req, t_end;
	uint32_t sa0, pol0, sas, pols;
	char name[264], err[512];
	int fd;

	if (argc < 6 || argc > 9) {
		fprintf(stderr, "usage: %s mifd|vici SOCKET PREFIX FIRST N "
			"[SECONDS [WINDOW [CHILDREN]]]\n", prog);
		return 2;
	}
	if (!strcmp(argv[1], "mifd"))
		up = mifd_up;
	else if (!strcmp(argv[1], "vici"))
		up = vici_up;
	else
		die("unknown daemon \"%s\" (mifd, vici)", argv[1]);
	first = strtoul(argv[4], NULL, 10);
	n = strtoul(argv[5], NULL, 10);
	if (argc >= 7)
		limit = strtod(argv[6], NULL);
	if (argc >= 8)
		window = strtoul(argv[7], NULL, 10);
	if (argc == 9)
		per = strtoul(argv[8], NULL, 10);
	if (!per || per > 100000)
		die("CHILDREN must be 1..100000: %s", argv[8]);
	if (strlen(argv[2]) >= sizeof(sun.sun_path))
		die("socket path too long: %s", argv[2]);
	strcpy(sun.sun_path, argv[2]);

	xfrm_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
	if (xfrm_fd < 0)
		die("XFRM netlink socket: %s", strerror(errno));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die("cannot connect to %s", argv[2]);

	sa0 = sad_count();
	pol0 = spd_out_count();
	t0 = now();
	for (unsigned long i = first; i < first + n; i++) {
		while (window && in_flight(sent, pol0, per) >= window &&
		       now() - t0 <= limit) {
			struct timespec ts = { 0, 2000000 };

			nanosleep(&ts, NULL);
		}
		/* vici names IKE/CHILD: both are the connection's name. */
		if (!strcmp(argv[1], "vici"))
			snprintf(name, sizeof(name), "%s%lu/%s%lu", argv[3], i,
				 argv[3], i);
		else
			snprintf(name, sizeof(name), "%s%lu", argv[3], i);
		if (up(fd, name, err, sizeof(err))) {
			fprintf(stderr, "%s: %s: %s\n", prog, name, err);
			continue;
		}
		sent++;
	}
	t_req = now();
	for (;;) {
		struct timespec ts = { 0, 5000000 };

		sas = sad_count() - sa0;
		pols = spd_out_count() - pol0;
		t_end = now();
		if ((pols >= n * per && sas >= 2 * n * per) ||
		    t_end - t0 > limit)
			break;
		nanosleep(&ts, NULL);
	}
	close(fd);
	printf("RESULT n=%lu sent=%lu seconds=%.3f requests_seconds=%.3f "
	       "sas=%u out_policies=%u\n", n, sent, t_end - t0, t_req - t0,
	       sas, pols);
	return pols >= n * per && sas >= 2 * n * per ? 0 : 1;
}
