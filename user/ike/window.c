// SPDX-License-Identifier: GPL-2.0
/*
 * SET_WINDOW_SIZE's data (RFC 7296 §3.10.1).
 */
#include <errno.h>

#include "ike/window.h"

int ike_window_parse(const uint8_t *data, size_t len, uint32_t *w,
		     struct ike_error *err)
{
	if (len != IKE_WINDOW_LEN) {
		ike_fail_length(err, "SET_WINDOW_SIZE data not 4 octets");
		return -EINVAL;
	}
	*w = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
	     (uint32_t)data[2] << 8 | data[3];
	return 0;
}

void ike_window_build(uint32_t w, uint8_t out[IKE_WINDOW_LEN])
{
	out[0] = (uint8_t)(w >> 24);
	out[1] = (uint8_t)(w >> 16);
	out[2] = (uint8_t)(w >> 8);
	out[3] = (uint8_t)w;
}
