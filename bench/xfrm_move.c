// SPDX-License-Identifier: GPL-2.0
/*
 * xfrm_move: move every SA and policy bound to one IPv4 address to another
 * the way a per-SA key manager does it over XFRM netlink, for bench/rewrite.sh.
 *
 *   xfrm_move strongswan OLD NEW   per SA: GETSA, GETAE (replay state and
 *                                  lifetime), DELSA, NEWSA with the new
 *                                  address (strongSwan's kernel_netlink
 *                                  update_sa); then per policy one UPDPOLICY
 *                                  with the new template address
 *   xfrm_move libreswan OLD NEW    per policy one XFRM_MSG_MIGRATE carrying an
 *                                  xfrm_user_migrate for each of its templates
 *                                  on OLD (Libreswan's migrate of the out, in
 *                                  and fwd policy of a child SA)
 *   xfrm_move mif OLD NEW          one XFRM_MIF_CMD_REWRITE to xfrm_mif (what
 *                                  `mifctl rewrite OLD NEW` sends), timed the
 *                                  same way, without a process start-up
 *
 * One process, one XFRM socket, one request in flight: what a key manager
 * does. A key manager knows its SAs and policies from its own state; here a
 * dump before the clock starts stands in for that state, so the timed part is
 * exactly the per-SA or per-policy work. Prints one line:
 *
 *   RESULT method=M sas=N policies=P requests=R seconds=S discovery=D
 *
 * With MIF_MOVE_GO set in the environment, it prints "ready" once the dump
 * is done and waits for a line on standard input before the timed part, so
 * that a caller (bench/load_move.sh) can run moves back to back without a
 * process start-up and a dump between them. With MIF_MOVE_THEN=FIFO too, it
 * writes that line to FIFO as soon as its timed part is done: the next
 * move starts without waiting for this process to end. RESULT then also
 * carries start= and end=, CLOCK_MONOTONIC seconds of the timed part.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/xfrm.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../uapi/linux/xfrm_mif.h"

/* The kernel takes at most XFRM_MAX_DEPTH (6, not in the uapi) per MIGRATE. */
#define MIGRATE_MAX 6

struct sa_ref {
	struct xfrm_usersa_id id;	/* daddr, spi, family, proto */
	xfrm_address_t saddr;
	__u32 reqid;
};

struct pol_ref {
	struct nlmsghdr *nlh;		/* copy of the dumped XFRM_MSG_NEWPOLICY */
};

struct state {
	struct nl_sock *sk;
	xfrm_address_t old, new;
	struct sa_ref *sas;
	size_t nsas, cap_sas;
	struct pol_ref *pols;
	size_t npols, cap_pols;
	struct nlmsghdr *reply;		/* copy of the last unicast reply */
	int reply_type;			/* the message type we wait for */
	int read_on;			/* after it, read on until the ACK */
	unsigned long requests;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "xfrm_move: %s: %s\n", what, nl_geterror(err));
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "xfrm_move: out of memory\n");
		exit(1);
	}
	return p;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int addr_is(const xfrm_address_t *a, const xfrm_address_t *b)
{
	return a->a4 == b->a4;
}

static struct nlmsghdr *copy_nlh(const struct nlmsghdr *nlh)
{
	struct nlmsghdr *c = xrealloc(NULL, nlh->nlmsg_len);

	memcpy(c, nlh, nlh->nlmsg_len);
	return c;
}

/* ---- discovery (untimed): dump SAs and policies bound to OLD ---- */

static int on_dump_sa(struct nl_msg *msg, void *arg)
{
	struct state *st = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct xfrm_usersa_info *p;
	struct sa_ref *r;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    nlmsg_datalen(nlh) < (int)sizeof(*p))
		return NL_SKIP;
	p = nlmsg_data(nlh);
	if (p->family != AF_INET ||
	    !(addr_is(&p->saddr, &st->old) || addr_is(&p->id.daddr, &st->old)))
		return NL_SKIP;
	if (st->nsas == st->cap_sas) {
		st->cap_sas = st->cap_sas ? 2 * st->cap_sas : 1024;
		st->sas = xrealloc(st->sas, st->cap_sas * sizeof(*st->sas));
	}
	r = &st->sas[st->nsas++];
	memset(r, 0, sizeof(*r));
	r->id.daddr = p->id.daddr;
	r->id.spi = p->id.spi;
	r->id.family = p->family;
	r->id.proto = p->id.proto;
	r->saddr = p->saddr;
	r->reqid = p->reqid;
	return NL_OK;
}

/* The templates of a dumped policy, or NULL. */
static struct xfrm_user_tmpl *policy_tmpls(struct nlmsghdr *nlh, int *n)
{
	struct nlattr *a = nlmsg_find_attr(nlh, sizeof(struct xfrm_userpolicy_info),
					   XFRMA_TMPL);

	if (!a)
		return NULL;
	*n = nla_len(a) / sizeof(struct xfrm_user_tmpl);
	return nla_data(a);
}

static int on_dump_policy(struct nl_msg *msg, void *arg)
{
	struct state *st = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct xfrm_userpolicy_info *p;
	struct xfrm_user_tmpl *t;
	int n = 0, i, bound = 0;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    nlmsg_datalen(nlh) < (int)sizeof(*p))
		return NL_SKIP;
	p = nlmsg_data(nlh);
	if (p->dir >= XFRM_POLICY_MAX)		/* socket policy */
		return NL_SKIP;
	t = policy_tmpls(nlh, &n);
	for (i = 0; i < n; i++)
		if (t[i].family == AF_INET &&
		    (addr_is(&t[i].saddr, &st->old) ||
		     addr_is(&t[i].id.daddr, &st->old)))
			bound = 1;
	if (!bound)
		return NL_SKIP;
	if (st->npols == st->cap_pols) {
		st->cap_pols = st->cap_pols ? 2 * st->cap_pols : 1024;
		st->pols = xrealloc(st->pols, st->cap_pols * sizeof(*st->pols));
	}
	st->pols[st->npols++].nlh = copy_nlh(nlh);
	return NL_OK;
}

static void dump(struct state *st, int type, nl_recvmsg_msg_cb_t cb)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, NLM_F_DUMP);
	int err;

	if (!msg)
		die("dump", -NLE_NOMEM);
	err = nl_send_auto(st->sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		die("dump send", err);
	nl_socket_modify_cb(st->sk, NL_CB_VALID, NL_CB_CUSTOM, cb, st);
	err = nl_recvmsgs_default(st->sk);
	if (err < 0)
		die("dump", err);
}

/* ---- one request, one answer ---- */

static int on_reply(struct nl_msg *msg, void *arg)
{
	struct state *st = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_type != st->reply_type)
		return NL_SKIP;
	free(st->reply);
	st->reply = copy_nlh(nlh);
	return st->read_on ? NL_OK : NL_STOP;
}

/* Send a query (no ACK asked, as strongSwan does) and wait for its answer. */
static struct nlmsghdr *query(struct state *st, struct nl_msg *msg, int reply_type,
			      const char *what)
{
	int err;

	st->reply_type = reply_type;
	free(st->reply);
	st->reply = NULL;
	err = nl_send_auto(st->sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		die(what, err);
	st->requests++;
	err = nl_recvmsgs_default(st->sk);
	if (err < 0)
		die(what, err);
	if (!st->reply) {
		fprintf(stderr, "xfrm_move: %s: no answer\n", what);
		exit(1);
	}
	return st->reply;
}

/* Send a change with NLM_F_ACK and wait for the kernel's ACK. */
static void change(struct state *st, struct nl_msg *msg, const char *what)
{
	int err = nl_send_auto(st->sk, msg);

	nlmsg_free(msg);
	if (err < 0)
		die(what, err);
	st->requests++;
	err = nl_wait_for_ack(st->sk);
	if (err < 0)
		die(what, err);
}

static struct nl_msg *new_msg(int type, int flags, const void *hdr, size_t len)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (!msg || nlmsg_append(msg, (void *)hdr, len, NLMSG_ALIGNTO) < 0)
		die("message", -NLE_NOMEM);
	return msg;
}

static void put(struct nl_msg *msg, int type, int len, const void *data)
{
	if (nla_put(msg, type, len, data) < 0)
		die("attribute", -NLE_NOMEM);
}

static void swap_old(const struct state *st, xfrm_address_t *a)
{
	if (addr_is(a, &st->old))
		*a = st->new;
}

/* ---- (a) strongSwan: read, delete, add per SA; UPDPOLICY per policy ---- */

static void update_sa(struct state *st, const struct sa_ref *r)
{
	struct xfrm_replay_state_esn *esn = NULL;
	struct xfrm_replay_state replay;
	struct xfrm_lifetime_cur ltime;
	int have_replay = 0, have_ltime = 0, esn_len = 0, rem;
	struct xfrm_usersa_info info;
	struct xfrm_aevent_id ae;
	struct nlmsghdr *sa, *aev;
	struct nlattr *a;
	struct nl_msg *msg;

	/* 1. read the SA (keys, algorithms, flags, lifetimes) */
	msg = new_msg(XFRM_MSG_GETSA, 0, &r->id, sizeof(r->id));
	sa = copy_nlh(query(st, msg, XFRM_MSG_NEWSA, "GETSA"));

	/* 2. read its replay state and current lifetime */
	memset(&ae, 0, sizeof(ae));
	ae.sa_id = r->id;
	ae.saddr = r->saddr;
	ae.flags = XFRM_AE_RVAL;
	ae.reqid = r->reqid;
	msg = new_msg(XFRM_MSG_GETAE, 0, &ae, sizeof(ae));
	aev = query(st, msg, XFRM_MSG_NEWAE, "GETAE");
	nlmsg_for_each_attr(a, aev, sizeof(struct xfrm_aevent_id), rem) {
		switch (nla_type(a)) {
		case XFRMA_REPLAY_ESN_VAL:
			free(esn);
			esn_len = nla_len(a);
			esn = xrealloc(NULL, esn_len);
			memcpy(esn, nla_data(a), esn_len);
			break;
		case XFRMA_REPLAY_VAL:
			if (nla_len(a) >= (int)sizeof(replay)) {
				memcpy(&replay, nla_data(a), sizeof(replay));
				have_replay = 1;
			}
			break;
		case XFRMA_LTIME_VAL:
			if (nla_len(a) >= (int)sizeof(ltime)) {
				memcpy(&ltime, nla_data(a), sizeof(ltime));
				have_ltime = 1;
			}
			break;
		}
	}

	/* 3. delete it */
	msg = new_msg(XFRM_MSG_DELSA, NLM_F_ACK, &r->id, sizeof(r->id));
	change(st, msg, "DELSA");

	/* 4. add it back on the new address, with every attribute read in 1
	 * and the replay state and lifetime read in 2 */
	memcpy(&info, nlmsg_data(sa), sizeof(info));
	swap_old(st, &info.saddr);
	swap_old(st, &info.id.daddr);
	msg = new_msg(XFRM_MSG_NEWSA, NLM_F_ACK, &info, sizeof(info));
	nlmsg_for_each_attr(a, sa, sizeof(struct xfrm_usersa_info), rem) {
		int t = nla_type(a);

		if (t == XFRMA_REPLAY_VAL || t == XFRMA_REPLAY_ESN_VAL ||
		    t == XFRMA_LTIME_VAL)
			continue;
		put(msg, t, nla_len(a), nla_data(a));
	}
	if (esn)
		put(msg, XFRMA_REPLAY_ESN_VAL, esn_len, esn);
	else if (have_replay)
		put(msg, XFRMA_REPLAY_VAL, sizeof(replay), &replay);
	if (have_ltime)
		put(msg, XFRMA_LTIME_VAL, sizeof(ltime), &ltime);
	change(st, msg, "NEWSA");
	memset(sa, 0, sa->nlmsg_len);		/* it held keys */
	free(sa);
	free(esn);
}

static void update_policy(struct state *st, struct nlmsghdr *pol)
{
	struct xfrm_user_tmpl *t;
	struct nl_msg *msg;
	struct nlattr *a;
	int n = 0, i, rem;

	msg = new_msg(XFRM_MSG_UPDPOLICY, NLM_F_ACK, nlmsg_data(pol),
		      sizeof(struct xfrm_userpolicy_info));
	nlmsg_for_each_attr(a, pol, sizeof(struct xfrm_userpolicy_info), rem) {
		if (nla_type(a) == XFRMA_TMPL)
			continue;
		put(msg, nla_type(a), nla_len(a), nla_data(a));
	}
	t = policy_tmpls(pol, &n);
	for (i = 0; i < n; i++) {
		swap_old(st, &t[i].saddr);
		swap_old(st, &t[i].id.daddr);
	}
	put(msg, XFRMA_TMPL, n * sizeof(*t), t);
	change(st, msg, "UPDPOLICY");
}

/* ---- (b) Libreswan: one XFRM_MSG_MIGRATE per policy ---- */

static void migrate_policy(struct state *st, struct nlmsghdr *pol)
{
	struct xfrm_userpolicy_info *p = nlmsg_data(pol);
	struct xfrm_user_migrate m[MIGRATE_MAX];
	struct xfrm_userpolicy_id id;
	struct xfrm_user_tmpl *t;
	struct nl_msg *msg;
	int n = 0, i, nm = 0;

	memset(&id, 0, sizeof(id));
	id.sel = p->sel;
	id.dir = p->dir;
	t = policy_tmpls(pol, &n);
	for (i = 0; i < n && nm < MIGRATE_MAX; i++) {
		if (!addr_is(&t[i].saddr, &st->old) &&
		    !addr_is(&t[i].id.daddr, &st->old))
			continue;
		memset(&m[nm], 0, sizeof(m[nm]));
		m[nm].old_daddr = t[i].id.daddr;
		m[nm].old_saddr = t[i].saddr;
		m[nm].new_daddr = t[i].id.daddr;
		m[nm].new_saddr = t[i].saddr;
		swap_old(st, &m[nm].new_daddr);
		swap_old(st, &m[nm].new_saddr);
		m[nm].proto = t[i].id.proto;
		m[nm].mode = t[i].mode;
		m[nm].reqid = t[i].reqid;
		m[nm].old_family = m[nm].new_family = t[i].family;
		nm++;
	}
	msg = new_msg(XFRM_MSG_MIGRATE, NLM_F_ACK, &id, sizeof(id));
	put(msg, XFRMA_MIGRATE, nm * sizeof(m[0]), m);
	change(st, msg, "MIGRATE");
}


/* ---- the module: one XFRM_MIF_CMD_REWRITE over generic netlink ---- */

static void put_mif_addr(struct nl_msg *msg, int type, const xfrm_address_t *a)
{
	struct nlattr *nest = nla_nest_start(msg, type);

	if (!nest)
		die("attribute", -NLE_NOMEM);
	put(msg, XFRM_MIF_ADDR_A_INET, 4, &a->a4);
	nla_nest_end(msg, nest);
}

static __u32 genl_u32(struct nlmsghdr *nlh, int type)
{
	struct nlattr *a = nlmsg_find_attr(nlh, GENL_HDRLEN, type);

	return a && nla_len(a) >= 4 ? nla_get_u32(a) : 0;
}

/* Resolve the family (untimed, a daemon does it once), then rewrite. */
static void mif_rewrite(struct state *st, double *t1, __u32 *nsas, __u32 *npols)
{
	struct genlmsghdr g = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 };
	struct nlmsghdr *reply;
	struct nl_msg *msg;
	struct nlattr *a;
	int family;

	msg = new_msg(GENL_ID_CTRL, 0, &g, sizeof(g));
	if (nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, XFRM_MIF_GENL_NAME) < 0)
		die("attribute", -NLE_NOMEM);
	reply = query(st, msg, GENL_ID_CTRL, "GETFAMILY " XFRM_MIF_GENL_NAME);
	a = nlmsg_find_attr(reply, GENL_HDRLEN, CTRL_ATTR_FAMILY_ID);
	family = a && nla_len(a) >= 2 ? nla_get_u16(a) : 0;
	if (!family) {
		fprintf(stderr, "xfrm_mif: no family id\n");
		exit(1);
	}
	st->requests = 0;

	*t1 = now();
	g.cmd = XFRM_MIF_CMD_REWRITE;
	g.version = XFRM_MIF_GENL_VERSION;
	msg = new_msg(family, 0, &g, sizeof(g));
	put_mif_addr(msg, XFRM_MIF_A_ADDR, &st->old);
	put_mif_addr(msg, XFRM_MIF_A_NEW_ADDR, &st->new);
	/* NLM_F_ACK: the call is over when the ACK comes, after the reply
	 * with the counts */
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	st->reply_type = family;
	st->read_on = 1;
	free(st->reply);
	st->reply = NULL;
	change(st, msg, "XFRM_MIF_CMD_REWRITE");
	if (st->reply) {
		*nsas = genl_u32(st->reply, XFRM_MIF_A_STATES);
		*npols = genl_u32(st->reply, XFRM_MIF_A_POLICIES);
	}
}

/* MIF_MOVE_GO: say so and wait for the caller's line. */
static void await_go(void)
{
	char line[16];

	if (!getenv("MIF_MOVE_GO"))
		return;
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		fprintf(stderr, "xfrm_move: no go line: moving anyway\n");
}

/* MIF_MOVE_THEN: release the next move. */
static void release_next(void)
{
	const char *path = getenv("MIF_MOVE_THEN");
	int fd;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_NONBLOCK);
	if (fd < 0 || write(fd, "go\n", 3) != 3)
		fprintf(stderr, "xfrm_move: cannot release the next move: %s\n",
			strerror(errno));
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	struct state st;
	double t0, t1, t2;
	size_t i;
	int err, strongswan, module;

	memset(&st, 0, sizeof(st));
	if (argc != 4 || (strcmp(argv[1], "strongswan") && strcmp(argv[1], "libreswan") &&
			  strcmp(argv[1], "mif")) ||
	    inet_pton(AF_INET, argv[2], &st.old.a4) != 1 ||
	    inet_pton(AF_INET, argv[3], &st.new.a4) != 1) {
		fprintf(stderr, "usage: xfrm_move strongswan|libreswan|mif OLD NEW (IPv4)\n");
		return 2;
	}
	strongswan = !strcmp(argv[1], "strongswan");
	module = !strcmp(argv[1], "mif");

	st.sk = nl_socket_alloc();
	if (!st.sk)
		die("socket", -NLE_NOMEM);
	err = nl_connect(st.sk, module ? NETLINK_GENERIC : NETLINK_XFRM);
	if (err < 0)
		die("connect", err);
	/* Queries go without NLM_F_ACK (one answer each), changes ask for one. */
	nl_socket_disable_auto_ack(st.sk);
	/* A fixed receive buffer: one recvmsg per answer, no MSG_PEEK round. */
	nl_socket_set_msg_buf_size(st.sk, 65536);
	nl_socket_set_buffer_size(st.sk, 1 << 20, 1 << 20);

	if (module) {
		__u32 nsas = 0, npols = 0;

		nl_socket_modify_cb(st.sk, NL_CB_VALID, NL_CB_CUSTOM, on_reply, &st);
		await_go();
		t0 = now();
		mif_rewrite(&st, &t1, &nsas, &npols);
		t2 = now();
		release_next();
		printf("RESULT method=mif sas=%u policies=%u requests=%lu seconds=%.6f discovery=%.6f",
		       nsas, npols, st.requests, t2 - t1, t1 - t0);
		if (getenv("MIF_MOVE_GO"))
			printf(" start=%.6f end=%.6f", t1, t2);
		printf("\n");
		free(st.reply);
		nl_socket_free(st.sk);
		return 0;
	}

	t0 = now();
	dump(&st, XFRM_MSG_GETSA, on_dump_sa);
	dump(&st, XFRM_MSG_GETPOLICY, on_dump_policy);
	nl_socket_modify_cb(st.sk, NL_CB_VALID, NL_CB_CUSTOM, on_reply, &st);
	await_go();

	t1 = now();
	if (strongswan) {
		for (i = 0; i < st.nsas; i++)
			update_sa(&st, &st.sas[i]);
		for (i = 0; i < st.npols; i++)
			update_policy(&st, st.pols[i].nlh);
	} else {
		for (i = 0; i < st.npols; i++)
			migrate_policy(&st, st.pols[i].nlh);
	}
	t2 = now();
	release_next();

	printf("RESULT method=%s sas=%zu policies=%zu requests=%lu seconds=%.6f discovery=%.6f",
	       argv[1], st.nsas, st.npols, st.requests, t2 - t1, t1 - t0);
	if (getenv("MIF_MOVE_GO"))
		printf(" start=%.6f end=%.6f", t1, t2);
	printf("\n");
	for (i = 0; i < st.npols; i++)
		free(st.pols[i].nlh);
	free(st.pols);
	free(st.sas);
	free(st.reply);
	nl_socket_free(st.sk);
	return 0;
}
