// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for extack.c: the extended acknowledgement of an error reply,
 * built here as the kernel builds it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <netlink/msg.h>
#include <string.h>

#include "extack.h"

/*
 * An NLMSG_ERROR for a request of req_len bytes, echoed whole or (capped)
 * by its header only, followed by the given TLVs.
 */
static struct nl_msg *error_reply(int capped, int with_tlvs)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlmsgerr *e;
	struct nlmsghdr *nlh;
	int req_len = NLMSG_HDRLEN + 12;

	assert_non_null(msg);
	nlh = nlmsg_put(msg, 0, 1, NLMSG_ERROR, 0,
			(capped ? NLM_F_CAPPED : 0) |
			(with_tlvs ? NLM_F_ACK_TLVS : 0));
	assert_non_null(nlh);
	e = nlmsg_reserve(msg, sizeof(*e) + (capped ? 0 : 12), NLMSG_ALIGNTO);
	assert_non_null(e);
	memset(e, 0, sizeof(*e));
	e->error = -22;
	e->msg.nlmsg_len = (uint32_t)req_len;
	if (with_tlvs) {
		uint32_t cookie = 0x01000020;	/* as sent: 00 00 00 01 ... */

		assert_int_equal(nla_put_string(msg, NLMSGERR_ATTR_MSG,
						"missing address"), 0);
		assert_int_equal(nla_put_u32(msg, NLMSGERR_ATTR_OFFS, 24), 0);
		assert_int_equal(nla_put_u32(msg, NLMSGERR_ATTR_MISS_TYPE, 3), 0);
		assert_int_equal(nla_put_u32(msg, NLMSGERR_ATTR_MISS_NEST, 20), 0);
		assert_int_equal(nla_put(msg, NLMSGERR_ATTR_COOKIE,
					 sizeof(cookie), &cookie), 0);
	}
	return msg;
}

static void parse(struct nl_msg *msg, struct extack *ack)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	extack_parse(nlh, nlmsg_data(nlh), ack);
}

static void every_field(void **state)
{
	int capped;

	for (capped = 0; capped <= 1; capped++) {
		struct nl_msg *msg = error_reply(capped, 1);
		struct extack ack;

		parse(msg, &ack);
		assert_string_equal(ack.msg, "missing address");
		assert_int_equal(ack.offs, 24);
		assert_int_equal(ack.miss_type, 3);
		assert_int_equal(ack.miss_nest, 20);
		assert_true(ack.has_cookie);
		assert_int_equal(ack.cookie, 0x01000020);
		nlmsg_free(msg);
	}
}

static void no_tlvs(void **state)
{
	struct nl_msg *msg = error_reply(1, 0);
	struct extack ack;

	parse(msg, &ack);
	assert_string_equal(ack.msg, "");
	assert_int_equal(ack.offs, 0);
	assert_int_equal(ack.miss_type, 0);
	assert_int_equal(ack.miss_nest, 0);
	assert_false(ack.has_cookie);
	nlmsg_free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_field),
		cmocka_unit_test(no_tlvs),
	};

	return cmocka_run_group_tests_name("extack", tests, NULL, NULL);
}
