// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzz targets' seed corpora (fuzz/corpus/TARGET/), from real
 * exchanges between two engines in memory (world.h): every datagram they
 * send, for the codec; the IKE_SA_INIT ones, for ike_sa_init; the inner
 * chains of the others, decrypted by their receiver, for engine; and
 * configurations and control requests written out below.
 *
 *	gen-corpus DIR		(make fuzz-corpus: DIR is fuzz/corpus)
 *
 * It writes over the files of its names only: the inputs kept there
 * because they once made a target fail stay.
 *
 * The exchanges, for each world kind: IKE_SA_INIT (also with a COOKIE
 * and after INVALID_KE_PAYLOAD), IKE_AUTH, CREATE_CHILD_SA (also after
 * INVALID_KE_PAYLOAD), the rekeying of a Child SA by either side and of
 * the IKE SA, Deletes of a Child SA and of the IKE SA, and liveness
 * checks. Keys, nonces and SPIs are random: every run writes other bytes.
 * The MIF notifies, which the engines do not send yet, are written out
 * below in messages of their own (fixed bytes), for the codec.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/engine.h"
#include "engine/ike_sa.h"
#include "ike/delete.h"
#include "ike/message.h"
#include "ike/mif.h"
#include "ike/mif_delete.h"
#include "ike/mif_add.h"
#include "ike/notify.h"
#include "ike/sa.h"
#include "engine_input.h"
#include "world.h"

static const char *out_dir;
static const char *const kind_name[WORLD_KINDS] = {
	[WORLD_PSK_GCM] = "psk-gcm", [WORLD_PSK_CBC] = "psk-cbc",
	[WORLD_CERT] = "cert", [WORLD_PFS] = "pfs",
};

/* What is being recorded. */
static struct {
	enum world_kind kind;
	const char *scene;	/* of the file names */
	bool detour;		/* IKE_SA_INIT variants: little else */
	unsigned int seq;	/* datagrams so far in this world */
	unsigned int files;
	/* The last request each side sent, for its answer's file. */
	int ask[2];
} rec;

static void __attribute__((format(printf, 4, 5)))
save(const char *target, const void *data, size_t len, const char *fmt, ...)
{
	char name[128], path[512];
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", out_dir, target);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, target, name);
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
	rec.files++;
}

static const char *exch_name(uint8_t exch)
{
	switch (exch) {
	case IKE_EXCH_IKE_SA_INIT:
		return "ike_sa_init";
	case IKE_EXCH_IKE_AUTH:
		return "ike_auth";
	case IKE_EXCH_CREATE_CHILD_SA:
		return "create_child_sa";
	case IKE_EXCH_INFORMATIONAL:
		return "informational";
	}
	return "exchange";
}

/* What a request asks, as the engine target arranges it. */
static int ask_of(uint8_t exch, const struct ike_chain *c)
{
	const struct ike_payload *pl;

	if (exch == IKE_EXCH_INFORMATIONAL) {
		pl = ike_chain_find(c, IKE_PL_DELETE, NULL);
		if (!pl)
			return ASK_DPD;
		return pl->del->protocol == IKE_PROTO_IKE ? ASK_DELETE_IKE :
							    ASK_DELETE_CHILD;
	}
	pl = ike_chain_find(c, IKE_PL_SA, NULL);
	if (pl && pl->sa->n_proposals &&
	    pl->sa->proposals[0].protocol == IKE_PROTO_IKE)
		return ASK_REKEY_IKE;
	if (ike_chain_find_notify(c, IKE_N_REKEY_SA))
		return ASK_REKEY_CHILD;
	return ASK_CREATE_CHILD;
}

/*
 * The engine target's input for an inner chain: how it reaches the
 * receiver to as the message did.
 */
static uint8_t engine_how(const struct ike_header *h, int to,
			  const struct ike_chain *c)
{
	bool response = h->flags & IKE_FLAG_RESPONSE;
	int from = !to;

	if (h->exchange == IKE_EXCH_IKE_AUTH)
		return ENGINE_IN(SCENE_AUTH, 0, response, rec.kind);
	if (!response) {
		rec.ask[from] = ask_of(h->exchange, c);
		return ENGINE_IN(to ? SCENE_TO_B : SCENE_TO_A, MSGID_NEXT, 0,
				 rec.kind);
	}
	return ENGINE_IN(SCENE_ANSWER, rec.ask[to], to, rec.kind);
}

/*
 * A few dozen files per target: the engine gets every inner chain of
 * one kind, the IKE_AUTH and CREATE_CHILD_SA ones of the others; the
 * codec the plain datagrams, the inner chains of one kind and IKE_AUTH's
 * of another, and two encrypted datagrams as they are.
 */
static bool engine_wants(uint8_t exch)
{
	if (rec.detour && exch == IKE_EXCH_IKE_AUTH)
		return false;
	return rec.kind == WORLD_PSK_GCM || exch == IKE_EXCH_IKE_AUTH ||
	       (rec.kind != WORLD_PSK_CBC &&
		exch == IKE_EXCH_CREATE_CHILD_SA);
}

static bool codec_wants(uint8_t exch, bool clear)
{
	if (rec.kind != WORLD_PSK_GCM && rec.kind != WORLD_CERT)
		return false;
	if (exch == IKE_EXCH_IKE_SA_INIT)
		return true;
	if (rec.detour)
		return false;
	if (clear)
		return rec.kind == WORLD_PSK_GCM || exch == IKE_EXCH_IKE_AUTH;
	return rec.kind == WORLD_PSK_GCM && exch == IKE_EXCH_IKE_AUTH;
}

/*
 * An SK message: its inner chain for the engine target, and for the
 * codec the message again with that chain in the clear.
 */
static void record_inner(struct world *w, const struct dgram *d, int to,
			 const struct ike_header *h, const char *name)
{
	bool we_init = !(h->flags & IKE_FLAG_INITIATOR);
	struct ike_message *m = calloc(1, sizeof(*m));
	struct ike_chain *c = calloc(1, sizeof(*c));
	struct ikesa_plain plain;
	struct ike_error err;
	struct ikesa *sa;
	uint8_t first, *buf;
	size_t len;

	sa = engine_find_sa(&w->e[to], we_init ? h->spi_i : h->spi_r,
			    we_init);
	if (!m || !c || !sa || ike_message_parse(m, d->buf, d->len, &err) ||
	    !m->chain.count ||
	    ikesa_decrypt(sa, d->buf, d->len, c, &plain, &err)) {
		fprintf(stderr, "gen-corpus: %s does not decrypt\n", name);
		exit(1);
	}
	first = m->chain.pl[m->chain.count - 1].next;
	len = IKE_HEADER_LEN + plain.len;
	buf = malloc(len > ENGINE_IN_HDR + plain.len ? len :
		     ENGINE_IN_HDR + plain.len);
	if (!buf)
		exit(1);
	buf[0] = h->exchange;
	buf[1] = engine_how(h, to, c);
	buf[2] = 0;
	buf[3] = first;
	memcpy(buf + ENGINE_IN_HDR, plain.p, plain.len);
	if (engine_wants(h->exchange))
		save("engine", buf, ENGINE_IN_HDR + plain.len, "%s", name);
	/* CREATE_CHILD_SA again: crossing a rekey, then an hour on. */
	if (engine_wants(h->exchange) && rec.kind == WORLD_PSK_GCM &&
	    ENGINE_IN_SCENE(buf[1]) != SCENE_ANSWER &&
	    h->exchange == IKE_EXCH_CREATE_CHILD_SA) {
		buf[2] = (uint8_t)((1 + ASK_REKEY_CHILD) | 31 << 3);
		save("engine", buf, ENGINE_IN_HDR + plain.len, "%s-crossing",
		     name);
	}
	if (codec_wants(h->exchange, true)) {
		memcpy(buf, d->buf, IKE_HEADER_LEN);
		buf[16] = first;
		buf[24] = (uint8_t)(len >> 24);
		buf[25] = (uint8_t)(len >> 16);
		buf[26] = (uint8_t)(len >> 8);
		buf[27] = (uint8_t)len;
		memcpy(buf + IKE_HEADER_LEN, plain.p, plain.len);
		save("codec", buf, len, "%s-clear", name);
	}
	free(buf);
	ike_chain_free(c);
	ikesa_plain_free(&plain);
	ike_message_free(m);
	free(m);
	free(c);
}

static void record(struct world *w, const struct dgram *d)
{
	struct ike_header h;
	struct ike_error err;
	char name[96];
	uint8_t *buf;
	int to = !d->from;

	if (ike_header_parse(&h, d->buf, d->len, &err)) {
		fprintf(stderr, "gen-corpus: a datagram does not parse\n");
		exit(1);
	}
	snprintf(name, sizeof(name), "%s-%s%s%02u-%s-%s", kind_name[rec.kind],
		 rec.scene, *rec.scene ? "-" : "", rec.seq++,
		 exch_name(h.exchange),
		 h.flags & IKE_FLAG_RESPONSE ? "response" : "request");
	if (codec_wants(h.exchange, false))
		save("codec", d->buf, d->len, "%s", name);
	/*
	 * A fragment (RFC 7383, the cert world's IKE_AUTH) holds part of
	 * an inner chain: the codec has it whole above, the engine target
	 * the messages that are whole.
	 */
	if (h.exchange != IKE_EXCH_IKE_SA_INIT && h.next != IKE_PL_SKF) {
		record_inner(w, d, to, &h, name);
		return;
	}
	/* ike_sa_init: answers to A, requests to B, B's cookie demand. */
	buf = malloc(d->len + 1);
	if (!buf)
		exit(1);
	buf[0] = (uint8_t)((to ? 0 : 1) | (w->e[1].cookie_required ? 2 : 0) |
			   rec.kind << 2);
	memcpy(buf + 1, d->buf, d->len);
	save("ike_sa_init", buf, d->len + 1, "%s", name);
	free(buf);
}

/* pump(), recording every datagram. */
static void run(struct world *w, uint64_t now)
{
	for (int i = 0; i < 100 && w->n; i++) {
		struct dgram d = pop(w);

		record(w, &d);
		deliver(w, &d, now);
		free(d.buf);
	}
	if (w->n) {
		fprintf(stderr, "gen-corpus: the engines do not settle\n");
		exit(1);
	}
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "gen-corpus: %s: %s failed\n",
			kind_name[rec.kind], what);
		exit(1);
	}
}

/*
 * An established pair of kind k for the exchanges of scene; its
 * IKE_SA_INIT and IKE_AUTH are recorded if record.
 */
static struct world *pair(enum world_kind k, const char *scene, bool record)
{
	struct world *w = world_new(k);

	rec.kind = k;
	rec.scene = scene;
	rec.seq = 0;
	if (record) {
		check(engine_initiate(&w->e[0], &w->c[0], 0) != NULL,
		      "initiate");
		run(w, 0);
	} else {
		world_establish(w, 0);
	}
	check(world_sa(w, 0) && world_sa(w, 1) &&
	      world_sa(w, 0)->state == IKESA_ESTABLISHED, "IKE_AUTH");
	return w;
}

/* Every exchange once, in pairs of kind k. */
static void exchanges(enum world_kind k)
{
	struct world *w = pair(k, "", true);
	struct ikesa *a = world_sa(w, 0), *b = world_sa(w, 1);

	check(!engine_create_child(&w->e[0], a, 1), "CREATE_CHILD_SA");
	run(w, 1);
	check(!engine_dpd(&w->e[1], b, 2), "DPD by B");
	run(w, 2);
	check(!engine_rekey_ike(&w->e[0], a, 3), "IKE SA rekey");
	run(w, 3);
	a = world_sa(w, 0);
	b = world_sa(w, 1);
	check(a && b && a->state == IKESA_ESTABLISHED, "IKE SA rekey");
	check(!engine_dpd(&w->e[0], a, 4), "DPD");
	run(w, 4);
	check(!engine_delete_ike(&w->e[1], b, 5), "IKE SA delete by B");
	run(w, 5);
	check(!w->e[0].sas && !w->e[1].sas, "IKE SA delete by B");
	world_free(w);

	/*
	 * On the Child SA of IKE_AUTH, which every pair of the engine
	 * target has too (with the same SPIs: the fake kernel counts
	 * them from a fixed start).
	 */
	w = pair(k, "rekey_a", false);
	a = world_sa(w, 0);
	check(!engine_rekey_child(&w->e[0], a, a->children, 1),
	      "Child SA rekey");
	run(w, 1);
	world_free(w);
	w = pair(k, "rekey_b", false);
	b = world_sa(w, 1);
	check(!engine_rekey_child(&w->e[1], b, b->children, 1),
	      "Child SA rekey by B");
	run(w, 1);
	world_free(w);
	w = pair(k, "delete", false);
	a = world_sa(w, 0);
	check(!engine_delete_child(&w->e[0], a, a->children, 1),
	      "Child SA delete");
	run(w, 1);
	world_free(w);
}

/*
 * IKE_SA_INIT with B demanding a COOKIE and with the wrong KE group, and
 * CREATE_CHILD_SA with the wrong one.
 */
static void detours(void)
{
	struct world *w = world_new(WORLD_PSK_GCM);

	rec.detour = true;
	rec.kind = WORLD_PSK_GCM;
	rec.scene = "cookie";
	rec.seq = 0;
	w->e[1].cookie_required = true;
	check(engine_initiate(&w->e[0], &w->c[0], 0) != NULL, "initiate");
	run(w, 0);
	check(world_sa(w, 0) && world_sa(w, 0)->state == IKESA_ESTABLISHED,
	      "COOKIE");
	world_free(w);

	w = world_new(WORLD_PSK_GCM);
	rec.scene = "invalid_ke";
	rec.seq = 0;
	/* A sends a KE for 31 but also offers 19; B takes 19 only. */
	set_ike(&w->c[1], IKE_DH_ECP_256, true);
	check(engine_initiate(&w->e[0], &w->c[0], 0) != NULL, "initiate");
	run(w, 0);
	check(world_sa(w, 0) && world_sa(w, 0)->state == IKESA_ESTABLISHED,
	      "INVALID_KE_PAYLOAD");
	world_free(w);

	/* The same for a Child SA with PFS: B takes 19 only there too. */
	w = pair(WORLD_PFS, "invalid_ke", false);
	for (unsigned int i = 0; i < w->c[1].esp[0].n; i++)
		if (w->c[1].esp[0].xf[i].type == IKE_XF_DH)
			w->c[1].esp[0].xf[i].id = IKE_DH_ECP_256;
	check(!engine_create_child(&w->e[0], world_sa(w, 0), 1),
	      "CREATE_CHILD_SA");
	run(w, 1);
	check(world_sa(w, 0)->children && world_sa(w, 0)->children->next,
	      "CREATE_CHILD_SA after INVALID_KE_PAYLOAD");
	world_free(w);
}

static const char *const configs[][2] = {
	{ "minimal",
	  "[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
	  "psk = 0x00112233445566778899aabbccddeeff\n" },
	{ "everything",
	  "[mifd]\n"
	  "log_level = debug\n"
	  "socket = /tmp/x.sock\n"
	  "cookie_threshold = 10\n"
	  "cookie_modp = no\n"
	  "half_open_max = 100\n"
	  "half_open_max_peer = 3\n"
	  "control_group = root\n"
	  "\n"
	  "[conn one]\n"
	  "local = 10.1.1.1\n"
	  "remote = 10.1.1.2\n"
	  "local_port = 4500\n"
	  "remote_port = 4501\n"
	  "local_id = fqdn:eu.example\n"
	  "remote_id = email:sg@example.org\n"
	  "auth = psk\n"
	  "psk = 0x00ff10aabbccddeeff00112233445566\n"
	  "ike = aes256gcm16-prf_sha256-x25519, aes128-sha256-modp2048\n"
	  "esp = aes256-sha256-x25519-esn, chacha20poly1305\n"
	  "local_ts = 172.16.1.0/24, 10.0.0.1[tcp/80-90]\n"
	  "remote_ts = 172.17.0.1/32\n"
	  "mode = transport\n"
	  "dpd = 2\n"
	  "ike_lifetime = 1h\n"
	  "child_lifetime = 20m\n"
	  "retransmit_base = 300ms\n"
	  "retransmit_tries = 3\n"
	  "unique = no\n"
	  "ike_reauth = yes\n"
	  "rsa_sha1 = no\n"
	  "start = yes\n"
	  "[conn two]\n"
	  "local = fd01:2::1\n"
	  "remote = %any\n"
	  "remote_ts = fd00::/8, ::/0[udp/53]\n"
	  "remote_id = %any\n"
	  "local_id = dn:CN=eu, O=mif, OU=x, C=DE, L=a, ST=b, SN=c, "
	  "serialNumber=1\n"
	  "psk = a long enough passphrase for a test\n" },
	{ "certs",
	  "[conn office]\n"
	  "local = 10.1.3.1\n"
	  "remote = 10.1.3.2\n"
	  "local_id = ip:10.1.3.1\n"
	  "remote_id = sg@example.org\n"
	  "auth = pubkey\n"
	  "cert = /etc/mifd/certs/eu.pem\n"
	  "key = /etc/mifd/private/eu.key\n"
	  "ca_dir = /etc/mifd/cacerts\n"
	  "rsa_pss = yes\n"
	  "ike = aes256gcm16-prf_sha256-ecp256\n"
	  "esp = aes256gcm16\n"
	  "[conn office2]\n"
	  "local = 10.1.4.1\n"
	  "remote = 10.1.4.2\n"
	  "auth = ecdsa384\n"
	  "cert = /etc/mifd/certs/eu.pem\n"
	  "key = /etc/mifd/private/eu.key\n"
	  "ca_dir = /etc/mifd/cacerts\n"
	  "[conn rsa]\n"
	  "local = 10.1.5.1\n"
	  "remote = 10.1.5.2\n"
	  "auth = rsa\n"
	  "cert = /etc/mifd/certs/rsa.pem\n"
	  "key = /etc/mifd/private/rsa.key\n"
	  "ca_dir = /etc/mifd/cacerts\n" },
	{ "errors",
	  "local = 1.2.3.4\n"
	  "[mifd]\nlog_level = loud\nsocket = relative\n"
	  "cookie_threshold = -1\n[mifd]\n"
	  "[conn a]\nlocal = 192.0.2.300\nremote = 198.51.100.2\n"
	  "psk = s\ncolour = blue\nike = aes256-sha256-modp1024\n"
	  "esp = aes256\nlocal_ts = 10.0.0.0/33\nmode = sideways\n"
	  "dpd = -1\nike_lifetime = 0.5\nretransmit_base = 1ms\n"
	  "retransmit_tries = 21\nstart = maybe\ncacert = /x\n"
	  "[conn a]\n[conn b c]\n[other]\n[conn d\n"
	  "[conn e]\nlocal = 192.0.2.1\nlocal = 192.0.2.2\n"
	  "remote = fd00::1\npsk = 0x123\n" },
};

static const char *const requests[][2] = {
	{ "status", "{\"cmd\": \"status\"}\n" },
	{ "list", "{\"cmd\": \"list\"}\n{\"cmd\": \"list\", \"conn\": \"wifi\"}\n" },
	{ "up-down", "{\"cmd\": \"up\", \"conn\": \"lte\"}\n"
		     "{\"cmd\":\"down\",\"conn\":\"lte\"}\r\n" },
	{ "reload", "{\"cmd\": \"reload\"}\n" },
	{ "errors", "{\"cmd\": 1}\n[]\n{\"cmd\": \"up\"}\n"
		    "{\"cmd\": \"up\", \"conn\": 2}\n"
		    "{\"cmd\": \"up\", \"conn\": \"nope\"}\n"
		    "{\"cmd\": \"up\", \"conn\": \"any\"}\n"
		    "{\"cmd\": \"fly\"}\n{\n\n" },
};

static void files(void)
{
	char buf[4096];
	FILE *f = fopen("docs/examples/mifd.conf", "r");
	size_t n;

	if (!f) {
		perror("docs/examples/mifd.conf");
		exit(1);
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	save("conf", buf, n, "example");
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
		save("conf", configs[i][1], strlen(configs[i][1]), "%s",
		     configs[i][0]);
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		/* Byte 0: the whole request at once, then in pieces of 9. */
		for (int piece = 0; piece < 2; piece++) {
			n = strlen(requests[i][1]);
			buf[0] = piece ? 1 : (char)0xff;
			memcpy(buf + 1, requests[i][1], n);
			save("control", buf, n + 1, "%s%s", requests[i][0],
			     piece ? "-pieces" : "");
		}
	}
}

/* A MIF notify's data, built into w; the notify points at it. */
static void mif_notify(struct ike_chain *c, struct ike_notify *n,
		       uint16_t type, struct ike_writer *w, int built)
{
	struct ike_error err;

	check(built == 0 && ike_writer_ok(w), "a MIF notify builds");
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->data = w->p;
	n->len = w->len;
	check(!ike_chain_add(c, IKE_PL_NOTIFY, n, &err), "a notify is added");
}

/*
 * A request in the clear carrying MIF notifies (the codec does not care
 * that they belong inside SK): MIF_SUPPORTED, n interfaces with a
 * addresses of each family (the third, when not full, down and without
 * address), and an IPv4 and an IPv6 path.
 */
static void mif_message(const char *name, unsigned int n, unsigned int a)
{
	struct mif_supported sup = { .version = MIF_PROTO_VERSION };
	static struct mif_interfaces ifs;
	struct mif_child_path path4 = { .req_id = 1, .resp_id = 0,
					.family = MIF_AF_IPV4,
					.req_addr = { 192, 0, 2, 1 },
					.resp_addr = { 198, 51, 100, 1 } };
	struct mif_child_path path6 = { .req_id = 2, .resp_id = 7,
					.family = MIF_AF_IPV6,
					.req_addr = { 0x20, 0x01, 0x0d, 0xb8,
						      [15] = 1 },
					.resp_addr = { 0x20, 0x01, 0x0d, 0xb8,
						       [15] = 2 } };
	struct ike_message m = {
		.hdr = { .spi_i = 0x0123456789abcdefULL,
			 .spi_r = 0xfedcba9876543210ULL,
			 .exchange = IKE_EXCH_INFORMATIONAL,
			 .flags = IKE_FLAG_INITIATOR, .msg_id = 2 },
	};
	struct ike_writer w[4], out;
	struct ike_notify nt[4];
	struct ike_error err;

	memset(&ifs, 0, sizeof(ifs));
	ifs.n = n;
	for (unsigned int i = 0; i < n; i++) {
		ifs.iface[i].id = (uint16_t)(i + 1);
		ifs.iface[i].prio = (uint8_t)(10 * i);
		if (i == 2 && n < MIF_MAX_IFACES) {
			ifs.iface[i].flags = MIF_IFACE_DOWN;	/* no address */
			continue;
		}
		ifs.iface[i].n4 = (uint8_t)a;
		ifs.iface[i].n6 = (uint8_t)a;
		for (unsigned int k = 0; k < a; k++) {
			uint8_t *v4 = ifs.iface[i].addr4[k];
			uint8_t *v6 = ifs.iface[i].addr6[k];

			v4[0] = 10;
			v4[2] = (uint8_t)i;
			v4[3] = (uint8_t)(k + 1);
			v6[0] = 0x20;
			v6[1] = 0x01;
			v6[2] = 0x0d;
			v6[3] = 0xb8;
			v6[14] = (uint8_t)i;
			v6[15] = (uint8_t)(k + 1);
		}
	}
	for (int i = 0; i < 4; i++)
		ike_writer_init(&w[i]);
	ike_writer_init(&out);
	mif_notify(&m.chain, &nt[0], IKE_N_MIF_SUPPORTED, &w[0],
		   mif_supported_build(&w[0], &sup, &err));
	mif_notify(&m.chain, &nt[1], IKE_N_MIF_INTERFACES, &w[1],
		   mif_interfaces_build(&w[1], &ifs, &err));
	mif_notify(&m.chain, &nt[2], IKE_N_MIF_CHILD_PATH, &w[2],
		   mif_child_path_build(&w[2], &path4, &err));
	mif_notify(&m.chain, &nt[3], IKE_N_MIF_CHILD_PATH, &w[3],
		   mif_child_path_build(&w[3], &path6, &err));
	check(!ike_message_build(&out, &m, &err) && ike_writer_ok(&out),
	      "a MIF message builds");
	save("codec", out.p, out.len, "%s", name);
	ike_chain_free(&m.chain);
	ike_writer_free(&out);
	for (int i = 0; i < 4; i++)
		ike_writer_free(&w[i]);
}

/* MIF_DELETE_INTERFACE: an IPv4 address, an IPv6 one, a whole interface. */
static void mif_delete_message(const char *name)
{
	static const struct mif_delete d[3] = {
		{ .id = 2, .family = MIF_AF_IPV4, .addr = { 192, 0, 2, 11 } },
		{ .id = 0, .family = MIF_AF_IPV6,
		  .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 11 } },
		{ .id = 3, .family = MIF_AF_ALL },
	};
	struct ike_message m = {
		.hdr = { .spi_i = 0x0123456789abcdefULL,
			 .spi_r = 0xfedcba9876543210ULL,
			 .exchange = IKE_EXCH_INFORMATIONAL,
			 .flags = IKE_FLAG_INITIATOR, .msg_id = 3 },
	};
	struct ike_writer w[3], out;
	struct ike_notify nt[3];
	struct ike_error err;

	ike_writer_init(&out);
	for (int i = 0; i < 3; i++) {
		ike_writer_init(&w[i]);
		mif_notify(&m.chain, &nt[i], IKE_N_MIF_DELETE_INTERFACE, &w[i],
			   mif_delete_build(&w[i], &d[i], &err));
	}
	check(!ike_message_build(&out, &m, &err) && ike_writer_ok(&out),
	      "a MIF_DELETE_INTERFACE message builds");
	save("codec", out.p, out.len, "%s", name);
	ike_chain_free(&m.chain);
	ike_writer_free(&out);
	for (int i = 0; i < 3; i++)
		ike_writer_free(&w[i]);
}

/*
 * MIF_ADD_INTERFACE, an IPv6 request naming the peer's address and two
 * sources, and a response, each in an INFORMATIONAL with its Nonce.
 */
static void mif_add_message(const char *name, bool response)
{
	static struct mif_add a;
	static struct mif_add_reply r;
	static const uint8_t nonce[32] = { 1, 2, 3 };
	struct ike_nonce nn = { .data = nonce, .len = sizeof(nonce) };
	struct ike_message m = {
		.hdr = { .spi_i = 0x0123456789abcdefULL,
			 .spi_r = 0xfedcba9876543210ULL,
			 .exchange = IKE_EXCH_INFORMATIONAL,
			 .flags = response ? IKE_FLAG_RESPONSE :
					     IKE_FLAG_INITIATOR,
			 .msg_id = 3 },
	};
	struct ike_writer w, out;
	struct ike_notify nt;
	struct ike_error err;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	a.id = 4;
	a.prio = 100;
	a.flags = MIF_ADD_PEER;
	a.family = MIF_AF_IPV6;
	a.addr[0] = a.peer[0] = 0x20;
	a.addr[1] = a.peer[1] = 0x01;
	a.addr[15] = 4;
	a.peer[15] = 9;
	a.n_from = 2;
	a.from[0] = 1;
	a.from[1] = 2;
	a.n_sas = r.n_sas = 3;
	for (unsigned int i = 0; i < 3; i++) {
		a.sa[i].src_spi = r.sa[i].src_spi = 0xc0000100u + i;
		a.sa[i].new_spi = 0xc0000200u + i;
		r.sa[i].new_spi = 0xd0000200u + i;
	}
	ike_writer_init(&w);
	ike_writer_init(&out);
	check(!ike_chain_add(&m.chain, IKE_PL_NONCE, &nn, &err),
	      "a nonce is added");
	mif_notify(&m.chain, &nt, IKE_N_MIF_ADD_INTERFACE, &w,
		   response ? mif_add_reply_build(&w, &r, &err) :
			      mif_add_build(&w, &a, &err));
	check(!ike_message_build(&out, &m, &err) && ike_writer_ok(&out),
	      "a MIF_ADD_INTERFACE message builds");
	save("codec", out.p, out.len, "%s", name);
	ike_chain_free(&m.chain);
	ike_writer_free(&out);
	ike_writer_free(&w);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen-corpus DIR\n");
		return 2;
	}
	out_dir = argv[1];
	if (mkdir(out_dir, 0755) && errno != EEXIST) {
		perror(out_dir);
		return 1;
	}
	for (int k = 0; k < WORLD_KINDS; k++)
		exchanges((enum world_kind)k);
	detours();
	files();
	mif_message("mif-notifies", 3, 2);
	mif_message("mif-interfaces-full", MIF_MAX_IFACES, MIF_MAX_ADDRS);
	mif_delete_message("mif-delete");
	mif_add_message("mif-add-request", false);
	mif_add_message("mif-add-response", true);
	printf("gen-corpus: %u files in %s\n", rec.files, out_dir);
	return 0;
}
