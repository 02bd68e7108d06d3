// SPDX-License-Identifier: GPL-2.0
/*
 * Moving and deleting an address's SAs and policies without the xfrm_mif
 * module, per SA and policy through XFRM netlink, with the module's result
 * (docs/netlink.md, "What an address binds", REWRITE and DELETE).
 *
 * The SAs and policies are dumped (XFRM_MSG_GETSA's dump carries the keys,
 * the replay state and the lifetime counters), those bound to the address
 * and in scope are selected by the module's rule (an SA by its reqid, mark
 * and if_id, a policy by its first template's reqid), and every message to
 * send, and to undo it, is built from the dumped ones before anything is
 * sent. A step that fails undoes those done before it, last first (a
 * deleted SA comes back from its dump with its counters, an added one is
 * deleted), so that the call changes all or nothing.
 *
 * A move changes an SA's addresses by adding the moved copy and deleting
 * the original: XFRM has no in-place change of an SA's addresses. An
 * inbound SA (destination moves) is copied at its new (dst, SPI) before any
 * original goes, so an SPI taken at the new address refuses the move
 * before anything changed; an outbound one keeps its (dst, SPI) key, so
 * it is deleted and then added again with its new source. XFRM_MSG_MIGRATE
 * would do the same per policy, but moves only SAs that a policy's
 * template names and takes no reqid filter. A policy's tunnel template is
 * rewritten in place (XFRM_MSG_UPDPOLICY, same index); a transport-mode
 * policy whose selector names the address is replaced by a copy with the
 * new selector (a new index), as the module does.
 *
 * Wiped before it is freed: every copy of an SA message (it holds keys).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "backend/xfrm.h"
#include "backend/xfrm_iface.h"

/* A growing list of netlink messages, each malloc'd. */
struct msgs {
	struct nlmsghdr **v;
	size_t n, cap;
};

static void msgs_free(struct msgs *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (!l->v[i])
			continue;
		gnutls_memset(l->v[i], 0, l->v[i]->nlmsg_len);
		free(l->v[i]);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Append a copy of @nlh, or an empty slot for NULL; 0 or -ENOMEM. */
static int msgs_add(struct msgs *l, const struct nlmsghdr *nlh)
{
	struct nlmsghdr *c = NULL;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (nlh) {
		c = malloc(nlh->nlmsg_len);
		if (!c)
			return -ENOMEM;
		memcpy(c, nlh, nlh->nlmsg_len);
		c->nlmsg_flags = 0;
	}
	l->v[l->n++] = c;
	return 0;
}

static int on_dump(struct nlmsghdr *nlh, void *arg)
{
	return msgs_add(arg, nlh);
}

static int dump(struct backend *b, uint16_t type, struct msgs *out)
{
	struct nlmsghdr req = {
		.nlmsg_len = NLMSG_HDRLEN,
		.nlmsg_type = type,
		.nlmsg_flags = NLM_F_DUMP,
	};

	return xfrm_request(b, &req, on_dump, out);
}

static struct nlattr *attr(const struct nlmsghdr *nlh, size_t hdrlen, int type)
{
	return nlmsg_find_attr((struct nlmsghdr *)nlh, (int)hdrlen, type);
}

static bool same(const xfrm_address_t *x, uint16_t family,
		 const struct ip_addr *a)
{
	return family == a->family && !memcmp(x, a->bytes, ip_addr_len(a));
}

static void set_addr(xfrm_address_t *x, const struct ip_addr *a)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a->bytes, ip_addr_len(a));
}

static unsigned int host_len(uint16_t family)
{
	return family == AF_INET6 ? 128 : 32;
}

/* The selector names @a as a host on its source (1) or destination (2). */
static bool sel_src_is(const struct xfrm_selector *sel, const struct ip_addr *a)
{
	return sel->prefixlen_s == host_len(sel->family) &&
	       same(&sel->saddr, sel->family, a);
}

static bool sel_dst_is(const struct xfrm_selector *sel, const struct ip_addr *a)
{
	return sel->prefixlen_d == host_len(sel->family) &&
	       same(&sel->daddr, sel->family, a);
}

static bool in_scope(const struct kernel_scope *s, const struct nlmsghdr *nlh,
		     size_t hdrlen, uint32_t reqid)
{
	struct nlattr *a;
	uint32_t if_id = 0, mark = 0, mask;

	if (!s)
		return true;
	a = attr(nlh, hdrlen, XFRMA_MARK);
	if (a && nla_len(a) >= (int)sizeof(struct xfrm_mark))
		mark = ((struct xfrm_mark *)nla_data(a))->v;
	a = attr(nlh, hdrlen, XFRMA_IF_ID);
	if (a && nla_len(a) >= 4)
		if_id = nla_get_u32(a);
	if ((reqid & s->reqid_mask) != (s->reqid & s->reqid_mask))
		return false;
	/* A mark without a mask is the whole mark, as module.c sends it. */
	mask = s->mark_mask ? s->mark_mask : UINT32_MAX;
	if (s->mark && (mark & mask) != (s->mark & mask))
		return false;
	return !s->if_id || if_id == s->if_id;
}

static bool has_algs(const struct nlmsghdr *nlh)
{
	static const int algs[] = { XFRMA_ALG_AEAD, XFRMA_ALG_CRYPT,
				    XFRMA_ALG_AUTH, XFRMA_ALG_AUTH_TRUNC,
				    XFRMA_ALG_COMP };
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (attr(nlh, sizeof(struct xfrm_usersa_info), algs[i]))
			return true;
	return false;
}

/* An SA bound to @a (larval SAs, without algorithms, are never). */
static bool sa_bound(const struct nlmsghdr *nlh, const struct ip_addr *a,
		     const struct kernel_scope *s)
{
	const struct xfrm_usersa_info *x = nlmsg_data(nlh);

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || !has_algs(nlh) ||
	    !in_scope(s, nlh, sizeof(*x), x->reqid))
		return false;
	if (same(&x->saddr, x->family, a) || same(&x->id.daddr, x->family, a))
		return true;
	return x->mode == XFRM_MODE_TRANSPORT &&
	       (sel_src_is(&x->sel, a) || sel_dst_is(&x->sel, a));
}

static struct xfrm_user_tmpl *tmpls(const struct nlmsghdr *nlh, int *n)
{
	struct nlattr *t = attr(nlh, sizeof(struct xfrm_userpolicy_info),
				XFRMA_TMPL);

	*n = t ? nla_len(t) / (int)sizeof(struct xfrm_user_tmpl) : 0;
	return t ? nla_data(t) : NULL;
}

/* A policy bound to @a; *transport: bound by its selector. */
static bool pol_bound(const struct nlmsghdr *nlh, const struct ip_addr *a,
		      const struct kernel_scope *s, bool *transport)
{
	const struct xfrm_userpolicy_info *p = nlmsg_data(nlh);
	struct xfrm_user_tmpl *t;
	bool bound = false, tr = false;
	int n, i;

	*transport = false;
	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY || p->dir >= XFRM_POLICY_MAX)
		return false;
	t = tmpls(nlh, &n);
	if (!n || !in_scope(s, nlh, sizeof(*p), t[0].reqid))
		return false;
	for (i = 0; i < n; i++) {
		if (t[i].mode == XFRM_MODE_TUNNEL &&
		    (same(&t[i].saddr, t[i].family, a) ||
		     same(&t[i].id.daddr, t[i].family, a)))
			bound = true;
		if (t[i].mode == XFRM_MODE_TRANSPORT)
			tr = true;
	}
	if (tr && (sel_src_is(&p->sel, a) || sel_dst_is(&p->sel, a)))
		*transport = bound = true;
	return bound;
}

/* ---- Messages ---------------------------------------------------------- */

/* A request built in place: a header, a fixed part, attributes. */
struct req {
	union {
		struct nlmsghdr h;
		char buf[1024];
	} u;
};

static struct nlmsghdr *req_init(struct req *r, uint16_t type,
				 const void *body, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->u.h.nlmsg_type = type;
	r->u.h.nlmsg_len = NLMSG_LENGTH(len);
	memcpy(NLMSG_DATA(&r->u.h), body, len);
	return &r->u.h;
}

static void req_put(struct req *r, const struct nlattr *a)
{
	size_t at = NLMSG_ALIGN(r->u.h.nlmsg_len);

	if (!a || at + NLA_ALIGN(a->nla_len) > sizeof(r->u.buf))
		return;
	memcpy(r->u.buf + at, a, a->nla_len);
	r->u.h.nlmsg_len = (uint32_t)(at + NLA_ALIGN(a->nla_len));
}

/* XFRM_MSG_DELSA of the SA @sa (a dumped or built NEWSA message). */
static struct nlmsghdr *delsa(struct req *r, const struct nlmsghdr *sa)
{
	const struct xfrm_usersa_info *x = nlmsg_data(sa);
	struct xfrm_usersa_id id = {
		.daddr = x->id.daddr,
		.spi = x->id.spi,
		.family = x->family,
		.proto = x->id.proto,
	};

	req_init(r, XFRM_MSG_DELSA, &id, sizeof(id));
	req_put(r, attr(sa, sizeof(*x), XFRMA_MARK));
	return &r->u.h;
}

/* XFRM_MSG_DELPOLICY of the policy @pol, found by its selector. */
static struct nlmsghdr *delpolicy(struct req *r, const struct nlmsghdr *pol)
{
	const struct xfrm_userpolicy_info *p = nlmsg_data(pol);
	struct xfrm_userpolicy_id id = { .sel = p->sel, .dir = p->dir };

	req_init(r, XFRM_MSG_DELPOLICY, &id, sizeof(id));
	req_put(r, attr(pol, sizeof(*p), XFRMA_MARK));
	req_put(r, attr(pol, sizeof(*p), XFRMA_IF_ID));
	req_put(r, attr(pol, sizeof(*p), XFRMA_POLICY_TYPE));
	return &r->u.h;
}

/* A copy of @nlh as a request of @type (freed by the caller). */
static struct nlmsghdr *as_type(const struct nlmsghdr *nlh, uint16_t type)
{
	struct nlmsghdr *c = malloc(nlh->nlmsg_len);

	if (c) {
		memcpy(c, nlh, nlh->nlmsg_len);
		c->nlmsg_type = type;
	}
	return c;
}

static void wipe_free(struct nlmsghdr *nlh)
{
	if (nlh) {
		gnutls_memset(nlh, 0, nlh->nlmsg_len);
		free(nlh);
	}
}

/* ---- Plans ------------------------------------------------------------- */

/*
 * The steps to send in order, and for each the step that undoes it (an
 * empty slot: nothing to undo), all built before anything is sent.
 */
struct plan {
	struct msgs todo, undo;
	int err;		/* the first failure to build a step */
};

static void step(struct plan *pl, const struct nlmsghdr *todo,
		 const struct nlmsghdr *undo)
{
	if (pl->err)
		return;
	pl->err = msgs_add(&pl->todo, todo);
	if (!pl->err)
		pl->err = msgs_add(&pl->undo, undo);
}

/* Delete @nlh (an SA or a policy); undone by adding it again. */
static void step_del(struct plan *pl, const struct nlmsghdr *nlh, bool sa)
{
	struct nlmsghdr *add = as_type(nlh, sa ? XFRM_MSG_NEWSA :
				       XFRM_MSG_NEWPOLICY);
	struct req r;

	if (!add) {
		pl->err = -ENOMEM;
		return;
	}
	step(pl, sa ? delsa(&r, nlh) : delpolicy(&r, nlh), add);
	wipe_free(add);
}

/* Add @nlh (a NEWSA or NEWPOLICY); undone by deleting it. */
static void step_add(struct plan *pl, const struct nlmsghdr *nlh, bool sa)
{
	struct req r;

	step(pl, nlh, sa ? delsa(&r, nlh) : delpolicy(&r, nlh));
}

static int plan_run(struct backend *b, struct plan *pl)
{
	char why[256];
	size_t i, j;
	int err;

	for (i = 0; i < pl->todo.n; i++) {
		err = xfrm_request(b, pl->todo.v[i], NULL, NULL);
		if (!err)
			continue;
		snprintf(why, sizeof(why), "%s", xfrm_backend_error(b));
		for (j = i; j-- > 0;)
			if (pl->undo.v[j])
				xfrm_request(b, pl->undo.v[j], NULL, NULL);
		/* The message of the step that failed, not of the undo. */
		xfrm_set_error(b, why[0] ? why : "XFRM refused a step");
		return err;
	}
	return 0;
}

static void plan_free(struct plan *pl)
{
	msgs_free(&pl->todo);
	msgs_free(&pl->undo);
}

/* ---- Delete ------------------------------------------------------------ */

int xfrm_iface_delete(struct backend *b, const struct ip_addr *addr,
		      const struct kernel_scope *s,
		      struct kernel_iface_result *r)
{
	struct msgs sas = { 0 }, pols = { 0 };
	struct plan pl = { 0 };
	struct kernel_iface_result res = { 0 };
	bool tr;
	size_t i;
	int err;

	err = dump(b, XFRM_MSG_GETPOLICY, &pols);
	if (!err)
		err = dump(b, XFRM_MSG_GETSA, &sas);
	if (err)
		goto out;
	/* Policies first: no packet meets a policy without its SA. */
	for (i = 0; i < pols.n; i++)
		if (pol_bound(pols.v[i], addr, s, &tr)) {
			step_del(&pl, pols.v[i], false);
			res.policies++;
		}
	for (i = 0; i < sas.n; i++)
		if (sa_bound(sas.v[i], addr, s)) {
			step_del(&pl, sas.v[i], true);
			res.states++;
		}
	err = pl.err;
	if (err)
		xfrm_set_error(b, "out of memory");
	else
		err = plan_run(b, &pl);
	if (!err && r)
		*r = res;
out:
	plan_free(&pl);
	msgs_free(&sas);
	msgs_free(&pols);
	return err;
}

/* ---- Move -------------------------------------------------------------- */

static void move_addr(xfrm_address_t *x, uint16_t family,
		      const struct kernel_move *m)
{
	if (same(x, family, &m->old))
		set_addr(x, &m->new);
}

static void move_sel(struct xfrm_selector *sel, const struct kernel_move *m)
{
	if (sel_src_is(sel, &m->old))
		set_addr(&sel->saddr, &m->new);
	if (sel_dst_is(sel, &m->old))
		set_addr(&sel->daddr, &m->new);
}

/* The SA message @c without its XFRMA_ENCAP (no NAT on the new path). */
static void drop_encap(struct nlmsghdr *c)
{
	struct nlattr *a = attr(c, sizeof(struct xfrm_usersa_info),
				XFRMA_ENCAP);
	size_t at, len;

	if (!a)
		return;
	at = (size_t)((uint8_t *)a - (uint8_t *)c);
	len = NLA_ALIGN(a->nla_len);
	if (at + len > c->nlmsg_len)
		len = c->nlmsg_len - at;
	memmove(a, (uint8_t *)a + len, c->nlmsg_len - at - len);
	c->nlmsg_len -= (uint32_t)len;
}

/*
 * The SA message @c (freed) with an XFRMA_ENCAP of ESP in UDP appended,
 * ports to fill in: a NAT on the new path. NULL on ENOMEM.
 */
static struct nlmsghdr *add_encap(struct nlmsghdr *c)
{
	size_t len = NLA_HDRLEN + sizeof(struct xfrm_encap_tmpl);
	size_t at = NLMSG_ALIGN(c->nlmsg_len);
	struct nlmsghdr *g = calloc(1, at + NLA_ALIGN(len));
	struct xfrm_encap_tmpl *e;
	struct nlattr *a;

	if (g)
		memcpy(g, c, c->nlmsg_len);
	wipe_free(c);
	if (!g)
		return NULL;
	a = (struct nlattr *)((uint8_t *)g + at);
	a->nla_type = XFRMA_ENCAP;
	a->nla_len = (uint16_t)len;
	e = nla_data(a);
	e->encap_type = UDP_ENCAP_ESPINUDP;
	g->nlmsg_len = (uint32_t)(at + NLA_ALIGN(len));
	return g;
}

/*
 * The moved copy of the SA @nlh (NULL on ENOMEM): its addresses, and its
 * UDP encapsulation as the module's rewrite would (ports given: set; both
 * given, an ESP SA without one gains it), or dropped (encap_off).
 * -EOPNOTSUPP in *err for one port given to an SA without encapsulation.
 */
static struct nlmsghdr *moved_sa(const struct nlmsghdr *nlh,
				 const struct kernel_move *m, int *err)
{
	struct nlmsghdr *c = as_type(nlh, XFRM_MSG_NEWSA);
	struct xfrm_usersa_info *x;
	struct xfrm_encap_tmpl *e;
	struct nlattr *a;
	bool out;

	if (!c)
		return NULL;
	x = nlmsg_data(c);
	out = same(&x->saddr, x->family, &m->old);
	move_addr(&x->saddr, x->family, m);
	move_addr(&x->id.daddr, x->family, m);
	if (x->mode == XFRM_MODE_TRANSPORT)
		move_sel(&x->sel, m);
	if (m->encap_off) {
		drop_encap(c);
		return c;
	}
	if (!m->encap_port && !m->encap_peer_port)
		return c;
	a = attr(c, sizeof(*x), XFRMA_ENCAP);
	if (!a && x->id.proto == IPPROTO_ESP && m->encap_port &&
	    m->encap_peer_port) {
		c = add_encap(c);
		if (!c)
			return NULL;
		x = nlmsg_data(c);
		a = attr(c, sizeof(*x), XFRMA_ENCAP);
	}
	if (!a && x->id.proto != IPPROTO_ESP)
		return c;	/* IPcomp, AH: as the module, not carried in UDP */
	if (!a || nla_len(a) < (int)sizeof(*e)) {
		*err = -EOPNOTSUPP;
		return c;
	}
	e = nla_data(a);
	if (m->encap_port)
		*(out ? &e->encap_sport : &e->encap_dport) = htons(m->encap_port);
	if (m->encap_peer_port)
		*(out ? &e->encap_dport : &e->encap_sport) =
			htons(m->encap_peer_port);
	return c;
}

/* The moved copy of the policy @nlh: templates, and a transport selector. */
static struct nlmsghdr *moved_policy(const struct nlmsghdr *nlh,
				     const struct kernel_move *m, bool tr)
{
	struct nlmsghdr *c = as_type(nlh, tr ? XFRM_MSG_NEWPOLICY :
				     XFRM_MSG_UPDPOLICY);
	struct xfrm_userpolicy_info *p;
	struct xfrm_user_tmpl *t;
	int n, i;

	if (!c)
		return NULL;
	p = nlmsg_data(c);
	t = tmpls(c, &n);
	for (i = 0; i < n; i++) {
		if (t[i].mode != XFRM_MODE_TUNNEL)
			continue;
		move_addr(&t[i].saddr, t[i].family, m);
		move_addr(&t[i].id.daddr, t[i].family, m);
	}
	if (tr) {
		move_sel(&p->sel, m);
		p->index = 0;	/* a new policy: XFRM gives it an index */
	}
	return c;
}

/* Which SAs go in which phase of a move (the file's header says why). */
enum sa_phase { SA_INBOUND, SA_OTHER };

static void plan_sas(struct plan *pl, const struct msgs *sas,
		     const bool *bound, const struct kernel_move *m,
		     enum sa_phase phase)
{
	struct nlmsghdr *c;
	size_t i;
	int err = 0;

	for (i = 0; i < sas->n && !pl->err; i++) {
		const struct xfrm_usersa_info *x = nlmsg_data(sas->v[i]);
		bool in = same(&x->id.daddr, x->family, &m->old);

		if (!bound[i] || in != (phase == SA_INBOUND))
			continue;
		c = moved_sa(sas->v[i], m, &err);
		if (!c || err) {
			pl->err = c ? err : -ENOMEM;
			wipe_free(c);
			return;
		}
		if (in) {
			step_add(pl, c, true);
		} else {
			step_del(pl, sas->v[i], true);
			step_add(pl, c, true);
		}
		wipe_free(c);
	}
}

int xfrm_iface_move(struct backend *b, const struct kernel_move *m,
		    const struct kernel_scope *s, struct kernel_iface_result *r)
{
	struct msgs sas = { 0 }, pols = { 0 };
	struct plan pl = { 0 };
	struct kernel_iface_result res = { 0 };
	struct nlmsghdr *c;
	bool *bound = NULL, tr;
	size_t i;
	int err;

	if (m->old.family != m->new.family) {
		xfrm_set_error(b, "the old and the new address are of two families");
		return -EAFNOSUPPORT;
	}
	if (ip_addr_equal(&m->old, &m->new)) {
		xfrm_set_error(b, "the old and the new address are the same");
		return -EINVAL;
	}
	err = dump(b, XFRM_MSG_GETPOLICY, &pols);
	if (!err)
		err = dump(b, XFRM_MSG_GETSA, &sas);
	if (err)
		goto out;
	bound = calloc(sas.n + 1, sizeof(*bound));
	if (!bound) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < sas.n; i++) {
		bound[i] = sa_bound(sas.v[i], &m->old, s);
		res.states += bound[i];
	}
	/* 1. Inbound copies at the new address: an SPI taken there refuses. */
	plan_sas(&pl, &sas, bound, m, SA_INBOUND);
	/* 2. Policies: templates in place, transport selectors replaced. */
	for (i = 0; i < pols.n && !pl.err; i++) {
		if (!pol_bound(pols.v[i], &m->old, s, &tr))
			continue;
		res.policies++;
		c = moved_policy(pols.v[i], m, tr);
		if (!c) {
			pl.err = -ENOMEM;
			break;
		}
		if (tr) {
			step_add(&pl, c, false);
			step_del(&pl, pols.v[i], false);
		} else {
			struct nlmsghdr *back = as_type(pols.v[i],
							XFRM_MSG_UPDPOLICY);

			step(&pl, c, back);
			free(back);
		}
		free(c);
	}
	/* 3. The others (outbound, transport by selector): delete, add. */
	plan_sas(&pl, &sas, bound, m, SA_OTHER);
	/* 4. The inbound originals. */
	for (i = 0; i < sas.n && !pl.err; i++) {
		const struct xfrm_usersa_info *x = nlmsg_data(sas.v[i]);

		if (bound[i] && same(&x->id.daddr, x->family, &m->old))
			step_del(&pl, sas.v[i], true);
	}
	err = pl.err;
	if (err == -EOPNOTSUPP)
		xfrm_set_error(b, "an SA without UDP encapsulation gains it only with both ports");
	else if (err)
		xfrm_set_error(b, "out of memory");
	else
		err = plan_run(b, &pl);
	if (!err && r)
		*r = res;
out:
	free(bound);
	plan_free(&pl);
	msgs_free(&sas);
	msgs_free(&pols);
	return err;
}
