// SPDX-License-Identifier: GPL-2.0
/*
 * Address pools: ranges, and leases that remember their identity.
 *
 * Every address a range has handed out (offsets 0 to next - 1) stays in
 * the lease table, leased or released, so that the table is all the
 * pool knows and is never searched for a free address: a new one is the
 * next offset, an old one the released lease of least seq.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pool.h"

struct lease {
	struct ip_addr addr;
	const void *owner;	/* NULL: released */
	uint8_t *id;		/* the identity it was last leased to */
	size_t id_len;
	uint64_t seq;		/* when released, in release order */
};

struct prange {
	struct pool_range r;
	uint64_t next;		/* offsets below are in the lease table */
};

struct pool {
	char *name;
	unsigned int n_ranges;
	struct prange *ranges;
	struct lease *leases;
	unsigned int n_leases, room;
	unsigned int online;
	uint64_t seq;
};

#define RANGE_MAX	(UINT64_C(1) << 32)

/* a + off, in the address bytes (big-endian); off fits the family. */
static void addr_add(struct ip_addr *a, uint64_t off)
{
	size_t len = ip_addr_len(a);

	for (size_t i = len; i-- > 0 && off;) {
		off += a->bytes[i];
		a->bytes[i] = (uint8_t)off;
		off >>= 8;
	}
}

/* b - a + 1 for a <= b, capped at RANGE_MAX; 0 if a > b. */
static uint64_t addr_span(const struct ip_addr *a, const struct ip_addr *b)
{
	size_t len = ip_addr_len(a);
	int c = memcmp(a->bytes, b->bytes, len);
	uint64_t d = 0;
	int borrow = 0;

	if (c > 0)
		return 0;
	/* The top bytes beyond 32 bits of difference cap the span. */
	for (size_t i = len; i-- > 0;) {
		int x = b->bytes[i] - a->bytes[i] - borrow;

		borrow = x < 0;
		if (x < 0)
			x += 256;
		if (len - 1 - i < 8)
			d |= (uint64_t)x << (8 * (len - 1 - i));
		else if (x)
			return RANGE_MAX;
	}
	return d >= RANGE_MAX ? RANGE_MAX : d + 1;
}

static int prefix(struct ip_addr *a, unsigned long bits, struct pool_range *r)
{
	unsigned int host = (unsigned int)(8 * ip_addr_len(a) - bits);

	for (unsigned int i = 0; i < host; i++)
		a->bytes[ip_addr_len(a) - 1 - i / 8] &= (uint8_t)~(1u << (i % 8));
	r->first = *a;
	r->size = host >= 32 ? RANGE_MAX : UINT64_C(1) << host;
	if (host > 1) {
		/* Not the network (anycast) address, nor v4 broadcast. */
		addr_add(&r->first, 1);
		r->size -= a->family == AF_INET ? 2 : 1;
	}
	return 0;
}

int pool_range_parse(const char *text, struct pool_range *r,
		     const char **why)
{
	char buf[2 * IP_ADDR_STRLEN + 8], *sep, *end, kind = 0;
	struct ip_addr a, b;
	unsigned long bits;

	memset(r, 0, sizeof(*r));
	*why = "is not a prefix (10.9.0.0/24), a range (10.9.0.10-10.9.0.50) "
	       "or an address";
	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	sep = strpbrk(buf, "/-");
	if (sep) {
		kind = *sep;
		*sep = '\0';
	}
	if (ip_addr_parse(buf, &a))
		return -EINVAL;
	if (!sep) {
		r->first = a;
		r->size = 1;
		return 0;
	}
	if (kind == '-') {
		if (ip_addr_parse(sep + 1, &b))
			return -EINVAL;
		if (a.family != b.family) {
			*why = "mixes IPv4 and IPv6";
			return -EINVAL;
		}
		r->first = a;
		r->size = addr_span(&a, &b);
		if (!r->size) {
			*why = "ends before it starts";
			return -EINVAL;
		}
		return 0;
	}
	errno = 0;
	bits = strtoul(sep + 1, &end, 10);
	if (errno || end == sep + 1 || *end || sep[1] == '-' ||
	    bits > 8 * ip_addr_len(&a)) {
		*why = "has a bad prefix length";
		return -EINVAL;
	}
	return prefix(&a, bits, r);
}

bool pool_range_equal(const struct pool_range *a, const struct pool_range *b)
{
	return a->size == b->size && ip_addr_equal(&a->first, &b->first);
}

struct pool *pool_new(const char *name, const struct pool_range *r,
		      unsigned int n)
{
	struct pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->name = strdup(name);
	p->ranges = calloc(n ? n : 1, sizeof(*p->ranges));
	if (!p->name || !p->ranges) {
		pool_free(p);
		return NULL;
	}
	for (unsigned int i = 0; i < n; i++)
		p->ranges[i].r = r[i];
	p->n_ranges = n;
	return p;
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	for (unsigned int i = 0; i < p->n_leases; i++)
		free(p->leases[i].id);
	free(p->leases);
	free(p->ranges);
	free(p->name);
	free(p);
}

const char *pool_name(const struct pool *p)
{
	return p->name;
}

bool pool_has_ranges(const struct pool *p, const struct pool_range *r,
		     unsigned int n)
{
	if (p->n_ranges != n)
		return false;
	for (unsigned int i = 0; i < n; i++)
		if (!pool_range_equal(&p->ranges[i].r, &r[i]))
			return false;
	return true;
}

bool pool_has_family(const struct pool *p, int family)
{
	for (unsigned int i = 0; i < p->n_ranges; i++)
		if (p->ranges[i].r.first.family == family)
			return true;
	return false;
}

static bool same_id(const struct lease *l, const uint8_t *id, size_t len)
{
	return l->id_len == len && !memcmp(l->id, id, len);
}

/* Give lease l to owner and id. */
static int take(struct pool *p, struct lease *l, const void *owner,
		const uint8_t *id, size_t id_len)
{
	if (!same_id(l, id, id_len)) {
		uint8_t *copy = malloc(id_len ? id_len : 1);

		if (!copy)
			return -ENOMEM;
		memcpy(copy, id, id_len);
		free(l->id);
		l->id = copy;
		l->id_len = id_len;
	}
	l->owner = owner;
	p->online++;
	return 0;
}

/* A lease for the next new address of family, or NULL. */
static struct lease *fresh(struct pool *p, int family)
{
	struct prange *pr;
	struct lease *l;

	if (p->n_leases == POOL_MAX_LEASES)
		return NULL;
	for (unsigned int i = 0; i < p->n_ranges; i++) {
		pr = &p->ranges[i];
		if (pr->r.first.family != family || pr->next == pr->r.size)
			continue;
		if (p->n_leases == p->room) {
			unsigned int room = p->room ? 2 * p->room : 16;

			l = realloc(p->leases, room * sizeof(*l));
			if (!l)
				return NULL;
			p->leases = l;
			p->room = room;
		}
		l = &p->leases[p->n_leases++];
		memset(l, 0, sizeof(*l));
		l->addr = pr->r.first;
		addr_add(&l->addr, pr->next++);
		return l;
	}
	return NULL;
}

int pool_acquire(struct pool *p, int family, const void *owner,
		 const uint8_t *id, size_t id_len, struct ip_addr *out)
{
	struct lease *l, *mine = NULL, *oldest = NULL;
	int ret;

	for (unsigned int i = 0; i < p->n_leases && !mine; i++) {
		l = &p->leases[i];
		if (l->owner || l->addr.family != family)
			continue;
		if (same_id(l, id, id_len))
			mine = l;
		else if (!oldest || l->seq < oldest->seq)
			oldest = l;
	}
	l = mine ? mine : fresh(p, family);
	if (!l)
		l = oldest;
	if (!l)
		return -ENOSPC;
	ret = take(p, l, owner, id, id_len);
	if (!ret)
		*out = l->addr;
	return ret;
}

void pool_release(struct pool *p, const void *owner)
{
	for (unsigned int i = 0; i < p->n_leases; i++)
		if (p->leases[i].owner == owner) {
			p->leases[i].owner = NULL;
			p->leases[i].seq = ++p->seq;
			p->online--;
		}
}

void pool_release_addr(struct pool *p, const void *owner,
		       const struct ip_addr *a)
{
	for (unsigned int i = 0; i < p->n_leases; i++)
		if (p->leases[i].owner == owner &&
		    ip_addr_equal(&p->leases[i].addr, a)) {
			p->leases[i].owner = NULL;
			p->leases[i].seq = ++p->seq;
			p->online--;
		}
}

void pool_move(struct pool *p, const void *from, const void *to)
{
	for (unsigned int i = 0; i < p->n_leases; i++)
		if (p->leases[i].owner == from)
			p->leases[i].owner = to;
}

void pool_stats(const struct pool *p, struct pool_stats *st)
{
	st->size = 0;
	for (unsigned int i = 0; i < p->n_ranges; i++)
		st->size += p->ranges[i].r.size;
	st->leased = p->n_leases;
	st->online = p->online;
}
