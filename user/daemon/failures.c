// SPDX-License-Identifier: GPL-2.0
/*
 * The last failure of each connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/failures.h"
#include "ike/constants.h"

int failures_renew(struct failures *old, const struct conf *prev,
		   struct conf *nc)
{
	struct conn_failure *f = NULL;
	struct conf_conn *cc;

	if (nc->n_conns) {
		f = calloc(nc->n_conns, sizeof(*f));
		if (!f)
			return -ENOMEM;
	}
	/* Few connections have failed: look those up, not every one. */
	for (unsigned int i = 0; prev && i < old->n; i++) {
		if (!old->f[i].set)
			continue;
		cc = conf_find(nc, prev->conns[i].name);
		if (cc)
			f[cc - nc->conns] = old->f[i];
	}
	free(old->f);
	old->f = f;
	old->n = nc->n_conns;
	return 0;
}

void failures_free(struct failures *t)
{
	free(t->f);
	t->f = NULL;
	t->n = 0;
}

void failures_record(struct failures *t, struct conf *conf,
		     const struct conn *c, uint64_t spi_i,
		     const struct engine_failure *ef, uint64_t now)
{
	long i = conf_index(conf, c);
	struct conn_failure *f;

	if (i < 0 || (unsigned long)i >= t->n || !ef)
		return;
	f = &t->f[i];
	memset(f, 0, sizeof(*f));
	f->set = true;
	f->when = time(NULL);
	f->at_ms = now;
	f->spi_i = spi_i;
	f->notify = ef->notify;
	f->sent = ef->sent;
	f->final = ef->final;
	f->child = ef->child;
	snprintf(f->why, sizeof(f->why), "%s", ef->why ? ef->why : "");
}

const struct conn_failure *failures_get(const struct failures *t,
					unsigned int i)
{
	return i < t->n && t->f[i].set ? &t->f[i] : NULL;
}

struct json_object *failure_json(const struct conn_failure *f, uint64_t now)
{
	struct json_object *o = json_object_new_object();
	char buf[32];
	struct tm tm;

	if (gmtime_r(&f->when, &tm) &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		json_object_object_add(o, "time", json_object_new_string(buf));
	json_object_object_add(o, "age_s", json_object_new_int64(
		now >= f->at_ms ? (int64_t)((now - f->at_ms) / 1000) : 0));
	json_object_object_add(o, "reason", json_object_new_string(f->why));
	if (f->notify) {
		json_object_object_add(o, "notify",
				       json_object_new_int(f->notify));
		json_object_object_add(o, "notify_name", json_object_new_string(
			ike_notify_name(f->notify)));
		json_object_object_add(o, "notify_sent",
				       json_object_new_boolean(f->sent));
	}
	json_object_object_add(o, "final", json_object_new_boolean(f->final));
	json_object_object_add(o, "child", json_object_new_boolean(f->child));
	if (f->spi_i) {
		snprintf(buf, sizeof(buf), "0x%016llx",
			 (unsigned long long)f->spi_i);
		json_object_object_add(o, "spi_i", json_object_new_string(buf));
	}
	return o;
}
