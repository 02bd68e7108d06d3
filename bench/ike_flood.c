// SPDX-License-Identifier: GPL-2.0
/*
 * ike_flood: IKE_SA_INIT requests from forged source addresses, for
 * bench/flood.sh (a benchmark, run in its own network namespace: it
 * writes raw IPv4 packets).
 *
 *   ike_flood DST PORT PREFIX LEN RATE SECONDS GROUP
 *
 * Every request comes from a random address of PREFIX/LEN and a random
 * port, with a new initiator SPI, nonce and KE value: to the responder,
 * each is a new peer. It offers the proposal of mifd's default list that
 * holds GROUP: 31 (x25519: AES-GCM-16-256, PRF-HMAC-SHA2-256) or 14
 * (MODP-2048: AES-CBC-128, HMAC-SHA2-256-128, PRF-HMAC-SHA2-256).
 *
 * RATE requests a second (0: none), in bursts at most every millisecond
 * (so that at high rates it does not wake more often), for SECONDS
 * or RATE x SECONDS requests, whichever ends first, or until SIGTERM.
 * Prints one line:
 *
 *   RESULT sent=N seconds=T rate=R
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IP_HDR		20
#define UDP_HDR		8
#define NONCE_LEN	32
#define MAX_PKT		1024

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "ike_flood: %s: %s\n", what, strerror(errno));
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift64*: fast, and random enough to look like many peers. */
static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(next() >> 56);
}

static uint8_t *put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p = put16(p, v >> 16);
	return put16(p, v & 0xffff);
}

/* One transform substructure (RFC 7296 §3.3.2). */
static uint8_t *transform(uint8_t *p, int last, int type, int id, int bits)
{
	*p++ = last ? 0 : 3;
	*p++ = 0;
	p = put16(p, bits ? 12 : 8);
	*p++ = (uint8_t)type;
	*p++ = 0;
	p = put16(p, (unsigned int)id);
	if (bits) {
		p = put16(p, 0x800e);	/* Key Length, TV */
		p = put16(p, (unsigned int)bits);
	}
	return p;
}

/*
 * The IKE message of a request, with its SPI, KE value and nonce left to
 * fill: their offsets in *spi, *ke, *nonce. Returns its length.
 */
static size_t ike_template(uint8_t *m, int group, size_t *spi, size_t *ke,
			   size_t *ke_len, size_t *nonce)
{
	uint8_t *p = m, *sa, *prop;

	*ke_len = group == 14 ? 256 : 32;
	*spi = 0;
	memset(p, 0, 16);	/* SPIs */
	p += 16;
	*p++ = 33;		/* SA */
	*p++ = 0x20;		/* IKEv2 */
	*p++ = 34;		/* IKE_SA_INIT */
	*p++ = 0x08;		/* initiator */
	p = put32(p, 0);	/* message ID */
	p = put32(p, 0);	/* length, below */

	sa = p;
	*p++ = 34;		/* next: KE */
	*p++ = 0;
	p = put16(p, 0);
	prop = p;
	*p++ = 0;		/* last proposal */
	*p++ = 0;
	p = put16(p, 0);
	*p++ = 1;		/* number */
	*p++ = 1;		/* IKE */
	*p++ = 0;		/* no SPI */
	*p++ = group == 14 ? 4 : 3;
	/* Types 1 ENCR, 2 PRF, 3 INTEG, 4 DH. */
	if (group == 14) {
		p = transform(p, 0, 1, 12, 128);	/* AES-CBC-128 */
		p = transform(p, 0, 3, 12, 0);	/* HMAC-SHA2-256-128 */
	} else {
		p = transform(p, 0, 1, 20, 256);	/* AES-GCM-16-256 */
	}
	p = transform(p, 0, 2, 5, 0);		/* HMAC-SHA2-256 */
	p = transform(p, 1, 4, group, 0);
	put16(prop + 2, (unsigned int)(p - prop));
	put16(sa + 2, (unsigned int)(p - sa));

	*p++ = 40;		/* next: Nonce */
	*p++ = 0;
	p = put16(p, (unsigned int)(8 + *ke_len));
	p = put16(p, (unsigned int)group);
	p = put16(p, 0);
	*ke = (size_t)(p - m);
	p += *ke_len;

	*p++ = 0;		/* last payload */
	*p++ = 0;
	p = put16(p, 4 + NONCE_LEN);
	*nonce = (size_t)(p - m);
	p += NONCE_LEN;

	put32(m + 24, (uint32_t)(p - m));
	return (size_t)(p - m);
}

int main(int argc, char **argv)
{
	uint8_t pkt[MAX_PKT], *ip = pkt, *udp = pkt + IP_HDR;
	uint8_t *ike = pkt + IP_HDR + UDP_HDR;
	size_t spi, ke, ke_len, nonce, len;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct in_addr prefix;
	uint32_t base, mask;
	unsigned long rate, seconds, tried = 0, sent = 0, total;
	unsigned int plen;
	double start, t;
	int fd, group;

	if (argc != 8) {
		fprintf(stderr, "usage: ike_flood DST PORT PREFIX LEN RATE "
			"SECONDS GROUP\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[3], &prefix) != 1) {
		fprintf(stderr,
			"ike_flood: DST and PREFIX are IPv4 addresses\n");
		return 2;
	}
	plen = (unsigned int)strtoul(argv[4], NULL, 10);
	rate = strtoul(argv[5], NULL, 10);
	seconds = strtoul(argv[6], NULL, 10);
	group = atoi(argv[7]);
	if (plen < 8 || plen > 30 || (group != 14 && group != 31)) {
		fprintf(stderr, "ike_flood: LEN 8..30, GROUP 14 or 31\n");
		return 2;
	}
	mask = ~0u << (32 - plen);
	base = ntohl(prefix.s_addr) & mask;
	total = rate * seconds;
	if (getrandom(&rng, sizeof(rng), 0) != sizeof(rng) || !rng)
		rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);	/* IP_HDRINCL */
	if (fd < 0)
		die("raw socket");

	memset(pkt, 0, sizeof(pkt));
	len = ike_template(ike, group, &spi, &ke, &ke_len, &nonce);
	ip[0] = 0x45;
	put16(ip + 2, (unsigned int)(IP_HDR + UDP_HDR + len));
	ip[8] = 64;			/* TTL */
	ip[9] = IPPROTO_UDP;		/* ID and checksum: the kernel's */
	memcpy(ip + 16, &dst.sin_addr, 4);
	put16(udp + 2, (unsigned int)strtoul(argv[2], NULL, 10));
	put16(udp + 4, (unsigned int)(UDP_HDR + len));	/* no UDP sum */

	start = now();
	while (!stop && tried < total) {
		t = now() - start;
		if (t >= (double)seconds)
			break;
		/* Catch up with the rate... */
		while (tried < total && tried < (unsigned long)(t * rate)) {
			uint32_t src = htonl(base | ((uint32_t)next() & ~mask));

			memcpy(ip + 12, &src, 4);
			put16(udp, 1024 + (unsigned int)(next() % 64512));
			fill(ike + spi, 8);
			fill(ike + ke, ke_len);
			fill(ike + nonce, NONCE_LEN);
			tried++;
			if (sendto(fd, pkt, IP_HDR + UDP_HDR + len, 0,
				   (struct sockaddr *)&dst, sizeof(dst)) >= 0)
				sent++;
			else if (errno != ENOBUFS && errno != EAGAIN)
				die("sendto");
		}
		/* ...then sleep until the next is due (1 ms at least). */
		t = (double)(tried + 1) / rate - (now() - start);
		usleep(t > 0.001 ? (useconds_t)(t * 1e6) : 1000);
	}
	t = now() - start;
	printf("RESULT sent=%lu seconds=%.3f rate=%.0f\n", sent, t,
	       t > 0 ? sent / t : 0);
	return 0;
}
