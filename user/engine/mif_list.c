// SPDX-License-Identifier: GPL-2.0
/*
 * The MIF_INTERFACES lists an IKE SA keeps, ours as sent and the peer's
 * (engine/mif.h): each malloc'ed with room for its own interfaces only,
 * where a struct mif_interfaces has room for MIF_MAX_IFACES (5 KiB).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mif.h"

struct mif_interfaces *mif_list_dup(const struct mif_interfaces *from)
{
	size_t len = mif_list_size(from->n);
	struct mif_interfaces *l = malloc(len);

	if (l)
		memcpy(l, from, len);
	return l;
}

int mif_list_set(struct mif_interfaces **l, const struct mif_interfaces *from)
{
	struct mif_interfaces *n = mif_list_dup(from);

	if (!n)
		return -ENOMEM;
	free(*l);
	*l = n;
	return 0;
}

void mif_list_get(struct mif_interfaces *to, const struct mif_interfaces *l)
{
	memset(to, 0, sizeof(*to));
	memcpy(to, l, mif_list_size(l->n));
}

bool mif_list_equal(const struct mif_interfaces *a,
		    const struct mif_interfaces *b)
{
	return a->n == b->n && !memcmp(a, b, mif_list_size(a->n));
}

int mif_list_grow(struct mif_interfaces **l)
{
	struct mif_interfaces *n;

	if ((*l)->n >= MIF_MAX_IFACES)
		return -ENOSPC;
	n = realloc(*l, mif_list_size((*l)->n + 1));
	if (!n)
		return -ENOMEM;
	*l = n;
	return 0;
}
