// SPDX-License-Identifier: GPL-2.0
/*
 * Open hashing for the SA lookups of every received message: by our
 * SPI, and by the peer's (address, port, SPI) for retransmitted
 * IKE_SA_INIT requests (RFC 7296 §2.1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "engine/sa_table.h"

void sa_table_init(struct sa_table *t)
{
	memset(t, 0, sizeof(*t));
}

void sa_table_free(struct sa_table *t)
{
	free(t->b);
	sa_table_init(t);
}

size_t sa_table_buckets(const struct sa_table *t)
{
	return t->b ? t->mask + 1 : 0;
}

/* Move every node into a new array of size buckets. */
static int rehash(struct sa_table *t, size_t size)
{
	struct sa_node **b = calloc(size, sizeof(*b)), *n, *next;

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; t->b && i <= t->mask; i++)
		for (n = t->b[i]; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (size - 1)];
			b[n->hash & (size - 1)] = n;
		}
	free(t->b);
	t->b = b;
	t->mask = size - 1;
	return 0;
}

int sa_table_insert(struct sa_table *t, struct sa_node *n, uint64_t hash)
{
	struct sa_node **head;

	if (!t->b && rehash(t, SA_TABLE_MIN))
		return -ENOMEM;
	if (n->linked)
		sa_table_remove(t, n);
	n->hash = hash;
	head = &t->b[hash & t->mask];
	n->next = *head;
	*head = n;
	n->linked = true;
	t->n++;
	if (t->n > t->mask + 1 && t->mask + 1 <= SIZE_MAX / 2 /
	    sizeof(*t->b))
		rehash(t, (t->mask + 1) * 2);
	return 0;
}

void sa_table_remove(struct sa_table *t, struct sa_node *n)
{
	struct sa_node **pp;

	if (!n->linked)
		return;
	for (pp = &t->b[n->hash & t->mask]; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	n->next = NULL;
	n->linked = false;
	t->n--;
}

static struct sa_node *from(struct sa_node *n, uint64_t hash)
{
	while (n && n->hash != hash)
		n = n->next;
	return n;
}

struct sa_node *sa_table_first(const struct sa_table *t, uint64_t hash)
{
	return t->b ? from(t->b[hash & t->mask], hash) : NULL;
}

struct sa_node *sa_table_next(const struct sa_node *n)
{
	return from(n->next, n->hash);
}

/* The splitmix64 finaliser: every input bit moves every output bit. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * A secret of this process, mixed into every hash: peers choose their
 * SPIs, and with a hash they could compute they would choose SPIs that
 * all land in one bucket.
 */
static uint64_t secret(void)
{
	static uint64_t key;
	static bool keyed;

	if (!keyed) {
		if (getrandom(&key, sizeof(key), 0) != sizeof(key))
			key = mix((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
		keyed = true;
	}
	return key;
}

uint64_t sa_hash_spi(uint64_t spi, bool initiator)
{
	return mix(spi ^ secret() ^ (initiator ? 0x9e3779b97f4a7c15ULL : 0));
}

uint64_t sa_hash_peer(const struct ip_addr *addr, uint16_t port,
		      uint64_t spi)
{
	uint64_t a, b;

	memcpy(&a, addr->bytes, 8);
	memcpy(&b, addr->bytes + 8, 8);
	if (addr->family != AF_INET6)
		b = 0;
	if (addr->family != AF_INET6 && addr->family != AF_INET)
		a = 0;
	else if (addr->family == AF_INET)
		a &= 0xffffffffULL;
	return mix(mix(mix(spi ^ secret()) ^ a) ^ b ^ ((uint64_t)port << 48));
}

uint64_t sa_hash_bytes(uint64_t h, const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t w;

	h = mix(h ^ secret() ^ len);
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = mix(h ^ w);
	}
	w = 0;
	memcpy(&w, p, len);
	return mix(h ^ w);
}
