// SPDX-License-Identifier: GPL-2.0
/*
 * The log (daemon/log.c): its line prefixes for the journal and for
 * anything else, and the line budget: what a flood of refused requests
 * may write.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* journald reads the priority from "<N>" and wants nothing else. */
static void prefix_journal(void **state)
{
	struct timespec now = { 1796378737, 123456789 };
	char buf[64];

	assert_int_equal(log_prefix(buf, sizeof(buf), LOG_STYLE_JOURNAL,
				    LOG_NOTICE, &now), 3);
	assert_string_equal(buf, "<5>");
	log_prefix(buf, sizeof(buf), LOG_STYLE_JOURNAL, LOG_ERR, &now);
	assert_string_equal(buf, "<3>");
	log_prefix(buf, sizeof(buf), LOG_STYLE_JOURNAL, LOG_DEBUG, &now);
	assert_string_equal(buf, "<7>");
	/* Out of range: an error, never a priority journald rejects. */
	log_prefix(buf, sizeof(buf), LOG_STYLE_JOURNAL, 42, &now);
	assert_string_equal(buf, "<3>");
}

/* Elsewhere: the wall-clock time, local, to the millisecond. */
static void prefix_time(void **state)
{
	struct timespec now = { 1796378737, 123456789 };
	char buf[64], small[8];

	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(log_prefix(buf, sizeof(buf), LOG_STYLE_TIME,
				    LOG_WARNING, &now),
			 strlen("2026-12-04 10:05:37.123 warning: "));
	assert_string_equal(buf, "2026-12-04 10:05:37.123 warning: ");
	log_prefix(buf, sizeof(buf), LOG_STYLE_TIME, LOG_INFO, &now);
	assert_string_equal(buf, "2026-12-04 10:05:37.123 info: ");
	/* Cut short, still a string. */
	assert_true(log_prefix(small, sizeof(small), LOG_STYLE_TIME, LOG_INFO,
			       &now) < sizeof(small));
	assert_true(strlen(small) < sizeof(small));
}

/* JOURNAL_STREAM names the very file stderr is, or it is not ours. */
static void style_detect(void **state)
{
	char env[64];
	struct stat st;
	int fd[2];

	assert_int_equal(pipe(fd), 0);
	assert_int_equal(fstat(fd[1], &st), 0);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	assert_int_equal(log_style_detect(fd[1], env), LOG_STYLE_JOURNAL);
	assert_int_equal(log_style_detect(fd[1], NULL), LOG_STYLE_TIME);
	assert_int_equal(log_style_detect(fd[1], ""), LOG_STYLE_TIME);
	assert_int_equal(log_style_detect(fd[1], "1:2"), LOG_STYLE_TIME);
	strcat(env, "x");
	assert_int_equal(log_style_detect(fd[1], env), LOG_STYLE_TIME);
	close(fd[0]);
	close(fd[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prefix_journal),
		cmocka_unit_test(prefix_time),
		cmocka_unit_test(style_detect),
		cmocka_unit_test(burst_then_rate),
		cmocka_unit_test(refills_to_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
