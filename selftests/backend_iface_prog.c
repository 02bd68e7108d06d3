// SPDX-License-Identifier: GPL-2.0
/*
 * Drive the backend's interface-wide operations (user/backend/xfrm.c:
 * through xfrm_mif when it is loaded, per SA otherwise) from the command
 * line, for selftests/backend_iface.sh:
 *
 *   backend_iface_prog move OLD NEW [reqid=R[/MASK]] [mark=M[/MASK]] [if_id=N]
 *   backend_iface_prog delete ADDR [reqid=R[/MASK]] [mark=M[/MASK]] [if_id=N]
 *   backend_iface_prog clone FROM NEW SPI:NEW_SPI:KEY... [SCOPE...]
 *   backend_iface_prog alts ADDR [ALT...]       (none: remove them)
 *   backend_iface_prog watch N                  N module events, 10 s at most
 *
 * each of them after "-n NETNS" to run in the network namespace ip netns
 * names NETNS, as ip -n does: the script starts one program, not two.
 * Prints "module|xfrm states S policies P skipped K" ("module|xfrm ok" for
 * alts, one line per event for watch), or exits 1 after
 * "error: -ERRNO: MESSAGE". reqid without a mask is one reqid; KEY is hex,
 * the copy's AEAD key.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "backend/xfrm.h"
#include "netns.h"

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

static int hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s), i;

	if (!strncmp(s, "0x", 2)) {
		s += 2;
		n -= 2;
	}
	if (n % 2 || n / 2 > max)
		return -EINVAL;
	for (i = 0; i < n / 2; i++)
		if (sscanf(s + 2 * i, "%2hhx", &out[i]) != 1)
			return -EINVAL;
	*len = n / 2;
	return 0;
}

/* SPI:NEW_SPI:KEY */
static int clone_arg(const char *arg, struct kernel_clone_sa *e)
{
	char spi[16], new_spi[16], key[160];

	if (sscanf(arg, "%15[^:]:%15[^:]:%159s", spi, new_spi, key) != 3 ||
	    num32(spi, &e->spi) || num32(new_spi, &e->new_spi))
		return -EINVAL;
	return hex(key, e->encr_key, sizeof(e->encr_key), &e->encr_key_len);
}

static const char *const ev_name[] = {
	[KERNEL_EV_MOVED] = "moved",
	[KERNEL_EV_FAILOVER_FAILED] = "failover-failed",
	[KERNEL_EV_DELETED] = "deleted",
	[KERNEL_EV_CLONED] = "cloned",
	[KERNEL_EV_ACQUIRE] = "acquire",
};

static void print_event(const struct kernel_event *ev, void *arg)
{
	char a[64] = "-", n[64] = "-";

	(*(int *)arg)++;
	if (ev->addr.family)
		ip_addr_str(&ev->addr, a, sizeof(a));
	if (ev->new_addr.family)
		ip_addr_str(&ev->new_addr, n, sizeof(n));
	printf("%s%s %s %s states %u policies %u\n", ev_name[ev->type],
	       ev->failover ? " failover" : "", a, n, ev->states, ev->policies);
	fflush(stdout);
}

static int watch(struct backend *b, int want)
{
	struct pollfd pfd = { .fd = b->ops->event_fd(b), .events = POLLIN };
	int seen = 0, err;

	if (pfd.fd < 0)
		return -ENOENT;
	/* Ready: the script starts the operation after this line. */
	printf("watching\n");
	fflush(stdout);
	while (seen < want) {
		if (poll(&pfd, 1, 10000) <= 0)
			return -ETIMEDOUT;
		err = b->ops->read_events(b, print_event, &seen);
		if (err)
			return err;
	}
	return 0;
}

static struct kernel_clone_sa entries[64];

/* clone FROM NEW ENTRY... SCOPE... */
static int do_clone(struct backend *b, int argc, char **argv,
		    struct kernel_scope *s, struct kernel_iface_result *r)
{
	struct kernel_clone c = { .n_from = 1, .sas = entries };
	int i;

	if (argc < 4 || ip_addr_parse(argv[2], &c.from[0]) ||
	    ip_addr_parse(argv[3], &c.new_addr))
		return -EINVAL;
	for (i = 4; i < argc && c.n_sas < 64; i++) {
		if (strchr(argv[i], '=')) {
			if (scope_arg(argv[i], s))
				return -EINVAL;
		} else if (clone_arg(argv[i], &entries[c.n_sas++])) {
			return -EINVAL;
		}
	}
	return b->ops->clone_addr(b, &c, s, r);
}

static int do_alts(struct backend *b, int argc, char **argv)
{
	struct ip_addr addr, alts[8];
	unsigned int n = 0;
	int i;

	if (argc < 3 || ip_addr_parse(argv[2], &addr))
		return -EINVAL;
	for (i = 3; i < argc && n < 8; i++)
		if (ip_addr_parse(argv[i], &alts[n++]))
			return -EINVAL;
	return b->ops->set_alts(b, &addr, alts, n, NULL);
}

/* The commands that are not move or delete; 1: not one of them. */
static int other(int argc, char **argv)
{
	struct kernel_iface_result r = { 0 };
	struct kernel_scope s = { 0 };
	struct backend b;
	int err;

	if (argc < 2 || (strcmp(argv[1], "clone") && strcmp(argv[1], "alts") &&
			 strcmp(argv[1], "watch")))
		return -1;
	err = xfrm_backend_open(&b);
	if (err) {
		fprintf(stderr, "error: %d: cannot open the backend\n", err);
		return 1;
	}
	if (!strcmp(argv[1], "clone"))
		err = do_clone(&b, argc, argv, &s, &r);
	else if (!strcmp(argv[1], "alts"))
		err = do_alts(&b, argc, argv);
	else
		err = argc > 2 ? watch(&b, atoi(argv[2])) : -EINVAL;
	if (err)
		fprintf(stderr, "error: %d: %s\n", err, xfrm_backend_error(&b));
	else if (!strcmp(argv[1], "clone"))
		printf("%s states %u policies %u skipped %u\n",
		       xfrm_backend_uses_module(&b) ? "module" : "xfrm",
		       r.states, r.policies, r.skipped);
	else if (!strcmp(argv[1], "alts"))
		printf("%s ok\n", xfrm_backend_uses_module(&b) ? "module" : "xfrm");
	gnutls_memset(entries, 0, sizeof(entries));
	b.ops->destroy(&b);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct kernel_iface_result r = { 0 };
	struct kernel_scope s = { 0 };
	struct kernel_move m = { 0 };
	struct backend b;
	bool move;
	int i, first, err;

	if (argc > 2 && !strcmp(argv[1], "-n")) {
		err = netns_enter(argv[2]);
		if (err) {
			fprintf(stderr, "error: %d: network namespace %s\n",
				err, argv[2]);
			return 1;
		}
		argv[2] = argv[0];
		argc -= 2;
		argv += 2;
	}
	i = other(argc, argv);
	if (i >= 0)
		return i;
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
