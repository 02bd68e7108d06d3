// SPDX-License-Identifier: GPL-2.0
/*
 * mifd's IKE sockets.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <linux/ipsec.h>
#include <linux/xfrm.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/log.h"
#include "daemon/sockets.h"

void sockets_init(struct sockets *ss)
{
	memset(ss, 0, sizeof(*ss));
}

void sockets_begin(struct sockets *ss)
{
	for (unsigned int i = 0; i < ss->n; i++)
		ss->s[i].mark = 0;
}

static struct ike_socket *find(struct sockets *ss, const struct ip_addr *a,
			       uint16_t port)
{
	for (unsigned int i = 0; i < ss->n; i++)
		if (ss->s[i].port == port && ip_addr_equal(&ss->s[i].addr, a))
			return &ss->s[i];
	return NULL;
}

static void to_sockaddr(const struct ip_addr *a, uint16_t port,
			struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->v4;
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = a->v6;
		*len = sizeof(*sin6);
	}
}

/*
 * IKE itself must not go through the SAs it negotiates (a transport-mode
 * Child SA between the same addresses would catch it): per-socket bypass
 * policies, both directions, as every IKE daemon does.
 */
static int bypass_policies(int fd, int family)
{
	struct xfrm_userpolicy_info pol;
	int level = family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	int opt = family == AF_INET ? IP_XFRM_POLICY : IPV6_XFRM_POLICY;

	memset(&pol, 0, sizeof(pol));
	pol.action = XFRM_POLICY_ALLOW;
	pol.sel.family = (uint16_t)family;
	pol.lft.soft_byte_limit = XFRM_INF;
	pol.lft.hard_byte_limit = XFRM_INF;
	pol.lft.soft_packet_limit = XFRM_INF;
	pol.lft.hard_packet_limit = XFRM_INF;
	pol.dir = XFRM_POLICY_OUT;
	if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0)
		return -errno;
	pol.dir = XFRM_POLICY_IN;
	if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0)
		return -errno;
	return 0;
}

static int open_socket(const struct ip_addr *a, uint16_t port)
{
	struct sockaddr_storage sa;
	socklen_t len;
	int one = 1, fd, ret;

	fd = socket(a->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->family == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		/* The address may come later (an interface still down). */
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			   sizeof(one));
#ifdef IPV6_FREEBIND
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
#endif
	}
	ret = bypass_policies(fd, a->family);
	if (ret)
		mlog(LOG_WARNING, "no IPsec bypass policy on the IKE socket: "
		     "%s", strerror(-ret));
	/*
	 * Port 4500 carries ESP in UDP too (RFC 3948): the kernel takes
	 * the ESP packets and keepalives off this socket and leaves it
	 * those with the non-ESP marker, IKE.
	 */
	if (port == IKE_NATT_PORT) {
		int encap = UDP_ENCAP_ESPINUDP;

		if (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &encap,
			       sizeof(encap)) < 0)
			mlog(LOG_WARNING, "UDP port %u: no ESP-in-UDP "
			     "decapsulation (UDP_ENCAP): %s", port,
			     strerror(errno));
	}
	to_sockaddr(a, port, &sa, &len);
	if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int sockets_want(struct sockets *ss, const struct ip_addr *addr,
		 uint16_t port)
{
	struct ike_socket *s = find(ss, addr, port);
	char buf[IP_ADDR_STRLEN];
	int fd;

	if (s) {
		s->mark = 1;
		return 0;
	}
	if (ss->n == SOCKETS_MAX)
		return -ENOSPC;
	fd = open_socket(addr, port);
	ip_addr_str(addr, buf, sizeof(buf));
	if (fd < 0) {
		mlog(LOG_ERR, "cannot bind UDP %s port %u: %s", buf, port,
		     strerror(-fd));
		return fd;
	}
	mlog(LOG_INFO, "listening on UDP %s port %u", buf, port);
	s = &ss->s[ss->n++];
	s->fd = fd;
	s->addr = *addr;
	s->port = port;
	s->mark = 1;
	return 0;
}

void sockets_end(struct sockets *ss)
{
	unsigned int i = 0;

	while (i < ss->n) {
		if (ss->s[i].mark) {
			i++;
			continue;
		}
		close(ss->s[i].fd);
		ss->s[i] = ss->s[--ss->n];
	}
}

void sockets_close(struct sockets *ss)
{
	sockets_begin(ss);
	sockets_end(ss);
}

int sockets_send(struct sockets *ss, const struct ip_addr *local,
		 uint16_t lport, const struct ip_addr *remote, uint16_t rport,
		 const uint8_t *buf, size_t len)
{
	static const uint8_t marker[4];
	struct ike_socket *s = find(ss, local, lport);
	struct sockaddr_storage sa;
	struct iovec iov[2];
	struct msghdr mh;
	socklen_t salen;
	int n = 0;

	if (!s)
		return -ENOTCONN;
	to_sockaddr(remote, rport, &sa, &salen);
	/* A NAT keepalive (one 0xff byte, RFC 3948 §2.3) goes bare. */
	if (lport == IKE_NATT_PORT && !(len == 1 && buf[0] == 0xff)) {
		iov[n].iov_base = (void *)marker;
		iov[n++].iov_len = sizeof(marker);
	}
	iov[n].iov_base = (void *)buf;
	iov[n++].iov_len = len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &sa;
	mh.msg_namelen = salen;
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)n;
	if (sendmsg(s->fd, &mh, 0) < 0)
		return -errno;
	return 0;
}

int sockets_recv(struct sockets *ss, unsigned int i, uint8_t *buf,
		 size_t size, struct ip_addr *local, uint16_t *lport,
		 struct ip_addr *remote, uint16_t *rport)
{
	struct ike_socket *s = &ss->s[i];
	struct sockaddr_storage sa;
	union {
		char buf[256];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { buf, size };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &sa;
	mh.msg_namelen = sizeof(sa);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	n = recvmsg(s->fd, &mh, 0);
	if (n < 0)
		return -errno;
	if (mh.msg_flags & MSG_TRUNC)
		return 0;
	*local = s->addr;
	*lport = s->port;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			ip_addr_from_bytes(local, &pi.ipi_addr, 4);
		} else if (cm->cmsg_level == IPPROTO_IPV6 &&
			   cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			ip_addr_from_bytes(local, &pi.ipi6_addr, 16);
		}
	}
	if (sa.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&sa;

		ip_addr_from_bytes(remote, &sin->sin_addr, 4);
		*rport = ntohs(sin->sin_port);
	} else if (sa.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa;

		ip_addr_from_bytes(remote, &sin6->sin6_addr, 16);
		*rport = ntohs(sin6->sin6_port);
	} else {
		return 0;
	}
	if (s->port == IKE_NATT_PORT) {
		/* Not IKE without the marker (ESP, or a keepalive). */
		if (n < 4 || buf[0] || buf[1] || buf[2] || buf[3])
			return 0;
		memmove(buf, buf + 4, (size_t)n - 4);
		n -= 4;
	}
	return (int)n;
}
