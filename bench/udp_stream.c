// SPDX-License-Identifier: GPL-2.0
/*
 * A paced UDP stream and its receiver, for bench/failover.sh:
 *
 *   udp_stream send SRC DST PORT RATE SECONDS [BURST]
 *   udp_stream recv ADDR PORT RATE SECONDS
 *
 * The sender sends RATE datagrams a second for SECONDS from SRC to
 * DST:PORT, datagram k due k / RATE seconds after the first and carrying
 * k. When it runs late (the emulator was descheduled), the slots already
 * past are skipped, not sent in a burst that would overflow queues and
 * count as losses of the path; the last one is always sent. A send that
 * fails (no route, the address gone) is counted and the stream goes on.
 * At the end it prints
 *
 *   sent=N send_errors=E skipped=S late_max_ms=L
 *
 * N + E datagrams were handed to the kernel or tried to be.
 *
 * BURST (default 1, at most 64): the sender wakes when the last of BURST
 * slots is due and sends them in one sendmmsg; when it runs late it keeps
 * the last BURST slots past and skips the others. A rate an emulated guest
 * cannot reach one wake-up per datagram (10,000/s) it reaches this way,
 * each datagram up to BURST / RATE s late.
 *
 * The receiver takes the datagrams numbered below RATE * SECONDS on
 * ADDR:PORT; it stops shortly after the last one came, or SECONDS + 3 s
 * after the first one (30 s if none comes), and prints
 *
 *   received=R duplicates=D gap_ms=G gap_from_ms=F recovered=yes|no
 *
 * received counts distinct sequence numbers: the datagrams lost are the
 * sender's N + E minus R. Its socket buffer is made large (as root), so
 * that a late reader loses nothing. gap is the longest time without a
 * datagram: between two arrivals, or, when the stream's last datagrams
 * never came, from the last arrival to when the last one was due (when
 * that is the longest, recovered=no: the stream did not come back).
 * gap_from is when that gap began, from the first arrival.
 *
 * For bench/load_move.sh, whose operations take as long as they take:
 * SIGTERM or SIGINT ends the sender early. It then sends, five times, an
 * end datagram carrying the count it sent (sequence number with the top
 * bit set), and prints seconds=T as well: the rate it achieved is sent / T.
 * The receiver takes that count as the stream's length. SIGTERM ends the
 * receiver too (when no end datagram came through); then the tail is
 * counted to the signal. SIGUSR1 to the receiver marks a moment (a link
 * going down); it then also prints
 *
 *   mark_gap_ms=G mark_resumed_ms=R
 *
 * G: the longest time without a datagram in an interval that ends after
 * the mark; R: when that interval ended, ms after the mark (the first
 * datagram after the outage; -1 when none came).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
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

#define MAX_COUNT (1u << 24)
#define END_MARK (1ull << 63)
#define MAX_BURST 64

static volatile sig_atomic_t stop, marked;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_mark(int sig)
{
	(void)sig;
	marked = 1;
}

/* Signal handlers without SA_RESTART, so that poll and sleeps return. */
static void catch(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

struct datagram {
	uint64_t seq;	/* network order */
	uint64_t sent;	/* CLOCK_MONOTONIC ns when sent, network order */
	uint8_t pad[48];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t be64(uint64_t v)
{
	return ((uint64_t)htonl((uint32_t)v) << 32) | htonl((uint32_t)(v >> 32));
}

static int addr_of(const char *s, uint16_t port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, s, &sin->sin_addr) != 1) {
		fprintf(stderr, "udp_stream: not an IPv4 address: %s\n", s);
		return -1;
	}
	return 0;
}

static int number(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *v == 0 || *v > max) {
		fprintf(stderr, "udp_stream: not a number from 1 to %lu: %s\n", max, s);
		return -1;
	}
	return 0;
}

static int do_send(const char *src, const char *dst, uint16_t port,
		   unsigned long rate, unsigned long secs, unsigned long burst)
{
	struct sockaddr_in from, to;
	struct datagram d[MAX_BURST];
	struct mmsghdr msgs[MAX_BURST];
	struct iovec iov[MAX_BURST];
	uint64_t n = (uint64_t)rate * secs, k = 0, t0, due, t, late_max = 0;
	uint64_t sent = 0, errors = 0, skipped = 0, last, now_slot, i, cnt, off;
	struct timespec ts;
	int fd, r;

	if (addr_of(src, 0, &from) || addr_of(dst, port, &to))
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&from, sizeof(from))) {
		perror("udp_stream: socket or bind");
		return 1;
	}
	memset(d, 0, sizeof(d));
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < burst; i++) {
		iov[i].iov_base = &d[i];
		iov[i].iov_len = sizeof(d[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
	}
	catch(SIGTERM, on_stop);
	catch(SIGINT, on_stop);
	t0 = now_ns();
	while (k < n && !stop) {
		/* Wake when the last slot of this burst is due. */
		last = k + burst - 1 < n - 1 ? k + burst - 1 : n - 1;
		due = t0 + last * 1000000000u / rate;
		t = now_ns();
		if (t < due) {
			ts.tv_sec = (time_t)(due / 1000000000u);
			ts.tv_nsec = (long)(due % 1000000000u);
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR &&
			       !stop)
				;
			if (stop)
				break;
			t = now_ns();
		}
		if (t > due && t - due > late_max)
			late_max = t - due;
		/*
		 * Running late, skip the slots already past but the last
		 * burst's worth (never the stream's last slot).
		 */
		now_slot = (t - t0) * rate / 1000000000u;
		if (now_slot > n - 1)
			now_slot = n - 1;
		if (now_slot < last)
			now_slot = last;
		if (now_slot - k + 1 > burst) {
			skipped += now_slot + 1 - burst - k;
			k = now_slot + 1 - burst;
		}
		cnt = now_slot - k + 1;
		t = be64(now_ns());
		for (i = 0; i < cnt; i++) {
			d[i].seq = be64(k + i);
			d[i].sent = t;
		}
		for (off = 0; off < cnt;) {
			r = sendmmsg(fd, msgs + off, (unsigned int)(cnt - off), 0);
			if (r <= 0) {
				errors++;	/* no route, address gone: the next */
				off++;
			} else {
				sent += (uint64_t)r;
				off += (uint64_t)r;
			}
		}
		k += cnt;
	}
	t = now_ns();
	if (stop) {
		/* The slots sent or tried: the receiver's stream length. */
		d[0].seq = be64(END_MARK | k);
		for (i = 0; i < 5; i++) {
			sendto(fd, &d[0], sizeof(d[0]), 0, (struct sockaddr *)&to, sizeof(to));
			usleep(10000);
		}
	}
	printf("sent=%" PRIu64 " send_errors=%" PRIu64 " skipped=%" PRIu64
	       " late_max_ms=%.1f seconds=%.3f\n", sent, errors, skipped,
	       late_max / 1e6, (t - t0) / 1e9);
	close(fd);
	return 0;
}

static int do_recv(const char *addr, uint16_t port, unsigned long rate,
		   unsigned long secs)
{
	uint64_t n = (uint64_t)rate * secs, got = 0, dups = 0, seq;
	uint64_t first = 0, last = 0, t, end, gap = 0, gap_from = 0, last_seq = 0;
	uint64_t mark = 0, mark_resumed = 0;
	int tail = 0, ended = 0;
	struct sockaddr_in sin;
	struct datagram d[MAX_BURST];
	struct mmsghdr msgs[MAX_BURST];
	struct iovec iov[MAX_BURST];
	struct pollfd p;
	uint8_t *seen;
	int fd, timeout, size = 8 << 20, r, j;

	if (addr_of(addr, port, &sin))
		return 2;
	if (n > MAX_COUNT) {
		fprintf(stderr, "udp_stream: at most %u datagrams\n", MAX_COUNT);
		return 2;
	}
	seen = calloc(n, 1);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (!seen || fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		perror("udp_stream: socket or bind");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	memset(msgs, 0, sizeof(msgs));
	for (j = 0; j < MAX_BURST; j++) {
		iov[j].iov_base = &d[j];
		iov[j].iov_len = sizeof(d[j]);
		msgs[j].msg_hdr.msg_iov = &iov[j];
		msgs[j].msg_hdr.msg_iovlen = 1;
	}
	catch(SIGTERM, on_stop);
	catch(SIGUSR1, on_mark);
	end = now_ns() + 30000000000u;
	p.fd = fd;
	p.events = POLLIN;
	while (got < n) {
		t = now_ns();
		if (marked && !mark)
			mark = t;
		if (t >= end || stop)
			break;
		timeout = (int)((end - t) / 1000000u) + 1;
		if (poll(&p, 1, timeout) <= 0)
			continue;
		r = recvmmsg(fd, msgs, MAX_BURST, MSG_DONTWAIT, NULL);
		if (r <= 0)
			continue;
		t = now_ns();
		for (j = 0; j < r; j++) {
			if (msgs[j].msg_len != sizeof(d[j]))
				continue;
			seq = be64(d[j].seq);
			if (seq & END_MARK) {
				seq &= ~END_MARK;
				if (!ended && seq && seq <= n) {
					ended = 1;
					n = seq;
					end = t + 200000000u;
				}
				continue;
			}
			if (seq >= n)
				continue;
			if (seen[seq]) {
				dups++;
				continue;
			}
			seen[seq] = 1;
			if (!got) {
				first = t;
				end = t + (secs + 3) * 1000000000u;
			} else if (t - last > gap) {
				gap = t - last;
				gap_from = last - first;
			}
			if (mark && !mark_resumed && be64(d[j].sent) >= mark)
				mark_resumed = t;
			last = t;
			if (seq > last_seq)
				last_seq = seq;
			got++;
			/* The last one: wait a little for any overtaken. */
			if (seq == n - 1 && end > t + 200000000u)
				end = t + 200000000u;
		}
	}
	/* Datagrams counted past the end datagram's count. */
	if (got > n)
		got = n;
	/*
	 * The tail that never came: from the last arrival to when it was due,
	 * or to the signal that ended the receiver.
	 */
	if (got && last_seq < n - 1) {
		t = stop && !ended ? now_ns() : first + (n - 1) * 1000000000u / rate;
		if (t > last && t - last > gap) {
			gap = t - last;
			gap_from = last - first;
			tail = 1;
		}
	}
	printf("received=%" PRIu64 " duplicates=%" PRIu64
	       " gap_ms=%.1f gap_from_ms=%.1f recovered=%s\n",
	       got, dups, gap / 1e6, gap_from / 1e6,
	       got && !tail ? "yes" : "no");
	if (mark)
		printf("mark_resumed_ms=%.1f\n",
		       mark_resumed ? (mark_resumed - mark) / 1e6 : -1.0);
	free(seen);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long port, rate, secs, burst = 1;

	if ((argc == 7 || argc == 8) && !strcmp(argv[1], "send")) {
		if (number(argv[4], 65535, &port) || number(argv[5], 1000000, &rate) ||
		    number(argv[6], 3600, &secs) ||
		    (argc == 8 && number(argv[7], MAX_BURST, &burst)))
			return 2;
		return do_send(argv[2], argv[3], (uint16_t)port, rate, secs, burst);
	}
	if (argc == 6 && !strcmp(argv[1], "recv")) {
		if (number(argv[3], 65535, &port) || number(argv[4], 1000000, &rate) ||
		    number(argv[5], 3600, &secs))
			return 2;
		return do_recv(argv[2], (uint16_t)port, rate, secs);
	}
	fprintf(stderr, "usage: udp_stream send SRC DST PORT RATE SECONDS [BURST]\n"
			"       udp_stream recv ADDR PORT RATE SECONDS\n");
	return 2;
}
