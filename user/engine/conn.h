/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A connection: what the configuration file says about one peer. The
 * engine only reads it; the IKE SAs made from it point back at it, so it
 * must outlive them.
 */
#ifndef MIF_ENGINE_CONN_H
#define MIF_ENGINE_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "ike/sa.h"
#include "ike/ts.h"
#include "kernel/backend.h"

#define CONN_MAX_PROPOSALS	4
#define CONN_MAX_TRANSFORMS	16
#define CONN_MAX_TS		4
#define CONN_MAX_ID		128
#define CONN_MAX_PSK		128

/* One proposal: a list of transforms, several per type allowed. */
struct conn_proposal {
	unsigned int n;
	struct ike_transform xf[CONN_MAX_TRANSFORMS];
};

struct conn_id {
	uint8_t type;			/* IKE_ID_* */
	uint8_t data[CONN_MAX_ID];
	size_t len;			/* 0: accept any (remote only) */
};

struct conn {
	const char *name;

	struct ip_addr local, remote;
	uint16_t local_port, remote_port;

	struct conn_id local_id, remote_id;

	uint8_t auth_method;		/* IKE_AUTH_*; 0 is SHARED_KEY_MIC */
	uint8_t psk[CONN_MAX_PSK];
	size_t psk_len;

	/* In order of preference. */
	unsigned int n_ike, n_esp;
	struct conn_proposal ike[CONN_MAX_PROPOSALS];
	struct conn_proposal esp[CONN_MAX_PROPOSALS];

	/* Ours and the peer's side of the Child SAs. */
	unsigned int n_local_ts, n_remote_ts;
	struct ike_selector local_ts[CONN_MAX_TS];
	struct ike_selector remote_ts[CONN_MAX_TS];

	enum kernel_mode mode;

	uint32_t dpd_ms;		/* 0: no liveness checks */
	uint64_t ike_lifetime_s, child_lifetime_s;	/* 0: unlimited */
	uint32_t retrans_base_ms;	/* first retransmission timeout */
	unsigned int retrans_tries;	/* retransmissions before giving up */
};

#endif
