/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keys out of core dumps and swap: mifd holds the pre-shared keys, the
 * private keys and every IKE and Child SA key in its memory.
 */
#ifndef MIF_DAEMON_MEMORY_H
#define MIF_DAEMON_MEMORY_H

#include <stdbool.h>

/*
 * Make mifd not dumpable (no core dump, no ptrace by its user, /proc
 * files of it owned by root) and, with lock, lock its memory now and
 * from now on (mlockall(2)). Either failing is logged once as a
 * warning: mifd goes on without.
 */
void memory_protect(bool lock);

#endif
