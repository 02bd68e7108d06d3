// SPDX-License-Identifier: GPL-2.0
/*
 * Two engines in one process: see world.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sign.h"
#include "world.h"

/* The certificates of WORLD_CERT, made by fuzz/certs/make. */
#define CERTS	"fuzz/certs/"

static struct sig_creds *creds[2];

void world_certs(void)
{
	static const char *const cert[2] = { CERTS "a.pem", CERTS "b.pem" };
	static const char *const key[2] = { CERTS "a.key", CERTS "b.key" };

	for (int side = 0; side < 2 && !creds[side]; side++)
		if (sig_creds_load(&creds[side], cert[side], key[side],
				   CERTS "ca")) {
			fprintf(stderr, "cannot load %s (run from the top of "
				"the tree)\n", cert[side]);
			exit(1);
		}
}

/*
 * The connection of one side. A also offers a second group, which B does
 * not take: an answer of INVALID_KE_PAYLOAD naming it makes A try again.
 */
static void set_kind(struct conn *c, int side, enum world_kind k)
{
	make_conn(c, side, IKE_DH_CURVE25519, k != WORLD_PSK_CBC);
	if (!side)
		xf(&c->ike[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
	switch (k) {
	case WORLD_CERT:
		world_certs();
		c->psk_len = 0;
		c->auth_method = IKE_AUTH_DIGITAL_SIGNATURE;
		c->sig_creds = creds[side];
		/*
		 * And IKE fragmentation (engine/fragment.h): IKE_AUTH, with
		 * its certificates, and every large input go in fragments
		 * of IPv4's 576 bytes, put back together by the receiver.
		 */
		c->fragmentation = true;
		break;
	case WORLD_PFS:
		xf(&c->esp[0], IKE_XF_DH, IKE_DH_CURVE25519, 0);
		if (!side)
			xf(&c->esp[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
		break;
	default:
		break;
	}
}

/* Empty fake kernels and fresh engines. */
static void start(struct world *w)
{
	for (int i = 0; i < 2; i++) {
		struct engine_send s = { net_send, &w->p[i] };

		memset(&w->f[i], 0, sizeof(w->f[i]));
		w->f[i].b.ops = &fake_ops;
		w->f[i].b.priv = &w->f[i];
		w->f[i].next_spi = 0xa0000000u + 0x1000u * (uint32_t)i;
		engine_init(&w->e[i], &w->f[i].b, &s);
	}
	/* Reproducible COOKIEs, and only when a scene asks for them. */
	memset(w->e[1].cookies.cur, 0x5a, sizeof(w->e[1].cookies.cur));
	w->e[1].cookie_threshold = 0;
	w->e[1].cookie_modp = false;
	engine_add_conn(&w->e[1], &w->c[1]);
	w->sent = 0;
}

struct world *world_new(enum world_kind k)
{
	struct world *w = calloc(1, sizeof(*w));

	if (!w)
		abort();
	for (int i = 0; i < 2; i++) {
		w->p[i].w = w;
		w->p[i].id = i;
		set_kind(&w->c[i], i, k);
	}
	start(w);
	return w;
}

static void stop(struct world *w)
{
	drop_all(w);
	engine_free(&w->e[0]);
	engine_free(&w->e[1]);
}

void world_free(struct world *w)
{
	if (!w)
		return;
	stop(w);
	free(w);
}

void world_reset(struct world *w)
{
	stop(w);
	start(w);
}

struct ikesa *world_sa(struct world *w, int side)
{
	struct ikesa *sa = w->e[side].sas;

	return sa && !sa->next ? sa : NULL;
}

/* Deliver the next n datagrams; false if fewer were waiting. */
static bool step(struct world *w, unsigned int n, uint64_t now)
{
	for (unsigned int i = 0; i < n; i++) {
		if (!w->n)
			return false;
		deliver_next(w, now);
	}
	return true;
}

struct ikesa *world_half_open(struct world *w, uint64_t now)
{
	struct ikesa *a = engine_initiate(&w->e[0], &w->c[0], now);

	if (!a || !step(w, 2, now))
		return NULL;
	drop_all(w);
	if (world_sa(w, 0) != a || a->state != IKESA_AUTH ||
	    !world_sa(w, 1) || world_sa(w, 1)->state != IKESA_AUTH)
		return NULL;
	return a;
}

struct ikesa *world_establish(struct world *w, uint64_t now)
{
	struct ikesa *a = engine_initiate(&w->e[0], &w->c[0], now);

	if (!a)
		return NULL;
	pump(w, now);
	if (world_sa(w, 0) != a || a->state != IKESA_ESTABLISHED ||
	    !world_sa(w, 1) || world_sa(w, 1)->state != IKESA_ESTABLISHED)
		return NULL;
	return a;
}
