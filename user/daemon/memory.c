// SPDX-License-Identifier: GPL-2.0
/*
 * Keys out of core dumps and swap (memory.h).
 *
 * PR_SET_DUMPABLE 0 turns core dumps off whatever the core limit, and
 * keeps a process of mifd's user (other than root) from reading its
 * memory. mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) keeps every
 * page that holds data, the ones that hold keys included, out of swap:
 * each is locked as it is first touched. Without MCL_ONFAULT every page
 * mapped would be made resident at once, touched or not (a heap's spare
 * room, a thread's whole stack). A kernel older than 4.4 refuses it
 * (EINVAL); mifd then locks without it. mlockall fails with EPERM
 * without CAP_IPC_LOCK, or ENOMEM when RLIMIT_MEMLOCK is lower than
 * mifd's memory. mifd runs on without: the keys are wiped after use
 * either way, so only a window is lost.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "daemon/log.h"
#include "daemon/memory.h"

void memory_protect(bool lock)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		mlog(LOG_WARNING, "not made undumpable: prctl: %s; core "
		     "dumps may hold keys", strerror(errno));
	if (!lock)
		return;
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) &&
	    (errno != EINVAL || mlockall(MCL_CURRENT | MCL_FUTURE)))
		mlog(LOG_WARNING, "memory not locked: mlockall: %s%s; keys "
		     "may reach swap (lock_memory = no turns this off)",
		     strerror(errno), errno == ENOMEM ?
		     " (RLIMIT_MEMLOCK too low?)" : errno == EPERM ?
		     " (no CAP_IPC_LOCK)" : "");
}
