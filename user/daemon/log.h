/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mifd's log: levels as syslog(3) numbers them, to stderr (foreground)
 * or to syslog.
 */
#ifndef MIF_DAEMON_LOG_H
#define MIF_DAEMON_LOG_H

#include <stdbool.h>
#include <syslog.h>

void log_open(bool to_stderr, int level);
void log_set_level(int level);
int log_get_level(void);
void mlog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
