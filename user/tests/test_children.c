// SPDX-License-Identifier: GPL-2.0
/*
 * Several children per connection (engine/children.h): the initiator
 * creates them one after the other over one IKE SA, the responder picks
 * the child each request is for; [child CONN/NAME] sections in the
 * configuration.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "engine/children.h"
#include "engine/conn.h"
#include "engine/engine.h"
#include "engine/ike_sa.h"
#include "ike/constants.h"
#include "ike/notify.h"
#include "backend/backend.h"

#include "harness.h"

#define N_SERVICES	10
/* Figure 11's s: services on each interface of a host. */
#define N_MANY		100

/* Both sides, children[side][i]. */
struct kids {
	struct conn_child c[2][N_MANY];
	char name[N_MANY][16];
};

#define LOG_LINES	64

struct log_rec {
	unsigned int n;
	char line[LOG_LINES][256];
};

static void log_record(void *ctx, enum engine_log_level level,
		       const struct ikesa *sa, const char *msg)
{
	struct log_rec *l = ctx;

	if (l->n < LOG_LINES)
		snprintf(l->line[l->n], sizeof(l->line[0]), "%s", msg);
	l->n++;
}

static bool logged(const struct log_rec *l, const char *a, const char *b)
{
	for (unsigned int i = 0; i < l->n && i < LOG_LINES; i++)
		if (strstr(l->line[i], a) && (!b || strstr(l->line[i], b)))
			return true;
	return false;
}

static struct world *world_new(void)
{
	struct world *w = test_world_new(IKE_DH_ECP_256, true);

	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

static struct ikesa *establish(struct world *w, uint64_t now)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], now);

	assert_non_null(sa);
	pump(w, now);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	return sa;
}

/* The Child SA of side's IKE SA made from child tmpl; NULL: none. */
static const struct childsa *of_child(struct world *w, int side,
				      unsigned int tmpl)
{
	for (const struct childsa *c = only_sa(w, side)->children; c;
	     c = c->next)
		if (c->tmpl == tmpl && !c->replaced)
			return c;
	return NULL;
}

/* Child i is up on both sides, with its service's selectors. */
static void check_service(struct world *w, unsigned int i)
{
	const struct childsa *a = of_child(w, 0, i), *b;

	assert_non_null(a);
	b = ikesa_find_child(only_sa(w, 1), a->spi_out, true);
	assert_non_null(b);
	assert_int_equal(b->tmpl, i);
	assert_int_equal(b->spi_out, a->spi_in);
	assert_true(a->installed && b->installed);
	assert_int_equal(a->n_remote_ts, 1);
	assert_int_equal(a->remote_ts[0].ip_proto, 6);
	assert_int_equal(a->remote_ts[0].start_port, 8000 + i);
	assert_int_equal(a->remote_ts[0].end_port, 8000 + i);
	assert_int_equal(b->local_ts[0].start_port, 8000 + i);
	assert_memory_equal(&a->local_ts[0], &b->remote_ts[0],
			    sizeof(a->local_ts[0]));
}

static void ten_children(void **state)
{
	struct world *w = world_new();
	struct kids *k = calloc(1, sizeof(*k));
	struct ikesa *sa;

	assert_non_null(k);
	test_services(w, k->c[0], k->c[1], k->name, N_SERVICES);
	sa = establish(w, 0);
	assert_int_equal(n_children(sa), N_SERVICES);
	assert_int_equal(n_children(only_sa(w, 1)), N_SERVICES);
	/* One IKE SA, a pair of ESP SAs per child on each side. */
	assert_null(w->e[0].sas->next);
	assert_int_equal(live_sas(&w->f[0]), 2 * N_SERVICES);
	assert_int_equal(live_sas(&w->f[1]), 2 * N_SERVICES);
	for (unsigned int i = 0; i < N_SERVICES; i++)
		check_service(w, i);
	/* Nothing more to start. */
	assert_false(children_next(sa, 1));
	test_world_free(w);
	free(k);
}

/*
 * Figure 11's hundred services, one after the other over one IKE SA:
 * more exchanges than one pump() delivers, so delivered here until quiet
 * (at most four datagrams per Child SA, each one delivered once).
 */
static void hundred_children(void **state)
{
	struct world *w = world_new();
	struct kids *k = calloc(1, sizeof(*k));
	struct ikesa *sa;

	assert_non_null(k);
	test_services(w, k->c[0], k->c[1], k->name, N_MANY);
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	for (int i = 0; i < 4 * N_MANY && w->n; i++)
		deliver_next(w, 0);
	assert_int_equal(w->n, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(n_children(sa), N_MANY);
	assert_int_equal(n_children(only_sa(w, 1)), N_MANY);
	assert_null(w->e[0].sas->next);
	assert_int_equal(live_sas(&w->f[0]), 2 * N_MANY);
	assert_int_equal(live_sas(&w->f[1]), 2 * N_MANY);
	for (unsigned int i = 0; i < N_MANY; i++)
		check_service(w, i);
	test_world_free(w);
	free(k);
}

/* B refuses one child (other selectors): logged, the others come up. */
static void one_refused(void **state)
{
	struct world *w = world_new();
	struct kids *k = calloc(1, sizeof(*k));
	struct log_rec *l = calloc(2, sizeof(*l));
	struct ikesa *sa;

	assert_non_null(k);
	assert_non_null(l);
	for (int i = 0; i < 2; i++) {
		struct engine_log lg = { log_record, &l[i] };

		engine_set_log(&w->e[i], &lg);
	}
	test_services(w, k->c[0], k->c[1], k->name, 4);
	k->c[1][2].local_ts[0].start_port = 9999;
	k->c[1][2].local_ts[0].end_port = 9999;
	sa = establish(w, 0);
	assert_int_equal(n_children(sa), 3);
	assert_int_equal(n_children(only_sa(w, 1)), 3);
	check_service(w, 0);
	check_service(w, 1);
	check_service(w, 3);
	assert_null(of_child(w, 0, 2));
	assert_true(logged(&l[0], "new Child SA of child s2",
			   "received TS_UNACCEPTABLE"));
	assert_true(logged(&l[1], "sent TS_UNACCEPTABLE",
			   "fit none of our 4 children"));
	assert_int_equal(live_sas(&w->f[0]), 6);
	test_world_free(w);
	free(k);
	free(l);
}

/* B refuses the first child, the one IKE_AUTH carries: the others follow. */
static void first_refused(void **state)
{
	struct world *w = world_new();
	struct kids *k = calloc(1, sizeof(*k));
	struct log_rec *l = calloc(1, sizeof(*l));
	struct engine_log lg = { log_record, l };
	struct ikesa *sa;

	assert_non_null(k);
	assert_non_null(l);
	engine_set_log(&w->e[0], &lg);
	test_services(w, k->c[0], k->c[1], k->name, 3);
	k->c[1][0].local_ts[0].start_port = 9999;
	k->c[1][0].local_ts[0].end_port = 9999;
	sa = establish(w, 0);
	assert_int_equal(n_children(sa), 2);
	assert_null(of_child(w, 0, 0));
	check_service(w, 1);
	check_service(w, 2);
	assert_true(logged(l, "IKE_AUTH: no Child SA: received "
			   "TS_UNACCEPTABLE for child s0", NULL));
	test_world_free(w);
	free(k);
	free(l);
}

/* A rekeyed Child SA keeps its child, on both sides. */
static void rekey_keeps_child(void **state)
{
	struct world *w = world_new();
	struct kids *k = calloc(1, sizeof(*k));
	struct ikesa *sa;
	struct childsa *old;
	uint32_t old_spi;

	assert_non_null(k);
	test_services(w, k->c[0], k->c[1], k->name, 4);
	sa = establish(w, 0);
	old = (struct childsa *)of_child(w, 0, 3);
	assert_non_null(old);
	old_spi = old->spi_in;
	assert_int_equal(engine_rekey_child(&w->e[0], sa, old, 10), 0);
	pump(w, 10);
	assert_int_equal(n_children(sa), 4);
	assert_int_equal(n_children(only_sa(w, 1)), 4);
	assert_non_null(of_child(w, 0, 3));
	assert_int_not_equal(of_child(w, 0, 3)->spi_in, old_spi);
	for (unsigned int i = 0; i < 4; i++)
		check_service(w, i);
	test_world_free(w);
	free(k);
}

/*
 * The responder picks the child whose selectors are the request's over
 * one that holds them, and the one in the requested mode at equal fit.
 */
static void responder_picks(void **state)
{
	struct world *w = world_new();
	struct conn_child kb[3];
	const char *names[3] = { "wide", "web", "web-transport" };
	struct ikesa *sa;

	for (int i = 0; i < 3; i++) {
		memset(&kb[i], 0, sizeof(kb[i]));
		kb[i].name = names[i];
		kb[i].n_esp = w->c[1].n_esp;
		memcpy(kb[i].esp, w->c[1].esp, sizeof(kb[i].esp));
		kb[i].n_local_ts = kb[i].n_remote_ts = 1;
		kb[i].local_ts[0] = w->c[1].local_ts[0];
		kb[i].remote_ts[0] = w->c[1].remote_ts[0];
		kb[i].mode = KERNEL_MODE_TUNNEL;
		kb[i].lifetime_s = 600;
	}
	for (int i = 1; i < 3; i++) {
		kb[i].local_ts[0].ip_proto = 6;
		kb[i].local_ts[0].start_port = kb[i].local_ts[0].end_port = 80;
	}
	kb[2].mode = KERNEL_MODE_TRANSPORT;
	w->c[1].n_children = 3;
	w->c[1].children = kb;
	/* A has no child sections: its own selectors, TCP port 80. */
	w->c[0].remote_ts[0].ip_proto = 6;
	w->c[0].remote_ts[0].start_port = w->c[0].remote_ts[0].end_port = 80;
	sa = establish(w, 0);
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(only_sa(w, 1)->children->tmpl, 1);
	assert_int_equal(only_sa(w, 1)->children->lifetime_s, 600);
	assert_int_equal(sa->children->tmpl, 0);
	test_world_free(w);

	/* The same selectors in transport mode: web-transport. */
	w = world_new();
	w->c[1].n_children = 3;
	w->c[1].children = kb;
	w->c[0].remote_ts[0].ip_proto = 6;
	w->c[0].remote_ts[0].start_port = w->c[0].remote_ts[0].end_port = 80;
	w->c[0].mode = KERNEL_MODE_TRANSPORT;
	sa = establish(w, 0);
	assert_int_equal(only_sa(w, 1)->children->tmpl, 2);
	assert_int_equal(sa->children->mode, KERNEL_MODE_TRANSPORT);
	test_world_free(w);

	/* Another port: only wide holds it, narrowed to the request. */
	w = world_new();
	w->c[1].n_children = 3;
	w->c[1].children = kb;
	w->c[0].remote_ts[0].ip_proto = 17;
	sa = establish(w, 0);
	assert_int_equal(only_sa(w, 1)->children->tmpl, 0);
	assert_int_equal(sa->children->remote_ts[0].ip_proto, 17);
	test_world_free(w);
}

/* Configuration. */

static char path[64];
static char err[8192];

static void write_file(const char *text)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_children.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static struct conf *load(const char *text, int want)
{
	struct conf *c = NULL;

	write_file(text);
	assert_int_equal(conf_load(path, &c, err, sizeof(err)), want);
	unlink(path);
	return c;
}

static bool err_has(unsigned int line, const char *want)
{
	char loc[96];
	const char *p = err;

	snprintf(loc, sizeof(loc), "%s:%u: ", path, line);
	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, loc, strlen(loc)) && strstr(p, want) &&
		    strstr(p, want) < strchr(p, '\n'))
			return true;
	return false;
}

#define CONN_A \
	"[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n" \
	"psk = 0123456789abcdef0123\n" \
	"local_ts = 10.1.0.0/16\nremote_ts = 10.2.0.0/16\n" \
	"child_lifetime = 2h\n"

static void conf_children(void **state)
{
	/* A child before its connection; defaults from the connection. */
	struct conf *c = load("[child a/web]\n"
			      "remote_ts = 10.2.0.0/16[tcp/443]\n"
			      "mode = transport\n"
			      CONN_A
			      "[child a/dns]\n"
			      "remote_ts = 10.2.0.0/16[udp/53]\n"
			      "esp = aes128-sha256\n"
			      "child_lifetime = 10m\n", 0);
	const struct conf_conn *cc;
	const struct conn_child *t;

	assert_non_null(c);
	cc = conf_find(c, "a");
	assert_non_null(cc);
	assert_int_equal(cc->conn.n_children, 2);
	t = &cc->conn.children[0];
	assert_string_equal(t->name, "web");
	assert_int_equal(t->mode, KERNEL_MODE_TRANSPORT);
	assert_int_equal(t->lifetime_s, 7200);
	assert_int_equal(t->remote_ts[0].ip_proto, 6);
	assert_int_equal(t->remote_ts[0].start_port, 443);
	assert_memory_equal(&t->local_ts[0], &cc->conn.local_ts[0],
			    sizeof(t->local_ts[0]));
	assert_int_equal(t->n_esp, cc->conn.n_esp);
	t = &cc->conn.children[1];
	assert_string_equal(t->name, "dns");
	assert_int_equal(t->mode, KERNEL_MODE_TUNNEL);
	assert_int_equal(t->lifetime_s, 600);
	assert_int_equal(t->remote_ts[0].ip_proto, 17);
	assert_int_equal(t->n_esp, 1);
	assert_true(conf_conn_equal(cc, cc));
	conf_free(c);

	/*
	 * Asking for inner addresses (vips), without local_ts: they are
	 * each child's side, as they are the connection's.
	 */
	c = load("[conn a]\nlocal = 192.0.2.1\nremote = 198.51.100.2\n"
		 "psk = 0123456789abcdef0123\n"
		 "vips = 0.0.0.0, 0.0.0.0\nremote_ts = 10.2.0.0/16\n"
		 "[child a/web]\nremote_ts = 10.2.0.0/16[tcp/443]\n"
		 "[child a/any]\n", 0);
	assert_non_null(c);
	cc = conf_find(c, "a");
	assert_int_equal(cc->conn.n_local_ts, 0);
	assert_int_equal(cc->conn.n_children, 2);
	assert_int_equal(cc->conn.children[0].n_local_ts, 0);
	assert_int_equal(cc->conn.children[0].remote_ts[0].start_port, 443);
	assert_int_equal(cc->conn.children[1].n_local_ts, 0);
	assert_int_equal(cc->conn.children[1].n_remote_ts, 1);
	conf_free(c);

	/* Without child sections: none, the connection's own is used. */
	c = load(CONN_A, 0);
	assert_int_equal(conf_find(c, "a")->conn.n_children, 0);
	assert_string_equal(conn_child(&conf_find(c, "a")->conn, 0,
				       &(struct conn_child){ 0 })->name, "a");
	conf_free(c);
}

static void conf_children_bad(void **state)
{
	char *text, want[64];
	size_t len = 0;
	FILE *f;

	/* Every error at once, each at its line. */
	assert_null(load(CONN_A				/* lines 1-7 */
			 "[child b/x]\n"			/* 8 */
			 "[child a/x]\n"			/* 9 */
			 "mode = sideways\n"			/* 10 */
			 "psk = 0123456789abcdef\n"		/* 11 */
			 "[child a/x]\n"			/* 12 */
			 "[child a]\n"				/* 13 */
			 "[child a/y]\n"			/* 14 */
			 "remote_ts = 10.2.0.0/33\n"		/* 15 */
			 "mode = tunnel\n"			/* 16 */
			 "mode = tunnel\n",			/* 17 */
			 -EINVAL));
	assert_true(err_has(8, "[child b/x]: no connection \"b\""));
	assert_true(err_has(10, "mode: \"sideways\""));
	assert_true(err_has(11, "unknown key \"psk\" in [child a/x]"));
	assert_true(err_has(12, "duplicate child \"a/x\""));
	assert_true(err_has(13, "bad child section name"));
	assert_true(err_has(15, "remote_ts"));
	assert_true(err_has(17, "duplicate key \"mode\""));

	/* At most CONN_MAX_CHILDREN children per connection. */
	f = open_memstream(&text, &len);
	assert_non_null(f);
	fputs(CONN_A, f);
	for (int i = 0; i <= CONN_MAX_CHILDREN; i++)
		fprintf(f, "[child a/c%d]\n", i);
	fclose(f);
	assert_null(load(text, -EINVAL));
	snprintf(want, sizeof(want), "more than %d children",
		 CONN_MAX_CHILDREN);
	assert_true(err_has(8 + CONN_MAX_CHILDREN, want));
	free(text);
}

/*
 * Figure 11: a hundred services on each of three interfaces, 300 Child
 * SAs from one connection of a hundred children, each on its own port.
 */
static void conf_hundred_children(void **state)
{
	const struct conf_conn *cc;
	struct conf *c;
	char *text;
	size_t len;
	FILE *f;

	f = open_memstream(&text, &len);
	assert_non_null(f);
	fputs(CONN_A, f);
	for (int i = 0; i < N_MANY; i++)
		fprintf(f, "[child a/s%d]\nremote_ts = 10.2.0.0/16[tcp/%d]\n",
			i, 8000 + i);
	fclose(f);
	c = load(text, 0);
	free(text);
	assert_non_null(c);
	cc = conf_find(c, "a");
	assert_non_null(cc);
	assert_int_equal(cc->conn.n_children, N_MANY);
	for (int i = 0; i < N_MANY; i++) {
		const struct conn_child *t = &cc->conn.children[i];
		char name[16];

		snprintf(name, sizeof(name), "s%d", i);
		assert_string_equal(t->name, name);
		assert_int_equal(t->remote_ts[0].start_port, 8000 + i);
	}
	conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ten_children),
		cmocka_unit_test(hundred_children),
		cmocka_unit_test(one_refused),
		cmocka_unit_test(first_refused),
		cmocka_unit_test(rekey_keeps_child),
		cmocka_unit_test(responder_picks),
		cmocka_unit_test(conf_children),
		cmocka_unit_test(conf_children_bad),
		cmocka_unit_test(conf_hundred_children),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
