/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data of the MIF extension's Notify payloads (docs/protocol/mif.md):
 * MIF_SUPPORTED, MIF_INTERFACES and MIF_CHILD_PATH.
 *
 * The Notify payload itself is parsed by ike_notify_parse(); these
 * functions decode and encode its data (struct ike_notify's data and
 * len) only. Its Protocol ID and SPI are not looked at.
 *
 * Every parse is bounded by the limits below and keeps nothing that
 * points into the input; the structs have fixed sizes and nothing to
 * free. A failure fills struct ike_error with the notify to answer with:
 * MIF_INVALID_INTERFACES for MIF_INTERFACES, MIF_UNACCEPTABLE_PATH for
 * MIF_CHILD_PATH, none for MIF_SUPPORTED (a malformed one is treated as
 * absent). Builders check the same rules and fail with IKE_ERR_INVAL.
 */
#ifndef MIF_IKE_MIF_H
#define MIF_IKE_MIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/buf.h"
#include "ike/error.h"

#define MIF_PROTO_VERSION	1

/* Address Family field: IANA Address Family Numbers. */
#define MIF_AF_IPV4		1
#define MIF_AF_IPV6		2

/* Most interfaces in one MIF_INTERFACES, addresses per family each. */
#define MIF_MAX_IFACES		32
#define MIF_MAX_ADDRS		8

/* Interface entry flags; the other bits are ignored on receipt. */
#define MIF_IFACE_DOWN		0x01
#define MIF_IFACE_FLAGS_KNOWN	MIF_IFACE_DOWN

#define MIF_SUPPORTED_LEN	2
#define MIF_IFACE_HDR_LEN	8
#define MIF_CHILD_PATH_HDR_LEN	8
/* The longest MIF_INTERFACES data: 32 entries of 8 + 8 * (4 + 16). */
#define MIF_INTERFACES_MAX_LEN \
	(MIF_MAX_IFACES * (MIF_IFACE_HDR_LEN + MIF_MAX_ADDRS * (4 + 16)))

struct mif_supported {
	uint8_t version;	/* 1..255; the flags octet is not kept */
};

struct mif_iface {
	uint16_t id;		/* 1..65535, unique in the list */
	uint8_t prio;		/* lower is preferred */
	uint8_t flags;		/* MIF_IFACE_DOWN; unknown bits cleared */
	uint8_t n4;		/* 0..MIF_MAX_ADDRS */
	uint8_t n6;
	uint8_t addr4[MIF_MAX_ADDRS][4];
	uint8_t addr6[MIF_MAX_ADDRS][16];
};

/* A whole announcement, in the order sent; n may be 0. */
struct mif_interfaces {
	unsigned int n;
	struct mif_iface iface[MIF_MAX_IFACES];
};

struct mif_child_path {
	uint16_t req_id;	/* requester's interface, 0: IKE SA address */
	uint16_t resp_id;	/* responder's interface, 0: IKE SA address */
	uint8_t family;		/* MIF_AF_IPV4 or MIF_AF_IPV6 */
	uint8_t req_addr[16];	/* IPv4 uses the first 4 bytes */
	uint8_t resp_addr[16];
};

/* Address length for a MIF address family: 4, 16, or 0 if unknown. */
size_t mif_addr_len(uint8_t family);

/*
 * Whether an address may be announced or named in a path: not
 * unspecified, loopback, multicast, IPv4 broadcast or IPv4-mapped IPv6.
 */
bool mif_addr_usable(uint8_t family, const uint8_t *addr);

/* The entry with this ID, or NULL. */
const struct mif_iface *mif_iface_find(const struct mif_interfaces *m,
				       uint16_t id);

/* Whether the entry lists this address. */
bool mif_iface_has_addr(const struct mif_iface *f, uint8_t family,
			const uint8_t *addr);

/*
 * At least 2 octets, version not 0; version 1 is exactly 2 octets, a
 * later version may append data, which is ignored.
 */
int mif_supported_parse(struct mif_supported *s, const uint8_t *data,
			size_t len, struct ike_error *err);
int mif_supported_build(struct ike_writer *w, const struct mif_supported *s,
			struct ike_error *err);

/*
 * 0 to 32 entries exactly filling the data, each with 0 to 8 addresses
 * per family; IDs not 0 and unique, addresses usable and unique across
 * the list. On failure *m is zeroed.
 */
int mif_interfaces_parse(struct mif_interfaces *m, const uint8_t *data,
			 size_t len, struct ike_error *err);
int mif_interfaces_build(struct ike_writer *w, const struct mif_interfaces *m,
			 struct ike_error *err);

/*
 * 8 + 2 * 4 octets (IPv4) or 8 + 2 * 16 (IPv6); both addresses usable
 * and different from each other. On failure *p is zeroed.
 */
int mif_child_path_parse(struct mif_child_path *p, const uint8_t *data,
			 size_t len, struct ike_error *err);
int mif_child_path_build(struct ike_writer *w, const struct mif_child_path *p,
			 struct ike_error *err);

/* Same IDs, family and addresses (a response must copy the request's). */
bool mif_child_path_equal(const struct mif_child_path *a,
			  const struct mif_child_path *b);

/*
 * Record a failure of a MIF notify's data in err (payload Notify,
 * answered with notify); returns -1. Every MIF codec reports this way.
 */
int mif_fail(struct ike_error *err, enum ike_err code, uint16_t notify,
	     const char *reason);

#endif
