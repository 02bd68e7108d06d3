// SPDX-License-Identifier: GPL-2.0
/*
 * The inbound SPIs mifd gives out (backend/spi.c): reservations by SPI,
 * released one by one or by age, the table's growth, and the random
 * choice's range.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "backend/spi.h"

static void reserve_release(void **state)
{
	struct spi_set s;

	(void)state;
	spi_set_init(&s);
	assert_false(spi_set_has(&s, 0x1234));
	assert_false(spi_set_del(&s, 0x1234));
	assert_int_equal(spi_set_add(&s, 0x1234, 10), 0);
	assert_true(spi_set_has(&s, 0x1234));
	assert_int_equal(spi_set_add(&s, 0x1234, 11), -EEXIST);
	/* Same bucket (the low bits of spi ^ spi >> 16 agree). */
	assert_int_equal(spi_set_add(&s, 0x00011235, 11), 0);
	assert_true(spi_set_has(&s, 0x00011235));
	assert_true(spi_set_del(&s, 0x1234));
	assert_false(spi_set_has(&s, 0x1234));
	assert_true(spi_set_has(&s, 0x00011235));
	assert_false(spi_set_del(&s, 0x1234));
	spi_set_free(&s);
	assert_false(spi_set_has(&s, 0x00011235));
}

static void stale_go(void **state)
{
	struct spi_set s;

	(void)state;
	spi_set_init(&s);
	assert_int_equal(spi_set_add(&s, 1000, 100), 0);
	assert_int_equal(spi_set_add(&s, 1001, 200), 0);
	assert_int_equal(spi_set_add(&s, 1002, 300), 0);
	assert_true(spi_set_del(&s, 1001));	/* from the middle */
	/* At 100 + SPI_HOLD_S, 1000 is not older than the hold: kept. */
	assert_int_equal(spi_set_add(&s, 1003, 100 + SPI_HOLD_S), 0);
	assert_true(spi_set_has(&s, 1000));
	/* A second later it is, and goes; 1002 stays. */
	assert_int_equal(spi_set_add(&s, 1004, 101 + SPI_HOLD_S), 0);
	assert_false(spi_set_has(&s, 1000));
	assert_true(spi_set_has(&s, 1002));
	/* Everything older goes at once; the list stays whole. */
	assert_int_equal(spi_set_add(&s, 1005, 2000 + SPI_HOLD_S), 0);
	assert_false(spi_set_has(&s, 1002));
	assert_false(spi_set_has(&s, 1003));
	assert_false(spi_set_has(&s, 1004));
	assert_int_equal(s.n, 1);
	assert_ptr_equal(s.oldest, s.newest);
	assert_true(spi_set_del(&s, 1005));
	assert_null(s.oldest);
	assert_null(s.newest);
	spi_set_free(&s);
}

static void many(void **state)
{
	struct spi_set s;
	const uint32_t n = 20000;

	(void)state;
	spi_set_init(&s);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(spi_set_add(&s, 0x100 + i * 7919, 1), 0);
	assert_int_equal(s.n, n);
	assert_true(s.mask + 1 >= n);
	for (uint32_t i = 0; i < n; i += 2)
		assert_true(spi_set_del(&s, 0x100 + i * 7919));
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(spi_set_has(&s, 0x100 + i * 7919), i % 2);
	spi_set_free(&s);	/* what is left: ASan counts any leak */
}

static void random_range(void **state)
{
	bool seen[4] = { false };

	(void)state;
	for (int i = 0; i < 200; i++) {
		uint32_t v = spi_random(0x100, 0x103);

		assert_in_range(v, 0x100, 0x103);
		seen[v - 0x100] = true;
	}
	for (int i = 0; i < 4; i++)
		assert_true(seen[i]);
	assert_int_equal(spi_random(7, 7), 7);
	assert_int_equal(spi_random(8, 7), 0);
	for (int i = 0; i < 100; i++)
		assert_true(spi_random(0x100, 0xffffffffu) >= 0x100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reserve_release),
		cmocka_unit_test(stale_go),
		cmocka_unit_test(many),
		cmocka_unit_test(random_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
