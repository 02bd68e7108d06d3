#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Figures 6-7 (use case 1: the security gateway adds an interface, the
# end user moves onto it): figure 1's set-up (move_lib.sh), SG's
# connection also lists pmif3. A fourth veth pair comes up (mif3 in EU,
# no address, a host route to SG's 10.88.3.2 on it; pmif3 in SG); SG
# announces it, and "mifctl ike iface move 10.88.1.2 10.88.3.2 peer" on
# EU moves the Child SA on SG's mif1 address onto it: MIF_MOVE with the
# responder's flag, no return-routability check (SG's own address), one
# kernel call each side. Both kernels name 10.88.3.2 and not 10.88.1.2,
# and EU's inner address of rank 2 still talks. With the xfrm_mif
# module, and without it.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh fig6.sh
TEST_NAME=fig6
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
source "$here/move_lib.sh"

interop_start ip jq nft ping
trap _mifd_interop_cleanup EXIT

announce() {
	ip -n "$EU" link add mif3 type veth peer name pmif3 netns "$SG" &&
		ip -n "$SG" addr add 10.88.3.2/24 dev pmif3 &&
		ip -n "$EU" link set mif3 up && ip -n "$SG" link set pmif3 up &&
		ip -n "$EU" route add 10.88.3.2/32 dev mif3 &&
		ip -n "$SG" route add 10.88.1.1/32 dev pmif3 &&
		ip netns exec "$EU" sysctl -qw net.ipv4.conf.mif3.rp_filter=0 &&
		want "$EU" "$EU_SOCK" "[.mif.peer_interfaces[].addresses[]] |
			index(\"10.88.3.2\") != null"
}

move() {
	eu ike iface move 10.88.1.2 10.88.3.2 peer | grep -q "started on 1 IKE SA" &&
		want "$EU" "$EU_SOCK" "$pairs == [\"10.88.0.1-10.88.0.2\",
			\"10.88.1.1-10.88.3.2\", \"10.88.2.1-10.88.2.2\"]" &&
		want "$SG" "$SG_SOCK" "$pairs == [\"10.88.0.2-10.88.0.1\",
			\"10.88.2.2-10.88.2.1\", \"10.88.3.2-10.88.1.1\"]" &&
		! grep -q "checking the new address" "$SG_SOCK.log"
}

kernels() {
	no_kernel "$EU" 10.88.1.2 && no_kernel "$SG" 10.88.1.2 &&
		ip -n "$EU" xfrm policy list dir out src 10.9.0.2/32 |
			grep -q "tmpl src 10.88.1.1 dst 10.88.3.2"
}

traffic() {
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I 10.9.0.2 10.99.0.1 \
		>/dev/null
}

round() {
	move_setup tunnel "pmif0:200, pmif1:150, pmif2:100, pmif3:50" ||
		{ skip "fig6 $1: all cases" "cannot set up"; return; }
	tcase "fig6 $1: SG's new interface pmif3 is announced to EU" announce
	tcase "fig6 $1: EU moves the SA on SG's 10.88.1.2 onto 10.88.3.2" move
	tcase "fig6 $1: both kernels name 10.88.3.2, none 10.88.1.2" kernels
	tcase "fig6 $1: 10.9.0.2 still talks, over SG's new interface" traffic
	tcase "fig6 $1: both mifd exit 0" mifd_stop
}
move_rounds round
ksft_exit
