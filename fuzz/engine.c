// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the engine behind the SK payload.
 *
 * Two engines in memory (world.h) run IKE_SA_INIT and IKE_AUTH; each
 * input (engine_input.h) is then an inner payload chain that one of them
 * protects with its IKE SA's keys, through ikesa_build() as every message
 * of the engine, and sends the other: as a request (which may cross one
 * of the receiver's own), or as the answer to a request the other has
 * just made (DPD, CREATE_CHILD_SA, a rekey, a Delete), or in IKE_AUTH
 * itself. Everything an authenticated peer can send is reached that way,
 * and so is everything a peer that merely ran IKE_SA_INIT can send in
 * IKE_AUTH. The input may then let time pass, for the timers to act on
 * what it left (rekeying, expiry, retransmission) and the engines to talk.
 *
 * An inner chain that does not parse is not sent: the receiver would
 * parse it with the same ike_chain_parse() and answer INVALID_SYNTAX
 * (the codec target covers that parser).
 *
 * After each input the engines must agree with their fake kernels (no
 * SA or policy leaked or lost) and with the events they reported.
 *
 * The established pairs serve up to REUSE inputs, and are made again as
 * soon as one of the SAs has gone, a request is left in flight, Child SAs
 * pile up or time has passed; MIF_FUZZ_FRESH=1 in the environment makes
 * them for every input, to replay a crash that needs no history. The
 * IKE_AUTH scene runs IKE_SA_INIT again for every input.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/request.h"
#include "engine_input.h"
#include "world.h"

#define REUSE		64
#define NOW		1000
#define MAX_CHILDREN	8

/* A world and what its engines reported through their events. */
struct pair {
	struct world *w;
	unsigned int served;		/* inputs since it was made */
	struct tally {
		int ike, child;		/* up events less down events */
	} t[2];
};

static unsigned int reuse = REUSE;
static struct pair established[WORLD_KINDS], half_open[WORLD_KINDS];

/* Both SAs up and idle, and room in the fake kernels. */
static bool idle(struct world *w)
{
	for (int i = 0; i < 2; i++) {
		const struct ikesa *sa = world_sa(w, i);
		const struct fake *f = &w->f[i];

		if (!sa || sa->state != IKESA_ESTABLISHED || sa->req.active ||
		    sa->n_del_pending || n_children(sa) > MAX_CHILDREN ||
		    f->n_alloc > FAKE_MAX / 2 || f->n_sas > FAKE_MAX / 2 ||
		    f->n_pols > FAKE_MAX / 2)
			return false;
	}
	return true;
}

static void on_event(void *ctx, const struct engine_event *ev)
{
	struct tally *t = ctx;

	switch (ev->type) {
	case ENGINE_EV_IKE_UP:
		t->ike++;
		break;
	case ENGINE_EV_IKE_DOWN:
		t->ike--;
		break;
	case ENGINE_EV_CHILD_UP:
		t->child++;
		break;
	case ENGINE_EV_CHILD_DOWN:
		t->child--;
		break;
	case ENGINE_EV_CHILD_REKEYED:
	case ENGINE_EV_REFUSED:
	case ENGINE_EV_FAILED:
	case ENGINE_EV_VIP_ADDED:
		break;
	}
}

/* The kernel SAs a Child SA holds. */
static void held(const struct childsa *c, unsigned int *sas)
{
	if (c->installed)
		*sas += 2;
}

static void __attribute__((format(printf, 2, 3), noreturn))
fail(int side, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "engine %c: ", 'A' + side);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/*
 * What each engine holds is what its fake kernel holds (no SA or policy
 * left behind in the kernel, none the engine counts on missing), and
 * what its events said.
 */
static void check(struct pair *p)
{
	struct world *w = p->w;

	for (int i = 0; i < 2; i++) {
		/* Policies: one per entry of the table, however shared. */
		size_t pols = w->e[i].policies.entries.n;
		unsigned int sas = 0;
		const struct request_children *l;
		int ike = 0, child = 0;

		for (const struct ikesa *sa = w->e[i].sas; sa; sa = sa->next) {
			ike += sa->announced;
			for (const struct childsa *c = sa->children; c;
			     c = c->next) {
				held(c, &sas);
				child += c->installed;
			}
			l = request_children_of(sa);
			for (unsigned int k = 0; l && k < l->n; k++)
				held(l->c[k], &sas);
		}
		if (sas != live_sas(&w->f[i]) || pols != live_pols(&w->f[i]))
			fail(i, "the engine holds %u kernel SAs and %zu "
			     "policies, the kernel %u and %u", sas, pols,
			     live_sas(&w->f[i]), live_pols(&w->f[i]));
		if (ike != p->t[i].ike || child != p->t[i].child)
			fail(i, "%d IKE SAs and %d Child SAs up, the events "
			     "say %d and %d", ike, child, p->t[i].ike,
			     p->t[i].child);
	}
}

/* The pair's world afresh, its events counted. */
static void renew(struct pair *p, enum world_kind k)
{
	if (!p->w)
		p->w = world_new(k);
	else
		world_reset(p->w);
	memset(p->t, 0, sizeof(p->t));
	for (int i = 0; i < 2; i++) {
		struct engine_events ev = { on_event, &p->t[i] };

		engine_set_events(&p->w->e[i], &ev);
	}
	p->served = 0;
}

static struct pair *get_established(enum world_kind k)
{
	struct pair *p = &established[k];

	if (!p->w || p->served >= reuse || !idle(p->w)) {
		renew(p, k);
		if (!world_establish(p->w, 0))
			abort();
	}
	p->served++;
	return p;
}

static struct pair *get_half_open(enum world_kind k)
{
	struct pair *p = &half_open[k];

	renew(p, k);
	if (!world_half_open(p->w, 0))
		abort();
	return p;
}

/* Have sa send a request of kind ask (a DPD if that cannot be done). */
static void ask(struct world *w, int side, struct ikesa *sa, unsigned int ask)
{
	struct engine *e = &w->e[side];
	int ret = -1;

	switch (ask) {
	case ASK_CREATE_CHILD:
		ret = engine_create_child(e, sa, NOW);
		break;
	case ASK_REKEY_CHILD:
		ret = engine_rekey_child(e, sa, sa->children, NOW);
		break;
	case ASK_REKEY_IKE:
		ret = engine_rekey_ike(e, sa, NOW);
		break;
	case ASK_DELETE_CHILD:
		ret = engine_delete_child(e, sa, sa->children, NOW);
		break;
	case ASK_DELETE_IKE:
		ret = engine_delete_ike(e, sa, NOW);
		break;
	}
	if (ret)
		engine_dpd(e, sa, NOW);
	drop_all(w);
}

/* Protect chain with from's keys and hand it to side to. */
static void post(struct pair *p, struct ikesa *from, int to, uint8_t exch,
		 bool response, uint32_t msg_id, const struct ike_chain *chain)
{
	struct world *w = p->w;
	uint8_t *buf;
	size_t len;

	if (ikesa_build(from, exch, response, msg_id, chain, &buf, &len))
		return;
	engine_input(&w->e[to], NOW, &w->c[to].local, w->c[to].local_port,
		     &w->c[to].remote, w->c[to].remote_port, buf, len);
	free(buf);
	engine_tick(&w->e[to], NOW);
	drop_all(w);
	check(p);
}

static uint32_t request_id(const struct ikesa *to, unsigned int how)
{
	switch (how) {
	case MSGID_AGAIN:
		return to->resp_next - 1;
	case MSGID_AHEAD:
		return to->resp_next + 1;
	default:
		return to->resp_next;
	}
}

/* Both engines' timers at now, and what they then say to each other. */
static void later(struct pair *p, uint64_t now)
{
	struct world *w = p->w;

	for (int i = 0; i < 2; i++)
		engine_tick(&w->e[i], now);
	for (int i = 0; i < 16 && w->n; i++)
		deliver_next(w, now);
	for (int i = 0; i < 2; i++)
		engine_tick(&w->e[i], now);
	drop_all(w);
	check(p);
	/* Its clocks have moved on: the next input gets a new pair. */
	p->served = reuse;
}

static void run(uint8_t exch, uint8_t how, uint8_t then,
		const struct ike_chain *chain)
{
	unsigned int arg = ENGINE_IN_ARG(how);
	int side = ENGINE_IN_SIDE(how);
	enum world_kind k = ENGINE_IN_KIND(how);
	struct ikesa *from, *to, *holder;
	struct pair *p;

	switch (ENGINE_IN_SCENE(how)) {
	case SCENE_TO_B:
	case SCENE_TO_A:
		p = get_established(k);
		side = ENGINE_IN_SCENE(how) == SCENE_TO_A ? 0 : 1;
		from = world_sa(p->w, !side);
		to = world_sa(p->w, side);
		if (ENGINE_IN_PENDING(then))
			ask(p->w, side, to, ENGINE_IN_PENDING(then) - 1u);
		post(p, from, side, exch, false, request_id(to, arg), chain);
		break;
	case SCENE_ANSWER:
		p = get_established(k);
		holder = world_sa(p->w, side);
		ask(p->w, side, holder, arg);
		if (!holder->req.active)
			break;
		post(p, world_sa(p->w, !side), side, holder->req.exchange,
		     true, holder->req.msg_id, chain);
		break;
	default:	/* SCENE_AUTH */
		p = get_half_open(k);
		from = world_sa(p->w, side);
		to = world_sa(p->w, !side);
		if (side)
			post(p, from, 0, IKE_EXCH_IKE_AUTH, true,
			     to->req.msg_id, chain);
		else
			post(p, from, 1, exch, false, to->resp_next, chain);
		break;
	}
	if (ENGINE_IN_LATER(then))
		later(p, NOW + (uint64_t)ENGINE_IN_LATER(then) *
			     ENGINE_IN_STEP_MS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *fresh = getenv("MIF_FUZZ_FRESH");

	if (fresh && !strcmp(fresh, "1"))
		reuse = 1;
	world_certs();
	for (int k = 0; k < WORLD_KINDS; k++)
		get_established((enum world_kind)k);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_chain *chain;
	struct ike_error err;

	if (size < ENGINE_IN_HDR)
		return 0;
	chain = calloc(1, sizeof(*chain));
	if (!chain)
		abort();
	if (!ike_chain_parse(chain, data[3], data + ENGINE_IN_HDR,
			     size - ENGINE_IN_HDR, &err)) {
		run(data[0], data[1], data[2], chain);
		ike_chain_free(chain);
	}
	free(chain);
	return 0;
}
