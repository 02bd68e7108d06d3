// SPDX-License-Identifier: GPL-2.0
/*
 * What ike_up, fig_up and move_up share: asking mifd (its JSON control
 * socket) or charon (vici) to bring a connection up or do an interface
 * operation, charon to delete a child, and the kernel's SA and policy
 * counts. See up.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "up.h"

void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

double now(void)
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

/* Send req (one line) and read the answer (one line) into rep. */
static void mifd_request(int fd, const char *req, size_t len, char *rep,
			 size_t replen)
{
	size_t n = 0;

	write_all(fd, req, len);
	for (;;) {
		if (n == replen - 1)
			die("%s", "reply line too long");
		read_all(fd, rep + n, 1);
		if (rep[n] == '\n')
			break;
		n++;
	}
	rep[n] = '\0';
}

int mifd_up(int fd, const char *name, char *err, size_t errlen)
{
	char req[256], rep[4096];
	int len;

	len = snprintf(req, sizeof(req), "{\"cmd\":\"up\",\"conn\":\"%s\"}\n",
		       name);
	if (len < 0 || (size_t)len >= sizeof(req))
		die("connection name too long: %s", name);
	mifd_request(fd, req, (size_t)len, rep, sizeof(rep));
	if (strstr(rep, "\"ok\":true") || strstr(rep, "\"ok\": true"))
		return 0;
	snprintf(err, errlen, "%s", rep);
	return -1;
}

int mifd_iface(int fd, const char *op, char *const *args, size_t n_args,
	       char *err, size_t errlen)
{
	char req[1024], rep[16384];
	size_t len;
	int k;

	k = snprintf(req, sizeof(req), "{\"cmd\":\"iface\",\"op\":\"%s\","
		     "\"args\":[", op);
	if (k < 0 || (size_t)k >= sizeof(req))
		die("operation too long: %s", op);
	len = (size_t)k;
	for (size_t i = 0; i < n_args; i++) {
		k = snprintf(req + len, sizeof(req) - len, "%s\"%s\"",
			     i ? "," : "", args[i]);
		if (k < 0 || (size_t)k >= sizeof(req) - len)
			die("arguments too long: %s", args[i]);
		len += (size_t)k;
	}
	k = snprintf(req + len, sizeof(req) - len, "]}\n");
	if (k < 0 || (size_t)k >= sizeof(req) - len)
		die("arguments too long: %s", op);
	mifd_request(fd, req, len + (size_t)k, rep, sizeof(rep));
	/* Refused, or refused on an IKE SA (in "failed"): "error" names why. */
	if (!strstr(rep, "\"error\""))
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

/*
 * One vici command with the key-values kv[0] = kv[1], ... (n pairs) and
 * timeout = -1 (charon answers at once, not waiting for the exchange).
 */
static int vici_request(int fd, const char *cmd, const char *const *kv,
			size_t n_kv, char *err, size_t errlen)
{
	uint8_t pkt[1024], hdr[4], *rep;
	size_t n = 0, cl = strlen(cmd);
	char ok[16];
	uint32_t len;

	pkt[n++] = VICI_CMD_REQUEST;
	pkt[n++] = (uint8_t)cl;
	memcpy(pkt + n, cmd, cl);
	n += cl;
	for (size_t i = 0; i < n_kv; i++)
		n += put_kv(pkt + n, kv[2 * i], kv[2 * i + 1]);
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
		snprintf(err, errlen, "vici packet type %u (%s unknown?)",
			 rep[0], cmd);
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

/* name: "IKE/CHILD". */
int vici_up(int fd, const char *name, char *err, size_t errlen)
{
	const char *slash = strchr(name, '/');
	const char *kv[4];
	char ike[256];

	if (!slash || slash == name || !slash[1] ||
	    (size_t)(slash - name) >= sizeof(ike) || strlen(slash) > 256)
		die("not IKE/CHILD: %s", name);
	memcpy(ike, name, (size_t)(slash - name));
	ike[slash - name] = '\0';
	kv[0] = "child";
	kv[1] = slash + 1;
	kv[2] = "ike";
	kv[3] = ike;
	return vici_request(fd, "initiate", kv, 2, err, errlen);
}

/* child: a child's name; every Child SA of that name is deleted. */
int vici_down(int fd, const char *child, char *err, size_t errlen)
{
	const char *kv[2] = { "child", child };

	if (!*child || strlen(child) > 256)
		die("bad child name: %s", child);
	return vici_request(fd, "terminate", kv, 1, err, errlen);
}

/* ---- the kernel's counts ---- */

/*
 * GETSADINFO (the SA count) or GETSPDINFO (the outbound policy count);
 * the answer is NEWSADINFO or NEWSPDINFO.
 */
uint32_t xfrm_count(int fd, int type)
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
