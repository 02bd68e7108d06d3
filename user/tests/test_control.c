// SPDX-License-Identifier: GPL-2.0
/*
 * mifd's control socket (daemon/control.c), on the host: unix sockets
 * in a temporary directory; clients in this process, or in forked
 * children that drop to uid 65534 (when run as root). bind(2) is wrapped
 * here to see the socket's mode the moment it exists.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/control.h"
#include "daemon/daemon.h"
#include "engine/ike_sa.h"
#include "ike/constants.h"

#define NOBODY		65534
#define SOME_GROUP	4242

static char dir[64];
static char path[96];
static int saved_stderr = -1;

/* The mode of the last unix socket bound, right after bind(). */
static mode_t bound_mode;

int bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	const struct sockaddr_un *sun = addr.__sockaddr_un__;
	struct stat st;
	int ret = (int)syscall(SYS_bind, fd, sun, len);

	if (!ret && sun->sun_family == AF_UNIX && sun->sun_path[0] &&
	    !lstat(sun->sun_path, &st))
		bound_mode = st.st_mode & 07777;
	return ret;
}

/* A handler: "big" gets a reply of 4 MiB, anything else its request. */
static struct json_object *handle(void *ctx, const struct control_peer *peer,
				  struct json_object *req)
{
	struct json_object *cmd, *o = json_object_new_object();

	if (json_object_object_get_ex(req, "cmd", &cmd) &&
	    !strcmp(json_object_get_string(cmd), "big")) {
		size_t n = 4u << 20;
		char *s = malloc(n + 1);

		assert_non_null(s);
		memset(s, 'x', n);
		s[n] = '\0';
		json_object_object_add(o, "big", json_object_new_string(s));
		free(s);
		return o;
	}
	json_object_object_add(o, "uid", json_object_new_int64(peer->uid));
	json_object_object_add(o, "admin",
			       json_object_new_boolean(peer->admin));
	return o;
}

static int setup(void **state)
{
	strcpy(dir, "/tmp/mif-control-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s/mifd.sock", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	if (saved_stderr >= 0) {	/* a test failed while logging */
		dup2(saved_stderr, 2);
		close(saved_stderr);
		saved_stderr = -1;
	}

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* stderr, where mlog writes, into a file while a test looks. */
static char logfile[96];

static void log_begin(void)
{
	int fd;

	snprintf(logfile, sizeof(logfile), "%s/log", dir);
	fd = open(logfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

/* What was logged since log_begin(), in buf. */
static const char *log_end(char *buf, size_t len)
{
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
	f = fopen(logfile, "r");
	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One round of the main loop's work for ctl, at now. */
static void round_at(struct control *ctl, int timeout, uint64_t now)
{
	struct pollfd pfd[1 + CONTROL_MAX_CLIENTS];
	unsigned int n = control_pollfds(ctl, pfd);

	assert_true(poll(pfd, n, timeout) >= 0);
	control_process(ctl, pfd, n, now);
}

static void round_(struct control *ctl, int timeout)
{
	round_at(ctl, timeout, now_ms());
}

static int client(const char *p)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", p);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		close(fd);
		return -errno;
	}
	return fd;
}

static void say(int fd, const char *line)
{
	size_t len = strlen(line);

	assert_int_equal(write(fd, line, len), (ssize_t)len);
}

/* Read one reply line from fd while ctl works. */
static void reply(struct control *ctl, int fd, char *buf, size_t len)
{
	size_t got = 0;

	for (int i = 0; i < 200 && !memchr(buf, '\n', got); i++) {
		ssize_t n;

		round_(ctl, 10);
		n = recv(fd, buf + got, len - 1 - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
		buf[got] = '\0';
	}
	assert_non_null(memchr(buf, '\n', got));
}

/* p's directory (in a static buffer). */
static const char *dirname_of(const char *p)
{
	static char d[sizeof(path)];

	snprintf(d, sizeof(d), "%s", p);
	*strrchr(d, '/') = '\0';
	return d;
}

static mode_t mode_of(const char *p)
{
	struct stat st;

	assert_int_equal(lstat(p, &st), 0);
	return st.st_mode & 07777;
}

/* The socket is 0600 from the moment it exists, whatever the umask. */
static void socket_mode(void **state)
{
	char lock[sizeof(path) + 8];
	struct control ctl;
	mode_t old = umask(0);

	bound_mode = 0;
	assert_int_equal(control_open(&ctl, path, NULL, handle, NULL), 0);
	assert_int_equal(umask(old), 0);	/* the umask is given back */
	assert_int_equal(bound_mode, 0600);
	assert_int_equal(mode_of(path), 0600);
	control_close(&ctl);
	assert_int_equal(access(path, F_OK), -1);

	/* A directory it makes can be entered by a control group. */
	snprintf(lock, sizeof(lock), "%s.lock", path);
	assert_int_equal(unlink(lock), 0);	/* left behind */
	assert_int_equal(rmdir(dirname_of(path)), 0);
	old = umask(077);
	assert_int_equal(control_open(&ctl, path, NULL, handle, NULL), 0);
	umask(old);
	assert_int_equal(mode_of(dirname_of(path)), 0755);
	control_close(&ctl);
}

/* The directory: never through a symlink, nobody else's, not shared. */
static void unsafe_dir(void **state)
{
	char real[160], link[160], sock[200], buf[4096];
	struct control ctl;

	snprintf(real, sizeof(real), "%s/real", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink(real, link), 0);
	snprintf(sock, sizeof(sock), "%s/mifd.sock", link);
	log_begin();
	assert_int_equal(control_open(&ctl, sock, NULL, handle, NULL),
			 -EPERM);
	log_end(buf, sizeof(buf));
	assert_non_null(strstr(buf, "a symlink is not followed"));
	snprintf(sock, sizeof(sock), "%s/mifd.sock", real);
	assert_int_equal(access(sock, F_OK), -1);

	/* Writable by others. */
	assert_int_equal(chmod(real, 0777), 0);
	log_begin();
	assert_int_equal(control_open(&ctl, sock, NULL, handle, NULL),
			 -EPERM);
	log_end(buf, sizeof(buf));
	assert_non_null(strstr(buf, "writable by no one else"));
	assert_int_equal(chmod(real, 0755), 0);

	/* Someone else's (only root can make it so). */
	if (!geteuid()) {
		assert_int_equal(chown(real, NOBODY, NOBODY), 0);
		assert_int_equal(control_open(&ctl, sock, NULL, handle, NULL),
				 -EPERM);
		assert_int_equal(chown(real, 0, 0), 0);
	}
	assert_int_equal(control_open(&ctl, sock, NULL, handle, NULL), 0);
	control_close(&ctl);
}

/* What is not a socket is not removed: a file, a symlink to one. */
static void not_a_socket(void **state)
{
	char file[160], buf[4096];
	struct control ctl;
	int fd;

	snprintf(file, sizeof(file), "%s/precious", dir);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(control_open(&ctl, path, NULL, handle, NULL), 0);
	control_close(&ctl);

	assert_int_equal(symlink(file, path), 0);
	log_begin();
	assert_int_equal(control_open(&ctl, path, NULL, handle, NULL),
			 -EEXIST);
	log_end(buf, sizeof(buf));
	assert_non_null(strstr(buf, "not removed"));
	assert_int_equal(access(file, F_OK), 0);
	unlink(path);

	assert_int_equal(rename(file, path), 0);
	assert_int_equal(control_open(&ctl, path, NULL, handle, NULL),
			 -EEXIST);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
}

/* A leftover socket is replaced; a live one is never taken over. */
static void stale_and_live(void **state)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct control a, b;
	char buf[256];
	int fd, c;

	/* A socket nobody listens on any more. */
	assert_int_equal(control_open(&a, path, NULL, handle, NULL), 0);
	control_close(&a);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	assert_int_equal(control_open(&a, path, NULL, handle, NULL), 0);

	/* A second mifd on the same socket: refused, the first untouched. */
	log_begin();
	assert_int_equal(control_open(&b, path, NULL, handle, NULL),
			 -EADDRINUSE);
	log_end(buf, sizeof(buf));
	assert_non_null(strstr(buf, "another mifd runs there"));
	c = client(path);
	assert_true(c >= 0);
	say(c, "{\"cmd\":\"hello\"}\n");
	reply(&a, c, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"admin\":true"));
	close(c);
	control_close(&a);

	/* A listener that is not mifd (no lock): not taken over either. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(control_open(&b, path, NULL, handle, NULL),
			 -EADDRINUSE);
	assert_int_equal(access(path, F_OK), 0);
	close(fd);
	unlink(path);
}

/*
 * A client that asks for a large reply and never reads: the loop goes
 * on (each round returns at once), other clients are answered, and the
 * client is dropped, logged, after CONTROL_STALL_MS.
 */
static void client_not_reading(void **state)
{
	struct control ctl;
	char buf[4096];
	uint64_t t0, now;
	int lazy, other;

	assert_int_equal(control_open(&ctl, path, NULL, handle, NULL), 0);
	lazy = client(path);
	assert_true(lazy >= 0);
	say(lazy, "{\"cmd\":\"big\"}\n{\"cmd\":\"hello\"}\n");
	t0 = now_ms();
	for (int i = 0; i < 5; i++)
		round_at(&ctl, 10, t0);
	assert_true(now_ms() - t0 < 2000);
	assert_int_equal(ctl.n, 1);
	assert_non_null(ctl.c[0].out);

	other = client(path);
	assert_true(other >= 0);
	say(other, "{\"cmd\":\"hello\"}\n");
	reply(&ctl, other, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"uid\""));

	now = now_ms();
	log_begin();
	round_at(&ctl, 0, now + CONTROL_STALL_MS);
	log_end(buf, sizeof(buf));
	assert_int_equal(ctl.n, 1);		/* the other one */
	assert_non_null(strstr(buf, "read none of its reply"));
	assert_non_null(strstr(buf, "dropped"));
	close(lazy);
	close(other);
	control_close(&ctl);
}

/* A slow reader gets its whole reply, then the next one. */
static void client_reading_slowly(void **state)
{
	static char big[(4u << 20) + 64];
	struct control ctl;
	size_t got = 0;
	int c;

	assert_int_equal(control_open(&ctl, path, NULL, handle, NULL), 0);
	c = client(path);
	assert_true(c >= 0);
	say(c, "{\"cmd\":\"big\"}\n{\"cmd\":\"hello\"}\n");
	for (int i = 0; i < 100000 && !memmem(big, got, "uid", 3); i++) {
		ssize_t n;

		round_(&ctl, 1);
		n = recv(c, big + got, sizeof(big) - 1 - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
	}
	assert_true(got > 4u << 20);
	assert_int_equal(memcmp(big, "{\"big\":\"xxx", 11), 0);
	assert_non_null(memmem(big, got, "xx\"}\n{\"uid\":", 12));
	close(c);
	control_close(&ctl);
}

/*
 * Run fn in a child as uid 65534 (with SOME_GROUP among its groups when
 * in_group) while ctl serves; its exit status.
 */
static int as_nobody(struct control *ctl, bool in_group,
		     int (*fn)(void))
{
	gid_t g = SOME_GROUP;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid) {
		if (setgroups(in_group ? 1 : 0, &g) || setgid(NOBODY) ||
		    setuid(NOBODY))
			_exit(99);
		_exit(fn());
	}
	for (int i = 0; i < 500; i++) {
		round_(ctl, 10);
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 98;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 97;
}

/* In the child: one request, its reply; 0 if want is in it. */
static const char *child_req, *child_want;

static int ask(void)
{
	char buf[512];
	size_t got = 0;
	int fd = client(path);

	if (fd < 0)
		return fd == -EACCES ? 10 : 11;
	/* Refused, it may find the socket closed: the reason is still read. */
	send(fd, child_req, strlen(child_req), MSG_NOSIGNAL);
	while (got < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(buf, '\n', got))
			break;
	}
	buf[got] = '\0';
	return strstr(buf, child_want) ? 0 : 13;
}

/*
 * Only root (and mifd's own user) may connect; with a control group, its
 * members too, for what the handler lets them do; everyone else is
 * refused and logged, even if the socket's mode would let them in.
 */
static void who_may_connect(void **state)
{
	gid_t g = SOME_GROUP;
	struct control ctl;
	char buf[4096];
	int rc;

	if (geteuid())
		skip();
	assert_int_equal(chmod(dir, 0755), 0);	/* others may look in */
	assert_int_equal(control_open(&ctl, path, NULL, handle, NULL), 0);
	child_req = "{\"cmd\":\"hello\"}\n";
	child_want = "\"admin\":false";
	/* Mode 0600: the file system keeps uid 65534 out. */
	assert_int_equal(as_nobody(&ctl, false, ask), 10);
	/* Even through a socket anyone could open: refused, logged. */
	assert_int_equal(chmod(path, 0666), 0);
	child_want = "permission denied";
	log_begin();
	rc = as_nobody(&ctl, true, ask);
	log_end(buf, sizeof(buf));
	assert_int_equal(rc, 0);
	assert_non_null(strstr(buf, "control: uid 65534"));
	assert_non_null(strstr(buf, "refused"));
	control_close(&ctl);

	/* The control group: its members get in, not as admin. */
	assert_int_equal(control_open(&ctl, path, &g, handle, NULL), 0);
	assert_int_equal(mode_of(path), 0660);
	child_want = "\"uid\":65534,\"admin\":false";
	assert_int_equal(as_nobody(&ctl, true, ask), 0);
	assert_int_equal(as_nobody(&ctl, false, ask), 10);
	control_close(&ctl);
}

/* mifd's commands for the control group: list and status only. */
static void group_commands(void **state)
{
	static struct daemon d;
	struct control_peer member = { .pid = 1, .uid = NOBODY };
	const char *reqs[] = { "up", "down", "rekey", "reload", "whatever" };
	struct json_object *req, *rep, *e;
	char buf[4096];

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		req = json_object_new_object();
		json_object_object_add(req, "cmd",
				       json_object_new_string(reqs[i]));
		json_object_object_add(req, "conn",
				       json_object_new_string("x"));
		log_begin();
		rep = daemon_request(&d, &member, req);
		log_end(buf, sizeof(buf));
		assert_true(json_object_object_get_ex(rep, "error", &e));
		assert_non_null(strstr(json_object_get_string(e),
				       "permission denied"));
		assert_non_null(strstr(buf, "uid 65534 (pid 1) refused"));
		json_object_put(req);
		json_object_put(rep);
	}
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("list"));
	rep = daemon_request(&d, &member, req);
	assert_false(json_object_object_get_ex(rep, "error", &e));
	assert_true(json_object_object_get_ex(rep, "ike_sas", &e));
	json_object_put(req);
	json_object_put(rep);
}

static const char *member_str(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) :
						     NULL;
}

static int64_t member_int(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) :
						     -1;
}

/* list: each IKE SA's identities as text, when it came up, its rekey. */
static void list_ids_times(void **state)
{
	static struct daemon d;
	static struct conn c = { .name = "x" };
	static struct ikesa sa;
	struct control_peer member = { .pid = 1, .uid = NOBODY };
	static const uint8_t peer[] = {
		IKE_ID_DER_ASN1_DN, 0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06,
		0x03, 0x55, 0x04, 0x06, 0x13, 0x02, 'C', 'H',
	};
	struct json_object *req, *rep, *a, *o;
	uint64_t now = daemon_now();

	c.local_id.type = IKE_ID_FQDN;
	c.local_id.len = 10;
	memcpy(c.local_id.data, "eu.example", 10);
	sa.conn = &c;
	sa.state = IKESA_ESTABLISHED;
	sa.peer_id = (uint8_t *)peer;
	sa.peer_id_len = sizeof(peer);
	sa.established_at = now - 5000;
	sa.last_heard = now;
	sa.rekey_at = now + 100000;
	d.engine.sas = &sa;

	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("list"));
	rep = daemon_request(&d, &member, req);
	assert_true(json_object_object_get_ex(rep, "ike_sas", &a));
	o = json_object_array_get_idx(a, 0);
	assert_non_null(o);
	assert_string_equal(member_str(o, "local_id"), "fqdn:eu.example");
	assert_string_equal(member_str(o, "remote_id"), "dn:C=CH");
	assert_in_range(member_int(o, "established_s"), 4, 6);
	assert_in_range(member_int(o, "rekey_s"), 98, 100);
	assert_int_equal(member_int(o, "reauth_s"), -1);
	assert_int_equal(strlen(member_str(o, "established_time")), 20);
	assert_int_equal(strlen(member_str(o, "rekey_time")), 20);
	json_object_put(rep);

	c.ike_reauth = true;
	rep = daemon_request(&d, &member, req);
	assert_true(json_object_object_get_ex(rep, "ike_sas", &a));
	o = json_object_array_get_idx(a, 0);
	assert_in_range(member_int(o, "reauth_s"), 98, 100);
	assert_int_equal(member_int(o, "rekey_s"), -1);
	json_object_put(rep);
	json_object_put(req);
	d.engine.sas = NULL;
}

/* interfaces: the engine's table, for the control group too. */
static void interfaces_reply(void **state)
{
	static struct daemon d;
	struct control_peer member = { .pid = 1, .uid = NOBODY };
	struct iface ifc = { .name = "eth1", .ifindex = 3, .up = true };
	struct json_object *req, *rep, *a, *f, *v;
	struct ip_addr addr;

	assert_int_equal(engine_iface_update(&d.engine, &ifc), 0);
	ifc = (struct iface){ .name = "eth0", .ifindex = 2 };
	assert_int_equal(engine_iface_update(&d.engine, &ifc), 0);
	assert_int_equal(ip_addr_parse("2001:db8::1", &addr), 0);
	assert_int_equal(engine_iface_addr(&d.engine, 2, &addr, true), 0);
	assert_int_equal(ip_addr_parse("192.0.2.1", &addr), 0);
	assert_int_equal(engine_iface_addr(&d.engine, 2, &addr, true), 0);

	req = json_object_new_object();
	json_object_object_add(req, "cmd",
			       json_object_new_string("interfaces"));
	rep = daemon_request(&d, &member, req);
	assert_false(json_object_object_get_ex(rep, "error", &v));
	assert_true(json_object_object_get_ex(rep, "interfaces", &a));
	assert_int_equal(json_object_array_length(a), 2);
	f = json_object_array_get_idx(a, 1);
	assert_string_equal(json_object_to_json_string_ext(f,
				JSON_C_TO_STRING_PLAIN),
			    "{\"id\":2,\"name\":\"eth0\",\"ifindex\":2,"
			    "\"priority\":null,\"state\":\"down\","
			    "\"addresses\":[\"192.0.2.1\",\"2001:db8::1\"],"
			    "\"ignored_addresses\":0}");
	f = json_object_array_get_idx(a, 0);
	assert_true(json_object_object_get_ex(f, "state", &v));
	assert_string_equal(json_object_get_string(v), "up");
	json_object_put(req);
	json_object_put(rep);
	iface_table_free(&d.engine.ifaces);
}

/* iface del ADDR [conn NAME]: its arguments, and an address no IKE SA has. */
static void iface_del_reply(void **state)
{
	static struct daemon d;
	struct control_peer admin = { .pid = 1, .uid = 0, .admin = true };
	static const char *const bad[][3] = {
		{ NULL }, { "192.0.2.1", "conn" }, { "192.0.2.1", "x", "y" },
		{ "eth1" },
	};
	static const char *const why[] = {
		"iface del needs ADDR [conn NAME]",
		"iface del needs ADDR [conn NAME]",
		"iface del needs ADDR [conn NAME]",
		"iface del: \"eth1\" is not an IP address",
	};
	static const char *const none[] = { "192.0.2.11", "conn", "c" };
	struct json_object *req, *rep, *args, *v;

	for (size_t i = 0; i <= sizeof(bad) / sizeof(bad[0]); i++) {
		const char *const *argv = i < sizeof(bad) / sizeof(bad[0]) ?
					  bad[i] : none;

		req = json_object_new_object();
		args = json_object_new_array();
		json_object_object_add(req, "cmd",
				       json_object_new_string("iface"));
		json_object_object_add(req, "op", json_object_new_string("del"));
		for (int k = 0; k < 3 && argv[k]; k++)
			json_object_array_add(args,
					      json_object_new_string(argv[k]));
		json_object_object_add(req, "args", args);
		rep = daemon_request(&d, &admin, req);
		assert_true(json_object_object_get_ex(rep, "error", &v));
		assert_string_equal(json_object_get_string(v),
				    i < sizeof(bad) / sizeof(bad[0]) ? why[i] :
				    "iface del 192.0.2.11: no IKE SA has it (no "
				    "Child SA on it, not announced)");
		json_object_put(req);
		json_object_put(rep);
	}
}

/* iface move: its arguments, and the reply of a move with no IKE SA. */
static struct json_object *iface_move_argv(struct daemon *d,
					   const char *const *argv, int n)
{
	struct control_peer admin = { .pid = 1, .uid = 0, .admin = true };
	struct json_object *req = json_object_new_object();
	struct json_object *args = json_object_new_array();
	struct json_object *rep;

	json_object_object_add(req, "cmd", json_object_new_string("iface"));
	json_object_object_add(req, "op", json_object_new_string("move"));
	for (int i = 0; i < n && argv[i]; i++)
		json_object_array_add(args, json_object_new_string(argv[i]));
	json_object_object_add(req, "args", args);
	rep = daemon_request(d, &admin, req);
	json_object_put(req);
	return rep;
}

static struct json_object *iface_move(struct daemon *d, const char *a0,
				      const char *a1, const char *a2)
{
	const char *argv[3] = { a0, a1, a2 };

	return iface_move_argv(d, argv, 3);
}

static void iface_move_reply(void **state)
{
	static struct daemon d;
	struct json_object *rep, *v;

	d.have_engine = true;
	rep = iface_move(&d, "192.0.2.11", NULL, NULL);
	assert_string_equal(member_str(rep, "error"),
			    "iface move: usage: move OLD NEW [peer] "
			    "[conn NAME]");
	json_object_put(rep);
	/* conn needs its name; peer is said once. */
	rep = iface_move_argv(&d, (const char *const[]){ "192.0.2.11",
			      "192.0.2.111", "conn" }, 3);
	assert_true(json_object_object_get_ex(rep, "error", &v));
	json_object_put(rep);
	rep = iface_move_argv(&d, (const char *const[]){ "192.0.2.11",
			      "192.0.2.111", "peer", "peer" }, 4);
	assert_true(json_object_object_get_ex(rep, "error", &v));
	json_object_put(rep);
	rep = iface_move_argv(&d, (const char *const[]){ "198.51.100.12",
			      "198.51.100.42", "conn", "a", "peer" }, 5);
	assert_false(json_object_object_get_ex(rep, "error", &v));
	assert_string_equal(member_str(rep, "summary"), "move 198.51.100.12 "
			    "-> 198.51.100.42 (the peer's): started on 0 IKE "
			    "SAs");
	json_object_put(rep);
	rep = iface_move(&d, "192.0.2.11", "192.0.2.111", "theirs");
	assert_true(json_object_object_get_ex(rep, "error", &v));
	json_object_put(rep);
	rep = iface_move(&d, "192.0.2.11", "2001:db8::1", NULL);
	assert_string_equal(member_str(rep, "error"), "iface move: OLD and "
			    "NEW must be two addresses of one family");
	json_object_put(rep);
	rep = iface_move(&d, "192.0.2.11", "eth1", NULL);
	assert_true(json_object_object_get_ex(rep, "error", &v));
	json_object_put(rep);
	rep = iface_move(&d, "198.51.100.12", "198.51.100.42", "peer");
	assert_false(json_object_object_get_ex(rep, "error", &v));
	assert_string_equal(member_str(rep, "summary"), "move 198.51.100.12 "
			    "-> 198.51.100.42 (the peer's): started on 0 IKE "
			    "SAs");
	assert_true(json_object_object_get_ex(rep, "started", &v));
	assert_int_equal(json_object_array_length(v), 0);
	json_object_put(rep);
}

/*
 * The last failure of each connection: recorded from the engine's
 * FAILED event, kept across a reload for a connection of the same name,
 * shown by list and status; and list, which ike up -w asks ten times a
 * second, writes nothing to the debug log.
 */
static void last_error(void **state)
{
	static struct daemon d;
	static struct conf c1, c2;
	static struct conf_conn cc1[2], cc2[1];
	struct control_peer admin = { .pid = 1, .uid = 0, .admin = true };
	struct engine_failure ef = {
		.notify = 24, .final = true, .why = "IKE_AUTH refused",
	};
	struct json_object *req, *rep, *a, *e;
	char buf[4096];
	int level = log_get_level();

	snprintf(cc1[0].name, sizeof(cc1[0].name), "one");
	snprintf(cc1[1].name, sizeof(cc1[1].name), "two");
	snprintf(cc2[0].name, sizeof(cc2[0].name), "two");
	for (int i = 0; i < 2; i++)
		cc1[i].conn.name = cc1[i].name;
	cc2[0].conn.name = cc2[0].name;
	c1.conns = cc1;
	c1.n_conns = 2;
	c2.conns = cc2;
	c2.n_conns = 1;
	assert_int_equal(failures_renew(&d.failures, NULL, &c1), 0);
	d.conf = &c1;
	failures_record(&d.failures, d.conf, &cc1[1].conn, 0, &ef, 5000);
	assert_null(failures_get(&d.failures, 0));
	assert_non_null(failures_get(&d.failures, 1));
	/* Reloaded: "two" keeps it, now the first. */
	assert_int_equal(failures_renew(&d.failures, &c1, &c2), 0);
	d.conf = &c2;
	assert_non_null(failures_get(&d.failures, 0));
	assert_string_equal(failures_get(&d.failures, 0)->why,
			    "IKE_AUTH refused");
	/* An IKE SA of the old configuration: by name. */
	ef.why = "again";
	failures_record(&d.failures, d.conf, &cc1[1].conn, 0x0123456789abcdefULL,
			&ef, 6000);
	assert_string_equal(failures_get(&d.failures, 0)->why, "again");

	log_set_level(LOG_DEBUG);
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("list"));
	json_object_object_add(req, "conn", json_object_new_string("two"));
	log_begin();
	rep = daemon_request(&d, &admin, req);
	log_end(buf, sizeof(buf));
	log_set_level(level);
	assert_string_equal(buf, "");
	assert_true(json_object_object_get_ex(rep, "last_errors", &a));
	assert_int_equal(json_object_array_length(a), 1);
	e = json_object_array_get_idx(a, 0);
	assert_string_equal(json_object_get_string(
		json_object_object_get(e, "conn")), "two");
	assert_string_equal(json_object_get_string(
		json_object_object_get(e, "reason")), "again");
	assert_int_equal(json_object_get_int(
		json_object_object_get(e, "notify")), 24);
	assert_string_equal(json_object_get_string(
		json_object_object_get(e, "notify_name")),
		"AUTHENTICATION_FAILED");
	assert_non_null(json_object_object_get(e, "time"));
	/* SPIs as ip xfrm prints them, and mifctl show -j too. */
	assert_string_equal(json_object_get_string(
		json_object_object_get(e, "spi_i")), "0x0123456789abcdef");
	json_object_put(req);
	json_object_put(rep);
	failures_free(&d.failures);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(interfaces_reply),
		cmocka_unit_test(iface_del_reply),
		cmocka_unit_test(iface_move_reply),
		cmocka_unit_test_setup_teardown(socket_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(unsafe_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(not_a_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_and_live, setup,
						teardown),
		cmocka_unit_test_setup_teardown(client_not_reading, setup,
						teardown),
		cmocka_unit_test_setup_teardown(client_reading_slowly, setup,
						teardown),
		cmocka_unit_test_setup_teardown(who_may_connect, setup,
						teardown),
		cmocka_unit_test_setup_teardown(last_error, setup, teardown),
		cmocka_unit_test_setup_teardown(list_ids_times, setup,
						teardown),
		cmocka_unit_test_setup_teardown(group_commands, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
