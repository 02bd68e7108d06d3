/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mifd's control socket: a unix stream socket; each line a client sends
 * is one JSON request, answered by one line of JSON.
 *
 * Who may connect is decided by the peer's credentials (SO_PEERCRED):
 * root and mifd's own user for every command; members of an optional
 * group (the socket is then given to that group, mode 0660) for what the
 * handler allows them; anyone else is answered an error and dropped. The
 * socket is created mode 0600 (umask set before bind) in a directory
 * that must be a real directory (not a symlink) owned by mifd's user and
 * writable by nobody else; a lock file next to it (PATH.lock) keeps a
 * second mifd from taking over the socket of a running one.
 *
 * Replies never block the caller: each client has one reply in flight at
 * most, sent as the socket takes it; its further requests wait until the
 * reply is gone. A client that leaves a reply unread for
 * CONTROL_STALL_MS is dropped.
 */
#ifndef MIF_DAEMON_CONTROL_H
#define MIF_DAEMON_CONTROL_H

#include <json-c/json.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CONTROL_MAX_CLIENTS	16
#define CONTROL_LINE_MAX	4096
/* A reply longer than this is answered with an error instead. */
#define CONTROL_REPLY_MAX	(16u << 20)
/* A client that reads nothing of its reply for this long is dropped. */
#define CONTROL_STALL_MS	10000

/* Who is asking. */
struct control_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool admin;		/* root or mifd's user: every command */
};

struct control_client {
	int fd;
	struct control_peer peer;
	size_t len;
	char buf[CONTROL_LINE_MAX];
	/* The reply being sent: out_len bytes, out_off of them sent. */
	char *out;
	size_t out_len, out_off;
	uint64_t out_since;	/* when it was queued or last moved */
	bool closing;		/* drop once the reply is sent */
};

/*
 * Answer a request (a JSON object) from peer (not admin: a member of
 * the group); the reply is consumed.
 */
typedef struct json_object *(*control_handler)(void *ctx,
					       const struct control_peer *peer,
					       struct json_object *req);

struct control {
	int fd;				/* listening; -1: none */
	int lock_fd;			/* PATH.lock, held; -1: none */
	char path[108];
	bool have_group;		/* group may connect */
	gid_t group;
	unsigned int n;
	struct control_client c[CONTROL_MAX_CLIENTS];
	control_handler handle;
	void *ctx;
};

/*
 * Listen on path; its directory is created (mode 0755) if missing. group:
 * NULL, or the group whose members may connect too. Returns 0 or -errno:
 * -EADDRINUSE when another mifd holds the socket, -EPERM when the
 * directory is unsafe (a symlink, someone else's, writable by others),
 * -EEXIST when something that is not a socket is in the way; each logged.
 */
int control_open(struct control *ctl, const char *path, const gid_t *group,
		 control_handler handle, void *ctx);
void control_close(struct control *ctl);

/* Fill pfd (room for 1 + CONTROL_MAX_CLIENTS); returns the count. */
unsigned int control_pollfds(const struct control *ctl, struct pollfd *pfd);
/*
 * Act on the poll results of the entries control_pollfds() filled (any
 * revents, also none), and drop clients stalled at now (milliseconds,
 * monotonic).
 */
void control_process(struct control *ctl, const struct pollfd *pfd,
		     unsigned int n, uint64_t now);

#endif
