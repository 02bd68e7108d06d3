// SPDX-License-Identifier: GPL-2.0
/*
 * What the engine's caller reads of its SAs for reports and commands
 * (mifctl), beyond their fields: names and texts made from engine
 * internals (engine.h).
 */
#include "engine/children.h"
#include "engine/engine.h"
#include "engine/identity.h"
#include "engine/ike_sa.h"
#include "engine/mif_path.h"

_Static_assert(ENGINE_ID_TEXT_MAX >= IDENTITY_TEXT_MAX,
	       "an ID's text fits");

void engine_drop_sa(struct ikesa *sa, enum engine_reason why)
{
	ikesa_kill_why(sa, why);
}

const char *engine_child_name(const struct ikesa *sa,
			      const struct childsa *c)
{
	struct conn_child own;
	const struct conn_child *t = conn_child(sa->conn, c->tmpl, &own);

	/* own.name is the connection's name, which outlives the call. */
	return t->name;
}

const char *engine_child_ifname(const struct ikesa *sa,
				const struct childsa *c)
{
	return mif_path_ifname(sa, c);
}

const char *engine_local_id_text(const struct ikesa *sa, char *out,
				 size_t len)
{
	const struct conn_id *l = &sa->conn->local_id;

	if (!l->len)
		return NULL;
	return identity_text(l->type, l->data, l->len, out, len);
}

const char *engine_peer_id_text(const struct ikesa *sa, char *out,
				size_t len)
{
	if (!sa->peer_id || !sa->peer_id_len)
		return NULL;
	return identity_text(sa->peer_id[0], sa->peer_id + 1,
			     sa->peer_id_len - 1, out, len);
}
