// SPDX-License-Identifier: GPL-2.0
/*
 * struct backend over XFRM netlink.
 *
 * Messages are built with libnl-xfrm objects (xfrmnl_sa, xfrmnl_sp,
 * xfrmnl_sel, xfrmnl_user_tmpl) where they cover what we send; what
 * libnl-xfrm 3.7 lacks is added to the built nl_msg with nla_put:
 * XFRMA_IF_ID, XFRMA_REPLAY_ESN_VAL, and the algorithm attributes. Keys
 * go only into the nl_msg (never into a libnl object, which would free
 * them without wiping), and every request buffer is wiped before it is
 * freed. XFRM_MSG_GETAE has no libnl-xfrm builder that fits and is
 * built the same way. Inbound SPIs are mifd's own choice (spi.h), not
 * XFRM_MSG_ALLOCSPI's.
 *
 * The socket sets NETLINK_CAP_ACK, so error replies do not echo a request
 * (and its keys) back into libnl's receive buffer. Counters are read with
 * XFRM_MSG_GETAE rather than GETSA, whose reply would carry the keys.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/xfrm/lifetime.h>
#include <netlink/xfrm/sa.h>
#include <netlink/xfrm/selector.h>
#include <netlink/xfrm/sp.h>
#include <netlink/xfrm/template.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/transforms.h"
#include "extack.h"
#include "ike/constants.h"
#include "backend/module.h"
#include "backend/spi.h"
#include "backend/xfrm.h"
#include "backend/xfrm_acquire.h"
#include "backend/xfrm_iface.h"
#include "mifnl.h"
#include "nlreq.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/*
 * The SPI range we allocate from: every SPI but the reserved 0-255 (RFC 4303
 * section 2.1). XFRM hashes an SA by its SPI as stored, in network order,
 * folded onto the table; with the first 4 bits fixed (strongSwan's default,
 * 0xc0000000-0xcfffffff) only 2^14 buckets can be reached below a table of
 * 2^20, so at 100,000 SAs every lookup by SPI (each inbound packet's among
 * them) walks chains of about ten. The whole range reaches every bucket.
 */
#define XFRM_SPI_MIN	0x00000100u
#define XFRM_SPI_MAX	0xffffffffu

/* Without ESN, replay windows up to this fit struct xfrm_usersa_info. */
#define XFRM_LEGACY_WINDOW	32

struct xfrm_priv {
	struct nl_sock *sk;
	char err[256];
	bool has_module;	/* xfrm_mif is loaded: mod is open */
	struct mifnl mod;
	struct mifnl events;	/* the module's events group; sk NULL: none */
	struct nl_sock *acquire;	/* XFRM's acquires; NULL: none */
	int epfd;		/* both event sockets, for event_fd; -1: none */
	struct spi_set spis;	/* inbound SPIs given out, not yet added */
};

static struct xfrm_priv *priv_of(const struct backend *b)
{
	return b->priv;
}

static void set_err(struct xfrm_priv *p, const char *why)
{
	snprintf(p->err, sizeof(p->err), "%s", why);
}

/* ---- Requests ---------------------------------------------------------- */

typedef xfrm_reply_fn reply_fn;

/*
 * Send @msg (consumed: wiped and freed), pass each reply to @fn, wait for
 * the acknowledgement (user/nlreq.c). 0 or -errno, the reason in p->err.
 */
static int request(struct xfrm_priv *p, struct nl_msg *msg, reply_fn fn,
		   void *arg)
{
	bool dump = nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP;
	struct nlreq_result res;
	int err;

	err = nlreq_run(p->sk, msg, fn, arg, &res);
	if (res.ack.msg[0])
		set_err(p, res.ack.msg);
	else if (res.why)
		set_err(p, res.why);
	else if (res.refused)
		set_err(p, "unexpected reply from the kernel");
	if (!err && fn && !res.replies && !dump) {
		err = -EBADMSG;
		set_err(p, "no reply from the kernel");
	}
	return err;
}

int xfrm_request(struct backend *b, const struct nlmsghdr *nlh,
		 xfrm_reply_fn fn, void *arg)
{
	struct nl_msg *msg = nlmsg_convert((struct nlmsghdr *)nlh);

	if (!msg) {
		set_err(priv_of(b), "out of memory");
		return -ENOMEM;
	}
	nlmsg_hdr(msg)->nlmsg_seq = NL_AUTO_SEQ;
	nlmsg_hdr(msg)->nlmsg_pid = NL_AUTO_PORT;
	return request(priv_of(b), msg, fn, arg);
}

void xfrm_set_error(struct backend *b, const char *why)
{
	set_err(priv_of(b), why);
}

/* ---- Conversions ------------------------------------------------------- */

/* An nl_addr for @a, or the unspecified address of @family if @a is unset. */
static struct nl_addr *nl_addr_of(const struct ip_addr *a, int family)
{
	static const uint8_t zero[16];

	if (a && a->family)
		return nl_addr_build(a->family, a->bytes, ip_addr_len(a));
	return nl_addr_build(family, zero, family == AF_INET6 ? 16 : 4);
}

static void xfrm_addr_of(xfrm_address_t *x, const struct ip_addr *a)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a->bytes, ip_addr_len(a));
}

static bool family_ok(int family)
{
	return family == AF_INET || family == AF_INET6;
}

static int sel_family(const struct kernel_sel *ks)
{
	return ks->src.family ? ks->src.family : ks->dst.family;
}

static bool sel_ok(const struct kernel_sel *ks)
{
	int family = sel_family(ks);
	int max = family == AF_INET6 ? 128 : 32;

	if (!family_ok(family))
		return false;
	if ((ks->src.family && ks->src.family != family) ||
	    (ks->dst.family && ks->dst.family != family))
		return false;
	return ks->src_len <= max && ks->dst_len <= max;
}

/* A new selector object for @ks (caller checked sel_ok), NULL on ENOMEM. */
static struct xfrmnl_sel *sel_new(const struct kernel_sel *ks)
{
	int family = sel_family(ks);
	struct xfrmnl_sel *sel = xfrmnl_sel_alloc();
	struct nl_addr *src = nl_addr_of(&ks->src, family);
	struct nl_addr *dst = nl_addr_of(&ks->dst, family);

	if (!sel || !src || !dst)
		goto fail;
	xfrmnl_sel_set_saddr(sel, src);
	xfrmnl_sel_set_daddr(sel, dst);
	nl_addr_put(src);
	nl_addr_put(dst);
	xfrmnl_sel_set_family(sel, (unsigned int)family);
	xfrmnl_sel_set_prefixlen_s(sel, ks->src_len);
	xfrmnl_sel_set_prefixlen_d(sel, ks->dst_len);
	xfrmnl_sel_set_proto(sel, ks->proto);
	/* Host order: libnl-xfrm converts ports and masks. */
	if (ks->sport_mask) {
		xfrmnl_sel_set_sport(sel, ks->sport & ks->sport_mask);
		xfrmnl_sel_set_sportmask(sel, ks->sport_mask);
	}
	if (ks->dport_mask) {
		xfrmnl_sel_set_dport(sel, ks->dport & ks->dport_mask);
		xfrmnl_sel_set_dportmask(sel, ks->dport_mask);
	}
	return sel;

fail:
	if (src)
		nl_addr_put(src);
	if (dst)
		nl_addr_put(dst);
	if (sel)
		xfrmnl_sel_put(sel);
	return NULL;
}

/* Limits as configured: 0 is "none", which XFRM spells XFRM_INF. */
static struct xfrmnl_ltime_cfg *ltime_new(uint64_t soft_bytes,
					  uint64_t hard_bytes,
					  uint64_t soft_seconds,
					  uint64_t hard_seconds)
{
	struct xfrmnl_ltime_cfg *lt = xfrmnl_ltime_cfg_alloc();

	if (!lt)
		return NULL;
	xfrmnl_ltime_cfg_set_soft_bytelimit(lt, soft_bytes ? soft_bytes : XFRM_INF);
	xfrmnl_ltime_cfg_set_hard_bytelimit(lt, hard_bytes ? hard_bytes : XFRM_INF);
	xfrmnl_ltime_cfg_set_soft_packetlimit(lt, XFRM_INF);
	xfrmnl_ltime_cfg_set_hard_packetlimit(lt, XFRM_INF);
	xfrmnl_ltime_cfg_set_soft_addexpires(lt, soft_seconds);
	xfrmnl_ltime_cfg_set_hard_addexpires(lt, hard_seconds);
	return lt;
}

/* A mark with a value but no mask means "exactly this value". */
static uint32_t mark_mask(uint32_t mark, uint32_t mask)
{
	return mark && !mask ? 0xffffffffu : mask;
}

static int xfrm_mode(enum kernel_mode mode)
{
	return mode == KERNEL_MODE_TUNNEL ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
}

static int put_mark(struct nl_msg *msg, uint32_t mark, uint32_t mask)
{
	struct xfrm_mark m = { .v = mark, .m = mark_mask(mark, mask) };

	if (!mark && !mask)
		return 0;
	return nla_put(msg, XFRMA_MARK, sizeof(m), &m);
}

/* ---- add_sa ------------------------------------------------------------ */

/* Append the algorithm attributes (with keys) for @sa to @msg. */
static int put_algs(struct xfrm_priv *p, struct nl_msg *msg,
		    const struct kernel_sa *sa)
{
	const struct transform *enc, *integ = NULL;
	struct nlattr *nla;

	enc = transform_find(IKE_XF_ENCR, sa->encr, sa->encr_key_bits);
	if (!enc || !enc->xfrm_name) {
		set_err(p, "encryption transform not supported");
		return -EOPNOTSUPP;
	}
	if (sa->encr_key_len != transform_keymat_len(enc) ||
	    sa->encr_key_len > sizeof(sa->encr_key)) {
		set_err(p, "encryption key of the wrong length");
		return -EINVAL;
	}
	if (enc->aead) {
		struct xfrm_algo_aead *a;

		if (sa->integ != IKE_INTEG_NONE) {
			set_err(p, "integrity transform with an AEAD cipher");
			return -EINVAL;
		}
		nla = nla_reserve(msg, XFRMA_ALG_AEAD,
				  (int)(sizeof(*a) + sa->encr_key_len));
		if (!nla)
			return -EMSGSIZE;
		a = nla_data(nla);
		snprintf(a->alg_name, sizeof(a->alg_name), "%s", enc->xfrm_name);
		a->alg_key_len = (unsigned int)sa->encr_key_len * 8;
		a->alg_icv_len = enc->xfrm_icv_bits;
		memcpy(a->alg_key, sa->encr_key, sa->encr_key_len);
		return 0;
	}

	integ = transform_find(IKE_XF_INTEG, sa->integ, 0);
	if (!integ || !integ->xfrm_name) {
		set_err(p, "integrity transform not supported");
		return -EOPNOTSUPP;
	}
	if (sa->integ_key_len != integ->key_len ||
	    sa->integ_key_len > sizeof(sa->integ_key)) {
		set_err(p, "integrity key of the wrong length");
		return -EINVAL;
	}
	{
		struct xfrm_algo *c;

		nla = nla_reserve(msg, XFRMA_ALG_CRYPT,
				  (int)(sizeof(*c) + sa->encr_key_len));
		if (!nla)
			return -EMSGSIZE;
		c = nla_data(nla);
		snprintf(c->alg_name, sizeof(c->alg_name), "%s", enc->xfrm_name);
		c->alg_key_len = (unsigned int)sa->encr_key_len * 8;
		memcpy(c->alg_key, sa->encr_key, sa->encr_key_len);
	}
	{
		struct xfrm_algo_auth *a;

		nla = nla_reserve(msg, XFRMA_ALG_AUTH_TRUNC,
				  (int)(sizeof(*a) + sa->integ_key_len));
		if (!nla)
			return -EMSGSIZE;
		a = nla_data(nla);
		snprintf(a->alg_name, sizeof(a->alg_name), "%s", integ->xfrm_name);
		a->alg_key_len = (unsigned int)sa->integ_key_len * 8;
		a->alg_trunc_len = integ->xfrm_icv_bits;
		memcpy(a->alg_key, sa->integ_key, sa->integ_key_len);
	}
	return 0;
}

/* ESN, or a window too large for xfrm_usersa_info: XFRMA_REPLAY_ESN_VAL. */
static bool needs_esn_attr(const struct kernel_sa *sa)
{
	return sa->esn || sa->replay_window > XFRM_LEGACY_WINDOW;
}

static int put_replay_esn(struct nl_msg *msg, const struct kernel_sa *sa)
{
	struct xfrm_replay_state_esn *r;
	struct nlattr *nla;
	uint32_t window = sa->replay_window;
	uint32_t bmp_len;
	size_t len;

	/* The kernel refuses an ESN SA without a window. */
	if (!window)
		window = XFRM_LEGACY_WINDOW;
	if (window > XFRMA_REPLAY_ESN_MAX / sizeof(uint32_t) / 8 * 32)
		return -EINVAL;
	bmp_len = (window + 31) / 32;
	len = sizeof(*r) + bmp_len * sizeof(uint32_t);
	nla = nla_reserve(msg, XFRMA_REPLAY_ESN_VAL, (int)len);
	if (!nla)
		return -EMSGSIZE;
	r = nla_data(nla);
	memset(r, 0, len);
	r->bmp_len = bmp_len;
	r->replay_window = window;
	return 0;
}

/* The libnl object with everything but keys and what libnl lacks. */
static struct xfrmnl_sa *sa_object(const struct kernel_sa *sa)
{
	struct xfrmnl_sa *o = xfrmnl_sa_alloc();
	struct nl_addr *src = nl_addr_of(&sa->src, sa->src.family);
	struct nl_addr *dst = nl_addr_of(&sa->dst, sa->dst.family);
	struct xfrmnl_ltime_cfg *lt = ltime_new(sa->soft_bytes, sa->hard_bytes,
						sa->soft_seconds,
						sa->hard_seconds);
	struct xfrmnl_sel *sel = NULL;
	unsigned int flags = 0;
	int err = -1;

	if (!o || !src || !dst || !lt)
		goto out;
	xfrmnl_sa_set_family(o, (unsigned int)sa->dst.family);
	if (xfrmnl_sa_set_daddr(o, dst) < 0 || xfrmnl_sa_set_saddr(o, src) < 0)
		goto out;
	xfrmnl_sa_set_spi(o, sa->spi);
	xfrmnl_sa_set_proto(o, IPPROTO_ESP);
	xfrmnl_sa_set_mode(o, (unsigned int)xfrm_mode(sa->mode));
	xfrmnl_sa_set_reqid(o, sa->reqid);
	xfrmnl_sa_set_lifetime_cfg(o, lt);
	if (!needs_esn_attr(sa))
		xfrmnl_sa_set_replay_window(o, sa->replay_window);
	if (sa->esn)
		flags |= XFRM_STATE_ESN;
	/* Tunnel mode may carry the other family inside (as strongSwan). */
	if (sa->mode == KERNEL_MODE_TUNNEL)
		flags |= XFRM_STATE_AF_UNSPEC;
	xfrmnl_sa_set_flags(o, flags);
	if (sa->mark || sa->mark_mask)
		xfrmnl_sa_set_mark(o, sa->mark, mark_mask(sa->mark, sa->mark_mask));
	if (sa->encap_sport || sa->encap_dport) {
		struct nl_addr *oa = nl_addr_of(NULL, sa->dst.family);

		if (!oa)
			goto out;
		err = xfrmnl_sa_set_encap_tmpl(o, UDP_ENCAP_ESPINUDP,
					       sa->encap_sport, sa->encap_dport,
					       oa);
		nl_addr_put(oa);
		if (err < 0)
			goto out;
		err = -1;
	}
	if (sa->has_sel) {
		sel = sel_new(&sa->sel);
		if (!sel)
			goto out;
		xfrmnl_sa_set_sel(o, sel);
	}
	err = 0;
out:
	if (sel)
		xfrmnl_sel_put(sel);
	if (lt)
		xfrmnl_ltime_cfg_put(lt);
	if (src)
		nl_addr_put(src);
	if (dst)
		nl_addr_put(dst);
	if (err && o) {
		xfrmnl_sa_put(o);
		o = NULL;
	}
	return o;
}

static int send_sa(struct xfrm_priv *p, const struct kernel_sa *sa, int cmd)
{
	struct xfrmnl_sa *o = sa_object(sa);
	struct nl_msg *msg = NULL;
	int err;

	if (!o)
		return -ENOMEM;
	err = cmd == XFRM_MSG_UPDSA ? xfrmnl_sa_build_update_request(o, 0, &msg) :
				      xfrmnl_sa_build_add_request(o, 0, &msg);
	xfrmnl_sa_put(o);
	if (err < 0)
		return nlreq_errno(err);
	err = put_algs(p, msg, sa);
	if (!err && needs_esn_attr(sa))
		err = put_replay_esn(msg, sa);
	if (!err && sa->if_id && nla_put_u32(msg, XFRMA_IF_ID, sa->if_id) < 0)
		err = -EMSGSIZE;
	if (err) {
		nlreq_msg_free(msg);
		return err;
	}
	return request(p, msg, NULL, NULL);
}

static int xfrm_add_sa(struct backend *b, const struct kernel_sa *sa)
{
	struct xfrm_priv *p = priv_of(b);
	int err;

	p->err[0] = '\0';
	if (!family_ok(sa->dst.family) || sa->src.family != sa->dst.family) {
		set_err(p, "SA with an unset or mixed address family");
		return -EINVAL;
	}
	if (!sa->spi || (sa->has_sel && !sel_ok(&sa->sel))) {
		set_err(p, "SA without an SPI or with a bad selector");
		return -EINVAL;
	}
	err = send_sa(p, sa, XFRM_MSG_NEWSA);
	if (!err)
		spi_set_del(&p->spis, sa->spi);	/* ours now, if it was */
	else if (err == -EEXIST && spi_set_has(&p->spis, sa->spi))
		set_err(p, "an SA of this SPI and destination was added since "
			"the SPI was chosen, by another than mifd");
	return err;
}

/*
 * XFRM_MSG_UPDSA on an SA in place (xfrm_state_update()): the kernel
 * builds a state from the message, takes from it the encapsulation (of
 * the same type as the SA's), lifetimes and care-of address, and drops
 * it with its keys; the SA keeps its own keys and replay state.
 */
static int xfrm_update_sa(struct backend *b, const struct kernel_sa *sa)
{
	struct xfrm_priv *p = priv_of(b);

	p->err[0] = '\0';
	if (!family_ok(sa->dst.family) || sa->src.family != sa->dst.family ||
	    !sa->spi) {
		set_err(p, "SA update without an SPI or an address family");
		return -EINVAL;
	}
	if (!sa->encap_sport || !sa->encap_dport) {
		set_err(p, "SA update without UDP encapsulation ports");
		return -EINVAL;
	}
	return send_sa(p, sa, XFRM_MSG_UPDSA);
}

/* ---- del_sa, sa_stats -------------------------------------------------- */

static int xfrm_del_sa(struct backend *b, const struct ip_addr *dst,
		       uint32_t spi, uint32_t mark, uint32_t mask)
{
	struct xfrm_priv *p = priv_of(b);
	struct xfrmnl_sa *o;
	struct nl_addr *d;
	struct nl_msg *msg = NULL;
	bool reserved;
	int err;

	p->err[0] = '\0';
	if (!family_ok(dst->family))
		return -EINVAL;
	reserved = spi_set_del(&p->spis, spi);
	o = xfrmnl_sa_alloc();
	d = nl_addr_of(dst, dst->family);
	if (!o || !d) {
		err = -ENOMEM;
		goto out;
	}
	xfrmnl_sa_set_daddr(o, d);
	xfrmnl_sa_set_spi(o, spi);
	xfrmnl_sa_set_proto(o, IPPROTO_ESP);
	if (mark || mask)
		xfrmnl_sa_set_mark(o, mark, mark_mask(mark, mask));
	err = xfrmnl_sa_build_delete_request(o, 0, &msg);
	err = err < 0 ? nlreq_errno(err) : request(p, msg, NULL, NULL);
	/* An SPI given out for an SA never added: nothing to delete. */
	if (err == -ESRCH && reserved) {
		err = 0;
		p->err[0] = '\0';
	}
out:
	if (d)
		nl_addr_put(d);
	if (o)
		xfrmnl_sa_put(o);
	return err;
}

static int parse_ae(struct nlmsghdr *nlh, void *arg)
{
	struct kernel_sa_stats *st = arg;
	struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_lifetime_cur *cur;

	if (nlh->nlmsg_type != XFRM_MSG_NEWAE ||
	    nlmsg_parse(nlh, sizeof(struct xfrm_aevent_id), tb, XFRMA_MAX,
			NULL) < 0 ||
	    !tb[XFRMA_LTIME_VAL] ||
	    nla_len(tb[XFRMA_LTIME_VAL]) < (int)sizeof(*cur))
		return -EBADMSG;
	cur = nla_data(tb[XFRMA_LTIME_VAL]);
	st->bytes = cur->bytes;
	st->packets = cur->packets;
	st->use_time = cur->use_time;
	return 0;
}

static int xfrm_sa_stats(struct backend *b, const struct ip_addr *dst,
			 uint32_t spi, uint32_t mark, uint32_t mask,
			 struct kernel_sa_stats *st)
{
	struct xfrm_priv *p = priv_of(b);
	struct xfrm_aevent_id id;
	struct nl_msg *msg;

	p->err[0] = '\0';
	if (!family_ok(dst->family))
		return -EINVAL;
	memset(&id, 0, sizeof(id));
	memset(st, 0, sizeof(*st));
	xfrm_addr_of(&id.sa_id.daddr, dst);
	id.sa_id.spi = htonl(spi);
	id.sa_id.family = (uint16_t)dst->family;
	id.sa_id.proto = IPPROTO_ESP;

	msg = nlmsg_alloc_simple(XFRM_MSG_GETAE, 0);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &id, sizeof(id), NLMSG_ALIGNTO) < 0 ||
	    put_mark(msg, mark, mask) < 0) {
		nlreq_msg_free(msg);
		return -EMSGSIZE;
	}
	return request(p, msg, parse_ae, st);
}

/* ---- alloc_spi --------------------------------------------------------- */

static time_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Tries before giving up: with 10^6 SAs, all 8 taken is one in 10^25. */
#define SPI_TRIES	8

/*
 * A random SPI that no SA to dst has, and that no other negotiation of
 * ours holds (spi.h). The kernel is asked with XFRM_MSG_GETAE, a lookup
 * by hash that, unlike GETSA, answers without the SA's keys.
 */
static int xfrm_alloc_spi(struct backend *b, const struct ip_addr *src,
			  const struct ip_addr *dst, uint32_t reqid,
			  uint32_t *spi)
{
	struct xfrm_priv *p = priv_of(b);
	struct kernel_sa_stats st;
	int err;

	p->err[0] = '\0';
	if (!family_ok(dst->family) || src->family != dst->family) {
		set_err(p, "SPI for an unset or mixed address family");
		return -EINVAL;
	}
	for (int i = 0; i < SPI_TRIES; i++) {
		uint32_t v = spi_random(XFRM_SPI_MIN, XFRM_SPI_MAX);

		if (!v) {
			set_err(p, "no random bytes for an SPI");
			return -EIO;
		}
		if (spi_set_has(&p->spis, v))
			continue;
		err = xfrm_sa_stats(b, dst, v, 0, 0, &st);
		if (!err)
			continue;	/* taken */
		if (err != -ESRCH)
			return err;
		p->err[0] = '\0';
		err = spi_set_add(&p->spis, v, now());
		if (err)
			return err;
		*spi = v;
		return 0;
	}
	set_err(p, "no free SPI found");
	return -EAGAIN;
}

/* ---- Policies ---------------------------------------------------------- */

static int xfrm_dir(enum kernel_dir dir)
{
	switch (dir) {
	case KERNEL_DIR_IN:
		return XFRM_POLICY_IN;
	case KERNEL_DIR_OUT:
		return XFRM_POLICY_OUT;
	default:
		return XFRM_POLICY_FWD;
	}
}

static int policy_check(struct xfrm_priv *p, const struct kernel_policy *pol,
			bool add)
{
	if (!sel_ok(&pol->sel)) {
		set_err(p, "policy with a bad selector");
		return -EINVAL;
	}
	if (pol->dir != KERNEL_DIR_IN && pol->dir != KERNEL_DIR_OUT &&
	    pol->dir != KERNEL_DIR_FWD)
		return -EINVAL;
	if (add && pol->mode == KERNEL_MODE_TUNNEL &&
	    (!family_ok(pol->tmpl_dst.family) ||
	     pol->tmpl_src.family != pol->tmpl_dst.family)) {
		set_err(p, "tunnel policy without endpoints of one family");
		return -EINVAL;
	}
	return 0;
}

/* The ESP template of @pol, NULL on ENOMEM. */
static struct xfrmnl_user_tmpl *tmpl_new(const struct kernel_policy *pol)
{
	struct xfrmnl_user_tmpl *t = xfrmnl_user_tmpl_alloc();
	bool tunnel = pol->mode == KERNEL_MODE_TUNNEL;
	int family = tunnel ? pol->tmpl_dst.family : sel_family(&pol->sel);
	struct nl_addr *src = nl_addr_of(tunnel ? &pol->tmpl_src : NULL, family);
	struct nl_addr *dst = nl_addr_of(tunnel ? &pol->tmpl_dst : NULL, family);

	if (!t || !src || !dst) {
		if (t)
			xfrmnl_user_tmpl_free(t);
		t = NULL;
		goto out;
	}
	xfrmnl_user_tmpl_set_family(t, (unsigned int)family);
	xfrmnl_user_tmpl_set_saddr(t, src);
	xfrmnl_user_tmpl_set_daddr(t, dst);
	xfrmnl_user_tmpl_set_proto(t, IPPROTO_ESP);
	xfrmnl_user_tmpl_set_mode(t, (unsigned int)xfrm_mode(pol->mode));
	xfrmnl_user_tmpl_set_reqid(t, pol->reqid);
	xfrmnl_user_tmpl_set_aalgos(t, ~0u);
	xfrmnl_user_tmpl_set_ealgos(t, ~0u);
	xfrmnl_user_tmpl_set_calgos(t, ~0u);
out:
	if (src)
		nl_addr_put(src);
	if (dst)
		nl_addr_put(dst);
	return t;
}

/* The policy object: selector, direction, mark; with @full, all the rest. */
static struct xfrmnl_sp *sp_object(const struct kernel_policy *pol, bool full)
{
	struct xfrmnl_sp *o = xfrmnl_sp_alloc();
	struct xfrmnl_sel *sel = sel_new(&pol->sel);
	struct xfrmnl_ltime_cfg *lt = NULL;
	struct xfrmnl_user_tmpl *t = NULL;
	int err = -1;

	if (!o || !sel)
		goto out;
	xfrmnl_sp_set_sel(o, sel);
	xfrmnl_sp_set_dir(o, (unsigned int)xfrm_dir(pol->dir));
	if (pol->mark || pol->mark_mask)
		xfrmnl_sp_set_mark(o, pol->mark,
				   mark_mask(pol->mark, pol->mark_mask));
	if (full) {
		lt = ltime_new(0, 0, 0, 0);
		t = tmpl_new(pol);
		if (!lt || !t)
			goto out;
		xfrmnl_sp_set_lifetime_cfg(o, lt);
		xfrmnl_sp_set_priority(o, pol->priority);
		xfrmnl_sp_set_action(o, XFRM_POLICY_ALLOW);
		xfrmnl_sp_add_usertemplate(o, t);	/* o owns t now */
		t = NULL;
	}
	err = 0;
out:
	if (t)
		xfrmnl_user_tmpl_free(t);
	if (lt)
		xfrmnl_ltime_cfg_put(lt);
	if (sel)
		xfrmnl_sel_put(sel);
	if (err && o) {
		xfrmnl_sp_put(o);
		o = NULL;
	}
	return o;
}

/* Add (or replace, as UPDPOLICY does) or delete one policy. */
static int send_policy(struct backend *b, const struct kernel_policy *pol,
		       bool add)
{
	struct xfrm_priv *p = priv_of(b);
	struct xfrmnl_sp *o;
	struct nl_msg *msg = NULL;
	int err;

	p->err[0] = '\0';
	err = policy_check(p, pol, add);
	if (err)
		return err;
	o = sp_object(pol, add);
	if (!o)
		return -ENOMEM;
	err = add ? xfrmnl_sp_build_update_request(o, 0, &msg) :
		    xfrmnl_sp_build_delete_request(o, 0, &msg);
	xfrmnl_sp_put(o);
	if (err < 0)
		return nlreq_errno(err);
	/* libnl-xfrm 3.7 knows no XFRMA_IF_ID. */
	if (pol->if_id && nla_put_u32(msg, XFRMA_IF_ID, pol->if_id) < 0) {
		nlreq_msg_free(msg);
		return -EMSGSIZE;
	}
	return request(p, msg, NULL, NULL);
}

static int xfrm_add_policy(struct backend *b, const struct kernel_policy *pol)
{
	return send_policy(b, pol, true);
}

static int xfrm_del_policy(struct backend *b, const struct kernel_policy *pol)
{
	return send_policy(b, pol, false);
}

/* ---- Interface-wide operations ---------------------------------------- */

/* The module's message of the last failure, as ours. */
static int module_err(struct xfrm_priv *p, int err)
{
	if (err)
		set_err(p, p->mod.err[0] ? p->mod.err : "xfrm_mif refused");
	return err;
}

static int xfrm_move_addr(struct backend *b, const struct kernel_move *m,
			  const struct kernel_scope *s,
			  struct kernel_iface_result *r)
{
	struct xfrm_priv *p = priv_of(b);

	p->err[0] = '\0';
	/* The module's rewrite keeps an SA's encapsulation: per SA then. */
	if (p->has_module && !m->encap_off)
		return module_err(p, module_move(&p->mod, m, s, r));
	return xfrm_iface_move(b, m, s, r);
}

static int xfrm_delete_addr(struct backend *b, const struct ip_addr *addr,
			    const struct kernel_scope *s,
			    struct kernel_iface_result *r)
{
	struct xfrm_priv *p = priv_of(b);

	p->err[0] = '\0';
	if (p->has_module)
		return module_err(p, module_delete(&p->mod, addr, s, r));
	return xfrm_iface_delete(b, addr, s, r);
}

static int xfrm_clone_addr(struct backend *b, const struct kernel_clone *c,
			   const struct kernel_scope *s,
			   struct kernel_iface_result *r)
{
	struct xfrm_priv *p = priv_of(b);

	p->err[0] = '\0';
	if (p->has_module) {
		int err = module_err(p, module_clone(&p->mod, c, s, r));

		/* The copies' SPIs were given out for them: added now. */
		for (unsigned int i = 0; !err && i < c->n_sas; i++)
			spi_set_del(&p->spis, c->sas[i].new_spi);
		return err;
	}
	set_err(p, "cloning needs the xfrm_mif module");
	return -EOPNOTSUPP;
}

static int xfrm_set_alts(struct backend *b, const struct ip_addr *addr,
			 const struct ip_addr *alts, unsigned int n,
			 const struct kernel_scope *s)
{
	struct xfrm_priv *p = priv_of(b);

	p->err[0] = '\0';
	if (p->has_module)
		return module_err(p, module_set_alts(&p->mod, addr, alts, n, s));
	set_err(p, "failover in the kernel needs the xfrm_mif module");
	return -EOPNOTSUPP;
}

static int xfrm_event_fd(struct backend *b)
{
	return priv_of(b)->epfd;
}

static int xfrm_read_events(struct backend *b, kernel_event_fn fn, void *arg)
{
	struct xfrm_priv *p = priv_of(b);
	int err = 0, e2 = 0;

	if (p->events.sk)
		err = module_events_read(&p->events, fn, arg);
	if (p->acquire)
		e2 = xfrm_acquire_read(p->acquire, fn, arg);
	return err ? err : e2;
}

/*
 * One descriptor for the daemon to poll: an epoll set of the module's
 * events and the acquires, whichever are open.
 */
static void events_poll_open(struct xfrm_priv *p)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct nl_sock *socks[2] = { p->events.sk, p->acquire };

	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epfd < 0)
		return;
	for (int i = 0; i < 2; i++)
		if (socks[i] && epoll_ctl(p->epfd, EPOLL_CTL_ADD,
					  nl_socket_get_fd(socks[i]), &ev)) {
			close(p->epfd);
			p->epfd = -1;
			return;
		}
}

/* ---- Life cycle -------------------------------------------------------- */

static void xfrm_destroy(struct backend *b)
{
	struct xfrm_priv *p = priv_of(b);

	if (!p)
		return;
	if (p->sk)
		nl_socket_free(p->sk);
	mifnl_close(&p->mod);
	mifnl_close(&p->events);
	xfrm_acquire_close(p->acquire);
	if (p->epfd >= 0)
		close(p->epfd);
	spi_set_free(&p->spis);
	free(p);
	b->priv = NULL;
	b->ops = NULL;
}

static const struct backend_ops xfrm_ops = {
	.alloc_spi = xfrm_alloc_spi,
	.add_sa = xfrm_add_sa,
	.update_sa = xfrm_update_sa,
	.del_sa = xfrm_del_sa,
	.sa_stats = xfrm_sa_stats,
	.add_policy = xfrm_add_policy,
	.del_policy = xfrm_del_policy,
	.move_addr = xfrm_move_addr,
	.delete_addr = xfrm_delete_addr,
	.clone_addr = xfrm_clone_addr,
	.set_alts = xfrm_set_alts,
	.event_fd = xfrm_event_fd,
	.read_events = xfrm_read_events,
	.destroy = xfrm_destroy,
};

int xfrm_backend_open(struct backend *b)
{
	struct xfrm_priv *p = calloc(1, sizeof(*p));
	int one = 1, err;

	b->ops = NULL;
	b->priv = NULL;
	if (!p)
		return -ENOMEM;
	p->epfd = -1;
	p->sk = nl_socket_alloc();
	if (!p->sk) {
		free(p);
		return -ENOMEM;
	}
	err = nl_connect(p->sk, NETLINK_XFRM);
	if (err < 0) {
		err = err == -NLE_PROTO_MISMATCH ? -EPROTONOSUPPORT : nlreq_errno(err);
		goto fail;
	}
	/* Error replies must not echo our requests, keys and all. */
	if (setsockopt(nl_socket_get_fd(p->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		       &one, sizeof(one)) < 0) {
		err = -errno;
		goto fail;
	}
	setsockopt(nl_socket_get_fd(p->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	/*
	 * The module if it is loaded (-ENOENT: it is not; any other failure
	 * leaves the per-SA fallback too). Its events come on a socket of
	 * their own, so that they never mix with the answers to requests.
	 */
	p->has_module = !mifnl_open(&p->mod);
	if (p->has_module && module_events_open(&p->events))
		memset(&p->events, 0, sizeof(p->events));
	/* Trap policies need the acquires; without them none start. */
	p->acquire = xfrm_acquire_open();
	events_poll_open(p);
	b->ops = &xfrm_ops;
	b->priv = p;
	return 0;

fail:
	nl_socket_free(p->sk);
	free(p);
	return err;
}

bool xfrm_backend_uses_module(const struct backend *b)
{
	const struct xfrm_priv *p = b->priv;

	return p && p->has_module;
}

const char *xfrm_backend_error(const struct backend *b)
{
	const struct xfrm_priv *p = b->priv;

	return p ? p->err : "";
}
