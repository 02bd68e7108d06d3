// SPDX-License-Identifier: GPL-2.0
/*
 * Proposal offer and selection.
 */
#include <errno.h>
#include <string.h>

#include "engine/proposal.h"

#define N_TYPES	PROPOSAL_TYPES

/* "None" transforms (INTEG 0, DH 0) count as absent. */
static bool is_none(const struct ike_transform *t)
{
	return (t->type == IKE_XF_INTEG || t->type == IKE_XF_DH) && t->id == 0;
}

static bool same(const struct ike_transform *a, const struct ike_transform *b)
{
	return a->type == b->type && a->id == b->id && a->key_len == b->key_len;
}

static bool supported(const struct ike_transform *t)
{
	if (t->unknown_attr)
		return false;
	if (t->type == IKE_XF_ESN)
		return t->id == IKE_ESN_NO || t->id == IKE_ESN_YES;
	return transform_find(t->type, t->id, t->key_len) != NULL;
}

static unsigned int count_type(const struct ike_transform *xf, unsigned int n,
			       uint8_t type)
{
	unsigned int c = 0;

	for (unsigned int i = 0; i < n; i++)
		if (xf[i].type == type && !is_none(&xf[i]))
			c++;
	return c;
}

static bool in_list(const struct ike_transform *xf, unsigned int n,
		    const struct ike_transform *t)
{
	for (unsigned int i = 0; i < n; i++)
		if (same(&xf[i], t))
			return true;
	return false;
}

static const struct ike_transform esn_no = { .type = IKE_XF_ESN };

/*
 * Pick one transform of type from offered that mine accepts. ESN absent
 * on a side means "no ESN". Returns 1 picked, 0 type absent on both
 * sides, -1 no match.
 */
static int pick(const struct ike_transform *off, unsigned int n_off,
		const struct conn_proposal *mine, uint8_t type, uint16_t prefer,
		struct ike_transform *out)
{
	unsigned int co = count_type(off, n_off, type);
	unsigned int cm = count_type(mine->xf, mine->n, type);
	const struct ike_transform *mx = mine->xf;
	unsigned int mn = mine->n;

	if (type == IKE_XF_ESN) {
		if (!co) {
			off = &esn_no;
			n_off = 1;
		}
		if (!cm) {
			mx = &esn_no;
			mn = 1;
		}
	} else if (!co && !cm) {
		return 0;
	} else if (!co || !cm) {
		return -1;
	}
	if (prefer) {
		for (unsigned int i = 0; i < n_off; i++)
			if (off[i].type == type && off[i].id == prefer &&
			    supported(&off[i]) && in_list(mx, mn, &off[i])) {
				*out = off[i];
				return 1;
			}
	}
	for (unsigned int i = 0; i < n_off; i++) {
		if (off[i].type != type || is_none(&off[i]))
			continue;
		if (supported(&off[i]) && in_list(mx, mn, &off[i])) {
			*out = off[i];
			return 1;
		}
	}
	return -1;
}

/*
 * A transform type we do not know makes the whole proposal unacceptable
 * (RFC 7296 §3.3.6): dropping it would agree to less than the peer asked
 * for (RFC 9370's additional key exchanges, types 6 and up). An unknown
 * ID of a known type is only never picked.
 */
static bool known_types(const struct ike_proposal *p)
{
	for (unsigned int i = 0; i < p->n_transforms; i++)
		if (p->transforms[i].type < IKE_XF_ENCR ||
		    p->transforms[i].type > IKE_XF_ESN)
			return false;
	return true;
}

static int match(const struct ike_proposal *p, const struct conn_proposal *m,
		 uint8_t protocol, uint16_t ke_group,
		 struct proposal_choice *out)
{
	static const uint8_t types[N_TYPES] = {
		IKE_XF_ENCR, IKE_XF_PRF, IKE_XF_INTEG, IKE_XF_DH, IKE_XF_ESN,
	};
	struct ike_transform t;
	int r;

	memset(out, 0, sizeof(*out));
	if (!known_types(p))
		return -1;
	out->prop.num = p->num;
	out->prop.protocol = p->protocol;
	out->prop.spi_size = p->spi_size;
	memcpy(out->prop.spi, p->spi, sizeof(p->spi));

	for (unsigned int i = 0; i < N_TYPES; i++) {
		if (types[i] == IKE_XF_DH && ke_group == PROPOSAL_NO_DH)
			continue;
		if (types[i] == IKE_XF_ESN && protocol == IKE_PROTO_IKE) {
			if (count_type(p->transforms, p->n_transforms,
				       IKE_XF_ESN))
				return -1;
			continue;
		}
		r = pick(p->transforms, p->n_transforms, m, types[i],
			 types[i] == IKE_XF_DH ? ke_group : 0, &t);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		if (types[i] == IKE_XF_ESN) {
			out->esn = t.id == IKE_ESN_YES;
			if (!count_type(p->transforms, p->n_transforms,
					IKE_XF_ESN))
				continue;	/* peer did not send one */
		} else {
			const struct transform *x =
				transform_find(t.type, t.id, t.key_len);

			switch (t.type) {
			case IKE_XF_ENCR: out->encr = x; break;
			case IKE_XF_PRF: out->prf = x; break;
			case IKE_XF_INTEG: out->integ = x; break;
			case IKE_XF_DH: out->dh = x; break;
			}
		}
		out->prop.transforms[out->prop.n_transforms++] = t;
	}

	if (!out->encr || (out->encr->aead == (out->integ != NULL)))
		return -1;
	if (protocol == IKE_PROTO_IKE) {
		if (!out->prf || !out->dh)
			return -1;
	} else {
		if (out->prf)
			return -1;
		out->spi = (uint32_t)p->spi[0] << 24 |
			   (uint32_t)p->spi[1] << 16 |
			   (uint32_t)p->spi[2] << 8 | p->spi[3];
	}
	return 0;
}

static bool spi_ok(const struct ike_proposal *p, uint8_t protocol)
{
	if (protocol == IKE_PROTO_IKE)
		return p->spi_size == 0 || p->spi_size == 8;
	return p->spi_size == 4;
}

/* Whether supported transform t is among the n kept at xf. */
static bool kept(const struct ike_transform *xf, unsigned int n,
		 const struct ike_transform *t)
{
	for (unsigned int i = 0; i < n; i++)
		if (same(&xf[i], t) && !xf[i].unknown_attr)
			return true;
	return false;
}

/*
 * p reduced to what match() looks at, into q (its transforms at xf):
 * "none" transforms dropped, each supported transform once, and of the
 * unsupported ones only the first of its type (which says that the type
 * is there).
 */
static void compact(const struct ike_proposal *p, struct ike_proposal *q,
		    struct ike_transform *xf)
{
	uint8_t unsupported[256 / 8] = { 0 };
	const struct ike_transform *t;
	unsigned int n = 0;

	*q = *p;
	q->transforms = xf;
	for (unsigned int i = 0; i < p->n_transforms; i++) {
		t = &p->transforms[i];
		if (is_none(t))
			continue;
		if (!supported(t)) {
			if (unsupported[t->type / 8] & (1u << (t->type % 8)))
				continue;
			unsupported[t->type / 8] |= 1u << (t->type % 8);
		} else if (kept(xf, n, t)) {
			continue;
		}
		xf[n++] = *t;
	}
	q->n_transforms = n;
}

int proposal_peer_read(struct proposal_peer *pp,
		       const struct ike_sa_payload *offered, uint8_t protocol)
{
	const struct ike_proposal *p;
	struct ike_transform *xf;
	unsigned int n = 0, n_xf = 0, kept = 0;

	memset(pp, 0, sizeof(*pp));
	for (; n < offered->n_proposals && n < PROPOSAL_MAX_OFFERED; n++) {
		p = &offered->proposals[n];
		if (n_xf + p->n_transforms > PROPOSAL_MAX_TRANSFORMS)
			break;
		n_xf += p->n_transforms;
	}
	pp->ignored = offered->n_proposals - n;
	xf = ike_sa_payload_alloc(&pp->sa, n, n_xf);
	if (!xf)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		p = &offered->proposals[i];
		if (p->protocol != protocol || !spi_ok(p, protocol))
			continue;
		compact(p, &pp->sa.proposals[kept], xf);
		xf += pp->sa.proposals[kept++].n_transforms;
	}
	pp->sa.n_proposals = kept;
	return 0;
}

void proposal_peer_free(struct proposal_peer *pp)
{
	ike_sa_payload_free(&pp->sa);
	pp->ignored = 0;
}

int proposal_peer_select(const struct proposal_peer *pp,
			 const struct conn_proposal *mine, unsigned int n,
			 uint8_t protocol, uint16_t ke_group,
			 struct proposal_choice *out)
{
	for (unsigned int i = 0; i < pp->sa.n_proposals; i++)
		for (unsigned int j = 0; j < n; j++)
			if (!match(&pp->sa.proposals[i], &mine[j], protocol,
				   ke_group, out))
				return 0;
	memset(out, 0, sizeof(*out));
	return -1;
}

int proposal_select(const struct ike_sa_payload *offered,
		    const struct conn_proposal *mine, unsigned int n,
		    uint8_t protocol, uint16_t ke_group,
		    struct proposal_choice *out)
{
	struct proposal_peer pp;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!proposal_peer_read(&pp, offered, protocol))
		ret = proposal_peer_select(&pp, mine, n, protocol, ke_group,
					   out);
	proposal_peer_free(&pp);
	return ret;
}

int proposal_check_reply(const struct ike_sa_payload *reply,
			 const struct conn_proposal *mine, unsigned int n,
			 uint8_t protocol, uint16_t ke_group,
			 struct proposal_choice *out)
{
	const struct ike_proposal *p;
	uint8_t seen = 0;

	if (reply->n_proposals != 1)
		return -1;
	p = &reply->proposals[0];
	if (p->num < 1 || p->num > n)
		return -1;
	for (unsigned int i = 0; i < p->n_transforms; i++) {
		uint8_t bit = (uint8_t)(1u << (p->transforms[i].type & 7));

		if (p->transforms[i].type > IKE_XF_ESN || (seen & bit))
			return -1;
		seen |= bit;
	}
	if (p->protocol != protocol || !spi_ok(p, protocol))
		return -1;
	/* The number names which of our proposals was taken. */
	return match(p, &mine[p->num - 1], protocol, ke_group, out);
}

int proposal_offer(struct ike_sa_payload *sa, const struct conn_proposal *mine,
		   unsigned int n, uint8_t protocol, const uint8_t *spi,
		   size_t spi_len, uint16_t dh_first)
{
	struct ike_transform *xf;
	unsigned int n_xf = 0;

	if (n > IKE_SA_MAX_PROPOSALS)
		n = IKE_SA_MAX_PROPOSALS;
	for (unsigned int i = 0; i < n; i++)
		n_xf += mine[i].n;
	xf = ike_sa_payload_alloc(sa, n, n_xf);
	if (!xf)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		struct ike_proposal *p = &sa->proposals[sa->n_proposals++];
		unsigned int k = 0;

		p->num = (uint8_t)(i + 1);
		p->protocol = protocol;
		p->spi_size = (uint8_t)spi_len;
		if (spi_len)
			memcpy(p->spi, spi, spi_len);
		p->transforms = xf;
		for (unsigned int j = 0; j < mine[i].n; j++)
			if (mine[i].xf[j].type == IKE_XF_DH &&
			    mine[i].xf[j].id == dh_first && dh_first)
				p->transforms[k++] = mine[i].xf[j];
		for (unsigned int j = 0; j < mine[i].n; j++) {
			const struct ike_transform *t = &mine[i].xf[j];

			if (t->type == IKE_XF_DH &&
			    (dh_first == PROPOSAL_NO_DH ||
			     (dh_first && t->id == dh_first)))
				continue;
			p->transforms[k++] = *t;
		}
		p->n_transforms = k;
		xf += k;
	}
	return 0;
}

int proposal_reply(struct ike_sa_payload *sa, const struct proposal_choice *pc,
		   const uint8_t *spi, size_t spi_len)
{
	struct ike_transform *xf;
	struct ike_proposal *p;

	xf = ike_sa_payload_alloc(sa, 1, pc->prop.n_transforms);
	if (!xf)
		return -ENOMEM;
	p = &sa->proposals[0];
	p->num = pc->prop.num;
	p->protocol = pc->prop.protocol;
	p->spi_size = spi ? (uint8_t)spi_len : pc->prop.spi_size;
	memcpy(p->spi, spi ? spi : pc->prop.spi, p->spi_size);
	p->n_transforms = pc->prop.n_transforms;
	p->transforms = xf;
	memcpy(xf, pc->prop.transforms, p->n_transforms * sizeof(*xf));
	sa->n_proposals = 1;
	return 0;
}

bool proposal_contains(const struct proposal_chosen *chosen,
		       const struct conn_proposal *mine, unsigned int n,
		       uint8_t protocol, uint16_t ke_group)
{
	struct ike_transform xf[PROPOSAL_TYPES];
	struct ike_proposal p = {
		.num = chosen->num, .protocol = chosen->protocol,
		.spi_size = chosen->spi_size,
		.n_transforms = chosen->n_transforms, .transforms = xf,
	};
	struct proposal_choice pc;

	memcpy(p.spi, chosen->spi, sizeof(p.spi));
	memcpy(xf, chosen->transforms, sizeof(xf));
	for (unsigned int j = 0; j < n; j++)
		if (!match(&p, &mine[j], protocol, ke_group, &pc))
			return true;
	return false;
}

uint16_t proposal_first_dh(const struct conn_proposal *mine, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = 0; j < mine[i].n; j++)
			if (mine[i].xf[j].type == IKE_XF_DH && mine[i].xf[j].id)
				return mine[i].xf[j].id;
	return 0;
}

bool proposal_has_dh(const struct conn_proposal *mine, unsigned int n,
		     uint16_t g)
{
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = 0; j < mine[i].n; j++)
			if (mine[i].xf[j].type == IKE_XF_DH &&
			    mine[i].xf[j].id == g && g)
				return true;
	return false;
}
