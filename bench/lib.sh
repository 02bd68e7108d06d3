#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the benchmarks share, sourced after selftests/lib.sh.

now() { date +%s%N; }

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
