// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the IKEv2 message codec (user/ike/).
 *
 * Round trips build a message, parse it, check the decoded fields and
 * build it again from the parsed structs, which must give the same bytes.
 * Malformed inputs are parsed from exactly-sized heap copies, so that the
 * sanitizers catch any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ike/auth.h"
#include "ike/buf.h"
#include "ike/cert.h"
#include "ike/constants.h"
#include "ike/cp.h"
#include "ike/delete.h"
#include "ike/eap.h"
#include "ike/id.h"
#include "ike/ke.h"
#include "ike/message.h"
#include "ike/nonce.h"
#include "ike/notify.h"
#include "ike/sa.h"
#include "ike/sk.h"
#include "ike/ts.h"
#include "ike/vendor.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const uint64_t SPI_I = 0x0123456789abcdefULL;
static const uint64_t SPI_R = 0xfedcba9876543210ULL;

static uint8_t filler[512];

/* An exactly-sized heap copy, so that ASan sees any overread. */
static uint8_t *dup_exact(const uint8_t *p, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	if (len)
		memcpy(copy, p, len);
	return copy;
}

static void put_header(struct ike_writer *w, uint8_t next, uint8_t exchange,
		       uint32_t length)
{
	ike_put_u64(w, SPI_I);
	ike_put_u64(w, 0);
	ike_put_u8(w, next);
	ike_put_u8(w, IKE_VERSION_2_0);
	ike_put_u8(w, exchange);
	ike_put_u8(w, IKE_FLAG_INITIATOR);
	ike_put_u32(w, 0);
	ike_put_u32(w, length);
}

/* Parse a copy of buf and return the result; err gets the details. */
static int parse_copy(const uint8_t *buf, size_t len, struct ike_error *err)
{
	struct ike_message m;
	uint8_t *copy = dup_exact(buf, len);
	int ret;

	ret = ike_message_parse(&m, copy, len, err);
	if (ret == 0)
		ike_message_free(&m);
	else
		assert_int_equal(m.chain.count, 0);
	free(copy);
	return ret;
}

/* A message with a single payload of the given type and raw body. */
static int parse_single(uint8_t type, const void *body, size_t len,
			struct ike_error *err)
{
	struct ike_writer w;
	int ret;

	ike_writer_init(&w);
	put_header(&w, type, IKE_EXCH_IKE_AUTH,
		   (uint32_t)(IKE_HEADER_LEN + 4 + len));
	ike_put_u8(&w, IKE_PL_NONE);
	ike_put_u8(&w, 0);
	ike_put_u16(&w, (uint16_t)(4 + len));
	ike_put_bytes(&w, body, len);
	assert_true(ike_writer_ok(&w));
	ret = parse_copy(w.p, w.len, err);
	ike_writer_free(&w);
	return ret;
}

static void expect_ok(uint8_t type, const void *body, size_t len)
{
	struct ike_error err;

	assert_int_equal(parse_single(type, body, len, &err), 0);
}

/* The body must be rejected as malformed payload content. */
static void expect_bad(uint8_t type, const void *body, size_t len,
		       enum ike_err code)
{
	struct ike_error err;

	assert_int_equal(parse_single(type, body, len, &err), -1);
	assert_int_equal(err.code, code);
	assert_int_equal(err.payload, type);
	assert_non_null(err.reason);
	if (code != IKE_ERR_NOMEM)
		assert_int_equal(err.notify, IKE_N_INVALID_SYNTAX);
}

/* Fixtures: a realistic IKE_SA_INIT request. */

static struct ike_sa_payload init_sa;
static struct ike_proposal init_props[2];
static struct ike_transform init_xf[2][4];
static struct ike_ke init_ke;
static struct ike_nonce init_nonce;
static struct ike_notify nat_src, nat_dst;
static struct ike_vendor init_vid;
static uint8_t ke_data[64], nonce_data[32], nat_hash[2][20], vid_data[16];

static void add_transform(struct ike_proposal *p, uint8_t type, uint16_t id,
			  uint16_t key_len)
{
	struct ike_transform *t = &p->transforms[p->n_transforms++];

	t->type = type;
	t->id = id;
	t->key_len = key_len;
}

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void init_fixtures(void)
{
	struct ike_proposal *p;

	memset(init_props, 0, sizeof(init_props));
	init_sa = (struct ike_sa_payload){ .proposals = init_props };
	init_props[0].transforms = init_xf[0];
	init_props[1].transforms = init_xf[1];
	p = &init_sa.proposals[0];
	p->num = 1;
	p->protocol = IKE_PROTO_IKE;
	add_transform(p, IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256);
	add_transform(p, IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	add_transform(p, IKE_XF_DH, IKE_DH_ECP_256, 0);
	add_transform(p, IKE_XF_DH, IKE_DH_CURVE25519, 0);
	p = &init_sa.proposals[1];
	p->num = 2;
	p->protocol = IKE_PROTO_IKE;
	add_transform(p, IKE_XF_ENCR, IKE_ENCR_AES_CBC, 128);
	add_transform(p, IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0);
	add_transform(p, IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	add_transform(p, IKE_XF_DH, IKE_DH_MODP_2048, 0);
	init_sa.n_proposals = 2;

	fill(ke_data, sizeof(ke_data), 1);
	fill(nonce_data, sizeof(nonce_data), 2);
	fill(nat_hash[0], 20, 3);
	fill(nat_hash[1], 20, 4);
	fill(vid_data, sizeof(vid_data), 5);
	fill(filler, sizeof(filler), 6);

	init_ke = (struct ike_ke){ IKE_DH_ECP_256, ke_data, sizeof(ke_data) };
	init_nonce = (struct ike_nonce){ nonce_data, sizeof(nonce_data) };
	nat_src = (struct ike_notify){
		.type = IKE_N_NAT_DETECTION_SOURCE_IP,
		.data = nat_hash[0], .len = 20,
	};
	nat_dst = (struct ike_notify){
		.type = IKE_N_NAT_DETECTION_DESTINATION_IP,
		.data = nat_hash[1], .len = 20,
	};
	init_vid = (struct ike_vendor){ vid_data, sizeof(vid_data) };
}

static void build_sa_init(struct ike_writer *w)
{
	struct ike_message m = {
		.hdr = {
			.spi_i = SPI_I,
			.exchange = IKE_EXCH_IKE_SA_INIT,
			.flags = IKE_FLAG_INITIATOR,
		},
	};
	struct ike_error err;

	init_fixtures();
	assert_int_equal(ike_chain_add(&m.chain, IKE_PL_SA, &init_sa, &err), 0);
	ike_chain_add(&m.chain, IKE_PL_KE, &init_ke, &err);
	ike_chain_add(&m.chain, IKE_PL_NONCE, &init_nonce, &err);
	ike_chain_add(&m.chain, IKE_PL_NOTIFY, &nat_src, &err);
	ike_chain_add(&m.chain, IKE_PL_NOTIFY, &nat_dst, &err);
	ike_chain_add(&m.chain, IKE_PL_VENDOR, &init_vid, &err);
	ike_writer_init(w);
	assert_int_equal(ike_message_build(w, &m, &err), 0);
	ike_message_free(&m);
}

/* Build m again and compare with the bytes it was parsed from. */
static void assert_rebuilds(const struct ike_message *m, const uint8_t *buf,
			    size_t len)
{
	struct ike_writer w;
	struct ike_error err;

	ike_writer_init(&w);
	assert_int_equal(ike_message_build(&w, m, &err), 0);
	assert_int_equal(w.len, len);
	assert_memory_equal(w.p, buf, len);
	ike_writer_free(&w);
}

static void sa_init_round_trip(void **state)
{
	const struct ike_payload *pl;
	const struct ike_proposal *p;
	struct ike_message m;
	struct ike_writer w;
	struct ike_error err;
	uint8_t *buf;

	build_sa_init(&w);
	buf = dup_exact(w.p, w.len);
	assert_int_equal(ike_message_parse(&m, buf, w.len, &err), 0);

	assert_true(m.hdr.spi_i == SPI_I);
	assert_true(m.hdr.spi_r == 0);
	assert_int_equal(m.hdr.exchange, IKE_EXCH_IKE_SA_INIT);
	assert_int_equal(m.hdr.flags, IKE_FLAG_INITIATOR);
	assert_int_equal(m.hdr.version, IKE_VERSION_2_0);
	assert_int_equal(m.hdr.length, w.len);
	assert_int_equal(m.chain.count, 6);

	pl = ike_chain_find(&m.chain, IKE_PL_SA, NULL);
	assert_non_null(pl);
	assert_int_equal(pl->sa->n_proposals, 2);
	p = &pl->sa->proposals[0];
	assert_int_equal(p->num, 1);
	assert_int_equal(p->protocol, IKE_PROTO_IKE);
	assert_int_equal(p->spi_size, 0);
	assert_int_equal(p->n_transforms, 4);
	assert_int_equal(p->transforms[0].type, IKE_XF_ENCR);
	assert_int_equal(p->transforms[0].id, IKE_ENCR_AES_GCM_16);
	assert_int_equal(p->transforms[0].key_len, 256);
	assert_int_equal(p->transforms[3].id, IKE_DH_CURVE25519);
	p = &pl->sa->proposals[1];
	assert_int_equal(p->num, 2);
	assert_int_equal(p->transforms[0].key_len, 128);
	assert_int_equal(p->transforms[1].type, IKE_XF_INTEG);
	assert_false(p->transforms[1].unknown_attr);

	pl = ike_chain_find(&m.chain, IKE_PL_KE, NULL);
	assert_int_equal(pl->ke->group, IKE_DH_ECP_256);
	assert_int_equal(pl->ke->len, sizeof(ke_data));
	assert_memory_equal(pl->ke->data, ke_data, sizeof(ke_data));
	/* Zero-copy: the value points into the parsed buffer. */
	assert_true(pl->ke->data > buf && pl->ke->data < buf + w.len);

	pl = ike_chain_find(&m.chain, IKE_PL_NONCE, NULL);
	assert_memory_equal(pl->nonce->data, nonce_data, sizeof(nonce_data));

	pl = ike_chain_find_notify(&m.chain, IKE_N_NAT_DETECTION_DESTINATION_IP);
	assert_non_null(pl);
	assert_int_equal(pl->notify->len, 20);
	assert_memory_equal(pl->notify->data, nat_hash[1], 20);
	assert_non_null(ike_chain_find_notify(&m.chain,
					      IKE_N_NAT_DETECTION_SOURCE_IP));
	assert_null(ike_chain_find_notify(&m.chain, IKE_N_COOKIE));

	pl = ike_chain_find(&m.chain, IKE_PL_VENDOR, NULL);
	assert_memory_equal(pl->vendor->data, vid_data, sizeof(vid_data));

	assert_rebuilds(&m, buf, w.len);
	ike_message_free(&m);
	free(buf);
	ike_writer_free(&w);
}

/* Fixtures: the plaintext payloads of an IKE_AUTH request. */

static struct ike_id auth_id;
static struct ike_auth auth_auth;
static struct ike_sa_payload auth_sa;
static struct ike_proposal auth_prop;
static struct ike_transform auth_xf[2];
static struct ike_ts auth_tsi, auth_tsr;
static struct ike_selector auth_tsi_sel[2], auth_tsr_sel[2];
static struct ike_notify auth_contact, auth_mobike;
static struct ike_cp auth_cp;
static struct ike_cp_attr auth_cp_attrs[4];
static const uint8_t v6_lo[16] = { 0x20, 0x01, 0x0d, 0xb8 };
static const uint8_t v6_hi[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
};

static void init_auth_fixtures(void)
{
	static const char fqdn[] = "peer.example.org";
	struct ike_proposal *p;
	struct ike_selector *s;

	auth_id = (struct ike_id){ IKE_ID_FQDN, (const uint8_t *)fqdn,
				   sizeof(fqdn) - 1 };
	auth_auth = (struct ike_auth){ IKE_AUTH_SHARED_KEY_MIC, filler, 32 };

	memset(&auth_prop, 0, sizeof(auth_prop));
	auth_prop.transforms = auth_xf;
	auth_sa = (struct ike_sa_payload){ .proposals = &auth_prop };
	p = &auth_sa.proposals[0];
	p->num = 1;
	p->protocol = IKE_PROTO_ESP;
	p->spi_size = 4;
	memcpy(p->spi, "\xc0\x01\xd0\x0d", 4);
	add_transform(p, IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256);
	add_transform(p, IKE_XF_ESN, IKE_ESN_NO, 0);
	auth_sa.n_proposals = 1;

	memset(auth_tsi_sel, 0, sizeof(auth_tsi_sel));
	auth_tsi = (struct ike_ts){ .sel = auth_tsi_sel };
	s = &auth_tsi.sel[auth_tsi.n++];
	s->type = IKE_TS_IPV4_ADDR_RANGE;
	s->end_port = 65535;
	memcpy(s->start, "\xc0\x00\x02\x00", 4);
	memcpy(s->end, "\xc0\x00\x02\xff", 4);
	s = &auth_tsi.sel[auth_tsi.n++];
	s->type = IKE_TS_IPV6_ADDR_RANGE;
	s->ip_proto = 17;
	s->start_port = 500;
	s->end_port = 4500;
	memcpy(s->start, v6_lo, 16);
	memcpy(s->end, v6_hi, 16);
	memcpy(auth_tsr_sel, auth_tsi_sel, sizeof(auth_tsr_sel));
	auth_tsr = (struct ike_ts){ auth_tsi.n, auth_tsr_sel };
	auth_tsr.sel[0].ip_proto = 6;

	auth_contact = (struct ike_notify){ .type = IKE_N_INITIAL_CONTACT };
	auth_mobike = (struct ike_notify){ .type = IKE_N_MOBIKE_SUPPORTED };

	memset(auth_cp_attrs, 0, sizeof(auth_cp_attrs));
	auth_cp = (struct ike_cp){ .attrs = auth_cp_attrs };
	auth_cp.type = IKE_CFG_REQUEST;
	auth_cp.attrs[auth_cp.n++].type = IKE_CP_INTERNAL_IP4_ADDRESS;
	auth_cp.attrs[auth_cp.n++].type = IKE_CP_INTERNAL_IP4_DNS;
	auth_cp.attrs[auth_cp.n++] = (struct ike_cp_attr){
		IKE_CP_INTERNAL_IP6_ADDRESS, 17, filler };
	auth_cp.attrs[auth_cp.n++] = (struct ike_cp_attr){
		IKE_CP_APPLICATION_VERSION, 5, (const uint8_t *)"mif/1" };
}

static void build_auth_inner(struct ike_writer *w)
{
	struct ike_chain c = { 0 };
	struct ike_error err;

	init_fixtures();
	init_auth_fixtures();
	ike_chain_add(&c, IKE_PL_IDI, &auth_id, &err);
	ike_chain_add(&c, IKE_PL_AUTH, &auth_auth, &err);
	ike_chain_add(&c, IKE_PL_NOTIFY, &auth_contact, &err);
	ike_chain_add(&c, IKE_PL_CP, &auth_cp, &err);
	ike_chain_add(&c, IKE_PL_SA, &auth_sa, &err);
	ike_chain_add(&c, IKE_PL_TSI, &auth_tsi, &err);
	ike_chain_add(&c, IKE_PL_TSR, &auth_tsr, &err);
	ike_chain_add(&c, IKE_PL_NOTIFY, &auth_mobike, &err);
	ike_writer_init(w);
	assert_int_equal(ike_chain_build(w, &c, &err), 0);
	ike_chain_free(&c);
}

/* An IKE_AUTH message whose SK body is the (unencrypted) inner chain. */
static void build_auth_outer(struct ike_writer *w, const uint8_t *inner,
			     size_t len)
{
	struct ike_message m = {
		.hdr = {
			.spi_i = SPI_I,
			.spi_r = SPI_R,
			.exchange = IKE_EXCH_IKE_AUTH,
			.flags = IKE_FLAG_INITIATOR,
			.msg_id = 1,
		},
	};
	struct ike_sk sk = { inner, len };
	struct ike_error err;

	ike_chain_add(&m.chain, IKE_PL_SK, &sk, &err);
	m.chain.pl[0].next = IKE_PL_IDI;
	ike_writer_init(w);
	assert_int_equal(ike_message_build(w, &m, &err), 0);
	ike_message_free(&m);
}

static void auth_round_trip(void **state)
{
	const struct ike_payload *pl;
	const struct ike_selector *s;
	struct ike_writer in, out, again;
	struct ike_message m;
	struct ike_chain c;
	struct ike_error err;
	uint8_t *buf;

	build_auth_inner(&in);
	build_auth_outer(&out, in.p, in.len);
	buf = dup_exact(out.p, out.len);

	assert_int_equal(ike_message_parse(&m, buf, out.len, &err), 0);
	assert_int_equal(m.hdr.next, IKE_PL_SK);
	assert_int_equal(m.hdr.msg_id, 1);
	assert_true(m.hdr.spi_r == SPI_R);
	assert_int_equal(m.chain.count, 1);
	pl = &m.chain.pl[0];
	assert_int_equal(pl->type, IKE_PL_SK);
	assert_int_equal(pl->next, IKE_PL_IDI);
	assert_int_equal(pl->sk->len, in.len);
	/* The SK body is the last bytes of the message. */
	assert_ptr_equal(pl->sk->body, buf + out.len - in.len);
	assert_rebuilds(&m, buf, out.len);

	assert_int_equal(ike_chain_parse(&c, pl->next, pl->sk->body,
					 pl->sk->len, &err), 0);
	assert_int_equal(c.count, 8);

	pl = ike_chain_find(&c, IKE_PL_IDI, NULL);
	assert_int_equal(pl->id->type, IKE_ID_FQDN);
	assert_int_equal(pl->id->len, 16);
	assert_memory_equal(pl->id->data, "peer.example.org", 16);
	assert_int_equal(pl->body_len, 4 + 16);

	pl = ike_chain_find(&c, IKE_PL_AUTH, NULL);
	assert_int_equal(pl->auth->method, IKE_AUTH_SHARED_KEY_MIC);
	assert_int_equal(pl->auth->len, 32);

	pl = ike_chain_find(&c, IKE_PL_SA, NULL);
	assert_int_equal(pl->sa->proposals[0].protocol, IKE_PROTO_ESP);
	assert_int_equal(pl->sa->proposals[0].spi_size, 4);
	assert_memory_equal(pl->sa->proposals[0].spi, "\xc0\x01\xd0\x0d", 4);
	assert_int_equal(pl->sa->proposals[0].transforms[1].type, IKE_XF_ESN);

	pl = ike_chain_find(&c, IKE_PL_TSI, NULL);
	assert_int_equal(pl->ts->n, 2);
	s = &pl->ts->sel[0];
	assert_int_equal(s->type, IKE_TS_IPV4_ADDR_RANGE);
	assert_int_equal(s->end_port, 65535);
	assert_memory_equal(s->end, "\xc0\x00\x02\xff", 4);
	s = &pl->ts->sel[1];
	assert_int_equal(s->type, IKE_TS_IPV6_ADDR_RANGE);
	assert_int_equal(s->ip_proto, 17);
	assert_int_equal(s->start_port, 500);
	assert_int_equal(s->end_port, 4500);
	assert_memory_equal(s->start, v6_lo, 16);
	assert_memory_equal(s->end, v6_hi, 16);
	pl = ike_chain_find(&c, IKE_PL_TSR, NULL);
	assert_int_equal(pl->ts->sel[0].ip_proto, 6);

	assert_non_null(ike_chain_find_notify(&c, IKE_N_INITIAL_CONTACT));
	assert_non_null(ike_chain_find_notify(&c, IKE_N_MOBIKE_SUPPORTED));
	pl = ike_chain_find(&c, IKE_PL_NOTIFY, NULL);
	assert_non_null(ike_chain_find(&c, IKE_PL_NOTIFY, pl));

	pl = ike_chain_find(&c, IKE_PL_CP, NULL);
	assert_int_equal(pl->cp->type, IKE_CFG_REQUEST);
	assert_int_equal(pl->cp->n, 4);
	assert_int_equal(pl->cp->attrs[0].type, IKE_CP_INTERNAL_IP4_ADDRESS);
	assert_int_equal(pl->cp->attrs[0].len, 0);
	assert_int_equal(pl->cp->attrs[2].len, 17);
	assert_memory_equal(pl->cp->attrs[3].value, "mif/1", 5);

	ike_writer_init(&again);
	assert_int_equal(ike_chain_build(&again, &c, &err), 0);
	assert_int_equal(again.len, in.len);
	assert_memory_equal(again.p, in.p, in.len);

	ike_writer_free(&again);
	ike_chain_free(&c);
	ike_message_free(&m);
	free(buf);
	ike_writer_free(&in);
	ike_writer_free(&out);
}

static void build_informational(struct ike_writer *w, struct ike_delete *esp,
				struct ike_delete *ike)
{
	struct ike_message m = {
		.hdr = {
			.spi_i = SPI_I,
			.spi_r = SPI_R,
			.exchange = IKE_EXCH_INFORMATIONAL,
			.flags = IKE_FLAG_RESPONSE,
			.msg_id = 7,
		},
	};
	struct ike_error err;

	ike_chain_add(&m.chain, IKE_PL_DELETE, esp, &err);
	ike_chain_add(&m.chain, IKE_PL_DELETE, ike, &err);
	ike_writer_init(w);
	assert_int_equal(ike_message_build(w, &m, &err), 0);
	ike_message_free(&m);
}

static void delete_round_trip(void **state)
{
	uint32_t spis[] = { 0x11111111, 0xc0ffee00, 0xffffffff };
	struct ike_delete esp = { .protocol = IKE_PROTO_ESP, .n_spis = 3,
				  .spis = spis };
	struct ike_delete ike = { .protocol = IKE_PROTO_IKE };
	const struct ike_payload *pl;
	struct ike_message m;
	struct ike_writer w;
	struct ike_error err;
	uint8_t *buf;

	build_informational(&w, &esp, &ike);
	assert_int_equal(w.len, IKE_HEADER_LEN + 4 + 4 + 12 + 4 + 4);
	buf = dup_exact(w.p, w.len);
	assert_int_equal(ike_message_parse(&m, buf, w.len, &err), 0);
	assert_int_equal(m.hdr.flags, IKE_FLAG_RESPONSE);
	assert_int_equal(m.hdr.msg_id, 7);
	assert_int_equal(m.chain.count, 2);
	pl = &m.chain.pl[0];
	assert_int_equal(pl->del->protocol, IKE_PROTO_ESP);
	assert_int_equal(pl->del->n_spis, 3);
	assert_int_equal(pl->del->spis[1], 0xc0ffee00);
	assert_int_equal(pl->del->spis[2], 0xffffffff);
	pl = &m.chain.pl[1];
	assert_int_equal(pl->del->protocol, IKE_PROTO_IKE);
	assert_int_equal(pl->del->n_spis, 0);
	assert_rebuilds(&m, buf, w.len);
	ike_message_free(&m);
	free(buf);
	ike_writer_free(&w);
}

/* Single payloads of the remaining types survive a round trip. */
static void other_payloads_round_trip(void **state)
{
	static const char dn[] = "\x30\x03\x31\x01\x00";
	struct ike_cert cert = { IKE_CERT_X509_SIG, filler, 300 };
	struct ike_cert req = { IKE_CERT_X509_SIG, filler, 40 };
	struct ike_cert empty_req = { IKE_CERT_X509_SIG, NULL, 0 };
	struct ike_id idr = { IKE_ID_DER_ASN1_DN, (const uint8_t *)dn, 5 };
	struct ike_eap eap = { IKE_EAP_RESPONSE, 9, 1, filler, 10 };
	struct ike_eap ok = { .code = IKE_EAP_SUCCESS, .ident = 9 };
	struct ike_notify rekey = { IKE_PROTO_ESP, 4, { 1, 2, 3, 4 },
				    IKE_N_REKEY_SA, NULL, 0 };
	struct ike_message m = { .hdr.exchange = IKE_EXCH_IKE_AUTH };
	struct ike_message back;
	struct ike_writer w;
	struct ike_error err;
	uint8_t *buf;

	ike_chain_add(&m.chain, IKE_PL_IDR, &idr, &err);
	ike_chain_add(&m.chain, IKE_PL_CERT, &cert, &err);
	ike_chain_add(&m.chain, IKE_PL_CERTREQ, &req, &err);
	ike_chain_add(&m.chain, IKE_PL_CERTREQ, &empty_req, &err);
	ike_chain_add(&m.chain, IKE_PL_NOTIFY, &rekey, &err);
	ike_chain_add(&m.chain, IKE_PL_EAP, &eap, &err);
	ike_chain_add(&m.chain, IKE_PL_EAP, &ok, &err);
	ike_writer_init(&w);
	assert_int_equal(ike_message_build(&w, &m, &err), 0);
	buf = dup_exact(w.p, w.len);
	assert_int_equal(ike_message_parse(&back, buf, w.len, &err), 0);
	assert_int_equal(back.chain.count, 7);
	assert_int_equal(back.chain.pl[0].id->type, IKE_ID_DER_ASN1_DN);
	assert_int_equal(back.chain.pl[1].cert->len, 300);
	assert_int_equal(back.chain.pl[2].cert->len, 40);
	assert_int_equal(back.chain.pl[3].cert->len, 0);
	assert_int_equal(back.chain.pl[4].notify->spi_size, 4);
	assert_memory_equal(back.chain.pl[4].notify->spi, "\1\2\3\4", 4);
	assert_int_equal(back.chain.pl[5].eap->code, IKE_EAP_RESPONSE);
	assert_int_equal(back.chain.pl[5].eap->ident, 9);
	assert_int_equal(back.chain.pl[5].eap->type, 1);
	assert_int_equal(back.chain.pl[5].eap->len, 10);
	assert_int_equal(back.chain.pl[5].body_len, 15);
	assert_int_equal(back.chain.pl[6].eap->code, IKE_EAP_SUCCESS);
	assert_rebuilds(&back, buf, w.len);
	ike_message_free(&back);
	ike_message_free(&m);
	free(buf);
	ike_writer_free(&w);
}

static void skf_round_trip(void **state)
{
	struct ike_skf skf = { 1, 3, NULL, 48 };
	struct ike_message m = { .hdr.exchange = IKE_EXCH_IKE_AUTH };
	struct ike_message back;
	struct ike_writer w;
	struct ike_error err;
	uint8_t *buf;

	ike_chain_add(&m.chain, IKE_PL_SKF, &skf, &err);
	m.chain.pl[0].next = IKE_PL_IDI;
	ike_writer_init(&w);
	assert_int_equal(ike_message_build(&w, &m, &err), 0);
	assert_int_equal(w.len, IKE_HEADER_LEN + 4 + 4 + 48);
	buf = dup_exact(w.p, w.len);
	assert_int_equal(ike_message_parse(&back, buf, w.len, &err), 0);
	assert_int_equal(back.chain.pl[0].skf->number, 1);
	assert_int_equal(back.chain.pl[0].skf->total, 3);
	assert_int_equal(back.chain.pl[0].skf->len, 48);
	assert_int_equal(back.chain.pl[0].next, IKE_PL_IDI);
	ike_message_free(&back);
	ike_message_free(&m);
	free(buf);
	ike_writer_free(&w);
}

/* Header. */

static void header_truncated(void **state)
{
	struct ike_writer w;
	struct ike_error err;

	build_sa_init(&w);
	for (size_t len = 0; len < IKE_HEADER_LEN; len++) {
		assert_int_equal(parse_copy(w.p, len, &err), -1);
		assert_int_equal(err.code, IKE_ERR_TRUNCATED);
		assert_int_equal(err.notify, 0);
	}
	ike_writer_free(&w);
}

static void header_length_mismatch(void **state)
{
	struct ike_writer w;
	struct ike_error err;

	build_sa_init(&w);
	/* Buffer shorter and longer than the length field. */
	assert_int_equal(parse_copy(w.p, w.len - 1, &err), -1);
	assert_int_equal(err.code, IKE_ERR_LENGTH);
	ike_put_u8(&w, 0);
	assert_int_equal(parse_copy(w.p, w.len, &err), -1);
	assert_int_equal(err.code, IKE_ERR_LENGTH);
	ike_writer_free(&w);
}

static void header_length_below_28(void **state)
{
	struct ike_writer w;
	struct ike_error err;

	ike_writer_init(&w);
	put_header(&w, IKE_PL_NONE, IKE_EXCH_INFORMATIONAL, 27);
	assert_int_equal(parse_copy(w.p, w.len, &err), -1);
	assert_int_equal(err.code, IKE_ERR_LENGTH);
	assert_string_equal(err.reason, "header length below 28");
	ike_writer_free(&w);
}

static void header_empty_message(void **state)
{
	struct ike_header h;
	struct ike_writer w;
	struct ike_error err;

	ike_writer_init(&w);
	put_header(&w, IKE_PL_NONE, IKE_EXCH_INFORMATIONAL, IKE_HEADER_LEN);
	assert_int_equal(parse_copy(w.p, w.len, &err), 0);
	assert_int_equal(ike_header_parse(&h, w.p, w.len, &err), 0);
	assert_int_equal(h.exchange, IKE_EXCH_INFORMATIONAL);
	ike_writer_free(&w);
}

static void header_bad_version(void **state)
{
	static const uint8_t versions[] = { 0x00, 0x10, 0x1f, 0x30, 0xf0 };
	struct ike_writer w;
	struct ike_error err;

	build_sa_init(&w);
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		ike_patch_u8(&w, 17, versions[i]);
		assert_int_equal(parse_copy(w.p, w.len, &err), -1);
		assert_int_equal(err.code, IKE_ERR_VERSION);
		assert_int_equal(err.notify, IKE_N_INVALID_MAJOR_VERSION);
	}
	/* A higher minor version is accepted. */
	ike_patch_u8(&w, 17, 0x21);
	assert_int_equal(parse_copy(w.p, w.len, &err), 0);
	ike_writer_free(&w);
}

static void header_reserved_flags_ignored(void **state)
{
	struct ike_message m = { .hdr.flags = 0xff };
	struct ike_writer w;
	struct ike_error err;

	ike_writer_init(&w);
	assert_int_equal(ike_message_build(&w, &m, &err), 0);
	assert_int_equal(w.p[19], IKE_FLAGS_KNOWN);
	ike_patch_u8(&w, 19, 0xff);
	assert_int_equal(parse_copy(w.p, w.len, &err), 0);
	ike_writer_free(&w);
}

/* Generic payload chain. */

static void chain_payload_length_below_4(void **state)
{
	struct ike_writer w;
	struct ike_error err;

	for (uint16_t len = 0; len < 4; len++) {
		ike_writer_init(&w);
		put_header(&w, IKE_PL_NONCE, IKE_EXCH_IKE_AUTH,
			   IKE_HEADER_LEN + 4);
		ike_put_u32(&w, len);
		assert_int_equal(parse_copy(w.p, w.len, &err), -1);
		assert_int_equal(err.code, IKE_ERR_LENGTH);
		assert_int_equal(err.notify, IKE_N_INVALID_SYNTAX);
		ike_writer_free(&w);
	}
}

static void chain_payload_past_end(void **state)
{
	struct ike_writer w;
	struct ike_error err;

	build_sa_init(&w);
	/* Vendor ID is last: grow its length by one. */
	ike_patch_u16(&w, w.len - 16 - 2, 4 + 16 + 1);
	assert_int_equal(parse_copy(w.p, w.len, &err), -1);
	assert_int_equal(err.code, IKE_ERR_LENGTH);
	assert_string_equal(err.reason, "payload runs past the end");
	ike_writer_free(&w);
}

static void chain_header_truncated(void **state)
{
	struct ike_writer w;
	struct ike_error err;

	/* The last payload claims a successor but the message ends. */
	build_sa_init(&w);
	ike_patch_u8(&w, w.len - 20, IKE_PL_NOTIFY);
	assert_int_equal(parse_copy(w.p, w.len, &err), -1);
	assert_int_equal(err.code, IKE_ERR_TRUNCATED);
	/* Or a successor with a partial generic header. */
	ike_put_u16(&w, 0);
	ike_patch_u32(&w, 24, (uint32_t)w.len);
	assert_int_equal(parse_copy(w.p, w.len, &err), -1);
	assert_int_equal(err.code, IKE_ERR_TRUNCATED);
	ike_writer_free(&w);
}

static void chain_trailing_data(void **state)
{
	struct ike_writer w;
	struct ike_error err;

	build_sa_init(&w);
	ike_put_u32(&w, 0);
	ike_patch_u32(&w, 24, (uint32_t)w.len);
	assert_int_equal(parse_copy(w.p, w.len, &err), -1);
	assert_int_equal(err.code, IKE_ERR_LENGTH);
	assert_string_equal(err.reason, "data after the last payload");
	ike_writer_free(&w);
}

static void put_generic(struct ike_writer *w, uint8_t next, uint8_t flags,
			const void *body, uint16_t len)
{
	ike_put_u8(w, next);
	ike_put_u8(w, flags);
	ike_put_u16(w, (uint16_t)(4 + len));
	ike_put_bytes(w, body, len);
}

static void chain_unknown_payloads(void **state)
{
	struct ike_message m;
	struct ike_writer w;
	struct ike_error err;
	uint8_t *buf;

	/* Nonce, unknown 99 (not critical), unknown 100 (reserved bits). */
	ike_writer_init(&w);
	put_header(&w, IKE_PL_NONCE, IKE_EXCH_IKE_AUTH, 0);
	put_generic(&w, 99, 0, filler, 16);
	put_generic(&w, 100, 0, filler, 7);
	put_generic(&w, IKE_PL_VENDOR, 0x7f, filler, 0);
	put_generic(&w, IKE_PL_NONE, 0, filler, 3);
	ike_patch_u32(&w, 24, (uint32_t)w.len);
	buf = dup_exact(w.p, w.len);
	assert_int_equal(ike_message_parse(&m, buf, w.len, &err), 0);
	assert_int_equal(m.chain.count, 2);
	assert_int_equal(m.chain.pl[0].type, IKE_PL_NONCE);
	assert_int_equal(m.chain.pl[1].type, IKE_PL_VENDOR);
	ike_message_free(&m);
	free(buf);

	/* The same with the critical bit on 100. */
	ike_patch_u8(&w, IKE_HEADER_LEN + 20 + 11 + 1, 0xff);
	assert_int_equal(parse_copy(w.p, w.len, &err), -1);
	assert_int_equal(err.code, IKE_ERR_CRITICAL);
	assert_int_equal(err.notify, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	assert_int_equal(err.payload, 100);
	ike_writer_free(&w);

	/* The critical bit on a known payload means nothing. */
	ike_writer_init(&w);
	put_header(&w, IKE_PL_NONCE, IKE_EXCH_IKE_AUTH, 0);
	put_generic(&w, IKE_PL_NONE, IKE_PAYLOAD_CRITICAL, filler, 16);
	ike_patch_u32(&w, 24, (uint32_t)w.len);
	assert_int_equal(parse_copy(w.p, w.len, &err), 0);
	ike_writer_free(&w);
}

/* A chain holds as many payloads as the message does. */
static void chain_many_payloads(void **state)
{
	struct ike_message m;
	struct ike_writer w;
	struct ike_error err;
	struct ike_nonce n = { filler, 16 };
	uint8_t *buf;

	ike_writer_init(&w);
	put_header(&w, IKE_PL_VENDOR, IKE_EXCH_INFORMATIONAL, 0);
	for (int i = 0; i < 1000; i++)
		put_generic(&w, i < 999 ? IKE_PL_VENDOR : 0, 0, filler, 4);
	ike_patch_u32(&w, 24, (uint32_t)w.len);
	buf = dup_exact(w.p, w.len);
	assert_int_equal(ike_message_parse(&m, buf, w.len, &err), 0);
	assert_int_equal(m.chain.count, 1000);
	/* Allocated once, exactly. */
	assert_int_equal(m.chain.room, 1000);
	assert_int_equal(m.chain.pl[999].vendor->len, 4);
	ike_message_free(&m);
	free(buf);
	ike_writer_free(&w);

	/* Building grows as payloads are added. */
	memset(&m, 0, sizeof(m));
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ike_chain_add(&m.chain, IKE_PL_NONCE, &n,
					       &err), 0);
	assert_int_equal(m.chain.count, 1000);
	ike_writer_init(&w);
	assert_int_equal(ike_message_build(&w, &m, &err), 0);
	assert_int_equal(w.len, IKE_HEADER_LEN + 1000 * (4 + 16));
	ike_writer_free(&w);
	ike_message_free(&m);
	assert_null(m.chain.pl);
}

static void chain_sk_must_be_last(void **state)
{
	struct ike_sk sk = { filler, 32 };
	struct ike_nonce n = { filler, 16 };
	struct ike_message m = { .hdr.exchange = IKE_EXCH_IKE_AUTH };
	struct ike_writer w;
	struct ike_error err;

	/* On the wire: data after SK. */
	ike_writer_init(&w);
	put_header(&w, IKE_PL_SK, IKE_EXCH_IKE_AUTH, 0);
	put_generic(&w, IKE_PL_IDI, 0, filler, 32);
	put_generic(&w, IKE_PL_NONE, 0, filler, 16);
	ike_patch_u32(&w, 24, (uint32_t)w.len);
	assert_int_equal(parse_copy(w.p, w.len, &err), -1);
	assert_int_equal(err.code, IKE_ERR_LENGTH);
	ike_writer_free(&w);

	/* When building. */
	ike_chain_add(&m.chain, IKE_PL_SK, &sk, &err);
	ike_chain_add(&m.chain, IKE_PL_NONCE, &n, &err);
	ike_writer_init(&w);
	assert_int_equal(ike_message_build(&w, &m, &err), -1);
	assert_int_equal(err.code, IKE_ERR_INVAL);
	assert_int_equal(err.payload, IKE_PL_SK);
	ike_writer_free(&w);
	ike_message_free(&m);

	expect_bad(IKE_PL_SK, NULL, 0, IKE_ERR_SYNTAX);
}

/* SA payload bodies, written by hand. */

struct sa_body {
	struct ike_writer w;
	size_t prop;		/* offset of the current proposal */
	size_t xf;		/* offset of the current transform */
};

static void sa_proposal(struct sa_body *b, uint8_t more, uint8_t num,
			uint8_t proto, uint8_t spi_size, uint8_t n_xf)
{
	b->prop = b->w.len;
	ike_put_u8(&b->w, more);
	ike_put_u8(&b->w, 0);
	ike_put_u16(&b->w, 0);
	ike_put_u8(&b->w, num);
	ike_put_u8(&b->w, proto);
	ike_put_u8(&b->w, spi_size);
	ike_put_u8(&b->w, n_xf);
	ike_put_bytes(&b->w, filler, spi_size);
}

static void sa_transform(struct sa_body *b, uint8_t more, uint8_t type,
			 uint16_t id)
{
	b->xf = b->w.len;
	ike_put_u8(&b->w, more);
	ike_put_u8(&b->w, 0);
	ike_put_u16(&b->w, 8);
	ike_put_u8(&b->w, type);
	ike_put_u8(&b->w, 0);
	ike_put_u16(&b->w, id);
}

static void sa_attr(struct sa_body *b, uint16_t type, uint16_t value)
{
	ike_put_u16(&b->w, type);
	ike_put_u16(&b->w, value);
}

/* Set the proposal and transform lengths from what was written. */
static void sa_close(struct sa_body *b)
{
	ike_patch_u16(&b->w, b->xf + 2, (uint16_t)(b->w.len - b->xf));
	ike_patch_u16(&b->w, b->prop + 2, (uint16_t)(b->w.len - b->prop));
}

/* One IKE proposal with one ENCR transform and the given attributes. */
static void sa_simple(struct sa_body *b)
{
	ike_writer_init(&b->w);
	sa_proposal(b, 0, 1, IKE_PROTO_IKE, 0, 1);
	sa_transform(b, 0, IKE_XF_ENCR, IKE_ENCR_AES_CBC);
}

static void sa_check(struct sa_body *b, enum ike_err code)
{
	if (code == IKE_OK)
		expect_ok(IKE_PL_SA, b->w.p, b->w.len);
	else
		expect_bad(IKE_PL_SA, b->w.p, b->w.len, code);
	ike_writer_free(&b->w);
}

static void sa_malformed(void **state)
{
	struct sa_body b;

	/* Baseline. */
	sa_simple(&b);
	sa_attr(&b, IKE_ATTR_FORMAT_TV | IKE_ATTR_KEY_LENGTH, 128);
	sa_close(&b);
	sa_check(&b, IKE_OK);

	/* Empty SA. */
	expect_bad(IKE_PL_SA, NULL, 0, IKE_ERR_SYNTAX);

	/* Transform length below 8. */
	sa_simple(&b);
	sa_close(&b);
	ike_patch_u16(&b.w, b.xf + 2, 7);
	sa_check(&b, IKE_ERR_LENGTH);

	/* Transform length past its proposal. */
	sa_simple(&b);
	sa_close(&b);
	ike_patch_u16(&b.w, b.xf + 2, 12);
	sa_check(&b, IKE_ERR_LENGTH);

	/* Attribute TLV running past its transform. */
	sa_simple(&b);
	sa_attr(&b, 99, 10);
	ike_put_bytes(&b.w, filler, 9);
	sa_close(&b);
	sa_check(&b, IKE_ERR_LENGTH);

	/* Attribute header cut by the transform length. */
	sa_simple(&b);
	ike_put_u16(&b.w, IKE_ATTR_FORMAT_TV | IKE_ATTR_KEY_LENGTH);
	sa_close(&b);
	sa_check(&b, IKE_ERR_LENGTH);

	/* Unknown TLV attribute: accepted, flagged. */
	sa_simple(&b);
	sa_attr(&b, 99, 3);
	ike_put_bytes(&b.w, filler, 3);
	sa_close(&b);
	sa_check(&b, IKE_OK);

	/* Key Length as TLV, twice, zero. */
	sa_simple(&b);
	sa_attr(&b, IKE_ATTR_KEY_LENGTH, 2);
	ike_put_u16(&b.w, 128);
	sa_close(&b);
	sa_check(&b, IKE_ERR_SYNTAX);
	sa_simple(&b);
	sa_attr(&b, IKE_ATTR_FORMAT_TV | IKE_ATTR_KEY_LENGTH, 128);
	sa_attr(&b, IKE_ATTR_FORMAT_TV | IKE_ATTR_KEY_LENGTH, 256);
	sa_close(&b);
	sa_check(&b, IKE_ERR_SYNTAX);
	sa_simple(&b);
	sa_attr(&b, IKE_ATTR_FORMAT_TV | IKE_ATTR_KEY_LENGTH, 0);
	sa_close(&b);
	sa_check(&b, IKE_ERR_SYNTAX);

	/* Proposal length below 8, past the SA, beyond its transforms. */
	sa_simple(&b);
	sa_close(&b);
	ike_patch_u16(&b.w, b.prop + 2, 7);
	sa_check(&b, IKE_ERR_LENGTH);
	sa_simple(&b);
	sa_close(&b);
	ike_patch_u16(&b.w, b.prop + 2, (uint16_t)(b.w.len + 1));
	sa_check(&b, IKE_ERR_LENGTH);
	sa_simple(&b);
	ike_put_u32(&b.w, 0);
	sa_close(&b);
	ike_patch_u16(&b.w, b.xf + 2, 8);
	sa_check(&b, IKE_ERR_LENGTH);

	/* Transform count says 2, one present (last marker says last). */
	sa_simple(&b);
	sa_close(&b);
	ike_patch_u8(&b.w, b.prop + 7, 2);
	sa_check(&b, IKE_ERR_SYNTAX);
	/* Count says 1, but the transform says more follow. */
	sa_simple(&b);
	sa_close(&b);
	ike_patch_u8(&b.w, b.xf, 3);
	sa_check(&b, IKE_ERR_SYNTAX);
	/* Count of zero. */
	sa_simple(&b);
	sa_close(&b);
	ike_patch_u8(&b.w, b.prop + 7, 0);
	sa_check(&b, IKE_ERR_SYNTAX);
	/* Bad last-substruct values. */
	sa_simple(&b);
	sa_close(&b);
	ike_patch_u8(&b.w, b.xf, 2);
	sa_check(&b, IKE_ERR_SYNTAX);
	sa_simple(&b);
	sa_close(&b);
	ike_patch_u8(&b.w, b.prop, 3);
	sa_check(&b, IKE_ERR_SYNTAX);

	/* SPI size against protocol and data. */
	ike_writer_init(&b.w);
	sa_proposal(&b, 0, 1, IKE_PROTO_ESP, 8, 1);
	sa_transform(&b, 0, IKE_XF_ENCR, IKE_ENCR_AES_GCM_16);
	sa_close(&b);
	sa_check(&b, IKE_ERR_SYNTAX);
	ike_writer_init(&b.w);
	sa_proposal(&b, 0, 1, IKE_PROTO_IKE, 4, 1);
	sa_transform(&b, 0, IKE_XF_ENCR, IKE_ENCR_AES_GCM_16);
	sa_close(&b);
	sa_check(&b, IKE_ERR_SYNTAX);
	ike_writer_init(&b.w);
	sa_proposal(&b, 0, 1, IKE_PROTO_ESP, 4, 1);
	ike_patch_u16(&b.w, b.prop + 2, 10);	/* SPI cut short */
	b.w.len = 10;
	sa_check(&b, IKE_ERR_LENGTH);

	/* Proposal numbering: 1 then 3; zero. */
	ike_writer_init(&b.w);
	sa_proposal(&b, 2, 1, IKE_PROTO_IKE, 0, 1);
	sa_transform(&b, 0, IKE_XF_ENCR, IKE_ENCR_AES_CBC);
	sa_close(&b);
	sa_proposal(&b, 0, 3, IKE_PROTO_IKE, 0, 1);
	sa_transform(&b, 0, IKE_XF_ENCR, IKE_ENCR_AES_CBC);
	sa_close(&b);
	sa_check(&b, IKE_ERR_SYNTAX);
	sa_simple(&b);
	sa_close(&b);
	ike_patch_u8(&b.w, b.prop + 4, 0);
	sa_check(&b, IKE_ERR_SYNTAX);
	/* A lone proposal may carry any number (a reply). */
	sa_simple(&b);
	sa_close(&b);
	ike_patch_u8(&b.w, b.prop + 4, 5);
	sa_check(&b, IKE_OK);

	/* Proposal says more follow but the SA ends; and the reverse. */
	sa_simple(&b);
	sa_close(&b);
	ike_patch_u8(&b.w, b.prop, 2);
	sa_check(&b, IKE_ERR_LENGTH);
	ike_writer_init(&b.w);
	sa_proposal(&b, 0, 1, IKE_PROTO_IKE, 0, 1);
	sa_transform(&b, 0, IKE_XF_ENCR, IKE_ENCR_AES_CBC);
	sa_close(&b);
	sa_proposal(&b, 0, 2, IKE_PROTO_IKE, 0, 1);
	sa_transform(&b, 0, IKE_XF_ENCR, IKE_ENCR_AES_CBC);
	sa_close(&b);
	sa_check(&b, IKE_ERR_LENGTH);
	/* Trailing bytes too short for a proposal. */
	sa_simple(&b);
	sa_close(&b);
	ike_patch_u8(&b.w, b.prop, 2);
	ike_put_u32(&b.w, 0);
	sa_check(&b, IKE_ERR_LENGTH);
}

static void sa_too_many(void **state)
{
	struct sa_body b;
	int n;

	/* 65 proposals. */
	ike_writer_init(&b.w);
	for (n = 1; n <= IKE_SA_MAX_PROPOSALS + 1; n++) {
		sa_proposal(&b, n <= IKE_SA_MAX_PROPOSALS ? 2 : 0, (uint8_t)n,
			    IKE_PROTO_IKE, 0, 1);
		sa_transform(&b, 0, IKE_XF_ENCR, IKE_ENCR_AES_CBC);
		sa_close(&b);
	}
	sa_check(&b, IKE_ERR_LIMIT);

	/* 65 transforms in one proposal. */
	ike_writer_init(&b.w);
	sa_proposal(&b, 0, 1, IKE_PROTO_IKE, 0, IKE_SA_MAX_TRANSFORMS + 1);
	for (n = 1; n <= IKE_SA_MAX_TRANSFORMS + 1; n++)
		sa_transform(&b, n <= IKE_SA_MAX_TRANSFORMS ? 3 : 0,
			     IKE_XF_DH, (uint16_t)n);
	sa_close(&b);
	sa_check(&b, IKE_ERR_LIMIT);

	/* 64 of each is fine. */
	ike_writer_init(&b.w);
	for (n = 1; n <= IKE_SA_MAX_PROPOSALS; n++) {
		sa_proposal(&b, n < IKE_SA_MAX_PROPOSALS ? 2 : 0, (uint8_t)n,
			    IKE_PROTO_IKE, 0, IKE_SA_MAX_TRANSFORMS);
		for (int t = 1; t <= IKE_SA_MAX_TRANSFORMS; t++)
			sa_transform(&b, t < IKE_SA_MAX_TRANSFORMS ? 3 : 0,
				     IKE_XF_DH, (uint16_t)t);
		sa_close(&b);
	}
	assert_true(b.w.len < UINT16_MAX - 4);
	sa_check(&b, IKE_OK);
}

static void sa_unknown_attr_flagged(void **state)
{
	struct ike_reader r;
	struct ike_error err;
	struct ike_sa_payload *sa = calloc(1, sizeof(*sa));
	struct sa_body b;

	assert_non_null(sa);
	sa_simple(&b);
	sa_attr(&b, IKE_ATTR_FORMAT_TV | 15, 1);
	sa_attr(&b, IKE_ATTR_FORMAT_TV | IKE_ATTR_KEY_LENGTH, 192);
	sa_close(&b);
	ike_reader_init(&r, b.w.p, b.w.len);
	assert_int_equal(ike_sa_payload_parse(sa, &r, &err), 0);
	assert_true(sa->proposals[0].transforms[0].unknown_attr);
	assert_int_equal(sa->proposals[0].transforms[0].key_len, 192);
	ike_sa_payload_free(sa);
	ike_writer_free(&b.w);
	free(sa);
}

/* Fixed-format payloads. */

static void ke_malformed(void **state)
{
	expect_bad(IKE_PL_KE, "\x00\x13\x00", 3, IKE_ERR_TRUNCATED);
	expect_bad(IKE_PL_KE, "\x00\x13\x00\x00", 4, IKE_ERR_SYNTAX);
	expect_ok(IKE_PL_KE, "\x00\x13\x00\x00\x01", 5);
}

static void id_malformed(void **state)
{
	expect_bad(IKE_PL_IDI, "\x01\x00\x00", 3, IKE_ERR_TRUNCATED);
	expect_bad(IKE_PL_IDI, "\x01\x00\x00\x00\xc0\x00\x02", 7,
		   IKE_ERR_SYNTAX);
	expect_bad(IKE_PL_IDR, "\x01\x00\x00\x00\xc0\x00\x02\x01\x01", 9,
		   IKE_ERR_SYNTAX);
	expect_ok(IKE_PL_IDR, "\x01\x00\x00\x00\xc0\x00\x02\x01", 8);
	expect_bad(IKE_PL_IDI, "\x05\x00\x00\x00\x20\x01\x0d\xb8", 8,
		   IKE_ERR_SYNTAX);
	expect_bad(IKE_PL_IDI, "\x02\x00\x00\x00", 4, IKE_ERR_SYNTAX);
}

static void cert_malformed(void **state)
{
	uint8_t req[1 + 2 * IKE_CERTREQ_HASH_LEN] = { IKE_CERT_X509_SIG };

	expect_bad(IKE_PL_CERT, NULL, 0, IKE_ERR_TRUNCATED);
	expect_bad(IKE_PL_CERT, "\x04", 1, IKE_ERR_SYNTAX);
	expect_bad(IKE_PL_CERTREQ, NULL, 0, IKE_ERR_TRUNCATED);
	/* X.509 CERTREQ: a list of 20-byte hashes, possibly empty. */
	expect_ok(IKE_PL_CERTREQ, req, 1);
	expect_ok(IKE_PL_CERTREQ, req, 1 + IKE_CERTREQ_HASH_LEN);
	expect_bad(IKE_PL_CERTREQ, req, 2 + IKE_CERTREQ_HASH_LEN,
		   IKE_ERR_SYNTAX);
	expect_ok(IKE_PL_CERTREQ, req, sizeof(req));
	/* Other encodings are opaque. */
	req[0] = IKE_CERT_HASH_URL_X509;
	expect_ok(IKE_PL_CERTREQ, req, 2 + IKE_CERTREQ_HASH_LEN);
}

static void auth_malformed(void **state)
{
	expect_bad(IKE_PL_AUTH, "\x02\x00\x00", 3, IKE_ERR_TRUNCATED);
	expect_bad(IKE_PL_AUTH, "\x02\x00\x00\x00", 4, IKE_ERR_SYNTAX);
}

static void nonce_sizes(void **state)
{
	expect_bad(IKE_PL_NONCE, filler, 0, IKE_ERR_SYNTAX);
	expect_bad(IKE_PL_NONCE, filler, 15, IKE_ERR_SYNTAX);
	expect_ok(IKE_PL_NONCE, filler, 16);
	expect_ok(IKE_PL_NONCE, filler, 256);
	expect_bad(IKE_PL_NONCE, filler, 257, IKE_ERR_SYNTAX);
}

static void vendor_malformed(void **state)
{
	expect_bad(IKE_PL_VENDOR, NULL, 0, IKE_ERR_SYNTAX);
}

static void notify_malformed(void **state)
{
	uint8_t b[4 + 8 + 20];

	expect_bad(IKE_PL_NOTIFY, "\x00\x00\x40", 3, IKE_ERR_TRUNCATED);
	/* SPI size 4, two bytes of SPI. */
	expect_bad(IKE_PL_NOTIFY, "\x03\x04\x40\x09\x01\x02", 6,
		   IKE_ERR_LENGTH);
	/* SPI sizes 9 and 3. */
	memset(b, 0, sizeof(b));
	b[1] = 9;
	expect_bad(IKE_PL_NOTIFY, b, 4 + 9, IKE_ERR_SYNTAX);
	b[1] = 3;
	expect_bad(IKE_PL_NOTIFY, b, 4 + 3, IKE_ERR_SYNTAX);
	/* NAT detection hash of 19 and 20 bytes. */
	b[1] = 0;
	b[2] = IKE_N_NAT_DETECTION_SOURCE_IP >> 8;
	b[3] = IKE_N_NAT_DETECTION_SOURCE_IP & 0xff;
	expect_bad(IKE_PL_NOTIFY, b, 4 + 19, IKE_ERR_SYNTAX);
	expect_ok(IKE_PL_NOTIFY, b, 4 + 20);
	/* COOKIE: empty, 64, 65 bytes. */
	b[2] = IKE_N_COOKIE >> 8;
	b[3] = IKE_N_COOKIE & 0xff;
	expect_bad(IKE_PL_NOTIFY, b, 4, IKE_ERR_SYNTAX);
	/* INVALID_KE_PAYLOAD carries the group: 2 bytes. */
	b[2] = 0;
	b[3] = IKE_N_INVALID_KE_PAYLOAD;
	expect_bad(IKE_PL_NOTIFY, b, 4 + 3, IKE_ERR_SYNTAX);
	expect_ok(IKE_PL_NOTIFY, b, 4 + 2);
}

static void delete_malformed(void **state)
{
	struct ike_writer w;
	uint8_t b[4 + 12];

	memset(b, 0xaa, sizeof(b));
	expect_bad(IKE_PL_DELETE, "\x03\x04\x00", 3, IKE_ERR_TRUNCATED);
	/* Count 3, data for 2 and a bit. */
	memcpy(b, "\x03\x04\x00\x03", 4);
	expect_bad(IKE_PL_DELETE, b, 4 + 10, IKE_ERR_LENGTH);
	expect_bad(IKE_PL_DELETE, b, 4 + 8, IKE_ERR_LENGTH);
	expect_ok(IKE_PL_DELETE, b, 4 + 12);
	/* Count 2 with 3 SPIs worth of data. */
	b[3] = 2;
	expect_bad(IKE_PL_DELETE, b, 4 + 12, IKE_ERR_LENGTH);
	/* SPI size 8 for ESP, 4 for IKE, count for IKE, zero count. */
	expect_bad(IKE_PL_DELETE, "\x03\x08\x00\x01", 4, IKE_ERR_SYNTAX);
	expect_bad(IKE_PL_DELETE, "\x01\x04\x00\x00", 4, IKE_ERR_SYNTAX);
	expect_bad(IKE_PL_DELETE, "\x01\x00\x00\x01", 4, IKE_ERR_SYNTAX);
	expect_bad(IKE_PL_DELETE, "\x02\x04\x00\x00", 4, IKE_ERR_SYNTAX);
	expect_bad(IKE_PL_DELETE, "\x07\x04\x00\x00", 4, IKE_ERR_SYNTAX);
	/* IKE SA delete with trailing data. */
	expect_bad(IKE_PL_DELETE, "\x01\x00\x00\x00\x00", 5, IKE_ERR_LENGTH);

	/* 256 SPIs: too many; 255 fine. */
	ike_writer_init(&w);
	ike_put_u32(&w, 0x03040100);
	for (int i = 0; i < 256; i++)
		ike_put_u32(&w, (uint32_t)i + 1);
	expect_bad(IKE_PL_DELETE, w.p, w.len, IKE_ERR_LIMIT);
	ike_patch_u16(&w, 2, 255);
	expect_ok(IKE_PL_DELETE, w.p, w.len - 4);
	ike_writer_free(&w);
}

static void ts_put(struct ike_writer *w, uint8_t type, uint16_t len,
		   size_t addr_len)
{
	ike_put_u8(w, type);
	ike_put_u8(w, 0);
	ike_put_u16(w, len);
	ike_put_u16(w, 0);
	ike_put_u16(w, 65535);
	ike_put_bytes(w, filler, 2 * addr_len);
}

static void ts_check(struct ike_writer *w, uint8_t count, enum ike_err code)
{
	ike_patch_u8(w, 0, count);
	if (code == IKE_OK)
		expect_ok(IKE_PL_TSI, w->p, w->len);
	else
		expect_bad(IKE_PL_TSR, w->p, w->len, code);
	ike_writer_free(w);
}

static void ts_malformed(void **state)
{
	struct ike_writer w;

	expect_bad(IKE_PL_TSI, "\x01\x00\x00", 3, IKE_ERR_TRUNCATED);

	/* IPv4 selector, then the same with the IPv6 length and type. */
	ike_writer_init(&w);
	ike_put_u32(&w, 0);
	ts_put(&w, IKE_TS_IPV4_ADDR_RANGE, 16, 4);
	ts_check(&w, 1, IKE_OK);
	ike_writer_init(&w);
	ike_put_u32(&w, 0);
	ts_put(&w, IKE_TS_IPV4_ADDR_RANGE, 40, 4);
	ts_check(&w, 1, IKE_ERR_LENGTH);
	ike_writer_init(&w);
	ike_put_u32(&w, 0);
	ts_put(&w, IKE_TS_IPV6_ADDR_RANGE, 16, 4);
	ts_check(&w, 1, IKE_ERR_LENGTH);
	/* Right length for IPv6, data cut short. */
	ike_writer_init(&w);
	ike_put_u32(&w, 0);
	ts_put(&w, IKE_TS_IPV6_ADDR_RANGE, 40, 4);
	ts_check(&w, 1, IKE_ERR_LENGTH);
	/* Unknown selector type. */
	ike_writer_init(&w);
	ike_put_u32(&w, 0);
	ts_put(&w, 9, 16, 4);
	ts_check(&w, 1, IKE_ERR_SYNTAX);
	/* Count 2, one selector; count 1, two selectors; count 0. */
	ike_writer_init(&w);
	ike_put_u32(&w, 0);
	ts_put(&w, IKE_TS_IPV6_ADDR_RANGE, 40, 16);
	ts_check(&w, 2, IKE_ERR_LENGTH);
	ike_writer_init(&w);
	ike_put_u32(&w, 0);
	ts_put(&w, IKE_TS_IPV6_ADDR_RANGE, 40, 16);
	ts_put(&w, IKE_TS_IPV4_ADDR_RANGE, 16, 4);
	ts_check(&w, 1, IKE_ERR_LENGTH);
	ike_writer_init(&w);
	ike_put_u32(&w, 0);
	ts_check(&w, 0, IKE_ERR_SYNTAX);
	/* 33 selectors; 32 fine. */
	ike_writer_init(&w);
	ike_put_u32(&w, 0);
	for (int i = 0; i < IKE_TS_MAX + 1; i++)
		ts_put(&w, IKE_TS_IPV4_ADDR_RANGE, 16, 4);
	ts_check(&w, IKE_TS_MAX + 1, IKE_ERR_LIMIT);
	ike_writer_init(&w);
	ike_put_u32(&w, 0);
	for (int i = 0; i < IKE_TS_MAX; i++)
		ts_put(&w, IKE_TS_IPV4_ADDR_RANGE, 16, 4);
	ts_check(&w, IKE_TS_MAX, IKE_OK);
}

static void skf_malformed(void **state)
{
	expect_bad(IKE_PL_SKF, "\x00\x01\x00", 3, IKE_ERR_TRUNCATED);
	expect_bad(IKE_PL_SKF, "\x00\x00\x00\x01\xff", 5, IKE_ERR_SYNTAX);
	expect_bad(IKE_PL_SKF, "\x00\x03\x00\x02\xff", 5, IKE_ERR_SYNTAX);
	expect_bad(IKE_PL_SKF, "\x00\x01\x00\x01", 4, IKE_ERR_SYNTAX);
	expect_ok(IKE_PL_SKF, "\x00\x02\x00\x02\xff", 5);
}

static void cp_malformed(void **state)
{
	struct ike_writer w;

	expect_bad(IKE_PL_CP, "\x01\x00\x00", 3, IKE_ERR_TRUNCATED);
	expect_ok(IKE_PL_CP, "\x01\x00\x00\x00", 4);
	/* Attribute header cut; value running past. */
	expect_bad(IKE_PL_CP, "\x01\x00\x00\x00\x00\x01\x00", 7,
		   IKE_ERR_LENGTH);
	expect_bad(IKE_PL_CP, "\x02\x00\x00\x00\x00\x01\x00\x04\xc0\x00\x02",
		   11, IKE_ERR_LENGTH);
	/* IPv4 address of 3 bytes; IPv6 DNS of 4 bytes. */
	expect_bad(IKE_PL_CP, "\x02\x00\x00\x00\x00\x01\x00\x03\xc0\x00\x02",
		   11, IKE_ERR_SYNTAX);
	expect_bad(IKE_PL_CP, "\x02\x00\x00\x00\x00\x0a\x00\x04\xc0\x00\x02\x01",
		   12, IKE_ERR_SYNTAX);
	/* Reserved bit set: ignored. */
	expect_ok(IKE_PL_CP, "\x02\x00\x00\x00\x80\x01\x00\x04\xc0\x00\x02\x01",
		  12);

	/* 33 attributes. */
	ike_writer_init(&w);
	ike_put_u32(&w, 0x01000000);
	for (int i = 0; i < IKE_CP_MAX_ATTRS + 1; i++)
		ike_put_u32(&w, (uint32_t)IKE_CP_INTERNAL_IP4_DNS << 16);
	expect_bad(IKE_PL_CP, w.p, w.len, IKE_ERR_LIMIT);
	expect_ok(IKE_PL_CP, w.p, w.len - 4);
	ike_writer_free(&w);
}

static void eap_malformed(void **state)
{
	expect_bad(IKE_PL_EAP, "\x01\x01\x00", 3, IKE_ERR_TRUNCATED);
	/* EAP length disagrees with the payload. */
	expect_bad(IKE_PL_EAP, "\x01\x01\x00\x06\x01\x61", 6 - 1,
		   IKE_ERR_LENGTH);
	expect_bad(IKE_PL_EAP, "\x01\x01\x00\x05\x01\x61", 6, IKE_ERR_LENGTH);
	expect_ok(IKE_PL_EAP, "\x01\x01\x00\x06\x01\x61", 6);
	/* Request without a type; Success with data; unknown code. */
	expect_bad(IKE_PL_EAP, "\x01\x01\x00\x04", 4, IKE_ERR_LENGTH);
	expect_bad(IKE_PL_EAP, "\x03\x01\x00\x05\x01", 5, IKE_ERR_LENGTH);
	expect_ok(IKE_PL_EAP, "\x03\x01\x00\x04", 4);
	expect_bad(IKE_PL_EAP, "\x05\x01\x00\x04", 4, IKE_ERR_SYNTAX);
}

/* Memory. The tests run under ASan, which counts the bytes in use. */
size_t __sanitizer_get_current_allocated_bytes(void);

/* The bytes that parsing buf holds while its message lives. */
static size_t parse_cost(const uint8_t *buf, size_t len)
{
	uint8_t *copy = dup_exact(buf, len);
	struct ike_message m;
	struct ike_error err;
	size_t before = __sanitizer_get_current_allocated_bytes(), cost;

	assert_int_equal(ike_message_parse(&m, copy, len, &err), 0);
	cost = __sanitizer_get_current_allocated_bytes() - before;
	ike_message_free(&m);
	free(copy);
	assert_int_equal(__sanitizer_get_current_allocated_bytes(), before -
			 len);
	return cost;
}

/* A message of n copies of one payload body. */
static void repeat(struct ike_writer *w, uint8_t type, uint8_t exchange,
		   const void *body, size_t len, unsigned int n)
{
	ike_writer_init(w);
	put_header(w, type, exchange, 0);
	for (unsigned int i = 0; i < n; i++)
		put_generic(w, i + 1 < n ? type : IKE_PL_NONE, 0, body, len);
	ike_patch_u32(w, 24, (uint32_t)w->len);
	assert_true(ike_writer_ok(w));
}

/*
 * What a parsed message holds is allocated by its contents, so that it
 * costs memory in proportion to its length: a small multiple of it,
 * whatever the payloads. The first case is one IKE_SA_INIT datagram
 * with 61 SA payloads, which once cost 61 structs sized for 64
 * proposals of 64 transforms (over 2 MB).
 */
static void parse_memory_by_size(void **state)
{
	static const uint8_t ike_delete[4] = { IKE_PROTO_IKE, 0, 0, 0 };
	uint8_t ts[4 + 16] = { 1, 0, 0, 0, IKE_TS_IPV4_ADDR_RANGE, 0, 0, 16,
			       0, 0, 0xff, 0xff };
	uint8_t cp[4 + 4 * 20] = { IKE_CFG_REQUEST };
	struct ike_writer w;
	struct sa_body b;
	size_t cost;

	sa_simple(&b);
	sa_close(&b);
	repeat(&w, IKE_PL_SA, IKE_EXCH_IKE_SA_INIT, b.w.p, b.w.len, 61);
	cost = parse_cost(w.p, w.len);
	print_message("61 SA payloads, %zu bytes: %zu bytes held\n", w.len,
		      cost);
	assert_true(cost <= 8 * w.len);
	ike_writer_free(&w);
	ike_writer_free(&b.w);

	repeat(&w, IKE_PL_DELETE, IKE_EXCH_INFORMATIONAL, ike_delete, 4, 4000);
	cost = parse_cost(w.p, w.len);
	assert_true(cost <= 8 * w.len);
	ike_writer_free(&w);

	repeat(&w, IKE_PL_TSI, IKE_EXCH_IKE_AUTH, ts, sizeof(ts), 1000);
	cost = parse_cost(w.p, w.len);
	assert_true(cost <= 8 * w.len);
	ike_writer_free(&w);

	for (int i = 0; i < 20; i++)		/* empty attributes */
		cp[4 + 4 * i + 1] = IKE_CP_INTERNAL_IP4_DNS;
	repeat(&w, IKE_PL_CP, IKE_EXCH_IKE_AUTH, cp, sizeof(cp), 100);
	cost = parse_cost(w.p, w.len);
	assert_true(cost <= 8 * w.len);
	ike_writer_free(&w);
}

/* Builders refuse what parsers would reject. */
static void build_rejects(void **state)
{
	struct ike_nonce short_nonce = { filler, 8 };
	struct ike_ts no_ts = { 0 };
	struct ike_delete bad_del = { .protocol = IKE_PROTO_ESP };
	struct ike_message m = { .hdr.exchange = IKE_EXCH_INFORMATIONAL };
	struct ike_writer w;
	struct ike_error err;

	ike_chain_add(&m.chain, IKE_PL_NONCE, &short_nonce, &err);
	ike_writer_init(&w);
	assert_int_equal(ike_message_build(&w, &m, &err), -1);
	assert_int_equal(err.code, IKE_ERR_INVAL);
	assert_int_equal(err.payload, IKE_PL_NONCE);
	ike_writer_free(&w);

	m.chain.pl[0] = (struct ike_payload){ .type = IKE_PL_TSI, .ts = &no_ts };
	ike_writer_init(&w);
	assert_int_equal(ike_message_build(&w, &m, &err), -1);
	ike_writer_free(&w);

	m.chain.pl[0] = (struct ike_payload){ .type = IKE_PL_DELETE,
					      .del = &bad_del };
	ike_writer_init(&w);
	assert_int_equal(ike_message_build(&w, &m, &err), -1);
	ike_writer_free(&w);

	/* Unknown type, and a payload without a struct. */
	m.chain.pl[0] = (struct ike_payload){ .type = 99, .any = &bad_del };
	ike_writer_init(&w);
	assert_int_equal(ike_message_build(&w, &m, &err), -1);
	ike_writer_free(&w);
	m.chain.pl[0] = (struct ike_payload){ .type = IKE_PL_NONCE };
	ike_writer_init(&w);
	assert_int_equal(ike_message_build(&w, &m, &err), -1);
	ike_writer_free(&w);
	ike_message_free(&m);
}

static void reader_bounds(void **state)
{
	static const uint8_t data[] = { 1, 2, 3, 4, 5 };
	struct ike_reader r, sub;
	size_t n;

	ike_reader_init(&r, data, sizeof(data));
	assert_int_equal(ike_get_u16(&r), 0x0102);
	assert_true(ike_get_sub(&r, 2, &sub));
	assert_int_equal(ike_get_u16(&sub), 0x0304);
	assert_int_equal(ike_get_u8(&sub), 0);
	assert_false(ike_reader_ok(&sub));
	assert_int_equal(ike_left(&r), 1);
	assert_int_equal(ike_get_u32(&r), 0);
	assert_false(ike_reader_ok(&r));
	/* Sticky: even a 1-byte read now fails. */
	assert_int_equal(ike_get_u8(&r), 0);
	assert_null(ike_get_rest(&r, &n));
	assert_int_equal(n, 0);
	assert_false(ike_get_sub(&r, 0, &sub));

	ike_reader_init(&r, data, sizeof(data));
	assert_false(ike_get_sub(&r, 6, &sub));
	assert_int_equal(ike_left(&sub), 0);
	ike_reader_init(&r, NULL, 10);
	assert_int_equal(ike_left(&r), 0);
}

static void writer_patch(void **state)
{
	struct ike_writer w;
	size_t at;

	ike_writer_init(&w);
	ike_put_u8(&w, 0xaa);
	at = ike_put_reserve(&w, 4);
	ike_put_u64(&w, 0x0102030405060708ULL);
	ike_patch_u32(&w, at, 0xdeadbeef);
	assert_true(ike_writer_ok(&w));
	assert_int_equal(w.len, 13);
	assert_memory_equal(w.p, "\xaa\xde\xad\xbe\xef\1\2\3\4\5\6\7\x08", 13);
	ike_patch_u16(&w, 12, 0);	/* out of range */
	assert_false(ike_writer_ok(&w));
	ike_writer_free(&w);

	ike_writer_init(&w);
	ike_put_zero(&w, IKE_WRITER_MAX);
	assert_true(ike_writer_ok(&w));
	ike_put_u8(&w, 0);
	assert_false(ike_writer_ok(&w));
	ike_writer_free(&w);
}

static void names(void **state)
{
	assert_string_equal(ike_exchange_name(IKE_EXCH_IKE_SA_INIT),
			    "IKE_SA_INIT");
	assert_string_equal(ike_exchange_name(99), "UNKNOWN");
	assert_string_equal(ike_payload_name(IKE_PL_TSR), "TSr");
	assert_string_equal(ike_notify_name(IKE_N_UPDATE_SA_ADDRESSES),
			    "UPDATE_SA_ADDRESSES");
	assert_string_equal(ike_notify_name(IKE_N_SIGNATURE_HASH_ALGORITHMS),
			    "SIGNATURE_HASH_ALGORITHMS");
	assert_string_equal(ike_notify_name(IKE_N_UNEXPECTED_NAT_DETECTED),
			    "UNEXPECTED_NAT_DETECTED");
	assert_string_equal(ike_err_name(IKE_ERR_CRITICAL),
			    "unsupported critical payload");
}

/* Fuzzing: seeded mutations of valid messages must never crash. */

static uint32_t rng_state;

static uint32_t rng(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

static void mutate(uint8_t *p, size_t *len)
{
	unsigned int n = 1 + rng() % 4;

	while (n-- && *len) {
		size_t at = rng() % *len;

		switch (rng() % 6) {
		case 0:
			p[at] ^= (uint8_t)(1u << (rng() % 8));
			break;
		case 1:
			p[at] = (uint8_t)rng();
			break;
		case 2:
			p[at] = rng() & 1 ? 0 : 0xff;
			break;
		case 3:
			*len = at;
			break;
		case 4:
			/* Length fields are big-endian u16 at even offsets. */
			p[at & ~(size_t)1] = 0;
			break;
		default:
			p[at] += (uint8_t)(rng() % 5) - 2;
		}
	}
}

/*
 * Parse a mutated copy; whatever parses must build and parse again.
 * Returns whether the variant parsed.
 */
static bool fuzz_one(const uint8_t *orig, size_t orig_len, bool chain,
		     uint8_t first)
{
	struct ike_message m, again;
	struct ike_writer w;
	struct ike_error err;
	size_t len = orig_len;
	uint8_t *buf = dup_exact(orig, orig_len);
	uint8_t *exact;
	int ret;

	mutate(buf, &len);
	exact = dup_exact(buf, len);
	free(buf);

	memset(&m, 0, sizeof(m));
	if (chain)
		ret = ike_chain_parse(&m.chain, first, exact, len, &err);
	else
		ret = ike_message_parse(&m, exact, len, &err);
	if (ret) {
		assert_non_null(err.reason);
		assert_int_equal(m.chain.count, 0);
		free(exact);
		return false;
	}

	ike_writer_init(&w);
	assert_int_equal(ike_message_build(&w, &m, &err), 0);
	assert_int_equal(ike_message_parse(&again, w.p, w.len, &err), 0);
	ike_message_free(&again);
	ike_writer_free(&w);
	ike_message_free(&m);
	free(exact);
	return true;
}

static void fuzz(void **state)
{
	struct ike_writer init, inner, outer, info;
	uint32_t spis[] = { 1, 2 };
	struct ike_delete esp = { .protocol = IKE_PROTO_ESP, .n_spis = 2,
				  .spis = spis };
	struct ike_delete ike = { .protocol = IKE_PROTO_IKE };
	unsigned int parsed = 0;

	build_sa_init(&init);
	build_auth_inner(&inner);
	build_auth_outer(&outer, inner.p, inner.len);
	build_informational(&info, &esp, &ike);

	rng_state = 0x2545f491;
	for (int i = 0; i < 2000; i++) {
		parsed += fuzz_one(init.p, init.len, false, 0);
		parsed += fuzz_one(inner.p, inner.len, true, IKE_PL_IDI);
		parsed += fuzz_one(outer.p, outer.len, false, 0);
		parsed += fuzz_one(info.p, info.len, false, 0);
	}
	print_message("fuzz: %u of 8000 variants parsed\n", parsed);
	/* The mutations reach both outcomes. */
	assert_true(parsed > 100);
	assert_true(parsed < 8000 - 1000);

	ike_writer_free(&init);
	ike_writer_free(&inner);
	ike_writer_free(&outer);
	ike_writer_free(&info);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sa_init_round_trip),
		cmocka_unit_test(auth_round_trip),
		cmocka_unit_test(delete_round_trip),
		cmocka_unit_test(other_payloads_round_trip),
		cmocka_unit_test(skf_round_trip),
		cmocka_unit_test(header_truncated),
		cmocka_unit_test(header_length_mismatch),
		cmocka_unit_test(header_length_below_28),
		cmocka_unit_test(header_empty_message),
		cmocka_unit_test(header_bad_version),
		cmocka_unit_test(header_reserved_flags_ignored),
		cmocka_unit_test(chain_payload_length_below_4),
		cmocka_unit_test(chain_payload_past_end),
		cmocka_unit_test(chain_header_truncated),
		cmocka_unit_test(chain_trailing_data),
		cmocka_unit_test(chain_unknown_payloads),
		cmocka_unit_test(chain_many_payloads),
		cmocka_unit_test(chain_sk_must_be_last),
		cmocka_unit_test(sa_malformed),
		cmocka_unit_test(sa_too_many),
		cmocka_unit_test(sa_unknown_attr_flagged),
		cmocka_unit_test(ke_malformed),
		cmocka_unit_test(id_malformed),
		cmocka_unit_test(cert_malformed),
		cmocka_unit_test(auth_malformed),
		cmocka_unit_test(nonce_sizes),
		cmocka_unit_test(vendor_malformed),
		cmocka_unit_test(notify_malformed),
		cmocka_unit_test(delete_malformed),
		cmocka_unit_test(ts_malformed),
		cmocka_unit_test(skf_malformed),
		cmocka_unit_test(cp_malformed),
		cmocka_unit_test(eap_malformed),
		cmocka_unit_test(parse_memory_by_size),
		cmocka_unit_test(build_rejects),
		cmocka_unit_test(reader_bounds),
		cmocka_unit_test(writer_patch),
		cmocka_unit_test(names),
		cmocka_unit_test(fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
