// SPDX-License-Identifier: GPL-2.0
/*
 * Connections kept trying (daemon/retry.c), on the harness's two engines
 * and its clock: a peer that does not answer, then does; the backoff;
 * keyingtries running out; ike down stopping the attempts; dpd_action
 * and close_action; and how status and list show a connection trying.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/retry.h"
#include "engine/ike_sa.h"
#include "ike/constants.h"
#include "harness.h"

/*
 * Side 0 is mifd: its one connection, "home", in a configuration, with
 * the retry table its events drive; side 1 the peer, up or not.
 */
struct rig {
	struct world w;
	struct conf conf;
	struct conf_conn cc;
	struct retries t;
	uint64_t now;
	bool peer_up;		/* else every datagram is lost */
	unsigned int inits;	/* attempts seen (their IKE SAs) */
	uint64_t init_at[64];	/* and when */
	uint64_t last_spi;	/* of the last one */
};

static void on_event(void *ctx, const struct engine_event *ev)
{
	struct rig *r = ctx;

	retry_event(&r->t, &r->conf, &r->w.e[0], ev, r->now);
}

static struct rig *rig_new(void)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct engine_events ev;

	assert_non_null(r);
	test_world_init(&r->w, IKE_DH_CURVE25519, true);
	assert_int_equal(engine_add_conn(&r->w.e[1], &r->w.c[1]), 0);
	/* Unanswered IKE_SA_INIT: given up after 300 ms. */
	r->w.c[0].retrans_base_ms = 100;
	r->w.c[0].retrans_tries = 1;
	r->cc.conn = r->w.c[0];
	snprintf(r->cc.name, sizeof(r->cc.name), "home");
	r->cc.conn.name = r->cc.name;
	r->conf.conns = &r->cc;
	r->conf.n_conns = 1;
	assert_int_equal(engine_add_conn(&r->w.e[0], &r->cc.conn), 0);
	assert_int_equal(retries_renew(&r->t, NULL, &r->conf), 0);
	ev = (struct engine_events){ on_event, r };
	engine_set_events(&r->w.e[0], &ev);
	r->peer_up = true;
	return r;
}

static void rig_free(struct rig *r)
{
	drop_all(&r->w);
	engine_set_events(&r->w.e[0], NULL);
	engine_free(&r->w.e[0]);
	engine_free(&r->w.e[1]);
	retries_free(&r->t);
	free(r);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/* Count an attempt that has just started. */
static void count_attempt(struct rig *r)
{
	const struct conn_retry *e = r->t.n ? &r->t.r[0] : NULL;

	if (!e || e->state != RETRY_TRYING || e->spi_i == r->last_spi)
		return;
	r->last_spi = e->spi_i;
	if (r->inits < 64)
		r->init_at[r->inits] = r->now;
	r->inits++;
}

static const struct ikesa *established(struct rig *r)
{
	for (const struct ikesa *sa = r->w.e[0].sas; sa; sa = sa->next)
		if (sa->state == IKESA_ESTABLISHED)
			return sa;
	return NULL;
}

/* What the daemon's main loop does, until the clock reads until. */
static void run_until(struct rig *r, uint64_t until)
{
	struct world *w = &r->w;

	for (int guard = 0; guard < 100000; guard++) {
		uint64_t d;

		if (r->peer_up)
			pump(w, r->now);
		else
			drop_all(w);
		engine_tick(&w->e[0], r->now);
		engine_tick(&w->e[1], r->now);
		retry_run(&r->t, &r->conf, &w->e[0], r->now);
		count_attempt(r);
		if (w->n)
			continue;	/* datagrams to pass first */
		d = earliest(engine_next_deadline(&w->e[0]),
			     engine_next_deadline(&w->e[1]));
		d = earliest(d, retry_next_deadline(&r->t));
		if (!d || d > until) {
			r->now = until;
			return;
		}
		if (d > r->now)
			r->now = d;
	}
	fail_msg("no end in sight");
}

/* Starting (start = yes, ike up), as the daemon does. */
static void start(struct rig *r)
{
	retry_start(&r->t, &r->conf, 0, &r->w.e[0], r->now, "");
	count_attempt(r);
}

static const struct conn_retry *entry(struct rig *r)
{
	return &r->t.r[0];
}

/* Log capture: mlog writes to stderr. */
static char logpath[64];
static int saved_stderr = -1;

static void log_begin(void)
{
	int fd;

	snprintf(logpath, sizeof(logpath), "/tmp/test_retry.XXXXXX");
	fd = mkstemp(logpath);
	assert_true(fd >= 0);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static const char *log_end(char *buf, size_t len)
{
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
	f = fopen(logpath, "r");
	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(logpath);
	return buf;
}

/* The pauses: 1 s doubling to 5 min, less up to a quarter. */
static void delays(void **state)
{
	assert_int_equal(retry_delay_ms(1, 0), 0);
	assert_int_equal(retry_delay_ms(2, 0), 1000);
	assert_int_equal(retry_delay_ms(3, 0), 2000);
	assert_int_equal(retry_delay_ms(4, 0), 4000);
	assert_int_equal(retry_delay_ms(10, 0), 256000);
	assert_int_equal(retry_delay_ms(11, 0), RETRY_MAX_MS);
	assert_int_equal(retry_delay_ms(40, 0), RETRY_MAX_MS);
	assert_int_equal(retry_delay_ms(~0u, 0), RETRY_MAX_MS);
	assert_int_equal(retry_delay_ms(2, 1023), 1000 - 1000 * 1023 / 4096);
	assert_int_equal(retry_delay_ms(2, 1024), 1000);
	for (uint32_t rnd = 0; rnd < 5000; rnd += 7) {
		uint64_t d = retry_delay_ms(12, rnd);

		assert_true(d > RETRY_MAX_MS * 3 / 4 && d <= RETRY_MAX_MS);
	}
}

/*
 * A peer that does not answer: attempt after attempt, each after the
 * pause of its number; then it answers, and the connection comes up by
 * itself, with nothing more asked.
 */
static void comes_up_by_itself(void **state)
{
	struct rig *r = rig_new();
	char buf[8192];

	r->peer_up = false;
	log_begin();
	start(r);
	run_until(r, 20000);
	log_end(buf, sizeof(buf));
	/*
	 * Each fails 300 ms after it starts; then attempts at 1.05-1.3,
	 * 2.85-3.6, 6.15-7.9 and 12.45-16.2 s; the sixth not before 24 s.
	 */
	assert_int_equal(r->inits, 5);
	for (unsigned int i = 1; i < r->inits; i++) {
		uint64_t pause = r->init_at[i] - r->init_at[i - 1] - 300;
		uint64_t d = retry_delay_ms(i + 1, 0);

		assert_true(pause > d * 3 / 4 && pause <= d);
	}
	assert_int_equal(entry(r)->state, RETRY_WAITING);
	assert_int_equal(entry(r)->attempt, 5);
	assert_non_null(strstr(buf, "conn home: attempt 2; last error: "
			       "IKE_SA_INIT request not answered"));
	assert_non_null(strstr(buf, "conn home: attempt 5; last error: "));
	assert_null(established(r));

	r->peer_up = true;
	log_begin();
	run_until(r, 400000);
	log_end(buf, sizeof(buf));
	assert_non_null(established(r));
	assert_int_equal(n_children(established(r)), 1);
	assert_int_equal(entry(r)->state, RETRY_IDLE);
	assert_int_equal(r->t.n_active, 0);
	assert_int_equal(retry_next_deadline(&r->t), 0);
	assert_non_null(strstr(buf, "conn home: up at attempt 6"));
	rig_free(r);
}

/* A refusal (a wrong PSK) is a failure too; fixed, it comes up. */
static void refused_then_fixed(void **state)
{
	struct rig *r = rig_new();

	memcpy(r->w.c[1].psk, "wrong horse battery staple!!", 28);
	start(r);
	run_until(r, 500);
	assert_int_equal(entry(r)->state, RETRY_WAITING);
	assert_int_equal(entry(r)->attempt, 1);
	assert_non_null(strstr(entry(r)->why, "AUTHENTICATION_FAILED"));
	run_until(r, 1500);
	assert_int_equal(r->inits, 2);
	memcpy(r->w.c[1].psk, "correct horse battery staple", 28);
	run_until(r, 10000);
	assert_non_null(established(r));
	assert_int_equal(entry(r)->state, RETRY_IDLE);
	rig_free(r);
}

/* keyingtries = 3: three attempts, then given up, logged. */
static void keyingtries_exhausted(void **state)
{
	struct rig *r = rig_new();
	char buf[8192];

	r->cc.keyingtries = 3;
	r->peer_up = false;
	log_begin();
	start(r);
	run_until(r, 3600000);
	log_end(buf, sizeof(buf));
	assert_int_equal(r->inits, 3);
	assert_int_equal(entry(r)->state, RETRY_IDLE);
	assert_int_equal(r->t.n_active, 0);
	assert_null(r->w.e[0].sas);
	assert_non_null(strstr(buf, "conn home: attempt 3 of 3; last error"));
	assert_non_null(strstr(buf, "conn home: giving up after 3 attempts "
			       "(keyingtries = 3): IKE_SA_INIT request not "
			       "answered"));

	/* keyingtries = 1: the one attempt only. */
	r->cc.keyingtries = 1;
	r->inits = 0;
	start(r);
	run_until(r, 7200000);
	assert_int_equal(r->inits, 1);
	assert_int_equal(entry(r)->state, RETRY_IDLE);
	rig_free(r);
}

/* ike down: no attempt after it. */
static void down_cancels(void **state)
{
	struct rig *r = rig_new();
	unsigned int sent;

	r->peer_up = false;
	start(r);
	run_until(r, 500);
	assert_int_equal(entry(r)->state, RETRY_WAITING);
	assert_true(retry_cancel(&r->t, &r->conf, 0));
	assert_false(retry_cancel(&r->t, &r->conf, 0));
	assert_int_equal(retry_next_deadline(&r->t), 0);
	sent = r->w.sent;
	run_until(r, 3600000);
	assert_int_equal(r->w.sent, sent);
	assert_int_equal(r->inits, 1);

	/* While an attempt is under way: its failure starts no other. */
	start(r);
	assert_int_equal(entry(r)->state, RETRY_TRYING);
	assert_true(retry_cancel(&r->t, &r->conf, 0));
	run_until(r, 7200000);
	assert_int_equal(r->inits, 2);
	assert_null(r->w.e[0].sas);
	rig_free(r);
}

/* Up, then the peer goes silent until DPD declares it dead. */
static void dpd_death(struct rig *r)
{
	r->cc.conn.dpd_ms = 5000;
	start(r);
	run_until(r, 100);
	assert_non_null(established(r));
	r->peer_up = false;
	run_until(r, 5400);	/* DPD at 5.1 s, given up 300 ms later */
	assert_null(established(r));
}

static void dpd_restart(void **state)
{
	struct rig *r = rig_new();
	const struct ikesa *sa;
	char buf[8192];

	r->cc.dpd_action = CONF_ACTION_RESTART;
	log_begin();
	dpd_death(r);
	log_end(buf, sizeof(buf));
	assert_non_null(strstr(buf, "conn home: peer not answering (DPD): "
			       "restarting (dpd_action = restart)"));
	assert_int_equal(r->inits, 2);	/* at once, into the silence */
	/* Its next attempts at 6.35-6.6 and 8.15-8.9 s, not before 11 s. */
	run_until(r, 10000);
	assert_int_equal(r->inits, 4);
	assert_int_equal(entry(r)->state, RETRY_WAITING);
	r->peer_up = true;
	run_until(r, 60000);
	sa = established(r);
	assert_non_null(sa);
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(entry(r)->state, RETRY_IDLE);
	rig_free(r);
}

static void dpd_none(void **state)
{
	struct rig *r = rig_new();

	dpd_death(r);
	r->peer_up = true;
	run_until(r, 3600000);
	assert_int_equal(r->inits, 1);
	assert_null(r->w.e[0].sas);
	assert_int_equal(r->t.n_active, 0);
	rig_free(r);
}

/* The peer deletes the IKE SA: close_action says what follows. */
static void peer_delete(enum conf_action action)
{
	struct rig *r = rig_new();
	const struct ikesa *a;

	r->cc.close_action = action;
	start(r);
	run_until(r, 100);
	a = established(r);
	assert_non_null(a);
	assert_int_equal(engine_delete_ike(&r->w.e[1], only_sa(&r->w, 1),
					   r->now), 0);
	run_until(r, 60000);
	if (action == CONF_ACTION_NONE) {
		assert_int_equal(r->inits, 1);
		assert_null(r->w.e[0].sas);
	} else {
		assert_int_equal(r->inits, 2);
		assert_non_null(established(r));
		assert_int_equal(n_children(established(r)), 1);
	}
	assert_int_equal(r->t.n_active, 0);
	rig_free(r);
}

static void close_restart(void **state)
{
	peer_delete(CONF_ACTION_RESTART);
}

static void close_none(void **state)
{
	peer_delete(CONF_ACTION_NONE);
}

/* Our own ike down of an established IKE SA restarts nothing. */
static void local_delete(void **state)
{
	struct rig *r = rig_new();
	struct ikesa *sa;

	r->cc.close_action = CONF_ACTION_RESTART;
	r->cc.dpd_action = CONF_ACTION_RESTART;
	start(r);
	run_until(r, 100);
	sa = (struct ikesa *)established(r);
	assert_non_null(sa);
	assert_int_equal(engine_delete_ike(&r->w.e[0], sa, r->now), 0);
	run_until(r, 60000);
	assert_int_equal(r->inits, 1);
	assert_null(r->w.e[0].sas);
	rig_free(r);
}

/* A run kept across a reload for the connection of the same name. */
static void renew(void **state)
{
	static struct conf c2;
	static struct conf_conn cc2[2];
	struct rig *r = rig_new();

	r->peer_up = false;
	start(r);
	run_until(r, 500);
	assert_int_equal(entry(r)->state, RETRY_WAITING);
	snprintf(cc2[0].name, sizeof(cc2[0].name), "new");
	snprintf(cc2[1].name, sizeof(cc2[1].name), "home");
	c2.conns = cc2;
	c2.n_conns = 2;
	assert_int_equal(retries_renew(&r->t, &r->conf, &c2), 0);
	assert_null(retry_get(&r->t, 0));
	assert_non_null(retry_get(&r->t, 1));
	assert_int_equal(retry_get(&r->t, 1)->attempt, 1);
	assert_int_equal(r->t.n_active, 1);
	/* Removed: gone with it. */
	assert_int_equal(retries_renew(&r->t, &c2, &r->conf), 0);
	c2.n_conns = 1;
	assert_int_equal(retries_renew(&r->t, &r->conf, &c2), 0);
	assert_null(retry_get(&r->t, 0));
	assert_int_equal(r->t.n_active, 0);
	assert_int_equal(retries_renew(&r->t, &c2, &r->conf), 0);
	rig_free(r);
}

/* Without a table (out of memory on reload): one attempt all the same. */
static void no_table(void **state)
{
	struct rig *r = rig_new();

	retries_free(&r->t);
	assert_non_null(retry_start(&r->t, &r->conf, 0, &r->w.e[0], 0, ""));
	assert_null(retry_start(&r->t, &r->conf, 1, &r->w.e[0], 0, ""));
	run_until(r, 100);
	assert_non_null(established(r));
	rig_free(r);
}

/* status and list show a connection trying; JSON as mifd(8) says. */
static void shown(void **state)
{
	static struct daemon d;
	struct control_peer admin = { .pid = 1, .uid = 0, .admin = true };
	struct rig *r = rig_new();
	struct json_object *req, *rep, *a, *c, *t;

	r->cc.keyingtries = 5;
	r->peer_up = false;
	start(r);
	run_until(r, 500);
	run_until(r, 1400);	/* attempt 2 */
	run_until(r, 1800);	/* failed, attempt 3 waits */
	assert_int_equal(entry(r)->state, RETRY_WAITING);
	d.conf = &r->conf;
	d.retries = r->t;
	assert_int_equal(failures_renew(&d.failures, NULL, &r->conf), 0);

	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("status"));
	rep = daemon_request(&d, &admin, req);
	assert_true(json_object_object_get_ex(rep, "conns", &a));
	c = json_object_array_get_idx(a, 0);
	assert_string_equal(json_object_get_string(
		json_object_object_get(c, "state")), "connecting");
	assert_true(json_object_object_get_ex(c, "retry", &t));
	assert_int_equal(json_object_get_int(
		json_object_object_get(t, "attempt")), 3);
	assert_int_equal(json_object_get_int(
		json_object_object_get(t, "keyingtries")), 5);
	assert_non_null(json_object_object_get(t, "next_in_ms"));
	assert_non_null(strstr(json_object_get_string(
		json_object_object_get(t, "last_error")), "not answered"));
	json_object_put(req);
	json_object_put(rep);

	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("list"));
	rep = daemon_request(&d, &admin, req);
	assert_true(json_object_object_get_ex(rep, "retries", &a));
	assert_int_equal(json_object_array_length(a), 1);
	t = json_object_array_get_idx(a, 0);
	assert_string_equal(json_object_get_string(
		json_object_object_get(t, "conn")), "home");
	assert_int_equal(json_object_get_int(
		json_object_object_get(t, "attempt")), 3);
	json_object_put(req);
	json_object_put(rep);
	failures_free(&d.failures);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(delays),
		cmocka_unit_test(comes_up_by_itself),
		cmocka_unit_test(refused_then_fixed),
		cmocka_unit_test(keyingtries_exhausted),
		cmocka_unit_test(down_cancels),
		cmocka_unit_test(dpd_restart),
		cmocka_unit_test(dpd_none),
		cmocka_unit_test(close_restart),
		cmocka_unit_test(close_none),
		cmocka_unit_test(local_delete),
		cmocka_unit_test(renew),
		cmocka_unit_test(no_table),
		cmocka_unit_test(shown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
