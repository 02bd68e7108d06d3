/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SET_WINDOW_SIZE (RFC 7296 §2.3, §3.10.1, notify 16385): the number of
 * requests its sender, as responder, processes side by side, as a
 * 4-octet unsigned integer in network order. One is what every IKE SA
 * starts with.
 */
#ifndef MIF_IKE_WINDOW_H
#define MIF_IKE_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "ike/error.h"

#define IKE_WINDOW_LEN	4

/* The window of data (len octets) into *w: 0, or -EINVAL with err. */
int ike_window_parse(const uint8_t *data, size_t len, uint32_t *w,
		     struct ike_error *err);
/* The data of a SET_WINDOW_SIZE announcing w. */
void ike_window_build(uint32_t w, uint8_t out[IKE_WINDOW_LEN]);

#endif
