// SPDX-License-Identifier: GPL-2.0
/*
 * Heap bytes per established IKE SA, as initiator and as responder: two
 * engines in one process talking through an in-memory network, as
 * bench/ike.sh's daemons do over a veth pair (IKE aes256gcm16-prfsha256-
 * x25519, ESP aes256gcm16, tunnel mode, PSK, MIF; the initiator one connection
 * per IKE SA with its own identity and /32 selectors, the responder one
 * connection narrowing 172.16.0.0/16 <-> 172.17.0.0/16; no DPD, no
 * rekeying, no uniqueness policy). One IKE SA is brought up first, then
 * N more; the figures are the growth from 1 to N+1, divided by N.
 *
 *   make -C bench && ../build/bench/ike_memory [N...]
 *
 * Not a test. For each N it prints, per role:
 *   live     bytes the engine asked malloc for and still holds (malloc,
 *            calloc, realloc, aligned allocations, interposed here and
 *            attributed to the engine being called), per IKE SA;
 *   chunks   the same in malloc chunks (malloc_usable_size + 8, glibc's
 *            header), per IKE SA;
 *   allocs   how many blocks stay live per IKE SA;
 * then mallinfo2()'s in-use bytes (uordblks) of the whole process per IKE
 * SA (both engines), and the breakdown by call site of what stays live,
 * per IKE SA, largest first. The sizes of the large structs come first.
 *
 * MIF_MEM_WINDOW (default 100, as ike.sh's MIF_BENCH_WINDOW): set-ups
 * started before the network is run until quiet, so that as many are in
 * flight at once, their messages interleaved.
 *
 * Both ends offer MIF, as mifd does by default; MIF_MEM_NO_MIF set: not.
 *
 * With MIF_MEM_XFRM set, mifd's XFRM backend is called beside the fake
 * kernel (its answers ignored), so that what it and libnl keep counts
 * too; run it in a network namespace of its own (unshare -n).
 *
 * With MIF_MEM_BASELINE set to two numbers ("INIT RESP", bytes per IKE SA
 * from an earlier build) each row is printed beside them.
 */
#include <dlfcn.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "backend/xfrm.h"
#include "engine/child_sa.h"
#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/fragment.h"
#include "engine/ike_sa.h"
#include "engine/window.h"
#include "ike/message.h"

/* ---- malloc interposed: every live block, its size, site and side ---- */

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void *__libc_memalign(size_t align, size_t size);
void __libc_free(void *p);

#define TRACK_BITS	22		/* 4 Mi slots: 10,000 SAs fit */
#define TRACK_SLOTS	(1u << TRACK_BITS)
#define TOMB		((void *)1)

struct block {
	void *p;
	void *site;
	unsigned int size;
	int side;
};

static struct block *blocks;	/* open addressing, mmap'ed */
static bool tracking;
static int side = -1;		/* the engine being called; -1: neither */

static unsigned int slot_of(const void *p)
{
	return (unsigned int)(((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull >>
			      (64 - TRACK_BITS));
}

static void track(void *p, size_t size, void *site)
{
	unsigned int i;

	if (!p || !tracking || side < 0)
		return;
	for (i = slot_of(p); blocks[i].p && blocks[i].p != TOMB;
	     i = (i + 1) & (TRACK_SLOTS - 1))
		;
	blocks[i] = (struct block){ p, site, (unsigned int)size, side };
}

static void untrack(void *p)
{
	if (!p || !blocks)
		return;
	for (unsigned int i = slot_of(p); blocks[i].p;
	     i = (i + 1) & (TRACK_SLOTS - 1))
		if (blocks[i].p == p) {
			blocks[i].p = TOMB;
			return;
		}
}

void *malloc(size_t size)
{
	void *p = __libc_malloc(size);

	track(p, size, __builtin_return_address(0));
	return p;
}

void *calloc(size_t n, size_t size)
{
	void *p = __libc_calloc(n, size);

	track(p, n * size, __builtin_return_address(0));
	return p;
}

void *realloc(void *old, size_t size)
{
	void *p = __libc_realloc(old, size);

	if (p || !size)
		untrack(old);
	track(p, size, __builtin_return_address(0));
	return p;
}

void free(void *p)
{
	untrack(p);
	__libc_free(p);
}

void *memalign(size_t align, size_t size)
{
	void *p = __libc_memalign(align, size);

	track(p, size, __builtin_return_address(0));
	return p;
}

void *aligned_alloc(size_t align, size_t size)
{
	void *p = __libc_memalign(align, size);

	track(p, size, __builtin_return_address(0));
	return p;
}

int posix_memalign(void **out, size_t align, size_t size)
{
	void *p = __libc_memalign(align, size);

	if (!p)
		return 12;	/* ENOMEM */
	track(p, size, __builtin_return_address(0));
	*out = p;
	return 0;
}

struct tally {
	size_t bytes, chunk_bytes, n;
};

static void tally(struct tally t[2])
{
	memset(t, 0, 2 * sizeof(*t));
	for (unsigned int i = 0; i < TRACK_SLOTS; i++) {
		const struct block *b = &blocks[i];

		if (!b->p || b->p == TOMB)
			continue;
		t[b->side].bytes += b->size;
		t[b->side].chunk_bytes += malloc_usable_size(b->p) + 8;
		t[b->side].n++;
	}
}

/* ---- two engines and a network between them ---- */

#define START_MS	1000000

struct dgram {
	int to;
	uint8_t *buf;
	size_t len;
};

static struct dgram *net;
static size_t n_net, max_net;
static struct engine eng[2];
static struct ip_addr addr[2];
static uint32_t next_spi[2] = { 0xa0000000u, 0xb0000000u };

static void net_send(void *ctx, const struct ip_addr *local, uint16_t lport,
		     const struct ip_addr *remote, uint16_t rport,
		     const uint8_t *buf, size_t len)
{
	int from = (int)(intptr_t)ctx;
	int was = side;

	side = -1;		/* the network's copy is no engine's */
	if (n_net == max_net) {
		max_net = max_net ? 2 * max_net : 64;
		net = realloc(net, max_net * sizeof(*net));
	}
	net[n_net].to = !from;
	net[n_net].buf = malloc(len);
	if (!net || !net[n_net].buf)
		exit(1);
	memcpy(net[n_net].buf, buf, len);
	net[n_net++].len = len;
	side = was;
}

static void pump(void)
{
	for (size_t i = 0; i < n_net; i++) {
		struct dgram d = net[i];

		side = d.to;
		engine_input(&eng[d.to], START_MS, &addr[d.to], 500,
			     &addr[!d.to], 500, d.buf, d.len);
		side = -1;
		free(d.buf);
	}
	n_net = 0;
}

/*
 * The kernel: SPIs counted up, every SA and policy accepted. With
 * MIF_MEM_XFRM set, each call also goes to mifd's XFRM backend (run
 * the bench in a network namespace of its own: unshare -n), whose
 * answer is ignored: what the backend and libnl keep counts too.
 */
static struct backend xfrm[2];
static bool use_xfrm;

#define XFRM(b, op, ...) do {						\
	struct backend *x = &xfrm[(intptr_t)(b)->priv];			\
									\
	if (use_xfrm)							\
		x->ops->op(x, __VA_ARGS__);				\
} while (0)

static int fake_alloc_spi(struct backend *b, const struct ip_addr *src,
			  const struct ip_addr *dst, uint32_t reqid,
			  uint32_t *spi)
{
	uint32_t ignored;

	XFRM(b, alloc_spi, src, dst, reqid, &ignored);
	*spi = next_spi[(intptr_t)b->priv]++;
	return 0;
}

static int fake_add_sa(struct backend *b, const struct kernel_sa *sa)
{
	XFRM(b, add_sa, sa);
	return 0;
}

static int fake_del_sa(struct backend *b, const struct ip_addr *dst,
		       uint32_t spi, uint32_t mark, uint32_t mark_mask)
{
	XFRM(b, del_sa, dst, spi, mark, mark_mask);
	return 0;
}

static int fake_add_policy(struct backend *b, const struct kernel_policy *p)
{
	XFRM(b, add_policy, p);
	return 0;
}

static int fake_del_policy(struct backend *b, const struct kernel_policy *p)
{
	XFRM(b, del_policy, p);
	return 0;
}

static const struct backend_ops fake_ops = {
	.alloc_spi = fake_alloc_spi,
	.add_sa = fake_add_sa,
	.del_sa = fake_del_sa,
	.add_policy = fake_add_policy,
	.del_policy = fake_del_policy,
};
static struct backend backend[2] = {
	{ .ops = &fake_ops, .priv = (void *)0 },
	{ .ops = &fake_ops, .priv = (void *)1 },
};

static void xf(struct conn_proposal *p, uint8_t type, uint16_t id,
	       uint16_t bits)
{
	p->xf[p->n].type = type;
	p->xf[p->n].id = id;
	p->xf[p->n++].key_len = bits;
}

static void sel4(struct ike_selector *s, uint32_t start, uint32_t end)
{
	memset(s, 0, sizeof(*s));
	s->type = IKE_TS_IPV4_ADDR_RANGE;
	s->end_port = 65535;
	for (int i = 0; i < 4; i++) {
		s->start[i] = (uint8_t)(start >> (24 - 8 * i));
		s->end[i] = (uint8_t)(end >> (24 - 8 * i));
	}
}

static void fqdn(struct conn_id *id, const char *name)
{
	id->type = IKE_ID_FQDN;
	id->len = strlen(name);
	memcpy(id->data, name, id->len);
}

/* As bench/ike.sh: side 0 connection k (its own ID, /32s), side 1 "r". */
static void make_conn(struct conn *c, int s, unsigned int k, char *name)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->local = addr[s];
	c->remote = addr[!s];
	c->local_port = c->remote_port = 500;
	c->n_ike = c->n_esp = 1;
	xf(&c->ike[0], IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256);
	xf(&c->ike[0], IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	xf(&c->ike[0], IKE_XF_DH, 31, 0);
	xf(&c->esp[0], IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256);
	xf(&c->esp[0], IKE_XF_ESN, IKE_ESN_NO, 0);
	memcpy(c->psk, "bench bench bench bench", 23);
	c->psk_len = 23;
	c->n_local_ts = c->n_remote_ts = 1;
	if (s == 0) {
		char id[32];

		snprintf(name, 16, "b%u", k);
		snprintf(id, sizeof(id), "i%u.bench", k);
		fqdn(&c->local_id, id);
		fqdn(&c->remote_id, "r.bench");
		sel4(&c->local_ts[0], 0xac100000u + k, 0xac100000u + k);
		sel4(&c->remote_ts[0], 0xac110000u + k, 0xac110000u + k);
	} else {
		strcpy(name, "r");
		fqdn(&c->local_id, "r.bench");
		c->remote_id.type = IKE_ID_FQDN;	/* len 0: any */
		sel4(&c->local_ts[0], 0xac110000u, 0xac11ffffu);
		sel4(&c->remote_ts[0], 0xac100000u, 0xac10ffffu);
	}
	c->unique = CONN_UNIQUE_NO;
	c->mif = !getenv("MIF_MEM_NO_MIF");	/* mifd's default */
	c->mode = KERNEL_MODE_TUNNEL;
	c->child_lifetime_s = 3600;
	c->retrans_base_ms = 1000;
	c->retrans_tries = 5;
	c->alt_after = 2;
}

static unsigned int established(const struct engine *e)
{
	unsigned int n = 0;

	for (const struct ikesa *sa = e->sas; sa; sa = sa->next)
		n += sa->state == IKESA_ESTABLISHED && sa->children;
	return n;
}

/* ---- call sites ---- */

struct site {
	void *site;
	int side;
	size_t bytes, n;
};

static int by_bytes(const void *a, const void *b)
{
	const struct site *x = a, *y = b;

	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

static void where(void *site, char *out, size_t max)
{
	Dl_info di;
	char cmd[512], line[256] = "";
	FILE *f;

	snprintf(out, max, "%p", site);
	if (!dladdr(site, &di) || !di.dli_fname)
		return;
	snprintf(cmd, sizeof(cmd), "addr2line -f -s -e %s %#lx 2>/dev/null",
		 di.dli_fname,
		 (unsigned long)((uintptr_t)site - (uintptr_t)di.dli_fbase - 1));
	f = popen(cmd, "r");
	if (f && fgets(line, sizeof(line), f) && line[0] != '?') {
		char file[200] = "";

		line[strcspn(line, "\n")] = 0;
		if (fgets(file, sizeof(file), f))
			file[strcspn(file, " \n")] = 0;
		snprintf(out, max, "%s %s", line, file);
	} else {
		snprintf(out, max, "%s%s%s", di.dli_sname ? di.dli_sname : "",
			 di.dli_sname ? " " : "", strrchr(di.dli_fname, '/') ?
			 strrchr(di.dli_fname, '/') + 1 : di.dli_fname);
	}
	if (f)
		pclose(f);
}

static void sites(unsigned int n, const struct block *before,
		  size_t n_before)
{
	size_t max = 4096, k = 0;
	struct site *s = calloc(max, sizeof(*s));

	if (!s)
		exit(1);
	for (unsigned int i = 0; i < TRACK_SLOTS; i++) {
		const struct block *b = &blocks[i];
		size_t j;

		if (!b->p || b->p == TOMB)
			continue;
		for (j = 0; j < k; j++)
			if (s[j].site == b->site && s[j].side == b->side)
				break;
		if (j == k && k < max)
			s[k++] = (struct site){ b->site, b->side, 0, 0 };
		if (j < k) {
			s[j].bytes += b->size;
			s[j].n++;
		}
	}
	/* The first SA's (and the engines' own) blocks are not per SA. */
	for (size_t i = 0; i < n_before; i++)
		for (size_t j = 0; j < k; j++)
			if (s[j].site == before[i].site &&
			    s[j].side == before[i].side) {
				s[j].bytes -= before[i].size;
				s[j].n--;
			}
	qsort(s, k, sizeof(*s), by_bytes);
	printf("  live blocks per IKE SA by call site (bytes asked, blocks):\n");
	for (size_t j = 0; j < k; j++) {
		char w[300];

		if ((ssize_t)s[j].bytes < (ssize_t)n)	/* under a byte per SA */
			continue;
		where(s[j].site, w, sizeof(w));
		printf("    %-9s %8.1f %6.2f  %s\n",
		       s[j].side ? "responder" : "initiator",
		       (double)s[j].bytes / n, (double)s[j].n / n, w);
	}
	free(s);
}

/* Pss of this process, KiB (smaps_rollup), 0 where there is none. */
static long pss_kib(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[128];
	long v = 0;
	int was = side;

	side = -1;
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Pss: %ld", &v) == 1)
				break;
		fclose(f);
	}
	side = was;
	return v;
}

/* ---- one run ---- */

static void run(unsigned int n, unsigned int window, const double base[2])
{
	struct conn *conns = calloc(n + 2, sizeof(*conns));
	char (*names)[16] = calloc(n + 2, 16);
	struct tally t0[2], t1[2];
	struct block *before;
	size_t n_before = 0;
	struct mallinfo2 m0, m1;
	long pss0 = 0, pss1;

	if (!conns || !names)
		exit(1);
	for (int s = 0; s < 2; s++) {
		struct engine_send send = { net_send, (void *)(intptr_t)s };

		if (engine_init(&eng[s], &backend[s], &send))
			exit(1);
		eng[s].cookie_threshold = 0;
		eng[s].half_open_max = 0;
		eng[s].half_open_max_peer = 0;
	}
	make_conn(&conns[n + 1], 1, 0, names[n + 1]);
	if (engine_add_conn(&eng[1], &conns[n + 1]))
		exit(1);
	for (unsigned int k = 0; k <= n; k++) {
		make_conn(&conns[k], 0, k, names[k]);
		if (engine_add_conn(&eng[0], &conns[k]))
			exit(1);
	}
	tracking = true;
	for (unsigned int k = 0; k <= n; k++) {
		side = 0;
		if (!engine_initiate(&eng[0], &conns[k], START_MS))
			exit(1);
		side = -1;
		if (k && k % window && k < n)
			continue;
		pump();
		if (k)
			continue;
		/* The baseline: one IKE SA up, as ike.sh's b0. */
		tally(t0);
		before = calloc(t0[0].n + t0[1].n + 1, sizeof(*before));
		if (!before)
			exit(1);
		for (unsigned int i = 0; i < TRACK_SLOTS; i++)
			if (blocks[i].p && blocks[i].p != TOMB &&
			    blocks[i].p != before)
				before[n_before++] = blocks[i];
		m0 = mallinfo2();
		pss0 = pss_kib();
	}
	m1 = mallinfo2();
	pss1 = pss_kib();
	tally(t1);
	tracking = false;
	if (established(&eng[0]) != n + 1 || established(&eng[1]) != n + 1) {
		fprintf(stderr, "ike_memory: %u and %u of %u IKE SAs up\n",
			established(&eng[0]), established(&eng[1]), n + 1);
		exit(1);
	}

	printf("\nN = %u, %u in flight (growth from 1 to %u IKE SAs, per IKE "
	       "SA)\n", n, window, n + 1);
	printf("  %-9s %10s %10s %8s", "role", "live B", "chunks B", "allocs");
	if (base)
		printf(" %12s", "baseline B");
	printf("\n");
	for (int s = 0; s < 2; s++) {
		printf("  %-9s %10.1f %10.1f %8.2f", s ? "responder" : "initiator",
		       (double)(t1[s].bytes - t0[s].bytes) / n,
		       (double)(t1[s].chunk_bytes - t0[s].chunk_bytes) / n,
		       (double)(t1[s].n - t0[s].n) / n);
		if (base)
			printf(" %12.1f", base[s]);
		printf("\n");
	}
	printf("  mallinfo2 in use, both engines: %.1f B per IKE SA "
	       "(arena %.1f)\n", (double)(m1.uordblks - m0.uordblks) / n,
	       (double)(m1.arena - m0.arena) / n);
	printf("  Pss of the process, both engines: %.1f B per IKE SA\n",
	       (double)(pss1 - pss0) * 1024 / n);
	sites(n, before, n_before);
	free(before);
	engine_free(&eng[0]);
	engine_free(&eng[1]);
	free(conns);
	free(names);
}

int main(int argc, char **argv)
{
	unsigned int ns[8] = { 1000, 10000 }, n_ns = 2;
	double base[2];
	const char *b = getenv("MIF_MEM_BASELINE");
	bool have_base = b && sscanf(b, "%lf %lf", &base[0], &base[1]) == 2;
	const char *wv = getenv("MIF_MEM_WINDOW");
	unsigned int window = wv ? (unsigned int)strtoul(wv, NULL, 0) : 100;

	blocks = mmap(NULL, TRACK_SLOTS * sizeof(*blocks),
		      PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		      0);
	if (blocks == MAP_FAILED ||
	    ip_addr_parse("10.9.0.1", &addr[0]) ||
	    ip_addr_parse("10.9.0.2", &addr[1]))
		return 1;
	if (getenv("MIF_MEM_MLOCK") &&
	    mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT))
		perror("mlockall");
	use_xfrm = getenv("MIF_MEM_XFRM") != NULL;
	for (int i = 0; use_xfrm && i < 2; i++)
		if (xfrm_backend_open(&xfrm[i])) {
			fprintf(stderr, "ike_memory: no XFRM backend\n");
			return 1;
		}
	if (argc > 1) {
		n_ns = 0;
		for (int i = 1; i < argc && n_ns < 8; i++)
			ns[n_ns++] = (unsigned int)strtoul(argv[i], NULL, 0);
	}
	printf("sizeof: ikesa %zu, childsa %zu, ikesa_request %zu, "
	       "ikesa_response %zu, reassembly %zu, dh %zu, ike_keys %zu, "
	       "sk_keys %zu, nat_state %zu, mobike_sa %zu, peer_alt_sa %zu, "
	       "engine %zu, conn %zu\n",
	       sizeof(struct ikesa), sizeof(struct childsa),
	       sizeof(struct ikesa_request), sizeof(struct ikesa_response),
	       sizeof(struct reassembly), sizeof(struct dh),
	       sizeof(struct ike_keys), sizeof(struct sk_keys),
	       sizeof(struct nat_state), sizeof(struct mobike_sa),
	       sizeof(struct peer_alt_sa), sizeof(struct engine),
	       sizeof(struct conn));
	for (unsigned int i = 0; i < n_ns; i++)
		run(ns[i], window, have_base ? base : NULL);
	return 0;
}
