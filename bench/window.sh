#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): one IKE SA with s Child SAs (s = 1,000; S=
# overrides), mifd to mifd, at window 1 (one CREATE_CHILD_SA in flight at
# a time, as before SET_WINDOW_SIZE) against windows 4 and 16
# (window_size in both mifd.conf, RFC 7296 2.3), side by side in one run.
#
# Topology: namespaces EU and SG joined by a veth pair (10.94.0.1 -
# 10.94.0.2). One connection, transport mode, s children: child J (J =
# 1..s) is TCP to SG's port 5000+J. IKE aes256gcm16-prfsha256-x25519, ESP
# aes256gcm16 (no PFS), PSK, no DPD, the default lifetimes (no rekey
# within a run), the first retransmission after 5 s (none in a quiet
# run), logging at notice.
#
# Each window runs on the bare veth pair (a round trip of microseconds:
# the set-up is bound by CPU, the two daemons and the kernel sharing the
# VM's) and with netem delaying each direction by 10 ms (DELAY= lists the
# one-way delays in ms, "0 10" by default), as on a real path, where the
# window saves round trips.
#
# Method: both mifd started afresh for each row, then `mifctl ike up`;
# both kernels' SA counts polled (`ip xfrm state count`, every 10 ms or
# as fast as the shell goes). The time runs from IKE_AUTH's end (the
# first Child SA's two SAs in EU's kernel: EU has the response) to the
# last Child SA installed (2s SAs in both kernels).
#
# Columns:
#   window    window_size of both sides (what each offers the other)
#   RTT ms    the round trip netem adds (twice DELAY)
#   Child SAs  s
#   seconds   the time above
#   per s     Child SAs installed per second after IKE_AUTH
#   speed-up  window 1's seconds (same RTT) over the row's
#
# Build on the host first (the VM's root is read-only), then run in the VM:
#   make
#   tools/vm/run -k debian -m 3072 -t 2400 -- bench/window.sh
#   tools/vm/run ... -- env S=200 W="1 4 16" DELAY="0 10" bench/window.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../selftests/lib.sh"
source "$here/../selftests/interop/lib.sh"	# mifd_*; sets an EXIT trap
source "$here/lib.sh"

s=${S:-1000}
read -r -a windows <<<"${W:-1 4 16}"
read -r -a delays <<<"${DELAY:-0 10}"
limit=${MIF_BENCH_TIMEOUT:-1800}
[[ $s =~ ^[1-9][0-9]*$ ]] && [ "$s" -le 1000 ] ||
	{ echo "bench: S: 1..1000: $s" >&2; exit 2; }
for w in "${windows[@]}"; do
	[[ $w =~ ^[1-9][0-9]*$ ]] && [ "$w" -le 32 ] ||
		{ echo "bench: W: each 1..32: $w" >&2; exit 2; }
done
for d in "${delays[@]}"; do
	[[ $d =~ ^[0-9]+$ ]] && [ "$d" -le 1000 ] ||
		{ echo "bench: DELAY: each 0..1000 ms: $d" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (run it in the VM)" >&2; exit 2; }
[ -x "$MIFD" ] && [ -x "$MIFCTL" ] ||
	{ echo "bench: $MIFD or $MIFCTL not built (make)" >&2; exit 1; }

PSK=0x6d69662d62656e63682d77696e646f77
EU_ADDR=10.94.0.1
SG_ADDR=10.94.0.2
T=$(mktemp -d /tmp/mif-bench-window.XXXXXX)
cleanup() {
	mifd_stop >/dev/null 2>&1
	rm -rf "$T" "$MIFD_TMP"
	ksft_cleanup
}
trap cleanup EXIT

modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
make_netns EU || exit 1
make_netns SG || exit 1
ip -n "$EU" link add bw0 type veth peer name pbw0 netns "$SG" &&
	ip -n "$EU" addr add $EU_ADDR/24 dev bw0 &&
	ip -n "$SG" addr add $SG_ADDR/24 dev pbw0 &&
	ip -n "$EU" link set bw0 up && ip -n "$SG" link set pbw0 up ||
	{ echo "bench: cannot set up the veth" >&2; exit 1; }

# conf ME PEER WINDOW: the connection and its s children.
conf() {
	local me=$1 peer=$2 j
	cat <<-CONF
	[mifd]
	log_level = notice
	window_size = $3

	[conn w]
	local = $me
	remote = $peer
	local_id = fqdn:$([ "$me" = "$EU_ADDR" ] && echo eu || echo sg).example
	remote_id = fqdn:$([ "$me" = "$EU_ADDR" ] && echo sg || echo eu).example
	psk = $PSK
	mode = transport
	esp = aes256gcm16
	ike = aes256gcm16-prf_sha256-x25519
	retransmit_base = 5s
	dpd = 0
	CONF
	for ((j = 1; j <= s; j++)); do
		echo
		echo "[child w/c$j]"
		if [ "$me" = "$EU_ADDR" ]; then
			echo "local_ts = $me/32[tcp]"
			echo "remote_ts = $peer/32[tcp/$((5000 + j))]"
		else
			echo "local_ts = $me/32[tcp/$((5000 + j))]"
			echo "remote_ts = $peer/32[tcp]"
		fi
	done
}

count() {
	ip -n "$1" xfrm state count 2>/dev/null | grep -o '[0-9]*' | head -1
}

# run WINDOW: prints the seconds from IKE_AUTH's end to the last Child SA.
run() {
	local w=$1 t0= t1= a b deadline
	conf "$EU_ADDR" "$SG_ADDR" "$w" >"$T/eu.conf"
	conf "$SG_ADDR" "$EU_ADDR" "$w" >"$T/sg.conf"
	ip -n "$EU" xfrm state flush
	ip -n "$SG" xfrm state flush
	settle
	mifd_start "$EU" "$T/eu.conf" "$T/eu.sock" &&
		mifd_start "$SG" "$T/sg.conf" "$T/sg.sock" || return 1
	deadline=$(($(date +%s) + limit))
	mifd_ctl "$EU" "$T/eu.sock" ike up w >/dev/null || return 1
	while [ "$(date +%s)" -lt "$deadline" ]; do
		a=$(count "$EU")
		if [ -z "$t0" ] && [ "${a:-0}" -ge 2 ]; then
			t0=$(now)
		fi
		if [ -n "$t0" ] && [ "${a:-0}" -ge $((2 * s)) ]; then
			b=$(count "$SG")
			if [ "${b:-0}" -ge $((2 * s)) ]; then
				t1=$(now)
				break
			fi
		fi
		sleep 0.01
	done
	mifd_ctl "$EU" "$T/eu.sock" ike down w >/dev/null 2>&1
	mifd_stop >/dev/null 2>&1
	[ -n "$t1" ] || { echo "bench: window $w: not all $s Child SAs within ${limit}s (EU $a SAs)" >&2; return 1; }
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}

# delay MS: netem's delay of MS each way on the veth pair (0: none).
delay() {
	local ns dev
	for ns in "$EU:bw0" "$SG:pbw0"; do
		dev=${ns#*:}
		ns=${ns%%:*}
		ip netns exec "$ns" tc qdisc del dev "$dev" root 2>/dev/null
		[ "$1" -eq 0 ] && continue
		ip netns exec "$ns" tc qdisc add dev "$dev" root netem \
			delay "${1}ms" limit 100000 || return 1
	done
}

printf '# one IKE SA, %s Child SAs, mifd to mifd (%s)\n' "$s" "$(uname -r)"
printf '%-8s %8s %10s %10s %10s %10s\n' window "RTT ms" "Child SAs" \
	seconds "per s" speed-up
for d in "${delays[@]}"; do
	if ! delay "$d"; then
		echo "# netem not available: no rows with a delay of $d ms"
		continue
	fi
	base=
	for w in "${windows[@]}"; do
		secs=$(run "$w") ||
			{ printf '%-8s %8s %10s %10s\n' "$w" $((2 * d)) "$s" failed; continue; }
		[ -n "$base" ] || base=$secs
		awk -v w="$w" -v d=$((2 * d)) -v s="$s" -v t="$secs" -v b="$base" 'BEGIN {
			r = 0; x = 0
			if (t > 0) { r = s / t; x = b / t }
			printf "%-8s %8d %10d %10.3f %10.1f %9.2fx\n", w, d, s, t, r, x }'
	done
done
delay 0
