#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): delete every SA of one address, for N SAs, by one
# xfrm_mif call against per-SA XFRM_MSG_DELSA (one `ip -batch` run, which is
# what a per-SA key manager does at best: one netlink round trip per SA).
# Run in the VM:  tools/vm/run -m 6144 -t 1800 -- bench/delete.sh [N...]
# MIF_BENCH_ROUNDS (default 3): each figure up to 10,000 SAs is the fastest
# of that many rounds.
source "$(dirname "$0")/../selftests/lib.sh"
source "$(dirname "$0")/lib.sh"
set -e
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
rounds=${MIF_BENCH_ROUNDS:-3}

modprobe -q xfrm_user
load_module
make_netns NS
# add N: N tunnel-mode SAs from 10.1.1.1 (null cipher: only the bookkeeping
# is measured, which is what both methods share), each with its own reqid as
# a key manager gives each Child SA: with one reqid for all, every add walks
# one ever longer hash chain and set-up, not deletion, dominates. SPIs are
# random, as a key manager's are (bench/lib.sh spis).
add() {
	local i=0 spi
	spis "$1" /tmp/spis
	while read -r spi; do
		i=$((i + 1))
		echo "xfrm state add src 10.1.1.1 dst 10.1.1.2 proto esp spi $spi reqid $i mode tunnel enc cipher_null \"\""
	done </tmp/spis >/tmp/add.batch
	ip -n "$NS" -batch /tmp/add.batch
	settle
}

# once N: one round of both methods; sets mif and per (ns).
once() {
	local n=$1 spi t0 t1 t2 t3 left
	add "$n"
	t0=$(now)
	ip netns exec "$NS" "$MIFCTL" delete 10.1.1.1 >/dev/null
	t1=$(now)
	left=$(ip -n "$NS" xfrm state count 2>/dev/null | grep -o '[0-9]*' | head -1)
	[ -z "$left" ] || [ "$left" -eq 0 ] || { echo "bench: $left SAs left" >&2; exit 1; }

	add "$n"
	while read -r spi; do
		echo "xfrm state delete src 10.1.1.1 dst 10.1.1.2 proto esp spi $spi"
	done </tmp/spis >/tmp/del.batch
	t2=$(now)
	ip -n "$NS" -batch /tmp/del.batch
	t3=$(now)
	mif=$((t1 - t0)) per=$((t3 - t2))
}

# measure N: prints one row, each method's fastest of $rounds rounds (one
# round above 10,000 SAs); the first call warms up TCG's translations.
measure() {
	local n=$1 r k=$rounds best_mif= best_per=
	[ "$n" -le 10000 ] || k=1
	for ((r = 0; r < k; r++)); do
		once "$n"
		[ -n "$best_mif" ] && [ "$best_mif" -le "$mif" ] || best_mif=$mif
		[ -n "$best_per" ] && [ "$best_per" -le "$per" ] || best_per=$per
	done
	[ "${2:-}" = quiet ] && return
	awk -v n="$n" -v a="$best_mif" -v b="$best_per" 'BEGIN {
		printf "%8d  %14.3f  %14.3f  %12.1f  %12.1f  %6.1fx\n",
			n, a / 1e9, b / 1e9, a / 1e3 / n, b / 1e3 / n, b / a }'
}

measure 500 quiet
printf '%8s  %14s  %14s  %12s  %12s  %7s\n' N "xfrm_mif (s)" "per-SA (s)" "mif us/SA" "per-SA us/SA" ratio
for n in "${sizes[@]}"; do
	measure "$n"
done
