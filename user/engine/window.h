/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The message-ID windows of an IKE SA above 1 (RFC 7296 §2.3).
 *
 * Ours, as responder: window_size of mifd.conf, offered with
 * SET_WINDOW_SIZE in IKE_AUTH. The peer's requests from the lowest
 * one not yet processed (sa->resp_next) up to W - 1 above it are
 * processed as they come; a retransmission of one of the last W
 * processed gets its response again; anything older is dropped. With
 * W = 1 it is the one cached response of sa->resp_buf, as before.
 *
 * The peer's, as initiator: its SET_WINDOW_SIZE, in any exchange,
 * clamped to ENGINE_WINDOW_MAX (0 or malformed: ignored, logged). The
 * Child SAs' requests go side by side: new ones (children.h: the
 * initiator's next ones and sa->want), rekeys (engine.c's timers or
 * engine_rekey_child()) and Deletes (informational.c), the Delete of
 * the SA a rekey replaced among them. Request X goes only once the
 * answers up to X - W are in (§2.3): one unanswered holds the window
 * back, however many behind it were answered. Every other request waits
 * until none is in flight, and while it is in flight nothing else goes.
 * So sa->req is always a request in flight, if there is one, and the
 * exchanges that read it are unchanged: the others wait in sa->parked,
 * each with its own message, retransmissions and state; a response
 * brings its own request into sa->req (window_match()) for its handler,
 * and ikesa_request_done() brings a parked one back. What looks for a
 * request of its own among those in flight looks at all of them
 * (request_get_nth()): a rekey of the peer's that crosses ours of the
 * same Child SA (§2.8.1) finds ours wherever it waits, and so does the
 * peer's Delete. A rekey's Delete that finds no room is owed
 * (childsa's delete_owed), the old SA kept meanwhile; those owed go
 * together, in one Delete payload, as soon as there is room.
 *
 * With W = 1 (a peer that sends no SET_WINDOW_SIZE) all this is one
 * request at a time: a rekey, then the Delete of the SA it replaced,
 * then the next rekey.
 *
 * An IKE SA made by a rekey has no initial exchanges, and RFC 7296 says
 * nothing of its window: nothing tells that the peer keeps for it the
 * responses it kept for the old one. So nothing is carried over: each
 * side offers its window anew, SET_WINDOW_SIZE in the rekey's
 * CREATE_CHILD_SA request or response (the notify is allowed in any
 * exchange, and a status notify not understood is ignored), and the new
 * IKE SA takes what the peer offered there, else 1 (window_rekeyed()).
 */
#ifndef MIF_ENGINE_WINDOW_H
#define MIF_ENGINE_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/message.h"
#include "ike/notify.h"
#include "ike/window.h"

struct engine_msg;
struct ikesa;

/* One of our last responses, as responder with a window above 1. */
struct ikesa_response {
	uint32_t msg_id;
	bool seen;		/* msg_id processed (answered, or not yet) */
	uint8_t *buf;		/* NULL: no response (yet) */
	size_t len;
};

/* The SET_WINDOW_SIZE of a message of ours and its data. */
struct window_payload {
	struct ike_notify n;
	uint8_t data[IKE_WINDOW_LEN];
};

/*
 * Offer our window in the IKE_AUTH message being built in chain (either
 * side) when it is above 1, and keep as many responses from now on.
 */
void window_offer(struct ikesa *sa, struct window_payload *p,
		  struct ike_chain *chain);
/* Take the peer's SET_WINDOW_SIZE of an authenticated message, if any. */
void window_heard(struct ikesa *sa, const struct ike_chain *ch);
/*
 * A rekey of the IKE SA (ike_rekey.c): our window above 1 offered anew
 * in its CREATE_CHILD_SA request or response being built on the old IKE
 * SA sa, for the new one; and the new IKE SA sa, made: our window as
 * offered, and the peer's SET_WINDOW_SIZE of its message ch, if it sent
 * one (else 1).
 */
void window_rekey_offer(const struct ikesa *sa, struct window_payload *p,
			struct ike_chain *chain);
void window_rekeyed(struct ikesa *sa, const struct ike_chain *ch);

/* The peer's window: 1..ENGINE_WINDOW_MAX. */
unsigned int window_peer(const struct ikesa *sa);
/* Whether a Child SA's request (new, rekey, Delete) may go out now. */
bool window_room(const struct ikesa *sa);
/*
 * Make way in sa->req for a Child SA's request (window_room() said
 * yes): the one there waits in sa->parked. 0 or -ENOMEM.
 */
int window_open(struct ikesa *sa);
/*
 * A response msg_id of exchange: whether it answers a request of ours
 * in flight, which is then in sa->req.
 */
bool window_match(struct ikesa *sa, uint32_t msg_id, uint8_t exchange);
/* sa->req is done: a parked request, if any, takes its place. */
void window_pop(struct ikesa *sa);
/*
 * Retransmit the parked requests that are due; one that has had all
 * its tries goes into sa->req, for the engine to give up on as on any.
 */
void window_due(struct ikesa *sa, uint64_t now);
/* The earliest deadline of the parked requests, 0: none. */
uint64_t window_deadline(const struct ikesa *sa);
/* Whether a request of ours in flight creates a Child SA of child tmpl. */
bool window_creates(const struct ikesa *sa, unsigned int tmpl);

/* What a request msg_id of the peer is to us. */
enum window_verdict {
	WINDOW_NEW,	/* process it */
	WINDOW_AGAIN,	/* processed: send its response again */
	WINDOW_DROP,	/* outside the window */
};
enum window_verdict window_verdict(const struct ikesa *sa, uint32_t msg_id);
/* Request msg_id (WINDOW_NEW) is being processed. */
void window_accept(struct ikesa *sa, uint32_t msg_id);
/* Send the response to msg_id (WINDOW_AGAIN) again, where m came from. */
void window_replay(struct ikesa *sa, uint32_t msg_id,
		   const struct engine_msg *m);
/* Keep our response buf (len) to msg_id, now sa's. */
void window_keep(struct ikesa *sa, uint32_t msg_id, uint8_t *buf,
		 size_t len);
/* Forget it (ikesa_response_forget()). */
void window_forget(struct ikesa *sa, uint32_t msg_id);

/* Release both windows' requests and responses. */
void window_free(struct ikesa *sa);

#endif
