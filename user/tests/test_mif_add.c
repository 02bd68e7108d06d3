// SPDX-License-Identifier: GPL-2.0
/*
 * Adding an interface (docs/protocol/mif.md, MIF_ADD_INTERFACE): the
 * codec, the keys of the derived Child SAs, and the exchange between two
 * engines on the in-memory network of harness.c with the fake backend.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keys.h"
#include "daemon/daemon.h"
#include "daemon/iface_cmd.h"
#include "engine/engine.h"
#include "engine/cfg.h"
#include "engine/cfg_add.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/mif_add.h"
#include "engine/pool.h"
#include "ike/constants.h"
#include "ike/mif.h"
#include "ike/mif_add.h"

#include "harness.h"

/* The codec. */

static const uint8_t req4[] = {
	0x00, 0x02, 0x96, 0x01,		/* ID 2, priority 150, P */
	0x01, 0x01, 0x00, 0x02,		/* IPv4, 1 source, 2 SAs */
	192, 0, 2, 11,			/* new address */
	198, 51, 100, 12,		/* peer address */
	0x00, 0x01,			/* from interface 1 */
	0xa0, 0x00, 0x00, 0x01, 0xa0, 0x00, 0x00, 0x10,
	0xa0, 0x00, 0x00, 0x02, 0xa0, 0x00, 0x00, 0x11,
};

static void codec_request(void **state)
{
	struct mif_add *a = malloc(sizeof(*a));
	struct ike_writer w;
	struct ike_error err;

	assert_non_null(a);
	assert_int_equal(mif_add_parse(a, req4, sizeof(req4), &err), 0);
	assert_int_equal(a->id, 2);
	assert_int_equal(a->prio, 150);
	assert_int_equal(a->flags, MIF_ADD_PEER);
	assert_int_equal(a->n_from, 1);
	assert_int_equal(a->from[0], 1);
	assert_int_equal(a->n_sas, 2);
	assert_int_equal(a->sa[1].src_spi, 0xa0000002u);
	assert_int_equal(a->sa[1].new_spi, 0xa0000011u);
	ike_writer_init(&w);
	assert_int_equal(mif_add_build(&w, a, &err), 0);
	assert_int_equal(w.len, sizeof(req4));
	assert_memory_equal(w.p, req4, sizeof(req4));
	ike_writer_free(&w);
	free(a);
}

/* req4 with one octet changed (at off, to v), or shortened by cut. */
static void refused(size_t off, uint8_t v, size_t cut, enum ike_err code)
{
	struct mif_add *a = malloc(sizeof(*a));
	uint8_t d[sizeof(req4)];
	struct ike_error err;

	assert_non_null(a);
	memcpy(d, req4, sizeof(d));
	d[off] = v;
	assert_int_equal(mif_add_parse(a, d, sizeof(d) - cut, &err), -1);
	assert_int_equal(err.code, code);
	assert_int_equal(err.notify, IKE_N_MIF_UNACCEPTABLE_ADD);
	assert_int_equal(a->n_sas, 0);
	free(a);
}

static void codec_refusals(void **state)
{
	refused(0, 0, sizeof(req4) - 7, IKE_ERR_TRUNCATED);
	refused(4, 3, 0, IKE_ERR_SYNTAX);		/* family */
	refused(1, 0, 0, IKE_ERR_SYNTAX);		/* ID 0 */
	refused(8, 127, 0, IKE_ERR_SYNTAX);		/* loopback */
	refused(17, 2, 0, IKE_ERR_SYNTAX);		/* from = new */
	refused(5, 17, 0, IKE_ERR_LIMIT);		/* 17 sources */
	refused(6, 0x04, 0, IKE_ERR_LIMIT);		/* 1025 SAs */
	refused(7, 3, 0, IKE_ERR_LENGTH);		/* count */
	refused(0, 0, 1, IKE_ERR_LENGTH);
	refused(29, 0x01, 0, IKE_ERR_SYNTAX);		/* source twice */
	refused(33, 0x10, 0, IKE_ERR_SYNTAX);		/* new SPI twice */
}

/* The builder checks what the parser does. */
static void codec_build_checks(void **state)
{
	struct mif_add *a = malloc(sizeof(*a));
	struct ike_writer w;
	struct ike_error err;

	assert_non_null(a);
	assert_int_equal(mif_add_parse(a, req4, sizeof(req4), &err), 0);
	a->sa[0].new_spi = 255;
	ike_writer_init(&w);
	assert_int_equal(mif_add_build(&w, a, &err), -1);
	a->sa[0].new_spi = 0x1000;
	memcpy(a->peer, a->addr, 4);
	assert_int_equal(mif_add_build(&w, a, &err), -1);
	a->flags = 0;
	a->n_sas = 0;
	assert_int_equal(mif_add_build(&w, a, &err), -1);
	ike_writer_free(&w);
	free(a);
}

static void codec_reply(void **state)
{
	static const uint8_t rep[] = {
		0x00, 0x01, 0xff, 0xff,
		0xa0, 0x00, 0x00, 0x01, 0xb0, 0x00, 0x00, 0x10,
	};
	struct mif_add_reply *r = malloc(sizeof(*r));
	struct ike_writer w;
	struct ike_error err;
	uint8_t d[sizeof(rep)];

	assert_non_null(r);
	assert_int_equal(mif_add_reply_parse(r, rep, sizeof(rep), &err), 0);
	assert_int_equal(r->n_sas, 1);
	assert_int_equal(r->sa[0].new_spi, 0xb0000010u);
	ike_writer_init(&w);
	assert_int_equal(mif_add_reply_build(&w, r, &err), 0);
	/* RESERVED is sent as zero. */
	assert_int_equal(w.len, sizeof(rep));
	assert_int_equal(w.p[2], 0);
	ike_writer_free(&w);
	memcpy(d, rep, sizeof(d));
	d[1] = 0;
	assert_int_equal(mif_add_reply_parse(r, d, sizeof(d), &err), -1);
	assert_int_equal(mif_add_reply_parse(r, rep, 3, &err), -1);
	assert_int_equal(err.code, IKE_ERR_TRUNCATED);
	free(r);
}

/*
 * The keys of derived Child SA j, against values computed apart with
 * Python's hmac module: SK_d = 00 01 .. 1f, Ni = 40 .. 5f, Nr = 80 .. 9f,
 * PRF_HMAC_SHA2_256, AES-GCM-16 with 128-bit keys (20 octets with the
 * salt each way):
 *	KEYMAT_j = prf+(SK_d, "MIF" | Ni | Nr | j), j as 4 octets.
 */
static const char *const kat_mif[] = {
	"6d3e9aa07a91da9193877bc962cae43ce27fed18df225d15001e89a7dbf91b5f662007a8f2eae832",
	"2f8e88da51bba02f14156d2952a11c5b8ad2a3d2bdfe39e0e4074ded84215ee821beeb272832033b",
	"784619320c227413074557f5d16dd43eb779543b3a2ac6c4bad89be74f7e27970921d6256294f264",
};

static void unhex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sscanf(s + 2 * i, "%2hhx", &out[i]), 1);
}

static void keys_vector(void **state)
{
	static const uint32_t js[] = { 1, 2, 1000 };
	const struct transform *gcm = transform_find(IKE_XF_ENCR,
						     IKE_ENCR_AES_GCM_16, 128);
	struct ike_keys ike;
	struct child_keys k;
	uint8_t ni[32], nr[32], km[40];

	memset(&ike, 0, sizeof(ike));
	ike.prf = transform_find(IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	assert_non_null(ike.prf);
	assert_non_null(gcm);
	for (int i = 0; i < 32; i++) {
		ike.sk_d[i] = (uint8_t)i;
		ni[i] = (uint8_t)(0x40 + i);
		nr[i] = (uint8_t)(0x80 + i);
	}
	for (int i = 0; i < 3; i++) {
		assert_int_equal(child_keys_derive_mif(&k, &ike, gcm, NULL,
						       ni, 32, nr, 32, js[i]),
				 0);
		unhex(kat_mif[i], km, sizeof(km));
		assert_memory_equal(k.encr_i, km, 20);
		assert_memory_equal(k.encr_r, km + 20, 20);
		child_keys_destroy(&k);
	}
}

/* The exchange. */

static void log_fn(void *ctx, enum engine_log_level level,
		   const struct ikesa *sa, const char *msg)
{
	if (getenv("TEST_LOG"))
		fprintf(stderr, "%s: %s\n", (const char *)ctx, msg);
}

#define N_MAX	10

struct kids {
	struct conn_child c[2][N_MAX];
	char name[N_MAX][16];
};

/* s services, TCP to port 8000 + i, as test_children.c makes them. */
static void services(struct world *w, struct kids *k, unsigned int s)
{
	for (unsigned int i = 0; i < s; i++) {
		snprintf(k->name[i], sizeof(k->name[i]), "s%u", i);
		for (int side = 0; side < 2; side++)
			service_child(&k->c[side][i], &w->c[side], side,
				      k->name[i], (uint16_t)(8000 + i));
	}
	for (int side = 0; side < 2; side++) {
		w->c[side].n_children = s;
		w->c[side].children = k->c[side];
	}
}

/*
 * Figure 10: A, the end user, with eth0 (192.0.2.1, the IKE SA's) and
 * eth1 (192.0.2.11), s services on eth0; B, the gateway, eth0 only.
 */
static struct world *world_new(struct kids *k, unsigned int s, bool mif_b)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);

	for (int i = 0; i < 2; i++) {
		engine_set_log(&w->e[i], &(struct engine_log){
			log_fn, (void *)(i ? "B" : "A") });
		test_pattern(&w->c[i], "eth0", 200);
		test_pattern(&w->c[i], "eth1", 150);
	}
	w->c[0].mif = true;
	w->c[1].mif = mif_b;
	services(w, k, s);
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	test_iface_up(&w->e[0], 2, "eth0", "192.0.2.1");
	test_iface_up(&w->e[0], 3, "eth1", "192.0.2.11");
	test_iface_up(&w->e[1], 7, "eth0", "198.51.100.2");
	return w;
}


static struct ikesa *establish(struct world *w, unsigned int s)
{
	struct ikesa *a;

	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	pump(w, 0);
	test_settle(w, 0);
	a = only_sa(w, 0);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	assert_int_equal(n_children(a), s);
	assert_int_equal(n_children(only_sa(w, 1)), s);
	return a;
}

static unsigned int on_addr(const struct ikesa *sa, const char *local)
{
	struct ip_addr l = test_ip(local);
	unsigned int n = 0;

	for (const struct childsa *c = sa->children; c; c = c->next)
		n += ip_addr_equal(&c->local, &l);
	return n;
}

/* The live SA of f with SPI spi at dst, or NULL. */
static const struct kernel_sa *sa_of(const struct fake *f, uint32_t spi,
				     const struct ip_addr *dst)
{
	for (unsigned int i = 0; i < f->n_sas; i++)
		if (f->sa_live[i] && f->sas[i].spi == spi &&
		    ip_addr_equal(&f->sas[i].dst, dst))
			return &f->sas[i];
	return NULL;
}

/*
 * Every derived Child SA of A is B's too, mirrored, on the new pair; its
 * keys are those of B's SA of the same direction and no other SA's.
 */
static void check_derived(struct world *w, unsigned int s)
{
	struct ikesa *a = only_sa(w, 0), *b = only_sa(w, 1);
	struct ip_addr na = test_ip("192.0.2.11"), gw = test_ip("198.51.100.2");

	assert_int_equal(on_addr(a, "192.0.2.11"), s);
	assert_int_equal(n_children(a), 2 * s);
	assert_int_equal(n_children(b), 2 * s);
	for (const struct childsa *c = a->children; c; c = c->next) {
		const struct childsa *p;
		const struct kernel_sa *in, *pout, *out, *pin;

		if (!ip_addr_equal(&c->local, &na))
			continue;
		assert_true(c->installed);
		assert_true(ip_addr_equal(&c->remote, &gw));
		assert_true(c->rekey_at > 0);
		p = ikesa_find_child(b, c->spi_out, true);
		assert_non_null(p);
		assert_int_equal(p->spi_out, c->spi_in);
		assert_true(ip_addr_equal(&p->remote, &na));
		assert_int_equal(p->remote_iface, c->local_iface);
		assert_int_equal(c->reqid & IKESA_REQID_MASK, a->reqid_base);
		in = sa_of(&w->f[0], c->spi_in, &na);
		pout = sa_of(&w->f[1], c->spi_in, &na);
		assert_non_null(in);
		assert_non_null(pout);
		assert_int_equal(in->encr_key_len, pout->encr_key_len);
		assert_memory_equal(in->encr_key, pout->encr_key,
				    in->encr_key_len);
		/* And the other way: A's outbound is B's inbound. */
		out = sa_of(&w->f[0], c->spi_out, &gw);
		pin = sa_of(&w->f[1], c->spi_out, &gw);
		assert_non_null(out);
		assert_non_null(pin);
		assert_memory_equal(out->encr_key, pin->encr_key,
				    out->encr_key_len);
		assert_memory_not_equal(out->encr_key, in->encr_key,
					in->encr_key_len);
		/* No other live SA of A has that key. */
		for (unsigned int i = 0; i < w->f[0].n_sas; i++) {
			const struct kernel_sa *o = &w->f[0].sas[i];

			if (!w->f[0].sa_live[i] || o == in)
				continue;
			assert_memory_not_equal(o->encr_key, in->encr_key,
						in->encr_key_len);
		}
	}
}

/* s services; by_cmd: as mifctl's command does it, from eth0 by name. */
static void add(unsigned int s, bool by_cmd)
{
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_new(k, s, true);
	struct ikesa *a = establish(w, s);
	struct ip_addr na = test_ip("192.0.2.11"), eth0 = test_ip("192.0.2.1");
	unsigned int sent = w->sent, allocs = live_allocs(&w->f[0]);
	unsigned int pols[2] = { live_pols(&w->f[0]), live_pols(&w->f[1]) };
	struct engine_iface_op r;

	assert_int_equal(a->mif_status, MIF_ON);
	if (by_cmd) {
		assert_int_equal(engine_iface_add(&w->e[0], "none", &na, &eth0,
						  1, NULL, false, 10, &r),
				 -ENOENT);
		assert_int_equal(engine_iface_add(&w->e[0], NULL, &na, &eth0,
						  1, NULL, false, 10, &r), 0);
		assert_int_equal(r.started, 1);
	} else {
		assert_int_equal(mif_add_start(a, &na, NULL, 0, NULL, false,
					       10), 0);
	}
	/* A second one waits for the window. */
	assert_int_equal(mif_add_start(a, &na, NULL, 0, NULL, false, 10),
			 -EAGAIN);
	assert_int_equal(live_allocs(&w->f[0]), allocs + s);
	pump(w, 10);
	/* One exchange, one clone each side. */
	assert_int_equal(w->sent - sent, 2);
	assert_int_equal(w->f[0].n_clone, 1);
	assert_int_equal(w->f[1].n_clone, 1);
	assert_int_equal(w->f[0].n_add_sa + w->f[1].n_add_sa, 4 * s);
	check_derived(w, s);
	/* The tunnels' policies stay where they were: no traffic moves. */
	assert_int_equal(live_pols(&w->f[0]), pols[0]);
	assert_int_equal(live_pols(&w->f[1]), pols[1]);
	assert_int_equal(w->f[0].n_upd_pol + w->f[1].n_upd_pol, 0);
	/*
	 * The skip rule: every selector has a Child SA on the new pair
	 * now, so a second add derives nothing.
	 */
	assert_int_equal(mif_add_start(a, &na, NULL, 0, NULL, false, 20),
			 -ENOENT);
	test_world_free(w);
	free(k);
}

static void add_one(void **state)
{
	add(1, false);
}

static void add_ten(void **state)
{
	add(10, true);
}

/* The command's arguments, refused with a reason. */
static const char *cmd_error(struct daemon *d, const char *const *args,
			     unsigned int n)
{
	static char msg[256];
	struct json_object *req = json_object_new_object();
	struct json_object *a = json_object_new_array(), *rep, *v;

	json_object_object_add(req, "cmd", json_object_new_string("iface"));
	json_object_object_add(req, "op", json_object_new_string("add"));
	for (unsigned int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(args[i]));
	json_object_object_add(req, "args", a);
	rep = iface_cmd(d, req);
	msg[0] = 0;
	if (json_object_object_get_ex(rep, "error", &v))
		snprintf(msg, sizeof(msg), "%s", json_object_get_string(v));
	json_object_put(rep);
	json_object_put(req);
	return msg;
}

static void command(void **state)
{
	static struct daemon d;
	static const char *const none[] = { "x" };
	static const char *const bad_from[] = { "192.0.2.11", "from" };
	static const char *const bad_peer[] = { "192.0.2.11", "peer", "x" };
	static const char *const word[] = { "192.0.2.11", "via", "eth0" };
	static const char *const cfg[] = { "192.0.2.11", "cfg" };
	static const char *const other[] = { "192.0.2.11", "from",
					     "192.0.2.1" };
	static const char *const ok[] = { "192.0.2.11", "peer",
					  "198.51.100.2", "conn", "eu" };

	assert_non_null(strstr(cmd_error(&d, none, 1), "new local address"));
	assert_non_null(strstr(cmd_error(&d, bad_from, 2), "from needs"));
	assert_non_null(strstr(cmd_error(&d, bad_peer, 3), "peer needs"));
	assert_non_null(strstr(cmd_error(&d, word, 3), "unexpected \"via\""));
	assert_non_null(strstr(cmd_error(&d, cfg, 2), "no established"));
	assert_non_null(strstr(cmd_error(&d, other, 3), "none of our"));
	assert_non_null(strstr(cmd_error(&d, ok, 5),
			       "no established IKE SA of eu"));
}

/*
 * A backend without clone_addr: the same Child SAs, installed one by
 * one, the policies left with the Child SAs they had, as a clone does.
 */
static void without_clone(void **state)
{
	static struct backend_ops noclone;
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_new(k, 4, true);
	struct ikesa *a;
	struct ip_addr na = test_ip("192.0.2.11");
	unsigned int pols[2], upd[2];

	noclone = fake_ops;
	noclone.clone_addr = NULL;
	w->f[0].b.ops = w->f[1].b.ops = &noclone;
	a = establish(w, 4);
	pols[0] = live_pols(&w->f[0]);
	pols[1] = live_pols(&w->f[1]);
	upd[0] = w->f[0].n_upd_pol;
	upd[1] = w->f[1].n_upd_pol;
	assert_int_equal(mif_add_start(a, &na, NULL, 0, NULL, false, 10), 0);
	pump(w, 10);
	assert_int_equal(w->f[0].n_clone + w->f[1].n_clone, 0);
	check_derived(w, 4);
	assert_int_equal(live_pols(&w->f[0]), pols[0]);
	assert_int_equal(live_pols(&w->f[1]), pols[1]);
	assert_int_equal(w->f[0].n_upd_pol, upd[0]);
	assert_int_equal(w->f[1].n_upd_pol, upd[1]);
	test_world_free(w);
	free(k);
}

/*
 * A backend whose clone_addr cannot (mifd's without xfrm_mif: the per-SA
 * path has no clone) gives the same result as one without it.
 */
static int clone_unsupported(struct backend *b, const struct kernel_clone *c,
			     const struct kernel_scope *s,
			     struct kernel_iface_result *r)
{
	return -EOPNOTSUPP;
}

static void clone_not_supported(void **state)
{
	static struct backend_ops nope;
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_new(k, 4, true);
	struct ikesa *a;
	struct ip_addr na = test_ip("192.0.2.11");

	nope = fake_ops;
	nope.clone_addr = clone_unsupported;
	w->f[0].b.ops = w->f[1].b.ops = &nope;
	a = establish(w, 4);
	assert_int_equal(mif_add_start(a, &na, NULL, 0, NULL, false, 10), 0);
	pump(w, 10);
	check_derived(w, 4);
	test_world_free(w);
	free(k);
}

/*
 * add_interfaces = yes: an address that comes up on eth1 starts the add
 * by itself, once; its announcement follows in a second exchange.
 */
static void automatic(void **state)
{
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_new(k, 3, true);
	struct ip_addr na = test_ip("192.0.2.11");

	w->c[0].add_interfaces = true;
	assert_int_equal(engine_iface_addr(&w->e[0], 3, &na, false), 0);
	establish(w, 3);
	assert_int_equal(w->f[0].n_clone, 0);
	/* Not on an interface the connection allows: nothing. */
	test_iface_up(&w->e[0], 4, "wlan0", "203.0.113.7");
	test_settle(w, 5000);
	assert_int_equal(w->f[0].n_clone, 0);
	assert_int_equal(engine_iface_addr(&w->e[0], 3, &na, true), 0);
	test_settle(w, 10000);
	assert_int_equal(w->f[0].n_clone, 1);
	assert_int_equal(w->f[1].n_clone, 1);
	check_derived(w, 3);
	assert_false(only_sa(w, 0)->mif->add_pending);
	test_world_free(w);
	free(k);
}

/* A replayed request gets the stored response, and no second clone. */
static void replay(void **state)
{
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_new(k, 2, true);
	struct ikesa *a = establish(w, 2);
	struct ip_addr na = test_ip("192.0.2.11");
	struct dgram d, copy;

	assert_int_equal(mif_add_start(a, &na, NULL, 0, NULL, false, 10), 0);
	d = pop(w);
	copy = d;
	copy.buf = malloc(d.len);
	assert_non_null(copy.buf);
	memcpy(copy.buf, d.buf, d.len);
	deliver(w, &d, 10);
	free(d.buf);
	pump(w, 10);
	assert_int_equal(w->f[1].n_clone, 1);
	deliver(w, &copy, 11);
	free(copy.buf);
	/* The stored response went out again; A drops it as old. */
	assert_int_equal(w->n, 1);
	pump(w, 11);
	assert_int_equal(w->f[1].n_clone, 1);
	assert_int_equal(w->f[0].n_clone, 1);
	check_derived(w, 2);
	test_world_free(w);
	free(k);
}

/*
 * B refuses (A's view of the sources differs: one is being rekeyed):
 * MIF_UNACCEPTABLE_ADD, nothing installed, A's SPIs released.
 */
static void refused_by_peer(void **state)
{
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_new(k, 3, true);
	struct ikesa *a = establish(w, 3);
	struct ip_addr na = test_ip("192.0.2.11");
	unsigned int allocs = live_allocs(&w->f[0]);
	unsigned int sas[2] = { live_sas(&w->f[0]), live_sas(&w->f[1]) };

	a->children->replaced = true;
	assert_int_equal(mif_add_start(a, &na, NULL, 0, NULL, false, 10), 0);
	assert_int_equal(live_allocs(&w->f[0]), allocs + 2);
	pump(w, 10);
	assert_int_equal(w->f[0].n_clone, 0);
	assert_int_equal(w->f[1].n_clone, 0);
	assert_int_equal(live_allocs(&w->f[0]), allocs);
	assert_int_equal(live_sas(&w->f[0]), sas[0]);
	assert_int_equal(live_sas(&w->f[1]), sas[1]);
	assert_int_equal(n_children(a), 3);
	assert_int_equal(n_children(only_sa(w, 1)), 3);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_false(a->req.active);
	test_world_free(w);
	free(k);
}

/* Refused before sending: an address of no announced interface. */
static void refused_locally(void **state)
{
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_new(k, 1, true);
	struct ikesa *a = establish(w, 1);
	struct ip_addr other = test_ip("203.0.113.9");
	struct ip_addr v6 = test_ip("2001:db8::1");
	unsigned int sent = w->sent, allocs = live_allocs(&w->f[0]);

	assert_int_equal(mif_add_start(a, &other, NULL, 0, NULL, false, 10),
			 -EINVAL);
	assert_int_equal(mif_add_start(a, &v6, NULL, 0, NULL, false, 10),
			 -EINVAL);
	assert_int_equal(w->sent, sent);
	assert_int_equal(live_allocs(&w->f[0]), allocs);
	test_world_free(w);
	free(k);
}

/* Without MIF: nothing to do, no error to the peer, no exchange. */
static void without_mif(void **state)
{
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_new(k, 2, false);
	struct ikesa *a = establish(w, 2);
	struct ip_addr na = test_ip("192.0.2.11");
	unsigned int sent = w->sent;

	assert_int_equal(mif_add_start(a, &na, NULL, 0, NULL, false, 10),
			 -EOPNOTSUPP);
	assert_int_equal(w->sent, sent);
	test_world_free(w);
	free(k);
}

/* CFG in the add (cfg_add.h). */

/* An IPv6 selector from lo to hi, any protocol and port. */
static void sel6(struct ike_selector *t, const char *lo, const char *hi)
{
	struct ip_addr l = test_ip(lo), h = test_ip(hi);

	memset(t, 0, sizeof(*t));
	t->type = IKE_TS_IPV6_ADDR_RANGE;
	t->end_port = 65535;
	memcpy(t->start, l.bytes, 16);
	memcpy(t->end, h.bytes, 16);
}

/*
 * Figure 8: A asks for one inner address (no local_ts, no services), of
 * IPv6 with v6 (the services behind B then IPv6 too), else of IPv4; B
 * leases from range (NULL: B has no pool) to any TSi.
 */
static struct world *world_cfg_af(struct kids *k, const char *range,
				  bool v6)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);
	const char *why;

	for (int i = 0; i < 2; i++) {
		engine_set_log(&w->e[i], &(struct engine_log){
			log_fn, (void *)(i ? "B" : "A") });
		test_pattern(&w->c[i], "eth0", 200);
		test_pattern(&w->c[i], "eth1", 150);
		w->c[i].mif = true;
	}
	services(w, k, 0);
	w->c[0].n_local_ts = 0;
	if (v6) {
		w->c[0].vips6 = 1;
		sel6(&w->c[1].remote_ts[0], "::", "ffff:ffff:ffff:ffff:"
		     "ffff:ffff:ffff:ffff");
		sel6(&w->c[0].remote_ts[0], "2001:db8:99::", "2001:db8:99::ff");
		w->c[1].local_ts[0] = w->c[0].remote_ts[0];
	} else {
		w->c[0].vips4 = 1;
		memset(&w->c[1].remote_ts[0], 0, sizeof(w->c[1].remote_ts[0]));
		w->c[1].remote_ts[0].type = IKE_TS_IPV4_ADDR_RANGE;
		w->c[1].remote_ts[0].end_port = 65535;
		memset(w->c[1].remote_ts[0].end, 0xff, 4);
	}
	if (range)
		assert_int_equal(pool_range_parse(range,
			&w->c[1].pools[w->c[1].n_pools++], &why), 0);
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	test_iface_up(&w->e[0], 2, "eth0", "192.0.2.1");
	test_iface_up(&w->e[0], 3, "eth1", "192.0.2.11");
	test_iface_up(&w->e[1], 7, "eth0", "198.51.100.2");
	return w;
}

static struct world *world_cfg(struct kids *k, const char *range)
{
	return world_cfg_af(k, range, false);
}

static void host_is(const struct ike_selector *s, const char *addr)
{
	struct ip_addr a = test_ip(addr);

	assert_int_equal(s->type, a.family == AF_INET6 ?
			 IKE_TS_IPV6_ADDR_RANGE : IKE_TS_IPV4_ADDR_RANGE);
	assert_memory_equal(s->start, a.bytes, ip_addr_len(&a));
	assert_memory_equal(s->end, a.bytes, ip_addr_len(&a));
}

static void pool_is(struct world *w, unsigned int leased,
		    unsigned int online)
{
	struct pool_stats st;

	pool_stats(engine_conn_pool(&w->e[1], &w->c[1]), &st);
	assert_int_equal(st.leased, leased);
	assert_int_equal(st.online, online);
}

/* A's Child SA on local (and B's mirror): its TSi. */
static void tsi_is(struct world *w, const char *local, const char *addr)
{
	struct ip_addr l = test_ip(local);
	const struct childsa *c, *p;

	for (c = only_sa(w, 0)->children; c; c = c->next)
		if (ip_addr_equal(&c->local, &l))
			break;
	assert_non_null(c);
	assert_true(c->installed);
	p = ikesa_find_child(only_sa(w, 1), c->spi_out, true);
	assert_non_null(p);
	assert_int_equal(c->n_local_ts, 1);
	assert_int_equal(p->n_remote_ts, 1);
	if (addr) {
		host_is(&c->local_ts[0], addr);
		host_is(&p->remote_ts[0], addr);
	} else {
		assert_memory_equal(&c->local_ts[0], &p->remote_ts[0],
				    sizeof(c->local_ts[0]));
	}
	assert_memory_equal(&c->remote_ts[0], &p->local_ts[0],
			    sizeof(c->remote_ts[0]));
}

/* An out policy of f with source selector addr towards tmpl_dst. */
static bool pol_from(const struct fake *f, const char *addr,
		     const char *tmpl_src)
{
	struct ip_addr a = test_ip(addr), t = test_ip(tmpl_src);

	for (unsigned int i = 0; i < f->n_pols; i++)
		if (f->pol_live[i] && f->pols[i].dir == KERNEL_DIR_OUT &&
		    ip_addr_equal(&f->pols[i].sel.src, &a) &&
		    ip_addr_equal(&f->pols[i].tmpl_src, &t))
			return true;
	return false;
}

static bool pol_to(const struct fake *f, const char *addr,
		   const char *tmpl_dst)
{
	struct ip_addr a = test_ip(addr), t = test_ip(tmpl_dst);

	for (unsigned int i = 0; i < f->n_pols; i++)
		if (f->pol_live[i] && f->pols[i].dir == KERNEL_DIR_OUT &&
		    ip_addr_equal(&f->pols[i].sel.dst, &a) &&
		    ip_addr_equal(&f->pols[i].tmpl_dst, &t))
			return true;
	return false;
}

/*
 * The peer leases 10.9.0.2: the Child SA derived on eth1 has it as TSi
 * on both sides, installed SA by SA with its own policies; the source
 * keeps 10.9.0.1. Deleted, the IKE SA releases both leases.
 */
static void cfg_assigned(void **state)
{
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_cfg(k, "10.9.0.0/24");
	struct ip_addr na = test_ip("192.0.2.11");
	struct ikesa *a = establish(w, 1), *b = only_sa(w, 1);

	assert_int_equal(a->n_vips, 1);
	tsi_is(w, "192.0.2.1", "10.9.0.1");
	pool_is(w, 1, 1);
	assert_int_equal(mif_add_start(a, &na, NULL, 0, NULL, true, 10), 0);
	pump(w, 10);
	assert_false(a->req.active);
	assert_int_equal(n_children(a), 2);
	assert_int_equal(n_children(b), 2);
	assert_int_equal(a->n_vips, 2);
	assert_int_equal(b->n_vips, 2);
	assert_true(ip_addr_equal(&a->vips[1], &b->vips[1]));
	tsi_is(w, "192.0.2.11", "10.9.0.2");
	tsi_is(w, "192.0.2.1", "10.9.0.1");
	pool_is(w, 2, 2);
	/* Own selectors: no clone, each side's policies of 10.9.0.2. */
	assert_int_equal(w->f[0].n_clone + w->f[1].n_clone, 0);
	assert_true(pol_from(&w->f[0], "10.9.0.2", "192.0.2.11"));
	assert_true(pol_from(&w->f[0], "10.9.0.1", "192.0.2.1"));
	assert_true(pol_to(&w->f[1], "10.9.0.2", "192.0.2.11"));
	assert_true(pol_to(&w->f[1], "10.9.0.1", "192.0.2.1"));
	check_derived(w, 1);
	/* Deleted: both leases released (and remembered). */
	assert_int_equal(engine_delete_ike(&w->e[0], a, 20), 0);
	pump(w, 20);
	pool_is(w, 2, 0);
	test_world_free(w);
	free(k);
}

/*
 * The pool has one address, IKE_AUTH's: the peer answers without a CP,
 * the add goes on with the source's selectors.
 */
static void cfg_pool_exhausted(void **state)
{
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_cfg(k, "10.9.0.1/32");
	struct ip_addr na = test_ip("192.0.2.11");
	struct ikesa *a = establish(w, 1), *b = only_sa(w, 1);

	assert_int_equal(a->n_vips, 1);
	assert_int_equal(mif_add_start(a, &na, NULL, 0, NULL, true, 10), 0);
	pump(w, 10);
	assert_int_equal(n_children(a), 2);
	assert_int_equal(n_children(b), 2);
	assert_int_equal(a->n_vips, 1);
	assert_int_equal(b->n_vips, 1);
	tsi_is(w, "192.0.2.11", "10.9.0.1");
	pool_is(w, 1, 1);
	/* The same selectors: one clone each side, as without CFG. */
	assert_int_equal(w->f[0].n_clone, 1);
	assert_int_equal(w->f[1].n_clone, 1);
	check_derived(w, 1);
	test_world_free(w);
	free(k);
}

/* A peer without a pool answers no CP: the add goes on without. */
static void cfg_no_cp(void **state)
{
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_cfg(k, NULL);
	struct ip_addr na = test_ip("192.0.2.11");
	struct ikesa *a = establish(w, 1), *b = only_sa(w, 1);

	assert_int_equal(a->n_vips, 0);
	assert_int_equal(mif_add_start(a, &na, NULL, 0, NULL, true, 10), 0);
	pump(w, 10);
	assert_int_equal(n_children(a), 2);
	assert_int_equal(n_children(b), 2);
	assert_int_equal(a->n_vips, 0);
	assert_int_equal(b->n_vips, 0);
	tsi_is(w, "192.0.2.11", NULL);
	check_derived(w, 1);
	test_world_free(w);
	free(k);
}

/*
 * The same over IPv6 inside (IPv4 outside): INTERNAL_IP6_ADDRESS asked
 * for and leased (2001:db8:9::2, after IKE_AUTH's ::1), the derived
 * Child SA's TSi that /128 on both sides, its own policies.
 */
static void cfg_assigned_v6(void **state)
{
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_cfg_af(k, "2001:db8:9::/112", true);
	struct ip_addr na = test_ip("192.0.2.11");
	struct ikesa *a = establish(w, 1), *b = only_sa(w, 1);
	char text[IP_ADDR_STRLEN];

	assert_int_equal(a->n_vips, 1);
	tsi_is(w, "192.0.2.1", "2001:db8:9::1");
	assert_int_equal(mif_add_start(a, &na, NULL, 0, NULL, true, 10), 0);
	pump(w, 10);
	assert_false(a->req.active);
	assert_int_equal(n_children(a), 2);
	assert_int_equal(n_children(b), 2);
	assert_int_equal(a->n_vips, 2);
	assert_string_equal(ip_addr_str(&a->vips[1], text, sizeof(text)),
			    "2001:db8:9::2");
	assert_true(ip_addr_equal(&a->vips[1], &b->vips[1]));
	tsi_is(w, "192.0.2.11", "2001:db8:9::2");
	tsi_is(w, "192.0.2.1", "2001:db8:9::1");
	pool_is(w, 2, 2);
	assert_int_equal(w->f[0].n_clone + w->f[1].n_clone, 0);
	assert_true(pol_from(&w->f[0], "2001:db8:9::2", "192.0.2.11"));
	assert_true(pol_to(&w->f[1], "2001:db8:9::2", "192.0.2.11"));
	assert_true(pol_from(&w->f[0], "2001:db8:9::1", "192.0.2.1"));
	check_derived(w, 1);
	test_world_free(w);
	free(k);
}

/*
 * add_interfaces = cfg: the address that comes up on eth1 is added by
 * itself with a CFG request; the Child SA derived there has the leased
 * 10.9.0.2. An IKE SA the connection's side did not initiate adds
 * without asking (its inner addresses are the peer's).
 */
static void cfg_automatic(void **state)
{
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_cfg(k, "10.9.0.0/24");
	struct ip_addr na = test_ip("192.0.2.11");
	struct ikesa *a;

	w->c[0].add_interfaces = CONN_ADD_CFG;
	assert_int_equal(engine_iface_addr(&w->e[0], 3, &na, false), 0);
	a = establish(w, 1);
	assert_int_equal(a->n_vips, 1);
	assert_int_equal(engine_iface_addr(&w->e[0], 3, &na, true), 0);
	test_settle(w, 10000);
	assert_false(a->mif->add_pending);
	assert_int_equal(n_children(a), 2);
	assert_int_equal(a->n_vips, 2);
	tsi_is(w, "192.0.2.11", "10.9.0.2");
	tsi_is(w, "192.0.2.1", "10.9.0.1");
	pool_is(w, 2, 2);
	check_derived(w, 1);
	test_world_free(w);
	free(k);
}

/*
 * add_interfaces = cfg on the IKE SA's responder, B: its inner addresses
 * would be A's to ask for, so B's new address is added without a CFG
 * request, with one clone each side.
 */
static void cfg_automatic_responder(void **state)
{
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_new(k, 2, true);
	struct ikesa *b;
	unsigned int sent;

	establish(w, 2);
	b = only_sa(w, 1);
	w->c[1].add_interfaces = CONN_ADD_CFG;
	w->c[1].vips4 = 1;
	sent = w->sent;
	test_iface_up(&w->e[1], 8, "eth1", "198.51.100.12");
	test_settle(w, 10000);
	assert_true(w->sent > sent);
	assert_false(b->mif->add_pending);
	assert_int_equal(w->f[0].n_clone, 1);
	assert_int_equal(w->f[1].n_clone, 1);
	assert_int_equal(n_children(b), 4);
	assert_int_equal(n_children(only_sa(w, 0)), 4);
	assert_int_equal(b->n_vips, 0);
	test_world_free(w);
	free(k);
}

/* cfg where the connection asks for no inner address: refused here. */
static void cfg_not_asked(void **state)
{
	struct kids *k = calloc(1, sizeof(*k));
	struct world *w = world_new(k, 1, true);
	struct ikesa *a = establish(w, 1);
	struct ip_addr na = test_ip("192.0.2.11"), eth0 = test_ip("192.0.2.1");
	unsigned int sent = w->sent, allocs = live_allocs(&w->f[0]);
	struct engine_iface_op r;

	assert_int_equal(mif_add_start(a, &na, NULL, 0, NULL, true, 10),
			 -ENODATA);
	assert_int_equal(engine_iface_add(&w->e[0], NULL, &na, &eth0, 1,
					  NULL, true, 10, &r), 0);
	assert_int_equal(r.no_cfg, 1);
	assert_int_equal(r.started, 0);
	assert_int_equal(w->sent, sent);
	assert_int_equal(live_allocs(&w->f[0]), allocs);
	test_world_free(w);
	free(k);
}

static struct ike_selector sel(const char *lo, const char *hi,
			       uint8_t proto, uint16_t port)
{
	struct ike_selector t = { .type = IKE_TS_IPV4_ADDR_RANGE,
				  .ip_proto = proto };
	struct ip_addr l = test_ip(lo), h = test_ip(hi);

	t.start_port = port;
	t.end_port = port ? port : 65535;
	memcpy(t.start, l.bytes, 4);
	memcpy(t.end, h.bytes, 4);
	return t;
}

/*
 * The rules of mif.md: a single inner address stands for any other in
 * the skip rule, ports and protocol kept; only such selectors take the
 * new address.
 */
static void cfg_selectors(void **state)
{
	struct ikesa *sa = calloc(1, sizeof(*sa));
	struct cfg_add_vips got = { 1, { test_ip("10.9.0.3") } };
	struct ike_selector a = sel("10.9.0.1", "10.9.0.1", 6, 80);
	struct ike_selector b = sel("10.9.0.2", "10.9.0.2", 6, 80);
	struct ike_selector c = sel("10.9.0.2", "10.9.0.2", 6, 81);
	struct ike_selector d = sel("10.9.0.9", "10.9.0.9", 6, 80);
	struct ike_selector r = sel("10.9.0.0", "10.9.0.255", 0, 0);
	struct ike_selector ts[3] = { a, r, d };

	assert_non_null(sa);
	assert_true(cfg_vip_room(sa));
	sa->vips[0] = test_ip("10.9.0.1");
	sa->vips[1] = test_ip("10.9.0.2");
	sa->n_vips = 2;
	assert_true(cfg_add_same_ts(sa, CFG_ADD_IPV4, &a, 1, &b, 1));
	assert_false(cfg_add_same_ts(sa, 0, &a, 1, &b, 1));
	assert_false(cfg_add_same_ts(sa, CFG_ADD_IPV6, &a, 1, &b, 1));
	assert_false(cfg_add_same_ts(sa, CFG_ADD_IPV4, &a, 1, &c, 1));
	assert_false(cfg_add_same_ts(sa, CFG_ADD_IPV4, &a, 1, &d, 1));
	assert_false(cfg_add_same_ts(sa, CFG_ADD_IPV4, &a, 1, &r, 1));
	assert_true(cfg_add_same_ts(sa, CFG_ADD_IPV4, &r, 1, &r, 1));
	assert_false(cfg_add_same_ts(sa, CFG_ADD_IPV4, ts, 2, ts, 3));
	cfg_add_substitute(sa, &got, ts, 3);
	host_is(&ts[0], "10.9.0.3");
	assert_int_equal(ts[0].ip_proto, 6);
	assert_int_equal(ts[0].start_port, 80);
	assert_int_equal(ts[0].end_port, 80);
	assert_memory_equal(&ts[1], &r, sizeof(r));
	assert_memory_equal(&ts[2], &d, sizeof(d));
	free(sa->vips);
	free(sa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codec_request),
		cmocka_unit_test(codec_refusals),
		cmocka_unit_test(codec_build_checks),
		cmocka_unit_test(codec_reply),
		cmocka_unit_test(keys_vector),
		cmocka_unit_test(add_one),
		cmocka_unit_test(add_ten),
		cmocka_unit_test(without_clone),
		cmocka_unit_test(clone_not_supported),
		cmocka_unit_test(automatic),
		cmocka_unit_test(replay),
		cmocka_unit_test(refused_by_peer),
		cmocka_unit_test(refused_locally),
		cmocka_unit_test(without_mif),
		cmocka_unit_test(command),
		cmocka_unit_test(cfg_assigned),
		cmocka_unit_test(cfg_pool_exhausted),
		cmocka_unit_test(cfg_no_cp),
		cmocka_unit_test(cfg_assigned_v6),
		cmocka_unit_test(cfg_automatic),
		cmocka_unit_test(cfg_automatic_responder),
		cmocka_unit_test(cfg_not_asked),
		cmocka_unit_test(cfg_selectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
