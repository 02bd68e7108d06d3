// SPDX-License-Identifier: GPL-2.0
/*
 * Adding an interface (docs/protocol/mif.md, MIF_ADD_INTERFACE): both
 * sides compute the same ordered list of source Child SAs, allocate
 * their inbound SPIs on the new pair, derive each copy's keys from SK_d
 * and the exchange's nonces (child_keys_derive_mif()), and install the
 * copies with one clone_addr call (or, where the clone would copy an SA
 * the exchange does not derive, one Child SA at a time).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>

#include "crypto/random.h"
#include "engine/cfg_add.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/mif_add.h"
#include "engine/notify_table.h"
#include "ike/constants.h"
#include "ike/nonce.h"

/* One add, as either side sees it. */
struct add_job {
	bool requester;
	struct ip_addr addr;	/* the requester's new address */
	struct ip_addr peer;	/* the responder's address of the new pair */
	uint16_t id;		/* the requester's new interface */
	uint8_t prio;
	uint16_t peer_id;	/* the responder's interface of peer, 0: IKE SA */
	/* A Child SA bound to a source address is not derived. */
	bool partial;
	/* CFG: the families asked for (CFG_ADD_*), the addresses got. */
	unsigned int cfg;
	struct cfg_add_vips vips;
	unsigned int n;
	struct childsa *src[MIF_ADD_MAX_SAS];
	struct childsa *copy[MIF_ADD_MAX_SAS];
};

/* The room of our response: the notify, its data and the nonce. */
struct mif_add_out {
	struct ike_notify n;
	struct ike_nonce nonce;
	uint8_t nonce_buf[RANDOM_NONCE_LEN];
	struct ike_writer w;
	struct mif_add_reply reply;
	struct cfg_payload cp;
};

/* Our request in flight. */
struct add_request {
	struct request_state rs;
	struct add_job *job;
	uint8_t ni[RANDOM_NONCE_LEN];
};

/* The nonces of the exchange, as they were sent. */
struct add_nonces {
	const uint8_t *ni, *nr;
	size_t ni_len, nr_len;
};

static uint8_t af_mif(const struct ip_addr *a)
{
	return a->family == AF_INET6 ? MIF_AF_IPV6 : MIF_AF_IPV4;
}

/* The requester's side of c: its inbound SPI and its outer address. */
static uint32_t req_spi(const struct add_job *j, const struct childsa *c)
{
	return j->requester ? c->spi_in : c->spi_out;
}

static const struct ip_addr *req_addr(const struct add_job *j,
				      const struct childsa *c)
{
	return j->requester ? &c->local : &c->remote;
}

/* The requester's list: ours, or the peer's as it announced it. */
static const struct mif_interfaces *req_list(const struct ikesa *sa,
					     const struct add_job *j)
{
	return j->requester ? sa->mif->ours :
	       sa->mif->have_peer ? sa->mif->peer : NULL;
}

/* Whether a is on the requester's interface id (0: the IKE SA's address). */
static bool on_iface(const struct ikesa *sa, const struct add_job *j,
		     uint16_t id, const struct ip_addr *a)
{
	const struct mif_interfaces *l = req_list(sa, j);
	const struct mif_iface *f;

	if (!id)
		return ip_addr_equal(a, j->requester ? &sa->local :
						       &sa->remote);
	f = l ? mif_iface_find(l, id) : NULL;
	return f && a->family == j->addr.family &&
	       mif_iface_has_addr(f, af_mif(a), a->bytes);
}

/*
 * With CFG, the requester's selectors compare with its inner addresses
 * taken as one: the derived copies will all have the new one.
 */
static bool same_sels(const struct ikesa *sa, const struct add_job *j,
		      const struct childsa *a, const struct childsa *b)
{
	unsigned int fams = a->mode == KERNEL_MODE_TUNNEL ? j->cfg : 0;

	if (a->mode != b->mode)
		return false;
	if (j->requester)
		return cfg_add_same_ts(sa, fams, a->local_ts, a->n_local_ts,
				       b->local_ts, b->n_local_ts) &&
		       cfg_add_same_ts(sa, 0, a->remote_ts, a->n_remote_ts,
				       b->remote_ts, b->n_remote_ts);
	return cfg_add_same_ts(sa, 0, a->local_ts, a->n_local_ts,
			       b->local_ts, b->n_local_ts) &&
	       cfg_add_same_ts(sa, fams, a->remote_ts, a->n_remote_ts,
			       b->remote_ts, b->n_remote_ts);
}

/* Whether c is on the new pair already. */
static bool on_new_pair(const struct add_job *j, const struct childsa *c)
{
	return ip_addr_equal(req_addr(j, c), &j->addr) &&
	       ip_addr_equal(j->requester ? &c->remote : &c->local, &j->peer);
}

/*
 * Skip rule (mif.md): a source whose selectors a Child SA on the new
 * pair has, or an earlier source has, is not derived.
 */
static bool skipped(const struct ikesa *sa, const struct add_job *j,
		    const struct childsa *c)
{
	for (const struct childsa *o = sa->children; o; o = o->next)
		if (on_new_pair(j, o) && same_sels(sa, j, o, c))
			return true;
	for (unsigned int i = 0; i < j->n; i++)
		if (same_sels(sa, j, j->src[i], c))
			return true;
	return false;
}

/* Whether c is a source already (listed under an earlier interface). */
static bool taken(const struct add_job *j, const struct childsa *c)
{
	for (unsigned int i = 0; i < j->n; i++)
		if (j->src[i] == c)
			return true;
	return false;
}

static int by_req_spi(const void *x, const void *y, void *arg)
{
	const struct add_job *j = arg;
	uint32_t a = req_spi(j, *(struct childsa *const *)x);
	uint32_t b = req_spi(j, *(struct childsa *const *)y);

	return (a > b) - (a < b);
}

/*
 * The canonical order: the source interfaces in the order given, on
 * each its Child SAs by the requester's inbound SPI, the skipped ones
 * left out. 0, or -E2BIG beyond MIF_ADD_MAX_SAS.
 */
static int plan(const struct ikesa *sa, struct add_job *j,
		const uint16_t *from, unsigned int n_from)
{
	struct childsa **on = malloc(MIF_ADD_MAX_SAS * sizeof(*on));
	int ret = 0;

	if (!on)
		return -ENOMEM;
	j->n = 0;
	j->partial = false;
	for (unsigned int k = 0; k < n_from && !ret; k++) {
		unsigned int n = 0;

		for (struct childsa *c = sa->children; c; c = c->next) {
			if (!on_iface(sa, j, from[k], req_addr(j, c)) ||
			    on_new_pair(j, c) || taken(j, c))
				continue;
			if (!c->installed || c->replaced) {
				j->partial = true;
				continue;
			}
			if (n == MIF_ADD_MAX_SAS) {
				ret = -E2BIG;
				break;
			}
			on[n++] = c;
		}
		qsort_r(on, n, sizeof(*on), by_req_spi, j);
		for (unsigned int i = 0; i < n && !ret; i++) {
			if (skipped(sa, j, on[i])) {
				j->partial = true;
				continue;
			}
			if (j->n == MIF_ADD_MAX_SAS)
				ret = -E2BIG;
			else
				j->src[j->n++] = on[i];
		}
	}
	free(on);
	return ret;
}

/* The default source list: every other interface of the requester's. */
static unsigned int default_from(const struct ikesa *sa,
				 const struct add_job *j, uint16_t *from)
{
	const struct mif_interfaces *l = req_list(sa, j);
	unsigned int n = 0;

	from[n++] = 0;
	for (unsigned int i = 0; l && i < l->n && n < MIF_ADD_MAX_FROM; i++)
		if (l->iface[i].id != j->id)
			from[n++] = l->iface[i].id;
	return n;
}

/* The ID under which list l has address a, 0 if none. */
static uint16_t id_of(const struct mif_interfaces *l, const struct ip_addr *a)
{
	for (unsigned int i = 0; l && i < l->n; i++)
		if (mif_iface_has_addr(&l->iface[i], af_mif(a), a->bytes))
			return l->iface[i].id;
	return 0;
}

static void release(struct ikesa *sa, struct add_job *j)
{
	for (unsigned int i = 0; i < j->n; i++) {
		if (!j->copy[i])
			continue;
		childsa_uninstall(j->copy[i], sa->engine);
		childsa_free(j->copy[i]);
		j->copy[i] = NULL;
	}
}

static void job_free(struct ikesa *sa, struct add_job *j)
{
	if (j) {
		release(sa, j);
		free(j);
	}
}

/* The copies, each with its inbound SPI reserved on the new pair. */
static int make_copies(struct ikesa *sa, struct add_job *j)
{
	const struct iface *f = engine_iface_by_addr(sa->engine,
						     j->requester ? &j->addr :
								    &j->peer);

	for (unsigned int i = 0; i < j->n; i++) {
		const struct childsa *s = j->src[i];
		struct childsa *c;
		int ret;

		c = childsa_new(j->requester ? &j->addr : &j->peer,
				s->local_port,
				j->requester ? &j->peer : &j->addr,
				s->remote_port, s->reqid);
		if (!c)
			return -ENOMEM;
		j->copy[i] = c;
		c->encap = s->encap;
		c->local_iface = j->requester ? j->id : j->peer_id;
		c->remote_iface = j->requester ? j->peer_id : j->id;
		c->ifindex = f ? f->ifindex : 0;
		c->mode = s->mode;
		c->tmpl = s->tmpl;
		c->n_local_ts = s->n_local_ts;
		c->n_remote_ts = s->n_remote_ts;
		memcpy(c->local_ts, s->local_ts, sizeof(c->local_ts));
		memcpy(c->remote_ts, s->remote_ts, sizeof(c->remote_ts));
		if (c->mode == KERNEL_MODE_TRANSPORT) {
			/* The selectors are the pair's addresses. */
			mif_path_pair_ts(c, &c->local_ts[0], &c->remote_ts[0]);
			c->n_local_ts = c->n_remote_ts = 1;
		}
		c->encr = s->encr;
		c->integ = s->integ;
		c->esn = s->esn;
		c->lifetime_s = s->lifetime_s;
		ret = childsa_alloc_spi(c, sa->engine->backend);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Install every copy: one clone of the source addresses when it copies
 * exactly the derived Child SAs (clone), else one Child SA at a time.
 * The copies' spi_out must be set. Keys wiped.
 */
static int install_as(struct ikesa *sa, struct add_job *j,
		      const struct add_nonces *nn, uint64_t now, bool clone)
{
	struct backend *b = sa->engine->backend;
	struct kernel_clone_sa *e = NULL;
	struct kernel_clone kc;
	struct kernel_scope scope;
	struct kernel_iface_result res;
	struct child_keys k;
	int ret = 0;

	memset(&kc, 0, sizeof(kc));
	for (unsigned int i = 0; clone && i < j->n; i++) {
		const struct ip_addr *a = req_addr(j, j->src[i]);
		unsigned int f;

		for (f = 0; f < kc.n_from; f++)
			if (ip_addr_equal(&kc.from[f], a))
				break;
		if (f < kc.n_from)
			continue;
		if (kc.n_from == KERNEL_CLONE_MAX_FROM)
			clone = false;
		else
			kc.from[kc.n_from++] = *a;
	}
	if (clone) {
		e = calloc(2 * j->n, sizeof(*e));
		if (!e)
			return -ENOMEM;
	}
	for (unsigned int i = 0; i < j->n && !ret; i++) {
		const struct childsa *s = j->src[i];
		struct childsa *c = j->copy[i];
		const uint8_t *ein, *iin, *eout, *iout;
		size_t el = transform_keymat_len(s->encr);
		size_t il = transform_keymat_len(s->integ);

		ret = child_keys_derive_mif(&k, &sa->keys, s->encr, s->integ,
					    nn->ni, nn->ni_len, nn->nr,
					    nn->nr_len, i + 1);
		if (ret)
			break;
		ein = j->requester ? k.encr_r : k.encr_i;
		iin = j->requester ? k.integ_r : k.integ_i;
		eout = j->requester ? k.encr_i : k.encr_r;
		iout = j->requester ? k.integ_i : k.integ_r;
		if (clone) {
			struct kernel_clone_sa *in = &e[2 * i], *out = in + 1;

			in->spi = s->spi_in;
			in->dst = s->local;
			in->new_spi = c->spi_in;
			memcpy(in->encr_key, ein, el);
			in->encr_key_len = el;
			memcpy(in->integ_key, iin, il);
			in->integ_key_len = il;
			out->spi = s->spi_out;
			out->dst = s->remote;
			out->new_spi = c->spi_out;
			memcpy(out->encr_key, eout, el);
			out->encr_key_len = el;
			memcpy(out->integ_key, iout, il);
			out->integ_key_len = il;
		} else {
			struct proposal_choice pc = {
				.encr = s->encr, .integ = s->integ,
				.esn = s->esn, .spi = c->spi_out,
			};

			ret = childsa_install_beside(c, sa->engine, &pc, &k,
						     j->requester);
		}
		child_keys_destroy(&k);
	}
	if (clone && !ret) {
		kc.new_addr = j->addr;
		kc.new_peer = j->peer;
		kc.sas = e;
		kc.n_sas = 2 * j->n;
		ikesa_kernel_scope(sa, &scope);
		ret = b->ops->clone_addr(b, &kc, &scope, &res);
		for (unsigned int i = 0; !ret && i < j->n; i++)
			ret = childsa_adopt_policies(j->copy[i], sa->engine);
		if (!ret)
			engine_logf(sa->engine, ENGINE_LOG_DEBUG, sa, "clone: "
				    "%u SAs, %u policies, %u skipped",
				    res.states, res.policies, res.skipped);
	}
	if (e) {
		gnutls_memset(e, 0, 2 * j->n * sizeof(*e));
		free(e);
	}
	if (ret)
		return ret;
	for (unsigned int i = 0; i < j->n; i++) {
		childsa_timers(j->copy[i], now, sa->conn->rekey_jitter,
			       j->requester);
		ikesa_add_child(sa, j->copy[i]);
		j->copy[i] = NULL;
	}
	return 0;
}

/*
 * A backend that cannot clone (no xfrm_mif, its per-SA path has no
 * clone: -EOPNOTSUPP) gets the Child SAs one at a time.
 */
static int install(struct ikesa *sa, struct add_job *j,
		   const struct add_nonces *nn, uint64_t now)
{
	struct backend *b = sa->engine->backend;
	int ret;

	/* The clone copies the sources' selectors: not with new ones. */
	if (b->ops->clone_addr && !j->partial && !j->vips.n) {
		ret = install_as(sa, j, nn, now, true);
		if (ret != -EOPNOTSUPP)
			return ret;
		engine_logf(sa->engine, ENGINE_LOG_DEBUG, sa, "clone: not "
			    "supported here, one Child SA at a time");
	}
	return install_as(sa, j, nn, now, false);
}

static int note_iface(struct mif_interfaces **l, const struct mif_add *a);

/* The new inner addresses in the requester's selectors of the copies. */
static void apply_vips(const struct ikesa *sa, struct add_job *j)
{
	for (unsigned int i = 0; j->vips.n && i < j->n; i++) {
		struct childsa *c = j->copy[i];

		if (c->mode != KERNEL_MODE_TUNNEL)
			continue;
		if (j->requester)
			cfg_add_substitute(sa, &j->vips, c->local_ts,
					   c->n_local_ts);
		else
			cfg_add_substitute(sa, &j->vips, c->remote_ts,
					   c->n_remote_ts);
	}
}

static void add_request_free(struct ikesa *sa, struct request_state *st)
{
	struct add_request *r = request_of(st, struct add_request, rs);

	job_free(sa, r->job);
	gnutls_memset(r, 0, sizeof(*r));
	free(r);
}

static const struct request_ops add_request_ops = {
	.free = add_request_free,
};

/* The build of our request: the notify, the nonce, and a CP with CFG. */
static int send_request(struct ikesa *sa, struct add_request *r,
			const struct mif_add *a, uint64_t now)
{
	struct cfg_payload *cp = NULL;
	struct ike_chain chain = { 0 };
	struct ike_notify n;
	struct ike_nonce nonce = { .data = r->ni, .len = sizeof(r->ni) };
	struct ike_writer w;
	struct ike_error err;
	int ret = -ENOMEM;

	ike_writer_init(&w);
	if (mif_add_build(&w, a, &err) || !ike_writer_ok(&w)) {
		engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "MIF_ADD_INTERFACE"
			    ": cannot build: %s", err.reason ? err.reason :
			    "out of memory");
		goto out;
	}
	ikesa_notify(&n, IKE_N_MIF_ADD_INTERFACE, w.p, w.len);
	if (ike_chain_add(&chain, IKE_PL_NONCE, &nonce, &err) ||
	    ike_chain_add(&chain, IKE_PL_NOTIFY, &n, &err))
		goto out;
	if (r->job->cfg) {
		cp = malloc(sizeof(*cp));
		if (!cp)
			goto out;
		cfg_add_request(cp, r->job->cfg, &chain);
	}
	ret = ikesa_request(sa, now, IKE_EXCH_INFORMATIONAL, &chain);
out:
	free(cp);
	ike_chain_free(&chain);
	ike_writer_free(&w);
	return ret;
}

int mif_add_start(struct ikesa *sa, const struct ip_addr *addr,
		  const uint16_t *from, unsigned int n_from,
		  const struct ip_addr *peer, bool cfg, uint64_t now)
{
	const struct iface *f = engine_iface_by_addr(sa->engine, addr);
	unsigned int fams = 0;
	struct add_request *r = NULL;
	struct mif_add *a = NULL;
	uint16_t dflt[MIF_ADD_MAX_FROM];
	int prio = IFACE_PRIO_NONE, ret;

	if (sa->mif_status != MIF_ON) {
		engine_logf(sa->engine, ENGINE_LOG_NOTICE, sa, "add interface:"
			    " MIF not negotiated (%s): nothing to derive, "
			    "every Child SA is on the IKE SA's pair",
			    mif_status_why(sa->mif_status));
		return -EOPNOTSUPP;
	}
	if (sa->state != IKESA_ESTABLISHED || sa->replaced || sa->req.active)
		return -EAGAIN;
	if (f)
		prio = iface_pattern_priority(sa->conn->ifaces,
					      sa->conn->n_ifaces, f->name);
	if (prio == IFACE_PRIO_NONE || addr->family != sa->local.family ||
	    !mif_addr_usable(af_mif(addr), addr->bytes) ||
	    n_from > MIF_ADD_MAX_FROM ||
	    (peer && (peer->family != addr->family ||
		      ip_addr_equal(peer, addr) ||
		      !mif_addr_usable(af_mif(peer), peer->bytes)))) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "add interface:"
			    " the address is not a usable one of the IKE SA's "
			    "family on an interface the connection allows, or "
			    "the peer address does not fit");
		return -EINVAL;
	}
	if (cfg && cfg_add_families(sa, &fams)) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "add interface:"
			    " cfg: the IKE SA holds its most inner addresses");
		return -ENOSPC;
	}
	if (cfg && !fams) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "add interface:"
			    " cfg: connection %s asks for no inner address "
			    "(vips), or we are not the IKE SA's initiator",
			    sa->conn->name);
		return -ENODATA;
	}
	r = calloc(1, sizeof(*r));
	a = calloc(1, sizeof(*a));
	if (r)
		r->job = calloc(1, sizeof(*r->job));
	ret = -ENOMEM;
	if (!r || !a || !r->job)
		goto fail;
	r->rs.ops = &add_request_ops;
	r->job->requester = true;
	r->job->addr = *addr;
	r->job->peer = peer ? *peer : sa->remote;
	r->job->id = f->id;
	r->job->prio = (uint8_t)prio;
	r->job->cfg = fams;
	r->job->peer_id = id_of(sa->mif->have_peer ? sa->mif->peer : NULL,
				&r->job->peer);
	if (!n_from) {
		n_from = default_from(sa, r->job, dflt);
		from = dflt;
	}
	ret = plan(sa, r->job, from, n_from);
	if (!ret && !r->job->n)
		ret = -ENOENT;
	if (!ret)
		ret = make_copies(sa, r->job);
	if (!ret)
		ret = random_nonce(r->ni, sizeof(r->ni));
	if (ret)
		goto fail;
	a->id = f->id;
	a->prio = r->job->prio;
	a->family = af_mif(addr);
	memcpy(a->addr, addr->bytes, ip_addr_len(addr));
	if (peer) {
		a->flags |= MIF_ADD_PEER;
		memcpy(a->peer, peer->bytes, ip_addr_len(peer));
	}
	/* Sent as given; the default (0) when we filled it in. */
	a->n_from = from == dflt ? 0 : n_from;
	memcpy(a->from, from, a->n_from * sizeof(a->from[0]));
	a->n_sas = r->job->n;
	for (unsigned int i = 0; i < r->job->n; i++) {
		a->sa[i].src_spi = r->job->src[i]->spi_in;
		a->sa[i].new_spi = r->job->copy[i]->spi_in;
	}
	ret = send_request(sa, r, a, now);
	if (ret)
		goto fail;
	request_set(sa, &r->rs);
	/* Announced by the request: ours, as the peer now has it. */
	note_iface(&sa->mif->ours, a);
	engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "add interface %u: "
		    "deriving %u Child SAs (MIF_ADD_INTERFACE%s)", f->id,
		    r->job->n, fams ? ", asking for an inner address" : "");
	free(a);
	return 0;
fail:
	engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "add interface: not "
		    "started: %s", ret == -ENOENT ? "no Child SA to derive" :
		    strerror(-ret));
	if (r)
		add_request_free(sa, &r->rs);
	free(a);
	return ret;
}

void mif_add_response(struct ikesa *sa, const struct ike_chain *resp,
		      uint64_t now)
{
	struct request_state *st = request_take(sa, &add_request_ops);
	const struct ike_payload *pn, *pa;
	struct mif_add_reply *rp;
	struct add_request *r;
	struct add_job *j;
	struct ike_error err;
	const char *why = NULL;
	int ret;

	if (!st)
		return;
	r = request_of(st, struct add_request, rs);
	j = r->job;
	rp = malloc(sizeof(*rp));
	pn = ike_chain_find(resp, IKE_PL_NONCE, NULL);
	pa = ike_chain_find_notify(resp, IKE_N_MIF_ADD_INTERFACE);
	if (!rp)
		why = "out of memory";
	else if (ike_chain_find_notify(resp, IKE_N_MIF_UNACCEPTABLE_ADD))
		why = "refused by the peer (MIF_UNACCEPTABLE_ADD)";
	else if (!pa || !pn)
		why = "the answer has no MIF_ADD_INTERFACE or no Nonce";
	else if (!ike_nonce_len_ok(pn->nonce->len, sa->ike.prf->key_len))
		why = "the answer's Nonce is too short or too long";
	else if (mif_add_reply_parse(rp, pa->notify->data, pa->notify->len,
				     &err))
		why = err.reason;
	else if (rp->n_sas != j->n)
		why = "the answer derives another number of Child SAs";
	for (unsigned int i = 0; !why && i < j->n; i++) {
		if (rp->sa[i].src_spi != j->src[i]->spi_in)
			why = "the answer names other source Child SAs";
		j->copy[i]->spi_out = rp->sa[i].new_spi;
	}
	if (!why) {
		struct add_nonces nn = {
			r->ni, pn->nonce->data, sizeof(r->ni), pn->nonce->len,
		};

		if (j->cfg)
			cfg_add_response(sa, j->cfg, resp, &j->vips);
		apply_vips(sa, j);
		ret = install(sa, j, &nn, now);
		if (ret)
			why = strerror(-ret);
		else
			engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "add "
				    "interface %u: %u Child SAs derived", j->id,
				    j->n);
	}
	if (!why && j->vips.n) {
		cfg_add_keep(sa, &j->vips);
		for (unsigned int i = 0; i < j->vips.n; i++) {
			struct engine_event ev = {
				.type = ENGINE_EV_VIP_ADDED, .sa = sa,
				.vip = &j->vips.a[i],
			};

			engine_event(sa->engine, &ev);
		}
	}
	if (why) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "add interface "
			    "%u: %s; nothing installed", j->id, why);
		/* The peer may have installed its side: tell it. */
		for (unsigned int i = 0; pa && i < j->n; i++)
			if (j->copy[i] && j->copy[i]->spi_out)
				ikesa_queue_delete(sa, j->copy[i]->spi_in, now);
	}
	free(rp);
	request_free(sa, st);
}

void mif_add_address(struct engine *e, const struct ip_addr *addr)
{
	const struct iface *f = engine_iface_by_addr(e, addr);

	for (struct ikesa *sa = e->sas; f && sa; sa = sa->next) {
		if (sa->mif_status != MIF_ON || !sa->conn->add_interfaces ||
		    sa->state != IKESA_ESTABLISHED || sa->replaced ||
		    sa->local.family != addr->family ||
		    ip_addr_equal(addr, &sa->local) ||
		    iface_pattern_priority(sa->conn->ifaces,
					   sa->conn->n_ifaces,
					   f->name) == IFACE_PRIO_NONE)
			continue;
		/* A later address replaces one not added yet. */
		sa->mif->add_pending = true;
		sa->mif->add_addr = *addr;
	}
}

bool mif_add_due(const struct ikesa *sa)
{
	return sa->mif_status == MIF_ON && sa->mif->add_pending &&
	       sa->state == IKESA_ESTABLISHED && !sa->replaced &&
	       !sa->req.active;
}

/*
 * add_interfaces = cfg: whether the automatic add asks for a new inner
 * address. Where it cannot (the IKE SA's responder, whose inner
 * addresses are the peer's; an IKE SA that holds its most), the add goes
 * without, as one the peer answers without a CP.
 */
static bool auto_cfg(struct ikesa *sa)
{
	unsigned int fams;
	int ret;

	if (sa->conn->add_interfaces != CONN_ADD_CFG)
		return false;
	ret = cfg_add_families(sa, &fams);
	if (!ret && fams)
		return true;
	engine_logf(sa->engine, ENGINE_LOG_NOTICE, sa, "add interface: "
		    "add_interfaces = cfg, but %s: added without a new inner "
		    "address", ret ? "the IKE SA holds its most inner "
		    "addresses" : !sa->initiator ? "we are not the IKE SA's "
		    "initiator" : "the connection asks for none (vips)");
	return false;
}

bool mif_add_tick(struct ikesa *sa, uint64_t now)
{
	int ret;

	if (!mif_add_due(sa))
		return false;
	ret = mif_add_start(sa, &sa->mif->add_addr, NULL, 0, NULL,
			    auto_cfg(sa), now);
	/* Done, or not to be done (logged): either way, not again. */
	sa->mif->add_pending = false;
	return !ret;
}

int engine_iface_add(struct engine *e, const char *conn,
		     const struct ip_addr *addr, const struct ip_addr *from,
		     unsigned int n_from, const struct ip_addr *peer,
		     bool cfg, uint64_t now, struct engine_iface_op *r)
{
	uint16_t ids[MIF_ADD_MAX_FROM];
	bool any = false;

	memset(r, 0, sizeof(*r));
	if (n_from > MIF_ADD_MAX_FROM)
		return -EINVAL;
	for (unsigned int i = 0; i < n_from; i++) {
		const struct iface *f = engine_iface_by_addr(e, &from[i]);

		if (!f)
			return -EINVAL;
		ids[i] = f->id;
	}
	for (struct ikesa *sa = e->sas; sa; sa = sa->next) {
		if (sa->state != IKESA_ESTABLISHED || sa->replaced ||
		    sa->local.family != addr->family ||
		    !ikesa_of_conn(sa, conn))
			continue;
		any = true;
		ikesa_touch(sa);
		mif_op_count(r, mif_add_start(sa, addr, ids, n_from, peer,
					      cfg, now));
	}
	return any ? 0 : -ENOENT;
}

void mif_add_out_free(struct mif_add_out *o)
{
	if (o) {
		ike_writer_free(&o->w);
		gnutls_memset(o, 0, sizeof(*o));
		free(o);
	}
}

/* The responder's checks of the request; NULL: accepted. */
static const char *accept_request(struct ikesa *sa, const struct mif_add *a,
				  struct add_job *j)
{
	const struct iface *f;
	uint16_t dflt[MIF_ADD_MAX_FROM];
	const uint16_t *from = a->from;
	unsigned int n_from = a->n_from;

	ip_addr_from_bytes(&j->addr, a->addr, mif_addr_len(a->family));
	if (a->flags & MIF_ADD_PEER)
		ip_addr_from_bytes(&j->peer, a->peer, mif_addr_len(a->family));
	else
		j->peer = sa->local;
	if (j->addr.family != sa->remote.family)
		return "not of the IKE SA's family";
	f = engine_iface_by_addr(sa->engine, &j->peer);
	if (!ip_addr_equal(&j->peer, &sa->local) &&
	    (!f || !mif_iface_find(sa->mif->ours, f->id) ||
	     iface_pattern_priority(sa->conn->ifaces, sa->conn->n_ifaces,
				    f->name) == IFACE_PRIO_NONE))
		return "our address is not one of our announced interfaces";
	j->peer_id = ip_addr_equal(&j->peer, &sa->local) ? 0 : f->id;
	j->id = a->id;
	j->prio = a->prio;
	if (!n_from) {
		n_from = default_from(sa, j, dflt);
		from = dflt;
	}
	if (plan(sa, j, from, n_from))
		return "too many Child SAs";
	if (j->n != a->n_sas)
		return "another number of Child SAs than ours to derive";
	for (unsigned int i = 0; i < j->n; i++)
		if (j->src[i]->spi_out != a->sa[i].src_spi)
			return "other source Child SAs than ours, or in "
			       "another order";
	return NULL;
}

/*
 * The requester's new interface goes into its list l (the peer's, or
 * ours) as MIF_INTERFACES would put it: its address added to the entry
 * of that ID, or a new entry. -1 when the list is full.
 */
static int note_iface(struct mif_interfaces **kept, const struct mif_add *a)
{
	struct mif_interfaces *l = *kept;
	struct mif_iface *f = NULL;

	for (unsigned int i = 0; i < l->n && !f; i++)
		if (l->iface[i].id == a->id)
			f = &l->iface[i];
	if (f && mif_iface_has_addr(f, a->family, a->addr))
		return 0;
	if (!f) {
		if (mif_list_grow(kept))
			return -1;
		l = *kept;
		f = &l->iface[l->n++];
		memset(f, 0, sizeof(*f));
		f->id = a->id;
		f->prio = a->prio;
	}
	if (a->family == MIF_AF_IPV4 && f->n4 < MIF_MAX_ADDRS)
		memcpy(f->addr4[f->n4++], a->addr, 4);
	else if (a->family == MIF_AF_IPV6 && f->n6 < MIF_MAX_ADDRS)
		memcpy(f->addr6[f->n6++], a->addr, 16);
	else
		return -1;
	return 0;
}

static void refuse(struct notify_ctx *ctx, const char *why)
{
	struct ikesa *sa = ctx->sa;
	struct ike_error err;

	engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "MIF_ADD_INTERFACE "
		    "refused: %s", why);
	ikesa_notify(&ctx->mif->add_refused, IKE_N_MIF_UNACCEPTABLE_ADD, NULL,
		     0);
	ike_chain_add(ctx->out, IKE_PL_NOTIFY, &ctx->mif->add_refused, &err);
}

/* INFORMATIONAL request: the peer adds an interface. */
static void add_request(struct notify_ctx *ctx, const struct ike_notify *n)
{
	struct ikesa *sa = ctx->sa;
	const struct ike_payload *pn;
	struct mif_add *a = NULL;
	struct add_job *j = NULL;
	struct mif_add_out *o = NULL;
	struct mif_interfaces *saved = NULL;
	bool had_peer = sa->mif_status == MIF_ON && sa->mif->have_peer;
	struct ike_error err;
	const char *why = NULL;
	int ret;

	if (ctx->response)
		return;		/* read by mif_add_response() */
	if (sa->mif_status != MIF_ON) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "INFORMATIONAL: "
			    "MIF_ADD_INTERFACE without MIF negotiated: "
			    "ignored");
		return;
	}
	a = malloc(sizeof(*a));
	j = calloc(1, sizeof(*j));
	o = calloc(1, sizeof(*o));
	pn = ike_chain_find(ctx->in, IKE_PL_NONCE, NULL);
	saved = mif_list_dup(sa->mif->peer);
	if (!a || !j || !o || !saved)
		why = "out of memory";
	else if (mif_add_parse(a, n->data, n->len, &err))
		why = err.reason;
	else if (!pn ||
		 !ike_nonce_len_ok(pn->nonce->len, sa->ike.prf->key_len))
		why = "no Nonce, or one too short or too long";
	else if (note_iface(&sa->mif->peer, a))
		why = "the new interface does not fit the peer's list";
	if (!why) {
		sa->mif->have_peer = true;
		/* The skip rule depends on whether it asks (same_sels()). */
		j->cfg = cfg_add_asked(sa, ctx->in);
		why = accept_request(sa, a, j);
	}
	if (!why) {
		ret = make_copies(sa, j);
		if (!ret) {
			cfg_add_respond(sa, j->cfg, &j->vips, &o->cp);
			apply_vips(sa, j);
		}
		if (!ret)
			ret = random_nonce(o->nonce_buf, sizeof(o->nonce_buf));
		for (unsigned int i = 0; !ret && i < j->n; i++) {
			j->copy[i]->spi_out = a->sa[i].new_spi;
			o->reply.sa[i].src_spi = a->sa[i].src_spi;
			o->reply.sa[i].new_spi = j->copy[i]->spi_in;
		}
		o->reply.n_sas = j->n;
		if (!ret) {
			struct add_nonces nn = {
				pn->nonce->data, o->nonce_buf, pn->nonce->len,
				sizeof(o->nonce_buf),
			};

			ret = install(sa, j, &nn, ctx->now);
		}
		if (ret)
			why = strerror(-ret);
	}
	if (why) {
		if (j) {
			cfg_add_unlease(sa, &j->vips);
			release(sa, j);
		}
		if (saved) {
			free(sa->mif->peer);
			sa->mif->peer = saved;
			saved = NULL;
		}
		sa->mif->have_peer = had_peer;
		refuse(ctx, why);
		goto out;
	}
	ike_writer_init(&o->w);
	mif_add_reply_build(&o->w, &o->reply, &err);
	ikesa_notify(&o->n, IKE_N_MIF_ADD_INTERFACE, o->w.p, o->w.len);
	o->nonce.data = o->nonce_buf;
	o->nonce.len = sizeof(o->nonce_buf);
	ike_chain_add(ctx->out, IKE_PL_NONCE, &o->nonce, &err);
	ike_chain_add(ctx->out, IKE_PL_NOTIFY, &o->n, &err);
	if (j->vips.n)
		ike_chain_add(ctx->out, IKE_PL_CP, &o->cp.cp, &err);
	engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "the peer adds interface "
		    "%u: %u Child SAs derived%s", j->id, j->n,
		    j->vips.n ? ", with a new inner address" : "");
	ctx->mif->add = o;
	o = NULL;
out:
	mif_add_out_free(o);
	free(saved);
	free(j);
	free(a);
}

const struct notify_entry notify_mif_add_interface = {
	.type = IKE_N_MIF_ADD_INTERFACE,
	.where = NOTIFY_IN_INFO_REQ | NOTIFY_IN_INFO_RESP,
	.handle = add_request,
};

const struct notify_entry notify_mif_unacceptable_add = {
	.type = IKE_N_MIF_UNACCEPTABLE_ADD,
	.where = NOTIFY_IN_INFO_RESP,
	.informs = true,
};
