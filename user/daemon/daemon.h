/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mifd's state: the configuration, the engine with its kernel backend,
 * the IKE sockets, the control socket and the watch on the local
 * interfaces; what main() drives.
 */
#ifndef MIF_DAEMON_DAEMON_H
#define MIF_DAEMON_DAEMON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "daemon/control.h"
#include "daemon/iface_watch.h"
#include "daemon/failures.h"
#include "daemon/log.h"
#include "daemon/retry.h"
#include "daemon/sockets.h"
#include "engine/engine.h"
#include "backend/backend.h"

#define DAEMON_RETIRED_MAX	16
/*
 * Lines a peer can cause at will (refused requests, failed sends): 10 at
 * once, then one a second, for each kind.
 */
#define DAEMON_LOG_BURST	10
#define DAEMON_LOG_INTERVAL_MS	1000

struct daemon {
	char conf_path[256];
	char socket_override[CONF_PATH_MAX];	/* -s, or "" */
	struct conf *conf;
	/* Replaced configurations, kept while an IKE SA uses them. */
	struct conf *retired[DAEMON_RETIRED_MAX];
	unsigned long retired_gone;	/* engine_sa_gone() at the last look */

	struct backend xfrm;			/* the kernel */
	struct backend backend;			/* what the engine uses */
	bool have_backend;
	struct engine engine;
	bool have_engine;
	struct sockets socks;
	struct control ctl;
	struct iface_watch ifw;			/* the local interfaces */
	struct failures failures;		/* of d->conf's connections */
	struct retries retries;			/* their runs of attempts */
	/* Log lines of refused IKE_SA_INIT requests, by reason; of sends. */
	struct log_limit refusal_log[ENGINE_REF_N], send_log;

	uint64_t start_ms;
	bool stop;				/* leave the main loop */

	/*
	 * The service manager, if any (mifd sets it to sd_notify(3)): told
	 * of reloads and, in STATUS=, how many IKE SAs are up; NULL: none.
	 */
	void (*notify)(const char *state);
	char status[64];			/* the last STATUS= sent */
};

uint64_t daemon_now(void);

/* Load the configuration, open backend, engine and sockets. 0 or -errno. */
int daemon_start(struct daemon *d, const char *conf_path,
		 const char *socket_path);
/* Delete every SA (telling the peers), close everything. */
void daemon_stop(struct daemon *d);

/*
 * Delete an IKE SA of engine e: with a Delete to the peer if it is
 * established and the request window is free, else at once.
 */
void daemon_delete_sa(struct engine *e, struct ikesa *sa, uint64_t now);

/*
 * Tell the service manager state ("READY=1", "STOPPING=1"; NULL: only
 * a STATUS= that changed) with a STATUS= line: connections, IKE SAs up.
 */
void daemon_notify(struct daemon *d, const char *state);

/*
 * Re-read the configuration; err gets the problems. 0 or -errno. The
 * service manager sees RELOADING=1, then READY=1 (refused or not).
 */
int daemon_reload(struct daemon *d, char *err, size_t errlen);

/* One round of the main loop: poll, act, run the timers. */
int daemon_run_once(struct daemon *d);

/*
 * A kernel event (the xfrm_mif module's: a move, failover, delete or clone
 * done outside our own calls), read by the main loop; arg is the daemon.
 * Logged at debug level only, today.
 */
struct kernel_event;
void daemon_kernel_event(const struct kernel_event *ev, void *arg);

/*
 * The control requests (also for tests): every command for an admin
 * peer, list and status for the others (the control group).
 */
struct json_object *daemon_request(void *ctx, const struct control_peer *peer,
				   struct json_object *req);

#endif
