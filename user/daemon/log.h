/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mifd's log: levels as syslog(3) numbers them, to stderr (foreground)
 * or to syslog.
 */
#ifndef MIF_DAEMON_LOG_H
#define MIF_DAEMON_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

void log_open(bool to_stderr, int level);
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
