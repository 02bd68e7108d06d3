// SPDX-License-Identifier: GPL-2.0
/*
 * Which SAs and policies are bound to an outer address: the rule every
 * interface-granular operation shares.
 *
 * An SA is bound to an address when it is one of its endpoints (the tunnel
 * outer address in tunnel mode, the host address in transport mode) or, in
 * transport mode, the host address of its selector. A policy is bound when
 * one of its templates has the address as an endpoint or, for a transport
 * mode policy, when its selector names the address as a host (/32, /128).
 * The filters narrow that: the mark under its mask, the if_id, and the
 * reqid (a policy's: its first template's) under its mask.
 */
#include <kunit/visibility.h>
#include <net/xfrm.h>

#include "mif.h"

static bool mif_filter_ok(const struct mif_filter *f, u32 mark_v, u32 if_id,
			  u32 reqid)
{
	if (f->has_mark && (mark_v & f->mark_mask) != (f->mark & f->mark_mask))
		return false;
	if (f->has_if_id && if_id != f->if_id)
		return false;
	if (f->has_reqid && ((reqid ^ f->reqid) & f->reqid_mask))
		return false;
	return true;
}

static bool mif_sel_host(const struct mif_addr *a, const xfrm_address_t *sa,
			 u8 prefixlen, unsigned short family)
{
	u8 host = family == AF_INET ? 32 : 128;

	return prefixlen == host && mif_addr_equal(a, sa, family);
}

bool mif_state_bound(const struct mif_filter *f, const struct xfrm_state *x)
{
	unsigned short fam = x->props.family;

	if (!mif_filter_ok(f, x->mark.v, x->if_id, x->props.reqid))
		return false;
	if (mif_addr_equal(&f->addr, &x->id.daddr, fam) ||
	    mif_addr_equal(&f->addr, &x->props.saddr, fam))
		return true;
	if (x->props.mode != XFRM_MODE_TRANSPORT)
		return false;
	return mif_sel_host(&f->addr, &x->sel.saddr, x->sel.prefixlen_s,
			    x->sel.family) ||
	       mif_sel_host(&f->addr, &x->sel.daddr, x->sel.prefixlen_d,
			    x->sel.family);
}
EXPORT_SYMBOL_IF_KUNIT(mif_state_bound);

bool mif_policy_bound(const struct mif_filter *f, const struct xfrm_policy *xp)
{
	bool transport = false;
	int i;

	if (xp->xfrm_nr == 0)
		return false;
	if (!mif_filter_ok(f, xp->mark.v, xp->if_id, xp->xfrm_vec[0].reqid))
		return false;
	for (i = 0; i < xp->xfrm_nr; i++) {
		const struct xfrm_tmpl *t = &xp->xfrm_vec[i];

		if (t->mode == XFRM_MODE_TRANSPORT) {
			transport = true;
			continue;
		}
		if (mif_addr_equal(&f->addr, &t->id.daddr, t->encap_family) ||
		    mif_addr_equal(&f->addr, &t->saddr, t->encap_family))
			return true;
	}
	if (!transport)
		return false;
	return mif_sel_host(&f->addr, &xp->selector.saddr,
			    xp->selector.prefixlen_s, xp->family) ||
	       mif_sel_host(&f->addr, &xp->selector.daddr,
			    xp->selector.prefixlen_d, xp->family);
}
EXPORT_SYMBOL_IF_KUNIT(mif_policy_bound);
