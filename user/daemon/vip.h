/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inner addresses an initiator got (engine/cfg.h) on a local device:
 * its connection's vip_device, lo by default, as strongSwan's virtual
 * IPs. Added when the IKE SA is up, removed when it goes; a rekeyed IKE
 * SA hands them on to its successor (which has them, the old one not),
 * so they stay in place.
 */
#ifndef MIF_DAEMON_VIP_H
#define MIF_DAEMON_VIP_H

#include "engine/engine.h"

/*
 * On ENGINE_EV_IKE_UP and ENGINE_EV_IKE_DOWN: add or remove, logged; on
 * ENGINE_EV_VIP_ADDED (a new inner address got in MIF_ADD_INTERFACE),
 * add that one, which then goes with the IKE SA's others.
 */
void vip_event(const struct engine_event *ev);

#endif
