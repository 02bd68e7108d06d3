// SPDX-License-Identifier: GPL-2.0
/*
 * The table of authentication methods.
 */
#include <stddef.h>

#include "engine/auth_sig.h"
#include "engine/auth_method.h"

static const struct auth_method *const methods[] = {
	&auth_method_psk,
	&auth_method_sig, &auth_method_rsa, &auth_method_p256, &auth_method_p384,
};

const struct auth_method *auth_method_find(uint8_t m)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i]->method == m)
			return methods[i];
	return NULL;
}
