/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reloading the configuration: which settings of a connection were
 * negotiated with the peer, and what its IKE and Child SAs become when
 * the connection of the same name in the new file differs.
 */
#ifndef MIF_DAEMON_RELOAD_H
#define MIF_DAEMON_RELOAD_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "engine/engine.h"

struct retries;

enum reload_change {
	RELOAD_KEPT,		/* the same in every setting */
	/*
	 * Only settings the SAs can take over as they are: DPD interval,
	 * lifetimes and ike_reauth (in force from the next rekey),
	 * retransmissions, unique, start.
	 */
	RELOAD_UPDATED,
	/*
	 * Something that was negotiated or authenticated: addresses,
	 * ports, identities, authentication, proposals, traffic
	 * selectors, mode, interfaces, MIF.
	 */
	RELOAD_REPLACED,
};

/*
 * How the connection b of a new configuration differs from a of the
 * old one (same name). keys gets the keys that differ, ", " between
 * them: for REPLACED only those that force it.
 */
enum reload_change reload_compare(const struct conf_conn *a,
				  const struct conf_conn *b, char *keys,
				  size_t len);

/*
 * Carry e over from configuration old (NULL at start-up) to nc, one
 * log line per connection: the IKE SAs of kept and updated connections
 * point at nc's connection of the same name; those of replaced and
 * removed connections are deleted (a Delete to the peer when
 * established). Then e accepts nc's connections only. The deleted IKE
 * SAs still point into old: it must outlive them.
 */
void reload_conns(struct engine *e, struct conf *old, struct conf *nc,
		  uint64_t now);

/*
 * Start nc's connections with start = yes that have no IKE SA: through
 * r's attempts (retry.h) when given, else one engine_initiate() each.
 */
void reload_start(struct engine *e, struct conf *nc, uint64_t now,
		  struct retries *r);

#endif
