// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/crypto: known-answer tests against published
 * vectors where they exist, and tamper and invalid-input tests.
 *
 * Published vectors: RFC 4231 (HMAC-SHA2), RFC 4868 §2.7.1 (PRF-HMAC-
 * SHA-256), RFC 7748 §6.1 and §6.2 (X25519, X448), RFC 5903 §8.1 to §8.3
 * (P-256, P-384 and P-521 ECDH), the GCM specification (McGrew and Viega, test cases 2, 4,
 * 14 and 16) and RFC 7539 §2.8.2 (ChaCha20-Poly1305 AEAD).
 *
 * There are no published IKEv2 prf+ or key schedule vectors. The "kat_"
 * values below were computed independently with Python 3.11's hmac and
 * hashlib modules (and, for kat_cbc_body, AES-CBC from python3-
 * cryptography), writing prf+ and the RFC 7296 §2.13-2.18 formulas out
 * directly from the RFC text, with the inputs given next to each test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/crypto.h>

#include "crypto/dh.h"
#include "crypto/keys.h"
#include "crypto/prf.h"
#include "crypto/random.h"
#include "crypto/sk_cipher.h"
#include "crypto/transforms.h"

/* Decode hex (spaces allowed, as RFCs print it) into out; returns length. */
static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v = -1;

		if (*s == ' ')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		assert_true(v >= 0);
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < max);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	assert_int_equal(hi, -1);
	return n;
}

static void assert_hex(const uint8_t *got, size_t len, const char *want)
{
	uint8_t buf[1024];
	size_t n = unhex(want, buf, sizeof(buf));

	assert_int_equal(len, n);
	assert_memory_equal(got, buf, n);
}

static const struct transform *xf(unsigned int type, unsigned int id,
				  unsigned int bits)
{
	const struct transform *t = transform_find(type, id, bits);

	assert_non_null(t);
	return t;
}

#define PRF256 xf(IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0)
#define PRF384 xf(IKE_XF_PRF, IKE_PRF_HMAC_SHA2_384, 0)
#define PRF512 xf(IKE_XF_PRF, IKE_PRF_HMAC_SHA2_512, 0)

/* Transform table */

static void transforms_lookup(void **state)
{
	const struct transform *t;
	size_t n;

	t = xf(IKE_XF_ENCR, IKE_ENCR_AES_CBC, 128);
	assert_int_equal(t->key_len, 16);
	assert_int_equal(t->iv_len, 16);
	assert_int_equal(t->block_len, 16);
	assert_false(t->aead);
	assert_string_equal(t->xfrm_name, "cbc(aes)");
	assert_int_equal(xf(IKE_XF_ENCR, IKE_ENCR_AES_CBC, 256)->key_len, 32);
	assert_null(transform_find(IKE_XF_ENCR, IKE_ENCR_AES_CBC, 192));
	assert_null(transform_find(IKE_XF_ENCR, IKE_ENCR_AES_CBC, 0));

	t = xf(IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256);
	assert_true(t->aead);
	assert_int_equal(transform_keymat_len(t), 36);
	assert_int_equal(t->iv_len, 8);
	assert_int_equal(t->icv_len, 16);
	assert_string_equal(t->xfrm_name, "rfc4106(gcm(aes))");
	assert_int_equal(t->xfrm_icv_bits, 128);

	t = xf(IKE_XF_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0);
	assert_int_equal(transform_keymat_len(t), 36);
	assert_string_equal(t->xfrm_name, "rfc7539esp(chacha20,poly1305)");
	assert_null(transform_find(IKE_XF_ENCR, IKE_ENCR_CHACHA20_POLY1305,
				   256));

	t = xf(IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0);
	assert_int_equal(t->key_len, 48);
	assert_int_equal(t->icv_len, 24);
	assert_string_equal(t->xfrm_name, "hmac(sha384)");
	assert_int_equal(t->xfrm_icv_bits, 192);
	assert_int_equal(PRF512->out_len, 64);

	assert_int_equal(xf(IKE_XF_DH, IKE_DH_MODP_2048, 0)->dh_public_len,
			 256);
	assert_int_equal(xf(IKE_XF_DH, IKE_DH_ECP_256, 0)->dh_public_len, 64);
	assert_int_equal(xf(IKE_XF_DH, IKE_DH_ECP_384, 0)->dh_shared_len, 48);
	assert_int_equal(xf(IKE_XF_DH, IKE_DH_CURVE25519, 0)->dh_public_len,
			 32);
	assert_int_equal(xf(IKE_XF_DH, IKE_DH_MODP_3072, 0)->dh_public_len,
			 384);
	assert_int_equal(xf(IKE_XF_DH, IKE_DH_MODP_4096, 0)->dh_shared_len,
			 512);
	assert_int_equal(xf(IKE_XF_DH, IKE_DH_ECP_521, 0)->dh_public_len, 132);
	assert_int_equal(xf(IKE_XF_DH, IKE_DH_ECP_521, 0)->dh_shared_len, 66);
	assert_int_equal(xf(IKE_XF_DH, IKE_DH_CURVE448, 0)->dh_public_len,
			 56);
	assert_string_equal(xf(IKE_XF_DH, IKE_DH_CURVE448, 0)->name,
			    "curve448");
	assert_null(transform_find(IKE_XF_DH, 2, 0));
	assert_null(transform_find(IKE_XF_PRF, 2, 0));

	t = transform_table(&n);
	assert_int_equal(n, 19);
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(transform_find(t[i].type, t[i].id,
						t[i].key_bits), &t[i]);
}

/* PRF */

struct hmac_vector {
	const char *key;
	const char *data;	/* text */
	const char *mac[3];	/* SHA-256, SHA-384, SHA-512 */
};

/* RFC 4231 test cases 1, 2 and 6. */
static const struct hmac_vector rfc4231[] = {
	{
		"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", {
		"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
		"afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
		"faea9ea9076ede7f4af152e8b2fa9cb6",
		"87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
		"daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
	} },
	{
		"4a656665", "what do ya want for nothing?", {
		"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		"af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
		"8e2240ca5e69e2c78b3239ecfab21649",
		"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
		"9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
	} },
	{
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaa",
		"Test Using Larger Than Block-Size Key - Hash Key First", {
		"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
		"4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
		"0c2ef6ab4030fe8296248df163f44952",
		"80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
		"6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
	} },
};

static void prf_rfc4231(void **state)
{
	const struct transform *prfs[3] = { PRF256, PRF384, PRF512 };

	for (size_t v = 0; v < sizeof(rfc4231) / sizeof(rfc4231[0]); v++) {
		const struct hmac_vector *tv = &rfc4231[v];
		uint8_t key[200], out[TRANSFORM_PRF_MAX];
		size_t key_len = unhex(tv->key, key, sizeof(key));
		size_t len = strlen(tv->data);
		/* The data in three pieces, to exercise the chunk list. */
		const struct prf_chunk in[] = {
			{ tv->data, 3 }, { NULL, 0 }, { tv->data + 3, len - 3 },
		};

		for (size_t i = 0; i < 3; i++) {
			assert_int_equal(prf(prfs[i], key, key_len, in, 3, out),
					 0);
			assert_hex(out, prfs[i]->out_len, tv->mac[i]);
		}
	}
}

/* RFC 4868 §2.7.1, PRF-HMAC-SHA-256 test cases 1-4 (32-byte keys). */
static void prf_rfc4868(void **state)
{
	static const struct {
		const char *key, *data, *out;
	} tv[] = {
		{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		  "4869205468657265",
		  "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7" },
		{ "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665",
		  "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		  "167f928588c5cc2eef8e3093caa0e87c9ff566a14794aa61648d81621a2a40c6" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
		  "dddddddddddddddddddddddddddddddddddd",
		  "cdcb1220d1ecccea91e53aba3092f962e549fe6ce9ed7fdc43191fbde45c30b0" },
		{ "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		  "372efcf9b40b35c2115b1346903d2ef42fced46f0846e7257bb156d3d7b30d3f" },
	};

	for (size_t i = 0; i < sizeof(tv) / sizeof(tv[0]); i++) {
		uint8_t key[64], data[64], out[32];
		size_t key_len = unhex(tv[i].key, key, sizeof(key));
		struct prf_chunk in = { data, unhex(tv[i].data, data,
						    sizeof(data)) };

		assert_int_equal(prf(PRF256, key, key_len, &in, 1, out), 0);
		assert_hex(out, sizeof(out), tv[i].out);
	}
}

/*
 * prf+ with PRF_HMAC_SHA2_384, K = "key", S = "abc" | "" | "defgh",
 * 100 bytes (three blocks, the last one cut).
 */
static const char kat_prfplus[] =
	"fa204b33343ca9c72377a9e48759960009d8d09271a89ce316968309000d9e5a"
	"b879e4d95c46c2dca1e4c58ead2af6b345ecd4ba177cc161f2755dbfc9ff99b9"
	"948bb3f48c3d6c7555fd23224b6dc3b8cd5a3fba333cddbf93b1a1be4e749bac"
	"04b11688";

static void prf_plus_kat(void **state)
{
	const struct prf_chunk in[] = { { "abc", 3 }, { "", 0 }, { "defgh", 5 } };
	const struct prf_chunk s1[] = { { "abcdefgh\x01", 9 } };
	uint8_t out[100], t1[48];

	assert_int_equal(prf_plus(PRF384, (const uint8_t *)"key", 3, in, 3,
				  out, sizeof(out)), 0);
	assert_hex(out, sizeof(out), kat_prfplus);

	/* T1 = prf(K, S | 0x01) */
	assert_int_equal(prf(PRF384, (const uint8_t *)"key", 3, s1, 1, t1), 0);
	assert_memory_equal(out, t1, sizeof(t1));

	/* Shorter outputs are prefixes. */
	assert_int_equal(prf_plus(PRF384, (const uint8_t *)"key", 3, in, 3,
				  out, 7), 0);
	assert_hex(out, 7, "fa204b33343ca9");
}

static void prf_plus_limits(void **state)
{
	const struct prf_chunk in = { "seed", 4 };
	size_t max = PRF_PLUS_MAX_BLOCKS * 32;
	uint8_t *out = malloc(max + 1);

	assert_non_null(out);
	assert_int_equal(prf_plus(PRF256, (const uint8_t *)"k", 1, &in, 1,
				  out, max), 0);
	assert_int_equal(prf_plus(PRF256, (const uint8_t *)"k", 1, &in, 1,
				  out, max + 1), -EINVAL);
	assert_int_equal(prf(xf(IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
			     (const uint8_t *)"k", 1, &in, 1, out), -EINVAL);
	free(out);
}

/* Key schedule */

/*
 * Inputs of the key schedule known-answer tests:
 *	Ni = 00 01 .. 1f, Nr = 20 21 .. 3f
 *	SPIi = 0102030405060708, SPIr = 1112131415161718
 *	g^ir = 256 bytes, byte i = (7 * i + 3) mod 256
 * kat_sa1_keymat: PRF_HMAC_SHA2_256, AES-CBC-128, HMAC_SHA2_256_128:
 *	SKEYSEED = HMAC-SHA256(Ni | Nr, g^ir),
 *	prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), 272 bytes =
 *	SK_d 32 | SK_ai 32 | SK_ar 32 | SK_ei 16 | SK_er 16 | SK_pi 32 | SK_pr 32
 * kat_sa2_keymat: PRF_HMAC_SHA2_384, AES-GCM-16-256, no integrity,
 *	SK_d 48 | SK_ei 36 | SK_er 36 | SK_pi 48 | SK_pr 48
 */
static const char kat_sa1_keymat[] =
	"c3a1866c8aa455ba6aca535e238aa3608ccc35d321b6e5defaea43578f626b48"
	"778f71112bba75b82839223b4ea13ba993e66e9e0ac6ac1169e79aef524d7191"
	"c42c992b2df639a258e48647fc0311f85359fc2f3e2d72f503fd052bc774e73f"
	"430adf4c666c64d7061eab154830cf05e52ef0a30c01e2fd81d7b53746c97f76"
	"ff657e3b073b9a8f8f144f7c565a65d3856e45651558d495b95a079d290f2445"
	"1d865a8367391b58e5848e76b35fbe9bcec459930fbda0aa62cd97c090bd21b5";
static const char kat_sa2_keymat[] =
	"d75ec7555bd6e0338b478a71598ac4163ca380215718bb44777b7d603acdc587"
	"6b87e0819752a3c5709941c494e55f8bbb93b0389dcc56f7714ecaacf966e6a9"
	"3fa99377beb5d93603191c9a0b7101a05149129222f5132270906674877e483f"
	"14353e9ea6e8549237e44a9a29fd3e1ec89a962e2eda08e51349e9ea4d9712bc"
	"255feefbd66ee18660dd0f955eb3b9729576ef6e566f5d099de1d4e697d49719"
	"4564452b39164bdfb4a583bed2fe11a99def7a1e2b7439cddb9d100f89b3b7c4"
	"e53606546c2cfcac1db95a4528dff646d466ce140e3e75f2";

static uint8_t ni[32], nr[32], g_ir[256];
static const uint8_t spi_i[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t spi_r[8] = { 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 };

static void schedule_inputs(void)
{
	for (size_t i = 0; i < 32; i++) {
		ni[i] = (uint8_t)i;
		nr[i] = (uint8_t)(0x20 + i);
	}
	for (size_t i = 0; i < 256; i++)
		g_ir[i] = (uint8_t)(7 * i + 3);
}

/* SA 1 of the comment above. */
static void sa1_derive(struct ike_keys *k)
{
	schedule_inputs();
	assert_int_equal(ike_keys_derive(k, PRF256,
			 xf(IKE_XF_ENCR, IKE_ENCR_AES_CBC, 128),
			 xf(IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
			 g_ir, sizeof(g_ir), ni, sizeof(ni), nr, sizeof(nr),
			 spi_i, spi_r), 0);
}

/* Compare the SK_* keys, in RFC order, with the KEYMAT string. */
static void assert_sk(const struct ike_keys *k, const char *keymat_hex)
{
	uint8_t km[512];
	size_t n = unhex(keymat_hex, km, sizeof(km));
	size_t p = ike_keys_prf_len(k), a = ike_keys_integ_len(k);
	size_t e = ike_keys_encr_len(k);
	const uint8_t *q = km;

	assert_int_equal(n, 3 * p + 2 * a + 2 * e);
	assert_memory_equal(k->sk_d, q, p);
	q += p;
	if (a) {
		assert_memory_equal(k->sk_ai, q, a);
		assert_memory_equal(k->sk_ar, q + a, a);
		q += 2 * a;
	}
	assert_memory_equal(k->sk_ei, q, e);
	assert_memory_equal(k->sk_er, q + e, e);
	q += 2 * e;
	assert_memory_equal(k->sk_pi, q, p);
	assert_memory_equal(k->sk_pr, q + p, p);
}

static void keys_ike_sa(void **state)
{
	struct ike_keys k;
	static const uint8_t zero[sizeof(k)];

	sa1_derive(&k);
	assert_sk(&k, kat_sa1_keymat);
	ike_keys_destroy(&k);
	assert_memory_equal(&k, zero, sizeof(k));
}

static void keys_ike_sa_aead(void **state)
{
	struct ike_keys k;

	schedule_inputs();
	assert_int_equal(ike_keys_derive(&k, PRF384,
			 xf(IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256), NULL,
			 g_ir, sizeof(g_ir), ni, sizeof(ni), nr, sizeof(nr),
			 spi_i, spi_r), 0);
	assert_int_equal(ike_keys_integ_len(&k), 0);
	assert_int_equal(ike_keys_encr_len(&k), 36);
	assert_sk(&k, kat_sa2_keymat);
	ike_keys_destroy(&k);

	/* An AEAD cipher takes no integrity transform, others need one. */
	assert_int_equal(ike_keys_derive(&k, PRF384,
			 xf(IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256),
			 xf(IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
			 g_ir, sizeof(g_ir), ni, sizeof(ni), nr, sizeof(nr),
			 spi_i, spi_r), -EINVAL);
	assert_int_equal(ike_keys_derive(&k, PRF384,
			 xf(IKE_XF_ENCR, IKE_ENCR_AES_CBC, 256), NULL,
			 g_ir, sizeof(g_ir), ni, sizeof(ni), nr, sizeof(nr),
			 spi_i, spi_r), -EINVAL);
}

/*
 * Rekeying SA 1 into PRF_HMAC_SHA2_512, AES-CBC-256, HMAC_SHA2_512_256:
 *	Ni = a5 x 16, Nr = 5a x 48, g^ir (new) = 32 bytes, (13 * i + 1) mod 256
 *	SPIi = 2122232425262728, SPIr = 3132333435363738
 *	SKEYSEED = HMAC-SHA256(SK_d (old), g^ir | Ni | Nr)  (old SA's PRF)
 *	prf+ = HMAC-SHA512 based, 576 bytes:
 *	SK_d 64 | SK_ai 64 | SK_ar 64 | SK_ei 32 | SK_er 32 | SK_pi 64 | SK_pr 64
 */
static const char kat_rekey_keymat[] =
	"9b42a50dd7a14d1f079a5cb48d2ba840d02bfe162d230295196ceff0162be4b4"
	"c79e58e7753d364b1b6b5bda119c8293b29f01016d28fdc334a0788c3174ecbe"
	"2a76114686cccef5612bbca60724a36ffeaa2c64e157da65953eef973e95e06b"
	"b0c9a7e149ebc80f322934003b627ba5fc5e04d8832b9bb01c82a28728002724"
	"8ff3b04407e468ac6ced5ab6648e3d90ee048e13a2ba88c4af59faa9a691c44c"
	"ca14015e6a1166d4977528634d5ed007813a801367b1e6cae45300f643c1878a"
	"fae4138e20ae7ba287ba49a89e9add3c5a50e2988dbac48ed946ea88e4d0fe7b"
	"988c56cd86bed1e9d2745ed9c1fe5e7cf35de35af5a50a39c3dc0c6fe42e9ee4"
	"ccc955da1c09209a9a6d02712e73e332c361c46a0a1f9ed32df1005ee888c3bc"
	"9011982b8ac7f9f046bdca9ce24aaa4763c85fcf6ee4492edaad1cbd007c526b"
	"dae37bf36418640cd24ad2b1bc6c1f09c4d7d18e7704ca6abd613227417a8f7a"
	"6a9c6b1165ece6c636af5f527fcd75bd0dc708cff817a874e95ed546765d549a";

static uint8_t ni3[16], nr3[48], g_ir3[32];

static void rekey_inputs(void)
{
	memset(ni3, 0xa5, sizeof(ni3));
	memset(nr3, 0x5a, sizeof(nr3));
	for (size_t i = 0; i < sizeof(g_ir3); i++)
		g_ir3[i] = (uint8_t)(13 * i + 1);
}

static void keys_ike_rekey(void **state)
{
	static const uint8_t spi_i3[8] = { 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28 };
	static const uint8_t spi_r3[8] = { 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38 };
	struct ike_keys old, k;

	sa1_derive(&old);
	rekey_inputs();
	assert_int_equal(ike_keys_rekey(&k, &old, PRF512,
			 xf(IKE_XF_ENCR, IKE_ENCR_AES_CBC, 256),
			 xf(IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0),
			 g_ir3, sizeof(g_ir3), ni3, sizeof(ni3),
			 nr3, sizeof(nr3), spi_i3, spi_r3), 0);
	assert_sk(&k, kat_rekey_keymat);
	assert_int_equal(ike_keys_rekey(&old, &old, PRF512,
			 xf(IKE_XF_ENCR, IKE_ENCR_AES_CBC, 256),
			 xf(IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0),
			 g_ir3, sizeof(g_ir3), ni3, sizeof(ni3),
			 nr3, sizeof(nr3), spi_i3, spi_r3), -EINVAL);
	ike_keys_destroy(&k);
	ike_keys_destroy(&old);
}

/*
 * Child SAs of SA 1, with Ni/Nr/g^ir of the rekey test:
 * kat_child_gcm: no PFS, AES-GCM-16-128:
 *	prf+(SK_d, Ni | Nr), 40 bytes = encr_i 20 | encr_r 20
 * kat_child_cbc: PFS, AES-CBC-256 + HMAC_SHA2_512_256:
 *	prf+(SK_d, g^ir | Ni | Nr), 192 bytes =
 *	encr_i 32 | integ_i 64 | encr_r 32 | integ_r 64
 */
static const char kat_child_gcm[] =
	"7b785dc517a38085fd674fa84675bac9feff33fc86dea43e37a5b5c9d48a0512"
	"0487f882940a5ec5";
static const char kat_child_cbc[] =
	"436163285b2032dccbfd2e6f41cf1719d2868689ed3a0cb57233b9ded6f45edc"
	"12948a8e0d2eb1da1d36bcec4c39becbf2b54e78c4df8f3552d01cfb627ff41b"
	"e93db751dff979ae4fa384289de72b7da84435c67ea6eaef53fb1d91e7d915d7"
	"d58da8f2abff099c706c52c40f11350d7b460b7df82ff95b16b1279f8ce03026"
	"59766a2840a2b0b1d47adc49e863483b7ccb35cc64e9b5c8e210d8f6f007c72f"
	"348c86b2b1cf1d923b67a15ee2b80b5db32d6044ace1272f9cf5886af72b4fc9";

static void keys_child_sa(void **state)
{
	const struct transform *gcm = xf(IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 128);
	const struct transform *cbc = xf(IKE_XF_ENCR, IKE_ENCR_AES_CBC, 256);
	const struct transform *sha512 =
		xf(IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0);
	struct ike_keys ike;
	struct child_keys c;
	uint8_t km[192];

	sa1_derive(&ike);
	rekey_inputs();

	assert_int_equal(child_keys_derive(&c, &ike, gcm, NULL, NULL, 0,
					   ni3, sizeof(ni3), nr3, sizeof(nr3)),
			 0);
	unhex(kat_child_gcm, km, sizeof(km));
	assert_memory_equal(c.encr_i, km, 20);
	assert_memory_equal(c.encr_r, km + 20, 20);
	child_keys_destroy(&c);

	assert_int_equal(child_keys_derive(&c, &ike, cbc, sha512,
					   g_ir3, sizeof(g_ir3),
					   ni3, sizeof(ni3), nr3, sizeof(nr3)),
			 0);
	unhex(kat_child_cbc, km, sizeof(km));
	assert_memory_equal(c.encr_i, km, 32);
	assert_memory_equal(c.integ_i, km + 32, 64);
	assert_memory_equal(c.encr_r, km + 96, 32);
	assert_memory_equal(c.integ_r, km + 128, 64);
	child_keys_destroy(&c);

	assert_int_equal(child_keys_derive(&c, &ike, cbc, NULL, NULL, 0,
					   ni3, sizeof(ni3), nr3, sizeof(nr3)),
			 -EINVAL);
	ike_keys_destroy(&ike);
}

/*
 * AUTH with the keys of SA 1:
 *	RealMessage1 = 40 41 .. 7b (60 bytes), NonceRData = Nr
 *	IDi body = 02000000 | "initiator.example" (ID_FQDN)
 *	kat_auth_octets_tail = HMAC-SHA256(SK_pi, IDi body)
 *	kat_auth_psk = HMAC-SHA256(HMAC-SHA256("shared secret",
 *		"Key Pad for IKEv2"), RealMessage1 | Nr | MACedIDForI)
 *	kat_auth_maced_idr = HMAC-SHA256(SK_pr, 01000000c0000201)
 */
static const char kat_auth_octets_tail[] =
	"e4ebc0e8c169b52bcf07bd0ac23dc9247ad0fa949a1ed905fc275d85c992bc69";
static const char kat_auth_psk[] =
	"7fc0c22b1670a6064fb98373b95eb95cbb85714ec2d6628060224c24b46dc233";
static const char kat_auth_maced_idr[] =
	"b45d47f069533cf6572842386bb11a03343b84d726a1ac534042ddeaaf085312";

static void keys_auth(void **state)
{
	static const uint8_t idi[] = "\x02\x00\x00\x00initiator.example";
	static const uint8_t idr[] = { 0x01, 0, 0, 0, 0xc0, 0x00, 0x02, 0x01 };
	struct ike_keys k;
	uint8_t msg[60], mac[32], *octets;
	size_t len;

	sa1_derive(&k);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(0x40 + i);

	assert_int_equal(auth_signed_octets(&k, true, msg, sizeof(msg),
					    nr, sizeof(nr), idi,
					    sizeof(idi) - 1, &octets, &len), 0);
	assert_int_equal(len, sizeof(msg) + sizeof(nr) + 32);
	assert_memory_equal(octets, msg, sizeof(msg));
	assert_memory_equal(octets + sizeof(msg), nr, sizeof(nr));
	assert_hex(octets + sizeof(msg) + sizeof(nr), 32, kat_auth_octets_tail);

	assert_int_equal(auth_psk(PRF256, (const uint8_t *)"shared secret", 13,
				  octets, len, mac), 0);
	assert_hex(mac, sizeof(mac), kat_auth_psk);
	free(octets);

	assert_int_equal(auth_maced_id(&k, false, idr, sizeof(idr), mac), 0);
	assert_hex(mac, sizeof(mac), kat_auth_maced_idr);
	ike_keys_destroy(&k);
}

/* Diffie-Hellman */

/* Our public value from priv, and the secret from the peer's value. */
static void dh_check(unsigned int group, const char *priv, const char *pub,
		     const char *peer, const char *shared)
{
	uint8_t p[DH_PRIVATE_MAX], q[DH_PUBLIC_MAX], out[DH_SHARED_MAX];
	size_t plen = unhex(priv, p, sizeof(p)), qlen, pub_len;
	const uint8_t *our;
	struct dh dh;

	assert_int_equal(dh_set_private(&dh, group, p, plen), 0);
	our = dh_public(&dh, &pub_len);
	assert_hex(our, pub_len, pub);
	qlen = unhex(peer, q, sizeof(q));
	assert_int_equal(dh_shared(&dh, q, qlen, out), 0);
	assert_hex(out, dh_shared_len(&dh), shared);
	dh_destroy(&dh);
}

/* RFC 7748 §6.1 */
static void dh_x25519_rfc7748(void **state)
{
	static const char a[] = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
	static const char a_pub[] = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
	static const char b[] = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
	static const char b_pub[] = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
	static const char k[] = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

	dh_check(IKE_DH_CURVE25519, a, a_pub, b_pub, k);
	dh_check(IKE_DH_CURVE25519, b, b_pub, a_pub, k);
}

/* RFC 5903 §8.1 */
static const char p256_i[] = "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433";
static const char p256_gi[] =
	"DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180"
	"5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3";
static const char p256_r[] = "C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53";
static const char p256_gr[] =
	"D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63"
	"56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB";
static const char p256_girx[] = "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE";

static void dh_ecp256_rfc5903(void **state)
{
	dh_check(IKE_DH_ECP_256, p256_i, p256_gi, p256_gr, p256_girx);
	dh_check(IKE_DH_ECP_256, p256_r, p256_gr, p256_gi, p256_girx);
}

/* RFC 5903 §8.2 */
static void dh_ecp384_rfc5903(void **state)
{
	static const char i[] =
		"099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655"
		"E35B5380 41E649EE 3FAEF896 783AB194";
	static const char gi[] =
		"667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6"
		"DE3AC808 ACB4BDB4 C88732AE E95F41AA"
		"9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E"
		"EB9FCFF3 C2C947DA E69B4C63 4573A81C";
	static const char r[] =
		"41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942"
		"E0308312 916B8ED2 960E4BD5 5A7448FC";
	static const char gr[] =
		"E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D"
		"0D1AC43A 0336DEF9 6FDA41D0 774A3571"
		"DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF"
		"F83FA401 42209DFF 5EAAD96D B9E6386C";
	static const char girx[] =
		"11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4"
		"D6031355 69B9E9D0 9CF5D4A2 70F59746";

	dh_check(IKE_DH_ECP_384, i, gi, gr, girx);
	dh_check(IKE_DH_ECP_384, r, gr, gi, girx);
}

/* RFC 5903 §8.3 */
static void dh_ecp521_rfc5903(void **state)
{
	static const char i[] =
		"0037ADE9 319A89F4 DABDB3EF 411AACCC A5123C61 ACAB57B5 393DCE47 608172A0"
		"95AA85A3 0FE1C295 2C6771D9 37BA9777 F5957B26 39BAB072 462F68C2 7A57382D"
		"4A52";
	static const char gi[] =
		"0015417E 84DBF28C 0AD3C278 713349DC 7DF153C8 97A1891B D98BAB43 57C9ECBE"
		"E1E3BF42 E00B8E38 0AEAE57C 2D107564 94188594 2AF5A7F4 601723C4 195D176C"
		"ED3E"
		"017CAE20 B6641D2E EB695786 D8C94614 6239D099 E18E1D5A 514C739D 7CB4A10A"
		"D8A78801 5AC405D7 799DC75E 7B7D5B6C F2261A6A 7F150743 8BF01BEB 6CA3926F"
		"9582";
	static const char r[] =
		"0145BA99 A847AF43 793FDD0E 872E7CDF A16BE30F DC780F97 BCCC3F07 8380201E"
		"9C677D60 0B343757 A3BDBF2A 3163E4C2 F869CCA7 458AA4A4 EFFC311F 5CB15168"
		"5EB9";
	static const char gr[] =
		"00D0B397 5AC4B799 F5BEA16D 5E13E9AF 971D5E9B 984C9F39 728B5E57 39735A21"
		"9B97C356 436ADC6E 95BB0352 F6BE64A6 C2912D4E F2D0433C ED2B6171 640012D9"
		"460F"
		"015C6822 6383956E 3BD066E7 97B623C2 7CE0EAC2 F551A10C 2C724D98 52077B87"
		"220B6536 C5C408A1 D2AEBB8E 86D678AE 49CB5709 1F473229 6579AB44 FCD17F0F"
		"C56A";
	static const char girx[] =
		"01144C7D 79AE6956 BC8EDB8E 7C787C45 21CB086F A64407F9 7894E5E6 B2D79B04"
		"D1427E73 CA4BAA24 0A347868 59810C06 B3C715A3 A8CC3151 F2BEE417 996D19F3"
		"DDEA";

	dh_check(IKE_DH_ECP_521, i, gi, gr, girx);
	dh_check(IKE_DH_ECP_521, r, gr, gi, girx);
}

/* RFC 7748 §6.2 */
static void dh_x448_rfc7748(void **state)
{
	static const char a[] =
		"9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28d"
		"d9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b";
	static const char a_pub[] =
		"9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c"
		"22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0";
	static const char b[] =
		"1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d"
		"6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d";
	static const char b_pub[] =
		"3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b430"
		"27d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609";
	static const char k[] =
		"07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282b"
		"b60c0b56fd2464c335543936521c24403085d59a449a5037514a879d";

	dh_check(IKE_DH_CURVE448, a, a_pub, b_pub, k);
	dh_check(IKE_DH_CURVE448, b, b_pub, a_pub, k);
}

/*
 * MODP 3072 and 4096 (RFC 3526 §4, §5). There are no published vectors:
 * two parties with fixed 32-byte exponents agree, and their public values
 * and the shared secret hash (SHA-256) to what Python 3.11's pow(2, a, p)
 * and pow(g^b, a, p) give. Then the range checks: y = 0, 1, p-1, p, all
 * ones and a wrong length are refused, y = 2 and p-2 taken.
 */
struct modp_vector {
	unsigned int group;
	size_t len;
	const char *p;
	const char *sha_ga, *sha_gb, *sha_gab;
};

static const char modp3072_p[] =
	"FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1"
	"29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD"
	"EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245"
	"E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED"
	"EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D"
	"C2007CB8 A163BF05 98DA4836 1C55D39A 69163FA8 FD24CF5F"
	"83655D23 DCA3AD96 1C62F356 208552BB 9ED52907 7096966D"
	"670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B"
	"E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9"
	"DE2BCBF6 95581718 3995497C EA956AE5 15D22618 98FA0510"
	"15728E5A 8AAAC42D AD33170D 04507A33 A85521AB DF1CBA64"
	"ECFB8504 58DBEF0A 8AEA7157 5D060C7D B3970F85 A6E1E4C7"
	"ABF5AE8C DB0933D7 1E8C94E0 4A25619D CEE3D226 1AD2EE6B"
	"F12FFA06 D98A0864 D8760273 3EC86A64 521F2B18 177B200C"
	"BBE11757 7A615D6C 770988C0 BAD946E2 08E24FA0 74E5AB31"
	"43DB5BFC E0FD108E 4B82D120 A93AD2CA FFFFFFFF FFFFFFFF";

static const char modp4096_p[] =
	"FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1"
	"29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD"
	"EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245"
	"E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED"
	"EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D"
	"C2007CB8 A163BF05 98DA4836 1C55D39A 69163FA8 FD24CF5F"
	"83655D23 DCA3AD96 1C62F356 208552BB 9ED52907 7096966D"
	"670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B"
	"E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9"
	"DE2BCBF6 95581718 3995497C EA956AE5 15D22618 98FA0510"
	"15728E5A 8AAAC42D AD33170D 04507A33 A85521AB DF1CBA64"
	"ECFB8504 58DBEF0A 8AEA7157 5D060C7D B3970F85 A6E1E4C7"
	"ABF5AE8C DB0933D7 1E8C94E0 4A25619D CEE3D226 1AD2EE6B"
	"F12FFA06 D98A0864 D8760273 3EC86A64 521F2B18 177B200C"
	"BBE11757 7A615D6C 770988C0 BAD946E2 08E24FA0 74E5AB31"
	"43DB5BFC E0FD108E 4B82D120 A9210801 1A723C12 A787E6D7"
	"88719A10 BDBA5B26 99C32718 6AF4E23C 1A946834 B6150BDA"
	"2583E9CA 2AD44CE8 DBBBC2DB 04DE8EF9 2E8EFC14 1FBECAA6"
	"287C5947 4E6BC05D 99B2964F A090C3A2 233BA186 515BE7ED"
	"1F612970 CEE2D7AF B81BDD76 2170481C D0069127 D5B05AA9"
	"93B4EA98 8D8FDDC1 86FFB7DC 90A6C08F 4DF435C9 34063199"
	"FFFFFFFF FFFFFFFF";

static const struct modp_vector modp_vectors[] = {
	{ IKE_DH_MODP_3072, 384, modp3072_p,
	  "35f2a08ec85ec5803d29c51f4702b435b325cc668af4e53d4676cb5a54888155",
	  "b28d6c648cd5f1c179026e628c8ab70f14641ab4d82905c8c0036cd5523142ed",
	  "2a72e99e526df86990d2b9f89afea8c51085a2acc90150021f9b1d08314a877a" },
	{ IKE_DH_MODP_4096, 512, modp4096_p,
	  "1c919ba811b68be96bcb817a490372f870ff505ea5c80f0b817ba04a96e91637",
	  "f560cea2ac850ac904cbdcad2dd75c0ffc9563851b141b7cff0b3754a399fb0f",
	  "a56c1af4400f4e1a031d88bbf5e193f453af1f91b0736365ae8b82917afc8599" },
};

static void assert_sha256(const uint8_t *data, size_t len, const char *want)
{
	uint8_t md[32];

	assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, md), 0);
	assert_hex(md, sizeof(md), want);
}

static void dh_modp_large(void **state)
{
	static const char a_hex[] =
		"a5a5a5a5 a5a5a5a5 a5a5a5a5 a5a5a5a5 a5a5a5a5 a5a5a5a5"
		"a5a5a5a5 a5a5a501";
	static const char b_hex[] =
		"3c3c3c3c 3c3c3c3c 3c3c3c3c 3c3c3c3c 3c3c3c3c 3c3c3c3c"
		"3c3c3c3c 3c3c3c02";

	for (size_t v = 0; v < sizeof(modp_vectors) / sizeof(modp_vectors[0]);
	     v++) {
		const struct modp_vector *tv = &modp_vectors[v];
		uint8_t a[32], b[32], peer[DH_PUBLIC_MAX + 1];
		uint8_t s1[DH_SHARED_MAX], s2[DH_SHARED_MAX];
		const uint8_t *ga, *gb;
		size_t la, lb, n = tv->len;
		struct dh da, db;

		unhex(a_hex, a, sizeof(a));
		unhex(b_hex, b, sizeof(b));
		assert_int_equal(dh_set_private(&da, tv->group, a, 32), 0);
		assert_int_equal(dh_set_private(&db, tv->group, b, 32), 0);
		ga = dh_public(&da, &la);
		gb = dh_public(&db, &lb);
		assert_int_equal(la, n);
		assert_int_equal(lb, n);
		assert_int_equal(dh_shared_len(&da), n);
		assert_sha256(ga, la, tv->sha_ga);
		assert_sha256(gb, lb, tv->sha_gb);
		assert_int_equal(dh_shared(&da, gb, lb, s1), 0);
		assert_int_equal(dh_shared(&db, ga, la, s2), 0);
		assert_memory_equal(s1, s2, n);
		assert_sha256(s1, n, tv->sha_gab);

		memset(peer, 0, n);
		assert_int_equal(dh_shared(&da, peer, n, s1), -EINVAL);
		peer[n - 1] = 1;
		assert_int_equal(dh_shared(&da, peer, n, s1), -EINVAL);
		peer[n - 1] = 2;
		assert_int_equal(dh_shared(&da, peer, n, s1), 0);
		assert_int_equal(unhex(tv->p, peer, sizeof(peer)), n);	/* p */
		assert_int_equal(dh_shared(&da, peer, n, s1), -EINVAL);
		peer[n - 1]--;		/* p-1 */
		assert_int_equal(dh_shared(&da, peer, n, s1), -EINVAL);
		peer[n - 1]--;		/* p-2 */
		assert_int_equal(dh_shared(&da, peer, n, s1), 0);
		memset(peer, 0xff, n + 1);
		assert_int_equal(dh_shared(&da, peer, n, s1), -EINVAL);
		assert_int_equal(dh_shared(&da, gb, n - 1, s1), -EINVAL);
		assert_int_equal(dh_shared(&da, peer, n + 1, s1), -EINVAL);
		dh_destroy(&da);
		dh_destroy(&db);
	}
}

/* Two generated key pairs agree, in every group. */
static void dh_generated_agree(void **state)
{
	static const unsigned int groups[] = {
		IKE_DH_MODP_2048, IKE_DH_MODP_3072, IKE_DH_MODP_4096,
		IKE_DH_ECP_256, IKE_DH_ECP_384, IKE_DH_ECP_521,
		IKE_DH_CURVE25519, IKE_DH_CURVE448,
	};

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		uint8_t s1[DH_SHARED_MAX], s2[DH_SHARED_MAX];
		const uint8_t *p1, *p2;
		size_t l1, l2;
		struct dh a, b;

		assert_int_equal(dh_generate(&a, groups[g]), 0);
		assert_int_equal(dh_generate(&b, groups[g]), 0);
		p1 = dh_public(&a, &l1);
		p2 = dh_public(&b, &l2);
		assert_int_equal(l1, a.group->dh_public_len);
		assert_int_equal(l1, l2);
		assert_memory_not_equal(p1, p2, l1);
		assert_int_equal(dh_shared(&a, p2, l2, s1), 0);
		assert_int_equal(dh_shared(&b, p1, l1, s2), 0);
		assert_memory_equal(s1, s2, dh_shared_len(&a));
		dh_destroy(&a);
		dh_destroy(&b);
	}
	assert_int_equal(dh_generate(&(struct dh){ 0 }, 2), -EINVAL);
}

static void dh_rejects(void **state)
{
	uint8_t peer[DH_PUBLIC_MAX], out[DH_SHARED_MAX], p[DH_PRIVATE_MAX];
	size_t len, n;
	struct dh dh;

	/* P-256: a point off the curve, a coordinate >= p, wrong length. */
	assert_int_equal(dh_generate(&dh, IKE_DH_ECP_256), 0);
	len = unhex(p256_gr, peer, sizeof(peer));
	peer[63] ^= 1;
	assert_int_equal(dh_shared(&dh, peer, len, out), -EINVAL);
	memset(peer, 0xff, 32);
	peer[63] ^= 1;
	assert_int_equal(dh_shared(&dh, peer, len, out), -EINVAL);
	memset(peer, 0, len);
	assert_int_equal(dh_shared(&dh, peer, len, out), -EINVAL);
	len = unhex(p256_gr, peer, sizeof(peer));
	assert_int_equal(dh_shared(&dh, peer, len - 1, out), -EINVAL);
	assert_int_equal(dh_shared(&dh, peer, len, out), 0);
	dh_destroy(&dh);

	/* P-256 private scalars 0 and n are refused. */
	memset(p, 0, 32);
	assert_int_equal(dh_set_private(&dh, IKE_DH_ECP_256, p, 32), -EINVAL);
	n = unhex("FFFFFFFF 00000000 FFFFFFFF FFFFFFFF BCE6FAAD A7179E84 F3B9CAC2 FC632551",
		  p, sizeof(p));
	assert_int_equal(dh_set_private(&dh, IKE_DH_ECP_256, p, n), -EINVAL);

	/* MODP: y = 0, 1, p-1, p and 2^2048-1 are refused, y = 2 is fine. */
	assert_int_equal(dh_generate(&dh, IKE_DH_MODP_2048), 0);
	memset(peer, 0, 256);
	assert_int_equal(dh_shared(&dh, peer, 256, out), -EINVAL);
	peer[255] = 1;
	assert_int_equal(dh_shared(&dh, peer, 256, out), -EINVAL);
	peer[255] = 2;
	assert_int_equal(dh_shared(&dh, peer, 256, out), 0);
	n = unhex("FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1"
		  "29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD"
		  "EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245"
		  "E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED"
		  "EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D"
		  "C2007CB8 A163BF05 98DA4836 1C55D39A 69163FA8 FD24CF5F"
		  "83655D23 DCA3AD96 1C62F356 208552BB 9ED52907 7096966D"
		  "670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B"
		  "E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9"
		  "DE2BCBF6 95581718 3995497C EA956AE5 15D22618 98FA0510"
		  "15728E5A 8AACAA68 FFFFFFFF FFFFFFFF", peer, sizeof(peer));
	assert_int_equal(n, 256);
	assert_int_equal(dh_shared(&dh, peer, 256, out), -EINVAL);	/* p */
	peer[255]--;
	assert_int_equal(dh_shared(&dh, peer, 256, out), -EINVAL);	/* p-1 */
	peer[255]--;
	assert_int_equal(dh_shared(&dh, peer, 256, out), 0);		/* p-2 */
	memset(peer, 0xff, 256);
	assert_int_equal(dh_shared(&dh, peer, 256, out), -EINVAL);
	assert_int_equal(dh_shared(&dh, peer, 255, out), -EINVAL);
	dh_destroy(&dh);

	/*
	 * X25519: the small-order points u = 0, u = 1 and one of order 8
	 * (e0eb7a7c...) give an all-zero secret whatever our scalar.
	 */
	assert_int_equal(dh_generate(&dh, IKE_DH_CURVE25519), 0);
	memset(peer, 0, 32);
	assert_int_equal(dh_shared(&dh, peer, 32, out), -EINVAL);
	peer[0] = 1;
	assert_int_equal(dh_shared(&dh, peer, 32, out), -EINVAL);
	unhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	      peer, sizeof(peer));
	assert_int_equal(dh_shared(&dh, peer, 32, out), -EINVAL);
	assert_int_equal(dh_shared(&dh, peer, 31, out), -EINVAL);
	dh_destroy(&dh);

	/* P-521: off the curve, x >= p, the point (0, 0), wrong length. */
	assert_int_equal(dh_generate(&dh, IKE_DH_ECP_521), 0);
	memset(peer, 0, 132);
	assert_int_equal(dh_shared(&dh, peer, 132, out), -EINVAL);
	memset(peer, 0xff, 66);
	peer[0] = 0x01;		/* 2^521 - 1 = p */
	assert_int_equal(dh_shared(&dh, peer, 132, out), -EINVAL);
	peer[65] = 0xfe;	/* p - 1 with y = 0: not on the curve */
	assert_int_equal(dh_shared(&dh, peer, 132, out), -EINVAL);
	assert_int_equal(dh_shared(&dh, peer, 131, out), -EINVAL);
	dh_destroy(&dh);

	/* X448: u = 0 and u = 1 (orders 2 and 4) give an all-zero secret. */
	assert_int_equal(dh_generate(&dh, IKE_DH_CURVE448), 0);
	memset(peer, 0, 56);
	assert_int_equal(dh_shared(&dh, peer, 56, out), -EINVAL);
	peer[0] = 1;
	assert_int_equal(dh_shared(&dh, peer, 56, out), -EINVAL);
	assert_int_equal(dh_shared(&dh, peer, 32, out), -EINVAL);
	assert_int_equal(dh_set_private(&dh, IKE_DH_CURVE448, peer, 32),
			 -EINVAL);
	dh_destroy(&dh);
}

/* SK payload */

static void sk_setup(struct sk_keys *sk, unsigned int id, unsigned int bits,
		     const char *key_salt_hex)
{
	uint8_t key[TRANSFORM_ENCR_KEY_MAX];
	const struct transform *t = xf(IKE_XF_ENCR, id, bits);

	assert_int_equal(unhex(key_salt_hex, key, sizeof(key)),
			 transform_keymat_len(t));
	assert_int_equal(sk_keys_init(sk, t, key, NULL, NULL), 0);
}

/*
 * GCM specification test cases 2 (AES-128) and 14 (AES-256): zero key,
 * zero 96-bit IV (salt 00000000 | IV 0000000000000000), no AAD, 16 zero
 * plaintext bytes. As an SK body that plaintext is 15 zero payload bytes
 * and a zero pad length, so sk_encrypt() reproduces it exactly.
 */
static void sk_gcm_zero(unsigned int bits, const char *key, const char *ct)
{
	static const uint8_t iv[8], plain[15];
	uint8_t body[64], back[64];
	size_t len = sizeof(body), back_len = sizeof(back);
	struct sk_keys sk;

	sk_setup(&sk, IKE_ENCR_AES_GCM_16, bits, key);
	assert_int_equal(sk_overhead(&sk, sizeof(plain)), 8 + 1 + 16);
	assert_int_equal(sk_encrypt_with_iv(&sk, iv, NULL, 0, plain,
					    sizeof(plain), body, &len), 0);
	assert_int_equal(len, 8 + 16 + 16);
	assert_memory_equal(body, iv, 8);
	assert_hex(body + 8, len - 8, ct);
	assert_int_equal(sk_decrypt(&sk, NULL, 0, body, len, back, &back_len),
			 0);
	assert_int_equal(back_len, sizeof(plain));
	assert_memory_equal(back, plain, sizeof(plain));
	sk_keys_destroy(&sk);
}

static void sk_gcm_spec_zero(void **state)
{
	sk_gcm_zero(128, "00000000000000000000000000000000 00000000",
		    "0388dace60b6a392f328c2b971b2fe78 ab6e47d42cec13bdf53a67b21257bddf");
	sk_gcm_zero(256, "00000000000000000000000000000000"
			 "00000000000000000000000000000000 00000000",
		    "cea7403d4d606b6e074ec5d3baf39d18 d0d1c8a799996bf0265b98b5d48ab919");
}

/*
 * GCM specification test cases 4 (AES-128) and 16 (AES-256), with AAD,
 * decrypted as SK bodies: IV cafebabefacedbaddecaf888 is salt cafebabe
 * and explicit IV facedbaddecaf888. The plaintext's last byte (0x39)
 * reads as a pad length of 57, leaving two payload bytes, d9 31.
 */
static const char gcm_aad[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

static void sk_gcm_decrypt(unsigned int bits, const char *key,
			   const char *ct_tag)
{
	uint8_t aad[20], body[8 + 60 + 16], out[80];
	size_t len = sizeof(out);
	struct sk_keys sk;

	sk_setup(&sk, IKE_ENCR_AES_GCM_16, bits, key);
	unhex(gcm_aad, aad, sizeof(aad));
	unhex("facedbaddecaf888", body, 8);
	assert_int_equal(unhex(ct_tag, body + 8, sizeof(body) - 8), 76);
	assert_int_equal(sk_decrypt(&sk, aad, sizeof(aad), body, sizeof(body),
				    out, &len), 0);
	assert_hex(out, len, "d931");

	/* The AAD is covered. */
	aad[0] ^= 0x80;
	len = sizeof(out);
	assert_int_equal(sk_decrypt(&sk, aad, sizeof(aad), body, sizeof(body),
				    out, &len), -EBADMSG);
	sk_keys_destroy(&sk);
}

static void sk_gcm_spec_aad(void **state)
{
	sk_gcm_decrypt(128, "feffe9928665731c6d6a8f9467308308 cafebabe",
		       "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
		       "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
		       "5bc94fbc3221a5db94fae95ae7121a47");
	sk_gcm_decrypt(256, "feffe9928665731c6d6a8f9467308308"
			    "feffe9928665731c6d6a8f9467308308 cafebabe",
		       "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
		       "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
		       "76fc6ece0f4e1768cddf8853bb2d551b");
}

/*
 * RFC 7539 §2.8.2: key 80..9f, nonce 07000000 | 4041424344454647 (salt
 * and explicit IV, as RFC 7634 lays them out), AAD 50515253c0c1c2c3c4c5c6c7.
 * The plaintext ends in '.' (0x2e), a pad length of 46, so the SK body
 * holds the first 114 - 1 - 46 = 67 bytes of text.
 */
static void sk_chacha_rfc7539(void **state)
{
	static const char text[] = "Ladies and Gentlemen of the class of '99: "
		"If I could offer you only one tip for the future, sunscreen would be it.";
	uint8_t aad[12], body[8 + 114 + 16], out[128], again[160];
	size_t len = sizeof(out), again_len = sizeof(again);
	struct sk_keys sk;

	sk_setup(&sk, IKE_ENCR_CHACHA20_POLY1305, 0,
		 "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
		 "07000000");
	unhex("50515253c0c1c2c3c4c5c6c7", aad, sizeof(aad));
	unhex("4041424344454647", body, 8);
	unhex("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	      "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	      "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	      "3ff4def08e4b7a9de576d26586cec64b6116"
	      "1ae10b594f09e26a7e902ecbd0600691", body + 8, sizeof(body) - 8);
	assert_int_equal(sk_decrypt(&sk, aad, sizeof(aad), body, sizeof(body),
				    out, &len), 0);
	assert_int_equal(len, 67);
	assert_memory_equal(out, text, 67);

	/* Encrypting the same IV and the 67 bytes keeps the key stream. */
	assert_int_equal(sk_encrypt_with_iv(&sk, body, aad, sizeof(aad), out,
					    len, again, &again_len), 0);
	assert_int_equal(again_len, 8 + 68 + 16);
	assert_memory_equal(again, body, 8 + 67);

	/* Decrypting in place works too. */
	len = sizeof(body);
	assert_int_equal(sk_decrypt(&sk, aad, sizeof(aad), body, sizeof(body),
				    body, &len), 0);
	assert_memory_equal(body, text, 67);
	sk_keys_destroy(&sk);
}

/*
 * AES-CBC-128 with HMAC_SHA2_256_128, computed with python3-cryptography
 * and hmac: key 60..6f, integrity key 70..8f, IV f0..ff, AAD 00..1f,
 * payloads "twenty bytes of text", padded with 11 zero bytes and pad
 * length 0b; ICV = HMAC-SHA256(integ key, AAD | IV | ciphertext)[0:16].
 */
static const char kat_cbc_body[] =
	"f0f1f2f3f4f5f6f7f8f9fafbfcfdfefffea47818357f09caf04463b3bcbc571e"
	"9c0518281554cb90d237ac646d0c254c2d6cc5aa7c016425a80a576ff45581a0";

static void cbc_keys(struct sk_keys *sk)
{
	uint8_t ek[16], ak[32];

	for (size_t i = 0; i < 16; i++)
		ek[i] = (uint8_t)(0x60 + i);
	for (size_t i = 0; i < 32; i++)
		ak[i] = (uint8_t)(0x70 + i);
	assert_int_equal(sk_keys_init(sk, xf(IKE_XF_ENCR, IKE_ENCR_AES_CBC, 128),
			 ek, xf(IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
			 ak), 0);
}

static void sk_cbc_kat(void **state)
{
	static const char text[] = "twenty bytes of text";
	uint8_t iv[16], aad[32], body[80], out[80];
	size_t len = sizeof(body), out_len = sizeof(out);
	struct sk_keys sk;

	cbc_keys(&sk);
	for (size_t i = 0; i < 16; i++)
		iv[i] = (uint8_t)(0xf0 + i);
	for (size_t i = 0; i < 32; i++)
		aad[i] = (uint8_t)i;
	assert_int_equal(sk_overhead(&sk, 20), 16 + 12 + 16);
	assert_int_equal(sk_encrypt_with_iv(&sk, iv, aad, sizeof(aad),
					    (const uint8_t *)text, 20,
					    body, &len), 0);
	assert_hex(body, len, kat_cbc_body);
	assert_int_equal(sk_decrypt(&sk, aad, sizeof(aad), body, len,
				    out, &out_len), 0);
	assert_int_equal(out_len, 20);
	assert_memory_equal(out, text, 20);
	sk_keys_destroy(&sk);
}

/* Round trips with random IVs; any flipped bit is refused. */
static void sk_roundtrip_tamper(const struct sk_keys *sk)
{
	uint8_t aad[32], plain[100], body[200], out[200];
	size_t len, out_len;

	memset(aad, 0x2e, sizeof(aad));
	for (size_t plain_len = 0; plain_len <= sizeof(plain); plain_len += 33) {
		memset(plain, (int)plain_len, plain_len);
		len = sizeof(body);
		assert_int_equal(sk_encrypt(sk, aad, sizeof(aad), plain,
					    plain_len, body, &len), 0);
		assert_int_equal(len, plain_len + sk_overhead(sk, plain_len));
		out_len = sizeof(out);
		assert_int_equal(sk_decrypt(sk, aad, sizeof(aad), body, len,
					    out, &out_len), 0);
		assert_int_equal(out_len, plain_len);
		assert_memory_equal(out, plain, plain_len);

		/* A bit flipped in the IV, ciphertext, ICV, or AAD. */
		for (size_t pos = 0; pos < len; pos += 7) {
			body[pos] ^= 0x01;
			out_len = sizeof(out);
			assert_int_equal(sk_decrypt(sk, aad, sizeof(aad), body,
						    len, out, &out_len),
					 -EBADMSG);
			body[pos] ^= 0x01;
		}
		body[len - 1] ^= 0x80;
		out_len = sizeof(out);
		assert_int_equal(sk_decrypt(sk, aad, sizeof(aad), body, len,
					    out, &out_len), -EBADMSG);
		body[len - 1] ^= 0x80;
		aad[5] ^= 0x10;
		out_len = sizeof(out);
		assert_int_equal(sk_decrypt(sk, aad, sizeof(aad), body, len,
					    out, &out_len), -EBADMSG);
		aad[5] ^= 0x10;

		/* Truncated bodies and short buffers. */
		out_len = sizeof(out);
		assert_int_equal(sk_decrypt(sk, aad, sizeof(aad), body, len - 1,
					    out, &out_len), -EBADMSG);
		out_len = 0;
		assert_int_equal(sk_decrypt(sk, aad, sizeof(aad), body, len,
					    out, &out_len), -ENOSPC);
		len--;
		assert_int_equal(sk_encrypt(sk, aad, sizeof(aad), plain,
					    plain_len, body, &len), -ENOSPC);
	}
}

static void sk_all_ciphers(void **state)
{
	struct ike_keys k;
	struct sk_keys sk;
	static const struct {
		unsigned int encr, bits, integ;
	} suites[] = {
		{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128 },
		{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_384_192 },
		{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256 },
		{ IKE_ENCR_AES_GCM_16, 128, 0 },
		{ IKE_ENCR_AES_GCM_16, 256, 0 },
		{ IKE_ENCR_CHACHA20_POLY1305, 0, 0 },
	};

	schedule_inputs();
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		const struct transform *integ = suites[i].integ ?
			xf(IKE_XF_INTEG, suites[i].integ, 0) : NULL;

		assert_int_equal(ike_keys_derive(&k, PRF256,
				 xf(IKE_XF_ENCR, suites[i].encr, suites[i].bits),
				 integ, g_ir, sizeof(g_ir), ni, sizeof(ni),
				 nr, sizeof(nr), spi_i, spi_r), 0);
		for (int dir = 0; dir < 2; dir++) {
			assert_int_equal(sk_keys_from_ike(&sk, &k, dir), 0);
			sk_roundtrip_tamper(&sk);
			sk_keys_destroy(&sk);
		}
		ike_keys_destroy(&k);
	}
}

static void sk_directions_differ(void **state)
{
	struct ike_keys k;
	struct sk_keys si, sr;
	uint8_t body[64], out[64];
	size_t len = sizeof(body), out_len = sizeof(out);

	sa1_derive(&k);
	assert_int_equal(sk_keys_from_ike(&si, &k, true), 0);
	assert_int_equal(sk_keys_from_ike(&sr, &k, false), 0);
	assert_int_equal(sk_encrypt(&si, NULL, 0, (const uint8_t *)"x", 1,
				    body, &len), 0);
	assert_int_equal(sk_decrypt(&sr, NULL, 0, body, len, out, &out_len),
			 -EBADMSG);
	sk_keys_destroy(&si);
	sk_keys_destroy(&sr);
	ike_keys_destroy(&k);
}

/* Random values */

static void random_values(void **state)
{
	static const uint8_t zero[32];
	uint8_t a[32], b[32], spi[8];
	uint32_t esp;

	assert_int_equal(random_nonce(a, sizeof(a)), 0);
	assert_int_equal(random_nonce(b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_int_equal(random_key(a, sizeof(a)), 0);
	assert_int_equal(random_iv(a, 16), 0);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(random_ike_spi(spi), 0);
		assert_memory_not_equal(spi, zero, sizeof(spi));
		assert_int_equal(random_esp_spi(&esp), 0);
		assert_true(esp >= 256);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(transforms_lookup),
		cmocka_unit_test(prf_rfc4231),
		cmocka_unit_test(prf_rfc4868),
		cmocka_unit_test(prf_plus_kat),
		cmocka_unit_test(prf_plus_limits),
		cmocka_unit_test(keys_ike_sa),
		cmocka_unit_test(keys_ike_sa_aead),
		cmocka_unit_test(keys_ike_rekey),
		cmocka_unit_test(keys_child_sa),
		cmocka_unit_test(keys_auth),
		cmocka_unit_test(dh_x25519_rfc7748),
		cmocka_unit_test(dh_ecp256_rfc5903),
		cmocka_unit_test(dh_ecp384_rfc5903),
		cmocka_unit_test(dh_ecp521_rfc5903),
		cmocka_unit_test(dh_x448_rfc7748),
		cmocka_unit_test(dh_modp_large),
		cmocka_unit_test(dh_generated_agree),
		cmocka_unit_test(dh_rejects),
		cmocka_unit_test(sk_gcm_spec_zero),
		cmocka_unit_test(sk_gcm_spec_aad),
		cmocka_unit_test(sk_chacha_rfc7539),
		cmocka_unit_test(sk_cbc_kat),
		cmocka_unit_test(sk_all_ciphers),
		cmocka_unit_test(sk_directions_differ),
		cmocka_unit_test(random_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
