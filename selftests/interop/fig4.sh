#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Figures 4 and 5, multihoming: EU and SG joined by two veth pairs (mifI
# in EU, 10.88.I.1; pmifI in SG, 10.88.I.2), one IKE SA and one Child SA
# on the pair of mif0 (priority 200; mif1 has 150), carrying 10.9.0.1
# (EU's lo) to 10.99.0.1 (SG's lo).
#
# 1. EU detects (figure 4): mif0 goes down in EU. EU fails over at once to
#    its alternate 10.88.1.1 (the module's alternates when xfrm_mif is
#    loaded, mifd's own move otherwise), and tells SG; the veth takes the
#    carrier of pmif0 with it, so SG fails over its own address to
#    10.88.1.2 and tells EU. Both kernels end with the SAs on the mif1
#    pair, both mifd show it, and a ping is ESP on mif1 only.
# 2. SG detects first (figure 5): SG's address 10.88.0.2 is removed, EU's
#    links stay up. SG fails over to 10.88.1.2 and tells EU, which moves
#    its SAs' destination there (EU keeps 10.88.0.1; the route to
#    10.88.1.2 is mif1's): a ping is ESP on mif1 only.
#
# Needs the backend's interface-wide operations and MIF_MOVE in mifd.
#
# Each part runs with the module loaded and without it.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh fig4.sh
TEST_NAME=fig4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"

interop_start ip jq nft ping
T=$(mifd_tmpdir)
trap _mifd_interop_cleanup EXIT

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
conf() {	# conf FILE LOCAL REMOTE ID PEER_ID IFACES TS_KEY TS
	cat >"$1" <<CONF
[mifd]
log_level = debug

[conn a]
local = $2
remote = $3
local_id = fqdn:$4
remote_id = fqdn:$5
psk = $PSK
ike = aes256gcm16-prfsha256-x25519
esp = aes256gcm16
local_ts = $6
remote_ts = $7
retransmit_base = 500ms
retransmit_tries = 4
dpd = 0
interfaces = $8
CONF
}
conf "$T/eu.conf" 10.88.0.1 10.88.0.2 eu.example sg.example \
	10.9.0.1/32 10.99.0.1/32 "mif0:200, mif1:150"
conf "$T/sg.conf" 10.88.0.2 10.88.0.1 sg.example eu.example \
	10.99.0.1/32 10.9.0.1/32 "pmif0:200, pmif1:150"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
packets() { esp_packets "$EU" "$1"; }

# topology: fresh namespaces, two pairs, routes that survive a failover.
topology() {
	local i
	ksft_cleanup >/dev/null 2>&1
	make_netns EU && make_netns SG || return 1
	for i in 0 1; do
		ip -n "$EU" link add "mif$i" type veth peer name "pmif$i" netns "$SG" &&
			ip -n "$EU" addr add "10.88.$i.1/24" dev "mif$i" &&
			ip -n "$SG" addr add "10.88.$i.2/24" dev "pmif$i" &&
			ip -n "$EU" link set "mif$i" up &&
			ip -n "$SG" link set "pmif$i" up || return 1
	done
	ip -n "$EU" link set lo up && ip -n "$SG" link set lo up &&
		ip -n "$EU" addr add 10.9.0.1/32 dev lo &&
		ip -n "$SG" addr add 10.99.0.1/32 dev lo &&
		ip -n "$EU" route add 10.99.0.0/24 dev mif0 &&
		ip -n "$EU" route add 10.99.0.0/24 dev mif1 metric 100 &&
		ip -n "$SG" route add 10.9.0.0/24 dev pmif0 &&
		ip -n "$SG" route add 10.9.0.0/24 dev pmif1 metric 100 &&
		ip -n "$EU" route add 10.88.0.0/24 dev mif1 metric 100 &&
		ip -n "$SG" route add 10.88.0.0/24 dev pmif1 metric 100 || return 1
	for i in EU SG; do
		ip netns exec "${!i}" sysctl -qw net.ipv4.conf.all.rp_filter=0
		ip netns exec "${!i}" sysctl -qw net.ipv4.conf.all.ignore_routes_with_linkdown=1
	done
	esp_counters "$EU"
}

up() {
	topology &&
		mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up a -w 20 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10
}

# pair_is EU_ADDR SG_ADDR: both views and both kernels have the Child SA there.
pair_is() {
	want "$EU" "$EU_SOCK" "[.children[] | select(.installed) |
		\"\(.local)-\(.remote)\"] == [\"$1-$2\"]" &&
		want "$SG" "$SG_SOCK" "[.children[] | select(.installed) |
		\"\(.local)-\(.remote)\"] == [\"$2-$1\"]" &&
		ip -n "$EU" xfrm state | grep -qE "^src $1 dst $2 *$" &&
		ip -n "$EU" xfrm state | grep -qE "^src $2 dst $1 *$" &&
		ip -n "$SG" xfrm state | grep -qE "^src $1 dst $2 *$" &&
		ip -n "$SG" xfrm state | grep -qE "^src $2 dst $1 *$" &&
		ip -n "$EU" xfrm policy list dir out | grep -q "tmpl src $1 dst $2" &&
		ip -n "$SG" xfrm policy list dir out | grep -q "tmpl src $2 dst $1" ||
		{ ip -n "$EU" xfrm state; ip -n "$SG" xfrm state; return 1; }
}

# esp_on I: a ping is ESP on mifI of EU, both ways, and on no other veth.
esp_on() {
	local o0 o1 i0 i1
	o0=$(packets out0); o1=$(packets out1); i0=$(packets in0); i1=$(packets in1)
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I 10.9.0.1 10.99.0.1 >/dev/null ||
		{ echo "no answer"; return 1; }
	o0=$(( $(packets out0) - o0 )); o1=$(( $(packets out1) - o1 ))
	i0=$(( $(packets in0) - i0 )); i1=$(( $(packets in1) - i1 ))
	if [ "$1" -eq 0 ]; then
		[ "$o0" -ge 3 ] && [ "$i0" -ge 3 ] && [ "$o1" -eq 0 ] && [ "$i1" -eq 0 ]
	else
		[ "$o1" -ge 3 ] && [ "$i1" -ge 3 ] && [ "$o0" -eq 0 ] && [ "$i0" -eq 0 ]
	fi || { echo "ESP out $o0/$o1, in $i0/$i1 on mif0/mif1"; return 1; }
}

nothing_left() {
	mifd_stop || return 1
	[ -z "$(ip -n "$EU" xfrm state)" ] && [ -z "$(ip -n "$SG" xfrm state)" ] &&
		[ -z "$(ip -n "$EU" xfrm policy)" ] && [ -z "$(ip -n "$SG" xfrm policy)" ] ||
		{ echo "left behind"; ip -n "$EU" xfrm state; ip -n "$SG" xfrm state; return 1; }
}

run_parts() {
	local with=$1
	tcase "fig4 ($with): up on mif0" up
	tcase "fig4 ($with): ESP on mif0" esp_on 0
	ip -n "$EU" link set mif0 down
	tcase "fig4 ($with): EU's link down, both sides on the mif1 pair" pair_is 10.88.1.1 10.88.1.2
	tcase "fig4 ($with): ESP on mif1 only" esp_on 1
	tcase "fig4 ($with): nothing left behind" nothing_left

	tcase "fig5 ($with): up on mif0" up
	ip -n "$SG" addr del 10.88.0.2/24 dev pmif0
	tcase "fig5 ($with): SG's address gone, EU follows to 10.88.1.2" pair_is 10.88.0.1 10.88.1.2
	tcase "fig5 ($with): ESP to SG's alternate, on mif1" esp_on 1
	tcase "fig5 ($with): nothing left behind" nothing_left
}

if [ -f "$MODULE" ] && load_module >/dev/null 2>&1; then
	run_parts "xfrm_mif"
	unload_module >/dev/null 2>&1
else
	log "no xfrm_mif module: its part is skipped"
fi
run_parts "per-SA XFRM"
ksft_exit
