// SPDX-License-Identifier: GPL-2.0
/*
 * Drive the backend's interface-wide operations (user/backend/xfrm.c:
 * through xfrm_mif when it is loaded, per SA otherwise) from the command
 * line, for selftests/backend_iface.sh:
 *
 *   backend_iface_prog move OLD NEW [reqid=R[/MASK]] [mark=M[/MASK]] [if_id=N]
 *   backend_iface_prog delete ADDR [reqid=R[/MASK]] [mark=M[/MASK]] [if_id=N]
 *
 * Prints "module|xfrm states S policies P skipped K", or exits 1 after
 * "error: -ERRNO: MESSAGE". reqid without a mask is one reqid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/xfrm.h"

static int num32(const char *s, uint32_t *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || !*s || (*end && *end != '/') || x > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

/* VALUE or VALUE/MASK; *mask all ones without one. */
static int masked(const char *s, uint32_t *v, uint32_t *mask)
{
	const char *slash = strchr(s, '/');

	*mask = UINT32_MAX;
	return num32(s, v) || (slash && num32(slash + 1, mask)) ? -EINVAL : 0;
}

static int scope_arg(const char *arg, struct kernel_scope *s)
{
	if (!strncmp(arg, "reqid=", 6))
		return masked(arg + 6, &s->reqid, &s->reqid_mask);
	if (!strncmp(arg, "mark=", 5))
		return masked(arg + 5, &s->mark, &s->mark_mask);
	if (!strncmp(arg, "if_id=", 6))
		return num32(arg + 6, &s->if_id);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct kernel_iface_result r = { 0 };
	struct kernel_scope s = { 0 };
	struct kernel_move m = { 0 };
	struct backend b;
	bool move;
	int i, first, err;

	move = argc > 1 && !strcmp(argv[1], "move");
	first = move ? 4 : 3;
	if (argc < first || (!move && strcmp(argv[1], "delete")) ||
	    ip_addr_parse(argv[2], &m.old) ||
	    (move && ip_addr_parse(argv[3], &m.new))) {
		fprintf(stderr, "usage: %s move OLD NEW | delete ADDR [SCOPE...]\n",
			argv[0]);
		return 2;
	}
	for (i = first; i < argc; i++)
		if (scope_arg(argv[i], &s)) {
			fprintf(stderr, "usage: bad scope \"%s\"\n", argv[i]);
			return 2;
		}
	err = xfrm_backend_open(&b);
	if (err) {
		fprintf(stderr, "error: %d: cannot open the backend\n", err);
		return 1;
	}
	err = move ? b.ops->move_addr(&b, &m, &s, &r) :
		     b.ops->delete_addr(&b, &m.old, &s, &r);
	if (err)
		fprintf(stderr, "error: %d: %s\n", err, xfrm_backend_error(&b));
	else
		printf("%s states %u policies %u skipped %u\n",
		       xfrm_backend_uses_module(&b) ? "module" : "xfrm",
		       r.states, r.policies, r.skipped);
	b.ops->destroy(&b);
	return err ? 1 : 0;
}
