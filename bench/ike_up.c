// SPDX-License-Identifier: GPL-2.0
/*
 * ike_up: initiate N IKE SAs through a daemon's control socket and time
 * until every one has its first Child SA in the kernel, for bench/ike.sh.
 *
 *   ike_up mifd SOCKET PREFIX FIRST N [SECONDS]
 *   ike_up vici SOCKET PREFIX FIRST N [SECONDS]
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
 * Then, from the network namespace it runs in (the initiator's), it polls the
 * kernel's SA and policy counts (XFRM_MSG_GETSADINFO, XFRM_MSG_GETSPDINFO,
 * every 5 ms) until N more outbound policies and 2N more SAs than before the
 * first request exist: an initiator installs the Child SA's outbound policy
 * only once IKE_AUTH is answered, so that is when the last IKE SA is up on
 * both sides. SECONDS (default 600) bounds the wait. Prints one line:
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

static const char *prog = "ike_up";

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

/* ---- vici (strongSwan's src/libcharon/plugins/vici/README.md) ---- */

enum { VICI_CMD_REQUEST = 0, VICI_CMD_RESPONSE = 1, VICI_CMD_UNKNOWN = 2 };
enum { VICI_KEY_VALUE = 3 };

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

/* The value of key in a response message (top level only), or "". */
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
		case 1:		/* SECTION_START */
		case 5:		/* LIST_ITEM */
			if (i + 1 >= len)
				return;
			i += p[i] == 1 ? 2 + (size_t)p[i + 1] :
				3 + ((size_t)p[i + 1] << 8 | p[i + 2]);
			break;
		case 4:		/* LIST_START */
			if (i + 1 >= len)
				return;
			i += 2 + p[i + 1];
			break;
		default:	/* SECTION_END, LIST_END */
			i++;
		}
	}
}

static int vici_up(int fd, const char *name, char *err, size_t errlen)
{
	static const char cmd[] = "initiate";
	uint8_t pkt[1024], hdr[4], *rep;
	size_t n = 0;
	uint32_t len;
	char ok[16];

	pkt[n++] = VICI_CMD_REQUEST;
	pkt[n++] = sizeof(cmd) - 1;
	memcpy(pkt + n, cmd, sizeof(cmd) - 1);
	n += sizeof(cmd) - 1;
	n += put_kv(pkt + n, "child", name);
	n += put_kv(pkt + n, "ike", name);
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

/* ---- the kernel's counts ---- */

static int xfrm_fd = -1;

/* GETSADINFO or GETSPDINFO; the answer is NEWSADINFO or NEWSPDINFO. */
static uint32_t xfrm_count(int type)
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

	if (send(xfrm_fd, &req, sizeof(req), 0) < 0)
		die("XFRM netlink send: %s", strerror(errno));
	n = recv(xfrm_fd, &rep, sizeof(rep), 0);
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

static uint32_t sad_count(void)
{
	return xfrm_count(XFRM_MSG_GETSADINFO);
}

static uint32_t spd_out_count(void)
{
	return xfrm_count(XFRM_MSG_GETSPDINFO);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int (*up)(int, const char *, char *, size_t);
	unsigned long first, n, sent = 0;
	double limit = 600, t0, t_req, t_end;
	uint32_t sa0, pol0, sas, pols;
	char name[128], err[512];
	int fd;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: %s mifd|vici SOCKET PREFIX FIRST N "
			"[SECONDS]\n", prog);
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
	if (argc == 7)
		limit = strtod(argv[6], NULL);
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
		if ((pols >= n && sas >= 2 * n) || t_end - t0 > limit)
			break;
		nanosleep(&ts, NULL);
	}
	close(fd);
	printf("RESULT n=%lu sent=%lu seconds=%.3f requests_seconds=%.3f "
	       "sas=%u out_policies=%u\n", n, sent, t_end - t0, t_req - t0,
	       sas, pols);
	return pols >= n && sas >= 2 * n ? 0 : 1;
}
