// SPDX-License-Identifier: GPL-2.0
/*
 * Reloading the configuration (daemon/reload.c): A runs the connection
 * of a configuration file against B in memory; A reloads another file.
 * A change of settings not negotiated keeps the IKE and Child SAs, now
 * pointing at the new file's connection (the old configuration is freed
 * at once: ASan sees any pointer left into it); a changed proposal, a
 * removed connection, delete the SAs with a Delete to B; a new
 * connection with start = yes is initiated. One log line per
 * connection says which.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/log.h"
#include "daemon/reload.h"
#include "engine/child_sa.h"
#include "engine/ike_sa.h"
#include "tests/harness.h"

#define IKE1	"aes256gcm16-prfsha256-x25519"
#define IKE2	"aes128gcm16-prfsha256-ecp256"

static char dir[] = "/tmp/mif-reload-XXXXXX";
static struct world *w;
static struct conf *bconf;
static struct conf *cur;	/* A's, freed after A's engine */

/* Connection x of A (B with mirror set), with these settings. */
static void write_conf(const char *path, bool mirror, const char *more)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "[conn x]\nlocal = %s\nremote = %s\n"
		"local_id = fqdn:%s\nremote_id = fqdn:%s\n"
		"psk = 0x8f4b1c2e9a7d6e5f403122110ffeeddc\n"
		"local_ts = %s\nremote_ts = %s\n%s",
		mirror ? "198.51.100.2" : "192.0.2.1",
		mirror ? "192.0.2.1" : "198.51.100.2",
		mirror ? "b.example" : "a.example",
		mirror ? "a.example" : "b.example",
		mirror ? "10.2.0.0/16" : "10.1.0.0/16",
		mirror ? "10.1.0.0/16" : "10.2.0.0/16", more);
	fclose(f);
}

/* A configuration of A: [conn x] with more, then other sections. */
static struct conf *load(const char *more, const char *sections)
{
	char path[64], err[1024];
	struct conf *c;
	FILE *f;

	snprintf(path, sizeof(path), "%s/a.conf", dir);
	if (more) {
		write_conf(path, false, more);
	} else {
		f = fopen(path, "w");
		assert_non_null(f);
		fclose(f);
	}
	if (sections) {
		f = fopen(path, "a");
		assert_non_null(f);
		fputs(sections, f);
		fclose(f);
	}
	if (conf_load(path, &c, err, sizeof(err)))
		fail_msg("%s", err);
	return c;
}

static int setup(void **state)
{
	char path[64], err[1024];

	snprintf(path, sizeof(path), "%s/b.conf", dir);
	write_conf(path, true, "ike = " IKE1 ", " IKE2 "\ndpd = 0\n");
	if (conf_load(path, &bconf, err, sizeof(err)))
		fail_msg("%s", err);
	unlink(path);

	w = test_world_new(IKE_DH_CURVE25519, true);
	assert_int_equal(engine_add_conn(&w->e[1], &bconf->conns[0].conn), 0);
	return 0;
}

static int teardown(void **state)
{
	test_world_free(w);
	conf_free(bconf);
	conf_free(cur);
	cur = NULL;
	return 0;
}

static int make_dir(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/a.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/log", dir);
	unlink(path);
	return rmdir(dir);
}

/* mlog's lines (stderr) into a file while a reload runs. */
static int saved_stderr = -1;

static void log_begin(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "%s/log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static void log_end(char *buf, size_t len)
{
	char path[64];
	size_t n;
	FILE *f;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	snprintf(path, sizeof(path), "%s/log", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Make c A's configuration, after old; the log lines in buf. */
static void reload(struct conf *old, struct conf *c, uint64_t now,
		   char *buf, size_t len)
{
	log_begin();
	reload_conns(&w->e[0], old, c, now);
	reload_start(&w->e[0], c, now, NULL);
	log_end(buf, len);
}

/* A's IKE SA, established, with its Child SA; B's is too. */
static struct ikesa *up(uint64_t now)
{
	struct ikesa *sa;

	pump(w, now);
	sa = only_sa(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_int_equal(n_children(sa), 1);
	return sa;
}

/*
 * dpd changed: the same IKE and Child SAs, on the new connection, with
 * the new interval in force; the old configuration can go at once.
 */
static void dpd_keeps_sas(void **state)
{
	struct conf *c1 = load("ike = " IKE1 "\ndpd = 30s\nstart = yes\n",
			       NULL);
	struct conf *c2;
	struct ikesa *sa;
	uint64_t spi_i;
	uint32_t child_in;
	unsigned int sent;
	char buf[2048];

	reload(NULL, c1, 0, buf, sizeof(buf));
	sa = up(0);
	spi_i = sa->spi_i;
	child_in = sa->children->spi_in;

	c2 = load("ike = " IKE1 "\ndpd = 10s\nstart = yes\n"
		  "retransmit_tries = 4\n", NULL);
	reload(c1, c2, 1000, buf, sizeof(buf));
	conf_free(c1);
	assert_non_null(strstr(buf, "conn x: updated (dpd, retransmit_tries)"
			       ", 1 IKE SAs kept"));
	assert_int_equal(w->n, 0);		/* no Delete, no initiation */
	assert_ptr_equal(only_sa(w, 0), sa);
	assert_int_equal(sa->spi_i, spi_i);
	assert_int_equal(sa->children->spi_in, child_in);
	assert_ptr_equal(sa->conn, &c2->conns[0].conn);

	/* Liveness check after 10 s of silence, not 30. */
	sent = w->sent;
	engine_tick(&w->e[0], 9999);
	assert_int_equal(w->sent, sent);
	engine_tick(&w->e[0], 10000);
	assert_int_equal(w->sent, sent + 1);
	pump(w, 10000);
	assert_ptr_equal(only_sa(w, 0), sa);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);

	/* The same file again: kept. */
	c1 = load("ike = " IKE1 "\ndpd = 10s\nstart = yes\n"
		  "retransmit_tries = 4\n", NULL);
	reload(c2, c1, 12000, buf, sizeof(buf));
	conf_free(c2);
	assert_non_null(strstr(buf, "conn x: kept, 1 IKE SAs"));
	assert_ptr_equal(only_sa(w, 0), sa);
	assert_ptr_equal(sa->conn, &c1->conns[0].conn);
	cur = c1;
}

/*
 * The IKE proposal changed: the IKE SA is deleted with a Delete to B,
 * and, start = yes, set up anew with the new proposal.
 */
static void proposal_replaces_sas(void **state)
{
	struct conf *c1 = load("ike = " IKE1 "\nstart = yes\n", NULL);
	struct conf *c2;
	struct ikesa *sa;
	uint64_t spi_i;
	char buf[2048];

	reload(NULL, c1, 0, buf, sizeof(buf));
	sa = up(0);
	spi_i = sa->spi_i;
	assert_int_equal(sa->ke_group, IKE_DH_CURVE25519);

	c2 = load("ike = " IKE2 "\nstart = yes\n", NULL);
	reload(c1, c2, 1000, buf, sizeof(buf));
	assert_non_null(strstr(buf, "conn x: replaced (ike), 1 IKE SAs "
			       "deleted"));
	assert_non_null(strstr(buf, "conn x: initiating"));
	assert_int_equal(sa->state, IKESA_DELETING);
	assert_ptr_equal(sa->conn, &c1->conns[0].conn);
	pump(w, 1000);
	engine_tick(&w->e[0], 1000);
	sa = only_sa(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_true(sa->spi_i != spi_i);
	assert_int_equal(sa->ke_group, IKE_DH_ECP_256);
	assert_ptr_equal(sa->conn, &c2->conns[0].conn);
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(only_sa(w, 1)->spi_i, sa->spi_i);
	conf_free(c1);		/* nothing points into it any more */
	cur = c2;
}

/* Removed: deleted, B told; added with start = yes: initiated. */
static void removed_and_added(void **state)
{
	struct conf *c1 = load("ike = " IKE1 "\nstart = yes\n", NULL);
	struct conf *c2;
	char buf[2048];

	reload(NULL, c1, 0, buf, sizeof(buf));
	up(0);
	c2 = load(NULL, "[conn y]\nlocal = 192.0.2.1\nremote = 192.0.2.9\n"
		  "psk = 0x8f4b1c2e9a7d6e5f403122110ffeeddc\n"
		  "local_ts = 10.1.0.0/16\nremote_ts = 10.9.0.0/16\n");
	reload(c1, c2, 1000, buf, sizeof(buf));
	assert_non_null(strstr(buf, "conn x: removed, 1 IKE SAs deleted"));
	assert_non_null(strstr(buf, "conn y: added"));
	pump(w, 1000);
	engine_tick(&w->e[0], 1000);
	assert_null(w->e[0].sas);
	assert_null(w->e[1].sas);	/* B heard the Delete */
	assert_int_equal(live_sas(&w->f[0]), 0);
	assert_int_equal(live_pols(&w->f[0]), 0);
	conf_free(c1);

	/* x back, with start = yes: initiated. */
	c1 = load("ike = " IKE1 "\nstart = yes\n", NULL);
	reload(c2, c1, 2000, buf, sizeof(buf));
	conf_free(c2);
	assert_non_null(strstr(buf, "conn y: removed, 0 IKE SAs deleted"));
	assert_non_null(strstr(buf, "conn x: added"));
	assert_ptr_equal(up(2000)->conn, &c1->conns[0].conn);
	cur = c1;
}

/* Which changes replace the SAs, and the keys named. */
static void compare(void **state)
{
	struct conf *a = load("ike = " IKE1 "\n", NULL);
	struct conf *b, *v;
	char keys[256];

	b = load("ike = " IKE1 "\nchild_lifetime = 2h\nike_reauth = yes\n"
		 "unique = never\nretransmit_base = 1s\n", NULL);
	assert_int_equal(reload_compare(&a->conns[0], &b->conns[0], keys,
					sizeof(keys)), RELOAD_UPDATED);
	assert_string_equal(keys, "child_lifetime, ike_reauth, "
			    "retransmit_base, unique");
	conf_free(b);

	/* A negotiated change among others: only it is named. */
	b = load("ike = " IKE1 "\ndpd = 5s\nmode = transport\n"
		 "esp = aes128gcm16\nmif = no\n", NULL);
	assert_int_equal(reload_compare(&a->conns[0], &b->conns[0], keys,
					sizeof(keys)), RELOAD_REPLACED);
	assert_string_equal(keys, "esp, mode, mif");
	conf_free(b);

	/* What mifd does by itself on interface changes: on the SAs. */
	b = load("ike = " IKE1 "\nfailback = yes\nadd_interfaces = yes\n",
		 NULL);
	assert_int_equal(reload_compare(&a->conns[0], &b->conns[0], keys,
					sizeof(keys)), RELOAD_UPDATED);
	assert_string_equal(keys, "add_interfaces, failback");
	conf_free(b);
	b = load("ike = " IKE1 "\nadd_interfaces = cfg\nvips = 0.0.0.0\n",
		 NULL);
	v = load("ike = " IKE1 "\nvips = 0.0.0.0\n", NULL);
	assert_int_equal(reload_compare(&v->conns[0], &b->conns[0], keys,
					sizeof(keys)), RELOAD_UPDATED);
	assert_string_equal(keys, "add_interfaces");
	conf_free(v);
	conf_free(b);

	/* Keepalives change on the SAs; encapsulation is negotiated. */
	b = load("ike = " IKE1 "\nnat_keepalive = 5s\n", NULL);
	assert_int_equal(reload_compare(&a->conns[0], &b->conns[0], keys,
					sizeof(keys)), RELOAD_UPDATED);
	assert_string_equal(keys, "nat_keepalive");
	conf_free(b);
	b = load("ike = " IKE1 "\nencap = yes\n", NULL);
	assert_int_equal(reload_compare(&a->conns[0], &b->conns[0], keys,
					sizeof(keys)), RELOAD_REPLACED);
	assert_string_equal(keys, "encap");
	conf_free(b);

	b = load("ike = " IKE1 "\nremote_port = 600\nunique = no\n", NULL);
	assert_int_equal(reload_compare(&a->conns[0], &b->conns[0], keys,
					sizeof(keys)), RELOAD_REPLACED);
	assert_string_equal(keys, "remote_port");
	conf_free(b);

	b = load("ike = " IKE1 "\n", NULL);
	assert_int_equal(reload_compare(&a->conns[0], &b->conns[0], keys,
					sizeof(keys)), RELOAD_KEPT);
	assert_string_equal(keys, "");
	conf_free(b);
	conf_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(dpd_keeps_sas, setup, teardown),
		cmocka_unit_test_setup_teardown(proposal_replaces_sas, setup,
						teardown),
		cmocka_unit_test_setup_teardown(removed_and_added, setup,
						teardown),
		cmocka_unit_test(compare),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
