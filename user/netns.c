// SPDX-License-Identifier: GPL-2.0
/*
 * Entering a network namespace by its ip netns name.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"

int netns_enter(const char *name)
{
	char path[PATH_MAX];
	int fd, n, err = 0;

	if (strchr(name, '/'))
		n = snprintf(path, sizeof(path), "%s", name);
	else
		n = snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (n < 0 || n >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET))
		err = -errno;
	close(fd);
	return err;
}
