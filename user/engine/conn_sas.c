// SPDX-License-Identifier: GPL-2.0
/*
 * The IKE SAs of each connection (conn_sas.h): a doubly linked list per
 * connection, its head found by the connection's address.
 */
#include <errno.h>
#include <stdlib.h>

#include "engine/conn_sas.h"
#include "engine/engine.h"
#include "engine/ike_sa.h"

#define of_node(n) \
	((struct conn_sas *)((char *)(n) - offsetof(struct conn_sas, node)))

static uint64_t conn_hash(const struct conn *c)
{
	return sa_hash_bytes(0, &c, sizeof(c));
}

static struct conn_sas *head_of(const struct conn_sas_table *t,
				const struct conn *c)
{
	const struct sa_node *n;

	for (n = sa_table_first(&t->heads, conn_hash(c)); n;
	     n = sa_table_next(n))
		if (of_node(n)->conn == c)
			return of_node(n);
	return NULL;
}

static struct conn_sas *head_make(struct conn_sas_table *t,
				  const struct conn *c)
{
	struct conn_sas *h = head_of(t, c);

	if (h)
		return h;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->conn = c;
	if (sa_table_insert(&t->heads, &h->node, conn_hash(c))) {
		free(h);
		return NULL;
	}
	return h;
}

static void head_drop_if_unused(struct conn_sas_table *t, struct conn_sas *h)
{
	if (h->first || h->current)
		return;
	sa_table_remove(&t->heads, &h->node);
	free(h);
}

void conn_sas_init(struct conn_sas_table *t)
{
	sa_table_init(&t->heads);
	t->strays = NULL;
}

void conn_sas_free(struct conn_sas_table *t)
{
	struct sa_node *n, *next;

	for (size_t i = 0; i < sa_table_buckets(&t->heads); i++)
		for (n = t->heads.b[i]; n; n = next) {
			next = n->next;
			free(of_node(n));
		}
	sa_table_free(&t->heads);
	t->strays = NULL;
}

int conn_sas_add_conn(struct conn_sas_table *t, const struct conn *c)
{
	struct conn_sas *h = head_make(t, c);

	if (!h)
		return -ENOMEM;
	h->current = true;
	return 0;
}

void conn_sas_clear_conns(struct conn_sas_table *t)
{
	struct sa_node *n, *next;

	for (size_t i = 0; i < sa_table_buckets(&t->heads); i++)
		for (n = t->heads.b[i]; n; n = next) {
			next = n->next;
			of_node(n)->current = false;
			head_drop_if_unused(t, of_node(n));
		}
}

bool conn_sas_current(const struct conn_sas_table *t, const struct conn *c)
{
	const struct conn_sas *h = c ? head_of(t, c) : NULL;

	return h && h->current;
}

void conn_sas_link(struct engine *e, struct ikesa *sa)
{
	struct conn_sas_table *t = &e->conn_sas;
	struct conn_sas *h;
	struct ikesa **first;

	if (sa->conn_pprev || !sa->conn)
		return;
	h = head_make(t, sa->conn);
	first = h ? &h->first : &t->strays;
	sa->conn_stray = !h;
	sa->conn_next = *first;
	if (sa->conn_next)
		sa->conn_next->conn_pprev = &sa->conn_next;
	sa->conn_pprev = first;
	*first = sa;
}

void conn_sas_unlink(struct engine *e, struct ikesa *sa)
{
	struct conn_sas *h;

	if (!sa->conn_pprev)
		return;
	*sa->conn_pprev = sa->conn_next;
	if (sa->conn_next)
		sa->conn_next->conn_pprev = sa->conn_pprev;
	sa->conn_next = NULL;
	sa->conn_pprev = NULL;
	if (!sa->conn_stray && (h = head_of(&e->conn_sas, sa->conn)))
		head_drop_if_unused(&e->conn_sas, h);
	sa->conn_stray = false;
}

/* The first stray of c from sa on. */
static struct ikesa *stray_from(struct ikesa *sa, const struct conn *c)
{
	while (sa && sa->conn != c)
		sa = sa->conn_next;
	return sa;
}

struct ikesa *conn_sas_first(const struct conn_sas_table *t,
			     const struct conn *c)
{
	const struct conn_sas *h = c ? head_of(t, c) : NULL;

	if (h && h->first)
		return h->first;
	return c ? stray_from(t->strays, c) : NULL;
}

struct ikesa *conn_sas_next(const struct conn_sas_table *t,
			    const struct ikesa *sa)
{
	if (sa->conn_stray)
		return stray_from(sa->conn_next, sa->conn);
	if (sa->conn_next)
		return sa->conn_next;
	return stray_from(t->strays, sa->conn);
}
