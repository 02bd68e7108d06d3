#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): move every SA and policy of one address to another,
# for N SAs, by one xfrm_mif call (`mifctl rewrite OLD NEW`) against what key
# managers do over XFRM netlink, one request at a time, from one process
# (build/bench/xfrm_move, bench/xfrm_move.c):
#   (a) strongSwan's update_sa: per SA GETSA, GETAE (replay state, lifetime),
#       DELSA, NEWSA on the new address; then one UPDPOLICY per policy
#   (b) Libreswan's migrate: one XFRM_MSG_MIGRATE per policy (out, in, fwd)
# N SAs are N/2 tunnel-mode ESP pairs 10.1.1.1 <-> 10.1.1.2, each pair with its
# own reqid and random SPIs (bench/lib.sh spis), /32 selectors
# 172.16.x.y <-> 172.17.x.y and out, in and fwd policies; all of it moves from 10.1.1.1 to 10.1.9.1. (a) and (b) time only
# their requests: the SA and policy dump that stands in for a key manager's own
# state runs before the clock starts. Each method starts from a fresh set-up
# and is checked afterwards: every SA and template on 10.1.9.1, none left on
# 10.1.1.1.
#
# The module is also timed in-process (xfrm_move mif: the same request
# mifctl sends, without ip netns exec and process start-up), in a second table.
#
# Build xfrm_move on the host first (the VM's root is read-only), then run in
# the VM:
#   make module tools && make -C bench
#   tools/vm/run -m 6144 -t 3000 -- bench/rewrite.sh [N...]
# Environment: MIF_BENCH_CIPHER=null|gcm (default null: ecb(cipher_null);
# gcm: rfc4106(gcm(aes)), 128-bit key), MIF_BENCH_FWD=0 (no fwd policies),
# MIF_BENCH_BUDGET=SECONDS (default 600: skip (a) or (b) at an N where the
# per-SA time measured at a smaller N projects more than that),
# MIF_BENCH_ROUNDS (default 3: each figure up to 10,000 SAs is the fastest
# of that many rounds; a single round above).
source "$(dirname "$0")/../selftests/lib.sh"
source "$(dirname "$0")/lib.sh"
set -e
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
cipher=${MIF_BENCH_CIPHER:-null}
fwd=${MIF_BENCH_FWD:-1}
budget=${MIF_BENCH_BUDGET:-600}
rounds=${MIF_BENCH_ROUNDS:-3}
MOVE=$REPO_DIR/build/bench/xfrm_move
OLD=10.1.1.1 PEER=10.1.1.2 NEW=10.1.9.1

for n in "${sizes[@]}"; do
	[[ $n =~ ^[0-9]+$ ]] && [ $((n % 2)) -eq 0 ] && [ "$n" -ge 2 ] &&
		[ "$n" -le 131070 ] ||
		{ echo "bench: N must be even, 2..131070: $n" >&2; exit 2; }
done
case $cipher in
null) enc='enc cipher_null ""' cipher_name='ecb(cipher_null), no authentication' ;;
gcm) enc="aead 'rfc4106(gcm(aes))' 0x000102030405060708090a0b0c0d0e0f10111213 128"
	cipher_name='rfc4106(gcm(aes)), 128-bit key, 16-byte ICV' ;;
*) echo "bench: MIF_BENCH_CIPHER is null or gcm" >&2; exit 2 ;;
esac

# xfrm_move is built on the host; inside the VM the repository is read-only.
if [ ! -x "$MOVE" ] || [ "$REPO_DIR/bench/xfrm_move.c" -nt "$MOVE" ]; then
	if [ -w "$REPO_DIR" ]; then
		make -s -C "$REPO_DIR/bench" >&2
	else
		echo "bench: $MOVE missing or stale: run 'make -C bench' on the host" >&2
		exit 1
	fi
fi

modprobe -q xfrm_user || true
modprobe -q esp4 || true
have_module=1
if ! load_module 2>/tmp/load.err; then
	have_module=0
	echo "# module not loaded ($(head -1 /tmp/load.err)): module column n/a" >&2
fi
[ -x "$MIFCTL" ] || have_module=0
make_netns NS
# Both addresses local, on a dummy interface (on lo where there is no dummy).
dev=mif0
ip -n "$NS" link add "$dev" type dummy 2>/dev/null || dev=lo
ip -n "$NS" addr add "$OLD/24" dev "$dev"
ip -n "$NS" addr add "$NEW/24" dev "$dev"
ip -n "$NS" link set "$dev" up

# batch N: the ip -batch file that sets up N SAs and their policies.
batch() {
	spis "$1" /tmp/spis
	awk -v n="$1" -v old="$OLD" -v peer="$PEER" -v enc="$enc" -v fwd="$fwd" 'BEGIN {
		for (i = 1; i <= n / 2; i++) {
			x = int(i / 256); y = i % 256
			l = "172.16." x "." y; r = "172.17." x "." y
			getline so <"/tmp/spis"; getline si <"/tmp/spis"
			printf "xfrm state add src %s dst %s proto esp spi %s reqid %d mode tunnel %s\n",
				old, peer, so, i, enc
			printf "xfrm state add src %s dst %s proto esp spi %s reqid %d mode tunnel %s\n",
				peer, old, si, i, enc
			printf "xfrm policy add src %s/32 dst %s/32 dir out tmpl src %s dst %s proto esp reqid %d mode tunnel\n",
				l, r, old, peer, i
			printf "xfrm policy add src %s/32 dst %s/32 dir in tmpl src %s dst %s proto esp reqid %d mode tunnel\n",
				r, l, peer, old, i
			if (fwd)
				printf "xfrm policy add src %s/32 dst %s/32 dir fwd tmpl src %s dst %s proto esp reqid %d mode tunnel\n",
					r, l, peer, old, i
		}
	}' >/tmp/setup.batch
}

# reset: flush everything, set up the batch again.
reset() {
	local t0
	ip -n "$NS" xfrm state flush
	ip -n "$NS" xfrm policy flush
	t0=$(now)
	ip -n "$NS" -batch /tmp/setup.batch
	setup_ns=$(($(now) - t0))
	settle
}

# verify N WHAT: every SA and policy template now on NEW, none on OLD.
verify() {
	local n=$1 pols=$(($1 / 2 * (2 + fwd))) got
	ip -n "$NS" xfrm state >/tmp/state.txt
	ip -n "$NS" xfrm policy >/tmp/policy.txt
	got=$(awk -v old="$OLD" -v new="$NEW" '
		$1 == "src" && ($2 == new || $4 == new) { sn++ }
		$1 == "src" && ($2 == old || $4 == old) { so++ }
		END { printf "%d %d", sn, so }' /tmp/state.txt)
	got="$got $(awk -v old="$OLD" -v new="$NEW" '
		$1 == "tmpl" && ($3 == new || $5 == new) { pn++ }
		$1 == "tmpl" && ($3 == old || $5 == old) { po++ }
		END { printf "%d %d", pn, po }' /tmp/policy.txt)"
	[ "$got" = "$n 0 $pols 0" ] && return 0
	echo "# $2 at N=$n: wrong result: SAs on new/old, templates on new/old:" \
		"$got (want $n 0 $pols 0)" >&2
	return 1
}

declare -A res_mod res_in res_a res_b
notes=()

# module N: one mifctl rewrite, wall time of the process.
run_module() {
	local n=$1 t0 t1
	if [ $have_module -eq 0 ]; then res_mod[$n]=n/a; return; fi
	reset
	t0=$(now)
	if ! ip netns exec "$NS" "$MIFCTL" rewrite "$OLD" "$NEW" >/dev/null 2>/tmp/mifctl.err; then
		t1=$(now)
		res_mod[$n]=n/a
		notes+=("module at N=$n: mifctl rewrite failed: $(head -1 /tmp/mifctl.err)")
		return
	fi
	t1=$(now)
	if verify "$n" module; then
		record res_mod "$n" "$(awk -v t=$((t1 - t0)) 'BEGIN { printf "%.6f", t / 1e9 }')"
	else
		res_mod[$n]=n/a
		notes+=("module at N=$n: mifctl rewrite left SAs or policies on $OLD")
	fi
}

# km METHOD N VAR: xfrm_move's timed part (discovery dump excluded).
run_km() {
	local method=$1 n=$2 out
	local -n res=$3
	reset
	if ! out=$(ip netns exec "$NS" "$MOVE" "$method" "$OLD" "$NEW" 2>/tmp/move.err); then
		res[$n]=n/a
		notes+=("$method at N=$n: xfrm_move failed: $(head -1 /tmp/move.err)")
		return
	fi
	if verify "$n" "$method"; then
		record "$3" "$n" "$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$out")"
		echo "# $out (set-up $((setup_ns / 1000000)) ms)" >&2
	else
		res[$n]=n/a
		notes+=("$method at N=$n: xfrm_move left SAs or policies on $OLD")
	fi
}

# project METHOD N VAR: "skipped: projected Ns" when the per-SA time of the
# largest smaller N measured so far projects beyond the budget, else empty.
project() {
	local n=$1 m best=0 per=
	local -n res=$2
	for m in "${!res[@]}"; do
		[ "$m" -lt "$n" ] && [ "$m" -gt "$best" ] && [[ ${res[$m]} =~ ^[0-9.]+$ ]] &&
			best=$m per=${res[$m]}
	done
	[ -n "$per" ] || return 0
	awk -v per="$per" -v m="$best" -v n="$n" -v b="$budget" 'BEGIN {
		p = per / m * n; if (p > b) printf "skipped: projected %.0f s", p }'
}

# record VAR N SECONDS: the fastest of the rounds at N; a failed round
# (n/a) stands.
record() {
	local -n r=$1
	local old=${r[$2]:-}
	if [ -z "$old" ] || { [[ $old =~ ^[0-9.]+$ ]] && awk -v a="$3" -v b="$old" 'BEGIN { exit !(a < b) }'; }; then
		r[$2]=$3
	fi
}

# measure N: every method, best of $rounds rounds (one round above 10,000
# SAs), so that a round slowed by the host's other work does not count.
measure() {
	local n=$1 p r k=$rounds
	[ "$n" -le 10000 ] || k=1
	batch "$n"
	for ((r = 0; r < k; r++)); do
		run_module "$n"
		if [ $have_module -eq 1 ]; then run_km mif "$n" res_in; else res_in[$n]=n/a; fi
		p=$(project "$n" res_a)
		if [ -n "$p" ]; then res_a[$n]=skipped; notes+=("(a) at N=$n $p (budget $budget s)")
		else run_km strongswan "$n" res_a; fi
		p=$(project "$n" res_b)
		if [ -n "$p" ]; then res_b[$n]=skipped; notes+=("(b) at N=$n $p (budget $budget s)")
		else run_km libreswan "$n" res_b; fi
	done
}

# Warm-up (TCG translates code on first use), then the process start-up cost
# that the module column carries and the xfrm_move columns do not.
measure 500
unset 'res_mod[500]' 'res_in[500]' 'res_a[500]' 'res_b[500]'
notes=()
# The start-up: the fastest of three `mifctl info` (one genl round trip).
startup=
for i in 1 2 3; do
	t0=$(now)
	ip netns exec "$NS" "$MIFCTL" info >/dev/null 2>&1 || true
	t1=$(now)
	t=$(((t1 - t0) / 1000000))
	[ -n "$startup" ] && [ "$startup" -le "$t" ] || startup=$t
done

for n in "${sizes[@]}"; do
	measure "$n"
done

echo
echo "rewrite: move every SA and policy of $OLD to $NEW (tunnel mode, ESP, $cipher_name)"
echo "N SAs = N/2 pairs with $((2 + fwd)) policies each (out, in$([ "$fwd" = 1 ] && echo ", fwd"))"
echo "module: one 'mifctl rewrite' (process wall time, start-up of about $startup ms included)"
echo "(a) strongSwan: per SA GETSA+GETAE+DELSA+NEWSA, per policy UPDPOLICY (xfrm_move, timed loop only)"
echo "(b) Libreswan: per policy XFRM_MSG_MIGRATE (xfrm_move, timed loop only)"
printf '%8s  %10s  %10s  %10s  %12s  %10s  %10s  %10s  %10s\n' \
	N "module s" "(a) s" "(b) s" "module us/SA" "(a) us/SA" "(b) us/SA" "(a)/module" "(b)/module"
for n in "${sizes[@]}"; do
	awk -v n="$n" -v m="${res_mod[$n]}" -v a="${res_a[$n]}" -v b="${res_b[$n]}" '
	function num(x) { return x ~ /^[0-9.]+$/ }
	function s(x) { return num(x) ? sprintf("%.3f", x) : x }
	function us(x) { return num(x) ? sprintf("%.1f", x * 1e6 / n) : x }
	function ratio(x, y) { return num(x) && num(y) && y > 0 ? sprintf("%.1fx", x / y) : "n/a" }
	BEGIN {
		printf "%8d  %10s  %10s  %10s  %12s  %10s  %10s  %10s  %10s\n",
			n, s(m), s(a), s(b), us(m), us(a), us(b), ratio(a, m), ratio(b, m)
	}'
done
echo
echo "like for like: the same XFRM_MIF_CMD_REWRITE sent and timed in one process by"
echo "xfrm_move mif (no process start-up), against the same (a) and (b)"
printf '%8s  %10s  %12s  %10s  %10s\n' N "module s" "module us/SA" "(a)/module" "(b)/module"
for n in "${sizes[@]}"; do
	awk -v n="$n" -v m="${res_in[$n]}" -v a="${res_a[$n]}" -v b="${res_b[$n]}" '
	function num(x) { return x ~ /^[0-9.]+$/ }
	function s(x) { return num(x) ? sprintf("%.3f", x) : x }
	function us(x) { return num(x) ? sprintf("%.1f", x * 1e6 / n) : x }
	function ratio(x, y) { return num(x) && num(y) && y > 0 ? sprintf("%.1fx", x / y) : "n/a" }
	BEGIN {
		printf "%8d  %10s  %12s  %10s  %10s\n", n, s(m), us(m), ratio(a, m), ratio(b, m)
	}'
done
for x in "${notes[@]}"; do
	echo "note: $x"
done
