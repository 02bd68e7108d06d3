/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connections kept trying, as a daemon should: a connection started by
 * start = yes or ike up that does not come up (no answer, a refusal) is
 * initiated again after a pause that doubles from RETRY_FIRST_MS to
 * RETRY_MAX_MS, each jittered down by up to a quarter, until an IKE SA
 * of it is established, keyingtries attempts have failed (0: never), or
 * ike down cancels it. dpd_action = restart and close_action = restart
 * start such a run when DPD declares the peer dead or the peer deletes
 * the IKE SA.
 *
 * The engine's events drive it (retry_event: FAILED, IKE_UP, IKE_DOWN);
 * the main loop runs what is due (retry_run) after engine_tick(), never
 * from an event, and sleeps no longer than retry_next_deadline().
 */
#ifndef MIF_DAEMON_RETRY_H
#define MIF_DAEMON_RETRY_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "engine/engine.h"

#define RETRY_FIRST_MS	1000
#define RETRY_MAX_MS	300000

enum retry_state {
	RETRY_IDLE,		/* up, given up, or never started */
	RETRY_TRYING,		/* attempt's IKE SA (spi_i) under way */
	RETRY_WAITING,		/* the next attempt starts at next_at */
};

struct conn_retry {
	enum retry_state state;
	unsigned int attempt;	/* of this run: 1 the first, 0 none yet */
	uint64_t spi_i;		/* TRYING: our SPI of the attempt's IKE SA */
	uint64_t next_at;	/* WAITING: ms, as daemon_now() */
	char why[256];		/* the last failure of this run, or "" */
	/*
	 * WAITING: in the table's heap under next_at; TRYING: on its list
	 * (try_pprev: what points at it).
	 */
	struct timer_node due;
	struct conn_retry *try_next, **try_pprev;
};

/* One per connection of a configuration, in its order. */
struct retries {
	struct conn_retry *r;
	unsigned int n;
	unsigned int n_active;	/* not IDLE */
	/*
	 * So that a loop pass looks at what may have changed only: the
	 * WAITING runs by next_at; the TRYING ones, checked again only when
	 * an IKE SA went since they last were (engine_sa_gone(): gone_seen,
	 * or recheck for one just started); room for the indexes of the
	 * runs of one pass, in connection order.
	 */
	struct timer_heap due;
	struct conn_retry *trying;
	unsigned long gone_seen;
	bool recheck;
	unsigned int *batch;
};

/*
 * The table for configuration nc, keeping the runs of prev's
 * connections of the same names. 0 or -ENOMEM (then t is unchanged).
 */
int retries_renew(struct retries *t, const struct conf *prev,
		  struct conf *nc);
void retries_free(struct retries *t);

/*
 * The pause before attempt (2 and on: after attempt - 1 failed), rnd
 * the jitter: RETRY_FIRST_MS << (attempt - 2), at most RETRY_MAX_MS,
 * less rnd % 1024 / 4096 of it.
 */
uint64_t retry_delay_ms(unsigned int attempt, uint32_t rnd);

/*
 * Start connection i of conf (start = yes, ike up): a run of attempts
 * from the first, initiated at once. how says why in the log. Returns
 * the IKE SA, or NULL if it could not be initiated (then the next
 * attempt waits as after any failure).
 */
struct ikesa *retry_start(struct retries *t, struct conf *conf,
			  unsigned int i, struct engine *e, uint64_t now,
			  const char *how);

/* Stop connection i's run (ike down); whether there was one (logged). */
bool retry_cancel(struct retries *t, struct conf *conf, unsigned int i);

/*
 * An event of engine e (on any connection of conf, or a replaced
 * one's).
 */
void retry_event(struct retries *t, struct conf *conf,
		 const struct engine *e, const struct engine_event *ev,
		 uint64_t now);

/* Start the attempts due at now. */
void retry_run(struct retries *t, struct conf *conf, struct engine *e,
	       uint64_t now);

/* When the next attempt is due; 0: none waits. */
uint64_t retry_next_deadline(const struct retries *t);

/* Connection i's run, or NULL if it has none. */
const struct conn_retry *retry_get(const struct retries *t, unsigned int i);

/* As JSON: attempt, keyingtries, next_in_ms, last_error (mifd(8)). */
struct json_object *retry_json(const struct conn_retry *r,
			       const struct conf_conn *cc, uint64_t now);

#endif
