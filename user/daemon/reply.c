// SPDX-License-Identifier: GPL-2.0
/*
 * Building the control socket's JSON replies: see reply.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "daemon/reply.h"

struct json_object *jerr(const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "error", json_object_new_string(buf));
	return o;
}

void jadd_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

void jadd_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

void jadd_addr(struct json_object *o, const char *k,
		      const struct ip_addr *a)
{
	char buf[IP_ADDR_STRLEN];

	jadd_str(o, k, ip_addr_str(a, buf, sizeof(buf)));
}

/* An SPI as ip xfrm prints one: "0x" and width hex digits. */
void jadd_hex(struct json_object *o, const char *k, uint64_t v,
		     int width)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%0*llx", width, (unsigned long long)v);
	jadd_str(o, k, buf);
}

