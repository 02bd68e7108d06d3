#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kernel failover: EU's interfaces 1 and 3 have interface 2's address as
# alternate. When eu1's address is deleted, and when eu3 loses its carrier,
# the module moves their SAs to 10.1.2.1 by itself and tells the events
# group; SG then follows (as its key manager would on UPDATE_SA_ADDRESSES)
# and ESP flows over eu2. Nothing moves back when the link returns. Sets
# scoped by mark, if_id or reqid block (one IKE SA's) move only their own
# SAs, and a failover that cannot move says why. A long failover in one
# namespace does not hold up another namespace's; unloading the module with
# alternates and live SAs moves nothing.
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

# --- scopes: each alternate set moves its own marks or if_id, and says why
# when it cannot ---
# eu3 carries, besides tunnel 3, an SA of mark 1, one of mark 2 and one of
# if_id 7. Mark 1 has a usable alternate; if_id 7's move is refused (its
# SPI is taken at 10.1.2.1); the unscoped set (10.1.9.9) has none usable.
sa_out() { ip -n "$EU" xfrm state add src 10.1.3.1 dst 10.1.3.2 proto esp spi "$1" mode tunnel \
	aead 'rfc4106(gcm(aes))' "$(topo_key "$1")" 128 "${@:2}"; }
check "SA of mark 1" sa_out 0x3101 mark 1
check "SA of mark 2" sa_out 0x3102 mark 2
check "SA of if_id 7" ip -n "$EU" xfrm state add src 10.1.3.2 dst 10.1.3.1 proto esp spi 0x3103 \
	mode tunnel aead 'rfc4106(gcm(aes))' "$(topo_key 0x3103)" 128 if_id 7
check "if_id 7's SPI taken at 10.1.2.1" ip -n "$EU" xfrm state add src 10.1.3.2 dst 10.1.2.1 \
	proto esp spi 0x3103 mode tunnel aead 'rfc4106(gcm(aes))' "$(topo_key 0x3203)" 128
check "alternates of mark 1" in_eu alt set 10.1.3.1 10.1.2.1 mark 1
check "alternates of if_id 7" in_eu alt set 10.1.3.1 10.1.9.9 10.1.2.1 if_id 7
check "three sets for eu3" test "$(in_eu alt show | grep -c '^10.1.3.1 ')" = 3
check "scopes shown" sh -c 'ip netns exec "$0" "$1" alt show | grep -q "^10.1.3.1 mark 0x1/0xffffffff alternates 10.1.2.1$" &&
	ip netns exec "$0" "$1" -j alt show | grep -q "\"address\":\"10.1.3.1\",\"if_id\":7,\"alternates\":\[\"10.1.9.9\",\"10.1.2.1\"\]"' "$EU" "$MIFCTL"

ip netns exec "$EU" "$MIFCTL" -j monitor count 3 >/tmp/mif-fo-scope.$$ &
monitor=$!
sleep 1
ip -n "$SG" link set sg3 down
check "mark 1 moved" wait_for spi_at "$EU" 10.1.2.1 10.1.3.2 0x00003101
check "mark 2 stayed" spi_at "$EU" 10.1.3.1 10.1.3.2 0x00003102
check "if_id 7 stayed (refused)" spi_at "$EU" 10.1.3.2 10.1.3.1 0x00003103
check "unscoped SAs stayed" spi_at "$EU" 10.1.3.1 10.1.3.2 0x00001003
# event_seen PATTERN: the monitor printed a line matching PATTERN.
event_seen() { for i in $(seq 50); do grep -q -- "$1" /tmp/mif-fo-scope.$$ && return 0; sleep 0.1; done
	cat /tmp/mif-fo-scope.$$; return 1; }
check "event: mark 1 moved" event_seen '"event":"failover","new_address":"10.1.2.1","address":"10.1.3.1","states":1,"policies":0,"mark":1,"mask":4294967295}'
check "event: if_id 7 refused, with the reason" event_seen '"new_address":"10.1.2.1","address":"10.1.3.1","states":1,"policies":0,"if_id":7,"reason":"refused","error":"File exists","message":"an SA with the same SPI exists at the new address"'
check "event: no alternate for the rest" event_seen '"address":"10.1.3.1","states":4,"policies":2,"reason":"no-alternate","message":"no alternate is up with carrier"'
kill "$monitor" 2>/dev/null
rm -f /tmp/mif-fo-scope.$$
ip -n "$SG" link set sg3 up
check "scoped set deleted" in_eu alt del 10.1.3.1 mark 1
check_fails "deleted once" in_eu alt del 10.1.3.1 mark 1
check "two sets left for eu3" test "$(in_eu alt show | grep -c '^10.1.3.1 ')" = 2

# --- namespaces fail over side by side: a long failover in one namespace
# does not hold up another's ---
modprobe -q ah4
modprobe -q dummy 2>/dev/null
# side NS ADDR ALT: a namespace whose ADDR (on a dummy link) has alternate ALT.
side() {
	make_netns "$1" || return 1
	local ns=${!1}
	{ ip -n "$ns" link add d0 type dummy 2>/dev/null ||
		ip -n "$ns" link add name d0 type veth peer name d1; } &&
	ip -n "$ns" addr add "$2/24" dev d0 && ip -n "$ns" addr add "$3/24" dev d0 &&
	ip -n "$ns" link set d0 up && ip netns exec "$ns" "$MIFCTL" alt set "$2" "$3"
}
# ah_sas NS N SRC: N AH SAs from SRC (an AH copy allocates its own transform).
ah_sas() {
	local i
	for ((i = 1; i <= $2; i++)); do
		echo "xfrm state add src $3 dst 10.7.0.1 proto ah spi $((0x100000 + i)) mode tunnel auth 'hmac(sha256)' 0x$(printf '%064x' "$i")"
	done >/tmp/mif-fo-ah.$$
	ip -n "$1" -batch /tmp/mif-fo-ah.$$
	rm -f /tmp/mif-fo-ah.$$
}
N_SLOW=${MIF_FAILOVER_SAS:-3000}
tcase "namespace with a long failover" side SLOW 10.9.0.1 10.9.9.1
check "$N_SLOW SAs there" ah_sas "$SLOW" "$N_SLOW" 10.9.0.1
tcase "namespace with a short one" side FAST 10.8.0.1 10.8.9.1
check "one SA there" ah_sas "$FAST" 1 10.8.0.1
ip netns exec "$SLOW" "$MIFCTL" -j monitor count 1 >/tmp/mif-fo-slow.$$ &
mon_slow=$!
ip netns exec "$FAST" "$MIFCTL" -j monitor count 1 >/tmp/mif-fo-fast.$$ &
mon_fast=$!
# The losses come from processes already running, through read-write fifos
# (nothing to start, no open that waits): FAST's loss follows SLOW's as soon
# as ip monitor has seen SLOW's address go.
mkfifo /tmp/mif-fo-slow-cmd.$$ /tmp/mif-fo-fast-cmd.$$ /tmp/mif-fo-slow-addr.$$
ip -n "$SLOW" monitor address 1<>/tmp/mif-fo-slow-addr.$$ &
ip_mon=$!
ip -n "$SLOW" -batch - <>/tmp/mif-fo-slow-cmd.$$ &
ip_slow=$!
ip -n "$FAST" -batch - <>/tmp/mif-fo-fast-cmd.$$ &
ip_fast=$!
exec 8<>/tmp/mif-fo-slow-addr.$$
sleep 2
echo "address del 10.9.0.1/24 dev d0" >/tmp/mif-fo-slow-cmd.$$
read -r -t 60 _ <&8
echo "address del 10.8.0.1/24 dev d0" >/tmp/mif-fo-fast-cmd.$$
exec 8<&-
# done_at FILE: when the monitor wrote its event (after waiting for it).
done_at() {
	local i
	for i in $(seq 300); do [ -s "$1" ] && break; sleep 0.2; done
	stat -c %.9Y "$1"
}
fast_at=$(done_at /tmp/mif-fo-fast.$$)
slow_at=$(done_at /tmp/mif-fo-slow.$$)
check "the short failover did not wait for the long one" \
	awk -v f="$fast_at" -v s="$slow_at" 'BEGIN { if (f < s) exit 0; print "short one at " f ", long one at " s; exit 1 }'
check "the long one moved everything" sh -c 'grep -q "\"new_address\":\"10.9.9.1\",\"address\":\"10.9.0.1\",\"states\":$1," "$0" || { cat "$0"; exit 1; }' \
	/tmp/mif-fo-slow.$$ "$N_SLOW"
check "the short one moved its SA" grep -q '"new_address":"10.8.9.1","address":"10.8.0.1","states":1,' /tmp/mif-fo-fast.$$
kill "$mon_slow" "$mon_fast" "$ip_mon" "$ip_slow" "$ip_fast" 2>/dev/null
rm -f /tmp/mif-fo-slow.$$ /tmp/mif-fo-fast.$$ /tmp/mif-fo-slow-cmd.$$ /tmp/mif-fo-fast-cmd.$$ \
	/tmp/mif-fo-slow-addr.$$

# --- a set scoped by a reqid block moves one IKE SA's SAs and policies;
# another IKE SA's on the same address, without a set, stay ---
tcase "namespace of two IKE SAs" side BLK 10.6.0.1 10.6.9.1
check "without its unscoped set" ip netns exec "$BLK" "$MIFCTL" alt del 10.6.0.1
check "two IKE SAs on 10.6.0.1" topo_ike_blocks "$BLK" 10.6.0.1 10.6.0.2
check "alternates of block 0x1000" ip netns exec "$BLK" "$MIFCTL" alt set 10.6.0.1 10.6.9.1 reqid 0x1000/0xfffff000
other=$(topo_block_ends "$BLK" 2)
ip netns exec "$BLK" "$MIFCTL" -j monitor count 1 >/tmp/mif-fo-block.$$ &
monitor=$!
sleep 1
ip -n "$BLK" addr del 10.6.0.1/24 dev d0
check "block 0x1000 moved to 10.6.9.1" wait_for topo_block_on "$BLK" 1 10.6.9.1
check "block 0x2000 stayed" test "$other" = "$(topo_block_ends "$BLK" 2)"
check "event: block 0x1000 moved, with its scope" sh -c 'for i in $(seq 50); do grep -q "\"event\":\"failover\",\"new_address\":\"10.6.9.1\",\"address\":\"10.6.0.1\",\"states\":4,\"policies\":4,\"reqid\":4096,\"reqid_mask\":4294963200}" "$0" && exit 0; sleep 0.1; done; cat "$0"; exit 1' /tmp/mif-fo-block.$$
kill "$monitor" 2>/dev/null
rm -f /tmp/mif-fo-block.$$

# --- unloading with alternates and SAs moves nothing ---
check "alternate for eu2" in_eu alt set 10.1.2.1 10.1.3.1
before=$(ip -n "$EU" xfrm state; ip -n "$EU" xfrm policy)
check "module unloads" unload_module
check "unload moved nothing" test "$before" = "$(ip -n "$EU" xfrm state; ip -n "$EU" xfrm policy)"
check "module loads again" load_module
check "alternates gone with the module" sh -c '[ -z "$(ip netns exec "$0" "$1" alt show)" ]' "$EU" "$MIFCTL"

ksft_exit
