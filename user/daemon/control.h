/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mifd's control socket: a unix stream socket; each line a client sends
 * is one JSON request, answered by one line of JSON.
 */
#ifndef MIF_DAEMON_CONTROL_H
#define MIF_DAEMON_CONTROL_H

#include <json-c/json.h>
#include <poll.h>
#include <stddef.h>

#define CONTROL_MAX_CLIENTS	16
#define CONTROL_LINE_MAX	4096

struct control_client {
	int fd;
	size_t len;
	char buf[CONTROL_LINE_MAX];
};

/* Answer a request (a JSON object); the reply is consumed. */
typedef struct json_object *(*control_handler)(void *ctx,
					       struct json_object *req);

struct control {
	int fd;				/* listening; -1: none */
	char path[108];
	unsigned int n;
	struct control_client c[CONTROL_MAX_CLIENTS];
	control_handler handle;
	void *ctx;
};

/* Listen on path (its directory created if missing). 0 or -errno. */
int control_open(struct control *ctl, const char *path,
		 control_handler handle, void *ctx);
void control_close(struct control *ctl);

/* Fill pfd (room for 1 + CONTROL_MAX_CLIENTS); returns the count. */
unsigned int control_pollfds(const struct control *ctl, struct pollfd *pfd);
/* Act on the poll results of the entries control_pollfds() filled. */
void control_process(struct control *ctl, const struct pollfd *pfd,
		     unsigned int n);

#endif
