// SPDX-License-Identifier: GPL-2.0
/*
 * add_up: send one request line to mifd's control socket and time until
 * both peers' kernels hold the SAs it brings, for bench/add.sh.
 *
 *   add_up SOCKET NS_A NS_B SAS SECONDS REQUEST
 *
 * REQUEST is a JSON object on one line, as mifctl sends it, e.g. the
 * `mifctl ike iface add 10.88.1.1 peer 10.88.1.2 conn a` of the benchmark:
 *   {"cmd":"iface","op":"add","args":["10.88.1.1","peer","10.88.1.2",
 *    "conn","a"]}
 * Sending it over a connection opened before the clock starts leaves out
 * what starting mifctl costs (0.2 to 0.45 s under emulation), as fig_up
 * does for "up".
 *
 * Then it polls the SA counts (XFRM_MSG_GETSADINFO, every 5 ms) in the
 * network namespaces NS_A and NS_B (/run/netns/NAME) until each holds SAS
 * more SAs than before the request; SECONDS bounds the wait. Prints the
 * daemon's reply on standard error and one line:
 *
 *   RESULT seconds=T reply_seconds=R sas=A/B
 *
 * seconds from the request to the last SA, in whichever kernel; exit
 * status 0 when both kernels reached the count and the reply was no error
 * and said the exchange started on one IKE SA ("started":1), 1 otherwise
 * (RESULT still printed).
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

const char *prog = "add_up";

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

/* Send line and a newline; read the reply line into rep. */
static void request(int fd, const char *line, char *rep, size_t replen)
{
	size_t len = strlen(line), n = 0;
	const char *p = line;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write to the control socket: %s", strerror(errno));
		p += w;
		len -= (size_t)w;
	}
	if (write(fd, "\n", 1) != 1)
		die("write to the control socket: %s", strerror(errno));
	for (;;) {
		ssize_t r;

		if (n == replen - 1)
			die("%s", "reply line too long");
		r = read(fd, rep + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read from the control socket: %s",
			    strerror(errno));
		if (r == 0)
			die("%s", "the control socket closed");
		if (rep[n] == '\n')
			break;
		n++;
	}
	rep[n] = '\0';
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
	unsigned long want;
	uint32_t sa0[2], sas[2] = { 0, 0 };
	double limit, t0, t_rep, t_end;
	char rep[65536];
	int fd[2], ctl, home;
	bool done, ok;

	if (argc != 7) {
		fprintf(stderr, "usage: %s SOCKET NS_A NS_B SAS SECONDS "
			"REQUEST\n", prog);
		return 2;
	}
	want = number(argv[4], "SAS");
	limit = (double)number(argv[5], "SECONDS");
	if (strlen(argv[1]) >= sizeof(sun.sun_path))
		die("socket path too long: %s", argv[1]);
	strcpy(sun.sun_path, argv[1]);

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		die("/proc/self/ns/net: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		fd[i] = xfrm_socket_in(argv[2 + i], home);
		sa0[i] = xfrm_count(fd[i], XFRM_MSG_GETSADINFO);
	}
	close(home);
	ctl = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl < 0 || connect(ctl, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die("cannot connect to %s", argv[1]);

	t0 = now();
	request(ctl, argv[6], rep, sizeof(rep));
	t_rep = now();
	/* mifd's refusals are {"error": ...}; what "iface add" started is
	 * counted in "started". */
	ok = !strstr(rep, "\"error\"") && strstr(rep, "\"started\":1");
	fprintf(stderr, "%s: reply: %s\n", prog, rep);
	for (;;) {
		struct timespec ts = { 0, 5000000 };

		for (int i = 0; i < 2; i++)
			sas[i] = xfrm_count(fd[i], XFRM_MSG_GETSADINFO) -
				 sa0[i];
		t_end = now();
		done = ok && sas[0] >= want && sas[1] >= want;
		if (done || !ok || t_end - t0 > limit)
			break;
		nanosleep(&ts, NULL);
	}
	close(ctl);
	printf("RESULT seconds=%.3f reply_seconds=%.3f sas=%u/%u\n",
	       t_end - t0, t_rep - t0, sas[0], sas[1]);
	return done ? 0 : 1;
}
