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

static const char *prog = "fig_up";

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write to the control socket: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

static void read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read from the control socket: %s", strerror(errno));
		if (n == 0)
			die("%s", "the control socket closed");
		p += n;
		len -= (size_t)n;
	}
}

/* ---- mifd: one JSON object per line each way ---- */

static int mifd_up(int fd, const char *name, char *err, size_t errlen)
{
	char req[256], rep[4096];
	size_t n = 0;
	int len;

	len = snprintf(req, sizeof(req), "{\"cmd\":\"up\",\"conn\":\"%s\"}\n",
		       name);
	if (len < 0 || (size_t)len >= sizeof(req))
		die("connection name too long: %s", name);
	write_all(fd, req, (size_t)len);
	for (;;) {
		if (n == sizeof(rep) - 1)
			die("%s", "reply line too long");
		read_all(fd, rep + n, 1);
		if (rep[n] == '\n')
			break;
		n++;
	}
	rep[n] = '\0';
	if (strstr(rep, "\"ok\":true") || strstr(rep, "\"ok\": true"))
		return 0;
	snprintf(err, errlen, "%s", rep);
	return -1;
}

/*
 * ---- vici (strongSwan's src/libcharon/plugins/vici/README.md) ----
 * A request is a 4-byte big-endian length, then the packet: type
 * CMD_REQUEST, the command's name (one length byte), then the message's
 * elements; here only KEY_VALUE (a length byte and the key, a 16-bit
 * length and the value). The response is a packet of type CMD_RESPONSE
 * whose message holds "success" = "yes" or "no" and "errmsg".
 */

enum { VICI_CMD_REQUEST = 0, VICI_CMD_RESPONSE = 1 };
enum {
	VICI_SECTION_START = 1,
	VICI_KEY_VALUE = 3,
	VICI_LIST_START = 4,
	VICI_LIST_ITEM = 5,
};

static size_t put_kv(uint8_t *p, const char *k, const char *v)
{
	size_t kl = strlen(k), vl = strlen(v);

	p[0] = VICI_KEY_VALUE;
	p[1] = (uint8_t)kl;
	memcpy(p + 2, k, kl);
	p[2 + kl] = (uint8_t)(vl >> 8);
	p[3 + kl] = (uint8_t)vl;
	memcpy(p + 4 + kl, v, vl);
	return 4 + kl + vl;
}

/* The value of key at the top level of a response message, or "". */
static void get_kv(const uint8_t *p, size_t len, const char *key, char *out,
		   size_t outlen)
{
	size_t i = 0, kl, vl;

	out[0] = '\0';
	while (i < len) {
		switch (p[i]) {
		case VICI_KEY_VALUE:
			if (i + 2 > len)
				return;
			kl = p[i + 1];
			if (i + 4 + kl > len)
				return;
			vl = (size_t)p[i + 2 + kl] << 8 | p[i + 3 + kl];
			if (i + 4 + kl + vl > len)
				return;
			if (kl == strlen(key) && !memcmp(p + i + 2, key, kl)) {
				if (vl >= outlen)
					vl = outlen - 1;
				memcpy(out, p + i + 4 + kl, vl);
				out[vl] = '\0';
				return;
			}
			i += 4 + kl + vl;
			break;
		case VICI_SECTION_START:
		case VICI_LIST_START:
			if (i + 1 >= len)
				return;
			i += 2 + (size_t)p[i + 1];
			break;
		case VICI_LIST_ITEM:
			if (i + 2 >= len)
				return;
			i += 3 + ((size_t)p[i + 1] << 8 | p[i + 2]);
			break;
		default:	/* SECTION_END, LIST_END */
			i++;
		}
	}
}

/* name: "IKE/CHILD". */
static int vici_up(int fd, const char *name, char *err, size_t errlen)
{
	static const char cmd[] = "initiate";
	const char *slash = strchr(name, '/');
	uint8_t pkt[1024], hdr[4], *rep;
	char ike[256], ok[16];
	size_t n = 0;
	uint32_t len;

	if (!slash || slash == name || !slash[1] ||
	    (size_t)(slash - name) >= sizeof(ike) || strlen(slash) > 256)
		die("not IKE/CHILD: %s", name);
	memcpy(ike, name, (size_t)(slash - name));
	ike[slash - name] = '\0';

	pkt[n++] = VICI_CMD_REQUEST;
	pkt[n++] = sizeof(cmd) - 1;
	memcpy(pkt + n, cmd, sizeof(cmd) - 1);
	n += sizeof(cmd) - 1;
	n += put_kv(pkt + n, "child", slash + 1);
	n += put_kv(pkt + n, "ike", ike);
	n += put_kv(pkt + n, "timeout", "-1");
	hdr[0] = (uint8_t)(n >> 24);
	hdr[1] = (uint8_t)(n >> 16);
	hdr[2] = (uint8_t)(n >> 8);
	hdr[3] = (uint8_t)n;
	write_all(fd, hdr, 4);
	write_all(fd, pkt, n);

	read_all(fd, hdr, 4);
	len = (uint32_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
	if (!len || len > (1u << 20))
		die("%s", "bad vici packet length");
	rep = malloc(len);
	if (!rep)
		die("%s", "out of memory");
	read_all(fd, rep, len);
	if (rep[0] != VICI_CMD_RESPONSE) {
		snprintf(err, errlen, "vici packet type %u (initiate unknown?)",
			 rep[0]);
		free(rep);
		return -1;
	}
	get_kv(rep + 1, len - 1, "success", ok, sizeof(ok));
	if (!strcmp(ok, "yes")) {
		free(rep);
		return 0;
	}
	get_kv(rep + 1, len - 1, "errmsg", err, errlen);
	free(rep);
	return -1;
}

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

/*
 * GETSADINFO (the SA count) or GETSPDINFO (the outbound policy count);
 * the answer is NEWSADINFO or NEWSPDINFO.
 */
static uint32_t xfrm_count(int fd, int type)
{
	int want = type == XFRM_MSG_GETSADINFO ? XFRM_MSG_NEWSADINFO :
						 XFRM_MSG_NEWSPDINFO;
	struct {
		struct nlmsghdr nlh;
		uint32_t flags;
	} req = {
		.nlh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = (uint16_t)type,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = 1,
		},
		.flags = 0xffffffff,
	};
	union {
		struct nlmsghdr nlh;
		char buf[1024];
	} rep;
	struct nlattr *a;
	ssize_t n;
	int left;

	if (send(fd, &req, sizeof(req), 0) < 0)
		die("XFRM netlink send: %s", strerror(errno));
	n = recv(fd, &rep, sizeof(rep), 0);
	if (n < (ssize_t)(NLMSG_HDRLEN + 4) || rep.nlh.nlmsg_type != want)
		die("%s", "XFRM netlink: unexpected reply");
	a = (struct nlattr *)((char *)NLMSG_DATA(&rep.nlh) + NLMSG_ALIGN(4));
	left = (int)rep.nlh.nlmsg_len - (int)(NLMSG_HDRLEN + NLMSG_ALIGN(4));
	while (left >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	       a->nla_len <= left) {
		void *d = (char *)a + NLA_HDRLEN;

		if (want == XFRM_MSG_NEWSADINFO && a->nla_type == XFRMA_SAD_CNT)
			return *(uint32_t *)d;
		if (want == XFRM_MSG_NEWSPDINFO && a->nla_type == XFRMA_SPD_INFO)
			return ((struct xfrmu_spdinfo *)d)->outcnt;
		left -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	}
	return 0;
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
