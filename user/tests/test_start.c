// SPDX-License-Identifier: GPL-2.0
/*
 * mifd's start-up failures, from the outside: the daemon built next to
 * these tests (build/mifd) run as a child, without -d as systemd runs it
 * with syslog, must say on stderr why it did not start and exit 1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char mifd[PATH_MAX];

/* build/mifd, beside build/tests/. */
static int find_mifd(void **state)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return -1;
	self[n] = '\0';
	snprintf(mifd, sizeof(mifd), "%s/../mifd", dirname(self));
	return access(mifd, X_OK);
}

/*
 * Run mifd with args; its exit status, and its stderr in out. A mifd
 * still running after 20 s has started when it should not: killed, and
 * the test fails.
 */
static int run(char *const args[], char *out, size_t len)
{
	int fd[2], status = 0;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(fd[1], 2);
		close(fd[0]);
		close(fd[1]);
		execv(mifd, args);
		_exit(127);
	}
	close(fd[1]);
	fcntl(fd[0], F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 2000; i++) {
		while (got + 1 < len &&
		       (n = read(fd[0], out + got, len - 1 - got)) > 0)
			got += (size_t)n;
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (i == 1999) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("mifd still runs after 20 s");
		}
		usleep(10000);
	}
	while (got + 1 < len && (n = read(fd[0], out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd[0]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void no_config(void **state)
{
	char *args[] = { mifd, "-f", "/nonexistent.conf", NULL };
	char out[4096];

	assert_int_equal(run(args, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "/nonexistent.conf: No such file"));
	assert_non_null(strstr(out, "not started"));
}

/*
 * IKE's port taken: mifd says so and exits, instead of running on port
 * 4500 alone. The port is one of ours on 127.0.0.1, taken here first.
 */
static void port_taken(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	char dir[] = "/tmp/mif-start-XXXXXX", conf[64], sock[64];
	char want[96], out[4096];
	char *args[] = { mifd, "-f", conf, "-s", sock, NULL };
	FILE *f;
	int fd;

	if (geteuid())
		skip();		/* mifd needs XFRM netlink */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/mifd.conf", dir);
	snprintf(sock, sizeof(sock), "%s/mifd.sock", dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "[conn t]\nlocal = 127.0.0.1\nremote = 127.0.0.2\n"
		"local_port = %u\npsk = 0x8f4b1c2e9a7d6e5f403122110ffeeddc\n"
		"local_ts = 10.1.0.0/16\nremote_ts = 10.2.0.0/16\n",
		ntohs(sin.sin_port));
	fclose(f);
	assert_int_equal(run(args, out, sizeof(out)), 1);
	snprintf(want, sizeof(want), "cannot bind UDP 127.0.0.1 port %u: "
		 "Address already in use", ntohs(sin.sin_port));
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "not started"));
	close(fd);
	unlink(conf);
	unlink(sock);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_config),
		cmocka_unit_test(port_taken),
	};

	return cmocka_run_group_tests(tests, find_mifd, NULL);
}
