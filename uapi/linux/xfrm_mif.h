/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xfrm_mif: interface-granular operations on XFRM state.
 *
 * A generic netlink family, per network namespace. Its unit is the outer
 * address of an interface: every SA and policy bound to an address is moved,
 * cloned or deleted in one call. docs/netlink.md describes every command and
 * attribute.
 */
#ifndef _UAPI_LINUX_XFRM_MIF_H
#define _UAPI_LINUX_XFRM_MIF_H

#include <linux/types.h>

#define XFRM_MIF_GENL_NAME	"xfrm_mif"
#define XFRM_MIF_GENL_VERSION	1
#define XFRM_MIF_MCGRP_EVENTS	"events"

enum xfrm_mif_cmd {
	XFRM_MIF_CMD_UNSPEC,
	XFRM_MIF_CMD_GET_INFO,		/* module version and features */
	XFRM_MIF_CMD_REWRITE,		/* move every SA/policy from OLD to NEW */
	XFRM_MIF_CMD_CLONE,		/* copy SAs of given addresses to NEW */
	XFRM_MIF_CMD_DELETE,		/* delete every SA/policy bound to ADDR */
	XFRM_MIF_CMD_ALT_SET,		/* set the alternates of an address */
	XFRM_MIF_CMD_ALT_GET,		/* dump alternates */
	XFRM_MIF_CMD_ALT_DEL,		/* remove the alternates of an address */
	XFRM_MIF_CMD_DUMP,		/* SAs and policies grouped by address */
	XFRM_MIF_CMD_FAILOVER,		/* event only: the module failed over */

	__XFRM_MIF_CMD_MAX,
	XFRM_MIF_CMD_MAX = __XFRM_MIF_CMD_MAX - 1
};

/* An address: exactly one of INET (4 bytes) or INET6 (16 bytes). */
enum xfrm_mif_addr_attr {
	XFRM_MIF_ADDR_A_UNSPEC,
	XFRM_MIF_ADDR_A_INET,		/* binary, 4 bytes, network order */
	XFRM_MIF_ADDR_A_INET6,		/* binary, 16 bytes */

	__XFRM_MIF_ADDR_A_MAX,
	XFRM_MIF_ADDR_A_MAX = __XFRM_MIF_ADDR_A_MAX - 1
};

enum xfrm_mif_attr {
	XFRM_MIF_A_UNSPEC,
	XFRM_MIF_A_VERSION,		/* u32: XFRM_MIF_GENL_VERSION */
	XFRM_MIF_A_FEATURES,		/* u32: XFRM_MIF_F_* */
	XFRM_MIF_A_ADDR,		/* nest: the address operated on (OLD) */
	XFRM_MIF_A_NEW_ADDR,		/* nest: the replacement / new local */
	XFRM_MIF_A_NEW_PEER,		/* nest: new remote outer address */
	XFRM_MIF_A_NEW_INNER,		/* nest: new inner address (selector) */
	XFRM_MIF_A_FROM,		/* nest of XFRM_MIF_A_ADDR: ordered list */
	XFRM_MIF_A_ALTS,		/* nest of XFRM_MIF_A_ADDR: ordered list */
	XFRM_MIF_A_MARK,		/* u32: filter; an alternate set's scope */
	XFRM_MIF_A_MARK_MASK,		/* u32 */
	XFRM_MIF_A_IF_ID,		/* u32: filter; an alternate set's scope */
	XFRM_MIF_A_REQID,		/* u32: filter; an alternate set's scope */
	XFRM_MIF_A_FLAGS,		/* u32: XFRM_MIF_OPF_* */
	XFRM_MIF_A_ENCAP_PORT,		/* be16: UDP-encap port at NEW_ADDR */
	XFRM_MIF_A_ENCAP_PEER_PORT,	/* be16: UDP-encap port at the peer */
	XFRM_MIF_A_STATES,		/* u32: number of SAs affected */
	XFRM_MIF_A_POLICIES,		/* u32: number of policies affected */
	XFRM_MIF_A_STATE,		/* nest: XFRM_MIF_SA_A_* */
	XFRM_MIF_A_POLICY,		/* nest: XFRM_MIF_POL_A_* */
	XFRM_MIF_A_CLONES,		/* nest of XFRM_MIF_A_CLONE; repeatable */
	XFRM_MIF_A_PAD,
	XFRM_MIF_A_CLONE,		/* nest: XFRM_MIF_CLONE_A_* */
	XFRM_MIF_A_NEW_PEER_INNER,	/* nest: new inner address of the peer */
	XFRM_MIF_A_SKIPPED,		/* u32: policies not copied (existed) */
	XFRM_MIF_A_REASON,		/* u32: XFRM_MIF_FAILOVER_*, a failed failover */
	XFRM_MIF_A_ERROR,		/* s32: negative errno of a refused failover */
	XFRM_MIF_A_MESSAGE,		/* string: why a failover failed, in words */
	XFRM_MIF_A_REQID_MASK,		/* u32: bits of XFRM_MIF_A_REQID matched */

	__XFRM_MIF_A_MAX,
	XFRM_MIF_A_MAX = __XFRM_MIF_A_MAX - 1
};

/* XFRM_MIF_A_STATE: one SA in a dump (never its keys). */
enum xfrm_mif_sa_attr {
	XFRM_MIF_SA_A_UNSPEC,
	XFRM_MIF_SA_A_SPI,		/* be32 */
	XFRM_MIF_SA_A_PROTO,		/* u8: IPPROTO_ESP, _AH, _COMP */
	XFRM_MIF_SA_A_MODE,		/* u8: XFRM_MODE_* */
	XFRM_MIF_SA_A_SRC,		/* nest: address */
	XFRM_MIF_SA_A_DST,		/* nest: address */
	XFRM_MIF_SA_A_REQID,		/* u32 */

	__XFRM_MIF_SA_A_MAX,
	XFRM_MIF_SA_A_MAX = __XFRM_MIF_SA_A_MAX - 1
};

/* XFRM_MIF_A_POLICY: one policy in a dump. */
enum xfrm_mif_pol_attr {
	XFRM_MIF_POL_A_UNSPEC,
	XFRM_MIF_POL_A_INDEX,		/* u32 */
	XFRM_MIF_POL_A_DIR,		/* u8: XFRM_POLICY_IN, _OUT, _FWD */
	XFRM_MIF_POL_A_SEL_SRC,		/* nest: address */
	XFRM_MIF_POL_A_SEL_SRC_LEN,	/* u8: prefix length */
	XFRM_MIF_POL_A_SEL_DST,		/* nest: address */
	XFRM_MIF_POL_A_SEL_DST_LEN,	/* u8: prefix length */
	XFRM_MIF_POL_A_MODE,		/* u8: first template's XFRM_MODE_* */
	XFRM_MIF_POL_A_TMPL_SRC,	/* nest: first template's source */
	XFRM_MIF_POL_A_TMPL_DST,	/* nest: first template's destination */

	__XFRM_MIF_POL_A_MAX,
	XFRM_MIF_POL_A_MAX = __XFRM_MIF_POL_A_MAX - 1
};

/* XFRM_MIF_A_CLONE: one SA to clone, and what its copy gets. */
enum xfrm_mif_clone_attr {
	XFRM_MIF_CLONE_A_UNSPEC,
	XFRM_MIF_CLONE_A_SPI,		/* be32: the source SA's SPI */
	XFRM_MIF_CLONE_A_PROTO,		/* u8: IPPROTO_ESP (default), _AH, _COMP */
	XFRM_MIF_CLONE_A_DST,		/* nest: the source SA's destination */
	XFRM_MIF_CLONE_A_NEW_SPI,	/* be32: the copy's SPI (IPcomp: < 0x10000) */
	XFRM_MIF_CLONE_A_ENC_KEY,	/* binary: the copy's cipher/AEAD key */
	XFRM_MIF_CLONE_A_AUTH_KEY,	/* binary: the copy's integrity key */
	XFRM_MIF_CLONE_A_ENCAP_PORT,	/* be16: its UDP-encap port at NEW_ADDR */
	XFRM_MIF_CLONE_A_ENCAP_PEER_PORT, /* be16: its UDP-encap port at the peer */

	__XFRM_MIF_CLONE_A_MAX,
	XFRM_MIF_CLONE_A_MAX = __XFRM_MIF_CLONE_A_MAX - 1
};

/* Most addresses XFRM_MIF_A_FROM may list. */
#define XFRM_MIF_MAX_FROM	16

/* Most alternates one alternate set (an address and a scope) may list. */
#define XFRM_MIF_MAX_ALTS	8

/* Most alternate sets (scopes) one address may have. */
#define XFRM_MIF_MAX_ALT_SCOPES	16

/* Most alternate sets one network namespace may hold. */
#define XFRM_MIF_MAX_ALT_SETS	256

/* XFRM_MIF_A_REASON: why a failover moved nothing. */
enum xfrm_mif_failover_reason {
	XFRM_MIF_FAILOVER_MOVED,	/* not sent: the failover succeeded */
	XFRM_MIF_FAILOVER_NO_ALTERNATE,	/* no alternate is up with carrier */
	XFRM_MIF_FAILOVER_REFUSED,	/* the move was refused: A_ERROR says why */
};

/* XFRM_MIF_A_FLAGS */
#define XFRM_MIF_OPF_DRY_RUN	0x01	/* list what would change */

/* XFRM_MIF_A_FEATURES */
#define XFRM_MIF_F_REWRITE	0x01
#define XFRM_MIF_F_CLONE	0x02
#define XFRM_MIF_F_DELETE	0x04
#define XFRM_MIF_F_ALTERNATES	0x08
#define XFRM_MIF_F_DUMP		0x10

#endif /* _UAPI_LINUX_XFRM_MIF_H */
