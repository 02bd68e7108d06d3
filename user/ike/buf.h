/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Byte buffers for the IKE codec: a bounds-checked reader and a growable
 * writer, both big-endian (network order).
 *
 * The reader never reads past its end. A read that does not fit sets a
 * sticky error flag and returns zero (or NULL for byte spans); a parser
 * can therefore read a whole fixed header and check ike_reader_ok() once.
 *
 * The writer grows on demand. An allocation failure, or growing past
 * IKE_WRITER_MAX, sets its sticky error flag; later writes are ignored.
 */
#ifndef MIF_IKE_BUF_H
#define MIF_IKE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ike_reader {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

void ike_reader_init(struct ike_reader *r, const uint8_t *p, size_t len);
uint8_t ike_get_u8(struct ike_reader *r);
uint16_t ike_get_u16(struct ike_reader *r);
uint32_t ike_get_u32(struct ike_reader *r);
uint64_t ike_get_u64(struct ike_reader *r);
/* Pointer to the next n bytes (into the input, not a copy), or NULL. */
const uint8_t *ike_get_bytes(struct ike_reader *r, size_t n);
/* Copy the next n bytes to dst; on a short read dst is zeroed. */
void ike_get_copy(struct ike_reader *r, void *dst, size_t n);
void ike_skip(struct ike_reader *r, size_t n);
/* All bytes left; *n is set to their count (possibly 0). */
const uint8_t *ike_get_rest(struct ike_reader *r, size_t *n);
/*
 * Carve the next n bytes into their own reader, so that a substructure
 * cannot read past its own length field. Returns false (and marks both
 * readers bad) when fewer than n bytes are left.
 */
bool ike_get_sub(struct ike_reader *r, size_t n, struct ike_reader *sub);

static inline size_t ike_left(const struct ike_reader *r)
{
	return r->bad ? 0 : r->len - r->off;
}

static inline bool ike_reader_ok(const struct ike_reader *r)
{
	return !r->bad;
}

/* Upper bound on anything the writer builds. */
#define IKE_WRITER_MAX	(1u << 20)

struct ike_writer {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool bad;
	bool secret;	/* wipe every buffer it lets go of */
};

void ike_writer_init(struct ike_writer *w);
/*
 * For plaintext that must not outlive its use (the payloads of an SK
 * payload before encryption): a buffer outgrown is wiped before it is
 * freed, and so is the last one by ike_writer_free().
 */
void ike_writer_init_secret(struct ike_writer *w);
void ike_writer_free(struct ike_writer *w);
void ike_put_u8(struct ike_writer *w, uint8_t v);
void ike_put_u16(struct ike_writer *w, uint16_t v);
void ike_put_u32(struct ike_writer *w, uint32_t v);
void ike_put_u64(struct ike_writer *w, uint64_t v);
void ike_put_bytes(struct ike_writer *w, const void *p, size_t n);
void ike_put_zero(struct ike_writer *w, size_t n);
/*
 * Reserve n zeroed bytes (typically a length field) and return their
 * offset, to be filled in later with ike_patch_u16/u32 once the length
 * is known.
 */
size_t ike_put_reserve(struct ike_writer *w, size_t n);
void ike_patch_u8(struct ike_writer *w, size_t off, uint8_t v);
void ike_patch_u16(struct ike_writer *w, size_t off, uint16_t v);
void ike_patch_u32(struct ike_writer *w, size_t off, uint32_t v);

static inline bool ike_writer_ok(const struct ike_writer *w)
{
	return !w->bad;
}

#endif
