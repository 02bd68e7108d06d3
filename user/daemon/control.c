// SPDX-License-Identifier: GPL-2.0
/*
 * mifd's control socket.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/control.h"
#include "daemon/log.h"

static int make_dirs(const char *path)
{
	char dir[sizeof(((struct control *)0)->path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int control_open(struct control *ctl, const char *path,
		 control_handler handle, void *ctx)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, ret;

	memset(ctl, 0, sizeof(*ctl));
	ctl->fd = -1;
	ctl->handle = handle;
	ctl->ctx = ctx;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ret = make_dirs(path);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A socket nobody answers on is a leftover: replace it. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		return -EADDRINUSE;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 8) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ctl->fd = fd;
	return 0;
}

static void drop_client(struct control *ctl, unsigned int i)
{
	close(ctl->c[i].fd);
	ctl->c[i] = ctl->c[--ctl->n];
}

void control_close(struct control *ctl)
{
	while (ctl->n)
		drop_client(ctl, 0);
	if (ctl->fd >= 0) {
		close(ctl->fd);
		unlink(ctl->path);
		ctl->fd = -1;
	}
}

unsigned int control_pollfds(const struct control *ctl, struct pollfd *pfd)
{
	unsigned int n = 0;

	if (ctl->fd < 0)
		return 0;
	pfd[n].fd = ctl->fd;
	pfd[n].events = POLLIN;
	pfd[n++].revents = 0;
	for (unsigned int i = 0; i < ctl->n; i++) {
		pfd[n].fd = ctl->c[i].fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

static struct json_object *error_reply(const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

/* Write the whole reply; the client is blocking for it, small replies. */
static int send_reply(int fd, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(s), off = 0;
	int tries = 0;

	while (off <= len) {
		const char *p = off < len ? s + off : "\n";
		size_t l = off < len ? len - off : 1;
		ssize_t n = send(fd, p, l, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    tries++ < 1000) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			poll(&pfd, 1, 10);
			continue;
		}
		if (n <= 0)
			return -1;
		off += (size_t)n;
		if (p[0] == '\n' && l == 1)
			break;
	}
	return 0;
}

static void handle_line(struct control *ctl, int fd, const char *line)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *req, *reply;

	req = json_tokener_parse_ex(tok, line, (int)strlen(line));
	if (!req || json_tokener_get_error(tok) != json_tokener_success) {
		reply = error_reply("malformed JSON request");
	} else if (!json_object_is_type(req, json_type_object)) {
		reply = error_reply("a request must be a JSON object");
	} else {
		reply = ctl->handle(ctl->ctx, req);
		if (!reply)
			reply = error_reply("internal error");
	}
	json_tokener_free(tok);
	json_object_put(req);
	send_reply(fd, reply);
	json_object_put(reply);
}

/* 0: keep the client, -1: drop it. */
static int client_read(struct control *ctl, struct control_client *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len,
			 0);
	char *nl;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	while ((nl = memchr(c->buf, '\n', c->len))) {
		size_t used = (size_t)(nl - c->buf) + 1;

		*nl = '\0';
		if (nl > c->buf && nl[-1] == '\r')
			nl[-1] = '\0';
		if (c->buf[0])
			handle_line(ctl, c->fd, c->buf);
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
		c->buf[c->len] = '\0';
	}
	if (c->len == sizeof(c->buf) - 1) {
		struct json_object *o = error_reply("request line too long");

		send_reply(c->fd, o);
		json_object_put(o);
		return -1;
	}
	return 0;
}

void control_process(struct control *ctl, const struct pollfd *pfd,
		     unsigned int n)
{
	unsigned int nclients = ctl->n;
	int fds[CONTROL_MAX_CLIENTS];

	if (!n)
		return;
	/* Clients first, by fd: the table moves when one is dropped. */
	for (unsigned int i = 0; i < nclients && i + 1 < n; i++)
		fds[i] = pfd[i + 1].revents ? pfd[i + 1].fd : -1;
	for (unsigned int i = 0; i < nclients && i + 1 < n; i++) {
		if (fds[i] < 0)
			continue;
		for (unsigned int j = 0; j < ctl->n; j++) {
			if (ctl->c[j].fd != fds[i])
				continue;
			if (client_read(ctl, &ctl->c[j]))
				drop_client(ctl, j);
			break;
		}
	}
	if (pfd[0].revents & POLLIN) {
		int fd = accept4(ctl->fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		if (ctl->n == CONTROL_MAX_CLIENTS) {
			struct json_object *o = error_reply("too many clients");

			send_reply(fd, o);
			json_object_put(o);
			close(fd);
			return;
		}
		ctl->c[ctl->n].fd = fd;
		ctl->c[ctl->n].len = 0;
		ctl->n++;
	}
}
