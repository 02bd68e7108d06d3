#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): one mifd pair holding N IKE SAs with C Child SAs
# each (default 10,000 x 10: 100,000 Child SAs), then a rekey storm: every
# SA rekeyed once, all at the same fraction of their lifetimes.
#
#   bench/load.sh [N [C]]
#
# Two network namespaces joined by a veth pair, 10.97.0.1 (initiator) and
# 10.97.0.2 (responder). IKE aes256gcm16-prfsha256-x25519, ESP aes256gcm16,
# tunnel mode, PSK, no DPD, window_size W on both (default 4: the Child
# SAs after the first go out W at a time). The initiator has a connection
# per IKE SA, bK (K = 0..N), with C children: child J (J = 1..C) carries
# 172.16.x.y/32 <-> 100.(64+J).x.y/32 (x.y: K in two bytes), the first in
# IKE_AUTH, the others by CREATE_CHILD_SA; the responder one connection,
# 100.64.0.0/10 <-> 172.16.0.0/16, narrowed to what each request asks for.
#
# Set-up: b0 first (warm-up, as bench/ike.sh), then b1..bN by
# build/bench/ike_up over one control connection with at most
# MIF_BENCH_WINDOW (default 100) set-ups in flight, a set-up being done
# when its C Child SAs are in the initiator's kernel. Printed: the time
# from the first request until the initiator's mifd has N+1 IKE SAs
# established (its "counts" command, asked every half second) and their
# rate; the time until all (N+1)C Child SAs are in both kernels and
# their rate (N C over the whole set-up: Child SAs come up beside the
# IKE SAs); each daemon's Pss growth over b1..bN per IKE SA (with its C
# Child SAs) and per Child SA (the same growth over N C); the kernel's
# SA and outbound policy counts on both sides against what each mifd
# says it holds (2 SAs and an outbound policy per installed Child SA);
# and SAMPLE (default 5) Child SAs chosen at random, pinged through.
#
# The storm: both daemons have child_lifetime = LIFE and ike_lifetime =
# LIFE * 8 / 9, so that the initiator rekeys each IKE SA (at nine tenths
# of ike_lifetime) when it rekeys its Child SAs (at eight tenths of
# child_lifetime; the responder's timers, at the end of ike_lifetime and
# at nine tenths of child_lifetime, fire only for what is late), and the
# two rows differ in one key:
#   storm   rekey_jitter = no: every SA rekeys at exactly that point, as
#           many at once as were set up at once
#   spread  rekey_jitter = yes (the default): the same rekeys, each Child
#           SA's at a random point between seven and eight tenths
# Then the script waits until both daemons count N+1 IKE rekeys and
# (N+1)C Child SA rekeys (or the limit) and prints: the storm's time
# (from the first rekey counted to the last, counts asked every second);
# rekeys done against expected on each side; rekey collisions (the
# peer's rekey crossing one of ours) and retransmissions, summed over both
# daemons; SAs lost (the kernels' SA and policy counts once the replaced
# SAs are deleted, against before; IKE SAs established against N+1); each
# daemon's CPU seconds over the storm; and the sample pinged once a
# second through the storm, and twice each after.
#
# LIFE (seconds, a multiple of 9) defaults to enough for the set-up to
# end before the first rekey at the rates of an emulated guest (IKE SAs
# at 10/s, Child SAs at 40/s, half as much again and a minute more): for
# 100 x 10, 144 s; for 1,000 x 10, 738 s; for 10,000 x 10, 6,642 s. Each
# SA has a fifth of LIFE between its rekey and its hard expiry.
#
# Time limits scale with N C: the set-up MIF_BENCH_TIMEOUT (default 600
# s, or N C / 5 if more), the storm LIFE after the set-up's end; a limit
# hit is printed as such.
#
# Build on the host first (the VM's root is read-only), then run in the VM:
#   make && make -C bench
#   tools/vm/run -k debian -m 8192 -t 3600 -- bench/load.sh 100 10
# Environment: LOAD_MODES ("storm spread": the rows), W, SAMPLE, LIFE,
# MIF_BENCH_WINDOW, MIF_BENCH_TIMEOUT; REKEYS, both daemons'
# rekeys_in_flight_max (unset: mifd's default; 0: no bound);
# MIF_BENCH_PERF=DIR, a profile of each storm in DIR (bench/lib.sh's
# perf_begin); LOAD_LOG_LEVEL (notice), the daemons' log_level;
# LOAD_LOGS=DIR keeps both daemons' logs there (MODE-i.log, MODE-r.log;
# in the VM, tools/vm/run -s DIR shares DIR as /run/mif-share).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../selftests/lib.sh"
source "$here/../selftests/interop/lib.sh"	# mifd_*; sets an EXIT trap
source "$here/lib.sh"

n=${1:-10000}
c=${2:-10}
read -r -a modes <<<"${LOAD_MODES:-storm spread}"
w=${W:-4}
sample=${SAMPLE:-5}
window=${MIF_BENCH_WINDOW:-100}
rekeys=${REKEYS:-}
[[ $n =~ ^[1-9][0-9]*$ ]] && [ "$n" -le 60000 ] ||
	{ echo "bench: N must be 1..60000: $n" >&2; exit 2; }
[[ $c =~ ^[1-9][0-9]*$ ]] && [ "$c" -le 63 ] ||
	{ echo "bench: C must be 1..63: $c" >&2; exit 2; }
[[ $w =~ ^[1-9][0-9]*$ ]] && [ "$w" -le 32 ] ||
	{ echo "bench: W must be 1..32: $w" >&2; exit 2; }
[[ $sample =~ ^[0-9]+$ ]] || { echo "bench: SAMPLE must be 0 or more" >&2; exit 2; }
[[ $window =~ ^[0-9]+$ ]] || { echo "bench: MIF_BENCH_WINDOW must be 0 or more" >&2; exit 2; }
[[ -z $rekeys || $rekeys =~ ^[0-9]+$ ]] || { echo "bench: REKEYS must be 0 or more" >&2; exit 2; }
# The [mifd] line of REKEYS, or none.
rekeys_line=${rekeys:+rekeys_in_flight_max = $rekeys}
for m in "${modes[@]}"; do
	case $m in storm | spread) ;; *) echo "bench: LOAD_MODES: storm, spread: $m" >&2; exit 2 ;; esac
done
ike_n=$((n + 1)) child_n=$(((n + 1) * c))
if [ -n "${LIFE:-}" ]; then
	life=$LIFE
	[[ $life =~ ^[1-9][0-9]*$ ]] && [ $((life % 9)) -eq 0 ] ||
		{ echo "bench: LIFE must be a multiple of 9 seconds: $life" >&2; exit 2; }
else
	# 0.8 LIFE = 1.5 x (N / 10 + N C / 40) + 60, rounded up to 9 s steps.
	est=$(((3 * (4 * n + n * c) / 80 + 60) * 10 / 8))
	life=$(((est + 8) / 9 * 9))
fi
ike_life=$((life * 8 / 9))
setup_limit=${MIF_BENCH_TIMEOUT:-$((n * c / 5 > 600 ? n * c / 5 : 600))}
MIFD_CTL_TIMEOUT=$((30 + n / 20))
MIFD_START_TRIES=$((100 + n * c / 100))

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (run it in the VM)" >&2; exit 2; }
[ -x "$MIFD" ] && [ -x "$MIFCTL" ] || { echo "bench: $MIFD or $MIFCTL not built (make)" >&2; exit 1; }
UP=$REPO_DIR/build/bench/ike_up
if [ ! -x "$UP" ] || [ "$here/ike_up.c" -nt "$UP" ]; then
	echo "bench: $UP missing or stale: run 'make -C bench' on the host" >&2
	exit 1
fi

I_ADDR=10.97.0.1 R_ADDR=10.97.0.2
IKE=aes256gcm16-prfsha256-x25519 ESP=aes256gcm16
PSK=0x6d69662d62656e63682d6c6f61642d69
T=$(mktemp -d /tmp/mif-bench-load.XXXXXX)
rmem=$(sysctl -n net.core.rmem_default net.core.rmem_max 2>/dev/null | tr '\n' ' ')
bg=()
cleanup() {
	local p
	for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done
	mifd_stop >/dev/null 2>&1
	rm -rf "$T" "$MIFD_TMP"
	ksft_cleanup
	read -r -a rmem <<<"$rmem"
	[ ${#rmem[@]} -eq 2 ] && sysctl -qw net.core.rmem_default="${rmem[0]}" \
		net.core.rmem_max="${rmem[1]}" 2>/dev/null
}
trap cleanup EXIT
# Room for bursts of IKE messages in each daemon's UDP socket (ike.sh).
sysctl -qw net.core.rmem_max=8388608 net.core.rmem_default=8388608 ||
	echo "# cannot raise net.core.rmem_default: bursts may overflow" >&2

modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
make_netns NI || exit 1
make_netns NR || exit 1
ip link add mifli type veth peer name miflr || exit 1
ip link set mifli netns "$NI"
ip link set miflr netns "$NR"
ip -n "$NI" addr add "$I_ADDR/24" dev mifli
ip -n "$NR" addr add "$R_ADDR/24" dev miflr
ip -n "$NI" link set mifli up
ip -n "$NR" link set miflr up
ip -n "$NI" link set lo up
ip -n "$NR" link set lo up
ip -n "$NI" route add 100.64.0.0/10 via "$R_ADDR"
ip -n "$NR" route add 172.16.0.0/16 via "$I_ADDR"
for ns in "$NI" "$NR"; do
	for d in all default; do
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$d.rp_filter=0"
	done
done

# addr_i K / addr_r K J: the inner addresses of child J of connection bK.
addr_i() { echo "172.16.$(($1 / 256)).$(($1 % 256))"; }
addr_r() { echo "100.$((64 + $2)).$(($1 / 256)).$(($1 % 256))"; }

# common JITTER: the keys both sides' connections share.
common() {
	printf 'psk = %s\nike = %s\nesp = %s\nmode = tunnel\ndpd = 0\n' "$PSK" "$IKE" "$ESP"
	printf 'ike_lifetime = %s\nchild_lifetime = %s\nrekey_jitter = %s\n' "$ike_life" "$life" "$1"
}

# conf_i JITTER FILE: the initiator, b0..bN, without a process per line
# (100,000 children).
conf_i() {
	COM=$(common "$1") awk -v n="$n" -v c="$c" -v w="$w" -v rk="$rekeys_line" -v ll="${LOAD_LOG_LEVEL:-notice}" -v i="$I_ADDR" -v r="$R_ADDR" 'BEGIN {
		com = ENVIRON["COM"]
		print "# bench/load.sh, initiator"
		print "[mifd]\nlog_level = " ll "\nwindow_size = " w
		if (rk != "")
			print rk
		for (k = 0; k <= n; k++) {
			x = int(k / 256); y = k % 256
			printf "\n[conn b%d]\nlocal = %s\nremote = %s\n", k, i, r
			printf "local_id = fqdn:i%d.load\nremote_id = fqdn:r.load\n%s\n", k, com
			for (j = 1; j <= c; j++)
				printf "\n[child b%d/c%d]\nlocal_ts = 172.16.%d.%d/32\nremote_ts = 100.%d.%d.%d/32\n",
					k, j, x, y, 64 + j, x, y
		}
	}' >"$2"
}

conf_r() {	# conf_r JITTER FILE
	cat >"$2" <<-EOC
	# bench/load.sh, responder
	[mifd]
	log_level = ${LOAD_LOG_LEVEL:-notice}
	window_size = $w
	cookie_threshold = 0
	half_open_max = 0
	half_open_max_peer = 0
	$rekeys_line

	[conn r]
	local = $R_ADDR
	remote = $I_ADDR
	local_id = fqdn:r.load
	remote_id = %any
	local_ts = 100.64.0.0/10
	remote_ts = 172.16.0.0/16
	$(common "$1")
	EOC
}

# counts NS SOCK: "ike_sas established child_sas retransmits ike_rekeys
# child_rekeys ike_rekey_collisions child_rekey_collisions rekeys_deferred"
counts() {
	mifd_ctl "$1" "$2" ike raw '{"cmd":"counts"}' 2>/dev/null | jq -r '
		[.ike_sas, .established, .child_sas, .counts.retransmits,
		 .counts.ike_rekeys, .counts.child_rekeys,
		 .counts.ike_rekey_collisions, .counts.child_rekey_collisions,
		 .counts.rekeys_deferred] |
		map(tostring) | join(" ")'
}

# udp_drops NS: UDP datagrams the namespace dropped for a full receive
# buffer (the IKE sockets' backlog while mifd is busy).
udp_drops() { ip netns exec "$1" awk '$1 == "Udp:" && $2 ~ /^[0-9]/ { print $6 }' /proc/net/snmp; }

kernel_sas() { ip -n "$1" xfrm state count | grep -o '[0-9]*' | head -1; }
kernel_out() { ip -n "$1" xfrm policy count | sed -n 's/.*OUT \([0-9]*\).*/\1/p' | head -1; }

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

# The sample: SAMPLE (connection, child) pairs at random among b1..bN,
# their inner addresses on each side's lo.
picks=()
for ((s = 0; s < sample; s++)); do
	k=$((1 + (RANDOM * 32768 + RANDOM) % n)) j=$((1 + RANDOM % c))
	picks+=("$k:$j")
	ip -n "$NI" addr add "$(addr_i "$k")/32" dev lo 2>/dev/null
	ip -n "$NR" addr add "$(addr_r "$k" "$j")/32" dev lo 2>/dev/null
done

# ping_sample COUNT: "answered sent" over the sample, COUNT pings each.
ping_sample() {
	local p k j ok=0 sent=0 got
	for p in "${picks[@]}"; do
		k=${p%:*} j=${p#*:}
		got=$(ip netns exec "$NI" ping -n -q -c "$1" -i 0.2 -W 1 -I "$(addr_i "$k")" \
			"$(addr_r "$k" "$j")" 2>/dev/null | sed -n 's/.* \([0-9]*\) received.*/\1/p')
		ok=$((ok + ${got:-0})) sent=$((sent + $1))
	done
	echo "$ok $sent"
}

declare -A R	# R[mode,metric]: the table
notes=()

# run MODE: one row with fresh daemons.
run() {
	local mode=$1 jitter=no si=$T/i.sock sr=$T/r.sock pi pr i0 r0 i1 r1 out t0 t1 t_ike= x
	local ci cr ki kr s0 s1 deadline ib ia rb ra cpu_i cpu_r storm0= storm1= pd pa lost
	local ud_i ud_r
	[ "$mode" = spread ] && jitter=yes
	conf_i "$jitter" "$T/i.conf"
	conf_r "$jitter" "$T/r.conf"
	rm -f "$si.log" "$sr.log"
	if ! mifd_start "$NR" "$T/r.conf" "$sr" || ! mifd_start "$NI" "$T/i.conf" "$si"; then
		notes+=("$mode: mifd does not start: $(tail -n 3 "$si.log" "$sr.log" 2>/dev/null | tr '\n' ' ')")
		mifd_stop
		return 1
	fi
	pi=$(mifd_pid "$si") pr=$(mifd_pid "$sr")
	if ! out=$(ip netns exec "$NI" "$UP" mifd "$si" b 0 1 120 0 "$c"); then
		notes+=("$mode: warm-up b0 not up ($out)")
		mifd_stop
		return 1
	fi
	sleep 1
	i0=$(pss "$pi") r0=$(pss "$pr")
	read -r -a ib <<<"$(counts "$NI" "$si")"
	read -r -a rb <<<"$(counts "$NR" "$sr")"
	echo "# $mode: setting up $n IKE SAs x $c Child SAs ($(date +%T); limit ${setup_limit}s;" \
		"child_lifetime ${life}s, ike_lifetime ${ike_life}s, rekey_jitter = $jitter)" >&2
	# The IKE SAs: the initiator's established count, every half second.
	(
		while sleep 0.5; do
			read -r _ x _ <<<"$(counts "$NI" "$si")"
			echo "$(now) ${x:-0}"
			[ "${x:-0}" -ge "$ike_n" ] && break
		done
	) >"$T/ike.poll" &
	bg+=($!)
	t0=$(now)
	out=$(ip netns exec "$NI" "$UP" mifd "$si" b 1 "$n" "$setup_limit" "$window" "$c")
	t1=$(now)
	echo "# $mode: $out" >&2
	grep -q ' seconds=' <<<"$out" || out="seconds=n/a"
	sleep 1
	kill "${bg[-1]}" 2>/dev/null
	t_ike=$(awk -v n="$ike_n" '$2 >= n { print $1; exit }' "$T/ike.poll")
	i1=$(pss "$pi") r1=$(pss "$pr")
	read -r -a ci <<<"$(counts "$NI" "$si")"
	read -r -a cr <<<"$(counts "$NR" "$sr")"
	ki="$(kernel_sas "$NI") $(kernel_out "$NI")" kr="$(kernel_sas "$NR") $(kernel_out "$NR")"
	R[$mode,ike_s]=$([ -n "$t_ike" ] && secs "$t0" "$t_ike" || echo "limit (${ci[1]} of $ike_n)")
	R[$mode,ike_rate]=$([ -n "$t_ike" ] && awk -v n="$n" -v a="$t0" -v b="$t_ike" 'BEGIN { printf "%.1f", n / ((b - a) / 1e9) }' || echo n/a)
	s=$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' <<<"$out")
	if grep -q "sas=$((2 * n * c)) " <<<"$out"; then
		R[$mode,child_s]=$s
		R[$mode,child_rate]=$(awk -v n=$((n * c)) -v s="$s" 'BEGIN { printf "%.1f", n / s }')
	else
		R[$mode,child_s]="limit ($out)"
		R[$mode,child_rate]=n/a
		notes+=("$mode: not all Child SAs within ${setup_limit}s: $out")
	fi
	R[$mode,kib_ike]=$(awk -v a="$i0" -v b="$i1" -v c="$r0" -v d="$r1" -v n="$n" 'BEGIN { printf "%.1f / %.1f", (b - a) / n, (d - c) / n }')
	R[$mode,kib_child]=$(awk -v a="$i0" -v b="$i1" -v c="$r0" -v d="$r1" -v n=$((n * c)) 'BEGIN { printf "%.2f / %.2f", (b - a) / n, (d - c) / n }')
	R[$mode,mifd_held]="${ci[1]}/${ci[2]} / ${cr[1]}/${cr[2]}"
	R[$mode,kernel]="${ki% *}/${ki#* } / ${kr% *}/${kr#* }"
	R[$mode,kernel_ok]=$([ "${ki% *}" = $((2 * ci[2])) ] && [ "${ki#* }" = "${ci[2]}" ] &&
		[ "${kr% *}" = $((2 * cr[2])) ] && [ "${kr#* }" = "${cr[2]}" ] && echo yes || echo NO)
	R[$mode,ping_up]=$(ping_sample 2 | awk '{ print $1 "/" $2 }')
	echo "# $mode: up: mifd IKE/Child I ${ci[1]}/${ci[2]} R ${cr[1]}/${cr[2]}; kernel SAs/out policies I $ki R $kr;" \
		"Pss I $i0 -> $i1 KiB, R $r0 -> $r1 KiB; sample ${R[$mode,ping_up]}" >&2

	# The storm: wait for it, ping the sample once a second meanwhile.
	read -r s0 <<<"$(kernel_sas "$NI")"
	pd=$T/ping.during
	: >"$pd"
	(
		while sleep 1; do ping_sample 1 >>"$pd"; done
	) &
	bg+=($!)
	cpu_i=$(cpu_ns "$pi") cpu_r=$(cpu_ns "$pr")
	ud_i=$(udp_drops "$NI") ud_r=$(udp_drops "$NR")
	deadline=$(($(date +%s) + life + 60))
	echo "# $mode: waiting for the rekeys ($(date +%T), the first due in about $((life * 8 / 10 - ($(now) - t0) / 1000000000))s," \
		"limit $(date -d "@$deadline" +%T))" >&2
	while :; do
		read -r -a ia <<<"$(counts "$NI" "$si")"
		read -r -a ra <<<"$(counts "$NR" "$sr")"
		if [ -z "$storm0" ] && [ $((ia[4] + ia[5] - ib[4] - ib[5])) -gt 0 ]; then
			storm0=$(now)
			cpu_i=$(cpu_ns "$pi") cpu_r=$(cpu_ns "$pr")
			perf_begin "storm-$mode-$n"
		fi
		if [ $((ia[4] - ib[4])) -ge "$ike_n" ] && [ $((ia[5] - ib[5])) -ge "$child_n" ] &&
			[ $((ra[4] - rb[4])) -ge "$ike_n" ] && [ $((ra[5] - rb[5])) -ge "$child_n" ]; then
			storm1=$(now)
			break
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			notes+=("$mode: storm limit hit ($((life + 60))s after the set-up): I ${ia[*]}, R ${ra[*]}")
			break
		fi
		sleep 1
	done
	perf_end
	cpu_i=$(awk -v a="$cpu_i" -v b="$(cpu_ns "$pi")" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	cpu_r=$(awk -v a="$cpu_r" -v b="$(cpu_ns "$pr")" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	kill "${bg[-1]}" 2>/dev/null
	R[$mode,storm_s]=$([ -n "$storm1" ] && secs "${storm0:-$storm1}" "$storm1" || echo limit)
	R[$mode,rekeys]="$((ia[4] - ib[4]))+$((ia[5] - ib[5])) / $((ra[4] - rb[4]))+$((ra[5] - rb[5])) of $ike_n+$child_n"
	R[$mode,collisions]="$((ia[6] - ib[6] + ra[6] - rb[6]))+$((ia[7] - ib[7] + ra[7] - rb[7]))"
	R[$mode,retrans]=$((ia[3] - ib[3] + ra[3] - rb[3]))
	R[$mode,deferred]="$((ia[8] - ib[8])) / $((ra[8] - rb[8]))"
	R[$mode,udp_drops]="$(($(udp_drops "$NI") - ud_i)) / $(($(udp_drops "$NR") - ud_r))"
	R[$mode,cpu]="$cpu_i / $cpu_r"
	R[$mode,ping_storm]=$(awk '{ a += $1; s += $2 } END { print a + 0 "/" s + 0 }' "$pd")
	# The replaced SAs are deleted once their successors stand: wait
	# (at most a minute) for the kernels to come back to their counts.
	for ((x = 0; x < 60; x++)); do
		[ "$(kernel_sas "$NI")" = "$s0" ] && [ "$(kernel_sas "$NR")" = "${kr% *}" ] && break
		sleep 1
	done
	read -r -a ia <<<"$(counts "$NI" "$si")"
	read -r -a ra <<<"$(counts "$NR" "$sr")"
	ka="$(kernel_sas "$NI") $(kernel_out "$NI")" ra_k="$(kernel_sas "$NR") $(kernel_out "$NR")"
	lost=$(( (${ki% *} - ${ka% *}) + (${kr% *} - ${ra_k% *}) ))
	R[$mode,lost]="$lost SAs; IKE SAs established ${ia[1]} / ${ra[1]} of $ike_n"
	R[$mode,kernel_after]="${ka% *}/${ka#* } / ${ra_k% *}/${ra_k#* }"
	R[$mode,ping_after]=$(ping_sample 2 | awk '{ print $1 "/" $2 }')
	echo "# $mode: after the storm: mifd I ${ia[*]} R ${ra[*]}; kernel I $ka R $ra_k" >&2
	# Why Child SAs went (rekeyed is the storm's; any other reason is a loss).
	for x in "$si:I" "$sr:R"; do
		echo "# $mode: ${x##*:} Child SAs removed, by reason:" \
			"$(grep -o 'removed ([^)]*)' "${x%:*}.log" | sort | uniq -c | tr -s ' \n' ' ')" >&2
	done
	grep -E 'warning|error' "$si.log" | tail -n 5 | sed 's/^/#   I: /' >&2
	grep -E 'warning|error' "$sr.log" | tail -n 5 | sed 's/^/#   R: /' >&2
	mifd_stop
	if [ -n "${LOAD_LOGS:-}" ]; then
		cp "$si.log" "$LOAD_LOGS/$mode-i.log"
		cp "$sr.log" "$LOAD_LOGS/$mode-r.log"
	fi
	for x in "$NI" "$NR"; do
		ip -n "$x" xfrm state flush
		ip -n "$x" xfrm policy flush
	done
	settle
}

start=$(date +%s)
for m in "${modes[@]}"; do
	run "$m"
done

echo
echo "load: one mifd pair, $n IKE SAs (+1 warm-up) x $c Child SAs, then every SA rekeyed once ($(uname -r), $(date -u +%F))"
echo "command: bench/load.sh $n $c (LOAD_MODES=\"${modes[*]}\" W=$w SAMPLE=$sample LIFE=$life MIF_BENCH_WINDOW=$window REKEYS=${rekeys:-default}); $(($(date +%s) - start)) s"
echo "IKE $IKE, ESP $ESP, tunnel, PSK, window_size $w; child_lifetime ${life}s, ike_lifetime ${ike_life}s; x / y: initiator / responder"
printf '%-44s' metric
for m in "${modes[@]}"; do printf '  %-34s' "$m (rekey_jitter = $([ "$m" = storm ] && echo no || echo yes))"; done
echo
row() {	# row KEY LABEL
	printf '%-44s' "$2"
	for m in "${modes[@]}"; do printf '  %-34s' "${R[$m,$1]:-n/a}"; done
	echo
}
row ike_s "IKE SAs: seconds to all established"
row ike_rate "IKE SAs: per second"
row child_s "Child SAs: seconds to all installed"
row child_rate "Child SAs: per second"
row kib_ike "Pss KiB per IKE SA (with its C)"
row kib_child "Pss KiB per Child SA"
row mifd_held "mifd IKE/Child SAs held"
row kernel "kernel SAs/out policies"
row kernel_ok "kernel = 2 SAs, 1 policy per Child SA"
row ping_up "sample pings answered, after set-up"
row storm_s "storm: seconds, first rekey to last"
row rekeys "rekeys IKE+Child, I / R"
row collisions "rekey collisions IKE+Child (both)"
row retrans "retransmissions (both)"
row deferred "rekeys put off at the bound, I / R"
row udp_drops "UDP datagrams dropped, receive buffer full"
row lost "SAs lost"
row kernel_after "kernel SAs/out policies after"
row cpu "CPU seconds over the storm"
row ping_storm "sample pings answered, during"
row ping_after "sample pings answered, after"
for x in "${notes[@]}"; do
	echo "note: $x"
done
exit 0
