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
#include "engine/iface.h"
#include "engine/pool.h"
#include "ike/sa.h"
#include "ike/ts.h"
#include "backend/backend.h"

#define CONN_MAX_PROPOSALS	4
#define CONN_MAX_TRANSFORMS	16
#define CONN_MAX_TS		4
#define CONN_MAX_ID		128
#define CONN_MAX_PSK		128
#define CONN_MAX_IFACES		16
/*
 * Children (services) of one connection: figure 11's s services, each
 * of them once per interface with per_interface. A bound on what a
 * configuration may ask for, not on what a peer can cause; the
 * responder's children_match() walks them once per request.
 */
#define CONN_MAX_CHILDREN	1024
#define CONN_MAX_POOLS		4
#define CONN_MAX_DNS		4
#define CONN_MAX_VIPS		8

/*
 * What to do with another IKE SA of the same connection and identities
 * (unique.c), as strongSwan's "unique": REPLACE deletes the older one
 * once the new one is up; NO keeps both unless the peer sends
 * INITIAL_CONTACT; NEVER keeps both, and sends no INITIAL_CONTACT.
 */
enum conn_unique {
	CONN_UNIQUE_REPLACE,
	CONN_UNIQUE_NO,
	CONN_UNIQUE_NEVER,
};

/*
 * What a new local address does (add_interfaces, engine/mif_add.h): NO
 * nothing but its announcement; YES MIF_ADD_INTERFACE by itself; CFG the
 * same, asking in it for a new inner address (engine/cfg_add.h).
 */
enum conn_add {
	CONN_ADD_NO,
	CONN_ADD_YES,
	CONN_ADD_CFG,
};

/* One proposal: a list of transforms, several per type allowed. */
struct conn_proposal {
	unsigned int n;
	struct ike_transform xf[CONN_MAX_TRANSFORMS];
};

/*
 * A child: the template of the Child SAs of one service (engine/children.h),
 * as strongSwan's children { NAME { ... } }. Its Child SAs keep it through
 * their rekeys.
 */
struct conn_child {
	const char *name;
	/* ESP proposals, in order of preference. */
	unsigned int n_esp;
	struct conn_proposal esp[CONN_MAX_PROPOSALS];
	/* Ours and the peer's side of its Child SAs. */
	unsigned int n_local_ts, n_remote_ts;
	struct ike_selector local_ts[CONN_MAX_TS];
	struct ike_selector remote_ts[CONN_MAX_TS];
	enum kernel_mode mode;
	uint64_t lifetime_s;		/* 0: unlimited */
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

	/*
	 * Ours and the peer's side of the Child SAs: n_esp, esp and these
	 * make the connection's one child when it has no others.
	 */
	unsigned int n_local_ts, n_remote_ts;
	struct ike_selector local_ts[CONN_MAX_TS];
	struct ike_selector remote_ts[CONN_MAX_TS];

	enum kernel_mode mode;
	enum conn_unique unique;

	uint32_t dpd_ms;		/* 0: no liveness checks */
	uint64_t ike_lifetime_s, child_lifetime_s;	/* 0: unlimited */
	/*
	 * At the end of ike_lifetime_s, authenticate anew instead of
	 * rekeying (§2.8.3): the IKE SA is deleted, and its initiator then
	 * sets up a new one (ike_sa.h).
	 */
	bool ike_reauth;
	/*
	 * Spread the rekeys over a random part of the lifetime (ike_sa.h,
	 * child_sa.h); without it every SA rekeys at the same fraction of
	 * its lifetime, so that SAs set up together rekey together.
	 */
	bool rekey_jitter;
	/*
	 * NAT traversal (engine/nat.h): encap makes ESP go in UDP even
	 * without a NAT; behind a NAT, a keepalive every nat_keepalive_ms
	 * (0: none).
	 */
	bool encap;
	uint32_t nat_keepalive_ms;
	uint32_t retrans_base_ms;	/* first retransmission timeout */
	unsigned int retrans_tries;	/* retransmissions before giving up */
	/*
	 * Retransmissions on the IKE SA's pair before the request goes on
	 * to the peer's alternates (engine/peer_alt.h).
	 */
	unsigned int alt_after;

	/*
	 * The local interfaces this connection may use at once (MIF), in
	 * order, each a name or pattern with its priority; none: the
	 * connection uses its local address only.
	 */
	unsigned int n_ifaces;
	struct iface_pattern ifaces[CONN_MAX_IFACES];
	/*
	 * Offer and accept the MIF extension (engine/mif.h); without it
	 * the IKE SA is plain IKEv2.
	 */
	bool mif;
	/* Offer and accept MOBIKE (RFC 4555, engine/mobike.h). */
	bool mobike;
	/*
	 * MOBIKE initiator: NO_NATS_ALLOWED in UPDATE_SA_ADDRESSES, a move
	 * through a NAT refused (RFC 4555 §3.9).
	 */
	bool mobike_no_nats;
	/*
	 * IKE fragmentation (RFC 7383, engine/fragment.h): offer and
	 * accept it; fragments of at most fragment_size bytes as IP
	 * datagrams (0: 576 over IPv4, 1280 over IPv6).
	 */
	bool fragmentation;
	unsigned int fragment_size;
	/*
	 * With MIF negotiated, one Child SA per usable interface of
	 * ifaces, each on its own outer pair (engine/mif_path.h).
	 */
	bool per_interface;
	/*
	 * With MIF negotiated, a new address on an interface of ifaces
	 * starts MIF_ADD_INTERFACE by itself (engine/mif_add.h), with CFG
	 * asking for a new inner address.
	 */
	enum conn_add add_interfaces;
	/*
	 * With MIF negotiated, an address this IKE SA failed over from
	 * takes its SAs back when it returns (engine/mif_alt.h).
	 */
	bool failback;

	/*
	 * Inner addresses (CFG, engine/cfg.c). Responder: the ranges it
	 * leases addresses from, and the name servers it tells a peer that
	 * asks. The pool is the connection's own; the engine keeps it, and
	 * what it remembers, across reloads that keep the connection's
	 * name and ranges. Initiator: how many addresses of each family to
	 * ask for (vips4 + vips6 <= CONN_MAX_VIPS), and the device the
	 * daemon puts them on ("" for lo).
	 */
	unsigned int n_pools;
	struct pool_range pools[CONN_MAX_POOLS];
	unsigned int n_dns;
	struct ip_addr dns[CONN_MAX_DNS];
	uint8_t vips4, vips6;
	char vip_device[IFACE_NAME_MAX];

	/*
	 * Certificates (engine/auth_sig.c), used when auth_method is a
	 * signature method: 1 (RSA), 9/10 (ECDSA P-256/P-384) or 14 (RFC
	 * 7427 Digital Signature, any key type). The peer may authenticate
	 * with any of these whenever sig_creds has a trust list, whatever
	 * our own method.
	 *
	 * cert_file: PEM, our certificate then any intermediates (sent as
	 * CERT payloads); key_file: its PEM private key; ca_dir: directory
	 * of PEM CA certificates that certify peers (also named in our
	 * CERTREQ). The engine does not read the paths: whoever builds the
	 * conn loads them with sig_creds_load(&c->sig_creds, cert_file,
	 * key_file, ca_dir) (crypto/sign.h) and frees sig_creds with
	 * sig_creds_free() after the engine is done with the conn (conf.c
	 * loads each set of files once, shared by the conns naming it). NULL
	 * sig_creds: no certificates, no SIGNATURE_HASH_ALGORITHMS notify.
	 */
	const char *cert_file, *key_file, *ca_dir;
	struct sig_creds *sig_creds;
	/* Method 14 with an RSA key: RSASSA-PSS, not PKCS#1 v1.5. */
	bool rsa_pss;
	/*
	 * RSA signatures with SHA-1 (method 1 both ways, the peer's method
	 * 14 with sha1WithRSAEncryption): refused unless set.
	 */
	bool rsa_sha1;

	/*
	 * The children, in the order the initiator starts them (at most
	 * CONN_MAX_CHILDREN); none: one, made of the connection's own n_esp,
	 * esp, local_ts, remote_ts, mode and child_lifetime_s and named as
	 * the connection (conn_child(), engine/children.h).
	 */
	unsigned int n_children;
	const struct conn_child *children;
};

#endif
