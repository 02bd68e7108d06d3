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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

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

/*
 * Refused: returns how many problems err reports (one line each), each
 * checked to start with "PATH:LINE: ".
 */
static unsigned int refuse(const char *text)
{
	struct conf *c = (struct conf *)1;
	unsigned int n = 0;
	const char *p;

	write_file(text);
	assert_int_equal(conf_load(path, &c, err, sizeof(err)), -EINVAL);
	assert_null(c);
	unlink(path);
	for (p = err; *p; p = strchr(p, '\n') + 1) {
		if (strncmp(p, path, strlen(path)) || p[strlen(path)] != ':')
			fail_msg("error line without the file name:\n%s", err);
		if (!strchr(p, '\n'))
			fail_msg("error not terminated by a newline:\n%s", err);
		n++;
	}
	return n;
}

/* The last refuse reported "PATH:LINE: " followed, on that line, by want. */
static void has_error(unsigned int line, const char *want)
{
	char loc[96];
	const char *p, *nl;

	snprintf(loc, sizeof(loc), "%s:%u: ", path, line);
	for (p = err; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		if (!strncmp(p, loc, strlen(loc)) &&
		    memmem(p, (size_t)(nl - p), want, strlen(want)))
			return;
	}
	fail_msg("want \"%s%s\" in:\n%s", loc, want, err);
}

/* A shared key of the shortest length accepted. */
#define PSK_LINE	"psk = sixteen-byte-key\n"

/* A valid [conn a]: keys added after it are at line 5 onwards. */
#define CONN_A	"[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n" \
		PSK_LINE

/* Refused with exactly one problem, at line, saying want. */
static void one_error(const char *text, unsigned int line, const char *want)
{
	unsigned int n = refuse(text);

	has_error(line, want);
	if (n != 1)
		fail_msg("want 1 problem, got %u:\n%s", n, err);
}

static const char minimal[] =
	"[conn a]\n"
	"local = 192.0.2.1\n"
	"remote = 198.51.100.2\n"
	"psk = correct horse battery\n";

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
	assert_int_equal(c->cookie_threshold, 10);
	assert_true(c->cookie_modp);
	assert_int_equal(c->half_open_max, 1000);
	assert_int_equal(c->half_open_max_peer, 5);
	cc = conf_find(c, "a");
	assert_non_null(cc);
	assert_string_equal(cc->conn.name, "a");
	assert_int_equal(cc->conn.local_port, 500);
	assert_int_equal(cc->conn.remote_port, 500);
	assert_int_equal(cc->conn.mode, KERNEL_MODE_TUNNEL);
	assert_int_equal(cc->conn.unique, CONN_UNIQUE_REPLACE);
	assert_false(cc->start);
	assert_int_equal(cc->conn.psk_len, 21);
	assert_memory_equal(cc->conn.psk, "correct horse battery", 21);
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
		"cookie_modp = no\n"
		"half_open_max = 200\n"
		"half_open_max_peer = 0\n"
		"\n"
		"[conn one]\n"
		"local = 10.1.1.1\n"
		"remote = 10.1.1.2\n"
		"local_port = 4500\n"
		"remote_port = 4501\n"
		"local_id = fqdn:eu.example\n"
		"remote_id = email:sg@example.org\n"
		"auth = psk\n"
		"psk = 0x00ff10112233445566778899aabbccdd\n"
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
		"alternates_after = 1\n"
		"start = yes\n"
		"unique = never\n"
		"[conn two]\n"
		"local = fd01:2::1\n"
		"remote = %any\n"
		"remote_ts = fd00::/8\n"
		"remote_id = %any\n"
		"local_id = dn:CN=eu, O=mif\n"
		PSK_LINE);
	struct conf_conn *a, *b;
	const struct conn_proposal *p;

	assert_int_equal(c->log_level, CONF_LOG_DEBUG);
	assert_string_equal(c->socket, "/tmp/x.sock");
	assert_int_equal(c->cookie_threshold, 10);
	assert_false(c->cookie_modp);
	assert_int_equal(c->half_open_max, 200);
	assert_int_equal(c->half_open_max_peer, 0);
	assert_int_equal(c->n_conns, 2);
	a = conf_find(c, "one");
	assert_non_null(a);
	assert_int_equal(a->conn.local_port, 4500);
	assert_int_equal(a->conn.remote_port, 4501);
	assert_int_equal(a->conn.local_id.type, IKE_ID_FQDN);
	assert_int_equal(a->conn.local_id.len, 10);
	assert_memory_equal(a->conn.local_id.data, "eu.example", 10);
	assert_int_equal(a->conn.remote_id.type, IKE_ID_RFC822_ADDR);
	assert_int_equal(a->conn.psk_len, 16);
	assert_memory_equal(a->conn.psk, "\x00\xff\x10\x11", 4);

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
	assert_int_equal(a->conn.alt_after, 1);
	assert_true(a->start);
	assert_int_equal(a->conn.unique, CONN_UNIQUE_NEVER);

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
		 PSK_LINE "colour = blue\n", 5, "unknown key \"colour\"");
	load_bad("[conn a]\nlocal = 192.0.2.300\nremote = 198.51.100.2\n"
		 PSK_LINE, 2, "not an IPv4 or IPv6 address");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 PSK_LINE "ike = aes256-sha256-modp1024\n", 5,
		 "unknown algorithm \"modp1024\"");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 PSK_LINE "ike = aes256gcm16-prfsha256\n", 5,
		 "needs a Diffie-Hellman group");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 PSK_LINE "esp = aes256\n", 5, "needs an integrity");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 PSK_LINE "esp = aes256gcm16-sha256\n", 5, "AEAD");
	load_bad("\n[conn a]\nlocal = 192.0.2.1\n" PSK_LINE, 2,
		 "missing required key \"remote\"");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n", 1,
		 "needs a \"psk\"");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 PSK_LINE "[conn a]\n", 5, "duplicate connection \"a\"");
	load_bad("[conn a]\nlocal = 192.0.2.1\nlocal = 192.0.2.2\n"
		 "remote = 198.51.100.2\n" PSK_LINE, 3, "duplicate key");
	load_bad("[peer a]\n", 1, "unknown section");
	load_bad("local = 1.2.3.4\n", 1, "outside of a section");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 2001:db8::1\n"
		 PSK_LINE, 1, "same address family");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 PSK_LINE "mode = tunnnel\n", 5, "neither tunnel nor transport");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 PSK_LINE "local_ts = 10.0.0.0/33\n", 5, "bad prefix length");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 PSK_LINE "local_ts = 10.0.0.0/8[icmp/80]\n", 5,
		 "ports need protocol");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 PSK_LINE "local_id = x500:foo\n", 5, "unknown identity type");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = 0xabc\n", 4, "hex digits");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 PSK_LINE "dpd = soon\n", 5, "dpd");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 PSK_LINE "start = maybe\n", 5, "start");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = %any\n"
		 PSK_LINE "remote_ts = 10.0.0.0/8\nstart = yes\n", 6,
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
		 PSK_LINE "cacert = /x/ca.pem\n", 5, "use ca_dir");
	load_bad("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "auth = kerberos\n", 4, "unknown method");
}

static void unknown_key(void **state)
{
	one_error(CONN_A "colour = blue\n", 5,
		  "unknown key \"colour\" in [conn a]");
	one_error("[mifd]\nlog_level = info\nthreads = 4\n", 3,
		  "unknown key \"threads\" in [mifd]");
	/* Keys are case sensitive. */
	one_error(CONN_A "Mode = tunnel\n", 5, "unknown key \"Mode\"");
	/* A [conn] key in [mifd], and the other way round. */
	one_error("[mifd]\nlocal = 192.0.2.1\n", 2,
		  "unknown key \"local\" in [mifd]");
	one_error(CONN_A "log_level = debug\n", 5,
		  "unknown key \"log_level\" in [conn a]");
	/* strongSwan's name for the CA: pointed at ca_dir. */
	one_error(CONN_A "cacert = /etc/ca.pem\n", 5,
		  "cacert: not supported; use ca_dir");
	/* An unknown section is reported once, not each of its keys. */
	one_error("[mifd]\n\n[connection a]\nlocal = 192.0.2.1\nx = y\n", 3,
		  "unknown section [connection a]");
	one_error("# comment\nlocal = 192.0.2.1\n[mifd]\n", 2,
		  "key \"local\" outside of a section");
	/* Every unknown key is reported, in order. */
	assert_int_equal(refuse(CONN_A "a1 = 1\na2 = 2\n\n[mifd]\nb1 = 3\n"), 3);
	has_error(5, "unknown key \"a1\" in [conn a]");
	has_error(6, "unknown key \"a2\" in [conn a]");
	has_error(9, "unknown key \"b1\" in [mifd]");
}

static void bad_value(void **state)
{
	/* Each problem of one file, at its own line. */
	assert_int_equal(refuse(CONN_A
		"mode = tunnnel\n"			/* 5 */
		"start = maybe\n"
		"rsa_pss = perhaps\n"
		"local_port = 0\n"
		"remote_port = 65536\n"
		"retransmit_tries = 21\n"		/* 10 */
		"retransmit_base = 5ms\n"
		"local_id = ip:nowhere\n"
		"remote_id = x500:foo\n"
		"local_ts =\n"
		"ike_reauth = sometimes\n"), 11);
	has_error(5, "mode: \"tunnnel\" is neither tunnel nor transport");
	has_error(6, "start: \"maybe\" is yes, no or trap");
	has_error(7, "rsa_pss: \"perhaps\" is neither yes nor no");
	has_error(8, "local_port: \"0\" is not a port");
	has_error(9, "remote_port: \"65536\" is not a port");
	has_error(10, "retransmit_tries: \"21\" is not a number from 0 to 20");
	has_error(11, "retransmit_base: \"5ms\" is not a duration from 10ms");
	has_error(12, "local_id: \"nowhere\" is not an IP address");
	has_error(13, "remote_id: unknown identity type \"x500:\"");
	has_error(14, "local_ts: empty value");
	has_error(15, "ike_reauth: \"sometimes\" is neither yes nor no");

	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		  "auth = kerberos\n" PSK_LINE, 4,
		  "auth: unknown method \"kerberos\"");
	one_error(CONN_A "retransmit_base = 601s\n", 5, "retransmit_base");
	one_error(CONN_A "mif = perhaps\n", 5,
		  "mif: \"perhaps\" is neither yes nor no");
	one_error(CONN_A "per_interface = 3\n", 5,
		  "per_interface: \"3\" is neither yes nor no");
	one_error(CONN_A "fragmentation = maybe\n", 5,
		  "fragmentation: \"maybe\" is neither yes nor no");
	one_error(CONN_A "fragment_size = 575\n", 5,
		  "fragment_size: \"575\" is not a number from 576 to 65535");
	one_error(CONN_A "fragment_size = 65536\n", 5, "fragment_size");
	one_error(CONN_A "local_port = -1\n", 5, "local_port: \"-1\"");
	one_error(CONN_A "remote_port = 500x\n", 5, "remote_port: \"500x\"");
	/* psk: at most 128 bytes, as text or hex. */
	{
		char text[400];

		snprintf(text, sizeof(text), "[conn a]\nlocal = 192.0.2.1\n"
			 "remote = 198.51.100.2\npsk = %0129d\n", 0);
		one_error(text, 4, "psk: longer than 128 bytes");
	}
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		  "psk = 0xzz\n", 4, "psk: \"0x\" must be followed");
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		  "psk = 0x\n", 4, "psk: \"0x\" must be followed");
	/* [mifd] */
	assert_int_equal(refuse("[mifd]\nlog_level = chatty\n"
				"socket = run/mifd.sock\n"
				"cookie_threshold = many\n"), 3);
	has_error(2, "log_level: unknown level \"chatty\"");
	has_error(3, "socket: must be an absolute path");
	has_error(4, "cookie_threshold: \"many\" is not a number");
	one_error("[mifd]\ncookie_threshold = 1000001\n", 2,
		  "cookie_threshold: \"1000001\"");
	one_error("[mifd]\ncookie_modp = maybe\n", 2,
		  "cookie_modp: \"maybe\" is neither yes nor no");
	one_error("[mifd]\nhalf_open_max = -1\n", 2,
		  "half_open_max: \"-1\" is not a number");
	one_error("[mifd]\nhalf_open_max_peer = 5x\n", 2,
		  "half_open_max_peer: \"5x\"");
	one_error(CONN_A "cert = etc/eu.pem\n", 5,
		  "cert: must be an absolute path");
}

static void missing_key(void **state)
{
	/* Reported at the section's line, naming the connection. */
	one_error("\n[conn a]\nremote = 198.51.100.2\n" PSK_LINE, 2,
		  "[conn a]: missing required key \"local\"");
	one_error("[conn a]\nlocal = 192.0.2.1\n" PSK_LINE, 1,
		  "[conn a]: missing required key \"remote\"");
	assert_int_equal(refuse("[conn a]\n" PSK_LINE), 2);
	has_error(1, "missing required key \"local\"");
	has_error(1, "missing required key \"remote\"");
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n", 1,
		  "[conn a]: auth = psk needs a \"psk\" key");
	/* The second section, and the last one of the file. */
	one_error(CONN_A "\n[conn b]\nlocal = 192.0.2.1\n" PSK_LINE "\n"
		  "[conn c]\nlocal = 192.0.2.1\nremote = 198.51.100.3\n"
		  PSK_LINE, 6, "[conn b]: missing required key \"remote\"");
	one_error(CONN_A "[conn b]\nremote = 198.51.100.3\n" PSK_LINE, 5,
		  "[conn b]: missing required key \"local\"");
	/* Signatures: cert and key, then ca_dir (at the auth line). */
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		  "auth = pubkey\nkey = /etc/mifd/eu.key\n", 4,
		  "[conn a]: auth with signatures needs \"cert\" and \"key\"");
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		  "auth = ecdsa256\ncert = /etc/mifd/eu.pem\n"
		  "key = /etc/mifd/eu.key\n", 4,
		  "[conn a]: auth with signatures needs \"ca_dir\"");
	one_error(CONN_A "cert = /etc/mifd/eu.pem\n", 5,
		  "cert and key are for auth = pubkey");
	/* remote = %any: the peer's selectors cannot default. */
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = %any\n" PSK_LINE, 1,
		  "[conn a]: remote = %any needs remote_ts");
}

/*
 * Every DH group by its strongSwan keyword, x448 as curve448's alias; one
 * group per proposal, in the order written.
 */
static void dh_groups(void **state)
{
	static const unsigned int want[][2] = {
		{ IKE_DH_MODP_3072, IKE_DH_MODP_4096 },
		{ IKE_DH_ECP_521, IKE_DH_CURVE448 },
		{ IKE_DH_CURVE448, IKE_DH_ECP_384 },
	};
	struct conf *c = load_ok(CONN_A
		"ike = aes128-sha256-modp3072, aes128-sha256-modp4096, "
		"aes256gcm16-prfsha384-ecp521, aes256gcm16-prfsha256-curve448\n"
		"esp = aes256gcm16-x448, aes128gcm16-ecp384\n");
	const struct conn *cn = &conf_find(c, "a")->conn;

	assert_int_equal(cn->n_ike, 4);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(find_xf(&cn->ike[i], IKE_XF_DH)->id,
				 want[i / 2][i % 2]);
	assert_int_equal(cn->n_esp, 2);
	for (unsigned int i = 0; i < 2; i++)
		assert_int_equal(find_xf(&cn->esp[i], IKE_XF_DH)->id,
				 want[2][i]);
	conf_free(c);
}

static void bad_proposal(void **state)
{
	one_error(CONN_A "ike = aes256-sha256-modp1024\n", 5,
		  "ike: unknown algorithm \"modp1024\"");
	one_error(CONN_A "ike = aes256gcm16-prfsha256\n", 5,
		  "ike: an IKE proposal needs a Diffie-Hellman group");
	one_error(CONN_A "ike = aes256gcm16-sha256-x25519\n", 5,
		  "ike: an AEAD cipher takes no integrity algorithm");
	one_error(CONN_A "ike = aes128-x25519\n", 5,
		  "ike: a cipher without AEAD needs an integrity algorithm");
	one_error(CONN_A "ike = sha256-prfsha256-x25519\n", 5,
		  "ike: proposal without an encryption algorithm");
	one_error(CONN_A "ike = aes128gcm16-aes128-sha256-x25519\n", 5,
		  "ike: a proposal cannot mix AEAD");
	one_error(CONN_A "ike = ,\n", 5, "ike: no proposal");
	one_error(CONN_A "ike = aes128gcm16-x25519, aes256gcm16-x25519, "
		  "aes128-sha256-ecp256, aes256-sha384-ecp384, "
		  "chacha20poly1305-x25519\n", 5, "ike: more than 4 proposals");
	/* The second proposal is the bad one. */
	one_error(CONN_A "ike = aes256gcm16-x25519, aes128-md5-modp2048\n", 5,
		  "ike: unknown algorithm \"md5\"");
	one_error(CONN_A "esp = aes256gcm16-prfsha256\n", 5,
		  "esp: \"prfsha256\" is a PRF, which ESP does not use");
	one_error(CONN_A "esp = aes256\n", 5,
		  "esp: a cipher without AEAD needs an integrity algorithm");
	one_error(CONN_A "esp = esn\n", 5,
		  "esp: proposal without an encryption algorithm");
	one_error(CONN_A "esp = 3des-sha1\n", 5,
		  "esp: unknown algorithm \"3des\"");
	/* A bad ike and a bad esp: both reported. */
	assert_int_equal(refuse(CONN_A "ike = blowfish-x25519\n"
				"esp = aes128gcm16-sha1\n"), 2);
	has_error(5, "ike: unknown algorithm \"blowfish\"");
	has_error(6, "esp: ");
}

static void bad_address(void **state)
{
	/* A bad local or remote is one problem, at its own line. */
	one_error("[conn a]\nlocal = 192.0.2.300\nremote = 198.51.100.2\n"
		  PSK_LINE, 2,
		  "local: \"192.0.2.300\" is not an IPv4 or IPv6 address");
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = sg.example.org\n"
		  PSK_LINE, 3, "remote: \"sg.example.org\" is not an IPv4 "
		  "or IPv6 address (or %any)");
	one_error("[conn a]\nlocal = 192.0.2.1/24\nremote = 198.51.100.2\n"
		  PSK_LINE, 2, "local: \"192.0.2.1/24\" is not an IPv4");
	one_error("[conn a]\nlocal = fd01::3\nremote = fd01::1::2\n"
		  PSK_LINE, 3, "remote: \"fd01::1::2\" is not an IPv4");
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 2001:db8::1\n"
		  PSK_LINE, 1, "[conn a]: local and remote are not of the "
		  "same address family");
	one_error(CONN_A "local_ts = 10.0.0.0/33\n", 5,
		  "local_ts: bad prefix length \"33\"");
	one_error(CONN_A "remote_ts = fd00::/129\n", 5,
		  "remote_ts: bad prefix length \"129\"");
	one_error(CONN_A "remote_ts = 10.0.0.256/8\n", 5,
		  "remote_ts: \"10.0.0.256");
	one_error(CONN_A "local_ts = 10.0.0.0/8[gre]\n", 5,
		  "local_ts: unknown protocol \"gre");
	one_error(CONN_A "local_ts = 10.0.0.0/8[tcp/80-70000]\n", 5,
		  "local_ts: bad port or port range");
	one_error(CONN_A "local_ts = 10.0.0.0/8[icmp/80]\n", 5,
		  "local_ts: ports need protocol");
	/* 1-1023 takes ten aligned blocks; 1024-65535 six; 0-1023 one. */
	one_error(CONN_A "local_ts = 10.0.0.0/8[tcp/1-1023]\n", 5,
		  "local_ts: port range 1-1023 takes more than 8 kernel "
		  "policies");
	one_error(CONN_A "remote_ts = 10.0.0.0/8[tcp/1024-65535], "
		  "10.0.0.0/8[udp/1-65534]\n", 5,
		  "remote_ts: port range 1-65534 takes more than 8");
	one_error(CONN_A "unique = sometimes\n", 5,
		  "unique: \"sometimes\" is none of replace, no, never");
	one_error(CONN_A "local_ts = 10.0.0.1, 10.0.0.2, 10.0.0.3, "
		  "10.0.0.4, 10.0.0.5\n", 5, "local_ts: more than 4 selectors");
	one_error(CONN_A "local_id = ip:300.1.1.1\n", 5,
		  "local_id: \"300.1.1.1\" is not an IP address");
}

/*
 * An unparsed local or remote says nothing of its address family: no
 * "not of the same address family" at the section line beside it.
 */
static void bad_address_no_family(void **state)
{
	assert_int_equal(refuse("[conn a]\nlocal = 2001:db8::300000\n"
				"remote = 198.51.100.2\n" PSK_LINE), 1);
	has_error(2, "local: \"2001:db8::300000\"");
	assert_int_equal(refuse("[conn a]\nlocal = 2001:db8::1\n"
				"remote = 198.51.100.2.7\n" PSK_LINE), 1);
	has_error(3, "remote: \"198.51.100.2.7\"");
	assert_int_equal(refuse("[conn a]\nlocal = x\nremote = y\n"
				PSK_LINE), 2);
	has_error(2, "local: \"x\"");
	has_error(3, "remote: \"y\"");
	assert_int_equal(refuse("[conn a]\nlocal =\n"
				"remote = 2001:db8::1\n" PSK_LINE), 1);
	has_error(2, "local: empty value");
	if (strstr(err, "address family"))
		fail_msg("family mismatch reported:\n%s", err);
	/* Both parsed and of different families: still reported. */
	one_error("[conn a]\nlocal = 2001:db8::1\nremote = 198.51.100.2\n"
		  PSK_LINE, 1, "[conn a]: local and remote are not of the "
		  "same address family");
}

static void duplicate_conn(void **state)
{
	/* The duplicate's line, the first one's line; its keys ignored. */
	one_error("[mifd]\n\n" CONN_A "\n[conn b]\nlocal = 192.0.2.1\n"
		  "remote = 198.51.100.3\n" PSK_LINE "\n[conn a]\n"
		  "local = 192.0.2.9\nfoo = bar\n", 13,
		  "duplicate connection \"a\" (first defined at line 3)");
	/* Names are case sensitive: a and A are two connections. */
	{
		struct conf *c = load_ok(CONN_A "[conn A]\nlocal = 192.0.2.1\n"
					 "remote = 198.51.100.3\n" PSK_LINE);

		assert_int_equal(c->n_conns, 2);
		assert_non_null(conf_find(c, "A"));
		conf_free(c);
	}
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		  PSK_LINE PSK_LINE, 5,
		  "duplicate key \"psk\" in [conn a] (first at line 4)");
	one_error("[mifd]\nlog_level = info\n[mifd]\n", 3,
		  "duplicate section [mifd]");
	one_error("[conn a/b]\n", 1, "bad connection name \"a/b\"");
	/* At most CONF_MAX_CONNS connections. */
	{
		static char text[(CONF_MAX_CONNS + 1) * 80];
		char want[64];
		size_t len = 0;

		for (unsigned int i = 0; i <= CONF_MAX_CONNS; i++)
			len += (size_t)snprintf(text + len, sizeof(text) - len,
				"[conn c%u]\nlocal = 192.0.2.1\n"
				"remote = 10.%u.%u.1\n" PSK_LINE, i, i >> 8,
				i & 0xff);
		assert_true(len < sizeof(text));
		snprintf(want, sizeof(want), "more than %d connections",
			 CONF_MAX_CONNS);
		one_error(text, 4 * CONF_MAX_CONNS + 1, want);
	}
}

static void bad_lifetime_dpd(void **state)
{
	assert_int_equal(refuse(CONN_A
		"dpd = soon\n"				/* 5 */
		"ike_lifetime = 500ms\n"
		"child_lifetime = 1w\n"
		"retransmit_base = fast\n"), 4);
	has_error(5, "dpd: \"soon\" is not a duration");
	has_error(6, "ike_lifetime: \"500ms\" is not a duration of at least "
		  "1 s (or 0 for unlimited)");
	has_error(7, "child_lifetime: \"1w\" is not a duration");
	has_error(8, "retransmit_base: \"fast\"");
	one_error(CONN_A "dpd = -5\n", 5, "dpd: \"-5\" is not a duration");
	one_error(CONN_A "dpd = 10 s\n", 5, "dpd: \"10 s\"");
	one_error(CONN_A "dpd = 60days\n", 5, "dpd: \"60days\"");
	one_error(CONN_A "child_lifetime = 0.5\n", 5,
		  "child_lifetime: \"0.5\" is not a duration of at least 1 s");
	one_error(CONN_A "ike_lifetime = forever\n", 5,
		  "ike_lifetime: \"forever\"");
	one_error(CONN_A "ike_lifetime = h\n", 5, "ike_lifetime: \"h\"");

	/* The units, and 0. */
	{
		struct conf *c = load_ok(CONN_A "dpd = 1.5m\n"
					 "ike_lifetime = 1d\n"
					 "child_lifetime = 0\n"
					 "retransmit_base = 0.25\n");
		const struct conn *k = &c->conns[0].conn;

		assert_int_equal(k->dpd_ms, 90000);
		assert_int_equal(k->ike_lifetime_s, 86400);
		assert_int_equal(k->child_lifetime_s, 0);
		assert_int_equal(k->retrans_base_ms, 250);
		conf_free(c);
		c = load_ok(CONN_A "dpd = 0\nike_lifetime = 90s\n"
			    "child_lifetime = 1.5h\nretransmit_base = 10ms\n");
		k = &c->conns[0].conn;
		assert_int_equal(k->dpd_ms, 0);
		assert_int_equal(k->ike_lifetime_s, 90);
		assert_int_equal(k->child_lifetime_s, 5400);
		assert_int_equal(k->retrans_base_ms, 10);
		conf_free(c);
	}
}

/* keyingtries, dpd_action, close_action: defaults, values, refusals. */
static void retry_keys(void **state)
{
	struct conf *c = load_ok(minimal);

	assert_int_equal(c->conns[0].keyingtries, 0);
	assert_int_equal(c->conns[0].dpd_action, CONF_ACTION_NONE);
	assert_int_equal(c->conns[0].close_action, CONF_ACTION_NONE);
	conf_free(c);
	c = load_ok(CONN_A "keyingtries = 3\ndpd_action = restart\n"
		    "close_action = Restart\n");
	assert_int_equal(c->conns[0].keyingtries, 3);
	assert_int_equal(c->conns[0].dpd_action, CONF_ACTION_RESTART);
	assert_int_equal(c->conns[0].close_action, CONF_ACTION_RESTART);
	conf_free(c);
	c = load_ok(CONN_A "keyingtries = 0\ndpd_action = clear\n"
		    "close_action = none\n");
	assert_int_equal(c->conns[0].keyingtries, 0);
	assert_int_equal(c->conns[0].dpd_action, CONF_ACTION_NONE);
	assert_int_equal(c->conns[0].close_action, CONF_ACTION_NONE);
	conf_free(c);

	one_error(CONN_A "keyingtries = -1\n", 5,
		  "keyingtries: \"-1\" is not a number from 0 (forever)");
	one_error(CONN_A "keyingtries = %forever\n", 5, "keyingtries: ");
	one_error(CONN_A "keyingtries = 1000001\n", 5, "keyingtries: ");
	one_error(CONN_A "dpd_action = hold\n", 5, "dpd_action: \"hold\" is "
		  "none, restart or trap");

	/* failure_shunt: pass by default (as charon), or drop. */
	c = load_ok(minimal);
	assert_true(c->conns[0].shunt_pass);
	conf_free(c);
	c = load_ok(CONN_A "failure_shunt = pass\n");
	assert_true(c->conns[0].shunt_pass);
	conf_free(c);
	c = load_ok(CONN_A "failure_shunt = Drop\n");
	assert_false(c->conns[0].shunt_pass);
	conf_free(c);
	one_error(CONN_A "failure_shunt = clear\n", 5, "failure_shunt: "
		  "\"clear\" is drop or pass");
}

/* start = trap, dpd_action = trap, close_action = trap (engine/trap.h). */
static void trap_keys(void **state)
{
	struct conf *c = load_ok(CONN_A "start = trap\ndpd_action = trap\n"
				 "close_action = TRAP\n");

	assert_true(c->conns[0].trap);
	assert_false(c->conns[0].start);
	assert_int_equal(c->conns[0].dpd_action, CONF_ACTION_TRAP);
	assert_int_equal(c->conns[0].close_action, CONF_ACTION_TRAP);
	conf_free(c);
	c = load_ok(CONN_A "start = yes\n");
	assert_true(c->conns[0].start);
	assert_false(c->conns[0].trap);
	conf_free(c);
	c = load_ok(CONN_A "start = no\n");
	assert_false(c->conns[0].start);
	assert_false(c->conns[0].trap);
	conf_free(c);

	one_error(CONN_A "start = hold\n", 5, "start: \"hold\" is yes, no "
		  "or trap");
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = %any\n" PSK_LINE
		  "remote_ts = 10.0.0.0/8\nstart = trap\n", 6,
		  "start = trap needs a remote address, not %any");
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = %any\n" PSK_LINE
		  "remote_ts = 10.0.0.0/8\ndpd_action = trap\n", 1,
		  "dpd_action or close_action = trap needs a remote address");
	one_error(CONN_A "vips = 0.0.0.0\nremote_ts = 10.0.0.0/8\n"
		  "start = trap\n", 7,
		  "start = trap needs local_ts and remote_ts");
}

/* NAT traversal: encap and nat_keepalive (engine/nat.h). */
static void nat_keys(void **state)
{
	struct conf *c = load_ok(minimal);

	assert_false(c->conns[0].conn.encap);
	assert_int_equal(c->conns[0].conn.nat_keepalive_ms, 20000);
	conf_free(c);
	c = load_ok(CONN_A "encap = yes\nnat_keepalive = 500ms\n");
	assert_true(c->conns[0].conn.encap);
	assert_int_equal(c->conns[0].conn.nat_keepalive_ms, 500);
	conf_free(c);
	c = load_ok(CONN_A "nat_keepalive = 0\n");
	assert_int_equal(c->conns[0].conn.nat_keepalive_ms, 0);
	conf_free(c);

	one_error(CONN_A "encap = always\n", 5,
		  "encap: \"always\" is neither yes nor no");
	one_error(CONN_A "nat_keepalive = -1\n", 5, "nat_keepalive: ");
}

/*
 * A duration is decimal digits, an optional fraction and an optional
 * unit (mifd.conf(5)): nothing strtod() alone would take.
 */
static void duration_syntax(void **state)
{
	static const char *const bad[] = {
		"0x10", "0X10", "1e3", "1E3", "1e3s", "1.5e1", "inf", "nan",
		"infinity", "+5", "-0", "1 0", "1. 5", "1.", ".5",
		"1.s", "1..5", "1.5.2", "0x", "5ss", "5 ms", "1_000",
	};
	char text[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), CONN_A "dpd = %s\n", bad[i]);
		refuse(text);
		has_error(5, "dpd: \"");
		snprintf(text, sizeof(text), CONN_A "ike_lifetime = %s\n",
			 bad[i]);
		refuse(text);
		has_error(5, "ike_lifetime: \"");
	}
	{
		struct conf *c = load_ok(CONN_A "dpd = 010\n"
					 "ike_lifetime = 1000\n"
					 "child_lifetime = 1.5s\n"
					 "retransmit_base = 0.5s\n");
		const struct conn *k = &c->conns[0].conn;

		assert_int_equal(k->dpd_ms, 10000);
		assert_int_equal(k->ike_lifetime_s, 1000);
		assert_int_equal(k->child_lifetime_s, 1);
		assert_int_equal(k->retrans_base_ms, 500);
		conf_free(c);
	}
}

/* Certificates made for the tests: DIR/ca/ca.pem, DIR/eu.pem, DIR/eu.key. */
static char pki_dir[64];

static void pki_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", pki_dir, name);
}

static void pki_write(const char *name, const gnutls_datum_t *d)
{
	char p[128];
	FILE *f;

	pki_path(p, sizeof(p), name);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(d->data, 1, d->size, f), d->size);
	assert_int_equal(fclose(f), 0);
}

static gnutls_x509_crt_t pki_cert(gnutls_x509_privkey_t key, const char *cn,
				  gnutls_x509_crt_t ca,
				  gnutls_x509_privkey_t ca_key, uint8_t serial)
{
	gnutls_x509_crt_t c;
	const char *e;
	char dn[64];
	time_t now = time(NULL);

	assert_int_equal(gnutls_x509_crt_init(&c), 0);
	assert_int_equal(gnutls_x509_crt_set_version(c, 3), 0);
	assert_int_equal(gnutls_x509_crt_set_serial(c, &serial, 1), 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(c, now - 3600), 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(c, now + 86400),
			 0);
	snprintf(dn, sizeof(dn), "CN=%s,O=mif test", cn);
	assert_int_equal(gnutls_x509_crt_set_dn(c, dn, &e), 0);
	assert_int_equal(gnutls_x509_crt_set_key(c, key), 0);
	assert_int_equal(gnutls_x509_crt_set_basic_constraints(c, !ca, -1), 0);
	assert_int_equal(gnutls_x509_crt_set_key_usage(c, ca ?
			GNUTLS_KEY_DIGITAL_SIGNATURE :
			GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN), 0);
	if (ca)
		assert_int_equal(gnutls_x509_crt_set_subject_alt_name(c,
				GNUTLS_SAN_DNSNAME, cn, (unsigned int)strlen(cn),
				GNUTLS_FSAN_SET), 0);
	assert_int_equal(gnutls_x509_crt_sign2(c, ca ? ca : c,
					       ca ? ca_key : key,
					       GNUTLS_DIG_SHA256, 0), 0);
	return c;
}

static gnutls_x509_privkey_t pki_key(void)
{
	gnutls_x509_privkey_t k;

	assert_int_equal(gnutls_x509_privkey_init(&k), 0);
	assert_int_equal(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
			GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	return k;
}

static int pki_setup(void **state)
{
	gnutls_x509_privkey_t cak, k, other;
	gnutls_x509_crt_t ca, crt;
	gnutls_datum_t d;
	char p[128];

	snprintf(pki_dir, sizeof(pki_dir), "/tmp/test_conf_pki.XXXXXX");
	assert_non_null(mkdtemp(pki_dir));
	pki_path(p, sizeof(p), "ca");
	assert_int_equal(mkdir(p, 0700), 0);
	pki_path(p, sizeof(p), "empty");
	assert_int_equal(mkdir(p, 0700), 0);
	cak = pki_key();
	k = pki_key();
	other = pki_key();
	ca = pki_cert(cak, "mif test CA", NULL, NULL, 1);
	crt = pki_cert(k, "eu.example", ca, cak, 2);

	assert_int_equal(gnutls_x509_crt_export2(ca, GNUTLS_X509_FMT_PEM, &d),
			 0);
	pki_write("ca/ca.pem", &d);
	gnutls_free(d.data);
	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d),
			 0);
	pki_write("eu.pem", &d);
	gnutls_free(d.data);
	assert_int_equal(gnutls_x509_privkey_export2_pkcs8(k,
			GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &d), 0);
	pki_write("eu.key", &d);
	gnutls_free(d.data);
	assert_int_equal(gnutls_x509_privkey_export2_pkcs8(other,
			GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &d), 0);
	pki_write("other.key", &d);
	gnutls_free(d.data);
	d.data = (unsigned char *)"not a certificate\n";
	d.size = (unsigned int)strlen((const char *)d.data);
	pki_write("junk.pem", &d);

	gnutls_x509_crt_deinit(crt);
	gnutls_x509_crt_deinit(ca);
	gnutls_x509_privkey_deinit(other);
	gnutls_x509_privkey_deinit(k);
	gnutls_x509_privkey_deinit(cak);
	return 0;
}

static int pki_teardown(void **state)
{
	static const char *const files[] = {
		"ca/ca.pem", "eu.pem", "eu.key", "other.key", "junk.pem",
	};
	char p[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		pki_path(p, sizeof(p), files[i]);
		unlink(p);
	}
	pki_path(p, sizeof(p), "ca");
	rmdir(p);
	pki_path(p, sizeof(p), "empty");
	rmdir(p);
	rmdir(pki_dir);
	return 0;
}

/* A [conn] with certificates: auth, then cert, key and ca_dir (lines 4-7). */
static void cert_conn(char *out, size_t len, const char *auth,
		      const char *cert, const char *key, const char *ca_dir)
{
	snprintf(out, len, "[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "auth = %s\ncert = %s/%s\nkey = %s/%s\nca_dir = %s/%s\n",
		 auth, pki_dir, cert, pki_dir, key, pki_dir, ca_dir);
}

static void cert_errors(void **state)
{
	char text[1024];

	cert_conn(text, sizeof(text), "pubkey", "missing.pem", "eu.key", "ca");
	one_error(text, 7, "[conn a]: cannot load the certificates (cert ");
	has_error(7, "a file is missing");
	cert_conn(text, sizeof(text), "pubkey", "junk.pem", "eu.key", "ca");
	one_error(text, 7, "bad contents");
	/* The key is not the certificate's. */
	cert_conn(text, sizeof(text), "pubkey", "eu.pem", "other.key", "ca");
	one_error(text, 7, "the key is not the certificate's");
	/* A CA directory without certificates. */
	cert_conn(text, sizeof(text), "ecdsa256", "eu.pem", "eu.key", "empty");
	one_error(text, 7, "ca_dir holds no certificate");
}

/* auth = rsa signs with SHA-1: only with rsa_sha1 = yes. */
static void rsa_sha1(void **state)
{
	char text[1024];
	struct conf *c;

	cert_conn(text, sizeof(text), "rsa", "eu.pem", "eu.key", "ca");
	one_error(text, 4, "[conn a]: auth = rsa signs with SHA-1; set "
		  "rsa_sha1 = yes");
	strcat(text, "rsa_sha1 = yes\n");
	c = load_ok(text);
	assert_true(c->conns[0].conn.rsa_sha1);
	conf_free(c);
	cert_conn(text, sizeof(text), "pubkey", "eu.pem", "eu.key", "ca");
	c = load_ok(text);
	assert_false(c->conns[0].conn.rsa_sha1);
	conf_free(c);
	one_error(CONN_A "rsa_sha1 = often\n", 5,
		  "rsa_sha1: \"often\" is neither yes nor no");
}

static void good_full(void **state)
{
	char text[4096];
	struct conf *c, *again;
	const struct conf_conn *a, *b, *d;

	snprintf(text, sizeof(text),
		"# mifd.conf with every key\n"
		"[mifd]\n"
		"log_level = notice\n"
		"socket = /run/mifd/test.sock   ; a comment after the value\n"
		"cookie_threshold = 0\n"
		"\n"
		"; a comment line\n"
		"[conn office]\n"
		"local = 10.1.3.1\n"
		"remote = 10.1.3.2\n"
		"local_port = 500\n"
		"remote_port = 500\n"
		"local_id = fqdn:eu.example\n"
		"remote_id = fqdn:sg.example\n"
		"auth = pubkey\n"
		"cert = %s/eu.pem\n"
		"key = %s/eu.key\n"
		"ca_dir = %s/ca\n"
		"rsa_pss = yes\n"
		"ike = aes256gcm16-prfsha256-ecp256\n"
		"esp = aes256gcm16-noesn\n"
		"local_ts = 172.16.3.1/32\n"
		"remote_ts = 172.17.0.0/24[udp/53], 172.17.1.0/24[tcp]\n"
		"mode = tunnel\n"
		"dpd = 30s\n"
		"ike_lifetime = 4h\n"
		"ike_reauth = yes\n"
		"mif = no\n"
		"child_lifetime = 1h\n"
		"retransmit_base = 2\n"
		"retransmit_tries = 0\n"
		"start = no\n"
		"fragmentation = no\n"
		"\n"
		"[conn classic]\n"
		"local = 10.1.2.1\n"
		"remote = 10.1.2.2\n"
		"auth = ECDSA256\n"
		"cert = %s/eu.pem\n"
		"key = %s/eu.key\n"
		"ca_dir = %s/ca\n"
		"start = true\n"
		"per_interface = yes\n"
		"add_interfaces = yes\n"
		"failback = yes\n"
		"fragment_size = 1400\n"
		"\n"
		"[conn roaming-1.x]\n"
		"  local = fd01:1::1  \n"
		"remote = %%any\n"
		"remote_id = %%any\n"
		"psk = 0x000102030405060708090a0b0c0d0e0f\n"
		"ca_dir = %s/ca\n"
		"remote_ts = fd00::/8[icmp6], 10.0.0.0/8\n"
		"esp = aes128gcm16-esn-x25519, aes128-sha512\n"
		"rekey_jitter = no\n",
		pki_dir, pki_dir, pki_dir, pki_dir, pki_dir, pki_dir, pki_dir);
	c = load_ok(text);
	again = load_ok(text);

	assert_int_equal(c->log_level, CONF_LOG_NOTICE);
	assert_string_equal(c->socket, "/run/mifd/test.sock");
	assert_int_equal(c->cookie_threshold, 0);
	assert_int_equal(c->n_conns, 3);

	a = conf_find(c, "office");
	assert_non_null(a);
	assert_int_equal(a->line, 8);
	assert_int_equal(a->conn.auth_method, IKE_AUTH_DIGITAL_SIGNATURE);
	assert_true(a->conn.rsa_pss);
	assert_true(a->conn.ike_reauth);
	assert_false(conf_find(c, "classic")->conn.ike_reauth);
	assert_true(a->conn.rekey_jitter);
	assert_false(conf_find(c, "roaming-1.x")->conn.rekey_jitter);
	assert_false(a->conn.mif);
	assert_true(conf_find(c, "classic")->conn.mif);
	assert_false(a->conn.per_interface);
	assert_true(conf_find(c, "classic")->conn.per_interface);
	assert_int_equal(a->conn.add_interfaces, CONN_ADD_NO);
	assert_int_equal(conf_find(c, "classic")->conn.add_interfaces,
			 CONN_ADD_YES);
	assert_false(a->conn.failback);
	assert_true(conf_find(c, "classic")->conn.failback);
	/* Fragmentation by default, fragments by address family. */
	assert_false(a->conn.fragmentation);
	assert_int_equal(a->conn.fragment_size, 0);
	assert_true(conf_find(c, "classic")->conn.fragmentation);
	assert_int_equal(conf_find(c, "classic")->conn.fragment_size, 1400);
	assert_non_null(a->conn.sig_creds);
	assert_non_null(a->conn.cert_file);
	assert_non_null(strstr(a->conn.cert_file, "/eu.pem"));
	assert_non_null(strstr(a->conn.key_file, "/eu.key"));
	assert_non_null(strstr(a->conn.ca_dir, "/ca"));
	assert_int_equal(a->conn.remote_id.type, IKE_ID_FQDN);
	assert_int_equal(a->conn.remote_id.len, 10);
	assert_memory_equal(a->conn.remote_id.data, "sg.example", 10);
	assert_int_equal(a->conn.n_ike, 1);
	assert_int_equal(find_xf(&a->conn.ike[0], IKE_XF_DH)->id,
			 IKE_DH_ECP_256);
	assert_int_equal(find_xf(&a->conn.esp[0], IKE_XF_ESN)->id, IKE_ESN_NO);
	assert_int_equal(a->conn.n_remote_ts, 2);
	assert_int_equal(a->conn.remote_ts[0].ip_proto, 17);
	assert_int_equal(a->conn.remote_ts[0].start_port, 53);
	assert_int_equal(a->conn.remote_ts[0].end_port, 53);
	assert_int_equal(a->conn.remote_ts[1].ip_proto, 6);
	assert_int_equal(a->conn.remote_ts[1].start_port, 0);
	assert_int_equal(a->conn.remote_ts[1].end_port, 65535);
	assert_int_equal(a->conn.mode, KERNEL_MODE_TUNNEL);
	assert_int_equal(a->conn.dpd_ms, 30000);
	assert_int_equal(a->conn.ike_lifetime_s, 14400);
	assert_int_equal(a->conn.child_lifetime_s, 3600);
	assert_int_equal(a->conn.retrans_base_ms, 2000);
	assert_int_equal(a->conn.retrans_tries, 0);
	assert_int_equal(a->conn.alt_after, 2);
	assert_false(a->start);
	assert_string_equal(a->ike_text, "aes256gcm16-prfsha256-ecp256");

	b = conf_find(c, "classic");
	assert_non_null(b);
	assert_int_equal(b->conn.auth_method, IKE_AUTH_ECDSA_256);
	assert_non_null(b->conn.sig_creds);
	assert_true(b->start);
	/* Defaults: IDs from the addresses, proposals, selectors. */
	assert_int_equal(b->conn.local_id.type, IKE_ID_IPV4_ADDR);
	assert_memory_equal(b->conn.local_id.data, "\x0a\x01\x02\x01", 4);
	assert_int_equal(b->conn.n_ike, 2);
	assert_int_equal(b->conn.n_esp, 2);
	assert_string_equal(b->ike_text,
			    "aes256gcm16-prfsha256-x25519, aes128-sha256-modp2048");
	assert_int_equal(b->conn.n_local_ts, 1);
	assert_memory_equal(b->conn.local_ts[0].start, "\x0a\x01\x02\x01", 4);

	d = conf_find(c, "roaming-1.x");
	assert_non_null(d);
	assert_int_equal(d->conn.auth_method, IKE_AUTH_SHARED_KEY_MIC);
	assert_int_equal(d->conn.psk_len, 16);
	/* PSK ourselves, but the peer may sign: the trust list is loaded. */
	assert_null(d->conn.cert_file);
	assert_non_null(d->conn.ca_dir);
	assert_non_null(d->conn.sig_creds);
	assert_int_equal(d->conn.local.family, AF_INET6);
	assert_int_equal(d->conn.remote.family, 0);
	assert_int_equal(d->conn.remote_id.len, 0);
	assert_int_equal(d->conn.n_remote_ts, 2);
	assert_int_equal(d->conn.remote_ts[0].ip_proto, 58);
	assert_int_equal(d->conn.remote_ts[1].type, IKE_TS_IPV4_ADDR_RANGE);
	assert_int_equal(find_xf(&d->conn.esp[0], IKE_XF_ESN)->id,
			 IKE_ESN_YES);
	assert_non_null(find_xf(&d->conn.esp[0], IKE_XF_DH));

	/* Loaded twice: the same connections (for reload). */
	for (unsigned int i = 0; i < c->n_conns; i++)
		assert_true(conf_conn_equal(&c->conns[i], &again->conns[i]));
	conf_free(again);
	conf_free(c);
}

/* The example of docs/examples/ loads (when run from the source tree). */
static void example_file(void **state)
{
	static const char example[] = "docs/examples/mifd.conf";
	struct conf *c = NULL;

	if (access(example, R_OK))
		skip();
	if (conf_load(example, &c, err, sizeof(err)))
		fail_msg("refused: %s", err);
	assert_true(c->n_conns >= 1);
	for (unsigned int i = 0; i < c->n_conns; i++) {
		assert_true(c->conns[i].conn.n_ike >= 1);
		assert_true(c->conns[i].conn.n_esp >= 1);
	}
	conf_free(c);
}

/* What make install puts in /etc: it loads, and calls no peer. */
static void installed_file(void **state)
{
	static const char installed[] = "tools/mifd.conf";
	struct conf *c = NULL;

	if (access(installed, R_OK))
		skip();
	if (conf_load(installed, &c, err, sizeof(err)))
		fail_msg("refused: %s", err);
	assert_int_equal(c->n_conns, 0);
	conf_free(c);
}

/* A psk of fewer than CONF_PSK_MIN bytes is refused, text or hex. */
static void psk_length(void **state)
{
	struct conf *c;

	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		  "psk = fifteen-bytes!\n", 4,
		  "psk: shorter than 16 bytes (14 given)");
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		  "psk = 0x000102030405060708090a0b0c0d0e\n", 4,
		  "psk: shorter than 16 bytes");
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		  "psk = s\n", 4, "psk: shorter than 16 bytes (1 given)");
	c = load_ok("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		    "psk = 0x000102030405060708090a0b0c0d0e0f\n");
	assert_int_equal(c->conns[0].conn.psk_len, CONF_PSK_MIN);
	conf_free(c);
}

/*
 * lock_memory (default yes) and max_ike_sas_per_id (default 0: no cap),
 * both of [mifd].
 */
static void memory_and_cap(void **state)
{
	struct conf *c = load_ok(minimal);

	assert_true(c->lock_memory);
	assert_int_equal(c->max_ike_sas_per_id, 0);
	conf_free(c);
	c = load_ok("[mifd]\nlock_memory = no\nmax_ike_sas_per_id = 3\n\n"
		    CONN_A);
	assert_false(c->lock_memory);
	assert_int_equal(c->max_ike_sas_per_id, 3);
	conf_free(c);
	c = load_ok("[mifd]\nlock_memory = yes\nmax_ike_sas_per_id = 0\n\n"
		    CONN_A);
	assert_true(c->lock_memory);
	assert_int_equal(c->max_ike_sas_per_id, 0);
	conf_free(c);
	one_error("[mifd]\nlock_memory = sometimes\n", 2,
		  "lock_memory: \"sometimes\" is neither yes nor no");
	one_error("[mifd]\nmax_ike_sas_per_id = -1\n", 2,
		  "max_ike_sas_per_id: \"-1\" is not a number");
	one_error("[mifd]\nmax_ike_sas_per_id = 1000001\n", 2,
		  "max_ike_sas_per_id: \"1000001\"");
	one_error(CONN_A "lock_memory = no\n", 5, "lock_memory");
}

/* window_size of [mifd]: 1 by default, 1..32. */
static void window_size(void **state)
{
	struct conf *c = load_ok(minimal);

	assert_int_equal(c->window_size, 1);
	conf_free(c);
	c = load_ok("[mifd]\nwindow_size = 32\n\n" CONN_A);
	assert_int_equal(c->window_size, 32);
	conf_free(c);
	one_error("[mifd]\nwindow_size = 0\n", 2,
		  "window_size: \"0\" is not a number from 1");
	one_error("[mifd]\nwindow_size = 33\n", 2, "window_size: \"33\"");
}

/*
 * rekeys_in_flight_max of [mifd]: 100 by default (the engine's), 0 for
 * no bound, up to 1000000; anything else refused, naming the key.
 */
static void rekeys_in_flight_max(void **state)
{
	struct conf *c = load_ok(minimal);

	assert_int_equal(c->rekeys_in_flight_max, 100);
	assert_int_equal(c->rekeys_in_flight_max,
			 ENGINE_REKEYS_IN_FLIGHT_MAX);
	conf_free(c);
	c = load_ok("[mifd]\nrekeys_in_flight_max = 0\n\n" CONN_A);
	assert_int_equal(c->rekeys_in_flight_max, 0);
	conf_free(c);
	c = load_ok("[mifd]\nrekeys_in_flight_max = 1000000\n\n" CONN_A);
	assert_int_equal(c->rekeys_in_flight_max, 1000000);
	conf_free(c);
	one_error("[mifd]\nrekeys_in_flight_max = -1\n", 2,
		  "rekeys_in_flight_max: \"-1\" is not a number from 0 "
		  "(no bound) to 1000000");
	one_error("[mifd]\nrekeys_in_flight_max = 1000001\n", 2,
		  "rekeys_in_flight_max: \"1000001\"");
	one_error("[mifd]\nrekeys_in_flight_max = 10x\n", 2,
		  "rekeys_in_flight_max: \"10x\"");
	one_error("[mifd]\nrekeys_in_flight_max =\n", 2,
		  "rekeys_in_flight_max");
}

/* control_group names a group; its gid is kept. */
static void control_group(void **state)
{
	struct conf *c = load_ok("[mifd]\ncontrol_group = root\n\n" CONN_A);

	assert_true(c->have_control_group);
	assert_int_equal(c->control_gid, 0);
	conf_free(c);
	c = load_ok(CONN_A);
	assert_false(c->have_control_group);
	conf_free(c);
	one_error("[mifd]\ncontrol_group = no-such-group-here\n\n" CONN_A,
		  2, "control_group: no group \"no-such-group-here\"");
}

/* interfaces: names and patterns with a priority each, in order. */
static void interfaces(void **state)
{
	struct conf *c = load_ok(CONN_A "interfaces = eth0:200, wlan*, "
				 "ww[a-z]n0 : 7, eth1:0\n");
	const struct conn *k = &c->conns[0].conn;
	struct conf *d;

	assert_int_equal(k->n_ifaces, 4);
	assert_string_equal(k->ifaces[0].pattern, "eth0");
	assert_int_equal(k->ifaces[0].priority, 200);
	assert_string_equal(k->ifaces[1].pattern, "wlan*");
	assert_int_equal(k->ifaces[1].priority, IFACE_PRIO_DEFAULT);
	assert_string_equal(k->ifaces[2].pattern, "ww[a-z]n0");
	assert_int_equal(k->ifaces[2].priority, 7);
	assert_int_equal(k->ifaces[3].priority, 0);
	assert_int_equal(iface_pattern_priority(k->ifaces, k->n_ifaces,
						"wlan3"), IFACE_PRIO_DEFAULT);
	/* A changed list is a changed connection. */
	d = load_ok(CONN_A "interfaces = eth0:200, wlan*, ww[a-z]n0:7, "
		    "eth1:1\n");
	assert_false(conf_conn_equal(&c->conns[0], &d->conns[0]));
	conf_free(d);
	conf_free(c);
	/* None listed: none configured. */
	c = load_ok(CONN_A);
	assert_int_equal(c->conns[0].conn.n_ifaces, 0);
	conf_free(c);

	one_error(CONN_A "interfaces = eth0:256\n", 5,
		  "interfaces: \"eth0\": priority \"256\" is not a number "
		  "from 0 to 255");
	one_error(CONN_A "interfaces = eth0:high\n", 5,
		  "priority \"high\" is not a number");
	one_error(CONN_A "interfaces = eth0:\n", 5,
		  "priority \"\" is not a number");
	one_error(CONN_A "interfaces = :5\n", 5,
		  "interfaces: \"\" is not an interface name or pattern");
	one_error(CONN_A "interfaces = a-name-far-too-long\n", 5,
		  "\"a-name-far-too-long\" is not an interface name");
	one_error(CONN_A "interfaces = eth/0\n", 5,
		  "\"eth/0\" is not an interface name");
	one_error(CONN_A "interfaces = eth 0\n", 5,
		  "\"eth 0\" is not an interface name");
	one_error(CONN_A "interfaces = eth0, eth1:3, eth0:9\n", 5,
		  "interfaces: \"eth0\" listed twice");
	one_error(CONN_A "interfaces = ,\n", 5, "interfaces: no interface");
	one_error(CONN_A "interfaces = a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q\n",
		  5, "interfaces: more than 16 interfaces");
}

/* Inner addresses: pool, dns, vips, vip_device. */
static void inner_addresses(void **state)
{
	struct conf *c = load_ok(CONN_A "pool = 10.9.0.0/24, "
				 "10.9.1.10-10.9.1.50, 2001:db8:9::/112\n"
				 "dns = 192.0.2.53, 2001:db8::53\n");
	const struct conn *k = &c->conns[0].conn;
	char text[IP_ADDR_STRLEN];

	assert_int_equal(k->n_pools, 3);
	assert_string_equal(ip_addr_str(&k->pools[0].first, text,
					sizeof(text)), "10.9.0.1");
	assert_int_equal(k->pools[0].size, 254);
	assert_int_equal(k->pools[1].size, 41);
	assert_int_equal(k->pools[2].first.family, AF_INET6);
	assert_int_equal(k->n_dns, 2);
	/* The peer's side: any address of each family, narrowed later. */
	assert_int_equal(k->n_remote_ts, 2);
	assert_int_equal(k->remote_ts[0].type, IKE_TS_IPV4_ADDR_RANGE);
	assert_int_equal(k->remote_ts[0].end[0], 255);
	assert_int_equal(k->remote_ts[1].type, IKE_TS_IPV6_ADDR_RANGE);
	conf_free(c);

	c = load_ok(CONN_A "vips = 0.0.0.0, 0.0.0.0, ::\n"
		    "vip_device = dummy0\n");
	k = &c->conns[0].conn;
	assert_int_equal(k->vips4, 2);
	assert_int_equal(k->vips6, 1);
	assert_string_equal(k->vip_device, "dummy0");
	/* Our side is what we are given. */
	assert_int_equal(k->n_local_ts, 0);
	conf_free(c);

	one_error(CONN_A "pool = 10.9.0.0/33\n", 5,
		  "pool: \"10.9.0.0/33\" has a bad prefix length");
	one_error(CONN_A "pool = 10.9.0.9-10.9.0.1\n", 5,
		  "pool: \"10.9.0.9-10.9.0.1\" ends before it starts");
	one_error(CONN_A "pool = a, b, c, d, e\n", 5,
		  "pool: \"a\" is not a prefix");
	one_error(CONN_A "dns = ns.example\n", 5,
		  "dns: \"ns.example\" is not an IP address");
	one_error(CONN_A "vips = 10.0.0.1\n", 5,
		  "vips: \"10.0.0.1\" is neither 0.0.0.0 nor ::");
	one_error(CONN_A "vips = ::,::,::,::,::,::,::,::,::\n", 5,
		  "vips: more than 8 addresses");
	one_error(CONN_A "vip_device = a-name-far-too-long\n", 5,
		  "vip_device: \"a-name-far-too-long\" is not an interface");

	/* add_interfaces = cfg: new inner addresses of vips' families. */
	c = load_ok(CONN_A "vips = ::\nadd_interfaces = cfg\n");
	assert_int_equal(c->conns[0].conn.add_interfaces, CONN_ADD_CFG);
	conf_free(c);
	c = load_ok(CONN_A "add_interfaces = off\n");
	assert_int_equal(c->conns[0].conn.add_interfaces, CONN_ADD_NO);
	conf_free(c);
	one_error(CONN_A "add_interfaces = CFG\n", 5,
		  "[conn a]: add_interfaces = cfg asks for new inner "
		  "addresses of the families of vips");
	one_error(CONN_A "add_interfaces = dhcp\n", 5,
		  "add_interfaces: \"dhcp\" is none of yes, no, cfg");
}

static void several_errors(void **state)
{
	/* Every problem is reported, not only the first. */
	load_bad("[conn a]\nlocal = nowhere\nremote = 198.51.100.2\n"
		 PSK_LINE "foo = 1\n", 2, "local");
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
				 "remote = 198.51.100.2\n"
				 "psk = another sixteen bytes\n");

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

/*
 * Connections naming the same certificate files share one load of them,
 * freed once with the configuration.
 */
static void shared_creds(void **state)
{
	char text[4096];
	struct conf *c;
	const struct conf_conn *a, *b, *d;
	unsigned int n;

	(void)state;
	snprintf(text, sizeof(text),
		"[conn a]\nlocal = 10.1.3.1\nremote = 10.1.3.2\n"
		"auth = pubkey\ncert = %s/eu.pem\nkey = %s/eu.key\n"
		"ca_dir = %s/ca\n"
		"[conn b]\nlocal = 10.1.3.1\nremote = 10.1.3.3\n"
		"auth = pubkey\ncert = %s/eu.pem\nkey = %s/eu.key\n"
		"ca_dir = %s/ca\n"
		"[conn d]\nlocal = 10.1.3.1\nremote = 10.1.3.4\n"
		PSK_LINE "ca_dir = %s/ca\n",
		pki_dir, pki_dir, pki_dir, pki_dir, pki_dir, pki_dir, pki_dir);
	c = load_ok(text);
	a = conf_find(c, "a");
	b = conf_find(c, "b");
	d = conf_find(c, "d");
	assert_non_null(a->conn.sig_creds);
	assert_ptr_equal(a->conn.sig_creds, b->conn.sig_creds);
	assert_non_null(d->conn.sig_creds);
	assert_ptr_not_equal(a->conn.sig_creds, d->conn.sig_creds);
	assert_int_equal(c->n_creds, 2);
	assert_int_equal(c->creds[0].refs, 2);
	assert_int_equal(c->creds[1].refs, 1);
	conf_free(c);

	/* A file that cannot be loaded: each connection says so. */
	snprintf(text, sizeof(text),
		"[conn a]\nlocal = 10.1.3.1\nremote = 10.1.3.2\n"
		"auth = pubkey\ncert = %s/none.pem\nkey = %s/eu.key\n"
		"ca_dir = %s/ca\n"
		"[conn b]\nlocal = 10.1.3.1\nremote = 10.1.3.3\n"
		"auth = pubkey\ncert = %s/none.pem\nkey = %s/eu.key\n"
		"ca_dir = %s/ca\n",
		pki_dir, pki_dir, pki_dir, pki_dir, pki_dir, pki_dir);
	n = refuse(text);
	assert_int_equal(n, 2);
	has_error(7, "[conn a]: cannot load the certificates");
	has_error(14, "[conn b]: cannot load the certificates");
}

/* Thousands of connections load, each pointing at its own strings. */
static void many_conns(void **state)
{
	static char text[4096 * 80];
	char name[16];
	struct conf *c;
	size_t len = 0;

	(void)state;
	for (unsigned int i = 0; i < 4096; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
			"[conn c%u]\nlocal = 192.0.2.1\n"
			"remote = 10.%u.%u.1\n" PSK_LINE, i, i >> 8, i & 0xff);
	assert_true(len < sizeof(text));
	write_file(text);
	assert_int_equal(conf_load(path, &c, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(c->n_conns, 4096);
	for (unsigned int i = 0; i < c->n_conns; i++) {
		snprintf(name, sizeof(name), "c%u", i);
		assert_ptr_equal(c->conns[i].conn.name, c->conns[i].name);
		assert_string_equal(c->conns[i].name, name);
		assert_int_equal(c->conns[i].conn.remote.v4.s_addr,
				 htonl(0x0a000001u | i << 8));
	}
	assert_ptr_equal(conf_find(c, "c4095"), &c->conns[4095]);
	conf_free(c);
}

/* Lines up to CONF_LINE_MAX characters; one error for a longer one. */
static void long_lines(void **state)
{
	static char text[3 * CONF_LINE_MAX];
	char hex[2 * CONN_MAX_PSK + 1];
	struct conf *c;
	int n;

	/* The longest psk, in hex: 128 bytes. */
	for (int i = 0; i < CONN_MAX_PSK; i++)
		snprintf(hex + 2 * i, 3, "%02x", i);
	snprintf(text, sizeof(text), "[conn a]\nlocal = 192.0.2.1\n"
		 "remote = 198.51.100.2\npsk = 0x%s\n", hex);
	c = load_ok(text);
	assert_int_equal(c->conns[0].conn.psk_len, CONN_MAX_PSK);
	assert_int_equal(c->conns[0].conn.psk[127], 127);
	conf_free(c);

	/* CONF_LINE_MAX characters: read whole, the value refused. */
	n = snprintf(text, sizeof(text), CONN_A "mode = tunnel");
	snprintf(text + n, sizeof(text) - (size_t)n, "%0*d\n",
		 CONF_LINE_MAX - (int)strlen("mode = tunnel"), 0);
	one_error(text, 5, "mode: \"tunnel0");
	/* One more: one error, and none about the key it held. */
	n = snprintf(text, sizeof(text), "[conn a]\nlocal = 192.0.2.1\n"
		     "remote = 198.51.100.2\npsk = ");
	snprintf(text + n, sizeof(text) - (size_t)n, "%0*d\n",
		 CONF_LINE_MAX + 1 - (int)strlen("psk = "), 0);
	one_error(text, 4, "line longer than 4096 characters");
	/* Far longer, then more lines, counted right. */
	n = snprintf(text, sizeof(text), CONN_A "mode = ");
	n += snprintf(text + n, sizeof(text) - (size_t)n, "%0*d\n",
		      2 * CONF_LINE_MAX, 0);
	snprintf(text + n, sizeof(text) - (size_t)n, "dpd = soon\n");
	assert_int_equal(refuse(text), 2);
	has_error(5, "line longer than 4096 characters");
	has_error(6, "dpd: \"soon\"");
	/* With \r\n, as a file from elsewhere may have. */
	n = snprintf(text, sizeof(text), CONN_A "mode = tunnel");
	snprintf(text + n, sizeof(text) - (size_t)n, "%0*d\r\n",
		 CONF_LINE_MAX - (int)strlen("mode = tunnel"), 0);
	one_error(text, 5, "mode: \"tunnel0");
}

/* Values in double quotes; comments from " ;" or " #" outside them. */
static void quoting(void **state)
{
	struct conf *c;

	c = load_ok("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		    "psk = \"my secret ;x # y \\\" \\\\ z\" ; comment\n"
		    "mode = \"transport\"\n"
		    "[conn b]\nlocal = 192.0.2.1\nremote = 198.51.100.3\n"
		    "psk = my sixteen byte secret ;comment\n"
		    "[conn c]\nlocal = 192.0.2.1\nremote = 198.51.100.4\n"
		    "psk = my#sixteen;byte;secret # comment\n");
	assert_int_equal(c->conns[0].conn.psk_len, 22);
	assert_memory_equal(c->conns[0].conn.psk,
			    "my secret ;x # y \" \\ z", 22);
	assert_int_equal(c->conns[0].conn.mode, KERNEL_MODE_TRANSPORT);
	assert_int_equal(c->conns[1].conn.psk_len, 22);
	assert_memory_equal(c->conns[1].conn.psk, "my sixteen byte secret",
			    22);
	assert_int_equal(c->conns[2].conn.psk_len, 22);
	assert_memory_equal(c->conns[2].conn.psk, "my#sixteen;byte;secret",
			    22);
	conf_free(c);

	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		  "psk = \"sixteen-byte-key\n", 4, "psk: no closing quote");
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		  "psk = \"sixteen-byte-key\"x\n", 4,
		  "psk: text after the closing quote");
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		  "psk = \"sixteen-byte-key\" x\n", 4,
		  "psk: text after the closing quote");
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		  "psk = \"sixteen\\tbyte-key\"\n", 4,
		  "psk: unknown escape \"\\t\"");
	one_error("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		  "psk = \"\"\n", 4, "psk: empty value");
	one_error("[mifd]\nsocket = \"/run/x.sock\n", 2,
		  "socket: no closing quote");
}

static char sec_dir[64];

/* name in sec_dir, holding text, at mode; its path in out. */
static void sec_write(char *out, size_t len, const char *name,
		      const char *text, mode_t mode)
{
	int fd;

	snprintf(out, len, "%s/%s", sec_dir, name);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int sec_setup(void **state)
{
	snprintf(sec_dir, sizeof(sec_dir), "/tmp/test_conf_sec.XXXXXX");
	assert_non_null(mkdtemp(sec_dir));
	return 0;
}

static int sec_teardown(void **state)
{
	static const char *const files[] = { "psk", "open.psk", "two",
					     "empty", "short", "fifo",
					     "mifd.conf" };
	char p[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", sec_dir, files[i]);
		unlink(p);
	}
	rmdir(sec_dir);
	return 0;
}

/* Load text from sec_dir/mifd.conf, written at mode. */
static struct conf *sec_load(const char *text, mode_t mode)
{
	struct conf *c = NULL;
	char p[128];

	sec_write(p, sizeof(p), "mifd.conf", text, mode);
	if (conf_load(p, &c, err, sizeof(err)))
		fail_msg("refused: %s", err);
	return c;
}

/* The warning a file of secrets readable by others gets. */
static void want_warning(const struct conf *c, const char *file,
			 const char *mode)
{
	char want[512];

	snprintf(want, sizeof(want), "%s: holds secrets and is readable by "
		 "others (mode %s); chmod 600 %s\n", file, mode, file);
	if (!strstr(c->warnings, want))
		fail_msg("want \"%s\" in:\n%s", want, c->warnings);
}

/* A file holding a psk, or naming a key, readable by others: a warning. */
static void secret_modes(void **state)
{
	char conf_path[128];
	struct conf *c;

	snprintf(conf_path, sizeof(conf_path), "%s/mifd.conf", sec_dir);
	c = sec_load(CONN_A, 0644);
	want_warning(c, conf_path, "0644");
	conf_free(c);
	c = sec_load(CONN_A, 0640);
	want_warning(c, conf_path, "0640");
	conf_free(c);
	c = sec_load(CONN_A, 0600);
	assert_string_equal(c->warnings, "");
	conf_free(c);
	/* No secret in it: any mode. */
	c = sec_load("[mifd]\nlog_level = debug\n", 0644);
	assert_string_equal(c->warnings, "");
	conf_free(c);
}

/* A private key file readable by others: a warning too. */
static void key_file_mode(void **state)
{
	char text[1024], key[128];
	struct conf *c;

	pki_path(key, sizeof(key), "eu.key");
	cert_conn(text, sizeof(text), "pubkey", "eu.pem", "eu.key", "ca");
	assert_int_equal(chmod(key, 0644), 0);
	c = load_ok(text);
	want_warning(c, key, "0644");
	conf_free(c);
	assert_int_equal(chmod(key, 0600), 0);
	c = load_ok(text);
	assert_string_equal(c->warnings, "");
	conf_free(c);
}

#define CONN_NO_PSK "[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"

/* psk_file = PATH: the psk from a file of its own. */
static void psk_file(void **state)
{
	char p[128], text[512];
	struct conf *c;

	sec_write(p, sizeof(p), "psk",
		  "0x000102030405060708090a0b0c0d0e0f\n", 0600);
	snprintf(text, sizeof(text), CONN_NO_PSK "psk_file = %s\n", p);
	c = sec_load(text, 0644);
	assert_int_equal(c->conns[0].conn.psk_len, 16);
	assert_memory_equal(c->conns[0].conn.psk, "\x00\x01\x02\x03", 4);
	/* The main file holds no secret: no warning at 0644. */
	assert_string_equal(c->warnings, "");
	conf_free(c);

	/* Quotes and a comment, as psk = takes them; readable: warned. */
	sec_write(p, sizeof(p), "open.psk", "\"sixteen ;byte key\" # k\n",
		  0644);
	snprintf(text, sizeof(text), CONN_NO_PSK "psk_file = %s\n", p);
	c = sec_load(text, 0600);
	assert_int_equal(c->conns[0].conn.psk_len, 17);
	assert_memory_equal(c->conns[0].conn.psk, "sixteen ;byte key", 17);
	want_warning(c, p, "0644");
	conf_free(c);

	/* Not both. */
	snprintf(text, sizeof(text), CONN_A "psk_file = %s/psk\n", sec_dir);
	one_error(text, 5, "[conn a]: psk and psk_file both given");
	/* Files that do not hold one key. */
	snprintf(text, sizeof(text), CONN_NO_PSK "psk_file = %s/none\n",
		 sec_dir);
	one_error(text, 4, "psk_file: cannot open");
	one_error(CONN_NO_PSK "psk_file = psk\n", 4,
		  "psk_file: must be an absolute path shorter than 256");
	sec_write(p, sizeof(p), "two", "sixteen-byte-key\nmore\n", 0600);
	snprintf(text, sizeof(text), CONN_NO_PSK "psk_file = %s\n", p);
	one_error(text, 4, "must hold the key alone, on one line");
	sec_write(p, sizeof(p), "empty", "", 0600);
	snprintf(text, sizeof(text), CONN_NO_PSK "psk_file = %s\n", p);
	one_error(text, 4, "holds no key");
	sec_write(p, sizeof(p), "short", "abc\n", 0600);
	snprintf(text, sizeof(text), CONN_NO_PSK "psk_file = %s\n", p);
	one_error(text, 4, "psk_file: shorter than 16 bytes (3 given)");
	snprintf(text, sizeof(text), CONN_NO_PSK "psk_file = %s\n", sec_dir);
	one_error(text, 4, "is not a regular file");
	/* A FIFO without a writer: refused, not waited on. */
	snprintf(p, sizeof(p), "%s/fifo", sec_dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	snprintf(text, sizeof(text), CONN_NO_PSK "psk_file = %s\n", p);
	one_error(text, 4, "is not a regular file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(full),
		cmocka_unit_test(errors),
		cmocka_unit_test(inner_addresses),
		cmocka_unit_test(several_errors),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(equal),
		cmocka_unit_test(levels),
		cmocka_unit_test(unknown_key),
		cmocka_unit_test(bad_value),
		cmocka_unit_test(missing_key),
		cmocka_unit_test(dh_groups),
		cmocka_unit_test(bad_proposal),
		cmocka_unit_test(bad_address),
		cmocka_unit_test(bad_address_no_family),
		cmocka_unit_test(duplicate_conn),
		cmocka_unit_test(many_conns),
		cmocka_unit_test(bad_lifetime_dpd),
		cmocka_unit_test(duration_syntax),
		cmocka_unit_test(retry_keys),
		cmocka_unit_test(trap_keys),
		cmocka_unit_test(nat_keys),
		cmocka_unit_test_setup_teardown(cert_errors, pki_setup,
						pki_teardown),
		cmocka_unit_test_setup_teardown(good_full, pki_setup,
						pki_teardown),
		cmocka_unit_test_setup_teardown(shared_creds, pki_setup,
						pki_teardown),
		cmocka_unit_test(example_file),
		cmocka_unit_test(installed_file),
		cmocka_unit_test(psk_length),
		cmocka_unit_test(control_group),
		cmocka_unit_test(memory_and_cap),
		cmocka_unit_test(window_size),
		cmocka_unit_test(rekeys_in_flight_max),
		cmocka_unit_test(interfaces),
		cmocka_unit_test_setup_teardown(rsa_sha1, pki_setup,
						pki_teardown),
		cmocka_unit_test(long_lines),
		cmocka_unit_test(quoting),
		cmocka_unit_test_setup_teardown(secret_modes, sec_setup,
						sec_teardown),
		cmocka_unit_test_setup_teardown(key_file_mode, pki_setup,
						pki_teardown),
		cmocka_unit_test_setup_teardown(psk_file, sec_setup,
						sec_teardown),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
