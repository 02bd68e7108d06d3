#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every kselftest of this directory (or those named) and print TAP, as
# the kernel's run_kselftest.sh does: exit status 4 means skipped.
cd "$(dirname "$0")" || exit 1
tests=("$@")
[ ${#tests[@]} -gt 0 ] || mapfile -t tests < <(ls ./*.sh | grep -v -e lib.sh -e run_tests.sh -e topo.sh -e xfrm_read.sh)

# MIF_INJECT_FAILURE=1: add a failing test, to show the harness sees it.
[ -n "${MIF_INJECT_FAILURE:-}" ] && tests+=(injected_failure.sh)
# Last, a pseudo-test: the kernel logged no warning, bug or oops meanwhile.
tests+=(kernel_log.sh)
# Each script gets KSFT_TIMEOUT seconds: twice what the slowest took on a
# loaded 2-core machine under emulation, and far below tools/check's timeout
# for the whole VM, so that a hung script is reported here by name.
KSFT_TIMEOUT=${KSFT_TIMEOUT:-600}
# MIF_AFTER_EACH="CMD [ARG...]": run it with the script's name after each
# script (the debug kernel's leak scan and log check), its output shown as
# the script's. Split into words: no white space in its paths.
after_each=${MIF_AFTER_EACH:-}
[ ${#tests[@]} -gt 0 ] || { echo "run_tests: no tests found" >&2; exit 1; }
echo "TAP version 13"
echo "1..${#tests[@]}"
n=0
fail=0
forks() { local k v; while read -r k v; do [ "$k" = processes ] && echo "$v"; done </proc/stat; }
for t in "${tests[@]}"; do
	n=$((n + 1))
	name=$(basename "$t" .sh)
	echo "# selftests: xfrm_mif: $name"
	if [ "$name" = injected_failure ]; then
		printf 'not ok 1 failure injected on purpose\n1..1\n' | sed 's/^/# /'
		(exit 1)
	elif [ "$name" = kernel_log ]; then
		bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|leak' |
			grep -v 'kmemleak: Kernel memory leak detector')
		if [ -n "$bad" ]; then
			printf '# not ok 1 no kernel warnings\n'
			printf '%s\n' "$bad" | sed 's/^/# #   /'
			printf '# 1..1\n'
			(exit 1)
		else
			printf '# ok 1 no kernel warnings\n# 1..1\n'
		fi
	else
		# The processes a script starts cost most of its time in the
		# debug kernel: shown beside its time (/proc/stat's count of
		# forks, this loop's few included).
		t0=$(date +%s) p0=$(forks)
		timeout "$KSFT_TIMEOUT" bash "./$(basename "$t")" 2>&1 | sed 's/^/# /'
		rc=${PIPESTATUS[0]}
		echo "# $name took $(( $(date +%s) - t0 )) s, $(( $(forks) - p0 )) processes"
		[ -z "$after_each" ] || $after_each "$name" 2>&1 | sed 's/^/# /'
		(exit "$rc")
	fi
	rc=${PIPESTATUS[0]}
	case $rc in
	0) echo "ok $n selftests: xfrm_mif: $name" ;;
	4) echo "ok $n selftests: xfrm_mif: $name # SKIP" ;;
	124) echo "not ok $n selftests: xfrm_mif: $name # TIMEOUT"; fail=1 ;;
	*) echo "not ok $n selftests: xfrm_mif: $name # exit=$rc"; fail=1 ;;
	esac
done
exit $fail
