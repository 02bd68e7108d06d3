// SPDX-License-Identifier: GPL-2.0
/*
 * mifctl's output: one call per field for text and JSON alike, as
 * iproute2's print_*(PRINT_ANY, ...). With -j the value goes into the
 * object under its key (or is appended, if it is an array); without, the
 * format (with one conversion, for the value) is printed.
 */
#include <stdarg.h>
#include <stdio.h>

#include "mifctl.h"

static void put(struct json_object *o, const char *key, struct json_object *v)
{
	if (json_object_is_type(o, json_type_array))
		json_object_array_add(o, v);
	else
		json_object_object_add(o, key, v);
}

void print_str(struct mifctl *ctl, struct json_object *o, const char *key,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (ctl->json)
		put(o, key, json_object_new_string(va_arg(ap, const char *)));
	else
		vprintf(fmt, ap);
	va_end(ap);
}

void print_u32(struct mifctl *ctl, struct json_object *o, const char *key,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (ctl->json)
		put(o, key, json_object_new_int64(va_arg(ap, unsigned int)));
	else
		vprintf(fmt, ap);
	va_end(ap);
}
