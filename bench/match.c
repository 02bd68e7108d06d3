// SPDX-License-Identifier: GPL-2.0
/*
 * match: what finding a connection and loading a configuration cost at
 * 100, 1,000 and 10,000 connections, with the index (engine/conn_index.c,
 * the configuration's names by hash) beside the scans it replaced. In
 * memory, no daemon, no network; not a test.
 *
 *   make -C bench && ../build/bench/match [ROUNDS]
 *
 * The configuration is a gateway's: connection cN from 192.0.2.1 to its
 * own peer 10.x.y.1 with one child, plus one road-warrior connection for
 * any peer at the end (rank 0, matched after the peer's own).
 *
 * match: per IKE_SA_INIT of a random known peer, what ike_sa_init.c does
 * to the list: engine_match_conn() to admit the request, then a walk of
 * every engine_match_next() (the proposal choice and the certificate
 * payloads walk them). "scan" is the three passes over every connection
 * engine_match_next() made before the index, copied here.
 *
 * load: conf_load() of the file, then what a reload does per connection:
 * conf_find() of each name in the old configuration and in the new, and
 * engine_clear_conns() + engine_add_conn() of each (the index rebuilt).
 * "scan" replays, over the same names, the lookups the loader made by
 * scanning before: one conf_find() scan per [conn] section (a new name:
 * the whole list), one per [child] section for duplicates and one to
 * find its connection plus the count of its siblings, and the reload's
 * two scans per connection; and adds them to the same load without the
 * hashed lookups. It is the old cost rebuilt, not the old code run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "engine/engine.h"
#include "engine/exchange.h"

/* CPU seconds of this process: the machine's other work does not count. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* engine_match_next() before the index. */
static int scan_rank(const struct conn *c, const struct ip_addr *local,
		     const struct ip_addr *remote)
{
	int rank = 0;

	if (c->local.family) {
		if (!ip_addr_equal(&c->local, local))
			return -1;
		rank++;
	}
	if (c->remote.family) {
		if (!ip_addr_equal(&c->remote, remote))
			return -1;
		rank++;
	}
	return rank;
}

struct scan_match {
	unsigned int pass, i;
};

static const struct conn *scan_next(const struct engine *e,
				    const struct ip_addr *local,
				    const struct ip_addr *remote,
				    struct scan_match *it)
{
	const struct conn *c;

	for (; it->pass < 3; it->pass++, it->i = 0)
		while (it->i < e->n_conns) {
			c = e->conns[it->i++];
			if (scan_rank(c, local, remote) == 2 - (int)it->pass)
				return c;
		}
	return NULL;
}

static volatile unsigned long sink;

/* Microseconds per IKE_SA_INIT, with the index or by the scan. */
static double match_us(const struct engine *e, const struct ip_addr *peers,
		       unsigned int n, unsigned int rounds, int scan)
{
	const struct ip_addr *local = &e->conns[0]->local;
	unsigned int seed = 1;
	const struct conn *c;
	double t0 = now_s();

	for (unsigned int k = 0; k < rounds; k++) {
		const struct ip_addr *r = &peers[rand_r(&seed) % n];

		if (scan) {
			struct scan_match it = { 0, 0 }, first = { 0, 0 };

			sink += scan_next(e, local, r, &first) != NULL;
			while ((c = scan_next(e, local, r, &it)))
				sink++;
		} else {
			struct engine_match it = { 0 };

			sink += engine_match_conn(e, local, r, NULL) != NULL;
			while ((c = engine_match_next(e, local, r, &it)))
				sink++;
		}
	}
	return (now_s() - t0) * 1e6 / rounds;
}

/* The file of n connections (and the road warrior), each with a child. */
static void write_conf(const char *path, unsigned int n)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(2);
	}
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, "[conn c%u]\nlocal = 192.0.2.1\nremote = 10.%u.%u.1\n"
			"psk = sixteen-byte-key\n", i, i >> 8, i & 0xff);
	fprintf(f, "[conn rw]\nlocal = 192.0.2.1\nremote = %%any\n"
		"remote_ts = 10.0.0.0/8\npsk = sixteen-byte-key\n");
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, "[child c%u/a]\nlocal_ts = 192.0.2.0/24\n"
			"remote_ts = 10.%u.%u.0/24\n", i, i >> 8, i & 0xff);
	fclose(f);
}

/* A scan of the first n names for name, as conf_find() was. */
static unsigned long scan_names(const struct conf *c, unsigned int n,
				const char *name)
{
	unsigned long hits = 0;

	for (unsigned int i = 0; i < n; i++)
		hits += !strcmp(c->conns[i].name, name);
	return hits;
}

/* The scans the loader and a reload made by name, replayed over c. */
static unsigned long replay_scans(const struct conf *c,
				  unsigned int n_children)
{
	unsigned int n = c->n_conns;
	unsigned long hits = 0;

	/* One conf_find() per [conn] section: a new name, all before it. */
	for (unsigned int k = 0; k < n; k++)
		hits += scan_names(c, k, c->conns[k].name);
	/*
	 * Per [child] section (child k is cK's): the children before it for
	 * a duplicate, its connection, the children after it for siblings.
	 */
	for (unsigned int k = 0; k < n_children; k++) {
		hits += scan_names(c, k, c->conns[k].name);
		hits += scan_names(c, k + 1, c->conns[k].name);
		for (unsigned int i = k; i < n_children; i++)
			hits += !strcmp(c->conns[i].name, c->conns[k].name);
	}
	/* A reload: each old name in the new list, each new in the old. */
	for (unsigned int k = 0; k < n; k++)
		hits += scan_names(c, k + 1, c->conns[k].name) +
			scan_names(c, k + 1, c->conns[k].name);
	return hits;
}

/* Milliseconds to load and apply the file: hashed, and by the scans. */
static void load_ms(const char *path, unsigned int n, double *hashed,
		    double *scan)
{
	double t0, load, lookups, add, replay;
	struct engine e;
	struct conf *c;
	char err[512];

	if (engine_init(&e, NULL, NULL))
		exit(2);
	t0 = now_s();
	if (conf_load(path, &c, err, sizeof(err))) {
		fprintf(stderr, "match: %s", err);
		exit(2);
	}
	load = now_s() - t0;
	t0 = now_s();
	for (unsigned int r = 0; r < 2; r++)
		for (unsigned int i = 0; i < c->n_conns; i++)
			sink += conf_find(c, c->conns[i].name) != NULL;
	lookups = now_s() - t0;
	t0 = now_s();
	engine_clear_conns(&e);
	for (unsigned int i = 0; i < c->n_conns; i++)
		if (engine_add_conn(&e, &c->conns[i].conn))
			exit(2);
	add = now_s() - t0;
	t0 = now_s();
	sink += replay_scans(c, n);
	replay = now_s() - t0;
	*hashed = (load + lookups + add) * 1e3;
	*scan = (load + add + replay) * 1e3;
	conf_free(c);
	engine_free(&e);
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 100, 1000, 10000 };
	unsigned int rounds = argc > 1 ? (unsigned int)atoi(argv[1]) : 20000;
	char path[] = "/tmp/bench_match.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || !rounds) {
		fprintf(stderr, "usage: match [ROUNDS]\n");
		return 2;
	}
	close(fd);
	printf("%-6s  %14s %14s %8s  %12s %12s %8s\n", "conns",
	       "match scan us", "match idx us", "speedup", "load scan ms",
	       "load idx ms", "speedup");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		unsigned int n = sizes[s];
		struct ip_addr *peers = calloc(n, sizeof(*peers));
		double ms, mi, ls, li;
		struct conf *c;
		struct engine e;
		char err[512];

		write_conf(path, n);
		if (!peers || engine_init(&e, NULL, NULL) ||
		    conf_load(path, &c, err, sizeof(err)))
			return 2;
		for (unsigned int i = 0; i < c->n_conns; i++)
			if (engine_add_conn(&e, &c->conns[i].conn))
				return 2;
		for (unsigned int i = 0; i < n; i++)
			peers[i] = c->conns[i].conn.remote;
		ms = match_us(&e, peers, n, rounds, 1);
		mi = match_us(&e, peers, n, rounds, 0);
		load_ms(path, n, &li, &ls);
		printf("%-6u  %14.2f %14.2f %7.0fx  %12.1f %12.1f %7.1fx\n",
		       n, ms, mi, ms / mi, ls, li, ls / li);
		engine_free(&e);
		conf_free(c);
		free(peers);
	}
	unlink(path);
	return 0;
}
