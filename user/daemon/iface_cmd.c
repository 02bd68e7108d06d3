// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket's "iface" command: see iface_cmd.h. Each operation
 * parses its own arguments (strings, as mifctl passed them) and hands
 * the work to the engine.
 */
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/iface_cmd.h"
#include "daemon/reply.h"

#define IFACE_MAX_ARGS	32

struct iface_args {
	const char *argv[IFACE_MAX_ARGS];
	int argc;
	const char *conn;	/* NULL: every connection */
};

/* mifctl ike iface move OLD NEW ... (mif_move.c) */
static struct json_object *op_move(struct daemon *d,
				   const struct iface_args *a)
{
	return jerr("iface move: not implemented");
}

/* mifctl ike iface add ... (mif_add.c) */
static struct json_object *op_add(struct daemon *d,
				  const struct iface_args *a)
{
	return jerr("iface add: not implemented");
}

/* mifctl ike iface del ADDR ... (mif_delete.c) */
static struct json_object *op_del(struct daemon *d,
				  const struct iface_args *a)
{
	return jerr("iface del: not implemented");
}

/* mifctl ike iface alt ADDR ALT... (mif_failover.c) */
static struct json_object *op_alt(struct daemon *d,
				  const struct iface_args *a)
{
	return jerr("iface alt: not implemented");
}

static const struct {
	const char *name;
	struct json_object *(*fn)(struct daemon *d, const struct iface_args *a);
} ops[] = {
	{ "move", op_move },
	{ "add", op_add },
	{ "del", op_del },
	{ "alt", op_alt },
};

struct json_object *iface_cmd(struct daemon *d, struct json_object *req)
{
	struct json_object *jop, *jargs, *jconn;
	struct iface_args a = { 0 };
	const char *op;

	if (!json_object_object_get_ex(req, "op", &jop) ||
	    !json_object_is_type(jop, json_type_string))
		return jerr("iface needs \"op\" (move, add, del, alt)");
	op = json_object_get_string(jop);
	if (json_object_object_get_ex(req, "conn", &jconn)) {
		if (!json_object_is_type(jconn, json_type_string))
			return jerr("\"conn\" must be a string");
		a.conn = json_object_get_string(jconn);
	}
	if (json_object_object_get_ex(req, "args", &jargs)) {
		size_t n;

		if (!json_object_is_type(jargs, json_type_array))
			return jerr("\"args\" must be an array of strings");
		n = json_object_array_length(jargs);
		if (n > IFACE_MAX_ARGS)
			return jerr("iface %s: at most %d arguments", op,
				    IFACE_MAX_ARGS);
		for (size_t i = 0; i < n; i++) {
			struct json_object *v = json_object_array_get_idx(jargs, i);

			if (!json_object_is_type(v, json_type_string))
				return jerr("\"args\" must be an array of "
					    "strings");
			a.argv[a.argc++] = json_object_get_string(v);
		}
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(op, ops[i].name))
			return ops[i].fn(d, &a);
	return jerr("iface: unknown operation \"%s\" (move, add, del, alt)",
		    op);
}
