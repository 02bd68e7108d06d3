// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the IKE codec (user/ike/).
 *
 * The input is one datagram. It is parsed as a message; if its chain ends
 * with SK or SKF, the encrypted body is parsed as the inner chain it
 * would decrypt to (the codec does not care that it is ciphertext).
 *
 * Whatever parses must build again, and the codec's promise is checked:
 * building, parsing and building again gives the same bytes (what parsing
 * drops on the way, such as unknown payloads, reserved bits and unknown
 * attributes, is gone after the first build). The data of MIF notifies,
 * in either chain, is held to the same promise by the MIF codec
 * (MIF_ADD_INTERFACE both as a request's and as a response's), and
 * SET_WINDOW_SIZE's by its own (ike/window.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/message.h"
#include "ike/mif.h"
#include "ike/mif_delete.h"
#include "ike/mif_add.h"
#include "ike/mif_move.h"
#include "ike/notify.h"
#include "ike/sk.h"
#include "ike/window.h"

static void fail(const char *what, const struct ike_error *err)
{
	fprintf(stderr, "codec: %s (payload %u: %s)\n", what, err->payload,
		err->reason ? err->reason : "-");
	abort();
}

/* An exactly-sized heap copy, so that ASan sees any read past its end. */
static uint8_t *dup_exact(const uint8_t *p, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	if (len)
		memcpy(copy, p, len);
	return copy;
}

static void same_bytes(const struct ike_writer *a, const struct ike_writer *b,
		       const char *what)
{
	if (a->len != b->len || (a->len && memcmp(a->p, b->p, a->len))) {
		fprintf(stderr, "codec: %s: %zu bytes, then %zu\n", what,
			a->len, b->len);
		abort();
	}
}

static void same_types(const struct ike_chain *a, const struct ike_chain *b,
		       const char *what)
{
	bool same = a->count == b->count;

	for (unsigned int i = 0; same && i < a->count; i++)
		same = a->pl[i].type == b->pl[i].type &&
		       a->pl[i].critical == b->pl[i].critical;
	if (!same) {
		fprintf(stderr, "codec: %s: payloads differ\n", what);
		abort();
	}
}

union mif_data {
	struct mif_supported supported;
	struct mif_interfaces interfaces;
	struct mif_child_path path;
	struct mif_delete del;
	struct mif_add add;
	struct mif_add_reply add_reply;
	struct mif_move move;
};

/* MIF_ADD_INTERFACE's data as a response's (type 0 is no MIF notify). */
#define MIF_ADD_REPLY	0

static int mif_parse(uint16_t type, union mif_data *d, const uint8_t *p,
		     size_t len, struct ike_error *err)
{
	switch (type) {
	case IKE_N_MIF_SUPPORTED:
		return mif_supported_parse(&d->supported, p, len, err);
	case IKE_N_MIF_INTERFACES:
		return mif_interfaces_parse(&d->interfaces, p, len, err);
	case IKE_N_MIF_DELETE_INTERFACE:
		return mif_delete_parse(&d->del, p, len, err);
	case IKE_N_MIF_ADD_INTERFACE:
		return mif_add_parse(&d->add, p, len, err);
	case MIF_ADD_REPLY:
		return mif_add_reply_parse(&d->add_reply, p, len, err);
	case IKE_N_MIF_MOVE:
		return mif_move_parse(&d->move, p, len, err);
	}
	return mif_child_path_parse(&d->path, p, len, err);
}

static int mif_build(struct ike_writer *w, uint16_t type,
		     const union mif_data *d, struct ike_error *err)
{
	switch (type) {
	case IKE_N_MIF_SUPPORTED:
		return mif_supported_build(w, &d->supported, err);
	case IKE_N_MIF_INTERFACES:
		return mif_interfaces_build(w, &d->interfaces, err);
	case IKE_N_MIF_DELETE_INTERFACE:
		return mif_delete_build(w, &d->del, err);
	case IKE_N_MIF_ADD_INTERFACE:
		return mif_add_build(w, &d->add, err);
	case MIF_ADD_REPLY:
		return mif_add_reply_build(w, &d->add_reply, err);
	case IKE_N_MIF_MOVE:
		return mif_move_build(w, &d->move, err);
	}
	return mif_child_path_build(w, &d->path, err);
}

/* One MIF notify's data: parse, and build-parse-build to the same bytes. */
static void mif_notify(uint16_t type, const uint8_t *p, size_t len)
{
	union mif_data *a = calloc(1, sizeof(*a));
	union mif_data *b = calloc(1, sizeof(*b));
	struct ike_writer w1, w2;
	struct ike_error err;
	uint8_t *copy = NULL;

	if (!a || !b)
		abort();
	ike_writer_init(&w1);
	ike_writer_init(&w2);
	if (mif_parse(type, a, p, len, &err))
		goto out;
	if (mif_build(&w1, type, a, &err) || !ike_writer_ok(&w1))
		fail("a parsed MIF notify does not build", &err);
	copy = dup_exact(w1.p, w1.len);
	if (mif_parse(type, b, copy, w1.len, &err))
		fail("a built MIF notify does not parse", &err);
	if (mif_build(&w2, type, b, &err))
		fail("a reparsed MIF notify does not build", &err);
	same_bytes(&w1, &w2, "MIF notify rebuilt");
out:
	ike_writer_free(&w1);
	ike_writer_free(&w2);
	free(copy);
	free(a);
	free(b);
}

/* SET_WINDOW_SIZE's data: what parses builds to the same octets. */
static void window_notify(const uint8_t *p, size_t len)
{
	uint8_t *copy = dup_exact(p, len), out[IKE_WINDOW_LEN];
	struct ike_error err;
	uint32_t w;

	if (!ike_window_parse(copy, len, &w, &err)) {
		ike_window_build(w, out);
		if (len != sizeof(out) || memcmp(out, copy, len))
			fail("SET_WINDOW_SIZE rebuilt differs", &err);
	}
	free(copy);
}

static void mif_notifies(const struct ike_chain *c)
{
	const struct ike_notify *n;

	for (unsigned int i = 0; i < c->count; i++) {
		if (c->pl[i].type != IKE_PL_NOTIFY)
			continue;
		n = c->pl[i].notify;
		if (n->type == IKE_N_MIF_SUPPORTED ||
		    n->type == IKE_N_MIF_INTERFACES ||
		    n->type == IKE_N_MIF_CHILD_PATH ||
		    n->type == IKE_N_MIF_DELETE_INTERFACE ||
		    n->type == IKE_N_MIF_ADD_INTERFACE ||
		    n->type == IKE_N_MIF_MOVE)
			mif_notify(n->type, n->data, n->len);
		if (n->type == IKE_N_MIF_ADD_INTERFACE)
			mif_notify(MIF_ADD_REPLY, n->data, n->len);
		if (n->type == IKE_N_SET_WINDOW_SIZE)
			window_notify(n->data, n->len);
	}
}

/* An inner chain: parse, and build-parse-build to the same bytes. */
static void inner(uint8_t first, const uint8_t *p, size_t len)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	struct ike_chain *c2 = calloc(1, sizeof(*c2));
	struct ike_writer w1, w2;
	struct ike_error err;
	uint8_t *copy;

	if (!c || !c2)
		abort();
	ike_writer_init(&w1);
	ike_writer_init(&w2);
	if (ike_chain_parse(c, first, p, len, &err))
		goto out;
	mif_notifies(c);
	if (ike_chain_build(&w1, c, &err) || !ike_writer_ok(&w1))
		fail("a parsed inner chain does not build", &err);
	first = c->count ? c->pl[0].type : IKE_PL_NONE;
	copy = dup_exact(w1.p, w1.len);
	if (ike_chain_parse(c2, first, copy, w1.len, &err))
		fail("a built inner chain does not parse", &err);
	same_types(c, c2, "inner chain");
	if (ike_chain_build(&w2, c2, &err))
		fail("a reparsed inner chain does not build", &err);
	same_bytes(&w1, &w2, "inner chain rebuilt");
	ike_chain_free(c2);
	free(copy);
out:
	ike_chain_free(c);
	ike_writer_free(&w1);
	ike_writer_free(&w2);
	free(c);
	free(c2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_message *m = calloc(1, sizeof(*m));
	struct ike_message *m2 = calloc(1, sizeof(*m2));
	const struct ike_payload *last;
	struct ike_writer w1, w2;
	struct ike_error err;
	uint8_t *buf = dup_exact(data, size), *copy;

	if (!m || !m2)
		abort();
	ike_writer_init(&w1);
	ike_writer_init(&w2);
	if (ike_message_parse(m, buf, size, &err))
		goto out;
	mif_notifies(&m->chain);
	if (m->chain.count) {
		last = &m->chain.pl[m->chain.count - 1];
		if (last->type == IKE_PL_SK)
			inner(last->next, last->sk->body, last->sk->len);
		else if (last->type == IKE_PL_SKF)
			inner(last->next, last->skf->body, last->skf->len);
	}
	if (ike_message_build(&w1, m, &err))
		fail("a parsed message does not build", &err);
	copy = dup_exact(w1.p, w1.len);
	if (ike_message_parse(m2, copy, w1.len, &err))
		fail("a built message does not parse", &err);
	same_types(&m->chain, &m2->chain, "message");
	if (m2->hdr.spi_i != m->hdr.spi_i || m2->hdr.spi_r != m->hdr.spi_r ||
	    m2->hdr.exchange != m->hdr.exchange ||
	    m2->hdr.msg_id != m->hdr.msg_id ||
	    m2->hdr.flags != (m->hdr.flags & IKE_FLAGS_KNOWN))
		fail("the header changed", &err);
	if (ike_message_build(&w2, m2, &err))
		fail("a reparsed message does not build", &err);
	same_bytes(&w1, &w2, "message rebuilt");
	ike_message_free(m2);
	free(copy);
out:
	ike_message_free(m);
	ike_writer_free(&w1);
	ike_writer_free(&w2);
	free(buf);
	free(m);
	free(m2);
	return 0;
}
