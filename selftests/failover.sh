#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kernel failover: EU's interfaces 1 and 3 have interface 2's address as
# alternate. When eu1's address is deleted, and when eu3 loses its carrier,
# the module moves their SAs to 10.1.2.1 by itself and tells the events
# group; SG then follows (as its key manager would on UPDATE_SA_ADDRESSES)
# and ESP flows over eu2. Nothing moves back when the link returns, and
# unloading the module with alternates and live SAs moves nothing.
source "$(dirname "$0")/lib.sh"
source "$SELFTEST_DIR/topo.sh"

require_root
require_cmd ip ping
modprobe -q xfrm_user && modprobe -q esp4 || { echo "1..0 # SKIP no ESP"; exit $KSFT_SKIP; }
check "module loads" load_module
topo_setup >/dev/null 2>&1
check "topology" test -n "$EU" -a -n "$SG"
for i in 1 3; do
	check "tunnel $i set up" topo_tunnel "$i" "0x100$i" "0x200$i"
done
# Inner traffic and, once their own links fail, the peer's outer addresses
# of 1 and 3 go through eu2 (SG answers for any of its addresses there).
ip -n "$EU" route replace "$TOPO_SG_INNER/32" dev eu2
ip -n "$SG" route replace 172.16.1.1/32 dev sg2
ip -n "$SG" route replace 172.16.3.1/32 dev sg2
ip -n "$EU" route add 10.1.1.0/24 dev eu2 metric 100
ip -n "$EU" route add 10.1.3.0/24 dev eu2 metric 100
ip netns exec "$EU" sysctl -qw net.ipv4.conf.all.ignore_routes_with_linkdown=1
ip netns exec "$EU" sysctl -qw net.ipv4.conf.eu3.ignore_routes_with_linkdown=1
for i in 1 3; do
	check "ping over tunnel $i before" topo_ping "$i"
done

in_eu() { ip netns exec "$EU" "$MIFCTL" "$@"; }
spi_at() { ip -n "$1" xfrm state | grep -A1 "^src $2 dst $3\$" | grep -q "spi $4 "; }
wait_for() { local i; for i in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }

check "info announces alternates" sh -c 'ip netns exec "$0" "$1" -j info | grep -q "\"alternates\""' "$EU" "$MIFCTL"
check "alternate of eu1" in_eu alt set 10.1.1.1 10.1.2.1
check "alternates of eu3, first one absent" in_eu alt set 10.1.3.1 10.1.9.9 10.1.1.1 10.1.2.1

ip netns exec "$EU" "$MIFCTL" -j monitor count 2 >/tmp/mif-fo-events.$$ &
monitor=$!
sleep 1

# --- the address goes away ---
ip -n "$EU" addr del 10.1.1.1/24 dev eu1
check "eu1's SAs moved to 10.1.2.1" wait_for spi_at "$EU" 10.1.2.1 10.1.1.2 0x00001001
check "both directions" spi_at "$EU" 10.1.1.2 10.1.2.1 0x00002001
check "policy templates followed" sh -c '[ "$(ip -n "$0" xfrm policy | grep -c "tmpl src 10.1.2.1 dst 10.1.1.2\|tmpl src 10.1.1.2 dst 10.1.2.1")" = 2 ]' "$EU"
check "eu3's SAs stayed" spi_at "$EU" 10.1.3.1 10.1.3.2 0x00001003
check "SG follows" sh -c 'ip netns exec "$0" "$1" rewrite 10.1.1.1 10.1.2.1 | grep -q "2 states, 2 policies"' "$SG" "$MIFCTL"
check "ping over tunnel 1 after failover" topo_ping 1

# --- the link loses its carrier ---
ip -n "$SG" link set sg3 down
check "eu3's SAs moved past absent alternates" wait_for spi_at "$EU" 10.1.2.1 10.1.3.2 0x00001003
check "SG follows" sh -c 'ip netns exec "$0" "$1" rewrite 10.1.3.1 10.1.2.1 | grep -q "2 states, 2 policies"' "$SG" "$MIFCTL"
check "ping over tunnel 3 after failover" topo_ping 3
check "monitor saw both failovers" sh -c 'for i in $(seq 50); do [ "$(grep -c "\"event\":\"failover\",\"new_address\":\"10.1.2.1\"" "$0")" = 2 ] && exit 0; sleep 0.1; done; cat "$0"; exit 1' /tmp/mif-fo-events.$$
kill "$monitor" 2>/dev/null
rm -f /tmp/mif-fo-events.$$

# --- the link comes back: nothing moves ---
ip -n "$SG" link set sg3 up
sleep 1
check "nothing moved back" spi_at "$EU" 10.1.2.1 10.1.3.2 0x00001003

# --- no alternate usable: the SAs stay ---
check "tunnel 3 again on eu3" sh -c 'ip netns exec "$0" "$1" rewrite 10.1.2.1 10.1.3.1 reqid 3 >/dev/null' "$EU" "$MIFCTL"
check "only absent alternates" in_eu alt set 10.1.3.1 10.1.9.9
ip -n "$SG" link set sg3 down
sleep 1
check "SAs stay without a usable alternate" spi_at "$EU" 10.1.3.1 10.1.3.2 0x00001003
ip -n "$SG" link set sg3 up

# --- unloading with alternates and SAs moves nothing ---
check "alternate for eu2" in_eu alt set 10.1.2.1 10.1.3.1
before=$(ip -n "$EU" xfrm state; ip -n "$EU" xfrm policy)
check "module unloads" unload_module
check "unload moved nothing" test "$before" = "$(ip -n "$EU" xfrm state; ip -n "$EU" xfrm policy)"
check "module loads again" load_module
check "alternates gone with the module" sh -c '[ -z "$(ip netns exec "$0" "$1" alt show)" ]' "$EU" "$MIFCTL"

ksft_exit
