// SPDX-License-Identifier: GPL-2.0
/*
 * mifd under systemd (Type=notify): the daemon built next to these
 * tests (build/mifd), started with NOTIFY_SOCKET naming a socket of the
 * test, says READY=1 once started, RELOADING=1 then READY=1 around a
 * reload (SIGHUP), STOPPING=1 on SIGTERM, each with a STATUS= line; and
 * tools/mifd.service passes systemd-analyze verify.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char mifd[PATH_MAX];
static pid_t child;	/* a mifd still running when a test fails */

static int kill_child(void **state)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = 0;
	}
	return 0;
}

/*
 * build/mifd, beside build/tests/ wherever the build directory is; the
 * source tree is the one make was run in (MIF_SRCDIR, from the Makefile).
 */
static int find_mifd(void **state)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *tests;

	if (n < 0)
		return -1;
	self[n] = '\0';
	tests = dirname(self);
	snprintf(mifd, sizeof(mifd), "%s/../mifd", tests);
	return access(mifd, X_OK);
}

/* The next datagram on fd, within 20 s, into buf. */
static void next(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, 20000) != 1)
		fail_msg("no notification from mifd in 20 s");
	n = recv(fd, buf, len - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
}

static void ready_reload_stop(void **state)
{
	char dir[] = "/tmp/mif-notify-XXXXXX", conf[64], sock[64];
	char *args[] = { mifd, "-d", "-f", conf, "-s", sock, NULL };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[256];
	int fd, status;
	FILE *f;

	if (geteuid())
		skip();		/* mifd needs XFRM netlink */
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/mifd.conf", dir);
	snprintf(sock, sizeof(sock), "%s/mifd.sock", dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/notify", dir);
	/* No connection: nothing bound that another test might hold. */
	f = fopen(conf, "w");
	assert_non_null(f);
	fclose(f);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);

	child = fork();
	assert_true(child >= 0);
	if (!child) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		setenv("NOTIFY_SOCKET", sun.sun_path, 1);
		execv(mifd, args);
		_exit(127);
	}
	next(fd, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1\nSTATUS=0 connections, 0 IKE SAs up");

	kill(child, SIGHUP);
	next(fd, buf, sizeof(buf));
	assert_true(!strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27));
	next(fd, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1\nSTATUS=0 connections, 0 IKE SAs up");

	kill(child, SIGTERM);
	next(fd, buf, sizeof(buf));
	assert_string_equal(buf,
			    "STOPPING=1\nSTATUS=0 connections, 0 IKE SAs up");
	assert_int_equal(waitpid(child, &status, 0), child);
	child = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	close(fd);
	unlink(sun.sun_path);
	unlink(conf);
	unlink(sock);
	rmdir(dir);
}

/* The unit as make install writes it, mifd's path rewritten. */
static void unit_verifies(void **state)
{
	char dir[] = "/tmp/mif-unit-XXXXXX", cmd[3 * PATH_MAX], out[4096];
	size_t n;
	FILE *p;

	if (access("/usr/bin/systemd-analyze", X_OK))
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "(sed 's|/usr/local/sbin/mifd|%s|g' "
		 "%s/tools/mifd.service >%s/mifd.service && "
		 "systemd-analyze verify --man=no %s/mifd.service) 2>&1",
		 mifd, MIF_SRCDIR, dir, dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	if (pclose(p))
		fail_msg("systemd-analyze verify: %s", out);
	assert_string_equal(out, "");
	snprintf(cmd, sizeof(cmd), "%s/mifd.service", dir);
	unlink(cmd);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(ready_reload_stop, kill_child),
		cmocka_unit_test(unit_verifies),
	};

	return cmocka_run_group_tests(tests, find_mifd, NULL);
}
