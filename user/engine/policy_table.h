/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel policies of every installed Child SA of the engine, shared
 * by the Child SAs that need them, across all IKE SAs.
 *
 * XFRM keys a policy on its selector, direction, mark and if_id alone:
 * an UPDPOLICY of that key replaces the policy there, template and all,
 * and a DELPOLICY removes it whatever its template. Child SAs with the
 * same selectors (a rekeyed SA and its successor, a peer that
 * reconnects, make-before-break reauthentication, a second Child SA for
 * the same traffic, the same traffic over several interfaces) therefore
 * share one kernel policy, and removing one of them must not remove the
 * policy the others still need.
 *
 * The table has one entry per key, holding its users (the Child SAs
 * that took a reference, in the order they came) and its owner, the
 * user whose template (outer addresses, reqid, mode) the kernel's
 * policy points at:
 *
 * - the first user adds the policy;
 * - each later user becomes the owner (the newest SA carries the
 *   traffic, as in strongSwan): UPDPOLICY with its template, unless the
 *   kernel's is the same already (a rekey keeps reqid and addresses);
 * - a user that goes drops its reference; if it owned the policy and
 *   others remain, the newest of them becomes the owner (UPDPOLICY with
 *   its template, if that differs);
 * - the last user deletes it.
 *
 * Should the kernel refuse an UPDPOLICY, the policy keeps its template:
 * a failed take-over leaves it to the owner it had, a failed hand-over
 * (owner NULL) to the SAs that went, whose traffic is then dropped,
 * never sent in clear, until a user comes or goes and tries again.
 *
 * Entries are hashed by key (sa_table.c, keyed with a per-process
 * secret), so taking or dropping a reference costs the same with one
 * Child SA as with a hundred thousand. Users are compared by pointer
 * and never dereferenced here: a Child SA drops every reference before
 * it is freed (childsa_uninstall()).
 */
#ifndef MIF_ENGINE_POLICY_TABLE_H
#define MIF_ENGINE_POLICY_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/sa_table.h"
#include "backend/backend.h"

struct childsa;

/*
 * What a policy points at, as one user wants it. A trap (engine/trap.h)
 * is a user whose template no SA fills: the policy falls back to it
 * when the last Child SA goes, and it never takes the policy over from
 * one.
 */
struct policy_user {
	const struct childsa *child;
	bool trap;
	enum kernel_mode mode;
	struct ip_addr src, dst;	/* tunnel endpoints */
	uint32_t reqid;
};

/* The bytes of a key: selector, direction, mark, if_id. */
#define POLICY_KEY_LEN	60

/*
 * One per key, hashed by it; the key is not kept, pol gives it again
 * (its template changes, never its key but by a re-insertion).
 */
struct policy_entry {
	struct sa_node node;
	struct kernel_policy pol;	/* as the kernel has it */
	struct policy_user *users;	/* oldest first */
	unsigned int n_users, max_users;
	const struct childsa *owner;
};

struct policy_table {
	struct backend *backend;
	struct sa_table entries;
};

void policy_table_init(struct policy_table *t, struct backend *b);
/*
 * Forget every entry, without a word to the kernel (the engine removes
 * its Child SAs first, which empties the table).
 */
void policy_table_free(struct policy_table *t);

/*
 * c needs policy p (its key, priority and c's template): take a
 * reference, and make c the owner. Adds or updates the kernel's policy
 * as needed. Returns 0 or the backend's error (the table is then as it
 * was, c not a user).
 */
int policy_table_get(struct policy_table *t, const struct kernel_policy *p,
		     const struct childsa *c);
/*
 * The kernel made c's policy p itself (an interface-wide clone): record
 * c as a user, without a word to the kernel. A new key gets an entry
 * owned by c, as the kernel has it; an existing one (the clone skipped
 * its copy) keeps its owner and template, c the newest user.
 */
int policy_table_adopt(struct policy_table *t, const struct kernel_policy *p,
		       const struct childsa *c);
/*
 * The same where the kernel has not made p: a new key is added to the
 * kernel as policy_table_get() adds it, an existing one keeps its owner.
 */
int policy_table_join(struct policy_table *t, const struct kernel_policy *p,
		      const struct childsa *c);
/*
 * Trap c (engine/trap.h) stands behind the policy of p's key: a new key
 * is added to the kernel with p's template, c its owner; an existing
 * one keeps its owner, and falls back to c when its last Child SA goes
 * (the newest Child SA left is always preferred to a trap). Dropped
 * with policy_table_put().
 */
int policy_table_trap(struct policy_table *t, const struct kernel_policy *p,
		      const struct childsa *c);
/*
 * c no longer needs the policy of p's key: drop its reference, hand the
 * policy to the newest remaining user or delete it with the last one.
 * Nothing if c is not a user. Returns 0 or the backend's error.
 */
int policy_table_put(struct policy_table *t, const struct kernel_policy *p,
		     const struct childsa *c);
/*
 * Make c, a user of the policy of p's key, its owner with the template
 * of p (a Child SA moved to other addresses, or taking the traffic over
 * from another that failed). -ENOENT if c is not a user.
 */
int policy_table_point(struct policy_table *t, const struct kernel_policy *p,
		       const struct childsa *c);
/*
 * The kernel has removed every policy bound to addr in scope s (an
 * interface-wide delete: backend delete_addr, docs/netlink.md "What an
 * address binds"), and c, bound to addr, goes with them: drop c's
 * reference to the policy of p's key. If the kernel's policy was one of
 * those removed, nothing is deleted; when a user remains that the delete
 * does not concern (its template elsewhere, or out of scope), the policy
 * is added again with the newest such user's template, so a policy that
 * a Child SA on another address shares survives; the entry goes with its
 * last user. If the kernel's policy was not removed, as
 * policy_table_put(). Returns 0 or the backend's error (the policy has
 * no owner then, as for a failed hand-over).
 */
int policy_table_forget(struct policy_table *t, const struct kernel_policy *p,
			const struct childsa *c, const struct ip_addr *addr,
			const struct kernel_scope *s);

/* The entry of p's key, or NULL. */
const struct policy_entry *policy_table_find(const struct policy_table *t,
					     const struct kernel_policy *p);
/* Who the kernel's policy of p's key points at, or NULL. */
const struct childsa *policy_table_owner(const struct policy_table *t,
					 const struct kernel_policy *p);
/* Entries (distinct kernel policies). */
size_t policy_table_count(const struct policy_table *t);

/*
 * The kernel moved the policies in scope bound to old onto new (one
 * interface-wide call, backend.h's move_addr): make the table's view the
 * same, without a word to the kernel. Templates of those policies and of
 * their users in scope, and transport-mode selectors naming old as a
 * host, which re-keys their entries. 0 or -ENOMEM (the view is then
 * partly moved: the entries not re-keyed keep their old key).
 */
int policy_table_move(struct policy_table *t, const struct ip_addr *old,
		      const struct ip_addr *new, const struct kernel_scope *s);

#endif
