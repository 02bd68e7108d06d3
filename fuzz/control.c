// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the control socket (user/daemon/control.c) and the
 * requests behind it (daemon_request() in user/daemon/daemon.c).
 *
 * The input is what a client writes: byte 0 sets the size of the pieces
 * the rest arrives in (1 to 2041 bytes), so that lines are split across
 * reads as on a real socket. A daemon with a fixed configuration and a
 * fake kernel reads them through one end of a socket pair; every answer
 * it writes must be one line holding a JSON object.
 *
 * The daemon is set up through its own requests: the configuration is
 * loaded and "reload"ed, which starts the connections marked start =
 * yes. Their IKE_SA_INIT requests go nowhere. Where the process may, it
 * moves to a network namespace of its own first, so that the IKE sockets
 * a reload opens are nobody else's business.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/control.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "tests/harness.h"

static const char config[] =
	"[mifd]\n"
	"log_level = error\n"
	"cookie_threshold = 5\n"
	"[conn wifi]\n"
	"local = 10.1.1.1\n"
	"remote = 10.1.1.2\n"
	"local_id = fqdn:eu.example.org\n"
	"remote_id = fqdn:sg.example.org\n"
	"psk = 0x8f4b1c2e9a7d6e5f403122110ffeeddccbbaa998\n"
	"local_ts = 172.16.1.1/32, 172.16.9.0/24[udp/4096-8191]\n"
	"remote_ts = 172.17.0.0/24\n"
	"start = yes\n"
	"[conn lte]\n"
	"local = 10.1.2.1\n"
	"remote = 10.1.2.2\n"
	"psk = correct horse battery staple\n"
	"ike = aes256gcm16-prf_sha256-x25519\n"
	"esp = chacha20poly1305, aes256gcm16\n"
	"[conn any]\n"
	"local = 10.1.3.1\n"
	"remote = %any\n"
	"remote_id = %any\n"
	"psk = anyone who knows these words\n"
	"remote_ts = 0.0.0.0/0\n"
	"[conn backup]\n"
	"local = fd01:4::1\n"
	"remote = fd01:4::2\n"
	"psk = 0x00112233445566778899aabbccddeeff\n"
	"mode = transport\n"
	"start = yes\n";

static struct daemon d;
static struct fake fake;

static void no_send(void *ctx, const struct ip_addr *local, uint16_t lport,
		    const struct ip_addr *remote, uint16_t rport,
		    const uint8_t *buf, size_t len)
{
}

static void fail(const char *what, const char *line)
{
	fprintf(stderr, "control: %s: \"%s\"\n", what, line);
	abort();
}

/* Each answer is one line of JSON, an object. */
static void check_answers(char *buf, size_t len)
{
	char *p = buf, *nl;

	buf[len] = '\0';
	while ((nl = strchr(p, '\n'))) {
		struct json_object *o;

		*nl = '\0';
		o = json_tokener_parse(p);
		if (!o || !json_object_is_type(o, json_type_object))
			fail("an answer that is not a JSON object", p);
		json_object_put(o);
		p = nl + 1;
	}
	if (*p)
		fail("an answer without its newline", p);
}

/* Read what the daemon answered, whole lines, and check them. */
static void drain(int fd)
{
	static char buf[1 << 20];
	static size_t len;
	ssize_t n;
	char *end;

	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		end = strrchr(buf, '\n');
		if (!end)
			continue;
		check_answers(buf, (size_t)(end + 1 - buf));
		len -= (size_t)(end + 1 - buf);
		memmove(buf, end + 1, len);
	}
	if (n == 0 && len)
		fail("an answer cut short", buf);
	if (n == 0)
		len = 0;
}

/* One round of the daemon's loop, for the client only. */
static void process(void)
{
	struct pollfd pfd[2] = {
		{ .fd = -1 },
		{ .fd = d.ctl.c[0].fd, .events = POLLIN | POLLOUT,
		  .revents = POLLIN | POLLOUT },
	};

	control_process(&d.ctl, pfd, 2, daemon_now());
}

/* The client: root, allowed every command. */
static const struct control_peer root = { .admin = true };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct engine_send s = { no_send, NULL };
	struct json_object *req, *reply;
	char err[4096];
	int fd;

	if (unshare(CLONE_NEWNET))
		fprintf(stderr, "control: no network namespace of its own "
			"(%s): a reload opens IKE sockets here\n",
			strerror(errno));
	fd = memfd_create("mifd.conf", MFD_CLOEXEC);
	if (fd < 0 || write(fd, config, sizeof(config) - 1) < 0)
		abort();
	snprintf(d.conf_path, sizeof(d.conf_path), "/proc/self/fd/%d", fd);
	log_open(true, LOG_ERR);
	if (conf_load(d.conf_path, &d.conf, err, sizeof(err))) {
		fprintf(stderr, "%s", err);
		abort();
	}
	fake.b.ops = &fake_ops;
	fake.b.priv = &fake;
	fake.next_spi = 0xc0000000u;
	d.backend = fake.b;
	if (engine_init(&d.engine, &d.backend, &s))
		abort();
	d.have_engine = true;
	d.start_ms = daemon_now();
	/* A listening socket's stand-in: never polled, nothing to accept. */
	d.ctl.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	d.ctl.lock_fd = -1;
	if (d.ctl.fd < 0)
		abort();
	d.ctl.handle = daemon_request;
	d.ctl.ctx = &d;
	req = json_tokener_parse("{\"cmd\": \"reload\"}");
	reply = daemon_request(&d, &root, req);
	if (!json_object_object_get_ex(reply, "ok", NULL))
		fail("reload refused", json_object_to_json_string(reply));
	json_object_put(req);
	json_object_put(reply);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2], big = 1 << 20;
	size_t piece, off;

	if (!size)
		return 0;
	piece = 1 + (size_t)data[0] * 8;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sv))
		abort();
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	d.ctl.n = 1;
	memset(&d.ctl.c[0], 0, sizeof(d.ctl.c[0]));
	d.ctl.c[0].fd = sv[0];
	d.ctl.c[0].peer = root;
	for (off = 1; off < size && d.ctl.n; off += piece) {
		size_t n = size - off < piece ? size - off : piece;

		if (write(sv[1], data + off, n) != (ssize_t)n)
			abort();
		process();
		drain(sv[1]);
	}
	shutdown(sv[1], SHUT_WR);
	for (int i = 0; d.ctl.n && i < 10000; i++) {
		process();
		drain(sv[1]);
	}
	if (d.ctl.n)
		fail("the client was not let go at its end", "");
	drain(sv[1]);
	close(sv[1]);
	return 0;
}
