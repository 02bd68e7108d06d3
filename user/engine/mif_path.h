/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-Child SA outer addresses (docs/protocol/mif.md, MIF_CHILD_PATH):
 * where a Child SA is placed, the payload that names its pair, and the
 * responder's five acceptance rules. The exchanges call the hooks
 * below; the notify data is decoded and encoded by ike/mif.c.
 *
 * Placement ("How mifd places Child SAs"): with per_interface = yes and
 * MIF negotiated, the initiator puts one Child SA on each usable local
 * interface of the connection, in priority order, facing the peer
 * interface of the same rank (or the peer's preferred one). The first
 * Child SA, made in IKE_AUTH before the peer's list is known, stays on
 * the IKE SA's pair; the others follow with CREATE_CHILD_SA, one at a
 * time, each child of the connection on each placement (children.c).
 */
#ifndef MIF_ENGINE_MIF_PATH_H
#define MIF_ENGINE_MIF_PATH_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "ike/message.h"
#include "ike/mif.h"
#include "ike/notify.h"

struct childsa;
struct ikesa;

/* Most Child SAs one template is placed on: one per local interface. */
#define MIF_PLACES_MAX	MIF_MAX_IFACES

/* One placement: an outer pair and the interfaces it belongs to. */
struct mif_place {
	struct ip_addr local, remote;
	uint16_t local_id, remote_id;	/* 0: the IKE SA's own address */
	int ifindex;			/* local interface, 0: none known */
};

/* Room for the MIF_CHILD_PATH of one message we build. */
struct mif_path_msg {
	struct ike_notify n;
	uint8_t data[MIF_CHILD_PATH_HDR_LEN + 2 * 16];
};

/*
 * The placements of one child template on sa, in order: one per usable
 * local interface of the connection (up, with an address of the IKE
 * SA's family), by priority, each facing the peer interface of the same
 * rank by priority, or the peer's preferred one when it announced
 * fewer. None (0) without MIF or without per_interface. At most max.
 */
unsigned int mif_path_places(const struct ikesa *sa, struct mif_place *out,
			     unsigned int max);

/*
 * After IKE_AUTH (initiator): the placements every child of the
 * connection takes, the IKE SA's own pair first (where IKE_AUTH put the
 * first Child SA), then mif_path_places()' others. Logs, at info, when
 * per_interface cannot be followed because MIF is not negotiated.
 */
void mif_path_queue(struct ikesa *sa);
/* How many placements each child has (0: none, the IKE SA's pair). */
unsigned int mif_path_n_places(const struct ikesa *sa);
/* Placement i < mif_path_n_places(sa). */
const struct mif_place *mif_path_place(const struct ikesa *sa,
				       unsigned int i);

/*
 * Requester. Put c on p: its outer pair, its interfaces, and the
 * MIF_CHILD_PATH that names them (sent with mif_path_add()). In
 * transport mode its selectors become the addresses of its pair.
 */
void mif_path_bind(struct ikesa *sa, struct childsa *c,
		   const struct mif_place *p);
/*
 * IKE_AUTH: bind the first Child SA to the IKE SA's pair, named by the
 * interface of our address, when we offer MIF with per_interface.
 */
void mif_path_auth_bind(struct ikesa *sa, struct childsa *c);
/*
 * c takes old's pair and interfaces: a rekey (name false: the pair is
 * not named again), or a new Child SA in old's place (name: its path is
 * sent again if old had one).
 */
void mif_path_inherit(struct childsa *c, const struct childsa *old,
		      bool name);
/*
 * Add c's MIF_CHILD_PATH to out, if it has one (requester: the path it
 * asks for; responder: the accepted path, echoed).
 */
int mif_path_add(const struct childsa *c, struct mif_path_msg *m,
		 struct ike_chain *out);
/*
 * The response to the request that made c carries an SA: check the
 * echo. 0: install c (on the named pair, or on the IKE SA's pair when a
 * peer without MIF sent none); else the notify to report, c is to be
 * deleted (logged).
 */
uint16_t mif_path_response(struct ikesa *sa, struct childsa *c,
			   const struct ike_chain *resp);

/*
 * Responder: the MIF_CHILD_PATH of a request creating c (not a rekey),
 * by mif.md's five rules. 0: c is on its pair (the path's, or the IKE
 * SA's when there is none to follow); -1: refused and logged, answer
 * MIF_UNACCEPTABLE_PATH.
 */
int mif_path_request(struct ikesa *sa, const struct ike_chain *req,
		     struct childsa *c);

/* Transport mode on a path: the selectors are the pair's addresses. */
struct ike_selector;
void mif_path_pair_ts(const struct childsa *c, struct ike_selector *local,
		      struct ike_selector *remote);

/* The name of c's local interface, or NULL when it is bound to none. */
const char *mif_path_ifname(const struct ikesa *sa, const struct childsa *c);

#endif
