// SPDX-License-Identifier: GPL-2.0
/*
 * mifd-mangle: a mifd that sends what a correct mifd never sends, the
 * peer of the refusal cases in refuse.sh. It is mifd, linked from the
 * same objects with -Wl,--wrap on the encoders below (Makefile), so that
 * mifd's own code carries no test hook. MIF_MANGLE in the environment
 * says what to break (docs/protocol/mif.md has the rules each one breaks):
 *
 *   truncated    MIF_INTERFACES: the last entry's Num IPv4 claims one
 *                address more than the data holds
 *   zero         MIF_INTERFACES without a single entry
 *   many         MIF_INTERFACES with MANY_IFACES entries
 *   family       MIF_INTERFACES: an IPv4 address written in the IPv6
 *                block (IPv4-mapped)
 *   unannounced  MIF_CHILD_PATH: the requester address is one we never
 *                announced (last octet 99)
 *   pathfamily   MIF_CHILD_PATH: Address Family 3
 *   plain        the IKE_SA_INIT request carries MIF_SUPPORTED and a
 *                MIF_INTERFACES of its own (interface 77, 10.88.77.1),
 *                outside SK
 *
 * MIF_MANGLE_AFTER=N leaves the first N encodings of the mangled kind as
 * mifd made them: with 1, IKE_AUTH's announcement is right and the next
 * one is broken. Without MIF_MANGLE this is mifd. Each encoding it breaks
 * is said on stderr, which the tests keep with mifd's log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ike_sa.h"
#include "ike/constants.h"
#include "ike/message.h"
#include "ike/mif.h"

/*
 * "many": 10,000 entries of 8 octets would take 80,000 octets, more than
 * a Notify payload (65,535) or a UDP datagram can hold: no message can
 * carry them. 8,000 (64,000 octets) is about the most one IKE message
 * over IPv4 holds; a receiver that reads past its 33rd is doing too much.
 */
#define MANY_IFACES	8000

int __real_mif_interfaces_build(struct ike_writer *w,
				const struct mif_interfaces *m,
				struct ike_error *err);
int __real_mif_child_path_build(struct ike_writer *w,
				const struct mif_child_path *p,
				struct ike_error *err);
int __real_ike_message_build(struct ike_writer *w,
			     const struct ike_message *m,
			     struct ike_error *err);
int __wrap_mif_interfaces_build(struct ike_writer *w,
				const struct mif_interfaces *m,
				struct ike_error *err);
int __wrap_mif_child_path_build(struct ike_writer *w,
				const struct mif_child_path *p,
				struct ike_error *err);
int __wrap_ike_message_build(struct ike_writer *w,
			     const struct ike_message *m,
			     struct ike_error *err);

enum kind { K_IFACES, K_PATH, K_INIT };

/* Whether mode is asked for and this encoding of its kind is to break. */
static bool mangle(const char *mode, enum kind kind)
{
	static unsigned long seen[3];
	const char *want = getenv("MIF_MANGLE");
	const char *after = getenv("MIF_MANGLE_AFTER");

	if (!want || strcmp(want, mode))
		return false;
	return seen[kind]++ >= (after ? strtoul(after, NULL, 10) : 0);
}

static void say(const char *what)
{
	fprintf(stderr, "mifd-mangle: %s\n", what);
}

/* One interface entry, as the wire has it, whatever it holds. */
static void put_entry(struct ike_writer *w, const struct mif_iface *f)
{
	ike_put_u16(w, f->id);
	ike_put_u8(w, f->prio);
	ike_put_u8(w, f->flags);
	ike_put_u8(w, f->n4);
	ike_put_u8(w, f->n6);
	ike_put_zero(w, 2);
	for (unsigned int k = 0; k < f->n4 && k < MIF_MAX_ADDRS; k++)
		ike_put_bytes(w, f->addr4[k], 4);
	for (unsigned int k = 0; k < f->n6 && k < MIF_MAX_ADDRS; k++)
		ike_put_bytes(w, f->addr6[k], 16);
}

/* The last entry written from start claims one IPv4 address more. */
static void truncate_last(struct ike_writer *w, size_t start)
{
	size_t off = start, last = w->len;

	while (off + MIF_IFACE_HDR_LEN <= w->len) {
		last = off;
		off += MIF_IFACE_HDR_LEN + 4u * w->p[off + 4] +
		       16u * w->p[off + 5];
	}
	if (last == w->len || w->p[last + 4] == 0xff) {
		/* No entry: half an entry header. */
		ike_put_u16(w, 1);
		ike_put_u16(w, 0);
		say("MIF_INTERFACES: an entry cut inside its header");
		return;
	}
	w->p[last + 4]++;
	say("MIF_INTERFACES: the last entry claims one IPv4 address more "
	    "than follow");
}

static void put_many(struct ike_writer *w)
{
	struct mif_iface f;

	memset(&f, 0, sizeof(f));
	for (unsigned int i = 1; i <= MANY_IFACES; i++) {
		f.id = (uint16_t)i;
		put_entry(w, &f);
	}
	say("MIF_INTERFACES: 8000 entries");
}

/* The first IPv4 address moves to the IPv6 block, IPv4-mapped. */
static void put_mapped(struct ike_writer *w, const struct mif_interfaces *m)
{
	struct mif_iface f;
	bool done = false;

	for (unsigned int i = 0; i < m->n && i < MIF_MAX_IFACES; i++) {
		f = m->iface[i];
		if (!done && f.n4 && f.n6 < MIF_MAX_ADDRS) {
			memset(f.addr6[f.n6], 0, 16);
			f.addr6[f.n6][10] = 0xff;
			f.addr6[f.n6][11] = 0xff;
			memcpy(&f.addr6[f.n6][12], f.addr4[0], 4);
			f.n6++;
			memmove(f.addr4[0], f.addr4[1], 4u * (f.n4 - 1u));
			f.n4--;
			done = true;
		}
		put_entry(w, &f);
	}
	if (!done) {
		memset(&f, 0, sizeof(f));
		f.id = 77;
		f.n6 = 1;
		memcpy(f.addr6[0], "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\0\x02\x01",
		       16);
		put_entry(w, &f);
	}
	say("MIF_INTERFACES: an IPv4 address written as IPv6 (IPv4-mapped)");
}

int __wrap_mif_interfaces_build(struct ike_writer *w,
				const struct mif_interfaces *m,
				struct ike_error *err)
{
	size_t start = w->len;
	int ret;

	if (mangle("zero", K_IFACES)) {
		say("MIF_INTERFACES: no entry");
		return 0;
	}
	if (mangle("many", K_IFACES)) {
		put_many(w);
		return 0;
	}
	if (mangle("family", K_IFACES)) {
		put_mapped(w, m);
		return 0;
	}
	ret = __real_mif_interfaces_build(w, m, err);
	if (!ret && ike_writer_ok(w) && mangle("truncated", K_IFACES))
		truncate_last(w, start);
	return ret;
}

int __wrap_mif_child_path_build(struct ike_writer *w,
				const struct mif_child_path *p,
				struct ike_error *err)
{
	struct mif_child_path q = *p;
	size_t start = w->len;
	size_t alen = mif_addr_len(p->family);
	int ret;

	if (alen && mangle("unannounced", K_PATH)) {
		q.req_addr[alen - 1] = q.req_addr[alen - 1] == 99 ? 98 : 99;
		say("MIF_CHILD_PATH: a requester address never announced");
	}
	ret = __real_mif_child_path_build(w, &q, err);
	if (!ret && ike_writer_ok(w) && w->len > start + 4 &&
	    mangle("pathfamily", K_PATH)) {
		w->p[start + 4] = 3;
		say("MIF_CHILD_PATH: Address Family 3");
	}
	return ret;
}

/*
 * "plain": our IKE_SA_INIT request with MIF_SUPPORTED and MIF_INTERFACES
 * added to its payloads, outside SK where no MIF notify belongs.
 */
static int build_plain(struct ike_writer *w, const struct ike_message *m,
		       struct ike_error *err)
{
	static const uint8_t v1[MIF_SUPPORTED_LEN] = { MIF_PROTO_VERSION, 0 };
	static const uint8_t list[] = {
		0, 77, 0, 0, 1, 0, 0, 0, 10, 88, 77, 1,
	};
	struct ike_message copy = *m;
	struct ike_notify sup, ifaces;
	int ret = -1;

	memset(&copy.chain, 0, sizeof(copy.chain));
	ikesa_notify(&sup, IKE_N_MIF_SUPPORTED, v1, sizeof(v1));
	ikesa_notify(&ifaces, IKE_N_MIF_INTERFACES, list, sizeof(list));
	for (unsigned int i = 0; i < m->chain.count; i++)
		if (ike_chain_add(&copy.chain, m->chain.pl[i].type,
				  m->chain.pl[i].any, err))
			goto out;
	if (ike_chain_add(&copy.chain, IKE_PL_NOTIFY, &sup, err) ||
	    ike_chain_add(&copy.chain, IKE_PL_NOTIFY, &ifaces, err))
		goto out;
	ret = __real_ike_message_build(w, &copy, err);
	say("IKE_SA_INIT: MIF_SUPPORTED and MIF_INTERFACES outside SK");
out:
	ike_chain_free(&copy.chain);
	return ret;
}

int __wrap_ike_message_build(struct ike_writer *w,
			     const struct ike_message *m,
			     struct ike_error *err)
{
	if (m->hdr.exchange == IKE_EXCH_IKE_SA_INIT &&
	    !(m->hdr.flags & IKE_FLAG_RESPONSE) && mangle("plain", K_INIT))
		return build_plain(w, m, err);
	return __real_ike_message_build(w, m, err);
}
