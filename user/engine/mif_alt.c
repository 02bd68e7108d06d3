// SPDX-License-Identifier: GPL-2.0
/*
 * MIF part two: MIF_ALTERNATES sent and received, and failback. See
 * mif_alt.h; the rules are docs/protocol/mif.md, "Multihoming and
 * failover".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/mif_alt.h"
#include "engine/mif_failover.h"
#include "engine/mif_move.h"
#include "engine/notify_table.h"
#include "ike/constants.h"

static uint8_t mif_family(const struct ip_addr *a)
{
	return a->family == AF_INET6 ? MIF_AF_IPV6 : MIF_AF_IPV4;
}

static struct mif_alt_list *find(struct mif_alt_list *l, unsigned int n,
				 const struct ip_addr *a)
{
	for (unsigned int i = 0; i < n; i++)
		if (ip_addr_equal(&l[i].addr, a))
			return &l[i];
	return NULL;
}

/* Drop entry i of l[0..*n). */
static void drop(struct mif_alt_list *l, unsigned int *n, unsigned int i)
{
	memmove(&l[i], &l[i + 1], (*n - i - 1) * sizeof(*l));
	memset(&l[--*n], 0, sizeof(*l));
}

/* A copy of n elements of size bytes at from, or NULL: none, or ENOMEM. */
static void *dup_array(const void *from, size_t n, size_t size, int *err)
{
	void *to;

	if (!from)
		return NULL;
	to = calloc(n, size);
	if (!to)
		*err = -ENOMEM;
	else
		memcpy(to, from, n * size);
	return to;
}

int mif_alt_copy(struct mif_alt_sa *to, const struct mif_alt_sa *from)
{
	int err = 0;

	*to = *from;
	to->ours = dup_array(from->ours, MIF_ALT_LISTS, sizeof(*to->ours),
			     &err);
	to->peer = dup_array(from->peer, MIF_ALT_LISTS, sizeof(*to->peer),
			     &err);
	to->failback = dup_array(from->failback, MIF_FAILBACK_MAX,
				 sizeof(*to->failback), &err);
	if (err)
		mif_alt_free(to);
	return err;
}

void mif_alt_free(struct mif_alt_sa *as)
{
	free(as->ours);
	free(as->peer);
	free(as->failback);
	memset(as, 0, sizeof(*as));
}

/* Room for MIF_ALT_LISTS lists in *l, made on first use. 0 or -ENOMEM. */
static int room(struct mif_alt_list **l)
{
	if (!*l)
		*l = calloc(MIF_ALT_LISTS, sizeof(**l));
	return *l ? 0 : -ENOMEM;
}

/*
 * Keep a's list in l[0..*n) (room() made): replace the one of its
 * address, drop it when it is empty. 0 or -ENOSPC.
 */
static int keep(struct mif_alt_list *l, unsigned int *n,
		const struct mif_alt_list *a)
{
	struct mif_alt_list *cur = find(l, *n, &a->addr);

	if (!a->n) {
		if (cur)
			drop(l, n, (unsigned int)(cur - l));
		return 0;
	}
	if (!cur) {
		if (*n == MIF_ALT_LISTS)
			return -ENOSPC;
		cur = &l[(*n)++];
	}
	*cur = *a;
	return 0;
}

/* The interface of list m listing a, not marked down; NULL: none. */
static const struct mif_iface *listed_up(const struct mif_interfaces *m,
					 const struct ip_addr *a)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (!(m->iface[i].flags & MIF_IFACE_DOWN) &&
		    mif_iface_has_addr(&m->iface[i], mif_family(a), a->bytes))
			return &m->iface[i];
	return NULL;
}

/* Whether a is on an interface of our table that is up. */
static bool up_here(const struct engine *e, const struct ip_addr *a)
{
	const struct iface *ifc = iface_by_addr(&e->ifaces, a);

	return ifc && ifc->up;
}

/* To the wire: NULL, or what is wrong with it. */
static const char *to_wire(const struct mif_alt_list *l,
			   struct mif_alternates *out)
{
	size_t alen = ip_addr_len(&l->addr);

	memset(out, 0, sizeof(*out));
	if (l->n > MIF_MAX_ALTS)
		return "more than 8 alternates";
	out->family = mif_family(&l->addr);
	out->n = (uint8_t)l->n;
	memcpy(out->addr, l->addr.bytes, alen);
	for (unsigned int i = 0; i < l->n; i++) {
		if (l->alts[i].family != l->addr.family)
			return "an alternate of another address family";
		memcpy(out->alts[i], l->alts[i].bytes, alen);
	}
	return NULL;
}

static void from_wire(const struct mif_alternates *a, struct mif_alt_list *l)
{
	size_t alen = mif_addr_len(a->family);

	memset(l, 0, sizeof(*l));
	ip_addr_from_bytes(&l->addr, a->addr, alen);
	l->n = a->n;
	for (unsigned int i = 0; i < a->n; i++)
		ip_addr_from_bytes(&l->alts[i], a->alts[i], alen);
}

/* Whether sa has our address a: its own, or a Child SA's. */
static bool uses(const struct ikesa *sa, const struct ip_addr *a)
{
	if (ip_addr_equal(&sa->local, a))
		return true;
	for (const struct childsa *c = sa->children; c; c = c->next)
		if (ip_addr_equal(&c->local, a))
			return true;
	return false;
}

/* Sending. */

/* Our MIF_ALTERNATES in flight: the list it tells. */
struct alt_request {
	struct request_state rs;	/* first: request_free_plain() */
	struct mif_alt_list l;
};

static const struct request_ops alt_request_ops = {
	.free = request_free_plain,
};

/* The checks of our list: NULL, or why it is refused. */
static const char *check_ours(const struct ikesa *sa,
			      const struct mif_alt_list *l)
{
	const struct mif_interfaces *ours = sa->mif->ours;
	const struct engine *e = sa->engine;
	struct mif_alternates wire;
	struct ike_error err;
	struct ike_writer w;
	const char *why = to_wire(l, &wire);

	if (why)
		return why;
	if (!sa->mif->sent || !listed_up(ours, &l->addr) ||
	    !up_here(e, &l->addr))
		return "the address is not in our announcement on an "
		       "interface up";
	for (unsigned int i = 0; i < l->n; i++)
		if (!listed_up(ours, &l->alts[i]) || !up_here(e, &l->alts[i]))
			return "an alternate is not in our announcement on an "
			       "interface up";
	/* The codec's own rules: usable, none twice, not the address. */
	ike_writer_init(&w);
	if (mif_alternates_build(&w, &wire, &err))
		why = err.reason;
	ike_writer_free(&w);
	return why;
}

static int send_alt(struct ikesa *sa, const struct mif_alt_list *l,
		    uint64_t now)
{
	struct ike_chain *chain = calloc(1, sizeof(*chain));
	struct alt_request *st = calloc(1, sizeof(*st));
	struct mif_alternates wire;
	struct ike_writer w;
	struct ike_notify n;
	struct ike_error err;
	int ret = -ENOMEM;

	ike_writer_init(&w);
	if (!chain || !st)
		goto out;
	ret = -EINVAL;
	if (to_wire(l, &wire) || mif_alternates_build(&w, &wire, &err) ||
	    !ike_writer_ok(&w))
		goto out;
	ikesa_notify(&n, IKE_N_MIF_ALTERNATES, w.p, w.len);
	ike_chain_add(chain, IKE_PL_NOTIFY, &n, &err);
	ret = ikesa_request(sa, now, IKE_EXCH_INFORMATIONAL, chain);
	if (!ret) {
		st->rs.ops = &alt_request_ops;
		st->l = *l;
		request_set(sa, &st->rs);
		st = NULL;
	}
out:
	ike_writer_free(&w);
	if (chain)
		ike_chain_free(chain);
	free(chain);
	free(st);
	return ret;
}

int mif_alt_start(struct ikesa *sa, const struct ip_addr *addr,
		  const struct ip_addr *alts, unsigned int n, uint64_t now)
{
	struct mif_alt_sa *as;
	struct mif_alt_list l;
	char a[IP_ADDR_STRLEN];
	const char *why;
	int ret;

	if (sa->mif_status != MIF_ON)
		return -EOPNOTSUPP;
	if (sa->state != IKESA_ESTABLISHED || sa->replaced || sa->req.active)
		return -EAGAIN;
	if (!uses(sa, addr))
		return -ENOENT;
	ip_addr_str(addr, a, sizeof(a));
	if (n > MIF_MAX_ALTS) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "alternates "
			    "of %s refused: more than %d", a, MIF_MAX_ALTS);
		return -EADDRNOTAVAIL;
	}
	memset(&l, 0, sizeof(l));
	l.addr = *addr;
	l.n = n;
	memcpy(l.alts, alts, n * sizeof(*alts));
	why = check_ours(sa, &l);
	if (why) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "alternates "
			    "of %s refused: %s", a, why);
		return -EADDRNOTAVAIL;
	}
	as = &sa->mif->alt;
	if (n && as->n_ours == MIF_ALT_LISTS && !find(as->ours, as->n_ours,
						       addr))
		return -ENOSPC;
	if (n && room(&as->ours))
		return -ENOMEM;
	ret = send_alt(sa, &l, now);
	if (ret) {
		engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "MIF_ALTERNATES "
			    "for %s not sent: %s", a, strerror(-ret));
		return ret;
	}
	keep(as->ours, &as->n_ours, &l);
	mif_failover_refresh(sa);
	if (n)
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "alternates of "
			    "%s set by hand (%u), MIF_ALTERNATES sent", a, n);
	else
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "alternates of "
			    "%s back to the default rule, MIF_ALTERNATES sent",
			    a);
	return 0;
}

int mif_alt_ours(const struct ikesa *sa, const struct ip_addr *addr,
		 struct ip_addr *alts, unsigned int max)
{
	const struct mif_alt_list *l;
	unsigned int k = 0;

	if (sa->mif_status != MIF_ON || !sa->mif)
		return -1;
	l = find((struct mif_alt_list *)sa->mif->alt.ours,
		 sa->mif->alt.n_ours, addr);
	if (!l)
		return -1;
	for (unsigned int i = 0; i < l->n && k < max; i++)
		if (up_here(sa->engine, &l->alts[i]))
			alts[k++] = l->alts[i];
	return (int)k;
}

void mif_alt_response(struct ikesa *sa, const struct ike_chain *resp)
{
	struct alt_request *ar = request_get_as(sa, &alt_request_ops,
						struct alt_request);
	char a[IP_ADDR_STRLEN];

	if (!ar)
		return;
	ip_addr_str(&ar->l.addr, a, sizeof(a));
	/*
	 * Refused: our kernel keeps the list all the same (it is ours to
	 * choose); the peer only does not know it.
	 */
	if (ike_chain_find_notify(resp, IKE_N_MIF_UNACCEPTABLE_MOVE))
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "the peer "
			    "refused our alternates of %s "
			    "(MIF_UNACCEPTABLE_MOVE)", a);
	else
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "the peer took "
			    "our alternates of %s", a);
}

int engine_iface_alt(struct engine *e, const char *conn,
		     const struct ip_addr *addr, const struct ip_addr *alts,
		     unsigned int n, uint64_t now, struct engine_iface_op *r)
{
	bool any = false;

	memset(r, 0, sizeof(*r));
	if (n > MIF_MAX_ALTS)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (alts[i].family != addr->family)
			return -EINVAL;
	for (struct ikesa *sa = e->sas; sa; sa = sa->next) {
		if (sa->state != IKESA_ESTABLISHED || sa->replaced ||
		    !uses(sa, addr) || !ikesa_of_conn(sa, conn))
			continue;
		any = true;
		ikesa_touch(sa);
		mif_op_count(r, mif_alt_start(sa, addr, alts, n, now));
	}
	return any ? 0 : -ENOENT;
}

/* Receiving. */

/* One answer for every refusal: a response goes before the next read. */
static struct ike_notify unacceptable;

static void refuse(struct notify_ctx *ctx, const char *why)
{
	struct ike_error err;

	engine_logf(ctx->sa->engine, ENGINE_LOG_WARNING, ctx->sa,
		    "the peer's MIF_ALTERNATES refused: %s", why);
	ikesa_notify(&unacceptable, IKE_N_MIF_UNACCEPTABLE_MOVE, NULL, 0);
	ike_chain_add(ctx->out, IKE_PL_NOTIFY, &unacceptable, &err);
}

static void alternates_request(struct notify_ctx *ctx,
			       const struct ike_notify *n)
{
	struct ikesa *sa = ctx->sa;
	struct mif_alternates a;
	struct mif_alt_list l;
	struct ike_error err;
	char s[IP_ADDR_STRLEN];

	if (sa->mif_status != MIF_ON) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "INFORMATIONAL: "
			    "MIF_ALTERNATES without MIF negotiated: ignored");
		return;
	}
	if (mif_alternates_parse(&a, n->data, n->len, &err)) {
		refuse(ctx, err.reason);
		return;
	}
	from_wire(&a, &l);
	if (!sa->mif->have_peer || !listed_up(sa->mif->peer, &l.addr)) {
		refuse(ctx, "the address is not in the peer's announcement "
		       "on an interface up");
		return;
	}
	for (unsigned int i = 0; i < l.n; i++)
		if (!listed_up(sa->mif->peer, &l.alts[i])) {
			refuse(ctx, "an alternate is not in the peer's "
			       "announcement on an interface up");
			return;
		}
	if (l.n && room(&sa->mif->alt.peer)) {
		refuse(ctx, "out of memory");
		return;
	}
	if (keep(sa->mif->alt.peer, &sa->mif->alt.n_peer, &l)) {
		refuse(ctx, "the peer has given the most lists we keep");
		return;
	}
	ip_addr_str(&l.addr, s, sizeof(s));
	if (l.n)
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "the peer gives "
			    "%u alternates of its %s", l.n, s);
	else
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "the peer's %s: "
			    "back to the default rule", s);
}

const struct notify_entry notify_mif_alternates = {
	.type = IKE_N_MIF_ALTERNATES,
	.where = NOTIFY_IN_INFO_REQ,
	.handle = alternates_request,
};

void mif_alt_peer_announced(struct ikesa *sa)
{
	struct mif_alt_sa *as = &sa->mif->alt;

	for (unsigned int i = as->n_peer; i-- > 0;) {
		struct mif_alt_list *l = &as->peer[i];
		unsigned int k = 0;

		if (!listed_up(sa->mif->peer, &l->addr)) {
			drop(as->peer, &as->n_peer, i);
			continue;
		}
		for (unsigned int j = 0; j < l->n; j++)
			if (listed_up(sa->mif->peer, &l->alts[j]))
				l->alts[k++] = l->alts[j];
		memset(&l->alts[k], 0, (l->n - k) * sizeof(l->alts[0]));
		l->n = k;
	}
}

/* Whether interface a is before b among alternates: priority, then id. */
static bool better(const struct mif_iface *a, const struct mif_iface *b)
{
	return a->prio != b->prio ? a->prio > b->prio : a->id < b->id;
}

/* The first address of f in family, or false. */
static bool first_of(const struct mif_iface *f, uint8_t family,
		     struct ip_addr *out)
{
	if (family == MIF_AF_IPV4 && f->n4)
		return !ip_addr_from_bytes(out, f->addr4[0], 4);
	if (family == MIF_AF_IPV6 && f->n6)
		return !ip_addr_from_bytes(out, f->addr6[0], 16);
	return false;
}

unsigned int mif_alt_peer(const struct ikesa *sa, const struct ip_addr *addr,
			  struct ip_addr *alts, unsigned int max)
{
	const struct mif_interfaces *m;
	const struct mif_iface *pick[MIF_MAX_IFACES], *own;
	const struct mif_alt_list *l;
	struct ip_addr x;
	unsigned int n = 0;

	if (sa->mif_status != MIF_ON || !sa->mif->have_peer)
		return 0;
	l = find((struct mif_alt_list *)sa->mif->alt.peer,
		 sa->mif->alt.n_peer, addr);
	if (l) {
		for (n = 0; n < l->n && n < max; n++)
			alts[n] = l->alts[n];
		return n;
	}
	m = sa->mif->peer;
	own = listed_up(m, addr);
	for (unsigned int i = 0; i < m->n; i++) {
		const struct mif_iface *f = &m->iface[i];
		unsigned int j;

		if (f == own || (f->flags & MIF_IFACE_DOWN) ||
		    !first_of(f, mif_family(addr), &x))
			continue;
		for (j = n; j > 0 && better(f, pick[j - 1]); j--)
			pick[j] = pick[j - 1];
		pick[j] = f;
		n++;
	}
	if (n > max)
		n = max;
	if (n > MIF_MAX_ALTS)
		n = MIF_MAX_ALTS;
	for (unsigned int i = 0; i < n; i++)
		first_of(pick[i], mif_family(addr), &alts[i]);
	return n;
}

/* Failback. */

static bool failback_sa(const struct ikesa *sa)
{
	return sa->state == IKESA_ESTABLISHED && sa->mif_status == MIF_ON &&
	       !sa->replaced;
}

void mif_failback_note(struct ikesa *sa, const struct ip_addr *from,
		       const struct ip_addr *to)
{
	struct mif_alt_sa *as;
	struct mif_failback *f = NULL;

	if (!failback_sa(sa))
		return;
	as = &sa->mif->alt;
	/* What left an address earlier, and sat on from, is on to now. */
	for (unsigned int i = 0; i < as->n_failback; i++) {
		if (ip_addr_equal(&as->failback[i].to, from))
			as->failback[i].to = *to;
		if (ip_addr_equal(&as->failback[i].from, from))
			f = &as->failback[i];
	}
	if (!f && !as->failback) {
		as->failback = calloc(MIF_FAILBACK_MAX, sizeof(*f));
		if (!as->failback) {
			engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "failback "
				    "not recorded: out of memory");
			return;
		}
	}
	if (!f) {
		if (as->n_failback == MIF_FAILBACK_MAX) {
			memmove(as->failback, as->failback + 1,
				(MIF_FAILBACK_MAX - 1) * sizeof(*f));
			as->n_failback--;
		}
		f = &as->failback[as->n_failback++];
	}
	f->from = *from;
	f->to = *to;
	f->back = false;
	f->due = 0;
	/* A record that went round to its own address is done. */
	for (unsigned int i = as->n_failback; i-- > 0;)
		if (ip_addr_equal(&as->failback[i].from, &as->failback[i].to)) {
			memmove(&as->failback[i], &as->failback[i + 1],
				(as->n_failback - i - 1) * sizeof(*f));
			as->n_failback--;
		}
}

void mif_failback_addr(struct engine *e, const struct ip_addr *a, bool back)
{
	for (struct ikesa *sa = e->sas; sa; sa = sa->next) {
		struct mif_alt_sa *as;

		if (!failback_sa(sa))
			continue;
		as = &sa->mif->alt;
		for (unsigned int i = 0; i < as->n_failback; i++) {
			struct mif_failback *f = &as->failback[i];

			if (!ip_addr_equal(&f->from, a))
				continue;
			/* Gone again: the hold-down starts over. */
			f->back = back;
			f->due = 0;
		}
	}
}

void mif_failback_iface(struct engine *e, const struct iface *ifc)
{
	for (unsigned int i = 0; i < ifc->n_v4; i++)
		mif_failback_addr(e, &ifc->v4[i], true);
	for (unsigned int i = 0; i < ifc->n_v6; i++)
		mif_failback_addr(e, &ifc->v6[i], true);
}

uint64_t mif_failback_deadline(const struct ikesa *sa)
{
	const struct mif_alt_sa *as;
	uint64_t d = 0;

	if (!failback_sa(sa) || sa->req.active)
		return 0;
	as = &sa->mif->alt;
	for (unsigned int i = 0; i < as->n_failback; i++) {
		const struct mif_failback *f = &as->failback[i];
		uint64_t t;

		if (!f->back)
			continue;
		/* Not timed yet: at once (the tick starts the hold-down). */
		t = f->due ? f->due : 1;
		/* Moved back only once the announcement lists it again. */
		if (f->due && (sa->mif->pending || sa->mif->in_flight) &&
		    sa->conn->failback)
			continue;
		if (!d || t < d)
			d = t;
	}
	return d;
}

/* Drop record i of sa. */
static void forget(struct mif_alt_sa *as, unsigned int i)
{
	memmove(&as->failback[i], &as->failback[i + 1],
		(as->n_failback - i - 1) * sizeof(as->failback[0]));
	memset(&as->failback[--as->n_failback], 0, sizeof(as->failback[0]));
}

bool mif_failback_tick(struct ikesa *sa, uint64_t now)
{
	struct mif_alt_sa *as;
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];

	if (!mif_failback_deadline(sa))
		return false;
	as = &sa->mif->alt;
	for (unsigned int i = 0; i < as->n_failback; i++) {
		struct mif_failback f = as->failback[i];
		int ret;

		if (!f.back)
			continue;
		ip_addr_str(&f.from, a, sizeof(a));
		ip_addr_str(&f.to, b, sizeof(b));
		if (!sa->conn->failback) {
			engine_logf(sa->engine, ENGINE_LOG_NOTICE, sa, "%s is "
				    "back; its SAs stay on %s (failback = no)",
				    a, b);
			forget(as, i--);
			continue;
		}
		if (!f.due) {
			as->failback[i].due = now + MIF_FAILBACK_HOLD_MS;
			continue;
		}
		if (now < f.due || sa->mif->pending || sa->mif->in_flight)
			continue;
		forget(as, i--);
		if (!up_here(sa->engine, &f.from))
			continue;
		ret = mif_move_start(sa, &f.to, &f.from, true, now);
		if (ret == -ENOENT)
			continue;	/* nothing left on to */
		if (ret) {
			engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "%s is "
				    "back; its SAs not moved back from %s: %s",
				    a, b, strerror(-ret));
			continue;
		}
		engine_logf(sa->engine, ENGINE_LOG_NOTICE, sa, "%s is back: "
			    "its SAs move back from %s (failback)", a, b);
		return sa->req.active;
	}
	return false;
}
