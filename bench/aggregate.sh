#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): aggregation over three interfaces, the draft's
# figure 1. Two mifd, EU and SG, joined by three veth pairs; one IKE SA
# with per_interface = yes and three inner addresses, a Child SA on each
# pair carrying one of them (bench/lib.sh, fig1_*). Each link is shaped
# to the same rate, both ways (tbf on both ends of each veth), and three
# bulk TCP flows go from EU to 10.99.0.1 in SG:
#
#   one link     the three flows from 10.9.0.1: all over pair 0's Child SA
#   three links  one flow from each of 10.9.0.1, .2 and .3: each over its
#                own pair's Child SA
#
# Goodput is the TCP payload the receiver got in a window of
# MIF_BENCH_SECONDS (default 20) after 3 s of warm-up (bench/tcp_goodput.c);
# ESP packets leaving each veth of EU are counted by nftables, to show
# where the flows went. The same four rows unshaped first: what the
# emulated CPU can encrypt, so that the shaped rate can be chosen well
# below it (the links, not the CPU, must be the bottleneck). Each figure
# is the median of MIF_BENCH_ROUNDS rounds (default 3).
#
# Build on the host first (the VM's root is read-only), then run in the VM:
#   make -j2 user tools && make -C bench
#   tools/vm/run -k debian -m 3072 -t 1800 -- bench/aggregate.sh
# Environment, given inside the VM (tools/vm/run -- env MIF_BENCH_RATE=4
# bench/aggregate.sh): MIF_BENCH_RATE, each link's rate in Mbit/s
# (default 5), MIF_BENCH_SECONDS, MIF_BENCH_ROUNDS.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../selftests/lib.sh"
source "$here/../selftests/interop/lib.sh"	# mifd_*; sets an EXIT trap
source "$here/lib.sh"

rate=${MIF_BENCH_RATE:-5}
secs=${MIF_BENCH_SECONDS:-20}
rounds=${MIF_BENCH_ROUNDS:-3}
warmup=3
[[ $rate =~ ^[1-9][0-9]*$ ]] || { echo "bench: MIF_BENCH_RATE must be Mbit/s" >&2; exit 2; }
[[ $secs =~ ^[1-9][0-9]*$ ]] || { echo "bench: MIF_BENCH_SECONDS must be seconds" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench: MIF_BENCH_ROUNDS must be 1 or more" >&2; exit 2; }

TG=$REPO_DIR/build/bench/tcp_goodput
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (run it in the VM)" >&2; exit 2; }
command -v nft >/dev/null && command -v jq >/dev/null && command -v tc >/dev/null ||
	{ echo "bench: needs nft, jq and tc" >&2; exit 2; }
if [ ! -x "$TG" ] || [ "$here/tcp_goodput.c" -nt "$TG" ]; then
	echo "bench: $TG missing or stale: run 'make -C bench' on the host" >&2
	exit 1
fi
[ -x "$MIFD" ] && [ -x "$MIFCTL" ] || { echo "bench: build mifd and mifctl first (make)" >&2; exit 1; }

T=$(mifd_tmpdir)
modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
modprobe -q sch_tbf 2>/dev/null
fig1_up || { echo "bench: cannot set up the namespaces" >&2; exit 1; }
esp_counters "$EU" || { echo "bench: cannot load the nftables counters" >&2; exit 1; }
fig1_mifd_up "$T" || {
	echo "bench: the three Child SAs do not come up" >&2
	tail -n 20 "$T/eu.sock.log" "$T/sg.sock.log" >&2
	exit 1
}

# shape RATE|off: each link at RATE Mbit/s each way, or unshaped. The
# bucket holds 32 KiB (tbf needs at least a timer tick's worth of bytes)
# and its queue 100 ms at RATE.
shape() {
	local k
	for k in 0 1 2; do
		if [ "$1" = off ]; then
			tc -n "$EU" qdisc del dev "mif$k" root 2>/dev/null
			tc -n "$SG" qdisc del dev "pmif$k" root 2>/dev/null
		else
			tc -n "$EU" qdisc replace dev "mif$k" root tbf rate "${1}mbit" burst 32k latency 100ms &&
				tc -n "$SG" qdisc replace dev "pmif$k" root tbf rate "${1}mbit" burst 32k latency 100ms ||
				return 1
		fi
	done
}

port=5000
# measure SRC SRC SRC: three flows from these inner addresses; prints
# "TOTAL FLOW1 FLOW2 FLOW3 ESP0 ESP1 ESP2" (Mbit/s; ESP packets out of
# mif0..2 during the run).
measure() {
	local out k src line
	local -a before=() after=() pids=() fl=()
	port=$((port + 1))
	for k in 0 1 2; do before[k]=$(esp_packets "$EU" "out$k"); done
	ip netns exec "$SG" "$TG" recv 10.99.0.1 "$port" 3 "$warmup" "$secs" >"$T/recv.out" 2>&1 &
	local rpid=$!
	sleep 0.5
	for src in "$@"; do
		ip netns exec "$EU" "$TG" send "$src" 10.99.0.1 "$port" $((warmup + secs + 10)) \
			2>>"$T/send.err" &
		pids+=($!)
	done
	wait "$rpid"
	for k in "${pids[@]}"; do wait "$k"; done
	for k in 0 1 2; do after[k]=$(esp_packets "$EU" "out$k"); done
	out=$(grep '^total ' "$T/recv.out" | sed 's/.*mbit=\([0-9.]*\).*/\1/')
	while read -r line; do
		fl+=("${line##*mbit=}")
	done < <(grep '^flow ' "$T/recv.out")
	if [ -z "$out" ] || [ ${#fl[@]} -ne 3 ]; then
		echo "# run from $*: $(cat "$T/recv.out" "$T/send.err" 2>/dev/null | tr '\n' ' ')" >&2
		echo "n/a n/a n/a n/a 0 0 0"
		return
	fi
	echo "$out ${fl[*]} $((after[0] - before[0])) $((after[1] - before[1])) $((after[2] - before[2]))"
}

declare -A total flows esp
run() {	# run KEY SRC SRC SRC
	local -a r
	read -r -a r <<<"$(measure "${@:2}")"
	total[$1]+=" ${r[0]}"
	flows[$1]="${r[1]} / ${r[2]} / ${r[3]}"
	esp[$1]="${r[4]} / ${r[5]} / ${r[6]}"
	echo "# $1: ${r[0]} Mbit/s, flows ${flows[$1]}, ESP out on mif0/1/2 ${esp[$1]}" >&2
}

for ((round = 1; round <= rounds; round++)); do
	echo "# round $round of $rounds" >&2
	shape off
	run cpu,1 10.9.0.1 10.9.0.1 10.9.0.1
	run cpu,3 10.9.0.1 10.9.0.2 10.9.0.3
	shape "$rate" || { echo "bench: cannot shape the links (sch_tbf?)" >&2; exit 1; }
	run link,1 10.9.0.1 10.9.0.1 10.9.0.1
	run link,3 10.9.0.1 10.9.0.2 10.9.0.3
done
shape off
fig1_mifd_down

median() {	# median VALUE...: the median, "n/a" without values
	printf '%s\n' "$@" | grep -v n/a | sort -g | awk '{ v[NR] = $1 }
		END { if (!NR) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() {	# ratio A B: A / B, "n/a" if either is
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2fx\n", a / b }'
}

echo
echo "aggregate: figure 1, mifd to mifd, per_interface = yes, a Child SA per pair (ESP aes256gcm16, tunnel mode)"
echo "three bulk TCP flows EU -> SG; one link: all three from 10.9.0.1 (pair 0's SA); three links: one from each of 10.9.0.1-3"
echo "goodput: TCP payload received in ${secs} s after ${warmup} s of warm-up; median of $rounds rounds"
printf '%-16s  %-11s  %14s  %-24s  %-20s\n' "rate per link" links "goodput Mbit/s" "per flow (last round)" "ESP out mif0/1/2"
for key in cpu link; do
	if [ "$key" = cpu ]; then r="unshaped"; else r="$rate Mbit/s"; fi
	for n in 1 3; do
		# shellcheck disable=SC2086
		printf '%-16s  %-11s  %14s  %-24s  %-20s\n' "$r" "$n" \
			"$(median ${total[$key,$n]})" "${flows[$key,$n]}" "${esp[$key,$n]}"
	done
done
for key in cpu link; do
	# shellcheck disable=SC2086
	echo "ratio three links / one link, $([ $key = cpu ] && echo unshaped || echo "$rate Mbit/s"): $(ratio "$(median ${total[$key,3]})" "$(median ${total[$key,1]})")"
done
for key in cpu link; do
	for n in 1 3; do
		echo "runs: $key $n links: Mbit/s${total[$key,$n]}"
	done
done
exit 0
