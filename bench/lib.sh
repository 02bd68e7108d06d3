#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the benchmarks share, sourced after selftests/lib.sh.

now() { date +%s%N; }

# pss PID: Pss in KiB (VmRSS where smaps_rollup is missing).
pss() {
	local v
	v=$(awk '/^Pss:/ { print $2; exit }' "/proc/$1/smaps_rollup" 2>/dev/null)
	[ -n "$v" ] || v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	echo "${v:-0}"
}

# cpu_ns PID: the CPU time the process has had so far, in nanoseconds, as
# the scheduler counts it (/proc/PID/schedstat); where that is missing,
# utime + stime of /proc/PID/stat, which are sampled at each clock tick and
# so charge a whole tick to a process that wakes in step with the ticks.
cpu_ns() {
	local stat hz
	if read -r stat _ <"/proc/$1/schedstat" 2>/dev/null; then
		echo "$stat"
		return
	fi
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	hz=$(getconf CLK_TCK)
	# Fields after the parenthesised command name, which may hold spaces.
	awk -v hz="$hz" '{ printf "%.0f\n", ($12 + $13) * 1e9 / hz }' <<<"${stat##*) }"
}

# settle: wait (at most 60 s) until the count of live xfrm_state objects
# stops changing: freed SAs are destroyed and XFRM's hash tables resized on
# work queues, which would otherwise run while the next method is timed.
settle() {
	local i prev=-1 cur
	for ((i = 0; i < 120; i++)); do
		cur=$(awk '$1 == "xfrm_state" { print $2 }' /proc/slabinfo 2>/dev/null)
		[ "$cur" = "$prev" ] && break
		prev=$cur
		sleep 0.5
	done
}

# spis N FILE: N distinct SPIs, one per line in decimal, drawn at random (the
# same each run) from 0x100-0xffffffff, as mifd allocates them. Real SPIs are
# random; with sequential ones XFRM's SPI hash (which folds the SPI as
# stored, in network order) fills few buckets, every lookup by SPI walks a
# chain that grows with N in each method alike, and time per SA measures
# that hash and not the methods.
spis() {
	awk -v n="$1" 'BEGIN {
		srand(7)
		while (k < n) {
			hi = int(rand() * 65536); lo = int(rand() * 65536)
			if (hi == 0 && lo < 256 || (hi ":" lo) in used)
				continue
			used[hi ":" lo] = 1
			printf "%.0f\n", hi * 65536 + lo
			k++
		}
	}' >"$2"
}
