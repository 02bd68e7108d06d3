/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one door from mifd to the kernel: every SA, policy and interface-wide
 * change the daemon makes goes through a struct backend. The XFRM netlink
 * implementation is backend/xfrm.c, its interface-wide operations
 * backend/module.c (through xfrm_mif) and backend/xfrm_iface.c (per SA,
 * without it); tests use a recording fake.
 *
 * A child SA owns its outer address pair: each kernel_sa names its own
 * src/dst, never "the IKE SA's addresses".
 */
#ifndef MIF_BACKEND_BACKEND_H
#define MIF_BACKEND_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum kernel_mode {
	KERNEL_MODE_TRANSPORT,
	KERNEL_MODE_TUNNEL,
};

enum kernel_dir {
	KERNEL_DIR_IN,
	KERNEL_DIR_OUT,
	KERNEL_DIR_FWD,
};

/*
 * One traffic selector as the kernel takes it: a prefix each way, a
 * protocol, and a port each way under a mask. A port p matches when
 * (p & mask) == port: mask 0xffff is one port, 0xff00 an aligned block
 * of 256, 0 any port (port is then 0). Kept that way, with the host bits
 * of the prefixes clear, equal selectors are equal field by field, as
 * XFRM compares them.
 */
struct kernel_sel {
	struct ip_addr src, dst;
	uint8_t src_len, dst_len;	/* prefix lengths */
	uint8_t proto;			/* 0: any */
	uint16_t sport, dport;		/* host order */
	uint16_t sport_mask, dport_mask;	/* host order; 0: any port */
};

#define KERNEL_KEY_MAX	64

/* One ESP SA, one direction. */
struct kernel_sa {
	struct ip_addr src, dst;	/* outer addresses */
	uint32_t spi;			/* host order */
	enum kernel_mode mode;
	uint32_t reqid;
	uint32_t mark, mark_mask, if_id;

	/* IKE transform IDs (IKE_ENCR_*, IKE_INTEG_*), as negotiated. */
	uint16_t encr, encr_key_bits, integ;
	uint8_t encr_key[KERNEL_KEY_MAX];	/* cipher key | salt */
	size_t encr_key_len;
	uint8_t integ_key[KERNEL_KEY_MAX];
	size_t integ_key_len;
	bool esn;
	uint32_t replay_window;

	/* Lifetimes; 0 is unlimited. */
	uint64_t soft_bytes, hard_bytes;
	uint64_t soft_seconds, hard_seconds;

	/* UDP encapsulation (NAT-T); 0: none. Host order. */
	uint16_t encap_sport, encap_dport;

	/* Transport mode: the selector the SA is bound to (optional). */
	struct kernel_sel sel;
	bool has_sel;
};

/*
 * One policy: traffic matching sel in dir goes through an SA of reqid.
 * XFRM keys a policy on sel, dir, mark and if_id alone: add_policy
 * (XFRM_MSG_UPDPOLICY) replaces the policy of the same key whatever its
 * template, del_policy removes it whatever its template. Lower priority
 * values win among overlapping policies.
 */
struct kernel_policy {
	struct kernel_sel sel;
	enum kernel_dir dir;
	enum kernel_mode mode;
	struct ip_addr tmpl_src, tmpl_dst;	/* tunnel endpoints */
	uint32_t reqid;
	uint32_t priority;
	uint32_t mark, mark_mask, if_id;
};

/* Counters of one installed SA, as the kernel reports them. */
struct kernel_sa_stats {
	uint64_t bytes, packets;
	uint64_t use_time;		/* seconds since the epoch; 0: never */
};

/*
 * Which SAs and policies an interface-wide operation may touch: those
 * bound to its address (docs/netlink.md, "What an address binds") with
 * (reqid & reqid_mask) == reqid (a policy: its template's reqid), and,
 * where mark or if_id is not 0, that mark under mark_mask and that if_id.
 * An IKE SA's scope is its block of reqids (ikesa_kernel_scope()), so
 * an operation it starts never touches another IKE SA's SAs on the same
 * address. reqid_mask 0: any reqid.
 */
struct kernel_scope {
	uint32_t reqid, reqid_mask;
	uint32_t mark, mark_mask;
	uint32_t if_id;
};

/* What an interface-wide operation did: SAs, policies, policies skipped. */
struct kernel_iface_result {
	unsigned int states, policies, skipped;
};

/*
 * Move every SA and policy in scope bound to old to new (same family):
 * outer addresses, and transport-mode selectors naming old as a host.
 * SPIs, keys, counters kept. encap_port/encap_peer_port (host order, 0:
 * keep): the UDP encapsulation ports at new and at the peer; both given,
 * an ESP SA without UDP encapsulation gains it (a NAT on the new path).
 * encap_off: the SAs lose their UDP encapsulation (no NAT on the new
 * path; the ports are then ignored). The xfrm_mif module's rewrite cannot
 * take encapsulation away: the backend then moves per SA through XFRM.
 */
struct kernel_move {
	struct ip_addr old, new;
	uint16_t encap_port, encap_peer_port;
	bool encap_off;
};

/* One SA to copy for a new interface: the source, and the copy's SPI and keys. */
struct kernel_clone_sa {
	uint32_t spi;			/* the source SA's, host order */
	struct ip_addr dst;		/* the source SA's destination */
	uint32_t new_spi;		/* host order */
	uint8_t encr_key[KERNEL_KEY_MAX];	/* as kernel_sa's */
	size_t encr_key_len;
	uint8_t integ_key[KERNEL_KEY_MAX];
	size_t integ_key_len;
};

#define KERNEL_CLONE_MAX_FROM	16

/*
 * Copy the SAs and policies in scope bound to from[0..n_from) (in order
 * of preference) onto the local address new_addr (and the peer's
 * new_peer, new inner addresses, if given), each SA with the SPI and
 * keys of its entry in sas (one entry per source SA), as the module's
 * XFRM_MIF_CMD_CLONE does (docs/netlink.md). A policy whose copy would
 * have a selector that exists already is skipped.
 */
struct kernel_clone {
	struct ip_addr from[KERNEL_CLONE_MAX_FROM];
	unsigned int n_from;
	struct ip_addr new_addr;
	struct ip_addr new_peer;		/* family 0: the peer's stays */
	struct ip_addr new_inner, new_peer_inner;	/* family 0: kept */
	uint16_t encap_port, encap_peer_port;	/* host order; 0: kept */
	const struct kernel_clone_sa *sas;
	unsigned int n_sas;
};

/* What the kernel did outside our own calls (read_events). */
enum kernel_event_type {
	KERNEL_EV_MOVED,	/* addr's SAs moved to new_addr (rewrite, failover) */
	KERNEL_EV_FAILOVER_FAILED,	/* addr lost, nothing could move */
	KERNEL_EV_DELETED,	/* addr's SAs deleted */
	KERNEL_EV_CLONED,	/* SAs copied onto new_addr */
	/*
	 * A packet of flow sel matched a policy of template reqid that no
	 * SA fills: a trap (engine/trap.h). XFRM's own, module or not.
	 */
	KERNEL_EV_ACQUIRE,
};

struct kernel_event {
	enum kernel_event_type type;
	struct ip_addr addr, new_addr;
	bool failover;		/* MOVED by the module's own failover */
	unsigned int states, policies;
	uint32_t reqid;		/* ACQUIRE */
	struct kernel_sel sel;	/* ACQUIRE: the packet's flow */
};

typedef void (*kernel_event_fn)(const struct kernel_event *ev, void *arg);

struct backend {
	const struct backend_ops *ops;
	void *priv;
};

/*
 * Every operation returns 0 or a negative errno; the implementation keeps
 * the kernel's message of the last failure (xfrm_backend_error()).
 */
struct backend_ops {
	/*
	 * An inbound SPI for dst/src, unused and held for the caller until
	 * add_sa adds it or del_sa releases it (backend/spi.h).
	 */
	int (*alloc_spi)(struct backend *b, const struct ip_addr *src,
			 const struct ip_addr *dst, uint32_t reqid,
			 uint32_t *spi);
	int (*add_sa)(struct backend *b, const struct kernel_sa *sa);
	/*
	 * Change an installed SA in place, found by dst and SPI: its UDP
	 * encapsulation ports (a NAT's mapping changed) and lifetimes,
	 * keeping its keys, replay state and counters; the keys in sa are
	 * ignored, the rest must be the SA's. Optional (NULL: cannot).
	 */
	int (*update_sa)(struct backend *b, const struct kernel_sa *sa);
	int (*del_sa)(struct backend *b, const struct ip_addr *dst,
		      uint32_t spi, uint32_t mark, uint32_t mark_mask);
	int (*sa_stats)(struct backend *b, const struct ip_addr *dst,
			uint32_t spi, uint32_t mark, uint32_t mark_mask,
			struct kernel_sa_stats *st);
	int (*add_policy)(struct backend *b, const struct kernel_policy *p);
	int (*del_policy)(struct backend *b, const struct kernel_policy *p);

	/*
	 * Interface-wide operations, each all or nothing: through the
	 * xfrm_mif module (one call) when it is loaded, else per SA and
	 * policy through XFRM with the same result. Optional (NULL: cannot).
	 */
	int (*move_addr)(struct backend *b, const struct kernel_move *m,
			 const struct kernel_scope *s,
			 struct kernel_iface_result *r);
	int (*delete_addr)(struct backend *b, const struct ip_addr *addr,
			   const struct kernel_scope *s,
			   struct kernel_iface_result *r);
	int (*clone_addr)(struct backend *b, const struct kernel_clone *c,
			  const struct kernel_scope *s,
			  struct kernel_iface_result *r);
	/*
	 * The ordered alternates of addr for the kernel's own failover (at
	 * most 8), for the SAs in scope; n 0 removes them. -EOPNOTSUPP
	 * without the module: the daemon then fails over itself (move_addr).
	 */
	int (*set_alts)(struct backend *b, const struct ip_addr *addr,
			const struct ip_addr *alts, unsigned int n,
			const struct kernel_scope *s);
	/*
	 * Kernel events: a descriptor to poll (-1: none), and a read of
	 * what is pending, each event passed to fn. Optional.
	 */
	int (*event_fd)(struct backend *b);
	int (*read_events)(struct backend *b, kernel_event_fn fn, void *arg);

	void (*destroy)(struct backend *b);
};

#endif
