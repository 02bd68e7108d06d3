// SPDX-License-Identifier: GPL-2.0
/*
 * prf and prf+ (RFC 7296 §2.13) on top of GnuTLS HMAC.
 */
#include <errno.h>
#include <string.h>
#include <gnutls/crypto.h>

#include "crypto/prf.h"

static int prf_check(const struct transform *t)
{
	return t && t->type == IKE_XF_PRF && t->out_len <= TRANSFORM_PRF_MAX ?
		0 : -EINVAL;
}

/*
 * HMAC over head (may be empty), the chunks, then the one-byte tail if
 * tail_len is 1.
 */
static int hmac(const struct transform *t, const uint8_t *key, size_t key_len,
		const uint8_t *head, size_t head_len,
		const struct prf_chunk *in, size_t n,
		const uint8_t *tail, size_t tail_len, uint8_t *out)
{
	gnutls_hmac_hd_t h;
	int ret;

	if (gnutls_hmac_init(&h, t->mac, key, key_len) < 0)
		return -EIO;
	ret = head_len ? gnutls_hmac(h, head, head_len) : 0;
	for (size_t i = 0; i < n && ret >= 0; i++)
		if (in[i].len)
			ret = gnutls_hmac(h, in[i].p, in[i].len);
	if (ret >= 0 && tail_len)
		ret = gnutls_hmac(h, tail, tail_len);
	gnutls_hmac_deinit(h, out);
	if (ret < 0) {
		gnutls_memset(out, 0, t->out_len);
		return -EIO;
	}
	return 0;
}

int prf(const struct transform *t, const uint8_t *key, size_t key_len,
	const struct prf_chunk *in, size_t n, uint8_t *out)
{
	int err = prf_check(t);

	if (err)
		return err;
	return hmac(t, key, key_len, NULL, 0, in, n, NULL, 0, out);
}

int prf_plus(const struct transform *t, const uint8_t *key, size_t key_len,
	     const struct prf_chunk *in, size_t n, uint8_t *out,
	     size_t out_len)
{
	uint8_t block[TRANSFORM_PRF_MAX];
	uint8_t counter = 1;
	size_t done = 0, prev_len = 0;
	int err = prf_check(t);

	if (err)
		return err;
	if (out_len > (size_t)PRF_PLUS_MAX_BLOCKS * t->out_len)
		return -EINVAL;

	while (done < out_len) {
		size_t take = out_len - done;

		/* Tn = prf(K, Tn-1 | S | n); T0 is empty. */
		err = hmac(t, key, key_len, block, prev_len, in, n,
			   &counter, 1, block);
		if (err)
			break;
		if (take > t->out_len)
			take = t->out_len;
		memcpy(out + done, block, take);
		done += take;
		prev_len = t->out_len;
		counter++;
	}
	gnutls_memset(block, 0, sizeof(block));
	if (err)
		gnutls_memset(out, 0, out_len);
	return err;
}
