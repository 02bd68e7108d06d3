// SPDX-License-Identifier: GPL-2.0
/*
 * MIF_ALTERNATES data (ike/mif_alternates.c): the bytes of
 * docs/protocol/mif.md, and each refusal with its notify.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ike/constants.h"
#include "ike/mif.h"
#include "ike/mif_alternates.h"

/* 192.0.2.1, alternates 192.0.2.9 then 203.0.113.5. */
static const uint8_t v4_two[] = {
	1, 2, 0, 0, 192, 0, 2, 1, 192, 0, 2, 9, 203, 0, 113, 5,
};

static void round_trip(void **state)
{
	struct mif_alternates a;
	struct ike_error err = { 0 };
	struct ike_writer w;
	static const uint8_t alt1[4] = { 203, 0, 113, 5 };

	assert_int_equal(mif_alternates_parse(&a, v4_two, sizeof(v4_two),
					      &err), 0);
	assert_int_equal(a.family, MIF_AF_IPV4);
	assert_int_equal(a.n, 2);
	assert_memory_equal(a.alts[1], alt1, 4);
	ike_writer_init(&w);
	assert_int_equal(mif_alternates_build(&w, &a, &err), 0);
	assert_int_equal(w.len, sizeof(v4_two));
	assert_memory_equal(w.p, v4_two, sizeof(v4_two));
	ike_writer_free(&w);
}

static void refused(const uint8_t *data, size_t len, const char *why)
{
	struct mif_alternates a;
	struct ike_error err = { 0 };

	assert_int_equal(mif_alternates_parse(&a, data, len, &err), -1);
	assert_int_equal(err.notify, IKE_N_MIF_UNACCEPTABLE_MOVE);
	assert_non_null(err.reason);
	assert_non_null(strstr(err.reason, why));
	assert_int_equal(a.n, 0);
}

static void refusals(void **state)
{
	uint8_t d[64];

	refused(v4_two, 3, "truncated");
	refused(v4_two, sizeof(v4_two) - 1, "length");
	memcpy(d, v4_two, sizeof(v4_two));
	d[0] = 3;
	refused(d, sizeof(v4_two), "family");
	memcpy(d, v4_two, sizeof(v4_two));
	d[1] = 9;
	memset(d + sizeof(v4_two), 1, 40 - sizeof(v4_two));
	refused(d, 40, "more than 8");
	memcpy(d, v4_two, sizeof(v4_two));
	memcpy(d + 12, d + 8, 4);
	refused(d, sizeof(v4_two), "twice");
	memcpy(d, v4_two, sizeof(v4_two));
	memcpy(d + 8, d + 4, 4);
	refused(d, sizeof(v4_two), "its own");
	memcpy(d, v4_two, sizeof(v4_two));
	d[8] = 127;
	refused(d, sizeof(v4_two), "cannot be one");
}

/* No alternates: back to the default rule; builders check as parsers. */
static void none_and_build(void **state)
{
	struct mif_alternates a = { .family = MIF_AF_IPV4, .n = 0,
				    .addr = { 192, 0, 2, 1 } };
	struct ike_error err = { 0 };
	struct ike_writer w;

	ike_writer_init(&w);
	assert_int_equal(mif_alternates_build(&w, &a, &err), 0);
	assert_int_equal(w.len, 8);
	a.n = 1;
	memcpy(a.alts[0], a.addr, 4);
	assert_int_not_equal(mif_alternates_build(&w, &a, &err), 0);
	ike_writer_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(refusals),
		cmocka_unit_test(none_and_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
