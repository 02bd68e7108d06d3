// SPDX-License-Identifier: GPL-2.0
/*
 * MIF_ADD_INTERFACE notify data, request and response
 * (docs/protocol/mif.md, "Adding an interface").
 */
#include <stdlib.h>
#include <string.h>

#include "ike/constants.h"
#include "ike/mif.h"
#include "ike/mif_add.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Whether two of the n values of which (0: src_spi, 1: new_spi) are equal. */
static bool spi_twice(const struct mif_add_sa *sa, unsigned int n, int which)
{
	uint32_t v[MIF_ADD_MAX_SAS];

	for (unsigned int i = 0; i < n; i++)
		v[i] = which ? sa[i].new_spi : sa[i].src_spi;
	qsort(v, n, sizeof(v[0]), cmp_u32);
	for (unsigned int i = 1; i < n; i++)
		if (v[i] == v[i - 1])
			return true;
	return false;
}

/* The SA entries, as the request and the response have them. */
static const char *check_sas(const struct mif_add_sa *sa, unsigned int n)
{
	if (!n)
		return "MIF_ADD_INTERFACE derives no Child SA";
	if (n > MIF_ADD_MAX_SAS)
		return "MIF_ADD_INTERFACE derives too many Child SAs";
	for (unsigned int i = 0; i < n; i++) {
		if (!sa[i].src_spi)
			return "MIF_ADD_INTERFACE source SPI 0";
		if (sa[i].new_spi < 256)
			return "MIF_ADD_INTERFACE new SPI below 256";
	}
	if (spi_twice(sa, n, 0))
		return "MIF_ADD_INTERFACE names a source SPI twice";
	if (spi_twice(sa, n, 1))
		return "MIF_ADD_INTERFACE gives a new SPI twice";
	return NULL;
}

static const char *check(const struct mif_add *a)
{
	size_t alen = mif_addr_len(a->family);

	if (!alen)
		return "MIF_ADD_INTERFACE address family not 1 or 2";
	if (!a->id)
		return "MIF_ADD_INTERFACE interface ID 0";
	if (!mif_addr_usable(a->family, a->addr))
		return "unusable new address in MIF_ADD_INTERFACE";
	if (a->flags & MIF_ADD_PEER) {
		if (!mif_addr_usable(a->family, a->peer))
			return "unusable peer address in MIF_ADD_INTERFACE";
		if (!memcmp(a->addr, a->peer, alen))
			return "MIF_ADD_INTERFACE names one address twice";
	}
	if (a->n_from > MIF_ADD_MAX_FROM)
		return "MIF_ADD_INTERFACE names too many interfaces";
	for (unsigned int i = 0; i < a->n_from; i++) {
		if (a->from[i] == a->id)
			return "MIF_ADD_INTERFACE derives the new interface "
			       "from itself";
		for (unsigned int j = 0; j < i; j++)
			if (a->from[j] == a->from[i])
				return "MIF_ADD_INTERFACE names an interface "
				       "twice";
	}
	return check_sas(a->sa, a->n_sas);
}

static void get_sas(struct ike_reader *r, struct mif_add_sa *sa,
		    unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		sa[i].src_spi = ike_get_u32(r);
		sa[i].new_spi = ike_get_u32(r);
	}
}

static void put_sas(struct ike_writer *w, const struct mif_add_sa *sa,
		    unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		ike_put_u32(w, sa[i].src_spi);
		ike_put_u32(w, sa[i].new_spi);
	}
}

int mif_add_parse(struct mif_add *a, const uint8_t *data, size_t len,
		  struct ike_error *err)
{
	enum ike_err code = IKE_ERR_SYNTAX;
	struct ike_reader r;
	const char *why;
	size_t alen, need;

	memset(a, 0, sizeof(*a));
	ike_reader_init(&r, data, len);
	if (ike_left(&r) < MIF_ADD_HDR_LEN)
		return mif_fail(err, IKE_ERR_TRUNCATED,
				IKE_N_MIF_UNACCEPTABLE_ADD,
				"MIF_ADD_INTERFACE truncated");
	a->id = ike_get_u16(&r);
	a->prio = ike_get_u8(&r);
	a->flags = ike_get_u8(&r) & MIF_ADD_FLAGS_KNOWN;
	a->family = ike_get_u8(&r);
	a->n_from = ike_get_u8(&r);
	a->n_sas = ike_get_u16(&r);
	alen = mif_addr_len(a->family);
	if (!alen) {
		why = "MIF_ADD_INTERFACE address family not 1 or 2";
		goto fail;
	}
	if (a->n_from > MIF_ADD_MAX_FROM || a->n_sas > MIF_ADD_MAX_SAS) {
		code = IKE_ERR_LIMIT;
		why = a->n_sas > MIF_ADD_MAX_SAS ?
		      "MIF_ADD_INTERFACE derives too many Child SAs" :
		      "MIF_ADD_INTERFACE names too many interfaces";
		goto fail;
	}
	need = alen * (a->flags & MIF_ADD_PEER ? 2 : 1) + 2 * a->n_from +
	       MIF_ADD_SA_LEN * (size_t)a->n_sas;
	if (ike_left(&r) != need) {
		code = IKE_ERR_LENGTH;
		why = "MIF_ADD_INTERFACE length does not match its counts";
		goto fail;
	}
	ike_get_copy(&r, a->addr, alen);
	if (a->flags & MIF_ADD_PEER)
		ike_get_copy(&r, a->peer, alen);
	for (unsigned int i = 0; i < a->n_from; i++)
		a->from[i] = ike_get_u16(&r);
	get_sas(&r, a->sa, a->n_sas);
	why = check(a);
	if (why)
		goto fail;
	return 0;
fail:
	memset(a, 0, sizeof(*a));
	return mif_fail(err, code, IKE_N_MIF_UNACCEPTABLE_ADD, why);
}

int mif_add_build(struct ike_writer *w, const struct mif_add *a,
		  struct ike_error *err)
{
	const char *why = check(a);
	size_t alen = mif_addr_len(a->family);

	if (why)
		return ike_fail_inval(err, why);
	ike_put_u16(w, a->id);
	ike_put_u8(w, a->prio);
	ike_put_u8(w, a->flags & MIF_ADD_FLAGS_KNOWN);
	ike_put_u8(w, a->family);
	ike_put_u8(w, (uint8_t)a->n_from);
	ike_put_u16(w, (uint16_t)a->n_sas);
	ike_put_bytes(w, a->addr, alen);
	if (a->flags & MIF_ADD_PEER)
		ike_put_bytes(w, a->peer, alen);
	for (unsigned int i = 0; i < a->n_from; i++)
		ike_put_u16(w, a->from[i]);
	put_sas(w, a->sa, a->n_sas);
	return 0;
}

int mif_add_reply_parse(struct mif_add_reply *rp, const uint8_t *data,
			size_t len, struct ike_error *err)
{
	enum ike_err code = IKE_ERR_SYNTAX;
	struct ike_reader r;
	const char *why;

	memset(rp, 0, sizeof(*rp));
	ike_reader_init(&r, data, len);
	if (ike_left(&r) < MIF_ADD_REPLY_HDR_LEN)
		return mif_fail(err, IKE_ERR_TRUNCATED,
				IKE_N_MIF_UNACCEPTABLE_ADD,
				"MIF_ADD_INTERFACE answer truncated");
	rp->n_sas = ike_get_u16(&r);
	ike_skip(&r, 2);
	if (rp->n_sas > MIF_ADD_MAX_SAS) {
		code = IKE_ERR_LIMIT;
		why = "MIF_ADD_INTERFACE derives too many Child SAs";
		goto fail;
	}
	if (ike_left(&r) != MIF_ADD_SA_LEN * (size_t)rp->n_sas) {
		code = IKE_ERR_LENGTH;
		why = "MIF_ADD_INTERFACE answer length does not match its count";
		goto fail;
	}
	get_sas(&r, rp->sa, rp->n_sas);
	why = check_sas(rp->sa, rp->n_sas);
	if (why)
		goto fail;
	return 0;
fail:
	memset(rp, 0, sizeof(*rp));
	return mif_fail(err, code, IKE_N_MIF_UNACCEPTABLE_ADD, why);
}

int mif_add_reply_build(struct ike_writer *w, const struct mif_add_reply *rp,
			struct ike_error *err)
{
	const char *why = check_sas(rp->sa, rp->n_sas);

	if (why)
		return ike_fail_inval(err, why);
	ike_put_u16(w, (uint16_t)rp->n_sas);
	ike_put_zero(w, 2);
	put_sas(w, rp->sa, rp->n_sas);
	return 0;
}
