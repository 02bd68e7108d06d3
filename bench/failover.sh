#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): what a UDP stream loses when the interface its
# Child SA uses fails, with the module's kernel failover against mifd's
# dead peer detection, in the same run on the same topology.
#
# Topology: figure 1 with two mifd (bench/lib.sh, fig1_*): EU and SG
# joined by three veth pairs, one IKE SA on pair 0 with per_interface =
# yes, a Child SA on each pair, the one on mif0 carrying EU's inner
# address 10.9.0.1. EU routes by source address, as a host with several
# uplinks does: a rule and a table per interface, packets from 10.88.K.1
# leave by mifK or nowhere (an unreachable route behind the gateway's),
# so that an address whose link failed sends nothing. 10.99.0.0/24, SG's
# side, is routed over mif0, and over mif1 when mif0 is down.
#
# The stream: bench/udp_stream.c, 1,000 datagrams a second, numbered,
# from 10.9.0.1 in EU to 10.99.0.1 in SG over pair 0's Child SA, for
# MIF_BENCH_SECONDS (default 15); the failure comes 5 s after the start
# and lasts to the end. Lost: datagrams sent (or tried: a send that
# fails, no route, counts) that never arrived; gap: the longest time
# without one at the receiver (or, when the stream did not come back,
# from the last one to the end: "recovered" no). When the emulator
# deschedules the sender, the slots it missed are skipped, not sent in a
# burst, and counted apart: they are not losses of the path.
#
# Failures: "link down", ip link set mif0 down in EU; "silent loss",
# netem loss 100% on both ends of pair 0 (no link event: the link stays
# up, nothing is told). Responses:
#   none            no alternate, dpd = 0
#   kernel          the module (xfrm_mif, insmod'ed) with 10.88.1.1 as the
#                   alternate of 10.88.0.1 (mifctl alt set), dpd = 0: on
#                   the link event it moves EU's SAs and policies of
#                   10.88.0.1 to 10.88.1.1; SG's SAs stay as they are
#   dpd             no alternate; EU's mifd with dpd = 1s, dpd_action =
#                   restart, retransmit_base = 500ms, retransmit_tries = 2
#   peer update     the draft's MIF update from the peer: the failure is
#                   SG's (see below), SG sees its link go down, fails over
#                   (the module, as "kernel" in EU) and tells EU with
#                   MIF_MOVE (10.88.0.2 -> 10.88.1.2); EU checks that SG's
#                   new address answers (COOKIE2), then moves its SAs to
#                   10.88.0.2's alternate, and the stream follows; dpd = 0
#
# The peer update case runs last, on pair 0 rebuilt through a switch (a
# bridge in a third namespace, veths to EU's mif0 and SG's pmif0), so that
# SG's link going down (ip link set pmif0 down in SG) is SG's alone: EU's
# mif0 keeps its carrier and EU sees nothing but the update. For it, EU
# reaches SG's other links' networks over those links whatever the source
# address (table 10K routes 10.88.J.0/24 on mifJ, J != K: a host's
# on-link networks), and SG reaches 10.88.0.0/24 over pmif1 once pmif0 is
# down (a route of a higher metric): SG's update and EU's answers and ESP
# to 10.88.1.2 go over pair 1.
#
# Build on the host first (the VM's root is read-only), then run in the VM:
#   make -j2 module user tools && make -C bench
#   tools/vm/run -k debian -m 3072 -t 1800 -- bench/failover.sh
# (MIF_BENCH_SECONDS=S, 10 or more, inside the VM: tools/vm/run -- env
# MIF_BENCH_SECONDS=20 bench/failover.sh; MIF_BENCH_CASES="none,none
# peer,peer" runs only the cases named, as FAILURE,RESPONSE keys: none,none
# down,none down,kernel loss,kernel down,dpd loss,dpd peer,peer).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../selftests/lib.sh"
source "$here/../selftests/interop/lib.sh"	# mifd_*; sets an EXIT trap
source "$here/lib.sh"

secs=${MIF_BENCH_SECONDS:-15}
fail_at=5
pps=1000
[[ $secs =~ ^[1-9][0-9]*$ ]] && [ "$secs" -ge 10 ] ||
	{ echo "bench: MIF_BENCH_SECONDS must be 10 or more" >&2; exit 2; }

US=$REPO_DIR/build/bench/udp_stream
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (run it in the VM)" >&2; exit 2; }
command -v nft >/dev/null && command -v jq >/dev/null && command -v tc >/dev/null ||
	{ echo "bench: needs nft, jq and tc" >&2; exit 2; }
if [ ! -x "$US" ] || [ "$here/udp_stream.c" -nt "$US" ]; then
	echo "bench: $US missing or stale: run 'make -C bench' on the host" >&2
	exit 1
fi
[ -x "$MIFD" ] && [ -x "$MIFCTL" ] || { echo "bench: build mifd and mifctl first (make)" >&2; exit 1; }

T=$(mifd_tmpdir)
modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
modprobe -q sch_netem 2>/dev/null
have_module=1
load_module 2>/dev/null || { have_module=0; echo "# cannot load $MODULE (make module): kernel rows n/a" >&2; }
fig1_up || { echo "bench: cannot set up the namespaces" >&2; exit 1; }

# EU's routes (again after a case took mif0 down, which removed those
# through it).
eu_routes() {
	local k
	for k in 0 1 2; do
		ip -n "$EU" route replace default via "10.88.$k.2" dev "mif$k" table "10$k" &&
			ip -n "$EU" route replace unreachable default metric 4096 table "10$k" || return 1
	done
	ip -n "$EU" route replace 10.99.0.0/24 via 10.88.0.2 dev mif0 &&
		ip -n "$EU" route replace 10.99.0.0/24 via 10.88.1.2 dev mif1 metric 100
}
for k in 0 1 2; do
	ip -n "$EU" rule add from "10.88.$k.1" table "10$k" pref "10$k" ||
		{ echo "bench: cannot add EU's rules" >&2; exit 1; }
done
eu_routes || { echo "bench: cannot add EU's routes" >&2; exit 1; }

# SG counts the ESP that comes from EU's alternate to its address on
# pair 0, over pair 1.
ip netns exec "$SG" nft -f - <<'NFT' || { echo "bench: cannot load SG's counter" >&2; exit 1; }
table inet failover {
	counter alt { }
	chain input {
		type filter hook input priority 0; policy accept;
		iifname "pmif1" ip saddr 10.88.1.1 ip daddr 10.88.0.2 meta l4proto esp counter name "alt"
	}
}
NFT
alt_packets() {
	ip netns exec "$SG" nft -j list counter inet failover alt |
		jq '.nftables[] | select(.counter) | .counter.packets'
}
# sg_sa_packets: packets SG's SA 10.88.0.1 -> 10.88.0.2 took, and its SPI.
sg_sa_packets() {
	ip -n "$SG" -s xfrm state list src 10.88.0.1 dst 10.88.0.2 | awk '
		/^\tproto esp spi/ { spi = $4 }
		/lifetime current:/ { getline; sub(/\(packets\)/, "", $2); n = $2 }
		END { print (n == "" ? 0 : n), spi }'
}

# peer_topology: pair 0 through a switch, and the routes of the peer
# update case (see the top).
peer_topology() {
	local k j
	make_netns SW || return 1
	ip -n "$EU" link del mif0 &&
		ip -n "$EU" link add mif0 type veth peer name sw0 netns "$SW" &&
		ip -n "$SG" link add pmif0 type veth peer name sw1 netns "$SW" &&
		ip -n "$SW" link add br0 type bridge &&
		ip -n "$SW" link set sw0 master br0 && ip -n "$SW" link set sw1 master br0 &&
		ip -n "$SW" link set sw0 up && ip -n "$SW" link set sw1 up &&
		ip -n "$SW" link set br0 up &&
		ip -n "$EU" addr add 10.88.0.1/24 dev mif0 && ip -n "$SG" addr add 10.88.0.2/24 dev pmif0 &&
		ip -n "$EU" link set mif0 up && ip -n "$SG" link set pmif0 up || return 1
	eu_routes && ip -n "$SG" route replace 10.9.0.0/24 via 10.88.0.1 &&
		ip -n "$SG" route add 10.88.0.0/24 dev pmif1 metric 500 || return 1
	for k in 0 1 2; do
		for j in 0 1 2; do
			[ "$j" -eq "$k" ] || ip -n "$EU" route replace "10.88.$j.0/24" dev "mif$j" table "10$k" ||
				return 1
		done
	done
}

fail() {	# fail down|loss|peer
	if [ "$1" = down ]; then
		ip -n "$EU" link set mif0 down
	elif [ "$1" = peer ]; then
		ip -n "$SG" link set pmif0 down
	else
		tc -n "$EU" qdisc replace dev mif0 root netem loss 100% &&
			tc -n "$SG" qdisc replace dev pmif0 root netem loss 100%
	fi
}
repair() {
	tc -n "$EU" qdisc del dev mif0 root 2>/dev/null
	tc -n "$SG" qdisc del dev pmif0 root 2>/dev/null
	ip -n "$EU" link set mif0 up
	ip -n "$SG" link set pmif0 up
	eu_routes
	ip -n "$SG" route replace 10.9.0.0/24 via 10.88.0.1
}

# log_ms LOG PATTERN T0: when mifd logged the first line matching
# PATTERN, after T0 (ns, as now() gives it), by the line's own time
# stamp: "N ms", or "never" if no line matches.
log_ms() {
	local ts
	ts=$(grep -m 1 -e "$2" "$1" 2>/dev/null | cut -c 1-23)
	[ -n "$ts" ] && ts=$(date -d "$ts" +%s%3N 2>/dev/null) || { echo never; return; }
	echo "$((ts - $3 / 1000000)) ms"
}

declare -A res note
# run KEY FAILURE RESPONSE: one case, its row in res[KEY], what was seen
# in note[KEY].
run() {
	local key=$1 failure=$2 response=$3 t0 spid rpid mpid wpid r s a0 a1 x0 x1 spi more=""
	local -a conf=()
	case $response in
	dpd) conf=("dpd = 1s" "dpd_action = restart" "retransmit_base = 500ms" "retransmit_tries = 2") ;;
	kernel)
		if [ $have_module -eq 0 ]; then res[$key]="n/a"; note[$key]="module not loaded"; return; fi ;;
	esac
	rm -f "$T/eu.sock.log" "$T/sg.sock.log"
	if ! fig1_mifd_up "$T" "${conf[@]}"; then
		res[$key]="n/a"
		note[$key]="the Child SAs did not come up: $(tail -n 3 "$T/eu.sock.log" | tr '\n' ' ')"
		fig1_mifd_down
		return
	fi
	if [ "$response" = kernel ]; then
		ip netns exec "$EU" "$MIFCTL" alt set 10.88.0.1 10.88.1.1 ||
			{ res[$key]="n/a"; note[$key]="mifctl alt set failed"; fig1_mifd_down; return; }
		ip netns exec "$EU" timeout $((secs + 10)) "$MIFCTL" -j monitor count 1 >"$T/monitor" 2>&1 &
		mpid=$!
	fi
	a0=$(alt_packets)
	read -r x0 spi <<<"$(sg_sa_packets)"
	ip netns exec "$SG" "$US" recv 10.99.0.1 6000 "$pps" "$secs" >"$T/recv.out" 2>&1 &
	rpid=$!
	sleep 0.5
	ip netns exec "$EU" "$US" send 10.9.0.1 10.99.0.1 6000 "$pps" "$secs" >"$T/send.out" 2>&1 &
	spid=$!
	sleep "$fail_at"
	if [ "$failure" != none ]; then
		t0=$(now)
		fail "$failure"
		if [ "$response" = dpd ]; then
			# When EU's mifd declares SG dead, in ms from the failure.
			(
				for ((i = 0; i < secs * 20; i++)); do
					if grep -q 'peer not answering' "$T/eu.sock.log" 2>/dev/null; then
						echo $((($(now) - t0) / 1000000))
						exit 0
					fi
					sleep 0.05
				done
				echo never
			) >"$T/dpd.ms" &
			wpid=$!
		fi
	fi
	wait "$spid"
	wait "$rpid"
	r=$(cat "$T/recv.out") s=$(cat "$T/send.out")
	echo "# $key: $s; $r" >&2
	a1=$(alt_packets)
	read -r x1 _ <<<"$(sg_sa_packets)"
	res[$key]=$(awk '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	} END {
		if (v["sent"] != "" && v["received"] != "")
			print v["sent"] + v["send_errors"], v["skipped"],
			      v["sent"] + v["send_errors"] - v["received"], v["gap_ms"], v["recovered"]
	}' <<<"$s $r")
	[ -n "${res[$key]}" ] || res[$key]="n/a"
	if [ "$response" = kernel ]; then
		sleep 0.5
		kill "$mpid" 2>/dev/null
		wait "$mpid" 2>/dev/null
		more="module: $(grep -o '"event":"failover".*' "$T/monitor" | head -n 1 | tr -d '{}')"
		[ "$more" != "module: " ] || more="module: no failover event"
		more+="; EU's SAs from 10.88.1.1: $(ip -n "$EU" xfrm state | grep -c '^src 10\.88\.1\.1 dst 10\.88\.0\.2')"
		more+="; SG: $((a1 - a0)) ESP packets from 10.88.1.1 to 10.88.0.2 on pmif1, its SA 10.88.0.1 -> 10.88.0.2 (spi $spi) took $((x1 - x0))"
	fi
	if [ "$response" = dpd ] && [ -n "${wpid:-}" ]; then
		wait "$wpid"
		more="DPD declared SG dead $(cat "$T/dpd.ms") ms after the failure; restart attempts: $(grep -c 'initiating (restart)' "$T/eu.sock.log")"
		more+="; EU's IKE SAs established: $(mifd_ctl "$EU" "$T/eu.sock" -j ike list 2>/dev/null |
			jq '[.ike_sas[] | select(.state == "established")] | length')"
	fi
	if [ "$response" = peer ]; then
		# ms after the failure, by mifd's log time stamps (a watcher
		# polling the log adds its own delay under a loaded emulator).
		more="SG's mifd logged the kernel's failover at $(log_ms "$T/sg.sock.log" 'the kernel moved its SAs' "$t0")"
		more+=" (its own failover, without the module: $(log_ms "$T/sg.sock.log" 'address .* lost: .* moved' "$t0"));"
		more+=" EU moved SG's address at $(log_ms "$T/eu.sock.log" "moved the peer's .* 10\.88\.0\.2 -> 10\.88\.1\.2" "$t0")"
		more+=": $(grep -o "moved the peer's.*" "$T/eu.sock.log" | head -n 1)"
		more+="; EU's SAs to 10.88.1.2: $(ip -n "$EU" xfrm state | grep -c '^src 10\.88\.0\.1 dst 10\.88\.1\.2')"
	fi
	more+="${more:+; }send errors: $(sed -n 's/.*send_errors=\([0-9]*\).*/\1/p' <<<"$s")"
	note[$key]=$more
	[ "$response" != kernel ] || ip netns exec "$EU" "$MIFCTL" alt del 10.88.0.1 >/dev/null 2>&1
	fig1_mifd_down
	repair
	sleep 1
}

# wanted KEY: whether MIF_BENCH_CASES (default: all) names the case.
wanted() { [ -z "${MIF_BENCH_CASES:-}" ] || [[ " $MIF_BENCH_CASES " == *" $1 "* ]]; }
case_run() { if wanted "$1"; then run "$@"; else res[$1]="n/a" note[$1]="not run"; fi; }

case_run none,none none none
case_run down,none down none
case_run down,kernel down kernel
case_run loss,kernel loss kernel
case_run down,dpd down dpd
case_run loss,dpd loss dpd
if ! wanted peer,peer; then
	res[peer,peer]="n/a" note[peer,peer]="not run"
elif peer_topology; then
	run peer,peer peer peer
else
	res[peer,peer]="n/a" note[peer,peer]="cannot rebuild pair 0 through a switch"
fi

row() {	# row FAILURE RESPONSE KEY
	local -a r
	read -r -a r <<<"${res[$3]}"
	printf '%-12s  %-22s  %6s  %7s  %6s  %8s  %9s\n' "$1" "$2" "${r[0]:-n/a}" \
		"${r[1]:-n/a}" "${r[2]:-n/a}" "${r[3]:-n/a}" "${r[4]:-n/a}"
}
echo
echo "failover: figure 1, mifd to mifd, per_interface = yes; a UDP stream of $pps datagrams/s for $secs s"
echo "from 10.9.0.1 in EU to SG over pair 0's Child SA (ESP aes256gcm16, tunnel mode); pair 0 fails ${fail_at} s after the start"
echo "sent: datagrams sent or tried (a send that fails counts); skipped: slots the sender, running late, left out"
echo "lost: sent that never arrived; gap: the longest time without one at the receiver"
printf '%-12s  %-22s  %6s  %7s  %6s  %8s  %9s\n' failure response sent skipped lost "gap ms" recovered
row "(none)" "(baseline)" none,none
row "link down" "none" down,none
row "link down" "kernel failover" down,kernel
row "silent loss" "kernel failover" loss,kernel
row "link down" "DPD, restart" down,dpd
row "silent loss" "DPD, restart" loss,dpd
row "SG link down" "MIF update from peer" peer,peer
for key in none,none down,none down,kernel loss,kernel down,dpd loss,dpd peer,peer; do
	echo "$key: ${note[$key]}"
done
exit 0
