// SPDX-License-Identifier: GPL-2.0
/*
 * mifd.conf: parsing and validation (see docs/mifd.conf.5).
 *
 * inih does the INI syntax. It does not tell the handler the line number,
 * so the reader we give it counts lines, and also notes every section
 * header itself (inih only reports sections through their keys). The
 * handler takes the quotes and comments off a value (unquote()), then
 * gives it to the key's parser (conn_keys[], mifd_keys[]).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "conf/conf.h"
#include "conf/values.h"
#include "crypto/sign.h"
#include "engine/nat.h"
#include "engine/sa_table.h"
#include "ike/constants.h"

/*
 * The keys of a [conn] section, as bits of ctx.seen, and of [mifd]. Their
 * names, parsers and fields are in conn_keys[] and mifd_keys[] below.
 */
enum conn_key {
	K_LOCAL, K_REMOTE, K_LOCAL_PORT, K_REMOTE_PORT, K_LOCAL_ID,
	K_REMOTE_ID, K_AUTH, K_PSK, K_IKE, K_ESP, K_LOCAL_TS, K_REMOTE_TS,
	K_MODE, K_DPD, K_IKE_LIFETIME, K_CHILD_LIFETIME, K_RETRANS_BASE,
	K_RETRANS_TRIES, K_START, K_CERT, K_KEY, K_CA_DIR, K_CACERT,
	K_RSA_PSS, K_UNIQUE, K_IKE_REAUTH, K_RSA_SHA1, K_INTERFACES, K_MIF,
	K_PSK_FILE, K_KEYINGTRIES, K_DPD_ACTION, K_CLOSE_ACTION,
	K_POOL, K_DNS, K_VIPS, K_VIP_DEVICE, K_PER_INTERFACE,
	K_FRAGMENTATION, K_FRAGMENT_SIZE, K_ENCAP, K_NAT_KEEPALIVE,
	K_ADD_INTERFACES, K_MOBIKE, K_FAILBACK, K_MOBIKE_NO_NATS,
	K_FAILURE_SHUNT, K_REKEY_JITTER, K_ALT_AFTER, K_N
};

#define KEY_BIT(k)	(UINT64_C(1) << (k))
_Static_assert(K_N <= 64, "ctx.seen holds a bit per [conn] key");

enum mifd_key {
	M_LOG_LEVEL, M_SOCKET, M_COOKIE_THRESHOLD, M_COOKIE_MODP,
	M_HALF_OPEN_MAX, M_HALF_OPEN_MAX_PEER, M_CONTROL_GROUP,
	M_LOCK_MEMORY, M_MAX_IKE_SAS_PER_ID, M_WINDOW_SIZE,
	M_REKEYS_IN_FLIGHT_MAX, M_N
};

/* The keys of a [child CONN/NAME] section. */
enum child_key { C_LOCAL_TS, C_REMOTE_TS, C_MODE, C_ESP, C_LIFETIME, C_N };

static const char *const child_keys[C_N] = {
	[C_LOCAL_TS] = "local_ts", [C_REMOTE_TS] = "remote_ts",
	[C_MODE] = "mode", [C_ESP] = "esp", [C_LIFETIME] = "child_lifetime",
};

/*
 * A [child CONN/NAME] section as read: its values are parsed once every
 * connection is known, on top of its connection's (children_finish()).
 */
struct child_sec {
	char conn[CONF_NAME_MAX], name[CONF_NAME_MAX];
	unsigned int line;
	char *val[C_N];			/* NULL: not given */
	unsigned int key_line[C_N];
};

enum section_kind { SEC_NONE, SEC_MIFD, SEC_CONN, SEC_CHILD, SEC_BAD };

struct ctx {
	const char *path;
	FILE *f;
	unsigned int line;
	struct conf *conf;
	char *err;
	size_t errlen, errpos;
	unsigned int n_errors;

	/* The section being read. */
	enum section_kind kind;
	char section[CONF_NAME_MAX + 8];
	unsigned int section_line;
	struct conf_conn *cc;		/* SEC_CONN */
	uint64_t seen;			/* keys given, KEY_BIT()s */
	uint64_t bad;			/* keys given a value not parsed */
	unsigned int key_line[K_N];
	bool mifd_seen;
	bool peer_any;			/* remote = %any */
	bool auto_local_id, auto_remote_id, any_remote_id;

	bool holds_secrets;		/* a psk, or names a key file */
	mode_t mode;			/* of the file */
	/* The [child] sections, malloc'ed; the last one is SEC_CHILD's. */
	struct child_sec *childs;
	unsigned int n_childs, max_childs;
	struct hindex childs_by_name;	/* by CONN/NAME */
};

static void __attribute__((format(printf, 3, 0)))
verror_at(struct ctx *x, unsigned int line, const char *fmt, va_list ap)
{
	int n;

	x->n_errors++;
	if (!x->err || x->errpos + 1 >= x->errlen)
		return;
	n = snprintf(x->err + x->errpos, x->errlen - x->errpos, "%s:%u: ",
		     x->path, line);
	if (n > 0)
		x->errpos = x->errpos + (size_t)n < x->errlen ?
			    x->errpos + (size_t)n : x->errlen - 1;
	n = vsnprintf(x->err + x->errpos, x->errlen - x->errpos, fmt, ap);
	if (n > 0)
		x->errpos = x->errpos + (size_t)n < x->errlen ?
			    x->errpos + (size_t)n : x->errlen - 1;
	if (x->errpos + 1 < x->errlen) {
		x->err[x->errpos++] = '\n';
		x->err[x->errpos] = '\0';
	}
}

static void __attribute__((format(printf, 3, 4)))
error_at(struct ctx *x, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(x, line, fmt, ap);
	va_end(ap);
}

#define error(x, ...) error_at(x, (x)->line, __VA_ARGS__)

void conf_error(struct ctx *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(x, x->line, fmt, ap);
	va_end(ap);
}

/*
 * A file holding secrets (the configuration with a psk, a key file, a
 * psk_file) that others than its owner may read: a warning, as WireGuard
 * gives, not a refusal. The secret has been readable already; refusing
 * would take connections down on a restart or reload, not take it back.
 * Once per file.
 */
static void check_secret_mode(struct ctx *x, const char *file, mode_t mode)
{
	char *w = x->conf->warnings, line[640];
	size_t used = strlen(w);

	if (!(mode & (S_IRGRP | S_IROTH)))
		return;
	snprintf(line, sizeof(line), "%s: holds secrets and is readable by "
		 "others (mode %04o); chmod 600 %s\n", file,
		 (unsigned int)(mode & 07777), file);
	if (!strstr(w, line))
		snprintf(w + used, sizeof(x->conf->warnings) - used, "%s",
			 line);
}

/*
 * A value as written after "key =" (inih took the spaces around it): in
 * double quotes, which are removed, with \" and \\ for a quote and a
 * backslash and ; and # kept, or plain. Either may be followed by a
 * comment, from a space or tab and ; or # on. Into out, of room for
 * strlen(v) + 1. -EINVAL, reported, for an open quote, an unknown
 * escape or text after the closing quote.
 */
static int unquote(struct ctx *x, const char *name, const char *v, char *out)
{
	const char *p = v, *rest;
	char *o = out;

	if (*p != '"') {
		for (; *p; p++) {
			if ((*p == ';' || *p == '#') &&
			    (p == v || isblank((unsigned char)p[-1])))
				break;
			*o++ = *p;
		}
		*o = '\0';
		trim(out);	/* the blanks before a comment */
		return 0;
	}
	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\') {
			if (p[1] != '"' && p[1] != '\\') {
				error(x, "%s: unknown escape \"\\%.1s\" in "
				      "quotes (\\\" and \\\\ only)", name,
				      p + 1);
				return -EINVAL;
			}
			p++;
		}
		*o++ = *p;
	}
	*o = '\0';
	if (*p != '"') {
		error(x, "%s: no closing quote", name);
		return -EINVAL;
	}
	/* After it: nothing, or blanks and a comment. */
	rest = p + 1 + strspn(p + 1, " \t");
	if (*rest && (rest == p + 1 || !strchr(";#", *rest))) {
		error(x, "%s: text after the closing quote", name);
		return -EINVAL;
	}
	return 0;
}

/* Sections. */

static void conn_defaults(struct conf_conn *cc)
{
	struct conn *c = &cc->conn;

	memset(cc, 0, sizeof(*cc));
	cc->shunt_pass = true;		/* failure_shunt = pass, as charon */
	c->local_port = c->remote_port = 500;
	c->auth_method = IKE_AUTH_SHARED_KEY_MIC;
	c->mode = KERNEL_MODE_TUNNEL;
	c->dpd_ms = 30000;
	c->nat_keepalive_ms = NAT_KEEPALIVE_MS;
	c->ike_lifetime_s = 14400;
	c->child_lifetime_s = 3600;
	c->retrans_base_ms = 2000;
	c->retrans_tries = 5;
	c->alt_after = 2;
	c->rekey_jitter = true;
	c->mif = true;
	c->mobike = true;
	c->fragmentation = true;
}

static const char default_ike[] =
	"aes256gcm16-prfsha256-x25519, aes128-sha256-modp2048";
static const char default_esp[] = "aes256gcm16, aes128-sha256";

static struct conf_creds *creds_find(struct conf *c,
				     const struct conf_conn *cc)
{
	for (unsigned int i = 0; i < c->n_creds; i++) {
		struct conf_creds *k = &c->creds[i];

		if (!strcmp(k->cert_file, cc->cert_file) &&
		    !strcmp(k->key_file, cc->key_file) &&
		    !strcmp(k->ca_dir, cc->ca_dir))
			return k;
	}
	return NULL;
}

static struct conf_creds *creds_add(struct conf *c,
				    const struct conf_conn *cc)
{
	struct conf_creds *k;
	unsigned int max;

	if (c->n_creds == c->max_creds) {
		max = c->max_creds ? c->max_creds * 2 : 4;
		k = realloc(c->creds, max * sizeof(*k));
		if (!k)
			return NULL;
		c->creds = k;
		c->max_creds = max;
	}
	k = &c->creds[c->n_creds++];
	memset(k, 0, sizeof(*k));
	snprintf(k->cert_file, sizeof(k->cert_file), "%s", cc->cert_file);
	snprintf(k->key_file, sizeof(k->key_file), "%s", cc->key_file);
	snprintf(k->ca_dir, sizeof(k->ca_dir), "%s", cc->ca_dir);
	k->ret = sig_creds_load(&k->creds, cc->cert_file[0] ? cc->cert_file :
				NULL, cc->key_file[0] ? cc->key_file : NULL,
				cc->ca_dir[0] ? cc->ca_dir : NULL);
	if (k->ret)
		k->creds = NULL;
	return k;
}

/*
 * The credentials for cc's files: loaded by an earlier connection
 * naming the same files, or now. 0 or -errno.
 */
static int creds_get(struct conf *c, const struct conf_conn *cc,
		     struct sig_creds **out)
{
	struct conf_creds *k = creds_find(c, cc);

	*out = NULL;
	if (!k)
		k = creds_add(c, cc);
	if (!k)
		return -ENOMEM;
	if (k->ret)
		return k->ret;
	k->refs++;
	*out = k->creds;
	return 0;
}

/* Drop a connection's reference; the last one frees. */
static void creds_put(struct conf *c, struct sig_creds *creds)
{
	for (unsigned int i = 0; creds && i < c->n_creds; i++) {
		struct conf_creds *k = &c->creds[i];

		if (k->creds != creds)
			continue;
		if (!--k->refs) {
			sig_creds_free(k->creds);
			k->creds = NULL;
		}
		return;
	}
}

/* Certificates: check the keys go together, load the files. */
static void conn_certs(struct ctx *x, unsigned int line)
{
	struct conf_conn *cc = x->cc;
	struct conn *c = &cc->conn;
	bool sig = c->auth_method != IKE_AUTH_SHARED_KEY_MIC;
	int ret;

	if (sig && (!cc->cert_file[0] || !cc->key_file[0])) {
		error_at(x, x->key_line[K_AUTH] ? x->key_line[K_AUTH] : line,
			 "[conn %s]: auth with signatures needs \"cert\" and "
			 "\"key\"", cc->name);
		return;
	}
	if (sig && !cc->ca_dir[0]) {
		error_at(x, x->key_line[K_AUTH], "[conn %s]: auth with "
			 "signatures needs \"ca_dir\" to check the peer",
			 cc->name);
		return;
	}
	if (!sig && (cc->cert_file[0] || cc->key_file[0])) {
		error_at(x, cc->cert_line, "[conn %s]: cert and key are for "
			 "auth = pubkey, rsa, ecdsa256 or ecdsa384", cc->name);
		return;
	}
	if (c->auth_method == IKE_AUTH_RSA_SIG && !c->rsa_sha1) {
		error_at(x, x->key_line[K_AUTH], "[conn %s]: auth = rsa signs "
			 "with SHA-1; set rsa_sha1 = yes to allow it, or use "
			 "auth = pubkey", cc->name);
		return;
	}
	if (!cc->cert_file[0] && !cc->ca_dir[0])
		return;
	if (!x->err && x->n_errors)
		return;
	c->cert_file = cc->cert_file[0] ? cc->cert_file : NULL;
	c->key_file = cc->key_file[0] ? cc->key_file : NULL;
	c->ca_dir = cc->ca_dir[0] ? cc->ca_dir : NULL;
	ret = creds_get(x->conf, cc, &c->sig_creds);
	if (ret) {
		error_at(x, cc->cert_line, "[conn %s]: cannot load the "
			 "certificates (cert %s, key %s, ca_dir %s): %s",
			 cc->name, c->cert_file ? c->cert_file : "-",
			 c->key_file ? c->key_file : "-",
			 c->ca_dir ? c->ca_dir : "-",
			 ret == -ENOENT ? "a file is missing, or ca_dir "
			 "holds no certificate" : ret == -EINVAL ?
			 "bad contents, or the key is not the certificate's" :
			 strerror(-ret));
	}
}

/* Key k was given, and its value parsed. */
static bool addr_parsed(const struct ctx *x, enum conn_key k)
{
	return (x->seen & KEY_BIT(k)) && !(x->bad & KEY_BIT(k));
}

/* The end of a [conn] section: required keys and defaults. */
/* remote_ts for a pool: every address of each family it has. */
static void pool_any_ts(struct conn *c)
{
	static const struct ip_addr any4 = { .family = AF_INET };
	static const struct ip_addr any6 = { .family = AF_INET6 };
	bool v4 = false, v6 = false;

	for (unsigned int i = 0; i < c->n_pools; i++) {
		v4 |= c->pools[i].first.family == AF_INET;
		v6 |= c->pools[i].first.family == AF_INET6;
	}
	if (v4)
		sel_from_prefix(&c->remote_ts[c->n_remote_ts++], &any4, 0);
	if (v6)
		sel_from_prefix(&c->remote_ts[c->n_remote_ts++], &any6, 0);
}

static void conn_finish(struct ctx *x)
{
	struct conf_conn *cc = x->cc;
	struct conn *c = &cc->conn;
	char buf[sizeof(default_ike)];
	unsigned int line = x->section_line;

	if (!(x->seen & KEY_BIT(K_LOCAL)))
		error_at(x, line, "[conn %s]: missing required key \"local\"",
			 cc->name);
	if (!(x->seen & KEY_BIT(K_REMOTE)))
		error_at(x, line, "[conn %s]: missing required key \"remote\"",
			 cc->name);
	if (c->auth_method == IKE_AUTH_SHARED_KEY_MIC &&
	    !(x->seen & (KEY_BIT(K_PSK) | KEY_BIT(K_PSK_FILE))))
		error_at(x, line, "[conn %s]: auth = psk needs a \"psk\" key "
			 "(or \"psk_file\")", cc->name);
	if ((x->seen & KEY_BIT(K_PSK)) && (x->seen & KEY_BIT(K_PSK_FILE)))
		error_at(x, x->key_line[K_PSK] > x->key_line[K_PSK_FILE] ?
			 x->key_line[K_PSK] : x->key_line[K_PSK_FILE],
			 "[conn %s]: psk and psk_file both given; keep one",
			 cc->name);
	conn_certs(x, line);
	if (addr_parsed(x, K_LOCAL) && addr_parsed(x, K_REMOTE) &&
	    !x->peer_any && c->local.family != c->remote.family)
		error_at(x, line, "[conn %s]: local and remote are not of the "
			 "same address family", cc->name);
	if (x->peer_any && (cc->start || cc->trap))
		error_at(x, x->key_line[K_START], "[conn %s]: start = %s "
			 "needs a remote address, not %%any", cc->name,
			 cc->trap ? "trap" : "yes");
	if (x->peer_any && (cc->dpd_action == CONF_ACTION_TRAP ||
			    cc->close_action == CONF_ACTION_TRAP))
		error_at(x, line, "[conn %s]: dpd_action or close_action = "
			 "trap needs a remote address, not %%any", cc->name);
	if (!(x->seen & KEY_BIT(K_IKE))) {
		struct ctx quiet = *x;

		strcpy(buf, default_ike);
		quiet.err = NULL;
		parse_proposals(&quiet, "ike", buf, false, c->ike, &c->n_ike);
		snprintf(cc->ike_text, sizeof(cc->ike_text), "%s", default_ike);
	}
	if (!(x->seen & KEY_BIT(K_ESP))) {
		struct ctx quiet = *x;

		strcpy(buf, default_esp);
		quiet.err = NULL;
		parse_proposals(&quiet, "esp", buf, true, c->esp, &c->n_esp);
		snprintf(cc->esp_text, sizeof(cc->esp_text), "%s", default_esp);
	}
	if (!(x->seen & KEY_BIT(K_LOCAL_ID)) && c->local.family)
		id_from_addr(&c->local_id, &c->local);
	if (!(x->seen & KEY_BIT(K_REMOTE_ID)) && c->remote.family)
		id_from_addr(&c->remote_id, &c->remote);
	if (c->add_interfaces == CONN_ADD_CFG && !c->vips4 && !c->vips6)
		error_at(x, x->key_line[K_ADD_INTERFACES], "[conn %s]: "
			 "add_interfaces = cfg asks for new inner addresses "
			 "of the families of vips: give vips, or say yes",
			 cc->name);
	/* Asking for inner addresses: they are our side (cfg.h). */
	if (!c->n_local_ts && c->local.family && !c->vips4 && !c->vips6) {
		sel_from_prefix(&c->local_ts[0], &c->local,
				c->local.family == AF_INET ? 32 : 128);
		c->n_local_ts = 1;
	}
	/* A pool: the peer's inner addresses, narrowed to its leases. */
	if (!c->n_remote_ts && c->n_pools)
		pool_any_ts(c);
	if (!c->n_remote_ts && !x->peer_any && c->remote.family) {
		sel_from_prefix(&c->remote_ts[0], &c->remote,
				c->remote.family == AF_INET ? 32 : 128);
		c->n_remote_ts = 1;
	}
	if (cc->trap && (!c->n_local_ts || !c->n_remote_ts))
		error_at(x, x->key_line[K_START], "[conn %s]: start = trap "
			 "needs local_ts and remote_ts (a virtual IP is not "
			 "known before the IKE SA)", cc->name);
	if (!c->n_remote_ts && x->peer_any &&
	    (x->seen & KEY_BIT(K_REMOTE)))
		error_at(x, line, "[conn %s]: remote = %%any needs remote_ts",
			 cc->name);
}

static void section_end(struct ctx *x)
{
	if (x->kind == SEC_CONN && x->cc)
		conn_finish(x);
	x->kind = SEC_NONE;
	x->cc = NULL;
	x->seen = 0;
	x->bad = 0;
	x->peer_any = false;
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) >= CONF_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

/*
 * Room for one more connection. The array moves as it grows: pointers
 * into it are set once it is complete (fix_pointers). It holds the
 * shared keys: the old one is wiped, not left to realloc().
 */
static int more_conns(struct conf *c)
{
	struct conf_conn *p;
	unsigned int max;

	if (c->n_conns < c->max_conns)
		return 0;
	max = c->max_conns ? c->max_conns * 2 : 16;
	if (max > CONF_MAX_CONNS)
		max = CONF_MAX_CONNS;
	p = malloc(max * sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (c->conns) {
		memcpy(p, c->conns, c->n_conns * sizeof(*p));
		gnutls_memset(c->conns, 0, c->max_conns * sizeof(*p));
		free(c->conns);
	}
	c->conns = p;
	c->max_conns = max;
	return 0;
}

/* Point each connection at its own strings, where they are now. */
static void fix_pointers(struct conf *c)
{
	for (unsigned int i = 0; i < c->n_conns; i++) {
		struct conf_conn *cc = &c->conns[i];

		cc->conn.name = cc->name;
		if (!cc->conn.sig_creds)
			continue;
		cc->conn.cert_file = cc->cert_file[0] ? cc->cert_file : NULL;
		cc->conn.key_file = cc->key_file[0] ? cc->key_file : NULL;
		cc->conn.ca_dir = cc->ca_dir[0] ? cc->ca_dir : NULL;
	}
}

/* Hashes of the names, for the indexes by name. */
static uint64_t name_hash(const char *name)
{
	return sa_hash_bytes(0, name, strlen(name));
}

static uint64_t child_hash(const char *conn, const char *name)
{
	return sa_hash_bytes(name_hash(conn), name, strlen(name));
}

/*
 * Child sections: [child CONN/NAME], in any order with the [conn]
 * sections. Their keys are kept as text until the end of the file, then
 * parsed over a copy of their connection's own child.
 */

static void child_start(struct ctx *x, char *n)
{
	char *slash = strchr(n, '/');
	struct child_sec *cs;
	uint64_t h;
	uint32_t i;
	size_t cur;

	x->kind = SEC_BAD;
	if (slash)
		*slash = '\0';
	if (!slash || !valid_name(n) || !valid_name(slash + 1)) {
		error(x, "bad child section name \"%s%s%s\" (CONN/NAME, each "
		      "letters, digits, _ . -; at most %d)", n,
		      slash ? "/" : "", slash ? slash + 1 : "",
		      CONF_NAME_MAX - 1);
		return;
	}
	h = child_hash(n, slash + 1);
	for (i = hindex_first(&x->childs_by_name, h, &cur); i != HINDEX_END;
	     i = hindex_next(&x->childs_by_name, h, &cur)) {
		if (strcmp(x->childs[i].conn, n) ||
		    strcmp(x->childs[i].name, slash + 1))
			continue;
		error(x, "duplicate child \"%s/%s\" (first defined at line "
		      "%u)", n, slash + 1, x->childs[i].line);
		return;
	}
	if (x->n_childs == x->max_childs) {
		unsigned int max = x->max_childs ? x->max_childs * 2 : 16;

		cs = realloc(x->childs, max * sizeof(*cs));
		if (!cs) {
			error(x, "out of memory");
			return;
		}
		x->childs = cs;
		x->max_childs = max;
	}
	if (hindex_add(&x->childs_by_name, h, x->n_childs)) {
		error(x, "out of memory");
		return;
	}
	cs = &x->childs[x->n_childs++];
	memset(cs, 0, sizeof(*cs));
	snprintf(cs->conn, sizeof(cs->conn), "%s", n);
	snprintf(cs->name, sizeof(cs->name), "%s", slash + 1);
	cs->line = x->line;
	x->kind = SEC_CHILD;
}

/* A "[...]" line, seen by the reader before inih. */
static void section_start(struct ctx *x, const char *line)
{
	char name[256];
	const char *close = strchr(line, ']');
	size_t len;
	char *n;

	section_end(x);
	x->section_line = x->line;
	if (!close) {
		/* inih reports this one as a syntax error. */
		x->kind = SEC_BAD;
		return;
	}
	len = (size_t)(close - line - 1);
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, line + 1, len);
	name[len] = '\0';
	n = trim(name);
	snprintf(x->section, sizeof(x->section), "%s", n);
	if (!strcmp(n, "mifd")) {
		if (x->mifd_seen)
			error(x, "duplicate section [mifd]");
		x->mifd_seen = true;
		x->kind = SEC_MIFD;
		return;
	}
	if (!strncmp(n, "child", 5) && isspace((unsigned char)n[5])) {
		child_start(x, trim(n + 5));
		return;
	}
	if (strncmp(n, "conn", 4) || !isspace((unsigned char)n[4])) {
		error(x, "unknown section [%s] (expected [mifd], [conn NAME] "
		      "or [child CONN/NAME])", n);
		x->kind = SEC_BAD;
		return;
	}
	n = trim(n + 4);
	if (!valid_name(n)) {
		error(x, "bad connection name \"%s\" (letters, digits, _ . -; "
		      "at most %d)", n, CONF_NAME_MAX - 1);
		x->kind = SEC_BAD;
		return;
	}
	if (conf_find(x->conf, n)) {
		error(x, "duplicate connection \"%s\" (first defined at "
		      "line %u)", n, conf_find(x->conf, n)->line);
		x->kind = SEC_BAD;
		return;
	}
	if (x->conf->n_conns == CONF_MAX_CONNS) {
		error(x, "more than %d connections", CONF_MAX_CONNS);
		x->kind = SEC_BAD;
		return;
	}
	if (more_conns(x->conf)) {
		error(x, "out of memory");
		x->kind = SEC_BAD;
		return;
	}
	if (hindex_add(&x->conf->by_name, name_hash(n), x->conf->n_conns)) {
		error(x, "out of memory");
		x->kind = SEC_BAD;
		return;
	}
	x->cc = &x->conf->conns[x->conf->n_conns++];
	conn_defaults(x->cc);
	snprintf(x->cc->name, sizeof(x->cc->name), "%s", n);
	x->cc->conn.name = x->cc->name;
	x->cc->line = x->line;
	x->kind = SEC_CONN;
}

/*
 * Keys. Each key is a line of a table: its name, its parser and where its
 * value goes (the offset of a field in struct conf_conn for a [conn] key,
 * in struct conf for a [mifd] key), with bounds for numbers. A parser gets
 * the key, the value (not empty) and the field; it reports a bad value
 * itself, with the key's name, and returns -EINVAL.
 */

struct key;
typedef int key_parser(struct ctx *x, const struct key *k, const char *v,
		       void *field);

struct key {
	const char *name;
	key_parser *parse;
	size_t off;			/* 0: the whole struct, for keys
					 * that set several fields */
	unsigned long long min, max;	/* numbers, durations (ms), paths */
	const char *hint;		/* durations: what is wanted;
					 * numbers: what min means */
};

#define CC(f)	offsetof(struct conf_conn, f)
#define CONN(f)	offsetof(struct conf_conn, conn.f)
#define CONF(f)	offsetof(struct conf, f)

static int key_bool(struct ctx *x, const struct key *k, const char *v,
		    void *field)
{
	if (!parse_bool(v, field))
		return 0;
	error(x, "%s: \"%s\" is neither yes nor no", k->name, v);
	return -EINVAL;
}

/* start: yes, no, or trap (strongSwan's start_action = trap). */
static int key_start(struct ctx *x, const struct key *k, const char *v,
		     void *field)
{
	struct conf_conn *cc = (struct conf_conn *)((char *)field -
		offsetof(struct conf_conn, start));

	cc->trap = !strcasecmp(v, "trap");
	if (cc->trap) {
		cc->start = false;
		return 0;
	}
	if (!parse_bool(v, field))
		return 0;
	error(x, "%s: \"%s\" is yes, no or trap", k->name, v);
	return -EINVAL;
}

/* An unsigned int from min to max; hint: what min means, if anything. */
static int key_uint(struct ctx *x, const struct key *k, const char *v,
		    void *field)
{
	unsigned long long n;

	if (parse_ulong(v, k->max, &n) || n < k->min) {
		error(x, "%s: \"%s\" is not a number from %llu%s to %llu",
		      k->name, v, k->min, k->hint ? k->hint : "", k->max);
		return -EINVAL;
	}
	*(unsigned int *)field = (unsigned int)n;
	return 0;
}

static int key_port(struct ctx *x, const struct key *k, const char *v,
		    void *field)
{
	unsigned long long n;

	if (parse_ulong(v, 65535, &n) || !n) {
		error(x, "%s: \"%s\" is not a port (1 to 65535)", k->name, v);
		return -EINVAL;
	}
	*(uint16_t *)field = (uint16_t)n;
	return 0;
}

/* A uint32_t of milliseconds, from min to max; seconds without a unit. */
static int key_ms(struct ctx *x, const struct key *k, const char *v,
		  void *field)
{
	uint64_t ms;

	if (parse_duration(v, 1000, &ms) || ms < k->min || ms > k->max) {
		error(x, "%s: \"%s\" is not a duration%s", k->name, v,
		      k->hint);
		return -EINVAL;
	}
	*(uint32_t *)field = (uint32_t)ms;
	return 0;
}

/* A lifetime: a uint64_t of whole seconds, at least 1 or 0 (unlimited). */
static int key_lifetime(struct ctx *x, const struct key *k, const char *v,
			void *field)
{
	uint64_t ms;

	if (parse_duration(v, 1000, &ms) || (ms && ms < 1000)) {
		error(x, "%s: \"%s\" is not a duration of at least 1 s (or 0 "
		      "for unlimited)", k->name, v);
		return -EINVAL;
	}
	*(uint64_t *)field = ms / 1000;
	return 0;
}

/* An absolute path into a char[max]. */
static int key_path(struct ctx *x, const struct key *k, const char *v,
		    void *field)
{
	if (v[0] != '/' || strlen(v) >= k->max) {
		error(x, "%s: must be an absolute path shorter than %llu bytes",
		      k->name, k->max);
		return -EINVAL;
	}
	snprintf(field, k->max, "%s", v);
	return 0;
}

/* cert, key, ca_dir: a path, and the line that names it. */
static int key_cred_path(struct ctx *x, const struct key *k, const char *v,
			 void *field)
{
	if (key_path(x, k, v, field))
		return -EINVAL;
	x->cc->cert_line = x->line;
	return 0;
}

/* key: the private key's file, which others should not read. */
static int key_private_key(struct ctx *x, const struct key *k,
			   const char *v, void *field)
{
	struct stat st;

	if (key_cred_path(x, k, v, field))
		return -EINVAL;
	x->holds_secrets = true;
	if (!stat(v, &st))
		check_secret_mode(x, v, st.st_mode);
	return 0;
}

/* A name out of a list (case-insensitive) to its value; -1 if none. */
struct choice {
	const char *name;
	int value;
};

static int choose(const struct choice *c, const char *v)
{
	for (; c->name; c++)
		if (!strcasecmp(v, c->name))
			return c->value;
	return -1;
}

static int key_local(struct ctx *x, const struct key *k, const char *v,
		     void *field)
{
	if (!ip_addr_parse(v, field))
		return 0;
	error(x, "%s: \"%s\" is not an IPv4 or IPv6 address", k->name, v);
	return -EINVAL;
}

static int key_remote(struct ctx *x, const struct key *k, const char *v,
		      void *field)
{
	if (!strcmp(v, "%any")) {
		x->peer_any = true;
		memset(field, 0, sizeof(struct ip_addr));
		return 0;
	}
	if (!ip_addr_parse(v, field))
		return 0;
	error(x, "%s: \"%s\" is not an IPv4 or IPv6 address (or %%any)",
	      k->name, v);
	return -EINVAL;
}

static int key_id(struct ctx *x, const struct key *k, const char *v,
		  void *field)
{
	return parse_id(x, k->name, v, field);
}

/* remote_id: an identity, or %any for any the peer proves. */
static int key_remote_id(struct ctx *x, const struct key *k, const char *v,
			 void *field)
{
	if (!strcmp(v, "%any")) {
		memset(field, 0, sizeof(struct conn_id));
		return 0;
	}
	return parse_id(x, k->name, v, field);
}

static int key_auth(struct ctx *x, const struct key *k, const char *v,
		    void *field)
{
	static const struct choice methods[] = {
		{ "psk", IKE_AUTH_SHARED_KEY_MIC },
		{ "pubkey", IKE_AUTH_DIGITAL_SIGNATURE },
		{ "rsa", IKE_AUTH_RSA_SIG },
		{ "ecdsa256", IKE_AUTH_ECDSA_256 },
		{ "ecdsa384", IKE_AUTH_ECDSA_384 },
		{ NULL, 0 }
	};
	int m = choose(methods, v);

	if (m < 0) {
		error(x, "%s: unknown method \"%s\" (psk, pubkey, rsa, "
		      "ecdsa256, ecdsa384)", k->name, v);
		return -EINVAL;
	}
	*(uint8_t *)field = (uint8_t)m;
	return 0;
}

static int key_mode(struct ctx *x, const struct key *k, const char *v,
		    void *field)
{
	static const struct choice modes[] = {
		{ "tunnel", KERNEL_MODE_TUNNEL },
		{ "transport", KERNEL_MODE_TRANSPORT },
		{ NULL, 0 }
	};
	int m = choose(modes, v);

	if (m < 0) {
		error(x, "%s: \"%s\" is neither tunnel nor transport",
		      k->name, v);
		return -EINVAL;
	}
	*(enum kernel_mode *)field = (enum kernel_mode)m;
	return 0;
}

/*
 * dpd_action, close_action: none, restart or trap (clear: strongSwan's
 * none).
 */
static int key_action(struct ctx *x, const struct key *k, const char *v,
		      void *field)
{
	static const struct choice actions[] = {
		{ "none", CONF_ACTION_NONE },
		{ "clear", CONF_ACTION_NONE },
		{ "restart", CONF_ACTION_RESTART },
		{ "trap", CONF_ACTION_TRAP },
		{ NULL, 0 }
	};
	int a = choose(actions, v);

	if (a >= 0) {
		*(enum conf_action *)field = (enum conf_action)a;
		return 0;
	}
	error(x, "%s: \"%s\" is none, restart or trap", k->name, v);
	return -EINVAL;
}

/*
 * failure_shunt: pass (the default) or drop, what a connection's
 * traffic meets once its Child SAs failed without a trap behind them
 * (daemon/on_demand.h).
 */
static int key_shunt(struct ctx *x, const struct key *k, const char *v,
		     void *field)
{
	if (!strcasecmp(v, "drop") || !strcasecmp(v, "pass")) {
		*(bool *)field = !strcasecmp(v, "pass");
		return 0;
	}
	error(x, "%s: \"%s\" is drop or pass", k->name, v);
	return -EINVAL;
}

static int key_unique(struct ctx *x, const struct key *k, const char *v,
		      void *field)
{
	static const struct choice policies[] = {
		{ "replace", CONN_UNIQUE_REPLACE },
		{ "no", CONN_UNIQUE_NO },
		{ "never", CONN_UNIQUE_NEVER },
		{ NULL, 0 }
	};
	int u = choose(policies, v);

	if (u < 0) {
		error(x, "%s: \"%s\" is none of replace, no, never", k->name,
		      v);
		return -EINVAL;
	}
	*(enum conn_unique *)field = (enum conn_unique)u;
	return 0;
}

/* add_interfaces: yes, no (and parse_bool's other words), or cfg. */
static int key_add_interfaces(struct ctx *x, const struct key *k,
			      const char *v, void *field)
{
	bool yes;

	if (!parse_bool(v, &yes)) {
		*(enum conn_add *)field = yes ? CONN_ADD_YES : CONN_ADD_NO;
		return 0;
	}
	if (!strcasecmp(v, "cfg")) {
		*(enum conn_add *)field = CONN_ADD_CFG;
		return 0;
	}
	error(x, "%s: \"%s\" is none of yes, no, cfg", k->name, v);
	return -EINVAL;
}

/* A psk: text, or 0x and hex digits; CONF_PSK_MIN to CONN_MAX_PSK bytes. */
static int set_psk(struct ctx *x, const struct key *k, const char *v,
		   struct conn *c)
{
	if (!strncasecmp(v, "0x", 2)) {
		int ret = parse_hex(v + 2, c->psk, sizeof(c->psk),
				    &c->psk_len);

		if (ret == -E2BIG) {
			error(x, "%s: longer than %zu bytes", k->name,
			      sizeof(c->psk));
			return ret;
		}
		if (ret || !c->psk_len) {
			error(x, "%s: \"0x\" must be followed by an even "
			      "number of hex digits", k->name);
			return -EINVAL;
		}
	} else {
		size_t len = strlen(v);

		if (len > sizeof(c->psk)) {
			error(x, "%s: longer than %zu bytes", k->name,
			      sizeof(c->psk));
			return -E2BIG;
		}
		memcpy(c->psk, v, len);
		c->psk_len = len;
	}
	if (c->psk_len < CONF_PSK_MIN) {
		error(x, "%s: shorter than %d bytes (%zu given); use a random "
		      "key of 128 bits or more (0x and 32 random hex digits)",
		      k->name, CONF_PSK_MIN, c->psk_len);
		return -EINVAL;
	}
	return 0;
}

static int key_psk(struct ctx *x, const struct key *k, const char *v,
		   void *field)
{
	x->holds_secrets = true;
	return set_psk(x, k, v, field);
}

/*
 * psk_file: a file of one line (its newline optional) holding the psk as
 * psk = takes it, quotes and comment included. Read without stdio, whose
 * buffer would keep it; wiped after.
 */
static int key_psk_file(struct ctx *x, const struct key *k, const char *v,
			void *field)
{
	char buf[CONF_LINE_MAX + 2], val[CONF_LINE_MAX + 1];
	size_t len = 0;
	struct stat st;
	ssize_t n = 0;
	int fd, ret = -EINVAL;

	if (v[0] != '/' || strlen(v) >= k->max) {
		error(x, "%s: must be an absolute path shorter than %llu bytes",
		      k->name, k->max);
		return -EINVAL;
	}
	/* O_NONBLOCK: a FIFO would hang the open; it is refused below. */
	fd = open(v, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		error(x, "%s: cannot open %s: %s", k->name, v, strerror(errno));
		return -EINVAL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		error(x, "%s: %s is not a regular file", k->name, v);
		close(fd);
		return -EINVAL;
	}
	check_secret_mode(x, v, st.st_mode);
	while (len < sizeof(buf) &&
	       (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0) {
		error(x, "%s: cannot read %s: %s", k->name, v, strerror(errno));
		goto out;
	}
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '\r')
		len--;
	if (len > CONF_LINE_MAX || memchr(buf, '\n', len) ||
	    memchr(buf, '\0', len)) {
		error(x, "%s: %s must hold the key alone, on one line of at "
		      "most %d characters", k->name, v, CONF_LINE_MAX);
		goto out;
	}
	buf[len] = '\0';
	if (unquote(x, k->name, trim(buf), val))
		goto out;
	if (!*val) {
		error(x, "%s: %s holds no key", k->name, v);
		goto out;
	}
	ret = set_psk(x, k, val, field);
out:
	gnutls_memset(buf, 0, sizeof(buf));
	gnutls_memset(val, 0, sizeof(val));
	return ret;
}

static int key_cacert(struct ctx *x, const struct key *k, const char *v,
		      void *field)
{
	(void)k, (void)v, (void)field;
	error(x, "cacert: not supported; use ca_dir = a directory holding "
	      "the CA certificates (PEM)");
	return -EINVAL;
}

static int key_ike(struct ctx *x, const struct key *k, const char *v,
		   void *field)
{
	struct conf_conn *cc = field;
	int ret;

	ret = parse_proposals(x, k->name, v, false, cc->conn.ike,
			      &cc->conn.n_ike);
	snprintf(cc->ike_text, sizeof(cc->ike_text), "%s", v);
	return ret;
}

static int key_esp(struct ctx *x, const struct key *k, const char *v,
		   void *field)
{
	struct conf_conn *cc = field;
	int ret;

	ret = parse_proposals(x, k->name, v, true, cc->conn.esp,
			      &cc->conn.n_esp);
	snprintf(cc->esp_text, sizeof(cc->esp_text), "%s", v);
	return ret;
}

static int key_local_ts(struct ctx *x, const struct key *k, const char *v,
			void *field)
{
	struct conn *c = field;

	return parse_ts(x, k->name, v, c->local_ts, &c->n_local_ts);
}

static int key_remote_ts(struct ctx *x, const struct key *k, const char *v,
			 void *field)
{
	struct conn *c = field;

	return parse_ts(x, k->name, v, c->remote_ts, &c->n_remote_ts);
}

static int key_interfaces(struct ctx *x, const struct key *k, const char *v,
			  void *field)
{
	struct conn *c = field;

	if (!parse_ifaces(x, k->name, v, c->ifaces, &c->n_ifaces))
		return 0;
	c->n_ifaces = 0;
	return -EINVAL;
}

static int key_pool(struct ctx *x, const struct key *k, const char *v,
		    void *field)
{
	struct conn *c = field;

	if (!parse_pools(x, k->name, v, c->pools, &c->n_pools))
		return 0;
	c->n_pools = 0;
	return -EINVAL;
}

static int key_dns(struct ctx *x, const struct key *k, const char *v,
		   void *field)
{
	struct conn *c = field;

	if (!parse_dns(x, k->name, v, c->dns, &c->n_dns))
		return 0;
	c->n_dns = 0;
	return -EINVAL;
}

static int key_vips(struct ctx *x, const struct key *k, const char *v,
		    void *field)
{
	return parse_vips(x, k->name, v, field);
}

static int key_vip_device(struct ctx *x, const struct key *k, const char *v,
			  void *field)
{
	if (strlen(v) >= IFACE_NAME_MAX || strpbrk(v, "/ \t")) {
		error(x, "%s: \"%s\" is not an interface name", k->name, v);
		return -EINVAL;
	}
	strcpy(field, v);
	return 0;
}

static int key_log_level(struct ctx *x, const struct key *k, const char *v,
			 void *field)
{
	int *level = field;

	*level = conf_log_level_parse(v);
	if (*level >= 0)
		return 0;
	error(x, "%s: unknown level \"%s\" (error, warning, notice, info or "
	      "debug)", k->name, v);
	*level = CONF_LOG_INFO;
	return -EINVAL;
}

static int key_control_group(struct ctx *x, const struct key *k,
			     const char *v, void *field)
{
	struct conf *c = field;
	const struct group *g = getgrnam(v);

	if (!g) {
		error(x, "%s: no group \"%s\"", k->name, v);
		return -EINVAL;
	}
	c->have_control_group = true;
	c->control_gid = g->gr_gid;
	return 0;
}

#define PATH_KEY(f)	CC(f), 0, sizeof(((struct conf_conn *)0)->f)

static const struct key conn_keys[K_N] = {
	[K_LOCAL] = { "local", key_local, CONN(local) },
	[K_REMOTE] = { "remote", key_remote, CONN(remote) },
	[K_LOCAL_PORT] = { "local_port", key_port, CONN(local_port) },
	[K_REMOTE_PORT] = { "remote_port", key_port, CONN(remote_port) },
	[K_LOCAL_ID] = { "local_id", key_id, CONN(local_id) },
	[K_REMOTE_ID] = { "remote_id", key_remote_id, CONN(remote_id) },
	[K_AUTH] = { "auth", key_auth, CONN(auth_method) },
	[K_PSK] = { "psk", key_psk, CC(conn) },
	[K_IKE] = { "ike", key_ike, 0 },
	[K_ESP] = { "esp", key_esp, 0 },
	[K_LOCAL_TS] = { "local_ts", key_local_ts, CC(conn) },
	[K_REMOTE_TS] = { "remote_ts", key_remote_ts, CC(conn) },
	[K_MODE] = { "mode", key_mode, CONN(mode) },
	[K_DPD] = { "dpd", key_ms, CONN(dpd_ms), 0, UINT32_MAX,
		    " (seconds, or with unit ms, s, m, h)" },
	[K_IKE_LIFETIME] = { "ike_lifetime", key_lifetime,
			     CONN(ike_lifetime_s) },
	[K_CHILD_LIFETIME] = { "child_lifetime", key_lifetime,
			       CONN(child_lifetime_s) },
	[K_RETRANS_BASE] = { "retransmit_base", key_ms,
			     CONN(retrans_base_ms), 10, 600000,
			     " from 10ms to 600s" },
	[K_RETRANS_TRIES] = { "retransmit_tries", key_uint,
			      CONN(retrans_tries), 0, 20 },
	[K_START] = { "start", key_start, CC(start) },
	[K_CERT] = { "cert", key_cred_path, PATH_KEY(cert_file) },
	[K_KEY] = { "key", key_private_key, PATH_KEY(key_file) },
	[K_CA_DIR] = { "ca_dir", key_cred_path, PATH_KEY(ca_dir) },
	[K_CACERT] = { "cacert", key_cacert, 0 },
	[K_RSA_PSS] = { "rsa_pss", key_bool, CONN(rsa_pss) },
	[K_UNIQUE] = { "unique", key_unique, CONN(unique) },
	[K_IKE_REAUTH] = { "ike_reauth", key_bool, CONN(ike_reauth) },
	[K_REKEY_JITTER] = { "rekey_jitter", key_bool, CONN(rekey_jitter) },
	[K_ALT_AFTER] = { "alternates_after", key_uint, CONN(alt_after), 0,
			  20 },
	[K_RSA_SHA1] = { "rsa_sha1", key_bool, CONN(rsa_sha1) },
	[K_INTERFACES] = { "interfaces", key_interfaces, CC(conn) },
	[K_MIF] = { "mif", key_bool, CONN(mif) },
	[K_PSK_FILE] = { "psk_file", key_psk_file, CC(conn), 0, 256 },
	[K_KEYINGTRIES] = { "keyingtries", key_uint, CC(keyingtries), 0,
			    1000000, " (forever)" },
	[K_DPD_ACTION] = { "dpd_action", key_action, CC(dpd_action) },
	[K_CLOSE_ACTION] = { "close_action", key_action, CC(close_action) },
	[K_FAILURE_SHUNT] = { "failure_shunt", key_shunt, CC(shunt_pass) },
	[K_POOL] = { "pool", key_pool, CC(conn) },
	[K_DNS] = { "dns", key_dns, CC(conn) },
	[K_VIPS] = { "vips", key_vips, CC(conn) },
	[K_VIP_DEVICE] = { "vip_device", key_vip_device, CONN(vip_device) },
	[K_PER_INTERFACE] = { "per_interface", key_bool,
			      CONN(per_interface) },
	[K_ADD_INTERFACES] = { "add_interfaces", key_add_interfaces,
			       CONN(add_interfaces) },
	[K_FAILBACK] = { "failback", key_bool, CONN(failback) },
	[K_FRAGMENTATION] = { "fragmentation", key_bool,
			      CONN(fragmentation) },
	[K_FRAGMENT_SIZE] = { "fragment_size", key_uint, CONN(fragment_size),
			      576, 65535 },
	[K_ENCAP] = { "encap", key_bool, CONN(encap) },
	[K_MOBIKE] = { "mobike", key_bool, CONN(mobike) },
	[K_MOBIKE_NO_NATS] = { "mobike_no_nats", key_bool,
			       CONN(mobike_no_nats) },
	[K_NAT_KEEPALIVE] = { "nat_keepalive", key_ms,
			      CONN(nat_keepalive_ms), 0, UINT32_MAX,
			      " (seconds, or with unit ms, s, m, h)" },
};

static const struct key mifd_keys[M_N] = {
	[M_LOG_LEVEL] = { "log_level", key_log_level, CONF(log_level) },
	[M_SOCKET] = { "socket", key_path, CONF(socket), 0,
		       sizeof(((struct conf *)0)->socket) },
	[M_COOKIE_THRESHOLD] = { "cookie_threshold", key_uint,
				 CONF(cookie_threshold), 0, 1000000 },
	[M_COOKIE_MODP] = { "cookie_modp", key_bool, CONF(cookie_modp) },
	[M_HALF_OPEN_MAX] = { "half_open_max", key_uint,
			      CONF(half_open_max), 0, 1000000 },
	[M_HALF_OPEN_MAX_PEER] = { "half_open_max_peer", key_uint,
				   CONF(half_open_max_peer), 0, 1000000 },
	[M_CONTROL_GROUP] = { "control_group", key_control_group, 0 },
	[M_LOCK_MEMORY] = { "lock_memory", key_bool, CONF(lock_memory) },
	[M_MAX_IKE_SAS_PER_ID] = { "max_ike_sas_per_id", key_uint,
				   CONF(max_ike_sas_per_id), 0, 1000000 },
	[M_WINDOW_SIZE] = { "window_size", key_uint, CONF(window_size), 1,
			    CONF_WINDOW_MAX },
	[M_REKEYS_IN_FLIGHT_MAX] = { "rekeys_in_flight_max", key_uint,
				     CONF(rekeys_in_flight_max), 0, 1000000,
				     " (no bound)" },
};

static int key_index(const struct key *keys, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(keys[i].name, name))
			return i;
	return -1;
}

static void mifd_key(struct ctx *x, const char *name, const char *v)
{
	int k = key_index(mifd_keys, M_N, name);

	if (k < 0) {
		error(x, "unknown key \"%s\" in [mifd]", name);
		return;
	}
	mifd_keys[k].parse(x, &mifd_keys[k], v,
			   (char *)x->conf + mifd_keys[k].off);
}

static void conn_key(struct ctx *x, const char *name, const char *v)
{
	struct conf_conn *cc = x->cc;
	int k = key_index(conn_keys, K_N, name);

	if (k < 0) {
		error(x, "unknown key \"%s\" in [conn %s]", name, cc->name);
		return;
	}
	if (x->seen & KEY_BIT(k)) {
		error(x, "duplicate key \"%s\" in [conn %s] (first at line %u)",
		      name, cc->name, x->key_line[k]);
		return;
	}
	x->seen |= KEY_BIT(k);
	x->key_line[k] = x->line;
	if (!*v) {
		x->bad |= KEY_BIT(k);
		error(x, "%s: empty value", name);
		return;
	}
	if (conn_keys[k].parse(x, &conn_keys[k], v,
			       (char *)cc + conn_keys[k].off))
		x->bad |= KEY_BIT(k);
}

/*
 * A key whose value could not be read (a line too long, a bad quote),
 * reported already: given, so that no "missing key" follows.
 */
static void key_lost(struct ctx *x, const char *name)
{
	int k = key_index(conn_keys, K_N, name);

	if (x->kind != SEC_CONN || k < 0 || (x->seen & KEY_BIT(k)))
		return;
	x->seen |= KEY_BIT(k);
	x->bad |= KEY_BIT(k);
	x->key_line[k] = x->line;
}

static void child_key(struct ctx *x, const char *name, const char *v)
{
	struct child_sec *cs = &x->childs[x->n_childs - 1];
	int k = -1;

	for (int i = 0; i < C_N && k < 0; i++)
		if (!strcmp(child_keys[i], name))
			k = i;

	if (k < 0) {
		error(x, "unknown key \"%s\" in [child %s/%s] (a child takes "
		      "local_ts, remote_ts, mode, esp, child_lifetime)", name,
		      cs->conn, cs->name);
		return;
	}
	if (cs->val[k]) {
		error(x, "duplicate key \"%s\" in [child %s/%s] (first at "
		      "line %u)", name, cs->conn, cs->name, cs->key_line[k]);
		return;
	}
	if (!*v) {
		error(x, "%s: empty value", name);
		return;
	}
	cs->val[k] = strdup(v);
	if (!cs->val[k])
		error(x, "out of memory");
	cs->key_line[k] = x->line;
}

/* One value of a child section, at its own line, into t. */
static void child_value(struct ctx *x, enum child_key k, const char *v,
			struct conn_child *t)
{
	const char *name = child_keys[k];
	uint64_t ms;

	switch (k) {
	case C_LOCAL_TS:
		parse_ts(x, name, v, t->local_ts, &t->n_local_ts);
		break;
	case C_REMOTE_TS:
		parse_ts(x, name, v, t->remote_ts, &t->n_remote_ts);
		break;
	case C_MODE:
		if (!strcasecmp(v, "tunnel"))
			t->mode = KERNEL_MODE_TUNNEL;
		else if (!strcasecmp(v, "transport"))
			t->mode = KERNEL_MODE_TRANSPORT;
		else
			error(x, "mode: \"%s\" is neither tunnel nor "
			      "transport", v);
		break;
	case C_ESP:
		parse_proposals(x, name, v, true, t->esp, &t->n_esp);
		break;
	case C_LIFETIME:
		if (parse_duration(v, 1000, &ms) || (ms && ms < 1000))
			error(x, "%s: \"%s\" is not a duration of at least "
			      "1 s (or 0 for unlimited)", name, v);
		else
			t->lifetime_s = ms / 1000;
		break;
	case C_N:
		break;
	}
}

/* Room for the children of cc: its arrays, sized once. */
static int children_alloc(struct conf_conn *cc, unsigned int n)
{
	cc->children = calloc(n, sizeof(*cc->children));
	cc->child_names = calloc(n, sizeof(*cc->child_names));
	return cc->children && cc->child_names ? 0 : -ENOMEM;
}

/* The end of the file: each child section onto its connection. */
static void children_finish(struct ctx *x)
{
	struct conf *conf = x->conf;
	unsigned int *count;
	struct conf_conn *cc;

	if (!x->n_childs)
		return;
	/* How many each connection has, for its arrays. */
	count = calloc(conf->n_conns + 1, sizeof(*count));
	if (!count) {
		error(x, "out of memory");
		return;
	}
	for (unsigned int i = 0; i < x->n_childs; i++) {
		cc = conf_find(conf, x->childs[i].conn);
		if (cc)
			count[cc - conf->conns]++;
	}
	for (unsigned int i = 0; i < x->n_childs; i++) {
		struct child_sec *cs = &x->childs[i];
		struct conn_child *t;
		unsigned int n;
		bool vips;

		cc = conf_find(conf, cs->conn);

		if (!cc) {
			error_at(x, cs->line, "[child %s/%s]: no connection "
				 "\"%s\"", cs->conn, cs->name, cs->conn);
			continue;
		}
		if (cc->n_children == CONN_MAX_CHILDREN) {
			error_at(x, cs->line, "[child %s/%s]: more than %d "
				 "children in [conn %s]", cs->conn, cs->name,
				 CONN_MAX_CHILDREN, cs->conn);
			continue;
		}
		if (!cc->children) {
			n = count[cc - conf->conns];
			if (n > CONN_MAX_CHILDREN)
				n = CONN_MAX_CHILDREN;
			if (children_alloc(cc, n)) {
				error_at(x, cs->line, "out of memory");
				break;
			}
		}
		t = &cc->children[cc->n_children];
		snprintf(cc->child_names[cc->n_children], CONF_NAME_MAX, "%s",
			 cs->name);
		/* What it does not say, its connection does. */
		t->name = cc->child_names[cc->n_children];
		t->n_esp = cc->conn.n_esp;
		memcpy(t->esp, cc->conn.esp, sizeof(t->esp));
		t->n_local_ts = cc->conn.n_local_ts;
		t->n_remote_ts = cc->conn.n_remote_ts;
		memcpy(t->local_ts, cc->conn.local_ts, sizeof(t->local_ts));
		memcpy(t->remote_ts, cc->conn.remote_ts, sizeof(t->remote_ts));
		t->mode = cc->conn.mode;
		t->lifetime_s = cc->conn.child_lifetime_s;
		for (unsigned int k = 0; k < C_N; k++) {
			if (!cs->val[k])
				continue;
			x->line = cs->key_line[k];
			child_value(x, k, cs->val[k], t);
		}
		/* Asking for inner addresses: they are its side (cfg.h). */
		vips = cc->conn.vips4 || cc->conn.vips6;
		if ((!t->n_local_ts && !vips) || !t->n_remote_ts)
			error_at(x, cs->line, "[child %s/%s]: no %s (and none "
				 "in [conn %s])", cs->conn, cs->name,
				 !t->n_local_ts && !vips ? "local_ts" :
							  "remote_ts",
				 cs->conn);
		cc->n_children++;
		cc->conn.n_children = cc->n_children;
		cc->conn.children = cc->children;
	}
	free(count);
}

static void childs_free(struct ctx *x)
{
	for (unsigned int i = 0; i < x->n_childs; i++)
		for (unsigned int k = 0; k < C_N; k++)
			free(x->childs[i].val[k]);
	free(x->childs);
	hindex_free(&x->childs_by_name);
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct ctx *x = user;
	char raw[CONF_LINE_MAX + 1], v[CONF_LINE_MAX + 1];

	snprintf(raw, sizeof(raw), "%s", value ? value : "");
	switch (x->kind) {
	case SEC_NONE:
		error(x, "key \"%s\" outside of a section", name);
		break;
	case SEC_MIFD:
		if (!unquote(x, name, trim(raw), v))
			mifd_key(x, name, v);
		break;
	case SEC_CONN:
		if (unquote(x, name, trim(raw), v))
			key_lost(x, name);
		else
			conn_key(x, name, v);
		break;
	case SEC_CHILD:
		if (!unquote(x, name, trim(raw), v))
			child_key(x, name, v);
		break;
	case SEC_BAD:
		break;		/* already reported */
	}
	gnutls_memset(raw, 0, sizeof(raw));	/* a psk, maybe */
	gnutls_memset(v, 0, sizeof(v));
	return 1;
}

/*
 * inih's line reader: count lines, spot section headers. The line buffer
 * is wiped before each line, so that no psk stays in it after the last.
 */
static char *reader(char *str, int num, void *stream)
{
	struct ctx *x = stream;
	bool newline;
	char *s;
	size_t len;

	if (num > 0)
		gnutls_memset(str, 0, (size_t)num);
	s = fgets(str, num, x->f);
	if (!s)
		return NULL;
	x->line++;
	len = strlen(s);
	newline = len && s[len - 1] == '\n';
	len -= newline;
	if (len && s[len - 1] == '\r')
		len--;
	if (len > CONF_LINE_MAX || (!newline && !feof(x->f))) {
		int ch;

		error(x, "line longer than %d characters", CONF_LINE_MAX);
		while (!newline && (ch = fgetc(x->f)) != EOF && ch != '\n')
			;
		s[strcspn(s, "=:")] = '\0';
		key_lost(x, trim(s));
		/* Make inih ignore it: a comment. */
		s[0] = ';';
		return s;
	}
	s = str;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '[')
		section_start(x, s);
	return str;
}

/*
 * inih, with lines up to CONF_LINE_MAX on the heap (the reader wipes
 * them) and without its inline comments: unquote() knows the quotes
 * they may be in. These settings are Debian's inih's, and global: ours
 * for the file, then back as they were.
 */
static int parse(struct ctx *x)
{
	bool use_stack = ini_use_stack, allow_realloc = ini_allow_realloc;
	bool inline_comments = ini_allow_inline_comments;
	int max_line = ini_max_line, initial = ini_initial_alloc;
	int ret;

	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = ini_initial_alloc = CONF_LINE_MAX + 3;
	ini_allow_inline_comments = false;
	ret = ini_parse_stream(reader, x, handler, x);
	ini_use_stack = use_stack;
	ini_allow_realloc = allow_realloc;
	ini_max_line = max_line;
	ini_initial_alloc = initial;
	ini_allow_inline_comments = inline_comments;
	return ret;
}

int conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	struct ctx x = {
		.path = path, .err = err, .errlen = errlen,
	};
	struct stat st;
	char *iobuf;
	struct conf *c;
	int ret;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->log_level = CONF_LOG_INFO;
	snprintf(c->socket, sizeof(c->socket), "%s", CONF_DEFAULT_SOCKET);
	c->cookie_threshold = ENGINE_COOKIE_THRESHOLD;
	c->cookie_modp = true;
	c->half_open_max = ENGINE_HALF_OPEN_MAX;
	c->window_size = 1;
	c->half_open_max_peer = ENGINE_HALF_OPEN_MAX_PEER;
	c->rekeys_in_flight_max = ENGINE_REKEYS_IN_FLIGHT_MAX;
	c->lock_memory = true;
	x.conf = c;
	/* stdio's buffer would keep the file, keys and all: ours is wiped. */
	iobuf = malloc(BUFSIZ);
	x.f = iobuf ? fopen(path, "r") : NULL;
	if (!x.f) {
		ret = iobuf ? -errno : -ENOMEM;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s\n", path, strerror(-ret));
		free(iobuf);
		free(c);
		return ret;
	}
	setvbuf(x.f, iobuf, _IOFBF, BUFSIZ);
	x.mode = fstat(fileno(x.f), &st) ? 0 : st.st_mode;
	ret = parse(&x);
	fclose(x.f);
	gnutls_memset(iobuf, 0, BUFSIZ);
	free(iobuf);
	section_end(&x);
	if (x.holds_secrets)
		check_secret_mode(&x, path, x.mode);
	children_finish(&x);
	childs_free(&x);
	if (ret > 0)
		error_at(&x, (unsigned int)ret, "syntax error (expected "
			 "[section] or key = value)");
	else if (ret < 0)
		error_at(&x, 0, "cannot parse the file");
	if (x.n_errors) {
		conf_free(c);
		return -EINVAL;
	}
	fix_pointers(c);
	*out = c;
	return 0;
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	for (unsigned int i = 0; i < c->n_conns; i++) {
		gnutls_memset(c->conns[i].conn.psk, 0,
			      sizeof(c->conns[i].conn.psk));
		creds_put(c, c->conns[i].conn.sig_creds);
		c->conns[i].conn.sig_creds = NULL;
		free(c->conns[i].children);
		free(c->conns[i].child_names);
	}
	/* Those no connection took (failed, or never handed out). */
	for (unsigned int i = 0; i < c->n_creds; i++)
		if (c->creds[i].creds)
			sig_creds_free(c->creds[i].creds);
	free(c->creds);
	free(c->conns);
	hindex_free(&c->by_name);
	free(c);
}

struct conf_conn *conf_find(struct conf *c, const char *name)
{
	uint64_t h;
	uint32_t i;
	size_t cur;

	if (c->by_name.n != c->n_conns) {
		for (i = 0; i < c->n_conns; i++)
			if (!strcmp(c->conns[i].name, name))
				return &c->conns[i];
		return NULL;
	}
	h = name_hash(name);
	for (i = hindex_first(&c->by_name, h, &cur); i != HINDEX_END;
	     i = hindex_next(&c->by_name, h, &cur))
		if (i < c->n_conns && !strcmp(c->conns[i].name, name))
			return &c->conns[i];
	return NULL;
}

struct conf_conn *conf_conn_of(const struct conf *c, const struct conn *conn)
{
	uintptr_t p = (uintptr_t)conn, first, end;

	if (!c || !c->n_conns || !conn)
		return NULL;
	first = (uintptr_t)&c->conns[0].conn;
	end = first + c->n_conns * sizeof(c->conns[0]);
	if (p < first || p >= end || (p - first) % sizeof(c->conns[0]))
		return NULL;
	return &c->conns[(p - first) / sizeof(c->conns[0])];
}

/* The same children, in the same order (zeroed before filling in). */
static bool children_equal(const struct conf_conn *a,
			   const struct conf_conn *b)
{
	size_t off = offsetof(struct conn_child, n_esp);

	if (a->n_children != b->n_children)
		return false;
	for (unsigned int i = 0; i < a->n_children; i++)
		if (strcmp(a->child_names[i], b->child_names[i]) ||
		    memcmp((const char *)&a->children[i] + off,
			   (const char *)&b->children[i] + off,
			   sizeof(a->children[i]) - off))
			return false;
	return true;
}

bool conf_conn_equal(const struct conf_conn *a, const struct conf_conn *b)
{
	size_t off = offsetof(struct conn, local);
	size_t end = offsetof(struct conn, cert_file);

	/*
	 * Both were zeroed before filling in: padding compares equal. The
	 * certificate pointers differ between loads: compare the paths (a
	 * changed file under the same name is seen on restart only).
	 */
	return !strcmp(a->name, b->name) && a->start == b->start &&
	       a->trap == b->trap &&
	       a->keyingtries == b->keyingtries &&
	       a->dpd_action == b->dpd_action &&
	       a->close_action == b->close_action &&
	       a->shunt_pass == b->shunt_pass &&
	       !memcmp((const char *)&a->conn + off,
		       (const char *)&b->conn + off, end - off) &&
	       !strcmp(a->cert_file, b->cert_file) &&
	       !strcmp(a->key_file, b->key_file) &&
	       !strcmp(a->ca_dir, b->ca_dir) &&
	       a->conn.rsa_pss == b->conn.rsa_pss &&
	       a->conn.rsa_sha1 == b->conn.rsa_sha1 &&
	       children_equal(a, b);
}

static const char *const level_names[] = {
	[CONF_LOG_ERR] = "error", [CONF_LOG_WARNING] = "warning",
	[CONF_LOG_NOTICE] = "notice", [CONF_LOG_INFO] = "info",
	[CONF_LOG_DEBUG] = "debug",
};

const char *conf_log_level_name(int level)
{
	if (level < CONF_LOG_ERR || level > CONF_LOG_DEBUG)
		return "?";
	return level_names[level];
}

int conf_log_level_parse(const char *name)
{
	for (int i = CONF_LOG_ERR; i <= CONF_LOG_DEBUG; i++)
		if (!strcasecmp(name, level_names[i]))
			return i;
	if (!strcasecmp(name, "err"))
		return CONF_LOG_ERR;
	if (!strcasecmp(name, "warn"))
		return CONF_LOG_WARNING;
	return -1;
}

long conf_index(struct conf *c, const struct conn *conn)
{
	const struct conf_conn *cc;

	if (!c || !conn)
		return -1;
	cc = conf_conn_of(c, conn);
	if (cc)
		return cc - c->conns;
	cc = conn->name ? conf_find(c, conn->name) : NULL;
	return cc ? cc - c->conns : -1;
}
