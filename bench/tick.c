// SPDX-License-Identifier: GPL-2.0
/*
 * The cost of the engine's timers per loop pass (engine_tick() and
 * engine_next_deadline(), as mifd's loop calls them) with N established
 * idle IKE SAs in memory, each with two Child SAs: before, a walk of
 * every IKE SA (and of its Child SAs) per call, as engine.c did (three
 * walks a pass: the deadline, the tick and the deadline it returns),
 * through the same engine_sa_deadline() and engine_sa_tick(); after,
 * the timer heap (engine/timer_heap.h). Both side by side, at N = 1,000
 * and 10,000, in two cases: nothing due, and one SA due per pass (NAT
 * keepalives spread evenly over their interval).
 *
 *   make -C bench && ../build/bench/tick [N...]
 *
 * Not a test: it prints microseconds of CPU time per pass, and the
 * keepalives each way sent (the same SA timers ran).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"

#define KEEPALIVE_MS	20000
#define START_MS	1000000		/* the clock when the SAs are made */

static unsigned long sent;

static void count_send(void *ctx, const struct ip_addr *local, uint16_t lport,
		       const struct ip_addr *remote, uint16_t rport,
		       const uint8_t *buf, size_t len)
{
	sent++;
}

static const struct backend_ops no_ops;
static struct backend backend = { .ops = &no_ops };
static struct conn conn = {
	.name = "bench",
	.dpd_ms = 600000,
	.ike_lifetime_s = 14400,
	.child_lifetime_s = 3600,
	.nat_keepalive_ms = KEEPALIVE_MS,
};

/*
 * N IKE SAs established at START_MS, each with two Child SAs, their NAT
 * keepalives spread over [START_MS, START_MS + KEEPALIVE_MS).
 */
static struct engine *build(unsigned int n)
{
	struct engine *e = calloc(1, sizeof(*e));
	struct engine_send s = { count_send, NULL };
	struct ip_addr local, remote;

	if (!e || engine_init(e, &backend, &s) ||
	    ip_addr_parse("192.0.2.1", &local) ||
	    ip_addr_parse("198.51.100.1", &remote))
		exit(1);
	for (unsigned int i = 0; i < n; i++) {
		struct ikesa *sa = ikesa_new(e, &conn, true, &local, 4500,
					     &remote, 4500);

		if (!sa)
			exit(1);
		ikesa_established(sa, START_MS, NULL);
		sa->nat.local = true;
		sa->nat.keepalive_at = START_MS +
				       (uint64_t)i * KEEPALIVE_MS / n;
		for (int j = 0; j < 2; j++) {
			struct childsa *c = childsa_new(&local, 4500, &remote,
							4500, ikesa_reqid(sa));

			if (!c)
				exit(1);
			c->lifetime_s = conn.child_lifetime_s;
			childsa_timers(c, START_MS, true, true);
			ikesa_add_child(sa, c);
		}
	}
	return e;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

/* Before: engine_next_deadline() and engine_tick() as walks of every SA. */
static uint64_t walk_next_deadline(const struct engine *e)
{
	uint64_t d = 0;

	for (const struct ikesa *sa = e->sas; sa; sa = sa->next)
		d = earliest(d, engine_sa_deadline(sa));
	if (e->n_failover_lost && !e->kernel_failover)
		d = 1;
	for (const struct ikesa *sa = e->sas; e->n_failover_lost && sa;
	     sa = sa->next)
		if (sa->mobike.on && sa->mif_status != MIF_ON)
			d = 1;
	return d;
}

static uint64_t walk_tick(struct engine *e, uint64_t now)
{
	for (struct ikesa *sa = e->sas; sa; sa = sa->next)
		if (sa->state != IKESA_DEAD)
			engine_sa_tick(sa, now);
	return walk_next_deadline(e);
}

/* CPU time: the figures hold on a machine busy with other work. */
static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/*
 * Microseconds per pass of mifd's loop (engine_next_deadline(), then
 * engine_tick()), reps passes, the clock moving by step ms each (0:
 * standing still). The SA timers run are counted in *ran (keepalives).
 */
static double run(unsigned int n, bool heap, unsigned int reps,
		  uint64_t step, unsigned long *ran)
{
	struct engine *e = build(n);
	uint64_t now = START_MS + KEEPALIVE_MS / 2, d = 0;
	double t0, t1;

	/* Settle: the first keepalives, due from the start, out of the way. */
	engine_tick(e, now);
	sent = 0;
	t0 = now_us();
	for (unsigned int i = 0; i < reps; i++) {
		now += step;
		if (heap) {
			d += engine_next_deadline(e);
			d += engine_tick(e, now);
		} else {
			d += walk_next_deadline(e);
			d += walk_tick(e, now);
		}
	}
	t1 = now_us();
	*ran = sent;
	if (!d)
		fprintf(stderr, "no deadline?\n");
	engine_free(e);
	free(e);
	return (t1 - t0) / reps;
}

static void row(unsigned int n, uint64_t step, unsigned int reps_walk,
		unsigned int reps_heap)
{
	unsigned long ran_walk, ran_heap;
	double walk = run(n, false, reps_walk, step, &ran_walk);
	double heap = run(n, true, reps_heap, step, &ran_heap);

	printf("%-8u %-12s %14.2f %14.3f %10.0fx   %lu / %lu\n", n,
	       step ? "one due" : "none due", walk, heap, walk / heap,
	       ran_walk, ran_heap);
}

int main(int argc, char **argv)
{
	unsigned int ns[8] = { 1000, 10000 }, n_ns = 2;

	if (argc > 1) {
		n_ns = 0;
		for (int i = 1; i < argc && n_ns < 8; i++)
			ns[n_ns++] = (unsigned int)strtoul(argv[i], NULL, 10);
	}
	printf("# engine_next_deadline() + engine_tick(), one pass, "
	       "N idle IKE SAs with 2 Child SAs each\n");
	printf("# CPU us per pass: before (a walk of every SA), after (the "
	       "timer heap); keepalives sent (walk / heap)\n");
	printf("%-8s %-12s %14s %14s %11s   %s\n", "N", "due", "walk us",
	       "heap us", "speed-up", "keepalives");
	for (unsigned int i = 0; i < n_ns; i++) {
		unsigned int n = ns[i];
		/* About 0.2 s of walking each; keepalives one per pass. */
		unsigned int reps_walk = 20000000 / n + 20;
		uint64_t step = KEEPALIVE_MS / n ? KEEPALIVE_MS / n : 1;

		row(n, 0, reps_walk, 200000);
		/* No more passes than SAs: each SA due about once. */
		reps_walk = reps_walk < n ? reps_walk : n;
		row(n, step, reps_walk, reps_walk);
	}
	return 0;
}
