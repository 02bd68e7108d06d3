#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Figure 3 (use case 1, mobility of an interface that is not the IKE
# SA's): figure 1's set-up (move_lib.sh), then EU's second interface,
# mif1, changes address: 10.88.1.11 is added, announced to SG, and
# "mifctl ike iface move 10.88.1.1 10.88.1.11" moves the Child SA of that
# interface in one MIF_MOVE exchange (SG checks the new address first),
# one kernel call on each side. Both kernels' tables name the new
# address and not the old one, the old address is removed, and the
# inner address of that interface still talks, as ESP on mif1. With the
# xfrm_mif module, and without it.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh fig3.sh
TEST_NAME=fig3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
source "$here/move_lib.sh"

interop_start ip jq nft ping
trap _mifd_interop_cleanup EXIT

renumber() {
	ip -n "$EU" addr add 10.88.1.11/24 dev mif1 &&
		want "$SG" "$SG_SOCK" "[.mif.peer_interfaces[].addresses[]] |
			index(\"10.88.1.11\") != null"
}

move() {
	eu ike iface move 10.88.1.1 10.88.1.11 | grep -q "started on 1 IKE SA" &&
		want "$EU" "$EU_SOCK" "$pairs == [\"10.88.0.1-10.88.0.2\",
			\"10.88.1.11-10.88.1.2\", \"10.88.2.1-10.88.2.2\"]" &&
		want "$SG" "$SG_SOCK" "$pairs == [\"10.88.0.2-10.88.0.1\",
			\"10.88.1.2-10.88.1.11\", \"10.88.2.2-10.88.2.1\"]"
}

kernels() {
	no_kernel "$EU" 10.88.1.1 && no_kernel "$SG" 10.88.1.1 &&
		kernel_has "$EU" 10.88.1.11 && kernel_has "$SG" 10.88.1.11 &&
		ip -n "$EU" xfrm policy list dir out src 10.9.0.2/32 |
			grep -q "tmpl src 10.88.1.11 dst 10.88.1.2" &&
		ip -n "$SG" xfrm state | grep -qE "^src 10\.88\.1\.2 dst 10\.88\.1\.11 *$"
}

traffic() {
	ip -n "$EU" addr del 10.88.1.1/24 dev mif1 &&
		esp_on 1 ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 \
			-I 10.9.0.2 10.99.0.1
}

round() {
	move_setup tunnel ||
		{ skip "fig3 $1: all cases" "cannot set up"; return; }
	tcase "fig3 $1: EU's mif1 gets 10.88.1.11, announced to SG" renumber
	tcase "fig3 $1: mifctl ike iface move moves mif1's Child SA" move
	tcase "fig3 $1: both kernels name 10.88.1.11, none 10.88.1.1" kernels
	tcase "fig3 $1: 10.88.1.1 gone, 10.9.0.2 still talks, ESP on mif1" traffic
	tcase "fig3 $1: both mifd exit 0" mifd_stop
}
move_rounds round
ksft_exit
