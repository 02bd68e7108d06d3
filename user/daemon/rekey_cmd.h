/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket's "rekey" command (mifctl ike rekey NAME).
 */
#ifndef MIF_DAEMON_REKEY_CMD_H
#define MIF_DAEMON_REKEY_CMD_H

#include <json-c/json.h>

struct daemon;

/*
 * Rekey every established IKE SA of the connection conn now
 * (engine_rekey_ike()). The reply: {"ok": true, "conn": conn,
 * "ike_sas": the rekeys started}, or {"error": ...} when none was.
 */
struct json_object *rekey_cmd(struct daemon *d, const char *conn);

#endif
