// SPDX-License-Identifier: GPL-2.0
/*
 * spi_alloc: what one inbound SPI costs with N SAs in the namespace, the
 * kernel's way against mifd's (user/backend/spi.h), in one run.
 *
 *   spi_alloc [N...]        (default 1000 10000 100000)
 *
 * Run as root in a network namespace of its own with esp4 loaded (in the
 * VM: unshare -n build/bench/spi_alloc). It installs SAs (AES-GCM, tunnel
 * mode, 10.99.0.2 -> 10.99.0.1, SPIs from mifd's backend, a reqid each as
 * mifd gives each Child SA; XFRM files SAs of one address pair and reqid
 * in one chain, which each add walks) up to each N,
 * then times SPI_ALLOC_K (default 200) allocations each way, each followed
 * by its release:
 *   kernel  XFRM_MSG_ALLOCSPI over the whole range (a larval SA), then
 *           XFRM_MSG_DELSA of it: how strongSwan, Libreswan and mifd
 *           before it reserve an SPI
 *   mifd    the backend's alloc_spi (a random SPI, checked with
 *           XFRM_MSG_GETAE) and del_sa (nothing was added)
 * and prints, per N, microseconds per allocation and release each way
 * and their ratio. Not a test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/backend.h"
#include "backend/xfrm.h"
#include "ike/constants.h"
#include "nlreq.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static struct ip_addr local, peer;

static int add_one(struct backend *b, uint32_t reqid)
{
	struct kernel_sa sa;
	uint32_t spi;
	int err;

	err = b->ops->alloc_spi(b, &peer, &local, reqid, &spi);
	if (err)
		return err;
	memset(&sa, 0, sizeof(sa));
	sa.src = peer;
	sa.dst = local;
	sa.spi = spi;
	sa.mode = KERNEL_MODE_TUNNEL;
	sa.reqid = reqid;
	sa.encr = IKE_ENCR_AES_GCM_16;
	sa.encr_key_bits = 128;
	sa.encr_key_len = 20;
	memset(sa.encr_key, 0x5a, sa.encr_key_len);
	sa.replay_window = 32;
	return b->ops->add_sa(b, &sa);
}

static int parse_spi(struct nlmsghdr *nlh, void *arg)
{
	struct xfrm_usersa_info *info;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    !nlmsg_valid_hdr(nlh, sizeof(*info)))
		return -EBADMSG;
	info = nlmsg_data(nlh);
	*(uint32_t *)arg = ntohl(info->id.spi);
	return 0;
}

/* XFRM_MSG_ALLOCSPI as a key manager sends it: a larval SA's SPI. */
static int kernel_alloc(struct nl_sock *sk, uint32_t *spi)
{
	struct xfrm_userspi_info req;
	struct nlreq_result res;
	struct nl_msg *msg;

	memset(&req, 0, sizeof(req));
	req.info.id.daddr.a4 = local.v4.s_addr;
	req.info.saddr.a4 = peer.v4.s_addr;
	req.info.id.proto = IPPROTO_ESP;
	req.info.family = AF_INET;
	req.info.reqid = 1;
	req.info.mode = XFRM_MODE_TUNNEL;
	req.min = 0x100;
	req.max = 0xffffffffu;
	msg = nlmsg_alloc_simple(XFRM_MSG_ALLOCSPI, 0);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &req, sizeof(req), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	*spi = 0;
	return nlreq_run(sk, msg, parse_spi, spi, &res);
}

int main(int argc, char **argv)
{
	static const unsigned long dflt[] = { 1000, 10000, 100000 };
	unsigned long k = 200, have = 0;
	struct backend b;
	struct nl_sock *sk;
	int nsteps = argc > 1 ? argc - 1 : 3;

	if (getenv("SPI_ALLOC_K"))
		k = strtoul(getenv("SPI_ALLOC_K"), NULL, 10);
	if (ip_addr_parse("10.99.0.1", &local) ||
	    ip_addr_parse("10.99.0.2", &peer))
		return 1;
	if (xfrm_backend_open(&b)) {
		fprintf(stderr, "spi_alloc: cannot open XFRM: %s\n",
			xfrm_backend_error(&b));
		return 1;
	}
	sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_XFRM)) {
		fprintf(stderr, "spi_alloc: no XFRM socket\n");
		return 1;
	}
	printf("%10s %14s %14s %8s\n", "SAs", "kernel us", "mifd us",
	       "ratio");
	for (int s = 0; s < nsteps; s++) {
		unsigned long n = argc > 1 ? strtoul(argv[s + 1], NULL, 10) :
					     dflt[s];
		double t0, tk, tm;
		int err = 0;

		for (; have < n; have++) {
			err = add_one(&b, (uint32_t)have + 1);
			if (err) {
				fprintf(stderr, "spi_alloc: SA %lu: %s: %s\n",
					have, strerror(-err),
					xfrm_backend_error(&b));
				return 1;
			}
		}
		t0 = now_us();
		for (unsigned long i = 0; i < k && !err; i++) {
			uint32_t spi;

			err = kernel_alloc(sk, &spi);
			if (!err)
				err = b.ops->del_sa(&b, &local, spi, 0, 0);
		}
		tk = now_us();
		for (unsigned long i = 0; i < k && !err; i++) {
			uint32_t spi;

			err = b.ops->alloc_spi(&b, &peer, &local, 1, &spi);
			if (!err)
				err = b.ops->del_sa(&b, &local, spi, 0, 0);
		}
		tm = now_us();
		if (err) {
			fprintf(stderr, "spi_alloc: %s: %s\n", strerror(-err),
				xfrm_backend_error(&b));
			return 1;
		}
		printf("%10lu %14.1f %14.1f %7.1fx\n", n, (tk - t0) / k,
		       (tm - tk) / k, (tk - t0) / (tm - tk));
		fflush(stdout);
	}
	nl_socket_free(sk);
	b.ops->destroy(&b);
	return 0;
}
