// SPDX-License-Identifier: GPL-2.0
/*
 * COOKIEs and the secret behind them (see cookie.h).
 */
#include <string.h>

#include <gnutls/gnutls.h>

#include "crypto/prf.h"
#include "crypto/random.h"
#include "engine/cookie.h"

int cookie_init(struct cookie_secrets *cs)
{
	cookie_wipe(cs);
	return random_key(cs->cur, sizeof(cs->cur));
}

void cookie_wipe(struct cookie_secrets *cs)
{
	gnutls_memset(cs, 0, sizeof(*cs));
}

/*
 * The secrets as they stand at now: a new one for each period begun
 * since the last use, the one before kept only if it is the last
 * period's. Returns 0 or -errno (the secrets then stay as they were).
 */
static int update(struct cookie_secrets *cs, uint64_t now)
{
	uint64_t period = now / COOKIE_SECRET_MS;
	uint8_t next[COOKIE_SECRET_LEN];
	int ret;

	if (!cs->started) {
		cs->started = true;
		cs->period = period;
	}
	if (period <= cs->period)
		return 0;
	ret = random_key(next, sizeof(next));
	if (ret)
		return ret;
	cs->have_prev = period == cs->period + 1;
	if (cs->have_prev)
		memcpy(cs->prev, cs->cur, sizeof(cs->prev));
	else
		gnutls_memset(cs->prev, 0, sizeof(cs->prev));
	memcpy(cs->cur, next, sizeof(cs->cur));
	gnutls_memset(next, 0, sizeof(next));
	cs->period = period;
	return 0;
}

static int compute(const uint8_t *secret, uint8_t version,
		   const struct cookie_input *in, uint8_t out[COOKIE_LEN])
{
	const struct transform *t =
		transform_find(IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	uint8_t spi[8], mac[TRANSFORM_PRF_MAX];
	struct prf_chunk chunks[4] = {
		{ &version, 1 },
		{ in->ni, in->ni_len },
		{ in->addr->bytes, ip_addr_len(in->addr) },
		{ spi, sizeof(spi) },
	};
	int ret;

	for (int i = 0; i < 8; i++)
		spi[i] = (uint8_t)(in->spi_i >> (56 - 8 * i));
	ret = prf(t, secret, COOKIE_SECRET_LEN, chunks, 4, mac);
	if (!ret) {
		out[0] = version;
		memcpy(out + 1, mac, COOKIE_LEN - 1);
	}
	gnutls_memset(mac, 0, sizeof(mac));
	return ret;
}

int cookie_make(struct cookie_secrets *cs, uint64_t now,
		const struct cookie_input *in, uint8_t out[COOKIE_LEN])
{
	int ret = update(cs, now);

	if (ret)
		return ret;
	return compute(cs->cur, (uint8_t)cs->period, in, out);
}

bool cookie_check(struct cookie_secrets *cs, uint64_t now,
		  const struct cookie_input *in, const uint8_t *cookie,
		  size_t len)
{
	const uint8_t *secret;
	uint8_t want[COOKIE_LEN];
	bool ok;

	if (len != COOKIE_LEN || update(cs, now))
		return false;
	if (cookie[0] == (uint8_t)cs->period)
		secret = cs->cur;
	else if (cookie[0] == (uint8_t)(cs->period - 1) && cs->have_prev &&
		 now < cs->period * COOKIE_SECRET_MS + COOKIE_GRACE_MS)
		secret = cs->prev;
	else
		return false;
	ok = !compute(secret, cookie[0], in, want) &&
	     gnutls_memcmp(want, cookie, COOKIE_LEN) == 0;
	gnutls_memset(want, 0, sizeof(want));
	return ok;
}
