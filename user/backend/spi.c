// SPDX-License-Identifier: GPL-2.0
/*
 * Inbound SPIs chosen by mifd (spi.h): the reservations, a hash table of
 * chains by SPI, and a list by age from which the stale ones go.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "backend/spi.h"

struct spi_hold {
	struct spi_hold *next;		/* in its bucket */
	struct spi_hold *older, *newer;
	uint32_t spi;
	time_t since;
};

#define SPI_SET_MIN	64	/* buckets of a new table */

void spi_set_init(struct spi_set *s)
{
	*s = (struct spi_set){ 0 };
}

void spi_set_free(struct spi_set *s)
{
	struct spi_hold *h, *next;

	for (h = s->oldest; h; h = next) {
		next = h->newer;
		free(h);
	}
	free(s->b);
	spi_set_init(s);
}

/* SPIs are random: their low bits spread them well enough. */
static size_t bucket(const struct spi_set *s, uint32_t spi)
{
	return (spi ^ spi >> 16) & s->mask;
}

static struct spi_hold **slot(const struct spi_set *s, uint32_t spi)
{
	struct spi_hold **pp = &s->b[bucket(s, spi)];

	while (*pp && (*pp)->spi != spi)
		pp = &(*pp)->next;
	return pp;
}

static void unlink_hold(struct spi_set *s, struct spi_hold *h)
{
	*slot(s, h->spi) = h->next;
	if (h->older)
		h->older->newer = h->newer;
	else
		s->oldest = h->newer;
	if (h->newer)
		h->newer->older = h->older;
	else
		s->newest = h->older;
	s->n--;
	free(h);
}

/* Double the buckets; a failed growth keeps the old table. */
static int grow(struct spi_set *s)
{
	size_t n = s->b ? (s->mask + 1) * 2 : SPI_SET_MIN;
	struct spi_hold **b = calloc(n, sizeof(*b));
	struct spi_hold **old = s->b;
	size_t old_n = s->b ? s->mask + 1 : 0;

	if (!b)
		return s->b ? 0 : -ENOMEM;
	s->b = b;
	s->mask = n - 1;
	for (size_t i = 0; i < old_n; i++) {
		struct spi_hold *h = old[i], *next;

		for (; h; h = next) {
			next = h->next;
			h->next = b[bucket(s, h->spi)];
			b[bucket(s, h->spi)] = h;
		}
	}
	free(old);
	return 0;
}

int spi_set_add(struct spi_set *s, uint32_t spi, time_t now)
{
	struct spi_hold *h;

	while (s->oldest && now - s->oldest->since > SPI_HOLD_S)
		unlink_hold(s, s->oldest);
	if ((!s->b || s->n >= s->mask + 1) && grow(s))
		return -ENOMEM;
	if (*slot(s, spi))
		return -EEXIST;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->spi = spi;
	h->since = now;
	h->next = s->b[bucket(s, spi)];
	s->b[bucket(s, spi)] = h;
	h->older = s->newest;
	if (s->newest)
		s->newest->newer = h;
	else
		s->oldest = h;
	s->newest = h;
	s->n++;
	return 0;
}

bool spi_set_has(const struct spi_set *s, uint32_t spi)
{
	return s->b && *slot(s, spi);
}

bool spi_set_del(struct spi_set *s, uint32_t spi)
{
	struct spi_hold *h;

	if (!s->b)
		return false;
	h = *slot(s, spi);
	if (!h)
		return false;
	unlink_hold(s, h);
	return true;
}

uint32_t spi_random(uint32_t min, uint32_t max)
{
	uint64_t range = (uint64_t)max - min + 1;
	uint32_t r;

	if (min > max ||
	    getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return 0;
	/*
	 * r % range favours the first 2^32 % range values: in mifd's range
	 * (all but the 256 reserved), 256 SPIs come up twice as often.
	 */
	return (uint32_t)(min + r % range);
}
