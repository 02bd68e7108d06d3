#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): legitimate IKE set-ups per second at a responder
# flooded with IKE_SA_INIT requests from forged source addresses, and what
# the flood costs the responder mifd in CPU and memory; one row per flood
# rate, the baseline (no flood) first, in the same run.
#
# Three network namespaces, joined through the responder's:
#   NI  the legitimate initiators: one mifd with N+1 connections b0..bN,
#       each from its own address 10.9.0.(10 + K % 16), IKE SA and Child
#       SA as bench/ike.sh sets them up (PSK, default IKE proposals, ESP
#       aes256gcm16, tunnel mode, /32 selectors 172.16.x.y <-> 172.17.x.y)
#   NR  the responder mifd at 10.9.0.2, one connection for any peer
#       (remote = %any), everything else at mifd's defaults: COOKIEs from
#       10 half-open IKE SAs on and before MODP, at most 1000 half-open IKE
#       SAs and 5 from one address; log_level info, so that the refused
#       requests are logged, as they would be in use
#   NF  the flood, build/bench/ike_flood (bench/ike_flood.c): raw IPv4
#       IKE_SA_INIT requests to 10.9.0.2:500, each from a random address
#       of 10.99.0.0/16 (routed by NR back to NF, where a blackhole route
#       drops the answers)
#       and a random port, with a new SPI, nonce and KE value, offering
#       the default proposal that holds the flood's group
# The flood runs only inside these namespaces, at most MIF_FLOOD_SECONDS
# and RATE x MIF_FLOOD_SECONDS packets.
#
# Each row, with freshly started daemons: b0 is brought up first (warm-up),
# the flood started and left 3 s to settle, then b1..bN are initiated over
# one control connection (build/bench/ike_up, as bench/ike.sh does) and
# timed until every Child SA is in the initiator's kernel. Over that time:
# the responder's CPU (its run time from /proc/PID/schedstat, as a share
# of one CPU) and, at its end, its Pss (/proc/PID/smaps_rollup) and its
# IKE SAs (legitimate ones and half-open ones of the flood).
#
# Build on the host first (the VM's root is read-only), then run in the VM:
#   make && make -C bench
#   tools/vm/run -m 3072 -t 1800 -- bench/flood.sh [RATE...]
# RATE: flood packets a second, default 0 100 1000 10000.
# Environment: MIF_FLOOD_N (default 50) legitimate set-ups per row;
# MIF_FLOOD_GROUPS (default "modp2048 x25519") the flood's key exchange,
# one set of rows each; MIF_FLOOD_SECONDS (default 60) bounds each flood
# and each wait.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../selftests/lib.sh"
source "$here/../selftests/interop/lib.sh"	# mifd_*; sets an EXIT trap
source "$here/lib.sh"

rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(0 100 1000 10000)
n=${MIF_FLOOD_N:-50}
limit=${MIF_FLOOD_SECONDS:-60}
read -r -a groups <<<"${MIF_FLOOD_GROUPS:-modp2048 x25519}"
UP=$REPO_DIR/build/bench/ike_up
FLOOD=$REPO_DIR/build/bench/ike_flood
R_ADDR=10.9.0.2 F_ADDR=10.8.0.1 FR_ADDR=10.8.0.2 SPOOF=10.99.0.0 SPOOF_LEN=16
ADDRS=16
PSK=0x6d69662d62656e63682d666c6f6f642d31323334
for r in "${rates[@]}"; do
	[[ $r =~ ^[0-9]+$ ]] && [ "$r" -le 100000 ] ||
		{ echo "bench: RATE must be 0..100000: $r" >&2; exit 2; }
done
[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 1000 ] ||
	{ echo "bench: MIF_FLOOD_N must be 1..1000" >&2; exit 2; }
[[ $limit =~ ^[0-9]+$ ]] && [ "$limit" -ge 10 ] ||
	{ echo "bench: MIF_FLOOD_SECONDS must be 10 or more" >&2; exit 2; }
for g in "${groups[@]}"; do
	case $g in modp2048 | x25519) ;; *) echo "bench: MIF_FLOOD_GROUPS: modp2048, x25519: $g" >&2; exit 2 ;; esac
done

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (run it in the VM)" >&2; exit 2; }
for prog in "$UP" "$FLOOD"; do
	if [ ! -x "$prog" ] || [ "$here/$(basename "$prog").c" -nt "$prog" ]; then
		if [ -w "$REPO_DIR" ]; then
			make -s -C "$here" >&2 || exit 1
		else
			echo "bench: $prog missing or stale: run 'make -C bench' on the host" >&2
			exit 1
		fi
	fi
done
[ -x "$MIFD" ] || { echo "bench: $MIFD not built (make)" >&2; exit 1; }

T=$(mktemp -d /tmp/mif-bench-flood.XXXXXX)
flood_pid=
cleanup() {
	[ -z "$flood_pid" ] || stop_process "$flood_pid"
	mifd_stop >/dev/null 2>&1
	rm -rf "$T" "$MIFD_TMP"
	ksft_cleanup
}
trap cleanup EXIT

modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null

make_netns NI || exit 1
make_netns NR || exit 1
make_netns NF || exit 1
ip link add mifbi type veth peer name mifbr || exit 1
ip link set mifbi netns "$NI"
ip link set mifbr netns "$NR"
ip link add miffl type veth peer name mifflr || exit 1
ip link set miffl netns "$NF"
ip link set mifflr netns "$NR"
for ((k = 0; k < ADDRS; k++)); do
	ip -n "$NI" addr add "10.9.0.$((10 + k))/24" dev mifbi
done
ip -n "$NR" addr add "$R_ADDR/24" dev mifbr
ip -n "$NR" addr add "$FR_ADDR/24" dev mifflr
ip -n "$NF" addr add "$F_ADDR/24" dev miffl
for l in "$NI mifbi" "$NR mifbr" "$NR mifflr" "$NF miffl"; do
	read -r ns dev <<<"$l"
	ip -n "$ns" link set "$dev" up
done
ip -n "$NF" route add default via "$FR_ADDR"
ip -n "$NR" route add "$SPOOF/$SPOOF_LEN" via "$F_ADDR"
# The answers to the forged addresses end in NF: not forwarded back to NR
# (which would send them to NF again, until their TTL runs out).
ip -n "$NF" route add blackhole "$SPOOF/$SPOOF_LEN"
ip netns exec "$NF" sysctl -qw net.ipv4.ip_forward=0
for ns in "$NR" "$NF"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
done
ip netns exec "$NR" sysctl -qw net.ipv4.conf.mifflr.rp_filter=0

ts() { echo "172.16.$(($1 / 256)).$(($1 % 256)) 172.17.$(($1 / 256)).$(($1 % 256))"; }

conf_i() {	# conf_i FILE
	local k t
	{
		echo "# bench/flood.sh, legitimate initiators"
		echo "[mifd]"
		echo "log_level = notice"
		for ((k = 0; k <= n; k++)); do
			read -r -a t <<<"$(ts "$k")"
			cat <<-EOC

			[conn b$k]
			local = 10.9.0.$((10 + k % ADDRS))
			remote = $R_ADDR
			local_id = fqdn:i$k.bench
			remote_id = fqdn:r.bench
			auth = psk
			psk = $PSK
			esp = aes256gcm16
			mode = tunnel
			local_ts = ${t[0]}/32
			remote_ts = ${t[1]}/32
			dpd = 0
			retransmit_base = 1s
			retransmit_tries = 5
			EOC
		done
	} >"$1"
}

conf_r() {	# conf_r FILE
	cat >"$1" <<-EOC
	# bench/flood.sh, responder: mifd's defaults against floods
	[mifd]
	log_level = info

	[conn r]
	local = $R_ADDR
	remote = %any
	local_id = fqdn:r.bench
	remote_id = %any
	auth = psk
	psk = $PSK
	esp = aes256gcm16
	mode = tunnel
	local_ts = 172.17.0.0/16
	remote_ts = 172.16.0.0/16
	dpd = 0
	retransmit_base = 1s
	retransmit_tries = 5
	EOC
}

# ike_sas NS SOCK: IKE SAs the daemon holds, any state.
ike_sas() {
	mifd_ctl "$1" "$2" -j ike status 2>/dev/null | jq -r '.ike_sas // "n/a"'
}

rows=()
# row GROUP RATE: one row of the table, with fresh daemons.
row() {
	local group=$1 rate=$2 si=$T/i.sock sr=$T/r.sock pr out fout
	local c0 c1 w0 w1 s up sent fsecs pss sas refused
	conf_i "$T/i.conf"
	conf_r "$T/r.conf"
	if ! mifd_start "$NR" "$T/r.conf" "$sr" || ! mifd_start "$NI" "$T/i.conf" "$si"; then
		echo "# $group $rate/s: mifd does not start" >&2
		rows+=("$(printf '%-9s %8s  %s' "$group" "$rate" "mifd does not start")")
		mifd_stop
		return
	fi
	pr=$(mifd_pid "$sr")
	if ! out=$(ip netns exec "$NI" "$UP" mifd "$si" b 0 1 "$limit"); then
		echo "# $group $rate/s: warm-up IKE SA b0 not up ($out)" >&2
		rows+=("$(printf '%-9s %8s  %s' "$group" "$rate" "warm-up failed")")
		mifd_stop
		return
	fi
	fout=$T/flood.out
	: >"$fout"
	if [ "$rate" -gt 0 ]; then
		ip netns exec "$NF" "$FLOOD" "$R_ADDR" 500 "$SPOOF" "$SPOOF_LEN" \
			"$rate" "$limit" "$([ "$group" = modp2048 ] && echo 14 || echo 31)" \
			>"$fout" 2>&1 &
		flood_pid=$!
	fi
	sleep 3
	c0=$(cpu_ns "$pr") w0=$(now)
	out=$(ip netns exec "$NI" "$UP" mifd "$si" b 1 "$n" "$limit")
	c1=$(cpu_ns "$pr") w1=$(now)
	pss=$(pss "$pr")
	sas=$(ike_sas "$NR" "$sr")
	if [ -n "$flood_pid" ]; then
		stop_process "$flood_pid"
		flood_pid=
	fi
	echo "# $group flood $rate/s: $out; $(cat "$fout")" >&2
	s=$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' <<<"$out")
	up=$(sed -n 's/.* out_policies=\([0-9]*\).*/\1/p' <<<"$out")
	sent=$(sed -n 's/.*sent=\([0-9]*\) .*/\1/p' "$fout")
	fsecs=$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' "$fout")
	refused=$(grep -c 'IKE_SA_INIT from .* refused' "$sr.log")
	grep 'IKE_SA_INIT from' "$sr.log" | tail -n 3 | sed 's/^/#   R: /' >&2
	rows+=("$(awk -v g="$group" -v r="$rate" -v n="$n" -v s="$s" -v up="${up:-0}" \
		-v sent="${sent:-0}" -v fs="${fsecs:-0}" -v c="$((c1 - c0))" -v w="$((w1 - w0))" \
		-v pss="$pss" -v sas="$sas" -v lines="$refused" 'BEGIN {
		printf "%-9s %8d %8s %7s %9s %8.0f%% %9d %8s %9d\n", g, r,
			(fs > 0) ? sprintf("%.0f", sent / fs) : "0",
			up "/" n, (s > 0) ? sprintf("%.1f", up / s) : "n/a",
			(w > 0) ? 100 * c / w : 0, pss, sas, lines
	}')")
	mifd_stop
	for ns in "$NI" "$NR"; do
		ip -n "$ns" xfrm state flush
		ip -n "$ns" xfrm policy flush
	done
}

for group in "${groups[@]}"; do
	for rate in "${rates[@]}"; do
		# The baseline once, in the first group's rows.
		if [ "$rate" -eq 0 ] && [ "$group" != "${groups[0]}" ]; then
			continue
		fi
		echo "# $group, flood $rate/s" >&2
		row "$group" "$rate"
	done
done

echo
echo "flood: IKE_SA_INIT requests from forged addresses (random in $SPOOF/$SPOOF_LEN, random ports) at a mifd"
echo "responder with its default limits, while $n legitimate IKE SAs (IKE_SA_INIT + IKE_AUTH + Child SA) are set up"
echo "group: the flood's key exchange; up: legitimate IKE SAs up within $limit s; setups/s: up / the time to"
echo "the last; CPU: the responder's, share of one CPU, meanwhile; Pss: the responder's after; IKE SAs: the"
echo "responder's after (legitimate ones, the rest half open by the flood); log lines: refusals it logged"
printf '%-9s %8s %8s %7s %9s %9s %9s %8s %9s\n' group flood/s sent/s up setups/s CPU "Pss KiB" "IKE SAs" "log lines"
printf '%s\n' "${rows[@]}"
exit 0
