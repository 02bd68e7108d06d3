/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket's "child" command: one child of a connection on
 * its established IKE SAs, by hand (mifctl ike child up|down,
 * docs/mifctl.8).
 */
#ifndef MIF_DAEMON_CHILD_CMD_H
#define MIF_DAEMON_CHILD_CMD_H

#include <json-c/json.h>

struct daemon;

/*
 * req: {"cmd": "child", "op": "up"|"down", "args": [NAME, "conn", CONN]}
 * (conn optional: every connection with a child NAME). The reply: the
 * IKE SAs each operation started on and those it could not, with why,
 * or {"error": ...}.
 */
struct json_object *child_cmd(struct daemon *d, struct json_object *req);

#endif
