// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's timers at scale (engine.c, timer_heap.h): with 1,000 idle
 * established IKE SAs, a tick with nothing due runs none of them, and a
 * tick runs exactly the SAs due, in the order of their deadlines; the
 * deadline the engine gives is the earliest of all, as a walk of every
 * SA finds it. The SAs are made in memory (ikesa_new, ikesa_established);
 * their one timer is the NAT keepalive, which sends a byte and needs no
 * keys.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"

#define N_SAS		1000
#define KEEPALIVE_MS	20000
#define FIRST_MS	10000	/* SA i keeps alive at FIRST_MS + 10 i */

static unsigned int sent;

static void count_send(void *ctx, const struct ip_addr *local, uint16_t lport,
		       const struct ip_addr *remote, uint16_t rport,
		       const uint8_t *buf, size_t len)
{
	sent++;
}

static const struct backend_ops no_ops;

struct idle {
	struct backend b;
	struct engine e;
	struct conn c;
};

static struct idle *idle_new(void)
{
	static struct idle w;
	struct engine_send s = { count_send, NULL };
	struct ip_addr local, remote;

	memset(&w, 0, sizeof(w));
	w.b.ops = &no_ops;
	assert_int_equal(engine_init(&w.e, &w.b, &s), 0);
	w.c.name = "idle";
	w.c.nat_keepalive_ms = KEEPALIVE_MS;
	assert_int_equal(ip_addr_parse("192.0.2.1", &local), 0);
	assert_int_equal(ip_addr_parse("198.51.100.1", &remote), 0);
	for (unsigned int i = 0; i < N_SAS; i++) {
		struct ikesa *sa = ikesa_new(&w.e, &w.c, true, &local, 4500,
					     &remote, 4500);

		assert_non_null(sa);
		ikesa_established(sa, 0, NULL);
		sa->nat.local = true;
		sa->nat.keepalive_at = FIRST_MS + 10 * (uint64_t)i;
	}
	sent = 0;
	return &w;
}

/* The earliest deadline, by a walk of every SA. */
static uint64_t walk(const struct engine *e)
{
	uint64_t d = 0, t;

	for (const struct ikesa *sa = e->sas; sa; sa = sa->next) {
		t = engine_sa_deadline(sa);
		if (t && (!d || t < d))
			d = t;
	}
	return d;
}

static void nothing_due_ticks_none(void **state)
{
	struct idle *w = idle_new();
	unsigned long ticks;

	(void)state;
	assert_int_equal(engine_next_deadline(&w->e), FIRST_MS);
	assert_int_equal(walk(&w->e), FIRST_MS);
	ticks = w->e.n_sa_ticks;
	for (uint64_t now = 1; now < FIRST_MS; now += 997)
		assert_int_equal(engine_tick(&w->e, now), FIRST_MS);
	assert_int_equal(w->e.n_sa_ticks, ticks);
	assert_int_equal(sent, 0);
	engine_free(&w->e);
}

static void ticks_only_the_due(void **state)
{
	struct idle *w = idle_new();
	unsigned long ticks = w->e.n_sa_ticks;
	uint64_t next;

	(void)state;
	/* SAs 0 to 99 are due at FIRST_MS + 990: those hundred run. */
	next = engine_tick(&w->e, FIRST_MS + 990);
	assert_int_equal(w->e.n_sa_ticks - ticks, 100);
	assert_int_equal(sent, 100);
	assert_int_equal(next, FIRST_MS + 1000);
	assert_int_equal(walk(&w->e), next);
	/* Just before the next: none. */
	ticks = w->e.n_sa_ticks;
	assert_int_equal(engine_tick(&w->e, FIRST_MS + 999), next);
	assert_int_equal(w->e.n_sa_ticks, ticks);
	assert_int_equal(sent, 100);
	/* Every one due once: each runs once, the first hundred again later. */
	next = engine_tick(&w->e, FIRST_MS + 10 * N_SAS);
	assert_int_equal(w->e.n_sa_ticks - ticks, N_SAS - 100);
	assert_int_equal(sent, N_SAS);
	assert_int_equal(next, FIRST_MS + 990 + KEEPALIVE_MS);
	assert_int_equal(walk(&w->e), next);
	engine_free(&w->e);
}

/* An SA that goes leaves the heap; one touched is filed again. */
static void kill_and_touch(void **state)
{
	struct idle *w = idle_new();
	struct ikesa *first = NULL;

	(void)state;
	for (struct ikesa *sa = w->e.sas; sa; sa = sa->next)
		if (sa->nat.keepalive_at == FIRST_MS)
			first = sa;
	assert_non_null(first);
	assert_int_equal(engine_next_deadline(&w->e), FIRST_MS);
	engine_drop_sa(first, ENGINE_R_LOCAL);
	assert_int_equal(engine_next_deadline(&w->e), FIRST_MS + 10);
	engine_tick(&w->e, 1);		/* reaped */
	assert_int_equal(w->e.n_sas, N_SAS - 1);
	assert_int_equal(w->e.timers.n, N_SAS - 1);
	/* A change by an entry point (here a new connection): re-filed. */
	w->e.sas->nat.keepalive_at = 5;
	assert_int_equal(engine_add_conn(&w->e, &w->c), 0);
	assert_int_equal(engine_next_deadline(&w->e), 5);
	assert_int_equal(walk(&w->e), 5);
	engine_free(&w->e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_due_ticks_none),
		cmocka_unit_test(ticks_only_the_due),
		cmocka_unit_test(kill_and_touch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
