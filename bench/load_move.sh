#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): the module moving N SAs (default 100,000) while a
# stream of 10,000 datagrams a second flows over one of them, against the
# same move done per SA as strongSwan does it, and the module's failover
# of the N SAs on a link going down.
#
# Topology: namespaces A and B joined by two veth pairs, a1-b1 (A1
# 10.77.1.1, B1 10.77.1.2) and a2-b2 (A2 10.77.2.1, B2 10.77.2.2). Each
# namespace holds the same N SAs, N/2 tunnel-mode ESP pairs A1 <-> B1
# with random SPIs (bench/lib.sh spis), reqid i, and for each pair out, in
# and fwd policies, /32 selectors 172.16.x.y (A's side) <-> 172.17.x.y
# (B's). Packets from A2 (B2) leave by a2 (b2) whatever their destination
# (a rule and a table per address, as a host with several uplinks has),
# so that A2 reaches B1 over pair 2.
#
# The stream: bench/udp_stream.c at MIF_BENCH_PPS (default 10,000)
# datagrams a second from 172.16.0.1 in A to 172.17.0.1 in B over pair 1's
# SA, from 2 s before the operation to 3 s after it, sent in bursts of
# MIF_BENCH_BURST (default 50: one wake-up each 5 ms); the rate it achieved
# is printed (an emulated sender falls short and skips the slots it
# missed, which are not losses). Lost: sent that never arrived; gap: the
# longest time without a datagram at the receiver.
#
# Rows, each from a fresh set-up of the N SAs in both namespaces:
#   module rewrite    A1 -> A2 then B1 -> B2, each address one
#                     XFRM_MIF_CMD_REWRITE in its owner's namespace and
#                     then one in the peer's (as MIF_MOVE does: the owner
#                     moves, then tells the peer): four calls, each timed
#                     in-process (build/bench/xfrm_move mif), started
#                     ahead and released back to back
#   per SA            the same four moves by build/bench/xfrm_move
#                     strongswan: per SA GETSA, GETAE, DELSA, NEWSA, then
#                     one UPDPOLICY per policy (the dump that stands in for
#                     a key manager's own state is not timed)
#   module failover   A2 the alternate of A1 in A (mifctl alt set), then
#                     ip link set a1 down in A: the module moves A's N SAs
#                     to A2 <-> B1 (B's stay as they are); "resumed": when
#                     the first datagram sent after the link went down
#                     (after ip link set returned) came to B, in ms
# Between B1 -> B2 in B and in A, A sends to B1 and B's SA is at B2: the
# datagrams of that window are lost in both rewrite rows, as between two
# MIF peers.
#
# After each row, the checks: in both namespaces the SA count and policy
# count exactly as set up, every SA and policy template on the expected
# addresses and none on the old; for 10 sample pairs, each of the pair's
# SAs found by SPI (ip xfrm state get) in both namespaces, and one datagram
# from the pair's 172.16 address in A, which A's output finds its SA for
# by address: the counters of A's SA and of B's must both grow. The
# kernel log is searched for soft lockups, RCU stalls, hung tasks, BUG and
# WARNING.
#
# Build on the host first (the VM's root is read-only), then run in the VM:
#   make -j2 module tools && make -C bench
#   tools/vm/run -k debian -m 8192 -t 3000 -- bench/load_move.sh [N]
# Environment: MIF_BENCH_CIPHER=null|gcm (default null: ecb(cipher_null);
# gcm: rfc4106(gcm(aes)), 128-bit key), MIF_BENCH_PPS (default 10000),
# MIF_BENCH_BURST (default 50), MIF_BENCH_ROWS (default "rewrite persa
# failover").
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../selftests/lib.sh"
source "$here/lib.sh"
trap ksft_cleanup EXIT

n=${1:-100000}
pps=${MIF_BENCH_PPS:-10000}
burst=${MIF_BENCH_BURST:-50}
cipher=${MIF_BENCH_CIPHER:-null}
rows=${MIF_BENCH_ROWS:-rewrite persa failover}
MOVE=$REPO_DIR/build/bench/xfrm_move
US=$REPO_DIR/build/bench/udp_stream
A1=10.77.1.1 B1=10.77.1.2 A2=10.77.2.1 B2=10.77.2.2
NSAMPLES=10
T=$(mktemp -d)

[[ $n =~ ^[0-9]+$ ]] && [ $((n % 2)) -eq 0 ] && [ "$n" -ge 40 ] && [ "$n" -le 131070 ] ||
	{ echo "bench: N must be even, 40..131070: $n" >&2; exit 2; }
[[ $pps =~ ^[0-9]+$ ]] && [ "$pps" -ge 1 ] && [ "$pps" -le 11000 ] ||
	{ echo "bench: MIF_BENCH_PPS must be 1..11000" >&2; exit 2; }
case $cipher in
null) enc='enc cipher_null ""' cipher_name='ecb(cipher_null)' ;;
gcm) enc="aead 'rfc4106(gcm(aes))' 0x000102030405060708090a0b0c0d0e0f10111213 128"
	cipher_name='rfc4106(gcm(aes)), 128-bit key' ;;
*) echo "bench: MIF_BENCH_CIPHER is null or gcm" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (run it in the VM)" >&2; exit 2; }
for b in "$MOVE" "$US"; do
	if [ ! -x "$b" ] || [ "$here/$(basename "$b").c" -nt "$b" ]; then
		echo "bench: $b missing or stale: run 'make -C bench' on the host" >&2
		exit 1
	fi
done
[ -x "$MIFCTL" ] || { echo "bench: build mifctl first (make tools)" >&2; exit 1; }
modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
load_module || { echo "bench: cannot load $MODULE (make module)" >&2; exit 1; }

# ---- topology ----
make_netns A && make_netns B || { echo "bench: no namespaces" >&2; exit 1; }
links_up() {
	local k ns d
	for k in 1 2; do
		ip -n "$A" link add "a$k" type veth peer name "b$k" netns "$B" &&
			ip -n "$A" addr add "10.77.$k.1/24" dev "a$k" &&
			ip -n "$B" addr add "10.77.$k.2/24" dev "b$k" &&
			ip -n "$A" link set "a$k" up && ip -n "$B" link set "b$k" up &&
			ip -n "$A" rule add from "10.77.$k.1" table "10$k" pref "10$k" &&
			ip -n "$B" rule add from "10.77.$k.2" table "10$k" pref "10$k" || return 1
	done
	for ns in "$A" "$B"; do
		for d in all default; do
			ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$d.rp_filter=0" || return 1
		done
	done
	ip -n "$A" addr add 172.16.0.1/32 dev lo && ip -n "$B" addr add 172.17.0.1/32 dev lo
}
# routes: again after a link went down, which removed those through it.
routes() {
	local k
	for k in 1 2; do
		ip -n "$A" route replace default via "10.77.$k.2" dev "a$k" table "10$k" &&
			ip -n "$B" route replace default via "10.77.$k.1" dev "b$k" table "10$k" ||
			return 1
	done
	ip -n "$A" route replace 172.17.0.0/16 via "$B1" dev a1 &&
		ip -n "$A" route replace 172.17.0.0/16 via "$B2" dev a2 metric 100 &&
		ip -n "$B" route replace 172.16.0.0/16 via "$A1" dev b1 &&
		ip -n "$B" route replace 172.16.0.0/16 via "$A2" dev b2 metric 100
}
links_up && routes || { echo "bench: cannot set up the links" >&2; exit 1; }

# ---- the SAs: one batch per namespace, the same SAs, mirrored policies ----
spis "$n" "$T/spis"
# batch SIDE: A's or B's ip -batch file.
batch() {
	awk -v n="$n" -v a="$A1" -v b="$B1" -v enc="$enc" -v side="$1" -v spis="$T/spis" 'BEGIN {
		for (i = 1; i <= n / 2; i++) {
			x = int(i / 256); y = i % 256
			l = "172.16." x "." y; r = "172.17." x "." y
			getline so <spis; getline si <spis
			printf "xfrm state add src %s dst %s proto esp spi %s reqid %d mode tunnel %s\n",
				a, b, so, i, enc
			printf "xfrm state add src %s dst %s proto esp spi %s reqid %d mode tunnel %s\n",
				b, a, si, i, enc
			if (side == "B") {
				t = l; l = r; r = t; t = a; a = b; b = t
			}
			printf "xfrm policy add src %s/32 dst %s/32 dir out tmpl src %s dst %s proto esp reqid %d mode tunnel\n",
				l, r, a, b, i
			printf "xfrm policy add src %s/32 dst %s/32 dir in tmpl src %s dst %s proto esp reqid %d mode tunnel\n",
				r, l, b, a, i
			printf "xfrm policy add src %s/32 dst %s/32 dir fwd tmpl src %s dst %s proto esp reqid %d mode tunnel\n",
				r, l, b, a, i
			if (side == "B") {
				t = a; a = b; b = t
			}
		}
	}'
}
batch A >"$T/A.batch"
batch B >"$T/B.batch"

# The sample pairs: spread over 1..N/2, pair 1 (the stream's) first; their
# 172.16 addresses on A's lo for the probes.
samples=()
for ((s = 0; s < NSAMPLES; s++)); do
	i=$((1 + s * (n / 2 - 1) / (NSAMPLES - 1)))
	[ $((i % 256)) -ne 0 ] || i=$((i - 1))
	samples+=("$i")
	[ "$i" -eq 1 ] || ip -n "$A" addr add "172.16.$((i / 256)).$((i % 256))/32" dev lo
done
# spi_of I out|in: the SPI of pair I's SA from A to B (out) or B to A.
spi_of() {
	local k=$((2 * $1 - 1))
	[ "$2" = out ] || k=$((k + 1))
	sed -n "${k}p" "$T/spis"
}

reset() {
	local ns t0
	for ns in "$A" "$B"; do
		ip -n "$ns" xfrm state flush
		ip -n "$ns" xfrm policy flush
	done
	settle
	t0=$(now)
	ip -n "$A" -batch "$T/A.batch" && ip -n "$B" -batch "$T/B.batch" || return 1
	setup_ms=$((($(now) - t0) / 1000000))
	settle
}

# ---- the checks ----
# tables NS X Y OLD...: NS holds exactly N SAs, all between X and Y, and
# 3N/2 policies, all of their templates between X and Y; none of either
# names an address of OLD. Prints what is wrong.
tables() {
	local ns=$1 x=$2 y=$3 got want
	shift 3
	ip -n "$ns" xfrm state >"$T/state"
	ip -n "$ns" xfrm policy >"$T/policy"
	got=$(awk -v x="$x" -v y="$y" -v old="$*" '
		BEGIN { split(old, o, " "); for (k in o) bad[o[k]] = 1 }
		$1 == "src" && $3 == "dst" { n++ }
		$1 == "src" && $3 == "dst" && ($2 == x && $4 == y || $2 == y && $4 == x) { ok++ }
		$1 == "src" && $3 == "dst" && ($2 in bad || $4 in bad) { on_old++ }
		END { printf "%d %d %d", n, ok, on_old }' "$T/state")
	got+=" $(awk -v x="$x" -v y="$y" -v old="$*" '
		BEGIN { split(old, o, " "); for (k in o) bad[o[k]] = 1 }
		$1 == "dir" && $2 != "" { n++ }
		$1 == "tmpl" { t++ }
		$1 == "tmpl" && ($3 == x && $5 == y || $3 == y && $5 == x) { ok++ }
		$1 == "tmpl" && ($3 in bad || $5 in bad) { on_old++ }
		END { printf "%d %d %d %d", n, t, ok, on_old }' "$T/policy")"
	want="$n $n 0 $((n / 2 * 3)) $((n / 2 * 3)) $((n / 2 * 3)) 0"
	[ "$got" = "$want" ] && return 0
	echo "$ns: SAs, SAs on $x/$y, SAs on old, policies, templates, on $x/$y, on old: $got (want $want)"
	return 1
}

# sa_packets NS SRC DST SPI: the SA's packet count, or "missing" when
# XFRM does not find it by SPI.
sa_packets() {
	ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "$4" 2>/dev/null | awk '
		$1 == "src" { found = ($2 == src && $4 == dst) }
		/lifetime current:/ { getline; sub(/\(packets\)/, "", $2); p = $2 }
		END { print (found && p != "" ? p : "missing") }' src="$2" dst="$3"
}

# samples_ok AX BX AY BY: the sample pairs' SAs are in A between AX
# (A's address) and BX, in B between AY and BY; each found by SPI, and a
# probe from the pair's address finds A's outbound SA by address and
# reaches B's.
samples_ok() {
	local ax=$1 bx=$2 ay=$3 by=$4 i so si a0 b0 a1 b1 bad=0 src
	for i in "${samples[@]}"; do
		so=$(spi_of "$i" out) si=$(spi_of "$i" in)
		src=172.16.$((i / 256)).$((i % 256))
		a0=$(sa_packets "$A" "$ax" "$bx" "$so") b0=$(sa_packets "$B" "$ay" "$by" "$so")
		if [ "$a0" = missing ] || [ "$b0" = missing ] ||
			[ "$(sa_packets "$A" "$bx" "$ax" "$si")" = missing ] ||
			[ "$(sa_packets "$B" "$by" "$ay" "$si")" = missing ]; then
			echo "pair $i (spi $so, $si): not found by SPI"
			bad=1
			continue
		fi
		[ "$i" -eq 1 ] && continue	# the stream's: its counters move anyway
		ip netns exec "$A" "$US" send "$src" "172.17.$((i / 256)).$((i % 256))" 9 1 1 >/dev/null
		sleep 0.1
		a1=$(sa_packets "$A" "$ax" "$bx" "$so") b1=$(sa_packets "$B" "$ay" "$by" "$so")
		if [ "$a1" = missing ] || [ "$a1" -le "$a0" ] || [ "$b1" = missing ] || [ "$b1" -le "$b0" ]; then
			echo "pair $i (spi $so): a probe did not go through it (A's SA $a0 -> $a1 packets, B's $b0 -> $b1)"
			bad=1
		fi
	done
	return $bad
}

# kernel_log: lines of the kernel log since the last call that tell of a
# stall, a lockup or a bug.
klog_seen=0
kernel_log() {
	dmesg >"$T/dmesg"
	tail -n +$((klog_seen + 1)) "$T/dmesg" |
		grep -E 'soft lockup|hard LOCKUP|rcu.*stall|blocked for more than|BUG|WARNING|Oops' | head -n 5
	klog_seen=$(wc -l <"$T/dmesg")
}

# ---- one row ----
declare -A res note
# mover K NS OLD NEW METHOD [J]: xfrm_move METHOD OLD NEW started in NS,
# its dump done before the clock starts; it moves when go K tells it to,
# and then releases mover J itself.
declare -a mpid gofd
mover() {
	local fd then=()
	rm -f "$T/go$1" "$T/move$1"
	mkfifo "$T/go$1"
	[ -z "${6:-}" ] || then=("MIF_MOVE_THEN=$T/go$6")
	ip netns exec "$2" env MIF_MOVE_GO=1 "${then[@]}" "$MOVE" "$5" "$3" "$4" \
		<"$T/go$1" >"$T/move$1" 2>&1 &
	mpid[$1]=$!
	exec {fd}>"$T/go$1"
	gofd[$1]=$fd
}
# ready K: wait until mover K has its dump (at most 20 minutes).
ready() {
	local i
	for ((i = 0; i < 12000; i++)); do
		grep -q '^ready' "$T/move$1" 2>/dev/null && return 0
		kill -0 "${mpid[$1]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "failed: mover $1: $(tr '\n' ' ' <"$T/move$1")"
	return 1
}
# go K [released]: mover K moves (told by us, or by the mover before it);
# its timed seconds into times[K].
go() {
	local fd=${gofd[$1]}
	[ -n "${2:-}" ] || echo go >&"$fd"
	wait "${mpid[$1]}" || { echo "failed: mover $1: $(tr '\n' ' ' <"$T/move$1")"; return 1; }
	exec {fd}>&-
	times[$1]=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' "$T/move$1")
}

# moves METHOD: A1 -> A2 in A, then in B; B1 -> B2 in B, then in A, each
# by xfrm_move METHOD, the next one's dump done while the one before
# moves where that is correct (A's dump for B1 only after A's A1 -> A2).
# B's B1 -> B2 releases A's itself. Prints the seconds of the four, their
# sum and the time from the start of B's B1 -> B2 to the end of A's (by
# their own clocks): the window in which A sends to B1 and B has the SA at
# B2.
moves() {
	local times=() t0 t1
	mover 1 "$A" "$A1" "$A2" "$1" && mover 2 "$B" "$A1" "$A2" "$1" &&
		ready 1 && go 1 && mover 4 "$A" "$B1" "$B2" "$1" &&
		ready 2 && go 2 && mover 3 "$B" "$B1" "$B2" "$1" 4 &&
		ready 3 && ready 4 || return 1
	go 3 && go 4 released || return 1
	t0=$(sed -n 's/.* start=\([0-9.]*\).*/\1/p' "$T/move3")
	t1=$(sed -n 's/.* end=\([0-9.]*\).*/\1/p' "$T/move4")
	awk -v a="${times[1]}" -v b="${times[2]}" -v c="${times[3]}" -v d="${times[4]}" -v t0="$t0" -v t1="$t1" '
		BEGIN { printf "%.3f (%.3f %.3f %.3f %.3f; B1->B2 window %.3f)\n", a + b + c + d, a, b, c, d, t1 - t0 }'
}

# failover: A2 the alternate of A1, a1 down (the receiver marks when
# that is done); the seconds until A holds no SA on A1 (polled every
# 50 ms, so late by a poll).
failover() {
	local t0 i
	ip netns exec "$A" "$MIFCTL" alt set "$A1" "$A2" >/dev/null || { echo "failed: alt set"; return 1; }
	t0=$(now)
	ip -n "$A" link set a1 down
	kill -USR1 "$rpid"
	for ((i = 0; i < 2400; i++)); do
		ip -n "$A" xfrm state list src "$A1" | grep -q '^src' || break
		sleep 0.05
	done
	awk -v t=$(($(now) - t0)) 'BEGIN { printf "%.3f\n", t / 1e9 }'
}

# row KEY: a fresh set-up, the stream, the operation, the checks.
row() {
	local key=$1 op s r check=ok k
	if ! reset; then
		res[$key]="n/a" note[$key]="the set-up failed"
		return
	fi
	kernel_log >/dev/null
	ip netns exec "$B" "$US" recv 172.17.0.1 6000 "$pps" 1500 >"$T/recv.out" 2>&1 &
	rpid=$!
	sleep 0.5
	ip netns exec "$A" "$US" send 172.16.0.1 172.17.0.1 6000 "$pps" 1500 "$burst" >"$T/send.out" 2>&1 &
	spid=$!
	sleep 2
	case $key in
	rewrite) op=$(moves mif) ;;
	persa) op=$(moves strongswan) ;;
	failover) op=$(failover) ;;
	esac
	sleep 3
	kill -TERM "$spid"
	wait "$spid"
	for ((k = 0; k < 30; k++)); do
		kill -0 "$rpid" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$rpid" 2>/dev/null
	wait "$rpid"
	s=$(cat "$T/send.out") r=$(tr '\n' ' ' <"$T/recv.out")
	echo "# $key: $op; $s; $r (set-up $setup_ms ms)" >&2
	# The checks.
	case $key in
	failover)
		tables "$A" "$A2" "$B1" "$A1" >"$T/check" &&
			tables "$B" "$A1" "$B1" "$A2" "$B2" >>"$T/check" &&
			samples_ok "$A2" "$B1" "$A1" "$B1" >>"$T/check" || check=FAIL ;;
	*)
		tables "$A" "$A2" "$B2" "$A1" "$B1" >"$T/check" &&
			tables "$B" "$A2" "$B2" "$A1" "$B1" >>"$T/check" &&
			samples_ok "$A2" "$B2" "$A2" "$B2" >>"$T/check" || check=FAIL ;;
	esac
	note[$key]="$(tr '\n' ';' <"$T/check")"
	k=$(kernel_log)
	[ -z "$k" ] || { check=FAIL; note[$key]+=" kernel: $(tr '\n' ';' <<<"$k")"; }
	res[$key]=$(awk -v op="$op" -v check="$check" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	} END {
		split(op, o, " ")
		sent = v["sent"] + v["send_errors"]
		rate = v["seconds"] > 0 ? sent / v["seconds"] : 0
		moves4 = op ~ /\(/ ? substr(op, index(op, "(")) : "-"
		printf "%s|%s|%d|%.0f|%d|%s|%s|%s|%s", o[1], moves4,
			sent, rate, sent - v["received"],
			v["gap_ms"], v["mark_resumed_ms"] == "" ? "-" : v["mark_resumed_ms"],
			v["recovered"], check
	}' <<<"$s $r")
	[ "$key" != failover ] || {
		ip netns exec "$A" "$MIFCTL" alt del "$A1" >/dev/null 2>&1
		ip -n "$A" link set a1 up
		sleep 1
		routes
	}
}

for key in rewrite persa failover; do
	if [[ " $rows " == *" $key "* ]]; then row "$key"; else res[$key]="n/a" note[$key]="not run"; fi
done

echo
echo "load_move: N = $n SAs ($((n / 2)) tunnel-mode ESP pairs, $cipher_name, $((n / 2 * 3)) policies) in each of two namespaces;"
echo "a UDP stream of $pps datagrams/s (asked) over pair 1's SAs, 2 s before the operation to 3 s after"
echo "command: bench/load_move.sh $n (MIF_BENCH_CIPHER=$cipher MIF_BENCH_PPS=$pps)"
echo "op s: the operation (rewrite rows: the sum of the four moves A1->A2 in A, in B, B1->B2 in B, in A);"
echo "rate: datagrams/s the sender achieved; lost: sent that never arrived; gap: longest time without one;"
echo "resumed: first datagram after the link went down, ms; checks: counts, addresses, samples by SPI and address"
printf '%-16s  %8s  %8s  %7s  %6s  %8s  %8s  %9s  %6s\n' row "op s" sent rate lost "gap ms" "resumed" recovered checks
for key in rewrite persa failover; do
	IFS='|' read -r op moves4 sent rate lost gap resumed recovered check <<<"${res[$key]}"
	case $key in
	rewrite) name="module rewrite" ;;
	persa) name="per SA (a)" ;;
	failover) name="module failover" ;;
	esac
	printf '%-16s  %8s  %8s  %7s  %6s  %8s  %8s  %9s  %6s\n' "$name" "${op:-n/a}" "${sent:-}" \
		"${rate:-}" "${lost:-}" "${gap:-}" "${resumed:-}" "${recovered:-}" "${check:-}"
done
for key in rewrite persa failover; do
	IFS='|' read -r _ moves4 _ <<<"${res[$key]}"
	echo "$key: moves (s) ${moves4:--}; ${note[$key]:-}"
done
rm -rf "$T"
exit 0
