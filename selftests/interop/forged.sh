#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A move that fails return routability (the attack of mif.md's "Attacks
# and defences": a peer names a third party's address as its own).
# Figure 1's set-up (move_lib.sh); EU announces 10.88.1.11 on mif1, but
# SG's packets to it are dropped (nftables in SG), as they would be for
# an address that is not EU's. "mifctl ike iface move 10.88.1.1
# 10.88.1.11" is refused by SG after its COOKIE2 check goes unanswered:
# nothing moves in either kernel, the Child SA keeps its pair and its
# traffic, SG logs why, and the IKE SA lives on. With the xfrm_mif
# module, and without it.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh forged.sh
TEST_NAME=forged
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
source "$here/move_lib.sh"

interop_start ip jq nft ping
trap _mifd_interop_cleanup EXIT

blackhole() {
	ip -n "$EU" addr add 10.88.1.11/24 dev mif1 &&
		ip netns exec "$SG" nft -f - <<-'NFT' &&
		table inet forged {
			chain output {
				type filter hook output priority 0; policy accept;
				ip daddr 10.88.1.11 drop
			}
		}
		NFT
		want "$SG" "$SG_SOCK" "[.mif.peer_interfaces[].addresses[]] |
			index(\"10.88.1.11\") != null"
}

# refusal_logged: SG logged the failed check, EU the refusal.
refusal_logged() {
	grep -q "did not answer the return-routability check" "$SG_SOCK.log" &&
		grep -q "MIF_UNACCEPTABLE_MOVE" "$EU_SOCK.log"
}
refused() {
	eu ike iface move 10.88.1.1 10.88.1.11 | grep -q "started on 1 IKE SA" ||
		return 1
	wait_until 30 refusal_logged && return 0
	echo "no refusal logged"
	return 1
}

unmoved() {
	want "$EU" "$EU_SOCK" "$pairs == [\"10.88.0.1-10.88.0.2\",
		\"10.88.1.1-10.88.1.2\", \"10.88.2.1-10.88.2.2\"]" &&
		want "$SG" "$SG_SOCK" "$pairs == [\"10.88.0.2-10.88.0.1\",
		\"10.88.1.2-10.88.1.1\", \"10.88.2.2-10.88.2.1\"]" &&
		no_kernel "$EU" 10.88.1.11 && no_kernel "$SG" 10.88.1.11 &&
		esp_on 1 ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 \
			-I 10.9.0.2 10.99.0.1
}

round() {
	move_setup tunnel ||
		{ skip "forged $1: all cases" "cannot set up"; return; }
	tcase "forged $1: 10.88.1.11 announced, unreachable from SG" blackhole
	tcase "forged $1: the move is refused after the unanswered check" refused
	tcase "forged $1: nothing moved, the traffic stays on mif1" unmoved
	tcase "forged $1: both mifd exit 0" mifd_stop
}
move_rounds round
ksft_exit
