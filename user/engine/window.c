// SPDX-License-Identifier: GPL-2.0
/*
 * Message-ID windows above 1 (window.h): the peer's, which our new
 * Child SAs fill side by side, and ours, as responder.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/notify_table.h"
#include "engine/request.h"
#include "engine/window.h"
#include "ike/constants.h"

/* Our window, as mifd.conf has it. */
static unsigned int window_ours(const struct engine *e)
{
	unsigned int w = e->window_size;

	return w < 1 ? 1 : w > ENGINE_WINDOW_MAX ? ENGINE_WINDOW_MAX : w;
}

/* Room for our last w responses on sa, w above 1: 0 or -ENOMEM. */
static int keep_responses(struct ikesa *sa, unsigned int w)
{
	if (sa->resps)
		return 0;
	sa->resps = calloc(w, sizeof(*sa->resps));
	if (!sa->resps)
		return -ENOMEM;
	sa->resp_window = w;
	/* Our responses are kept by message ID from now on. */
	free(sa->resp_buf);
	sa->resp_buf = NULL;
	sa->resp_len = 0;
	return 0;
}

/* SET_WINDOW_SIZE of w into chain. */
static void add_notify(unsigned int w, struct window_payload *p,
		       struct ike_chain *chain)
{
	struct ike_error err;

	ike_window_build(w, p->data);
	ikesa_notify(&p->n, IKE_N_SET_WINDOW_SIZE, p->data, sizeof(p->data));
	ike_chain_add(chain, IKE_PL_NOTIFY, &p->n, &err);
}

void window_offer(struct ikesa *sa, struct window_payload *p,
		  struct ike_chain *chain)
{
	unsigned int w = window_ours(sa->engine);

	/* Without room for the responses, no window to offer. */
	if (w < 2 || keep_responses(sa, w))
		return;
	add_notify(sa->resp_window, p, chain);
}

void window_rekey_offer(const struct ikesa *sa, struct window_payload *p,
			struct ike_chain *chain)
{
	unsigned int w = window_ours(sa->engine);

	if (w > 1)
		add_notify(w, p, chain);
}

void window_rekeyed(struct ikesa *sa, const struct ike_chain *ch)
{
	unsigned int w = window_ours(sa->engine);

	/*
	 * Ours as offered, if there is room for it (else the peer keeps
	 * to fewer than it may: a retransmission beyond our one response
	 * gets none, and is sent again as any lost one).
	 */
	if (w > 1)
		keep_responses(sa, w);
	window_heard(sa, ch);
}

void window_heard(struct ikesa *sa, const struct ike_chain *ch)
{
	const struct ike_payload *pl;
	struct ike_error err;
	uint32_t w = 0;
	int bad;

	pl = ike_chain_find_notify(ch, IKE_N_SET_WINDOW_SIZE);
	if (!pl)
		return;
	bad = ike_window_parse(pl->notify->data, pl->notify->len, &w, &err);
	if (bad || !w) {
		engine_logf(sa->engine, ENGINE_LOG_NOTICE, sa, "SET_WINDOW_SIZE "
			    "%s: ignored, the peer's window stays %u",
			    bad ? "not of 4 octets" : "of 0", window_peer(sa));
		return;
	}
	if (w > ENGINE_WINDOW_MAX)
		w = ENGINE_WINDOW_MAX;	/* the most we keep in flight */
	if (w != window_peer(sa))
		engine_logf(sa->engine, ENGINE_LOG_DEBUG, sa, "the peer's "
			    "window: %u requests", w);
	sa->peer_window = w;
}

unsigned int window_peer(const struct ikesa *sa)
{
	return sa->peer_window ? sa->peer_window : 1;
}

/* The lowest message ID of our requests in flight (sa->req is one). */
static uint32_t lowest(const struct ikesa *sa)
{
	uint32_t low = sa->req.msg_id;

	for (unsigned int i = 0; i < sa->n_parked; i++)
		if (sa->parked[i].msg_id < low)
			low = sa->parked[i].msg_id;
	return low;
}

bool window_room(const struct ikesa *sa)
{
	/*
	 * Request X waits for the answers to all up to X - W (§2.3): the
	 * window is of message IDs, not of requests in flight. One lost
	 * holds the others back until it is answered.
	 */
	return !sa->req.active ||
	       (sa->req.parallel && sa->req_next - lowest(sa) <
					    window_peer(sa));
}

int window_open(struct ikesa *sa)
{
	struct ikesa_request *p;
	unsigned int max;

	if (!sa->req.active)
		return 0;
	if (sa->n_parked == sa->max_parked) {
		max = window_peer(sa) - 1;
		if (max <= sa->n_parked)
			max = sa->n_parked + 1;
		p = realloc(sa->parked, max * sizeof(*p));
		if (!p)
			return -ENOMEM;
		sa->parked = p;
		sa->max_parked = max;
	}
	sa->parked[sa->n_parked++] = sa->req;
	memset(&sa->req, 0, sizeof(sa->req));
	return 0;
}

bool window_match(struct ikesa *sa, uint32_t msg_id, uint8_t exchange)
{
	struct ikesa_request t;

	if (sa->req.active && sa->req.msg_id == msg_id)
		return sa->req.exchange == exchange;
	for (unsigned int i = 0; i < sa->n_parked; i++) {
		if (sa->parked[i].msg_id != msg_id)
			continue;
		if (sa->parked[i].exchange != exchange)
			return false;
		/* Its handler reads sa->req: the two change places. */
		t = sa->req;
		sa->req = sa->parked[i];
		sa->parked[i] = t;
		return true;
	}
	return false;
}

void window_pop(struct ikesa *sa)
{
	if (!sa->req.active && sa->n_parked)
		sa->req = sa->parked[--sa->n_parked];
}

void window_due(struct ikesa *sa, uint64_t now)
{
	const struct conn *c = sa->conn;
	struct ikesa_request *r, t;

	for (unsigned int i = 0; i < sa->n_parked; i++) {
		r = &sa->parked[i];
		if (now < r->deadline)
			continue;
		if (r->tries >= c->retrans_tries) {
			t = sa->req;
			sa->req = *r;
			*r = t;
			return;
		}
		r->tries++;
		sa->engine->counts.retransmits++;
		r->deadline = now + ((uint64_t)c->retrans_base_ms << r->tries);
		ikesa_resend(sa, r);
	}
}

uint64_t window_deadline(const struct ikesa *sa)
{
	uint64_t d = 0;

	for (unsigned int i = 0; i < sa->n_parked; i++)
		if (!d || sa->parked[i].deadline < d)
			d = sa->parked[i].deadline;
	return d;
}

bool window_creates(const struct ikesa *sa, unsigned int tmpl)
{
	const struct request_children *rc;

	for (unsigned int k = 0; k <= sa->n_parked; k++) {
		rc = request_children_in(k ? &sa->parked[k - 1] : &sa->req);
		for (unsigned int i = 0; rc && i < rc->n; i++)
			if (rc->c[i]->tmpl == tmpl && !rc->c[i]->rekey_spi)
				return true;
	}
	return false;
}

/* The slot of msg_id among our last responses. */
static struct ikesa_response *slot(const struct ikesa *sa, uint32_t msg_id)
{
	return &sa->resps[msg_id % sa->resp_window];
}

static bool processed(const struct ikesa *sa, uint32_t msg_id)
{
	const struct ikesa_response *r = slot(sa, msg_id);

	return r->seen && r->msg_id == msg_id;
}

enum window_verdict window_verdict(const struct ikesa *sa, uint32_t msg_id)
{
	if (!sa->resps) {
		if (msg_id == sa->resp_next)
			return WINDOW_NEW;
		return msg_id + 1 == sa->resp_next ? WINDOW_AGAIN :
		       WINDOW_DROP;
	}
	if (processed(sa, msg_id))
		return WINDOW_AGAIN;
	if (msg_id - sa->resp_next < sa->resp_window)
		return WINDOW_NEW;
	return WINDOW_DROP;
}

void window_accept(struct ikesa *sa, uint32_t msg_id)
{
	struct ikesa_response *r;

	if (!sa->resps) {
		sa->resp_next++;
		return;
	}
	/* The slot's last one, W below: the peer has its answer. */
	r = slot(sa, msg_id);
	free(r->buf);
	r->buf = NULL;
	r->len = 0;
	r->msg_id = msg_id;
	r->seen = true;
	while (processed(sa, sa->resp_next))
		sa->resp_next++;
}

void window_replay(struct ikesa *sa, uint32_t msg_id,
		   const struct engine_msg *m)
{
	const uint8_t *buf = sa->resp_buf;
	size_t len = sa->resp_len;

	if (sa->resps) {
		buf = slot(sa, msg_id)->buf;
		len = slot(sa, msg_id)->len;
	}
	if (buf)
		ikesa_send_to(sa, m->local, m->local_port, m->remote,
			      m->remote_port, buf, len);
}

void window_keep(struct ikesa *sa, uint32_t msg_id, uint8_t *buf,
		 size_t len)
{
	struct ikesa_response *r;

	if (!sa->resps) {
		free(sa->resp_buf);
		sa->resp_buf = buf;
		sa->resp_len = len;
		return;
	}
	r = slot(sa, msg_id);
	free(r->buf);
	r->msg_id = msg_id;
	r->seen = true;
	r->buf = buf;
	r->len = len;
}

void window_forget(struct ikesa *sa, uint32_t msg_id)
{
	struct ikesa_response *r;

	if (!sa->resps) {
		free(sa->resp_buf);
		sa->resp_buf = NULL;
		sa->resp_len = 0;
		return;
	}
	r = slot(sa, msg_id);
	if (r->msg_id == msg_id) {
		free(r->buf);
		r->buf = NULL;
		r->len = 0;
	}
}

void window_free(struct ikesa *sa)
{
	for (unsigned int i = 0; i < sa->n_parked; i++) {
		request_free(sa, sa->parked[i].state);
		free(sa->parked[i].buf);
	}
	free(sa->parked);
	sa->parked = NULL;
	sa->n_parked = sa->max_parked = 0;
	for (unsigned int i = 0; sa->resps && i < sa->resp_window; i++)
		free(sa->resps[i].buf);
	free(sa->resps);
	sa->resps = NULL;
}

/* Read by window_heard(), wherever it comes. */
const struct notify_entry notify_set_window_size = {
	.type = IKE_N_SET_WINDOW_SIZE,
	.where = NOTIFY_IN_AUTH_REQ | NOTIFY_IN_AUTH_RESP | NOTIFY_IN_INFO_REQ |
		 NOTIFY_IN_INFO_RESP | NOTIFY_IN_CHILD_REQ |
		 NOTIFY_IN_CHILD_RESP,
};
