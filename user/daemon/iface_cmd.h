/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket's "iface" command: the operations on a whole
 * interface by hand (mifctl ike iface move|add|del|alt, docs/mifctl.8),
 * each one exchange with the peer of every IKE SA concerned.
 */
#ifndef MIF_DAEMON_IFACE_CMD_H
#define MIF_DAEMON_IFACE_CMD_H

#include <json-c/json.h>

struct daemon;

/*
 * req: {"cmd": "iface", "op": "move"|"add"|"del"|"alt", "args": [strings],
 * "conn": optional connection name}. The reply: what was started, or
 * {"error": ...}.
 */
struct json_object *iface_cmd(struct daemon *d, struct json_object *req);

#endif
