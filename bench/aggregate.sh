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
# MIF_BENCH_SECONDS (default 10) after 3 s of warm-up (bench/tcp_goodput.c);
# ESP packets leaving each veth of EU are counted by nftables, to show
# where the flows went (mif0, mif1, mif2). Right after the shaped runs,
# the same unshaped: what the emulated CPU could encrypt meanwhile; the
# links, not the CPU, must be the bottleneck, and a round where the
# unshaped three links carried less than 1.5 times the shaped ones' rate
# is marked CPU-bound. MIF_BENCH_ROUNDS rounds (default 5), each printed,
# and the median of the ratios.
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
secs=${MIF_BENCH_SECONDS:-10}
rounds=${MIF_BENCH_ROUNDS:-5}
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
	# Bounded: a flow whose connection never comes must not hold the run.
	ip netns exec "$SG" timeout $((warmup + secs + 60)) \
		"$TG" recv 10.99.0.1 "$port" 3 "$warmup" "$secs" >"$T/recv.out" 2>&1 &
	local rpid=$!
	sleep 0.5
	for src in "$@"; do
		ip netns exec "$EU" timeout -k 5 $((warmup + secs + 60)) \
			"$TG" send "$src" 10.99.0.1 "$port" $((warmup + secs + 10)) 2>>"$T/send.err" &
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

# run KEY SRC SRC SRC: one run; its goodput in total[KEY], its flows and
# ESP packets in flows[KEY] and esp[KEY].
declare -A total flows esp
run() {
	local -a r
	read -r -a r <<<"$(measure "${@:2}")"
	total[$1]=${r[0]}
	flows[$1]="${r[1]} / ${r[2]} / ${r[3]}"
	esp[$1]="${r[4]} / ${r[5]} / ${r[6]}"
	echo "# $1: ${r[0]} Mbit/s, flows ${flows[$1]}, ESP out on mif0/1/2 ${esp[$1]}" >&2
}

ratio() {	# ratio A B: A / B, "n/a" if either is
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f\n", a / b }'
}
median() {	# median VALUE...: the median, "n/a" without values
	printf '%s\n' "$@" | grep -v '^n/a$' | sort -g | awk '{ v[NR] = $1 }
		END { if (!NR) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Each round: the shaped runs, one link then three, and right after them
# the same unshaped, three links then one: what the CPU could encrypt
# meanwhile. The host's other work changes that from minute to minute, so
# each round says whether its shaped runs had room: the unshaped three
# links carried at least 1.5 times the three shaped links' rate (else
# "CPU-bound", and the ratio measures the CPU, not the links).
rows=() ratios=() free=()
for ((round = 1; round <= rounds; round++)); do
	echo "# round $round of $rounds" >&2
	shape "$rate" || { echo "bench: cannot shape the links (sch_tbf?)" >&2; exit 1; }
	run link,1 10.9.0.1 10.9.0.1 10.9.0.1
	run link,3 10.9.0.1 10.9.0.2 10.9.0.3
	shape off
	run cpu,3 10.9.0.1 10.9.0.2 10.9.0.3
	run cpu,1 10.9.0.1 10.9.0.1 10.9.0.1
	x=$(ratio "${total[link,3]}" "${total[link,1]}")
	bound=$(awk -v c="${total[cpu,3]}" -v r="$rate" 'BEGIN {
		print (c == "n/a" || c < 1.5 * 3 * r) ? "CPU-bound" : "links" }')
	ratios+=("$x")
	[ "$bound" = links ] && free+=("$x")
	rows+=("$(printf '%5s  %14s  %16s  %5s  %17s  %18s  %-9s  %-20s  %-20s' "$round" \
		"${total[link,1]}" "${total[link,3]}" "$x" "${total[cpu,1]}" "${total[cpu,3]}" \
		"$bound" "${esp[link,1]}" "${esp[link,3]}")")
done
fig1_mifd_down

echo
echo "aggregate: figure 1, mifd to mifd, per_interface = yes, a Child SA per pair (ESP aes256gcm16, tunnel mode)"
echo "each link shaped to $rate Mbit/s each way (tbf on both ends); three bulk TCP flows EU -> SG"
echo "one link: all three from 10.9.0.1 (pair 0's SA); three links: one from each of 10.9.0.1-3 (each pair's SA)"
echo "goodput: TCP payload received in ${secs} s after ${warmup} s of warm-up, Mbit/s; unshaped: the same right after"
printf '%5s  %14s  %16s  %5s  %17s  %18s  %-9s  %-20s  %-20s\n' round "one link" "three links" ratio \
	"unshaped one" "unshaped three" "bound by" "ESP out, one link" "ESP out, three"
printf '%s\n' "${rows[@]}"
echo "rate per link: $rate Mbit/s; three links / one link: median $(median "${ratios[@]}") over $rounds rounds," \
	"$(median "${free[@]}") over the ${#free[@]} not CPU-bound"
exit 0
