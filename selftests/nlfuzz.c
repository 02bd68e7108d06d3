// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: feed the xfrm_mif family random and mutated requests, and see
 * that it answers every one of them and is still there afterwards.
 *
 *   nlfuzz [-v] [-s SEED] [-n COUNT] [-a ADDRS] [-p SPI-BASE]
 *
 * Each request is first built well formed for a command chosen at random
 * (every command, dumps, numbers past the last one), over the addresses of
 * ADDRS (a comma-separated list, those of the test's topology; default
 * 10.99.1.1,10.99.1.2) and the SPIs from SPI-BASE on (default 0x1000),
 * so that many requests reach the code behind the parser. Most are then
 * broken in one of these ways: an attribute of a wrong type or length, an
 * address nest with both, neither or a bad value, nests of garbage several
 * levels deep, lists far past the module's limits, stray attributes of
 * any number, random bytes flipped, a message cut short, an attribute
 * length that lies, a wrong command or version in the generic header, the
 * dump flag on a command that has none.
 *
 * Every request asks for an acknowledgement. Netlink runs a request in the
 * sender's system call, so its answer is queued when send returns; the
 * socket is drained without waiting (which also pulls the rest of a dump).
 * The events group is joined on a second socket and drained alongside.
 *
 * The same SEED sends the same requests (what the kernel answers depends
 * on what else changes meanwhile). The seed is printed first: rerun with
 * -s to replay. At the end it prints how many requests were answered with
 * each error, and a well-formed GET_INFO must still be answered with the
 * family's version; -v also names each request refused without a message
 * or an attribute at fault (command, mutation, error). Exits 0 if so, 1 if not or if a request went
 * unanswered, 2 on a bad command line or set-up.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/xfrm_mif.h>
#include <netinet/in.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "extack.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define MAX_ADDRS	32
#define MSG_MAX		65536
#define NERRNO		256

static uint64_t rng_state;

/* splitmix64: small, fast, and the same sequence everywhere. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n). */
static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

/* True one time in n. */
static int one_in(uint32_t n)
{
	return below(n) == 0;
}

static void rnd_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)rnd();
}

static struct ip_addr addrs[MAX_ADDRS];
static unsigned int naddrs;
static uint32_t spi_base = 0x1000;

struct stats {
	unsigned long sent, acked, dumps_done, replies, events;
	unsigned long err[NERRNO];
	unsigned long no_msg[NERRNO];	/* refusals without a message */
	unsigned long unanswered;
};

static struct stats st;
static int family;
static int verbose;
static uint8_t cur_cmd;		/* of the request in flight, for -v */
static const char *cur_mut;

/* An address of the topology, now and then one it does not have. */
static void pick_addr(struct ip_addr *a)
{
	if (naddrs && !one_in(8)) {
		*a = addrs[below(naddrs)];
		return;
	}
	memset(a, 0, sizeof(*a));
	a->family = one_in(2) ? AF_INET : AF_INET6;
	switch (below(4)) {
	case 0:		/* unspecified */
		break;
	case 1:		/* near the topology's */
		if (naddrs) {
			*a = addrs[below(naddrs)];
			a->bytes[ip_addr_len(a) - 1] ^= (uint8_t)(1 + below(255));
		}
		break;
	default:
		rnd_bytes(a->bytes, ip_addr_len(a));
	}
}

/* An address nest; with @bad, one of the ways to get it wrong. */
static void put_addr_nest(struct nl_msg *m, int type, const struct ip_addr *a,
			  int bad)
{
	struct nlattr *nest = nla_nest_start(m, type);
	unsigned char junk[40];
	int inner = a->family == AF_INET ? XFRM_MIF_ADDR_A_INET :
					   XFRM_MIF_ADDR_A_INET6;

	if (!nest)
		return;
	rnd_bytes(junk, sizeof(junk));
	switch (bad ? 1 + below(6) : 0) {
	case 0:
		nla_put(m, inner, (int)ip_addr_len(a), a->bytes);
		break;
	case 1:		/* both families */
		nla_put(m, XFRM_MIF_ADDR_A_INET, 4, junk);
		nla_put(m, XFRM_MIF_ADDR_A_INET6, 16, junk + 4);
		break;
	case 2:		/* neither */
		break;
	case 3:		/* a wrong length */
		nla_put(m, inner, (int)below(24), junk);
		break;
	case 4:		/* an unknown type */
		nla_put(m, 3 + below(100), (int)below(20), junk);
		break;
	case 5:		/* the same twice */
		nla_put(m, inner, (int)ip_addr_len(a), a->bytes);
		nla_put(m, inner, (int)ip_addr_len(a), junk);
		break;
	default:	/* a nest inside the nest */
		put_addr_nest(m, inner, a, 0);
		break;
	}
	nla_nest_end(m, nest);
}

/* Garbage nests, @depth levels deep at most. */
static void put_garbage(struct nl_msg *m, int type, int depth)
{
	unsigned char junk[64];
	struct nlattr *nest;
	unsigned int i, n;

	if (depth <= 0 || one_in(3)) {
		rnd_bytes(junk, sizeof(junk));
		nla_put(m, type, (int)below(sizeof(junk)), junk);
		return;
	}
	nest = nla_nest_start(m, type);
	if (!nest)
		return;
	n = 1 + below(4);
	for (i = 0; i < n; i++)
		put_garbage(m, (int)below(12), depth - 1);
	nla_nest_end(m, nest);
}

/*
 * A number attribute: of the right size, or now and then of another shape
 * (wrong size, a nest, empty) when the request is to be broken that way.
 */
static void put_num(struct nl_msg *m, int type, int size, uint32_t v, int bad)
{
	uint64_t big = rnd();

	if (bad && one_in(4)) {
		switch (below(4)) {
		case 0:
			nla_put(m, type, 0, NULL);
			break;
		case 1:
			nla_put(m, type, 8, &big);
			break;
		case 2:
			nla_put(m, type, 1 + (size == 1), &big);
			break;
		default:
			put_garbage(m, type, 2);
			break;
		}
		return;
	}
	if (size == 1)
		nla_put_u8(m, type, (uint8_t)v);
	else if (size == 2)
		nla_put_u16(m, type, (uint16_t)v);
	else
		nla_put_u32(m, type, v);
}

static void put_filters(struct nl_msg *m, int bad)
{
	if (one_in(4))
		put_num(m, XFRM_MIF_A_MARK, 4, below(4) << 4, bad);
	if (one_in(6))
		put_num(m, XFRM_MIF_A_MARK_MASK, 4, one_in(2) ? 0xf0 : ~0U, bad);
	if (one_in(5))
		put_num(m, XFRM_MIF_A_IF_ID, 4, below(3), bad);
	if (one_in(6))
		put_num(m, XFRM_MIF_A_REQID, 4, below(4), bad);
	if (one_in(6))
		put_num(m, XFRM_MIF_A_REQID_MASK, 4,
			one_in(2) ? 0xfffff000 : ~0U, bad);
}

static void put_flags(struct nl_msg *m, int bad)
{
	if (one_in(2))
		put_num(m, XFRM_MIF_A_FLAGS, 4,
			one_in(8) ? (uint32_t)rnd() : XFRM_MIF_OPF_DRY_RUN, bad);
}

static void put_ports(struct nl_msg *m, int port, int peer, int bad)
{
	if (one_in(6))
		put_num(m, port, 2, htons(one_in(2) ? 4500 : (uint16_t)rnd()), bad);
	if (one_in(6))
		put_num(m, peer, 2, htons(one_in(2) ? 4500 : (uint16_t)rnd()), bad);
}

/* How many entries a list gets: a few, or now and then far too many. */
static unsigned int list_len(int huge)
{
	if (huge)
		return below(2) ? 17 + below(40) : 200 + below(800);
	return below(4);
}

static void put_addr_list(struct nl_msg *m, int type, int bad, int huge)
{
	struct nlattr *nest = nla_nest_start(m, type);
	unsigned int i, n = list_len(huge);
	struct ip_addr a;

	if (!nest)
		return;
	for (i = 0; i < n; i++) {
		pick_addr(&a);
		if (bad && one_in(5))
			put_garbage(m, one_in(2) ? XFRM_MIF_A_ADDR : (int)below(30), 2);
		else
			put_addr_nest(m, XFRM_MIF_A_ADDR, &a, bad && one_in(5));
	}
	nla_nest_end(m, nest);
}

static void put_clone_ent(struct nl_msg *m, int bad)
{
	static const uint8_t protos[] = { IPPROTO_ESP, IPPROTO_AH, IPPROTO_COMP, 0, 255 };
	struct nlattr *nest = nla_nest_start(m, XFRM_MIF_A_CLONE);
	unsigned char key[600];
	struct ip_addr a;
	uint32_t spi = spi_base + below(64);

	if (!nest)
		return;
	rnd_bytes(key, sizeof(key));
	if (!one_in(10))
		put_num(m, XFRM_MIF_CLONE_A_SPI, 4, htonl(spi), bad);
	if (!one_in(10))
		put_num(m, XFRM_MIF_CLONE_A_NEW_SPI, 4,
			htonl(one_in(10) ? (uint32_t)rnd() : spi + 0x10000), bad);
	if (one_in(3))
		put_num(m, XFRM_MIF_CLONE_A_PROTO, 1, protos[below(5)], bad);
	if (one_in(3)) {
		pick_addr(&a);
		put_addr_nest(m, XFRM_MIF_CLONE_A_DST, &a, bad && one_in(4));
	}
	if (one_in(2))
		nla_put(m, XFRM_MIF_CLONE_A_ENC_KEY,
			one_in(20) ? 513 + (int)below(80) : (int)below(40), key);
	if (one_in(3))
		nla_put(m, XFRM_MIF_CLONE_A_AUTH_KEY,
			one_in(20) ? 513 + (int)below(80) : (int)below(70), key);
	put_ports(m, XFRM_MIF_CLONE_A_ENCAP_PORT,
		  XFRM_MIF_CLONE_A_ENCAP_PEER_PORT, bad);
	if (bad && one_in(6))
		put_garbage(m, (int)below(XFRM_MIF_CLONE_A_MAX + 4), 3);
	nla_nest_end(m, nest);
}

static void put_clones(struct nl_msg *m, int bad, int huge)
{
	struct nlattr *nest = nla_nest_start(m, XFRM_MIF_A_CLONES);
	unsigned int i, n = huge ? 100 + below(400) : below(6);

	if (!nest)
		return;
	for (i = 0; i < n; i++) {
		if (bad && one_in(10))
			put_garbage(m, (int)below(30), 3);
		else
			put_clone_ent(m, bad);
	}
	nla_nest_end(m, nest);
}

static void maybe_addr(struct nl_msg *m, int type, int bad)
{
	struct ip_addr a;

	pick_addr(&a);
	put_addr_nest(m, type, &a, bad && one_in(5));
}

/* The attributes of a well-formed (when !bad) request for @cmd. */
static void put_request(struct nl_msg *m, uint8_t cmd, int bad, int huge)
{
	switch (cmd) {
	case XFRM_MIF_CMD_REWRITE:
		maybe_addr(m, XFRM_MIF_A_ADDR, bad);
		maybe_addr(m, XFRM_MIF_A_NEW_ADDR, bad);
		put_ports(m, XFRM_MIF_A_ENCAP_PORT, XFRM_MIF_A_ENCAP_PEER_PORT, bad);
		put_filters(m, bad);
		put_flags(m, bad);
		break;
	case XFRM_MIF_CMD_CLONE:
		put_addr_list(m, XFRM_MIF_A_FROM, bad, huge && one_in(2));
		maybe_addr(m, XFRM_MIF_A_NEW_ADDR, bad);
		if (one_in(2))
			maybe_addr(m, XFRM_MIF_A_NEW_PEER, bad);
		if (one_in(3))
			maybe_addr(m, XFRM_MIF_A_NEW_INNER, bad);
		if (one_in(3))
			maybe_addr(m, XFRM_MIF_A_NEW_PEER_INNER, bad);
		put_clones(m, bad, huge);
		put_ports(m, XFRM_MIF_A_ENCAP_PORT, XFRM_MIF_A_ENCAP_PEER_PORT, bad);
		put_filters(m, bad);
		put_flags(m, bad);
		break;
	case XFRM_MIF_CMD_DELETE:
		maybe_addr(m, XFRM_MIF_A_ADDR, bad);
		put_filters(m, bad);
		/* mostly counting: a real delete now and then */
		put_num(m, XFRM_MIF_A_FLAGS, 4,
			one_in(4) ? 0 : XFRM_MIF_OPF_DRY_RUN, bad);
		break;
	case XFRM_MIF_CMD_ALT_SET:
		maybe_addr(m, XFRM_MIF_A_ADDR, bad);
		put_addr_list(m, XFRM_MIF_A_ALTS, bad, huge);
		put_filters(m, bad);
		break;
	case XFRM_MIF_CMD_ALT_DEL:
		maybe_addr(m, XFRM_MIF_A_ADDR, bad);
		put_filters(m, bad);
		break;
	case XFRM_MIF_CMD_DUMP:
		if (one_in(2))
			maybe_addr(m, XFRM_MIF_A_ADDR, bad);
		break;
	default:
		break;
	}
	/* numbers only the kernel sends */
	if (bad && one_in(10))
		put_num(m, XFRM_MIF_A_VERSION + (int)below(2), 4, (uint32_t)rnd(), 0);
	if (bad && one_in(15))
		put_num(m, XFRM_MIF_A_STATES + (int)below(2), 4, (uint32_t)rnd(), 0);
}

/* Stray attributes: any type, any length, nested or not. */
static void put_strays(struct nl_msg *m)
{
	unsigned int i, n = 1 + below(one_in(10) ? 200 : 3);
	unsigned char junk[80];

	for (i = 0; i < n; i++) {
		int type = (int)below(one_in(4) ? 65536 : XFRM_MIF_A_MAX + 4);

		if (one_in(2)) {
			put_garbage(m, type | (one_in(2) ? NLA_F_NESTED : 0), 4);
		} else {
			rnd_bytes(junk, sizeof(junk));
			nla_put(m, type & NLA_TYPE_MASK, (int)below(sizeof(junk)), junk);
		}
	}
}

enum mutation {
	MUT_NONE,		/* well formed */
	MUT_TYPES,		/* attributes of wrong types and shapes */
	MUT_HUGE,		/* lists past every limit */
	MUT_STRAYS,		/* attributes the command does not take */
	MUT_FLIP,		/* random bytes flipped */
	MUT_CUT,		/* the message cut short */
	MUT_NLA_LEN,		/* an attribute's length that lies */
	MUT_GENL,		/* wrong command or version */
	MUT_FLAGS,		/* dump flag where there is no dump, or none */
	MUT_COUNT
};

static const char *const mut_names[MUT_COUNT] = {
	"well-formed", "wrong types", "huge lists", "stray attributes",
	"bytes flipped", "cut short", "lying lengths", "wrong header",
	"wrong flags",
};

static unsigned long mut_sent[MUT_COUNT];

static uint8_t pick_cmd(void)
{
	if (one_in(40))
		return (uint8_t)below(256);
	return (uint8_t)below(XFRM_MIF_CMD_MAX + 2);
}

static int is_dump_cmd(uint8_t cmd)
{
	return cmd == XFRM_MIF_CMD_ALT_GET || cmd == XFRM_MIF_CMD_DUMP;
}

/* Build request number @seq into @buf; returns its length. */
static size_t build(unsigned char *buf, uint32_t seq, enum mutation mut)
{
	uint8_t cmd = pick_cmd();
	int flags = NLM_F_REQUEST | NLM_F_ACK;
	struct nl_msg *m = nlmsg_alloc_size(MSG_MAX);
	struct nlmsghdr *nlh;
	struct genlmsghdr *gh;
	size_t len;

	if (!m)
		return 0;
	if (is_dump_cmd(cmd))
		flags |= NLM_F_DUMP;
	if (mut == MUT_FLAGS)
		flags ^= one_in(2) ? NLM_F_DUMP : NLM_F_ACK;
	genlmsg_put(m, NL_AUTO_PORT, seq, family, 0, flags, cmd,
		    XFRM_MIF_GENL_VERSION);
	cur_cmd = cmd;
	put_request(m, cmd, mut == MUT_TYPES, mut == MUT_HUGE);
	if (mut == MUT_STRAYS)
		put_strays(m);

	nlh = nlmsg_hdr(m);
	len = nlh->nlmsg_len;
	memcpy(buf, nlh, len);
	nlmsg_free(m);
	nlh = (struct nlmsghdr *)buf;
	gh = (struct genlmsghdr *)(nlh + 1);

	switch (mut) {
	case MUT_FLIP: {
		unsigned int i, n = 1 + below(8);
		size_t from = NLMSG_HDRLEN;

		if (len > from)
			for (i = 0; i < n; i++)
				buf[from + below((uint32_t)(len - from))] ^=
					(unsigned char)(1u << below(8));
		break;
	}
	case MUT_CUT:
		if (len > NLMSG_HDRLEN)
			len = NLMSG_HDRLEN + below((uint32_t)(len - NLMSG_HDRLEN));
		break;
	case MUT_NLA_LEN: {
		size_t off = NLMSG_HDRLEN + GENL_HDRLEN;
		struct nlattr *nla;
		unsigned int skip;

		if (len < off + NLA_HDRLEN)
			break;
		/* a top-level attribute, or the first one nested in it */
		nla = (struct nlattr *)(buf + off);
		for (skip = below(4); skip && off + nla->nla_len + NLA_HDRLEN <= len &&
		     nla->nla_len >= NLA_HDRLEN; skip--) {
			off += NLA_ALIGN(nla->nla_len);
			nla = (struct nlattr *)(buf + off);
		}
		if (off + NLA_HDRLEN > len)
			break;
		if ((nla->nla_type & NLA_F_NESTED) && nla->nla_len >= 2 * NLA_HDRLEN &&
		    one_in(2))
			nla = nla + 1;
		switch (below(4)) {
		case 0:
			nla->nla_len = (uint16_t)below(NLA_HDRLEN);
			break;
		case 1:
			nla->nla_len = (uint16_t)(nla->nla_len + 1 + below(64));
			break;
		case 2:
			nla->nla_len = (uint16_t)rnd();
			break;
		default:
			nla->nla_len = nla->nla_len > NLA_HDRLEN ?
				(uint16_t)(nla->nla_len - 1 - below(3)) : 0;
			break;
		}
		break;
	}
	case MUT_GENL:
		if (one_in(2))
			gh->cmd = cur_cmd = (uint8_t)rnd();
		else
			gh->version = (uint8_t)rnd();
		break;
	default:
		break;
	}
	nlh->nlmsg_len = (uint32_t)len;
	return len;
}

/* Count an answer of request @seq. Returns 1 when it is complete. */
static int account(struct nlmsghdr *nlh, uint32_t seq)
{
	if (nlh->nlmsg_seq != seq)
		return 0;	/* a late part of an earlier dump */
	if (nlh->nlmsg_type == NLMSG_DONE) {
		st.dumps_done++;
		return 1;
	}
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(nlh);
		int err = -e->error;

		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return 1;
		if (!err) {
			st.acked++;
		} else {
			struct extack ack;

			if (err < 0 || err >= NERRNO)
				err = 0;
			st.err[err]++;
			extack_parse(nlh, e, &ack);
			if (!ack.msg[0] && !ack.offs && !ack.miss_type) {
				st.no_msg[err]++;
				if (verbose)
					printf("nlfuzz: request %u, command %u, %s: %s without a message\n",
					       seq, cur_cmd, cur_mut, strerror(err));
			}
		}
		return 1;
	}
	st.replies++;
	return 0;
}

/*
 * Read what is queued on @fd: the answers to request @seq (a dump's next
 * parts are produced as its earlier ones are read). Returns 1 once the
 * request's ack, error or NLMSG_DONE came.
 */
static int drain(int fd, uint32_t seq, unsigned char *rbuf)
{
	int done = 0;

	for (;;) {
		ssize_t n = recv(fd, rbuf, MSG_MAX, MSG_DONTWAIT);
		struct nlmsghdr *nlh;
		int left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS)	/* overran; read on */
				continue;
			return done;
		}
		if (n == 0)
			return done;
		left = (int)n;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left))
			done |= account(nlh, seq);
	}
}

static void drain_events(int fd, unsigned char *rbuf)
{
	while (recv(fd, rbuf, MSG_MAX, MSG_DONTWAIT) > 0 || errno == ENOBUFS)
		st.events++;
}

static struct nl_sock *open_sock(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk || genl_connect(sk) < 0) {
		fprintf(stderr, "nlfuzz: cannot open a generic netlink socket\n");
		exit(2);
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		   sizeof(one));
	nl_socket_set_buffer_size(sk, 1 << 20, 1 << 20);
	return sk;
}

/* A well-formed GET_INFO: is the family still there and answering? */
static int still_answers(struct nl_sock *sk, unsigned char *buf,
			 unsigned char *rbuf)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlmsghdr *nlh;
	uint32_t version = 0;
	int n, left, acked = 0;

	if (!m)
		return 0;
	genlmsg_put(m, NL_AUTO_PORT, 1, family, 0, NLM_F_REQUEST | NLM_F_ACK,
		    XFRM_MIF_CMD_GET_INFO, XFRM_MIF_GENL_VERSION);
	nlh = nlmsg_hdr(m);
	memcpy(buf, nlh, nlh->nlmsg_len);
	n = nl_sendto(sk, buf, nlh->nlmsg_len);
	nlmsg_free(m);
	if (n < 0)
		return 0;
	while (!acked) {
		n = (int)recv(nl_socket_get_fd(sk), rbuf, MSG_MAX, 0);
		if (n <= 0)
			return 0;
		left = n;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			struct nlattr *tb[XFRM_MIF_A_MAX + 1];

			if (nlh->nlmsg_seq != 1)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				acked = 1;
				if (((struct nlmsgerr *)NLMSG_DATA(nlh))->error)
					return 0;
			} else if (!genlmsg_parse(nlh, 0, tb, XFRM_MIF_A_MAX, NULL) &&
				   tb[XFRM_MIF_A_VERSION]) {
				version = nla_get_u32(tb[XFRM_MIF_A_VERSION]);
			}
		}
	}
	return version == XFRM_MIF_GENL_VERSION;
}

static int parse_addrs(char *list)
{
	char *tok, *save = NULL;

	naddrs = 0;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (naddrs == MAX_ADDRS || ip_addr_parse(tok, &addrs[naddrs]))
			return -1;
		naddrs++;
	}
	return naddrs ? 0 : -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: nlfuzz [-v] [-s SEED] [-n COUNT] [-a ADDR,...] [-p SPI-BASE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char default_addrs[] = "10.99.1.1,10.99.1.2";
	unsigned long count = 10000, i;
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	unsigned char *buf, *rbuf;
	struct nl_sock *sk, *ev;
	char *list = default_addrs;
	int opt, grp, ok;
	unsigned int e;

	while ((opt = getopt(argc, argv, "vs:n:a:p:")) != -1) {
		switch (opt) {
		case 'v':
			verbose = 1;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'a':
			list = optarg;
			break;
		case 'p':
			spi_base = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || parse_addrs(list))
		usage();
	rng_state = seed;
	printf("nlfuzz: seed %" PRIu64 ", %lu requests\n", seed, count);
	fflush(stdout);

	buf = malloc(MSG_MAX);
	rbuf = malloc(MSG_MAX);
	if (!buf || !rbuf)
		return 2;
	sk = open_sock();
	ev = open_sock();
	family = genl_ctrl_resolve(sk, XFRM_MIF_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "nlfuzz: no %s family (module not loaded?)\n",
			XFRM_MIF_GENL_NAME);
		return 2;
	}
	grp = genl_ctrl_resolve_grp(ev, XFRM_MIF_GENL_NAME, XFRM_MIF_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(ev, grp) < 0) {
		fprintf(stderr, "nlfuzz: cannot join the events group\n");
		return 2;
	}

	for (i = 0; i < count; i++) {
		/* one in five well formed, the others broken one way each */
		enum mutation mut = one_in(5) ? MUT_NONE :
				    (enum mutation)(1 + below(MUT_COUNT - 1));
		uint32_t seq = (uint32_t)i + 2;
		size_t len = build(buf, seq, mut);

		if (!len)
			return 2;
		cur_mut = mut_names[mut];
		mut_sent[mut]++;
		st.sent++;
		if (nl_sendto(sk, buf, len) < 0) {
			/* a cut header is dropped by the socket layer */
			continue;
		}
		/*
		 * Without NLM_F_ACK (MUT_FLAGS), or with a header the netlink
		 * core drops, nothing comes back: only a request that asked
		 * and came through whole must be answered.
		 */
		if (!drain(nl_socket_get_fd(sk), seq, rbuf) &&
		    mut != MUT_FLAGS)
			st.unanswered++;
		if (!(i & 63))
			drain_events(nl_socket_get_fd(ev), rbuf);
	}
	drain_events(nl_socket_get_fd(ev), rbuf);

	ok = still_answers(sk, buf, rbuf);
	printf("nlfuzz: %lu sent:", st.sent);
	for (e = 0; e < MUT_COUNT; e++)
		printf(" %s %lu%s", mut_names[e], mut_sent[e],
		       e + 1 < MUT_COUNT ? "," : "\n");
	printf("nlfuzz: %lu acknowledged, %lu dumps ended, %lu replies, %lu event reads\n",
	       st.acked, st.dumps_done, st.replies, st.events);
	printf("nlfuzz: refused (of which without a message or attribute):");
	for (e = 0; e < NERRNO; e++)
		if (st.err[e])
			printf(" %s %lu (%lu);", e ? strerror((int)e) : "other",
			       st.err[e], st.no_msg[e]);
	printf("\n");
	printf("nlfuzz: %lu unanswered; GET_INFO afterwards %s\n", st.unanswered,
	       ok ? "answered" : "NOT answered");
	nl_socket_free(ev);
	nl_socket_free(sk);
	free(buf);
	free(rbuf);
	return ok && !st.unanswered ? 0 : 1;
}
