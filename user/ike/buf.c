// SPDX-License-Identifier: GPL-2.0
/*
 * Bounds-checked reader and growable writer for IKE messages.
 */
#include <stdlib.h>
#include <string.h>


#include "ike/buf.h"

void ike_reader_init(struct ike_reader *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = p ? len : 0;
	r->off = 0;
	r->bad = false;
}

/* Claim n bytes; returns their start or NULL (and marks the reader bad). */
static const uint8_t *take(struct ike_reader *r, size_t n)
{
	const uint8_t *at;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	if (!n)
		return r->p ? r->p + r->off : NULL;
	at = r->p + r->off;
	r->off += n;
	return at;
}

uint8_t ike_get_u8(struct ike_reader *r)
{
	const uint8_t *b = take(r, 1);

	return b ? b[0] : 0;
}

uint16_t ike_get_u16(struct ike_reader *r)
{
	const uint8_t *b = take(r, 2);

	return b ? (uint16_t)(b[0] << 8 | b[1]) : 0;
}

uint32_t ike_get_u32(struct ike_reader *r)
{
	const uint8_t *b = take(r, 4);

	if (!b)
		return 0;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

uint64_t ike_get_u64(struct ike_reader *r)
{
	uint64_t hi = ike_get_u32(r);

	return hi << 32 | ike_get_u32(r);
}

const uint8_t *ike_get_bytes(struct ike_reader *r, size_t n)
{
	return take(r, n);
}

void ike_get_copy(struct ike_reader *r, void *dst, size_t n)
{
	const uint8_t *b = take(r, n);

	if (!n)
		return;
	if (b)
		memcpy(dst, b, n);
	else
		memset(dst, 0, n);
}

void ike_skip(struct ike_reader *r, size_t n)
{
	take(r, n);
}

const uint8_t *ike_get_rest(struct ike_reader *r, size_t *n)
{
	*n = ike_left(r);
	return take(r, *n);
}

bool ike_get_sub(struct ike_reader *r, size_t n, struct ike_reader *sub)
{
	const uint8_t *b = take(r, n);

	ike_reader_init(sub, b, n);
	if (r->bad) {
		sub->len = 0;
		sub->bad = true;
		return false;
	}
	return true;
}

void ike_writer_init(struct ike_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void ike_writer_init_secret(struct ike_writer *w)
{
	ike_writer_init(w);
	w->secret = true;
}

void ike_writer_free(struct ike_writer *w)
{
	if (w->secret && w->p)
		explicit_bzero(w->p, w->cap);
	free(w->p);
	memset(w, 0, sizeof(*w));
}

/* realloc() would leave the old buffer behind as it was. */
static uint8_t *grow_secret(struct ike_writer *w, size_t cap)
{
	uint8_t *p = malloc(cap);

	if (!p)
		return NULL;
	if (w->p) {
		memcpy(p, w->p, w->len);
		explicit_bzero(w->p, w->cap);
		free(w->p);
	}
	return p;
}

/* Make room for n more bytes; returns where they go, or NULL. */
static uint8_t *grow(struct ike_writer *w, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (w->bad || n > IKE_WRITER_MAX - w->len) {
		w->bad = true;
		return NULL;
	}
	if (w->len + n > w->cap) {
		cap = w->cap ? w->cap : 256;
		while (cap < w->len + n)
			cap *= 2;
		p = w->secret ? grow_secret(w, cap) : realloc(w->p, cap);
		if (!p) {
			w->bad = true;
			return NULL;
		}
		w->p = p;
		w->cap = cap;
	}
	p = w->p + w->len;
	w->len += n;
	return p;
}

void ike_put_u8(struct ike_writer *w, uint8_t v)
{
	uint8_t *b = grow(w, 1);

	if (b)
		b[0] = v;
}

void ike_put_u16(struct ike_writer *w, uint16_t v)
{
	uint8_t *b = grow(w, 2);

	if (b) {
		b[0] = v >> 8;
		b[1] = v;
	}
}

void ike_put_u32(struct ike_writer *w, uint32_t v)
{
	ike_put_u16(w, v >> 16);
	ike_put_u16(w, v);
}

void ike_put_u64(struct ike_writer *w, uint64_t v)
{
	ike_put_u32(w, v >> 32);
	ike_put_u32(w, v);
}

void ike_put_bytes(struct ike_writer *w, const void *p, size_t n)
{
	uint8_t *b;

	if (!n)
		return;
	b = grow(w, n);
	if (b)
		memcpy(b, p, n);
}

void ike_put_zero(struct ike_writer *w, size_t n)
{
	uint8_t *b;

	if (!n)
		return;
	b = grow(w, n);
	if (b)
		memset(b, 0, n);
}

size_t ike_put_reserve(struct ike_writer *w, size_t n)
{
	size_t off = w->len;

	ike_put_zero(w, n);
	return off;
}

/* Patches are ignored (not errors) on a writer that already failed. */
static uint8_t *at(struct ike_writer *w, size_t off, size_t n)
{
	if (w->bad)
		return NULL;
	if (off > w->len || n > w->len - off) {
		w->bad = true;
		return NULL;
	}
	return w->p + off;
}

void ike_patch_u8(struct ike_writer *w, size_t off, uint8_t v)
{
	uint8_t *b = at(w, off, 1);

	if (b)
		b[0] = v;
}

void ike_patch_u16(struct ike_writer *w, size_t off, uint16_t v)
{
	uint8_t *b = at(w, off, 2);

	if (b) {
		b[0] = v >> 8;
		b[1] = v;
	}
}

void ike_patch_u32(struct ike_writer *w, size_t off, uint32_t v)
{
	uint8_t *b = at(w, off, 4);

	if (b) {
		b[0] = v >> 24;
		b[1] = v >> 16;
		b[2] = v >> 8;
		b[3] = v;
	}
}
