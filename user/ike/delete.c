// SPDX-License-Identifier: GPL-2.0
/*
 * Delete payload: protocol ID, SPI size, number of SPIs, SPIs.
 */
#include <stdlib.h>
#include <string.h>

#include "ike/delete.h"

int ike_delete_parse(struct ike_delete *del, struct ike_reader *r,
		     struct ike_error *err)
{
	uint8_t spi_size;
	uint16_t n;

	memset(del, 0, sizeof(*del));
	del->protocol = ike_get_u8(r);
	spi_size = ike_get_u8(r);
	n = ike_get_u16(r);
	if (!ike_reader_ok(r))
		return ike_fail_truncated(err, "Delete header truncated");

	switch (del->protocol) {
	case IKE_PROTO_IKE:
		if (spi_size != 0 || n != 0)
			return ike_fail_syntax(err,
				"IKE SA delete with an SPI");
		break;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		if (spi_size != IKE_CHILD_SPI_LEN)
			return ike_fail_syntax(err,
				"Child SA delete with SPI size not 4");
		if (!n)
			return ike_fail_syntax(err,
				"Child SA delete without SPIs");
		if (n > IKE_DELETE_MAX_SPIS)
			return ike_fail_limit(err, "more than 255 SPIs");
		break;
	default:
		return ike_fail_syntax(err, "Delete for unknown protocol");
	}
	if (ike_left(r) != (size_t)n * spi_size)
		return ike_fail_length(err,
			"Delete length disagrees with its SPI count");
	if (!n)
		return 0;
	del->spis = calloc(n, sizeof(*del->spis));
	if (!del->spis)
		return ike_fail(err, IKE_ERR_NOMEM, 0, "out of memory");
	for (unsigned int i = 0; i < n; i++)
		del->spis[i] = ike_get_u32(r);
	del->n_spis = n;
	return 0;
}

void ike_delete_free(struct ike_delete *del)
{
	free(del->spis);
	memset(del, 0, sizeof(*del));
}

int ike_delete_build(struct ike_writer *w, const struct ike_delete *del,
		     struct ike_error *err)
{
	bool ike = del->protocol == IKE_PROTO_IKE;

	if (ike && del->n_spis)
		return ike_fail_inval(err, "IKE SA delete with an SPI");
	if (!ike && del->protocol != IKE_PROTO_AH &&
	    del->protocol != IKE_PROTO_ESP)
		return ike_fail_inval(err, "Delete for unknown protocol");
	if (!ike && (!del->n_spis || del->n_spis > IKE_DELETE_MAX_SPIS))
		return ike_fail_inval(err, "Child SA delete needs 1 to 255 SPIs");
	ike_put_u8(w, del->protocol);
	ike_put_u8(w, ike ? 0 : IKE_CHILD_SPI_LEN);
	ike_put_u16(w, (uint16_t)del->n_spis);
	for (unsigned int i = 0; i < del->n_spis; i++)
		ike_put_u32(w, del->spis[i]);
	return 0;
}

static int delete_parse(struct ike_payload *pl, struct ike_reader *r,
			struct ike_error *err)
{
	return ike_delete_parse(pl->del, r, err);
}

static int delete_build(struct ike_writer *w, const struct ike_payload *pl,
			struct ike_error *err)
{
	return ike_delete_build(w, pl->del, err);
}

static void delete_release(struct ike_payload *pl)
{
	ike_delete_free(pl->del);
}

const struct ike_payload_ops ike_delete_ops = {
	.size = sizeof(struct ike_delete),
	.parse = delete_parse,
	.build = delete_build,
	.release = delete_release,
};
