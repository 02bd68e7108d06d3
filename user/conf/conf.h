/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mifd's configuration file (mifd.conf(5)): an INI file with one
 * [mifd] section for the daemon and one [conn NAME] section per peer.
 *
 * Loading is all or nothing: every problem found is reported as
 * "FILE:LINE: message" and a file with any problem is refused whole.
 */
#ifndef MIF_CONF_CONF_H
#define MIF_CONF_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "engine/conn.h"
#include "engine/engine.h"
#include "engine/hindex.h"

#define CONF_NAME_MAX		64
#define CONF_PATH_MAX		108	/* sun_path */
#define CONF_MAX_CONNS		ENGINE_MAX_CONNS
#define CONF_WINDOW_MAX		ENGINE_WINDOW_MAX
#define CONF_DEFAULT_PATH	"/etc/mifd.conf"
#define CONF_DEFAULT_SOCKET	"/run/mifd/mifd.sock"
/*
 * The shortest psk accepted: 128 bits, as much as the weakest cipher
 * offered. A peer (or anyone who answers as the responder) sees a value
 * from which shorter keys can be guessed offline.
 */
#define CONF_PSK_MIN		16
/* The longest line, newline not counted: room for any value. */
#define CONF_LINE_MAX		4096

/* Log levels, as syslog(3) numbers them. */
enum conf_log_level {
	CONF_LOG_ERR = 3,
	CONF_LOG_WARNING = 4,
	CONF_LOG_NOTICE = 5,
	CONF_LOG_INFO = 6,
	CONF_LOG_DEBUG = 7,
};

/*
 * dpd_action, close_action: what mifd does then (daemon/retry.h; trap:
 * engine/trap.h).
 */
enum conf_action {
	CONF_ACTION_NONE,
	CONF_ACTION_RESTART,
	CONF_ACTION_TRAP,
};

struct conf_conn {
	struct conn conn;		/* conn.name points at name */
	char name[CONF_NAME_MAX];
	bool start;			/* initiate at startup */
	bool trap;			/* start = trap: on the first packet */
	unsigned int keyingtries;	/* attempts per start; 0: forever */
	enum conf_action dpd_action, close_action;
	/*
	 * failure_shunt = pass: once its Child SAs failed (DPD, a hard
	 * expiry, a failed re-establishment) with no trap behind them, its
	 * traffic is left to the routing table; else (drop) it is dropped.
	 */
	bool shunt_pass;
	unsigned int line;		/* of the section header */
	/* Certificates: conn.cert_file etc. point here ("" none). */
	char cert_file[256], key_file[256], ca_dir[256];
	unsigned int cert_line;		/* of cert, key or ca_dir */
	/* The configured text of the proposals, for display. */
	char ike_text[256], esp_text[256];
	/*
	 * Its [child CONN/NAME] sections, in file order: conn.children
	 * points at children, each child's name at its child_names entry
	 * (malloc'ed, n_children of each; none: NULL).
	 */
	unsigned int n_children;
	struct conn_child *children;
	char (*child_names)[CONF_NAME_MAX];
};

/*
 * Certificates loaded once per (cert, key, ca_dir) and shared by the
 * connections that name the same files; refs counts them.
 */
struct conf_creds {
	char cert_file[256], key_file[256], ca_dir[256];
	struct sig_creds *creds;	/* NULL: loading failed with ret */
	int ret;
	unsigned int refs;
};

struct conf {
	int log_level;			/* CONF_LOG_* */
	char socket[CONF_PATH_MAX];
	unsigned int cookie_threshold;	/* 0: never demand cookies */
	bool cookie_modp;		/* demand one before MODP */
	/* Half-open IKE SAs at most, in all and from one address; 0: any. */
	unsigned int half_open_max, half_open_max_peer;
	/* control_group: its members may list and status. */
	bool have_control_group;
	gid_t control_gid;
	/* mlockall(2) at start, keys kept out of swap (daemon/memory.h). */
	bool lock_memory;
	/*
	 * Established IKE SAs at most per pair of identities, beyond which
	 * IKE_AUTH is refused (engine/id_cap.c); 0: any.
	 */
	unsigned int max_ike_sas_per_id;
	/*
	 * Requests of the peer we process side by side on an IKE SA, as
	 * SET_WINDOW_SIZE offers them (engine/window.h): 1..CONF_WINDOW_MAX.
	 */
	unsigned int window_size;
	/*
	 * Our rekeys in flight at most, across every IKE SA, that the
	 * timers start (engine.h); 0: no bound.
	 */
	unsigned int rekeys_in_flight_max;

	/* malloc'ed, room for max_conns; grows while loading only. */
	unsigned int n_conns, max_conns;
	struct conf_conn *conns;
	/*
	 * conns by name, for conf_find(): filled by conf_load(). A conf put
	 * together otherwise (n_conns without as many names here) is
	 * searched name by name.
	 */
	struct hindex by_name;
	unsigned int n_creds, max_creds;
	struct conf_creds *creds;

	/*
	 * What loading found but did not refuse (a file of secrets that
	 * others may read): one "path: problem" line each, "" if none.
	 */
	char warnings[4096];
};

/*
 * Load path into a new *out (release with conf_free). On failure returns
 * -EINVAL (or -errno if the file cannot be read) and err holds one
 * "path:line: problem" line per problem found, NUL-terminated and
 * truncated to errlen.
 */
int conf_load(const char *path, struct conf **out, char *err, size_t errlen);
void conf_free(struct conf *c);

/* The connection of that name, or NULL. */
struct conf_conn *conf_find(struct conf *c, const char *name);
/* conn's own conf_conn if conn is one of c's, else NULL. */
struct conf_conn *conf_conn_of(const struct conf *c, const struct conn *conn);
/*
 * The index in c of connection conn: one of c's, or of a replaced
 * configuration's (then the one of the same name); -1 if none.
 */
long conf_index(struct conf *c, const struct conn *conn);

/* Whether two connections say exactly the same (names included). */
bool conf_conn_equal(const struct conf_conn *a, const struct conf_conn *b);

/* Name of a level, and back (-1 if unknown). */
const char *conf_log_level_name(int level);
int conf_log_level_parse(const char *name);

#endif
