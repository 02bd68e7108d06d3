// SPDX-License-Identifier: GPL-2.0
/*
 * Connections kept trying: the schedule of attempts, per connection.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/random.h"
#include "daemon/log.h"
#include "daemon/retry.h"
#include "engine/engine.h"

#define of_due(n) \
	((struct conn_retry *)((char *)(n) - offsetof(struct conn_retry, due)))

/* r where its state says: in the heap if WAITING, on the list if TRYING. */
static void file(struct retries *t, struct conn_retry *r)
{
	uint64_t key = r->next_at ? r->next_at : 1;

	/* Room for every run is reserved: this never fails. */
	timer_heap_set(&t->due, &r->due, r->state == RETRY_WAITING ? key : 0);
	if (r->state == RETRY_TRYING && !r->try_pprev) {
		r->try_next = t->trying;
		if (r->try_next)
			r->try_next->try_pprev = &r->try_next;
		r->try_pprev = &t->trying;
		t->trying = r;
		t->recheck = true;
	} else if (r->state != RETRY_TRYING && r->try_pprev) {
		*r->try_pprev = r->try_next;
		if (r->try_next)
			r->try_next->try_pprev = r->try_pprev;
		r->try_next = NULL;
		r->try_pprev = NULL;
	}
}

int retries_renew(struct retries *t, const struct conf *prev,
		  struct conf *nc)
{
	struct conn_retry *r = NULL;
	unsigned int *batch = NULL;
	struct conf_conn *cc;
	unsigned int active = 0;

	if (nc->n_conns) {
		r = calloc(nc->n_conns, sizeof(*r));
		batch = calloc(nc->n_conns, sizeof(*batch));
		if (!r || !batch ||
		    timer_heap_reserve(&t->due, nc->n_conns)) {
			free(r);
			free(batch);
			return -ENOMEM;
		}
	}
	/* The old runs out of the heap and the list, kept ones copied. */
	for (unsigned int i = 0; i < t->n; i++)
		timer_heap_remove(&t->due, &t->r[i].due);
	t->trying = NULL;
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
	free(t->batch);
	t->r = r;
	t->batch = batch;
	t->n = nc->n_conns;
	t->n_active = active;
	for (unsigned int i = 0; i < t->n; i++) {
		r[i].try_next = NULL;
		r[i].try_pprev = NULL;
		file(t, &r[i]);
	}
	return 0;
}

void retries_free(struct retries *t)
{
	timer_heap_free(&t->due);
	free(t->r);
	free(t->batch);
	t->r = NULL;
	t->batch = NULL;
	t->trying = NULL;
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
	file(t, r);
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
	engine_for_each_conn_sa(sa, e, v.conn) {
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

	engine_for_each_conn_sa(sa, e, c) {
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

/* Run i of a pass: what the loop does with it, if anything. */
static void run_one(struct retries *t, struct conf *conf, struct engine *e,
		    unsigned int i, uint64_t now)
{
	struct conn_retry *r = &t->r[i];
	struct conf_conn *cc = &conf->conns[i];
	const struct ikesa *sa;
	struct engine_ike_view v;
	char n[32];

	if (r->state == RETRY_TRYING) {
		/* Gone without a FAILED event: a failure all the same. */
		sa = engine_find_sa(e, r->spi_i, true);
		if (sa)
			engine_ike_view(sa, &v);
		if (!sa || v.state == IKESA_DEAD ||
		    v.state == IKESA_DELETING)
			failed(t, cc, r, "the IKE SA went away before "
			       "it was established", now);
		return;
	}
	if (r->state != RETRY_WAITING || now < r->next_at)
		return;
	if (live_sa(e, &cc->conn, &v)) {
		if (v.state == IKESA_ESTABLISHED) {
			set_state(t, r, RETRY_IDLE);
			return;
		}
		/* Ours already under way (a reauthentication's). */
		r->attempt++;
		r->spi_i = v.spi_i;
		set_state(t, r, RETRY_TRYING);
		return;
	}
	if (!r->attempt)
		mlog(LOG_NOTICE, "conn %s: initiating (restart)", cc->name);
	else
		mlog(LOG_NOTICE, "conn %s: attempt %s; last error: %s",
		     cc->name, attempt_text(r->attempt + 1, cc, n, sizeof(n)),
		     r->why);
	attempt(t, cc, r, e, now);
}

static int by_index(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a;
	unsigned int y = *(const unsigned int *)b;

	return (x > y) - (x < y);
}

/*
 * The runs that may have something to do, in connection order: the
 * TRYING ones if an IKE SA went since they were last looked at (or one
 * was just started), and the WAITING ones due. A run that becomes due
 * during the pass waits for the next, which comes at once.
 */
void retry_run(struct retries *t, struct conf *conf, struct engine *e,
	       uint64_t now)
{
	const struct timer_node *d;
	struct conn_retry *r;
	unsigned int k = 0;

	if (!t->n_active)
		return;
	if (t->recheck || engine_sa_gone(e) != t->gone_seen)
		for (r = t->trying; r; r = r->try_next)
			t->batch[k++] = (unsigned int)(r - t->r);
	t->recheck = false;
	t->gone_seen = engine_sa_gone(e);
	while ((d = timer_heap_top(&t->due)) && now >= of_due(d)->next_at) {
		r = of_due(d);
		timer_heap_remove(&t->due, &r->due);
		t->batch[k++] = (unsigned int)(r - t->r);
	}
	if (k > 1)
		qsort(t->batch, k, sizeof(*t->batch), by_index);
	for (unsigned int j = 0; j < k; j++) {
		run_one(t, conf, e, t->batch[j], now);
		/* Filed again, whatever it became (or stayed). */
		file(t, &t->r[t->batch[j]]);
	}
}

uint64_t retry_next_deadline(const struct retries *t)
{
	const struct timer_node *d = timer_heap_top(&t->due);

	return d ? of_due(d)->next_at : 0;
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
