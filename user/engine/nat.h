/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT traversal (RFC 7296 §2.23, RFC 3948) of one IKE SA.
 *
 * Both IKE_SA_INIT messages carry NAT_DETECTION_SOURCE_IP and
 * NAT_DETECTION_DESTINATION_IP (the responder's only if the initiator
 * sent them): hashes of the SPIs with the sender's address and port, and
 * with the receiver's, as the sender sees them. A receiver whose view of
 * the sender differs learns that the sender is behind a NAT; whose view
 * of itself differs, that it is. With a NAT either way, or with the
 * connection's encap set (a source hash that matches nothing, so that
 * the peer believes us behind a NAT, as strongSwan's encap does):
 *
 * - the initiator moves from port 500 to 4500 from IKE_AUTH on, and the
 *   responder answers where the request came from (the daemon adds the
 *   4-byte non-ESP marker on port 4500, daemon/sockets.h);
 * - the Child SAs carry ESP in UDP between those ports (UDP_ENCAP_ESPINUDP
 *   in the kernel);
 * - the side behind a NAT sends a keepalive, one 0xff byte (RFC 3948
 *   §2.3), every nat_keepalive_ms, to keep the NAT's mapping;
 * - when the peer is behind a NAT, an authenticated request of its from a
 *   new address or port (the NAT's mapping changed) moves the IKE SA
 *   there, and the Child SAs' encapsulation with it.
 */
#ifndef MIF_ENGINE_NAT_H
#define MIF_ENGINE_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/notify.h"

struct ikesa;
struct childsa;
struct engine_msg;
struct ike_chain;

#define NAT_IKE_PORT	500
#define NAT_NATT_PORT	4500
/* Default of a connection's nat_keepalive_ms. */
#define NAT_KEEPALIVE_MS	20000

/* What IKE_SA_INIT told of NATs on an IKE SA's path. */
struct nat_state {
	bool natd;		/* NAT detection exchanged both ways */
	bool local;		/* we are behind a NAT */
	bool remote;		/* the peer is behind a NAT (or fakes it) */
	bool fake;		/* encap = yes: we pretend to be behind one */
	uint64_t keepalive_at;	/* ms; the next keepalive; 0: none */
};

/* The two NAT detection notifies of an IKE_SA_INIT message. */
struct nat_notifies {
	struct ike_notify n[2];
	uint8_t hash[2][IKE_NAT_DETECTION_LEN];
};

/*
 * Append NAT_DETECTION_SOURCE_IP and _DESTINATION_IP for sa's addresses
 * and ports, with its SPIs (spi_r 0 in the request), to chain: always in
 * a request, in a response only if the request held them (else it
 * returns 0 having added nothing). n holds them until the message is
 * built. 0 or -errno.
 */
int nat_add_notifies(const struct ikesa *sa, struct ike_chain *chain,
		     struct nat_notifies *n);
/*
 * Read the NAT detection notifies of an IKE_SA_INIT message m of sa
 * (hashes over the SPIs of its header, m's addresses and ports): who is
 * behind a NAT, logged.
 */
void nat_check(struct ikesa *sa, const struct engine_msg *m);
/* Whether sa's Child SAs carry ESP in UDP (a NAT either way, or fake). */
bool nat_encap(const struct ikesa *sa);
/* Initiator, IKE_SA_INIT done: from port 500 to 4500 if nat_encap(). */
void nat_float(struct ikesa *sa);
/* A new Child SA of sa: whether it is encapsulated, its ports sa's. */
void nat_child(const struct ikesa *sa, struct childsa *c);
/*
 * An authenticated request m of sa's peer: answer where it came from, on
 * port 4500 once the initiator moved there, and, the peer being behind a
 * NAT, follow its new address or port (now: for the log).
 */
void nat_follow(struct ikesa *sa, const struct engine_msg *m);

/*
 * For mifctl: "off" (the peer sent no NAT detection), "none", "local"
 * (we are behind a NAT), "remote" (the peer is), "both", or "encap" (no
 * NAT, encapsulation forced by encap = yes on either side).
 */
const char *nat_name(const struct ikesa *sa);

/* Keepalives: when the next one is due (0: none) and send it. */
uint64_t nat_deadline(const struct ikesa *sa);
void nat_tick(struct ikesa *sa, uint64_t now);

#endif
