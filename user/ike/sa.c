// SPDX-License-Identifier: GPL-2.0
/*
 * SA payload: proposal and transform substructures and their attributes.
 *
 * Checked on parse: every substructure length fits inside its parent and
 * is consumed exactly, "last" markers agree with the data, the transform
 * count of each proposal matches, proposal numbers start anywhere above
 * zero (a reply echoes the chosen one) and then go up by one, SPI sizes
 * match the protocol, and Key Length is a TV attribute given once.
 */
#include <stdlib.h>
#include <string.h>

#include "ike/sa.h"

#define PROPOSAL_MORE	2
#define TRANSFORM_MORE	3
#define PROPOSAL_HDR	8
#define TRANSFORM_HDR	8
#define ATTR_TYPE_MASK	0x7fff

static int check_spi_size(uint8_t protocol, uint8_t size, struct ike_error *err)
{
	switch (protocol) {
	case IKE_PROTO_IKE:
		if (size != 0 && size != 8)
			return ike_fail_syntax(err, "IKE SPI size not 0 or 8");
		break;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		if (size != 4)
			return ike_fail_syntax(err, "AH/ESP SPI size not 4");
		break;
	default:
		if (size > IKE_SA_MAX_SPI)
			return ike_fail_syntax(err, "SPI size above 8");
	}
	return 0;
}

static int parse_attrs(struct ike_transform *t, struct ike_reader *r,
		       struct ike_error *err)
{
	uint16_t type, len;

	while (ike_left(r)) {
		if (ike_left(r) < 4)
			return ike_fail_length(err, "attribute truncated");
		type = ike_get_u16(r);
		len = ike_get_u16(r);	/* TV: the value itself */
		if (!(type & IKE_ATTR_FORMAT_TV)) {
			if (len > ike_left(r))
				return ike_fail_length(err,
					"attribute runs past its transform");
			ike_skip(r, len);
		}
		if ((type & ATTR_TYPE_MASK) != IKE_ATTR_KEY_LENGTH) {
			t->unknown_attr = true;
			continue;
		}
		if (!(type & IKE_ATTR_FORMAT_TV))
			return ike_fail_syntax(err, "Key Length not in TV format");
		if (t->key_len)
			return ike_fail_syntax(err, "Key Length given twice");
		if (!len)
			return ike_fail_syntax(err, "Key Length of zero");
		t->key_len = len;
	}
	return 0;
}

static int parse_transform(struct ike_transform *t, struct ike_reader *r,
			   bool last, struct ike_error *err)
{
	struct ike_reader body;
	uint8_t more;
	uint16_t len;

	if (ike_left(r) < TRANSFORM_HDR)
		return ike_fail_length(err, "transform truncated");
	more = ike_get_u8(r);
	ike_skip(r, 1);
	len = ike_get_u16(r);
	if (more != 0 && more != TRANSFORM_MORE)
		return ike_fail_syntax(err, "bad transform last-substruct");
	if ((more == 0) != last)
		return ike_fail_syntax(err,
			"transform count disagrees with last-substruct");
	if (len < TRANSFORM_HDR)
		return ike_fail_length(err, "transform length below 8");
	if (!ike_get_sub(r, len - 4, &body))
		return ike_fail_length(err, "transform runs past its proposal");
	t->type = ike_get_u8(&body);
	ike_skip(&body, 1);
	t->id = ike_get_u16(&body);
	return parse_attrs(t, &body, err);
}

static int parse_proposal(struct ike_proposal *p, struct ike_reader *r,
			  struct ike_error *err)
{
	unsigned int n;

	p->num = ike_get_u8(r);
	p->protocol = ike_get_u8(r);
	p->spi_size = ike_get_u8(r);
	n = ike_get_u8(r);
	if (!ike_reader_ok(r))
		return ike_fail_length(err, "proposal truncated");
	if (check_spi_size(p->protocol, p->spi_size, err))
		return -1;
	if (p->spi_size > ike_left(r))
		return ike_fail_length(err, "SPI runs past its proposal");
	ike_get_copy(r, p->spi, p->spi_size);
	if (!n)
		return ike_fail_syntax(err, "proposal without transforms");
	if (n > IKE_SA_MAX_TRANSFORMS)
		return ike_fail_limit(err, "more than 64 transforms");
	for (unsigned int i = 0; i < n; i++)
		if (parse_transform(&p->transforms[i], r, i + 1 == n, err))
			return -1;
	p->n_transforms = n;
	if (ike_left(r))
		return ike_fail_length(err, "proposal longer than its transforms");
	return 0;
}

/*
 * The proposal substructures of an SA body, one per call: 1 with its
 * body in *body, 0 at the end, -1 when the headers do not hold together.
 * *more starts at PROPOSAL_MORE.
 */
static int next_proposal(struct ike_reader *r, uint8_t *more,
			 struct ike_reader *body, struct ike_error *err)
{
	uint16_t len;

	if (!ike_left(r)) {
		if (*more == PROPOSAL_MORE)
			return ike_fail_length(err,
				"SA ends before its last proposal");
		return 0;
	}
	if (*more != PROPOSAL_MORE)
		return ike_fail_length(err, "data after the last proposal");
	if (ike_left(r) < PROPOSAL_HDR)
		return ike_fail_length(err, "proposal truncated");
	*more = ike_get_u8(r);
	ike_skip(r, 1);
	len = ike_get_u16(r);
	if (*more != 0 && *more != PROPOSAL_MORE)
		return ike_fail_syntax(err, "bad proposal last-substruct");
	if (len < PROPOSAL_HDR)
		return ike_fail_length(err, "proposal length below 8");
	if (!ike_get_sub(r, len - 4, body))
		return ike_fail_length(err, "proposal runs past the SA");
	return 1;
}

/*
 * How many proposals, and transforms in all, the body holds, from the
 * proposal headers alone (a transform takes at least 8 bytes of its
 * proposal): the size of the arrays, before they are filled. The parse
 * proper reports what is wrong with them.
 */
static int count(struct ike_reader r, unsigned int *n, unsigned int *xf,
		 struct ike_error *err)
{
	struct ike_reader body;
	uint8_t more = PROPOSAL_MORE;
	unsigned int t;
	int ret;

	*n = *xf = 0;
	if (!ike_left(&r))
		return ike_fail_syntax(err, "SA without proposals");
	while ((ret = next_proposal(&r, &more, &body, err)) > 0) {
		if (*n == IKE_SA_MAX_PROPOSALS)
			return ike_fail_limit(err, "more than 64 proposals");
		ike_skip(&body, 3);
		t = ike_get_u8(&body);
		if (!ike_reader_ok(&body))
			return ike_fail_length(err, "proposal truncated");
		if (t > IKE_SA_MAX_TRANSFORMS)
			return ike_fail_limit(err, "more than 64 transforms");
		/* More than fit fail to parse: room for those that fit. */
		if (t > ike_left(&body) / TRANSFORM_HDR)
			t = (unsigned int)(ike_left(&body) / TRANSFORM_HDR);
		(*n)++;
		*xf += t;
	}
	return ret;
}

struct ike_transform *ike_sa_payload_alloc(struct ike_sa_payload *sa,
					   unsigned int n, unsigned int xf)
{
	size_t head = (size_t)n * sizeof(*sa->proposals);

	memset(sa, 0, sizeof(*sa));
	/* One byte more: calloc(0) may return NULL. */
	sa->owned = calloc(1, head + (size_t)xf * sizeof(struct ike_transform)
			   + 1);
	if (!sa->owned)
		return NULL;
	sa->proposals = sa->owned;
	return (struct ike_transform *)((char *)sa->owned + head);
}

void ike_sa_payload_free(struct ike_sa_payload *sa)
{
	free(sa->owned);
	memset(sa, 0, sizeof(*sa));
}

int ike_sa_payload_parse(struct ike_sa_payload *sa, struct ike_reader *r,
		 struct ike_error *err)
{
	struct ike_transform *xf;
	struct ike_proposal *p;
	struct ike_reader body;
	uint8_t more = PROPOSAL_MORE;
	unsigned int n, n_xf;
	int ret;

	memset(sa, 0, sizeof(*sa));
	if (count(*r, &n, &n_xf, err))
		return -1;
	xf = ike_sa_payload_alloc(sa, n, n_xf);
	if (!xf)
		return ike_fail(err, IKE_ERR_NOMEM, 0, "out of memory");
	while ((ret = next_proposal(r, &more, &body, err)) > 0) {
		p = &sa->proposals[sa->n_proposals];
		p->transforms = xf;
		if (parse_proposal(p, &body, err))
			goto fail;
		xf += p->n_transforms;
		if (!p->num) {
			ike_fail_syntax(err, "proposal number zero");
			goto fail;
		}
		if (sa->n_proposals &&
		    p->num != sa->proposals[sa->n_proposals - 1].num + 1) {
			ike_fail_syntax(err,
					"proposal numbers not consecutive");
			goto fail;
		}
		sa->n_proposals++;
	}
	if (!ret)
		return 0;
fail:
	ike_sa_payload_free(sa);
	return -1;
}

static void build_transform(struct ike_writer *w, const struct ike_transform *t,
			    bool last)
{
	size_t start = w->len;

	ike_put_u8(w, last ? 0 : TRANSFORM_MORE);
	ike_put_u8(w, 0);
	ike_put_reserve(w, 2);
	ike_put_u8(w, t->type);
	ike_put_u8(w, 0);
	ike_put_u16(w, t->id);
	if (t->key_len) {
		ike_put_u16(w, IKE_ATTR_FORMAT_TV | IKE_ATTR_KEY_LENGTH);
		ike_put_u16(w, t->key_len);
	}
	ike_patch_u16(w, start + 2, (uint16_t)(w->len - start));
}

static int build_proposal(struct ike_writer *w, const struct ike_proposal *p,
			  bool last, struct ike_error *err)
{
	size_t start = w->len;

	if (!p->n_transforms || p->n_transforms > IKE_SA_MAX_TRANSFORMS)
		return ike_fail_inval(err, "proposal needs 1 to 64 transforms");
	if (p->spi_size > IKE_SA_MAX_SPI)
		return ike_fail_inval(err, "SPI size above 8");
	ike_put_u8(w, last ? 0 : PROPOSAL_MORE);
	ike_put_u8(w, 0);
	ike_put_reserve(w, 2);
	ike_put_u8(w, p->num);
	ike_put_u8(w, p->protocol);
	ike_put_u8(w, p->spi_size);
	ike_put_u8(w, (uint8_t)p->n_transforms);
	ike_put_bytes(w, p->spi, p->spi_size);
	for (unsigned int i = 0; i < p->n_transforms; i++)
		build_transform(w, &p->transforms[i],
				i + 1 == p->n_transforms);
	ike_patch_u16(w, start + 2, (uint16_t)(w->len - start));
	return 0;
}

int ike_sa_payload_build(struct ike_writer *w, const struct ike_sa_payload *sa,
		 struct ike_error *err)
{
	if (!sa->n_proposals || sa->n_proposals > IKE_SA_MAX_PROPOSALS)
		return ike_fail_inval(err, "SA needs 1 to 64 proposals");
	for (unsigned int i = 0; i < sa->n_proposals; i++)
		if (build_proposal(w, &sa->proposals[i],
				   i + 1 == sa->n_proposals, err))
			return -1;
	return 0;
}

static int sa_parse(struct ike_payload *pl, struct ike_reader *r,
		    struct ike_error *err)
{
	return ike_sa_payload_parse(pl->sa, r, err);
}

static int sa_build(struct ike_writer *w, const struct ike_payload *pl,
		    struct ike_error *err)
{
	return ike_sa_payload_build(w, pl->sa, err);
}

static void sa_release(struct ike_payload *pl)
{
	ike_sa_payload_free(pl->sa);
}

const struct ike_payload_ops ike_sa_ops = {
	.size = sizeof(struct ike_sa_payload),
	.parse = sa_parse,
	.build = sa_build,
	.release = sa_release,
};
