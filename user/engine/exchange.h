/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exchanges, as the dispatcher (engine.c) sees them: one file each,
 * one entry each in the table of engine.c.
 */
#ifndef MIF_ENGINE_EXCHANGE_H
#define MIF_ENGINE_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/dh.h"
#include "engine/engine.h"
#include "engine/ike_sa.h"
#include "ike/id.h"
#include "ike/ke.h"
#include "ike/message.h"

/* One received message, its payloads decrypted. */
struct engine_msg {
	uint64_t now;
	const struct ike_header *hdr;
	const uint8_t *buf;		/* the whole datagram */
	size_t len;
	const struct ike_chain *chain;	/* plain or decrypted payloads */
	const struct ip_addr *local, *remote;
	uint16_t local_port, remote_port;
};

struct exchange_ops {
	uint8_t exchange;
	bool plain;			/* no SK payload (IKE_SA_INIT) */
	/*
	 * A request from the peer. sa is NULL for IKE_SA_INIT, which
	 * makes it. The handler answers with ikesa_respond*().
	 */
	void (*request)(struct engine *e, struct ikesa *sa,
			const struct engine_msg *m);
	/* The answer to our request sa->req. */
	void (*response)(struct engine *e, struct ikesa *sa,
			 const struct engine_msg *m);
};

/*
 * An IKE_SA_INIT request m refused (or its offer read in part): count
 * it, and tell the refused callback.
 */
void engine_refuse(struct engine *e, const struct engine_msg *m,
		   enum engine_refusal_reason why, unsigned int detail);
/* The same, with a connection and a text (struct engine_refusal). */
void engine_refuse_conn(struct engine *e, const struct engine_msg *m,
			enum engine_refusal_reason why, unsigned int detail,
			const struct conn *c, const char *text);

/*
 * Whether an IKE_SA_INIT request may be parsed and answered, from its
 * addresses alone: a connection for them, and room for one more
 * half-open IKE SA in all and from this address. Refused, it is dropped.
 */
bool ike_sa_init_admit(struct engine *e, const struct engine_msg *m);

extern const struct exchange_ops xchg_ike_sa_init;
extern const struct exchange_ops xchg_ike_auth;
extern const struct exchange_ops xchg_create_child_sa;
extern const struct exchange_ops xchg_informational;

/*
 * The connections for these addresses (an unset address in the
 * connection matches any), most specific first: both addresses set,
 * then one, then none; in the order they were added among equals. One
 * per call, NULL at the end; it starts zeroed ({ 0 }).
 */
struct engine_match {
	unsigned int pass;	/* 0: both addresses, 1: one, 2: none */
	bool begun;		/* a and b were set for the pass */
	uint32_t a, b;		/* the next of each chain (conn_index.h) */
	uint32_t last;		/* the position last returned */
};

const struct conn *engine_match_next(const struct engine *e,
				     const struct ip_addr *local,
				     const struct ip_addr *remote,
				     struct engine_match *it);
/* The IKE proposal set (e->psets) of the connection it last returned. */
unsigned int engine_match_set(const struct engine *e,
			      const struct engine_match *it);
/*
 * The first of engine_match_next()'s whose remote ID is id (NULL: any
 * ID), or NULL.
 */
const struct conn *engine_match_conn(const struct engine *e,
				     const struct ip_addr *local,
				     const struct ip_addr *remote,
				     const struct ike_id *id);
/* Hand ev to the event callback, if there is one. */
void engine_event(struct engine *e, const struct engine_event *ev);
/* Format a line for the log callback, if there is one. */
void engine_logf(struct engine *e, enum engine_log_level level,
		 const struct ikesa *sa, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The first error notify of a message, or 0. */
uint16_t engine_error_notify(const struct ike_chain *c);
/*
 * The level for an error notify sent or received: warning, but info for
 * the routine ones (the detour of INVALID_KE_PAYLOAD, collisions).
 */
enum engine_log_level engine_notify_level(uint16_t type);
/*
 * Report a REFUSED event: something the peer sent that conn c (NULL: not
 * known yet) or the RFC does not allow, for the log.
 */
void engine_refused(struct engine *e, const struct conn *c,
		    const struct ip_addr *peer, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * A FAILED event (engine.h) for an IKE SA or Child SA of sa (NULL: a
 * request that left no state) and of connection c (NULL: sa's), with
 * its line logged at notice or above. flags: ENGINE_FAIL_*.
 */
#define ENGINE_FAIL_SENT	1u	/* we sent notify */
#define ENGINE_FAIL_FINAL	2u	/* given up */
#define ENGINE_FAIL_CHILD	4u	/* a Child SA; the IKE SA stands */
void engine_failed(struct engine *e, struct ikesa *sa, const struct conn *c,
		   uint16_t notify, unsigned int flags, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Proposals as text, "aes256gcm16-prfsha256-ecp256, ...". Return out. */
const char *engine_conf_proposals_text(const struct conn_proposal *p,
				       unsigned int n, char *out, size_t len);
const char *engine_offer_text(const struct ike_sa_payload *sa, char *out,
			      size_t len);
/* Link sa into the responder table (its spi_i is the peer's). */
int engine_hash_peer(struct engine *e, struct ikesa *sa);

/* An ID matches a configured one (any, if none is; identity.h). */
bool engine_id_matches(const struct conn_id *want, const struct ike_id *id);

/*
 * IKE_SA_INIT requests that never reach the exchange, answered without
 * keeping state. A malformed one is dropped (§2.21.1), unless it holds
 * an unknown payload marked critical: UNSUPPORTED_CRITICAL_PAYLOAD
 * (§2.5). One of a later major version gets INVALID_MAJOR_VERSION with
 * ours in the header (§2.5); m->hdr is as the codec read it.
 */
void ike_sa_init_malformed(struct engine *e, const struct engine_msg *m,
			   const struct ike_error *err);
void ike_sa_init_version(struct engine *e, const struct engine_msg *m);

/*
 * sa, deleted at the end of its lifetime to authenticate anew, is gone
 * (its Delete answered or unanswered): if we were its initiator, set up
 * the IKE SA that replaces it, unless its connection is no longer one
 * of the engine's (a reload removed or changed it meanwhile).
 */
void engine_reauth(struct ikesa *sa, uint64_t now);

/*
 * One IKE SA's timers: its next deadline (0: none), a pure function of
 * its state, and what is due of them at now. engine_tick() runs the
 * second for the SAs the first files as due (timer_heap.h); the
 * benchmark bench/tick.c walks every SA with them, as engine_tick() once
 * did, for comparison.
 */
uint64_t engine_sa_deadline(const struct ikesa *sa);
void engine_sa_tick(struct ikesa *sa, uint64_t now);

/* Starters, for engine.c. */
int ike_sa_init_start(struct ikesa *sa, uint64_t now);
int ike_auth_start(struct ikesa *sa, uint64_t now);
int create_child_sa_start(struct ikesa *sa, struct childsa *old,
			  uint64_t now);
/*
 * A new Child SA of the connection's child tmpl (children.h), on a MIF
 * placement (mif_path.h), or NULL: on the IKE SA's pair.
 */
struct mif_place;
int create_child_sa_new(struct ikesa *sa, unsigned int tmpl,
			const struct mif_place *place, uint64_t now);
int informational_start(struct ikesa *sa, struct childsa *del_child,
			bool del_ike, uint64_t now);
/*
 * Delete the n Child SAs cs, at most IKE_DELETE_MAX_SPIS (one Delete
 * payload), in one request; each goes on our side when it is answered.
 * It goes beside other Child SAs' requests in flight if the peer's
 * window has room (window.h), else -EBUSY.
 */
int informational_delete_children(struct ikesa *sa,
				  struct childsa *const *cs, unsigned int n,
				  uint64_t now);
/*
 * Whether an INFORMATIONAL request of ours in flight (any of the
 * window's) deletes the Child SA whose spi_in is spi (0: any Child SA).
 */
bool informational_deletes(const struct ikesa *sa, uint32_t spi);
/* Delete the Child SAs of sa->del_pending, already gone on our side. */
int informational_delete_pending(struct ikesa *sa, uint64_t now);
/*
 * Tell the peer of an error in its response, where §2.21.2 allows it
 * (AUTHENTICATION_FAILED after the IKE_AUTH response): one
 * INFORMATIONAL request holding the notify, sent once and not
 * retransmitted, as the IKE SA goes at once.
 */
int informational_notify(struct ikesa *sa, uint16_t type);

/*
 * The peer deletes c (INFORMATIONAL): if our rekey of c in flight
 * collided with the peer's, the peer's new SA has won; report it.
 */
void create_child_sa_deleted(struct ikesa *sa, const struct childsa *c);
/*
 * The peer deletes spi, its inbound SPI, which names none of our Child
 * SAs: it may name one that our CREATE_CHILD_SA request in flight
 * makes, the peer having answered it and deleted the new SA before its
 * answer reached us. Kept until the requests then in flight are
 * answered: the one that makes it drops it on arrival.
 */
void create_child_sa_deleted_ahead(struct ikesa *sa, uint32_t spi);

/*
 * Rekeying the IKE SA (§1.3.2, §2.18) rides on CREATE_CHILD_SA; its
 * handlers pass on requests whose SA payload is for IKE, and answers to
 * our rekey request.
 */
int ike_rekey_start(struct ikesa *sa, uint16_t group, uint64_t now);
/* Whether our rekey of the IKE SA is in flight. */
bool ike_rekey_in_flight(const struct ikesa *sa);
void ike_rekey_request(struct engine *e, struct ikesa *sa,
		       const struct engine_msg *m);
void ike_rekey_response(struct engine *e, struct ikesa *sa,
			const struct engine_msg *m);
/* Whether a request's SA payload proposes an IKE SA. */
bool ike_rekey_requested(const struct ike_chain *req);
/*
 * The peer deletes sa (INFORMATIONAL): if its rekey of sa crossed ours
 * and we answered it, the new IKE SA it made takes sa's place first.
 */
void ike_rekey_deleted(struct ikesa *sa, uint64_t now);

/*
 * Uniqueness (unique.c). Whether our IKE_AUTH request for sa carries
 * INITIAL_CONTACT; and, sa authenticated and its first Child SA
 * installed, what becomes of the other IKE SAs of its connection with
 * its identities (initial_contact: the peer sent it).
 */
/*
 * The first live IKE SA after n (NULL: the first) with sa's identities,
 * through the engine's by_id table (unique.c; id_cap.c counts with it).
 */
struct ikesa *unique_next_same(const struct ikesa *sa, struct sa_node *n);
bool unique_initial_contact(const struct ikesa *sa);
void unique_settle(struct ikesa *sa, bool initial_contact, uint64_t now);
/*
 * The cap on established IKE SAs per pair of identities (id_cap.c):
 * whether sa, authenticated and its peer's ID set, would be one too
 * many (initial_contact: the peer sent it, see unique.c). Then *log
 * says whether to log it (once a second per pair of identities).
 */
bool id_cap_reached(struct ikesa *sa, bool initial_contact, uint64_t now,
		    bool *log);

/* IKE_AUTH and CREATE_CHILD_SA share the Child SA negotiation. */

/* The keying inputs of one Child SA negotiation. */
struct child_nego {
	const uint8_t *ni, *nr;
	size_t ni_len, nr_len;
	/*
	 * CREATE_CHILD_SA may carry a key exchange (PFS); in IKE_AUTH the
	 * DH transforms are left out and ignored (§1.2).
	 */
	bool pfs;
	/*
	 * Our key pair: the initiator's, made before the request (NULL:
	 * no KE sent); the responder's is made by child_respond() when
	 * the chosen proposal holds a group (have_dh is then set).
	 */
	struct dh *dh;
	bool have_dh;
	uint16_t want_group;	/* responder: for INVALID_KE_PAYLOAD */
	struct childsa *prev;	/* the Child SA being rekeyed, or NULL */
	bool auth;		/* responder: the Child SA of IKE_AUTH */
	uint64_t now;		/* the new SA's timers start here */
	/*
	 * Responder: what child_respond() refused, for the log line of
	 * its notify ("; peer offered ..., we accept ..."), or "".
	 */
	char why[200];
};

/*
 * Initiator: SA (ESP, our new SPI), TSi, TSr and mode notify, of c's
 * child (c->tmpl). The selectors are c's if it has some (a rekey), else
 * the child's.
 * dh_group: the KE group sent, 0 for none, PROPOSAL_NO_DH in IKE_AUTH.
 */
int child_request_payloads(struct ikesa *sa, struct childsa *c,
			   struct ike_chain *chain, struct ike_sa_payload *sap,
			   struct ike_ts *tsi, struct ike_ts *tsr,
			   struct ike_notify *mode, uint16_t dh_group);
/*
 * Responder: choose the connection's child (children_match(); a rekey
 * keeps nego->prev's), a proposal of it, narrow selectors and install a
 * new Child SA from the request in m. Returns the child or NULL with
 * *notify set to the error to answer with.
 */
struct childsa *child_respond(struct ikesa *sa, const struct ike_chain *req,
			      struct child_nego *nego,
			      struct proposal_choice *pc, uint16_t *notify);
/* Append SA, TSi, TSr (and mode notify) for a child to a response. */
int child_response_payloads(struct childsa *c, struct ike_chain *chain,
			    struct ike_sa_payload *sap,
			    const struct proposal_choice *pc,
			    struct ike_ts *tsi, struct ike_ts *tsr,
			    struct ike_notify *mode);
/*
 * Initiator: check the response and install c. Returns 0 or the notify
 * to report (the child is then not installed).
 */
uint16_t child_complete(struct ikesa *sa, struct childsa *c,
			const struct ike_chain *resp,
			const struct child_nego *nego);
/*
 * Initiator: drop c after child_complete() failed; if the responder
 * made its half (it answered with an SA payload), ask it to delete that.
 */
void child_reject(struct ikesa *sa, struct childsa *c,
		  const struct ike_chain *resp, uint64_t now);

#endif
