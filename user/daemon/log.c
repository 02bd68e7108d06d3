// SPDX-License-Identifier: GPL-2.0
/*
 * mifd's log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "daemon/log.h"

static enum log_style style = LOG_STYLE_TIME;
static bool starting = true;
static int max_level = LOG_INFO;

static const char *const names[] = {
	"emerg", "alert", "crit", "error", "warning", "notice", "info",
	"debug",
};

enum log_style log_style_detect(int fd, const char *journal_stream)
{
	unsigned long long dev, ino;
	struct stat st;
	int end = 0;

	if (!journal_stream ||
	    sscanf(journal_stream, "%llu:%llu%n", &dev, &ino, &end) != 2 ||
	    journal_stream[end] || fstat(fd, &st))
		return LOG_STYLE_TIME;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino ? LOG_STYLE_JOURNAL :
						      LOG_STYLE_TIME;
}

size_t log_prefix(char *buf, size_t len, enum log_style st, int level,
		  const struct timespec *now)
{
	const char *name = level >= 0 && level < 8 ? names[level] : "?";
	struct tm tm;
	size_t n = 0;
	int ret;

	if (!len)
		return 0;
	buf[0] = '\0';
	if (level < 0 || level > 7)
		level = LOG_ERR;
	if (st == LOG_STYLE_JOURNAL) {
		ret = snprintf(buf, len, "<%d>", level);
	} else {
		if (localtime_r(&now->tv_sec, &tm))
			n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
		if (n)
			ret = snprintf(buf + n, len - n, ".%03ld %s: ",
				       now->tv_nsec / 1000000, name);
		else
			ret = snprintf(buf, len, "%s: ", name);
		if (ret >= 0)
			ret += (int)n;
	}
	if (ret < 0)
		return 0;
	return (size_t)ret < len ? (size_t)ret : len - 1;
}

void log_open(bool to_stderr, int level)
{
	style = to_stderr ? log_style_detect(2, getenv("JOURNAL_STREAM")) :
			    LOG_STYLE_SYSLOG;
	max_level = level;
	if (!to_stderr)
		openlog("mifd", LOG_PID, LOG_DAEMON);
}

void log_started(void)
{
	starting = false;
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
	char prefix[64];
	struct timespec ts;
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	if (style != LOG_STYLE_SYSLOG) {
		clock_gettime(CLOCK_REALTIME, &ts);
		log_prefix(prefix, sizeof(prefix), style, level, &ts);
		fputs(prefix, stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	} else {
		va_list copy;

		/* Not started: whoever started it learns why, too. */
		if (starting && level <= LOG_ERR) {
			va_copy(copy, ap);
			fputs("mifd: ", stderr);
			vfprintf(stderr, fmt, copy);
			fputc('\n', stderr);
			fflush(stderr);
			va_end(copy);
		}
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
