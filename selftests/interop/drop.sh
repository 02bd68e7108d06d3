#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Drop policies without a trap (failure_shunt, daemon/on_demand.h),
# between two mifd, once with xfrm_mif loaded and once without: EU's
# connection is started (start = yes), with DPD and neither start,
# dpd_action nor close_action = trap. SG's mifd is then killed (SIGKILL)
# and its kernel flushed, as a reboot leaves it: after EU's DPD the
# policies of the flow (172.31.1.1 -> 172.31.2.1) stay as drops, and
# nftables on SG's side of the wire count none of EU's pings in clear.
# ike down removes the drops: the same pings then go in clear (so the
# counter does see them). With failure_shunt = pass, after DPD the
# pings go in clear, as the routing table sends them.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh drop.sh
TEST_NAME=drop
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"

interop_start ip jq nft ping

PSK=0x6d69662d696e7465726f702d746573742d6b6579

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
	retransmit_base = 300ms
	retransmit_tries = 2
	CONF
	shift 4
	printf '%s\n' "$@"
}

# setup [LINE...]: namespaces, wire counters, both mifd; EU's
# connection gets the lines.
setup() {
	T=$(mifd_tmpdir)/drop
	mkdir -p "$T" || return 1
	EU_SOCK=$T/eu.sock
	SG_SOCK=$T/sg.sock
	make_netns EU && make_netns SG || return 1
	ip -n "$EU" link add rt0 type veth peer name prt0 netns "$SG" &&
		ip -n "$EU" addr add 10.93.0.1/24 dev rt0 &&
		ip -n "$SG" addr add 10.93.0.2/24 dev prt0 &&
		ip -n "$EU" link set rt0 up && ip -n "$SG" link set prt0 up &&
		ip -n "$EU" addr add 172.31.1.1/32 dev lo &&
		ip -n "$SG" addr add 172.31.2.1/32 dev lo &&
		ip -n "$EU" route add 172.31.2.0/24 via 10.93.0.2 src 172.31.1.1 &&
		ip -n "$SG" route add 172.31.1.0/24 via 10.93.0.1 src 172.31.2.1 ||
		return 1
	# A tunnel-mode packet ESP brought is received again on prt0 once
	# decapsulated, with a secpath: clear is only what came without one.
	ip netns exec "$SG" nft -f - <<-'NFT' || return 1
	table netdev wire {
		counter esp_in { }
		counter clear_in { }
		chain in {
			type filter hook ingress device "prt0" priority 0; policy accept;
			ip protocol esp counter name "esp_in"
			meta secpath missing ip protocol icmp ip daddr 172.31.2.0/24 counter name "clear_in"
		}
	}
	NFT
	conf 10.93.0.1 10.93.0.2 172.31.1.0/24 172.31.2.0/24 "start = yes" \
		"dpd = 1" "$@" >"$T/eu.conf"
	conf 10.93.0.2 10.93.0.1 172.31.2.0/24 172.31.1.0/24 "dpd = 0" \
		>"$T/sg.conf"
	mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		mifd_start "$EU" "$T/eu.conf" "$EU_SOCK"
}

teardown() {
	mifd_stop >/dev/null 2>&1
	ksft_cleanup
	ksft_netns=()
	[ -n "${T:-}" ] && rm -rf "$T"
}

wire() {
	ip netns exec "$SG" nft -j list counter netdev wire "$1" |
		jq '.nftables[] | select(.counter) | .counter.packets'
}
eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
out_policy() {
	ip -n "$EU" xfrm policy list dir out src 172.31.1.0/24 dst 172.31.2.0/24
}
# dropped: EU's outbound policy has a drop's reqid (block 0, engine/trap.h).
dropped() {
	local r
	r=$(out_policy | sed -n 's/.*reqid \([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$r" ] && [ "$r" -lt 4096 ]
}
logged() {	# logged TEXT [SECS]
	wait_until "${2:-10}" grep -q "$1" "$EU_SOCK.log" && return 0
	echo "not logged: $1"
	return 1
}
pings() {	# pings N: N pings from EU's side; true if one was answered
	ip netns exec "$EU" ping -q -c "$1" -i 0.3 -W 1 172.31.2.1 >/dev/null
}
# kill_sg: SG's mifd killed and its kernel flushed; EU's DPD gives up
# (eu_alone: EU has no IKE SA left).
eu_alone() { eu -j ike list | jq -e '.ike_sas | length == 0' >/dev/null; }
kill_sg() {
	mifd_crash "$SG" "$SG_SOCK" &&
		ip -n "$SG" xfrm state flush && ip -n "$SG" xfrm policy flush ||
		return 1
	wait_until 20 eu_alone && return 0
	echo "EU's IKE SA still there"
	return 1
}

round() {
	local r=$1
	up() {
		mifd_wait_established "$EU" "$EU_SOCK" r 30 &&
			logged "conn r: drop policies installed (behind its SAs)" &&
			pings 3 && [ "$(wire esp_in)" -ge 3 ] && ! dropped
	}
	tcase "$r: up, a drop behind the Child SA" up || return

	no_clear() {
		kill_sg &&
			logged "its traffic is dropped (failure_shunt = drop)" 5 &&
			dropped &&
			ip netns exec "$SG" nft reset counter netdev wire clear_in >/dev/null &&
			! pings 10 &&
			echo "clear after DPD: $(wire clear_in)" &&
			[ "$(wire clear_in)" -eq 0 ] && dropped
	}
	tcase "$r: SG killed: after DPD the pings are dropped, none in clear" no_clear

	unload() {
		eu ike down r >/dev/null &&
			logged "conn r: drop policies removed (ike down)" &&
			sleep 1 && [ -z "$(out_policy)" ] &&
			pings 3 &&
			echo "clear after ike down: $(wire clear_in)" &&
			[ "$(wire clear_in)" -ge 3 ]
	}
	tcase "$r: ike down removes the drop (then the pings go in clear)" unload
}

pass_round() {
	local r=$1
	pass() {
		mifd_wait_established "$EU" "$EU_SOCK" r 30 &&
			pings 3 && [ "$(wire clear_in)" -eq 0 ] &&
			! grep -q "drop policies installed" "$EU_SOCK.log" &&
			kill_sg && sleep 1 && [ -z "$(out_policy)" ] &&
			pings 3 &&
			echo "clear after DPD: $(wire clear_in)" &&
			[ "$(wire clear_in)" -ge 3 ]
	}
	tcase "$r: failure_shunt = pass: after DPD the routing table's (in clear)" pass
}

run_round() {	# run_round NAME FN [LINE...]
	local name=$1 fn=$2
	shift 2
	if setup "$@"; then
		"$fn" "$name"
	else
		skip "$TEST_NAME $name: all cases" "cannot set up the namespaces"
	fi
	teardown
}

if load_module 2>/dev/null; then
	run_round module round "failure_shunt = drop"
	run_round "module pass" pass_round "failure_shunt = pass"
else
	skip "$TEST_NAME module: all cases" "cannot load $MODULE"
fi
unload_module 2>/dev/null
run_round xfrm round "failure_shunt = drop"
run_round "xfrm pass" pass_round "failure_shunt = pass"
ksft_exit
