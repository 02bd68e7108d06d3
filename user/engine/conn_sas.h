/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IKE SAs of each connection: what "is connection c up?", "does it
 * have an attempt under way?" and "its SAs, to delete them" ask, without
 * a walk of every IKE SA. Each connection the engine knows has a head
 * (made by engine_add_conn()); a retired connection keeps its head while
 * an SA still uses it. The heads are found by the connection's address
 * in a hash table; an SA whose head could not be allocated (out of
 * memory, for a connection the engine was never given) waits on a list
 * of strays that every walk also visits, so a walk never misses an SA.
 */
#ifndef MIF_ENGINE_CONN_SAS_H
#define MIF_ENGINE_CONN_SAS_H

#include <stdbool.h>

#include "engine/sa_table.h"

struct conn;
struct engine;
struct ikesa;

struct conn_sas {
	struct sa_node node;		/* in the engine's table */
	const struct conn *conn;
	struct ikesa *first;		/* the newest first */
	bool current;			/* one of engine_add_conn()'s */
};

struct conn_sas_table {
	struct sa_table heads;
	struct ikesa *strays;
};

void conn_sas_init(struct conn_sas_table *t);
/* Frees the heads; the SAs must be gone. */
void conn_sas_free(struct conn_sas_table *t);
/* c's head, made if need be and marked current: 0 or -ENOMEM. */
int conn_sas_add_conn(struct conn_sas_table *t, const struct conn *c);
/* No connection current any more (a reload); empty heads freed. */
void conn_sas_clear_conns(struct conn_sas_table *t);
/* Whether c is current: given by engine_add_conn() since the last clear. */
bool conn_sas_current(const struct conn_sas_table *t, const struct conn *c);

/* sa on its connection's list (sa->conn NULL: on none); never fails. */
void conn_sas_link(struct engine *e, struct ikesa *sa);
/* sa off its list, its head freed when empty and not current. */
void conn_sas_unlink(struct engine *e, struct ikesa *sa);

/* The first SA of c, then the next after sa; NULL at the end. */
struct ikesa *conn_sas_first(const struct conn_sas_table *t,
			     const struct conn *c);
struct ikesa *conn_sas_next(const struct conn_sas_table *t,
			    const struct ikesa *sa);

#endif
