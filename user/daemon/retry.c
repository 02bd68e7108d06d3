// SPDX-License-Identifier: GPL-2.0
/*
 * Connections kept trying: the schedule of attempts, per connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/random.h"
#include "daemon/log.h"
#include "daemon/retry.h"
#include "engine/engine.h"

int retries_renew(struct retries *t, const struct conf *prev,
		  struct conf *nc)
{
	struct conn_retry *r = NULL;
	struct conf_conn *cc;
	unsigned int active = 0;

	if (nc->n_conns) {
		r = calloc(nc->n_conns, sizeof(*r));
		if (!r)
			return -ENOMEM;
	}
	for (unsigned int i = 0; prev && t->n_active && i < t->n; i++) {
		if (t->r[i].state == RETRY_IDLE)
			continue;
		cc = conf_find(nc, prev->conns[i].name);
		if (cc) {
			r[cc - nc->conns] = t->r[i];
			active++;
		}
	}
	free(t->r);
	t->r = r;
	t->n = nc->n_conns;
	t->n_active = active;
	return 0;
}

void retries_free(struct retries *t)
{
	free(t->r);
	t->r = NULL;
	t->n = t->n_active = 0;
}

uint64_t retry_delay_ms(unsigned int attempt, uint32_t rnd)
{
	uint64_t d = RETRY_MAX_MS;

	if (attempt < 2)
		return 0;
	if (attempt - 2 < 20)
		d = (uint64_t)RETRY_FIRST_MS << (attempt - 2);
	if (d > RETRY_MAX_MS)
		d = RETRY_MAX_MS;
	return d - d * (rnd % 1024) / 4096;
}

static void set_state(struct retries *t, struct conn_retry *r,
		      enum retry_state s)
{
	if (r->state == RETRY_IDLE && s != RETRY_IDLE)
		t->n_active++;
	else if (r->state != RETRY_IDLE && s == RETRY_IDLE)
		t->n_active--;
	r->state = s;
}

static struct conn_retry *entry(struct retries *t, struct conf *conf,
				const struct conn *c, unsigned int *i)
{
	long k = conf_index(conf, c);

	if (k < 0 || (unsigned long)k >= t->n)
		return NULL;
	*i = (unsigned int)k;
	return &t->r[k];
}

/* "3 of 5", or "3" for keyingtries = 0 (forever). */
static const char *attempt_text(unsigned int n, const struct conf_conn *cc,
				char *buf, size_t len)
{
	if (cc->keyingtries)
		snprintf(buf, len, "%u of %u", n, cc->keyingtries);
	else
		snprintf(buf, len, "%u", n);
	return buf;
}

/*
 * The attempt failed (why): wait for the next one, or give up when it
 * was the last.
 */
static void failed(struct retries *t, struct conf_conn *cc,
		   struct conn_retry *r, const char *why, uint64_t now)
{
	uint32_t rnd = 0;
	uint64_t d;

	snprintf(r->why, sizeof(r->why), "%s", why);
	if (cc->keyingtries && r->attempt >= cc->keyingtries) {
		mlog(LOG_WARNING, "conn %s: giving up after %u attempt%s "
		     "(keyingtries = %u): %s", cc->name, r->attempt,
		     r->attempt == 1 ? "" : "s", cc->keyingtries, r->why);
		set_state(t, r, RETRY_IDLE);
		return;
	}
	if (random_iv((uint8_t *)&rnd, sizeof(rnd)))
		rnd = 0;
	d = retry_delay_ms(r->attempt + 1, rnd);
	r->next_at = now + d;
	r->spi_i = 0;
	set_state(t, r, RETRY_WAITING);
	mlog(LOG_INFO, "conn %s: attempt %u in %llu.%llu s", cc->name,
	     r->attempt + 1, (unsigned long long)(d / 1000),
	     (unsigned long long)(d % 1000 / 100));
}

/* The next attempt, now. */
static struct ikesa *attempt(struct retries *t, struct conf_conn *cc,
			     struct conn_retry *r, struct engine *e,
			     uint64_t now)
{
	struct engine_ike_view v;
	struct ikesa *sa;

	r->attempt++;
	set_state(t, r, RETRY_TRYING);
	sa = engine_initiate(e, &cc->conn, now);
	if (!sa) {
		mlog(LOG_ERR, "conn %s: cannot initiate", cc->name);
		failed(t, cc, r, "cannot initiate (out of memory, or no "
		       "local address)", now);
		return NULL;
	}
	engine_ike_view(sa, &v);
	r->spi_i = v.spi_i;
	return sa;
}

struct ikesa *retry_start(struct retries *t, struct conf *conf,
			  unsigned int i, struct engine *e, uint64_t now,
			  const char *how)
{
	struct conn_retry *r;
	struct ikesa *sa;

	if (i >= conf->n_conns)
		return NULL;
	mlog(LOG_INFO, "conn %s: initiating%s", conf->conns[i].name, how);
	if (i >= t->n) {
		/* No table (out of memory on reload): one attempt. */
		sa = engine_initiate(e, &conf->conns[i].conn, now);
		if (!sa)
			mlog(LOG_ERR, "conn %s: cannot initiate",
			     conf->conns[i].name);
		return sa;
	}
	r = &t->r[i];
	r->attempt = 0;
	r->why[0] = '\0';
	return attempt(t, &conf->conns[i], r, e, now);
}

bool retry_cancel(struct retries *t, struct conf *conf, unsigned int i)
{
	struct conn_retry *r = i < t->n ? &t->r[i] : NULL;

	if (!r || r->state == RETRY_IDLE)
		return false;
	mlog(LOG_NOTICE, "conn %s: ike down: no more attempts (%u made)",
	     conf->conns[i].name, r->attempt);
	set_state(t, r, RETRY_IDLE);
	return true;
}

/* An established IKE SA went: start anew if the connection says so. */
static void gone(struct retries *t, struct conf_conn *cc,
		 struct conn_retry *r, const struct engine *e,
		 const struct engine_event *ev, uint64_t now)
{
	struct engine_ike_view v, other;
	const struct ikesa *sa;
	const char *key, *what;

	if (ev->reason == ENGINE_R_TIMEOUT &&
	    cc->dpd_action == CONF_ACTION_RESTART) {
		key = "dpd_action";
		what = "peer not answering (DPD)";
	} else if (ev->reason == ENGINE_R_PEER &&
		   cc->close_action == CONF_ACTION_RESTART) {
		key = "close_action";
		what = "IKE SA deleted by the peer";
	} else {
		return;
	}
	/* Another IKE SA of it (a rekey's, the peer's) stands: enough. */
	engine_ike_view(ev->sa, &v);
	engine_for_each_sa(sa, e) {
		if (sa == ev->sa)
			continue;
		engine_ike_view(sa, &other);
		if (other.conn == v.conn && other.state == IKESA_ESTABLISHED)
			return;
	}
	mlog(LOG_NOTICE, "conn %s: %s: restarting (%s = restart)", cc->name,
	     what, key);
	snprintf(r->why, sizeof(r->why), "%s", what);
	r->attempt = 0;
	r->spi_i = 0;
	r->next_at = now;
	set_state(t, r, RETRY_WAITING);
}

void retry_event(struct retries *t, struct conf *conf,
		 const struct engine *e, const struct engine_event *ev,
		 uint64_t now)
{
	struct engine_ike_view v = { .conn = ev->conn };
	const struct conn *c;
	struct conn_retry *r;
	unsigned int i;

	if (ev->sa)
		engine_ike_view(ev->sa, &v);
	c = v.conn;
	if (ev->type == ENGINE_EV_FAILED && ev->conn)
		c = ev->conn;
	r = entry(t, conf, c, &i);
	if (!r)
		return;
	switch (ev->type) {
	case ENGINE_EV_IKE_UP:
		if (r->state != RETRY_IDLE && r->attempt > 1)
			mlog(LOG_NOTICE, "conn %s: up at attempt %u",
			     conf->conns[i].name, r->attempt);
		set_state(t, r, RETRY_IDLE);
		r->why[0] = '\0';
		break;
	case ENGINE_EV_IKE_DOWN:
		gone(t, &conf->conns[i], r, e, ev, now);
		break;
	case ENGINE_EV_FAILED:
		/* The IKE SA of this attempt given up; not a Child SA. */
		if (r->state != RETRY_TRYING || !ev->failure ||
		    !ev->failure->final || ev->failure->child || !ev->sa ||
		    !v.initiator || v.spi_i != r->spi_i)
			break;
		failed(t, &conf->conns[i], r, ev->failure->why ?
		       ev->failure->why : "failed", now);
		break;
	default:
		break;
	}
}

/*
 * Connection c's IKE SA that is up, else one of ours on its way, in
 * *out; false if none.
 */
static bool live_sa(const struct engine *e, const struct conn *c,
		    struct engine_ike_view *out)
{
	const struct ikesa *sa;
	struct engine_ike_view v;
	bool found = false;

	engine_for_each_sa(sa, e) {
		engine_ike_view(sa, &v);
		if (v.conn != c)
			continue;
		if (v.state == IKESA_ESTABLISHED) {
			*out = v;
			return true;
		}
		if (v.initiator && v.state != IKESA_DEAD &&
		    v.state != IKESA_DELETING) {
			*out = v;
			found = true;
		}
	}
	return found;
}

void retry_run(struct retries *t, struct conf *conf, struct engine *e,
	       uint64_t now)
{
	char n[32];

	for (unsigned int i = 0; t->n_active && i < t->n; i++) {
		struct conn_retry *r = &t->r[i];
		struct conf_conn *cc = &conf->conns[i];
		const struct ikesa *sa;
		struct engine_ike_view v;

		if (r->state == RETRY_TRYING) {
			/* Gone without a FAILED event: a failure all the same. */
			sa = engine_find_sa(e, r->spi_i, true);
			if (sa)
				engine_ike_view(sa, &v);
			if (!sa || v.state == IKESA_DEAD ||
			    v.state == IKESA_DELETING)
				failed(t, cc, r, "the IKE SA went away before "
				       "it was established", now);
			continue;
		}
		if (r->state != RETRY_WAITING || now < r->next_at)
			continue;
		if (live_sa(e, &cc->conn, &v)) {
			if (v.state == IKESA_ESTABLISHED) {
				set_state(t, r, RETRY_IDLE);
				continue;
			}
			/* Ours already under way (a reauthentication's). */
			r->attempt++;
			r->spi_i = v.spi_i;
			set_state(t, r, RETRY_TRYING);
			continue;
		}
		if (!r->attempt)
			mlog(LOG_NOTICE, "conn %s: initiating (restart)",
			     cc->name);
		else
			mlog(LOG_NOTICE, "conn %s: attempt %s; last error: %s",
			     cc->name, attempt_text(r->attempt + 1, cc, n,
						    sizeof(n)), r->why);
		attempt(t, cc, r, e, now);
	}
}

uint64_t retry_next_deadline(const struct retries *t)
{
	uint64_t d = 0;

	for (unsigned int i = 0; t->n_active && i < t->n; i++)
		if (t->r[i].state == RETRY_WAITING &&
		    (!d || t->r[i].next_at < d))
			d = t->r[i].next_at;
	return d;
}

const struct conn_retry *retry_get(const struct retries *t, unsigned int i)
{
	return i < t->n && t->r[i].state != RETRY_IDLE ? &t->r[i] : NULL;
}

struct json_object *retry_json(const struct conn_retry *r,
			       const struct conf_conn *cc, uint64_t now)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "attempt", json_object_new_int64(
		r->attempt + (r->state == RETRY_WAITING)));
	json_object_object_add(o, "keyingtries",
			       json_object_new_int64(cc->keyingtries));
	if (r->state == RETRY_WAITING)
		json_object_object_add(o, "next_in_ms", json_object_new_int64(
			r->next_at > now ? (int64_t)(r->next_at - now) : 0));
	if (r->why[0])
		json_object_object_add(o, "last_error",
				       json_object_new_string(r->why));
	return o;
}
