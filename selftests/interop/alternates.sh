#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Alternates by hand and failback (docs/protocol/mif.md, "Multihoming and
# failover: MIF_ALTERNATES"): EU and SG joined by three veth pairs (mifI
# in EU, 10.88.I.1; pmifI in SG, 10.88.I.2; priorities 200, 150, 100),
# one IKE SA and one Child SA on the mif0 pair, carrying 10.9.0.1 (EU's
# lo) to 10.99.0.1 (SG's lo).
#
# 1. alt: each side gives its mif0 address the mif2 address as its only
#    alternate (`mifctl ike iface alt`), where the default rule would give
#    mif1's; each peer's `ike list -j` shows the other's list. mif0 goes
#    down in EU: both sides fail over to the mif2 pair (the module's
#    alternates, or mifd's own move), and a ping is ESP on mif2 only.
#    `alt ADDR none` then withdraws EU's list: SG's view drops it.
# 2. failback = yes: mif0 down, both sides on the mif1 pair; mif0 up
#    again: after the hold-down both move back to the mif0 pair (one
#    MIF_MOVE each), and a ping is ESP on mif0 only.
# 3. failback = no: the same link flap leaves the SAs on the mif1 pair.
#
# Each part runs with the module loaded and without it.
#
#   tools/vm/run -k debian -m 3072 -t 2400 -- selftests/interop/run.sh alternates.sh
TEST_NAME=alternates
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"

interop_start ip jq nft ping
T=$(mifd_tmpdir)
trap _mifd_interop_cleanup EXIT

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
conf() {	# conf FILE LOCAL REMOTE ID PEER_ID TS PEER_TS IFACES FAILBACK
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
failback = $9
CONF
}
confs() {	# confs FAILBACK
	conf "$T/eu.conf" 10.88.0.1 10.88.0.2 eu.example sg.example \
		10.9.0.1/32 10.99.0.1/32 "mif0:200, mif1:150, mif2:100" "$1"
	conf "$T/sg.conf" 10.88.0.2 10.88.0.1 sg.example eu.example \
		10.99.0.1/32 10.9.0.1/32 "pmif0:200, pmif1:150, pmif2:100" "$1"
}

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }
packets() { esp_packets "$EU" "$1"; }

# topology: fresh namespaces, three pairs, routes that survive a failover.
topology() {
	local i
	ksft_cleanup >/dev/null 2>&1
	make_netns EU && make_netns SG || return 1
	# One ip process per namespace (ip -batch): under emulation each
	# process costs a tenth of a second or more.
	{
		for i in 0 1 2; do
			echo "link add mif$i type veth peer name pmif$i netns $SG"
			echo "addr add 10.88.$i.1/24 dev mif$i"
			echo "link set mif$i up"
		done
		echo "link set lo up"
		echo "addr add 10.9.0.1/32 dev lo"
		echo "route add 10.99.0.0/24 dev mif0"
		echo "route add 10.99.0.0/24 dev mif1 metric 100"
		echo "route add 10.99.0.0/24 dev mif2 metric 200"
		echo "route add 10.88.0.0/24 dev mif1 metric 100"
	} | ip -n "$EU" -batch - || return 1
	{
		for i in 0 1 2; do
			echo "addr add 10.88.$i.2/24 dev pmif$i"
			echo "link set pmif$i up"
		done
		echo "link set lo up"
		echo "addr add 10.99.0.1/32 dev lo"
		echo "route add 10.9.0.0/24 dev pmif0"
		echo "route add 10.9.0.0/24 dev pmif1 metric 100"
		echo "route add 10.9.0.0/24 dev pmif2 metric 200"
		echo "route add 10.88.0.0/24 dev pmif1 metric 100"
	} | ip -n "$SG" -batch - || return 1
	for i in EU SG; do
		ip netns exec "${!i}" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.all.ignore_routes_with_linkdown=1
	done
	esp_counters "$EU"
}

up() {	# up FAILBACK
	confs "$1" &&
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
	local k before=() d=()
	for k in 0 1 2; do
		before+=("$(packets "out$k")" "$(packets "in$k")")
	done
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I 10.9.0.1 10.99.0.1 >/dev/null ||
		{ echo "no answer"; return 1; }
	for k in 0 1 2; do
		d+=("$(( $(packets "out$k") - before[2 * k] ))"
		    "$(( $(packets "in$k") - before[2 * k + 1] ))")
	done
	for k in 0 1 2; do
		if [ "$k" -eq "$1" ]; then
			[ "${d[2 * k]}" -ge 3 ] && [ "${d[2 * k + 1]}" -ge 3 ]
		else
			[ "${d[2 * k]}" -eq 0 ] && [ "${d[2 * k + 1]}" -eq 0 ]
		fi || { echo "ESP out/in on mif0..2: ${d[*]}"; return 1; }
	done
}

# alt NS SOCK ADDR ALT...: mifctl ike iface alt, started on one IKE SA.
alt() {
	local ns=$1 sock=$2 out
	shift 2
	out=$(mifd_ctl "$ns" "$sock" -j ike iface alt "$@") &&
		echo "$out" | jq -e '.started == 1' >/dev/null ||
		{ echo "ike iface alt $*: $out"; return 1; }
}

# lists_are: each side's view of the other's list (and its own).
lists_are() {
	want "$SG" "$SG_SOCK" '.mif.alternates.peer ==
		[{"addr": "10.88.0.1", "alternates": ["10.88.2.1"]}]' &&
		want "$EU" "$EU_SOCK" '.mif.alternates.peer ==
		[{"addr": "10.88.0.2", "alternates": ["10.88.2.2"]}]' &&
		want "$EU" "$EU_SOCK" '.mif.alternates.ours ==
		[{"addr": "10.88.0.1", "alternates": ["10.88.2.1"]}]'
}

both_alt() {
	alt "$EU" "$EU_SOCK" 10.88.0.1 10.88.2.1 &&
		alt "$SG" "$SG_SOCK" 10.88.0.2 10.88.2.2 && lists_are
}

# A list that fails the checks is refused before anything is sent.
refused() {
	local out
	out=$(eu -j ike iface alt 10.88.0.1 10.9.0.1) &&
		echo "$out" | jq -e '.failed == 1 and .started == 0' >/dev/null ||
		{ echo "$out"; return 1; }
}

# withdrawn: a list for EU's address now (10.88.2.1), then none.
withdrawn() {
	alt "$EU" "$EU_SOCK" 10.88.2.1 10.88.1.1 &&
		want "$SG" "$SG_SOCK" '[(.mif.alternates.peer // [])[] |
			select(.addr == "10.88.2.1")] ==
			[{"addr": "10.88.2.1", "alternates": ["10.88.1.1"]}]' &&
		alt "$EU" "$EU_SOCK" 10.88.2.1 none &&
		want "$SG" "$SG_SOCK" '[(.mif.alternates.peer // [])[] |
			select(.addr == "10.88.2.1")] == []'
}

# stays EU_ADDR SG_ADDR SECONDS: nothing moves back for that long.
stays() {
	sleep "$3"
	pair_is "$1" "$2"
}

nothing_left() {
	mifd_stop || return 1
	[ -z "$(ip -n "$EU" xfrm state)" ] && [ -z "$(ip -n "$SG" xfrm state)" ] &&
		[ -z "$(ip -n "$EU" xfrm policy)" ] && [ -z "$(ip -n "$SG" xfrm policy)" ] ||
		{ echo "left behind"; ip -n "$EU" xfrm state; ip -n "$SG" xfrm state; return 1; }
}

run_parts() {
	local with=$1
	tcase "alt ($with): up on mif0" up no
	tcase "alt ($with): a list of an address not announced is refused" refused
	tcase "alt ($with): both lists sent, each peer keeps the other's" both_alt
	ip -n "$EU" link set mif0 down
	tcase "alt ($with): EU's link down, both sides on the mif2 pair" pair_is 10.88.2.1 10.88.2.2
	tcase "alt ($with): ESP on mif2 only" esp_on 2
	tcase "alt ($with): a list set and withdrawn (none)" withdrawn
	tcase "alt ($with): nothing left behind" nothing_left

	tcase "failback yes ($with): up on mif0" up yes
	ip -n "$EU" link set mif0 down
	tcase "failback yes ($with): link down, on the mif1 pair" pair_is 10.88.1.1 10.88.1.2
	ip -n "$EU" link set mif0 up
	tcase "failback yes ($with): link up, back on the mif0 pair" pair_is 10.88.0.1 10.88.0.2
	tcase "failback yes ($with): ESP on mif0 only" esp_on 0
	tcase "failback yes ($with): nothing left behind" nothing_left

	tcase "failback no ($with): up on mif0" up no
	ip -n "$EU" link set mif0 down
	tcase "failback no ($with): link down, on the mif1 pair" pair_is 10.88.1.1 10.88.1.2
	ip -n "$EU" link set mif0 up
	tcase "failback no ($with): link up, the SAs stay on the mif1 pair" stays 10.88.1.1 10.88.1.2 6
	tcase "failback no ($with): nothing left behind" nothing_left
}

if [ -f "$MODULE" ] && load_module >/dev/null 2>&1; then
	run_parts "xfrm_mif"
	unload_module >/dev/null 2>&1
else
	log "no xfrm_mif module: its part is skipped"
fi
run_parts "per-SA XFRM"
ksft_exit
