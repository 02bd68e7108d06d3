// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for engine/iface.c: the local interface table, its ids,
 * bounds and lookups, and the engine's events about it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/engine.h"
#include "engine/iface.h"

static struct iface link_of(const char *name, int ifindex, bool up)
{
	struct iface ifc;

	memset(&ifc, 0, sizeof(ifc));
	snprintf(ifc.name, sizeof(ifc.name), "%s", name);
	ifc.ifindex = ifindex;
	ifc.up = up;
	return ifc;
}

static struct ip_addr addr(const char *text)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(text, &a), 0);
	return a;
}

static uint16_t add_link(struct iface_table *t, const char *name,
			 int ifindex, bool up)
{
	struct iface ifc = link_of(name, ifindex, up);
	struct iface *cur;
	int err;

	cur = iface_table_update(t, &ifc, &err);
	assert_non_null(cur);
	assert_int_equal(err, 0);
	assert_string_equal(cur->name, name);
	assert_int_equal(cur->ifindex, ifindex);
	assert_true(cur->up == up);
	return cur->id;
}

static void ids_stable(void **state)
{
	struct iface_table t;
	struct ip_addr a = addr("192.0.2.1"), b = addr("2001:db8::1");
	uint16_t eth0, eth1;

	iface_table_init(&t);
	eth0 = add_link(&t, "eth0", 2, true);
	eth1 = add_link(&t, "eth1", 3, true);
	assert_int_equal(eth0, 1);
	assert_int_equal(eth1, 2);

	/* Addresses come and go: the id stays. */
	assert_int_equal(iface_table_addr(&t, 2, &a, true), 0);
	assert_int_equal(iface_table_addr(&t, 2, &b, true), 0);
	assert_int_equal(iface_table_addr(&t, 2, &a, false), 0);
	assert_int_equal(iface_by_ifindex(&t, 2)->id, eth0);
	assert_int_equal(iface_by_ifindex(&t, 2)->n_v4, 0);
	assert_int_equal(iface_by_ifindex(&t, 2)->n_v6, 1);

	/* Down and up: the same id, the addresses kept. */
	assert_int_equal(add_link(&t, "eth0", 2, false), eth0);
	assert_false(iface_by_id(&t, eth0)->up);
	assert_int_equal(add_link(&t, "eth0", 2, true), eth0);
	assert_int_equal(iface_by_id(&t, eth0)->n_v6, 1);
	assert_int_equal(t.n, 2);
	iface_table_free(&t);
}

static void ids_reuse(void **state)
{
	struct iface_table t;
	uint16_t eth0, eth1, wlan0;

	iface_table_init(&t);
	eth0 = add_link(&t, "eth0", 2, true);
	eth1 = add_link(&t, "eth1", 3, true);

	/* Deleted, then back under another ifindex: its id again. */
	assert_int_equal(iface_table_del(&t, 2), 0);
	assert_int_equal(iface_table_del(&t, 2), -ENOENT);
	assert_null(iface_by_id(&t, eth0));
	wlan0 = add_link(&t, "wlan0", 4, true);
	assert_int_not_equal(wlan0, eth0);	/* never another name's */
	assert_int_equal(add_link(&t, "eth0", 7, true), eth0);

	/* A rename takes the new name's id; the old name keeps its own. */
	assert_int_equal(add_link(&t, "wan", 3, true), 4);
	assert_null(iface_by_id(&t, eth1));
	assert_int_equal(add_link(&t, "eth1", 3, true), eth1);
	assert_int_equal(iface_id_of(&t, "wan"), 4);
	assert_int_equal(iface_id_of(&t, "nonesuch"), 0);

	/* Kept in id order. */
	assert_int_equal(t.n, 3);
	for (unsigned int i = 1; i < t.n; i++)
		assert_true(t.ifaces[i - 1].id < t.ifaces[i].id);
	iface_table_free(&t);
}

static void bad_update(void **state)
{
	struct iface_table t;
	struct iface ifc = link_of("", 2, true);
	int err;

	iface_table_init(&t);
	assert_null(iface_table_update(&t, &ifc, &err));
	assert_int_equal(err, -EINVAL);
	ifc = link_of("eth0", 0, true);
	assert_null(iface_table_update(&t, &ifc, &err));
	assert_int_equal(err, -EINVAL);
	/* No NUL in the name. */
	ifc = link_of("eth0", 2, true);
	memset(ifc.name, 'x', sizeof(ifc.name));
	assert_null(iface_table_update(&t, &ifc, &err));
	assert_int_equal(err, -EINVAL);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.n_names, 0);
	iface_table_free(&t);
}

static void limits(void **state)
{
	struct iface_table t;
	struct iface ifc;
	struct ip_addr a;
	char name[IFACE_NAME_MAX], text[64];
	int err;

	iface_table_init(&t);
	for (int i = 0; i < IFACE_MAX; i++) {
		snprintf(name, sizeof(name), "veth%d", i);
		add_link(&t, name, 10 + i, true);
	}
	/* One more: ignored and counted, and given no id. */
	ifc = link_of("extra", 100, true);
	assert_null(iface_table_update(&t, &ifc, &err));
	assert_int_equal(err, -ENOSPC);
	assert_int_equal(t.ignored_ifaces, 1);
	assert_int_equal(iface_id_of(&t, "extra"), 0);
	/* Those in the table still change. */
	add_link(&t, "veth0", 10, false);
	/* Room again once one goes. */
	assert_int_equal(iface_table_del(&t, 11), 0);
	assert_int_equal(add_link(&t, "extra", 100, true), IFACE_MAX + 1);

	/* Addresses: IFACE_MAX_ADDRS of each family. */
	for (int i = 0; i < IFACE_MAX_ADDRS; i++) {
		snprintf(text, sizeof(text), "192.0.2.%d", i + 1);
		a = addr(text);
		assert_int_equal(iface_table_addr(&t, 10, &a, true), 0);
		snprintf(text, sizeof(text), "2001:db8::%d", i + 1);
		a = addr(text);
		assert_int_equal(iface_table_addr(&t, 10, &a, true), 0);
	}
	a = addr("192.0.2.1");	/* there already: fine */
	assert_int_equal(iface_table_addr(&t, 10, &a, true), 0);
	a = addr("192.0.2.99");
	assert_int_equal(iface_table_addr(&t, 10, &a, true), -ENOSPC);
	a = addr("2001:db8::99");
	assert_int_equal(iface_table_addr(&t, 10, &a, true), -ENOSPC);
	assert_int_equal(iface_by_ifindex(&t, 10)->ignored_addrs, 2);
	assert_null(iface_by_addr(&t, &a));
	a = addr("2001:db8::1");
	assert_int_equal(iface_table_addr(&t, 10, &a, false), 0);
	a = addr("2001:db8::99");
	assert_int_equal(iface_table_addr(&t, 10, &a, true), 0);
	assert_int_equal(iface_by_addr(&t, &a)->ifindex, 10);

	/* Unknown interface, address not there, no family. */
	assert_int_equal(iface_table_addr(&t, 999, &a, true), -ENOENT);
	a = addr("198.51.100.1");
	assert_int_equal(iface_table_addr(&t, 10, &a, false), -ENOENT);
	memset(&a, 0, sizeof(a));
	assert_int_equal(iface_table_addr(&t, 10, &a, true), -EAFNOSUPPORT);
	iface_table_free(&t);
}

/* Once IFACE_ID_MAX names have an id, new names are refused. */
static void ids_used_up(void **state)
{
	struct iface_table t;
	struct iface ifc;
	char name[IFACE_NAME_MAX];
	int err;

	iface_table_init(&t);
	for (int i = 0; i < IFACE_ID_MAX; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		ifc = link_of(name, 5, true);
		assert_non_null(iface_table_update(&t, &ifc, &err));
	}
	assert_int_equal(iface_by_ifindex(&t, 5)->id, IFACE_ID_MAX);
	ifc = link_of("one-more", 5, true);
	assert_null(iface_table_update(&t, &ifc, &err));
	assert_int_equal(err, -EOVERFLOW);
	assert_int_equal(t.ignored_names, 1);
	/* A known name still comes back. */
	ifc = link_of("n7", 6, true);
	assert_int_equal(iface_table_update(&t, &ifc, &err)->id, 8);
	iface_table_free(&t);
}

static void lookups(void **state)
{
	struct iface_table t;
	struct ip_addr a = addr("192.0.2.1"), b = addr("2001:db8::1");
	struct ip_addr c = addr("198.51.100.1");
	uint16_t eth0, eth1;

	iface_table_init(&t);
	eth0 = add_link(&t, "eth0", 2, true);
	eth1 = add_link(&t, "eth1", 3, false);
	assert_int_equal(iface_table_addr(&t, 2, &a, true), 0);
	assert_int_equal(iface_table_addr(&t, 3, &b, true), 0);
	assert_int_equal(iface_by_addr(&t, &a)->id, eth0);
	assert_int_equal(iface_by_addr(&t, &b)->id, eth1);
	assert_null(iface_by_addr(&t, &c));
	assert_string_equal(iface_by_id(&t, eth1)->name, "eth1");
	assert_null(iface_by_id(&t, 0));
	assert_null(iface_by_id(&t, 99));
	assert_int_equal(iface_by_ifindex(&t, 3)->id, eth1);
	assert_null(iface_by_ifindex(&t, 4));
	/* The same address on two interfaces: the first in id order. */
	assert_int_equal(iface_table_addr(&t, 3, &a, true), 0);
	assert_int_equal(iface_by_addr(&t, &a)->id, eth0);
	iface_table_free(&t);
}

static void patterns(void **state)
{
	const struct iface_pattern p[] = {
		{ "eth0", 200 }, { "eth*", 50 }, { "wlan[01]", 10 },
	};

	assert_int_equal(iface_pattern_priority(p, 3, "eth0"), 200);
	assert_int_equal(iface_pattern_priority(p, 3, "eth1"), 50);
	assert_int_equal(iface_pattern_priority(p, 3, "wlan1"), 10);
	assert_int_equal(iface_pattern_priority(p, 3, "wlan2"),
			 IFACE_PRIO_NONE);
	assert_int_equal(iface_pattern_priority(p, 0, "eth0"),
			 IFACE_PRIO_NONE);
}

static unsigned int n_logged;
static enum engine_log_level last_level;
static char last_log[256];

static void log_cb(void *ctx, enum engine_log_level level,
		   const struct ikesa *sa, const char *msg)
{
	n_logged++;
	last_level = level;
	snprintf(last_log, sizeof(last_log), "%s", msg);
}

/* The engine: events in, priorities from its connections, logs. */
static void engine_events(void **state)
{
	struct engine e;
	struct engine_log lg = { log_cb, NULL };
	struct conn c1, c2;
	struct iface ifc;
	struct ip_addr a = addr("192.0.2.1");
	char name[IFACE_NAME_MAX];

	assert_int_equal(engine_init(&e, NULL, NULL), 0);
	engine_set_log(&e, &lg);
	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	c1.name = "one";
	c1.n_ifaces = 1;
	c1.ifaces[0] = (struct iface_pattern){ "eth*", 100 };
	c2.name = "two";
	c2.n_ifaces = 2;
	c2.ifaces[0] = (struct iface_pattern){ "eth1", 200 };
	c2.ifaces[1] = (struct iface_pattern){ "eth0", 10 };

	ifc = link_of("eth0", 2, true);
	assert_int_equal(engine_iface_update(&e, &ifc), 0);
	assert_int_equal(engine_iface_by_ifindex(&e, 2)->priority,
			 IFACE_PRIO_NONE);
	assert_int_equal(engine_add_conn(&e, &c1), 0);
	assert_int_equal(engine_iface_by_ifindex(&e, 2)->priority, 100);
	assert_int_equal(engine_add_conn(&e, &c2), 0);
	/* The highest any connection gives. */
	assert_int_equal(engine_iface_by_ifindex(&e, 2)->priority, 100);
	ifc = link_of("eth1", 3, true);
	assert_int_equal(engine_iface_update(&e, &ifc), 0);
	assert_int_equal(engine_iface_by_ifindex(&e, 3)->priority, 200);
	ifc = link_of("lan", 4, true);
	assert_int_equal(engine_iface_update(&e, &ifc), 0);
	assert_int_equal(engine_iface_by_ifindex(&e, 4)->priority,
			 IFACE_PRIO_NONE);
	engine_clear_conns(&e);
	assert_int_equal(engine_iface_by_ifindex(&e, 3)->priority,
			 IFACE_PRIO_NONE);

	assert_int_equal(engine_iface_addr(&e, 3, &a, true), 0);
	assert_int_equal(engine_iface_by_addr(&e, &a)->ifindex, 3);
	assert_int_equal(engine_iface_by_id(&e, 2)->ifindex, 3);
	assert_int_equal(engine_iface_del(&e, 3), 0);
	assert_null(engine_iface_by_addr(&e, &a));
	assert_int_equal(engine_iface_addr(&e, 3, &a, true), -ENOENT);
	assert_int_equal(n_logged, 0);

	/* What is ignored is logged, with its reason. */
	for (int i = 0; e.ifaces.n < IFACE_MAX; i++) {
		snprintf(name, sizeof(name), "x%d", i);
		ifc = link_of(name, 100 + i, true);
		assert_int_equal(engine_iface_update(&e, &ifc), 0);
	}
	ifc = link_of("late", 99, true);
	assert_int_equal(engine_iface_update(&e, &ifc), -ENOSPC);
	assert_int_equal(n_logged, 1);
	assert_int_equal(last_level, ENGINE_LOG_WARNING);
	assert_non_null(strstr(last_log, "late"));
	assert_non_null(strstr(last_log, "32 interfaces already"));
	/* Once warned, the next ones at debug, until room is made. */
	assert_int_equal(engine_iface_update(&e, &ifc), -ENOSPC);
	assert_int_equal(last_level, ENGINE_LOG_DEBUG);
	assert_non_null(strstr(last_log, "(2 ignored so far)"));
	assert_int_equal(engine_iface_del(&e, 100), 0);
	assert_int_equal(engine_iface_update(&e, &ifc), 0);
	ifc = link_of("later", 98, true);
	assert_int_equal(engine_iface_update(&e, &ifc), -ENOSPC);
	assert_int_equal(last_level, ENGINE_LOG_WARNING);
	n_logged = 0;
	for (int i = 0; i <= IFACE_MAX_ADDRS; i++) {
		char text[32];

		snprintf(text, sizeof(text), "10.0.0.%d", i + 1);
		a = addr(text);
		assert_int_equal(engine_iface_addr(&e, 2, &a, true),
				 i < IFACE_MAX_ADDRS ? 0 : -ENOSPC);
	}
	assert_int_equal(n_logged, 1);
	assert_int_equal(last_level, ENGINE_LOG_WARNING);
	assert_non_null(strstr(last_log, "10.0.0.9 ignored"));
	assert_int_equal(engine_iface_addr(&e, 2, &a, true), -ENOSPC);
	assert_int_equal(last_level, ENGINE_LOG_DEBUG);
	a = addr("10.0.0.1");
	assert_int_equal(engine_iface_addr(&e, 2, &a, false), 0);
	a = addr("10.0.0.9");
	assert_int_equal(engine_iface_addr(&e, 2, &a, true), 0);
	a = addr("10.0.0.10");
	assert_int_equal(engine_iface_addr(&e, 2, &a, true), -ENOSPC);
	assert_int_equal(last_level, ENGINE_LOG_WARNING);
	engine_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids_stable),
		cmocka_unit_test(ids_reuse),
		cmocka_unit_test(bad_update),
		cmocka_unit_test(limits),
		cmocka_unit_test(ids_used_up),
		cmocka_unit_test(lookups),
		cmocka_unit_test(patterns),
		cmocka_unit_test(engine_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
