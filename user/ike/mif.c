// SPDX-License-Identifier: GPL-2.0
/*
 * MIF notify data: MIF_SUPPORTED (version, flags), MIF_INTERFACES
 * (interface entries), MIF_CHILD_PATH (interface IDs, family, two
 * addresses). Wire format and rules: docs/protocol/mif.md.
 */
#include <string.h>

#include "ike/constants.h"
#include "ike/mif.h"

int mif_fail(struct ike_error *err, enum ike_err code, uint16_t notify,
	     const char *reason)
{
	ike_fail(err, code, notify, reason);
	if (err)
		err->payload = IKE_PL_NOTIFY;
	return -1;
}

size_t mif_addr_len(uint8_t family)
{
	switch (family) {
	case MIF_AF_IPV4:
		return 4;
	case MIF_AF_IPV6:
		return 16;
	}
	return 0;
}

static bool ipv4_usable(const uint8_t *a)
{
	static const uint8_t bcast[4] = { 255, 255, 255, 255 };

	/* 0/8 (this network), 127/8 (loopback), 224/4 (multicast). */
	if (a[0] == 0 || a[0] == 127 || (a[0] & 0xf0) == 224)
		return false;
	return memcmp(a, bcast, 4) != 0;
}

static bool ipv6_usable(const uint8_t *a)
{
	static const uint8_t zero[12];
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	/*
	 * ff00::/8 (multicast); ::/96 (unspecified, loopback and the
	 * deprecated IPv4-compatible addresses); ::ffff:0:0/96 (IPv4-mapped).
	 */
	return a[0] != 0xff && memcmp(a, zero, sizeof(zero)) &&
	       memcmp(a, mapped, sizeof(mapped));
}

bool mif_addr_usable(uint8_t family, const uint8_t *addr)
{
	switch (family) {
	case MIF_AF_IPV4:
		return ipv4_usable(addr);
	case MIF_AF_IPV6:
		return ipv6_usable(addr);
	}
	return false;
}

/* MIF_SUPPORTED */

int mif_supported_parse(struct mif_supported *s, const uint8_t *data,
			size_t len, struct ike_error *err)
{
	memset(s, 0, sizeof(*s));
	if (!data || len < MIF_SUPPORTED_LEN)
		return mif_fail(err, IKE_ERR_TRUNCATED, 0,
			   "MIF_SUPPORTED truncated");
	if (!data[0])
		return mif_fail(err, IKE_ERR_SYNTAX, 0, "MIF_SUPPORTED version 0");
	if (data[0] == MIF_PROTO_VERSION && len != MIF_SUPPORTED_LEN)
		return mif_fail(err, IKE_ERR_LENGTH, 0,
			   "MIF_SUPPORTED version 1 not 2 bytes");
	s->version = data[0];
	return 0;
}

int mif_supported_build(struct ike_writer *w, const struct mif_supported *s,
			struct ike_error *err)
{
	if (!s->version)
		return ike_fail_inval(err, "MIF_SUPPORTED version 0");
	ike_put_u8(w, s->version);
	ike_put_u8(w, 0);
	return 0;
}

/* MIF_INTERFACES */

static unsigned int addr_count(const struct mif_iface *f, uint8_t family)
{
	return family == MIF_AF_IPV4 ? f->n4 : f->n6;
}

static const uint8_t *addr_at(const struct mif_iface *f, uint8_t family,
			      unsigned int k)
{
	return family == MIF_AF_IPV4 ? f->addr4[k] : f->addr6[k];
}

const struct mif_iface *mif_iface_find(const struct mif_interfaces *m,
				       uint16_t id)
{
	for (unsigned int i = 0; i < m->n && i < MIF_MAX_IFACES; i++)
		if (m->iface[i].id == id)
			return &m->iface[i];
	return NULL;
}

bool mif_iface_has_addr(const struct mif_iface *f, uint8_t family,
			const uint8_t *addr)
{
	size_t alen = mif_addr_len(family);
	unsigned int n = addr_count(f, family);

	if (!alen || n > MIF_MAX_ADDRS)
		return false;
	for (unsigned int k = 0; k < n; k++)
		if (!memcmp(addr_at(f, family, k), addr, alen))
			return true;
	return false;
}

/*
 * Whether the k-th address of the given family of entry i appears
 * earlier in the list. At most 255 comparisons per address, so at most
 * 32 * 8 * 255 per family for a whole announcement.
 */
static bool addr_seen(const struct mif_interfaces *m, unsigned int i,
		      unsigned int k, uint8_t family)
{
	const uint8_t *a = addr_at(&m->iface[i], family, k);
	size_t alen = mif_addr_len(family);
	unsigned int n;

	for (unsigned int j = 0; j <= i; j++) {
		n = j < i ? addr_count(&m->iface[j], family) : k;
		for (unsigned int l = 0; l < n; l++)
			if (!memcmp(addr_at(&m->iface[j], family, l), a, alen))
				return true;
	}
	return false;
}

static const char *check_addrs(const struct mif_interfaces *m,
			       unsigned int i, uint8_t family)
{
	const struct mif_iface *f = &m->iface[i];

	for (unsigned int k = 0; k < addr_count(f, family); k++) {
		if (!mif_addr_usable(family, addr_at(f, family, k)))
			return family == MIF_AF_IPV4 ?
			       "unusable IPv4 address in an interface entry" :
			       "unusable IPv6 address in an interface entry";
		if (addr_seen(m, i, k, family))
			return "address listed twice in MIF_INTERFACES";
	}
	return NULL;
}

/* The rules an announcement obeys beyond its shape on the wire. */
static const char *check_interfaces(const struct mif_interfaces *m)
{
	const struct mif_iface *f;
	const char *why;

	if (m->n > MIF_MAX_IFACES)
		return "more than 32 interfaces";
	for (unsigned int i = 0; i < m->n; i++) {
		f = &m->iface[i];
		if (!f->id)
			return "interface ID 0";
		if (f->n4 > MIF_MAX_ADDRS || f->n6 > MIF_MAX_ADDRS)
			return "more than 8 addresses of a family";
		for (unsigned int j = 0; j < i; j++)
			if (m->iface[j].id == f->id)
				return "interface ID listed twice";
		why = check_addrs(m, i, MIF_AF_IPV4);
		if (!why)
			why = check_addrs(m, i, MIF_AF_IPV6);
		if (why)
			return why;
	}
	return NULL;
}

static int parse_iface(struct mif_iface *f, struct ike_reader *r,
		       struct ike_error *err)
{
	const uint16_t n = IKE_N_MIF_INVALID_INTERFACES;

	if (ike_left(r) < MIF_IFACE_HDR_LEN)
		return mif_fail(err, IKE_ERR_TRUNCATED, n,
			   "interface entry truncated");
	f->id = ike_get_u16(r);
	f->prio = ike_get_u8(r);
	f->flags = ike_get_u8(r) & MIF_IFACE_FLAGS_KNOWN;
	f->n4 = ike_get_u8(r);
	f->n6 = ike_get_u8(r);
	ike_skip(r, 2);
	if (f->n4 > MIF_MAX_ADDRS || f->n6 > MIF_MAX_ADDRS)
		return mif_fail(err, IKE_ERR_LIMIT, n,
			   "more than 8 addresses of a family");
	if ((size_t)f->n4 * 4 + (size_t)f->n6 * 16 > ike_left(r))
		return mif_fail(err, IKE_ERR_LENGTH, n,
			   "interface addresses run past the payload");
	for (unsigned int k = 0; k < f->n4; k++)
		ike_get_copy(r, f->addr4[k], 4);
	for (unsigned int k = 0; k < f->n6; k++)
		ike_get_copy(r, f->addr6[k], 16);
	return 0;
}

int mif_interfaces_parse(struct mif_interfaces *m, const uint8_t *data,
			 size_t len, struct ike_error *err)
{
	struct ike_reader r;
	const char *why;

	memset(m, 0, sizeof(*m));
	ike_reader_init(&r, data, len);
	while (ike_left(&r)) {
		if (m->n == MIF_MAX_IFACES) {
			mif_fail(err, IKE_ERR_LIMIT, IKE_N_MIF_INVALID_INTERFACES,
			    "more than 32 interfaces");
			goto fail;
		}
		if (parse_iface(&m->iface[m->n], &r, err))
			goto fail;
		m->n++;
	}
	why = check_interfaces(m);
	if (why) {
		mif_fail(err, IKE_ERR_SYNTAX, IKE_N_MIF_INVALID_INTERFACES, why);
		goto fail;
	}
	return 0;
fail:
	memset(m, 0, sizeof(*m));
	return -1;
}

int mif_interfaces_build(struct ike_writer *w, const struct mif_interfaces *m,
			 struct ike_error *err)
{
	const struct mif_iface *f;
	const char *why = check_interfaces(m);

	if (why)
		return ike_fail_inval(err, why);
	for (unsigned int i = 0; i < m->n; i++) {
		f = &m->iface[i];
		ike_put_u16(w, f->id);
		ike_put_u8(w, f->prio);
		ike_put_u8(w, f->flags & MIF_IFACE_FLAGS_KNOWN);
		ike_put_u8(w, f->n4);
		ike_put_u8(w, f->n6);
		ike_put_zero(w, 2);
		for (unsigned int k = 0; k < f->n4; k++)
			ike_put_bytes(w, f->addr4[k], 4);
		for (unsigned int k = 0; k < f->n6; k++)
			ike_put_bytes(w, f->addr6[k], 16);
	}
	return 0;
}

/* MIF_CHILD_PATH */

static const char *check_path(const struct mif_child_path *p)
{
	size_t alen = mif_addr_len(p->family);

	if (!alen)
		return "MIF_CHILD_PATH address family not 1 or 2";
	if (!mif_addr_usable(p->family, p->req_addr))
		return "unusable requester address in MIF_CHILD_PATH";
	if (!mif_addr_usable(p->family, p->resp_addr))
		return "unusable responder address in MIF_CHILD_PATH";
	if (!memcmp(p->req_addr, p->resp_addr, alen))
		return "MIF_CHILD_PATH names one address twice";
	return NULL;
}

int mif_child_path_parse(struct mif_child_path *p, const uint8_t *data,
			 size_t len, struct ike_error *err)
{
	enum ike_err code = IKE_ERR_SYNTAX;
	struct ike_reader r;
	const char *why;
	size_t alen;

	memset(p, 0, sizeof(*p));
	ike_reader_init(&r, data, len);
	if (ike_left(&r) < MIF_CHILD_PATH_HDR_LEN)
		return mif_fail(err, IKE_ERR_TRUNCATED, IKE_N_MIF_UNACCEPTABLE_PATH,
			   "MIF_CHILD_PATH truncated");
	p->req_id = ike_get_u16(&r);
	p->resp_id = ike_get_u16(&r);
	p->family = ike_get_u8(&r);
	ike_skip(&r, 3);
	alen = mif_addr_len(p->family);
	if (alen && ike_left(&r) != 2 * alen) {
		code = IKE_ERR_LENGTH;
		why = "MIF_CHILD_PATH length does not match its family";
		goto fail;
	}
	ike_get_copy(&r, p->req_addr, alen);
	ike_get_copy(&r, p->resp_addr, alen);
	why = check_path(p);
	if (why)
		goto fail;
	return 0;
fail:
	memset(p, 0, sizeof(*p));
	return mif_fail(err, code, IKE_N_MIF_UNACCEPTABLE_PATH, why);
}

int mif_child_path_build(struct ike_writer *w, const struct mif_child_path *p,
			 struct ike_error *err)
{
	const char *why = check_path(p);
	size_t alen = mif_addr_len(p->family);

	if (why)
		return ike_fail_inval(err, why);
	ike_put_u16(w, p->req_id);
	ike_put_u16(w, p->resp_id);
	ike_put_u8(w, p->family);
	ike_put_zero(w, 3);
	ike_put_bytes(w, p->req_addr, alen);
	ike_put_bytes(w, p->resp_addr, alen);
	return 0;
}

bool mif_child_path_equal(const struct mif_child_path *a,
			  const struct mif_child_path *b)
{
	size_t alen = mif_addr_len(a->family);

	return a->req_id == b->req_id && a->resp_id == b->resp_id &&
	       a->family == b->family && alen &&
	       !memcmp(a->req_addr, b->req_addr, alen) &&
	       !memcmp(a->resp_addr, b->resp_addr, alen);
}
