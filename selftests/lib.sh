# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the xfrm_mif kselftests: TAP output, skips, namespaces.
# Sourced by each test; the test sets $TEST_NAME first.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

SELFTEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SELFTEST_DIR/.." && pwd)
MODULE=${MIF_MODULE:-$REPO_DIR/kernel/xfrm_mif.ko}
MIFCTL=${MIFCTL:-$REPO_DIR/build/mifctl}

ksft_ntests=0
ksft_nfail=0
ksft_nskip=0
ksft_netns=()

log() { echo "# $*"; }

# check NAME CMD...: one TAP case, CMD's output shown if it fails. CMD
# runs in this shell, its output to a file (a process start costs a great
# deal in the debug kernel): a function it names may change the shell's
# variables, and must return, not exit.
# A case of a second or more is followed by its time, as tcase's are.
check() {
	# Names no test uses: CMD's functions see the test's variables.
	local ksft_c_name=$1 ksft_c_out=${TMPDIR:-/tmp}/mif-check.$BASHPID
	local ksft_c_t0=$SECONDS
	shift
	ksft_ntests=$((ksft_ntests + 1))
	if "$@" >"$ksft_c_out" 2>&1; then
		echo "ok $ksft_ntests $ksft_c_name"
	else
		echo "not ok $ksft_ntests $ksft_c_name"
		sed 's/^/#   /' "$ksft_c_out"
		ksft_nfail=$((ksft_nfail + 1))
	fi
	[ $((SECONDS - ksft_c_t0)) -lt 1 ] || echo "# ($((SECONDS - ksft_c_t0))s)"
	return 0
}

# check_fails NAME CMD...: passes when CMD fails. CMD may be a function
# of the test (a shell started for it would not know the function, fail,
# and pass the check whatever CMD does).
check_fails() {
	local name=$1
	shift
	check "$name" ksft_not "$@"
}

# ksft_not CMD...: succeeds when CMD fails.
ksft_not() { ! "$@"; }

# mifctl_ns NS ARGS...: mifctl in namespace NS (its -n, no ip netns exec).
# mifctl_batch NS [-f]: mifctl in NS, one command a line of standard input,
# in one process.
mifctl_ns() { local ns=$1; shift; "$MIFCTL" -n "$ns" "$@"; }
mifctl_batch() { local ns=$1; shift; "$MIFCTL" -n "$ns" "$@" -b -; }

# nap SECONDS: sleep without a process: a read that times out on a pipe
# nobody writes (this shell holds its write end).
exec {ksft_nap_fd}<> <(:)
nap() { read -r -t "$1" -u "$ksft_nap_fd" _; return 0; }

# wait_until SECONDS CMD...: run CMD until it succeeds; 0 as soon as it
# has, 1 once it has napped SECONDS (a whole number) in all between tries
# and failed once more. The time CMD itself takes does not count, as it
# did not in the loops of "CMD; sleep 0.2" this replaces: on a loaded
# machine, where each try takes longer, the wait does too. The naps are
# 0.1 s at first, then twice as long each time up to 1 s: a wait of a
# few hundred milliseconds ends soon after, and a wait for a timer of
# tens of seconds (DPD, a retransmission, a lifetime) tries about once a
# second, not five times.
wait_until() {
	local left=$(($1 * 1000)) step=100 secs

	shift
	while :; do
		"$@" && return 0
		[ "$left" -gt 0 ] || return 1
		[ "$step" -le "$left" ] || step=$left
		printf -v secs '%d.%03d' $((step / 1000)) $((step % 1000))
		nap "$secs"
		left=$((left - step))
		step=$((step * 2 > 1000 ? 1000 : step * 2))
	done
}

# netlink_listening PID PROTO: within 20 s, a netlink socket of protocol
# PROTO (0 rtnetlink, 6 XFRM, 16 generic) in PID's network namespace has
# joined a multicast group: a monitor started as PID hears what follows
# (a fixed sleep was not enough where a process takes seconds to start).
# Assumes no other listener of PROTO in that namespace.
netlink_listening() {
	local i sk eth port groups rest
	for ((i = 0; i < 200; i++)); do
		while read -r sk eth port groups rest; do
			[ "$eth" = "$2" ] && [ "$groups" != 00000000 ] && return 0
		done <"/proc/$1/net/netlink" 2>/dev/null
		nap 0.1
	done
	echo "no listener of netlink protocol $2 in the namespace of $1"
	return 1
}

# monitor_start NS: mifctl -j monitor count 1 in NS, on a pipe this shell
# reads (fd $mon, pid $monitor), returned once it listens; event_seen
# reads it into $events, monitor_stop ends it.
monitor_start() {
	exec {mon}< <(exec "$MIFCTL" -n "$1" -j monitor count 1)
	monitor=$!
	events=
	netlink_listening "$monitor" 16
}
# event_seen TEXT: the monitor printed TEXT within 5 s; else what it printed.
event_seen() {
	local l
	while [[ $events != *"$1"* ]]; do
		IFS= read -r -t 5 -u "$mon" l || { printf '%s' "$events"; return 1; }
		events+=$l$'\n'
	done
}
monitor_stop() {
	kill "$monitor" 2>/dev/null
	exec {mon}<&-
}

# debug_kernel: this kernel has kmemleak (the debug kernel of tools/check
# debug), where a process takes seconds: a case that races a process
# start against the kernel's own work cannot hold there.
debug_kernel() { [ -e /sys/kernel/debug/kmemleak ]; }

# has_line TEXT LINE: TEXT has LINE as one of its lines.
has_line() { [[ $'\n'$1$'\n' == *$'\n'"$2"$'\n'* ]]; }

# count_lines TEXT PREFIX: print how many lines of TEXT start with PREFIX.
count_lines() {
	local l n=0
	while IFS= read -r l; do
		[[ $l == "$2"* ]] && n=$((n + 1))
	done <<<"$1"
	echo "$n"
}

# is VALUE WANT: VALUE is WANT, or both are shown.
is() { [ "$1" = "$2" ] || { printf 'got:  %s\nwant: %s\n' "$1" "$2"; return 1; }; }

# tcase NAME CMD...: a case whose CMD runs in this shell (it may change
# the shell's state, unlike check), its output shown on failure, followed
# by what tcase_diag prints, if the script defines it.
# Under emulation each process costs a tenth of a second or more, so tcase
# starts none of its own: the time is bash's $SECONDS, and the output goes
# to one file per shell, truncated for each case and removed by a
# ksft_cleanup outside a case (a case may call it to start afresh).
tcase() {
	local name=$1 out=${TMPDIR:-/tmp}/mif-tcase.$BASHPID rc t0=$SECONDS
	shift
	ksft_ntests=$((ksft_ntests + 1))
	ksft_in_case=1
	"$@" >"$out" 2>&1
	rc=$?
	ksft_in_case=
	if [ $rc -eq 0 ]; then
		echo "ok $ksft_ntests $name"
	else
		echo "not ok $ksft_ntests $name"
		sed 's/^/#   /' "$out"
		ksft_nfail=$((ksft_nfail + 1))
		! declare -F tcase_diag >/dev/null || tcase_diag
	fi
	echo "# ($((SECONDS - t0))s)"
	return $rc
}

# stop_process PID: SIGTERM, then SIGKILL after 5 s. Returns PID's exit
# status, 137 if it had to be killed.
stop_process() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		nap 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 137
	fi
	wait "$pid" 2>/dev/null
}

skip() {
	ksft_ntests=$((ksft_ntests + 1))
	echo "ok $ksft_ntests $1 # SKIP ${2:-}"
	ksft_nskip=$((ksft_nskip + 1))
}

require_root() {
	[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $KSFT_SKIP; }
}

require_cmd() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			{ echo "1..0 # SKIP $c not found"; exit $KSFT_SKIP; }
	done
}

# make_netns VAR: a new netns with a random name, removed at exit.
make_netns() {
	local __ns
	printf -v __ns 'mif-%04x%04x%04x' $RANDOM $RANDOM $RANDOM
	ip netns add "$__ns" || return 1
	ip -n "$__ns" link set lo up
	ksft_netns+=("$__ns")
	printf -v "$1" '%s' "$__ns"
}

# module_loaded: xfrm_mif is in /proc/modules (read by the shell).
module_loaded() {
	local m rest
	while read -r m rest; do
		[ "$m" = xfrm_mif ] && return 0
	done </proc/modules
	return 1
}

load_module() {
	module_loaded || insmod "$MODULE"
}

unload_module() {
	module_loaded || return 0
	rmmod xfrm_mif
}

ksft_cleanup() {
	local ns
	for ns in "${ksft_netns[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "${ksft_in_case:-}" ] || rm -f "${TMPDIR:-/tmp}/mif-tcase.$BASHPID"
	rm -f "${TMPDIR:-/tmp}/mif-check.$BASHPID"
}

# ksft_exit: the exit code kselftest expects.
ksft_exit() {
	echo "1..$ksft_ntests"
	[ $ksft_nfail -eq 0 ] || exit $KSFT_FAIL
	[ $ksft_ntests -gt 0 ] && [ $ksft_nskip -eq $ksft_ntests ] && exit $KSFT_SKIP
	exit $KSFT_PASS
}

trap ksft_cleanup EXIT
