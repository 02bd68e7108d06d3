// SPDX-License-Identifier: GPL-2.0
/*
 * Proposal offer and selection.
 */
#include <string.h>

#include "engine/proposal.h"

#define N_TYPES	5	/* ENCR, PRF, INTEG, DH, ESN */

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

int proposal_select(const struct ike_sa *offered,
		    const struct conn_proposal *mine, unsigned int n,
		    uint8_t protocol, uint16_t ke_group,
		    struct proposal_choice *out)
{
	for (unsigned int i = 0; i < offered->n_proposals; i++) {
		const struct ike_proposal *p = &offered->proposals[i];

		if (p->protocol != protocol || !spi_ok(p, protocol))
			continue;
		for (unsigned int j = 0; j < n; j++)
			if (!match(p, &mine[j], protocol, ke_group, out))
				return 0;
	}
	memset(out, 0, sizeof(*out));
	return -1;
}

int proposal_check_reply(const struct ike_sa *reply,
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

void proposal_offer(struct ike_sa *sa, const struct conn_proposal *mine,
		    unsigned int n, uint8_t protocol, const uint8_t *spi,
		    size_t spi_len, uint16_t dh_first)
{
	memset(sa, 0, sizeof(*sa));
	for (unsigned int i = 0; i < n && i < IKE_SA_MAX_PROPOSALS; i++) {
		struct ike_proposal *p = &sa->proposals[sa->n_proposals++];
		unsigned int k = 0;

		p->num = (uint8_t)(i + 1);
		p->protocol = protocol;
		p->spi_size = (uint8_t)spi_len;
		if (spi_len)
			memcpy(p->spi, spi, spi_len);
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
	}
}

bool proposal_contains(const struct ike_proposal *chosen,
		       const struct conn_proposal *mine, unsigned int n,
		       uint8_t protocol, uint16_t ke_group)
{
	struct proposal_choice pc;

	for (unsigned int j = 0; j < n; j++)
		if (!match(chosen, &mine[j], protocol, ke_group, &pc))
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
