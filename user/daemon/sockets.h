/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mifd's IKE sockets: one UDP socket per local address and port (500 and
 * 4500) of the configured connections. On port 4500 IKE messages carry
 * the 4-byte non-ESP marker (RFC 3948), added on send and checked and
 * removed on receipt; the kernel decapsulates the ESP that arrives there
 * (UDP_ENCAP_ESPINUDP), and a NAT keepalive, one 0xff byte, is sent
 * without the marker.
 */
#ifndef MIF_DAEMON_SOCKETS_H
#define MIF_DAEMON_SOCKETS_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define SOCKETS_MAX	130
#define IKE_NATT_PORT	4500

struct ike_socket {
	int fd;
	struct ip_addr addr;
	uint16_t port;
	unsigned int mark;	/* sockets_sync: still wanted */
};

struct sockets {
	unsigned int n;
	struct ike_socket s[SOCKETS_MAX];
};

void sockets_init(struct sockets *ss);
/* Start a new round: every socket unwanted until sockets_want(). */
void sockets_begin(struct sockets *ss);
/* Keep or open the socket of addr/port. 0 or -errno. */
int sockets_want(struct sockets *ss, const struct ip_addr *addr,
		 uint16_t port);
/* Close the sockets not wanted since sockets_begin(). */
void sockets_end(struct sockets *ss);
void sockets_close(struct sockets *ss);

/* Send buf from local/lport to remote/rport; 0 or -errno. */
int sockets_send(struct sockets *ss, const struct ip_addr *local,
		 uint16_t lport, const struct ip_addr *remote, uint16_t rport,
		 const uint8_t *buf, size_t len);

/*
 * Read one datagram from socket i. Returns the IKE message length (the
 * marker removed) with the addresses filled in, 0 for a datagram to
 * ignore, or -errno (-EAGAIN when nothing is waiting).
 */
int sockets_recv(struct sockets *ss, unsigned int i, uint8_t *buf,
		 size_t size, struct ip_addr *local, uint16_t *lport,
		 struct ip_addr *remote, uint16_t *rport);

#endif
