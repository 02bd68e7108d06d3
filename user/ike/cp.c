// SPDX-License-Identifier: GPL-2.0
/*
 * CP payload: CFG type, three reserved bytes, attributes (type, length,
 * value).
 */
#include <stdlib.h>
#include <string.h>

#include "ike/cp.h"

#define ATTR_TYPE_MASK	0x7fff

static const char *check_attr(const struct ike_cp_attr *a)
{
	size_t want;

	switch (a->type) {
	case IKE_CP_INTERNAL_IP4_ADDRESS:
	case IKE_CP_INTERNAL_IP4_NETMASK:
	case IKE_CP_INTERNAL_IP4_DNS:
	case IKE_CP_INTERNAL_IP4_NBNS:
	case IKE_CP_INTERNAL_IP4_DHCP:
		want = 4;
		break;
	case IKE_CP_INTERNAL_IP4_SUBNET:
		want = 8;
		break;
	case IKE_CP_INTERNAL_IP6_ADDRESS:
	case IKE_CP_INTERNAL_IP6_SUBNET:
		want = 17;
		break;
	case IKE_CP_INTERNAL_IP6_DNS:
	case IKE_CP_INTERNAL_IP6_DHCP:
		want = 16;
		break;
	case IKE_CP_SUPPORTED_ATTRIBUTES:
		return a->len % 2 ? "SUPPORTED_ATTRIBUTES of odd length" :
				    NULL;
	default:
		return NULL;
	}
	if (a->len && a->len != want)
		return "CP attribute length does not match its type";
	return NULL;
}

/* How many attributes the rest of r holds, by their length fields. */
static int count_attrs(struct ike_reader r, unsigned int *n,
		       struct ike_error *err)
{
	uint16_t len;

	*n = 0;
	while (ike_left(&r)) {
		if (*n == IKE_CP_MAX_ATTRS)
			return ike_fail_limit(err,
					      "more than 32 CP attributes");
		if (ike_left(&r) < 4)
			return ike_fail_length(err, "CP attribute truncated");
		ike_skip(&r, 2);
		len = ike_get_u16(&r);
		if (len > ike_left(&r))
			return ike_fail_length(err,
				"CP attribute runs past the payload");
		ike_skip(&r, len);
		(*n)++;
	}
	return 0;
}

int ike_cp_parse(struct ike_cp *cp, struct ike_reader *r,
		 struct ike_error *err)
{
	struct ike_cp_attr *a;
	const char *why;
	unsigned int n;

	memset(cp, 0, sizeof(*cp));
	cp->type = ike_get_u8(r);
	ike_skip(r, 3);
	if (!ike_reader_ok(r))
		return ike_fail_truncated(err, "CP header truncated");
	if (count_attrs(*r, &n, err))
		return -1;
	if (!n)
		return 0;
	cp->attrs = calloc(n, sizeof(*cp->attrs));
	if (!cp->attrs)
		return ike_fail(err, IKE_ERR_NOMEM, 0, "out of memory");
	while (cp->n < n) {
		a = &cp->attrs[cp->n];
		a->type = ike_get_u16(r) & ATTR_TYPE_MASK;
		a->len = ike_get_u16(r);
		a->value = ike_get_bytes(r, a->len);
		why = check_attr(a);
		if (why) {
			ike_cp_free(cp);
			return ike_fail_syntax(err, why);
		}
		cp->n++;
	}
	return 0;
}

void ike_cp_free(struct ike_cp *cp)
{
	free(cp->attrs);
	memset(cp, 0, sizeof(*cp));
}

int ike_cp_build(struct ike_writer *w, const struct ike_cp *cp,
		 struct ike_error *err)
{
	const struct ike_cp_attr *a;
	const char *why;

	if (cp->n > IKE_CP_MAX_ATTRS)
		return ike_fail_inval(err, "more than 32 CP attributes");
	ike_put_u8(w, cp->type);
	ike_put_zero(w, 3);
	for (unsigned int i = 0; i < cp->n; i++) {
		a = &cp->attrs[i];
		why = a->type > ATTR_TYPE_MASK ? "CP attribute type above 32767" :
						 check_attr(a);
		if (why)
			return ike_fail_inval(err, why);
		ike_put_u16(w, a->type);
		ike_put_u16(w, a->len);
		ike_put_bytes(w, a->value, a->len);
	}
	return 0;
}

static int cp_parse(struct ike_payload *pl, struct ike_reader *r,
		    struct ike_error *err)
{
	return ike_cp_parse(pl->cp, r, err);
}

static int cp_build(struct ike_writer *w, const struct ike_payload *pl,
		    struct ike_error *err)
{
	return ike_cp_build(w, pl->cp, err);
}

static void cp_release(struct ike_payload *pl)
{
	ike_cp_free(pl->cp);
}

const struct ike_payload_ops ike_cp_ops = {
	.size = sizeof(struct ike_cp),
	.parse = cp_parse,
	.build = cp_build,
	.release = cp_release,
};
