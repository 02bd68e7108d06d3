/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An IKE SA: its SPIs, keys, message-ID windows and Child SAs, and the
 * helpers every exchange uses to send and receive its messages.
 */
#ifndef MIF_ENGINE_IKE_SA_H
#define MIF_ENGINE_IKE_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "crypto/dh.h"
#include "crypto/keys.h"
#include "crypto/sk_cipher.h"
#include "engine/child_sa.h"
#include "engine/conn.h"
#include "engine/engine.h"
#include "engine/mif.h"
#include "engine/mobike.h"
#include "engine/nat.h"
#include "engine/peer_alt.h"
#include "engine/proposal.h"
#include "engine/rekey_queue.h"
#include "engine/request.h"
#include "ike/message.h"
#include "ike/nonce.h"
#include "ike/notify.h"

/*
 * A request of ours in flight: what every exchange's request has. What
 * it is about, for its response handler, is the exchange's own state
 * (request.h). One at a time but for Child SAs' requests (new ones,
 * rekeys, Deletes), which may fill the peer's window side by side
 * (window.h).
 */
struct ikesa_request {
	bool active;
	bool parallel;		/* a Child SA's: others may join it */
	uint8_t exchange;
	uint32_t msg_id;
	uint8_t *buf;
	size_t len;
	unsigned int tries;	/* retransmissions so far */
	uint64_t deadline;
	struct request_state *state;	/* NULL: nothing to remember */
	/*
	 * Sent, and resent, from local to remote instead of the IKE SA's
	 * pair (a return-routability check, rr_check.h); at lport and
	 * rport, 0: the IKE SA's.
	 */
	bool away;
	struct ip_addr local, remote;
	uint16_t lport, rport;
};

/*
 * The IKE SA's lifetime (the connection's ike_lifetime_s), which each
 * side enforces on its own (§2.8). The initiator rekeys at nine tenths.
 * The responder rekeys only if the initiator has not by then: at a
 * random point in the last twentieth, so that with equal lifetimes it
 * never comes first and two rekeys rarely cross. A failed rekey is
 * tried again a tenth of the lifetime later. With ike_reauth, the
 * same timer deletes the IKE SA instead (reason ENGINE_R_EXPIRED), and
 * its initiator then sets up a new one with IKE_SA_INIT and IKE_AUTH,
 * after the Delete: the kernel policies of the old Child SAs go with
 * them, before the new ones come.
 */
#define IKE_REKEY_MARGIN(life)		((life) / 10)
#define IKE_RESPONDER_JITTER(life)	((life) / 20)
#define IKE_REKEY_RETRY(life)		((life) / 10)

/* Child SAs gone on our side that the peer still has to hear about. */
#define IKESA_DEL_PENDING	8
/*
 * SPIs the peer deleted that named none of our Child SAs while our
 * CREATE_CHILD_SA requests were in flight (create_child_sa.c).
 */
#define IKESA_DEL_AHEAD		8
/* Children waiting for the window to be created (engine_child_up()). */
#define IKESA_WANT_MAX		8

struct ikesa {
	/*
	 * On the engine's list of every SA (next, and pprev: what points
	 * at it), after seq, its number in it; once DEAD, on its dead list
	 * too, till reaped (dead_pprev NULL: not on it).
	 */
	struct ikesa *next, **pprev;
	uint64_t seq;
	struct ikesa *dead_next, **dead_pprev;
	struct engine *engine;
	/*
	 * In the engine's timer heap under its deadline (timer_heap.h);
	 * touched: on the engine's list of SAs to file again, by
	 * touched_next; mobike_plain: counted in e->n_mobike_plain.
	 */
	struct timer_node timer;
	struct ikesa *touched_next;
	bool touched, mobike_plain;
	/*
	 * In the engine's queue of rekeys waiting for a place, after rq_pprev
	 * (NULL: not in it), or woken from it (rekey_queue.h).
	 */
	struct ikesa *rq_next, **rq_pprev;
	enum rekey_queue_state rq_state;
	const struct conn *conn;
	/* On conn's list of SAs (conn_sas.h); conn_stray: on the strays'. */
	struct ikesa *conn_next, **conn_pprev;
	bool conn_stray;
	struct sa_node by_spi, by_peer;	/* in the engine's tables */
	struct sa_node by_id;		/* once the peer's ID is known */
	struct sa_node by_addr;		/* half open: in e->half_open */
	bool announced;			/* IKE_UP reported */
	bool half_open;			/* counted in engine n_half_open */
	enum engine_reason why;		/* why it goes: the first given */

	bool initiator;		/* we sent the IKE_SA_INIT request */
	enum ikesa_state state;
	uint64_t spi_i, spi_r;

	/*
	 * Where its messages go and come from: the initiator's local and
	 * remote ports move to 4500 behind a NAT, the remote address and
	 * port follow the peer's NAT (nat.h).
	 */
	struct ip_addr local, remote;
	uint16_t local_port, remote_port;
	struct nat_state nat;
	/*
	 * The peer's ID (type, then the data), malloc'ed: the configured
	 * remote_id from the start when we initiate, the authenticated one
	 * otherwise; NULL until then.
	 */
	uint8_t *peer_id;
	size_t peer_id_len;

	struct proposal_choice ike;	/* negotiated IKE transforms */
	uint16_t ke_group;
	/*
	 * Our IKE_SA_INIT key pair, malloc'ed (a MODP 4096 one takes a
	 * kilobyte): NULL once the keys are derived, as for most of the
	 * IKE SA's life.
	 */
	struct dh *dh;
	/*
	 * Ni and Nr, malloc'ed (ikesa_set_nonce()): from IKE_SA_INIT, or
	 * the rekey that made the IKE SA, until AUTH, the first Child SAs'
	 * keys and a rekey collision no longer need them
	 * (ikesa_drop_nonces()); NULL, 0 after, as for most of its life.
	 */
	uint8_t *ni, *nr;
	size_t ni_len, nr_len;
	/* The responder's COOKIE to send back, malloc'ed; none: NULL. */
	uint8_t *cookie;
	size_t cookie_len;
	unsigned int init_retries;	/* COOKIE and INVALID_KE detours */
	uint16_t init_error;	/* last error notify answering IKE_SA_INIT */
	/* The IKE_SA_INIT messages, signed by AUTH. */
	uint8_t *init_req, *init_resp;
	size_t init_req_len, init_resp_len;

	struct ike_keys keys;
	struct sk_keys sk_in, sk_out;
	bool keyed;

	uint32_t req_next;		/* message ID of our next request */
	/*
	 * Our request in flight, the one every exchange reads; with a
	 * window above 1, the other Child SAs' requests in flight wait in
	 * parked (window.h), n_parked of room for max_parked.
	 */
	struct ikesa_request req;
	struct ikesa_request *parked;
	unsigned int n_parked, max_parked;
	/* The peer's window (SET_WINDOW_SIZE) and ours; 0 is 1. */
	unsigned int peer_window, resp_window;
	uint32_t resp_next;		/* lowest request not yet processed */
	uint8_t *resp_buf;		/* our last response, for replays */
	size_t resp_len;
	/* Our window above 1: the last resp_window responses (window.h). */
	struct ikesa_response *resps;

	uint64_t unique_delete_at;	/* ms; send a Delete of it once the
					 * window is free (unique.c); 0: no */
	uint64_t established_at;	/* ms; first established; 0: not */
	uint64_t id_cap_logged;		/* ms; an IKE_AUTH refused over its
					 * identities' cap was logged, id_cap.c */
	uint64_t last_heard;		/* ms; for liveness checks */
	uint64_t expire;		/* ms; 0: none */
	uint64_t rekey_at;		/* ms; 0: none */
	/*
	 * The peer rekeyed this IKE SA, we answered (§2.18): it starts
	 * nothing any more and waits for the peer's Delete, until
	 * delete_at (ms), when we delete it ourselves.
	 */
	bool replaced;
	uint64_t delete_at;
	/*
	 * Two rekeys of one IKE SA that crossed (§2.8.2, ike_rekey.c): on
	 * the old IKE SA, while our rekey of it is in flight, the new IKE SA
	 * the peer's rekey made (rekey_coll), held (replaced, holding
	 * nothing of the old one) until ours is answered and the nonces
	 * say which of the two stays; on that new IKE SA, the old one
	 * (rekey_of). NULL: none. Each clears the other's when it goes.
	 */
	struct ikesa *rekey_coll, *rekey_of;
	bool reauth;		/* deleted to set up a new one: initiate it */

	struct childsa *children;
	/*
	 * Its block of reqids (IKESA_REQID_BITS low bits free): every Child
	 * SA of this IKE SA has a reqid of the block, so one interface-wide
	 * kernel operation scoped to the block touches this IKE SA's SAs and
	 * policies only (ikesa_kernel_scope()). reqid_next: the next one
	 * to try. A rekeyed IKE SA takes its predecessor's block.
	 */
	uint32_t reqid_base, reqid_next;
	/*
	 * Initiator: the next of the connection's children to create
	 * (children.c); 0: none, as on a responder.
	 */
	unsigned int next_child;
	/*
	 * Children asked for one by one on the established IKE SA
	 * (engine_child_up(): an acquire, mifctl ike child up), in order;
	 * each is created when the request window is free.
	 */
	unsigned int want[IKESA_WANT_MAX];
	unsigned int n_want;
	/* spi_in of expired Child SAs, for a Delete once the window opens */
	uint32_t del_pending[IKESA_DEL_PENDING];
	unsigned int n_del_pending;
	uint64_t del_pending_at;	/* ms; when the first was queued */
	/*
	 * The peer's Deletes of Child SAs we do not know yet: its inbound
	 * SPI, and our next message ID when it came. One of our requests
	 * below that may make the Child SA, the Delete having crossed its
	 * answer (create_child_sa_deleted_ahead()). Room for
	 * IKESA_DEL_AHEAD, malloc'ed with the first and freed with the
	 * last: most IKE SAs never see one.
	 */
	struct ikesa_del_ahead {
		uint32_t spi;
		uint32_t before;
	} *del_ahead;
	unsigned int n_del_ahead;

	/*
	 * IKE fragmentation (fragment.h): negotiated; the request and the
	 * response being reassembled, or NULL.
	 */
	bool frag;
	struct reassembly *reasm[2];

	/* MIF (engine/mif.h): in force or why not; its state if offered. */
	enum mif_status mif_status;
	struct mif_sa *mif;
	/* MOBIKE (engine/mobike.h). */
	struct mobike_sa mobike;
	/*
	 * The peer's address stopped answering (peer_alt.h): malloc'ed
	 * while a probe runs or has spent the alternates; else NULL.
	 */
	struct peer_alt_sa *peer_alt;

	/*
	 * Inner addresses (cfg.c), in the order of the CFG_REPLY: leased
	 * to the peer from pool (responder), or given to us (initiator).
	 */
	struct pool *pool;
	unsigned int n_vips;
	/* CONN_MAX_VIPS of room, malloc'ed with the first (cfg_vip_room()). */
	struct ip_addr *vips;
};

/* A new IKE SA in state INIT, linked into e. */
struct ikesa *ikesa_new(struct engine *e, const struct conn *c,
			bool initiator, const struct ip_addr *local,
			uint16_t lport, const struct ip_addr *remote,
			uint16_t rport);
/* Unlink, uninstall every Child SA, wipe and free. */
void ikesa_destroy(struct ikesa *sa);
/* sa belongs to c from now on, on c's list of SAs (conn_sas.h). */
void ikesa_set_conn(struct ikesa *sa, const struct conn *c);
/*
 * Responder: IKE_SA_INIT answered, IKE_AUTH awaited. The engine counts
 * such SAs until they are established or go, in all and by the peer's
 * address (for the COOKIE threshold and the half-open limits).
 */
void ikesa_half_open(struct ikesa *sa);
/* Half-open IKE SAs from addr, counted up to at most max. */
unsigned int ikesa_half_open_from(const struct engine *e,
				  const struct ip_addr *addr,
				  unsigned int max);
/*
 * sa's deadline may change, or has: file it again before the timer heap
 * is next read (the rule in timer_heap.h). engine_touch_all: every SA.
 */
void ikesa_touch(struct ikesa *sa);
void engine_touch_all(struct engine *e);
/* Mark for destruction by the engine. */
void ikesa_kill(struct ikesa *sa);
/* Off the engine's dead list, if on it (reap(), ikesa_destroy()). */
void ikesa_undead(struct ikesa *sa);
/*
 * sa leaves state ESTABLISHED (if in it) for another: out of the
 * engine's count. Called before the state changes.
 */
void ikesa_leave_established(struct ikesa *sa);
/* sa enters state ESTABLISHED: into the engine's count, once. */
void ikesa_enter_established(struct ikesa *sa);
/* The same, saying why (unless a reason was given before). */
void ikesa_kill_why(struct ikesa *sa, enum engine_reason why);
/* Record why sa goes, unless a reason was given before. */
void ikesa_why(struct ikesa *sa, enum engine_reason why);
/*
 * Authenticated and keyed: start the timers (IKE_REKEY_MARGIN and
 * the rest above) and report it; old: the IKE SA it rekeys, or NULL.
 */
void ikesa_established(struct ikesa *sa, uint64_t now,
		       const struct ikesa *old);
/*
 * The peer has rekeyed sa into another IKE SA: stop its timers, and
 * delete it at now plus as long as its Delete could be retransmitted
 * (our own retransmission settings), unless the peer does it first.
 */
void ikesa_replaced(struct ikesa *sa, uint64_t now);
/*
 * Our rekey of sa met the peer's own (TEMPORARY_FAILURE, RFC 7296
 * §2.25): if its timer started it, try again after a random half to
 * whole IKE_REKEY_RETRY, so that two peers that started at once do not
 * meet again.
 */
void ikesa_rekey_later(struct ikesa *sa, uint64_t now);
/* Set the SPIs, keeping the engine's lookup tables right. 0 or -ENOMEM. */
int ikesa_set_spis(struct ikesa *sa, uint64_t spi_i, uint64_t spi_r);
/*
 * Set the peer's ID and file sa under it and our own ID in the engine's
 * table of identities (unique.c). 0 or -ENOMEM.
 */
int ikesa_set_peer_id(struct ikesa *sa, uint8_t type, const uint8_t *data,
		      size_t len);
/* The hash of sa's identities in that table. */
uint64_t ikesa_hash_ids(const struct ikesa *sa);

/*
 * Derive the IKE SA keys from the DH shared secret, the nonces and the
 * SPIs; old: the IKE SA it rekeys (§2.18), or NULL.
 */
int ikesa_derive_keys(struct ikesa *sa, const struct ikesa *old,
		      const uint8_t *g_ir, size_t len);

/*
 * Set sa's Nr (nr) or Ni to a copy of the len bytes at data, or to len
 * random bytes with data NULL. 0 or -errno (the nonce unset).
 */
int ikesa_set_nonce(struct ikesa *sa, bool nr, const uint8_t *data,
		    size_t len);
/* Ni and Nr are needed no more: free them. */
void ikesa_drop_nonces(struct ikesa *sa);

/* An SPI as the 8 wire bytes, and back. */
void ikesa_spi_bytes(uint64_t spi, uint8_t out[8]);
uint64_t ikesa_spi_value(const uint8_t in[8]);

/*
 * Build a message of sa: plain payloads for IKE_SA_INIT, an SK payload
 * around them otherwise, or its fragments (fragment.h). *out is
 * malloc'ed.
 */
int ikesa_build(struct ikesa *sa, uint8_t exchange, bool response,
		uint32_t msg_id, const struct ike_chain *inner,
		uint8_t **out, size_t *out_len);
/*
 * Encrypt plain (len bytes) into the body of the SK or SKF payload that
 * ends the message built from start to the end of w: its last
 * len + sk_overhead() bytes, all before them its AAD. 0 or -errno.
 */
int ikesa_encrypt_tail(struct ikesa *sa, struct ike_writer *w, size_t start,
		       const uint8_t *plain, size_t len);
/* Send a new request with the next message ID and arm retransmission. */
int ikesa_request(struct ikesa *sa, uint64_t now, uint8_t exchange,
		  const struct ike_chain *inner);
/*
 * The same, sent (and resent) from local to remote, at the IKE SA's
 * ports, instead of the IKE SA's own pair.
 */
int ikesa_request_away(struct ikesa *sa, uint64_t now, uint8_t exchange,
		       const struct ike_chain *inner,
		       const struct ip_addr *local,
		       const struct ip_addr *remote);
/* The same, at the ports lport and rport (0: the IKE SA's). */
int ikesa_request_to(struct ikesa *sa, uint64_t now, uint8_t exchange,
		     const struct ike_chain *inner,
		     const struct ip_addr *local, uint16_t lport,
		     const struct ip_addr *remote, uint16_t rport);
/* Send our request in flight again, where it went. */
void ikesa_resend_request(struct ikesa *sa);
/* The same for request r of sa. */
void ikesa_resend(struct ikesa *sa, const struct ikesa_request *r);
/* Answer request msg_id; the answer is kept for replays. */
int ikesa_respond(struct ikesa *sa, uint8_t exchange, uint32_t msg_id,
		  const struct ike_chain *inner);
/*
 * The same, sent from local to remote: where the request came from
 * (RFC 7296 §2.11), when that is not the IKE SA's pair.
 */
int ikesa_respond_to(struct ikesa *sa, uint8_t exchange, uint32_t msg_id,
		     const struct ike_chain *inner,
		     const struct ip_addr *local, uint16_t lport,
		     const struct ip_addr *remote, uint16_t rport);
/* Answer with one notify (errors). */
int ikesa_respond_notify(struct ikesa *sa, uint8_t exchange, uint32_t msg_id,
			 uint16_t type);
int ikesa_respond_notify_data(struct ikesa *sa, uint8_t exchange,
			      uint32_t msg_id, uint16_t type,
			      const void *data, size_t len);
/*
 * The request got its answer: stop retransmitting. Another request of
 * the window still in flight takes its place in sa->req.
 */
void ikesa_request_done(struct ikesa *sa);
/*
 * Request msg_id is answered later (or never): a retransmission of it
 * meanwhile gets no response.
 */
void ikesa_response_forget(struct ikesa *sa, uint32_t msg_id);
/* Send a message built by ikesa_build(): one datagram per fragment. */
void ikesa_send(struct ikesa *sa, const uint8_t *buf, size_t len);
/* The same, from local to remote instead of the IKE SA's pair. */
void ikesa_send_to(struct ikesa *sa, const struct ip_addr *local,
		   uint16_t lport, const struct ip_addr *remote,
		   uint16_t rport, const uint8_t *buf, size_t len);

/* Decrypted payload bytes. */
struct ikesa_plain {
	uint8_t *p;
	size_t len;
};

/*
 * Check and decrypt the SK payload of buf. 0: inner holds the payloads
 * (pointing into plain, which the caller releases with ikesa_plain_free
 * after ike_chain_free); -EBADMSG: drop silently; -EINVAL: authenticated
 * but malformed, err says which notify to answer with (err->payload is
 * the notify data for UNSUPPORTED_CRITICAL_PAYLOAD).
 */
int ikesa_decrypt(struct ikesa *sa, const uint8_t *buf, size_t len,
		  struct ike_chain *inner, struct ikesa_plain *plain,
		  struct ike_error *err);
/* Wipe and free. */
void ikesa_plain_free(struct ikesa_plain *plain);

/* Child SAs of sa; adding an installed one reports it. */
void ikesa_add_child(struct ikesa *sa, struct childsa *c);

/* 2^12 reqids per IKE SA, 2^20 - 1 blocks (block 0 is never used). */
#define IKESA_REQID_BITS	12
#define IKESA_REQID_MASK	(~((1u << IKESA_REQID_BITS) - 1))
#define IKESA_REQID_BLOCKS	(1u << (32 - IKESA_REQID_BITS))
/*
 * A reqid of sa's block that none of its Child SAs has (never the
 * block's own base); 0 when all 4095 are taken: no more Child SAs.
 */
uint32_t ikesa_reqid(struct ikesa *sa);
/*
 * The scope of an interface-wide kernel operation started by sa: its
 * block of reqids (and nothing else today: mifd sets no mark or if_id).
 */
void ikesa_kernel_scope(const struct ikesa *sa, struct kernel_scope *s);
/* Whether sa is of the connection named conn; any, with conn NULL. */
bool ikesa_of_conn(const struct ikesa *sa, const char *conn);
struct childsa *ikesa_find_child(struct ikesa *sa, uint32_t spi, bool in);
/*
 * Unlink, uninstall and free one Child SA, reporting why. The policies
 * it shares with other Child SAs stay (policy_table.h).
 */
void ikesa_del_child(struct ikesa *sa, struct childsa *c,
		     enum engine_reason why);
/*
 * Unlink one Child SA and report it gone, leaving it installed: the
 * caller owns it now.
 */
void ikesa_take_child(struct ikesa *sa, struct childsa *c,
		      enum engine_reason why);
/* Report that c replaces old. */
void ikesa_child_rekeyed(struct ikesa *sa, const struct childsa *c,
			 const struct childsa *old);
/* Remember spi_in of a Child SA removed without the peer's knowledge. */
void ikesa_queue_delete(struct ikesa *sa, uint32_t spi, uint64_t now);

/* Helpers for building payloads. */
void ikesa_notify(struct ike_notify *n, uint16_t type, const void *data,
		  size_t len);
/* ID payload body ("RestOfIDPayload") of a configured ID. */
size_t ikesa_id_body(const struct conn_id *id, uint8_t *out, size_t max);

#endif
