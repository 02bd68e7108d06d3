// SPDX-License-Identifier: GPL-2.0
/*
 * Nonce lengths (RFC 7296 §2.10): a peer's nonce must be at least half
 * the key size of the negotiated PRF, in IKE_SA_INIT and in
 * CREATE_CHILD_SA (Child SAs and the IKE rekey), either way. Both
 * engines negotiate HMAC-SHA2-512 (a 64-byte key: nonces of 32 bytes at
 * least); the peer's nonce is cut short on the wire.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/random.h"
#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "ike/message.h"
#include "ike/nonce.h"
#include "ike/notify.h"

#include "harness.h"

#define SHORT	24	/* 16 or more, but less than 64 / 2 */

/* The last refusal either engine reported. */
static char refused[512];

static void on_event(void *ctx, const struct engine_event *ev)
{
	if (ev->type == ENGINE_EV_REFUSED)
		snprintf(refused, sizeof(refused), "%s", ev->why);
}

static struct world *world_new(void)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);
	struct engine_events ev = { on_event, NULL };

	refused[0] = '\0';
	for (int i = 0; i < 2; i++) {
		for (unsigned int k = 0; k < w->c[i].ike[0].n; k++)
			if (w->c[i].ike[0].xf[k].type == IKE_XF_PRF)
				w->c[i].ike[0].xf[k].id = IKE_PRF_HMAC_SHA2_512;
		engine_set_events(&w->e[i], &ev);
	}
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

static struct ike_nonce *nonce_of(const struct ike_chain *c)
{
	const struct ike_payload *pl = ike_chain_find(c, IKE_PL_NONCE, NULL);

	assert_non_null(pl);
	return pl->nonce;
}

/* Cut the nonce of the plain datagram at the head of the queue. */
static void cut_plain(struct world *w)
{
	struct ike_message *m = calloc(1, sizeof(*m));
	struct ike_writer wr;
	struct ike_error err;

	assert_non_null(m);
	assert_int_equal(ike_message_parse(m, w->q[0].buf, w->q[0].len, &err),
			 0);
	nonce_of(&m->chain)->len = SHORT;
	ike_writer_init(&wr);
	assert_int_equal(ike_message_build(&wr, m, &err), 0);
	ike_message_free(m);
	free(m);
	free(w->q[0].buf);
	w->q[0].buf = wr.p;
	w->q[0].len = wr.len;
}

/*
 * Cut the nonce of the encrypted datagram at the head of the queue, sent
 * through SA by to SA to, and seal it again.
 */
static void cut_sealed_by(struct world *w, struct ikesa *to,
			  struct ikesa *by)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	struct ikesa_plain plain;
	struct ike_message m;
	struct ike_error err;
	uint8_t *out;
	size_t len;

	assert_non_null(c);
	assert_int_equal(ike_message_parse(&m, w->q[0].buf, w->q[0].len,
					   &err), 0);
	ike_message_free(&m);
	assert_int_equal(ikesa_decrypt(to, w->q[0].buf, w->q[0].len, c,
				       &plain, &err), 0);
	nonce_of(c)->len = SHORT;
	assert_int_equal(ikesa_build(by, m.hdr.exchange,
				     m.hdr.flags & IKE_FLAG_RESPONSE,
				     m.hdr.msg_id, c, &out, &len), 0);
	ike_chain_free(c);
	ikesa_plain_free(&plain);
	free(c);
	free(w->q[0].buf);
	w->q[0].buf = out;
	w->q[0].len = len;
}

/* The same, for the only SAs of each side: from sent it. */
static void cut_sealed(struct world *w, int from)
{
	cut_sealed_by(w, only_sa(w, !from), only_sa(w, from));
}

static struct ikesa *establish(struct world *w)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);

	assert_non_null(sa);
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_string_equal(refused, "");
	return sa;
}

static void ike_nonce_len_rules(void **state)
{
	assert_false(ike_nonce_len_ok(15, 32));
	assert_true(ike_nonce_len_ok(16, 32));
	assert_true(ike_nonce_len_ok(256, 64));
	assert_false(ike_nonce_len_ok(257, 64));
	assert_false(ike_nonce_len_ok(31, 64));
	assert_true(ike_nonce_len_ok(32, 64));
	assert_false(ike_nonce_len_ok(23, 48));
	assert_true(ike_nonce_len_ok(24, 48));
}

/* The responder answers a short Ni with NO_PROPOSAL_CHOSEN, keeps no SA. */
static void init_short_ni(void **state)
{
	struct world *w = world_new();
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);

	assert_non_null(sa);
	cut_plain(w);
	deliver_next(w, 0);
	assert_null(w->e[1].sas);
	assert_int_equal(w->n, 1);
	assert_true(plain_has_notify(&w->q[0], IKE_N_NO_PROPOSAL_CHOSEN));
	/* Refused like any IKE_SA_INIT: counted, logged within a budget. */
	assert_int_equal(w->e[1].refused[ENGINE_REF_SHORT_NONCE], 1);
	test_world_free(w);
}

/* The initiator gives up on a short Nr. */
static void init_short_nr(void **state)
{
	struct world *w = world_new();
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);

	assert_non_null(sa);
	deliver_next(w, 0);
	cut_plain(w);
	deliver_next(w, 0);
	assert_null(w->e[0].sas);
	assert_int_equal(w->n, 0);
	assert_non_null(strstr(refused, "IKE_SA_INIT: Nr of 24 bytes"));
	test_world_free(w);
}

/* Long enough for SHA2-256, whose key is 32 bytes: accepted. */
static void init_short_ni_weaker_prf(void **state)
{
	struct world *w = world_new();
	struct ikesa *sa;

	for (int i = 0; i < 2; i++)
		set_ike(&w->c[i], IKE_DH_CURVE25519, true);
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	cut_plain(w);
	deliver_next(w, 0);
	assert_non_null(w->e[1].sas);
	assert_string_equal(refused, "");
	test_world_free(w);
}

/* CREATE_CHILD_SA: a short Ni gets INVALID_SYNTAX. */
static void child_short_ni(void **state)
{
	struct world *w = world_new();
	struct ikesa *sa = establish(w);

	assert_int_equal(engine_create_child(&w->e[0], sa, 0), 0);
	cut_sealed(w, 0);
	deliver_next(w, 0);
	assert_int_equal(w->n, 1);
	assert_true(dgram_has_notify(sa, &w->q[0], IKE_N_INVALID_SYNTAX));
	assert_non_null(strstr(refused, "CREATE_CHILD_SA: Ni of 24 bytes"));
	pump(w, 0);
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(n_children(only_sa(w, 1)), 1);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

/* CREATE_CHILD_SA: a short Nr, and the new Child SA is not taken. */
static void child_short_nr(void **state)
{
	struct world *w = world_new();
	struct ikesa *sa = establish(w);

	assert_int_equal(engine_create_child(&w->e[0], sa, 0), 0);
	deliver_next(w, 0);
	cut_sealed(w, 1);
	deliver_next(w, 0);
	assert_non_null(strstr(refused, "CREATE_CHILD_SA: Nr of 24 bytes"));
	pump(w, 0);
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

/* Rekeying the IKE SA: a short Ni gets INVALID_SYNTAX. */
static void rekey_short_ni(void **state)
{
	struct world *w = world_new();
	struct ikesa *sa = establish(w);

	assert_int_equal(engine_rekey_ike(&w->e[0], sa, 0), 0);
	cut_sealed(w, 0);
	deliver_next(w, 0);
	assert_true(dgram_has_notify(sa, &w->q[0], IKE_N_INVALID_SYNTAX));
	assert_non_null(strstr(refused, "(IKE rekey): Ni of 24 bytes"));
	pump(w, 0);
	assert_ptr_equal(only_sa(w, 0), sa);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

/* Rekeying the IKE SA: a short Nr, and the old SA stays. */
static void rekey_short_nr(void **state)
{
	struct world *w = world_new();
	struct ikesa *sa = establish(w), *old;

	assert_int_equal(engine_rekey_ike(&w->e[0], sa, 0), 0);
	deliver_next(w, 0);
	/* The responder has both SAs now: it answered with the old one. */
	old = w->e[1].sas;
	while (old && old->spi_i != sa->spi_i)
		old = old->next;
	assert_non_null(old);
	cut_sealed_by(w, sa, old);
	deliver_next(w, 0);
	assert_non_null(strstr(refused, "(IKE rekey): Nr of 24 bytes"));
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ike_nonce_len_rules),
		cmocka_unit_test(init_short_ni),
		cmocka_unit_test(init_short_nr),
		cmocka_unit_test(init_short_ni_weaker_prf),
		cmocka_unit_test(child_short_ni),
		cmocka_unit_test(child_short_nr),
		cmocka_unit_test(rekey_short_ni),
		cmocka_unit_test(rekey_short_nr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
