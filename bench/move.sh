#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): moving an interface that carries n SAs, one MIF
# exchange against one CREATE_CHILD_SA and one Delete per SA, and against
# charon's MOBIKE moving n IKE SAs, in the same run on the same topology.
#
# Topology: namespaces EU and SG joined by two veth pairs, A: mif0 in EU
# (10.88.0.1/24) to pmif0 in SG (10.88.0.2/24), B: mif1 (10.88.1.1/24) to
# pmif1 (10.88.1.2/24). Every SA starts between EU's 10.88.0.1 and SG's
# 10.88.0.2 and ends between EU's 10.88.1.1 (B) and SG's 10.88.0.2: EU's
# interface moves, SG stays where it is. EU reaches 10.88.0.2 over B too
# (a route of a higher metric through mif1; SG answers ARP for it on
# pmif1). Child SA J (J = 0..n-1) carries 10.9.0.0/24 in EU to
# 10.(100 + J / 256).(J % 256).0/24 in SG; IKE
# aes256gcm16-prfsha256-x25519, ESP aes256gcm16, tunnel mode, PSK.
#
#   MIF           mifd to mifd: one IKE SA on A with n Child SAs
#                 ([child] sections); `mifctl ike iface move 10.88.0.1
#                 10.88.1.1` (sent on the control socket as mifctl does):
#                 one MIF_MOVE exchange, SG checks EU's new address first
#                 (a COOKIE2 request to it), each side moves its SAs with
#                 one kernel call (xfrm_mif, loaded by the script; without
#                 it mifd moves them one by one, and the header says so),
#                 the IKE SA's own address included.
#   CCSA+Delete   charon to charon (mifd cannot place a new Child SA on
#                 another address of an IKE SA: its Child SAs go where its
#                 interfaces and the peer's announcement put them): the
#                 same n children on an IKE SA on A; the move makes them
#                 anew with the local address B and deletes the old ones,
#                 one exchange pair per SA. Charon's Child SAs are on their
#                 IKE SA's addresses, so the new ones need an IKE SA on B:
#                 IKE_SA_INIT, IKE_AUTH with the first child, then n - 1
#                 CREATE_CHILD_SA on it, and n INFORMATIONAL Deletes on
#                 the old IKE SA, which stays (nothing removes A). All
#                 requests go at once through vici (initiate and terminate,
#                 not waiting); charon runs the two IKE SAs' queues side
#                 by side, one request in flight each.
#   MOBIKE        charon to charon, mobike = yes: n IKE SAs on A, a child
#                 each (EU: n connections; SG: one connection with the n
#                 children); 10.88.0.1 is removed from mif0 (ip addr del):
#                 charon sees its address go and each IKE SA sends
#                 UPDATE_SA_ADDRESSES from 10.88.1.1, moving itself and its
#                 Child SA.
# Each daemon runs with its defaults otherwise, logging at about a line per
# SA (mifd log_level = notice, charon's file logger at level 0), the first
# retransmission after 5 s, no DPD, no rekeying.
#
# Method: the set-up first, not timed (bench/fig_up.c brings the n Child
# SAs up and waits for them in both kernels), then the counters are reset
# and build/bench/move_up (bench/move_up.c) starts the move and dumps both
# kernels' SAs every 10 ms until each has 2n SAs on 10.88.1.1 and none on
# 10.88.0.1 (MOBIKE: until then in both kernels, and charon's view is
# checked after, swanctl --list-sas).
#
# Columns:
#   messages  IKE datagrams both ways, counted by nftables in EU (UDP 500
#             and 4500, in and out), from the move's start until none came
#             for a second after both kernels were done (charon moves its
#             own SAs before it sends UPDATE_SA_ADDRESSES, so its
#             exchanges end after); retransmissions included (none in a
#             quiet run)
#   bytes     the same datagrams as IP packets (UDP payload plus 28)
#   round trips  requests among the messages (Response flag clear), each
#             way; their exchanges are listed below the table
#   wall ms   from the move's start to both kernels done
#   CPU ms    both daemons' CPU time from the start to when the messages
#             were counted (all threads, /proc/PID/task/*/schedstat)
#
# Build on the host first (the VM's root is read-only), then run in the VM:
#   make -j2 module user tools && make -C bench
#   tools/vm/run -k debian -m 3072 -t 2400 -- bench/move.sh
# Environment, given inside the VM (tools/vm/run -- env N="10 100"
# bench/move.sh): N (default "10 100 1000", each 1..1024), METHODS (default
# "MIF CCSA+Delete MOBIKE", the rows to run), MIF_BENCH_TIMEOUT
# (seconds, default 600) bounds each set-up and each move; MIF_BENCH_DEBUG=1
# keeps charon's log levels and prints its SAs and logs after a MOBIKE move.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../selftests/lib.sh"
source "$here/../selftests/interop/charon_lib.sh"
source "$here/../selftests/interop/lib.sh"	# mifd_*; sets an EXIT trap
source "$here/lib.sh"

read -r -a ns_list <<<"${N:-10 100 1000}"
limit=${MIF_BENCH_TIMEOUT:-600}
for n in "${ns_list[@]}"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] && [ "$n" -le 1024 ] ||
		{ echo "bench: each of N must be 1..1024: $n" >&2; exit 2; }
done
[[ $limit =~ ^[1-9][0-9]*$ ]] || { echo "bench: MIF_BENCH_TIMEOUT must be seconds" >&2; exit 2; }
read -r -a methods <<<"${METHODS:-MIF CCSA+Delete MOBIKE}"
for m in "${methods[@]}"; do
	case $m in MIF | CCSA+Delete | MOBIKE) ;;
	*) echo "bench: METHODS: MIF, CCSA+Delete, MOBIKE: $m" >&2; exit 2 ;; esac
done

UP=$REPO_DIR/build/bench/fig_up
MOVE=$REPO_DIR/build/bench/move_up
IKE=aes256gcm16-prfsha256-x25519 ESP=aes256gcm16
PSK=0x6d69662d62656e63682d6d6f76652d616e2d696e74657266616365
A=10.88.0.1 B=10.88.1.1 SGA=10.88.0.2

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (run it in the VM)" >&2; exit 2; }
command -v nft >/dev/null && command -v jq >/dev/null ||
	{ echo "bench: needs nft and jq" >&2; exit 2; }
for h in fig_up move_up; do
	if [ ! -x "$REPO_DIR/build/bench/$h" ] || [ "$here/$h.c" -nt "$REPO_DIR/build/bench/$h" ] ||
		[ "$here/up.c" -nt "$REPO_DIR/build/bench/$h" ]; then
		echo "bench: build/bench/$h missing or stale: run 'make -C bench' on the host" >&2
		exit 1
	fi
done
have_mifd=1 have_charon=1
[ -x "$MIFD" ] && [ -x "$MIFCTL" ] ||
	{ have_mifd=0; echo "# $MIFD or $MIFCTL not built (make): MIF rows n/a" >&2; }
charon_available || { have_charon=0; echo "# charon or swanctl not installed: charon rows n/a" >&2; }

T=$(mktemp -d /tmp/mif-bench-move.XXXXXX)
cleanup() {
	charon_stop_all >/dev/null 2>&1
	mifd_stop >/dev/null 2>&1
	rm -rf "$T" "$MIFD_TMP"
	ksft_cleanup
}
trap cleanup EXIT

modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
# mifd moves with one kernel call through xfrm_mif; without it, per SA
# (user/backend/xfrm_iface.c), which the MIF row then measures.
mif_kernel="xfrm_mif"
load_module 2>/dev/null || { mif_kernel="per-SA fallback, xfrm_mif not loaded"; echo "# cannot load $MODULE (make module): $mif_kernel" >&2; }
# Load the ESP cipher now rather than at the first SA.
ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x101 mode tunnel \
	aead 'rfc4106(gcm(aes))' "0x$(printf '%072d' 0)" 128 2>/dev/null
ip xfrm state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x101 2>/dev/null

make_netns EU || exit 1
make_netns SG || exit 1
for k in 0 1; do
	ip -n "$EU" link add "mif$k" type veth peer name "pmif$k" netns "$SG" &&
		ip -n "$EU" addr add "10.88.$k.1/24" dev "mif$k" &&
		ip -n "$SG" addr add "10.88.$k.2/24" dev "pmif$k" &&
		ip -n "$EU" link set "mif$k" up && ip -n "$SG" link set "pmif$k" up ||
		{ echo "bench: cannot set up the veth pairs" >&2; exit 1; }
done
# EU reaches SG's 10.88.0.2 over B once A's address is gone.
ip -n "$EU" route add 10.88.0.0/24 dev mif1 metric 500 ||
	{ echo "bench: cannot add EU's route over B" >&2; exit 1; }
for ns in "$EU" "$SG"; do
	for d in all default; do
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$d.rp_filter=0"
	done
done

# ---- counting IKE messages: nftables in EU (lib.sh) ----

counters_load() { ike_counters_load "$EU" movebench; }
counters_read() { ike_counters_read "$EU" movebench; }

# cpu_all PID: CPU time of all the process's threads so far, in ns
# (charon works in a pool of threads; lib.sh's cpu_ns reads one).
cpu_all() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# ts J: the network of child J in SG.
ts() { echo "10.$((100 + $1 / 256)).$(($1 % 256)).0/24"; }

reset_kernels() {
	local ns
	for ns in "$EU" "$SG"; do
		ip -n "$ns" xfrm state flush
		ip -n "$ns" xfrm policy flush
	done
	ip -n "$EU" addr replace "$A/24" dev mif0
	settle
}

declare -A res
notes=()
fail_row() {	# fail_row N METHOD WHY
	res[$1,$2]="n/a"
	notes+=("n = $1, $2: $3")
	echo "# n = $1, $2: $3" >&2
}

# measure N METHOD PIDS MOVE_UP_ARGS...: run move_up, then the counters
# and CPU into res[N,METHOD]: "messages bytes requests ms cpu_ms" and the
# requests by exchange in res[N,METHOD,x].
measure() {
	local n=$1 m=$2 pids=$3 out rc c p c0=0 c1=0 s
	shift 3
	counters_load
	for p in $pids; do c0=$((c0 + $(cpu_all "$p"))); done
	out=$("$MOVE" "$EU" "$SG" "$A" "$B" $((2 * n)) "$limit" "$@")
	rc=$?
	# The exchanges may end after the kernels are done (charon moves its
	# own SAs before it sends UPDATE_SA_ADDRESSES): count until no IKE
	# message came for a second (at most 60 s).
	local prev="" cur i
	for ((i = 0; i < 60; i++)); do
		sleep 1
		cur=$(counters_read)
		[ "$cur" != "$prev" ] || break
		prev=$cur
	done
	for p in $pids; do c1=$((c1 + $(cpu_all "$p"))); done
	read -r -a c <<<"$cur"
	echo "# n = $n, $m: $out; counters ${c[*]}" >&2
	if [ $rc -ne 0 ] || ! grep -q " failed=0 " <<<"$out"; then
		fail_row "$n" "$m" "not moved: $out"
		return 1
	fi
	s=$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' <<<"$out")
	res[$n,$m]="${c[0]} ${c[1]} ${c[2]} $(awk -v s="$s" 'BEGIN { printf "%.0f", s * 1000 }') $(((c1 - c0) / 1000000))"
	res[$n,$m,x]="IKE_SA_INIT ${c[3]}, IKE_AUTH ${c[4]}, CREATE_CHILD_SA ${c[5]}, INFORMATIONAL ${c[6]}, other ${c[7]}"
}

# ---- MIF: mifd to mifd ----

mifd_conf() {	# mifd_conf N eu|sg FILE
	local n=$1 side=$2 j
	{
		echo "# bench/move.sh, n = $n, $side"
		echo "[mifd]"
		echo "log_level = notice"
		echo
		echo "[conn a]"
		if [ "$side" = eu ]; then
			echo "local = $A"
			echo "remote = $SGA"
			echo "local_id = fqdn:eu.example"
			echo "remote_id = fqdn:sg.example"
			echo "local_ts = 10.9.0.0/24"
			echo "interfaces = mif0:200, mif1:150"
		else
			echo "local = $SGA"
			echo "remote = $A"
			echo "local_id = fqdn:sg.example"
			echo "remote_id = fqdn:eu.example"
			echo "remote_ts = 10.9.0.0/24"
			echo "interfaces = pmif0:200, pmif1:150"
		fi
		echo "psk = $PSK"
		echo "ike = $IKE"
		echo "esp = $ESP"
		echo "mode = tunnel"
		echo "dpd = 0"
		echo "retransmit_base = 5s"
		echo "retransmit_tries = 5"
		for ((j = 0; j < n; j++)); do
			echo
			echo "[child a/s$j]"
			if [ "$side" = eu ]; then
				echo "remote_ts = $(ts "$j")"
			else
				echo "local_ts = $(ts "$j")"
			fi
		done
	} >"$3"
}

run_mif() {
	local n=$1 se=$T/mifd-eu.sock ss=$T/mifd-sg.sock out i
	if [ $have_mifd -eq 0 ]; then fail_row "$n" MIF "mifd not built"; return; fi
	mifd_conf "$n" eu "$T/eu.conf"
	mifd_conf "$n" sg "$T/sg.conf"
	rm -f "$se.log" "$ss.log"
	if ! mifd_start "$SG" "$T/sg.conf" "$ss" || ! mifd_start "$EU" "$T/eu.conf" "$se"; then
		fail_row "$n" MIF "mifd does not start: $(tail -n 3 "$se.log" "$ss.log" 2>/dev/null | tr '\n' ' ')"
		mifd_stop
		return
	fi
	out=$("$UP" mifd "$se" "$EU" "$SG" $((2 * n)) "$n" "$limit" a)
	echo "# n = $n, MIF set-up: $out" >&2
	if ! grep -q "sas=$((2 * n))/$((2 * n)) out_policies=$n/$n\$" <<<"$out"; then
		fail_row "$n" MIF "not all up: $out"
		tail -n 5 "$se.log" | sed 's/^/#   EU: /' >&2
	else
		# B must be announced to SG before it can be moved to.
		for ((i = 0; i < 100; i++)); do
			mifd_ctl "$SG" "$ss" -j ike list 2>/dev/null |
				jq -e '[.. | strings] | index("10.88.1.1") != null' >/dev/null && break
			sleep 0.1
		done
		measure "$n" MIF "$(mifd_pid "$se") $(mifd_pid "$ss")" mifd "$se" move "$A" "$B" ||
			tail -n 5 "$se.log" "$ss.log" | sed 's/^/#   /' >&2
	fi
	mifd_stop
	reset_kernels
}

# ---- charon to charon ----

# charon_lib.sh's strongswan.conf, with logging at level 0 and the
# retransmission timers of the mifd configuration (first after 5 s).
charon_kind=
eval "$(declare -f _charon_write_conf | sed '1s/_charon_write_conf/_charon_write_conf_lib/')"
_charon_write_conf() {
	_charon_write_conf_lib "$@"
	[ -n "${MIF_BENCH_DEBUG:-}" ] ||
		sed -i 's/^\(\t*\)\(default\|ike\|cfg\|knl\|chd\|net\|enc\) = [0-9]*$/\1\2 = 0/' \
			"$1/strongswan.conf"
	# MOBIKE: an IKE SA per connection, though their configurations are
	# alike (charon would otherwise put every child on the first).
	# All n come up at once from one address: no blocking of more than 5
	# half-open IKE SAs from one peer (block_threshold), no COOKIEs.
	[ "$charon_kind" != mobike ] ||
		sed -i 's/^charon {$/&\n\treuse_ikesa = no\n\tblock_threshold = 100000\n\tcookie_threshold = 100000/' \
			"$1/strongswan.conf"
	sed -i -e 's/^\(\t*\)retransmit_timeout = .*/\1retransmit_timeout = 5.0/' \
		-e 's/^\(\t*\)retransmit_tries = .*/\1retransmit_tries = 5/' \
		-e 's/^\(\t*\)retransmit_base = .*/\1retransmit_base = 2/' \
		"$1/strongswan.conf"
}

# swanctl_conn NAME LOCAL REMOTE MOBIKE eu|sg CHILD:J...: one connection.
swanctl_conn() {
	local name=$1 me=$2 peer=$3 mobike=$4 side=$5 cj
	shift 5
	echo "	$name {"
	echo "		version = 2"
	echo "		local_addrs = $me"
	echo "		remote_addrs = $peer"
	echo "		proposals = $IKE"
	echo "		mobike = $mobike"
	echo "		dpd_delay = 0"
	echo "		rekey_time = 0"
	echo "		reauth_time = 0"
	echo "		unique = never"
	if [ "$side" = eu ]; then
		echo "		local { auth = psk"
		echo "			id = eu.example }"
		echo "		remote { auth = psk"
		echo "			id = sg.example }"
	else
		echo "		local { auth = psk"
		echo "			id = sg.example }"
		echo "		remote { auth = psk"
		echo "			id = eu.example }"
	fi
	echo "		children {"
	for cj in "$@"; do
		echo "			${cj%%:*} {"
		if [ "$side" = eu ]; then
			echo "				local_ts = 10.9.0.0/24"
			echo "				remote_ts = $(ts "${cj#*:}")"
		else
			echo "				local_ts = $(ts "${cj#*:}")"
			echo "				remote_ts = 10.9.0.0/24"
		fi
		echo "				mode = tunnel"
		echo "				esp_proposals = $ESP"
		echo "				rekey_time = 0"
		echo "				start_action = none"
		echo "			}"
	done
	echo "		}"
	echo "	}"
}

secrets() {
	echo "secrets {"
	echo "	ike-move {"
	echo "		id-a = eu.example"
	echo "		id-b = sg.example"
	echo "		secret = \"$PSK\""
	echo "	}"
	echo "}"
}

# swanctl_ccsa N DIR eu|sg: connection a on A and b on B, the same n
# children each (a-sJ, b-sJ).
swanctl_ccsa() {
	local n=$1 dir=$2 side=$3 j
	local -a ca=() cb=()
	for ((j = 0; j < n; j++)); do ca+=("a-s$j:$j") cb+=("b-s$j:$j"); done
	mkdir -p "$dir/swanctl/conf.d" || return 1
	{
		echo "connections {"
		if [ "$side" = eu ]; then
			swanctl_conn a "$A" "$SGA" no eu "${ca[@]}"
			swanctl_conn b "$B" "$SGA" no eu "${cb[@]}"
		else
			swanctl_conn a "$SGA" "$A" no sg "${ca[@]}"
			swanctl_conn b "$SGA" "$B" no sg "${cb[@]}"
		fi
		echo "}"
		secrets
	} >"$dir/swanctl/conf.d/move.conf"
}

# swanctl_mobike N DIR eu|sg: EU n connections mJ of one child mJ; SG one
# connection m with the n children.
swanctl_mobike() {
	local n=$1 dir=$2 side=$3 j
	local -a cm=()
	mkdir -p "$dir/swanctl/conf.d" || return 1
	{
		echo "connections {"
		if [ "$side" = eu ]; then
			for ((j = 0; j < n; j++)); do
				swanctl_conn "m$j" "$A, $B" "$SGA" yes eu "m$j:$j"
			done
		else
			for ((j = 0; j < n; j++)); do cm+=("m$j:$j"); done
			swanctl_conn m "$SGA" "$A, $B" yes sg "${cm[@]}"
		fi
		echo "}"
		secrets
	} >"$dir/swanctl/conf.d/move.conf"
}

# charon_pair N ccsa|mobike: start both charon with their configuration.
charon_pair() {
	local n=$1 kind=$2
	charon_kind=$kind
	rm -rf "$T/charon-eu" "$T/charon-sg"
	"swanctl_$kind" "$n" "$T/charon-eu" eu && "swanctl_$kind" "$n" "$T/charon-sg" sg &&
		charon_start "$SG" "$T/charon-sg" >&2 && charon_start "$EU" "$T/charon-eu" >&2 &&
		charon_load "$SG" "$T/charon-sg" >/dev/null && charon_load "$EU" "$T/charon-eu" >/dev/null
}

charon_pids_both() {
	# shellcheck disable=SC2154 # charon_lib.sh's
	echo "${charon_pids[$(cd "$T/charon-eu" && pwd)]} ${charon_pids[$(cd "$T/charon-sg" && pwd)]}"
}

run_ccsa() {
	local n=$1 m="CCSA+Delete" out j
	local -a up=() mv=()
	if [ $have_charon -eq 0 ]; then fail_row "$n" "$m" "charon not installed"; return; fi
	if ! charon_pair "$n" ccsa; then
		fail_row "$n" "$m" "charon does not start or load its configuration"
		charon_stop_all
		return
	fi
	for ((j = 0; j < n; j++)); do up+=("a/a-s$j") mv+=("+b/b-s$j"); done
	for ((j = 0; j < n; j++)); do mv+=("-a-s$j"); done
	out=$("$UP" vici "$T/charon-eu/charon.vici" "$EU" "$SG" $((2 * n)) "$n" "$limit" "${up[@]}")
	echo "# n = $n, $m set-up: $out" >&2
	if ! grep -q "sas=$((2 * n))/$((2 * n)) out_policies=$n/$n\$" <<<"$out"; then
		fail_row "$n" "$m" "not all up: $out"
		charon_log "$T/charon-eu" 5 >&2
	else
		measure "$n" "$m" "$(charon_pids_both)" vici "$T/charon-eu/charon.vici" "${mv[@]}" ||
			charon_log "$T/charon-eu" 10 >&2
	fi
	charon_stop_all
	reset_kernels
}

run_mobike() {
	local n=$1 m=MOBIKE out j ike
	local -a up=()
	if [ $have_charon -eq 0 ]; then fail_row "$n" "$m" "charon not installed"; return; fi
	if ! charon_pair "$n" mobike; then
		fail_row "$n" "$m" "charon does not start or load its configuration"
		charon_stop_all
		return
	fi
	for ((j = 0; j < n; j++)); do up+=("m$j/m$j"); done
	out=$("$UP" vici "$T/charon-eu/charon.vici" "$EU" "$SG" $((2 * n)) "$n" "$limit" "${up[@]}")
	echo "# n = $n, $m set-up: $out" >&2
	if ! grep -q "sas=$((2 * n))/$((2 * n)) out_policies=$n/$n\$" <<<"$out"; then
		fail_row "$n" "$m" "not all up: $out"
		charon_log "$T/charon-eu" 5 >&2
	elif measure "$n" "$m" "$(charon_pids_both)" exec ip -n "$EU" addr del "$A/24" dev mif0; then
		ike=$(charon_sas "$EU" "$T/charon-eu" | awk -v b="$B" '$1 == "ike" && $3 == "ESTABLISHED" && $6 == b' | wc -l)
		[ "$ike" -eq "$n" ] || notes+=("n = $n, MOBIKE: charon shows $ike of $n IKE SAs on $B")
		if [ -n "${MIF_BENCH_DEBUG:-}" ]; then
			charon_sas "$EU" "$T/charon-eu" >&2
			charon_log "$T/charon-eu" 60 >&2
			charon_log "$T/charon-sg" 30 >&2
		fi
	else
		charon_log "$T/charon-eu" 10 >&2
	fi
	charon_stop_all
	reset_kernels
}

for n in "${ns_list[@]}"; do
	echo "# n = $n" >&2
	for m in "${methods[@]}"; do
		case $m in
		MIF) run_mif "$n" ;;
		CCSA+Delete) run_ccsa "$n" ;;
		MOBIKE) run_mobike "$n" ;;
		esac
	done
done

echo
echo "move: an interface carrying n SAs moves, EU's 10.88.0.1 (A) to 10.88.1.1 (B); SG stays on 10.88.0.2"
echo "IKE $IKE, ESP $ESP, PSK, tunnel mode"
echo "MIF: mifd to mifd, one IKE SA with n Child SAs, one MIF_MOVE (mifctl ike iface move); kernel: $mif_kernel"
echo "CCSA+Delete: charon to charon, n Child SAs made anew on B (a new IKE SA there) and the old ones deleted, one exchange pair each"
echo "MOBIKE: charon to charon, n IKE SAs of one Child SA each, A removed, UPDATE_SA_ADDRESSES each"
echo "messages and bytes (IP): both ways, nftables in EU; wall ms: to every SA on B in both kernels; CPU ms: both daemons"
printf '%5s  %-12s  %8s  %9s  %11s  %8s  %7s\n' n method messages bytes "round trips" "wall ms" "CPU ms"
for n in "${ns_list[@]}"; do
	for m in "${methods[@]}"; do
		read -r -a r <<<"${res[$n,$m]:-n/a}"
		printf '%5s  %-12s  %8s  %9s  %11s  %8s  %7s\n' "$n" "$m" "${r[0]}" "${r[1]:-}" \
			"${r[2]:-}" "${r[3]:-}" "${r[4]:-}"
	done
done
for n in "${ns_list[@]}"; do
	for m in "${methods[@]}"; do
		echo "requests: n = $n, $m: ${res[$n,$m,x]:-none}"
	done
done
for x in "${notes[@]}"; do
	echo "note: $x"
done
exit 0
