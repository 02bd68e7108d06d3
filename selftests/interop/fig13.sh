#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Figures 13-14 (use case 3, mobility in transport mode): figure 12's
# set-up (move_lib.sh: one Child SA per pair, each protecting the traffic
# of its own pair), then EU's mif1 changes address to 10.88.1.11 and
# "mifctl ike iface move" moves that Child SA: its outer addresses and
# its traffic selectors, in mifd's view and in both kernels (the
# policies' selectors and the SAs' are rewritten by the same call). A
# ping between the new pair is ESP on mif1. With the xfrm_mif module,
# and without it.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh fig13.sh
TEST_NAME=fig13
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
source "$here/move_lib.sh"

interop_start ip jq nft ping
trap _mifd_interop_cleanup EXIT

move() {
	ip -n "$EU" addr add 10.88.1.11/24 dev mif1 &&
		want "$SG" "$SG_SOCK" "[.mif.peer_interfaces[].addresses[]] |
			index(\"10.88.1.11\") != null" &&
		eu ike iface move 10.88.1.1 10.88.1.11 | grep -q "started on 1 IKE SA" &&
		want "$EU" "$EU_SOCK" "[.children[] | select(.local == \"10.88.1.11\") |
			.local_ts[0] == \"10.88.1.11/32\"] == [true]" &&
		want "$SG" "$SG_SOCK" "[.children[] | select(.remote == \"10.88.1.11\") |
			.remote_ts[0] == \"10.88.1.11/32\"] == [true]"
}

kernels() {
	no_kernel "$EU" 10.88.1.1 && no_kernel "$SG" 10.88.1.1 &&
		ip -n "$EU" xfrm policy list dir out src 10.88.1.11/32 dst 10.88.1.2/32 |
			grep -q "mode transport" &&
		ip -n "$SG" xfrm policy list dir out src 10.88.1.2/32 dst 10.88.1.11/32 |
			grep -q "mode transport"
}

traffic() {
	ip -n "$EU" addr del 10.88.1.1/24 dev mif1 &&
		esp_on 1 ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 \
			-I 10.88.1.11 10.88.1.2
}

round() {
	move_setup transport ||
		{ skip "fig13 $1: all cases" "cannot set up"; return; }
	tcase "fig13 $1: mif1's transport Child SA moves to 10.88.1.11, selectors too" move
	tcase "fig13 $1: both kernels' policies name the new pair, none the old" kernels
	tcase "fig13 $1: a ping over the new pair is ESP on mif1" traffic
	tcase "fig13 $1: both mifd exit 0" mifd_stop
}
move_rounds round
ksft_exit
