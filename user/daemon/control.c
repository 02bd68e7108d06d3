// SPDX-License-Identifier: GPL-2.0
/*
 * mifd's control socket (see control.h): setting it up safely, who may
 * connect, and requests and replies that never block the main loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/control.h"
#include "daemon/log.h"

#define ACCEPT_PER_ROUND	8

/* Setting up. */

/* mkdir, mode 0755 whatever the umask; an existing one is fine. */
static int make_dir(const char *d)
{
	if (!mkdir(d, 0755))
		return chmod(d, 0755) ? -errno : 0;
	return errno == EEXIST ? 0 : -errno;
}

/* Create dir and the missing directories above it. */
static int make_dirs(const char *dir)
{
	char d[sizeof(((struct control *)0)->path)];
	int ret;

	snprintf(d, sizeof(d), "%s", dir);
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		ret = make_dir(d);
		if (ret)
			return ret;
		*p = '/';
	}
	return make_dir(d);
}

/*
 * The socket's directory, opened without following a symlink: it must be
 * a directory of mifd's user that nobody else may write to, or others
 * could put their own socket (or a symlink) in place of ours. Returns
 * its fd or -errno, logged.
 */
static int open_dir(const char *dir)
{
	struct stat st;
	int fd, err;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		mlog(LOG_ERR, "control socket directory %s: %s", dir,
		     err == ELOOP || err == ENOTDIR ?
		     "not a directory (a symlink is not followed)" :
		     strerror(err));
		return err == ELOOP || err == ENOTDIR ? -EPERM : -err;
	}
	if (fstat(fd, &st)) {
		err = errno;
		close(fd);
		return -err;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		mlog(LOG_ERR, "control socket directory %s: owner uid %u, mode "
		     "%04o; it must belong to uid %u and be writable by no "
		     "one else", dir, (unsigned int)st.st_uid,
		     (unsigned int)(st.st_mode & 07777),
		     (unsigned int)geteuid());
		close(fd);
		return -EPERM;
	}
	return fd;
}

/*
 * NAME.lock in the directory, locked for as long as we run: a second
 * mifd starting on the same socket stops here, so that two cannot both
 * find the socket stale and replace each other's.
 */
static int take_lock(int dirfd, const char *name)
{
	char lock[NAME_MAX + 1];
	int fd, err;

	if (snprintf(lock, sizeof(lock), "%s.lock", name) >=
	    (int)sizeof(lock))
		return -ENAMETOOLONG;
	fd = openat(dirfd, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno;
		close(fd);
		return err == EWOULDBLOCK ? -EADDRINUSE : -err;
	}
	return fd;
}

/*
 * What is at name (the socket's path sun): nothing, or a socket nobody
 * listens on any more (a leftover, removed here), is fine. A socket
 * someone answers on is a running mifd's: -EADDRINUSE. Anything else is
 * not ours to remove: -EEXIST.
 */
static int clear_stale(int dirfd, const char *name,
		       const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, ret, err;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	err = errno;
	close(fd);
	/* EAGAIN: a listener whose backlog is full. */
	if (!ret || err == EAGAIN)
		return -EADDRINUSE;
	if (err != ECONNREFUSED)
		return err == ENOENT ? 0 : -err;
	if (unlinkat(dirfd, name, 0) && errno != ENOENT)
		return -errno;
	return 0;
}

/* Bind with no moment at which others could connect; listen. */
static int bind_listen(int dirfd, const char *name,
		       const struct sockaddr_un *sun, const gid_t *group)
{
	mode_t old;
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	old = umask(0177);
	ret = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));
	umask(old);
	if (ret) {
		ret = -errno;
		close(fd);
		return ret;
	}
	/* For the group: only now, and only wider for it. */
	if (group && (fchownat(dirfd, name, (uid_t)-1, *group,
			       AT_SYMLINK_NOFOLLOW) ||
		      fchmodat(dirfd, name, 0660, 0))) {
		ret = -errno;
		mlog(LOG_ERR, "control socket: cannot give it to group %u: %s",
		     (unsigned int)*group, strerror(-ret));
	} else if (listen(fd, 8)) {
		ret = -errno;
	}
	if (ret) {
		unlinkat(dirfd, name, 0);
		close(fd);
		return ret;
	}
	return fd;
}

int control_open(struct control *ctl, const char *path, const gid_t *group,
		 control_handler handle, void *ctx)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[sizeof(ctl->path)];
	const char *name;
	char *slash;
	int dirfd, ret;

	memset(ctl, 0, sizeof(*ctl));
	ctl->fd = -1;
	ctl->lock_fd = -1;
	ctl->handle = handle;
	ctl->ctx = ctx;
	if (group) {
		ctl->have_group = true;
		ctl->group = *group;
	}
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || !slash[1])
		return -EINVAL;
	name = path + (slash - dir) + 1;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	ret = make_dirs(dir);
	if (ret) {
		mlog(LOG_ERR, "control socket directory %s: %s", dir,
		     strerror(-ret));
		return ret;
	}
	dirfd = open_dir(dir);
	if (dirfd < 0)
		return dirfd;
	ret = take_lock(dirfd, name);
	if (ret < 0)
		goto out;
	ctl->lock_fd = ret;
	ret = clear_stale(dirfd, name, &sun);
	if (!ret)
		ret = bind_listen(dirfd, name, &sun, group);
	if (ret >= 0) {
		ctl->fd = ret;
		ret = 0;
	}
out:
	if (ret)
		mlog(LOG_ERR, "control socket %s: %s", path,
		     ret == -EADDRINUSE ? "another mifd runs there" :
		     ret == -EEXIST ? "something else than a socket is "
		     "there; not removed" : strerror(-ret));
	if (ret && ctl->lock_fd >= 0) {
		close(ctl->lock_fd);
		ctl->lock_fd = -1;
	}
	close(dirfd);
	return ret;
}

static void drop_client(struct control *ctl, unsigned int i)
{
	free(ctl->c[i].out);
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
	if (ctl->lock_fd >= 0) {
		close(ctl->lock_fd);
		ctl->lock_fd = -1;
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
		/* One reply at a time: no more requests until it is sent. */
		pfd[n].events = ctl->c[i].out ? POLLOUT : POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

/* Replies. */

static struct json_object *error_reply(const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

/* Queue o as c's reply line. 0, or -1 when out of memory. */
static int queue_reply(struct control_client *c, struct json_object *o,
		       uint64_t now)
{
	static const char too_large[] =
		"{\"error\":\"reply too large; ask for less (list NAME)\"}";
	size_t len;
	const char *s = json_object_to_json_string_length(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	if (!s) {
		s = "{\"error\":\"out of memory\"}";
		len = strlen(s);
	} else if (len >= CONTROL_REPLY_MAX) {
		mlog(LOG_WARNING, "control: a reply of %zu bytes to uid %u "
		     "(pid %d) replaced by an error", len,
		     (unsigned int)c->peer.uid, (int)c->peer.pid);
		s = too_large;
		len = sizeof(too_large) - 1;
	}
	c->out = malloc(len + 1);
	if (!c->out)
		return -1;
	memcpy(c->out, s, len);
	c->out[len] = '\n';
	c->out_len = len + 1;
	c->out_off = 0;
	c->out_since = now;
	return 0;
}

/* Send what the socket takes of c's reply. 0, or -1: drop c. */
static int flush(struct control_client *c, uint64_t now)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		c->out_off += (size_t)n;
		c->out_since = now;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	return c->closing ? -1 : 0;
}

/* Requests. */

static struct json_object *answer(struct control *ctl,
				  const struct control_client *c,
				  const char *line)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *req = NULL, *reply;

	if (tok)
		req = json_tokener_parse_ex(tok, line, (int)strlen(line));
	if (!req || json_tokener_get_error(tok) != json_tokener_success) {
		reply = error_reply("malformed JSON request");
	} else if (!json_object_is_type(req, json_type_object)) {
		reply = error_reply("a request must be a JSON object");
	} else {
		reply = ctl->handle(ctl->ctx, &c->peer, req);
		if (!reply)
			reply = error_reply("internal error");
	}
	if (tok)
		json_tokener_free(tok);
	json_object_put(req);
	return reply;
}

/*
 * Answer the complete lines in c's buffer while no reply is pending.
 * 0, or -1: drop c.
 */
static int process_lines(struct control *ctl, struct control_client *c,
			 uint64_t now)
{
	struct json_object *reply;
	char *nl;
	int ret;

	while (!c->out && (nl = memchr(c->buf, '\n', c->len))) {
		size_t used = (size_t)(nl - c->buf) + 1;

		*nl = '\0';
		if (nl > c->buf && nl[-1] == '\r')
			nl[-1] = '\0';
		reply = c->buf[0] ? answer(ctl, c, c->buf) : NULL;
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
		if (!reply)
			continue;
		ret = queue_reply(c, reply, now);
		json_object_put(reply);
		if (ret || flush(c, now))
			return -1;
	}
	if (!c->out && c->len == sizeof(c->buf)) {
		reply = error_reply("request line too long");
		ret = queue_reply(c, reply, now);
		json_object_put(reply);
		c->closing = true;
		if (ret || flush(c, now))
			return -1;
	}
	return 0;
}

/* 0: keep the client, -1: drop it. */
static int client_read(struct control *ctl, struct control_client *c,
		       uint64_t now)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len,
			 MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	c->len += (size_t)n;
	return process_lines(ctl, c, now);
}

static int client_event(struct control *ctl, struct control_client *c,
			uint64_t now)
{
	if (!c->out)
		return client_read(ctl, c, now);
	if (flush(c, now))
		return -1;
	/* Sent: the requests that waited behind it. */
	return c->out ? 0 : process_lines(ctl, c, now);
}

/* Connections. */

/* Whether the peer of fd has gid among its supplementary groups. */
static bool in_group(int fd, gid_t gid)
{
	gid_t small[64], *g = small;
	socklen_t len = sizeof(small);
	bool found = false;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len)) {
		if (errno != ERANGE)
			return false;
		g = malloc(len);
		if (!g || getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len)) {
			free(g);
			return false;
		}
	}
	for (size_t i = 0; i < len / sizeof(*g) && !found; i++)
		found = g[i] == gid;
	if (g != small)
		free(g);
	return found;
}

/* The peer of fd, if it may connect: 0, else -EACCES (or -errno). */
static int peer_of(const struct control *ctl, int fd,
		   struct control_peer *p)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return -errno;
	p->pid = cred.pid;
	p->uid = cred.uid;
	p->gid = cred.gid;
	p->admin = cred.uid == 0 || cred.uid == geteuid();
	if (p->admin)
		return 0;
	if (ctl->have_group &&
	    (cred.gid == ctl->group || in_group(fd, ctl->group)))
		return 0;
	return -EACCES;
}

/* Tell a client we do not keep why, as far as the socket takes it. */
static void refuse(int fd, const char *msg)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "{\"error\":\"%s\"}\n", msg);

	/* If it does not fit, the client sees the connection close. */
	if (n > 0 && (size_t)n < sizeof(line))
		send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void accept_clients(struct control *ctl)
{
	struct control_peer peer;
	int fd, ret;

	for (int k = 0; k < ACCEPT_PER_ROUND; k++) {
		fd = accept4(ctl->fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		ret = peer_of(ctl, fd, &peer);
		if (ret == -EACCES) {
			mlog(LOG_WARNING, "control: uid %u (pid %d) refused: "
			     "neither root nor in the control group",
			     (unsigned int)peer.uid, (int)peer.pid);
			refuse(fd, "permission denied");
			continue;
		}
		if (ret) {
			mlog(LOG_WARNING, "control: a client refused: no "
			     "credentials: %s", strerror(-ret));
			refuse(fd, "permission denied");
			continue;
		}
		if (ctl->n == CONTROL_MAX_CLIENTS) {
			mlog(LOG_WARNING, "control: uid %u (pid %d) refused: "
			     "already %d clients", (unsigned int)peer.uid,
			     (int)peer.pid, CONTROL_MAX_CLIENTS);
			refuse(fd, "too many clients");
			continue;
		}
		memset(&ctl->c[ctl->n], 0, sizeof(ctl->c[0]));
		ctl->c[ctl->n].fd = fd;
		ctl->c[ctl->n].peer = peer;
		ctl->n++;
	}
}

void control_process(struct control *ctl, const struct pollfd *pfd,
		     unsigned int n, uint64_t now)
{
	unsigned int nclients = ctl->n;
	int fds[CONTROL_MAX_CLIENTS];

	if (!n || ctl->fd < 0)
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
			if (client_event(ctl, &ctl->c[j], now))
				drop_client(ctl, j);
			break;
		}
	}
	for (unsigned int i = 0; i < ctl->n;) {
		struct control_client *c = &ctl->c[i];

		if (!c->out || now - c->out_since < CONTROL_STALL_MS) {
			i++;
			continue;
		}
		mlog(LOG_WARNING, "control: uid %u (pid %d) read none of its "
		     "reply (%zu bytes left) for %d s: dropped",
		     (unsigned int)c->peer.uid, (int)c->peer.pid,
		     c->out_len - c->out_off, CONTROL_STALL_MS / 1000);
		drop_client(ctl, i);
	}
	if (pfd[0].revents & POLLIN)
		accept_clients(ctl);
}
