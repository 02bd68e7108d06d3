// SPDX-License-Identifier: GPL-2.0
/*
 * Secrets do not outlive their use. Every heap block freed while a test
 * watches is searched, through AddressSanitizer's free hook, for values
 * that only secret-bearing buffers ever hold: the MACedIDs of the AUTH
 * signed octets (RFC 7296 §2.15), shared-key AUTH values, a psk read
 * from a file. The stack a call leaves behind is searched for the AEAD
 * nonce (salt | IV: the salt is key material) and for a psk.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "crypto/keys.h"
#include "crypto/sign.h"
#include "crypto/sk_cipher.h"
#include "engine/engine.h"
#include "engine/ike_sa.h"
#include "ike/buf.h"
#include "ike/constants.h"

#include "harness.h"

/* AddressSanitizer's allocator hooks (GCC installs no header for them). */
int __sanitizer_install_malloc_and_free_hooks(
	void (*malloc_hook)(const volatile void *, size_t),
	void (*free_hook)(const volatile void *));
size_t __sanitizer_get_allocated_size(const volatile void *p);

#define NEEDLES_MAX	8

static struct {
	bool armed;
	unsigned int n;
	struct {
		const char *what;
		uint8_t v[64];
		size_t len;
		unsigned int hits;
	} needle[NEEDLES_MAX];
} watch;

static void on_malloc(const volatile void *p, size_t size)
{
}

/* Called before each free, the block still readable. */
static void on_free(const volatile void *p)
{
	const void *b = (const void *)p;
	size_t size;

	if (!watch.armed || !p)
		return;
	size = __sanitizer_get_allocated_size(p);
	for (unsigned int i = 0; i < watch.n; i++)
		if (memmem(b, size, watch.needle[i].v, watch.needle[i].len))
			watch.needle[i].hits++;
}

static void needle(const char *what, const void *v, size_t len)
{
	assert_true(watch.n < NEEDLES_MAX && len <= sizeof(watch.needle[0].v));
	watch.needle[watch.n].what = what;
	memcpy(watch.needle[watch.n].v, v, len);
	watch.needle[watch.n].len = len;
	watch.needle[watch.n].hits = 0;
	watch.n++;
}

/* None of the needles was in a freed block. */
static void nothing_left(void)
{
	char msg[512] = "";
	size_t len = 0;

	watch.armed = false;
	for (unsigned int i = 0; i < watch.n; i++)
		if (watch.needle[i].hits && len < sizeof(msg))
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
				"%s left in %u freed block(s); ",
				watch.needle[i].what, watch.needle[i].hits);
	watch.n = 0;
	if (len)
		fail_msg("%s", msg);
}

/*
 * Whether v is in the stack below the caller's frame, where the calls
 * it made just before had theirs.
 */
static __attribute__((noinline)) bool on_stack(const void *v, size_t len)
{
	uint8_t area[32768];

	__asm__ volatile("" : : "r"(area) : "memory");
	return memmem(area, sizeof(area), v, len) != NULL;
}

static int setup(void **state)
{
	assert_true(__sanitizer_install_malloc_and_free_hooks(on_malloc,
							      on_free));
	certs_make();
	return 0;
}

static int teardown(void **state)
{
	certs_remove();
	return 0;
}

/* Two engines, PSK or (sig) ECDSA certificates. */
static struct world *world_new(bool sig)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);

	for (int i = 0; i < 2; i++) {
		if (sig) {
			w->c[i].psk_len = 0;
			w->c[i].auth_method = IKE_AUTH_DIGITAL_SIGNATURE;
			w->c[i].sig_creds = certs_load(i);
		}
	}
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

static void world_free(struct world *w)
{
	drop_all(w);
	engine_free(&w->e[0]);
	engine_free(&w->e[1]);
	sig_creds_free(w->c[0].sig_creds);
	sig_creds_free(w->c[1].sig_creds);
	free(w);
}

/*
 * The secrets of both sides' AUTH, from the responder's SA r after
 * IKE_SA_INIT: prf(SK_pi, IDi) and prf(SK_pr, IDr), and with a psk the
 * AUTH values themselves (from which the psk can be guessed offline).
 */
static void auth_needles(struct world *w, const struct ikesa *r, bool psk)
{
	for (int i = 0; i < 2; i++) {
		const bool init = i == 0;
		uint8_t id[4 + CONN_MAX_ID], mac[TRANSFORM_PRF_MAX];
		size_t id_len, olen;
		uint8_t *octets;

		id_len = ikesa_id_body(&w->c[i].local_id, id, sizeof(id));
		assert_true(id_len > 0);
		assert_int_equal(auth_maced_id(&r->keys, init, id, id_len, mac),
				 0);
		needle(init ? "prf(SK_pi, IDi)" : "prf(SK_pr, IDr)", mac,
		       r->keys.prf->out_len);
		if (!psk)
			continue;
		assert_int_equal(auth_signed_octets(&r->keys, init,
				init ? r->init_req : r->init_resp,
				init ? r->init_req_len : r->init_resp_len,
				init ? r->nr : r->ni,
				init ? r->nr_len : r->ni_len,
				id, id_len, &octets, &olen), 0);
		assert_int_equal(auth_psk(r->keys.prf, w->c[i].psk,
					  w->c[i].psk_len, octets, olen, mac),
				 0);
		auth_octets_free(octets, olen);
		needle(init ? "the initiator's AUTH" : "the responder's AUTH",
		       mac, r->keys.prf->out_len);
	}
}

static void exchange(bool sig)
{
	struct world *w = world_new(sig);
	struct ikesa *sa;

	/* An IKE_AUTH request beyond the writer's first 256 bytes. */
	w->c[0].n_esp = CONN_MAX_PROPOSALS;
	for (int i = 1; i < CONN_MAX_PROPOSALS; i++)
		w->c[0].esp[i] = w->c[0].esp[0];
	w->c[0].n_local_ts = CONN_MAX_TS;
	for (int i = 1; i < CONN_MAX_TS; i++)
		w->c[0].local_ts[i] = w->c[0].local_ts[0];
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	deliver_next(w, 0);
	assert_non_null(w->e[1].sas);
	auth_needles(w, w->e[1].sas, !sig);
	watch.armed = true;
	pump(w, 0);
	nothing_left();
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(w->e[1].sas->state, IKESA_ESTABLISHED);
	world_free(w);
}

static void psk_auth(void **state)
{
	exchange(false);
}

static void sig_auth(void **state)
{
	exchange(true);
}

/*
 * A secret writer wipes the buffers it outgrows; a plain one leaves
 * them as they were (which shows the hook sees what it should).
 */
static void writer(void **state)
{
	static const char secret[] = "secret payloads, before encryption";
	uint8_t fill[1000] = { 0 };

	for (int plain = 1; plain >= 0; plain--) {
		struct ike_writer w;

		if (plain)
			ike_writer_init(&w);
		else
			ike_writer_init_secret(&w);
		needle("the payloads", secret, sizeof(secret) - 1);
		watch.armed = true;
		ike_put_bytes(&w, secret, sizeof(secret) - 1);
		ike_put_bytes(&w, fill, sizeof(fill));
		assert_true(ike_writer_ok(&w) && w.cap > 256);
		ike_writer_free(&w);
		if (!plain) {
			nothing_left();
			continue;
		}
		watch.armed = false;
		assert_int_equal(watch.needle[0].hits, 2);
		watch.n = 0;
	}
}

/* Encrypt and decrypt with an AEAD cipher; nothing of the nonce stays. */
static __attribute__((noinline)) void aead_round(struct sk_keys *sk,
						 const uint8_t *iv,
						 bool decrypt)
{
	static const uint8_t aad[28], plain[100];
	uint8_t out[256], back[256];
	size_t len = sizeof(out), blen = sizeof(back);

	assert_int_equal(sk_encrypt_with_iv(sk, iv, aad, sizeof(aad), plain,
					    sizeof(plain), out, &len), 0);
	if (decrypt) {
		assert_int_equal(sk_decrypt(sk, aad, sizeof(aad), out + 0, len,
					    back, &blen), 0);
		assert_int_equal(blen, sizeof(plain));
	}
}

static void aead(uint16_t id, uint16_t bits)
{
	static const uint8_t iv[8] = { 0xd1, 0x1e, 0xd2, 0x2e, 0xd3, 0x3e,
				       0xd4, 0x4e };
	static const uint8_t salt[4] = { 0x5a, 0x17, 0xc3, 0x9e };
	const struct transform *t = transform_find(IKE_XF_ENCR, id, bits);
	struct sk_keys *sk = calloc(1, sizeof(*sk));
	uint8_t key[TRANSFORM_ENCR_KEY_MAX], nonce[12];

	assert_non_null(t);
	assert_non_null(sk);
	assert_int_equal(t->salt_len + t->iv_len, sizeof(nonce));
	memset(key, 0x11, t->key_len);
	memcpy(key + t->key_len, salt, sizeof(salt));
	assert_int_equal(sk_keys_init(sk, t, key, NULL, NULL), 0);
	memset(key, 0, sizeof(key));
	memcpy(nonce, salt, sizeof(salt));
	memcpy(nonce + sizeof(salt), iv, sizeof(iv));
	for (int decrypt = 0; decrypt < 2; decrypt++) {
		aead_round(sk, iv, decrypt);
		if (on_stack(nonce, sizeof(nonce)))
			fail_msg("%s: the nonce stays on the stack after %s",
				 t->name, decrypt ? "decryption" :
				 "encryption");
	}
	sk_keys_destroy(sk);
	free(sk);
}

static void aead_nonce(void **state)
{
	aead(IKE_ENCR_AES_GCM_16, 256);
	aead(IKE_ENCR_CHACHA20_POLY1305, 0);
}

/*
 * A configuration file's psk stays in the connections only: not in
 * stdio's buffer, not in the arrays outgrown while loading (40
 * connections), not on the stack.
 */
static __attribute__((noinline)) void load(const char *path)
{
	char err[1024];
	struct conf *c;

	assert_int_equal(conf_load(path, &c, err, sizeof(err)), 0);
	assert_int_equal(c->n_conns, 40);
	conf_free(c);
}

static void conf_psk(void **state)
{
	static const char psk[] = "wipe me: a psk that must not linger";
	char path[] = "/tmp/mif-wipe-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (int i = 0; i < 40; i++)
		fprintf(f, "[conn c%d]\nlocal = 192.0.2.1\nremote = 10.0.0.%d\n"
			"psk = %s\n\n", i, i + 1, psk);
	assert_int_equal(fclose(f), 0);
	needle("the psk", psk, strlen(psk));
	watch.armed = true;
	load(path);
	nothing_left();
	if (on_stack(psk, strlen(psk)))
		fail_msg("the psk stays on the stack after conf_load");
	unlink(path);
}

/* The same for a psk read from psk_file, quoted. */
static void conf_psk_file(void **state)
{
	static const char psk[] = "wipe me: a psk file's key";
	char path[] = "/tmp/mif-wipe-XXXXXX", key[] = "/tmp/mif-wipe-XXXXXX";
	int fd = mkstemp(key);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "\"%s\"\n", psk);
	assert_int_equal(fclose(f), 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (int i = 0; i < 40; i++)
		fprintf(f, "[conn c%d]\nlocal = 192.0.2.1\nremote = 10.0.0.%d\n"
			"psk_file = %s\n\n", i, i + 1, key);
	assert_int_equal(fclose(f), 0);
	needle("the psk", psk, strlen(psk));
	watch.armed = true;
	load(path);
	nothing_left();
	if (on_stack(psk, strlen(psk)))
		fail_msg("the psk stays on the stack after conf_load");
	unlink(path);
	unlink(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(writer),
		cmocka_unit_test(psk_auth),
		cmocka_unit_test(sig_auth),
		cmocka_unit_test(aead_nonce),
		cmocka_unit_test(conf_psk),
		cmocka_unit_test(conf_psk_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
