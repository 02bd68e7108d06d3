/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MIF part two: adding an interface (docs/protocol/mif.md, "Adding an
 * interface"). One INFORMATIONAL exchange derives, from the Child SAs
 * of an ordered list of existing interfaces, a Child SA on a new
 * interface for each, with new SPIs and keys; each side installs them
 * with one interface-wide clone.
 */
#ifndef MIF_ENGINE_MIF_ADD_H
#define MIF_ENGINE_MIF_ADD_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "ike/mif_add.h"

struct ikesa;
struct mif_add_out;

/*
 * Derive Child SAs on our new local address addr from those on our
 * interfaces from[0..n_from) (IDs, in order; n_from 0: every other
 * interface of our list, in its order), to the peer's address peer
 * (NULL: the IKE SA's). cfg: ask in the same exchange for one new
 * inner address per family the connection asks for (cfg_add.h), which
 * the derived Child SAs then use. 0: the request is sent; -EAGAIN: a
 * request is in flight, try later; -EOPNOTSUPP: MIF not negotiated
 * (nothing to do: every Child SA is on the IKE SA's pair); -ENOENT:
 * nothing to derive; -EINVAL: addr or peer not usable; -ENODATA: cfg,
 * and the connection asks for no inner address; -ENOSPC: cfg, and the
 * IKE SA holds its most; else -errno. Logged.
 */
int mif_add_start(struct ikesa *sa, const struct ip_addr *addr,
		  const uint16_t *from, unsigned int n_from,
		  const struct ip_addr *peer, bool cfg, uint64_t now);

/*
 * A local address was added: every established IKE SA with MIF whose
 * connection has add_interfaces, of its family, on an interface the
 * connection allows, adds it when its request window is free; with
 * add_interfaces = cfg asking for a new inner address where its
 * initiator may (else without, logged).
 */
struct engine;
void mif_add_address(struct engine *e, const struct ip_addr *addr);
/* Whether sa has an address to add and may send the request now. */
bool mif_add_due(const struct ikesa *sa);
/* Send it: true if a request went out. */
bool mif_add_tick(struct ikesa *sa, uint64_t now);

/* INFORMATIONAL response to our request, if it was an add. */
void mif_add_response(struct ikesa *sa, const struct ike_chain *resp,
		      uint64_t now);

/* The room a response of ours took (struct mif_payloads). */
void mif_add_out_free(struct mif_add_out *o);

#endif
