/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A responder's address pool (RFC 7296 §3.15, docs/protocol/mif.md
 * "Inner addresses"): the ranges of one connection's "pool =" key, and
 * the addresses leased from them, each to an owner (an IKE SA) and the
 * peer identity it authenticated with.
 *
 * A lease outlives its owner: released, it is remembered with its
 * identity, and the same identity asking again gets it back (several
 * addresses in the order it first got them), unless the pool had to give
 * it to another peer meanwhile. New addresses are handed out in order
 * from the start of each range; when a range is used up, or the pool
 * remembers POOL_MAX_LEASES addresses, the address released longest ago
 * goes to the new peer. The pool does no I/O.
 */
#ifndef MIF_ENGINE_POOL_H
#define MIF_ENGINE_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* Most addresses one pool remembers, leased or released. */
#define POOL_MAX_LEASES		65536

/*
 * One range: size addresses from first on. A prefix leaves out its
 * first address (the network, or IPv6's subnet-router anycast) and, in
 * IPv4, its last (broadcast), unless it is a /31 or /32 (/127, /128); a
 * range counts at most 2^32 addresses.
 */
struct pool_range {
	struct ip_addr first;
	uint64_t size;
};

/*
 * Parse "10.9.0.0/24", "2001:db8:9::/112", "10.9.0.10-10.9.0.50" or one
 * address. Returns 0, or -EINVAL with why (a phrase) set.
 */
int pool_range_parse(const char *text, struct pool_range *r,
		     const char **why);
bool pool_range_equal(const struct pool_range *a, const struct pool_range *b);

struct pool;

/* A pool of n ranges (copied), named for the logs; NULL: no memory. */
struct pool *pool_new(const char *name, const struct pool_range *r,
		      unsigned int n);
void pool_free(struct pool *p);
const char *pool_name(const struct pool *p);
/* Whether p has exactly these ranges. */
bool pool_has_ranges(const struct pool *p, const struct pool_range *r,
		     unsigned int n);
/* Whether p has a range of this family. */
bool pool_has_family(const struct pool *p, int family);

/*
 * Lease one address of family to owner, for the identity id (opaque
 * bytes, compared whole): one this identity had before and that is not
 * leased now, else a new one, else the one released longest ago.
 * Returns 0, -ENOSPC (every address of family leased, none in p, or no
 * memory for another) or -ENOMEM.
 */
int pool_acquire(struct pool *p, int family, const void *owner,
		 const uint8_t *id, size_t id_len, struct ip_addr *out);
/* Release every address of owner, remembering them. */
void pool_release(struct pool *p, const void *owner);
/* Release the address a of owner alone, if it has it. */
void pool_release_addr(struct pool *p, const void *owner,
		       const struct ip_addr *a);
/* The leases of from go to to (an IKE SA rekeyed). */
void pool_move(struct pool *p, const void *from, const void *to);

struct pool_stats {
	uint64_t size;		/* addresses in all ranges */
	unsigned int leased;	/* remembered: online or released */
	unsigned int online;	/* leased to an owner now */
};

void pool_stats(const struct pool *p, struct pool_stats *st);

#endif
