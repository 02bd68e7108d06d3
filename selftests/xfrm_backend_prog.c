// SPDX-License-Identifier: GPL-2.0
/*
 * Drive the XFRM backend (user/backend/xfrm.c) from the command line, for
 * selftests/xfrm_backend.sh. Commands, separated by a lone ",", run in
 * order on one backend:
 *
 *   alloc-spi SRC DST [REQID]          prints the SPI
 *   add-sa KEY=VALUE...                src dst spi (or "@": the last
 *                                      allocated) mode reqid encr key
 *                                      integ ikey esn replay mark mask
 *                                      if_id soft-bytes hard-bytes
 *                                      soft-sec hard-sec encap=SPORT:DPORT
 *                                      sel=SRC/LEN,DST/LEN[,PROTO[,SP,DP]]
 *   del-sa dst=A spi=N [mark= mask=]
 *   stats dst=A spi=N [mark= mask=]    prints "bytes B packets P use_time T"
 *   add-policy KEY=VALUE...            src=NET/LEN dst=NET/LEN dir mode
 *                                      tsrc tdst reqid prio mark mask if_id
 *                                      proto sport dport (PORT or
 *                                      PORT/MASK, e.g. 4096/0xf000)
 *   del-policy KEY=VALUE...            as add-policy
 *
 * encr: gcm128 gcm256 cbc128 cbc256 chacha; integ: sha256 sha384 sha512.
 * Keys are hex. Exit 0, or 1 after "error: -ERRNO TEXT: KERNEL MESSAGE".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/constants.h"
#include "backend/xfrm.h"

static uint32_t last_spi;

static int fail(const char *what, const char *arg)
{
	fprintf(stderr, "usage: %s: %s\n", what, arg);
	return -EINVAL;
}

static int num(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || !*s || *end ? -EINVAL : 0;
}

static int num32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (num(s, &x) || x > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

static int hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n;

	if (!strncmp(s, "0x", 2))
		s += 2;
	n = strlen(s);
	if (n % 2 || n / 2 > max)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		out[i] = (uint8_t)b;
	}
	*len = n / 2;
	return 0;
}

/* "ADDR/LEN" (LEN defaults to the full length). */
static int prefix(const char *s, struct ip_addr *a, uint8_t *len)
{
	char buf[IP_ADDR_STRLEN + 8];
	char *slash;
	uint32_t l;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (ip_addr_parse(buf, a))
		return -EINVAL;
	l = a->family == AF_INET ? 32 : 128;
	if (slash && (num32(slash, &l) || l > (a->family == AF_INET ? 32u : 128u)))
		return -EINVAL;
	*len = (uint8_t)l;
	return 0;
}

/* "SRC/LEN,DST/LEN[,PROTO[,SPORT,DPORT]]" */
static int selector(const char *s, struct kernel_sel *sel)
{
	char buf[256];
	char *f[5] = { NULL };
	char *save = NULL;
	uint32_t v;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t && n < 5;
	     t = strtok_r(NULL, ",", &save))
		f[n++] = t;
	if (n < 2 || n == 4 || prefix(f[0], &sel->src, &sel->src_len) ||
	    prefix(f[1], &sel->dst, &sel->dst_len))
		return -EINVAL;
	if (n > 2) {
		if (num32(f[2], &v) || v > 255)
			return -EINVAL;
		sel->proto = (uint8_t)v;
	}
	if (n == 5) {
		if (num32(f[3], &v) || v > 65535)
			return -EINVAL;
		sel->sport = (uint16_t)v;
		sel->sport_mask = v ? 0xffff : 0;
		if (num32(f[4], &v) || v > 65535)
			return -EINVAL;
		sel->dport = (uint16_t)v;
		sel->dport_mask = v ? 0xffff : 0;
	}
	return 0;
}

/* "PORT" (one port; 0: any) or "PORT/MASK". */
static int port(const char *s, uint16_t *p, uint16_t *mask)
{
	char buf[32];
	char *slash;
	uint32_t v, m;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (num32(buf, &v) || v > 65535)
		return -EINVAL;
	m = v ? 0xffff : 0;
	if (slash && (num32(slash, &m) || m > 65535))
		return -EINVAL;
	*p = (uint16_t)v;
	*mask = (uint16_t)m;
	return 0;
}

static int mode(const char *s, enum kernel_mode *m)
{
	if (!strcmp(s, "tunnel"))
		*m = KERNEL_MODE_TUNNEL;
	else if (!strcmp(s, "transport"))
		*m = KERNEL_MODE_TRANSPORT;
	else
		return -EINVAL;
	return 0;
}

static int encr(const char *s, struct kernel_sa *sa)
{
	static const struct { const char *name; uint16_t id, bits; } t[] = {
		{ "gcm128", IKE_ENCR_AES_GCM_16, 128 },
		{ "gcm256", IKE_ENCR_AES_GCM_16, 256 },
		{ "cbc128", IKE_ENCR_AES_CBC, 128 },
		{ "cbc256", IKE_ENCR_AES_CBC, 256 },
		{ "chacha", IKE_ENCR_CHACHA20_POLY1305, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!strcmp(s, t[i].name)) {
			sa->encr = t[i].id;
			sa->encr_key_bits = t[i].bits;
			return 0;
		}
	}
	return -EINVAL;
}

static int integ(const char *s, struct kernel_sa *sa)
{
	if (!strcmp(s, "sha256"))
		sa->integ = IKE_INTEG_HMAC_SHA2_256_128;
	else if (!strcmp(s, "sha384"))
		sa->integ = IKE_INTEG_HMAC_SHA2_384_192;
	else if (!strcmp(s, "sha512"))
		sa->integ = IKE_INTEG_HMAC_SHA2_512_256;
	else if (!strcmp(s, "none"))
		sa->integ = IKE_INTEG_NONE;
	else
		return -EINVAL;
	return 0;
}

static int spi_arg(const char *v, uint32_t *spi)
{
	if (!strcmp(v, "@")) {
		*spi = last_spi;
		return last_spi ? 0 : -EINVAL;
	}
	return num32(v, spi);
}

static int sa_opt(const char *k, const char *v, struct kernel_sa *sa)
{
	uint32_t a, c;

	if (!strcmp(k, "src"))
		return ip_addr_parse(v, &sa->src);
	if (!strcmp(k, "dst"))
		return ip_addr_parse(v, &sa->dst);
	if (!strcmp(k, "spi"))
		return spi_arg(v, &sa->spi);
	if (!strcmp(k, "mode"))
		return mode(v, &sa->mode);
	if (!strcmp(k, "reqid"))
		return num32(v, &sa->reqid);
	if (!strcmp(k, "encr"))
		return encr(v, sa);
	if (!strcmp(k, "key"))
		return hex(v, sa->encr_key, sizeof(sa->encr_key), &sa->encr_key_len);
	if (!strcmp(k, "integ"))
		return integ(v, sa);
	if (!strcmp(k, "ikey"))
		return hex(v, sa->integ_key, sizeof(sa->integ_key), &sa->integ_key_len);
	if (!strcmp(k, "esn")) {
		sa->esn = !strcmp(v, "1");
		return 0;
	}
	if (!strcmp(k, "replay"))
		return num32(v, &sa->replay_window);
	if (!strcmp(k, "mark"))
		return num32(v, &sa->mark);
	if (!strcmp(k, "mask"))
		return num32(v, &sa->mark_mask);
	if (!strcmp(k, "if_id"))
		return num32(v, &sa->if_id);
	if (!strcmp(k, "soft-bytes"))
		return num(v, &sa->soft_bytes);
	if (!strcmp(k, "hard-bytes"))
		return num(v, &sa->hard_bytes);
	if (!strcmp(k, "soft-sec"))
		return num(v, &sa->soft_seconds);
	if (!strcmp(k, "hard-sec"))
		return num(v, &sa->hard_seconds);
	if (!strcmp(k, "encap")) {
		if (sscanf(v, "%u:%u", &a, &c) != 2 || a > 65535 || c > 65535)
			return -EINVAL;
		sa->encap_sport = (uint16_t)a;
		sa->encap_dport = (uint16_t)c;
		return 0;
	}
	if (!strcmp(k, "sel")) {
		sa->has_sel = true;
		return selector(v, &sa->sel);
	}
	return -EINVAL;
}

static int pol_opt(const char *k, const char *v, struct kernel_policy *p)
{
	uint32_t x;

	if (!strcmp(k, "src"))
		return prefix(v, &p->sel.src, &p->sel.src_len);
	if (!strcmp(k, "dst"))
		return prefix(v, &p->sel.dst, &p->sel.dst_len);
	if (!strcmp(k, "dir")) {
		if (!strcmp(v, "in"))
			p->dir = KERNEL_DIR_IN;
		else if (!strcmp(v, "out"))
			p->dir = KERNEL_DIR_OUT;
		else if (!strcmp(v, "fwd"))
			p->dir = KERNEL_DIR_FWD;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(k, "mode"))
		return mode(v, &p->mode);
	if (!strcmp(k, "tsrc"))
		return ip_addr_parse(v, &p->tmpl_src);
	if (!strcmp(k, "tdst"))
		return ip_addr_parse(v, &p->tmpl_dst);
	if (!strcmp(k, "reqid"))
		return num32(v, &p->reqid);
	if (!strcmp(k, "prio"))
		return num32(v, &p->priority);
	if (!strcmp(k, "mark"))
		return num32(v, &p->mark);
	if (!strcmp(k, "mask"))
		return num32(v, &p->mark_mask);
	if (!strcmp(k, "if_id"))
		return num32(v, &p->if_id);
	if (!strcmp(k, "proto")) {
		if (num32(v, &x) || x > 255)
			return -EINVAL;
		p->sel.proto = (uint8_t)x;
		return 0;
	}
	if (!strcmp(k, "sport"))
		return port(v, &p->sel.sport, &p->sel.sport_mask);
	if (!strcmp(k, "dport"))
		return port(v, &p->sel.dport, &p->sel.dport_mask);
	return -EINVAL;
}

/* Split "k=v" in place; NULL value if there is no "=". */
static char *split(char *arg)
{
	char *eq = strchr(arg, '=');

	if (!eq)
		return NULL;
	*eq = '\0';
	return eq + 1;
}

static int run(struct backend *b, int argc, char **argv)
{
	const char *cmd = argv[0];
	struct ip_addr dst;
	uint32_t spi = 0, mark = 0, mask = 0;
	int err = 0;

	if (!strcmp(cmd, "alloc-spi")) {
		struct ip_addr src;
		uint32_t reqid = 0;

		if (argc < 3 || ip_addr_parse(argv[1], &src) ||
		    ip_addr_parse(argv[2], &dst) ||
		    (argc > 3 && num32(argv[3], &reqid)))
			return fail(cmd, "SRC DST [REQID]");
		err = b->ops->alloc_spi(b, &src, &dst, reqid, &last_spi);
		if (!err)
			printf("0x%08x\n", last_spi);
		return err;
	}
	if (!strcmp(cmd, "add-sa")) {
		struct kernel_sa sa;

		memset(&sa, 0, sizeof(sa));
		sa.mode = KERNEL_MODE_TUNNEL;
		for (int i = 1; i < argc; i++) {
			char *v = split(argv[i]);

			if (!v || sa_opt(argv[i], v, &sa))
				return fail(cmd, argv[i]);
		}
		err = b->ops->add_sa(b, &sa);
		explicit_bzero(&sa, sizeof(sa));
		return err;
	}
	if (!strcmp(cmd, "del-sa") || !strcmp(cmd, "stats")) {
		struct kernel_sa_stats st;

		memset(&dst, 0, sizeof(dst));
		for (int i = 1; i < argc; i++) {
			char *v = split(argv[i]);
			int bad = !v;

			if (!bad && !strcmp(argv[i], "dst"))
				bad = ip_addr_parse(v, &dst);
			else if (!bad && !strcmp(argv[i], "spi"))
				bad = spi_arg(v, &spi);
			else if (!bad && !strcmp(argv[i], "mark"))
				bad = num32(v, &mark);
			else if (!bad && !strcmp(argv[i], "mask"))
				bad = num32(v, &mask);
			else
				bad = 1;
			if (bad)
				return fail(cmd, argv[i]);
		}
		if (cmd[0] == 'd')
			return b->ops->del_sa(b, &dst, spi, mark, mask);
		err = b->ops->sa_stats(b, &dst, spi, mark, mask, &st);
		if (!err)
			printf("bytes %llu packets %llu use_time %llu\n",
			       (unsigned long long)st.bytes,
			       (unsigned long long)st.packets,
			       (unsigned long long)st.use_time);
		return err;
	}
	if (!strcmp(cmd, "add-policy") || !strcmp(cmd, "del-policy")) {
		struct kernel_policy p;

		memset(&p, 0, sizeof(p));
		p.mode = KERNEL_MODE_TUNNEL;
		for (int i = 1; i < argc; i++) {
			char *v = split(argv[i]);

			if (!v || pol_opt(argv[i], v, &p))
				return fail(cmd, argv[i]);
		}
		return cmd[0] == 'a' ? b->ops->add_policy(b, &p) :
				       b->ops->del_policy(b, &p);
	}
	return fail(cmd, "unknown command");
}

int main(int argc, char **argv)
{
	struct backend b;
	int err, start = 1;

	if (argc < 2)
		return fail("xfrm_backend_prog", "CMD ARGS... [, CMD ARGS...]") ? 2 : 0;
	err = xfrm_backend_open(&b);
	if (err) {
		fprintf(stderr, "error: %d %s: opening the backend\n", err,
			strerror(-err));
		return 1;
	}
	for (int i = 1; i <= argc && !err; i++) {
		if (i < argc && strcmp(argv[i], ","))
			continue;
		if (i > start)
			err = run(&b, i - start, argv + start);
		start = i + 1;
	}
	if (err)
		fprintf(stderr, "error: %d %s: %s\n", err, strerror(-err),
			xfrm_backend_error(&b));
	b.ops->destroy(&b);
	return err ? 1 : 0;
}
