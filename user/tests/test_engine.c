// SPDX-License-Identifier: GPL-2.0
/*
 * The IKEv2 engine, initiator and responder in one process: two engines
 * joined by an in-memory network, each with a fake kernel backend that
 * records what would be installed.
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

#include "crypto/sign.h"
#include "crypto/sk_cipher.h"
#include "engine/conn.h"
#include "engine/create_child_sa.h"
#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/proposal.h"
#include "ike/auth.h"
#include "ike/delete.h"
#include "ike/id.h"
#include "ike/ke.h"
#include "ike/message.h"
#include "ike/nonce.h"
#include "ike/sk.h"
#include "ike/notify.h"
#include "ike/sa.h"
#include "ike/ts.h"
#include "backend/backend.h"

#include "harness.h"

static struct world *world_new(uint16_t group, bool gcm)
{
	struct world *w = test_world_new(group, gcm);

	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

/* The kernel SA of f with this SPI, live. */
static const struct kernel_sa *find_ksa(const struct fake *f, uint32_t spi)
{
	for (unsigned int i = 0; i < f->n_sas; i++)
		if (f->sa_live[i] && f->sas[i].spi == spi)
			return &f->sas[i];
	return NULL;
}

/* One direction: SA spi sent by one side equals the other's inbound. */
static void check_pair(const struct fake *out_f, const struct fake *in_f,
		       uint32_t spi)
{
	const struct kernel_sa *o = find_ksa(out_f, spi);
	const struct kernel_sa *i = find_ksa(in_f, spi);

	assert_non_null(o);
	assert_non_null(i);
	assert_true(ip_addr_equal(&o->src, &i->src));
	assert_true(ip_addr_equal(&o->dst, &i->dst));
	assert_int_equal(o->encr, i->encr);
	assert_int_equal(o->encr_key_bits, i->encr_key_bits);
	assert_int_equal(o->integ, i->integ);
	assert_int_equal(o->mode, i->mode);
	assert_int_equal(o->encr_key_len, i->encr_key_len);
	assert_true(o->encr_key_len > 0);
	assert_memory_equal(o->encr_key, i->encr_key, o->encr_key_len);
	assert_int_equal(o->integ_key_len, i->integ_key_len);
	if (o->integ_key_len)
		assert_memory_equal(o->integ_key, i->integ_key,
				    o->integ_key_len);
}

/* A Child SA on A and its twin on B: SPIs crosswise, keys equal. */
static void check_child(struct world *w, const struct childsa *a)
{
	const struct childsa *b;

	b = ikesa_find_child(only_sa(w, 1), a->spi_out, true);
	assert_non_null(b);
	assert_int_equal(b->spi_out, a->spi_in);
	assert_true(a->installed && b->installed);
	check_pair(&w->f[0], &w->f[1], a->spi_out);	/* A -> B */
	check_pair(&w->f[1], &w->f[0], a->spi_in);	/* B -> A */
	/* Outbound SA uses the child's own outer addresses. */
	assert_true(ip_addr_equal(&find_ksa(&w->f[0], a->spi_out)->dst,
				  &a->remote));
}

/*
 * Whether c holds side i's policies: each points at it in the kernel,
 * and the engine's policy table names it the owner.
 */
static bool owns(struct world *w, int i, const struct childsa *c)
{
	const struct fake *f = &w->f[i];

	for (unsigned int j = 0; j < f->n_pols; j++)
		if (f->pol_live[j] &&
		    policy_table_owner(&w->e[i].policies, &f->pols[j]) != c)
			return false;
	return fake_points_at(f, c);
}

/* Whether sa is still one of e's (not read: it may be freed). */
static bool sa_alive(const struct engine *e, const struct ikesa *sa)
{
	for (const struct ikesa *s = e->sas; s; s = s->next)
		if (s == sa)
			return true;
	return false;
}

static struct ikesa *establish(struct world *w, uint64_t now)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], now);

	assert_non_null(sa);
	pump(w, now);
	assert_true(sa_alive(&w->e[0], sa));
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	return sa;
}

static void full(uint16_t group, bool gcm)
{
	struct world *w = world_new(group, gcm);
	struct ikesa *sa = establish(w, 0);

	assert_int_equal(sa->ike.dh->id, group);
	assert_int_equal(sa->ike.encr->aead, gcm);
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(w->f[0].n_add_sa, 2);
	assert_int_equal(w->f[1].n_add_sa, 2);
	/* out, in, fwd on each side. */
	assert_int_equal(w->f[0].n_add_pol, 3);
	assert_int_equal(w->f[1].n_add_pol, 3);
	check_child(w, sa->children);
	assert_int_equal(sa->children->mode, KERNEL_MODE_TUNNEL);
	assert_int_equal(find_ksa(&w->f[0], sa->children->spi_out)->encr,
			 gcm ? IKE_ENCR_AES_GCM_16 : IKE_ENCR_AES_CBC);
	assert_int_equal(sa->req_next, 2);
	assert_int_equal(only_sa(w, 1)->resp_next, 2);
	/* Before a MODP exchange the responder asks for a COOKIE. */
	assert_int_equal(w->sent, group == IKE_DH_MODP_2048 ? 6 : 4);
	assert_int_equal(sa->cookie_len, group == IKE_DH_MODP_2048 ?
			 COOKIE_LEN : 0);
	test_world_free(w);
}

static void full_19_gcm(void **state) { full(IKE_DH_ECP_256, true); }
static void full_19_cbc(void **state) { full(IKE_DH_ECP_256, false); }
static void full_31_gcm(void **state) { full(IKE_DH_CURVE25519, true); }
static void full_31_cbc(void **state) { full(IKE_DH_CURVE25519, false); }
static void full_14_gcm(void **state) { full(IKE_DH_MODP_2048, true); }
static void full_14_cbc(void **state) { full(IKE_DH_MODP_2048, false); }
static void full_20_gcm(void **state) { full(IKE_DH_ECP_384, true); }

/* A send callback that counts, for a responder that answers anyone. */
static void count_send(void *ctx, const struct ip_addr *local,
		       uint16_t lport, const struct ip_addr *remote,
		       uint16_t rport, const uint8_t *buf, size_t len)
{
	(*(unsigned int *)ctx)++;
}

/* d from 10.0.0.k, port port, to B at time now. */
static void deliver_from(struct world *w, const struct dgram *d, int k,
			 uint16_t port, uint64_t now)
{
	char text[16];
	struct ip_addr a;

	snprintf(text, sizeof(text), "10.0.0.%d", k);
	assert_int_equal(ip_addr_parse(text, &a), 0);
	engine_input(&w->e[1], now, &w->c[1].local, 500, &a, port, d->buf,
		     d->len);
}

/* The engine's log lines, one side's. */
#define LOG_LINES	32

struct log_rec {
	unsigned int n;
	char line[LOG_LINES][256];
	enum engine_log_level level[LOG_LINES];
};

static void log_record(void *ctx, enum engine_log_level level,
		       const struct ikesa *sa, const char *msg)
{
	struct log_rec *l = ctx;

	assert_true(level >= ENGINE_LOG_ERR && level <= ENGINE_LOG_DEBUG);
	if (l->n < LOG_LINES) {
		snprintf(l->line[l->n], sizeof(l->line[0]), "%s", msg);
		l->level[l->n] = level;
	}
	l->n++;
}

static void log_attach(struct world *w, struct log_rec *l)
{
	for (int i = 0; i < 2; i++) {
		struct engine_log lg = { log_record, &l[i] };

		memset(&l[i], 0, sizeof(l[i]));
		engine_set_log(&w->e[i], &lg);
	}
}

/* Whether a line holds each of the (NULL-terminated) words. */
static bool logged(const struct log_rec *l, ...)
{
	for (unsigned int i = 0; i < l->n && i < LOG_LINES; i++) {
		const char *word;
		bool all = true;
		va_list ap;

		va_start(ap, l);
		while ((word = va_arg(ap, const char *)))
			all = all && strstr(l->line[i], word);
		va_end(ap);
		if (all)
			return true;
	}
	return false;
}

/* Events. */

#define N_EV	(ENGINE_EV_CHILD_REKEYED + 1)
#define N_WHY	(ENGINE_R_AUTH_FAILED + 1)

struct ev_log {
	unsigned int n[N_EV][N_WHY];
	unsigned int total;
	uint32_t rekeyed_old, rekeyed_new;	/* spi_in of the last */
	const struct ikesa *up_old;	/* old_sa of the last IKE_UP */
	unsigned int failed;		/* FAILED events */
	uint16_t failed_notify;		/* of the last */
};

static void ev_record(void *ctx, const struct engine_event *ev)
{
	struct ev_log *l = ctx;

	if (ev->type == ENGINE_EV_FAILED) {	/* fail_attach() for more */
		l->failed++;
		l->failed_notify = ev->failure->notify;
		return;
	}
	assert_true(ev->type < N_EV && ev->reason < N_WHY);
	assert_non_null(ev->sa);
	if (ev->type >= ENGINE_EV_CHILD_UP)
		assert_non_null(ev->child);
	if (ev->type == ENGINE_EV_CHILD_REKEYED) {
		assert_non_null(ev->old);
		l->rekeyed_old = ev->old->spi_in;
		l->rekeyed_new = ev->child->spi_in;
	}
	if (ev->type == ENGINE_EV_IKE_UP)
		l->up_old = ev->old_sa;
	l->n[ev->type][ev->reason]++;
	l->total++;
}

static void ev_attach(struct world *w, struct ev_log *l)
{
	for (int i = 0; i < 2; i++) {
		struct engine_events ev = { ev_record, &l[i] };

		memset(&l[i], 0, sizeof(l[i]));
		engine_set_events(&w->e[i], &ev);
	}
}

/*
 * A plain answer to sa's IKE_SA_INIT request holding one notify, as
 * anyone on the path could send it, delivered to A.
 */
static void forge_init_answer(struct world *w, struct ikesa *sa,
			      uint16_t type, const void *data, size_t len)
{
	struct ike_message *m = calloc(1, sizeof(*m));
	struct ike_notify n;
	struct ike_writer wr;
	struct ike_error err;

	assert_non_null(m);
	m->hdr.spi_i = sa->spi_i;
	m->hdr.spi_r = 0x1122334455667788ull;
	m->hdr.exchange = IKE_EXCH_IKE_SA_INIT;
	m->hdr.flags = IKE_FLAG_RESPONSE;
	ikesa_notify(&n, type, data, len);
	ike_chain_add(&m->chain, IKE_PL_NOTIFY, &n, &err);
	ike_writer_init(&wr);
	assert_int_equal(ike_message_build(&wr, m, &err), 0);
	engine_input(&w->e[0], 0, &w->c[0].local, 500, &w->c[0].remote, 500,
		     wr.p, wr.len);
	ike_writer_free(&wr);
	ike_chain_free(&m->chain);
	free(m);
}

static void cookie_round_trip(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct ikesa *sa;

	w->e[1].cookie_required = true;
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	deliver_next(w, 0);
	/* The responder keeps no state and asks for a cookie. */
	assert_null(w->e[1].sas);
	assert_int_equal(w->n, 1);
	assert_true(plain_has_notify(&w->q[0], IKE_N_COOKIE));
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(sa->cookie_len, 32);
	assert_int_equal(w->sent, 6);
	check_child(w, sa->children);
	test_world_free(w);
}

/*
 * Our first request retransmitted, both copies answered with the same
 * COOKIE: the second answer is one we have already followed. Starting
 * again on it would make a second key pair for a request the responder
 * takes as a retransmission of the first, and the keys would differ.
 */
static void cookie_answered_twice(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct ikesa *sa;
	struct dgram d;

	w->e[1].cookie_required = true;
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	deliver_next(w, 0);
	d = pop(w);
	assert_true(plain_has_notify(&d, IKE_N_COOKIE));
	deliver(w, &d, 0);
	deliver(w, &d, 0);
	free(d.buf);
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	check_child(w, sa->children);
	test_world_free(w);
}

/*
 * By default a responder asks for a COOKIE once 10 IKE SAs are half
 * open, and before any MODP key exchange; neither, if told so.
 */
static void cookie_defaults(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct engine *b = &w->e[1];
	unsigned int sent = 0;
	struct dgram d;
	int k;

	assert_true(b->cookie_modp);
	assert_int_equal(b->cookie_threshold, 10);
	b->send = (struct engine_send){ count_send, &sent };
	memset(&w->c[1].remote, 0, sizeof(w->c[1].remote));	/* %any */
	/* Its addresses are indexed when it is added: again. */
	engine_clear_conns(b);
	assert_int_equal(engine_add_conn(b, &w->c[1]), 0);
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	d = pop(w);
	for (k = 1; k <= 10; k++)
		deliver_from(w, &d, k, 500, 0);
	assert_int_equal(b->n_half_open, 10);
	assert_int_equal(b->refused[ENGINE_REF_COOKIE], 0);
	deliver_from(w, &d, k, 500, 0);
	assert_int_equal(b->refused[ENGINE_REF_COOKIE], 1);
	assert_int_equal(b->n_half_open, 10);
	assert_int_equal(sent, 11);
	free(d.buf);
	test_world_free(w);

	/* MODP: a COOKIE first, with no SA half open; none if not wanted. */
	for (int modp = 1; modp >= 0; modp--) {
		w = world_new(IKE_DH_MODP_2048, true);
		w->e[1].cookie_modp = modp;
		assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
		deliver_next(w, 0);
		assert_int_equal(plain_has_notify(&w->q[0], IKE_N_COOKIE),
				 modp);
		assert_int_equal(w->e[1].sas != NULL, !modp);
		pump(w, 0);
		assert_int_equal(only_sa(w, 0)->state, IKESA_ESTABLISHED);
		test_world_free(w);
	}
}

/*
 * The cookie secret changes every COOKIE_SECRET_MS; a cookie of the one
 * before still counts for COOKIE_GRACE_MS after the change, not after.
 */
static void cookie_secret_rotation(void **state)
{
	const uint64_t T = COOKIE_SECRET_MS, G = COOKIE_GRACE_MS;
	struct cookie_secrets cs;
	struct ip_addr a, other;
	struct cookie_input in = {
		&a, 0x1122334455667788ULL,
		(const uint8_t *)"0123456789abcdef", 16,
	}, changed;
	uint8_t c0[COOKIE_LEN], c1[COOKIE_LEN];

	assert_int_equal(ip_addr_parse("192.0.2.1", &a), 0);
	assert_int_equal(ip_addr_parse("192.0.2.2", &other), 0);
	assert_int_equal(cookie_init(&cs), 0);
	assert_int_equal(cookie_make(&cs, 5 * T + 1000, &in, c0), 0);
	assert_true(cookie_check(&cs, 5 * T + 1000, &in, c0, COOKIE_LEN));
	/* Bound to the request: its address, SPI and nonce. */
	changed = in;
	changed.addr = &other;
	assert_false(cookie_check(&cs, 5 * T + 1000, &changed, c0,
				  COOKIE_LEN));
	changed = in;
	changed.spi_i++;
	assert_false(cookie_check(&cs, 5 * T + 1000, &changed, c0,
				  COOKIE_LEN));
	changed = in;
	changed.ni_len--;
	assert_false(cookie_check(&cs, 5 * T + 1000, &changed, c0,
				  COOKIE_LEN));
	assert_false(cookie_check(&cs, 5 * T + 1000, &in, c0,
				  COOKIE_LEN - 1));
	/* Through its period and the grace after it, not later. */
	assert_true(cookie_check(&cs, 6 * T - 1, &in, c0, COOKIE_LEN));
	assert_true(cookie_check(&cs, 6 * T + G - 1, &in, c0, COOKIE_LEN));
	assert_false(cookie_check(&cs, 6 * T + G, &in, c0, COOKIE_LEN));
	/* The new secret makes other cookies. */
	assert_int_equal(cookie_make(&cs, 6 * T + G, &in, c1), 0);
	assert_memory_not_equal(c0, c1, COOKIE_LEN);
	assert_true(cookie_check(&cs, 7 * T - 1, &in, c1, COOKIE_LEN));
	/* Two changes on, without a use between: neither counts. */
	assert_false(cookie_check(&cs, 8 * T, &in, c1, COOKIE_LEN));
	assert_false(cookie_check(&cs, 8 * T, &in, c0, COOKIE_LEN));
	cookie_wipe(&cs);
}

/*
 * Through the engine: a COOKIE handed out just before the secret
 * changes is taken within the grace after the change, and answered
 * with a fresh COOKIE after it.
 */
static void cookie_across_rotation(void **state)
{
	for (int late = 0; late < 2; late++) {
		struct world *w = world_new(IKE_DH_CURVE25519, true);
		uint64_t t = COOKIE_SECRET_MS - 1;

		w->e[1].cookie_required = true;
		assert_non_null(engine_initiate(&w->e[0], &w->c[0], t));
		deliver_next(w, t);	/* B: a COOKIE */
		deliver_next(w, t);	/* A: again, with it */
		t = COOKIE_SECRET_MS + COOKIE_GRACE_MS - 1 + late;
		deliver_next(w, t);
		assert_int_equal(w->e[1].sas != NULL, !late);
		assert_int_equal(plain_has_notify(&w->q[0], IKE_N_COOKIE),
				 late);
		/* Either way A gets there. */
		pump(w, t);
		assert_int_equal(only_sa(w, 0)->state, IKESA_ESTABLISHED);
		test_world_free(w);
	}
}

static void cookie_threshold(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct ikesa *a1, *a2;

	w->e[1].cookie_threshold = 1;
	a1 = engine_initiate(&w->e[0], &w->c[0], 0);
	deliver_next(w, 0);	/* half-open on B, no cookie asked */
	assert_false(plain_has_notify(&w->q[0], IKE_N_COOKIE));
	drop_all(w);
	a2 = engine_initiate(&w->e[0], &w->c[0], 0);
	deliver_next(w, 0);
	assert_true(plain_has_notify(&w->q[0], IKE_N_COOKIE));
	pump(w, 0);
	assert_int_equal(a2->state, IKESA_ESTABLISHED);
	assert_int_equal(a1->state, IKESA_INIT);
	test_world_free(w);
}

static void invalid_ke_retry(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct ikesa *sa;

	/* A prefers 31 but also offers 19; B only takes 19. */
	xf(&w->c[0].ike[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
	set_ike(&w->c[1], IKE_DH_ECP_256, true);
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_int_equal(sa->ke_group, IKE_DH_CURVE25519);
	deliver_next(w, 0);
	assert_null(w->e[1].sas);
	assert_true(plain_has_notify(&w->q[0], IKE_N_INVALID_KE_PAYLOAD));
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(sa->ke_group, IKE_DH_ECP_256);
	assert_int_equal(sa->ike.dh->id, IKE_DH_ECP_256);
	check_child(w, sa->children);
	test_world_free(w);
}

static void wrong_psk(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct log_rec l[2];
	struct ikesa *sa;

	log_attach(w, l);
	w->c[1].psk[0] ^= 1;
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	deliver_next(w, 0);	/* INIT request */
	deliver_next(w, 0);	/* INIT response */
	deliver_next(w, 0);	/* AUTH request */
	assert_null(w->e[1].sas);	/* responder gave up */
	/* The AUTH response. */
	assert_true(deliver_next_notify(w, sa, IKE_N_AUTHENTICATION_FAILED, 0));
	assert_null(w->e[0].sas);
	assert_int_equal(w->n, 0);
	assert_true(logged(&l[1], "initiator's AUTH does not verify", NULL));
	assert_true(logged(&l[1], "sent AUTHENTICATION_FAILED", NULL));
	assert_true(logged(&l[0], "received AUTHENTICATION_FAILED", NULL));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(w->f[i].n_add_sa, 0);
		assert_int_equal(w->f[i].n_add_pol, 0);
		assert_int_equal(live_allocs(&w->f[i]), 0);
	}
	test_world_free(w);
}

/*
 * B's IKE_AUTH answer, its AUTH data changed, as from B: the payloads
 * decrypted with A's keys and protected again with B's.
 */
static void spoil_auth(struct ikesa *a, struct ikesa *b, struct dgram *d)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	const struct ike_payload *pl;
	struct ikesa_plain plain;
	struct ike_error err;
	uint8_t *buf;
	size_t len;

	assert_non_null(c);
	assert_int_equal(ikesa_decrypt(a, d->buf, d->len, c, &plain, &err), 0);
	pl = ike_chain_find(c, IKE_PL_AUTH, NULL);
	assert_non_null(pl);
	((uint8_t *)pl->auth->data)[0] ^= 1;
	assert_int_equal(ikesa_build(b, IKE_EXCH_IKE_AUTH, true, 1, c, &buf,
				     &len), 0);
	ike_chain_free(c);
	ikesa_plain_free(&plain);
	free(c);
	free(d->buf);
	d->buf = buf;
	d->len = len;
}

/*
 * The initiator refuses the responder's AUTH: its answer has come, so
 * AUTHENTICATION_FAILED goes in an INFORMATIONAL request (§2.21.2), and
 * the responder, established already, ends the IKE SA at once.
 */
static void auth_failed_informational(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct log_rec l[2];
	struct ev_log ev[2];
	struct ikesa *a, *b;
	struct dgram d;

	log_attach(w, l);
	ev_attach(w, ev);
	a = engine_initiate(&w->e[0], &w->c[0], 0);
	for (int i = 0; i < 3; i++)	/* INIT, its answer, AUTH */
		deliver_next(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(b->state, IKESA_ESTABLISHED);
	assert_int_equal(live_sas(&w->f[1]), 2);
	d = pop(w);
	spoil_auth(a, b, &d);
	deliver(w, &d, 0);
	free(d.buf);
	assert_null(w->e[0].sas);
	assert_int_equal(w->f[0].n_add_sa, 0);
	assert_int_equal(live_allocs(&w->f[0]), 0);
	assert_true(logged(&l[0], "not acceptable", "AUTHENTICATION_FAILED",
			   NULL));
	/* One INFORMATIONAL request, message ID 2, with the notify. */
	assert_int_equal(w->n, 1);
	assert_int_equal(w->q[0].buf[18], IKE_EXCH_INFORMATIONAL);
	assert_int_equal(w->q[0].buf[19], IKE_FLAG_INITIATOR);
	assert_int_equal(w->q[0].buf[23], 2);
	assert_true(dgram_has_notify(b, &w->q[0], IKE_N_AUTHENTICATION_FAILED));
	/* Not retransmitted: nothing is left to do so. */
	assert_int_equal(engine_next_deadline(&w->e[0]), 0);
	pump(w, 0);
	assert_null(w->e[1].sas);
	assert_int_equal(live_sas(&w->f[1]), 0);
	assert_int_equal(live_pols(&w->f[1]), 0);
	assert_true(logged(&l[1], "received AUTHENTICATION_FAILED", NULL));
	assert_int_equal(ev[1].n[ENGINE_EV_IKE_DOWN][ENGINE_R_AUTH_FAILED], 1);
	assert_int_equal(ev[0].total, 0);
	/* Both sides keep it as a failure of the connection. */
	assert_int_equal(ev[0].failed_notify, IKE_N_AUTHENTICATION_FAILED);
	assert_int_equal(ev[1].failed, 1);
	assert_int_equal(ev[1].failed_notify, IKE_N_AUTHENTICATION_FAILED);
	test_world_free(w);
}

/*
 * NO_PROPOSAL_CHOSEN in answer to IKE_SA_INIT is unauthenticated: the
 * initiator keeps retransmitting, and gives up only when the
 * retransmissions run out, naming the error (§2.21.1).
 */
static void no_proposal_chosen(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct log_rec l[2];
	struct ikesa *sa;
	uint64_t t;

	log_attach(w, l);
	set_ike(&w->c[1], IKE_DH_ECP_256, false);	/* CBC vs GCM */
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	deliver_next(w, 0);
	assert_null(w->e[1].sas);
	assert_true(plain_has_notify(&w->q[0], IKE_N_NO_PROPOSAL_CHOSEN));
	assert_int_equal(w->e[1].refused[ENGINE_REF_NO_PROPOSAL], 1);
	pump(w, 0);
	assert_ptr_equal(only_sa(w, 0), sa);
	assert_int_equal(sa->state, IKESA_INIT);
	assert_true(logged(&l[0], "received NO_PROPOSAL_CHOSEN", NULL));
	t = engine_next_deadline(&w->e[0]);
	assert_int_equal(t, 1000);
	for (int i = 0; i < 10 && t; i++) {
		engine_tick(&w->e[0], t);
		pump(w, t);	/* answered with the same error each time */
		t = engine_next_deadline(&w->e[0]);
	}
	assert_null(w->e[0].sas);
	assert_int_equal(t, 0);
	assert_true(logged(&l[0], "no valid answer", "NO_PROPOSAL_CHOSEN",
			   NULL));
	test_world_free(w);
}

/*
 * A forged error, then the real answer: the IKE SA is set up. An
 * INVALID_KE_PAYLOAD naming a group we do not offer is no remedy
 * either.
 */
static void init_forged_error(void **state)
{
	static const uint8_t group[2] = { 0, 99 };
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct log_rec l[2];
	struct ikesa *sa;

	log_attach(w, l);
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	forge_init_answer(w, sa, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
	forge_init_answer(w, sa, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
	forge_init_answer(w, sa, IKE_N_INVALID_KE_PAYLOAD, group, 2);
	assert_int_equal(sa->state, IKESA_INIT);
	assert_true(sa->req.active);
	assert_int_equal(sa->ke_group, IKE_DH_ECP_256);
	assert_int_equal(w->n, 1);	/* only the request, not sent again */
	assert_true(logged(&l[0], "received NO_PROPOSAL_CHOSEN", NULL));
	assert_true(logged(&l[0], "received INVALID_KE_PAYLOAD", NULL));
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	check_child(w, sa->children);
	test_world_free(w);
}

/* A's IKE_SA_INIT request, changed by fn, delivered to B; B's answer. */
static bool init_changed(struct world *w, void (*fn)(struct dgram *d),
			 struct dgram *answer)
{
	struct dgram d;

	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	d = pop(w);
	fn(&d);
	deliver(w, &d, 0);
	free(d.buf);
	if (!w->n)
		return false;
	*answer = pop(w);
	return true;
}

static uint8_t next_version;

static void set_version(struct dgram *d)
{
	d->buf[17] = next_version;
}

/*
 * An IKE_SA_INIT request of a later major version gets an unprotected
 * INVALID_MAJOR_VERSION with our version in the header, and B keeps
 * nothing (§2.5); an earlier version gets no answer.
 */
static void init_major_version(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct log_rec l[2];
	struct ike_header h;
	struct ike_error err;
	struct dgram a;

	log_attach(w, l);
	next_version = 0x30;
	assert_true(init_changed(w, set_version, &a));
	assert_null(w->e[1].sas);
	assert_int_equal(ike_header_parse(&h, a.buf, a.len, &err), 0);
	assert_int_equal(h.version, IKE_VERSION_2_0);
	assert_int_equal(h.exchange, IKE_EXCH_IKE_SA_INIT);
	assert_int_equal(h.flags, IKE_FLAG_RESPONSE);
	assert_int_equal(h.msg_id, 0);
	assert_true(h.spi_i == w->e[0].sas->spi_i);
	assert_true(h.spi_r == 0);
	assert_true(plain_has_notify(&a, IKE_N_INVALID_MAJOR_VERSION));
	assert_int_equal(w->e[1].refused[ENGINE_REF_VERSION], 1);
	/* For A, an unauthenticated error like any other: it waits. */
	deliver(w, &a, 0);
	free(a.buf);
	assert_int_equal(w->e[0].sas->state, IKESA_INIT);
	assert_true(logged(&l[0], "received INVALID_MAJOR_VERSION", NULL));
	drop_all(w);
	next_version = 0x10;
	assert_false(init_changed(w, set_version, &a));
	next_version = 0x21;	/* a later minor version is fine */
	assert_true(init_changed(w, set_version, &a));
	assert_false(plain_has_notify(&a, IKE_N_INVALID_MAJOR_VERSION));
	assert_non_null(w->e[1].sas);
	free(a.buf);
	test_world_free(w);
}

static uint8_t next_flags;

/* Put an unknown payload (type 99) first in the chain. */
static void add_unknown(struct dgram *d)
{
	uint8_t *buf = malloc(d->len + 8);

	assert_non_null(buf);
	memcpy(buf, d->buf, IKE_HEADER_LEN);
	buf[16] = 99;
	buf[IKE_HEADER_LEN] = d->buf[16];
	buf[IKE_HEADER_LEN + 1] = next_flags;
	buf[IKE_HEADER_LEN + 2] = 0;
	buf[IKE_HEADER_LEN + 3] = 8;
	memcpy(buf + IKE_HEADER_LEN + 4, "\xde\xad\xbe\xef", 4);
	memcpy(buf + IKE_HEADER_LEN + 8, d->buf + IKE_HEADER_LEN,
	       d->len - IKE_HEADER_LEN);
	d->len += 8;
	buf[24] = (uint8_t)(d->len >> 24);
	buf[25] = (uint8_t)(d->len >> 16);
	buf[26] = (uint8_t)(d->len >> 8);
	buf[27] = (uint8_t)d->len;
	free(d->buf);
	d->buf = buf;
}

/*
 * An IKE_SA_INIT request with an unknown payload marked critical gets
 * UNSUPPORTED_CRITICAL_PAYLOAD naming its type (§2.5); without the
 * critical bit the payload is skipped.
 */
static void init_critical_payload(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct log_rec l[2];
	struct ike_message m;
	struct ike_error err;
	const struct ike_payload *pl;
	struct dgram a;

	log_attach(w, l);
	next_flags = IKE_PAYLOAD_CRITICAL;
	assert_true(init_changed(w, add_unknown, &a));
	assert_null(w->e[1].sas);
	assert_int_equal(ike_message_parse(&m, a.buf, a.len, &err), 0);
	pl = ike_chain_find_notify(&m.chain,
				   IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	assert_non_null(pl);
	assert_int_equal(pl->notify->len, 1);
	assert_int_equal(pl->notify->data[0], 99);
	assert_int_equal(m.hdr.flags, IKE_FLAG_RESPONSE);
	ike_message_free(&m);
	free(a.buf);
	assert_int_equal(w->e[1].refused[ENGINE_REF_MALFORMED], 1);
	drop_all(w);
	next_flags = 0;
	assert_true(init_changed(w, add_unknown, &a));
	assert_non_null(w->e[1].sas);
	assert_false(plain_has_notify(&a, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD));
	free(a.buf);
	test_world_free(w);
}

/* Refused IKE_SA_INIT requests, as the refusal callback hears of them. */
struct ref_log {
	unsigned int n[ENGINE_REF_N];
	struct ip_addr remote;
	uint16_t port;
	unsigned int detail;
	unsigned int ignored;	/* of the last OFFER_LIMIT */
	const struct conn *conn;	/* of the last one naming one */
	char why[256];
};

static void ref_record(void *ctx, const struct engine_refusal *r)
{
	struct ref_log *l = ctx;

	assert_true(r->reason < ENGINE_REF_N);
	assert_string_not_equal(engine_refusal_name(r->reason), "?");
	l->n[r->reason]++;
	l->remote = *r->remote;
	l->port = r->remote_port;
	l->detail = r->detail;
	if (r->reason == ENGINE_REF_OFFER_LIMIT)
		l->ignored = r->detail;
	if (r->why) {
		l->conn = r->conn;
		snprintf(l->why, sizeof(l->why), "%s", r->why);
	}
}

static void ref_attach(struct world *w, struct ref_log *l)
{
	struct engine_refusals r = { ref_record, l };

	memset(l, 0, sizeof(*l));
	engine_set_refusals(&w->e[1], &r);
}

/*
 * B's answer to an IKE_SA_INIT request with this offer, a KE payload of
 * group and initiator SPI spi, left in w->q (if B answers).
 */
static void send_offer(struct world *w, const struct ike_sa_payload *offer,
		       uint16_t group, uint64_t spi)
{
	struct ike_message m = {
		.hdr = { .spi_i = spi, .exchange = IKE_EXCH_IKE_SA_INIT,
			 .flags = IKE_FLAG_INITIATOR },
	};
	struct ike_nonce nonce = {
		(const uint8_t *)"0123456789abcdef0123456789abcdef", 32 };
	struct ike_error err;
	struct ike_writer wr;
	struct ike_ke ke;
	struct dh dh;

	assert_int_equal(dh_generate(&dh, group), 0);
	ke.group = group;
	ke.data = dh_public(&dh, &ke.len);
	ike_chain_add(&m.chain, IKE_PL_SA, (void *)offer, &err);
	ike_chain_add(&m.chain, IKE_PL_KE, &ke, &err);
	ike_chain_add(&m.chain, IKE_PL_NONCE, &nonce, &err);
	ike_writer_init(&wr);
	assert_int_equal(ike_message_build(&wr, &m, &err), 0);
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &w->c[1].remote, 500,
		     wr.p, wr.len);
	ike_writer_free(&wr);
	ike_message_free(&m);
	dh_destroy(&dh);
}

/*
 * An offer of n IKE proposals, the last one c's first, the others n_xf
 * transforms of 3DES (which mif does not take) each.
 */
static void long_offer(struct ike_sa_payload *sa, const struct conn *c,
		       unsigned int n, unsigned int n_xf)
{
	struct ike_sa_payload mine;
	struct ike_transform *t;
	struct ike_proposal *p;

	assert_int_equal(proposal_offer(&mine, c->ike, 1, IKE_PROTO_IKE, NULL,
					0, 0), 0);
	t = ike_sa_payload_alloc(sa, n, (n - 1) * n_xf +
			 mine.proposals[0].n_transforms);
	assert_non_null(t);
	for (unsigned int i = 0; i < n; i++) {
		p = &sa->proposals[i];
		p->num = (uint8_t)(i + 1);
		p->protocol = IKE_PROTO_IKE;
		p->transforms = t;
		if (i + 1 == n) {
			p->n_transforms = mine.proposals[0].n_transforms;
			memcpy(t, mine.proposals[0].transforms,
			       p->n_transforms * sizeof(*t));
		} else {
			p->n_transforms = n_xf;
			for (unsigned int j = 0; j < n_xf; j++)
				t[j] = (struct ike_transform){
					.type = IKE_XF_ENCR, .id = 3 };
		}
		t += p->n_transforms;
	}
	sa->n_proposals = n;
	ike_sa_payload_free(&mine);
}

/*
 * A responder reads the first 16 proposals of an offer, as far as they
 * hold 256 transforms: an acceptable proposal beyond is not looked at,
 * and the rest of the offer is reported as ignored.
 */
static void offer_limits(void **state)
{
	static const struct {
		unsigned int n, n_xf;
		bool taken;
		unsigned int ignored;
	} cases[] = {
		{ 16, 4, true, 0 },
		{ 17, 4, false, 1 },
		{ 64, 1, false, 48 },
		{ 4, 64, true, 0 },	/* 3 x 64 + 4 transforms */
		{ 5, 64, false, 1 },	/* 4 x 64 + 4 */
	};
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct ike_sa_payload offer;
	struct ref_log l;

	ref_attach(w, &l);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long_offer(&offer, &w->c[0], cases[i].n, cases[i].n_xf);
		send_offer(w, &offer, IKE_DH_CURVE25519, 0x100 + i);
		ike_sa_payload_free(&offer);
		assert_int_equal(w->n, 1);
		assert_int_equal(plain_has_notify(&w->q[0],
						  IKE_N_NO_PROPOSAL_CHOSEN),
				 !cases[i].taken);
		assert_int_equal(l.n[ENGINE_REF_OFFER_LIMIT],
				 cases[i].ignored ? 1 : 0);
		if (cases[i].ignored)
			assert_int_equal(l.ignored, cases[i].ignored);
		memset(l.n, 0, sizeof(l.n));
		drop_all(w);
	}
	test_world_free(w);
}

/*
 * What matching looks at of a proposal, once each: 30 copies of one
 * transform, 30 of one mif does not know, choose as the proposal does;
 * and the same transform with an unknown attribute first does not hide
 * it.
 */
static void offer_compacted(void **state)
{
	struct ike_sa_payload sa;
	struct ike_transform *t = ike_sa_payload_alloc(&sa, 1, 64);
	struct proposal_choice a, b;
	struct proposal_peer pp;
	struct conn c;
	unsigned int n = 0;

	assert_non_null(t);
	make_conn(&c, 1, IKE_DH_CURVE25519, true);
	t[n++] = (struct ike_transform){ IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256,
					 true };
	for (int i = 0; i < 30; i++) {
		t[n++] = (struct ike_transform){ IKE_XF_ENCR, 3, 0, false };
		t[n++] = (struct ike_transform){ IKE_XF_ENCR,
						 IKE_ENCR_AES_GCM_16, 256,
						 false };
	}
	t[n++] = (struct ike_transform){ .type = IKE_XF_PRF,
					 .id = IKE_PRF_HMAC_SHA2_256 };
	t[n++] = (struct ike_transform){ .type = IKE_XF_DH, .id = 1 };
	t[n++] = (struct ike_transform){ .type = IKE_XF_DH,
					 .id = IKE_DH_CURVE25519 };
	sa.proposals[0] = (struct ike_proposal){
		.num = 1, .protocol = IKE_PROTO_IKE, .n_transforms = n,
		.transforms = t };
	sa.n_proposals = 1;
	assert_int_equal(proposal_peer_read(&pp, &sa, IKE_PROTO_IKE), 0);
	assert_int_equal(pp.sa.n_proposals, 1);
	/* GCM with the attribute (for 3DES too), GCM; PRF; MODP-768, X25519. */
	assert_int_equal(pp.sa.proposals[0].n_transforms, 5);
	assert_int_equal(proposal_peer_select(&pp, c.ike, c.n_ike,
					      IKE_PROTO_IKE,
					      IKE_DH_CURVE25519, &a), 0);
	assert_int_equal(proposal_select(&sa, c.ike, c.n_ike, IKE_PROTO_IKE,
					 IKE_DH_CURVE25519, &b), 0);
	assert_memory_equal(&a.prop, &b.prop, sizeof(a.prop));
	assert_ptr_equal(a.encr, b.encr);
	assert_ptr_equal(a.dh, b.dh);
	proposal_peer_free(&pp);
	ike_sa_payload_free(&sa);
}

/*
 * Connections with the same IKE proposals share one proposal set: an
 * offer is matched once for all of them. Here 100 connections for one
 * address pair, for 100 peer IDs, and another with other proposals.
 */
static void offer_matched_per_set(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct conn *c = calloc(101, sizeof(*c));
	struct ike_sa_payload offer;
	char id[32];
	struct ikesa *sa;

	assert_non_null(c);
	engine_clear_conns(&w->e[1]);
	for (int i = 0; i < 100; i++) {
		c[i] = w->c[1];
		snprintf(id, sizeof(id), "peer%d.example", i);
		set_id(&c[i].remote_id, id);
		assert_int_equal(engine_add_conn(&w->e[1], &c[i]), 0);
	}
	c[100] = w->c[1];
	set_ike(&c[100], IKE_DH_ECP_256, false);
	assert_int_equal(engine_add_conn(&w->e[1], &c[100]), 0);
	assert_int_equal(w->e[1].n_conns, 101);
	assert_int_equal(w->e[1].psets.n, 2);
	/* A's offer fits the first set: IKE_SA_INIT is answered. */
	long_offer(&offer, &w->c[0], 1, 0);
	send_offer(w, &offer, IKE_DH_CURVE25519, 0x200);
	ike_sa_payload_free(&offer);
	assert_int_equal(w->n, 1);
	assert_false(plain_has_notify(&w->q[0], IKE_N_NO_PROPOSAL_CHOSEN));
	sa = w->e[1].sas;
	assert_non_null(sa);
	assert_ptr_equal(sa->conn, &c[0]);
	/* The first set took it; the second was not looked at. */
	assert_int_equal(w->e[1].psets.s[0].stamp, w->e[1].psets.stamp);
	assert_int_not_equal(w->e[1].psets.s[1].stamp, w->e[1].psets.stamp);
	drop_all(w);
	/* Cleared, and the same connections again: still two sets. */
	engine_clear_conns(&w->e[1]);
	assert_int_equal(w->e[1].psets.n, 0);
	for (int i = 0; i < 101; i++)
		assert_int_equal(engine_add_conn(&w->e[1], &c[i]), 0);
	assert_int_equal(w->e[1].psets.n, 2);
	test_world_free(w);
	free(c);
}

/*
 * Half-open IKE SAs are capped, from one address and in all: a request
 * beyond is dropped before any work (no answer, no state), and taken
 * again once a half-open SA has gone.
 */
static void half_open_limits(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct engine *b = &w->e[1];
	unsigned int sent = 0;
	struct dgram d;

	b->cookie_threshold = 0;
	b->half_open_max_peer = 2;
	b->half_open_max = 3;
	b->send = (struct engine_send){ count_send, &sent };
	memset(&w->c[1].remote, 0, sizeof(w->c[1].remote));	/* %any */
	/* Its addresses are indexed when it is added: again. */
	engine_clear_conns(b);
	assert_int_equal(engine_add_conn(b, &w->c[1]), 0);
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	d = pop(w);
	/* Two from 10.0.0.1, the third dropped. */
	deliver_from(w, &d, 1, 1001, 0);
	deliver_from(w, &d, 1, 1002, 0);
	assert_int_equal(sent, 2);
	assert_int_equal(b->n_half_open, 2);
	deliver_from(w, &d, 1, 1003, 0);
	assert_int_equal(sent, 2);
	assert_int_equal(b->refused[ENGINE_REF_HALF_OPEN_PEER], 1);
	/* A third from another address; the fourth in all dropped. */
	deliver_from(w, &d, 2, 1001, 0);
	assert_int_equal(sent, 3);
	deliver_from(w, &d, 3, 1001, 0);
	assert_int_equal(sent, 3);
	assert_int_equal(b->refused[ENGINE_REF_HALF_OPEN], 1);
	assert_int_equal(b->n_half_open, 3);
	/* Once they have expired, room again. */
	engine_tick(b, ENGINE_HALF_OPEN_MS);
	assert_int_equal(b->n_half_open, 0);
	deliver_from(w, &d, 3, 1001, ENGINE_HALF_OPEN_MS);
	deliver_from(w, &d, 1, 1003, ENGINE_HALF_OPEN_MS);
	assert_int_equal(sent, 5);
	assert_int_equal(b->n_half_open, 2);
	/* Retransmissions of the requests taken are answered still. */
	b->half_open_max = 2;
	deliver_from(w, &d, 1, 1003, ENGINE_HALF_OPEN_MS);
	assert_int_equal(sent, 6);
	free(d.buf);
	test_world_free(w);
}

/* Every IKE_SA_INIT request refused is reported, with its reason. */
static void refusals_reported(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct ip_addr other;
	struct ref_log l;
	struct dgram d;

	ref_attach(w, &l);
	/* A offers groups 31 and 19, with a KE payload of 31. */
	xf(&w->c[0].ike[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	d = pop(w);
	/* From an address no connection serves: dropped. */
	assert_int_equal(ip_addr_parse("192.0.2.99", &other), 0);
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &other, 4500, d.buf,
		     d.len);
	assert_int_equal(l.n[ENGINE_REF_NO_CONN], 1);
	assert_true(ip_addr_equal(&l.remote, &other));
	assert_int_equal(l.port, 4500);
	/* Cut short: dropped. */
	d.buf[27] -= 4;
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &w->c[1].remote, 500,
		     d.buf, d.len - 4);
	assert_int_equal(l.n[ENGINE_REF_MALFORMED], 1);
	/* No cookie when one is required. */
	d.buf[27] += 4;
	w->e[1].cookie_required = true;
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &w->c[1].remote, 500,
		     d.buf, d.len);
	assert_int_equal(l.n[ENGINE_REF_COOKIE], 1);
	w->e[1].cookie_required = false;
	/* B takes 19 only: INVALID_KE_PAYLOAD naming it. */
	set_ike(&w->c[1], IKE_DH_ECP_256, true);
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &w->c[1].remote, 500,
		     d.buf, d.len);
	assert_int_equal(l.n[ENGINE_REF_INVALID_KE], 1);
	assert_int_equal(l.detail, IKE_DH_ECP_256);
	for (int i = 0; i < ENGINE_REF_N; i++)
		assert_int_equal(w->e[1].refused[i], l.n[i]);
	assert_null(w->e[1].sas);
	free(d.buf);
	test_world_free(w);
}

static void child_no_proposal(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct log_rec l[2];
	struct ikesa *sa;

	log_attach(w, l);
	set_esp(&w->c[1], false);	/* ESP: CBC vs GCM */
	sa = establish(w, 0);
	assert_true(logged(&l[1], "no Child SA: sent NO_PROPOSAL_CHOSEN",
			   NULL));
	assert_true(logged(&l[0], "no Child SA: received NO_PROPOSAL_CHOSEN",
			   NULL));
	/* The IKE SA stands, without a Child SA. */
	assert_null(sa->children);
	assert_null(only_sa(w, 1)->children);
	assert_int_equal(w->f[0].n_add_sa + w->f[1].n_add_sa, 0);
	assert_int_equal(live_allocs(&w->f[0]), 0);
	test_world_free(w);
}

static void transport_mode(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa;

	w->c[0].mode = w->c[1].mode = KERNEL_MODE_TRANSPORT;
	sa = establish(w, 0);
	assert_int_equal(sa->children->mode, KERNEL_MODE_TRANSPORT);
	assert_int_equal(only_sa(w, 1)->children->mode,
			 KERNEL_MODE_TRANSPORT);
	check_child(w, sa->children);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(w->f[i].n_add_pol, 2);	/* no fwd */
		for (unsigned int j = 0; j < w->f[i].n_pols; j++)
			assert_int_not_equal(w->f[i].pols[j].dir,
					     KERNEL_DIR_FWD);
		assert_int_equal(w->f[i].sas[0].mode, KERNEL_MODE_TRANSPORT);
	}
	test_world_free(w);
}

static void transport_refused(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa;

	w->c[0].mode = KERNEL_MODE_TRANSPORT;	/* B wants tunnel */
	sa = establish(w, 0);
	assert_int_equal(sa->children->mode, KERNEL_MODE_TUNNEL);
	check_child(w, sa->children);
	test_world_free(w);
}

static void ts_narrowing(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa;
	const struct kernel_policy *p = NULL;

	/* B only offers 10.2.5.0/24 of the 10.2.0.0/16 A asks for. */
	sel4(&w->c[1].local_ts[0], "10.2.5.0", "10.2.5.255");
	w->c[1].local_ts[0].ip_proto = 17;
	sa = establish(w, 0);
	assert_int_equal(sa->children->n_remote_ts, 1);
	assert_memory_equal(sa->children->remote_ts[0].start,
			    "\x0a\x02\x05\x00", 4);
	assert_int_equal(sa->children->remote_ts[0].ip_proto, 17);
	for (unsigned int i = 0; i < w->f[0].n_pols; i++)
		if (w->f[0].pols[i].dir == KERNEL_DIR_OUT)
			p = &w->f[0].pols[i];
	assert_non_null(p);
	assert_int_equal(p->sel.dst_len, 24);
	assert_int_equal(p->sel.src_len, 16);
	assert_int_equal(p->sel.proto, 17);
	assert_memory_equal(p->sel.dst.bytes, "\x0a\x02\x05\x00", 4);
	check_child(w, sa->children);
	test_world_free(w);
}

static void ts_unacceptable(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa;

	sel4(&w->c[1].local_ts[0], "10.9.0.0", "10.9.255.255");
	sa = establish(w, 0);
	assert_null(sa->children);
	assert_int_equal(w->f[0].n_add_sa + w->f[1].n_add_sa, 0);
	test_world_free(w);
}

static void second_child(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, false);
	struct ikesa *sa = establish(w, 0);
	const struct childsa *first = sa->children;

	assert_int_equal(engine_create_child(&w->e[0], sa, 10), 0);
	assert_int_equal(engine_create_child(&w->e[0], sa, 10), -EBUSY);
	pump(w, 10);
	assert_int_equal(n_children(sa), 2);
	assert_int_equal(n_children(only_sa(w, 1)), 2);
	assert_ptr_not_equal(sa->children, first);
	check_child(w, sa->children);
	check_child(w, first);
	/* Fresh keys for the new pair. */
	assert_memory_not_equal(find_ksa(&w->f[0], sa->children->spi_out)->
				encr_key,
				find_ksa(&w->f[0], first->spi_out)->encr_key,
				16);
	assert_int_equal(w->f[0].n_add_sa, 4);
	test_world_free(w);
}

static void rekey_child(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa;
	uint32_t old_in;

	sel4(&w->c[1].local_ts[0], "10.2.5.0", "10.2.5.255");
	sa = establish(w, 0);
	old_in = sa->children->spi_in;

	assert_int_equal(engine_rekey_child(&w->e[0], sa, sa->children, 5),
			 0);
	pump(w, 5);	/* CREATE_CHILD_SA, then Delete of the old */
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(n_children(only_sa(w, 1)), 1);
	assert_int_not_equal(sa->children->spi_in, old_in);
	/* The narrowed selectors carry over. */
	assert_memory_equal(sa->children->remote_ts[0].start,
			    "\x0a\x02\x05\x00", 4);
	check_child(w, sa->children);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(live_sas(&w->f[i]), 2);
		/* The policies passed to the new SA, with the reqid. */
		assert_int_equal(w->f[i].n_add_pol, 3);
		assert_int_equal(w->f[i].n_del_pol, 0);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_int_equal(w->f[i].sas[2].reqid, w->f[i].sas[0].reqid);
	}
	assert_true(owns(w, 0, sa->children));
	/* Deleting the new SA now removes them. */
	assert_int_equal(engine_delete_child(&w->e[0], sa, sa->children, 6),
			 0);
	pump(w, 6);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
	}
	test_world_free(w);
}

static void delete_child(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0);

	assert_int_equal(engine_delete_child(&w->e[0], sa, sa->children, 5),
			 0);
	pump(w, 5);
	assert_null(sa->children);
	assert_null(only_sa(w, 1)->children);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
		assert_int_equal(w->f[i].n_del_pol, 3);
		assert_int_equal(live_allocs(&w->f[i]), 0);
	}
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

static void delete_ike(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0);

	assert_int_equal(engine_create_child(&w->e[0], sa, 1), 0);
	pump(w, 1);
	assert_int_equal(engine_delete_ike(&w->e[0], sa, 2), 0);
	pump(w, 2);
	for (int i = 0; i < 2; i++) {
		assert_null(w->e[i].sas);
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
		/*
		 * The second Child SA has the first one's selectors: the
		 * two share three policies, deleted with the last of them.
		 */
		assert_int_equal(w->f[i].n_del_pol, 3);
		assert_int_equal(engine_next_deadline(&w->e[i]), 0);
	}
	test_world_free(w);
}

static void delete_from_responder(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0), *b = only_sa(w, 1);

	/* The responder's own requests start at message ID 0. */
	assert_int_equal(engine_delete_child(&w->e[1], b, b->children, 3), 0);
	assert_int_equal(b->req.msg_id, 0);
	pump(w, 3);
	assert_null(sa->children);
	assert_int_equal(engine_delete_ike(&w->e[1], b, 4), 0);
	pump(w, 4);
	assert_null(w->e[0].sas);
	assert_null(w->e[1].sas);
	test_world_free(w);
}

static void dpd(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa;
	uint32_t req_next;

	w->c[0].dpd_ms = 5000;
	sa = establish(w, 0);
	req_next = sa->req_next;
	assert_int_equal(engine_next_deadline(&w->e[0]), 5000);
	assert_int_equal(engine_tick(&w->e[0], 4999), 5000);
	assert_int_equal(w->n, 0);
	engine_tick(&w->e[0], 5000);
	assert_int_equal(w->n, 1);
	assert_int_equal(sa->req_next, req_next + 1);
	/* While the check is out, the deadline is the retransmission. */
	assert_int_equal(engine_next_deadline(&w->e[0]), 6000);
	pump(w, 5100);
	assert_false(sa->req.active);
	assert_int_equal(engine_next_deadline(&w->e[0]), 10100);
	assert_int_equal(live_sas(&w->f[0]), 2);
	test_world_free(w);
}

static void dpd_dead_peer(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	uint64_t t;

	w->c[0].dpd_ms = 5000;
	establish(w, 0);
	assert_int_equal(live_sas(&w->f[0]), 2);
	t = engine_tick(&w->e[0], 5000);
	for (int i = 0; i < 10 && t; i++) {
		drop_all(w);
		t = engine_tick(&w->e[0], t);
	}
	assert_int_equal(t, 0);
	assert_null(w->e[0].sas);
	assert_int_equal(live_sas(&w->f[0]), 0);
	assert_int_equal(live_pols(&w->f[0]), 0);
	test_world_free(w);
}

static void retransmit_backoff(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	static const uint64_t when[] = { 1000, 3000, 7000, 15000 };
	struct ikesa *sa;
	struct dgram first, d;

	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	first = pop(w);
	assert_int_equal(engine_next_deadline(&w->e[0]), 1000);
	assert_int_equal(engine_tick(&w->e[0], 999), 1000);
	assert_int_equal(w->n, 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(engine_tick(&w->e[0], when[i]), when[i + 1]);
		d = pop(w);
		/* The very same bytes again. */
		assert_int_equal(d.len, first.len);
		assert_memory_equal(d.buf, first.buf, d.len);
		free(d.buf);
		assert_int_equal(sa->req.tries, i + 1);
	}
	/* Three retransmissions and no answer: give up. */
	assert_int_equal(engine_tick(&w->e[0], 15000), 0);
	assert_int_equal(w->n, 0);
	assert_null(w->e[0].sas);
	free(first.buf);
	test_world_free(w);
}

static void retransmit_then_answer(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);

	drop_all(w);
	engine_tick(&w->e[0], 1000);
	pump(w, 1000);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	check_child(w, sa->children);
	test_world_free(w);
}

static void duplicate_request(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);
	struct dgram init, r1, r2, auth, a1, a2;

	init = pop(w);
	deliver(w, &init, 0);
	r1 = pop(w);
	deliver(w, &init, 0);	/* IKE_SA_INIT again: same answer */
	r2 = pop(w);
	assert_int_equal(r1.len, r2.len);
	assert_memory_equal(r1.buf, r2.buf, r1.len);
	assert_non_null(only_sa(w, 1));
	deliver(w, &r1, 0);
	deliver(w, &r2, 0);	/* a duplicate response is dropped */
	auth = pop(w);
	assert_int_equal(w->n, 0);
	deliver(w, &auth, 0);
	a1 = pop(w);
	deliver(w, &auth, 0);	/* IKE_AUTH again: the cached answer */
	a2 = pop(w);
	assert_int_equal(a1.len, a2.len);
	assert_memory_equal(a1.buf, a2.buf, a1.len);
	assert_int_equal(w->f[1].n_add_sa, 2);
	assert_int_equal(w->f[1].n_alloc, 1);
	deliver(w, &a2, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	deliver(w, &a1, 0);	/* stale response: dropped */
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	check_child(w, sa->children);
	free(init.buf);
	free(r1.buf);
	free(r2.buf);
	free(auth.buf);
	free(a1.buf);
	free(a2.buf);
	test_world_free(w);
}

static void mangled_auth(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, false);
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);
	struct dgram auth;
	uint8_t *buf;

	deliver_next(w, 0);
	deliver_next(w, 0);
	auth = pop(w);
	buf = malloc(auth.len);
	assert_non_null(buf);
	for (size_t i = 0; i < auth.len; i++) {
		for (size_t k = 0; k < sizeof(masks); k++) {
			memcpy(buf, auth.buf, auth.len);
			buf[i] ^= masks[k];
			engine_input(&w->e[1], 0, &w->c[1].local, 500,
				     &w->c[1].remote, 500, buf, auth.len);
			assert_int_equal(w->n, 0);
		}
		/* Truncated, too. */
		engine_input(&w->e[1], 0, &w->c[1].local, 500,
			     &w->c[1].remote, 500, auth.buf, i);
	}
	assert_int_equal(w->f[1].n_add_sa, 0);
	assert_int_equal(w->f[1].n_alloc, 0);
	assert_int_equal(only_sa(w, 1)->state, IKESA_AUTH);
	/* The real one still works. */
	deliver(w, &auth, 0);
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	check_child(w, sa->children);
	free(buf);
	free(auth.buf);
	test_world_free(w);
}

static void mangled_init(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct dgram init;
	uint8_t *buf;

	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	init = pop(w);
	buf = malloc(init.len);
	assert_non_null(buf);
	for (size_t i = 0; i < init.len; i++) {
		memcpy(buf, init.buf, init.len);
		buf[i] ^= 0x5a;
		engine_input(&w->e[1], 0, &w->c[1].local, 500,
			     &w->c[1].remote, 500, buf, init.len);
		engine_input(&w->e[0], 0, &w->c[0].local, 500,
			     &w->c[0].remote, 500, buf, init.len);
		drop_all(w);
	}
	assert_int_equal(w->f[0].n_add_sa + w->f[1].n_add_sa, 0);
	/* Half-open SAs expire. */
	engine_tick(&w->e[1], ENGINE_HALF_OPEN_MS);
	assert_null(w->e[1].sas);
	free(buf);
	free(init.buf);
	test_world_free(w);
}

static void mangled_auth_response(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);
	struct dgram resp;
	uint8_t *buf;

	for (int i = 0; i < 3; i++)
		deliver_next(w, 0);
	resp = pop(w);
	buf = malloc(resp.len);
	assert_non_null(buf);
	for (size_t i = 0; i < resp.len; i++) {
		memcpy(buf, resp.buf, resp.len);
		buf[i] ^= 0x10;
		engine_input(&w->e[0], 0, &w->c[0].local, 500,
			     &w->c[0].remote, 500, buf, resp.len);
		assert_int_equal(w->n, 0);
	}
	assert_int_equal(w->f[0].n_add_sa, 0);
	assert_int_equal(sa->state, IKESA_AUTH);
	deliver(w, &resp, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	check_child(w, sa->children);
	free(buf);
	free(resp.buf);
	test_world_free(w);
}

static void lost_auth_response(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);

	for (int i = 0; i < 3; i++)
		deliver_next(w, 0);
	drop_all(w);		/* the IKE_AUTH response is lost */
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_int_equal(engine_tick(&w->e[0], 1000), 3000);
	pump(w, 1000);		/* retransmission, answered from cache */
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(w->f[1].n_add_sa, 2);
	check_child(w, sa->children);
	test_world_free(w);
}

static void window(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0), *b = only_sa(w, 1);
	struct ike_chain *empty = calloc(1, sizeof(*empty));
	uint8_t *buf;
	size_t len;

	assert_non_null(empty);
	/* A request beyond the window is dropped, unanswered. */
	assert_int_equal(ikesa_build(sa, IKE_EXCH_INFORMATIONAL, false, 7,
				     empty, &buf, &len), 0);
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &w->c[1].remote, 500,
		     buf, len);
	free(buf);
	assert_int_equal(w->n, 0);
	assert_int_equal(b->resp_next, 2);
	/* The next one in order is answered. */
	assert_int_equal(ikesa_build(sa, IKE_EXCH_INFORMATIONAL, false, 2,
				     empty, &buf, &len), 0);
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &w->c[1].remote, 500,
		     buf, len);
	free(buf);
	assert_int_equal(w->n, 1);
	assert_int_equal(b->resp_next, 3);
	/* An unsolicited response is dropped. */
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(w->n, 0);
	/* A response flag on a new request: dropped by both. */
	assert_int_equal(ikesa_build(sa, IKE_EXCH_INFORMATIONAL, true, 3,
				     empty, &buf, &len), 0);
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &w->c[1].remote, 500,
		     buf, len);
	engine_input(&w->e[0], 0, &w->c[0].local, 500, &w->c[0].remote, 500,
		     buf, len);
	free(buf);
	assert_int_equal(w->n, 0);
	free(empty);
	test_world_free(w);
}

static void rejected_reply_deleted(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0);

	assert_int_equal(engine_create_child(&w->e[0], sa, 1), 0);
	/* A no longer accepts what it offered: the reply is refused. */
	set_esp(&w->c[0], false);
	pump(w, 1);
	assert_int_equal(n_children(sa), 1);
	/* The responder's half was deleted through INFORMATIONAL. */
	assert_int_equal(n_children(only_sa(w, 1)), 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_int_equal(live_allocs(&w->f[i]), 1);
	}
	test_world_free(w);
}

/*
 * Send B an authenticated request built from A's keys (as a peer with a
 * buggy or hostile implementation would), and return B's answer's
 * first notify type (0: none, -1: no answer).
 */
static int ask(struct world *w, struct ikesa *sa, uint8_t exchange,
	       const struct ike_chain *chain)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	const struct ike_payload *pl;
	struct ikesa_plain plain;
	struct ike_error err;
	struct dgram d;
	uint8_t *buf;
	size_t len;
	int ret = -1;

	assert_non_null(c);
	assert_int_equal(ikesa_build(sa, exchange, false, sa->req_next++,
				     chain, &buf, &len), 0);
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &w->c[1].remote, 500,
		     buf, len);
	free(buf);
	if (w->n) {
		d = pop(w);
		assert_int_equal(ikesa_decrypt(sa, d.buf, d.len, c, &plain,
					       &err), 0);
		pl = ike_chain_find(c, IKE_PL_NOTIFY, NULL);
		ret = pl ? pl->notify->type : 0;
		ike_chain_free(c);
		ikesa_plain_free(&plain);
		free(d.buf);
	}
	assert_int_equal(w->n, 0);
	free(c);
	return ret;
}

static void bad_requests(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0), *b = only_sa(w, 1);
	struct ike_chain *c = calloc(1, sizeof(*c));
	struct ike_sa_payload *sap = calloc(1, sizeof(*sap));
	struct ike_nonce nonce = { (const uint8_t *)"0123456789abcdef", 16 };
	struct ike_notify rekey;
	struct ike_ke ke = { IKE_DH_ECP_256, (const uint8_t *)"x", 1 };
	struct ike_delete *del = calloc(1, sizeof(*del));
	struct ike_ts *tsi = calloc(1, sizeof(*tsi));
	struct ike_ts *tsr = calloc(1, sizeof(*tsr));
	struct ike_selector sel[2];
	struct conn_proposal pfs;
	struct ike_error err;
	uint32_t spis[2];
	uint8_t spi[4] = { 1, 2, 3, 4 };

	assert_non_null(c);
	assert_non_null(sap);
	assert_non_null(del);
	assert_non_null(tsi);
	assert_non_null(tsr);
	tsi->sel = &sel[0];
	tsr->sel = &sel[1];
	del->spis = spis;
	/* CREATE_CHILD_SA without a nonce. */
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_INVALID_SYNTAX);
	/* Nonce only: no SA payload. */
	ike_chain_add(c, IKE_PL_NONCE, &nonce, &err);
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_INVALID_SYNTAX);
	/* With PFS, which is not offered. */
	pfs = w->c[0].esp[0];
	xf(&pfs, IKE_XF_DH, IKE_DH_ECP_256, 0);
	proposal_offer(sap, &pfs, 1, IKE_PROTO_ESP, spi, 4, 0);
	ike_chain_add(c, IKE_PL_SA, sap, &err);
	ike_chain_add(c, IKE_PL_KE, &ke, &err);
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_INVALID_SYNTAX);	/* no TS either */
	tsi->n = tsr->n = 1;
	tsi->sel[0] = w->c[0].local_ts[0];
	tsr->sel[0] = w->c[0].remote_ts[0];
	ike_chain_add(c, IKE_PL_TSI, tsi, &err);
	ike_chain_add(c, IKE_PL_TSR, tsr, &err);
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_NO_PROPOSAL_CHOSEN);
	/* Without the DH group, selectors B does not serve. */
	sap->proposals[0].n_transforms--;	/* the DH transform, last */
	c->count = 2;		/* Nonce, SA */
	sel4(&tsr->sel[0], "10.7.0.0", "10.7.0.255");
	ike_chain_add(c, IKE_PL_TSI, tsi, &err);
	ike_chain_add(c, IKE_PL_TSR, tsr, &err);
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_TS_UNACCEPTABLE);
	assert_int_equal(w->f[1].n_alloc, 1);
	/* Rekey of an SA that does not exist. */
	ike_chain_free(c);
	ikesa_notify(&rekey, IKE_N_REKEY_SA, NULL, 0);
	rekey.protocol = IKE_PROTO_ESP;
	rekey.spi_size = 4;
	ike_chain_add(c, IKE_PL_NOTIFY, &rekey, &err);
	ike_chain_add(c, IKE_PL_NONCE, &nonce, &err);
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_CHILD_SA_NOT_FOUND);
	/* IKE_AUTH again, on an established SA. */
	ike_chain_free(c);
	assert_int_equal(ask(w, sa, IKE_EXCH_IKE_AUTH, c),
			 IKE_N_INVALID_SYNTAX);
	/* Delete of unknown SPIs, and of AH: answered, nothing removed. */
	del->protocol = IKE_PROTO_ESP;
	del->n_spis = 2;
	del->spis[0] = 0x12345678;
	del->spis[1] = sa->children->spi_out;	/* B's own inbound SPI */
	ike_chain_add(c, IKE_PL_DELETE, del, &err);
	assert_int_equal(ask(w, sa, IKE_EXCH_INFORMATIONAL, c), 0);
	assert_non_null(b->children);
	assert_int_equal(live_sas(&w->f[1]), 2);
	assert_int_equal(b->state, IKESA_ESTABLISHED);
	assert_int_equal(b->resp_next, sa->req_next);
	ike_chain_free(c);
	ike_sa_payload_free(sap);
	free(tsi);
	free(tsr);
	free(del);
	free(sap);
	free(c);
	test_world_free(w);
}

static void bad_auth_request(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);
	struct ike_chain *c = calloc(1, sizeof(*c));
	struct ike_id id = { IKE_ID_FQDN, (const uint8_t *)"a.example", 9 };
	struct ike_error err;

	assert_non_null(c);
	for (int i = 0; i < 2; i++)
		deliver_next(w, 0);
	drop_all(w);		/* A's own IKE_AUTH request */
	/* An IDi without AUTH: authentication fails, the SA goes. */
	ike_chain_add(c, IKE_PL_IDI, &id, &err);
	sa->req_next = 1;
	assert_int_equal(ask(w, sa, IKE_EXCH_IKE_AUTH, c),
			 IKE_N_AUTHENTICATION_FAILED);
	assert_null(w->e[1].sas);
	assert_int_equal(w->f[1].n_alloc + w->f[1].n_add_sa, 0);
	ike_chain_free(c);
	free(c);
	test_world_free(w);
}

/* B's connections: these, in this order, instead of c[1] alone. */
static void set_conns(struct world *w, struct conn *const *c, unsigned int n)
{
	engine_clear_conns(&w->e[1]);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(engine_add_conn(&w->e[1], c[i]), 0);
}

/* A copy of B's connection, for another connection on B. */
static struct conn *conn_copy(struct world *w, const char *name)
{
	struct conn *c = malloc(sizeof(*c));

	assert_non_null(c);
	*c = w->c[1];
	c->name = name;
	return c;
}

/* IKE_SA_INIT goes through, B answers IKE_AUTH with AUTHENTICATION_FAILED. */
static void auth_refused(struct world *w)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);

	assert_non_null(sa);
	for (int i = 0; i < 3; i++)	/* INIT, INIT response, AUTH */
		deliver_next(w, 0);
	assert_null(w->e[1].sas);
	assert_true(deliver_next_notify(w, sa, IKE_N_AUTHENTICATION_FAILED, 0));
	assert_null(w->e[0].sas);
	assert_int_equal(w->f[1].n_add_sa, 0);
}

/*
 * Two connections on one address pair, one AES-GCM, one AES-CBC: the
 * peer gets the one its proposal fits, first or second.
 */
static void conn_by_proposal(void **state)
{
	for (int gcm = 0; gcm < 2; gcm++) {
		for (int first = 0; first < 2; first++) {
			struct world *w = world_new(IKE_DH_ECP_256, gcm);
			struct conn *other = conn_copy(w, "other");
			struct ikesa *sa;

			set_ike(other, IKE_DH_ECP_256, !gcm);
			set_esp(other, !gcm);
			if (first)
				set_conns(w, (struct conn *[]){ &w->c[1],
								other }, 2);
			else
				set_conns(w, (struct conn *[]){ other,
								&w->c[1] }, 2);
			sa = establish(w, 0);
			assert_ptr_equal(only_sa(w, 1)->conn, &w->c[1]);
			assert_int_equal(sa->ike.encr->aead, gcm);
			assert_int_equal(only_sa(w, 1)->ike.encr->aead, gcm);
			check_child(w, sa->children);
			test_world_free(w);
			free(other);
		}
	}
}

/*
 * The first connection refuses the proposal, the second takes it with
 * another group than the KE payload's: INVALID_KE_PAYLOAD names the
 * second's group, and the retry lands on it.
 */
static void conn_by_proposal_ke(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct conn *cbc = conn_copy(w, "cbc");
	struct ikesa *sa;

	xf(&w->c[0].ike[0], IKE_XF_DH, IKE_DH_CURVE25519, 0);
	set_ike(&w->c[1], IKE_DH_CURVE25519, true);
	set_ike(cbc, IKE_DH_ECP_256, false);
	set_conns(w, (struct conn *[]){ cbc, &w->c[1] }, 2);
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_int_equal(sa->ke_group, IKE_DH_ECP_256);
	deliver_next(w, 0);
	assert_null(w->e[1].sas);
	assert_true(plain_has_notify(&w->q[0], IKE_N_INVALID_KE_PAYLOAD));
	assert_int_equal(w->q[0].buf[w->q[0].len - 2] << 8 |
			 w->q[0].buf[w->q[0].len - 1], IKE_DH_CURVE25519);
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(sa->ke_group, IKE_DH_CURVE25519);
	assert_ptr_equal(only_sa(w, 1)->conn, &w->c[1]);
	check_child(w, sa->children);
	test_world_free(w);
	free(cbc);
}

/*
 * At IKE_AUTH a connection naming the peer's ID is not taken when it
 * does not hold the IKE proposal chosen in IKE_SA_INIT.
 */
static void conn_keeps_proposal(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct conn *named = conn_copy(w, "named");
	struct ikesa *sa;

	memset(&w->c[1].remote_id, 0, sizeof(w->c[1].remote_id));
	set_ike(named, IKE_DH_ECP_256, false);
	set_conns(w, (struct conn *[]){ named, &w->c[1] }, 2);
	sa = establish(w, 0);
	assert_ptr_equal(only_sa(w, 1)->conn, &w->c[1]);
	check_child(w, sa->children);
	test_world_free(w);
	free(named);
}

/* Of two connections for any ID, one naming the peer's is taken. */
static void conn_named_id_first(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct conn *any = conn_copy(w, "any");
	struct ikesa *sa;

	memset(&any->remote_id, 0, sizeof(any->remote_id));
	set_conns(w, (struct conn *[]){ any, &w->c[1] }, 2);
	sa = establish(w, 0);
	assert_ptr_equal(only_sa(w, 1)->conn, &w->c[1]);
	check_child(w, sa->children);
	test_world_free(w);
	free(any);
}

/* Two connections differing by remote ID (and key): each peer its own. */
static void conn_by_remote_id(void **state)
{
	for (int peer = 0; peer < 2; peer++) {
		struct world *w = world_new(IKE_DH_ECP_256, true);
		struct conn *c_conn = conn_copy(w, "c");
		struct ikesa *sa;

		set_id(&c_conn->remote_id, "c.example");
		memcpy(c_conn->psk, "something else entirely", 23);
		c_conn->psk_len = 23;
		if (peer) {	/* A presents itself as c.example */
			set_id(&w->c[0].local_id, "c.example");
			memcpy(w->c[0].psk, c_conn->psk, 23);
			w->c[0].psk_len = 23;
		}
		set_conns(w, (struct conn *[]){ &w->c[1], c_conn }, 2);
		sa = establish(w, 0);
		assert_ptr_equal(only_sa(w, 1)->conn,
				 peer ? c_conn : &w->c[1]);
		check_child(w, sa->children);
		test_world_free(w);
		free(c_conn);
	}
}

static int certs_setup(void **state)
{
	certs_make();
	return 0;
}

static int certs_teardown(void **state)
{
	certs_remove();
	return 0;
}

/*
 * Two connections on one address pair for the same peer ID, one with a
 * shared key, one with certificates: a peer using a key lands on the
 * first, one signing with its certificate on the second, whichever is
 * configured first. A signature nobody can check is refused.
 */
static void conn_by_auth_method(void **state)
{
	for (int i = 0; i < 5; i++) {
		bool cert = i & 1, cert_first = i & 2, no_cert_conn = i == 4;
		struct world *w = world_new(IKE_DH_ECP_256, true);
		struct conn *cc = conn_copy(w, "cert");
		struct sig_creds *sig_creds;
		struct ikesa *sa;

		cc->psk_len = 0;
		cc->auth_method = IKE_AUTH_DIGITAL_SIGNATURE;
		cc->sig_creds = certs_load(1);
		if (cert || no_cert_conn) {
			w->c[0].psk_len = 0;
			w->c[0].auth_method = IKE_AUTH_DIGITAL_SIGNATURE;
			w->c[0].sig_creds = certs_load(0);
		}
		if (no_cert_conn)
			set_conns(w, (struct conn *[]){ &w->c[1] }, 1);
		else if (cert_first)
			set_conns(w, (struct conn *[]){ cc, &w->c[1] }, 2);
		else
			set_conns(w, (struct conn *[]){ &w->c[1], cc }, 2);
		if (no_cert_conn) {
			auth_refused(w);
		} else {
			sa = establish(w, 0);
			assert_ptr_equal(only_sa(w, 1)->conn,
					 cert ? cc : &w->c[1]);
			check_child(w, sa->children);
		}
		sig_creds = w->c[0].sig_creds;
		test_world_free(w);
		sig_creds_free(sig_creds);
		sig_creds_free(cc->sig_creds);
		free(cc);
	}
}

/* The CERTREQ data length of a plain datagram, -1 without CERTREQ. */
static int plain_certreq_len(const struct dgram *d)
{
	const struct ike_payload *pl;
	struct ike_message m;
	struct ike_error err;
	int len = -1;

	assert_int_equal(ike_message_parse(&m, d->buf, d->len, &err), 0);
	pl = ike_chain_find(&m.chain, IKE_PL_CERTREQ, NULL);
	if (pl)
		len = (int)pl->cert->len;
	ike_message_free(&m);
	return len;
}

/*
 * B's IKE_SA_INIT answer is sent before IKE_AUTH chooses the connection:
 * it offers SIGNATURE_HASH_ALGORITHMS and a CERTREQ when any connection
 * IKE_AUTH may choose has certificates, even if the one matched by
 * proposal has none; a CA trusted by several is named once.
 */
static void init_certreq_candidates(void **state)
{
	for (int i = 0; i < 3; i++) {
		struct world *w = world_new(IKE_DH_ECP_256, true);
		struct conn *cc = conn_copy(w, "cert");
		struct conn *cc2 = conn_copy(w, "cert2");
		struct sig_creds *a_creds;
		struct ikesa *sa;

		cc->psk_len = 0;
		cc->auth_method = IKE_AUTH_DIGITAL_SIGNATURE;
		cc->sig_creds = certs_load(1);
		*cc2 = *cc;
		cc2->sig_creds = certs_load(1);	/* the same CA again */
		set_id(&cc2->remote_id, "c.example");
		w->c[0].psk_len = 0;
		w->c[0].auth_method = IKE_AUTH_DIGITAL_SIGNATURE;
		w->c[0].sig_creds = a_creds = certs_load(0);
		if (i == 0)	/* PSK first: IKE_SA_INIT picks it */
			set_conns(w, (struct conn *[]){ &w->c[1], cc }, 2);
		else if (i == 1)
			set_conns(w, (struct conn *[]){ &w->c[1], cc2, cc },
				  3);
		else	/* no certificates at all */
			set_conns(w, (struct conn *[]){ &w->c[1] }, 1);
		sa = engine_initiate(&w->e[0], &w->c[0], 0);
		deliver_next(w, 0);
		assert_ptr_equal(only_sa(w, 1)->conn, &w->c[1]);
		assert_int_equal(plain_has_notify(&w->q[0],
					IKE_N_SIGNATURE_HASH_ALGORITHMS),
				 i < 2);
		assert_int_equal(plain_certreq_len(&w->q[0]),
				 i < 2 ? IKE_CERTREQ_HASH_LEN : -1);
		if (i < 2) {
			pump(w, 0);
			assert_int_equal(sa->state, IKESA_ESTABLISHED);
			assert_ptr_equal(only_sa(w, 1)->conn, cc);
		}
		test_world_free(w);
		sig_creds_free(a_creds);
		sig_creds_free(cc->sig_creds);
		sig_creds_free(cc2->sig_creds);
		free(cc);
		free(cc2);
	}
}

/*
 * Two connections for the same peer with different local IDs: the IDr
 * the initiator sends picks the one with that local ID; an IDr no
 * connection has is refused.
 */
static void conn_by_idr(void **state)
{
	static const char *const ask[3] = {
		"b.example", "b1.example", "b2.example",
	};

	for (int i = 0; i < 3; i++) {
		struct world *w = world_new(IKE_DH_ECP_256, true);
		struct conn *b1 = conn_copy(w, "b1");
		struct ikesa *sa;

		set_id(&b1->local_id, "b1.example");
		set_id(&w->c[0].remote_id, ask[i]);
		set_conns(w, (struct conn *[]){ b1, &w->c[1] }, 2);
		if (i == 2) {
			auth_refused(w);
		} else {
			sa = establish(w, 0);
			assert_ptr_equal(only_sa(w, 1)->conn,
					 i ? b1 : &w->c[1]);
			check_child(w, sa->children);
		}
		test_world_free(w);
		free(b1);
	}
}

/* Without IDr, the first connection that fits. */
static void conn_no_idr(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct conn *b1 = conn_copy(w, "b1");
	struct ikesa *sa;

	set_id(&b1->local_id, "b1.example");
	memset(&w->c[0].remote_id, 0, sizeof(w->c[0].remote_id));
	set_conns(w, (struct conn *[]){ b1, &w->c[1] }, 2);
	sa = establish(w, 0);
	assert_ptr_equal(only_sa(w, 1)->conn, b1);
	check_child(w, sa->children);
	test_world_free(w);
	free(b1);
}

/* A connection with both addresses is tried before a wildcard one. */
static void conn_specific_first(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct conn *wild = conn_copy(w, "wild");
	struct ikesa *sa;

	memset(&wild->remote, 0, sizeof(wild->remote));
	set_conns(w, (struct conn *[]){ wild, &w->c[1] }, 2);
	sa = establish(w, 0);
	assert_ptr_equal(only_sa(w, 1)->conn, &w->c[1]);
	check_child(w, sa->children);
	test_world_free(w);
	free(wild);
}

static void conn_by_id(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct conn *other = calloc(1, sizeof(*other));
	struct ikesa *sa;

	assert_non_null(other);
	/* B: a first connection for the same address, another peer. */
	*other = w->c[1];
	set_id(&other->remote_id, "c.example");
	memcpy(other->psk, "something else entirely", 23);
	other->psk_len = 23;
	engine_clear_conns(&w->e[1]);
	assert_int_equal(engine_add_conn(&w->e[1], other), 0);
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	sa = establish(w, 0);
	assert_ptr_equal(only_sa(w, 1)->conn, &w->c[1]);
	check_child(w, sa->children);
	test_world_free(w);
	free(other);
}

/* Protect hand-made inner payload bytes with A's keys, send them to B. */
static struct dgram ask_raw(struct world *w, struct ikesa *sa,
			    uint8_t exchange, uint8_t first,
			    const uint8_t *inner, size_t len)
{
	struct ike_message *m = calloc(1, sizeof(*m));
	struct ike_sk sk = { NULL, 0 };
	struct ike_writer wr;
	struct ike_error err;
	uint8_t out[512];
	size_t olen = sizeof(out);

	assert_non_null(m);
	m->hdr.spi_i = sa->spi_i;
	m->hdr.spi_r = sa->spi_r;
	m->hdr.exchange = exchange;
	m->hdr.flags = IKE_FLAG_INITIATOR;
	m->hdr.msg_id = sa->req_next++;
	sk.len = len + sk_overhead(&sa->sk_out, len);
	ike_chain_add(&m->chain, IKE_PL_SK, &sk, &err);
	m->chain.pl[0].next = first;
	ike_writer_init(&wr);
	assert_int_equal(ike_message_build(&wr, m, &err), 0);
	assert_int_equal(sk_encrypt(&sa->sk_out, wr.p, wr.len - sk.len, inner,
				    len, out, &olen), 0);
	assert_int_equal(olen, sk.len);
	memcpy(wr.p + wr.len - sk.len, out, olen);
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &w->c[1].remote, 500,
		     wr.p, wr.len);
	ike_writer_free(&wr);
	ike_message_free(m);
	free(m);
	assert_int_equal(w->n, 1);
	return pop(w);
}

/* The first notify of an SK datagram to sa, with its data. */
static uint16_t sk_notify(struct ikesa *sa, const struct dgram *d,
			  uint8_t *data)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	const struct ike_payload *pl;
	struct ikesa_plain plain;
	struct ike_error err;
	uint16_t type = 0;

	assert_non_null(c);
	assert_int_equal(ikesa_decrypt(sa, d->buf, d->len, c, &plain, &err),
			 0);
	pl = ike_chain_find(c, IKE_PL_NOTIFY, NULL);
	if (pl) {
		type = pl->notify->type;
		if (data && pl->notify->len)
			*data = pl->notify->data[0];
	}
	ike_chain_free(c);
	ikesa_plain_free(&plain);
	free(c);
	return type;
}

static void bad_inner_chain(void **state)
{
	/* An unknown payload (type 99) marked critical. */
	static const uint8_t critical[] = { 0, 0x80, 0, 6, 0xab, 0xcd };
	/* A nonce whose length runs past the end. */
	static const uint8_t overrun[] = { 0, 0, 0, 40, 1, 2, 3, 4 };
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0);
	struct dgram d;
	uint8_t data = 0;

	d = ask_raw(w, sa, IKE_EXCH_INFORMATIONAL, 99, critical,
		    sizeof(critical));
	assert_int_equal(sk_notify(sa, &d, &data),
			 IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	assert_int_equal(data, 99);
	free(d.buf);
	d = ask_raw(w, sa, IKE_EXCH_CREATE_CHILD_SA, IKE_PL_NONCE, overrun,
		    sizeof(overrun));
	assert_int_equal(sk_notify(sa, &d, NULL), IKE_N_INVALID_SYNTAX);
	free(d.buf);
	/* The IKE SA survives errors outside IKE_AUTH. */
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_int_equal(engine_dpd(&w->e[0], sa, 1), 0);
	pump(w, 1);
	assert_false(sa->req.active);
	test_world_free(w);
}

static void bad_inner_auth(void **state)
{
	static const uint8_t overrun[] = { 0, 0, 0, 40, 1, 2, 3, 4 };
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);
	struct dgram d;

	for (int i = 0; i < 2; i++)
		deliver_next(w, 0);
	drop_all(w);
	sa->req_next = 1;
	d = ask_raw(w, sa, IKE_EXCH_IKE_AUTH, IKE_PL_IDI, overrun,
		    sizeof(overrun));
	assert_int_equal(sk_notify(sa, &d, NULL), IKE_N_INVALID_SYNTAX);
	free(d.buf);
	/* A malformed IKE_AUTH ends the IKE SA (§2.21.2). */
	assert_null(w->e[1].sas);
	test_world_free(w);
}

/* Whether an SK datagram for sa (decrypted with its inbound keys) has type. */
static bool sk_has_payload(struct ikesa *sa, const struct dgram *d,
			   uint8_t type)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	struct ikesa_plain plain;
	struct ike_error err;
	bool found;

	assert_non_null(c);
	assert_int_equal(ikesa_decrypt(sa, d->buf, d->len, c, &plain, &err),
			 0);
	found = ike_chain_find(c, type, NULL) != NULL;
	ike_chain_free(c);
	ikesa_plain_free(&plain);
	free(c);
	return found;
}

static void pfs_child(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa, *b;
	struct dgram d;

	for (int i = 0; i < 2; i++)
		xf(&w->c[i].esp[0], IKE_XF_DH, IKE_DH_CURVE25519, 0);
	/* IKE_AUTH leaves the group out. */
	sa = establish(w, 0);
	b = only_sa(w, 1);
	check_child(w, sa->children);
	assert_int_equal(engine_create_child(&w->e[0], sa, 1), 0);
	d = pop(w);
	assert_true(sk_has_payload(b, &d, IKE_PL_KE));
	deliver(w, &d, 1);
	free(d.buf);
	d = pop(w);
	assert_true(sk_has_payload(sa, &d, IKE_PL_KE));
	deliver(w, &d, 1);
	free(d.buf);
	assert_int_equal(n_children(sa), 2);
	check_child(w, sa->children);
	assert_null(create_child_sa_request(sa));
	test_world_free(w);
}

/*
 * The groups beyond the first four (RFC 3526 MODP 3072 and 4096, RFC
 * 5903 P-521, RFC 8031 Curve448): IKE_SA_INIT in the group (a COOKIE
 * first for MODP), then a Child SA with PFS in it; both sides install
 * the same keys.
 */
static void more_groups(void **state)
{
	static const uint16_t groups[] = {
		IKE_DH_MODP_3072, IKE_DH_MODP_4096, IKE_DH_ECP_521,
		IKE_DH_CURVE448,
	};

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		bool modp = groups[g] == IKE_DH_MODP_3072 ||
			    groups[g] == IKE_DH_MODP_4096;
		struct world *w = world_new(groups[g], true);
		struct ikesa *sa, *b;
		struct dgram d;

		for (int i = 0; i < 2; i++)
			xf(&w->c[i].esp[0], IKE_XF_DH, groups[g], 0);
		sa = establish(w, 0);
		b = only_sa(w, 1);
		assert_int_equal(sa->ike.dh->id, groups[g]);
		assert_int_equal(b->ike.dh->id, groups[g]);
		assert_int_equal(w->sent, modp ? 6 : 4);
		assert_int_equal(sa->cookie_len, modp ? COOKIE_LEN : 0);
		check_child(w, sa->children);

		assert_int_equal(engine_create_child(&w->e[0], sa, 1), 0);
		d = pop(w);
		assert_true(sk_has_payload(b, &d, IKE_PL_KE));
		deliver(w, &d, 1);
		free(d.buf);
		d = pop(w);
		assert_true(sk_has_payload(sa, &d, IKE_PL_KE));
		deliver(w, &d, 1);
		free(d.buf);
		assert_int_equal(n_children(sa), 2);
		assert_int_equal(n_children(b), 2);
		check_child(w, sa->children);
		test_world_free(w);
	}
}

static void pfs_invalid_ke(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa, *b;
	struct dgram d;

	/* A sends a KE for 31 and also offers 19; B takes 19 only. */
	xf(&w->c[0].esp[0], IKE_XF_DH, IKE_DH_CURVE25519, 0);
	xf(&w->c[0].esp[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
	xf(&w->c[1].esp[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
	sa = establish(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(engine_create_child(&w->e[0], sa, 1), 0);
	deliver_next(w, 1);
	d = pop(w);
	assert_int_equal(sk_notify(sa, &d, NULL), IKE_N_INVALID_KE_PAYLOAD);
	deliver(w, &d, 1);
	free(d.buf);
	/* A retried with group 19. */
	assert_true(sa->req.active);
	assert_int_equal(create_child_sa_request(sa)->dh.group->id,
			 IKE_DH_ECP_256);
	pump(w, 1);
	assert_int_equal(n_children(sa), 2);
	assert_int_equal(n_children(b), 2);
	check_child(w, sa->children);
	for (int i = 0; i < 2; i++)
		assert_int_equal(live_allocs(&w->f[i]), 2);
	test_world_free(w);
}

/* Random datagrams under valid-looking headers, to both sides. */
static void random_garbage(void **state)
{
	static const uint8_t exch[] = { 34, 35, 36, 37, 0, 255 };
	static const uint8_t flags[] = { 0x00, 0x08, 0x20, 0x28, 0xff };
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0), *b = only_sa(w, 1);
	uint8_t buf[600];
	uint32_t x = 12345;

	for (int i = 0; i < 20000; i++) {
		size_t len = IKE_HEADER_LEN;
		int to = i & 1;

		for (size_t k = 0; k < sizeof(buf); k++) {
			x = x * 1103515245u + 12345u;
			buf[k] = (uint8_t)(x >> 16);
		}
		len += (x >> 8) % (sizeof(buf) - IKE_HEADER_LEN);
		if (i % 3) {
			for (int k = 0; k < 8; k++) {
				buf[k] = (uint8_t)(sa->spi_i >> (56 - 8 * k));
				buf[8 + k] = (uint8_t)(sa->spi_r >>
						       (56 - 8 * k));
			}
		}
		buf[16] = (i % 5) ? IKE_PL_SK : buf[16];
		buf[17] = 0x20;
		buf[18] = exch[(x >> 3) % sizeof(exch)];
		buf[19] = flags[(x >> 5) % sizeof(flags)];
		buf[20] = buf[21] = buf[22] = 0;
		buf[23] = (uint8_t)(x & 3);
		buf[24] = buf[25] = 0;
		buf[26] = (uint8_t)(len >> 8);
		buf[27] = (uint8_t)len;
		if (i % 7 == 0 && len >= 32) {	/* plausible SK header */
			buf[28] = 0;
			buf[29] = 0;
			buf[30] = (uint8_t)((len - 28) >> 8);
			buf[31] = (uint8_t)(len - 28);
		}
		engine_input(&w->e[to], 0, &w->c[to].local, 500,
			     &w->c[to].remote, 500, buf, len);
		drop_all(w);
	}
	assert_int_equal(w->f[0].n_add_sa + w->f[1].n_add_sa, 4);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(b->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

static void pfs_bad_ke(void **state)
{
	static const uint8_t zero[32];
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ike_chain *c = calloc(1, sizeof(*c));
	struct ike_sa_payload *sap = calloc(1, sizeof(*sap));
	struct ike_ts *tsi = calloc(1, sizeof(*tsi));
	struct ike_ts *tsr = calloc(1, sizeof(*tsr));
	struct ike_nonce nonce = { (const uint8_t *)"0123456789abcdef", 16 };
	struct ike_ke ke = { IKE_DH_CURVE25519, zero, sizeof(zero) };
	struct ike_selector sel[2];
	struct ike_error err;
	struct ikesa *sa;
	uint8_t spi[4] = { 1, 2, 3, 4 };

	assert_true(c && sap && tsi && tsr);
	tsi->sel = &sel[0];
	tsr->sel = &sel[1];
	for (int i = 0; i < 2; i++)
		xf(&w->c[i].esp[0], IKE_XF_DH, IKE_DH_CURVE25519, 0);
	sa = establish(w, 0);
	proposal_offer(sap, w->c[0].esp, w->c[0].n_esp, IKE_PROTO_ESP, spi,
		       4, IKE_DH_CURVE25519);
	tsi->n = tsr->n = 1;
	tsi->sel[0] = w->c[0].local_ts[0];
	tsr->sel[0] = w->c[0].remote_ts[0];
	ike_chain_add(c, IKE_PL_NONCE, &nonce, &err);
	ike_chain_add(c, IKE_PL_SA, sap, &err);
	ike_chain_add(c, IKE_PL_KE, &ke, &err);
	ike_chain_add(c, IKE_PL_TSI, tsi, &err);
	ike_chain_add(c, IKE_PL_TSR, tsr, &err);
	/* An all-zero X25519 value gives an all-zero secret: refused. */
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_INVALID_SYNTAX);
	/* No KE at all: the responder asks for its group. */
	c->count = 2;
	ike_chain_add(c, IKE_PL_TSI, tsi, &err);
	ike_chain_add(c, IKE_PL_TSR, tsr, &err);
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_INVALID_KE_PAYLOAD);
	assert_int_equal(w->f[1].n_add_sa, 2);
	assert_int_equal(live_allocs(&w->f[1]), 1);
	ike_chain_free(c);
	ike_sa_payload_free(sap);
	free(c);
	free(sap);
	free(tsi);
	free(tsr);
	test_world_free(w);
}

static void rekey_ike(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, false);
	struct ikesa *old = establish(w, 0), *sa, *b;
	struct childsa *child = old->children;
	uint64_t old_spi = old->spi_i;

	w->c[0].dpd_ms = w->c[1].dpd_ms = 5000;
	assert_int_equal(engine_rekey_ike(&w->e[0], old, 10), 0);
	pump(w, 10);	/* CREATE_CHILD_SA, then Delete of the old SA */
	sa = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_ptr_not_equal(sa, old);
	assert_true(sa->spi_i != old_spi);
	assert_true(sa->initiator);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(b->state, IKESA_ESTABLISHED);
	assert_true(sa->spi_i == b->spi_i && sa->spi_r == b->spi_r);
	/* The Child SA moved over, untouched in the kernel. */
	assert_ptr_equal(sa->children, child);
	assert_int_equal(n_children(b), 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(w->f[i].n_del_sa, 0);
		assert_int_equal(w->f[i].n_del_pol, 0);
	}
	/* Fresh message IDs and working keys on the new SA. */
	assert_int_equal(sa->req_next, 0);
	assert_int_equal(engine_create_child(&w->e[0], sa, 20), 0);
	pump(w, 20);
	assert_int_equal(n_children(sa), 2);
	check_child(w, sa->children);
	assert_int_equal(engine_tick(&w->e[1], 5020), 6020);
	pump(w, 5020);	/* B's liveness check, answered by A */
	assert_int_equal(b->req_next, 1);
	assert_false(b->req.active);
	/* The responder can rekey too, and the roles follow. */
	assert_int_equal(engine_rekey_ike(&w->e[1], b, 30), 0);
	pump(w, 30);
	sa = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_false(sa->initiator);
	assert_true(b->initiator);
	assert_int_equal(n_children(sa), 2);
	assert_int_equal(engine_delete_ike(&w->e[0], sa, 40), 0);
	pump(w, 40);
	for (int i = 0; i < 2; i++) {
		assert_null(w->e[i].sas);
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
	}
	test_world_free(w);
}

static void rekey_ike_lifetime(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *old, *sa;

	w->c[0].ike_lifetime_s = w->c[1].ike_lifetime_s = 100;
	old = establish(w, 0);
	assert_int_equal(old->rekey_at, 90000);
	/* The responder's timer: after the initiator's, by the lifetime. */
	assert_true(only_sa(w, 1)->rekey_at > 95000);
	assert_true(only_sa(w, 1)->rekey_at <= 100000);
	assert_int_equal(engine_next_deadline(&w->e[0]), 90000);
	assert_int_equal(engine_next_deadline(&w->e[1]),
			 only_sa(w, 1)->rekey_at);
	engine_tick(&w->e[0], 90000);
	pump(w, 90000);
	sa = only_sa(w, 0);
	assert_ptr_not_equal(sa, old);
	assert_int_equal(sa->rekey_at, 180000);
	assert_true(only_sa(w, 1)->rekey_at > 185000);
	assert_non_null(sa->children);
	check_child(w, sa->children);
	test_world_free(w);
}

/*
 * The initiator never rekeys (no lifetime of its own): the responder
 * enforces its lifetime and rekeys the IKE SA itself, becoming the new
 * SA's initiator.
 */
static void rekey_ike_responder(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *a, *b, *b_new;
	struct log_rec l[2];
	struct ev_log ev[2];
	uint64_t t;

	w->c[0].child_lifetime_s = w->c[1].child_lifetime_s = 0;
	w->c[1].ike_lifetime_s = 3600;
	a = establish(w, 0);
	b = only_sa(w, 1);
	log_attach(w, l);
	ev_attach(w, ev);
	assert_int_equal(a->rekey_at, 0);
	t = b->rekey_at;
	assert_true(t > 3420000 && t <= 3600000);
	assert_int_equal(engine_next_deadline(&w->e[1]), t);
	assert_int_equal(engine_tick(&w->e[1], t - 1), t);
	assert_int_equal(w->n, 0);
	engine_tick(&w->e[1], t);
	assert_int_equal(w->n, 1);
	assert_true(logged(&l[1], "initiator has not rekeyed", NULL));
	pump(w, t);
	b_new = only_sa(w, 1);
	assert_ptr_not_equal(b_new, b);
	assert_true(b_new->initiator);
	assert_false(only_sa(w, 0)->initiator);
	assert_int_equal(b_new->rekey_at, t + 3240000);
	assert_int_equal(only_sa(w, 0)->rekey_at, 0);
	assert_int_equal(n_children(b_new), 1);
	check_child(w, only_sa(w, 0)->children);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ev[i].n[ENGINE_EV_IKE_UP][ENGINE_R_REKEYED],
				 1);
		assert_int_equal(ev[i].n[ENGINE_EV_IKE_DOWN][ENGINE_R_REKEYED],
				 1);
		assert_int_equal(ev[i].total, 2);
	}
	test_world_free(w);
}

/*
 * ike_reauth: at the lifetime the initiator deletes the IKE SA, then
 * sets up a new one with IKE_SA_INIT and IKE_AUTH.
 */
static void reauth_initiator(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *a, *a_new;
	struct log_rec l[2];
	struct ev_log ev[2];
	uint64_t t;

	for (int i = 0; i < 2; i++) {
		w->c[i].ike_lifetime_s = 100;
		w->c[i].ike_reauth = true;
	}
	assert_int_equal(engine_add_conn(&w->e[0], &w->c[0]), 0);
	a = establish(w, 0);
	log_attach(w, l);
	ev_attach(w, ev);
	t = a->rekey_at;
	assert_int_equal(t, 90000);
	engine_tick(&w->e[0], t);
	assert_int_equal(a->state, IKESA_DELETING);
	assert_true(logged(&l[0], "to set up a new one", NULL));
	pump(w, t);
	a_new = only_sa(w, 0);
	assert_ptr_not_equal(a_new, a);
	assert_int_equal(a_new->state, IKESA_ESTABLISHED);
	assert_true(a_new->initiator);
	assert_int_equal(a_new->rekey_at, t + 90000);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	check_child(w, a_new->children);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_int_equal(ev[i].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 1);
		assert_int_equal(ev[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 1);
	}
	assert_int_equal(ev[0].n[ENGINE_EV_IKE_DOWN][ENGINE_R_EXPIRED], 1);
	assert_int_equal(ev[1].n[ENGINE_EV_IKE_DOWN][ENGINE_R_PEER], 1);
	/* A connection gone (a reload) while the Delete is out: no new SA. */
	t = a_new->rekey_at;
	engine_tick(&w->e[0], t);
	engine_clear_conns(&w->e[0]);
	pump(w, t);
	assert_null(w->e[0].sas);
	assert_null(w->e[1].sas);
	test_world_free(w);
}

/*
 * ike_reauth on the responder, whose peer does nothing at the lifetime:
 * it deletes the IKE SA and leaves the new one to the peer.
 */
static void reauth_responder(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ev_log ev[2];
	struct ikesa *b;
	uint64_t t;

	w->c[1].ike_lifetime_s = 100;
	w->c[1].ike_reauth = true;
	establish(w, 0);
	b = only_sa(w, 1);
	ev_attach(w, ev);
	t = b->rekey_at;
	assert_true(t > 95000 && t <= 100000);
	engine_tick(&w->e[1], t);
	pump(w, t);
	for (int i = 0; i < 2; i++) {
		assert_null(w->e[i].sas);
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
	}
	assert_int_equal(ev[1].n[ENGINE_EV_IKE_DOWN][ENGINE_R_EXPIRED], 1);
	assert_int_equal(ev[0].n[ENGINE_EV_IKE_DOWN][ENGINE_R_PEER], 1);
	test_world_free(w);
}

/* Whether datagram d belongs to the IKE SA with this initiator SPI. */
static bool dgram_of(const struct dgram *d, uint64_t spi_i)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | d->buf[i];
	return v == spi_i;
}

/*
 * A rekeys the IKE SA and forgets the old one without deleting it. B's
 * old SA starts nothing any more (no liveness checks), and B deletes it
 * itself once A's Delete could no longer be on its way.
 */
static void rekey_ike_old_deleted(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *a_old, *b_old, *b_new;
	struct ev_log ev[2];
	struct log_rec l[2];
	uint64_t old_spi, t;
	unsigned int from_old = 0;

	w->c[1].dpd_ms = 2000;
	a_old = establish(w, 0);
	b_old = only_sa(w, 1);
	old_spi = a_old->spi_i;
	ev_attach(w, ev);
	log_attach(w, l);
	assert_int_equal(engine_rekey_ike(&w->e[0], a_old, 10), 0);
	deliver_next(w, 10);
	deliver_next(w, 10);
	drop_all(w);		/* A's Delete of the old SA, lost */
	ikesa_destroy(a_old);	/* and A forgets it */
	b_new = w->e[1].sas;
	assert_ptr_not_equal(b_new, b_old);
assert_true(b_old->replaced);
assert_int_equal(b_old->delete_at, 10 + 1000 + 2000 + 4000 + 8000);
	assert_int_equal(engine_create_child(&w->e[1], b_old, 11), -EINVAL);
	/* Liveness checks come from the new SA only. */
	for (t = engine_next_deadline(&w->e[1]); t < b_old->delete_at;
	     t = engine_next_deadline(&w->e[1])) {
		engine_tick(&w->e[1], t);
		for (unsigned int i = 0; i < w->n; i++)
			from_old += dgram_of(&w->q[i], old_spi);
		pump(w, t);
	}
	assert_int_equal(from_old, 0);
	assert_int_equal(t, b_old->delete_at);
	assert_int_equal(b_new->req_next, 7);	/* DPD every 2 s */
	/* B deletes the old SA; nobody answers, and it goes. */
	for (int i = 0; i < 20 && sa_alive(&w->e[1], b_old); i++) {
		engine_tick(&w->e[1], t);
		for (unsigned int k = 0; k < w->n; k++)
			from_old += dgram_of(&w->q[k], old_spi);
		pump(w, t);
		t = engine_next_deadline(&w->e[1]);
	}
	assert_false(sa_alive(&w->e[1], b_old));
	assert_true(from_old > 0);
	assert_true(logged(&l[1], "rekeyed by the peer", NULL));
	assert_ptr_equal(only_sa(w, 1), b_new);
	assert_int_equal(n_children(b_new), 1);
	assert_int_equal(live_sas(&w->f[1]), 2);
	assert_int_equal(ev[1].n[ENGINE_EV_IKE_DOWN][ENGINE_R_REKEYED], 1);
	assert_int_equal(ev[1].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_IKE_GONE], 0);
	test_world_free(w);
}

static void delete_child_both(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0), *b = only_sa(w, 1);
	struct dgram da, db;

	/* Both sides delete the same Child SA at once. */
	assert_int_equal(engine_delete_child(&w->e[0], sa, sa->children, 1),
			 0);
	assert_int_equal(engine_delete_child(&w->e[1], b, b->children, 1), 0);
	da = pop(w);
	db = pop(w);
	deliver(w, &da, 1);
	deliver(w, &db, 1);
	pump(w, 1);
	assert_null(sa->children);
	assert_null(b->children);
	assert_false(sa->req.active || b->req.active);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
	}
	free(da.buf);
	free(db.buf);
	test_world_free(w);
}

/* Child SA lifetimes: rekeying on the engine's timers, and expiry. */

static struct world *world_life(uint64_t child_s, uint16_t group, bool gcm)
{
	struct world *w = world_new(group, gcm);

	w->c[0].child_lifetime_s = w->c[1].child_lifetime_s = child_s;
	return w;
}

/* The nonce of an SK datagram for sa; returns its length. */
static size_t sk_nonce(struct ikesa *sa, const struct dgram *d,
		       uint8_t *out)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	const struct ike_payload *pl;
	struct ikesa_plain plain;
	struct ike_error err;
	size_t len;

	assert_non_null(c);
	assert_int_equal(ikesa_decrypt(sa, d->buf, d->len, c, &plain, &err),
			 0);
	pl = ike_chain_find(c, IKE_PL_NONCE, NULL);
	assert_non_null(pl);
	len = pl->nonce->len;
	assert_true(len <= IKE_NONCE_MAX);
	memcpy(out, pl->nonce->data, len);
	ike_chain_free(c);
	ikesa_plain_free(&plain);
	free(c);
	return len;
}

/* Both sides of an established pair got their Child SA's timers. */
static void child_timers(void **state)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 1000);
	struct ikesa *s[2] = { sa, only_sa(w, 1) };

	for (int i = 0; i < 2; i++) {
		const struct childsa *c = s[i]->children;
		const struct kernel_sa *k = find_ksa(&w->f[i], c->spi_in);

		assert_int_equal(c->expire_at, 101000);
		/*
		 * The initiator between 70% and 80%, the responder between
		 * 85% and 90%: at the kernel's soft expiry at the latest.
		 */
		if (!i)
			assert_true(c->rekey_at > 71000 && c->rekey_at <= 81000);
		else
			assert_true(c->rekey_at > 86000 && c->rekey_at <= 91000);
		assert_int_equal(k->soft_seconds, 90);
		assert_int_equal(k->hard_seconds, 100);
		assert_true(c->rekey_at <= 1000 + k->soft_seconds * 1000);
		assert_int_equal(engine_next_deadline(&w->e[i]), c->rekey_at);
	}
	test_world_free(w);
}

/*
 * Side rekeys its Child SA when its timer fires, the other side never
 * ticking: new SPIs, the old SAs deleted in both kernels.
 */
static void rekey_on_timer(int side, bool pfs)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *s[2], *me;
	uint32_t old_in[2], old_out[2];
	uint8_t old_key[32];
	uint64_t t;
	struct dgram d;

	if (pfs)
		for (int i = 0; i < 2; i++)
			xf(&w->c[i].esp[0], IKE_XF_DH, IKE_DH_CURVE25519, 0);
	s[0] = establish(w, 0);
	s[1] = only_sa(w, 1);
	me = s[side];
	for (int i = 0; i < 2; i++) {
		old_in[i] = s[i]->children->spi_in;
		old_out[i] = s[i]->children->spi_out;
	}
	memcpy(old_key, find_ksa(&w->f[0], old_out[0])->encr_key, 32);
	t = me->children->rekey_at;
	assert_int_equal(engine_tick(&w->e[side], t - 1), t);
	assert_int_equal(w->n, 0);
	engine_tick(&w->e[side], t);
	assert_int_equal(w->n, 1);
	assert_true(me->req.active);
	assert_int_equal(me->req.exchange, IKE_EXCH_CREATE_CHILD_SA);
	d = pop(w);
	assert_true(dgram_has_notify(s[!side], &d, IKE_N_REKEY_SA));
	assert_int_equal(sk_has_payload(s[!side], &d, IKE_PL_KE), pfs);
	deliver(w, &d, t);
	free(d.buf);
	d = pop(w);
	assert_int_equal(sk_has_payload(me, &d, IKE_PL_KE), pfs);
	deliver(w, &d, t);
	free(d.buf);
	pump(w, t);	/* the Delete of the old SA */
	for (int i = 0; i < 2; i++) {
		const struct childsa *c = s[i]->children;

		assert_int_equal(n_children(s[i]), 1);
		assert_false(s[i]->req.active);
		assert_int_not_equal(c->spi_in, old_in[i]);
		assert_int_not_equal(c->spi_out, old_out[i]);
		assert_false(c->replaced);
		/* The backend added the new pair and deleted the old one. */
		assert_int_equal(w->f[i].n_add_sa, 4);
		assert_int_equal(w->f[i].n_del_sa, 2);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_null(find_ksa(&w->f[i], old_in[i]));
		assert_null(find_ksa(&w->f[i], old_out[i]));
		/* The policies stayed, passed on with the reqid. */
		assert_int_equal(w->f[i].n_add_pol, 3);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_true(owns(w, i, c));
		/* The new SA's own timers: 'side' made it. */
		assert_int_equal(c->expire_at, t + 100000);
		if (i == side)
			assert_true(c->rekey_at > t + 70000 &&
				    c->rekey_at <= t + 80000);
		else
			assert_true(c->rekey_at > t + 85000 &&
				    c->rekey_at <= t + 90000);
		assert_int_equal(engine_next_deadline(&w->e[i]), c->rekey_at);
	}
	check_child(w, s[0]->children);
	assert_memory_not_equal(find_ksa(&w->f[0], s[0]->children->spi_out)->
				encr_key, old_key, 32);
	test_world_free(w);
}

static void child_rekey_initiator(void **state)
{
	rekey_on_timer(0, false);
}

static void child_rekey_responder(void **state)
{
	rekey_on_timer(1, false);
}

static void child_rekey_pfs(void **state)
{
	rekey_on_timer(0, true);
	rekey_on_timer(1, true);
}

/* Byte order, as the engine compares nonces (§2.8.1). */
static const uint8_t *lower(const uint8_t *a, const uint8_t *b, size_t len)
{
	return memcmp(a, b, len) < 0 ? a : b;
}

/*
 * Both timers fire at once; each side answers the other's request
 * before its own answer comes (§2.8.1). The exchange with the lowest
 * nonce made the redundant SA: its initiator deletes it, the other side
 * deletes the old one.
 */
static void collide_once(void)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	const struct ccs_request *cr;
	struct ikesa *s[2];
	uint8_t ni[2][IKE_NONCE_MAX], nr[2][IKE_NONCE_MAX];
	uint32_t made[2], old_in[2];
	size_t len;
	uint64_t t;
	struct dgram d[2], r;
	struct ev_log ev[2];
	int win;

	s[0] = establish(w, 0);
	s[1] = only_sa(w, 1);
	ev_attach(w, ev);
	t = s[0]->children->rekey_at > s[1]->children->rekey_at ?
		s[0]->children->rekey_at : s[1]->children->rekey_at;
	for (int i = 0; i < 2; i++) {
		old_in[i] = s[i]->children->spi_in;
		engine_tick(&w->e[i], t);
		assert_true(s[i]->req.active);
		cr = create_child_sa_request(s[i]);
		memcpy(ni[i], cr->nonce, cr->nonce_len);
		len = cr->nonce_len;
		made[i] = cr->children.c[0]->spi_in;
	}
	d[0] = pop(w);
	d[1] = pop(w);
	assert_int_equal(d[0].from, 0);
	deliver(w, &d[0], t);
	deliver(w, &d[1], t);
	free(d[0].buf);
	free(d[1].buf);
	/* B's answer to A's request, then A's answer to B's. */
	for (int i = 0; i < 2; i++) {
		r = pop(w);
		assert_int_equal(r.from, !i);
		assert_int_equal(sk_nonce(s[i], &r, nr[i]), len);
		deliver(w, &r, t);
		free(r.buf);
	}
	pump(w, t);
	/* Which exchange's SA survives: the one without the lowest nonce. */
	win = memcmp(lower(ni[0], nr[0], len), lower(ni[1], nr[1], len),
		     len) < 0 ? 1 : 0;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(n_children(s[i]), 1);
		assert_false(s[i]->req.active);
		assert_false(s[i]->children->replaced);
		assert_int_not_equal(s[i]->children->spi_in, old_in[i]);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_int_equal(w->f[i].n_add_pol, 3);
		assert_int_equal(w->f[i].n_del_pol, 0);
		assert_true(owns(w, i, s[i]->children));
	}
	/* The survivor: made[win] is the winner's inbound SPI. */
	assert_int_equal(s[win]->children->spi_in, made[win]);
	assert_int_equal(s[!win]->children->spi_out, made[win]);
	/* One rekey reported on each side: the old SA by the survivor. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(
			ev[i].n[ENGINE_EV_CHILD_REKEYED][ENGINE_R_NONE], 1);
		assert_int_equal(ev[i].rekeyed_old, old_in[i]);
		assert_int_equal(ev[i].rekeyed_new, s[i]->children->spi_in);
		assert_int_equal(ev[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 2);
		assert_int_equal(
			ev[i].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_REKEYED] +
			ev[i].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_PEER], 2);
	}
	check_child(w, s[0]->children);
	test_world_free(w);
}

static void child_rekey_collision(void **state)
{
	/* Random nonces: enough runs to see either side lose. */
	for (int i = 0; i < 12; i++)
		collide_once();
}

/*
 * A collision where the winner's Delete of the old SA overtakes the
 * loser's own answer: the loser reports the winner's SA as the old one's
 * successor when the Delete comes, and nothing more after.
 */
static void collide_reordered(void)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	const struct ccs_request *cr;
	uint8_t ni[2][IKE_NONCE_MAX], nr[2][IKE_NONCE_MAX];
	struct dgram d[2], r[2], del;
	struct ikesa *s[2];
	struct ev_log ev[2];
	uint32_t old_in[2];
	size_t len = 0;
	uint64_t t;
	int win;

	s[0] = establish(w, 0);
	s[1] = only_sa(w, 1);
	ev_attach(w, ev);
	t = s[0]->children->rekey_at > s[1]->children->rekey_at ?
		s[0]->children->rekey_at : s[1]->children->rekey_at;
	for (int i = 0; i < 2; i++) {
		old_in[i] = s[i]->children->spi_in;
		engine_tick(&w->e[i], t);
		cr = create_child_sa_request(s[i]);
		memcpy(ni[i], cr->nonce, cr->nonce_len);
		len = cr->nonce_len;
	}
	d[0] = pop(w);
	d[1] = pop(w);
	deliver(w, &d[0], t);
	deliver(w, &d[1], t);
	for (int i = 0; i < 2; i++) {
		r[i] = pop(w);		/* the answer to side i */
		assert_int_equal(r[i].from, !i);
		assert_int_equal(sk_nonce(s[i], &r[i], nr[i]), len);
	}
	win = memcmp(lower(ni[0], nr[0], len), lower(ni[1], nr[1], len),
		     len) < 0 ? 1 : 0;
	deliver(w, &r[win], t);
	del = pop(w);		/* the winner's Delete of the old SA */
	assert_int_equal(del.from, win);
	assert_int_equal(w->n, 0);
	deliver(w, &del, t);
	assert_int_equal(ev[!win].n[ENGINE_EV_CHILD_REKEYED][ENGINE_R_NONE],
			 1);
	deliver(w, &r[!win], t);
	pump(w, t);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(n_children(s[i]), 1);
		assert_int_equal(
			ev[i].n[ENGINE_EV_CHILD_REKEYED][ENGINE_R_NONE], 1);
		assert_int_equal(ev[i].rekeyed_old, old_in[i]);
		assert_int_equal(ev[i].rekeyed_new, s[i]->children->spi_in);
		assert_int_equal(live_sas(&w->f[i]), 2);
	}
	check_child(w, s[0]->children);
	for (int i = 0; i < 2; i++) {
		free(d[i].buf);
		free(r[i].buf);
	}
	free(del.buf);
	test_world_free(w);
}

static void child_rekey_collision_reordered(void **state)
{
	for (int i = 0; i < 8; i++)
		collide_reordered();
}

/*
 * A's answer comes before B's request: A has rekeyed and deletes the old
 * SA, so it refuses B's rekey of it with TEMPORARY_FAILURE (§2.25).
 */
static void child_rekey_collision_late(void **state)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *s[2];
	struct dgram ra, rb, d;
	struct ev_log ev[2];
	uint32_t made, old_in[2];
	uint64_t t;

	s[0] = establish(w, 0);
	s[1] = only_sa(w, 1);
	ev_attach(w, ev);
	old_in[0] = s[0]->children->spi_in;
	old_in[1] = s[1]->children->spi_in;
	t = s[0]->children->rekey_at > s[1]->children->rekey_at ?
		s[0]->children->rekey_at : s[1]->children->rekey_at;
	engine_tick(&w->e[0], t);
	engine_tick(&w->e[1], t);
	made = create_child_sa_request(s[0])->children.c[0]->spi_in;
	ra = pop(w);
	rb = pop(w);
	deliver(w, &ra, t);
	deliver_next(w, t);	/* B's answer to A */
	assert_true(s[0]->req.active);	/* A's Delete of the old SA */
	deliver(w, &rb, t);
	d = pop(w);		/* the Delete */
	assert_int_equal(d.from, 0);
	deliver(w, &d, t);
	free(d.buf);
	d = pop(w);		/* A's answer to B */
	assert_int_equal(sk_notify(s[1], &d, NULL), IKE_N_TEMPORARY_FAILURE);
	deliver(w, &d, t);
	free(d.buf);
	pump(w, t);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(n_children(s[i]), 1);
		assert_false(s[i]->req.active);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_int_equal(live_allocs(&w->f[i]), 1);
	}
	assert_int_equal(s[0]->children->spi_in, made);
	check_child(w, s[0]->children);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(
			ev[i].n[ENGINE_EV_CHILD_REKEYED][ENGINE_R_NONE], 1);
		assert_int_equal(ev[i].rekeyed_old, old_in[i]);
		assert_int_equal(ev[i].rekeyed_new, s[i]->children->spi_in);
	}
	free(ra.buf);
	free(rb.buf);
	test_world_free(w);
}

/* A request in flight: the rekey waits for the window, then goes. */
static void child_rekey_window(void **state)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0);
	uint32_t old_in = sa->children->spi_in;
	uint64_t t = sa->children->rekey_at;

	assert_int_equal(engine_dpd(&w->e[0], sa, t - 1), 0);
	assert_int_equal(engine_tick(&w->e[0], t), t - 1 + 1000);
	assert_int_equal(w->n, 1);	/* the liveness check only */
	pump(w, t);
	assert_false(sa->req.active);
	/* Overdue: tick at once. */
	assert_int_equal(engine_next_deadline(&w->e[0]), t);
	engine_tick(&w->e[0], t + 1);
	assert_int_equal(w->n, 1);
	assert_true(sa->req.active);
	assert_int_equal(sa->req.exchange, IKE_EXCH_CREATE_CHILD_SA);
	pump(w, t + 1);
	assert_int_equal(n_children(sa), 1);
	assert_int_not_equal(sa->children->spi_in, old_in);
	check_child(w, sa->children);
	test_world_free(w);
}

/*
 * The peer goes silent during the rekey: A retransmits until the hard
 * lifetime, then forgets the Child SA (kernel SAs and policies removed)
 * and tells the peer with a Delete once the window opens.
 */
static void child_expire_silent_peer(void **state)
{
	struct world *w = world_life(10, IKE_DH_ECP_256, true);
	struct ikesa *sa, *b;
	uint32_t old_in, old_out;
	unsigned int sent;
	uint64_t t;

	w->c[0].retrans_tries = 5;
	sa = establish(w, 0);
	b = only_sa(w, 1);
	old_in = sa->children->spi_in;
	old_out = sa->children->spi_out;
	assert_int_equal(sa->children->expire_at, 10000);
	t = engine_tick(&w->e[0], sa->children->rekey_at);
	assert_true(sa->req.active);
	sent = w->sent;
	drop_all(w);
	/* The child's expiry comes before the second retransmission. */
	t = engine_tick(&w->e[0], t);
	assert_int_equal(w->sent, sent + 1);
	assert_int_equal(t, 10000);
	drop_all(w);
	t = engine_tick(&w->e[0], t);
	assert_null(sa->children);
	assert_null(find_ksa(&w->f[0], old_in));
	assert_null(find_ksa(&w->f[0], old_out));
	assert_int_equal(live_sas(&w->f[0]), 0);
	assert_int_equal(live_pols(&w->f[0]), 0);
	assert_int_equal(sa->n_del_pending, 1);
	assert_int_equal(sa->del_pending[0], old_in);
	/* Still retransmitting the rekey; the Delete waits for it. */
	assert_true(sa->req.active);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_true(t > 10000);
	drop_all(w);
	/* The peer is back: the retransmission is answered. */
	engine_tick(&w->e[0], t);
	assert_int_equal(w->n, 1);
	pump(w, t);
	assert_false(sa->req.active);
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(n_children(b), 2);	/* the new and the old */
	assert_true(engine_next_deadline(&w->e[0]) <= t);
	engine_tick(&w->e[0], t);
	assert_int_equal(w->n, 1);	/* the Delete */
	assert_int_equal(sa->n_del_pending, 0);
	pump(w, t);
	assert_null(ikesa_find_child(b, old_in, false));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(n_children(only_sa(w, i)), 1);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
	}
	check_child(w, sa->children);
	test_world_free(w);
}

/* Nobody answers at all: the child goes at its lifetime, then the SA. */
static void child_expire_dead_peer(void **state)
{
	struct world *w = world_life(10, IKE_DH_ECP_256, true);
	struct ikesa *sa;
	uint64_t t;
	bool gone = false;

	w->c[0].retrans_tries = 5;
	sa = establish(w, 0);
	t = engine_tick(&w->e[0], sa->children->rekey_at);
	for (int i = 0; i < 20 && t; i++) {
		drop_all(w);
		if (t >= 10000 && !gone) {
			assert_int_equal(t, 10000);
			engine_tick(&w->e[0], t);
			assert_null(sa->children);
			assert_int_equal(live_sas(&w->f[0]), 0);
			gone = true;
		}
		t = engine_tick(&w->e[0], t);
	}
	assert_true(gone);
	assert_int_equal(t, 0);
	assert_null(w->e[0].sas);
	assert_int_equal(live_pols(&w->f[0]), 0);
	test_world_free(w);
}

/*
 * A rekeys the IKE SA while B's Child SA timer fires: each refuses the
 * other with TEMPORARY_FAILURE (§2.25.2), and both try again later.
 */
static void child_rekey_during_ike_rekey(void **state)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *a = establish(w, 0), *b = only_sa(w, 1);
	uint32_t old_in = b->children->spi_in;
	uint64_t t = b->children->rekey_at;
	struct log_rec l[2];

	log_attach(w, l);
	assert_int_equal(engine_rekey_ike(&w->e[0], a, t), 0);
	engine_tick(&w->e[1], t);
	assert_int_equal(w->n, 2);
	pump(w, t);
	assert_true(logged(&l[0], "IKE SA rekey refused: received "
			   "TEMPORARY_FAILURE", NULL));
	assert_true(logged(&l[1], "refused: received TEMPORARY_FAILURE",
			   NULL));
	assert_ptr_equal(only_sa(w, 0), a);
	assert_ptr_equal(only_sa(w, 1), b);
	assert_false(a->req.active || b->req.active);
	assert_int_equal(b->children->spi_in, old_in);
	assert_int_equal(n_children(a), 1);
	/* B's next try, a twentieth of the lifetime later. */
	assert_int_equal(b->children->rekey_at, t + 5000);
	engine_tick(&w->e[1], t + 5000);
	pump(w, t + 5000);
	assert_int_not_equal(b->children->spi_in, old_in);
	assert_int_equal(engine_rekey_ike(&w->e[0], a, t + 6000), 0);
	pump(w, t + 6000);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(n_children(only_sa(w, i)), 1);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
	}
	check_child(w, a->children);
	test_world_free(w);
}

/* A lifetime of 0: no rekeying, no expiry, no deadline. */
static void child_lifetime_zero(void **state)
{
	struct world *w = world_life(0, IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0);
	uint32_t spi = sa->children->spi_in;

	for (int i = 0; i < 2; i++) {
		const struct childsa *c = only_sa(w, i)->children;

		assert_int_equal(c->rekey_at, 0);
		assert_int_equal(c->expire_at, 0);
		assert_int_equal(find_ksa(&w->f[i], c->spi_in)->hard_seconds,
				 0);
		assert_int_equal(engine_next_deadline(&w->e[i]), 0);
		assert_int_equal(engine_tick(&w->e[i], 1000000000000ull), 0);
	}
	assert_int_equal(w->n, 0);
	assert_int_equal(sa->children->spi_in, spi);
	assert_int_equal(n_children(only_sa(w, 1)), 1);
	test_world_free(w);
}

/* Proposal selection on its own. */

static void events_establish(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ev_log l[2];

	ev_attach(w, l);
	establish(w, 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 1);
		assert_int_equal(l[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 1);
		assert_int_equal(l[i].total, 2);
		assert_null(l[i].up_old);
	}
	/* Torn down without a Delete: closed, the Child SA with it. */
	test_world_free(w);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].n[ENGINE_EV_IKE_DOWN][ENGINE_R_CLOSED],
				 1);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_IKE_GONE], 1);
		assert_int_equal(l[i].total, 4);
	}
}

/* A half-open SA that never authenticates says nothing. */
static void events_failed_auth(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ev_log l[2];

	ev_attach(w, l);
	w->c[1].psk[0] ^= 1;
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	pump(w, 0);
	engine_tick(&w->e[1], ENGINE_HALF_OPEN_MS);
	test_world_free(w);
	assert_int_equal(l[0].total, 0);
	assert_int_equal(l[1].total, 0);
}

static void events_rekey_ike(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct ev_log l[2];
	struct ikesa *old;

	ev_attach(w, l);
	old = establish(w, 0);
	assert_int_equal(engine_rekey_ike(&w->e[0], old, 10), 0);
	pump(w, 10);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 1);
		assert_int_equal(l[i].n[ENGINE_EV_IKE_UP][ENGINE_R_REKEYED],
				 1);
		assert_non_null(l[i].up_old);
		assert_int_equal(
			l[i].n[ENGINE_EV_IKE_DOWN][ENGINE_R_REKEYED], 1);
		/* The Child SA moved over: no event for it. */
		assert_int_equal(l[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 1);
		assert_int_equal(l[i].total, 4);
	}
	test_world_free(w);
}

static void events_rekey_child(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ev_log l[2];
	struct ikesa *sa;
	uint32_t old_in;

	ev_attach(w, l);
	sa = establish(w, 0);
	old_in = sa->children->spi_in;
	assert_int_equal(engine_rekey_child(&w->e[0], sa, sa->children, 5),
			 0);
	pump(w, 5);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 1);
		assert_int_equal(l[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 2);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_REKEYED][ENGINE_R_NONE], 1);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_REKEYED], 1);
		assert_int_equal(l[i].total, 5);
	}
	assert_int_equal(l[0].rekeyed_old, old_in);
	assert_int_equal(l[0].rekeyed_new, sa->children->spi_in);
	assert_int_equal(l[1].rekeyed_new, sa->children->spi_out);
	test_world_free(w);
}

/* The rekey timer of the responder: the same events, sides swapped. */
static void events_rekey_child_timer(void **state)
{
	struct world *w = world_life(10, IKE_DH_ECP_256, true);
	struct ev_log l[2];
	struct ikesa *b;

	ev_attach(w, l);
	establish(w, 0);
	b = only_sa(w, 1);
	b->children->rekey_at = 1000;
	w->c[0].child_lifetime_s = 0;
	only_sa(w, 0)->children->rekey_at = 0;
	engine_tick(&w->e[1], 1000);
	pump(w, 1000);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 2);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_REKEYED][ENGINE_R_NONE], 1);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_REKEYED], 1);
		assert_int_equal(l[i].total, 5);
	}
	test_world_free(w);
}

static void events_delete(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ev_log l[2];
	struct ikesa *sa;

	ev_attach(w, l);
	sa = establish(w, 0);
	assert_int_equal(engine_create_child(&w->e[0], sa, 1), 0);
	pump(w, 1);
	assert_int_equal(engine_delete_child(&w->e[0], sa, sa->children, 2),
			 0);
	pump(w, 2);
	assert_int_equal(l[0].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_LOCAL], 1);
	assert_int_equal(l[1].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_PEER], 1);
	assert_int_equal(engine_delete_ike(&w->e[0], sa, 3), 0);
	pump(w, 3);
	assert_null(w->e[0].sas);
	assert_null(w->e[1].sas);
	assert_int_equal(w->e[0].n_dead, 0);
	assert_int_equal(w->e[1].n_dead, 0);
	assert_int_equal(l[0].n[ENGINE_EV_IKE_DOWN][ENGINE_R_LOCAL], 1);
	assert_int_equal(l[1].n[ENGINE_EV_IKE_DOWN][ENGINE_R_PEER], 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 1);
		assert_int_equal(l[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 2);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_IKE_GONE], 1);
		assert_int_equal(l[i].total, 6);
	}
	test_world_free(w);
	assert_int_equal(l[0].total, 6);
	assert_int_equal(l[1].total, 6);
}

static void events_dpd_death(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ev_log l[2];
	uint64_t t;

	ev_attach(w, l);
	w->c[0].dpd_ms = 5000;
	establish(w, 0);
	t = engine_tick(&w->e[0], 5000);
	for (int i = 0; i < 10 && t; i++) {
		drop_all(w);
		t = engine_tick(&w->e[0], t);
	}
	assert_null(w->e[0].sas);
	assert_int_equal(l[0].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 1);
	assert_int_equal(l[0].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 1);
	assert_int_equal(l[0].n[ENGINE_EV_IKE_DOWN][ENGINE_R_TIMEOUT], 1);
	assert_int_equal(l[0].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_IKE_GONE], 1);
	assert_int_equal(l[0].total, 4);
	test_world_free(w);
	assert_int_equal(l[0].total, 4);
}

static void events_child_expiry(void **state)
{
	struct world *w = world_life(10, IKE_DH_ECP_256, true);
	struct ev_log l[2];
	struct ikesa *sa;
	uint64_t t;

	ev_attach(w, l);
	w->c[0].retrans_tries = 5;
	sa = establish(w, 0);
	t = engine_tick(&w->e[0], sa->children->rekey_at);
	for (int i = 0; i < 20 && t; i++) {
		drop_all(w);
		t = engine_tick(&w->e[0], t);
	}
	assert_null(w->e[0].sas);
	assert_int_equal(l[0].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 1);
	assert_int_equal(l[0].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 1);
	assert_int_equal(l[0].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_EXPIRED], 1);
	assert_int_equal(l[0].n[ENGINE_EV_IKE_DOWN][ENGINE_R_TIMEOUT], 1);
	assert_int_equal(l[0].total, 4);
	test_world_free(w);
}

/*
 * More IKE SAs than the daemon's old event window (256): every one is
 * found by its SPI and none is reported gone.
 */
static void many_sas(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct ev_log l[2];
	unsigned int n = 0;

	ev_attach(w, l);
	/* Side by side, not replacing one another (unique.c). */
	w->c[0].unique = w->c[1].unique = CONN_UNIQUE_NEVER;
	for (int i = 0; i < 300; i++) {
		assert_non_null(engine_initiate(&w->e[0], &w->c[0], i));
		pump(w, i);
	}
	for (struct ikesa *sa = w->e[0].sas; sa; sa = sa->next, n++) {
		struct ikesa *b = engine_find_sa(&w->e[1], sa->spi_r, false);

		assert_int_equal(sa->state, IKESA_ESTABLISHED);
		assert_ptr_equal(engine_find_sa(&w->e[0], sa->spi_i, true),
				 sa);
		assert_null(engine_find_sa(&w->e[0], sa->spi_i, false));
		assert_non_null(b);
		assert_int_equal(b->spi_i, sa->spi_i);
	}
	assert_int_equal(n, 300);
	assert_true(sa_table_buckets(&w->e[0].by_spi) >= 256);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 300);
		assert_int_equal(l[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE],
				 300);
		assert_int_equal(l[i].total, 600);
	}
	test_world_free(w);
}

/*
 * Failures: what each side records of a connection that does not come
 * up (FAILED events), one reason each.
 */
struct fail_log {
	unsigned int n;
	const struct conn *conn;
	uint64_t spi_i;
	struct engine_failure last;
	char why[256];
};

static void fail_record(void *ctx, const struct engine_event *ev)
{
	struct fail_log *l = ctx;

	if (ev->type != ENGINE_EV_FAILED)
		return;
	assert_non_null(ev->failure);
	assert_non_null(ev->conn);
	l->n++;
	l->conn = ev->conn;
	l->spi_i = ev->sa ? ev->sa->spi_i : 0;
	l->last = *ev->failure;
	snprintf(l->why, sizeof(l->why), "%s", ev->failure->why);
	l->last.why = l->why;
}

static void fail_attach(struct world *w, struct fail_log *l,
			struct log_rec *lines)
{
	for (int i = 0; i < 2; i++) {
		struct engine_events ev = { fail_record, &l[i] };

		memset(&l[i], 0, sizeof(l[i]));
		engine_set_events(&w->e[i], &ev);
	}
	log_attach(w, lines);
}

/* The last failure recorded: its notify, and the words of its line. */
static void check_fail(const struct fail_log *l, uint16_t notify,
		       bool sent, bool final, bool child, ...)
{
	const char *word;
	va_list ap;

	assert_true(l->n > 0);
	assert_int_equal(l->last.notify, notify);
	assert_int_equal(l->last.sent, sent);
	assert_int_equal(l->last.final, final);
	assert_int_equal(l->last.child, child);
	va_start(ap, child);
	while ((word = va_arg(ap, const char *))) {
		if (!strstr(l->why, word))
			fail_msg("\"%s\" not in \"%s\"", word, l->why);
	}
	va_end(ap);
}

/* Every line of a failure is logged at notice or above. */
static void check_fail_logged(const struct log_rec *l,
			      const struct fail_log *f)
{
	for (unsigned int i = 0; i < l->n && i < LOG_LINES; i++)
		if (!strcmp(l->line[i], f->why)) {
			assert_true(l->level[i] <= ENGINE_LOG_NOTICE);
			return;
		}
	fail_msg("not logged: %s", f->why);
}

/* Run A's timers until nothing is left to do, dropping what it sends. */
static void run_out(struct world *w, bool answer)
{
	uint64_t t = engine_next_deadline(&w->e[0]);

	for (int i = 0; i < 20 && t; i++) {
		engine_tick(&w->e[0], t);
		if (answer)
			pump(w, t);
		else
			drop_all(w);
		t = engine_next_deadline(&w->e[0]);
	}
	assert_int_equal(t, 0);
}

static void fail_psk(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct fail_log f[2];
	struct log_rec l[2];
	struct ikesa *sa;
	uint64_t spi;

	fail_attach(w, f, l);
	w->c[1].psk[0] ^= 1;
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	spi = sa->spi_i;
	pump(w, 0);
	assert_null(w->e[0].sas);
	check_fail(&f[0], IKE_N_AUTHENTICATION_FAILED, false, true, false,
		   "IKE_AUTH refused: received AUTHENTICATION_FAILED",
		   "pre-shared key", NULL);
	assert_ptr_equal(f[0].conn, &w->c[0]);
	assert_int_equal(f[0].spi_i, spi);
	check_fail(&f[1], IKE_N_AUTHENTICATION_FAILED, true, true, false,
		   "the initiator's AUTH does not verify",
		   "pre-shared keys differ", NULL);
	assert_ptr_equal(f[1].conn, &w->c[1]);
	check_fail_logged(&l[0], &f[0]);
	check_fail_logged(&l[1], &f[1]);
	test_world_free(w);
}

/*
 * IKE proposals that do not meet: at once an unauthenticated error
 * naming our offer (not final: the request is still retransmitted),
 * then, retransmissions run out, the final word.
 */
static void fail_ike_proposal(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct fail_log f[2];
	struct log_rec l[2];
	struct ref_log ref;

	fail_attach(w, f, l);
	ref_attach(w, &ref);
	set_ike(&w->c[1], IKE_DH_ECP_256, false);	/* CBC vs GCM */
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	pump(w, 0);
	/* B, unauthenticated and keeping nothing, says what did not meet. */
	assert_int_equal(ref.n[ENGINE_REF_NO_PROPOSAL], 1);
	assert_ptr_equal(ref.conn, &w->c[1]);
	assert_string_equal(ref.why, "peer offered "
			    "aes256gcm16-prfsha256-ecp256, we accept "
			    "aes256-sha256-prfsha256-ecp256");
	check_fail(&f[0], IKE_N_NO_PROPOSAL_CHOSEN, false, false, false,
		   "received NO_PROPOSAL_CHOSEN", "unauthenticated",
		   "we offered aes256gcm16-prfsha256-ecp256", NULL);
	check_fail_logged(&l[0], &f[0]);
	assert_int_equal(f[0].n, 1);
	run_out(w, true);
	assert_null(w->e[0].sas);
	check_fail(&f[0], IKE_N_NO_PROPOSAL_CHOSEN, false, true, false,
		   "no valid answer after 3 retransmissions",
		   "NO_PROPOSAL_CHOSEN", NULL);
	test_world_free(w);
}

/*
 * Diffie-Hellman groups that do not meet: NO_PROPOSAL_CHOSEN naming the
 * group we offered; a peer asking for a group we do not offer is named
 * too.
 */
static void fail_dh(void **state)
{
	static const uint8_t group[2] = { 0, IKE_DH_CURVE25519 };
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct fail_log f[2];
	struct log_rec l[2];
	struct ikesa *sa;

	fail_attach(w, f, l);
	set_ike(&w->c[1], IKE_DH_CURVE25519, true);
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	forge_init_answer(w, sa, IKE_N_INVALID_KE_PAYLOAD, group, 2);
	check_fail(&f[0], IKE_N_INVALID_KE_PAYLOAD, false, false, false,
		   "DH group curve25519 (31), which we do not offer", NULL);
	check_fail_logged(&l[0], &f[0]);
	pump(w, 0);
	check_fail(&f[0], IKE_N_NO_PROPOSAL_CHOSEN, false, false, false,
		   "we offered aes256gcm16-prfsha256-ecp256", NULL);
	run_out(w, true);
	check_fail(&f[0], IKE_N_NO_PROPOSAL_CHOSEN, false, true, false,
		   "no valid answer", NULL);
	test_world_free(w);
}

/* B takes only x.example as the initiator's ID: it names the one sent. */
static void fail_remote_id(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct fail_log f[2];
	struct log_rec l[2];

	fail_attach(w, f, l);
	set_id(&w->c[1].remote_id, "x.example");
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	pump(w, 0);
	assert_null(w->e[0].sas);
	assert_null(w->e[1].sas);
	check_fail(&f[1], IKE_N_AUTHENTICATION_FAILED, true, true, false,
		   "ID fqdn:a.example, the ID it asks of us fqdn:b.example",
		   "fit no connection", NULL);
	check_fail(&f[0], IKE_N_AUTHENTICATION_FAILED, false, true, false,
		   "received AUTHENTICATION_FAILED", NULL);
	check_fail_logged(&l[1], &f[1]);
	test_world_free(w);
}

/*
 * A responder that does not send the ID we asked for: the initiator
 * names it and the remote_id it wanted.
 */
static void fail_responder_id(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct fail_log f[2];
	struct log_rec l[2];

	fail_attach(w, f, l);
	/* A asks for no ID, but takes only x.example. */
	w->c[0].remote_id.len = 0;
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	for (int i = 0; i < 2; i++)	/* IKE_SA_INIT; then IKE_AUTH goes */
		deliver_next(w, 0);
	set_id(&w->c[0].remote_id, "x.example");
	pump(w, 0);
	assert_null(w->e[0].sas);
	check_fail(&f[0], IKE_N_AUTHENTICATION_FAILED, true, true, false,
		   "the responder's ID fqdn:b.example is not remote_id "
		   "fqdn:x.example",
		   NULL);
	check_fail_logged(&l[0], &f[0]);
	test_world_free(w);
}

static void fail_esp_proposal(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct fail_log f[2];
	struct log_rec l[2];
	struct ikesa *sa;

	fail_attach(w, f, l);
	set_esp(&w->c[1], false);	/* ESP: CBC vs GCM */
	sa = establish(w, 0);
	assert_null(sa->children);
	check_fail(&f[1], IKE_N_NO_PROPOSAL_CHOSEN, true, true, true,
		   "no Child SA: sent NO_PROPOSAL_CHOSEN",
		   "peer offered aes256gcm16, we accept aes128-sha256", NULL);
	check_fail(&f[0], IKE_N_NO_PROPOSAL_CHOSEN, false, true, true,
		   "no Child SA: received NO_PROPOSAL_CHOSEN", NULL);
	assert_int_equal(f[0].spi_i, sa->spi_i);
	check_fail_logged(&l[0], &f[0]);
	check_fail_logged(&l[1], &f[1]);
	test_world_free(w);
}

static void fail_ts(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct fail_log f[2];
	struct log_rec l[2];
	struct ikesa *sa;

	fail_attach(w, f, l);
	sel4(&w->c[1].local_ts[0], "10.9.0.0", "10.9.255.255");
	sa = establish(w, 0);
	assert_null(sa->children);
	check_fail(&f[1], IKE_N_TS_UNACCEPTABLE, true, true, true,
		   "sent TS_UNACCEPTABLE", "TSr fit none of our local_ts",
		   NULL);
	check_fail(&f[0], IKE_N_TS_UNACCEPTABLE, false, true, true,
		   "received TS_UNACCEPTABLE", NULL);
	test_world_free(w);
}

/* A Child SA more, refused: both sides record it, the IKE SA stands. */
static void fail_create_child(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct fail_log f[2];
	struct log_rec l[2];
	struct ikesa *sa;

	sa = establish(w, 0);
	fail_attach(w, f, l);
	set_esp(&w->c[1], false);	/* B now takes CBC only */
	assert_int_equal(engine_create_child(&w->e[0], sa, 0), 0);
	pump(w, 0);
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	check_fail(&f[1], IKE_N_NO_PROPOSAL_CHOSEN, true, true, true,
		   "CREATE_CHILD_SA: no Child SA: sent NO_PROPOSAL_CHOSEN",
		   "peer offered aes256gcm16, we accept aes128-sha256", NULL);
	check_fail(&f[0], IKE_N_NO_PROPOSAL_CHOSEN, false, true, true,
		   "CREATE_CHILD_SA (new Child SA) refused: received "
		   "NO_PROPOSAL_CHOSEN", NULL);
	check_fail_logged(&l[0], &f[0]);
	check_fail_logged(&l[1], &f[1]);
	test_world_free(w);
}

static void fail_no_answer(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct fail_log f[2];
	struct log_rec l[2];

	fail_attach(w, f, l);
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	drop_all(w);
	run_out(w, false);
	assert_null(w->e[0].sas);
	assert_int_equal(f[0].n, 1);
	check_fail(&f[0], 0, false, true, false,
		   "IKE_SA_INIT request not answered after 3 retransmissions",
		   "no IKE daemon answers at 198.51.100.2 port 500", NULL);
	check_fail_logged(&l[0], &f[0]);
	test_world_free(w);
}

static void offer(struct ike_sa_payload *sa, const struct conn *c)
{
	ike_sa_payload_free(sa);
	assert_int_equal(proposal_offer(sa, c->ike, c->n_ike, IKE_PROTO_IKE,
					NULL, 0, 0), 0);
}

static void proposal_pick(void **state)
{
	struct ike_sa_payload *sa = calloc(1, sizeof(*sa));
	struct proposal_choice pc;
	struct conn a, b;

	assert_non_null(sa);
	make_conn(&a, 0, IKE_DH_CURVE25519, true);
	make_conn(&b, 1, IKE_DH_ECP_256, true);
	/* A: GCM-256 or CBC-256/SHA256, groups 31, 19. */
	xf(&a.ike[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
	set_ike(&a, IKE_DH_CURVE25519, false);
	xf(&a.ike[0], IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256);
	xf(&a.ike[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
	offer(sa, &a);
	/* One proposal mixing AEAD and integrity is not acceptable to B. */
	assert_int_equal(proposal_select(sa, b.ike, b.n_ike, IKE_PROTO_IKE,
					 IKE_DH_CURVE25519, &pc), -1);
	set_ike(&b, IKE_DH_ECP_256, false);
	assert_int_equal(proposal_select(sa, b.ike, b.n_ike, IKE_PROTO_IKE,
					 IKE_DH_CURVE25519, &pc), 0);
	assert_int_equal(pc.encr->id, IKE_ENCR_AES_CBC);
	assert_int_equal(pc.dh->id, IKE_DH_ECP_256);
	assert_int_equal(pc.prop.n_transforms, 4);
	/* The reply is checked against what was offered. */
	ike_sa_payload_free(sa);
	assert_int_equal(proposal_reply(sa, &pc, NULL, 0), 0);
	assert_int_equal(proposal_check_reply(sa, a.ike, a.n_ike,
					      IKE_PROTO_IKE, 0, &pc), 0);
	sa->proposals[0].transforms[0].key_len = 128;
	assert_int_equal(proposal_check_reply(sa, a.ike, a.n_ike,
					      IKE_PROTO_IKE, 0, &pc), -1);
	/* Wrong protocol, unknown attributes: skipped. */
	offer(sa, &b);
	assert_int_equal(proposal_select(sa, b.ike, b.n_ike, IKE_PROTO_ESP, 0,
					 &pc), -1);
	sa->proposals[0].transforms[0].unknown_attr = true;
	assert_int_equal(proposal_select(sa, b.ike, b.n_ike, IKE_PROTO_IKE, 0,
					 &pc), -1);
	ike_sa_payload_free(sa);
	free(sa);
}

static void proposal_prefers_ke(void **state)
{
	struct ike_sa_payload *sa = calloc(1, sizeof(*sa));
	struct proposal_choice pc;
	struct conn a;

	assert_non_null(sa);
	make_conn(&a, 0, IKE_DH_CURVE25519, true);
	xf(&a.ike[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
	proposal_offer(sa, a.ike, a.n_ike, IKE_PROTO_IKE, NULL, 0,
		       IKE_DH_ECP_256);
	/* The KE group moves to the front of the offer. */
	assert_int_equal(sa->proposals[0].transforms[0].id, IKE_DH_ECP_256);
	assert_int_equal(proposal_select(sa, a.ike, a.n_ike, IKE_PROTO_IKE,
					 IKE_DH_CURVE25519, &pc), 0);
	assert_int_equal(pc.dh->id, IKE_DH_CURVE25519);
	assert_true(proposal_has_dh(a.ike, a.n_ike, IKE_DH_ECP_256));
	assert_false(proposal_has_dh(a.ike, a.n_ike, IKE_DH_MODP_2048));
	assert_int_equal(proposal_first_dh(a.ike, a.n_ike), IKE_DH_CURVE25519);
	/* ESP with ESN. */
	ike_sa_payload_free(sa);
	proposal_offer(sa, a.esp, a.n_esp, IKE_PROTO_ESP,
		       (const uint8_t *)"\x01\x02\x03\x04", 4, 0);
	assert_int_equal(proposal_select(sa, a.esp, a.n_esp, IKE_PROTO_ESP, 0,
					 &pc), 0);
	assert_int_equal(pc.spi, 0x01020304);
	assert_false(pc.esn);
	ike_sa_payload_free(sa);
	free(sa);
}

/*
 * A proposal with a transform type we do not know (here an RFC 9370
 * additional key exchange, type 6) is unacceptable as a whole, the
 * others are considered as usual (RFC 7296 §3.3.6); an unknown ID of a
 * known type is only not chosen.
 */
/* Append t to proposal pi of sa, in a new allocation of one more room. */
static void add_transform(struct ike_sa_payload *sa, unsigned int pi,
			  const struct ike_transform *t)
{
	struct ike_sa_payload n = { 0 };
	struct ike_transform *x;
	unsigned int total = 1;

	for (unsigned int i = 0; i < sa->n_proposals; i++)
		total += sa->proposals[i].n_transforms;
	x = ike_sa_payload_alloc(&n, sa->n_proposals, total);
	assert_non_null(x);
	for (unsigned int i = 0; i < sa->n_proposals; i++) {
		const struct ike_proposal *o = &sa->proposals[i];

		n.proposals[i] = *o;
		n.proposals[i].transforms = x;
		memcpy(x, o->transforms, o->n_transforms * sizeof(*x));
		x += o->n_transforms;
		if (i == pi) {
			*x++ = *t;
			n.proposals[i].n_transforms++;
		}
	}
	n.n_proposals = sa->n_proposals;
	ike_sa_payload_free(sa);
	*sa = n;
}

static void proposal_unknown_type(void **state)
{
	const struct ike_transform addke = { .type = 6, .id = 36 };
	const struct ike_transform odd_encr = { .type = IKE_XF_ENCR,
						.id = 1234 };
	struct ike_sa_payload *sa = calloc(1, sizeof(*sa));
	struct ike_proposal *p;
	struct proposal_choice pc;
	struct conn a;

	assert_non_null(sa);
	make_conn(&a, 0, IKE_DH_CURVE25519, true);
	a.ike[1] = a.ike[0];
	a.n_ike = 2;
	offer(sa, &a);
	add_transform(sa, 0, &addke);
	p = &sa->proposals[0];
	assert_int_equal(proposal_select(sa, a.ike, a.n_ike, IKE_PROTO_IKE,
					 IKE_DH_CURVE25519, &pc), 0);
	assert_int_equal(pc.prop.num, 2);
	for (unsigned int i = 0; i < pc.prop.n_transforms; i++)
		assert_int_not_equal(pc.prop.transforms[i].type, 6);
	/* Alone, it leaves nothing to choose. */
	sa->n_proposals = 1;
	assert_int_equal(proposal_select(sa, a.ike, a.n_ike, IKE_PROTO_IKE,
					 IKE_DH_CURVE25519, &pc), -1);
	/* An unknown transform ID among known ones is passed over. */
	p->transforms[p->n_transforms - 1] = odd_encr;
	assert_int_equal(proposal_select(sa, a.ike, a.n_ike, IKE_PROTO_IKE,
					 IKE_DH_CURVE25519, &pc), 0);
	assert_int_equal(pc.prop.num, 1);
	assert_int_equal(pc.encr->id, IKE_ENCR_AES_GCM_16);
	/* ESP the same. */
	ike_sa_payload_free(sa);
	proposal_offer(sa, a.esp, a.n_esp, IKE_PROTO_ESP,
		       (const uint8_t *)"\x01\x02\x03\x04", 4, 0);
	add_transform(sa, 0, &addke);
	assert_int_equal(proposal_select(sa, a.esp, a.n_esp, IKE_PROTO_ESP, 0,
					 &pc), -1);
	ike_sa_payload_free(sa);
	free(sa);
}

/*
 * B lost the Child SA (deleted it without a word to A): A's rekey gets
 * CHILD_SA_NOT_FOUND (§2.25). A removes the old SA too and negotiates a
 * new one for the same traffic, without REKEY_SA.
 */
static void child_rekey_not_found(void **state)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *a = establish(w, 0), *b = only_sa(w, 1);
	uint32_t old_in, old_out, reqid;
	struct ev_log l[2];
	uint64_t t;

	ev_attach(w, l);
	old_in = a->children->spi_in;
	old_out = a->children->spi_out;
	reqid = a->children->reqid;
	ikesa_del_child(b, b->children, ENGINE_R_CLOSED);
	assert_int_equal(n_children(b), 0);
	assert_int_equal(live_sas(&w->f[1]), 0);
	assert_int_equal(live_pols(&w->f[1]), 0);

	t = a->children->rekey_at;
	engine_tick(&w->e[0], t);
	assert_true(deliver_next_notify(w, b, IKE_N_REKEY_SA, t));
	assert_true(deliver_next_notify(w, a, IKE_N_CHILD_SA_NOT_FOUND, t));

	/* The old SA is gone from A's kernel, reported as the peer's doing. */
	assert_int_equal(n_children(a), 0);
	assert_null(find_ksa(&w->f[0], old_in));
	assert_null(find_ksa(&w->f[0], old_out));
	assert_int_equal(live_sas(&w->f[0]), 0);
	/* Not its policies: its traffic is dropped meanwhile, not sent. */
	assert_int_equal(live_pols(&w->f[0]), 3);
	assert_int_equal(w->f[0].n_del_pol, 0);
	/* Its pair, and the SPI reserved for the refused rekey. */
	assert_int_equal(w->f[0].n_del_sa, 3);
	assert_int_equal(l[0].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_PEER], 1);
	/* A new Child SA is on its way, not a rekey. */
	assert_true(a->req.active);
	assert_int_equal(a->req.exchange, IKE_EXCH_CREATE_CHILD_SA);
	assert_int_equal(w->n, 1);
	assert_false(dgram_has_notify(b, &w->q[0], IKE_N_REKEY_SA));
	pump(w, t);

	for (int i = 0; i < 2; i++) {
		struct ikesa *s = i ? b : a;
		const struct childsa *c = s->children;

		assert_int_equal(n_children(s), 1);
		assert_false(s->req.active);
		assert_false(c->replaced);
		assert_int_equal(c->rekey_spi, 0);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_true(owns(w, i, c));
		assert_int_equal(c->expire_at, t + 100000);
		assert_int_equal(l[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 1);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_REKEYED][ENGINE_R_NONE], 0);
	}
	assert_int_not_equal(a->children->spi_in, old_in);
	assert_int_not_equal(a->children->spi_out, old_out);
	assert_int_equal(a->children->reqid, reqid);
	check_child(w, a->children);
	/* Nothing for B to hear of: A's old SA never existed there. */
	assert_int_equal(a->n_del_pending, 0);
	test_world_free(w);
}

/*
 * The payloads of a CREATE_CHILD_SA rekeying the Child SA of spi (the
 * peer's inbound SPI), from one of c's sides: c's ESP proposal with SPI
 * 0xa0009999 and traffic selectors, with TSi narrowed to 10.1.0.0/24.
 */
struct rekey_msg {
	struct ike_chain chain;
	struct ike_sa_payload sap;
	struct ike_ts tsi, tsr;
	struct ike_selector sel[2];
	struct ike_notify rekey;
	struct ike_nonce nonce;
};

static void rekey_msg_free(struct rekey_msg *m)
{
	ike_chain_free(&m->chain);
	ike_sa_payload_free(&m->sap);
	free(m);
}

static struct rekey_msg *rekey_narrowed(const struct conn *c, uint32_t spi,
					bool request)
{
	static const uint8_t new_spi[4] = { 0xa0, 0x00, 0x99, 0x99 };
	struct rekey_msg *m = calloc(1, sizeof(*m));
	struct ike_error err;

	assert_non_null(m);
	m->tsi.sel = &m->sel[0];
	m->tsr.sel = &m->sel[1];
	m->nonce.data = (const uint8_t *)"0123456789abcdef";
	m->nonce.len = 16;
	if (request) {
		ikesa_notify(&m->rekey, IKE_N_REKEY_SA, NULL, 0);
		m->rekey.protocol = IKE_PROTO_ESP;
		m->rekey.spi_size = 4;
		for (int i = 0; i < 4; i++)
			m->rekey.spi[i] = (uint8_t)(spi >> (24 - 8 * i));
		ike_chain_add(&m->chain, IKE_PL_NOTIFY, &m->rekey, &err);
	}
	ike_chain_add(&m->chain, IKE_PL_NONCE, &m->nonce, &err);
	proposal_offer(&m->sap, c->esp, 1, IKE_PROTO_ESP, new_spi, 4, 0);
	ike_chain_add(&m->chain, IKE_PL_SA, &m->sap, &err);
	m->tsi.n = m->tsr.n = 1;
	sel4(&m->tsi.sel[0], "10.1.0.0", "10.1.0.255");
	sel4(&m->tsr.sel[0], "10.2.0.0", "10.2.255.255");
	ike_chain_add(&m->chain, IKE_PL_TSI, &m->tsi, &err);
	ike_chain_add(&m->chain, IKE_PL_TSR, &m->tsr, &err);
	return m;
}

/*
 * A rekeyed Child SA carries the traffic of the SA it replaces (RFC 7296
 * §2.9.2): a rekey whose traffic selectors differ is refused, by its
 * responder with TS_UNACCEPTABLE and by its initiator when the answer
 * narrows them, and the kernel keeps the old SA's policies, no more.
 */
static void child_rekey_narrowed(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *a = establish(w, 0), *b = only_sa(w, 1);
	struct rekey_msg *m;
	uint8_t *buf;
	size_t len;

	/* To the responder. */
	m = rekey_narrowed(&w->c[0], a->children->spi_in, true);
	assert_int_equal(ask(w, a, IKE_EXCH_CREATE_CHILD_SA, &m->chain),
			 IKE_N_TS_UNACCEPTABLE);
	rekey_msg_free(m);
	assert_int_equal(n_children(b), 1);
	assert_int_equal(live_sas(&w->f[1]), 2);
	assert_int_equal(live_pols(&w->f[1]), 3);

	/* To the initiator, as B's answer to A's rekey. */
	assert_int_equal(engine_rekey_child(&w->e[0], a, a->children, 1), 0);
	drop_all(w);
	m = rekey_narrowed(&w->c[1], 0, false);
	assert_int_equal(ikesa_build(b, IKE_EXCH_CREATE_CHILD_SA, true,
				     a->req.msg_id, &m->chain, &buf, &len), 0);
	rekey_msg_free(m);
	engine_input(&w->e[0], 1, &w->c[0].local, 500, &w->c[0].remote, 500,
		     buf, len);
	free(buf);
	assert_int_equal(n_children(a), 1);
	assert_false(a->children->replaced);
	drop_all(w);	/* A's Delete of B's half */

	/* Both sides' kernels hold the one Child SA, and nothing more. */
	for (int i = 0; i < 2; i++) {
		struct ikesa *s = i ? b : a;

		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
		ikesa_del_child(s, s->children, ENGINE_R_CLOSED);
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
	}
	test_world_free(w);
}

/*
 * Any other error to a rekey keeps the old Child SA, and the rekey is
 * tried again a twentieth of the lifetime later.
 */
static void child_rekey_error_retry(void **state)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *a = establish(w, 0), *b = only_sa(w, 1);
	uint32_t old_in, old_out;
	struct ev_log l[2];
	struct log_rec lg[2];
	uint64_t t;

	ev_attach(w, l);
	log_attach(w, lg);
	old_in = a->children->spi_in;
	old_out = a->children->spi_out;
	set_esp(&w->c[1], false);	/* B now takes CBC only */
	t = a->children->rekey_at;
	engine_tick(&w->e[0], t);
	deliver_next(w, t);
	assert_true(deliver_next_notify(w, a, IKE_N_NO_PROPOSAL_CHOSEN, t));
	assert_int_equal(w->n, 0);
	/* The peer's own notify is what A reports. */
	assert_true(logged(&lg[0], "rekey of Child SA",
			   "refused: received NO_PROPOSAL_CHOSEN", NULL));
	assert_false(logged(&lg[0], "INVALID_SYNTAX", NULL));
	assert_true(logged(&lg[1], "CREATE_CHILD_SA request refused",
			   "sent NO_PROPOSAL_CHOSEN", NULL));

	for (int i = 0; i < 2; i++) {
		struct ikesa *s = i ? b : a;

		assert_int_equal(n_children(s), 1);
		assert_false(s->req.active);
		assert_false(s->children->replaced);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_int_equal(l[i].total, 0);
	}
	assert_int_equal(a->children->spi_in, old_in);
	assert_int_equal(a->children->spi_out, old_out);
	check_child(w, a->children);
	assert_int_equal(a->children->rekey_at, t + 5000);
	assert_int_equal(engine_next_deadline(&w->e[0]), t + 5000);
	assert_int_equal(engine_tick(&w->e[0], t + 4999), t + 5000);
	assert_int_equal(w->n, 0);

	/* B takes GCM again: the retry rekeys. */
	set_esp(&w->c[1], true);
	engine_tick(&w->e[0], t + 5000);
	assert_true(deliver_next_notify(w, b, IKE_N_REKEY_SA, t + 5000));
	pump(w, t + 5000);
	for (int i = 0; i < 2; i++) {
		struct ikesa *s = i ? b : a;

		assert_int_equal(n_children(s), 1);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_REKEYED][ENGINE_R_NONE], 1);
	}
	assert_int_not_equal(a->children->spi_in, old_in);
	check_child(w, a->children);
	test_world_free(w);
}

/* The responder's half-open IKE SAs, by walking them. */
static unsigned int walk_half_open(const struct engine *e)
{
	unsigned int n = 0;

	for (const struct ikesa *sa = e->sas; sa; sa = sa->next)
		if (!sa->initiator && sa->state == IKESA_AUTH)
			n++;
	return n;
}

static void check_half_open(const struct engine *e, unsigned int n)
{
	assert_int_equal(e->n_half_open, n);
	assert_int_equal(walk_half_open(e), n);
}

/* A's IKE_SA_INIT request delivered to B; its answer lost. */
static struct ikesa *init_only(struct world *w, uint64_t now)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], now);

	assert_non_null(sa);
	deliver_next(w, now);
	return sa;
}

/*
 * The count of half-open SAs follows them through completion, failed
 * authentication, expiry and destruction, back to 0; the COOKIE
 * threshold goes by it.
 */
static void half_open_count(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct engine *e = &w->e[1];
	struct ikesa *a;

	check_half_open(e, 0);
	init_only(w, 0);		/* will expire */
	drop_all(w);
	check_half_open(e, 1);

	/* Completed. */
	a = init_only(w, 0);
	check_half_open(e, 2);
	pump(w, 0);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	check_half_open(e, 1);

	/* Failed authentication. */
	w->c[1].psk[0] ^= 1;
	init_only(w, 0);
	check_half_open(e, 2);
	pump(w, 0);
	w->c[1].psk[0] ^= 1;
	check_half_open(e, 1);

	/* Destroyed while half-open. */
	init_only(w, 0);
	drop_all(w);
	check_half_open(e, 2);
	ikesa_destroy(e->sas);
	check_half_open(e, 1);

	/* Expired: only the established SA remains. */
	engine_tick(e, ENGINE_HALF_OPEN_MS);
	check_half_open(e, 0);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);

	/* The threshold counts the half-open SAs, as before. */
	e->cookie_threshold = 1;
	init_only(w, 40000);
	assert_false(plain_has_notify(&w->q[0], IKE_N_COOKIE));
	drop_all(w);
	check_half_open(e, 1);
	a = engine_initiate(&w->e[0], &w->c[0], 40000);
	deliver_next(w, 40000);
	assert_true(plain_has_notify(&w->q[0], IKE_N_COOKIE));
	check_half_open(e, 1);
	pump(w, 40000);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	check_half_open(e, 1);
	engine_tick(e, 40000 + ENGINE_HALF_OPEN_MS);
	check_half_open(e, 0);
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fail_psk),
		cmocka_unit_test(fail_ike_proposal),
		cmocka_unit_test(fail_dh),
		cmocka_unit_test(fail_remote_id),
		cmocka_unit_test(fail_responder_id),
		cmocka_unit_test(fail_esp_proposal),
		cmocka_unit_test(fail_ts),
		cmocka_unit_test(fail_no_answer),
		cmocka_unit_test(fail_create_child),
		cmocka_unit_test(proposal_pick),
		cmocka_unit_test(proposal_prefers_ke),
		cmocka_unit_test(proposal_unknown_type),
		cmocka_unit_test(full_19_gcm),
		cmocka_unit_test(full_19_cbc),
		cmocka_unit_test(full_31_gcm),
		cmocka_unit_test(full_31_cbc),
		cmocka_unit_test(full_14_gcm),
		cmocka_unit_test(full_14_cbc),
		cmocka_unit_test(full_20_gcm),
		cmocka_unit_test(cookie_round_trip),
		cmocka_unit_test(cookie_answered_twice),
		cmocka_unit_test(cookie_threshold),
		cmocka_unit_test(cookie_defaults),
		cmocka_unit_test(cookie_secret_rotation),
		cmocka_unit_test(cookie_across_rotation),
		cmocka_unit_test(refusals_reported),
		cmocka_unit_test(offer_limits),
		cmocka_unit_test(half_open_limits),
		cmocka_unit_test(offer_compacted),
		cmocka_unit_test(offer_matched_per_set),
		cmocka_unit_test(half_open_count),
		cmocka_unit_test(invalid_ke_retry),
		cmocka_unit_test(wrong_psk),
		cmocka_unit_test(auth_failed_informational),
		cmocka_unit_test(no_proposal_chosen),
		cmocka_unit_test(init_forged_error),
		cmocka_unit_test(init_major_version),
		cmocka_unit_test(init_critical_payload),
		cmocka_unit_test(child_no_proposal),
		cmocka_unit_test(transport_mode),
		cmocka_unit_test(transport_refused),
		cmocka_unit_test(ts_narrowing),
		cmocka_unit_test(ts_unacceptable),
		cmocka_unit_test(second_child),
		cmocka_unit_test(rekey_child),
		cmocka_unit_test(pfs_child),
		cmocka_unit_test(more_groups),
		cmocka_unit_test(pfs_invalid_ke),
		cmocka_unit_test(pfs_bad_ke),
		cmocka_unit_test(rekey_ike),
		cmocka_unit_test(rekey_ike_lifetime),
		cmocka_unit_test(rekey_ike_old_deleted),
		cmocka_unit_test(rekey_ike_responder),
		cmocka_unit_test(reauth_initiator),
		cmocka_unit_test(reauth_responder),
		cmocka_unit_test(child_timers),
		cmocka_unit_test(child_rekey_initiator),
		cmocka_unit_test(child_rekey_responder),
		cmocka_unit_test(child_rekey_pfs),
		cmocka_unit_test(child_rekey_collision),
		cmocka_unit_test(child_rekey_collision_late),
		cmocka_unit_test(child_rekey_collision_reordered),
		cmocka_unit_test(child_rekey_window),
		cmocka_unit_test(child_rekey_during_ike_rekey),
		cmocka_unit_test(child_rekey_not_found),
		cmocka_unit_test(child_rekey_error_retry),
		cmocka_unit_test(child_rekey_narrowed),
		cmocka_unit_test(child_expire_silent_peer),
		cmocka_unit_test(child_expire_dead_peer),
		cmocka_unit_test(child_lifetime_zero),
		cmocka_unit_test(delete_child),
		cmocka_unit_test(delete_child_both),
		cmocka_unit_test(delete_ike),
		cmocka_unit_test(delete_from_responder),
		cmocka_unit_test(dpd),
		cmocka_unit_test(dpd_dead_peer),
		cmocka_unit_test(retransmit_backoff),
		cmocka_unit_test(events_establish),
		cmocka_unit_test(events_failed_auth),
		cmocka_unit_test(events_rekey_ike),
		cmocka_unit_test(events_rekey_child),
		cmocka_unit_test(events_rekey_child_timer),
		cmocka_unit_test(events_delete),
		cmocka_unit_test(events_dpd_death),
		cmocka_unit_test(events_child_expiry),
		cmocka_unit_test(many_sas),
		cmocka_unit_test(retransmit_then_answer),
		cmocka_unit_test(duplicate_request),
		cmocka_unit_test(lost_auth_response),
		cmocka_unit_test(window),
		cmocka_unit_test(rejected_reply_deleted),
		cmocka_unit_test(bad_requests),
		cmocka_unit_test(bad_auth_request),
		cmocka_unit_test(conn_by_id),
		cmocka_unit_test(conn_by_proposal),
		cmocka_unit_test(conn_by_proposal_ke),
		cmocka_unit_test(conn_keeps_proposal),
		cmocka_unit_test(conn_named_id_first),
		cmocka_unit_test(conn_by_remote_id),
		cmocka_unit_test_setup_teardown(conn_by_auth_method,
						certs_setup, certs_teardown),
		cmocka_unit_test_setup_teardown(init_certreq_candidates,
						certs_setup, certs_teardown),
		cmocka_unit_test(conn_by_idr),
		cmocka_unit_test(conn_no_idr),
		cmocka_unit_test(conn_specific_first),
		cmocka_unit_test(bad_inner_chain),
		cmocka_unit_test(bad_inner_auth),
		cmocka_unit_test(mangled_auth),
		cmocka_unit_test(mangled_init),
		cmocka_unit_test(mangled_auth_response),
		cmocka_unit_test(random_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
