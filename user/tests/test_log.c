// SPDX-License-Identifier: GPL-2.0
/*
 * The log's line budget (daemon/log.c): what a flood of refused requests
 * may write.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/log.h"

/* Lines let through from count attempts at time now. */
static unsigned int attempts(struct log_limit *l, uint64_t now,
			     unsigned int count, unsigned long *held)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < count; i++)
		n += log_limit_pass(l, now, held);
	return n;
}

static void burst_then_rate(void **state)
{
	struct log_limit l = { .burst = 10, .interval_ms = 1000 };
	unsigned long held = 99;
	unsigned int n = 0;

	/* A flood at one instant: the burst, then nothing. */
	assert_int_equal(attempts(&l, 5000, 100000, &held), 10);
	assert_int_equal(held, 0);
	/* Half a second later still nothing; after one, one line... */
	assert_int_equal(attempts(&l, 5500, 1000, &held), 0);
	assert_true(log_limit_pass(&l, 6000, &held));
	/* ...that says how many were held back. */
	assert_int_equal(held, 100000 - 10 + 1000);
	assert_int_equal(attempts(&l, 6000, 1000, &held), 0);
	/* A flood of a minute, 100 a second, writes one line a second. */
	for (uint64_t t = 7000; t < 67000; t += 10)
		n += attempts(&l, t, 1, &held);
	assert_int_equal(n, 60);
	assert_int_equal(attempts(&l, 67000, 1, &held), 1);
	assert_int_equal(held, 99);
}

static void refills_to_burst(void **state)
{
	struct log_limit l = { .burst = 3, .interval_ms = 1000 };
	unsigned long held;

	assert_int_equal(attempts(&l, 0, 10, &held), 3);
	/* A quiet hour refills the burst, no more. */
	assert_int_equal(attempts(&l, 3600 * 1000, 10, &held), 3);
	assert_int_equal(attempts(&l, 3600 * 1000 + 2500, 10, &held), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(burst_then_rate),
		cmocka_unit_test(refills_to_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
