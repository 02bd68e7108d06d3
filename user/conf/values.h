/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mifd.conf's value parsers (values.c), for conf.c. Those that take the
 * loading context report a bad value through conf_error(), as
 * "FILE:LINE: KEY: problem", and return -EINVAL (or -E2BIG); the others
 * only return it.
 */
#ifndef MIF_CONF_VALUES_H
#define MIF_CONF_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "engine/conn.h"

struct ctx;			/* conf.c's, for the file being loaded */

/* An error at the line being read. */
void conf_error(struct ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* s without its leading and (in place) trailing white space. */
char *trim(char *s);
/* yes/true/on/1 or no/false/off/0. */
int parse_bool(const char *v, bool *out);
/* Decimal digits only, at most max. */
int parse_ulong(const char *v, unsigned long long max,
		unsigned long long *out);
int parse_duration(const char *v, uint64_t unit_ms, uint64_t *ms);
int parse_hex(const char *v, uint8_t *out, size_t max, size_t *len);

/* An identity: ip:, fqdn:, email:, dn: or guessed from its form. */
int parse_id(struct ctx *x, const char *key, const char *v,
	     struct conn_id *id);
void id_from_addr(struct conn_id *id, const struct ip_addr *a);

/* A list of IKE (esp false) or ESP proposals. */
int parse_proposals(struct ctx *x, const char *key, const char *v,
		    bool esp, struct conn_proposal *out, unsigned int *n);

/* Traffic selectors: a list of PREFIX[/LEN][[PROTO[/PORT[-PORT]]]]. */
int parse_ts(struct ctx *x, const char *key, const char *v,
	     struct ike_selector *out, unsigned int *n);
/* The selector of a whole prefix, all protocols and ports. */
void sel_from_prefix(struct ike_selector *s, const struct ip_addr *a,
		     unsigned int plen);

/* Interfaces: a list of NAME[:PRIO], names or fnmatch(3) patterns. */
int parse_ifaces(struct ctx *x, const char *key, const char *v,
		 struct iface_pattern *out, unsigned int *n);

/*
 * Inner addresses (engine/cfg.h): a list of pool ranges, of DNS servers,
 * and vips (0.0.0.0 and :: entries, counted into c->vips4 and vips6).
 */
int parse_pools(struct ctx *x, const char *key, const char *v,
		struct pool_range *out, unsigned int *n);
int parse_dns(struct ctx *x, const char *key, const char *v,
	      struct ip_addr *out, unsigned int *n);
int parse_vips(struct ctx *x, const char *key, const char *v,
	       struct conn *c);

#endif
