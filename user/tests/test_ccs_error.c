// SPDX-License-Identifier: GPL-2.0
/*
 * An error answer to CREATE_CHILD_SA (RFC 7296 §1.3, §2.21.3): it holds
 * the peer's notify and no Nonce, SA or TS payloads, and is reported
 * and logged as that notify, for a new Child SA and for a rekey, never
 * as INVALID_SYNTAX. Both engines on the in-memory network of
 * harness.c; B answers A's request with a notify of the test's choice.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "ike/constants.h"
#include "ike/notify.h"

#include "harness.h"

/* A's FAILED events; its log is the harness's (test_logged()). */
struct record {
	unsigned int failed;		/* FAILED events */
	uint16_t failed_notify;		/* of the last */
	bool failed_sent;
};

static void ev_fn(void *ctx, const struct engine_event *ev)
{
	struct record *r = ctx;

	if (ev->type != ENGINE_EV_FAILED)
		return;
	r->failed++;
	r->failed_notify = ev->failure->notify;
	r->failed_sent = ev->failure->sent;
}

static struct world *world_new(struct record *rec)
{
	struct world *w = test_world_new(IKE_DH_ECP_256, true);

	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	{
		struct engine_log log = { test_log_fn, NULL };
		struct engine_events ev = { ev_fn, rec };

		memset(rec, 0, sizeof(*rec));
		test_log_reset();
		engine_set_log(&w->e[0], &log);
		engine_set_events(&w->e[0], &ev);
	}
	return w;
}

/*
 * A asks for a Child SA more (rekey: a rekey of its one), B answers
 * with notify n alone; A's view of it.
 */
static void answer_with(uint16_t n, bool rekey)
{
	struct record rec;
	struct world *w = world_new(&rec);
	struct ikesa *a, *b;
	uint32_t old_in;
	struct dgram d;
	char want[96];

	a = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(a);
	pump(w, 0);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	b = only_sa(w, 1);
	old_in = a->children->spi_in;
	memset(&rec, 0, sizeof(rec));
	test_log_reset();
	if (rekey)
		assert_int_equal(engine_rekey_child(&w->e[0], a, a->children,
						    10), 0);
	else
		assert_int_equal(engine_create_child(&w->e[0], a, 10), 0);
	d = pop(w);		/* A's request, which B does not see */
	free(d.buf);
	assert_int_equal(ikesa_respond_notify(b, IKE_EXCH_CREATE_CHILD_SA,
					      a->req.msg_id, n), 0);
	deliver_next(w, 10);
	drop_all(w);		/* a Delete of a half-made SA, if any */

	/* The IKE SA and its Child SA stand. */
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	assert_int_equal(n_children(a), 1);
	assert_int_equal(a->children->spi_in, old_in);
	snprintf(want, sizeof(want), "refused: received %s",
		 ike_notify_name(n));
	assert_int_equal(test_logged(want), 1);
	assert_int_equal(test_logged(rekey ? "rekey of Child SA" :
				     "new Child SA"), 1);
	assert_int_equal(test_logged("INVALID_SYNTAX"), 0);
	/* A failure, but for the routine detours (notify_table.c). */
	if (engine_notify_level(n) <= ENGINE_LOG_NOTICE) {
		assert_int_equal(rec.failed, 1);
		assert_int_equal(rec.failed_notify, n);
		assert_false(rec.failed_sent);
	} else {
		assert_int_equal(rec.failed, 0);
	}
	test_world_free(w);
}

static const uint16_t errors[] = {
	IKE_N_NO_PROPOSAL_CHOSEN, IKE_N_TS_UNACCEPTABLE,
	IKE_N_SINGLE_PAIR_REQUIRED, IKE_N_NO_ADDITIONAL_SAS,
	IKE_N_INTERNAL_ADDRESS_FAILURE, IKE_N_FAILED_CP_REQUIRED,
	IKE_N_TEMPORARY_FAILURE,
};

static void new_child_error(void **state)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		answer_with(errors[i], false);
}

static void rekey_child_error(void **state)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		answer_with(errors[i], true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_child_error),
		cmocka_unit_test(rekey_child_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
