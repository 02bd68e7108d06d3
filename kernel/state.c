// SPDX-License-Identifier: GPL-2.0
/*
 * Copies of SAs. The kernel cannot change an SA's addresses in place (SAs
 * are hashed by them), so rewrite and clone both build a copy, change it,
 * initialise it and publish it. XFRM's own copy (xfrm_state_clone) is
 * static; this one also refuses what it cannot copy faithfully.
 */
#include <kunit/visibility.h>
#include <linux/slab.h>
#include <net/xfrm.h>

#include "mif.h"

/*
 * An unpublished copy of x, keys, counters and lifetimes included, not yet
 * initialised: the caller changes it, then calls xfrm_init_state().
 */
struct xfrm_state *mif_state_copy(struct xfrm_state *x,
				  struct netlink_ext_ack *extack)
{
	struct xfrm_state *xc;

	if (x->security) {
		NL_SET_ERR_MSG(extack, "SA has a security context");
		return ERR_PTR(-EOPNOTSUPP);
	}
	if (x->xso.dev) {
		NL_SET_ERR_MSG(extack, "SA is offloaded to a device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	if (x->tunnel) {
		NL_SET_ERR_MSG(extack, "SA has an IPcomp tunnel SA");
		return ERR_PTR(-EOPNOTSUPP);
	}

	xc = xfrm_state_alloc(xs_net(x));
	if (!xc)
		return ERR_PTR(-ENOMEM);

	xc->id = x->id;
	xc->sel = x->sel;
	xc->mark = x->mark;
	xc->if_id = x->if_id;
	xc->tfcpad = x->tfcpad;
	xc->props.mode = x->props.mode;
	xc->props.replay_window = x->props.replay_window;
	xc->props.reqid = x->props.reqid;
	xc->props.family = x->props.family;
	xc->props.saddr = x->props.saddr;
	xc->props.aalgo = x->props.aalgo;
	xc->props.ealgo = x->props.ealgo;
	xc->props.calgo = x->props.calgo;
	xc->props.flags = x->props.flags;
	xc->props.extra_flags = x->props.extra_flags;
	xc->props.smark = x->props.smark;
	xc->lft = x->lft;
	xc->replay_maxage = x->replay_maxage;
	xc->replay_maxdiff = x->replay_maxdiff;
	xc->mapping_maxage = x->mapping_maxage;
	xc->km.seq = x->km.seq;
	xc->geniv = x->geniv;

	if (x->aalg) {
		xc->aalg = xfrm_algo_auth_clone(x->aalg);
		if (!xc->aalg)
			goto nomem;
	}
	if (x->ealg) {
		xc->ealg = xfrm_algo_clone(x->ealg);
		if (!xc->ealg)
			goto nomem;
	}
	if (x->calg) {
		xc->calg = xfrm_algo_clone(x->calg);
		if (!xc->calg)
			goto nomem;
	}
	if (x->aead) {
		xc->aead = xfrm_algo_aead_clone(x->aead);
		if (!xc->aead)
			goto nomem;
	}
	if (x->encap) {
		xc->encap = kmemdup(x->encap, sizeof(*x->encap), GFP_KERNEL);
		if (!xc->encap)
			goto nomem;
	}
	if (x->coaddr) {
		xc->coaddr = kmemdup(x->coaddr, sizeof(*x->coaddr), GFP_KERNEL);
		if (!xc->coaddr)
			goto nomem;
	}
	if (x->replay_esn && xfrm_replay_clone(xc, x))
		goto nomem;
	mif_state_take_counters(xc, x);
	return xc;

nomem:
	mif_state_discard(xc);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_IF_KUNIT(mif_state_copy);

/*
 * Replay counters, lifetime use and expiry state of from, into its copy.
 * Called under from->lock once from carries no more traffic, so that the
 * copy never reuses a sequence number (and with it an AEAD nonce), and
 * XFRM's lifetime timer goes on from where it was: an SA that has expired
 * softly (km.dying) does not expire softly again as a copy, and one whose
 * soft expiry is pending keeps the time XFRM saved for it (xflags,
 * saved_tmo). xflags also carries the deferred replay notification.
 */
void mif_state_take_counters(struct xfrm_state *to,
			     const struct xfrm_state *from)
{
	to->replay = from->replay;
	to->preplay = from->preplay;
	if (from->replay_esn && to->replay_esn)
		memcpy(to->replay_esn, from->replay_esn,
		       xfrm_replay_state_esn_len(from->replay_esn));
	if (from->preplay_esn && to->preplay_esn)
		memcpy(to->preplay_esn, from->preplay_esn,
		       xfrm_replay_state_esn_len(from->preplay_esn));
	to->curlft = from->curlft;
	to->lastused = from->lastused;
	to->stats = from->stats;
	to->km.dying = from->km.dying;
	to->xflags = from->xflags;
	to->saved_tmo = from->saved_tmo;
}
EXPORT_SYMBOL_IF_KUNIT(mif_state_take_counters);

/*
 * Fresh counters and expiry state, as for a new SA: a clone never inherits
 * another's.
 */
void mif_state_reset_counters(struct xfrm_state *x)
{
	memset(&x->replay, 0, sizeof(x->replay));
	memset(&x->preplay, 0, sizeof(x->preplay));
	if (x->replay_esn) {
		x->replay_esn->seq = 0;
		x->replay_esn->seq_hi = 0;
		x->replay_esn->oseq = 0;
		x->replay_esn->oseq_hi = 0;
		memset(x->replay_esn->bmp, 0,
		       x->replay_esn->bmp_len * sizeof(__u32));
	}
	if (x->preplay_esn)
		memcpy(x->preplay_esn, x->replay_esn,
		       xfrm_replay_state_esn_len(x->replay_esn));
	memset(&x->curlft, 0, sizeof(x->curlft));
	x->curlft.add_time = ktime_get_real_seconds();
	x->lastused = 0;
	memset(&x->stats, 0, sizeof(x->stats));
	x->km.dying = 0;
	x->km.seq = 0;
	x->xflags = 0;
	x->saved_tmo = 0;
}
EXPORT_SYMBOL_IF_KUNIT(mif_state_reset_counters);

/* Drop a copy that was never published (6.1 warns unless it is dead). */
void mif_state_discard(struct xfrm_state *x)
{
	x->km.state = XFRM_STATE_DEAD;
	xfrm_state_put(x);
}
EXPORT_SYMBOL_IF_KUNIT(mif_state_discard);
