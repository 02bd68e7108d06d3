// SPDX-License-Identifier: GPL-2.0
/*
 * NAT detection hashes (ike/natd.h) against known answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike/natd.h"

/* Hex digits into bytes. */
static void unhex(const char *s, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned int b;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
}

/*
 * The answers were computed apart from this code: SHA-1 (Python's
 * hashlib) over SPIi | SPIr | address | port, all in network order.
 */
static void test_hash_known(void **state)
{
	uint8_t h[IKE_NAT_DETECTION_LEN], want[IKE_NAT_DETECTION_LEN];
	struct ip_addr a;

	(void)state;
	/* An IKE_SA_INIT request: SPIr zero. */
	assert_int_equal(ip_addr_parse("192.0.2.1", &a), 0);
	assert_int_equal(ike_natd_hash(0x0123456789abcdefull, 0, &a, 500, h),
			 0);
	unhex("9426429034924268452f8e3ff79fb69e2a8d71eb", want, sizeof(want));
	assert_memory_equal(h, want, sizeof(h));
	assert_true(ike_natd_match(want, sizeof(want), 0x0123456789abcdefull,
				   0, &a, 500));
	assert_false(ike_natd_match(want, sizeof(want), 0x0123456789abcdefull,
				    0, &a, 4500));
	assert_false(ike_natd_match(want, sizeof(want) - 1,
				    0x0123456789abcdefull, 0, &a, 500));

	/* A response, IPv6. */
	assert_int_equal(ip_addr_parse("2001:db8::1", &a), 0);
	assert_int_equal(ike_natd_hash(0x0123456789abcdefull,
				       0xfedcba9876543210ull, &a, 4500, h), 0);
	unhex("9de8bfefaab479f0d5a5609a6de20595c6307502", want, sizeof(want));
	assert_memory_equal(h, want, sizeof(h));

	memset(&a, 0, sizeof(a));
	assert_int_equal(ike_natd_hash(1, 2, &a, 500, h), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
