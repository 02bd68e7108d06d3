// SPDX-License-Identifier: GPL-2.0
/*
 * move_up: start moving SAs from one address to another and time until
 * both peers' kernels have them all on the new one, for bench/move.sh.
 *
 *   move_up NS_A NS_B OLD NEW SAS SECONDS mifd SOCKET OP ARG...
 *   move_up NS_A NS_B OLD NEW SAS SECONDS vici SOCKET +IKE/CHILD... -CHILD...
 *   move_up NS_A NS_B OLD NEW SAS SECONDS exec COMMAND ARG...
 *
 * What starts the move, at time 0:
 *   mifd  one {"cmd":"iface","op":OP,"args":[ARG...]} on mifd's control
 *         socket, as `mifctl ike iface OP ARG...` sends it
 *   vici  over one connection to charon's vici SOCKET, in the order
 *         given: "+IKE/CHILD" an "initiate" of that child, "-CHILD" a
 *         "terminate" of every Child SA of that child, neither waiting
 *         (charon answers at once and queues the exchanges on the IKE SA)
 *   exec  COMMAND run as a child process (ip addr del ...), not waited
 *         for before the polling starts
 * Then it dumps the SAs of the network namespaces NS_A and NS_B
 * (ip-netns(8) names) every 10 ms until each holds at least SAS SAs with
 * NEW as source or destination and none with OLD. SECONDS bounds the
 * wait. Prints one line:
 *
 *   RESULT seconds=T requests_seconds=R failed=F new=A/B old=C/D
 *
 * F requests refused (each also on stderr); seconds from time 0 to the dump that found both kernels done; exit
 * status 0 when they were, 1 otherwise (RESULT still printed).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/xfrm.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "up.h"

const char *prog = "move_up";

struct side {
	struct nl_sock *sk;
	const xfrm_address_t *old, *new;
	unsigned int on_new, on_old;
};

/* An XFRM netlink socket (libnl) in network namespace name. */
static struct nl_sock *xfrm_socket_in(const char *name, int home)
{
	struct nl_sock *sk;
	char path[256];
	int ns;

	if (snprintf(path, sizeof(path), "/run/netns/%s", name) >=
	    (int)sizeof(path))
		die("namespace name too long: %s", name);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		die("no network namespace %s", path);
	if (setns(ns, CLONE_NEWNET) < 0)
		die("setns: %s", strerror(errno));
	close(ns);
	sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_XFRM) < 0)
		die("%s", "XFRM netlink socket");
	nl_socket_disable_auto_ack(sk);
	nl_socket_set_buffer_size(sk, 1 << 20, 0);
	if (setns(home, CLONE_NEWNET) < 0)
		die("setns back: %s", strerror(errno));
	return sk;
}

static bool same(const xfrm_address_t *a, const xfrm_address_t *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static int on_sa(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct side *s = arg;
	struct xfrm_usersa_info *p;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    nlmsg_datalen(nlh) < (int)sizeof(*p))
		return NL_OK;
	p = nlmsg_data(nlh);
	if (same(&p->saddr, s->new) || same(&p->id.daddr, s->new))
		s->on_new++;
	if (same(&p->saddr, s->old) || same(&p->id.daddr, s->old))
		s->on_old++;
	return NL_OK;
}

/* Count s's SAs on the new and the old address. */
static void side_poll(struct side *s)
{
	struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_GETSA, NLM_F_DUMP);
	int err;

	if (!msg)
		die("%s", "out of memory");
	s->on_new = s->on_old = 0;
	err = nl_send_auto(s->sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		die("SA dump: %s", nl_geterror(err));
	nl_socket_modify_cb(s->sk, NL_CB_VALID, NL_CB_CUSTOM, on_sa, s);
	err = nl_recvmsgs_default(s->sk);
	if (err < 0)
		die("SA dump: %s", nl_geterror(err));
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

/* An IPv4 or IPv6 address into XFRM's form. */
static void address(const char *s, xfrm_address_t *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->a4) != 1 &&
	    inet_pton(AF_INET6, s, a->a6) != 1)
		die("not an address: %s", s);
}

static int control_socket(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		die("socket path too long: %s", path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die("cannot connect to %s", path);
	return fd;
}

/* Start the move; the number of requests that failed. */
static unsigned int start(int argc, char **argv, pid_t *child)
{
	unsigned int failed = 0;
	char err[512];
	int fd, ret;

	if (!strcmp(argv[0], "exec")) {
		*child = fork();
		if (*child < 0)
			die("fork: %s", strerror(errno));
		if (!*child) {
			execvp(argv[1], argv + 1);
			fprintf(stderr, "%s: %s: %s\n", prog, argv[1],
				strerror(errno));
			_exit(127);
		}
		return 0;
	}
	if (argc < 3)
		die("%s: a socket and a request, at least", argv[0]);
	fd = control_socket(argv[1]);
	if (!strcmp(argv[0], "mifd")) {
		if (mifd_iface(fd, argv[2], argv + 3, (size_t)argc - 3, err,
			       sizeof(err))) {
			fprintf(stderr, "%s: iface %s: %s\n", prog, argv[2],
				err);
			failed++;
		}
	} else if (!strcmp(argv[0], "vici")) {
		for (int i = 2; i < argc; i++) {
			if (argv[i][0] == '+')
				ret = vici_up(fd, argv[i] + 1, err, sizeof(err));
			else if (argv[i][0] == '-')
				ret = vici_down(fd, argv[i] + 1, err,
						sizeof(err));
			else
				die("not +IKE/CHILD or -CHILD: %s", argv[i]);
			if (ret) {
				fprintf(stderr, "%s: %s: %s\n", prog, argv[i],
					err);
				failed++;
			}
		}
	} else {
		die("unknown method \"%s\" (mifd, vici, exec)", argv[0]);
	}
	close(fd);
	return failed;
}

int main(int argc, char **argv)
{
	xfrm_address_t old, new;
	struct side side[2];
	unsigned long want;
	double limit, t0, t_req, t_end;
	pid_t child = 0;
	unsigned int failed;
	bool done;
	int home;

	if (argc < 9) {
		fprintf(stderr, "usage: %s NS_A NS_B OLD NEW SAS SECONDS "
			"mifd|vici|exec ...\n", prog);
		return 2;
	}
	address(argv[3], &old);
	address(argv[4], &new);
	want = number(argv[5], "SAS");
	limit = (double)number(argv[6], "SECONDS");
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		die("/proc/self/ns/net: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		side[i].sk = xfrm_socket_in(argv[1 + i], home);
		side[i].old = &old;
		side[i].new = &new;
	}
	close(home);

	t0 = now();
	failed = start(argc - 7, argv + 7, &child);
	t_req = now();
	for (;;) {
		struct timespec ts = { 0, 10000000 };

		side_poll(&side[0]);
		side_poll(&side[1]);
		t_end = now();
		done = side[0].on_new >= want && !side[0].on_old &&
		       side[1].on_new >= want && !side[1].on_old;
		if (done || t_end - t0 > limit)
			break;
		nanosleep(&ts, NULL);
	}
	if (child > 0)
		waitpid(child, NULL, 0);
	printf("RESULT seconds=%.3f requests_seconds=%.3f failed=%u "
	       "new=%u/%u old=%u/%u\n", t_end - t0, t_req - t0, failed,
	       side[0].on_new,
	       side[1].on_new, side[0].on_old, side[1].on_old);
	for (int i = 0; i < 2; i++)
		nl_socket_free(side[i].sk);
	return done ? 0 : 1;
}
