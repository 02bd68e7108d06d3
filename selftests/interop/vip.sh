#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inner addresses (CFG) between two mifd: SG leases from its pool, EU asks
# for two IPv4 addresses and one IPv6 (vips), puts them on its lo, and
# pings SG's inner address 10.99.0.1 from them through the Child SA, whose
# TSi is narrowed to them. Deleted, the addresses leave EU's lo and the
# pool forgets nothing: EU gets the same ones back.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh vip.sh
TEST_NAME=vip
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"

interop_start ip jq ping
T=$(mifd_tmpdir)
make_netns EU && make_netns SG ||
	{ echo "1..0 # SKIP cannot make namespaces"; exit $KSFT_SKIP; }
ip -n "$EU" link add vip0 type veth peer name pvip0 netns "$SG" &&
	ip -n "$EU" addr add 10.88.0.1/24 dev vip0 &&
	ip -n "$SG" addr add 10.88.0.2/24 dev pvip0 &&
	ip -n "$EU" link set vip0 up && ip -n "$SG" link set pvip0 up &&
	ip -n "$EU" link set lo up && ip -n "$SG" link set lo up &&
	ip -n "$SG" addr add 10.99.0.1/32 dev lo &&
	ip -n "$EU" route add 10.99.0.0/24 via 10.88.0.2 &&
	ip -n "$SG" route add 10.9.0.0/24 via 10.88.0.1 ||
	{ echo "1..0 # SKIP cannot set up the veths"; exit $KSFT_SKIP; }

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
cat >"$T/eu.conf" <<CONF
[mifd]
log_level = debug

[conn a]
local = 10.88.0.1
remote = 10.88.0.2
psk = $PSK
vips = 0.0.0.0, 0.0.0.0, ::
remote_ts = 10.99.0.1/32
retransmit_base = 300ms
retransmit_tries = 3
dpd = 0
mif = no
CONF
cat >"$T/sg.conf" <<CONF
[mifd]
log_level = debug

[conn a]
local = 10.88.0.2
remote = 10.88.0.1
psk = $PSK
pool = 10.9.0.0/24, 2001:db8:9::/112
dns = 192.0.2.53
local_ts = 10.99.0.1/32
retransmit_base = 300ms
retransmit_tries = 3
dpd = 0
mif = no
CONF

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }
field() {	# field NS SOCK JQ: of conn a's IKE SA
	mifd_ctl "$1" "$2" -j ike list |
		jq -c "[.ike_sas[] | select(.conn == \"a\")][0] | $3"
}
want_vips='["10.9.0.1","10.9.0.2","2001:db8:9::1"]'

up() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up a -w 20 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10
}
tcase "two mifd set up an IKE SA with inner addresses" up

leased() {
	local e s
	e=$(field "$EU" "$EU_SOCK" .local_vips)
	s=$(field "$SG" "$SG_SOCK" .peer_vips)
	echo "EU got $e, SG leased $s"
	[ "$e" = "$want_vips" ] && [ "$s" = "$want_vips" ]
}
tcase "EU got two IPv4 and one IPv6 address from SG's pool" leased

on_lo() {
	ip -n "$EU" addr show dev lo
	ip -n "$EU" -4 addr show dev lo | grep -q "inet 10.9.0.1/32" &&
		ip -n "$EU" -4 addr show dev lo | grep -q "inet 10.9.0.2/32" &&
		ip -n "$EU" -6 addr show dev lo | grep -q "inet6 2001:db8:9::1/128"
}
tcase "the addresses are on EU's lo" on_lo

narrowed() {
	local ts
	ts=$(field "$SG" "$SG_SOCK" '.children[0].remote_ts')
	echo "SG's TSi: $ts"
	echo "$ts" | grep -q 10.9.0.1 && echo "$ts" | grep -q 10.9.0.2 &&
		! echo "$ts" | grep -q 0.0.0.0
}
tcase "SG narrowed the Child SA's TSi to the leases" narrowed

esp_out() {	# ESP packets of EU's outbound SA
	local spi p
	spi=$(field "$EU" "$EU_SOCK" '.children[0].spi_out' | tr -d '"')
	p=$(ip -n "$EU" -s xfrm state list spi "0x${spi#0x}" 2>/dev/null | awk \
		'/lifetime current:/ { getline; sub(/\(packets\)/, "", $2); print $2; exit }')
	echo "${p:-0}"
}
tunnelled() {
	local o0 o1
	o0=$(esp_out)
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I 10.9.0.2 10.99.0.1 ||
		return 1
	o1=$(esp_out)
	echo "ESP packets out of EU: $o0 -> $o1"
	[ "$o1" -ge $((o0 + 3)) ]
}
tcase "a ping from an inner address goes through ESP" tunnelled

text() {
	eu ike list | grep -q "inner addresses (ours): 10.9.0.1 10.9.0.2 2001:db8:9::1" &&
		sg ike list | grep -q "inner addresses (the peer's): .*, pool a" &&
		sg ike list | grep -q "pool a: 65789 addresses, 3 leased, 3 online"
}
tcase "mifctl ike list shows the addresses and the pool" text

_off_lo() { ! ip -n "$EU" addr show dev lo | grep -q 10.9.0; }
down_again() {
	eu ike down a >/dev/null || return 1
	wait_until 10 _off_lo || { echo "still on lo"; return 1; }
	sg ike list | grep -q "pool a: 65789 addresses, 3 leased, 0 online" ||
		return 1
	eu ike up a -w 20 >/dev/null &&
		[ "$(field "$EU" "$EU_SOCK" .local_vips)" = "$want_vips" ]
}
tcase "down: off lo and released; up again: the same addresses" down_again

stop() { mifd_stop; }
tcase "both mifd exit 0" stop
ksft_exit
