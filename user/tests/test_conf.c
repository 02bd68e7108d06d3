// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for conf/conf.c: mifd.conf parsing and validation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf/conf.h"
#include "ike/constants.h"

static char path[64];
static char err[8192];

/* Write text to a new temporary file; its name in path. */
static void write_file(const char *text)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_conf.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static struct conf *load_ok(const char *text)
{
	struct conf *c = NULL;

	write_file(text);
	if (conf_load(path, &c, err, sizeof(err)))
		fail_msg("refused: %s", err);
	unlink(path);
	assert_non_null(c);
	return c;
}

/* Refused, with an error containing ":line: " and want. */
static void load_bad(const char *text, unsigned int line, const char *want)
{
	struct conf *c = (struct conf *)1;
	char loc[96];

	write_file(text);
	assert_int_equal(conf_load(path, &c, err, sizeof(err)), -EINVAL);
	assert_null(c);
	snprintf(loc, sizeof(loc), "%s:%u: ", path, line);
	unlink(path);
	if (!strstr(err, loc) || !strstr(err, want))
		fail_msg("want \"%s\" ... \"%s\" in:\n%s", loc, want, err);
}

static const char minimal[] =
	"[conn a]\n"
	"local = 192.0.2.1\n"
	"remote = 198.51.100.2\n"
	"psk = secret\n";

static const struct ike_transform *find_xf(const struct conn_proposal *p,
					   uint8_t type)
{
	for (unsigned int i = 0; i < p->n; i++)
		if (p->xf[i].type == type)
			return &p->xf[i];
	return NULL;
}

static void defaults(void **state)
{
	struct conf *c = load_ok(minimal);
	struct conf_conn *cc;

	assert_int_equal(c->n_conns, 1);
	assert_string_equal(c->socket, CONF_DEFAULT_SOCKET);
	assert_int_equal(c->log_level, CONF_LOG_INFO);
	cc = conf_find(c, "a");
	assert_non_null(cc);
	assert_string_equal(cc->conn.name, "a");
	assert_int_equal(cc->conn.local_port, 500);
	assert_int_equal(cc->conn.remote_port, 500);
	assert_int_equal(cc->conn.mode, KERNEL_MODE_TUNNEL);
	assert_false(cc->start);
	assert_int_equal(cc->conn.psk_len, 6);
	assert_memory_equal(cc->conn.psk, "secret", 6);
	/* IDs from the addresses. */
	assert_int_equal(cc->conn.local_id.type, IKE_ID_IPV4_ADDR);
	assert_int_equal(cc->conn.local_id.len, 4);
	assert_memory_equal(cc->conn.local_id.data, "\xc0\x00\x02\x01", 4);
	assert_int_equal(cc->conn.remote_id.type, IKE_ID_IPV4_ADDR);
	/* Selectors: the outer addresses. */
	assert_int_equal(cc->conn.n_local_ts, 1);
	assert_memory_equal(cc->conn.local_ts[0].start, "\xc0\x00\x02\x01", 4);
	assert_memory_equal(cc->conn.local_ts[0].end, "\xc0\x00\x02\x01", 4);
	assert_int_equal(cc->conn.local_ts[0].end_port, 65535);
	/* Default proposals. */
	assert_true(cc->conn.n_ike >= 1);
	assert_true(cc->conn.n_esp >= 1);
	assert_non_null(find_xf(&cc->conn.ike[0], IKE_XF_DH));
	assert_non_null(find_xf(&cc->conn.ike[0], IKE_XF_PRF));
	assert_non_null(find_xf(&cc->conn.esp[0], IKE_XF_ESN));
	assert_null(conf_find(c, "b"));
	conf_free(c);
}

static void full(void **state)
{
	struct conf *c = load_ok(
		"# a comment\n"
		"[mifd]\n"
		"log_level = debug\n"
		"socket = /tmp/x.sock\n"
		"cookie_threshold = 10\n"
		"\n"
		"[conn one]\n"
		"local = 10.1.1.1\n"
		"remote = 10.1.1.2\n"
		"local_port = 4500\n"
		"remote_port = 4501\n"
		"local_id = fqdn:eu.example\n"
		"remote_id = email:sg@example.org\n"
		"auth = psk\n"
		"psk = 0x00ff10\n"
		"ike = aes256gcm16-prf_sha256-x25519, aes128-sha256-modp2048\n"
		"esp = aes256-sha256-x25519-esn, chacha20poly1305\n"
		"local_ts = 172.16.1.0/24, 10.0.0.1[tcp/80-90]\n"
		"remote_ts = 172.17.0.1/32\n"
		"mode = transport\n"
		"dpd = 2\n"
		"ike_lifetime = 1h\n"
		"child_lifetime = 20m\n"
		"retransmit_base = 300ms\n"
		"retransmit_tries = 3\n"
		"start = yes\n"
		"[conn two]\n"
		"local = fd01:2::1\n"
		"remote = %any\n"
		"remote_ts = fd00::/8\n"
		"remote_id = %any\n"
		"local_id = dn:CN=eu, O=mif\n"
		"psk = x\n");
	struct conf_conn *a, *b;
	const struct conn_proposal *p;

	assert_int_equal(c->log_level, CONF_LOG_DEBUG);
	assert_string_equal(c->socket, "/tmp/x.sock");
	assert_int_equal(c->cookie_threshold, 10);
	assert_int_equal(c->n_conns, 2);
	a = conf_find(c, "one");
	assert_non_null(a);
	assert_int_equal(a->conn.local_port, 4500);
	assert_int_equal(a->conn.remote_port, 4501);
	assert_int_equal(a->conn.local_id.type, IKE_ID_FQDN);
	assert_int_equal(a->conn.local_id.len, 10);
	assert_memory_equal(a->conn.local_id.data, "eu.example", 10);
	assert_int_equal(a->conn.remote_id.type, IKE_ID_RFC822_ADDR);
	assert_int_equal(a->conn.psk_len, 3);
	assert_memory_equal(a->conn.psk, "\x00\xff\x10", 3);

	assert_int_equal(a->conn.n_ike, 2);
	p = &a->conn.ike[0];
	assert_int_equal(find_xf(p, IKE_XF_ENCR)->id, IKE_ENCR_AES_GCM_16);
	assert_int_equal(find_xf(p, IKE_XF_ENCR)->key_len, 256);
	assert_int_equal(find_xf(p, IKE_XF_PRF)->id, IKE_PRF_HMAC_SHA2_256);
	assert_int_equal(find_xf(p, IKE_XF_DH)->id, IKE_DH_CURVE25519);
	assert_null(find_xf(p, IKE_XF_INTEG));
	p = &a->conn.ike[1];
	assert_int_equal(find_xf(p, IKE_XF_ENCR)->id, IKE_ENCR_AES_CBC);
	assert_int_equal(find_xf(p, IKE_XF_ENCR)->key_len, 128);
	assert_int_equal(find_xf(p, IKE_XF_INTEG)->id,
			 IKE_INTEG_HMAC_SHA2_256_128);
	/* The PRF follows the integrity algorithm. */
	assert_int_equal(find_xf(p, IKE_XF_PRF)->id, IKE_PRF_HMAC_SHA2_256);
	assert_int_equal(find_xf(p, IKE_XF_DH)->id, IKE_DH_MODP_2048);

	assert_int_equal(a->conn.n_esp, 2);
	p = &a->conn.esp[0];
	assert_int_equal(find_xf(p, IKE_XF_ENCR)->id, IKE_ENCR_AES_CBC);
	assert_int_equal(find_xf(p, IKE_XF_DH)->id, IKE_DH_CURVE25519);
	assert_int_equal(find_xf(p, IKE_XF_ESN)->id, IKE_ESN_YES);
	assert_null(find_xf(p, IKE_XF_PRF));
	p = &a->conn.esp[1];
	assert_int_equal(find_xf(p, IKE_XF_ENCR)->id,
			 IKE_ENCR_CHACHA20_POLY1305);
	assert_int_equal(find_xf(p, IKE_XF_ESN)->id, IKE_ESN_NO);

	assert_int_equal(a->conn.n_local_ts, 2);
	assert_memory_equal(a->conn.local_ts[0].start, "\xac\x10\x01\x00", 4);
	assert_memory_equal(a->conn.local_ts[0].end, "\xac\x10\x01\xff", 4);
	assert_int_equal(a->conn.local_ts[1].ip_proto, 6);
	assert_int_equal(a->conn.local_ts[1].start_port, 80);
	assert_int_equal(a->conn.local_ts[1].end_port, 90);
	assert_int_equal(a->conn.n_remote_ts, 1);
	assert_int_equal(a->conn.mode, KERNEL_MODE_TRANSPORT);
	assert_int_equal(a->conn.dpd_ms, 2000);
	assert_int_equal(a->conn.ike_lifetime_s, 3600);
	assert_int_equal(a->conn.child_lifetime_s, 1200);
	assert_int_equal(a->conn.retrans_base_ms, 300);
	assert_int_equal(a->conn.retrans_tries, 3);
	assert_true(a->start);

	b = conf_find(c, "two");
	assert_non_null(b);
	assert_int_equal(b->conn.local.family, AF_INET6);
	assert_int_equal(b->conn.remote.family, 0);
	assert_int_equal(b->conn.remote_id.len, 0);
	assert_int_equal(b->conn.local_id.type, IKE_ID_DER_ASN1_DN);
	assert_int_equal(b->conn.local_id.data[0], 0x30);
	assert_int_equal(b->conn.remote_ts[0].type, IKE_TS_IPV6_ADDR_RANGE);
	assert_int_equal(b->conn.remote_ts[0].start[0], 0xfd);
	assert_int_equal(b->conn.remote_ts[0].end[15], 0xff);
	assert_int_equal(b->conn.local_ts[0].type, IKE_TS_IPV6_ADDR_RANGE);
	conf_free(c);
}

static void errors(void **state)
{
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = s\ncolour = blue\n", 5, "unknown key \"colour\"");
	load_bad("[conn a]\nlocal = 192.0.2.300\nremote = 198.51.100.2\n"
		 "psk = s\n", 2, "not an IPv4 or IPv6 address");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = s\nike = aes256-sha256-x448\n", 5,
		 "unknown algorithm \"x448\"");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = s\nike = aes256gcm16-prfsha256\n", 5,
		 "needs a Diffie-Hellman group");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = s\nesp = aes256\n", 5, "needs an integrity");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = s\nesp = aes256gcm16-sha256\n", 5, "AEAD");
	load_bad("\n[conn a]\nlocal = 192.0.2.1\npsk = s\n", 2,
		 "missing required key \"remote\"");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n", 1,
		 "needs a \"psk\"");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = s\n[conn a]\n", 5, "duplicate connection \"a\"");
	load_bad("[conn a]\nlocal = 192.0.2.1\nlocal = 192.0.2.2\n"
		 "remote = 198.51.100.2\npsk = s\n", 3, "duplicate key");
	load_bad("[peer a]\n", 1, "unknown section");
	load_bad("local = 1.2.3.4\n", 1, "outside of a section");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 2001:db8::1\n"
		 "psk = s\n", 1, "same address family");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = s\nmode = tunnnel\n", 5, "neither tunnel nor transport");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = s\nlocal_ts = 10.0.0.0/33\n", 5, "bad prefix length");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = s\nlocal_ts = 10.0.0.0/8[icmp/80]\n", 5,
		 "ports need protocol");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = s\nlocal_id = x500:foo\n", 5, "unknown identity type");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = 0xabc\n", 4, "hex digits");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = s\ndpd = soon\n", 5, "dpd");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = s\nstart = maybe\n", 5, "start");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = %any\n"
		 "psk = s\nremote_ts = 10.0.0.0/8\nstart = yes\n", 6,
		 "needs a remote address");
	load_bad("[mifd]\nlog_level = chatty\n", 2, "unknown level");
	load_bad("[mifd]\nsocket = relative.sock\n", 2, "absolute path");
	load_bad("[conn a b]\n", 1, "bad connection name");
	load_bad("[conn a\n", 1, "syntax error");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "auth = pubkey\n", 4, "needs \"cert\" and \"key\"");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "auth = pubkey\ncert = /nonexistent/a.pem\n"
		 "key = /nonexistent/a.key\nca_dir = /nonexistent\n", 7,
		 "cannot load the certificates");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = s\ncacert = /x/ca.pem\n", 5, "use ca_dir");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "auth = kerberos\n", 4, "unknown method");
}

static void several_errors(void **state)
{
	/* Every problem is reported, not only the first. */
	load_bad("[conn a]\nlocal = nowhere\nremote = 198.51.100.2\n"
		 "psk = s\nfoo = 1\n", 2, "local");
	assert_non_null(strstr(err, ":5: unknown key \"foo\""));
}

static void missing_file(void **state)
{
	struct conf *c;

	assert_int_equal(conf_load("/nonexistent/mifd.conf", &c, err,
				   sizeof(err)), -ENOENT);
	assert_null(c);
	assert_non_null(strstr(err, "/nonexistent/mifd.conf"));
}

static void equal(void **state)
{
	struct conf *a = load_ok(minimal), *b = load_ok(minimal);
	struct conf *c = load_ok("[conn a]\nlocal = 192.0.2.1\n"
				 "remote = 198.51.100.2\npsk = other\n");

	assert_true(conf_conn_equal(&a->conns[0], &b->conns[0]));
	assert_false(conf_conn_equal(&a->conns[0], &c->conns[0]));
	conf_free(a);
	conf_free(b);
	conf_free(c);
}

static void levels(void **state)
{
	assert_int_equal(conf_log_level_parse("warning"), CONF_LOG_WARNING);
	assert_int_equal(conf_log_level_parse("ERROR"), CONF_LOG_ERR);
	assert_int_equal(conf_log_level_parse("nope"), -1);
	assert_string_equal(conf_log_level_name(CONF_LOG_DEBUG), "debug");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(full),
		cmocka_unit_test(errors),
		cmocka_unit_test(several_errors),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(equal),
		cmocka_unit_test(levels),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
