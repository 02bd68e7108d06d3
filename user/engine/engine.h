/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IKEv2 engine: IKE SAs, their Child SAs and the exchanges between
 * them, without I/O. The caller feeds datagrams in (engine_input), asks
 * for new SAs (engine_initiate ...), and calls engine_tick() at the
 * deadline it returns; outgoing datagrams leave through the send
 * callback, kernel changes through the backend, news of the SAs
 * through the optional event callback (engine_set_events), and why an
 * exchange failed through the optional log callback (engine_set_log).
 * Time is a monotonic "now" in milliseconds, passed in by the caller.
 *
 * Layout (user/engine/):
 *	engine.c		dispatcher: SA lookup, message-ID window,
 *				decryption, table of exchanges, timers
 *	ike_sa.c, child_sa.c	the SA objects; child_sa.c also installs
 *				through the backend and narrows selectors
 *	policy_table.c		kernel policies shared by Child SAs with
 *				the same selectors, with an owner each
 *	selector.c		XFRM selectors (port blocks) and policy
 *				priorities from traffic selectors
 *	unique.c		one IKE SA per connection and identities;
 *				INITIAL_CONTACT
 *	id_cap.c		a cap on the IKE SAs per pair of identities
 *	ike_sa_init.c, ike_auth.c, create_child_sa.c, informational.c
 *				one exchange each (exchange.h)
 *	request.c		our request in flight: the state each
 *				exchange keeps for its answer
 *	notify_table.c		notify dispatch by type: where each is
 *				accepted, and its handler
 *	child_exchange.c	Child SA payloads shared by IKE_AUTH and
 *				CREATE_CHILD_SA
 *	children.c		a connection's children (Child SA
 *				templates): which one a request is for,
 *				which ones an initiator starts
 *	ike_rekey.c		the IKE SA rekeyed by CREATE_CHILD_SA
 *	proposal.c		offering and choosing proposals
 *	proposal_set.c		the connections' distinct IKE proposal
 *				lists, each matched once per offer
 *	sa_table.c		hash tables for the SA lookups
 *	timer_heap.c		the IKE SAs by their next deadline: the
 *				timers run only the SAs due
 *	rekey_queue.c		the rekeys waiting for a place under
 *				the bound, woken in turn
 *	cookie.c		COOKIEs and their secret
 *	fragment.c		IKE fragmentation (RFC 7383): negotiated
 *				in IKE_SA_INIT, messages split and put
 *				back together
 *	iface.c			local interfaces and their addresses
 *	mif_negotiate.c		MIF: MIF_SUPPORTED in IKE_AUTH (mif.h)
 *	mif_announce.c		MIF: our interfaces and the peer's,
 *				MIF_INTERFACES in IKE_AUTH and INFORMATIONAL
 *	mif_failover.c		MIF: the kernel's alternates of our
 *				addresses, failover without them, and
 *				the kernel's own moves and deletes
 *	auth_method.c, auth_psk.c	authentication methods
 *	pool.c			address pools and their leases
 *	nat.c			NAT traversal: detection, port 4500, ESP
 *				in UDP, keepalives, the peer's new mapping
 *	cfg.c			CFG: inner addresses asked for, leased
 *				from the pools and received (CP payload)
 *	failure.c		FAILED events: why a connection's SA did
 *				not come up, in words (IDs, proposals)
 *	sa_report.c		what the caller sees of the SAs: views
 *				of them for its reports, iterators
 *	conn.h			the configuration of one peer
 */
#ifndef MIF_ENGINE_ENGINE_H
#define MIF_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "engine/conn.h"
#include "engine/conn_index.h"
#include "engine/conn_sas.h"
#include "engine/policy_table.h"
#include "engine/cookie.h"
#include "engine/iface.h"
#include "engine/proposal.h"	/* the limits of ENGINE_REF_OFFER_LIMIT */
#include "engine/proposal_set.h"
#include "engine/reqid_blocks.h"
#include "engine/sa_table.h"
#include "engine/timer_heap.h"
#include "backend/backend.h"

struct ikesa;
struct childsa;
struct trap;

/* Connections: the table grows as they are added, up to this many. */
#define ENGINE_MAX_CONNS	16384
/* The largest window of requests, ours or the peer's (window.h). */
#define ENGINE_WINDOW_MAX	32
/* Default: half-open IKE SAs from which on COOKIEs are demanded. */
#define ENGINE_COOKIE_THRESHOLD	10
/* How long a responder keeps an IKE SA that has not authenticated. */
#define ENGINE_HALF_OPEN_MS	30000
/* Defaults: most half-open IKE SAs in all, and from one address. */
#define ENGINE_HALF_OPEN_MAX		1000
#define ENGINE_HALF_OPEN_MAX_PEER	5
/*
 * Default: the most rekeys of ours in flight at once, across every IKE
 * SA, that the timers start (struct engine's rekeys_in_flight_max).
 */
#define ENGINE_REKEYS_IN_FLIGHT_MAX	100
/* Lost local addresses waiting for the next tick to be failed over. */
#define ENGINE_FAILOVER_LOST_MAX	(2 * IFACE_MAX_ADDRS)

/* Where outgoing datagrams go: from local/lport to remote/rport. */
struct engine_send {
	void (*fn)(void *ctx, const struct ip_addr *local, uint16_t lport,
		   const struct ip_addr *remote, uint16_t rport,
		   const uint8_t *buf, size_t len);
	void *ctx;
};

/* Why an SA went away. */
enum engine_reason {
	ENGINE_R_NONE,
	ENGINE_R_LOCAL,		/* we deleted it */
	ENGINE_R_PEER,		/* the peer deleted it */
	ENGINE_R_REKEYED,	/* replaced by its rekeyed successor */
	ENGINE_R_TIMEOUT,	/* the peer stopped answering (also DPD) */
	ENGINE_R_EXPIRED,	/* Child SA: past its hard lifetime; IKE
				 * SA: deleted at its lifetime, to
				 * authenticate anew (ike_reauth) */
	ENGINE_R_IKE_GONE,	/* Child SA: its IKE SA went away */
	ENGINE_R_CLOSED,	/* torn down without a word (shutdown) */
	ENGINE_R_REPLACED,	/* IKE SA: a new one of the same connection
				 * and identities took its place (unique.c) */
	ENGINE_R_AUTH_FAILED,	/* the peer refused our authentication */
};

enum engine_event_type {
	ENGINE_EV_IKE_UP,	/* IKE SA established; a rekey's: old_sa */
	ENGINE_EV_IKE_DOWN,	/* an established IKE SA is gone: reason */
	ENGINE_EV_CHILD_UP,	/* Child SA installed */
	ENGINE_EV_CHILD_DOWN,	/* installed Child SA removed: reason */
	ENGINE_EV_CHILD_REKEYED,	/* child replaces old (after its UP) */
	ENGINE_EV_REFUSED,	/* a peer's message refused by policy: why */
	ENGINE_EV_FAILED,	/* an IKE or Child SA of conn not set up */
	ENGINE_EV_VIP_ADDED,	/* we got one more inner address: vip */
};

/*
 * FAILED: why an IKE SA of a connection, or a Child SA of one, could not
 * be set up or kept: the error notify we sent or received (0: none, as
 * for a peer that does not answer) and a line that says it all. final:
 * the IKE SA is given up (or, child set, the Child SA); clear for an
 * unauthenticated error answering IKE_SA_INIT, after which the request
 * is still retransmitted (RFC 7296 §2.21.1) in case a valid answer
 * comes. The engine logs the line too, at notice or above.
 */
struct engine_failure {
	uint16_t notify;
	bool sent;		/* we sent the notify, else received it */
	bool final;
	bool child;		/* a Child SA failed; the IKE SA stands */
	const char *why;
};

/*
 * One event. The pointers are valid during the call only; DOWN events
 * come before the SA is freed, with it still readable.
 */
struct engine_event {
	enum engine_event_type type;
	enum engine_reason reason;
	const struct ikesa *sa;
	const struct ikesa *old_sa;	/* IKE_UP of a rekey: the old one */
	const struct childsa *child;	/* CHILD_*: the Child SA */
	const struct childsa *old;	/* CHILD_REKEYED: the one replaced */
	/* REFUSED: what was refused and why, whose, for which conn. */
	const char *why;
	const struct ip_addr *peer;
	const struct conn *conn;	/* REFUSED, FAILED */
	const struct engine_failure *failure;	/* FAILED; sa may be NULL */
	const struct ip_addr *vip;	/* VIP_ADDED: the address */
};

/*
 * Why an IKE_SA_INIT request got no IKE SA (or, OFFER_LIMIT, had part of
 * its offer ignored). Each leaves nothing behind. Dropped, unanswered:
 * MALFORMED (unparsable, or a payload missing), NO_CONN (no connection
 * for the addresses), HALF_OPEN and HALF_OPEN_PEER (half_open_max,
 * half_open_max_peer reached), FAILED (out of memory, or a bad public
 * value). Answered: COOKIE (one to send back), NO_PROPOSAL
 * (NO_PROPOSAL_CHOSEN), INVALID_KE (INVALID_KE_PAYLOAD naming detail).
 * OFFER_LIMIT: detail proposals beyond the limits were ignored. VERSION:
 * a later major version (detail), answered INVALID_MAJOR_VERSION.
 * SHORT_NONCE: Ni of detail bytes, less than half the key of the PRF
 * chosen (RFC 7296 §2.10), answered NO_PROPOSAL_CHOSEN.
 */
enum engine_refusal_reason {
	ENGINE_REF_MALFORMED,
	ENGINE_REF_NO_CONN,
	ENGINE_REF_HALF_OPEN,
	ENGINE_REF_HALF_OPEN_PEER,
	ENGINE_REF_COOKIE,
	ENGINE_REF_NO_PROPOSAL,
	ENGINE_REF_INVALID_KE,
	ENGINE_REF_FAILED,
	ENGINE_REF_OFFER_LIMIT,
	ENGINE_REF_VERSION,
	ENGINE_REF_SHORT_NONCE,
	ENGINE_REF_N
};

struct engine_refusal {
	enum engine_refusal_reason reason;
	const struct ip_addr *remote;
	uint16_t remote_port;
	unsigned int detail;	/* INVALID_KE: the group asked for;
				 * OFFER_LIMIT: proposals ignored */
	/*
	 * NO_PROPOSAL: the first connection for the addresses, and "peer
	 * offered ..., we accept ..." (its IKE proposals); else NULL.
	 */
	const struct conn *conn;
	const char *why;
};

/* A short text for a reason, for logs. */
const char *engine_refusal_name(enum engine_refusal_reason r);

/*
 * Where events go (optional). The callback reports only: it must not
 * change or free SAs of the engine.
 */
struct engine_events {
	void (*fn)(void *ctx, const struct engine_event *ev);
	void *ctx;
};

/*
 * Where refusals go (optional), as events do. A peer causes those at
 * will: a logger should limit its lines.
 */
struct engine_refusals {
	void (*fn)(void *ctx, const struct engine_refusal *r);
	void *ctx;
};

/* Levels, as syslog(3) numbers them. */
enum engine_log_level {
	ENGINE_LOG_ERR = 3,
	ENGINE_LOG_WARNING = 4,
	ENGINE_LOG_NOTICE = 5,
	ENGINE_LOG_INFO = 6,
	ENGINE_LOG_DEBUG = 7,
};

/*
 * Where the engine says why an exchange or an SA failed (optional): the
 * error notify it sent or received, and what it did about it. sa is
 * NULL for an answer that keeps no state (IKE_SA_INIT refused); msg is
 * valid during the call only.
 */
struct engine_log {
	void (*fn)(void *ctx, enum engine_log_level level,
		   const struct ikesa *sa, const char *msg);
	void *ctx;
};

struct engine {
	struct backend *backend;
	struct engine_send send;
	struct engine_events events;
	struct engine_refusals refusals;
	struct engine_log log;

	const struct conn **conns;	/* malloc'ed, max_conns of room */
	unsigned int *conn_set;		/* each one's IKE proposal set */
	unsigned int n_conns, max_conns;
	struct conn_index conn_index;	/* conns by their addresses */
	struct conn_sas_table conn_sas;	/* each conn's IKE SAs */
	struct proposal_sets psets;

	/*
	 * Every IKE SA, any state, the newest first; sa_seq: the number
	 * the next one made is given (its place in that order). The DEAD
	 * ones, linked as they died, for reap(), and how many.
	 */
	struct ikesa *sas;
	unsigned int n_sas;
	uint64_t sa_seq;
	struct ikesa *dead;
	unsigned int n_dead;
	unsigned long sa_gone;	/* IKE SAs killed, freed or deleting */
	unsigned int n_established;	/* IKE SAs in state ESTABLISHED */
	/*
	 * Since start, for `mifctl ike status`: our requests sent again
	 * after their timeout, IKE and Child SAs replaced by a rekey (either
	 * peer's), and rekeys that crossed one of the peer's (§2.8.1, §2.8.2:
	 * the peer's request for an SA we were rekeying ourselves); and
	 * times an IKE SA with a rekey due, its own or a Child SA's, went to
	 * wait for a place, rekeys_in_flight_max reached (rekey_queue.h: it
	 * counts once for all its rekeys due then, and again if it waits
	 * again).
	 */
	struct engine_counts {
		unsigned long retransmits;
		unsigned long ike_rekeys, child_rekeys;
		unsigned long ike_rekey_collisions, child_rekey_collisions;
		unsigned long rekeys_deferred;
	} counts;
	/*
	 * Admission of rekeys: our rekey requests in flight, of IKE and
	 * Child SAs, on every IKE SA (request.h counts them), and the most
	 * the timers start (0: no bound; engine_set_rekeys_max()). At the
	 * bound a rekey that falls due waits in a queue of IKE SAs, rq_head
	 * to *rq_tail, woken in turn as places free (rekey_queue.h), a place
	 * kept for each of the rq_woken woken; those by command
	 * (engine_rekey_ike(), engine_rekey_child()) go, and count. The
	 * peer's rekeys, which its own window bounds, do not count.
	 */
	unsigned int rekeys_in_flight, rekeys_in_flight_max;
	struct ikesa *rq_head, **rq_tail;
	unsigned int rq_woken;
	/*
	 * Timers (timer_heap.h): the IKE SAs by their next deadline; those
	 * touched since the heap was last read, to be re-filed (or, with
	 * touched_all, every one); of the SAs as filed, how many have
	 * MOBIKE without MIF (they move at once when an address is lost);
	 * and how many SA ticks ran (engine_sa_tick(), for tests and
	 * benchmarks).
	 */
	struct timer_heap timers;
	struct ikesa *touched;
	bool touched_all;
	unsigned int n_mobike_plain;
	unsigned long n_sa_ticks;
	struct sa_table by_spi;		/* every IKE SA, by our SPI */
	struct sa_table by_peer;	/* responder SAs, by the peer's SPI */
	struct sa_table by_id;		/* IKE SAs by identities (unique.c) */
	struct policy_table policies;	/* of every installed Child SA */
	struct trap *traps;		/* engine/trap.h */
	uint32_t next_trap_reqid;
	struct sa_table half_open;	/* half-open SAs, by peer address */
	struct reqid_blocks reqid_blocks;	/* of the IKE SAs, ike_sa.h */

	/*
	 * Responder DoS protection (RFC 7296 §2.6): demand a COOKIE when
	 * cookie_required is set, when cookie_threshold (if non-zero)
	 * half-open IKE SAs exist, or, with cookie_modp, before a MODP key
	 * exchange (a costly one that forged requests could ask for).
	 */
	bool cookie_required, cookie_modp;
	unsigned int cookie_threshold;
	unsigned int n_half_open;	/* responder SAs in state AUTH */
	/*
	 * Requests beyond these many half-open IKE SAs, in all or from one
	 * address, are dropped before any work (0: no limit).
	 */
	unsigned int half_open_max, half_open_max_peer;
	/*
	 * Established IKE SAs at most per pair of identities: IKE_AUTH
	 * beyond is refused (id_cap.c); 0: no limit.
	 */
	unsigned int max_ike_sas_per_id;
	/*
	 * Our window as responder, offered with SET_WINDOW_SIZE in IKE_AUTH
	 * (window.h): 1 (or 0) offers nothing.
	 */
	unsigned int window_size;
	struct cookie_secrets cookies;

	unsigned long refused[ENGINE_REF_N];	/* requests, by reason */

	struct iface_table ifaces;	/* local interfaces (iface.h) */
	/*
	 * Failover (mif_failover.h): kernel_failover, the kernel took our
	 * alternates (xfrm_mif) and fails over by itself; else our lost
	 * addresses, to fail over at the next tick.
	 */
	bool kernel_failover;
	struct ip_addr failover_lost[ENGINE_FAILOVER_LOST_MAX];
	unsigned int n_failover_lost;

	/*
	 * The pools of the connections with one (cfg.c), kept across
	 * engine_clear_conns(): those of the connections added again, and
	 * those that still lease addresses, until they are released.
	 */
	struct engine_pool {
		struct pool *pool;
		bool in_use;		/* a connection added names it */
	} *pools;
	unsigned int n_pools;
};

/* Returns 0 or -errno (the cookie secret is random). */
int engine_init(struct engine *e, struct backend *b,
		const struct engine_send *send);
/* Events from now on; NULL: none. */
void engine_set_events(struct engine *e, const struct engine_events *ev);
/* Refusals from now on; NULL: none. */
void engine_set_refusals(struct engine *e, const struct engine_refusals *r);
/* Log lines from now on; NULL: none. */
void engine_set_log(struct engine *e, const struct engine_log *log);
/*
 * The most rekeys of ours in flight that the timers start (0: no bound);
 * those waiting go at once if the new bound has places for them.
 */
void engine_set_rekeys_max(struct engine *e, unsigned int max);
/* Tear down every SA, uninstalling its Child SAs, and wipe secrets. */
void engine_free(struct engine *e);
/*
 * Accept IKE_SA_INIT requests for c. Returns 0, -ENOMEM or -ENOSPC. Its
 * addresses are indexed now (conn_index.h): to change them, clear the
 * connections and add them again, as a reload does.
 */
int engine_add_conn(struct engine *e, const struct conn *c);
/* Forget every connection (before adding those of a new configuration). */
void engine_clear_conns(struct engine *e);

/* One received datagram, sent by remote/rport to local/lport. */
void engine_input(struct engine *e, uint64_t now,
		  const struct ip_addr *local, uint16_t lport,
		  const struct ip_addr *remote, uint16_t rport,
		  const uint8_t *buf, size_t len);

/* Start IKE_SA_INIT for c; NULL on failure. */
struct ikesa *engine_initiate(struct engine *e, const struct conn *c,
			      uint64_t now);

/*
 * Run the timers due at now (retransmissions, liveness checks, IKE and
 * Child SA rekeying, Child SA expiry, half-open expiry). Returns the
 * next deadline, 0 if none: a deadline at or before the caller's now
 * (work that waited for the request window) asks for a tick at once.
 */
uint64_t engine_tick(struct engine *e, uint64_t now);
/*
 * The next deadline, 0 if none (the top of the timer heap, after the SAs
 * changed since the last call are filed again: e is not const).
 */
uint64_t engine_next_deadline(struct engine *e);

/*
 * Requests on an established IKE SA. Each returns 0, -EBUSY while
 * another request of ours is in flight (window of 1), or -errno. A
 * rekey of a Child SA may go beside other Child SAs' requests, as the
 * peer's window takes (window.h), but not beside a Delete of old.
 */
int engine_create_child(struct engine *e, struct ikesa *sa, uint64_t now);
int engine_rekey_child(struct engine *e, struct ikesa *sa,
		       struct childsa *old, uint64_t now);
/*
 * One child of sa's connection (its index, engine_child_index()) on an
 * established IKE SA, by hand or on an acquire of its trap (children.c).
 *
 * engine_child_up(): a new Child SA of child tmpl, with one
 * CREATE_CHILD_SA on the IKE SA's pair, as the initiator creates its
 * further children: sent now if the request window is free, else when
 * it is. 0, or -EINVAL (sa not established, or replaced), -ENOENT (no
 * such child), -EEXIST (a Child SA of it carries traffic), -EALREADY
 * (one is on its way: in flight, queued, or still due), -EBUSY
 * (IKESA_WANT_MAX children queued already).
 * engine_child_down(): delete sa's Child SAs of child tmpl, in one
 * INFORMATIONAL. Their number, or -EINVAL, -ENOENT (none), -EBUSY (a
 * request in flight: try again), -errno.
 * engine_child_index(): the index of c's child called name, or -1.
 */
int engine_child_up(struct engine *e, struct ikesa *sa, unsigned int tmpl,
		    uint64_t now);
int engine_child_down(struct engine *e, struct ikesa *sa, unsigned int tmpl,
		      uint64_t now);
int engine_child_index(const struct conn *c, const char *name);
/* Replace sa by a new IKE SA, which takes over its Child SAs. */
int engine_rekey_ike(struct engine *e, struct ikesa *sa, uint64_t now);
int engine_delete_child(struct engine *e, struct ikesa *sa,
			struct childsa *c, uint64_t now);
int engine_delete_ike(struct engine *e, struct ikesa *sa, uint64_t now);
int engine_dpd(struct engine *e, struct ikesa *sa, uint64_t now);

/* What engine_mif_delete() started, over the IKE SAs it looked at. */
struct engine_mif_delete {
	unsigned int sent;	/* with MIF: MIF_DELETE_INTERFACE sent or queued */
	unsigned int plain;	/* without: an INFORMATIONAL Delete sent */
	unsigned int children;	/* Child SAs bound to the address in those */
	unsigned int refused;	/* IKE SAs using it that cannot now */
};

/*
 * Withdraw our address addr (mifctl ike iface del) from every
 * established IKE SA of connection conn (NULL: all) that has it
 * (docs/protocol/mif.md, MIF_DELETE_INTERFACE): its Child SAs bound to
 * addr go on both sides once the peer answers. 0 if one IKE SA at least
 * started; -ENOENT: none uses addr; else the error of the last refused
 * one: -EADDRINUSE (the IKE SA's own address: delete the IKE SA), -EBUSY
 * (a delete waits already, or, without MIF, a request is in flight).
 */
int engine_mif_delete(struct engine *e, const char *conn,
		      const struct ip_addr *addr, uint64_t now,
		      struct engine_mif_delete *r);

/*
 * The local interfaces, as the caller reads them from the kernel: each
 * change as it happens. An IKE SA with MIF whose announcement a change
 * alters announces again (engine/mif.h), from engine_tick(): the next
 * deadline says when. Every refusal is also logged, with its reason.
 *
 * engine_iface_update: add or change the interface ifc->ifindex (name,
 * up; the other fields are ignored, its addresses kept). Returns 0,
 * -EINVAL, -ENOSPC (IFACE_MAX interfaces already: ignored),
 * -EOVERFLOW (IFACE_ID_MAX names seen already: ignored) or -ENOMEM.
 * engine_iface_del: it is gone; 0 or -ENOENT.
 * engine_iface_addr: addr added to or removed from ifindex; 0, -ENOENT
 * (an interface not in the table), -ENOSPC (IFACE_MAX_ADDRS of its
 * family already: ignored) or -EAFNOSUPPORT.
 */
int engine_iface_update(struct engine *e, const struct iface *ifc);
int engine_iface_del(struct engine *e, int ifindex);
int engine_iface_addr(struct engine *e, int ifindex,
		      const struct ip_addr *addr, bool add);
/* Lookups; NULL if none. The entries move on every change. */
const struct iface *engine_iface_by_id(const struct engine *e, uint16_t id);
const struct iface *engine_iface_by_ifindex(const struct engine *e,
					    int ifindex);
/* Which interface has this address. */
const struct iface *engine_iface_by_addr(const struct engine *e,
					 const struct ip_addr *addr);

/*
 * What an interface operation by command (mifctl ike iface ...) did,
 * counted over the IKE SAs it concerned.
 */
struct engine_iface_op {
	unsigned int started;	/* exchanges sent */
	unsigned int busy;	/* a request was in flight: try again */
	unsigned int no_mif;	/* MIF not negotiated: nothing to do */
	unsigned int nothing;	/* no Child SA to derive */
	unsigned int failed;	/* refused here, logged */
	unsigned int no_cfg;	/* cfg: the connection asks for no
				 * inner address */
};

/*
 * Add the local address addr (of an interface its connection allows) to
 * every established IKE SA of the address's family (of connection conn;
 * NULL: every one): each derives Child SAs on it from those on the
 * interfaces of the addresses from[0..n_from) (0: the default order),
 * towards the peer's address peer (NULL: the IKE SA's), in one
 * MIF_ADD_INTERFACE exchange (engine/mif_add.h), with cfg asking for a
 * new inner address in it (engine/cfg_add.h). 0, or -EINVAL (a from
 * address on none of our interfaces), -ENOENT (no such IKE SA).
 */
int engine_iface_add(struct engine *e, const char *conn,
		     const struct ip_addr *addr, const struct ip_addr *from,
		     unsigned int n_from, const struct ip_addr *peer,
		     bool cfg, uint64_t now, struct engine_iface_op *r);

/*
 * Our address addr gets the alternates alts[0..n) (0: back to the
 * default rule) on every established IKE SA that uses it (of connection
 * conn; NULL: every one), each told to its peer with one MIF_ALTERNATES
 * (engine/mif_alt.h); counted in r (nothing: the list fails the checks,
 * logged, is in failed). 0, or -EINVAL (more than 8, or of two
 * families), -ENOENT (no such IKE SA).
 */
int engine_iface_alt(struct engine *e, const char *conn,
		     const struct ip_addr *addr, const struct ip_addr *alts,
		     unsigned int n, uint64_t now, struct engine_iface_op *r);

/*
 * The pool of conn c (NULL: it has none) and, for mifctl, each pool in
 * turn: i from 0, NULL at the end.
 */
struct pool *engine_conn_pool(const struct engine *e, const struct conn *c);
const struct pool *engine_pool_at(const struct engine *e, unsigned int i);

/*
 * Trap policies (engine/trap.h): each child of a connection as policies
 * without SAs, behind its Child SAs, whose acquires start it.
 *
 * engine_trap_install(): trap every child of conn (those with selectors
 * both ways) not trapped yet. Returns the number trapped now, or the
 * first error (-ENOSPC: out of trap reqids; the backend's), the
 * children trapped before it staying. engine_trap_remove(): remove
 * conn's traps; a policy a Child SA still needs stays its.
 * engine_trap_conn(): the connection of the trap of reqid (an
 * acquire's), or NULL.
 *
 * Reloading: engine_traps_retire() marks every trap retired; the new
 * configuration's are installed beside them (its connections are other
 * pointers), and engine_traps_remove_retired() removes the old ones, so
 * that a flow trapped in both never loses its policy.
 */
int engine_trap_install(struct engine *e, const struct conn *conn);
/*
 * engine_drop_install(): the same as drops, whose acquires start nothing
 * (engine_trap_is_drop()): what the policies fall back to when the last
 * Child SA goes, so that the traffic is dropped, not sent in clear.
 * engine_trap_installed() and engine_trap_remove() cover drops too.
 */
int engine_drop_install(struct engine *e, const struct conn *conn);
bool engine_trap_is_drop(const struct engine *e, uint32_t reqid);
void engine_trap_remove(struct engine *e, const struct conn *conn);
bool engine_trap_installed(const struct engine *e, const struct conn *conn);
const struct conn *engine_trap_conn(const struct engine *e, uint32_t reqid);
/* The child index of the trap of reqid, or -1. */
int engine_trap_child(const struct engine *e, uint32_t reqid);
void engine_traps_retire(struct engine *e);
void engine_traps_remove_retired(struct engine *e);

/*
 * What the kernel did outside our own calls (the backend's read_events):
 * a move (mifctl sa rewrite, or xfrm_mif's failover) or a delete of the
 * SAs bound to an address. The Child SAs concerned take the kernel's
 * addresses, or are dropped, and the peer is told (mif_failover.c).
 */
void engine_kernel_event(struct engine *e, const struct kernel_event *ev,
			 uint64_t now);

/*
 * A count that moves whenever an IKE SA is killed, freed, or starts
 * its deletion: while it stands still, one found by engine_find_sa()
 * still is, in the same state or a further one of its set-up.
 */
unsigned long engine_sa_gone(const struct engine *e);
/* Lookup by our SPI; initiator: we started the IKE SA. */
struct ikesa *engine_find_sa(const struct engine *e, uint64_t spi,
			     bool initiator);

/*
 * What the caller sees of the SAs, for its reports and commands
 * (sa_report.c): struct ikesa and struct childsa stay opaque to it; it
 * walks them with the iterators and reads each through a view, a copy
 * of what it may know, valid until the engine next runs (the pointers
 * in it point into the SA).
 *
 * engine_sa_next: the IKE SA after sa (NULL: the first), in any state;
 * NULL at the end. engine_child_next: the same for sa's Child SAs.
 * engine_for_each_sa, engine_for_each_child: loops over them; the SA in
 * hand may be deleted or dropped, it is freed only by the engine's next
 * run.
 * engine_ike_view, engine_child_view: fill v from sa, or from its
 * Child SA c.
 * engine_sa_set_conn: sa belongs to c from now on (a reload that keeps
 * it: c says nothing different of what was negotiated).
 * engine_drop_sa: forget sa without a word to the peer, saying why; it
 * goes at the next engine_input() or engine_tick().
 * engine_child_name: the name of the connection's child c is made from.
 * engine_child_ifname: the local interface of c's pair (MIF), or NULL.
 * engine_local_id_text, engine_peer_id_text: our ID and the peer's as
 * text in out (ENGINE_ID_TEXT_MAX is room for any), or NULL if none.
 */
enum ikesa_state {
	IKESA_INIT,		/* IKE_SA_INIT in progress */
	IKESA_AUTH,		/* keys derived, IKE_AUTH in progress */
	IKESA_ESTABLISHED,
	IKESA_DELETING,		/* our Delete of the IKE SA is in flight */
	IKESA_DEAD,		/* to be freed by the engine */
};

struct mif_interfaces;

/* MIF on an IKE SA (engine/mif.h): in force, or why not. */
struct engine_mif_view {
	bool on;
	const char *why;	/* !on: mif_status_name() */
	/* on: */
	unsigned int version;	/* agreed */
	const struct mif_interfaces *ours;	/* as sent; NULL: not yet */
	bool refused;		/* the peer refused ours */
	bool pending;		/* ours changed, or is on its way */
	const struct mif_interfaces *peer;	/* NULL: none in force */
	/*
	 * Alternates by hand, the peer's lists, failback (mif_alt.h): how
	 * many; each through engine_mif_alt() and engine_mif_failback().
	 */
	unsigned int n_alt_ours, n_alt_peer, n_failback;
};

/*
 * List i of sa's alternates: ours (by hand) or the peer's. Fills addr
 * and alts[0..*n) (at most 8); false past the end.
 */
struct ikesa;
bool engine_mif_alt(const struct ikesa *sa, bool ours, unsigned int i,
		    struct ip_addr *addr, struct ip_addr *alts,
		    unsigned int *n);
/* Failover i of sa noted for failback: from, to, whether from is back. */
bool engine_mif_failback(const struct ikesa *sa, unsigned int i,
			 struct ip_addr *from, struct ip_addr *to, bool *back);

struct engine_ike_view {
	const struct conn *conn;	/* NULL: none */
	enum ikesa_state state;
	bool initiator;
	uint64_t spi_i, spi_r;
	struct ip_addr local, remote;	/* where its messages go */
	uint16_t local_port, remote_port;
	const char *nat;	/* "off", "none", "local", ... (nat.h) */
	/* Negotiated transforms by name; encr NULL: none yet. */
	const char *encr, *integ, *prf, *dh;
	/* ms, the engine's clock; 0: not (yet) */
	uint64_t established_at, last_heard, rekey_at;
	struct engine_mif_view mif;
	/*
	 * Inner addresses (cfg.c): leased to the peer from pool (NULL:
	 * none) as responder, given to us as initiator.
	 */
	const char *pool;
	unsigned int n_vips;
	const struct ip_addr *vips;
	unsigned int n_installed;	/* Child SAs in the kernel */
	/* MOBIKE negotiated; the peer's other addresses (mobike.h). */
	bool mobike;
	unsigned int n_mobike_peer;
	const struct ip_addr *mobike_peer;
};

struct engine_child_view {
	const char *name;	/* of the connection's child it is made from */
	const char *ifname;	/* our interface of its pair (MIF), or NULL */
	uint32_t spi_in, spi_out, reqid;
	enum kernel_mode mode;
	bool installed;
	struct ip_addr local, remote;	/* outer addresses */
	/* The interfaces of its pair, as announced (0: the IKE SA's). */
	uint16_t local_iface, remote_iface;
	const char *encr, *integ;	/* NULL: none */
	bool esn;
	unsigned int n_local_ts, n_remote_ts;
	const struct ike_selector *local_ts, *remote_ts;
};

#define ENGINE_ID_TEXT_MAX	(4 * CONN_MAX_ID + 8)
struct ikesa *engine_sa_next(const struct engine *e, const struct ikesa *sa);
/* The IKE SAs of connection c, any state: as engine_sa_next. */
struct ikesa *engine_conn_sa_next(const struct engine *e, const struct conn *c,
				  const struct ikesa *sa);
const struct childsa *engine_child_next(const struct ikesa *sa,
					const struct childsa *c);
#define engine_for_each_sa(sa, e) \
	for ((sa) = engine_sa_next((e), NULL); (sa); \
	     (sa) = engine_sa_next((e), (sa)))
/* Those of connection c only, without a walk of every SA. */
#define engine_for_each_conn_sa(sa, e, c) \
	for ((sa) = engine_conn_sa_next((e), (c), NULL); (sa); \
	     (sa) = engine_conn_sa_next((e), (c), (sa)))
#define engine_for_each_child(c, sa) \
	for ((c) = engine_child_next((sa), NULL); (c); \
	     (c) = engine_child_next((sa), (c)))
void engine_ike_view(const struct ikesa *sa, struct engine_ike_view *v);
void engine_child_view(const struct ikesa *sa, const struct childsa *c,
		       struct engine_child_view *v);
void engine_sa_set_conn(struct ikesa *sa, const struct conn *c);
void engine_drop_sa(struct ikesa *sa, enum engine_reason why);
/*
 * Move sa's SAs and policies bound to old (ours if local, else the
 * peer's) to new, by MIF_MOVE (engine/mif_move.h, mif_move_start()).
 * 0: started or queued, else -errno.
 */
int engine_iface_move(struct ikesa *sa, const struct ip_addr *old,
		      const struct ip_addr *new, bool local, uint64_t now);
/* How many IKE SAs of e are established, without filling views. */
unsigned int engine_n_established(const struct engine *e);
const char *engine_child_name(const struct ikesa *sa,
			      const struct childsa *c);
const char *engine_child_ifname(const struct ikesa *sa,
				const struct childsa *c);
const char *engine_local_id_text(const struct ikesa *sa, char *out,
				 size_t len);
const char *engine_peer_id_text(const struct ikesa *sa, char *out,
				size_t len);

#endif
