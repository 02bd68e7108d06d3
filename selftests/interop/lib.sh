# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers of the IKE interop tests (selftests/interop/*.sh): start and stop
# mifd in a network namespace, talk to its control socket.
#
# Source after selftests/lib.sh (for REPO_DIR, log and the TAP helpers).
#
#   mifd_start NS CONF SOCK	start "mifd -d -f CONF -s SOCK" in netns NS,
#				stderr to SOCK.log; waits until the control
#				socket answers (10 s). Returns 0 or 1.
#   mifd_stop [NS SOCK]		SIGTERM one daemon (or, without arguments,
#				every daemon mifd_start started) and wait for
#				it to exit (5 s, then SIGKILL). Returns 0 when
#				each exited with status 0.
#   mifd_crash NS SOCK		SIGKILL the daemon started with SOCK (no
#				Delete, nothing removed from the kernel), as
#				a crash or a power cut would
#   mifd_ctl NS SOCK ARGS...	run "mifctl ARGS..." against that daemon
#				(MIFD_SOCKET=SOCK, killed after 20 s),
#				e.g. mifd_ctl "$EU" "$sock" -j ike list
#   mifd_pid SOCK		pid of the daemon started with SOCK
#   mifd_log SOCK		print its log (for failure diagnostics)
#   want NS SOCK JQ		wait until connection a's established IKE SA
#				passes the jq test JQ (WANT_TIMEOUT s, 30)
#   mifd_wait_established NS SOCK CONN [SECONDS]
#				wait until CONN has an ESTABLISHED IKE SA
#				with at least one installed Child SA
#   mifd_tmpdir			a directory under /tmp for configs and
#				sockets, removed at exit ($MIFD_TMP)
#   esp_counts NS VAR		the ESP counters of esp_counters NS into the
#				associative array VAR (NAME -> packets)
#   tcase_diag			what lib.sh's tcase prints after a failed
#				case: each mifd's state and log

MIFD=${MIFD:-$REPO_DIR/build/mifd}
MIFCTL=${MIFCTL:-$REPO_DIR/build/mifctl}

# The case files' jq is gojq where it is installed (tools/deps.sh installs
# it): the same language, but a start costs a fifth of jq 1.6's in the
# emulated guest (bench/spawn.sh), where jq took a fifth of the CPU of a
# case file's processes (bench/procs.sh). Two differences the files rely
# on: gojq prints an object's keys sorted (the files compare arrays, not
# objects), and -e fails on no input at all, where jq 1.6 passes (so a
# mifctl that answers nothing fails a check). JQ=jq runs jq 1.6 instead.
if [ "${JQ:-gojq}" = gojq ] && command -v gojq >/dev/null; then
	jq() { gojq "$@"; }
fi

declare -A mifd_pids=()		# SOCK -> pid
# Made here, not in mifd_tmpdir: $(mifd_tmpdir) runs in a subshell.
MIFD_TMP=$(mktemp -d /tmp/mif-interop.XXXXXX)

mifd_tmpdir() {
	echo "$MIFD_TMP"
}

# interop_start CMD...: what a case file between two mifd checks first
# (root, the commands it needs, mifd and mifctl built: else it skips),
# then TAP's header, with XFRM and ESP loaded.
interop_start() {
	require_root
	require_cmd "$@"
	[ -x "$MIFD" ] || { echo "1..0 # SKIP $MIFD not built (make)"; exit "$KSFT_SKIP"; }
	[ -x "$MIFCTL" ] || { echo "1..0 # SKIP $MIFCTL not built (make tools)"; exit "$KSFT_SKIP"; }
	echo "TAP version 13"
	modprobe -q xfrm_user 2>/dev/null
	modprobe -q esp4 2>/dev/null
}

mifd_start() {
	local ns=$1 conf=$2 sock=$3 pid i
	rm -f "$sock"
	# As a user keeps a file of secrets: else mifd warns (mifd.conf(5)).
	chmod 600 "$conf"
	mkdir -p "$(dirname "$sock")"
	ip netns exec "$ns" "$MIFD" -d -f "$conf" -s "$sock" \
		</dev/null >>"$sock.log" 2>&1 &
	pid=$!
	mifd_pids[$sock]=$pid
	for ((i = 0; i < ${MIFD_START_TRIES:-100}; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			unset "mifd_pids[$sock]"
			return 1
		fi
		if [ -S "$sock" ] && mifd_ctl "$ns" "$sock" ike status >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# _mifd_stop_one SOCK
_mifd_stop_one() {
	local sock=$1 pid
	pid=${mifd_pids[$sock]:-}
	[ -n "$pid" ] || return 0
	unset "mifd_pids[$sock]"
	stop_process "$pid"
}

mifd_stop() {
	local rc=0 s
	if [ $# -ge 2 ]; then
		_mifd_stop_one "$2"
		return
	fi
	for s in "${!mifd_pids[@]}"; do
		_mifd_stop_one "$s" || rc=1
	done
	return $rc
}

mifd_crash() {
	local sock=$2 pid
	pid=${mifd_pids[$sock]:-}
	[ -n "$pid" ] || return 1
	unset "mifd_pids[$sock]"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# Called hundreds of times a file: three processes (ip netns exec and
# timeout pass the environment on), not four with env(1). Each call may
# take MIFD_CTL_TIMEOUT seconds (20; a benchmark's commands over
# thousands of SAs take longer).
mifd_ctl() {
	local ns=$1
	MIFD_SOCKET=$2 timeout -k 2 "${MIFD_CTL_TIMEOUT:-20}" \
		ip netns exec "$ns" "$MIFCTL" "${@:3}"
}

# mifd_diag SOCK: what the daemon is doing (for hangs).
mifd_diag() {
	local pid=${mifd_pids[$1]:-}
	[ -n "$pid" ] || return 0
	echo "# mifd $pid ($1): $(awk '{ print "state", $3 }' "/proc/$pid/stat" 2>/dev/null)" \
		"wchan $(cat "/proc/$pid/wchan" 2>/dev/null)"
	sed 's/^/#   /' "/proc/$pid/stack" 2>/dev/null
}

# tcase_diag: on a failed case, each daemon's state and log.
tcase_diag() {
	local s
	for s in "${!mifd_pids[@]}"; do
		mifd_diag "$s"
		echo "# log of $s (last 40 lines):"
		tail -n 40 "$s.log" 2>/dev/null | sed 's/^/#   /'
	done
}

mifd_pid() { echo "${mifd_pids[$1]:-}"; }

mifd_log() { sed 's/^/#   /' "$1.log" 2>/dev/null; }

# Whether CONN has an established IKE SA with an installed Child SA.
mifd_established() {
	local ns=$1 sock=$2 conn=$3
	mifd_ctl "$ns" "$sock" -j ike list 2>/dev/null |
		jq -e --arg c "$conn" \
		'[.ike_sas[] | select(.conn == $c and .state == "established" and
		  ([.children[] | select(.installed)] | length) > 0)] | length > 0' \
		>/dev/null
}

mifd_wait_established() {
	wait_until "${4:-20}" mifd_established "$1" "$2" "$3"
}

# want NS SOCK JQ: within WANT_TIMEOUT seconds (30 unless the case file
# sets it), NS's mifd has connection a's IKE SA established and its entry
# in "ike list" passes the jq test JQ; else what was wanted and the IKE
# SAs are printed, and 1 returned.
_want() {
	mifd_ctl "$1" "$2" -j ike list |
		jq -e "[.ike_sas[] | select(.conn == \"a\" and
			.state == \"established\")][0] | $3" >/dev/null
}
want() {
	wait_until "${WANT_TIMEOUT:-30}" _want "$@" && return 0
	echo "wanted: $3"
	mifd_ctl "$1" "$2" ike list
	return 1
}

# prints WANT CMD...: CMD prints WANT (and nothing else).
prints() { [ "$("${@:2}")" = "$1" ]; }

# wait_fine SECONDS CMD...: until CMD succeeds, tried every 0.2 s for
# SECONDS: for a wait whose end is timed and printed (a move), which
# wait_until's naps, growing to 1 s, would blur.
wait_fine() {
	local i
	for ((i = 0; i < $1 * 5; i++)); do
		"${@:2}" && return 0
		nap 0.2
	done
	return 1
}

# esp_counters NS: nftables counters outK and inK of the ESP packets that
# leave and enter NS's veths mif0, mif1 and mif2 (figures 1, 2, 11, 12).
esp_counters() {
	ip netns exec "$1" nft -f - <<'NFT'
table inet fig1 {
	counter out0 { }
	counter out1 { }
	counter out2 { }
	counter in0 { }
	counter in1 { }
	counter in2 { }
	chain output {
		type filter hook output priority 0; policy accept;
		oifname "mif0" meta l4proto esp counter name "out0"
		oifname "mif1" meta l4proto esp counter name "out1"
		oifname "mif2" meta l4proto esp counter name "out2"
	}
	chain input {
		type filter hook input priority 0; policy accept;
		iifname "mif0" meta l4proto esp counter name "in0"
		iifname "mif1" meta l4proto esp counter name "in1"
		iifname "mif2" meta l4proto esp counter name "in2"
	}
}
NFT
}

# esp_packets NS NAME: the packets counted by NS's counter NAME, read
# from nft's text ("packets N bytes M") by bash, not by one more jq.
esp_packets() {
	local k v _
	while read -r k v _; do
		[ "$k" = packets ] && { echo "$v"; return 0; }
	done < <(ip netns exec "$1" nft list counter inet fig1 "$2")
	return 1
}

# esp_counts NS VAR: each counter of NS's table (esp_counters) into the
# associative array VAR, NAME -> packets, from one nft call, where six
# esp_packets would start six (each process is slow under emulation).
esp_counts() {
	local -n _ec=$2
	local k v _ name=
	_ec=()
	while read -r k v _; do
		case $k in
		counter) name=$v ;;
		packets) _ec[$name]=$v ;;
		esac
	done < <(ip netns exec "$1" nft list counters table inet fig1)
	[ ${#_ec[@]} -gt 0 ]
}

_mifd_interop_cleanup() {
	mifd_stop >/dev/null 2>&1
	[ -n "$MIFD_TMP" ] && rm -rf "$MIFD_TMP"
	ksft_cleanup
}
trap _mifd_interop_cleanup EXIT
