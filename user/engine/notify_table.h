/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Notify dispatch by type (notify_table.c): for each notify type that
 * is not one exchange's own business, where it may appear (exchange and
 * direction) and what handles it. An entry is defined beside its
 * handler (mif_announce.c, ...) and listed once in notify_table.c.
 *
 * A notify that is not in the table is left to the exchange that reads
 * it (REKEY_SA, USE_TRANSPORT_MODE, the errors of its own): else, a
 * status type is ignored (RFC 7296 §3.10.1), an error type in a
 * response fails the exchange (engine_error_notify()).
 */
#ifndef MIF_ENGINE_NOTIFY_TABLE_H
#define MIF_ENGINE_NOTIFY_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/message.h"

struct engine_msg;
struct ikesa;
struct mif_payloads;

/* Where a notify may appear, as a bit set. */
#define NOTIFY_IN_AUTH_REQ	0x1
#define NOTIFY_IN_AUTH_RESP	0x2
#define NOTIFY_IN_INFO_REQ	0x4
#define NOTIFY_IN_INFO_RESP	0x8
#define NOTIFY_IN_CHILD_REQ	0x10
#define NOTIFY_IN_CHILD_RESP	0x20

/* One message, as its notify handlers see it. */
struct notify_ctx {
	struct ikesa *sa;
	uint8_t exchange;
	bool response;
	/* A request: its response, being built, and room for notifies. */
	struct ike_chain *out;
	struct mif_payloads *mif;
	/* The message's payloads (a Nonce beside a notify), and its time. */
	const struct ike_chain *in;
	uint64_t now;
	/* The message itself (its addresses). */
	const struct engine_msg *msg;
	/*
	 * Set by a handler that answers the request later itself (a move
	 * waiting for its return-routability check, mif_move.h): the
	 * exchange sends no response now.
	 */
	bool defer;
};

struct notify_entry {
	uint16_t type;
	unsigned int where;	/* NOTIFY_IN_*: where it is accepted */
	/* An error type that reports and fails nothing: the exchange goes on. */
	bool informs;
	/*
	 * In an exchange that dispatches its notifies (notify_dispatch():
	 * INFORMATIONAL), the first copy of the type, where it is
	 * accepted. NULL: the exchanges read it themselves.
	 */
	void (*handle)(struct notify_ctx *ctx, const struct ike_notify *n);
};

/* The entry of a type, or NULL. */
const struct notify_entry *notify_find(uint16_t type);
/* NOTIFY_IN_* for an exchange and direction (0: none of them). */
unsigned int notify_place(uint8_t exchange, bool response);
/*
 * Whether an error notify fails the exchange it answers: every error
 * type but those whose entry informs.
 */
bool notify_fails(uint16_t type);
/*
 * Log and leave alone every notify of ch whose entry does not accept it
 * in this exchange and direction (plain: outside SK, logged at debug),
 * and every second copy of a status type of the table.
 */
void notify_check(struct ikesa *sa, const struct ike_chain *ch,
		  uint8_t exchange, bool response, bool plain);
/*
 * notify_check(), then hand the first notify of each type of ch to its
 * entry's handler, in the order of the table, where it is accepted.
 */
void notify_dispatch(struct notify_ctx *ctx, const struct ike_chain *ch);

/* The entries, each beside its handler. */
extern const struct notify_entry notify_mif_supported;	/* mif_negotiate.c */
extern const struct notify_entry notify_mif_interfaces;	/* mif_announce.c */
extern const struct notify_entry notify_mif_invalid_interfaces;
extern const struct notify_entry notify_mif_child_path;	/* mif_path.c */
extern const struct notify_entry notify_mif_unacceptable_path;
/* mif_delete.c */
extern const struct notify_entry notify_mif_delete_interface;
extern const struct notify_entry notify_mif_add_interface;	/* mif_add.c */
extern const struct notify_entry notify_mif_unacceptable_add;
extern const struct notify_entry notify_mif_move;	/* mif_move.c */
extern const struct notify_entry notify_mif_unacceptable_move;
extern const struct notify_entry notify_mif_alternates;	/* mif_alt.c */
extern const struct notify_entry notify_cookie2;
/* mobike.c */
extern const struct notify_entry notify_mobike_supported;
extern const struct notify_entry notify_no_additional_addresses;
extern const struct notify_entry notify_update_sa_addresses;
extern const struct notify_entry notify_no_nats_allowed;
/* window.c */
extern const struct notify_entry notify_set_window_size;

#endif
