// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: MIF_ALTERNATES data (user/ike/mif_alternates.c).
 *
 * The input is the data of one notify. What parses must build again to
 * the very same bytes (the reserved octets aside, which parsing drops),
 * and a refusal must say why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/mif_alternates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_error err = { 0 };
	struct mif_alternates a, again;
	struct ike_writer w;
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		abort();
	memcpy(copy, data, size);	/* exactly sized: ASan sees overreads */
	if (mif_alternates_parse(&a, copy, size, &err)) {
		free(copy);
		if (!err.reason)
			abort();
		return 0;
	}
	ike_writer_init(&w);
	if (mif_alternates_build(&w, &a, &err) || w.len != size ||
	    memcmp(w.p, copy, 2) ||
	    (size > 4 && memcmp(w.p + 4, copy + 4, size - 4))) {
		fprintf(stderr, "mif_alternates: parsed, then built otherwise\n");
		abort();
	}
	if (mif_alternates_parse(&again, w.p, w.len, &err) ||
	    memcmp(&a, &again, sizeof(a)))
		abort();
	ike_writer_free(&w);
	free(copy);
	return 0;
}
