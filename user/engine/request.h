/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Our request in flight, as its exchange sees it. struct ikesa_request
 * (ike_sa.h) holds what every request has: exchange, message ID, the
 * datagram and its retransmission. What a request is about, for its
 * response handler, is a state of the exchange's own: a type defined
 * beside the exchange, struct request_state its first member, with its
 * ops. The IKE SA frees it when the request is done or the SA goes; a
 * response handler may take it over (request_take()) to keep it while
 * it starts the next request.
 *
 * A rekey of ours (an IKE SA's, or a Child SA's with REKEY_SA) holds one
 * of the engine's places for rekeys in flight (engine.h) from when it is
 * sent until it ends, whichever way: answered (request_take() or
 * request_free() by the exchange), given up, or freed with its IKE SA,
 * parked in the window or not. The state carries the place, so that
 * every one of those ends gives it back, once.
 *
 * A request may create many Child SAs (MIF: one per child and interface
 * when an interface is added) and delete many: the lists it carries are
 * bounded below.
 */
#ifndef MIF_ENGINE_REQUEST_H
#define MIF_ENGINE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

struct ikesa;
struct request_state;

struct request_ops {
	/*
	 * Release what st holds (Child SAs still in it, key pairs), wipe
	 * and free it. sa may be on its way out.
	 */
	void (*free)(struct ikesa *sa, struct request_state *st);
	/* The Child SAs st creates (NULL: an exchange that makes none). */
	const struct request_children *(*children)(
		const struct request_state *st);
};

struct request_state {
	const struct request_ops *ops;
	bool rekey;	/* holds a place among the rekeys in flight */
};

/* The exchange's state around st. */
#define request_of(st, type, member) \
	((type *)((char *)(st) - offsetof(type, member)))

/* The state around st (NULL: none), its st off bytes in. */
static inline void *request_around(struct request_state *st, size_t off)
{
	return st ? (char *)st - off : NULL;
}

/* The state of sa's request in flight as type (st its member rs), or NULL. */
#define request_get_as(sa, ops, type) \
	((type *)request_around(request_get(sa, ops), offsetof(type, rs)))

/*
 * Attach st to the request just sent (after ikesa_request()): it is
 * sa's until the answer comes or the SA goes.
 */
void request_set(struct ikesa *sa, struct request_state *st);
/*
 * st, just attached (request_set()), is a rekey of ours: it takes one of
 * the engine's places for rekeys in flight until it ends.
 */
void request_count_rekey(struct ikesa *sa, struct request_state *st);
/* The state of sa's request in flight if it is of ops, else NULL. */
struct request_state *request_get(const struct ikesa *sa,
				  const struct request_ops *ops);
/*
 * The same of any of sa's requests in flight (window.h): the k-th, 0
 * being sa->req and 1 to sa->n_parked the parked ones; NULL past them.
 */
struct request_state *request_get_nth(const struct ikesa *sa,
				      const struct request_ops *ops,
				      unsigned int k);
/*
 * The same, detached from sa: the caller frees it (request_free()). Its
 * request is answered: a rekey gives its place back now.
 */
struct request_state *request_take(struct ikesa *sa,
				   const struct request_ops *ops);
/* Free st (NULL: nothing), a rekey's place given back if it holds one. */
void request_free(struct ikesa *sa, struct request_state *st);
/*
 * The free of a state that holds nothing to release but itself: a
 * malloc'ed struct with its struct request_state first.
 */
void request_free_plain(struct ikesa *sa, struct request_state *st);
/*
 * The Child SAs that sa's request in flight creates, whatever its
 * exchange, or NULL: for those who check the engine from outside.
 */
const struct request_children *request_children_of(const struct ikesa *sa);
/* The same of request r of sa (sa->req or one in the window). */
struct ikesa_request;
const struct request_children *
request_children_in(const struct ikesa_request *r);

/*
 * The most Child SAs one request creates: every child of a connection
 * (CONN_MAX_CHILDREN) on a few pairs of interfaces at once.
 */
#define REQUEST_MAX_CHILDREN	256

/*
 * The Child SAs a request (IKE_AUTH, CREATE_CHILD_SA) creates, in the
 * order of its payloads. The list owns them until its response handler
 * takes them over (request_children_take()).
 */
struct request_children {
	unsigned int n;
	struct childsa *c[REQUEST_MAX_CHILDREN];
};

/* Add c. 0, or -ENOSPC with REQUEST_MAX_CHILDREN in l: c stays yours. */
int request_children_add(struct request_children *l, struct childsa *c);
/* Move l's Child SAs to *out, leaving l empty. */
void request_children_take(struct request_children *l,
			   struct request_children *out);
/* Uninstall and free the Child SAs still in l; l is left empty. */
void request_children_free(struct ikesa *sa, struct request_children *l);

#endif
