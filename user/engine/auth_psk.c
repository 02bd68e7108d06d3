// SPDX-License-Identifier: GPL-2.0
/*
 * Shared key message integrity code (RFC 7296 §2.15): both sides use the
 * same configured secret.
 */
#include <errno.h>

#include <gnutls/gnutls.h>

#include "crypto/keys.h"
#include "engine/auth_method.h"
#include "engine/ike_sa.h"

static int psk_sign(const struct ikesa *sa, const uint8_t *octets,
		    size_t len, uint8_t *out, size_t *out_len)
{
	const struct transform *prf = sa->keys.prf;

	if (!sa->conn->psk_len || *out_len < prf->out_len)
		return -EINVAL;
	*out_len = prf->out_len;
	return auth_psk(prf, sa->conn->psk, sa->conn->psk_len, octets, len,
			out);
}

static int psk_verify(const struct ikesa *sa, const uint8_t *octets,
		      size_t len, const uint8_t *data, size_t data_len)
{
	uint8_t want[TRANSFORM_PRF_MAX];
	size_t want_len = sizeof(want);
	int ret;

	ret = psk_sign(sa, octets, len, want, &want_len);
	if (!ret && (data_len != want_len ||
		     gnutls_memcmp(want, data, want_len) != 0))
		ret = -EACCES;
	gnutls_memset(want, 0, sizeof(want));
	return ret;
}

const struct auth_method auth_method_psk = {
	.method = IKE_AUTH_SHARED_KEY_MIC,
	.sign = psk_sign,
	.verify = psk_verify,
};
