#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the benchmarks share, sourced after selftests/lib.sh.

now() { date +%s%N; }

# pss PID: Pss in KiB (VmRSS where smaps_rollup is missing).
pss() {
	local v
	v=$(awk '/^Pss:/ { print $2; exit }' "/proc/$1/smaps_rollup" 2>/dev/null)
	[ -n "$v" ] || v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	echo "${v:-0}"
}

# cpu_ns PID: the CPU time the process has had so far, in nanoseconds, as
# the scheduler counts it (/proc/PID/schedstat); where that is missing,
# utime + stime of /proc/PID/stat, which are sampled at each clock tick and
# so charge a whole tick to a process that wakes in step with the ticks.
cpu_ns() {
	local stat hz
	if read -r stat _ <"/proc/$1/schedstat" 2>/dev/null; then
		echo "$stat"
		return
	fi
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	hz=$(getconf CLK_TCK)
	# Fields after the parenthesised command name, which may hold spaces.
	awk -v hz="$hz" '{ printf "%.0f\n", ($12 + $13) * 1e9 / hz }' <<<"${stat##*) }"
}

# settle: wait (at most 60 s) until the count of live xfrm_state objects
# stops changing: freed SAs are destroyed and XFRM's hash tables resized on
# work queues, which would otherwise run while the next method is timed.
settle() {
	local i prev=-1 cur
	for ((i = 0; i < 120; i++)); do
		cur=$(awk '$1 == "xfrm_state" { print $2 }' /proc/slabinfo 2>/dev/null)
		[ "$cur" = "$prev" ] && break
		prev=$cur
		sleep 0.5
	done
}

# spis N FILE: N distinct SPIs, one per line in decimal, drawn at random (the
# same each run) from 0x100-0xffffffff, as mifd allocates them. Real SPIs are
# random; with sequential ones XFRM's SPI hash (which folds the SPI as
# stored, in network order) fills few buckets, every lookup by SPI walks a
# chain that grows with N in each method alike, and time per SA measures
# that hash and not the methods.
spis() {
	awk -v n="$1" 'BEGIN {
		srand(7)
		while (k < n) {
			hi = int(rand() * 65536); lo = int(rand() * 65536)
			if (hi == 0 && lo < 256 || (hi ":" lo) in used)
				continue
			used[hi ":" lo] = 1
			printf "%.0f\n", hi * 65536 + lo
			k++
		}
	}' >"$2"
}

# ---- figure 1 with two mifd (bench/aggregate.sh, bench/failover.sh) ----
# As selftests/interop/fig1.sh: namespaces EU and SG (set by fig1_up)
# joined by three veth pairs, mifK in EU (10.88.K.1/24) to pmifK in SG
# (10.88.K.2/24), K = 0, 1, 2; SG's side of the tunnels is 10.99.0.1 on
# its lo. One connection, its IKE SA on pair 0, per_interface = yes and
# three vips: a Child SA on each pair, the one on mifK carrying EU's inner
# address 10.9.0.(K+1) alone. IKE aes256gcm16-prfsha256-x25519, ESP
# aes256gcm16, tunnel mode, PSK.

FIG1_PSK=0x6d69662d62656e63682d616767726567617465

# fig1_conf eu|sg [KEY = VALUE...]: the configuration of one side, with
# the extra lines given (dpd = 0 and retransmissions after 5 s unless
# they are among them).
fig1_conf() {
	local side=$1 me=1 peer=2
	shift
	[ "$side" = eu ] || { me=2 peer=1; }
	echo "[mifd]"
	echo "log_level = notice"
	echo
	echo "[conn a]"
	echo "local = 10.88.0.$me"
	echo "remote = 10.88.0.$peer"
	if [ "$side" = eu ]; then
		echo "local_id = fqdn:eu.example"
		echo "remote_id = fqdn:sg.example"
		echo "vips = 0.0.0.0, 0.0.0.0, 0.0.0.0"
		echo "remote_ts = 10.99.0.0/16"
		echo "interfaces = mif0:200, mif1:150, mif2:100"
		echo "per_interface = yes"
	else
		echo "local_id = fqdn:sg.example"
		echo "remote_id = fqdn:eu.example"
		echo "pool = 10.9.0.0/24"
		echo "local_ts = 10.99.0.0/16"
		echo "interfaces = pmif0:200, pmif1:150, pmif2:100"
	fi
	echo "psk = $FIG1_PSK"
	echo "ike = aes256gcm16-prfsha256-x25519"
	echo "esp = aes256gcm16"
	echo "mode = tunnel"
	printf '%s\n' "$@" | grep -q '^dpd ' || echo "dpd = 0"
	printf '%s\n' "$@" | grep -q '^retransmit_base ' || echo "retransmit_base = 5s"
	[ $# -eq 0 ] || printf '%s\n' "$@"
}

# fig1_up: the namespaces and their links, routes to the inner networks
# (10.99.0.0/24 from EU over mif0, 10.9.0.0/24 from SG over pmif0; the
# tunnels' policies pick the SA, so the route only has to exist), no
# reverse path filter (replies to 10.9.0.2 come out of the tunnel on
# pmif1).
fig1_up() {
	local k ns d
	make_netns EU && make_netns SG || return 1
	for k in 0 1 2; do
		ip -n "$EU" link add "mif$k" type veth peer name "pmif$k" netns "$SG" &&
			ip -n "$EU" addr add "10.88.$k.1/24" dev "mif$k" &&
			ip -n "$SG" addr add "10.88.$k.2/24" dev "pmif$k" &&
			ip -n "$EU" link set "mif$k" up && ip -n "$SG" link set "pmif$k" up ||
			return 1
	done
	ip -n "$SG" addr add 10.99.0.1/32 dev lo &&
		ip -n "$EU" route add 10.99.0.0/24 via 10.88.0.2 &&
		ip -n "$SG" route add 10.9.0.0/24 via 10.88.0.1 || return 1
	for ns in "$EU" "$SG"; do
		for d in all default; do
			ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$d.rp_filter=0" || return 1
		done
	done
}

# fig1_mifd_up DIR [KEY = VALUE...]: start mifd in SG and EU with DIR's
# sockets (DIR/eu.sock, DIR/sg.sock) and configurations, the extra lines
# in EU's, bring the connection up and wait (180 s: a loaded emulator is
# slow) for its three Child SAs in both kernels.
fig1_mifd_up() {
	local dir=$1 i
	shift
	fig1_conf eu "$@" >"$dir/eu.conf"
	fig1_conf sg >"$dir/sg.conf"
	mifd_start "$SG" "$dir/sg.conf" "$dir/sg.sock" &&
		mifd_start "$EU" "$dir/eu.conf" "$dir/eu.sock" &&
		mifd_ctl "$EU" "$dir/eu.sock" ike up a >/dev/null || return 1
	for ((i = 0; i < 900; i++)); do
		[ "$(ip -n "$EU" xfrm state | grep -c '^src 10\.88\.')" -eq 6 ] &&
			[ "$(ip -n "$SG" xfrm state | grep -c '^src 10\.88\.')" -eq 6 ] &&
			ip -n "$EU" xfrm policy list dir out src 10.9.0.3/32 | grep -q 'tmpl src 10.88.2.1' &&
			return 0
		sleep 0.2
	done
	return 1
}

# fig1_mifd_down: stop both mifd, empty both kernels' SAD and SPD.
fig1_mifd_down() {
	local ns
	mifd_stop >/dev/null 2>&1
	for ns in "$EU" "$SG"; do
		ip -n "$ns" xfrm state flush
		ip -n "$ns" xfrm policy flush
	done
}

# ---- counting IKE messages (fig.sh, move.sh): nftables in one namespace ----

# IKE's header after the UDP header (8 bytes; 12 on port 4500, after the
# non-ESP marker): exchange type at byte 18, flags at 19 (0x20: Response).
# Offsets in bits from the UDP header.
# ike_counters_load NS TABLE: IKE message counters in NS's table inet TABLE.
ike_counters_load() {
	ip netns exec "$1" nft delete table inet "$2" 2>/dev/null
	{ echo "table inet $2 {"; cat <<-'NFT'; } | ip netns exec "$1" nft -f -
		counter msgs_out { }
		counter msgs_in { }
		counter responses { }
		counter IKE_SA_INIT { }
		counter IKE_AUTH { }
		counter CREATE_CHILD_SA { }
		counter INFORMATIONAL { }
		counter other { }
		chain ike500 {
			@th,216,8 & 0x20 == 0x20 counter name "responses" return
			@th,208,8 34 counter name "IKE_SA_INIT" return
			@th,208,8 35 counter name "IKE_AUTH" return
			@th,208,8 36 counter name "CREATE_CHILD_SA" return
			@th,208,8 37 counter name "INFORMATIONAL" return
			counter name "other"
		}
		chain ike4500 {
			@th,248,8 & 0x20 == 0x20 counter name "responses" return
			@th,240,8 34 counter name "IKE_SA_INIT" return
			@th,240,8 35 counter name "IKE_AUTH" return
			@th,240,8 36 counter name "CREATE_CHILD_SA" return
			@th,240,8 37 counter name "INFORMATIONAL" return
			counter name "other"
		}
		chain output {
			type filter hook output priority 0; policy accept;
			udp dport { 500, 4500 } counter name "msgs_out"
			udp dport 500 jump ike500
			udp dport 4500 @th,64,32 0 jump ike4500
		}
		chain input {
			type filter hook input priority 0; policy accept;
			udp sport { 500, 4500 } counter name "msgs_in"
			udp sport 500 jump ike500
			udp sport 4500 @th,64,32 0 jump ike4500
		}
	}
	NFT
}

# ike_counters_read NS TABLE: "messages bytes requests IKE_SA_INIT IKE_AUTH
# CREATE_CHILD_SA INFORMATIONAL other", requests per exchange type.
ike_counters_read() {
	ip netns exec "$1" nft -j list counters table inet "$2" | jq -r '
		[.nftables[] | select(.counter) | .counter |
		 {key: .name, value: {p: .packets, b: .bytes}}] | from_entries |
		[.msgs_out.p + .msgs_in.p, .msgs_out.b + .msgs_in.b,
		 .IKE_SA_INIT.p + .IKE_AUTH.p + .CREATE_CHILD_SA.p +
		 .INFORMATIONAL.p + .other.p,
		 .IKE_SA_INIT.p, .IKE_AUTH.p, .CREATE_CHILD_SA.p,
		 .INFORMATIONAL.p, .other.p] | map(tostring) | join(" ")'
}

# perf_begin NAME, perf_end: a system-wide profile of what runs between
# them, in $MIF_BENCH_PERF/NAME.data (perf record -a, 199 Hz, cpu-clock),
# with the guest's /proc/kallsyms as $MIF_BENCH_PERF/kallsyms, for perf
# report on the host (perf report -i FILE --kallsyms DIR/kallsyms --sort
# comm,dso,sym); nothing without MIF_BENCH_PERF.
perf_pid=
perf_begin() {
	[ -n "${MIF_BENCH_PERF:-}" ] || return 0
	mkdir -p "$MIF_BENCH_PERF" && cp /proc/kallsyms "$MIF_BENCH_PERF/kallsyms"
	perf record -q -a -F 199 -e cpu-clock -o "$MIF_BENCH_PERF/$1.data" \
		>/dev/null 2>&1 &
	perf_pid=$!
	sleep 2	# perf's own start-up, before the clock runs
}
perf_end() {
	[ -n "$perf_pid" ] || return 0
	kill -INT "$perf_pid" 2>/dev/null
	wait "$perf_pid" 2>/dev/null
	perf_pid=
}
