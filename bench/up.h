/* SPDX-License-Identifier: GPL-2.0 */
/* What ike_up, fig_up and move_up share (up.c). */
#ifndef MIF_BENCH_UP_H
#define MIF_BENCH_UP_H

#include <stddef.h>
#include <stdint.h>

/* The program's name, for messages; each main file defines it. */
extern const char *prog;

/* Print "PROG: " and fmt with arg, and exit 2. */
void die(const char *fmt, const char *arg) __attribute__((noreturn));
/* CLOCK_MONOTONIC in seconds. */
double now(void);
/*
 * Ask the daemon on control socket fd to bring name up, without waiting
 * for it: mifd's {"cmd":"up","conn":NAME}; charon's vici "initiate" of
 * name "IKE/CHILD" with timeout -1. 0, or -1 with the daemon's reason in
 * err.
 */
int mifd_up(int fd, const char *name, char *err, size_t errlen);
int vici_up(int fd, const char *name, char *err, size_t errlen);
/*
 * mifd's {"cmd":"iface","op":OP,"args":[ARG...]}, as `mifctl ike iface OP
 * ARG...` sends it (arguments are addresses and words: no quoting). 0
 * when the answer names no error (the operation started on every IKE SA
 * it concerns), else -1 with the answer in err.
 */
int mifd_iface(int fd, const char *op, char *const *args, size_t n_args,
	       char *err, size_t errlen);
/*
 * Delete every Child SA of the child name without waiting: charon's vici
 * "terminate" with child = NAME and timeout -1. As vici_up.
 */
int vici_down(int fd, const char *name, char *err, size_t errlen);
/*
 * On XFRM netlink socket fd: XFRM_MSG_GETSADINFO (the SA count) or
 * XFRM_MSG_GETSPDINFO (the outbound policy count).
 */
uint32_t xfrm_count(int fd, int type);

#endif
