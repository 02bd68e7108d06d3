#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A trapped child brought up again on its IKE SA (engine_child_up()),
# between two mifd, once with xfrm_mif loaded and once without: EU's
# connection is trapped (start = trap) and a ping brings it up. SG then
# deletes the Child SA (mifctl ike child down), the IKE SA staying: EU's
# policies fall back to the trap, and the next packets of the flow
# bring the child back with one CREATE_CHILD_SA on the same IKE SA (its
# SPIs unchanged, no second IKE_SA_INIT), the pings are answered again,
# and nftables on SG's side of the wire count none of EU's pings in
# clear in between. Last, mifctl ike child up by hand from SG, the
# responder, after another child down.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh child_up.sh
TEST_NAME=child_up
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"

interop_start ip jq nft ping

PSK=0x6d69662d696e7465726f702d746573742d6b6579

setup() {
	T=$(mifd_tmpdir)/child_up
	mkdir -p "$T" || return 1
	EU_SOCK=$T/eu.sock
	SG_SOCK=$T/sg.sock
	make_netns EU && make_netns SG || return 1
	ip -n "$EU" link add rt0 type veth peer name prt0 netns "$SG" &&
		ip -n "$EU" addr add 10.92.0.1/24 dev rt0 &&
		ip -n "$SG" addr add 10.92.0.2/24 dev prt0 &&
		ip -n "$EU" link set rt0 up && ip -n "$SG" link set prt0 up &&
		ip -n "$EU" addr add 172.31.1.1/32 dev lo &&
		ip -n "$SG" addr add 172.31.2.1/32 dev lo &&
		ip -n "$EU" route add 172.31.2.0/24 via 10.92.0.2 src 172.31.1.1 &&
		ip -n "$SG" route add 172.31.1.0/24 via 10.92.0.1 src 172.31.2.1 ||
		return 1
	# The kernel's larval state of an acquire blocks the next acquire
	# of the flow while it lives (30 s by default): keep it short.
	ip netns exec "$EU" sysctl -qw net.core.xfrm_acq_expires=3
	# The wire, as SG receives it: IKE, ESP, and EU's pings in clear.
	# A tunnel-mode packet ESP brought is received again on prt0 once
	# decapsulated, with a secpath: clear is only what came without one.
	ip netns exec "$SG" nft -f - <<-'NFT' || return 1
	table netdev wire {
		counter ike_in { }
		counter esp_in { }
		counter clear_in { }
		counter icmp_in { }
		chain in {
			type filter hook ingress device "prt0" priority 0; policy accept;
			udp dport { 500, 4500 } counter name "ike_in"
			ip protocol esp counter name "esp_in"
			meta secpath missing ip protocol icmp ip daddr 172.31.2.0/24 counter name "clear_in"
			ip protocol icmp ip daddr 172.31.2.0/24 counter name "icmp_in"
		}
	}
	NFT
	conf 10.92.0.1 10.92.0.2 172.31.1.0/24 172.31.2.0/24 "start = trap" \
		>"$T/eu.conf"
	conf 10.92.0.2 10.92.0.1 172.31.2.0/24 172.31.1.0/24 >"$T/sg.conf"
	mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		mifd_start "$EU" "$T/eu.conf" "$EU_SOCK"
}

teardown() {
	mifd_stop >/dev/null 2>&1
	ksft_cleanup
	ksft_netns=()
	[ -n "${T:-}" ] && rm -rf "$T"
}

conf() {	# conf ME PEER LOCAL_TS REMOTE_TS [LINE...]
	cat <<-CONF
	[mifd]
	log_level = debug

	[conn r]
	local = $1
	remote = $2
	psk = $PSK
	local_ts = $3
	remote_ts = $4
	dpd = 0
	retransmit_base = 300ms
	retransmit_tries = 3
	CONF
	shift 4
	printf '%s\n' "$@"
}

# wire NAME: SG's counter NAME, nft's text read by bash (no jq: each
# process is slow under emulation, and the ping loop below asks often).
wire() {
	local k v _
	while read -r k v _; do
		[ "$k" = packets ] && { echo "$v"; return 0; }
	done < <(ip netns exec "$SG" nft list counter netdev wire "$1")
	return 1
}
# now: the time as HH:MM:SS.mmm, without date(1).
now() { printf '%(%T)T.%s' -1 "${EPOCHREALTIME: -6:3}"; }
eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }

# The IKE SA's SPIs as EU lists it, how many Child SAs it has, and
# whether that is N (n_child_is N).
ike_spis() { eu -j ike list | jq -r '.ike_sas[] | "\(.spi_i) \(.spi_r)"'; }
n_child() { eu -j ike list | jq '[.ike_sas[].children[]] | length'; }
n_child_is() { [ "$(n_child)" -eq "$1" ]; }

# trapped: EU's outbound policy of the flow has a trap's reqid (block 0).
trapped() {
	local r
	r=$(ip -n "$EU" xfrm policy list dir out src 172.31.1.0/24 dst 172.31.2.0/24 |
		sed -n 's/.*reqid \([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$r" ] && [ "$r" -lt 4096 ]
}

# logged SOCK TEXT [SECS]: poll until the log of SOCK has TEXT.
logged() {
	wait_until "${3:-10}" grep -q "$2" "$1.log" && return 0
	echo "not logged: $2"
	return 1
}

# pings_until_answered SECS: ping until one is answered; each failed
# one notes the time, EU's SAs (larval ones too) and the wire's count.
pings_until_answered() {
	local i
	for i in $(seq "$1"); do
		ip netns exec "$EU" ping -q -c 1 -W 1 172.31.2.1 >/dev/null && return 0
		echo "$(now) no answer; EU states: $(ip -n "$EU" xfrm state | grep -c '^src'), clear: $(wire clear_in), out policy reqid: $(ip -n "$EU" xfrm policy list dir out src 172.31.1.0/24 dst 172.31.2.0/24 | sed -n 's/.*reqid \([0-9]*\).*/\1/p')"
	done
	return 1
}

round() {
	local r=$1 spis before esp
	tcase_up() {
		logged "$EU_SOCK" "conn r: trap policies installed" &&
			pings_until_answered 30 &&
			mifd_wait_established "$EU" "$EU_SOCK" r 30 &&
			! trapped && [ "$(n_child)" -eq 1 ]
	}
	tcase "$r: a ping brings the trapped tunnel up" tcase_up || return

	spis=$(ike_spis)
	tcase_back() {
		ip netns exec "$SG" nft reset counter netdev wire clear_in >/dev/null &&
			sg ike child down r || return 1
		wait_until 5 n_child_is 0
		[ "$(n_child)" -eq 0 ] && trapped || { echo "child not gone"; return 1; }
		echo "$(now) child gone; clear: $(wire clear_in); acq_expires: $(ip netns exec "$EU" sysctl -n net.core.xfrm_acq_expires)"
		ip -n "$EU" xfrm state
		esp=$(wire esp_in)
		pings_until_answered 40 &&
			logged "$EU_SOCK" "child up on IKE SA" 5 &&
			echo "SPIs before: $spis, after: $(ike_spis); clear: $(wire clear_in), ICMP with or without ESP: $(wire icmp_in)" &&
			[ "$(ike_spis)" = "$spis" ] &&
			[ "$(grep -c "conn r: initiating" "$EU_SOCK.log")" -eq 1 ] &&
			! trapped && [ "$(n_child)" -eq 1 ] &&
			[ "$(wire esp_in)" -gt "$esp" ] &&
			[ "$(wire clear_in)" -eq 0 ]
	}
	tcase "$r: deleted by the peer, the next packet brings the child back on the same IKE SA, none in clear" tcase_back

	tcase_by_hand() {
		ip netns exec "$SG" nft reset counter netdev wire clear_in >/dev/null &&
			! eu ike child up r 2>/dev/null &&
			eu ike child up nosuch 2>&1 | grep -q "no established IKE SA" &&
			sg ike child down r || return 1
		wait_until 5 n_child_is 0
		[ "$(n_child)" -eq 0 ] &&
			sg -j ike child up r | jq -e '.started | length == 1' >/dev/null ||
			return 1
		wait_until 20 n_child_is 1
		[ "$(n_child)" -eq 1 ] && [ "$(ike_spis)" = "$spis" ] &&
			ip netns exec "$EU" ping -q -c 3 -W 2 172.31.2.1 >/dev/null &&
			[ "$(wire clear_in)" -eq 0 ]
	}
	tcase "$r: mifctl ike child up by hand, from the responder" tcase_by_hand
}

run_round() {
	if setup; then
		round "$1"
	else
		skip "$TEST_NAME $1: all cases" "cannot set up the namespaces"
	fi
	teardown
}

if load_module 2>/dev/null; then
	run_round module
else
	skip "$TEST_NAME module: all cases" "cannot load $MODULE"
fi
unload_module 2>/dev/null
run_round xfrm
ksft_exit
