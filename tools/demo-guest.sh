#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What mif does today, run inside the test VM by `make demo`.
source "$(dirname "$0")/../selftests/lib.sh"
source "$SELFTEST_DIR/topo.sh"
set -e

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { echo "\$ $*"; "$@"; }

say "1. Load the module and ask it who it is"
run modprobe -q xfrm_user
run modprobe -q esp4
run insmod "$MODULE"
run "$MIFCTL" info
run "$MIFCTL" -j info

say "2. An end user (EU) and a gateway (SG), three interfaces between them"
topo_setup
run ip -n "$EU" -br addr

say "3. One ESP tunnel per interface, set up with ip xfrm"
for i in 1 2 3; do topo_tunnel "$i" "0x100$i" "0x200$i"; done
run ip -n "$EU" xfrm state | grep -E '^src|mode'

say "4. Traffic on every interface at once"
for i in 1 2 3; do
	topo_ping "$i" && echo "inner $(topo_eu_inner "$i") -> $TOPO_SG_INNER over eu$i: ok"
done
for i in 1 2 3; do
	echo "eu$i SA 0x100$i: $(topo_esp_packets "$EU" "0x100$i") packets"
done

say "5. What is bound to eu2's address, as the module sees it"
run ip netns exec "$EU" "$MIFCTL" show "$(topo_eu_outer 2)"

say "6. Interface eu2 goes away: everything bound to it deleted in one call"
run ip netns exec "$EU" "$MIFCTL" delete "$(topo_eu_outer 2)" dry-run
run ip netns exec "$EU" "$MIFCTL" delete "$(topo_eu_outer 2)"
run ip -n "$EU" xfrm state | grep -E '^src'
for i in 1 3; do
	topo_ping "$i" && echo "inner $(topo_eu_inner "$i") -> $TOPO_SG_INNER over eu$i: still ok"
done

say "7. eu1's address changes: its SAs and policies move in one call per peer"
ip netns exec "$EU" sysctl -qw net.ipv4.conf.eu1.promote_secondaries=1
run ip -n "$EU" addr add 10.1.1.11/24 dev eu1
run ip netns exec "$EU" "$MIFCTL" rewrite 10.1.1.1 10.1.1.11
run ip netns exec "$SG" "$MIFCTL" rewrite 10.1.1.1 10.1.1.11
run ip -n "$EU" addr del 10.1.1.1/24 dev eu1
topo_ping 1 && echo "inner $(topo_eu_inner 1) -> $TOPO_SG_INNER from 10.1.1.11, same SPIs: ok"
echo "eu1 SA 0x1001: $(topo_esp_packets "$EU" 0x1001) packets (counters carried over)"

say "8. eu3 gets an alternate; its link loses carrier; the kernel fails over"
ip netns exec "$EU" sysctl -qw net.ipv4.conf.all.ignore_routes_with_linkdown=1
ip netns exec "$EU" sysctl -qw net.ipv4.conf.eu3.ignore_routes_with_linkdown=1
ip -n "$EU" route add 10.1.3.0/24 dev eu1 metric 100
ip -n "$EU" route replace "$TOPO_SG_INNER/32" dev eu1
ip -n "$SG" route replace "$(topo_eu_inner 3)/32" dev sg1
run ip netns exec "$EU" "$MIFCTL" alt set 10.1.3.1 10.1.1.11
ip netns exec "$EU" "$MIFCTL" monitor count 1 &
sleep 1
run ip -n "$SG" link set sg3 down
wait
run ip netns exec "$SG" "$MIFCTL" rewrite 10.1.3.1 10.1.1.11
topo_ping 3 && echo "inner $(topo_eu_inner 3) -> $TOPO_SG_INNER over eu1 after failover: ok"

say "9. Unload"
run rmmod xfrm_mif
