/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mifd's log: levels as syslog(3) numbers them, to syslog, or with -d to
 * stderr in one of two styles (log_style_detect()): for the journal, each
 * line led by its priority as "<N>" (sd-daemon(3)), which journald takes
 * as the line's priority and strips; for anything else (a terminal, a
 * file), each line led by the wall-clock time and the level's name.
 *
 * Until log_started(), errors also go to stderr when logging to syslog:
 * whoever starts mifd sees why it did not start.
 */
#ifndef MIF_DAEMON_LOG_H
#define MIF_DAEMON_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>
#include <time.h>

enum log_style {
	LOG_STYLE_SYSLOG,
	LOG_STYLE_TIME,		/* "2026-12-04 10:05:37.123 notice: " */
	LOG_STYLE_JOURNAL,	/* "<5>" */
};

/*
 * The style for stderr: JOURNAL when journal_stream (the environment's
 * JOURNAL_STREAM, "DEVICE:INODE", set by systemd for a service whose
 * output goes to the journal) names the file fd is, else TIME.
 */
enum log_style log_style_detect(int fd, const char *journal_stream);

/*
 * A line's prefix in that style, for level at wall-clock time now (TIME
 * only), NUL-terminated in buf. Returns its length.
 */
size_t log_prefix(char *buf, size_t len, enum log_style style, int level,
		  const struct timespec *now);

/* to_stderr: -d, in log_style_detect(2, $JOURNAL_STREAM)'s style. */
void log_open(bool to_stderr, int level);
/* Started: errors no longer go to stderr as well (syslog only). */
void log_started(void);
void log_set_level(int level);
int log_get_level(void);
void mlog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A budget for lines that a peer can cause at will, so that a flood
 * cannot fill the log: burst lines at once, then one per interval_ms.
 * The lines held back are counted, and the count handed to the next line
 * let through. Start it zeroed but for burst and interval_ms.
 */
struct log_limit {
	unsigned int burst;
	uint64_t interval_ms;
	unsigned int tokens;
	uint64_t refilled;	/* ms: when tokens were last counted */
	bool started;
	unsigned long held;	/* lines held back since the last one */
};

/*
 * Whether a line may go out at now (ms, monotonic); if so, *held says
 * how many were held back before it.
 */
bool log_limit_pass(struct log_limit *l, uint64_t now, unsigned long *held);

#endif
