/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Clone for a new interface, between its two files: clone_nl.c turns the
 * request into a struct mif_clone, clone.c does the work.
 */
#ifndef _XFRM_MIF_CLONE_H
#define _XFRM_MIF_CLONE_H

#include "mif.h"

#define MIF_KEY_MAX	512	/* bytes; XFRM's largest keys are far smaller */

/*
 * UDP-encapsulation ports on the new path, ours (at NEW_ADDR) and the
 * peer's; one not given stays the source SA's.
 */
struct mif_ports {
	__be16 port, peer_port;
	bool has_port, has_peer_port;
};

/* One XFRM_MIF_A_CLONE entry: which SA, and its copy's SPI and keys. */
struct mif_clone_ent {
	const struct nlattr *nla;
	const struct nlattr *enc, *auth;
	struct mif_addr dst;
	struct mif_ports ports;	/* the entry's, else the request's */
	__be32 spi, new_spi;
	u8 proto;
	bool has_dst;
	bool used;
};

/* An unpublished copy, and where it came from. */
struct mif_copy {
	void *obj;		/* struct xfrm_state or struct xfrm_policy */
	struct xfrm_state *src;	/* an SA copy's source, held */
	struct mif_clone_ent *ent;	/* an SA copy's entry */
	struct xfrm_state *larval;	/* the SPI's reservation, held */
	unsigned int from;	/* index in FROM */
	unsigned int seq;	/* walk order */
	int dir;		/* policies */
	bool skip;		/* a policy with its selector exists */
	bool published;
};

struct mif_copies {
	struct mif_copy *v;
	unsigned int n, size;
};

struct mif_clone {
	struct mif_walk w;	/* selects by mif_state_from, mif_policy_from */
	struct netlink_ext_ack *extack;
	struct mif_filter f[XFRM_MIF_MAX_FROM];	/* one per FROM address */
	unsigned int nfrom;
	struct mif_addr to, peer, inner, peer_inner;
	bool has_peer, has_inner, has_peer_inner;
	struct mif_ports ports;	/* the request's, for ESP SAs */
	struct mif_clone_ent *ent;	/* sorted by SPI, protocol */
	unsigned int nent;
	struct mif_copies sas, pols;
	u32 skipped;
};

/* XFRM_MIF_A_CLONE: an entry's attributes (clone_nl.c). */
extern const struct nla_policy mif_clone_ent_policy[XFRM_MIF_CLONE_A_MAX + 1];

/*
 * The SA an error is about, as the acknowledgement's cookie: its SPI, 4
 * bytes in network order, which mifctl prints. (6.1 has neither formatted
 * extack messages, to put the SPI in the message, nor a helper for a
 * 4-byte cookie.)
 */
static inline void mif_extack_spi(struct netlink_ext_ack *extack, u32 spi)
{
	__be32 cookie = cpu_to_be32(spi);

	if (!extack)
		return;
	BUILD_BUG_ON(sizeof(cookie) > NETLINK_MAX_COOKIE_LEN);
	memcpy(extack->cookie, &cookie, sizeof(cookie));
	extack->cookie_len = sizeof(cookie);
}

/* An error about one SA: msg (a literal), the attribute at fault or NULL. */
#define mif_err(extack, nla, spi, msg) do {				\
	struct netlink_ext_ack *__ack = (extack);			\
									\
	NL_SET_ERR_MSG_ATTR(__ack, nla, msg);				\
	mif_extack_spi(__ack, spi);					\
} while (0)

/* Why mif_clone_encap() refused the ports of an entry. */
enum mif_encap_err {
	MIF_ENCAP_OK,
	MIF_ENCAP_ZERO_PORT,	/* port 0 but not as both ports */
	MIF_ENCAP_NEEDS_BOTH,	/* one port for an SA without encapsulation */
};

void mif_clone_init(struct mif_clone *c, struct net *net,
		    struct netlink_ext_ack *extack);
int mif_clone(struct mif_clone *c, bool dry_run, struct mif_counts *counts);
void mif_clone_free(struct mif_clone *c);

/* A key of the request: a copy's (ent set) or a source SA's. */
struct mif_key {
	const u8 *key;
	unsigned int len;		/* bytes */
	const struct mif_clone_ent *ent;	/* NULL: a source SA's */
	const struct nlattr *nla;	/* the attribute that gave it */
};

#if IS_ENABLED(CONFIG_KUNIT)
int mif_clone_encap(struct xfrm_state *xc, bool out,
		    const struct mif_ports *p, enum mif_encap_err *why);
const struct mif_key *mif_key_reused(struct mif_key *k, unsigned int n,
				     const struct mif_key **other);
#endif

#endif
