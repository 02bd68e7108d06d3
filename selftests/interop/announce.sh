#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# MIF negotiation and interface announcements between two mifd: EU and SG
# joined by two veth pairs (mif0-pmif0, mif1-pmif1), each connection listing
# both of its side's. Once up, "mifctl -j ike list" on each side shows MIF
# negotiated and the other's interfaces with their addresses; an address
# added on EU, the same removed, and an IPv6 address added on this IPv4
# IKE SA each reach SG's view in exactly one INFORMATIONAL exchange:
# nftables in SG's namespace count one IKE request in and one response
# out, both INFORMATIONAL, and EU logs one announcement.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh announce.sh
TEST_NAME=announce
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
WANT_TIMEOUT=10	# want's wait (lib.sh)

interop_start ip jq nft
T=$(mifd_tmpdir)
make_netns EU && make_netns SG ||
	{ echo "1..0 # SKIP cannot make namespaces"; exit $KSFT_SKIP; }

# pair I: mifI in EU (10.88.I.1), pmifI in SG (10.88.I.2), both up.
pair() {
	ip -n "$EU" link add "mif$1" type veth peer name "pmif$1" netns "$SG" &&
		ip -n "$EU" addr add "10.88.$1.1/24" dev "mif$1" &&
		ip -n "$SG" addr add "10.88.$1.2/24" dev "pmif$1" &&
		ip -n "$EU" link set "mif$1" up && ip -n "$SG" link set "pmif$1" up
}
pair 0 && pair 1 || { echo "1..0 # SKIP cannot set up the veths"; exit $KSFT_SKIP; }

# SG's IKE packets (UDP 500 and 4500), each way, all of them and those
# of INFORMATIONAL exchanges (the exchange type, octet 18 of the IKE
# header on port 500, 37).
ip netns exec "$SG" nft -f - <<'NFT' ||
table inet ike {
	counter in_all { }
	counter out_all { }
	counter in_info { }
	counter out_info { }
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport { 500, 4500 } counter name "in_all"
		udp dport 500 @th,208,8 37 counter name "in_info"
	}
	chain output {
		type filter hook output priority 0; policy accept;
		udp sport { 500, 4500 } counter name "out_all"
		udp sport 500 @th,208,8 37 counter name "out_info"
	}
}
NFT
	{ echo "1..0 # SKIP cannot load the nftables counters"; exit $KSFT_SKIP; }

# ike_packets: SG's four counters, "in_all out_all in_info out_info".
ike_packets() {
	local c
	for c in in_all out_all in_info out_info; do
		ip netns exec "$SG" nft -j list counter inet ike "$c" |
			jq '.nftables[] | select(.counter) | .counter.packets'
	done | paste -sd ' '
}

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
# Retransmissions after the default 2 s: none under a slow VM, where
# announced() would count one as a second request.
conf() {	# conf ME PEER PATTERN
	cat <<-CONF
	[mifd]
	log_level = debug

	[conn a]
	local = $1
	remote = $2
	psk = $PSK
	local_ts = $1/32
	remote_ts = $2/32
	retransmit_base = 2s
	retransmit_tries = 3
	dpd = 0
	interfaces = $3
	CONF
}
conf 10.88.0.1 10.88.0.2 "mif0:200, mif1" >"$T/eu.conf"
conf 10.88.0.2 10.88.0.1 "pmif*" >"$T/sg.conf"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }

# The addresses of the peer's interfaces, all together and sorted.
peer_addrs='([.mif.peer_interfaces[].addresses[]] | sort)'

up() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up a -w 20 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10
}
tcase "two mifd set up an IKE SA" up

negotiated() {
	want "$EU" "$EU_SOCK" '.mif.negotiated and .mif.version == 1' &&
		want "$SG" "$SG_SOCK" '.mif.negotiated and .mif.version == 1'
}
tcase "MIF negotiated on both sides" negotiated

lists() {
	want "$SG" "$SG_SOCK" "$peer_addrs == [\"10.88.0.1\", \"10.88.1.1\"] and
		(.mif.peer_interfaces | length) == 2 and
		([.mif.peer_interfaces[] | select(.down)] | length) == 0 and
		.mif.peer_interfaces[0].priority == 200" &&
		want "$EU" "$EU_SOCK" "$peer_addrs == [\"10.88.0.2\", \"10.88.1.2\"] and
		.mif.local_interfaces == (.mif.local_interfaces | sort_by(.id))"
}
tcase "each side lists the other's two interfaces and addresses" lists

# announced ADDRS CMD...: CMD, a change on EU, reaches SG's view, the
# addresses of EU's interfaces becoming ADDRS (a JSON array, sorted), in one
# INFORMATIONAL exchange: one request in, one response out, no other IKE
# packet in SG's namespace until a second announcement would have gone
# (MIF_ANNOUNCE_INTERVAL_MS, 1 s, then some), one line on EU's log.
announced() {
	local b a n0 n1
	want "$EU" "$EU_SOCK" '.mif.announce_pending | not' || return 1
	b=$(ike_packets)
	n0=$(grep -c "announcing .* interfaces (INFORMATIONAL)" "$EU_SOCK.log")
	"${@:2}" || return 1
	want "$SG" "$SG_SOCK" "$peer_addrs == $1" &&
		want "$EU" "$EU_SOCK" '.mif.announce_pending | not' || return 1
	sleep 3
	a=$(ike_packets)
	n1=$(grep -c "announcing .* interfaces (INFORMATIONAL)" "$EU_SOCK.log")
	echo "SG's IKE packets (in, out, INFORMATIONAL in, out): $b -> $a;" \
		"EU's announcements: $n0 -> $n1"
	read -r -a b <<<"$b"
	read -r -a a <<<"$a"
	[ $((a[0] - b[0])) -eq 1 ] && [ $((a[1] - b[1])) -eq 1 ] &&
		[ $((a[2] - b[2])) -eq 1 ] && [ $((a[3] - b[3])) -eq 1 ] &&
		[ $((n1 - n0)) -eq 1 ]
}

added() {
	announced '["10.88.0.1", "10.88.1.1", "10.88.2.1"]' \
		ip -n "$EU" addr add 10.88.2.1/24 dev mif1
}
tcase "an address added on EU reaches SG's view in one INFORMATIONAL exchange" added

removed() {
	announced '["10.88.0.1", "10.88.1.1"]' \
		ip -n "$EU" addr del 10.88.2.1/24 dev mif1
}
tcase "an address removed on EU leaves SG's view in one INFORMATIONAL exchange" removed

# IPv6 on an IPv4 IKE SA: announced all the same (nodad: usable at once).
other_family() {
	announced '["10.88.0.1", "10.88.1.1", "2001:db8:77::1"]' \
		ip -n "$EU" addr add 2001:db8:77::1/64 dev mif1 nodad &&
		want "$SG" "$SG_SOCK" "[.mif.peer_interfaces[] |
			select(.addresses | index(\"2001:db8:77::1\")) |
			.addresses] == [[\"10.88.1.1\", \"2001:db8:77::1\"]]"
}
tcase "an IPv6 address added on EU reaches SG's view of the IPv4 IKE SA" other_family

link_down() {
	ip -n "$SG" link set pmif1 down &&
		want "$EU" "$EU_SOCK" \
			"[.mif.peer_interfaces[] | select(.down) | .addresses[]] == [\"10.88.1.2\"]"
}
tcase "a link down on SG is flagged down in EU's view" link_down

text() {
	eu ike list | grep -q "mif: version 1" &&
		eu ike list | grep -q "peer #.* down: 10.88.1.2"
}
tcase "mifctl ike list prints both lists" text

stop() { mifd_stop; }
tcase "both mifd exit 0" stop
ksft_exit
