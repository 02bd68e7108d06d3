// SPDX-License-Identifier: GPL-2.0
/*
 * Notify dispatch by type (engine/notify_table.h): where each type is
 * accepted, which error types fail an exchange, and the dispatch of an
 * INFORMATIONAL message's notifies to their handlers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/notify_table.h"
#include "ike/constants.h"
#include "ike/notify.h"

#define LINES	8

struct lines {
	unsigned int n;
	char line[LINES][256];
};

static void record(void *ctx, enum engine_log_level level,
		   const struct ikesa *sa, const char *msg)
{
	struct lines *l = ctx;

	if (l->n < LINES)
		snprintf(l->line[l->n], sizeof(l->line[0]), "%s", msg);
	l->n++;
}

static void types(void **state)
{
	const struct notify_entry *ne = notify_find(IKE_N_MIF_INTERFACES);

	assert_non_null(ne);
	assert_true(ne->where & NOTIFY_IN_INFO_REQ);
	assert_false(ne->where & NOTIFY_IN_INFO_RESP);
	assert_non_null(ne->handle);
	/* Not in the table: the exchanges' own, or unknown. */
	assert_null(notify_find(IKE_N_REKEY_SA));
	assert_null(notify_find(40999));
	/* Errors fail an exchange, but those that only report. */
	assert_true(notify_fails(IKE_N_INVALID_SYNTAX));
	assert_true(notify_fails(IKE_N_MIF_UNACCEPTABLE_PATH));
	assert_true(notify_fails(8300));	/* unknown error */
	assert_false(notify_fails(IKE_N_MIF_INVALID_INTERFACES));
	assert_false(notify_fails(40999));	/* unknown status */
	assert_int_equal(notify_place(IKE_EXCH_INFORMATIONAL, true),
			 NOTIFY_IN_INFO_RESP);
	assert_int_equal(notify_place(IKE_EXCH_IKE_SA_INIT, false), 0);
}

/*
 * An INFORMATIONAL request: an unknown status notify is ignored without
 * a word, a MIF notify out of place is logged and ignored, and
 * MIF_INTERFACES reaches its handler (which refuses it here: no MIF).
 */
static void dispatch(void **state)
{
	struct engine e;
	struct ikesa sa;
	struct lines l = { 0 };
	struct engine_log log = { record, &l };
	struct ike_chain in, out;
	struct ike_notify n[4];
	struct mif_payloads mif;
	struct notify_ctx ctx = {
		.sa = &sa, .exchange = IKE_EXCH_INFORMATIONAL,
		.response = false, .out = &out, .mif = &mif,
	};
	struct ike_error err;

	memset(&e, 0, sizeof(e));
	memset(&sa, 0, sizeof(sa));
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	memset(&mif, 0, sizeof(mif));
	engine_set_log(&e, &log);
	sa.engine = &e;
	sa.mif_status = MIF_OFF_PEER;
	ikesa_notify(&n[0], 40999, NULL, 0);
	ikesa_notify(&n[1], IKE_N_MIF_INVALID_INTERFACES, NULL, 0);
	ikesa_notify(&n[2], IKE_N_MIF_INTERFACES, NULL, 0);
	ikesa_notify(&n[3], IKE_N_MIF_INTERFACES, NULL, 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(ike_chain_add(&in, IKE_PL_NOTIFY, &n[i],
					       &err), 0);
	notify_dispatch(&ctx, &in);
	assert_int_equal(l.n, 3);
	assert_non_null(strstr(l.line[0], "MIF_INVALID_INTERFACES not "
			       "expected here"));
	assert_non_null(strstr(l.line[1], "a second MIF_INTERFACES"));
	assert_non_null(strstr(l.line[2], "without MIF negotiated"));
	assert_null(ike_chain_find(&out, IKE_PL_NOTIFY, NULL));
	ike_chain_free(&in);
	ike_chain_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(types),
		cmocka_unit_test(dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
