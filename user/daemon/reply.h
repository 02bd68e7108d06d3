/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building the JSON replies of the control socket (control.h): an error
 * reply, and fields of the types mifctl prints.
 */
#ifndef MIF_DAEMON_REPLY_H
#define MIF_DAEMON_REPLY_H

#include <stdint.h>

#include <json-c/json.h>

#include "addr.h"

/* {"error": the formatted message}. */
struct json_object *jerr(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void jadd_str(struct json_object *o, const char *k, const char *v);
void jadd_int(struct json_object *o, const char *k, int64_t v);
void jadd_addr(struct json_object *o, const char *k, const struct ip_addr *a);
/* An SPI as ip xfrm prints one: "0x" and width hex digits. */
void jadd_hex(struct json_object *o, const char *k, uint64_t v, int width);

#endif
