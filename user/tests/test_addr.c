// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for addr.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

static void parse_v4(void **state)
{
	struct ip_addr a;
	char buf[IP_ADDR_STRLEN];

	assert_int_equal(ip_addr_parse("192.0.2.1", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(ip_addr_len(&a), 4);
	assert_memory_equal(a.bytes, "\xc0\x00\x02\x01", 4);
	assert_string_equal(ip_addr_str(&a, buf, sizeof(buf)), "192.0.2.1");
}

static void parse_v6(void **state)
{
	struct ip_addr a;
	char buf[IP_ADDR_STRLEN];

	assert_int_equal(ip_addr_parse("2001:db8::1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(ip_addr_len(&a), 16);
	assert_string_equal(ip_addr_str(&a, buf, sizeof(buf)), "2001:db8::1");
}

static void parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "192.0.2", "192.0.2.256", "2001:db8:::1", "host.example",
		" 192.0.2.1", "192.0.2.1/24",
	};
	struct ip_addr a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ip_addr_parse(bad[i], &a), -EINVAL);
	assert_int_equal(ip_addr_parse(NULL, &a), -EINVAL);
}

static void equal_and_bytes(void **state)
{
	struct ip_addr a, b, c;

	assert_int_equal(ip_addr_parse("10.0.0.1", &a), 0);
	assert_int_equal(ip_addr_from_bytes(&b, "\x0a\x00\x00\x01", 4), 0);
	assert_true(ip_addr_equal(&a, &b));
	assert_int_equal(ip_addr_parse("::ffff:10.0.0.1", &c), 0);
	assert_false(ip_addr_equal(&a, &c));
	assert_int_equal(ip_addr_from_bytes(&c, "abc", 3), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_v4),
		cmocka_unit_test(parse_v6),
		cmocka_unit_test(parse_rejects),
		cmocka_unit_test(equal_and_bytes),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
