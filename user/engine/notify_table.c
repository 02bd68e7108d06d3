// SPDX-License-Identifier: GPL-2.0
/*
 * Notify dispatch by type (notify_table.h): the table, where each type
 * is accepted, and the dispatch to the handlers.
 */
#include "engine/exchange.h"
#include "engine/notify_table.h"
#include "ike/constants.h"

/* Adding a notify: its entry beside its handler, and one line here. */
static const struct notify_entry *const table[] = {
	&notify_mif_supported,
	&notify_mif_interfaces,
	&notify_mif_child_path,
	&notify_mif_invalid_interfaces,
	&notify_mif_unacceptable_path,
	&notify_mif_delete_interface,
	&notify_mif_add_interface,
	&notify_mif_unacceptable_add,
	&notify_mif_move,
	&notify_mif_unacceptable_move,
	&notify_cookie2,
	&notify_mobike_supported,
	&notify_no_additional_addresses,
	&notify_update_sa_addresses,
	&notify_mif_alternates,
	&notify_no_nats_allowed,
	&notify_set_window_size,
};

#define N_ENTRIES	(sizeof(table) / sizeof(table[0]))

static int find_index(uint16_t type)
{
	for (unsigned int i = 0; i < N_ENTRIES; i++)
		if (table[i]->type == type)
			return (int)i;
	return -1;
}

const struct notify_entry *notify_find(uint16_t type)
{
	int i = find_index(type);

	return i < 0 ? NULL : table[i];
}

unsigned int notify_place(uint8_t exchange, bool response)
{
	switch (exchange) {
	case IKE_EXCH_IKE_AUTH:
		return response ? NOTIFY_IN_AUTH_RESP : NOTIFY_IN_AUTH_REQ;
	case IKE_EXCH_INFORMATIONAL:
		return response ? NOTIFY_IN_INFO_RESP : NOTIFY_IN_INFO_REQ;
	case IKE_EXCH_CREATE_CHILD_SA:
		return response ? NOTIFY_IN_CHILD_RESP : NOTIFY_IN_CHILD_REQ;
	}
	return 0;
}

bool notify_fails(uint16_t type)
{
	const struct notify_entry *ne = notify_find(type);

	return type < IKE_N_FIRST_STATUS && !(ne && ne->informs);
}

void notify_check(struct ikesa *sa, const struct ike_chain *ch,
		  uint8_t exchange, bool response, bool plain)
{
	unsigned int here = plain ? 0 : notify_place(exchange, response);
	const struct ike_payload *pl = NULL;
	bool seen[N_ENTRIES] = { false };
	const char *x = ike_exchange_name(exchange);
	const char *dir = response ? "response" : "request";
	uint16_t t;
	int i;

	while ((pl = ike_chain_find(ch, IKE_PL_NOTIFY, pl))) {
		t = pl->notify->type;
		i = find_index(t);
		if (i < 0)
			continue;
		if (!(table[i]->where & here)) {
			engine_logf(sa->engine, plain ? ENGINE_LOG_DEBUG :
				    ENGINE_LOG_INFO, sa, "%s %s: %s %s: "
				    "ignored", x, dir, ike_notify_name(t),
				    plain ? "outside SK" : "not expected here");
			continue;
		}
		if (t < IKE_N_FIRST_STATUS)
			continue;
		if (seen[i])
			engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "%s %s: "
				    "a second %s: ignored", x, dir,
				    ike_notify_name(t));
		seen[i] = true;
	}
}

void notify_dispatch(struct notify_ctx *ctx, const struct ike_chain *ch)
{
	unsigned int here = notify_place(ctx->exchange, ctx->response);
	const struct ike_payload *pl;

	notify_check(ctx->sa, ch, ctx->exchange, ctx->response, false);
	for (unsigned int i = 0; i < N_ENTRIES; i++) {
		if (!table[i]->handle || !(table[i]->where & here))
			continue;
		pl = ike_chain_find_notify(ch, table[i]->type);
		if (pl)
			table[i]->handle(ctx, pl->notify);
	}
}
