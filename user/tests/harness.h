/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the engine tests share: a fake kernel backend that records what is
 * installed, an in-memory network between two engines, connection
 * builders and a CA with a certificate for each side.
 */
#ifndef MIF_TESTS_HARNESS_H
#define MIF_TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/conn.h"
#include "engine/engine.h"
#include "backend/backend.h"

/* Fake backend. */

/*
 * Policies as XFRM keeps them: one per selector, direction, mark and
 * if_id; add_policy (UPDPOLICY) replaces the one of the same key
 * (counted in n_add_pol and n_upd_pol), del_policy removes it whatever
 * its template.
 */
#define FAKE_MAX	1024
#define FAKE_MAX_ALTS	8
struct fake {
	struct backend b;
	uint32_t next_spi;
	unsigned int n_alloc, n_add_sa, n_del_sa, n_add_pol, n_del_pol;
	unsigned int n_upd_pol, n_update_sa;
	int fail_add_pol;	/* add_policy fails with it (-errno); 0: no */
	unsigned int n_sas, n_pols;
	struct kernel_sa sas[FAKE_MAX];
	bool sa_live[FAKE_MAX];
	struct kernel_policy pols[FAKE_MAX];
	bool pol_live[FAKE_MAX];
	/* Interface-wide calls, and the last alternates set. */
	unsigned int n_move, n_delete, n_clone, n_set_alts;
	struct ip_addr alts_of, alts[FAKE_MAX_ALTS];
	unsigned int n_alts;
	struct kernel_scope alts_scope;
	struct kernel_move last_move;
	uint32_t allocs[FAKE_MAX];
	struct ip_addr alloc_dst[FAKE_MAX];	/* what each SPI is for */
	bool alloc_live[FAKE_MAX];
};

extern const struct backend_ops fake_ops;
unsigned int live_sas(const struct fake *f);
unsigned int live_pols(const struct fake *f);
unsigned int live_allocs(const struct fake *f);
/* The live policy for sel in dir (its template: tmpl_*, reqid), or NULL. */
const struct kernel_policy *fake_policy(const struct fake *f,
					const struct kernel_sel *sel,
					enum kernel_dir dir);
bool fake_sel_equal(const struct kernel_sel *a, const struct kernel_sel *b);
/*
 * Whether f's kernel has policies and every one points at c: its reqid,
 * mode and (tunnel mode) outer addresses.
 */
struct childsa;
bool fake_points_at(const struct fake *f, const struct childsa *c);

/* In-memory network. */

#define NET_MAX	64
struct dgram {
	int from;		/* 0: A, 1: B */
	uint8_t *buf;
	size_t len;
	uint16_t lport, rport;	/* as sent; 0: the sender's conn's */
	struct ip_addr src, dst;	/* as sent */
};

/*
 * A NAT in front of A (on): B sees A's datagrams come from addr (to be
 * B's c[1].remote), port port[0] for A's port 500 and port[1] for 4500;
 * B's answers to those ports reach A's, to others are dropped.
 */
struct world_nat {
	bool on;
	struct ip_addr addr;
	uint16_t port[2];
};

struct world;
struct peer {
	struct world *w;
	int id;
};

struct world {
	struct fake f[2];
	struct engine e[2];
	struct conn c[2];
	struct peer p[2];
	struct dgram q[NET_MAX];
	unsigned int n;
	unsigned int sent;	/* datagrams ever sent */
	struct world_nat nat;
	/*
	 * Other addresses than the connections' may be used (moves): a
	 * datagram goes to the other side whatever its addresses, and is
	 * delivered with them; one sent to unreachable is lost.
	 */
	bool any_addr;
	struct ip_addr unreachable;
};

void net_send(void *ctx, const struct ip_addr *local, uint16_t lport,
		     const struct ip_addr *remote, uint16_t rport,
		     const uint8_t *buf, size_t len);
struct dgram pop(struct world *w);
/* Hand d to its receiver, through the NAT if there is one. */
void deliver(struct world *w, const struct dgram *d, uint64_t now);
/*
 * The oldest datagram delivered and freed; like pop(), the test fails if
 * the network is empty.
 */
void deliver_next(struct world *w, uint64_t now);
/*
 * The same, and whether that datagram carried a notify of type: an SK
 * one to sa, the receiver's IKE SA, looked at before it is delivered.
 */
struct ikesa;
bool deliver_next_notify(struct world *w, struct ikesa *sa, uint16_t type,
			 uint64_t now);
void pump(struct world *w, uint64_t now);
/*
 * Both engines ticked at now and the network pumped, until a round sends
 * nothing (the test fails after 64 rounds that all send).
 */
void test_settle(struct world *w, uint64_t now);
void drop_all(struct world *w);
/* Whether an SK datagram to sa (the receiver's IKE SA) carries a notify. */
bool dgram_has_notify(struct ikesa *sa, const struct dgram *d,
		      uint16_t type);
/* Whether a plain (IKE_SA_INIT) datagram carries a notify. */
bool plain_has_notify(const struct dgram *d, uint16_t type);
/* The one IKE SA of a side, asserted to be the only one. */
struct ikesa *only_sa(struct world *w, int side);
/* How many Child SAs sa has. */
unsigned int n_children(const struct ikesa *sa);
void xf(struct conn_proposal *p, uint8_t type, uint16_t id,
	       uint16_t bits);
void sel4(struct ike_selector *s, const char *start, const char *end);
void set_id(struct conn_id *id, const char *fqdn);
void set_ike(struct conn *c, uint16_t group, bool gcm);
void set_esp(struct conn *c, bool gcm);
void make_conn(struct conn *c, int side, uint16_t group, bool gcm);
/*
 * t, side's child named name of its connection c: c's own selectors and
 * ESP proposals, tunnel mode, TCP to port on side B's (side 1's) end.
 */
void service_child(struct conn_child *t, const struct conn *c, int side,
		   const char *name, uint16_t port);
/*
 * n such children on each side's connection, a[i] and b[i] named
 * name[i] ("s0", "s1", ...), TCP to port 8000 + i.
 */
void test_services(struct world *w, struct conn_child *a,
		   struct conn_child *b, char (*name)[16], unsigned int n);
/* Up to TEST_KIDS such children of each side, and their names. */
#define TEST_KIDS	12
struct test_kids {
	struct conn_child c[2][TEST_KIDS];
	char name[TEST_KIDS][16];
};
/*
 * Two engines with message-ID windows wa (A, the initiator) and wb (B),
 * with n (at most TEST_KIDS) of k's children each, B's connection added.
 */
struct world *test_window_world(struct test_kids *k, unsigned int n,
				unsigned int wa, unsigned int wb);
/* Our requests in flight on sa, the window's parked ones included. */
unsigned int test_in_flight(const struct ikesa *sa);
/*
 * Each Child SA of a has its other half in b (the SPIs crossed, the same
 * child), neither replaced nor owed a Delete; seen[tmpl] counts a's
 * children by the child they are of.
 */
void test_pairs_match(struct ikesa *a, struct ikesa *b,
		      unsigned int seen[TEST_KIDS]);

/*
 * An engine log that keeps its lines (test_log_fn as engine_ops.log;
 * printed to stderr too when the environment variable test_log_env names
 * is set), test_logged(s): how many kept lines contain s, test_logged_at()
 * those of that level; test_log_reset() forgets them.
 */
extern const char *test_log_env;
void test_log_fn(void *ctx, enum engine_log_level level,
		 const struct ikesa *sa, const char *msg);
unsigned int test_logged(const char *s);
unsigned int test_logged_at(int level, const char *s);
void test_log_reset(void);
/* s parsed as an address (the test fails on a bad one). */
struct ip_addr test_ip(const char *s);
/* Interface ifindex called name, up or down, with address a, told to e. */
void test_iface(struct engine *e, int ifindex, const char *name, bool up,
		const char *a);
/* The same, up. */
void test_iface_up(struct engine *e, int ifindex, const char *name,
		   const char *a);
/* An interface pattern p of priority prio added to c's list. */
void test_pattern(struct conn *c, const char *p, int prio);

/*
 * Two engines on the fake backend (fake_ops) and the in-memory network,
 * each with its connection made by make_conn(side, group, gcm) but not
 * added: the test changes the connections, then adds them.
 * test_world_log(): both engines log through test_log_fn, the kept
 * lines forgotten. test_world_free(): what test_world_new() made, the
 * datagrams still on the network with it.
 */
struct world *test_world_new(uint16_t group, bool gcm);
/* The same in w, zeroed first: a world held in a test's own structure. */
void test_world_init(struct world *w, uint16_t group, bool gcm);
void test_world_log(struct world *w);
void test_world_free(struct world *w);

/*
 * The world of test_mif_failover and test_mif_alt_engine: mif = yes and
 * unique = never on both sides, logged (test_world_log), any address
 * used (a move of the IKE SA's own address sends from the new one). A
 * (the EU): eth0 192.0.2.1 (its IKE address, priority 200), eth1
 * 192.0.2.9 (150), wlan0 203.0.113.5 (100), and lte0 192.0.2.17, which
 * its connection does not list; failback as given. B (the SG): eth0
 * 198.51.100.2, its connection listing "eth*" (128). Without module the
 * fake kernel has no alternates (no set_alts).
 */
struct world *test_mif_world(bool module, bool failback);

/*
 * Certificates: certs_make() writes a CA and, for each side of
 * make_conn(), a P-256 end entity naming its FQDN ID (a.example,
 * b.example) to a temporary directory; certs_load(side) gives that
 * side's credentials trusting the CA (free with sig_creds_free());
 * certs_remove() deletes the files.
 */
struct sig_creds;
void certs_make(void);
struct sig_creds *certs_load(int side);
void certs_remove(void);

#endif
