// SPDX-License-Identifier: GPL-2.0
/*
 * Message-ID windows above 1 (engine/window.h, RFC 7296 §2.3), with two
 * engines in memory: new Child SAs side by side up to the peer's
 * SET_WINDOW_SIZE, responses in any order, a lost request retransmitted
 * alone and holding the window back, a duplicate answered from the
 * cache, other exchanges than Child SAs' waiting for the window to
 * empty, a peer without the notify, and a malformed notify.
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

#include "engine/children.h"
#include "engine/conn.h"
#include "engine/engine.h"
#include "engine/ike_sa.h"
#include "engine/window.h"
#include "ike/constants.h"
#include "ike/message.h"
#include "ike/window.h"
#include "backend/backend.h"

#include "harness.h"

#define N_KIDS	TEST_KIDS

/*
 * IKE_SA_INIT and IKE_AUTH, one datagram at a time: the IKE SA of A,
 * with the first CREATE_CHILD_SA requests queued.
 */
static struct ikesa *authenticate(struct world *w, uint64_t now)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], now);

	assert_non_null(sa);
	for (int i = 0; i < 4; i++)
		deliver_next(w, now);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	return sa;
}

/* Deliver all, one at a time, checking A's requests in flight. */
static unsigned int run(struct world *w, struct ikesa *sa, uint64_t now)
{
	unsigned int most = test_in_flight(sa);

	for (int i = 0; i < 400 && w->n; i++) {
		deliver_next(w, now);
		if (test_in_flight(sa) > most)
			most = test_in_flight(sa);
	}
	assert_int_equal(w->n, 0);
	return most;
}

/* Window 4 on both sides, 12 children: 4 at a time, all 12 in. */
static void test_twelve(void **state)
{
	struct test_kids k;
	struct world *w = test_window_world(&k, N_KIDS, 4, 4);
	struct ikesa *sa;

	(void)state;
	sa = authenticate(w, 1);
	assert_int_equal(window_peer(sa), 4);
	assert_int_equal(only_sa(w, 1)->peer_window, 4);
	/* The window filled at once: IKE_AUTH's child and 4 more asked. */
	assert_int_equal(test_in_flight(sa), 4);
	assert_int_equal(w->n, 4);
	assert_int_equal(run(w, sa, 1), 4);
	assert_int_equal(test_in_flight(sa), 0);
	assert_int_equal(n_children(sa), N_KIDS);
	assert_int_equal(n_children(only_sa(w, 1)), N_KIDS);
	assert_int_equal(live_sas(&w->f[0]), 2 * N_KIDS);
	assert_int_equal(live_sas(&w->f[1]), 2 * N_KIDS);
	test_world_free(w);
}

/* Requests and responses delivered last first: all 12 in. */
static void test_out_of_order(void **state)
{
	struct test_kids k;
	struct world *w = test_window_world(&k, N_KIDS, 4, 4);
	struct dgram d[NET_MAX];
	struct ikesa *sa;
	unsigned int n;

	(void)state;
	sa = authenticate(w, 1);
	for (int round = 0; round < 40 && w->n; round++) {
		n = w->n;
		for (unsigned int i = 0; i < n; i++)
			d[i] = pop(w);
		for (unsigned int i = n; i-- > 0;) {
			deliver(w, &d[i], 1);
			free(d[i].buf);
		}
		assert_true(test_in_flight(sa) <= 4);
	}
	assert_int_equal(w->n, 0);
	assert_int_equal(n_children(sa), N_KIDS);
	assert_int_equal(n_children(only_sa(w, 1)), N_KIDS);
	test_world_free(w);
}

/*
 * One request of four lost: the others are answered, but no more go,
 * the window being of message IDs (§2.3): request X waits for the
 * answers up to X - 4. The lost one alone is sent again when its time
 * comes; then the rest follow.
 */
static void test_lost(void **state)
{
	struct test_kids k;
	struct world *w = test_window_world(&k, N_KIDS, 4, 4);
	struct ikesa *sa;
	struct dgram d;
	uint64_t now = 1;

	(void)state;
	sa = authenticate(w, now);
	assert_int_equal(w->n, 4);
	d = pop(w);
	free(d.buf);		/* lost */
	/* The other three answered later: none takes their places. */
	for (int i = 0; i < 6; i++)
		deliver_next(w, now + 500);
	assert_int_equal(test_in_flight(sa), 1);
	assert_false(window_room(sa));
	assert_int_equal(w->n, 0);
	/* The retransmission time of the first: it alone goes again. */
	now += w->c[0].retrans_base_ms;
	assert_int_equal(engine_next_deadline(&w->e[0]), now);
	engine_tick(&w->e[0], now);
	assert_int_equal(w->n, 1);
	/* Answered: the window fills again. */
	deliver_next(w, now);
	deliver_next(w, now);
	assert_int_equal(test_in_flight(sa), 4);
	run(w, sa, now);
	assert_int_equal(n_children(sa), N_KIDS);
	assert_int_equal(n_children(only_sa(w, 1)), N_KIDS);
	test_world_free(w);
}

/* A request delivered twice: answered once, then from the cache. */
static void test_duplicate(void **state)
{
	struct test_kids k;
	struct world *w = test_window_world(&k, N_KIDS, 4, 4);
	struct ikesa *b;
	struct dgram d, r1, r2;
	unsigned int kids_b;

	(void)state;
	authenticate(w, 1);
	b = only_sa(w, 1);
	d = pop(w);
	drop_all(w);
	deliver(w, &d, 1);
	kids_b = n_children(b);
	assert_int_equal(w->n, 1);
	r1 = pop(w);
	deliver(w, &d, 1);	/* again */
	assert_int_equal(n_children(b), kids_b);
	assert_int_equal(w->n, 1);
	r2 = pop(w);
	assert_int_equal(r1.len, r2.len);
	assert_memory_equal(r1.buf, r2.buf, r1.len);
	free(d.buf);
	free(r1.buf);
	free(r2.buf);
	test_world_free(w);
}

/* B's verdicts once all is done: its window of 4 and the 4 before. */
static void test_verdicts(void **state)
{
	struct test_kids k;
	struct world *w = test_window_world(&k, N_KIDS, 4, 4);
	struct ikesa *sa, *b;
	uint32_t next;

	(void)state;
	sa = authenticate(w, 1);
	run(w, sa, 1);
	b = only_sa(w, 1);
	next = b->resp_next;
	assert_int_equal(next, sa->req_next);
	assert_int_equal(window_verdict(b, next), WINDOW_NEW);
	assert_int_equal(window_verdict(b, next + 3), WINDOW_NEW);
	assert_int_equal(window_verdict(b, next + 4), WINDOW_DROP);
	assert_int_equal(window_verdict(b, next - 1), WINDOW_AGAIN);
	assert_int_equal(window_verdict(b, next - 4), WINDOW_AGAIN);
	assert_int_equal(window_verdict(b, next - 5), WINDOW_DROP);
	test_world_free(w);
}

/*
 * A delete and a DPD wait until no new Child SA is in flight; a rekey
 * joins them (test_window_rekey.c has more of rekeys).
 */
static void test_others_wait(void **state)
{
	struct test_kids k;
	struct world *w = test_window_world(&k, N_KIDS, 4, 4);
	struct ikesa *sa;
	struct childsa *c;

	(void)state;
	sa = authenticate(w, 1);
	c = sa->children;
	assert_non_null(c);
	assert_true(test_in_flight(sa) > 1);
	assert_int_equal(engine_delete_child(&w->e[0], sa, c, 1), -EBUSY);
	assert_int_equal(engine_dpd(&w->e[0], sa, 1), -EBUSY);
	/* A full window takes no rekey either. */
	assert_false(window_room(sa));
	assert_int_equal(engine_rekey_child(&w->e[0], sa, c, 1), -EBUSY);
	run(w, sa, 1);
	assert_int_equal(n_children(sa), N_KIDS);
	/* A DPD goes alone, and nothing joins it. */
	assert_int_equal(engine_dpd(&w->e[0], sa, 2), 0);
	assert_false(window_room(sa));
	assert_int_equal(engine_rekey_child(&w->e[0], sa, c, 2), -EBUSY);
	run(w, sa, 2);
	/* A rekey, and another beside it. */
	assert_int_equal(engine_rekey_child(&w->e[0], sa, c, 3), 0);
	assert_true(window_room(sa));
	assert_int_equal(engine_rekey_child(&w->e[0], sa, c == sa->children ?
					    c->next : sa->children, 3), 0);
	assert_int_equal(test_in_flight(sa), 2);
	run(w, sa, 3);
	assert_int_equal(n_children(sa), N_KIDS);
	assert_int_equal(n_children(only_sa(w, 1)), N_KIDS);
	test_world_free(w);
}

/* The side that offers nothing: the other sends one at a time. */
static void one_against_four(unsigned int wa, unsigned int wb)
{
	struct test_kids k;
	struct world *w = test_window_world(&k, N_KIDS, wa, wb);
	struct ikesa *sa;

	sa = authenticate(w, 1);
	assert_int_equal(window_peer(sa), wb);
	assert_int_equal(window_peer(only_sa(w, 1)), wa);
	assert_int_equal(run(w, sa, 1), wb);
	assert_int_equal(n_children(sa), N_KIDS);
	assert_int_equal(n_children(only_sa(w, 1)), N_KIDS);
	test_world_free(w);
}

static void test_one_against_four(void **state)
{
	(void)state;
	one_against_four(4, 1);
	one_against_four(1, 4);
}

/* SET_WINDOW_SIZE as the codec has it. */
static void test_codec(void **state)
{
	const uint8_t four[4] = { 0, 0, 0, 4 }, three[3] = { 0, 0, 4 };
	struct ike_error err;
	uint8_t out[IKE_WINDOW_LEN];
	uint32_t v = 7;

	(void)state;
	assert_int_equal(ike_window_parse(four, 4, &v, &err), 0);
	assert_int_equal(v, 4);
	assert_int_equal(ike_window_parse(three, 3, &v, &err), -EINVAL);
	assert_int_equal(ike_window_parse(four, 5, &v, &err), -EINVAL);
	ike_window_build(0x01020304, out);
	assert_int_equal(ike_window_parse(out, 4, &v, &err), 0);
	assert_int_equal(v, 0x01020304);
}

/* A chain with one SET_WINDOW_SIZE of data (len octets), taken by sa. */
static void hear(struct ikesa *sa, const uint8_t *data, size_t len)
{
	struct ike_chain ch;
	struct ike_notify n;
	struct ike_error err;

	memset(&ch, 0, sizeof(ch));
	ikesa_notify(&n, IKE_N_SET_WINDOW_SIZE, data, len);
	assert_int_equal(ike_chain_add(&ch, IKE_PL_NOTIFY, &n, &err), 0);
	window_heard(sa, &ch);
	ike_chain_free(&ch);
}

/* Malformed, 0, huge: ignored, ignored, clamped. */
static void test_malformed(void **state)
{
	const uint8_t three[3] = { 0, 0, 4 }, zero[4] = { 0 };
	const uint8_t big[4] = { 0, 1, 0, 0 }, eight[4] = { 0, 0, 0, 8 };
	struct test_kids k;
	struct world *w = test_window_world(&k, N_KIDS, 1, 1);
	struct ikesa *sa;

	(void)state;
	test_log_reset();
	engine_set_log(&w->e[0], &(struct engine_log){ test_log_fn, NULL });
	sa = authenticate(w, 1);
	assert_int_equal(window_peer(sa), 1);
	hear(sa, three, sizeof(three));
	assert_int_equal(window_peer(sa), 1);
	assert_true(test_logged("SET_WINDOW_SIZE not of 4 octets: ignored"));
	hear(sa, zero, sizeof(zero));
	assert_int_equal(window_peer(sa), 1);
	assert_true(test_logged("SET_WINDOW_SIZE of 0: ignored"));
	hear(sa, big, sizeof(big));
	assert_int_equal(window_peer(sa), ENGINE_WINDOW_MAX);
	hear(sa, eight, sizeof(eight));
	assert_int_equal(window_peer(sa), 8);
	/* The rest still comes up, now side by side. */
	run(w, sa, 1);
	assert_int_equal(n_children(sa), N_KIDS);
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_twelve),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_others_wait),
		cmocka_unit_test(test_one_against_four),
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
