/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A new inner address in MIF_ADD_INTERFACE (docs/protocol/mif.md,
 * "Adding an interface", "Inner addresses"): the requester, an IKE SA
 * initiator that got inner addresses in IKE_AUTH, asks with a
 * CP(CFG_REQUEST) beside the notify for one more address per family its
 * connection asks for; the responder leases it from the pool of the
 * IKE SA's connection and answers a CP(CFG_REPLY), or no CP (no pool, or
 * none left). The derived Child SAs take the new address in place of the
 * requester's inner addresses in the requester's traffic selectors.
 * The lease is the IKE SA's, as IKE_AUTH's are: released when it goes.
 */
#ifndef MIF_ENGINE_CFG_ADD_H
#define MIF_ENGINE_CFG_ADD_H

#include <stdbool.h>

#include "engine/cfg.h"

/* The families of a request, as bits. */
#define CFG_ADD_IPV4	0x1
#define CFG_ADD_IPV6	0x2

/* The new inner addresses of one add: at most one per family. */
struct cfg_add_vips {
	unsigned int n;
	struct ip_addr a[2];
};

/*
 * Requester: the families to ask for (its connection's vips4/vips6), 0
 * if it asks for none or is not the IKE SA's initiator. -ENOSPC when the IKE SA has no room for one more
 * address of each (CONN_MAX_VIPS).
 */
int cfg_add_families(const struct ikesa *sa, unsigned int *fams);
/* Requester: the CP(CFG_REQUEST) for fams, added to chain. */
void cfg_add_request(struct cfg_payload *out, unsigned int fams,
		     struct ike_chain *chain);
/* Responder: the families a request's CP(CFG_REQUEST) asks for, or 0. */
unsigned int cfg_add_asked(struct ikesa *sa, const struct ike_chain *req);
/*
 * Responder: lease one address per family of fams into got and sa->vips,
 * and make out the CP(CFG_REPLY) naming them, to be sent if got->n.
 * Without a pool, with none left (or no room in sa->vips), a family goes
 * without, logged.
 */
void cfg_add_respond(struct ikesa *sa, unsigned int fams,
		     struct cfg_add_vips *got, struct cfg_payload *out);
/* Responder: the add failed after cfg_add_respond(): give them back. */
void cfg_add_unlease(struct ikesa *sa, const struct cfg_add_vips *got);
/*
 * Requester: the addresses of the CFG_REPLY of resp, at most one per
 * family of fams (others logged and ignored) into got. No CP: got->n 0,
 * logged. The caller keeps them with cfg_add_keep() once installed.
 */
void cfg_add_response(struct ikesa *sa, unsigned int fams,
		      const struct ike_chain *resp, struct cfg_add_vips *got);
/* Requester: the new addresses join sa->vips. */
void cfg_add_keep(struct ikesa *sa, const struct cfg_add_vips *got);

/*
 * Whether two lists of selectors are equal, a selector that is a single
 * inner address of sa of a family of fams standing for any such address
 * (the skip rule of an add that asks for new inner addresses).
 */
bool cfg_add_same_ts(const struct ikesa *sa, unsigned int fams,
		     const struct ike_selector *a, unsigned int na,
		     const struct ike_selector *b, unsigned int nb);
/*
 * Put the new addresses of got in place of every selector of ts that is
 * a single inner address of sa of their family; protocol and ports kept.
 */
void cfg_add_substitute(const struct ikesa *sa,
			const struct cfg_add_vips *got,
			struct ike_selector *ts, unsigned int n);

#endif
