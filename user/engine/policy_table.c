// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's kernel policies, shared by reference: see policy_table.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/policy_table.h"

#define of_node(n) \
	((struct policy_entry *)((char *)(n) - \
				 offsetof(struct policy_entry, node)))

void policy_table_init(struct policy_table *t, struct backend *b)
{
	t->backend = b;
	sa_table_init(&t->entries);
}

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	put_u16(p, (uint16_t)(v >> 16));
	put_u16(p + 2, (uint16_t)v);
}

/*
 * What XFRM compares to find a policy: the selector, the direction, the
 * mark (a value without a mask is an exact one, as the backend sends
 * it) and the if_id. Not the template, the reqid or the priority.
 */
static void make_key(const struct kernel_policy *p,
		     uint8_t key[POLICY_KEY_LEN])
{
	const struct kernel_sel *s = &p->sel;
	uint32_t mask = p->mark && !p->mark_mask ? 0xffffffffu : p->mark_mask;
	uint8_t *k = key;

	memset(key, 0, POLICY_KEY_LEN);
	*k++ = (uint8_t)s->src.family;
	*k++ = (uint8_t)s->dst.family;
	memcpy(k, s->src.bytes, ip_addr_len(&s->src));
	k += 16;
	memcpy(k, s->dst.bytes, ip_addr_len(&s->dst));
	k += 16;
	*k++ = s->src_len;
	*k++ = s->dst_len;
	*k++ = s->proto;
	put_u16(k, s->sport & s->sport_mask);
	put_u16(k + 2, s->sport_mask);
	put_u16(k + 4, s->dport & s->dport_mask);
	put_u16(k + 6, s->dport_mask);
	k += 8;
	*k++ = (uint8_t)p->dir;
	put_u32(k, p->mark);
	put_u32(k + 4, mask);
	put_u32(k + 8, p->if_id);
}

static struct policy_entry *lookup(const struct policy_table *t,
				   const uint8_t key[POLICY_KEY_LEN],
				   uint64_t hash)
{
	uint8_t k[POLICY_KEY_LEN];
	struct sa_node *n;

	for (n = sa_table_first(&t->entries, hash); n; n = sa_table_next(n)) {
		make_key(&of_node(n)->pol, k);
		if (!memcmp(k, key, POLICY_KEY_LEN))
			return of_node(n);
	}
	return NULL;
}

static struct policy_entry *find(const struct policy_table *t,
				 const struct kernel_policy *p)
{
	uint8_t key[POLICY_KEY_LEN];

	make_key(p, key);
	return lookup(t, key, sa_hash_bytes(0, key, sizeof(key)));
}

static void user_of(struct policy_user *u, const struct kernel_policy *p,
		    const struct childsa *c)
{
	memset(u, 0, sizeof(*u));
	u->child = c;
	u->mode = p->mode;
	u->src = p->tmpl_src;
	u->dst = p->tmpl_dst;
	u->reqid = p->reqid;
}

static bool same_tmpl(const struct kernel_policy *k,
		      const struct policy_user *u)
{
	if (k->mode != u->mode || k->reqid != u->reqid)
		return false;
	return u->mode != KERNEL_MODE_TUNNEL ||
	       (ip_addr_equal(&k->tmpl_src, &u->src) &&
		ip_addr_equal(&k->tmpl_dst, &u->dst));
}

/*
 * Install e's policy with u's template (UPDPOLICY), u its owner; always
 * when the kernel may not have it, else only if the template differs.
 */
static int install_for(struct policy_table *t, struct policy_entry *e,
		       const struct policy_user *u, bool always)
{
	struct kernel_policy k = e->pol;
	int ret;

	if (always || !same_tmpl(&k, u)) {
		k.mode = u->mode;
		k.tmpl_src = u->src;
		k.tmpl_dst = u->dst;
		k.reqid = u->reqid;
		ret = t->backend->ops->add_policy(t->backend, &k);
		if (ret)
			return ret;
		e->pol = k;
	}
	e->owner = u->child;
	return 0;
}

/* Point the kernel's policy of e at u's template (UPDPOLICY if it differs). */
static int point(struct policy_table *t, struct policy_entry *e,
		 const struct policy_user *u)
{
	return install_for(t, e, u, false);
}

/* Who takes the policy over when its owner goes: the newest SA, else a trap. */
static const struct policy_user *heir(const struct policy_entry *e)
{
	for (unsigned int i = e->n_users; i-- > 0;)
		if (!e->users[i].trap)
			return &e->users[i];
	return &e->users[e->n_users - 1];
}

static int user_index(const struct policy_entry *e, const struct childsa *c)
{
	for (unsigned int i = 0; i < e->n_users; i++)
		if (e->users[i].child == c)
			return (int)i;
	return -1;
}

static void entry_free(struct policy_entry *e)
{
	free(e->users);
	free(e);
}

/*
 * The first user: a new entry and (kernel) a new kernel policy; without
 * kernel, the policy is in the kernel already.
 */
static int add(struct policy_table *t, const struct kernel_policy *p,
	       const struct childsa *c, uint64_t hash, bool kernel)
{
	struct policy_entry *e = calloc(1, sizeof(*e));
	int ret = -ENOMEM;

	if (!e)
		return ret;
	/* Most policies have one user for life; a rekey makes room. */
	e->users = calloc(1, sizeof(*e->users));
	if (!e->users)
		goto fail;
	e->max_users = 1;
	ret = kernel ? t->backend->ops->add_policy(t->backend, p) : 0;
	if (ret)
		goto fail;
	ret = sa_table_insert(&t->entries, &e->node, hash);
	if (ret) {
		if (kernel)
			t->backend->ops->del_policy(t->backend, p);
		goto fail;
	}
	e->pol = *p;
	user_of(&e->users[0], p, c);
	e->n_users = 1;
	e->owner = c;
	return 0;

fail:
	entry_free(e);
	return ret;
}

int policy_table_get(struct policy_table *t, const struct kernel_policy *p,
		     const struct childsa *c)
{
	uint8_t key[POLICY_KEY_LEN];
	uint64_t hash;
	struct policy_entry *e;
	struct policy_user u, *users;
	int i, ret;

	make_key(p, key);
	hash = sa_hash_bytes(0, key, sizeof(key));
	e = lookup(t, key, hash);
	if (!e)
		return add(t, p, c, hash, true);
	user_of(&u, p, c);
	i = user_index(e, c);
	if (i < 0 && e->n_users == e->max_users) {
		users = reallocarray(e->users, e->max_users * 2,
				     sizeof(*users));
		if (!users)
			return -ENOMEM;
		e->users = users;
		e->max_users *= 2;
	}
	ret = point(t, e, &u);
	if (ret)
		return ret;
	if (i >= 0) {
		/* Taken again (its template may have changed): newest. */
		memmove(&e->users[i], &e->users[i + 1],
			(e->n_users - (unsigned int)i - 1) * sizeof(u));
		e->n_users--;
	}
	e->users[e->n_users++] = u;
	return 0;
}

/*
 * c becomes a user of p's entry without taking it over; a new entry is
 * added to the kernel too (kernel), or was made there already.
 */
static int join(struct policy_table *t, const struct kernel_policy *p,
		const struct childsa *c, bool kernel, bool trap)
{
	uint8_t key[POLICY_KEY_LEN];
	uint64_t hash;
	struct policy_entry *e;
	struct policy_user *users;

	make_key(p, key);
	hash = sa_hash_bytes(0, key, sizeof(key));
	e = lookup(t, key, hash);
	if (!e) {
		int ret = add(t, p, c, hash, kernel);

		if (!ret)
			lookup(t, key, hash)->users[0].trap = trap;
		return ret;
	}
	if (user_index(e, c) >= 0)
		return 0;
	if (e->n_users == e->max_users) {
		users = reallocarray(e->users, e->max_users * 2,
				     sizeof(*users));
		if (!users)
			return -ENOMEM;
		e->users = users;
		e->max_users *= 2;
	}
	/* A user, not the owner: the kernel's policy keeps its template. */
	user_of(&e->users[e->n_users], p, c);
	e->users[e->n_users++].trap = trap;
	return 0;
}

int policy_table_adopt(struct policy_table *t, const struct kernel_policy *p,
		       const struct childsa *c)
{
	return join(t, p, c, false, false);
}

int policy_table_join(struct policy_table *t, const struct kernel_policy *p,
		      const struct childsa *c)
{
	return join(t, p, c, true, false);
}

int policy_table_trap(struct policy_table *t, const struct kernel_policy *p,
		      const struct childsa *c)
{
	return join(t, p, c, true, true);
}

int policy_table_put(struct policy_table *t, const struct kernel_policy *p,
		     const struct childsa *c)
{
	struct policy_entry *e = find(t, p);
	struct kernel_policy k;
	int i, ret;

	if (!e)
		return 0;
	i = user_index(e, c);
	if (i < 0)
		return 0;
	memmove(&e->users[i], &e->users[i + 1],
		(e->n_users - (unsigned int)i - 1) * sizeof(e->users[0]));
	if (--e->n_users) {
		if (e->owner && e->owner != c)
			return 0;
		/*
		 * Should the kernel refuse, its policy keeps pointing at
		 * the SAs that go (their traffic is dropped, not sent in
		 * clear) and has no owner: the next user to come or go
		 * tries again.
		 */
		ret = point(t, e, heir(e));
		if (ret)
			e->owner = NULL;
		return ret;
	}
	k = e->pol;
	sa_table_remove(&t->entries, &e->node);
	entry_free(e);
	return t->backend->ops->del_policy(t->backend, &k);
}

static bool in_scope(uint32_t reqid, uint32_t mark,
		     const struct kernel_scope *s)
{
	return (reqid & s->reqid_mask) == (s->reqid & s->reqid_mask) &&
	       (!s->mark || (mark & s->mark_mask) == s->mark);
}

/* Whether the selector names a as a host, source or destination. */
static bool sel_names(const struct kernel_sel *sel, const struct ip_addr *a)
{
	uint8_t host = (uint8_t)(8 * ip_addr_len(a));

	return (sel->src_len == host && ip_addr_equal(&sel->src, a)) ||
	       (sel->dst_len == host && ip_addr_equal(&sel->dst, a));
}

/*
 * Whether a policy of sel with u's template is bound to a: a tunnel's
 * endpoint, or a transport-mode selector naming it.
 */
static bool user_bound(const struct kernel_sel *sel,
		       const struct policy_user *u, const struct ip_addr *a)
{
	if (u->mode == KERNEL_MODE_TUNNEL)
		return ip_addr_equal(&u->src, a) || ip_addr_equal(&u->dst, a);
	return sel_names(sel, a);
}

int policy_table_forget(struct policy_table *t, const struct kernel_policy *p,
			const struct childsa *c, const struct ip_addr *addr,
			const struct kernel_scope *s)
{
	struct policy_entry *e = find(t, p);
	struct policy_user kernel;
	int i;

	if (!e)
		return 0;
	i = user_index(e, c);
	if (i < 0)
		return 0;
	user_of(&kernel, &e->pol, NULL);
	if (!in_scope(e->pol.reqid, e->pol.mark, s) ||
	    !user_bound(&e->pol.sel, &kernel, addr))
		return policy_table_put(t, p, c);
	/* The kernel's policy is gone: nothing to delete. */
	memmove(&e->users[i], &e->users[i + 1],
		(e->n_users - (unsigned int)i - 1) * sizeof(e->users[0]));
	if (!--e->n_users) {
		sa_table_remove(&t->entries, &e->node);
		entry_free(e);
		return 0;
	}
	e->owner = NULL;
	/* An SA the delete does not concern first, else a trap. */
	for (int trap = 0; trap < 2; trap++) {
		for (i = (int)e->n_users - 1; i >= 0; i--) {
			const struct policy_user *u = &e->users[i];

			if (u->trap != trap ||
			    (in_scope(u->reqid, e->pol.mark, s) &&
			     user_bound(&e->pol.sel, u, addr)))
				continue;
			/* Added again, whatever the template: none is there. */
			return install_for(t, e, u, true);
		}
	}
	/* Every user left goes with this delete too. */
	return 0;
}

int policy_table_point(struct policy_table *t, const struct kernel_policy *p,
		       const struct childsa *c)
{
	struct policy_entry *e = find(t, p);

	if (!e || user_index(e, c) < 0)
		return -ENOENT;
	return policy_table_get(t, p, c);
}

const struct policy_entry *policy_table_find(const struct policy_table *t,
					     const struct kernel_policy *p)
{
	return find(t, p);
}

const struct childsa *policy_table_owner(const struct policy_table *t,
					 const struct kernel_policy *p)
{
	const struct policy_entry *e = find(t, p);

	return e ? e->owner : NULL;
}

size_t policy_table_count(const struct policy_table *t)
{
	return t->entries.n;
}

static bool swap(struct ip_addr *x, const struct ip_addr *old,
		 const struct ip_addr *new)
{
	if (!ip_addr_equal(x, old))
		return false;
	*x = *new;
	return true;
}

/* A selector side naming a as one host. */
static bool sel_host(const struct ip_addr *x, uint8_t len,
		     const struct ip_addr *a)
{
	return len == ip_addr_len(a) * 8 && ip_addr_equal(x, a);
}

int policy_table_move(struct policy_table *t, const struct ip_addr *old,
		      const struct ip_addr *new, const struct kernel_scope *s)
{
	struct policy_entry **rekey = NULL, *e;
	uint8_t key[POLICY_KEY_LEN];
	size_t n = 0, max = t->entries.n;
	struct kernel_sel *sel;
	int ret = 0;

	if (max) {
		rekey = calloc(max, sizeof(*rekey));
		if (!rekey)
			return -ENOMEM;
	}
	for (size_t b = 0; t->entries.b && b <= t->entries.mask; b++) {
		for (struct sa_node *nd = t->entries.b[b]; nd; nd = nd->next) {
			e = of_node(nd);
			for (unsigned int i = 0; i < e->n_users; i++)
				if (in_scope(e->users[i].reqid, e->pol.mark, s) &&
				    e->users[i].mode == KERNEL_MODE_TUNNEL) {
					swap(&e->users[i].src, old, new);
					swap(&e->users[i].dst, old, new);
				}
			if (!in_scope(e->pol.reqid, e->pol.mark, s))
				continue;
			if (e->pol.mode == KERNEL_MODE_TUNNEL) {
				swap(&e->pol.tmpl_src, old, new);
				swap(&e->pol.tmpl_dst, old, new);
				continue;
			}
			sel = &e->pol.sel;
			if ((sel_host(&sel->src, sel->src_len, old) ||
			     sel_host(&sel->dst, sel->dst_len, old)) && n < max)
				rekey[n++] = e;
		}
	}
	/* Re-keyed apart: an insertion may grow the buckets walked above. */
	for (size_t i = 0; i < n; i++) {
		e = rekey[i];
		sa_table_remove(&t->entries, &e->node);
		swap(&e->pol.sel.src, old, new);
		swap(&e->pol.sel.dst, old, new);
		make_key(&e->pol, key);
		if (sa_table_insert(&t->entries, &e->node,
				    sa_hash_bytes(0, key, POLICY_KEY_LEN)))
			ret = -ENOMEM;
	}
	free(rekey);
	return ret;
}

void policy_table_free(struct policy_table *t)
{
	struct sa_node *n, *next;

	for (size_t i = 0; t->entries.b && i <= t->entries.mask; i++)
		for (n = t->entries.b[i]; n; n = next) {
			next = n->next;
			entry_free(of_node(n));
		}
	sa_table_free(&t->entries);
}
