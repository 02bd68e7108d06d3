#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): what starting a process costs in the kernel it
# runs in, milliseconds of wall time per start, for the commands the
# tests start most. Run it in the test VM, in Debian's kernel and in the
# debug kernel, to see why a kselftest or a poll costs what it does there:
#
#   tools/vm/run -k debian -m 768 -- bench/spawn.sh
#   tools/vm/run -k debug -m 768 -- bench/spawn.sh
#   MIF_VM_APPEND=kmemleak=off tools/vm/run -k debug -m 768 -- bench/spawn.sh
#
# (the last with the debug kernel's leak detector off at boot). Prints
# one line per command: "NAME: N ms a start (K starts)".
set -u

# spawn NAME K CMD...: start CMD K times, one after another.
spawn() {
	local name=$1 k=$2 i t0
	shift 2
	t0=${EPOCHREALTIME/[.,]/}
	for ((i = 0; i < k; i++)); do
		"$@" >/dev/null 2>&1
	done
	echo "$name: $(( (${EPOCHREALTIME/[.,]/} - t0) / k / 1000 )) ms a start ($k starts)"
}

echo "# kernel $(uname -r), command line: $(cat /proc/cmdline)"
spawn true 20 /bin/true
spawn "ip -V" 20 ip -V
spawn "bash -c true" 10 bash -c true
spawn "jq -n ." 10 jq -n .
command -v gojq >/dev/null && spawn "gojq -n ." 10 gojq -n .
ip netns add spawn &&
	spawn "ip netns exec NS true" 10 ip netns exec spawn true
ip netns del spawn 2>/dev/null
