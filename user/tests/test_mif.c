// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the MIF notify codec (user/ike/mif.c): round trips to
 * exact bytes, every malformed case of docs/protocol/mif.md, and the
 * limits at and beyond their bound. Malformed inputs are parsed from
 * exactly-sized heap copies, so that the sanitizers catch any overread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ike/buf.h"
#include "ike/constants.h"
#include "ike/mif.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static uint8_t *dup_exact(const uint8_t *p, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	if (len)
		memcpy(copy, p, len);
	return copy;
}

static void set4(uint8_t *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	a[0] = x;
	a[1] = y;
	a[2] = z;
	a[3] = w;
}

/* 2001:db8::<hi>:<lo> */
static void set6(uint8_t *a, uint8_t hi, uint8_t lo)
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[14] = hi;
	a[15] = lo;
}

/* Figure 1's end user: three interfaces, one of them down. */
static void three_ifaces(struct mif_interfaces *m)
{
	memset(m, 0, sizeof(*m));
	m->n = 3;
	m->iface[0].id = 1;
	m->iface[0].prio = 10;
	m->iface[0].n4 = 1;
	set4(m->iface[0].addr4[0], 192, 0, 2, 1);
	m->iface[1].id = 0x1234;
	m->iface[1].prio = 20;
	m->iface[1].n4 = 2;
	m->iface[1].n6 = 1;
	set4(m->iface[1].addr4[0], 198, 51, 100, 7);
	set4(m->iface[1].addr4[1], 203, 0, 113, 9);
	set6(m->iface[1].addr6[0], 0xab, 0xcd);
	m->iface[2].id = 0xffff;
	m->iface[2].prio = 255;
	m->iface[2].flags = MIF_IFACE_DOWN;
}

static void build_ifaces(struct ike_writer *w, const struct mif_interfaces *m)
{
	struct ike_error err;

	ike_writer_init(w);
	assert_int_equal(mif_interfaces_build(w, m, &err), 0);
	assert_true(ike_writer_ok(w));
}

static int parse_ifaces(struct mif_interfaces *m, const uint8_t *p,
			size_t len, struct ike_error *err)
{
	uint8_t *copy = dup_exact(p, len);
	int ret = mif_interfaces_parse(m, copy, len, err);

	free(copy);
	return ret;
}

static int parse_path(struct mif_child_path *path, const uint8_t *p,
		      size_t len, struct ike_error *err)
{
	uint8_t *copy = dup_exact(p, len);
	int ret = mif_child_path_parse(path, copy, len, err);

	free(copy);
	return ret;
}

static void assert_zeroed(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		assert_int_equal(b[i], 0);
}

/* MIF_SUPPORTED */

static void supported_round_trip(void **state)
{
	struct mif_supported s = { .version = MIF_PROTO_VERSION };
	static const uint8_t flags_set[] = { 1, 0xff };
	static const uint8_t later[] = { 7, 0, 0xaa, 0xbb };
	struct ike_error err;
	struct ike_writer w;

	ike_writer_init(&w);
	assert_int_equal(mif_supported_build(&w, &s, &err), 0);
	assert_int_equal(w.len, 2);
	assert_int_equal(w.p[0], 1);
	assert_int_equal(w.p[1], 0);
	memset(&s, 0xee, sizeof(s));
	assert_int_equal(mif_supported_parse(&s, w.p, w.len, &err), 0);
	assert_int_equal(s.version, 1);
	ike_writer_free(&w);

	/* Unknown flags are ignored; a later version may carry more. */
	assert_int_equal(mif_supported_parse(&s, flags_set, 2, &err), 0);
	assert_int_equal(s.version, 1);
	assert_int_equal(mif_supported_parse(&s, later, sizeof(later), &err),
			 0);
	assert_int_equal(s.version, 7);
}

static void supported_malformed(void **state)
{
	static const struct {
		uint8_t data[3];
		size_t len;
		enum ike_err code;
	} cases[] = {
		{ { 0 }, 0, IKE_ERR_TRUNCATED },
		{ { 1 }, 1, IKE_ERR_TRUNCATED },
		{ { 0, 0 }, 2, IKE_ERR_SYNTAX },
		{ { 1, 0, 0 }, 3, IKE_ERR_LENGTH },
	};
	struct mif_supported s = { 0 };
	struct ike_writer w;
	struct ike_error err;
	uint8_t *copy;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		copy = dup_exact(cases[i].data, cases[i].len);
		memset(&err, 0, sizeof(err));
		assert_int_equal(mif_supported_parse(&s, copy, cases[i].len,
						     &err), -1);
		assert_int_equal(err.code, cases[i].code);
		assert_int_equal(err.notify, 0);
		assert_int_equal(err.payload, IKE_PL_NOTIFY);
		assert_non_null(err.reason);
		free(copy);
	}
	assert_int_equal(mif_supported_parse(&s, NULL, 0, &err), -1);

	ike_writer_init(&w);
	s.version = 0;
	assert_int_equal(mif_supported_build(&w, &s, &err), -1);
	assert_int_equal(err.code, IKE_ERR_INVAL);
	assert_int_equal(w.len, 0);
	ike_writer_free(&w);
}

/* MIF_INTERFACES */

static void interfaces_round_trip(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x01, 10, 0x00, 1, 0, 0, 0,
		192, 0, 2, 1,
		0x12, 0x34, 20, 0x00, 2, 1, 0, 0,
		198, 51, 100, 7,
		203, 0, 113, 9,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0xab, 0xcd,
		0xff, 0xff, 255, 0x01, 0, 0, 0, 0,
	};
	struct mif_interfaces m, back;
	struct ike_writer w, w2;
	struct ike_error err;

	three_ifaces(&m);
	build_ifaces(&w, &m);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(w.p, want, sizeof(want));

	assert_int_equal(parse_ifaces(&back, w.p, w.len, &err), 0);
	assert_int_equal(back.n, 3);
	assert_memory_equal(&back.iface[0], &m.iface[0], sizeof(m.iface[0]));
	assert_memory_equal(&back.iface[1], &m.iface[1], sizeof(m.iface[1]));
	assert_memory_equal(&back.iface[2], &m.iface[2], sizeof(m.iface[2]));

	build_ifaces(&w2, &back);
	assert_int_equal(w2.len, w.len);
	assert_memory_equal(w2.p, w.p, w.len);
	ike_writer_free(&w);
	ike_writer_free(&w2);
}

static void interfaces_empty(void **state)
{
	struct mif_interfaces m;
	struct ike_writer w;
	struct ike_error err;

	memset(&m, 0xee, sizeof(m));
	assert_int_equal(mif_interfaces_parse(&m, NULL, 0, &err), 0);
	assert_int_equal(m.n, 0);
	assert_int_equal(parse_ifaces(&m, NULL, 0, &err), 0);
	assert_int_equal(m.n, 0);
	build_ifaces(&w, &m);
	assert_int_equal(w.len, 0);
	ike_writer_free(&w);
}

static void interfaces_reserved_ignored(void **state)
{
	static const uint8_t in[] = {
		0x00, 0x05, 3, 0xff, 1, 0, 0xde, 0xad,
		10, 1, 2, 3,
	};
	static const uint8_t out[] = {
		0x00, 0x05, 3, 0x01, 1, 0, 0, 0,
		10, 1, 2, 3,
	};
	struct mif_interfaces m;
	struct ike_writer w;
	struct ike_error err;

	assert_int_equal(parse_ifaces(&m, in, sizeof(in), &err), 0);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.iface[0].flags, MIF_IFACE_DOWN);
	build_ifaces(&w, &m);
	assert_int_equal(w.len, sizeof(out));
	assert_memory_equal(w.p, out, sizeof(out));
	ike_writer_free(&w);

	/* The builder clears unknown flags too. */
	m.iface[0].flags = 0xfe;
	build_ifaces(&w, &m);
	assert_int_equal(w.p[3], 0);
	ike_writer_free(&w);
}

/* n interfaces, each with a addresses of each family, all distinct. */
static void full_ifaces(struct mif_interfaces *m, unsigned int n,
			unsigned int a)
{
	memset(m, 0, sizeof(*m));
	m->n = n;
	for (unsigned int i = 0; i < n && i < MIF_MAX_IFACES; i++) {
		m->iface[i].id = (uint16_t)(i + 1);
		m->iface[i].prio = (uint8_t)i;
		m->iface[i].n4 = (uint8_t)a;
		m->iface[i].n6 = (uint8_t)a;
		for (unsigned int k = 0; k < a && k < MIF_MAX_ADDRS; k++) {
			set4(m->iface[i].addr4[k], 10, 0, (uint8_t)i,
			     (uint8_t)(k + 1));
			set6(m->iface[i].addr6[k], (uint8_t)i,
			     (uint8_t)(k + 1));
		}
	}
}

static void interfaces_limits(void **state)
{
	struct mif_interfaces m, back;
	struct ike_writer w, big;
	struct ike_error err;
	uint8_t *p;

	/* At the bound: 32 entries of 8 + 8 addresses. */
	full_ifaces(&m, MIF_MAX_IFACES, MIF_MAX_ADDRS);
	build_ifaces(&w, &m);
	assert_int_equal(w.len, MIF_INTERFACES_MAX_LEN);
	assert_int_equal(w.len, 5376);
	assert_int_equal(parse_ifaces(&back, w.p, w.len, &err), 0);
	assert_int_equal(back.n, MIF_MAX_IFACES);
	assert_memory_equal(&back, &m, sizeof(m));

	/* Beyond: a 33rd entry, even a minimal one. */
	ike_writer_init(&big);
	ike_put_bytes(&big, w.p, w.len);
	ike_put_u16(&big, 33);
	ike_put_zero(&big, 6);
	assert_true(ike_writer_ok(&big));
	assert_int_equal(parse_ifaces(&back, big.p, big.len, &err), -1);
	assert_int_equal(err.code, IKE_ERR_LIMIT);
	assert_int_equal(err.notify, IKE_N_MIF_INVALID_INTERFACES);
	assert_zeroed(&back, sizeof(back));
	ike_writer_free(&big);

	/* Beyond: 9 addresses of one family (the first entry's counts). */
	p = dup_exact(w.p, w.len);
	p[4] = MIF_MAX_ADDRS + 1;
	assert_int_equal(mif_interfaces_parse(&back, p, w.len, &err), -1);
	assert_int_equal(err.code, IKE_ERR_LIMIT);
	p[4] = MIF_MAX_ADDRS;
	p[5] = 0xff;
	assert_int_equal(mif_interfaces_parse(&back, p, w.len, &err), -1);
	assert_int_equal(err.code, IKE_ERR_LIMIT);
	assert_int_equal(err.notify, IKE_N_MIF_INVALID_INTERFACES);
	free(p);
	ike_writer_free(&w);

	/* The builder refuses the same. */
	m.n = MIF_MAX_IFACES + 1;
	ike_writer_init(&w);
	assert_int_equal(mif_interfaces_build(&w, &m, &err), -1);
	assert_int_equal(err.code, IKE_ERR_INVAL);
	assert_int_equal(err.notify, 0);
	m.n = 1;
	m.iface[0].n6 = MIF_MAX_ADDRS + 1;
	assert_int_equal(mif_interfaces_build(&w, &m, &err), -1);
	assert_int_equal(err.code, IKE_ERR_INVAL);
	assert_int_equal(w.len, 0);
	ike_writer_free(&w);
}

struct bad_case {
	const char *what;
	uint8_t data[48];
	size_t len;
	enum ike_err code;
};

static const struct bad_case bad_ifaces[] = {
	{ "one byte", { 0x00 }, 1, IKE_ERR_TRUNCATED },
	{ "header cut short", { 0, 1, 0, 0, 0, 0, 0 }, 7, IKE_ERR_TRUNCATED },
	{ "entry then a stray byte",
	  { 0, 1, 0, 0, 0, 0, 0, 0, 0x99 }, 9, IKE_ERR_TRUNCATED },
	{ "IPv4 count runs past the end",
	  { 0, 1, 0, 0, 1, 0, 0, 0, 10, 0, 0 }, 11, IKE_ERR_LENGTH },
	{ "IPv6 count runs past the end",
	  { 0, 1, 0, 0, 0, 1, 0, 0, 0x20, 1 }, 10, IKE_ERR_LENGTH },
	{ "second entry overruns",
	  { 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 2, 0, 0, 0, 10, 0, 0, 1 },
	  20, IKE_ERR_LENGTH },
	{ "interface ID 0",
	  { 0, 0, 0, 0, 1, 0, 0, 0, 10, 0, 0, 1 }, 12, IKE_ERR_SYNTAX },
	{ "interface ID twice",
	  { 0, 7, 0, 0, 0, 0, 0, 0, 0, 7, 1, 0, 0, 0, 0, 0 },
	  16, IKE_ERR_SYNTAX },
	{ "address twice in an entry",
	  { 0, 1, 0, 0, 2, 0, 0, 0, 10, 0, 0, 1, 10, 0, 0, 1 },
	  16, IKE_ERR_SYNTAX },
	{ "address twice in two entries",
	  { 0, 1, 0, 0, 1, 0, 0, 0, 10, 0, 0, 1,
	    0, 2, 0, 0, 1, 0, 0, 0, 10, 0, 0, 1 }, 24, IKE_ERR_SYNTAX },
	{ "IPv6 address twice in two entries",
	  { 0, 1, 0, 0, 0, 1, 0, 0,
	    0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	    0, 2, 0, 0, 0, 1, 0, 0,
	    0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	  48, IKE_ERR_SYNTAX },
	{ "0.0.0.0", { 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 }, 12,
	  IKE_ERR_SYNTAX },
	{ "0.1.2.3", { 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3 }, 12,
	  IKE_ERR_SYNTAX },
	{ "127.0.0.1", { 0, 1, 0, 0, 1, 0, 0, 0, 127, 0, 0, 1 }, 12,
	  IKE_ERR_SYNTAX },
	{ "224.0.0.1", { 0, 1, 0, 0, 1, 0, 0, 0, 224, 0, 0, 1 }, 12,
	  IKE_ERR_SYNTAX },
	{ "239.255.255.255", { 0, 1, 0, 0, 1, 0, 0, 0, 239, 255, 255, 255 },
	  12, IKE_ERR_SYNTAX },
	{ "255.255.255.255", { 0, 1, 0, 0, 1, 0, 0, 0, 255, 255, 255, 255 },
	  12, IKE_ERR_SYNTAX },
	{ "::", { 0, 1, 0, 0, 0, 1, 0, 0 }, 24, IKE_ERR_SYNTAX },
	{ "::1", { 0, 1, 0, 0, 0, 1, 0, 0, [23] = 1 }, 24, IKE_ERR_SYNTAX },
	{ "::10.0.0.1", { 0, 1, 0, 0, 0, 1, 0, 0, [20] = 10, [23] = 1 }, 24,
	  IKE_ERR_SYNTAX },
	{ "::ffff:10.0.0.1",
	  { 0, 1, 0, 0, 0, 1, 0, 0, [18] = 0xff, [19] = 0xff, [20] = 10,
	    [23] = 1 }, 24, IKE_ERR_SYNTAX },
	{ "ff02::1", { 0, 1, 0, 0, 0, 1, 0, 0, 0xff, 0x02, [23] = 1 }, 24,
	  IKE_ERR_SYNTAX },
};

static void interfaces_malformed(void **state)
{
	const struct bad_case *c;
	struct mif_interfaces m;
	struct ike_error err;

	for (size_t i = 0; i < ARRAY_SIZE(bad_ifaces); i++) {
		c = &bad_ifaces[i];
		memset(&err, 0, sizeof(err));
		memset(&m, 0xee, sizeof(m));
		if (parse_ifaces(&m, c->data, c->len, &err) != -1)
			fail_msg("accepted: %s", c->what);
		if (err.code != c->code)
			fail_msg("%s: %s, not %s", c->what,
				 ike_err_name(err.code), ike_err_name(c->code));
		assert_int_equal(err.notify, IKE_N_MIF_INVALID_INTERFACES);
		assert_int_equal(err.payload, IKE_PL_NOTIFY);
		assert_non_null(err.reason);
		assert_zeroed(&m, sizeof(m));
	}
}

static void interfaces_build_rejects(void **state)
{
	struct mif_interfaces m;
	struct ike_writer w;
	struct ike_error err;

	ike_writer_init(&w);
	three_ifaces(&m);
	m.iface[1].id = 0;
	assert_int_equal(mif_interfaces_build(&w, &m, &err), -1);
	assert_int_equal(err.code, IKE_ERR_INVAL);
	assert_string_equal(err.reason, "interface ID 0");

	three_ifaces(&m);
	m.iface[2].id = m.iface[0].id;
	assert_int_equal(mif_interfaces_build(&w, &m, &err), -1);
	assert_string_equal(err.reason, "interface ID listed twice");

	three_ifaces(&m);
	m.iface[2].n4 = 1;
	memcpy(m.iface[2].addr4[0], m.iface[1].addr4[1], 4);
	assert_int_equal(mif_interfaces_build(&w, &m, &err), -1);
	assert_string_equal(err.reason,
			    "address listed twice in MIF_INTERFACES");

	three_ifaces(&m);
	set4(m.iface[0].addr4[0], 127, 0, 0, 1);
	assert_int_equal(mif_interfaces_build(&w, &m, &err), -1);
	assert_int_equal(err.code, IKE_ERR_INVAL);
	assert_int_equal(w.len, 0);
	ike_writer_free(&w);
}

/* MIF_CHILD_PATH */

static void child_path_round_trip(void **state)
{
	static const uint8_t want4[] = {
		0x00, 0x02, 0x00, 0x00, 1, 0, 0, 0,
		192, 0, 2, 1, 198, 51, 100, 7,
	};
	static const uint8_t want6_head[] = {
		0x12, 0x34, 0xff, 0xff, 2, 0, 0, 0,
	};
	struct mif_child_path p = { 0 }, back;
	struct ike_writer w;
	struct ike_error err;
	uint8_t *raw;

	p.req_id = 2;
	p.family = MIF_AF_IPV4;
	set4(p.req_addr, 192, 0, 2, 1);
	set4(p.resp_addr, 198, 51, 100, 7);
	ike_writer_init(&w);
	assert_int_equal(mif_child_path_build(&w, &p, &err), 0);
	assert_int_equal(w.len, sizeof(want4));
	assert_memory_equal(w.p, want4, sizeof(want4));
	assert_int_equal(parse_path(&back, w.p, w.len, &err), 0);
	assert_true(mif_child_path_equal(&p, &back));

	/* Reserved octets are ignored. */
	raw = dup_exact(w.p, w.len);
	raw[5] = raw[6] = raw[7] = 0xff;
	assert_int_equal(mif_child_path_parse(&back, raw, w.len, &err), 0);
	assert_true(mif_child_path_equal(&p, &back));
	free(raw);
	ike_writer_free(&w);

	memset(&p, 0, sizeof(p));
	p.req_id = 0x1234;
	p.resp_id = 0xffff;
	p.family = MIF_AF_IPV6;
	set6(p.req_addr, 1, 1);
	set6(p.resp_addr, 2, 2);
	ike_writer_init(&w);
	assert_int_equal(mif_child_path_build(&w, &p, &err), 0);
	assert_int_equal(w.len, 40);
	assert_memory_equal(w.p, want6_head, sizeof(want6_head));
	assert_memory_equal(w.p + 8, p.req_addr, 16);
	assert_memory_equal(w.p + 24, p.resp_addr, 16);
	assert_int_equal(parse_path(&back, w.p, w.len, &err), 0);
	assert_true(mif_child_path_equal(&p, &back));
	back.resp_id = 1;
	assert_false(mif_child_path_equal(&p, &back));
	ike_writer_free(&w);
}

static const struct bad_case bad_paths[] = {
	{ "empty", { 0 }, 0, IKE_ERR_TRUNCATED },
	{ "header cut short", { 0, 1, 0, 1, 1, 0, 0 }, 7, IKE_ERR_TRUNCATED },
	{ "family 0", { 0, 1, 0, 1, 0, 0, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 },
	  16, IKE_ERR_SYNTAX },
	{ "family 3", { 0, 1, 0, 1, 3, 0, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 },
	  16, IKE_ERR_SYNTAX },
	{ "IPv4 without addresses", { 0, 1, 0, 1, 1, 0, 0, 0 }, 8,
	  IKE_ERR_LENGTH },
	{ "IPv4 one byte short",
	  { 0, 1, 0, 1, 1, 0, 0, 0, 10, 0, 0, 1, 10, 0, 0 }, 15,
	  IKE_ERR_LENGTH },
	{ "IPv4 one byte long",
	  { 0, 1, 0, 1, 1, 0, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0 }, 17,
	  IKE_ERR_LENGTH },
	{ "IPv4 family with IPv6 length",
	  { 0, 1, 0, 1, 1, 0, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 }, 40,
	  IKE_ERR_LENGTH },
	{ "IPv6 family with IPv4 length",
	  { 0, 1, 0, 1, 2, 0, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 }, 16,
	  IKE_ERR_LENGTH },
	{ "same address twice",
	  { 0, 1, 0, 1, 1, 0, 0, 0, 10, 0, 0, 1, 10, 0, 0, 1 }, 16,
	  IKE_ERR_SYNTAX },
	{ "loopback requester",
	  { 0, 1, 0, 1, 1, 0, 0, 0, 127, 0, 0, 1, 10, 0, 0, 1 }, 16,
	  IKE_ERR_SYNTAX },
	{ "multicast responder",
	  { 0, 1, 0, 1, 1, 0, 0, 0, 10, 0, 0, 1, 224, 0, 0, 1 }, 16,
	  IKE_ERR_SYNTAX },
	{ "unspecified IPv6 responder",
	  { 0, 1, 0, 1, 2, 0, 0, 0, 0x20, 1, 0x0d, 0xb8, [23] = 1 }, 40,
	  IKE_ERR_SYNTAX },
};

static void child_path_malformed(void **state)
{
	const struct bad_case *c;
	struct mif_child_path p;
	struct ike_error err;

	for (size_t i = 0; i < ARRAY_SIZE(bad_paths); i++) {
		c = &bad_paths[i];
		memset(&err, 0, sizeof(err));
		memset(&p, 0xee, sizeof(p));
		if (parse_path(&p, c->data, c->len, &err) != -1)
			fail_msg("accepted: %s", c->what);
		if (err.code != c->code)
			fail_msg("%s: %s, not %s", c->what,
				 ike_err_name(err.code), ike_err_name(c->code));
		assert_int_equal(err.notify, IKE_N_MIF_UNACCEPTABLE_PATH);
		assert_int_equal(err.payload, IKE_PL_NOTIFY);
		assert_zeroed(&p, sizeof(p));
	}
}

static void child_path_build_rejects(void **state)
{
	struct mif_child_path p = { .family = 9 };
	struct ike_writer w;
	struct ike_error err;

	ike_writer_init(&w);
	assert_int_equal(mif_child_path_build(&w, &p, &err), -1);
	assert_int_equal(err.code, IKE_ERR_INVAL);
	p.family = MIF_AF_IPV4;
	set4(p.req_addr, 10, 0, 0, 1);
	set4(p.resp_addr, 10, 0, 0, 1);
	assert_int_equal(mif_child_path_build(&w, &p, &err), -1);
	set4(p.resp_addr, 255, 255, 255, 255);
	assert_int_equal(mif_child_path_build(&w, &p, &err), -1);
	assert_int_equal(w.len, 0);
	ike_writer_free(&w);
}

/* Helpers for the engine, and names for logs. */

static void helpers(void **state)
{
	uint8_t a[16];
	struct mif_interfaces m;
	const struct mif_iface *f;

	three_ifaces(&m);
	f = mif_iface_find(&m, 0x1234);
	assert_ptr_equal(f, &m.iface[1]);
	assert_null(mif_iface_find(&m, 2));
	assert_null(mif_iface_find(&m, 0));
	set4(a, 203, 0, 113, 9);
	assert_true(mif_iface_has_addr(f, MIF_AF_IPV4, a));
	assert_false(mif_iface_has_addr(&m.iface[0], MIF_AF_IPV4, a));
	set6(a, 0xab, 0xcd);
	assert_true(mif_iface_has_addr(f, MIF_AF_IPV6, a));
	assert_false(mif_iface_has_addr(f, 3, a));

	assert_int_equal(mif_addr_len(MIF_AF_IPV4), 4);
	assert_int_equal(mif_addr_len(MIF_AF_IPV6), 16);
	assert_int_equal(mif_addr_len(0), 0);
	set4(a, 1, 0, 0, 0);
	assert_true(mif_addr_usable(MIF_AF_IPV4, a));
	set4(a, 223, 255, 255, 255);
	assert_true(mif_addr_usable(MIF_AF_IPV4, a));
	set4(a, 240, 0, 0, 1);
	assert_true(mif_addr_usable(MIF_AF_IPV4, a));
	memset(a, 0, 16);
	a[0] = 0xfe;
	a[1] = 0x80;
	a[15] = 1;
	assert_true(mif_addr_usable(MIF_AF_IPV6, a));
	assert_false(mif_addr_usable(7, a));

	assert_string_equal(ike_notify_name(IKE_N_MIF_SUPPORTED),
			    "MIF_SUPPORTED");
	assert_string_equal(ike_notify_name(IKE_N_MIF_INTERFACES),
			    "MIF_INTERFACES");
	assert_string_equal(ike_notify_name(IKE_N_MIF_CHILD_PATH),
			    "MIF_CHILD_PATH");
	assert_string_equal(ike_notify_name(IKE_N_MIF_INVALID_INTERFACES),
			    "MIF_INVALID_INTERFACES");
	assert_string_equal(ike_notify_name(IKE_N_MIF_UNACCEPTABLE_PATH),
			    "MIF_UNACCEPTABLE_PATH");
	assert_true(IKE_N_MIF_INVALID_INTERFACES < IKE_N_FIRST_STATUS);
	assert_true(IKE_N_MIF_SUPPORTED >= IKE_N_FIRST_STATUS);
}

/*
 * Mutations of valid data never crash, and whatever parses builds to
 * data that parses to the same struct.
 */

static uint32_t rng_state = 0x2545f491;

static uint32_t rng(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

static void mutate(uint8_t *p, size_t len)
{
	unsigned int flips = 1 + rng() % 4;

	for (unsigned int i = 0; len && i < flips; i++)
		p[rng() % len] ^= (uint8_t)(1u << (rng() % 8));
}

static void fuzz(void **state)
{
	struct mif_interfaces m, back;
	struct mif_child_path p, pback;
	struct ike_writer src[2], w;
	struct ike_error err;
	const struct ike_writer *s;
	size_t len;
	uint8_t *copy;

	three_ifaces(&m);
	build_ifaces(&src[0], &m);
	memset(&p, 0, sizeof(p));
	p.req_id = 1;
	p.family = MIF_AF_IPV6;
	set6(p.req_addr, 1, 1);
	set6(p.resp_addr, 2, 2);
	ike_writer_init(&src[1]);
	assert_int_equal(mif_child_path_build(&src[1], &p, &err), 0);
	for (int i = 0; i < 4000; i++) {
		s = &src[i % 2];
		len = rng() % 4 ? s->len : rng() % (s->len + 1);
		copy = dup_exact(s->p, len);
		mutate(copy, len);
		if (!mif_interfaces_parse(&back, copy, len, &err)) {
			build_ifaces(&w, &back);
			assert_int_equal(parse_ifaces(&m, w.p, w.len, &err),
					 0);
			assert_memory_equal(&m, &back, sizeof(m));
			ike_writer_free(&w);
		}
		if (!mif_child_path_parse(&p, copy, len, &err)) {
			ike_writer_init(&w);
			assert_int_equal(mif_child_path_build(&w, &p, &err), 0);
			assert_int_equal(parse_path(&pback, w.p, w.len, &err),
					 0);
			assert_true(mif_child_path_equal(&p, &pback));
			ike_writer_free(&w);
		}
		free(copy);
	}
	ike_writer_free(&src[0]);
	ike_writer_free(&src[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(supported_round_trip),
		cmocka_unit_test(supported_malformed),
		cmocka_unit_test(interfaces_round_trip),
		cmocka_unit_test(interfaces_empty),
		cmocka_unit_test(interfaces_reserved_ignored),
		cmocka_unit_test(interfaces_limits),
		cmocka_unit_test(interfaces_malformed),
		cmocka_unit_test(interfaces_build_rejects),
		cmocka_unit_test(child_path_round_trip),
		cmocka_unit_test(child_path_malformed),
		cmocka_unit_test(child_path_build_rejects),
		cmocka_unit_test(helpers),
		cmocka_unit_test(fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
