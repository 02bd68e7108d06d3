// SPDX-License-Identifier: GPL-2.0
/*
 * Recording codec failures.
 */
#include <stddef.h>

#include "ike/constants.h"
#include "ike/error.h"

int ike_fail(struct ike_error *err, enum ike_err code, uint16_t notify,
	     const char *reason)
{
	if (err) {
		err->code = code;
		err->notify = notify;
		err->reason = reason;
		err->payload = 0;
	}
	return -1;
}

int ike_fail_truncated(struct ike_error *err, const char *reason)
{
	return ike_fail(err, IKE_ERR_TRUNCATED, IKE_N_INVALID_SYNTAX, reason);
}

int ike_fail_length(struct ike_error *err, const char *reason)
{
	return ike_fail(err, IKE_ERR_LENGTH, IKE_N_INVALID_SYNTAX, reason);
}

int ike_fail_syntax(struct ike_error *err, const char *reason)
{
	return ike_fail(err, IKE_ERR_SYNTAX, IKE_N_INVALID_SYNTAX, reason);
}

int ike_fail_limit(struct ike_error *err, const char *reason)
{
	return ike_fail(err, IKE_ERR_LIMIT, IKE_N_INVALID_SYNTAX, reason);
}

int ike_fail_inval(struct ike_error *err, const char *reason)
{
	return ike_fail(err, IKE_ERR_INVAL, 0, reason);
}

const char *ike_err_name(enum ike_err code)
{
	switch (code) {
	case IKE_OK:
		return "ok";
	case IKE_ERR_TRUNCATED:
		return "truncated";
	case IKE_ERR_LENGTH:
		return "bad length";
	case IKE_ERR_VERSION:
		return "unsupported version";
	case IKE_ERR_CRITICAL:
		return "unsupported critical payload";
	case IKE_ERR_SYNTAX:
		return "invalid syntax";
	case IKE_ERR_LIMIT:
		return "too many items";
	case IKE_ERR_NOMEM:
		return "out of memory";
	case IKE_ERR_INVAL:
		return "invalid argument";
	}
	return "unknown error";
}
