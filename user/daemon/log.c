// SPDX-License-Identifier: GPL-2.0
/*
 * mifd's log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "daemon/log.h"

static bool use_stderr = true;
static int max_level = LOG_INFO;

static const char *const prefix[] = {
	"emerg", "alert", "crit", "error", "warning", "notice", "info",
	"debug",
};

void log_open(bool to_stderr, int level)
{
	use_stderr = to_stderr;
	max_level = level;
	if (!to_stderr)
		openlog("mifd", LOG_PID, LOG_DAEMON);
}

void log_set_level(int level)
{
	max_level = level;
}

int log_get_level(void)
{
	return max_level;
}

void mlog(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	if (use_stderr) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		fprintf(stderr, "[%5lld.%03ld] %s: ", (long long)ts.tv_sec,
			ts.tv_nsec / 1000000, level >= 0 && level < 8 ?
			prefix[level] : "?");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	} else {
		vsyslog(level, fmt, ap);
	}
	va_end(ap);
}

bool log_limit_pass(struct log_limit *l, uint64_t now, unsigned long *held)
{
	uint64_t add;

	if (!l->started) {
		l->started = true;
		l->tokens = l->burst;
		l->refilled = now;
	}
	if (l->interval_ms && now > l->refilled) {
		add = (now - l->refilled) / l->interval_ms;
		if (add >= l->burst - l->tokens) {
			l->tokens = l->burst;
			l->refilled = now;
		} else {
			l->tokens += (unsigned int)add;
			l->refilled += add * l->interval_ms;
		}
	}
	if (!l->tokens) {
		l->held++;
		return false;
	}
	l->tokens--;
	*held = l->held;
	l->held = 0;
	return true;
}
