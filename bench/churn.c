// SPDX-License-Identifier: GPL-2.0
/*
 * The cost of the engine's own bookkeeping when one IKE SA comes and
 * one goes, with N established IKE SAs in memory: the new one's reqid
 * block (ikesa_new()), and the dead one killed, reaped and unlinked
 * (ikesa_kill(), then engine_tick() with nothing due, as mifd's loop
 * runs it). Before, three walks of the list of every IKE SA, copied
 * here from the old engine and run beside the same calls: the search
 * for a free block (each candidate looked up among all SAs), reap()'s
 * walk from the head to the dead one, and ikesa_destroy()'s walk to
 * unlink it. After: the bitmap of blocks in use, the dead list and the
 * doubly linked list (ike_sa.c, engine.c, reqid_blocks.c). The old
 * search's block is checked against the one ikesa_new() gave: the same
 * reqids in the same order.
 *
 *   make -C bench && ../build/bench/churn [N...]
 *
 * Not a test: it prints microseconds of CPU time per IKE SA added and
 * per IKE SA deleted, with the old walks and without, at N = 1,000 and
 * 10,000 unless told. The SAs come and go in batches of BATCH, the one
 * deleted chosen at random, so N stays within BATCH of itself. No
 * messages, no crypto beyond the SPI's random bytes: the engine's work
 * per SA, not a set-up's.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"

#define START_MS	1000000
#define BATCH		16

static const struct backend_ops no_ops;
static struct backend backend = { .ops = &no_ops };
static struct conn conn = {
	.name = "bench",
	.dpd_ms = 600000,
	.ike_lifetime_s = 14400,
	.child_lifetime_s = 3600,
};
static struct ip_addr local, remote;

/* The old engine's walks (before reqid_blocks.c and the dead list). */
static bool old_block_taken(const struct engine *e, const struct ikesa *sa,
			    uint32_t base)
{
	for (const struct ikesa *o = e->sas; o; o = o->next)
		if (o != sa && o->reqid_base == base)
			return true;
	return false;
}

static uint32_t old_reqid_block(const struct engine *e, const struct ikesa *sa,
				uint32_t *next)
{
	const uint32_t n_blocks = 1u << (32 - IKESA_REQID_BITS);

	for (uint32_t i = 0; i < n_blocks; i++) {
		uint32_t b = *next;

		*next = b + 1 < n_blocks ? b + 1 : 1;
		if (b && !old_block_taken(e, sa, b << IKESA_REQID_BITS))
			return b << IKESA_REQID_BITS;
	}
	return 0;
}

/* reap()'s walk from the head until it found the dead one. */
static const struct ikesa *old_reap_walk(const struct engine *e)
{
	const struct ikesa *sa;

	for (sa = e->sas; sa; sa = sa->next)
		if (sa->state == IKESA_DEAD)
			break;
	return sa;
}

/* ikesa_destroy()'s walk to the pointer to unlink. */
static struct ikesa *const *old_unlink_walk(const struct engine *e,
					    const struct ikesa *dead)
{
	struct ikesa *const *pp;

	for (pp = &e->sas; *pp; pp = &(*pp)->next)
		if (*pp == dead)
			break;
	return pp;
}

struct world {
	struct engine e;
	struct ikesa **live;
	unsigned int n;
	uint32_t old_next;		/* the old search's cursor */
	unsigned long checked;		/* blocks found the same */
	uintptr_t sink;			/* what the old walks found */
};

static struct ikesa *add(struct world *w, bool old)
{
	struct ikesa *sa = ikesa_new(&w->e, &conn, true, &local, 500,
				     &remote, 500);

	if (!sa)
		exit(1);
	ikesa_established(sa, START_MS, NULL);
	if (old) {
		if (old_reqid_block(&w->e, sa, &w->old_next) !=
		    sa->reqid_base) {
			fprintf(stderr, "reqid block: old %u, new %u\n",
				old_reqid_block(&w->e, sa, &w->old_next),
				sa->reqid_base);
			exit(1);
		}
		w->checked++;
	}
	w->live[w->n++] = sa;
	return sa;
}

static void del(struct world *w, bool old)
{
	unsigned int k = (unsigned int)rand() % w->n;
	struct ikesa *sa = w->live[k];

	w->live[k] = w->live[--w->n];
	ikesa_kill(sa);
	if (old) {
		w->sink += (uintptr_t)old_reap_walk(&w->e);
		w->sink += (uintptr_t)old_unlink_walk(&w->e, sa);
	}
	engine_tick(&w->e, START_MS + 1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Microseconds per SA added and per SA deleted, reps of each. */
static void run(unsigned int n, bool old, unsigned int reps, double *add_us,
		double *del_us, unsigned long *checked)
{
	struct world *w = calloc(1, sizeof(*w));
	double t_add = 0, t_del = 0, t0;

	if (!w || engine_init(&w->e, &backend, NULL))
		exit(1);
	w->live = calloc(n + BATCH, sizeof(*w->live));
	if (!w->live)
		exit(1);
	w->old_next = 1;
	srand(1);
	for (unsigned int i = 0; i < n; i++)
		add(w, old);
	for (unsigned int i = 0; i < reps; i += BATCH) {
		t0 = now_us();
		for (unsigned int j = 0; j < BATCH; j++)
			add(w, old);
		t_add += now_us() - t0;
		t0 = now_us();
		for (unsigned int j = 0; j < BATCH; j++)
			del(w, old);
		t_del += now_us() - t0;
	}
	reps = (reps + BATCH - 1) / BATCH * BATCH;
	*add_us = t_add / reps;
	*del_us = t_del / reps;
	*checked = w->checked;
	if (w->e.n_sas != n || w->sink == 1)
		fprintf(stderr, "%u IKE SAs left of %u?\n", w->e.n_sas, n);
	engine_free(&w->e);
	free(w->live);
	free(w);
}

int main(int argc, char **argv)
{
	unsigned int ns[8] = { 1000, 10000 }, n_ns = 2;

	if (argc > 1) {
		n_ns = 0;
		for (int i = 1; i < argc && n_ns < 8; i++)
			ns[n_ns++] = (unsigned int)strtoul(argv[i], NULL, 10);
	}
	if (ip_addr_parse("192.0.2.1", &local) ||
	    ip_addr_parse("198.51.100.1", &remote))
		return 1;
	printf("# one IKE SA added (ikesa_new) and one deleted (ikesa_kill, "
	       "engine_tick), N established IKE SAs\n");
	printf("# CPU us per SA: before (the old walks of every SA), after "
	       "(bitmap, dead list, doubly linked list)\n");
	printf("%-8s %12s %12s %9s %12s %12s %9s   %s\n", "N", "add walk",
	       "add new", "speed-up", "del walk", "del new", "speed-up",
	       "reqids checked");
	for (unsigned int i = 0; i < n_ns; i++) {
		/* The walks: about as many SA visits at any N. */
		unsigned int n = ns[i], reps = 20000;
		unsigned int reps_walk = 20000000 / (n + 1) + BATCH;
		double aw, an, dw, dn;
		unsigned long checked, none;

		reps_walk = reps_walk < reps ? reps_walk : reps;
		run(n, true, reps_walk, &aw, &dw, &checked);
		run(n, false, reps, &an, &dn, &none);
		printf("%-8u %12.2f %12.2f %8.1fx %12.2f %12.2f %8.1fx   %lu\n",
		       n, aw, an, aw / an, dw, dn, dw / dn, checked);
	}
	return 0;
}
