// SPDX-License-Identifier: GPL-2.0
/*
 * Why a connection's IKE SA or Child SA did not come up: the FAILED
 * event with its line for the log, and the texts that make the line
 * useful (proposals; IDs are identity.c's) without a second look at the configuration.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crypto/transforms.h"
#include "engine/exchange.h"

void engine_failed(struct engine *e, struct ikesa *sa, const struct conn *c,
		   uint16_t notify, unsigned int flags, const char *fmt, ...)
{
	struct engine_failure f = {
		.notify = notify,
		.sent = flags & ENGINE_FAIL_SENT,
		.final = flags & ENGINE_FAIL_FINAL,
		.child = flags & ENGINE_FAIL_CHILD,
	};
	struct engine_event ev = {
		.type = ENGINE_EV_FAILED, .sa = sa, .failure = &f,
		.conn = c ? c : sa ? sa->conn : NULL,
		.peer = sa ? &sa->remote : NULL,
	};
	enum engine_log_level level = ENGINE_LOG_WARNING;
	char why[256];
	va_list ap;

	if (!e->events.fn && !e->log.fn)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	f.why = why;
	/* The routine detours are info when they pass; not when they fail. */
	if (notify && f.final)
		level = engine_notify_level(notify);
	if (level > ENGINE_LOG_NOTICE || !f.final)
		level = ENGINE_LOG_NOTICE;
	engine_logf(e, level, sa, "%s", why);
	engine_event(e, &ev);
}

/* Append one transform's name, "-" between two. */
static void put_xf(char *out, size_t len, size_t *at,
		   const struct ike_transform *t)
{
	static const char *const types[] = {
		"?", "encr", "prf", "integ", "dh", "esn",
	};
	const struct transform *x;
	const char *sep = *at && out[*at - 1] != ' ' ? "-" : "";
	int n;

	if (*at + 1 >= len)
		return;		/* full: a long offer costs no more */

	if (t->type == IKE_XF_ESN) {
		if (!t->id)
			return;	/* no ESN: the default, not worth a word */
		n = snprintf(out + *at, len - *at, "%sesn", sep);
	} else if ((x = transform_find(t->type, t->id, t->key_len))) {
		n = snprintf(out + *at, len - *at, "%s%s", sep, x->name);
	} else {
		n = snprintf(out + *at, len - *at, "%s%s#%u", sep,
			     t->type < 6 ? types[t->type] : "?", t->id);
	}
	*at = n < 0 || (size_t)n >= len - *at ? len - 1 : *at + (size_t)n;
}

/*
 * The transforms of one proposal, in the order of the configuration
 * (ENCR, INTEG, PRF, DH).
 */
static void put_proposal(char *out, size_t len, size_t *at,
			 const struct ike_transform *xf, unsigned int n)
{
	static const uint8_t order[] = {
		IKE_XF_ENCR, IKE_XF_INTEG, IKE_XF_PRF, IKE_XF_DH, IKE_XF_ESN,
	};

	for (size_t k = 0; k < sizeof(order); k++)
		for (unsigned int i = 0; i < n; i++)
			if (xf[i].type == order[k])
				put_xf(out, len, at, &xf[i]);
}

static void put_sep(char *out, size_t len, size_t *at, unsigned int i)
{
	int n;

	if (!i)
		return;
	n = snprintf(out + *at, len - *at, ", ");
	*at = n < 0 || (size_t)n >= len - *at ? len - 1 : *at + (size_t)n;
}

const char *engine_conf_proposals_text(const struct conn_proposal *p,
				       unsigned int n, char *out, size_t len)
{
	size_t at = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < n && at + 1 < len; i++) {
		put_sep(out, len, &at, i);
		put_proposal(out, len, &at, p[i].xf, p[i].n);
	}
	return out;
}

const char *engine_offer_text(const struct ike_sa_payload *sa, char *out,
			      size_t len)
{
	size_t at = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < sa->n_proposals && at + 1 < len; i++) {
		put_sep(out, len, &at, i);
		put_proposal(out, len, &at, sa->proposals[i].transforms,
			     sa->proposals[i].n_transforms);
	}
	return out;
}
