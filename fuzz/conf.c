// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the configuration file (user/conf/conf.c).
 *
 * The input is a mifd.conf, loaded through conf_load() from a memory
 * file. Checked besides the sanitizers: a refused file comes with a
 * reason, an accepted one has every connection complete and within its
 * bounds, and loading the same text twice gives equal connections
 * (conf_conn_equal() compares them byte for byte: that is what decides,
 * on reload, which IKE SAs stay).
 *
 * Certificates are not read: this target's sig_creds_load() below stands
 * in for GnuTLS, so that a path in the input cannot make the fuzzer read
 * a device or a large file. It refuses some sets of paths (by their
 * lengths), so that both outcomes are reached.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf/conf.h"
#include "crypto/sign.h"

static int fd = -1;
static char path[64];

int sig_creds_load(struct sig_creds **out, const char *cert_file,
		   const char *key_file, const char *ca_dir)
{
	size_t n = (cert_file ? strlen(cert_file) : 0) +
		   (key_file ? strlen(key_file) : 0) +
		   (ca_dir ? strlen(ca_dir) : 0);

	*out = NULL;
	if (n % 3 == 0)
		return n % 2 ? -ENOENT : -EINVAL;
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void sig_creds_free(struct sig_creds *c)
{
	free(c);
}

static void fail(const char *what, const char *name)
{
	fprintf(stderr, "conf: %s%s%s\n", what, name ? ": " : "",
		name ? name : "");
	abort();
}

static void check_conn(const struct conf_conn *cc)
{
	const struct conn *c = &cc->conn;

	if (c->name != cc->name)
		fail("conn.name does not point at its name", cc->name);
	if (!c->n_ike || c->n_ike > CONN_MAX_PROPOSALS ||
	    !c->n_esp || c->n_esp > CONN_MAX_PROPOSALS)
		fail("proposal count out of bounds", cc->name);
	for (unsigned int i = 0; i < c->n_ike; i++)
		if (!c->ike[i].n || c->ike[i].n > CONN_MAX_TRANSFORMS)
			fail("IKE transform count out of bounds", cc->name);
	for (unsigned int i = 0; i < c->n_esp; i++)
		if (!c->esp[i].n || c->esp[i].n > CONN_MAX_TRANSFORMS)
			fail("ESP transform count out of bounds", cc->name);
	if (c->n_local_ts > CONN_MAX_TS || c->n_remote_ts > CONN_MAX_TS)
		fail("selector count out of bounds", cc->name);
	if (c->local_id.len > CONN_MAX_ID || c->remote_id.len > CONN_MAX_ID ||
	    c->psk_len > CONN_MAX_PSK)
		fail("ID or key length out of bounds", cc->name);
	if (c->auth_method == IKE_AUTH_SHARED_KEY_MIC ? !c->psk_len :
	    !c->sig_creds)
		fail("no credentials", cc->name);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fd = memfd_create("mifd.conf", MFD_CLOEXEC);
	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[4096];
	struct conf *c, *again;

	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (conf_load(path, &c, err, sizeof(err))) {
		if (!err[0])
			fail("refused without a reason", NULL);
		return 0;
	}
	if (err[0])
		fail("accepted with a complaint", err);
	if (conf_load(path, &again, err, sizeof(err)))
		fail("accepted once, refused the second time", err);
	if (again->n_conns != c->n_conns)
		fail("a second load differs", NULL);
	for (unsigned int i = 0; i < c->n_conns; i++) {
		check_conn(&c->conns[i]);
		if (conf_find(c, c->conns[i].name) != &c->conns[i])
			fail("conf_find finds another", c->conns[i].name);
		if (!conf_conn_equal(&c->conns[i], &again->conns[i]))
			fail("a second load differs", c->conns[i].name);
	}
	conf_free(again);
	conf_free(c);
	return 0;
}
