// SPDX-License-Identifier: GPL-2.0
/*
 * IKE fragmentation (RFC 7383, engine/fragment.h) between two engines on
 * the in-memory network: negotiation, splitting and reassembly, and the
 * limits on what a peer's fragments may cost.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/fragment.h"
#include "engine/ike_sa.h"
#include "ike/message.h"
#include "ike/notify.h"
#include "ike/sk.h"

#include "harness.h"

/* IPv4 and UDP headers: what a datagram adds to the IKE message. */
#define IP_UDP	28

static struct world *world_new(bool frag_a, bool frag_b, unsigned int size,
			       bool gcm)
{
	struct world *w = test_world_new(IKE_DH_ECP_256, gcm);
	const bool frag[2] = { frag_a, frag_b };

	for (int i = 0; i < 2; i++) {
		w->c[i].fragmentation = frag[i];
		w->c[i].fragment_size = size;
	}
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

/* IKE_SA_INIT both ways; A's IKE_AUTH request waits in the network. */
static struct ikesa *to_auth(struct world *w)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);

	assert_non_null(sa);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(w->n, 1);
		assert_int_equal(plain_has_notify(&w->q[0],
				 IKE_N_IKEV2_FRAGMENTATION_SUPPORTED),
				 w->c[i].fragmentation &&
				 (i == 0 || w->c[0].fragmentation));
		deliver_next(w, 0);
	}
	return sa;
}

static void established(struct world *w, struct ikesa *sa)
{
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(w->f[0].n_add_sa, 2);
	assert_int_equal(w->f[1].n_add_sa, 2);
}

/* The first payload of a datagram, from its IKE header. */
static uint8_t first_payload(const struct dgram *d)
{
	return d->buf[16];
}

/* Take every datagram out of the network, in order: their count. */
static unsigned int take_all(struct world *w, struct dgram *out)
{
	unsigned int n = 0;

	while (w->n)
		out[n++] = pop(w);
	return n;
}

static void free_all(struct dgram *d, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		free(d[i].buf);
}

static void negotiation(void **state)
{
	const bool cases[][2] = {
		{ true, true }, { true, false }, { false, true },
		{ false, false },
	};

	(void)state;
	for (unsigned int i = 0; i < 4; i++) {
		struct world *w = world_new(cases[i][0], cases[i][1], 0, true);
		struct ikesa *sa = to_auth(w);
		bool both = cases[i][0] && cases[i][1];

		assert_int_equal(sa->frag, both);
		assert_int_equal(only_sa(w, 1)->frag, both);
		pump(w, 0);
		established(w, sa);
		test_world_free(w);
	}
}

/* The IKE_AUTH request goes in fragments that fit, and comes up. */
static void round_trip(bool gcm)
{
	struct world *w = world_new(true, true, 200, gcm);
	struct ikesa *sa = to_auth(w);

	assert_true(w->n > 1);
	for (unsigned int i = 0; i < w->n; i++) {
		assert_true(w->q[i].len + IP_UDP <= 200);
		assert_int_equal(first_payload(&w->q[i]), IKE_PL_SKF);
	}
	pump(w, 0);
	established(w, sa);
	assert_null(only_sa(w, 1)->reasm[0]);
	assert_null(sa->reasm[1]);
	test_world_free(w);
}

static void round_trip_gcm(void **state)
{
	(void)state;
	round_trip(true);
}

static void round_trip_cbc(void **state)
{
	(void)state;
	round_trip(false);
}

/* Without fragmentation negotiated, a large message goes whole. */
static void not_negotiated(void **state)
{
	struct world *w = world_new(true, false, 200, true);
	struct ikesa *sa = to_auth(w);

	(void)state;
	assert_int_equal(w->n, 1);
	assert_true(w->q[0].len + IP_UDP > 200);
	assert_int_equal(first_payload(&w->q[0]), IKE_PL_SK);
	pump(w, 0);
	established(w, sa);
	test_world_free(w);
}

static void out_of_order(void **state)
{
	struct world *w = world_new(true, true, 200, true);
	struct ikesa *sa = to_auth(w);
	struct dgram d[NET_MAX];
	unsigned int n = take_all(w, d);

	(void)state;
	for (unsigned int i = n; i-- > 0;) {
		assert_int_equal(w->n, 0);
		deliver(w, &d[i], 0);
	}
	assert_true(w->n > 1);		/* the response, in fragments */
	pump(w, 0);
	established(w, sa);
	free_all(d, n);
	test_world_free(w);
}

/* Duplicates change nothing, before the message is whole or after. */
static void duplicates(void **state)
{
	struct world *w = world_new(true, true, 200, true);
	struct ikesa *sa = to_auth(w);
	struct dgram d[NET_MAX];
	unsigned int n = take_all(w, d), k;

	(void)state;
	deliver(w, &d[0], 0);
	deliver(w, &d[0], 0);
	assert_int_equal(only_sa(w, 1)->reasm[0]->held, 1);
	for (unsigned int i = 1; i < n; i++)
		deliver(w, &d[i], 0);
	k = w->n;
	assert_true(k > 1);
	/* Answered: a retransmitted fragment other than the first is not. */
	deliver(w, &d[1], 0);
	assert_int_equal(w->n, k);
	pump(w, 0);
	established(w, sa);
	free_all(d, n);
	test_world_free(w);
}

/* A fragment whose ICV fails is dropped, not held. */
static void bad_icv(void **state)
{
	struct world *w = world_new(true, true, 200, true);
	struct ikesa *sa = to_auth(w);
	struct dgram d[NET_MAX], bad;
	unsigned int n = take_all(w, d);

	(void)state;
	bad.from = d[1].from;
	bad.len = d[1].len;
	bad.buf = malloc(bad.len);
	assert_non_null(bad.buf);
	memcpy(bad.buf, d[1].buf, bad.len);
	bad.buf[bad.len - 1] ^= 1;
	deliver(w, &bad, 0);
	assert_null(only_sa(w, 1)->reasm[0]);
	for (unsigned int i = 0; i < n; i++)
		if (i != 1)
			deliver(w, &d[i], 0);
	assert_int_equal(w->n, 0);
	assert_int_equal(only_sa(w, 1)->reasm[0]->held, n - 1);
	deliver(w, &bad, 0);
	assert_int_equal(only_sa(w, 1)->reasm[0]->held, n - 1);
	deliver(w, &d[1], 0);
	assert_true(w->n > 0);
	pump(w, 0);
	established(w, sa);
	free(bad.buf);
	free_all(d, n);
	test_world_free(w);
}

/*
 * Retransmission: the initiator sends every fragment again; of those,
 * the responder answers the first alone, with every fragment of its
 * response (§2.6.1).
 */
static void retransmission(void **state)
{
	struct world *w = world_new(true, true, 200, true);
	struct ikesa *sa = to_auth(w);
	struct dgram d[NET_MAX];
	unsigned int n = w->n, k;

	(void)state;
	for (unsigned int i = 0; i < n; i++) {
		struct dgram x = pop(w);

		deliver(w, &x, 0);
		free(x.buf);
	}
	k = w->n;
	assert_true(k > 1);
	drop_all(w);			/* the response is lost */
	engine_tick(&w->e[0], sa->req.deadline);
	assert_int_equal(w->n, n);
	assert_int_equal(take_all(w, d), n);
	for (unsigned int i = 1; i < n; i++)
		deliver(w, &d[i], 0);
	assert_int_equal(w->n, 0);
	deliver(w, &d[0], 0);
	assert_int_equal(w->n, k);
	pump(w, 0);
	established(w, sa);
	free_all(d, n);
	test_world_free(w);
}

/* A small message on an SA with fragmentation goes whole. */
static void mixed(void **state)
{
	struct world *w = world_new(true, true, 200, true);
	struct ikesa *sa = to_auth(w);

	(void)state;
	pump(w, 0);
	established(w, sa);
	assert_int_equal(engine_dpd(&w->e[0], sa, 10), 0);
	assert_int_equal(w->n, 1);
	assert_int_equal(first_payload(&w->q[0]), IKE_PL_SK);
	pump(w, 10);
	assert_false(sa->req.active);
	test_world_free(w);
}

/*
 * Fragments of an INFORMATIONAL request of A, msg_id, carrying one
 * status notify of len data bytes, made as A's fragment_size size would
 * cut them: *n datagrams, malloc'ed.
 */
static struct dgram *craft(struct world *w, uint32_t msg_id, size_t len,
			   unsigned int size, unsigned int *n)
{
	struct ikesa *sa = w->e[0].sas;
	struct ike_chain chain = { 0 };
	struct ike_header hdr = {
		.spi_i = sa->spi_i, .spi_r = sa->spi_r,
		.exchange = IKE_EXCH_INFORMATIONAL,
		.flags = IKE_FLAG_INITIATOR, .msg_id = msg_id,
	};
	struct ike_writer pw, out;
	struct ike_notify nt;
	struct ike_error err;
	uint8_t *data = calloc(1, len);
	struct dgram *d = NULL;
	unsigned int room = 0;
	size_t at, dl;

	assert_non_null(data);
	ikesa_notify(&nt, 40960, data, len);	/* private use, status */
	assert_int_equal(ike_chain_add(&chain, IKE_PL_NOTIFY, &nt, &err), 0);
	ike_writer_init(&pw);
	ike_writer_init(&out);
	assert_int_equal(ike_chain_build(&pw, &chain, &err), 0);
	w->c[0].fragment_size = size;
	assert_int_equal(fragment_seal(sa, &hdr, IKE_PL_NOTIFY, pw.p, pw.len,
				       &out), 0);
	*n = 0;
	for (at = 0; at < out.len; at += dl) {
		dl = fragment_dgram_len(out.p + at, out.len - at);
		if (*n == room) {
			room = room ? room * 2 : 16;
			d = realloc(d, room * sizeof(*d));
			assert_non_null(d);
		}
		d[*n].from = 0;
		d[*n].len = dl;
		d[*n].buf = malloc(dl);
		assert_non_null(d[*n].buf);
		memcpy(d[*n].buf, out.p + at, dl);
		(*n)++;
	}
	ike_writer_free(&pw);
	ike_writer_free(&out);
	ike_chain_free(&chain);
	free(data);
	return d;
}

static void craft_free(struct dgram *d, unsigned int n)
{
	free_all(d, n);
	free(d);
}

static struct world *up_with_frag(struct ikesa **sa)
{
	struct world *w = world_new(true, true, 0, true);

	*sa = to_auth(w);
	pump(w, 0);
	established(w, *sa);
	return w;
}

/* More than FRAGMENT_MAX fragments: none is held. */
static void too_many(void **state)
{
	struct ikesa *sa;
	struct world *w = up_with_frag(&sa);
	struct ikesa *b = only_sa(w, 1);
	unsigned int n;
	struct dgram *d = craft(w, sa->req_next, 3000, 120, &n);

	(void)state;
	assert_true(n > FRAGMENT_MAX);
	for (unsigned int i = 0; i < n; i++)
		deliver(w, &d[i], 0);
	assert_int_equal(w->n, 0);
	assert_null(b->reasm[0]);
	craft_free(d, n);
	test_world_free(w);
}

/* More than FRAGMENT_MAX_BYTES: dropped, until the timeout forgets it. */
static void too_big(void **state)
{
	struct ikesa *sa;
	struct world *w = up_with_frag(&sa);
	struct ikesa *b = only_sa(w, 1);
	uint32_t id = sa->req_next;
	unsigned int n;
	struct dgram *d = craft(w, id, FRAGMENT_MAX_BYTES + 4000, 1400, &n);

	(void)state;
	assert_true(n <= FRAGMENT_MAX);
	for (unsigned int i = 0; i < n; i++)
		deliver(w, &d[i], 100);
	assert_int_equal(w->n, 0);
	assert_int_equal(b->resp_next, id);
	assert_non_null(b->reasm[0]);
	assert_true(b->reasm[0]->refused);
	assert_int_equal(b->reasm[0]->held, 0);
	assert_int_equal(b->reasm[0]->bytes, 0);
	assert_int_equal(engine_next_deadline(&w->e[1]),
			 100 + FRAGMENT_TIMEOUT_MS);
	engine_tick(&w->e[1], 100 + FRAGMENT_TIMEOUT_MS);
	assert_null(b->reasm[0]);
	craft_free(d, n);
	test_world_free(w);
}

/* A message partly held is forgotten after FRAGMENT_TIMEOUT_MS. */
static void timeout(void **state)
{
	struct ikesa *sa;
	struct world *w = up_with_frag(&sa);
	struct ikesa *b = only_sa(w, 1);
	unsigned int n;
	struct dgram *d = craft(w, sa->req_next, 600, 200, &n);

	(void)state;
	assert_true(n > 2);
	deliver(w, &d[0], 1000);
	deliver(w, &d[1], 2000);
	assert_int_equal(b->reasm[0]->held, 2);
	assert_int_equal(engine_next_deadline(&w->e[1]),
			 1000 + FRAGMENT_TIMEOUT_MS);
	engine_tick(&w->e[1], 1000 + FRAGMENT_TIMEOUT_MS - 1);
	assert_non_null(b->reasm[0]);
	engine_tick(&w->e[1], 1000 + FRAGMENT_TIMEOUT_MS);
	assert_null(b->reasm[0]);
	/* The rest alone is not the message. */
	for (unsigned int i = 2; i < n; i++)
		deliver(w, &d[i], 40000);
	assert_int_equal(w->n, 0);
	assert_int_equal(b->reasm[0]->held, n - 2);
	craft_free(d, n);
	test_world_free(w);
}

/*
 * Total Fragments changes (§2.6): a larger one starts the message anew,
 * a smaller one is of an earlier try and dropped.
 */
static void total_changes(void **state)
{
	struct ikesa *sa;
	struct world *w = up_with_frag(&sa);
	struct ikesa *b = only_sa(w, 1);
	uint32_t id = sa->req_next;
	unsigned int n1, n2;
	struct dgram *d1 = craft(w, id, 600, 300, &n1);
	struct dgram *d2 = craft(w, id, 600, 200, &n2);

	(void)state;
	assert_true(n2 > n1 && n1 > 1);
	deliver(w, &d1[0], 0);
	assert_int_equal(b->reasm[0]->total, n1);
	for (unsigned int i = 0; i < n2; i++)
		deliver(w, &d2[i], 0);
	assert_int_equal(b->resp_next, id + 1);	/* answered */
	assert_int_equal(w->n, 1);
	drop_all(w);
	craft_free(d1, n1);
	craft_free(d2, n2);

	d1 = craft(w, id + 1, 600, 300, &n1);
	d2 = craft(w, id + 1, 600, 200, &n2);
	deliver(w, &d2[0], 0);
	deliver(w, &d2[1], 0);
	for (unsigned int i = 0; i < n1; i++)
		deliver(w, &d1[i], 0);
	assert_int_equal(w->n, 0);
	assert_int_equal(b->reasm[0]->total, n2);
	assert_int_equal(b->reasm[0]->held, 2);
	for (unsigned int i = 2; i < n2; i++)
		deliver(w, &d2[i], 0);
	assert_int_equal(b->resp_next, id + 2);
	assert_int_equal(w->n, 1);
	craft_free(d1, n1);
	craft_free(d2, n2);
	test_world_free(w);
}

/* A rekeyed IKE SA keeps fragmentation, and its messages go in fragments. */
static void rekey_keeps(void **state)
{
	struct ikesa *old;
	struct world *w = up_with_frag(&old);
	struct ikesa *sa;

	(void)state;
	w->c[0].fragment_size = 200;
	w->c[1].fragment_size = 200;
	assert_int_equal(engine_rekey_ike(&w->e[0], old, 10), 0);
	assert_true(w->n > 1);
	assert_int_equal(first_payload(&w->q[0]), IKE_PL_SKF);
	pump(w, 10);	/* CREATE_CHILD_SA, then Delete of the old SA */
	sa = only_sa(w, 0);
	assert_ptr_not_equal(sa, old);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_true(sa->frag);
	assert_true(only_sa(w, 1)->frag);
	assert_int_equal(engine_dpd(&w->e[0], sa, 20), 0);
	pump(w, 20);
	assert_false(sa->req.active);
	test_world_free(w);
}

/* Fragments to an IKE SA without fragmentation are dropped. */
static void unwanted(void **state)
{
	struct world *w = world_new(true, false, 0, true);
	struct ikesa *sa = to_auth(w);
	struct ikesa *b;
	unsigned int n;
	struct dgram *d;

	(void)state;
	pump(w, 0);
	established(w, sa);
	b = only_sa(w, 1);
	d = craft(w, sa->req_next, 600, 200, &n);
	for (unsigned int i = 0; i < n; i++)
		deliver(w, &d[i], 0);
	assert_int_equal(w->n, 0);
	assert_null(b->reasm[0]);
	assert_int_equal(b->resp_next, sa->req_next);
	craft_free(d, n);
	test_world_free(w);
}

/* The SKF codec: built and parsed alike; its numbers checked. */
static void codec(void **state)
{
	static const uint8_t body[] = "iv, ciphertext and icv";
	struct ike_skf skf = { 2, 3, body, sizeof(body) };
	struct ike_message m = { .hdr = { .spi_i = 1, .spi_r = 2,
					  .exchange = IKE_EXCH_IKE_AUTH } };
	struct ike_message back;
	struct ike_writer w;
	struct ike_error err;
	const struct ike_skf *got;
	const uint16_t bad[][2] = { { 0, 3 }, { 4, 3 }, { 1, 0 } };

	(void)state;
	assert_int_equal(ike_chain_add(&m.chain, IKE_PL_SKF, &skf, &err), 0);
	ike_writer_init(&w);
	assert_int_equal(ike_message_build(&w, &m, &err), 0);
	assert_int_equal(ike_message_parse(&back, w.p, w.len, &err), 0);
	assert_int_equal(back.chain.count, 1);
	assert_int_equal(back.chain.pl[0].type, IKE_PL_SKF);
	got = back.chain.pl[0].skf;
	assert_int_equal(got->number, 2);
	assert_int_equal(got->total, 3);
	assert_int_equal(got->len, sizeof(body));
	assert_memory_equal(got->body, body, sizeof(body));
	ike_message_free(&back);
	for (unsigned int i = 0; i < 3; i++) {
		w.p[IKE_HEADER_LEN + 4] = (uint8_t)(bad[i][0] >> 8);
		w.p[IKE_HEADER_LEN + 5] = (uint8_t)bad[i][0];
		w.p[IKE_HEADER_LEN + 6] = (uint8_t)(bad[i][1] >> 8);
		w.p[IKE_HEADER_LEN + 7] = (uint8_t)bad[i][1];
		assert_int_not_equal(ike_message_parse(&back, w.p, w.len,
						       &err), 0);
	}
	skf.number = 0;
	assert_int_not_equal(ike_message_build(&w, &m, &err), 0);
	ike_writer_free(&w);
	ike_message_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(negotiation),
		cmocka_unit_test(round_trip_gcm),
		cmocka_unit_test(round_trip_cbc),
		cmocka_unit_test(not_negotiated),
		cmocka_unit_test(out_of_order),
		cmocka_unit_test(duplicates),
		cmocka_unit_test(bad_icv),
		cmocka_unit_test(retransmission),
		cmocka_unit_test(mixed),
		cmocka_unit_test(too_many),
		cmocka_unit_test(too_big),
		cmocka_unit_test(timeout),
		cmocka_unit_test(total_changes),
		cmocka_unit_test(rekey_keeps),
		cmocka_unit_test(unwanted),
		cmocka_unit_test(codec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
