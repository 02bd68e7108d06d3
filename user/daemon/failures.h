/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The last failure of each connection (the engine's FAILED events): when,
 * why, the error notify, the IKE SA it was of. mifctl ike status and list
 * show it; ike up -w stops waiting on one of the IKE SA it started.
 */
#ifndef MIF_DAEMON_FAILURES_H
#define MIF_DAEMON_FAILURES_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf.h"
#include "engine/engine.h"

struct conn_failure {
	bool set;
	time_t when;		/* wall clock */
	uint64_t at_ms;		/* monotonic ms (daemon_now()) */
	uint64_t spi_i;		/* of the IKE SA, 0: none */
	uint16_t notify;	/* 0: none */
	bool sent, final, child;
	char why[256];
};

/* One per connection of a configuration, in its order. */
struct failures {
	struct conn_failure *f;
	unsigned int n;
};

/*
 * The table for configuration nc, keeping what old (of configuration
 * prev, or NULL) held for the connections of the same names. Frees
 * old's table. 0 or -ENOMEM (then old is kept as it was).
 */
int failures_renew(struct failures *old, const struct conf *prev,
		   struct conf *nc);
void failures_free(struct failures *t);

/*
 * Record failure f of connection c at now (ms); c is one of conf's, or
 * a retired configuration's (found by name in conf); spi_i: the IKE
 * SA's, 0 for none.
 */
void failures_record(struct failures *t, struct conf *conf,
		     const struct conn *c, uint64_t spi_i,
		     const struct engine_failure *f, uint64_t now);

/* Connection i's failure, or NULL. */
const struct conn_failure *failures_get(const struct failures *t,
					unsigned int i);

/* As JSON: time, age_s, reason, notify ... (mifd(8)). */
struct json_object *failure_json(const struct conn_failure *f, uint64_t now);

#endif
