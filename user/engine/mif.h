/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MIF extension in the engine (docs/protocol/mif.md), part one:
 * negotiation with MIF_SUPPORTED in IKE_AUTH (mif_negotiate.c), and the
 * interface announcements with MIF_INTERFACES, in IKE_AUTH and then in
 * INFORMATIONAL requests whenever the local list changes
 * (mif_announce.c). The exchanges call the hooks below, and the notify
 * table (notify_table.h) the handlers of the MIF notifies; the notify
 * data is decoded and encoded by ike/mif.c.
 */
#ifndef MIF_ENGINE_MIF_H
#define MIF_ENGINE_MIF_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/buf.h"
#include "ike/message.h"
#include "ike/mif.h"
#include "ike/notify.h"
#include "engine/engine.h"
#include "engine/mif_alt.h"
#include "engine/mif_move.h"
#include "engine/mif_path.h"
#include "engine/nat.h"

struct engine;
struct ikesa;
struct mif_add_out;

/* At most one announcement per IKE SA in this many ms (mif.md). */
#define MIF_ANNOUNCE_INTERVAL_MS	1000

/* Whether MIF is in force on an IKE SA, or why not. */
enum mif_status {
	MIF_UNKNOWN,		/* IKE_AUTH not done yet */
	MIF_ON,			/* negotiated: sa->mif holds the lists */
	MIF_OFF_PEER,		/* the peer did not offer it */
	MIF_OFF_LOCAL,		/* our connection disables it (mif = no) */
	MIF_OFF_FAILED,		/* out of memory when it was to begin */
};

/* A short name ("negotiated", "peer_not_offered", ...), for replies. */
const char *mif_status_name(enum mif_status s);
/* Why, in words, for logs and mifctl. */
const char *mif_status_why(enum mif_status s);

/*
 * The MIF state of an IKE SA, malloc'ed from the IKE_AUTH request we
 * send with MIF_SUPPORTED (initiator) or from the negotiation
 * (responder), and kept while MIF is on. A rekeyed IKE SA gets a copy.
 */
struct mif_sa {
	uint8_t version;	/* agreed: the lower of both */
	uint8_t peer_version;	/* as the peer sent it */
	bool have_peer;		/* the peer's list is in force */
	bool sent;		/* ours was sent (in IKE_AUTH, or later) */
	bool refused;		/* ...and the peer refused it */
	bool pending;		/* ours changed since, to be announced */
	bool in_flight;		/* our INFORMATIONAL msg_id carries it */
	uint32_t msg_id;
	uint64_t sent_at;	/* ms */
	/* A new local address to add (add_interfaces), once the window opens. */
	bool add_pending;
	struct ip_addr add_addr;
	/*
	 * The peer's list and ours, as mif_list.c keeps them: never NULL
	 * while the struct lives (empty until known), iface[] only as long
	 * as n.
	 */
	struct mif_interfaces *peer, *ours;
	/*
	 * Where each child's Child SAs go after IKE_AUTH (mif_path.c):
	 * places[0] is the IKE SA's own pair, the others one per interface;
	 * malloc'ed, n_places of them (NULL: none, as without
	 * per_interface).
	 */
	unsigned int n_places;
	struct mif_place *places;
	/* Our MIF_DELETE_INTERFACE waiting for the window (mif_delete.c). */
	bool del_pending;
	struct ip_addr del_addr;
	/*
	 * Moves (mif_move.c): ours waiting for the window, the rate limit;
	 * malloc'ed with the first move either way (mif_move_state()).
	 */
	struct mif_move_sa *move;
	/* Alternates by hand, the peer's, and failback (mif_alt.c). */
	struct mif_alt_sa alt;
};

/* Room for the MIF notifies of one message we build. */
struct mif_payloads {
	struct ike_notify supported, ifaces, invalid;
	uint8_t supported_data[MIF_SUPPORTED_LEN];
	/* An INFORMATIONAL response's MIF_MOVE answer, COOKIE2 echo. */
	struct ike_notify move, cookie2;
	uint8_t move_data[MIF_MOVE_MAX_LEN];
	uint8_t cookie2_data[IKE_COOKIE_MAX];
	struct ike_writer w;	/* MIF_INTERFACES data */
	/* MIF_ADD_INTERFACE answered (mif_add.c): refused, or accepted. */
	struct ike_notify add_refused;
	struct mif_add_out *add;
	/* MOBIKE's answer (mobike.c): NAT detection, or a refusal. */
	struct nat_notifies natd;
	struct ike_notify unacceptable;
};

void mif_payloads_free(struct mif_payloads *p);

/*
 * The lists of struct mif_sa (mif_list.c). mif_list_size: the bytes of
 * one of n interfaces. mif_list_dup: a copy of from with room for its
 * interfaces only, NULL on ENOMEM. mif_list_set: *l becomes such a copy
 * (0, or -ENOMEM and *l as it was). mif_list_get: the whole of l into a
 * full struct, the rest zero. mif_list_equal: the same interfaces.
 * mif_list_grow: room in *l for one more interface (0, -ENOSPC at
 * MIF_MAX_IFACES, -ENOMEM).
 */
static inline size_t mif_list_size(unsigned int n)
{
	return offsetof(struct mif_interfaces, iface) +
	       n * sizeof(struct mif_iface);
}

struct mif_interfaces *mif_list_dup(const struct mif_interfaces *from);
int mif_list_set(struct mif_interfaces **l, const struct mif_interfaces *from);
void mif_list_get(struct mif_interfaces *to, const struct mif_interfaces *l);
bool mif_list_equal(const struct mif_interfaces *a,
		    const struct mif_interfaces *b);
int mif_list_grow(struct mif_interfaces **l);

/*
 * IKE_AUTH (mif_negotiate.c). Initiator: offer MIF in the request if
 * the connection allows it (MIF_SUPPORTED, MIF_INTERFACES), then read
 * the responder's answer. Responder: decide from the request, record
 * the peer's list, and answer in the response. Each logs, once, at
 * notice, why MIF is not negotiated.
 */
void mif_auth_offer(struct ikesa *sa, struct mif_payloads *p,
		    struct ike_chain *out, uint64_t now);
void mif_auth_response(struct ikesa *sa, const struct ike_chain *resp);
void mif_auth_request(struct ikesa *sa, const struct ike_chain *req,
		      struct mif_payloads *p, struct ike_chain *out,
		      uint64_t now);

/*
 * IKE SA rekey: sa takes over old's negotiation and both lists; an
 * announcement of ours still in flight on old is made again on sa.
 * 0 or -ENOMEM.
 */
int mif_inherit(struct ikesa *sa, struct ikesa *old);
/* sa goes: free its MIF state. */
void mif_sa_free(struct ikesa *sa);

/* Announcements (mif_announce.c). */

/*
 * The list c would announce now: the interfaces of the engine's table
 * that its "interfaces" key lists, with their usable addresses (each
 * once) and the down flag. Wire priority: lower preferred, so
 * IFACE_PRIO_MAX minus the configured one.
 */
struct conn;
void mif_local_list(const struct engine *e, const struct conn *c,
		    struct mif_interfaces *out);
/*
 * Add our list to out (MIF_INTERFACES) and note it as sent at now.
 * 0, or -1 (logged) when it cannot be built.
 */
int mif_add_ours(struct ikesa *sa, struct mif_payloads *p,
		 struct ike_chain *out, uint64_t now);
/*
 * The peer's MIF_INTERFACES n: replace its list, or refuse it (logged
 * with the reason; the previous list stays). 0, or -1 when refused: the
 * caller answers MIF_INVALID_INTERFACES where it can.
 */
int mif_take_peer(struct ikesa *sa, const struct ike_notify *n,
		  const char *where);
/* Add MIF_INVALID_INTERFACES to a response. */
void mif_add_invalid(struct mif_payloads *p, struct ike_chain *out);
/* The peer answered with MIF_INVALID_INTERFACES: log, note. */
void mif_refused(struct ikesa *sa, const char *where);

/*
 * The local interface table changed: every IKE SA whose announcement it
 * changes announces again (coalesced, MIF_ANNOUNCE_INTERVAL_MS apart,
 * when its request window is free).
 */
void mif_ifaces_changed(struct engine *e);
/* When sa's next announcement is due, 0 for none. */
uint64_t mif_announce_deadline(const struct ikesa *sa);
/* Send it if due: true if a request went out. */
bool mif_announce_tick(struct ikesa *sa, uint64_t now);
/*
 * INFORMATIONAL: the answer to our request has come; if it carried our
 * announcement, that is answered (its MIF_INVALID_INTERFACES, if any,
 * handled before, notify_table.h).
 */
void mif_info_response(struct ikesa *sa);

/*
 * Count one IKE SA's outcome of an interface operation started by a
 * command (engine_iface_add(), engine_iface_alt()): 0 or its -errno.
 */
static inline void mif_op_count(struct engine_iface_op *r, int ret)
{
	if (!ret)
		r->started++;
	else if (ret == -EAGAIN)
		r->busy++;
	else if (ret == -EOPNOTSUPP)
		r->no_mif++;
	else if (ret == -ENODATA)
		r->no_cfg++;
	else if (ret == -ENOENT)
		r->nothing++;
	else
		r->failed++;
}

#endif
