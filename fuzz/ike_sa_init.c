// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: IKE_SA_INIT, the exchange anyone can start.
 *
 * Byte 0 of the input says what to do with the rest, one IKE datagram:
 *
 *	bit 0		0: a request to the responder B; 1: the answer to
 *			the request the initiator A has just sent
 *	bit 1		B demands a COOKIE
 *	bits 2-3	the world kind (world.h)
 *
 * The length field is set to the datagram's size, and for an answer the
 * initiator's SPI to A's, so that the input reaches the exchange instead
 * of the header checks. Both engines start afresh for every input.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/ike_sa.h"
#include "world.h"

#define NOW	1000

static struct world *worlds[WORLD_KINDS];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	world_certs();
	for (int k = 0; k < WORLD_KINDS; k++)
		worlds[k] = world_new((enum world_kind)k);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world *w;
	struct ikesa *a;
	uint8_t *buf;
	size_t len;
	int to;

	if (size < 1 + IKE_HEADER_LEN)
		return 0;
	w = worlds[data[0] >> 2 & 3];
	to = data[0] & 1 ? 0 : 1;
	world_reset(w);
	w->e[1].cookie_required = data[0] & 2;
	len = size - 1;
	buf = malloc(len);
	if (!buf)
		abort();
	memcpy(buf, data + 1, len);
	buf[24] = (uint8_t)(len >> 24);
	buf[25] = (uint8_t)(len >> 16);
	buf[26] = (uint8_t)(len >> 8);
	buf[27] = (uint8_t)len;
	if (!to) {
		a = engine_initiate(&w->e[0], &w->c[0], NOW);
		if (!a)
			abort();
		drop_all(w);
		ikesa_spi_bytes(a->spi_i, buf);
	}
	engine_input(&w->e[to], NOW, &w->c[to].local, w->c[to].local_port,
		     &w->c[to].remote, w->c[to].remote_port, buf, len);
	engine_tick(&w->e[to], NOW);
	free(buf);
	drop_all(w);
	return 0;
}
