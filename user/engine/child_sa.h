/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A Child SA: one pair of ESP SAs and their policies.
 *
 * It owns its outer address pair, copied from the IKE SA when it is made
 * and independent afterwards: everything installed in the kernel uses
 * these addresses, never the IKE SA's.
 */
#ifndef MIF_ENGINE_CHILD_SA_H
#define MIF_ENGINE_CHILD_SA_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "crypto/keys.h"
#include "engine/conn.h"
#include "engine/proposal.h"
#include "ike/mif.h"
#include "ike/ts.h"
#include "backend/backend.h"

struct engine;

struct childsa {
	struct childsa *next;

	struct ip_addr local, remote;	/* outer addresses */
	uint16_t local_port, remote_port;
	/* ESP in UDP between these ports (NAT traversal, engine/nat.h). */
	bool encap;
	/*
	 * MIF (engine/mif_path.h): the interfaces its pair is on, as each
	 * side announced them (0: the IKE SA's own address), and our
	 * interface's ifindex (0: none known). has_path: path names the
	 * pair, sent in our request or accepted from the peer's.
	 */
	uint16_t local_iface, remote_iface;
	int ifindex;
	bool has_path;
	struct mif_child_path path;

	uint32_t spi_in;		/* ours, host order; 0: none yet */
	uint32_t spi_out;		/* the peer's */
	uint32_t reqid;
	enum kernel_mode mode;
	/* Its connection's child it is made from (engine/children.h). */
	unsigned int tmpl;

	unsigned int n_local_ts, n_remote_ts;
	struct ike_selector local_ts[CONN_MAX_TS];
	struct ike_selector remote_ts[CONN_MAX_TS];

	const struct transform *encr, *integ;
	bool esn;
	uint64_t lifetime_s;

	bool installed;			/* both SAs */
	uint32_t rekey_spi;		/* spi_in of the SA this one replaces */

	/* Timers in ms, 0: none (a lifetime of 0); see childsa_timers(). */
	uint64_t rekey_at;		/* start rekeying it */
	uint64_t expire_at;		/* the kernel's hard expiry */
	bool replaced;			/* rekeyed: awaits its Delete */
	/*
	 * Replaced, and its Delete still to send: the peer's window had no
	 * room for it (window.h); sent once it has (create_child_sa.h).
	 */
	bool delete_owed;
};

/*
 * Lifetimes. The kernel's soft expiry is at nine tenths of lifetime_s,
 * the hard one at lifetime_s. The peer that initiated the exchange that
 * made the SA rekeys it between seven and eight tenths (a random point),
 * the other between 0.85 and 0.9 (half the margin, half the jitter):
 * with the same lifetimes on both sides the initiator's rekey comes
 * first, and the two collide only when it is late by a tenth (with
 * rekey_jitter = no at 0.8 and 0.9 exactly, which keeps a storm of
 * rekeys lined up apart too). A failed attempt is tried again every
 * twentieth, unless the peer answers that it has no such SA
 * (CHILD_SA_NOT_FOUND): the SA is then removed and a new one negotiated
 * in its place. At the hard expiry the engine forgets the SA.
 */
#define CHILD_REKEY_MARGIN(life)	((life) / 5)
#define CHILD_REKEY_JITTER(life)	((life) / 10)
#define CHILD_REKEY_RETRY(life)		((life) / 20)

struct childsa *childsa_new(const struct ip_addr *local, uint16_t lport,
			    const struct ip_addr *remote, uint16_t rport,
			    uint32_t reqid);

/* Reserve our inbound SPI through the backend. Returns 0 or -errno. */
int childsa_alloc_spi(struct childsa *c, struct backend *b);

/*
 * Install both SAs, then take the policies of its selectors from the
 * engine's policy table (policy_table.h): new ones are added, those it
 * shares with other Child SAs (the one it rekeys, one of another IKE
 * SA) point at it from now on. initiator: we started the exchange that
 * made this SA (its "i" keys are our outbound keys). Its selectors,
 * mode and reqid must not change while it is installed.
 */
int childsa_install(struct childsa *c, struct engine *e,
		    const struct proposal_choice *pc,
		    const struct child_keys *k, bool initiator);
/*
 * The same, beside the Child SAs it shares policies with: those keep
 * the traffic (policy_table_join()), as a clone leaves it
 * (engine/mif_add.c, one Child SA at a time).
 */
int childsa_install_beside(struct childsa *c, struct engine *e,
			   const struct proposal_choice *pc,
			   const struct child_keys *k, bool initiator);
/*
 * The kernel installed c's SAs and policies itself (an interface-wide
 * clone, engine/mif_add.c): mark it installed and record it as a user
 * of its policies (policy_table_adopt()).
 */
int childsa_adopt_policies(struct childsa *c, struct engine *e);
/*
 * Point every policy c shares at c again, with its current outer
 * addresses (c moved, or takes the traffic back from another SA).
 */
int childsa_point_policies(struct childsa *c, struct engine *e);

/*
 * c's ports changed (the peer's NAT mapped it elsewhere): change the UDP
 * encapsulation of both its SAs in place, keeping keys and counters.
 * 0, or -errno (-EOPNOTSUPP: the backend cannot).
 */
int childsa_update_encap(struct childsa *c, struct engine *e);

/*
 * Arm the rekey and expiry timers of a Child SA installed at now;
 * initiator: we started the exchange that made it.
 */
void childsa_timers(struct childsa *c, uint64_t now, bool jitter,
		    bool initiator);
/* A rekey of c started at now: when to try again if it fails. */
uint64_t childsa_retry_at(const struct childsa *c, uint64_t now);

/*
 * Remove what childsa_install() or childsa_alloc_spi() put in the
 * kernel: drop c's policy references (a policy another SA needs stays,
 * pointing at that SA), then delete its SAs.
 */
void childsa_uninstall(struct childsa *c, struct engine *e);
/*
 * c is a template without SAs (engine/trap.h): stand behind each of
 * its policies as a trap (policy_table_trap()), all or none; 0 or the
 * first error. childsa_untrap() drops them.
 */
int childsa_trap(struct childsa *c, struct engine *e);
void childsa_untrap(struct childsa *c, struct engine *e);
/* Delete c's SAs only; it keeps its policy references. */
void childsa_remove_sas(struct childsa *c, struct engine *e);
/*
 * c's SAs, and the policies bound to addr in scope s, are gone from the
 * kernel already (an interface-wide delete, c bound to addr): drop its
 * policy references without deleting anything, a policy it shares with
 * a Child SA elsewhere staying for that one (policy_table_forget()),
 * and forget its SAs. 0, or the first error of re-adding a shared policy.
 */
int childsa_forget(struct childsa *c, struct engine *e,
		   const struct ip_addr *addr, const struct kernel_scope *s);
void childsa_free(struct childsa *c);

/*
 * Narrow: the intersection of the peer's selectors with ours, into out.
 * Returns the number of selectors (0: nothing in common).
 */
unsigned int ts_narrow(const struct ike_ts *peer,
		       const struct ike_selector *mine, unsigned int n,
		       struct ike_selector *out, unsigned int max);
/* Whether every selector of a is one of b's, byte for byte. */
bool ts_sels_in(const struct ike_selector *a, unsigned int na,
		const struct ike_selector *b, unsigned int nb);
/* Whether every selector of ts lies within one of mine. */
bool ts_within(const struct ike_ts *ts, const struct ike_selector *mine,
	       unsigned int n);

#endif
