// SPDX-License-Identifier: GPL-2.0
/*
 * TCP goodput of a few bulk flows, for bench/aggregate.sh:
 *
 *   tcp_goodput recv ADDR PORT FLOWS WARMUP SECONDS
 *   tcp_goodput send SRC DST PORT SECONDS
 *
 * The sender connects from SRC to DST:PORT and writes as fast as TCP
 * takes it for SECONDS, or until the receiver closes. The receiver
 * accepts FLOWS connections on ADDR:PORT (30 s at most), reads them all,
 * and counts the bytes that reached it in a window of SECONDS that opens
 * WARMUP seconds after the last accept (slow start and the shapers'
 * first bursts left out). Then it closes and prints a line per flow and
 * their sum:
 *
 *   flow SRC:PORT mbit=M
 *   total mbit=M seconds=S
 *
 * Mbit/s of TCP payload (goodput), 10^6 bits.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FLOWS 16
#define BUF (64 * 1024)

static char buf[BUF];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int addr_of(const char *s, uint16_t port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, s, &sin->sin_addr) != 1) {
		fprintf(stderr, "tcp_goodput: not an IPv4 address: %s\n", s);
		return -1;
	}
	return 0;
}

static int number(const char *s, unsigned long min, unsigned long max,
		  unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *v < min || *v > max) {
		fprintf(stderr, "tcp_goodput: not a number from %lu to %lu: %s\n",
			min, max, s);
		return -1;
	}
	return 0;
}

static int do_send(const char *src, const char *dst, uint16_t port,
		   unsigned long secs)
{
	struct sockaddr_in from, to;
	uint64_t end;
	int fd;

	if (addr_of(src, 0, &from) || addr_of(dst, port, &to))
		return 2;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&from, sizeof(from)) ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to))) {
		fprintf(stderr, "tcp_goodput: %s to %s:%u: %s\n", src, dst, port,
			strerror(errno));
		return 1;
	}
	memset(buf, 'm', sizeof(buf));
	end = now_ns() + secs * 1000000000u;
	while (now_ns() < end) {
		/* The receiver closing at the end of its window is no error. */
		if (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) < 0 && errno != EINTR)
			break;
	}
	close(fd);
	return 0;
}

static int do_recv(const char *addr, uint16_t port, unsigned long flows,
		   unsigned long warmup, unsigned long secs)
{
	uint64_t bytes[MAX_FLOWS] = { 0 }, at_open[MAX_FLOWS] = { 0 };
	struct sockaddr_in sin, peers[MAX_FLOWS];
	struct pollfd p[MAX_FLOWS];
	uint64_t t, open_at, close_at, opened = 0, sum = 0;
	socklen_t alen;
	unsigned long i;
	int lfd, one = 1;
	char name[INET_ADDRSTRLEN];
	ssize_t n;

	if (addr_of(addr, port, &sin))
		return 2;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, MAX_FLOWS)) {
		perror("tcp_goodput: listen");
		return 1;
	}
	p[0].fd = lfd;
	p[0].events = POLLIN;
	for (i = 0; i < flows; i++) {
		if (poll(p, 1, 30000) <= 0) {
			fprintf(stderr, "tcp_goodput: %lu of %lu flows connected in 30 s\n",
				i, flows);
			return 1;
		}
		alen = sizeof(peers[i]);
		p[i].fd = accept(lfd, (struct sockaddr *)&peers[i], &alen);
		if (p[i].fd < 0) {
			perror("tcp_goodput: accept");
			return 1;
		}
		p[i].events = POLLIN;
	}
	close(lfd);
	open_at = now_ns() + warmup * 1000000000u;
	close_at = open_at + secs * 1000000000u;
	while ((t = now_ns()) < close_at) {
		if (!opened && t >= open_at) {
			memcpy(at_open, bytes, sizeof(bytes));
			opened = t;
		}
		if (poll(p, flows, 100) <= 0)
			continue;
		for (i = 0; i < flows; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = recv(p[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0)
				bytes[i] += (uint64_t)n;
			else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				p[i].fd = -p[i].fd - 1;	/* ended: poll skips it */
		}
	}
	t = now_ns();
	if (!opened)
		opened = t;
	for (i = 0; i < flows; i++) {
		inet_ntop(AF_INET, &peers[i].sin_addr, name, sizeof(name));
		printf("flow %s:%u mbit=%.2f\n", name, ntohs(peers[i].sin_port),
		       (bytes[i] - at_open[i]) * 8 / ((t - opened) / 1e9) / 1e6);
		sum += bytes[i] - at_open[i];
		close(p[i].fd < 0 ? -p[i].fd - 1 : p[i].fd);
	}
	printf("total mbit=%.2f seconds=%.2f\n", sum * 8 / ((t - opened) / 1e9) / 1e6,
	       (t - opened) / 1e9);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long port, flows, warmup, secs;

	if (argc == 6 && !strcmp(argv[1], "send")) {
		if (number(argv[4], 1, 65535, &port) || number(argv[5], 1, 3600, &secs))
			return 2;
		return do_send(argv[2], argv[3], (uint16_t)port, secs);
	}
	if (argc == 7 && !strcmp(argv[1], "recv")) {
		if (number(argv[3], 1, 65535, &port) ||
		    number(argv[4], 1, MAX_FLOWS, &flows) ||
		    number(argv[5], 0, 600, &warmup) || number(argv[6], 1, 3600, &secs))
			return 2;
		return do_recv(argv[2], (uint16_t)port, flows, warmup, secs);
	}
	fprintf(stderr, "usage: tcp_goodput send SRC DST PORT SECONDS\n"
			"       tcp_goodput recv ADDR PORT FLOWS WARMUP SECONDS\n");
	return 2;
}
