#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The peer's address stops answering (docs/protocol/mif.md, "Who fails
# over what"; user/engine/peer_alt.c): EU and SG joined by three veth
# pairs (mifI in EU, 10.88.I.1; pmifI in SG, 10.88.I.2; priorities 200,
# 150, 100), one IKE SA and one Child SA on the mif0 pair, carrying
# 10.9.0.1 (EU's lo) to 10.99.0.1 (SG's lo). SG announces its three
# addresses; EU's default rule for 10.88.0.2 is 10.88.1.2, then 10.88.2.2.
#
# nftables in EU's namespace then drops everything from and to
# 10.88.0.2: no link goes down, so SG sees nothing and does not fail
# over. EU's liveness check (dpd = 2s) goes unanswered; after two
# retransmissions EU sends it on to 10.88.1.2, checks that address with
# COOKIE2, moves its SAs' remote side there (one move_addr) and sends
# MIF_MOVE, which moves SG's local side. Both views and kernels are then
# on 10.88.0.1-10.88.1.2, a ping is answered, EU's ESP leaves on mif1
# and none on mif0. With 10.88.1.2 dropped too, EU goes on to 10.88.2.2.
#
# Each part runs with the module loaded and without it.
#
#   tools/vm/run -k debian -m 3072 -t 2400 -- selftests/interop/run.sh peer_dead.sh
TEST_NAME=peer_dead
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
WANT_TIMEOUT=40	# want's wait (lib.sh)

interop_start ip jq nft ping
T=$(mifd_tmpdir)
trap _mifd_interop_cleanup EXIT

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
conf() {	# conf FILE LOCAL REMOTE ID PEER_ID TS PEER_TS IFACES DPD
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
retransmit_tries = 6
dpd = $9
interfaces = $8
CONF
}

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }
packets() { esp_packets "$EU" "$1"; }

# topology: fresh namespaces, three pairs; SG answers 10.88.0.1 on mif0.
topology() {
	local i
	ksft_cleanup >/dev/null 2>&1
	make_netns EU && make_netns SG || return 1
	for i in 0 1 2; do
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
		ip -n "$SG" route add 10.9.0.0/24 dev pmif0 || return 1
	for i in EU SG; do
		ip netns exec "${!i}" sysctl -qw net.ipv4.conf.all.rp_filter=0
	done
	esp_counters "$EU"
}

up() {
	conf "$T/eu.conf" 10.88.0.1 10.88.0.2 eu.example sg.example \
		10.9.0.1/32 10.99.0.1/32 "mif0:200, mif1:150, mif2:100" 2s &&
		conf "$T/sg.conf" 10.88.0.2 10.88.0.1 sg.example eu.example \
		10.99.0.1/32 10.9.0.1/32 "pmif0:200, pmif1:150, pmif2:100" 0 &&
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

# silence ADDR...: EU's namespace drops everything from and to them.
silence() {
	local a rules=""
	for a in "$@"; do
		rules+="ip saddr $a drop; ip daddr $a drop; "
	done
	ip netns exec "$EU" nft delete table inet peer_dead 2>/dev/null
	ip netns exec "$EU" nft -f - <<NFT
table inet peer_dead {
	chain input { type filter hook input priority -10; policy accept; $rules }
	chain output { type filter hook output priority -10; policy accept; $rules }
}
NFT
}

# esp_out I: a ping is answered, EU's ESP leaves on mifI only.
esp_out() {
	local k before=() d=()
	for k in 0 1 2; do
		before+=("$(packets "out$k")")
	done
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I 10.9.0.1 10.99.0.1 >/dev/null ||
		{ echo "no answer"; return 1; }
	for k in 0 1 2; do
		d+=("$(( $(packets "out$k") - before[k] ))")
	done
	for k in 0 1 2; do
		if [ "$k" -eq "$1" ]; then
			[ "${d[k]}" -ge 3 ]
		else
			[ "${d[k]}" -eq 0 ]
		fi || { echo "ESP out on mif0..2: ${d[*]}"; return 1; }
	done
}

# logged SOCK TEXT: the daemon's log says it.
logged() {
	grep -qF "$2" "$1.log" || { echo "not logged: $2"; return 1; }
}

# sg_stayed: SG moved on EU's word (MIF_MOVE), not by its own failover.
sg_stayed() {
	logged "$SG_SOCK" "moved ours" &&
		! grep -q "address 10.88.0.2 lost" "$SG_SOCK.log" ||
		{ grep -i "lost" "$SG_SOCK.log" | tail -5; return 1; }
}

nothing_left() {
	ip netns exec "$EU" nft delete table inet peer_dead 2>/dev/null
	mifd_stop || return 1
	[ -z "$(ip -n "$EU" xfrm state)" ] && [ -z "$(ip -n "$SG" xfrm state)" ] &&
		[ -z "$(ip -n "$EU" xfrm policy)" ] && [ -z "$(ip -n "$SG" xfrm policy)" ] ||
		{ echo "left behind"; ip -n "$EU" xfrm state; ip -n "$SG" xfrm state; return 1; }
}

run_parts() {
	local with=$1
	tcase "peer dead ($with): up on mif0" up
	tcase "peer dead ($with): ESP on mif0" esp_out 0
	silence 10.88.0.2
	tcase "peer dead ($with): SG's mif0 silent, both sides on 10.88.0.1-10.88.1.2" \
		pair_is 10.88.0.1 10.88.1.2
	tcase "peer dead ($with): EU logs the checked move" logged "$EU_SOCK" \
		"stopped answering: moved to its alternate 10.88.1.2"
	tcase "peer dead ($with): SG moved on MIF_MOVE, no failover of its own" sg_stayed
	tcase "peer dead ($with): ping answered, EU's ESP on mif1 only" esp_out 1
	tcase "peer dead ($with): nothing left behind" nothing_left

	tcase "next alternate ($with): up on mif0" up
	silence 10.88.0.2 10.88.1.2
	tcase "next alternate ($with): mif0 and mif1 silent, on 10.88.0.1-10.88.2.2" \
		pair_is 10.88.0.1 10.88.2.2
	tcase "next alternate ($with): ping answered, EU's ESP on mif2 only" esp_out 2
	tcase "next alternate ($with): nothing left behind" nothing_left
}

if [ -f "$MODULE" ] && load_module >/dev/null 2>&1; then
	run_parts "xfrm_mif"
	unload_module >/dev/null 2>&1
else
	log "no xfrm_mif module: its part is skipped"
fi
run_parts "per-SA XFRM"
ksft_exit
