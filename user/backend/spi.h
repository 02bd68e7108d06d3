/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inbound SPIs chosen by mifd rather than by the kernel.
 *
 * XFRM_MSG_ALLOCSPI reserves an SPI as a larval SA, but Debian's 6.1
 * kernel (6.1.0-57 on) checks each candidate against every SA of the
 * namespace (xfrm_state_lookup_spi_proto(), a walk of the whole SPI hash
 * table under xfrm_state_lock, bottom halves off), so that each
 * allocation costs in proportion to the SAs installed: at 20,000 SAs
 * the largest item of a rekey storm. mifd picks a random SPI instead,
 * asks the kernel whether an SA to that destination already has it (a
 * lookup by hash), and holds it here until the SA is installed with
 * XFRM_MSG_NEWSA, so that two negotiations in flight never get the
 * same one.
 *
 * A reservation is kept for SPI_HOLD_S seconds at most: an SPI whose
 * negotiation failed without a word to the backend comes free again
 * (the kernel's larval SAs, by default, lived 30 s).
 */
#ifndef MIF_BACKEND_SPI_H
#define MIF_BACKEND_SPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SPI_HOLD_S	600

struct spi_hold;

/* The SPIs reserved and not yet installed, by SPI and by age. */
struct spi_set {
	struct spi_hold **b;
	size_t mask;		/* buckets - 1; buckets is a power of two */
	size_t n;
	struct spi_hold *oldest, *newest;
};

void spi_set_init(struct spi_set *s);
void spi_set_free(struct spi_set *s);
/*
 * Reserve spi at now (seconds), forgetting first what is older than
 * SPI_HOLD_S. 0, -EEXIST (reserved already) or -ENOMEM.
 */
int spi_set_add(struct spi_set *s, uint32_t spi, time_t now);
bool spi_set_has(const struct spi_set *s, uint32_t spi);
/* Release spi; true if it was reserved. */
bool spi_set_del(struct spi_set *s, uint32_t spi);

/* A random SPI in [min, max] (getrandom(2)); 0 if none could be had. */
uint32_t spi_random(uint32_t min, uint32_t max);

#endif
