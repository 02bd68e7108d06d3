// SPDX-License-Identifier: GPL-2.0
/*
 * Both peers rekeying at once, in every order the network allows: two
 * engines in memory with message-ID windows, every Child SA due on both
 * sides within a few milliseconds, now and then an IKE SA rekey from
 * either side among them, and the datagrams of the two directions
 * delivered in a random interleaving (each direction in order, as on one
 * path); in some rounds one datagram in ten is lost, in some the network
 * stalls now and then past a retransmission timeout. However the
 * crossings, losses and repeats fall (RFC 7296 §2.8.1, §2.25), the end is
 * the same: one IKE SA on each side, one Child SA of each child, the two
 * halves matching, and the kernels holding exactly those SAs.
 *
 * A round that fails is named by its seed and windows. REKEY_RACE_SEED=N
 * runs seed N's three rounds alone, REKEY_RACE_ROUNDS=N seeds 1 to N
 * (default 40), and REKEY_RACE_LOG=1 prints both engines' logs and the
 * datagrams as they go.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/child_sa.h"
#include "engine/engine.h"
#include "engine/ike_sa.h"
#include "backend/backend.h"

#include "harness.h"

#define N_KIDS	6
#define DUE	10000
/* Simulated time a round may take to settle: IKE rekey retries included. */
#define SETTLE_MS	(1200 * 1000)

static uint64_t rng;
/* The round under way, named when it fails. */
static char round_name[64];

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* The oldest datagram sent by side from, taken off the network. */
static bool pop_from(struct world *w, int from, struct dgram *d)
{
	for (unsigned int i = 0; i < w->n; i++) {
		if (w->q[i].from != from)
			continue;
		*d = w->q[i];
		memmove(w->q + i, w->q + i + 1,
			(w->n - i - 1) * sizeof(w->q[0]));
		w->n--;
		return true;
	}
	return false;
}

/*
 * One datagram of a random direction taken off the network, and
 * delivered unless lost (loss in percent); false: none in flight.
 */
static bool deliver_some(struct world *w, uint64_t now, unsigned int loss)
{
	int first = (int)rnd(2);
	struct dgram d;

	bool lost;

	if (!pop_from(w, first, &d) && !pop_from(w, !first, &d))
		return false;
	lost = rnd(100) < loss;
	if (getenv("REKEY_RACE_LOG") && d.len >= 24)
		fprintf(stderr, "%c %llu net: exchange %u message %u %s%s\n",
			d.from ? 'B' : 'A', (unsigned long long)now,
			d.buf[18], (unsigned int)d.buf[20] << 24 |
			(unsigned int)d.buf[21] << 16 | d.buf[22] << 8 |
			d.buf[23], d.buf[19] & 0x20 ? "response" : "request",
			lost ? ", lost" : "");
	if (!lost)
		deliver(w, &d, now);
	free(d.buf);
	return true;
}

/* REKEY_RACE_LOG set: both engines' logs, with the side and the time. */
static uint64_t log_now;

static void log_line(void *ctx, enum engine_log_level level,
		     const struct ikesa *sa, const char *msg)
{
	(void)level;
	(void)sa;
	fprintf(stderr, "%c %llu %s\n", ctx ? 'B' : 'A',
		(unsigned long long)log_now, msg);
}

static void log_both(struct world *w)
{
	static int side_b;
	struct engine_log la = { log_line, NULL }, lb = { log_line, &side_b };

	if (!getenv("REKEY_RACE_LOG"))
		return;
	engine_set_log(&w->e[0], &la);
	engine_set_log(&w->e[1], &lb);
}

static uint64_t next_deadline(struct world *w)
{
	uint64_t a = engine_next_deadline(&w->e[0]);
	uint64_t b = engine_next_deadline(&w->e[1]);

	return a < b ? a : b;
}

/*
 * Each Child SA of side due within 8 ms of DUE, and in one round of
 * three its IKE SA too.
 */
static void all_due(struct world *w, int side)
{
	struct ikesa *sa = only_sa(w, side);

	for (struct childsa *c = sa->children; c; c = c->next)
		c->rekey_at = DUE + rnd(8);
	if (!rnd(3))
		sa->rekey_at = DUE + rnd(12);
	ikesa_touch(sa);
}

static void round_with(uint64_t seed, unsigned int wa, unsigned int wb)
{
	struct test_kids k;
	struct world *w;
	struct ikesa *a, *b;
	unsigned int seen[TEST_KIDS] = { 0 };
	uint64_t now = DUE;
	unsigned int loss;
	bool stalls;

	rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	snprintf(round_name, sizeof(round_name), "seed %llu, windows %u/%u",
		 (unsigned long long)seed, wa, wb);
	w = test_window_world(&k, N_KIDS, wa, wb);
	log_both(w);
	for (int i = 0; i < 2; i++) {
		/* A refused rekey is tried again a tenth of this later. */
		w->c[i].ike_lifetime_s = 3600;
		/* Enough that a lossy round does not lose the peer. */
		w->c[i].retrans_tries = 8;
	}
	a = engine_initiate(&w->e[0], &w->c[0], 1);
	assert_non_null(a);
	test_settle(w, 1);
	assert_int_equal(n_children(only_sa(w, 1)), N_KIDS);
	all_due(w, 0);
	all_due(w, 1);
	loss = rnd(2) ? 0 : 10;
	stalls = rnd(2);
	while (now < DUE + SETTLE_MS) {
		log_now = now;
		engine_tick(&w->e[0], now);
		engine_tick(&w->e[1], now);
		/*
		 * Now and then the network stalls past a retransmission
		 * timeout: requests are sent again while the first copies
		 * are still on their way, and answered twice.
		 */
		if (stalls && w->n && !rnd(40)) {
			now += 500 + rnd(1500);
			continue;
		}
		if (deliver_some(w, now, loss)) {
			now += rnd(3);
			continue;
		}
		if (now < DUE + 12) {
			now++;
			continue;
		}
		if (next_deadline(w) > DUE + SETTLE_MS)
			break;
		now = next_deadline(w) > now ? next_deadline(w) : now + 1;
	}
	assert_int_equal(w->n, 0);
	if (getenv("REKEY_RACE_LOG"))
		fprintf(stderr, "# %s: collisions: child %lu+%lu, IKE %lu+%lu\n",
			round_name, w->e[0].counts.child_rekey_collisions,
			w->e[1].counts.child_rekey_collisions,
			w->e[0].counts.ike_rekey_collisions,
			w->e[1].counts.ike_rekey_collisions);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	assert_int_equal(test_in_flight(a), 0);
	assert_int_equal(test_in_flight(b), 0);
	assert_int_equal(n_children(a), N_KIDS);
	assert_int_equal(n_children(b), N_KIDS);
	test_pairs_match(a, b, seen);
	for (unsigned int i = 0; i < N_KIDS; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(live_sas(&w->f[0]), 2 * N_KIDS);
	assert_int_equal(live_sas(&w->f[1]), 2 * N_KIDS);
	test_world_free(w);
	round_name[0] = 0;
}

static void test_race(void **state)
{
	const char *one = getenv("REKEY_RACE_SEED");
	const char *more = getenv("REKEY_RACE_ROUNDS");
	unsigned int rounds = more ? (unsigned int)atoi(more) : 40;

	(void)state;
	if (one) {
		round_with(strtoull(one, NULL, 10), 4, 4);
		round_with(strtoull(one, NULL, 10), 1, 1);
		round_with(strtoull(one, NULL, 10), 4, 1);
		return;
	}
	for (unsigned int i = 1; i <= rounds; i++) {
		round_with(i, 4, 4);
		round_with(i, 1, 1);
		round_with(i, 4, 1);
	}
}

static int name_round(void **state)
{
	(void)state;
	if (round_name[0])
		fprintf(stderr, "# failed in the round of %s "
			"(REKEY_RACE_SEED, REKEY_RACE_LOG=1)\n", round_name);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_race, name_round),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
