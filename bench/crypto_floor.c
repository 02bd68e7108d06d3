// SPDX-License-Identifier: GPL-2.0
/*
 * crypto_floor: the IKE set-ups per second that the public-key work alone
 * allows, one process on one CPU, for the rows of bench/ike.sh. Not a
 * test. It calls mifd's own crypto (user/crypto/, linked from
 * ../build/libmif.a), so it does what mifd does, with Nettle and GnuTLS
 * as mifd uses them:
 *
 *   psk    per set-up, both peers' share of IKE_SA_INIT: two X25519 key
 *          generations (dh_generate) and two shared secrets (dh_shared)
 *   ecdsa  the same, plus both peers' share of IKE_AUTH with RFC 7427
 *          ECDSA P-256 signatures (auth = pubkey): two signatures
 *          (sig_sign, method 14, SHA-256), two certificate chain checks
 *          against the CA (sig_peer_load: import of the peer's
 *          certificate and gnutls_x509_trust_list_verify_crt2) and two
 *          AUTH verifications (sig_peer_verify)
 *
 * Nothing else of a set-up is counted: no key schedule, no encryption of
 * the messages, no kernel, no network, so the figure is a bound no daemon
 * reaches, and a daemon's rate over it says how much of its time goes to
 * anything but public-key operations.
 *
 *   crypto_floor [-t SECONDS] [-c CERTDIR] ROW...
 *
 * ROW is psk or ecdsa. CERTDIR (ecdsa) holds what
 * selftests/interop/certs.sh makes: eu.example.pem and .key (the
 * initiator), sg.example.pem and .key (the responder), and ca.d/ with the
 * CA; the credentials are loaded once, before the timing, as mifd loads
 * them with its configuration. Each row runs set-ups for SECONDS of
 * this process's CPU time (default 3), pinned to the CPU it starts on,
 * and prints one line:
 *
 *   FLOOR auth=ROW setups=S cpu_seconds=C setups_per_second=R
 *         keygen_us=.. shared_us=.. [sign_us=.. chain_us=.. verify_us=..]
 *
 * (one line), the microseconds being the mean of one operation. Exit
 * status 0, or 1 when an operation failed (nothing printed for its row).
 * Private keys, shared secrets and key pairs are wiped after each use.
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "crypto/dh.h"
#include "crypto/sign.h"
#include "ike/constants.h"

/* Time of one kind of operation, summed over a row. */
enum op { OP_KEYGEN, OP_SHARED, OP_SIGN, OP_CHAIN, OP_VERIFY, N_OPS };

static const char *const op_names[N_OPS] = {
	"keygen", "shared", "sign", "chain", "verify",
};

struct tally {
	double sec[N_OPS];
	unsigned long n[N_OPS];
};

/* CPU seconds of this process. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void count(struct tally *t, enum op op, double t0)
{
	t->sec[op] += cpu_s() - t0;
	t->n[op]++;
}

/*
 * One side's IKE_SA_INIT key exchange: a key pair and, from the peer's
 * public value, the shared secret; both wiped before returning.
 */
struct side {
	struct dh dh;
	uint8_t g_ir[DH_SHARED_MAX];
};

static int key_exchange(struct tally *t)
{
	struct side *i, *r;
	size_t ilen, rlen;
	const uint8_t *ipub, *rpub;
	double t0;
	int err;

	i = calloc(2, sizeof(*i));
	if (!i)
		return -ENOMEM;
	r = i + 1;
	t0 = cpu_s();
	err = dh_generate(&i->dh, IKE_DH_CURVE25519);
	count(t, OP_KEYGEN, t0);
	if (!err) {
		t0 = cpu_s();
		err = dh_generate(&r->dh, IKE_DH_CURVE25519);
		count(t, OP_KEYGEN, t0);
	}
	if (!err) {
		ipub = dh_public(&i->dh, &ilen);
		rpub = dh_public(&r->dh, &rlen);
		t0 = cpu_s();
		err = dh_shared(&r->dh, ipub, ilen, r->g_ir);
		count(t, OP_SHARED, t0);
	}
	if (!err) {
		t0 = cpu_s();
		err = dh_shared(&i->dh, rpub, rlen, i->g_ir);
		count(t, OP_SHARED, t0);
	}
	if (!err && memcmp(i->g_ir, r->g_ir, dh_shared_len(&i->dh)))
		err = -EIO;
	dh_destroy(&i->dh);
	dh_destroy(&r->dh);
	gnutls_memset(i, 0, 2 * sizeof(*i));
	free(i);
	return err;
}

/*
 * One side's AUTH: signer signs octets (method 14, with the hashes the
 * verifier announces), the verifier checks the signer's chain and the
 * signature, as auth_sig_peer_authentic() does.
 */
static int auth(struct tally *t, const struct sig_creds *signer,
		const struct sig_creds *verifier, const uint16_t *hashes,
		int n_hashes, const uint8_t *octets, size_t len)
{
	uint8_t sig[512];
	size_t sig_len = sizeof(sig);
	struct sig_peer peer;
	double t0;
	int err;

	t0 = cpu_s();
	err = sig_sign(signer, IKE_AUTH_DIGITAL_SIGNATURE, false, hashes,
		       n_hashes, octets, len, sig, &sig_len);
	count(t, OP_SIGN, t0);
	if (err)
		return err;
	t0 = cpu_s();
	err = sig_peer_load(&peer, verifier, signer->der, signer->n_certs);
	count(t, OP_CHAIN, t0);
	if (err)
		return err;
	t0 = cpu_s();
	err = sig_peer_verify(&peer, IKE_AUTH_DIGITAL_SIGNATURE, false, octets,
			      len, sig, sig_len);
	count(t, OP_VERIFY, t0);
	sig_peer_free(&peer);
	return err;
}

struct creds {
	struct sig_creds *i, *r;
	uint16_t hashes[SIG_N_HASHES];	/* SIGNATURE_HASH_ALGORITHMS */
	int n_hashes;
};

static int creds_load(struct creds *c, const char *dir)
{
	char cert[4096], key[4096], ca[4096];
	uint8_t list[2 * SIG_N_HASHES];
	size_t n = sig_hash_list(list);
	int err;

	snprintf(ca, sizeof(ca), "%s/ca.d", dir);
	snprintf(cert, sizeof(cert), "%s/eu.example.pem", dir);
	snprintf(key, sizeof(key), "%s/eu.example.key", dir);
	err = sig_creds_load(&c->i, cert, key, ca);
	if (err)
		return err;
	snprintf(cert, sizeof(cert), "%s/sg.example.pem", dir);
	snprintf(key, sizeof(key), "%s/sg.example.key", dir);
	err = sig_creds_load(&c->r, cert, key, ca);
	if (err)
		return err;
	for (size_t k = 0; k + 1 < n; k += 2)
		c->hashes[c->n_hashes++] = (uint16_t)(list[k] << 8 | list[k + 1]);
	return 0;
}

/* One row: set-ups for seconds of CPU time; 0 or a negative errno. */
static int row(const char *name, const struct creds *c, double seconds)
{
	/* What is signed: an IKE_SA_INIT message, a nonce, prf(SK_p, ID). */
	uint8_t octets[320 + 32 + 32];
	struct tally t = { { 0 }, { 0 } };
	unsigned long setups = 0;
	double t0, total;
	int err;

	if (gnutls_rnd(GNUTLS_RND_NONCE, octets, sizeof(octets)) < 0)
		return -EIO;
	t0 = cpu_s();
	do {
		err = key_exchange(&t);
		if (!err && c)
			err = auth(&t, c->i, c->r, c->hashes, c->n_hashes,
				   octets, sizeof(octets));
		if (!err && c)
			err = auth(&t, c->r, c->i, c->hashes, c->n_hashes,
				   octets, sizeof(octets));
		if (err)
			return err;
		setups++;
	} while (cpu_s() - t0 < seconds);
	total = cpu_s() - t0;
	printf("FLOOR auth=%s setups=%lu cpu_seconds=%.3f setups_per_second=%.1f",
	       name, setups, total, setups / total);
	for (int op = 0; op < N_OPS; op++)
		if (t.n[op])
			printf(" %s_us=%.1f", op_names[op],
			       1e6 * t.sec[op] / t.n[op]);
	printf("\n");
	fflush(stdout);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: crypto_floor [-t SECONDS] [-c CERTDIR] "
		"psk|ecdsa...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct creds c = { NULL, NULL, { 0 }, 0 };
	const char *dir = NULL;
	double seconds = 3;
	bool loaded = false;
	cpu_set_t cpus;
	int opt, ret = 0, err, cpu;

	while ((opt = getopt(argc, argv, "t:c:")) != -1) {
		switch (opt) {
		case 't':
			seconds = strtod(optarg, NULL);
			if (!(seconds > 0 && seconds <= 600))
				usage();
			break;
		case 'c':
			dir = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind == argc)
		usage();
	/* One CPU: the one we start on, where the daemons may run too. */
	cpu = sched_getcpu();
	if (cpu >= 0) {
		CPU_ZERO(&cpus);
		CPU_SET(cpu, &cpus);
		sched_setaffinity(0, sizeof(cpus), &cpus);
	}
	for (int k = optind; k < argc; k++) {
		if (!strcmp(argv[k], "psk")) {
			err = row("psk", NULL, seconds);
		} else if (!strcmp(argv[k], "ecdsa")) {
			if (!dir) {
				fprintf(stderr, "crypto_floor: ecdsa needs -c CERTDIR\n");
				return 2;
			}
			err = 0;
			if (!loaded) {
				err = creds_load(&c, dir);
				loaded = true;
				if (err)
					fprintf(stderr, "crypto_floor: credentials "
						"in %s: %s\n", dir, strerror(-err));
			}
			if (!err && c.i && c.r)
				err = row("ecdsa", &c, seconds);
			else
				err = err ? err : -EINVAL;
		} else {
			usage();
		}
		if (err) {
			fprintf(stderr, "crypto_floor: %s: %s\n", argv[k],
				strerror(-err));
			ret = 1;
		}
	}
	if (c.i)
		sig_creds_free(c.i);
	if (c.r)
		sig_creds_free(c.r);
	return ret;
}
