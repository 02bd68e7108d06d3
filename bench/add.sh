#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): adding an interface to an IKE SA that carries s
# per-service Child SAs, s = 1, 10, 100, 1,000: one MIF_ADD_INTERFACE
# exchange against s CREATE_CHILD_SA exchanges, mifd to mifd, and against
# charon to charon bringing up the same s Child SAs on the new interface,
# in the same run on the same topology. The draft's target: round trips
# that do not grow with s, and at s = 100 at least 20 times less wall time
# than s CREATE_CHILD_SA.
#
# Topology: namespaces EU and SG joined by two veth pairs, interface A
# (mif0 10.88.0.1 - pmif0 10.88.0.2) and interface B (mif1 10.88.1.1 -
# pmif1 10.88.1.2). Service J (J = 1..s) is TCP port 5000+J on SG's
# 10.99.0.1, a [child] section (mifd) or a child (charon) of its own. All
# rows have IKE aes256gcm16-prfsha256-x25519, ESP aes256gcm16 (no PFS),
# tunnel mode, one PSK, no DPD, no rekeying, the first retransmission
# after 5 s (none in a quiet run), logging at a line or so per SA.
#
#   MIF_ADD_INTERFACE  mifd to mifd. Start state: the IKE SA on A with the
#           s Child SAs on A (EU's 10.9.0.1/32 to each service); mif1 up
#           without its address. Then 10.88.1.1 goes on mif1, and once SG
#           has its announcement, `mifctl ike iface add 10.88.1.1 peer
#           10.88.1.2 conn a`, sent by build/bench/add_up (bench/add_up.c)
#           as mifctl sends it over a control connection opened before
#           the clock starts. Timed to the s new SA pairs in both kernels
#           (each side installs them with one kernel call; the add moves
#           no traffic, so no policy changes).
#   CREATE_CHILD_SA    mifd to mifd, the same s Child SAs on B brought up
#           one exchange each. mifd has no command that starts one Child
#           SA on an IKE SA already up: with per_interface = yes it brings
#           every child up on every interface when the IKE SA comes up,
#           each after the first by its own CREATE_CHILD_SA (window 1).
#           So two set-ups are timed, each from `mifctl ike up` (fig_up)
#           to every Child SA's SAs in both kernels: "one", interfaces =
#           mif0 only, s Child SAs on A (IKE_SA_INIT, IKE_AUTH, s - 1
#           CREATE_CHILD_SA); "two", interfaces = mif0, mif1, the same s
#           on A and s on B (s more CREATE_CHILD_SA, each naming B in a
#           MIF_CHILD_PATH notify). The row is two minus one: exactly the
#           s exchanges of B in messages and round trips; bytes the same
#           plus the second inner address asked for in IKE_AUTH (per
#           interface, EU asks for an inner address, vips, from SG's
#           pool); wall time and CPU the difference of two runs, so
#           noisier than the others.
#   charon  charon to charon. Start state: connection cA on A with its s
#           children up. Then connection cB on B, the same s children,
#           all initiated at once through vici (fig_up, as `swanctl
#           --initiate --child` sends it): charon has no MIF, so a Child
#           SA on B needs an IKE SA on B: IKE_SA_INIT, IKE_AUTH with the
#           first child, s - 1 CREATE_CHILD_SA queued on it. unique =
#           never: both IKE SAs share their identities.
#
# Columns: messages (datagrams: each IKE fragment counts), IP bytes (UDP
# payload plus 28 per message) and round trips (requests: the IKE
# header's Response flag clear, a fragmented one once) are counted by
# nftables in EU on UDP 500 and 4500 both ways, from just before the timed
# request to its end; wall ms from the request to the last SA in whichever
# kernel (polled every 5 ms); CPU ms is both daemons' CPU time over the
# same span (/proc/PID/task/*/schedstat); ratio is the row's wall time over
# MIF_ADD_INTERFACE's at the same s.
#
# mifd installs the added SAs with the xfrm_mif module where it is built
# (kernel/xfrm_mif.ko, loaded here), else through XFRM SA by SA; the
# output says which.
#
# Build on the host first (the VM's root is read-only), then run in the VM:
#   make -j2 module user tools && make -C bench
#   tools/vm/run -k debian -m 3072 -t 2400 -- bench/add.sh
# Environment, given inside the VM (tools/vm/run -- env S="1 10 100"
# bench/add.sh): S (default "1 10 100 1000", each 1..1000),
# MIF_BENCH_ROWS (default "mif ccsa charon": MIF_ADD_INTERFACE,
# CREATE_CHILD_SA, charon; the rows to run, in that order),
# MIF_BENCH_ROUNDS (default 1; each figure the median of that many runs),
# MIF_BENCH_TIMEOUT=SECONDS (default 1200) bounds each wait.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../selftests/lib.sh"
source "$here/../selftests/interop/charon_lib.sh"
source "$here/../selftests/interop/lib.sh"	# mifd_*; sets an EXIT trap
source "$here/lib.sh"

read -r -a sizes <<<"${S:-1 10 100 1000}"
read -r -a rows <<<"${MIF_BENCH_ROWS:-mif ccsa charon}"
for m in "${rows[@]}"; do
	case $m in mif | ccsa | charon) ;; *) echo "bench: MIF_BENCH_ROWS: mif, ccsa, charon: $m" >&2; exit 2 ;; esac
done
rounds=${MIF_BENCH_ROUNDS:-1}
limit=${MIF_BENCH_TIMEOUT:-1200}
for s in "${sizes[@]}"; do
	[[ $s =~ ^[1-9][0-9]*$ ]] && [ "$s" -le 1000 ] ||
		{ echo "bench: S: each 1..1000: $s" >&2; exit 2; }
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench: MIF_BENCH_ROUNDS must be 1 or more" >&2; exit 2; }
[[ $limit =~ ^[1-9][0-9]*$ ]] || { echo "bench: MIF_BENCH_TIMEOUT must be seconds" >&2; exit 2; }

ADD=$REPO_DIR/build/bench/add_up
UP=$REPO_DIR/build/bench/fig_up
IKE=aes256gcm16-prfsha256-x25519 ESP=aes256gcm16
PSK=0x6d69662d62656e63682d6164642d696e74657266616365

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (run it in the VM)" >&2; exit 2; }
command -v nft >/dev/null && command -v jq >/dev/null ||
	{ echo "bench: needs nft and jq" >&2; exit 2; }
for b in "$ADD" "$UP"; do
	if [ ! -x "$b" ] || [ "$here/$(basename "$b").c" -nt "$b" ]; then
		echo "bench: $b missing or stale: run 'make -C bench' on the host" >&2
		exit 1
	fi
done
have_mifd=1 have_charon=1
[ -x "$MIFD" ] && [ -x "$MIFCTL" ] ||
	{ have_mifd=0; echo "# $MIFD or $MIFCTL not built (make): mifd rows n/a" >&2; }
charon_available || { have_charon=0; echo "# charon or swanctl not installed: charon rows n/a" >&2; }

T=$(mktemp -d /tmp/mif-bench-add.XXXXXX)
cleanup() {
	charon_stop_all >/dev/null 2>&1
	mifd_stop >/dev/null 2>&1
	rm -rf "$T" "$MIFD_TMP"
	ksft_cleanup
}
trap cleanup EXIT

modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
# Load the ESP cipher now rather than at the first SA.
ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x101 mode tunnel \
	aead 'rfc4106(gcm(aes))' "0x$(printf '%072d' 0)" 128 2>/dev/null
ip xfrm state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x101 2>/dev/null
# mifd's clone of the added interface's SAs: one xfrm_mif call, or without
# the module the same through XFRM, SA by SA.
kernel="XFRM, SA by SA (no $MODULE)"
if [ -f "$MODULE" ]; then
	if load_module; then
		kernel="the xfrm_mif module"
	else
		kernel="XFRM, SA by SA ($MODULE does not load)"
	fi
fi

make_netns EU || exit 1
make_netns SG || exit 1
for k in 0 1; do
	ip -n "$EU" link add "mif$k" type veth peer name "pmif$k" netns "$SG" &&
		ip -n "$SG" addr add "10.88.$k.2/24" dev "pmif$k" &&
		ip -n "$EU" link set "mif$k" up && ip -n "$SG" link set "pmif$k" up ||
		{ echo "bench: cannot set up the veth pairs" >&2; exit 1; }
done
ip -n "$EU" addr add 10.88.0.1/24 dev mif0 || exit 1

# B's address in EU: "on" or "off" (the MIF row adds it while timed).
addr_b() {
	ip -n "$EU" addr del 10.88.1.1/24 dev mif1 2>/dev/null
	[ "$1" = off ] || ip -n "$EU" addr add 10.88.1.1/24 dev mif1
}

# ---- counting IKE messages: nftables in EU (as bench/fig.sh) ----

# IKE's header after the UDP header (8 bytes; 12 on port 4500, after the
# non-ESP marker): next payload at byte 16, flags at byte 19 (0x20:
# Response). A message sent in IKE fragments (RFC 7383; mifd's default
# fragment_size is 576 over IPv4, which an add of 100 Child SAs exceeds)
# is one request, counted at its first fragment: next payload 53
# (Encrypted Fragment), whose Fragment Number follows the generic payload
# header at byte 32. Offsets in bits from the UDP header.
counters_load() {
	ip netns exec "$EU" nft delete table inet addbench 2>/dev/null
	ip netns exec "$EU" nft -f - <<-'NFT'
	table inet addbench {
		counter msgs_out { }
		counter msgs_in { }
		counter responses { }
		counter requests { }
		chain ike500 {
			@th,216,8 & 0x20 == 0x20 counter name "responses" return
			@th,192,8 53 @th,320,16 != 1 return
			counter name "requests"
		}
		chain ike4500 {
			@th,248,8 & 0x20 == 0x20 counter name "responses" return
			@th,224,8 53 @th,352,16 != 1 return
			counter name "requests"
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

# counters_read: "messages bytes requests".
counters_read() {
	ip netns exec "$EU" nft -j list counters table inet addbench | jq -r '
		[.nftables[] | select(.counter) | .counter |
		 {key: .name, value: {p: .packets, b: .bytes}}] | from_entries |
		[.msgs_out.p + .msgs_in.p, .msgs_out.b + .msgs_in.b,
		 .requests.p] | map(tostring) | join(" ")'
}
counters_load || { echo "bench: cannot load the nftables counters" >&2; exit 1; }

# ---- what the rows share ----

# pair_sas NS SRC DST: NS's SAs from SRC to DST.
pair_sas() { ip -n "$1" xfrm state | grep -c "^src $2 dst $3\$"; }

# on_b N: N SAs each way on B in both kernels.
on_b() {
	local ns a b
	for ns in "$EU" "$SG"; do
		a=$(pair_sas "$ns" 10.88.1.1 10.88.1.2)
		b=$(pair_sas "$ns" 10.88.1.2 10.88.1.1)
		[ "$a" -eq "$1" ] && [ "$b" -eq "$1" ] ||
			{ echo "B in $ns: $a and $b SAs, want $1 each"; return 1; }
	done
}

reset_kernels() {
	local ns a
	for ns in "$EU" "$SG"; do
		ip -n "$ns" xfrm state flush
		ip -n "$ns" xfrm policy flush
	done
	for a in $(ip -n "$EU" -4 -o addr show dev lo | awk '$4 ~ /^10\.9\./ { print $4 }'); do
		ip -n "$EU" addr del "$a" dev lo
	done
	settle
}

# cpu PID...: their CPU time so far, ns, every thread's (charon's work is
# done by its thread pool; /proc/PID/schedstat is the main thread's alone).
cpu() {
	local p f v t=0
	for p in "$@"; do
		for f in /proc/"$p"/task/*/schedstat; do
			read -r v _ <"$f" 2>/dev/null && t=$((t + v))
		done
	done
	echo "$t"
}

declare -A res_m res_b res_r res_w res_c
notes=()
fail_row() {	# fail_row METHOD S WHY
	notes+=("$1 at s=$2: $3")
	echo "# $1 s=$2: $3" >&2
}

# result METHOD S "MESSAGES BYTES REQUESTS" SECONDS CPU_NS: one run's
# figures.
result() {
	local c
	read -r -a c <<<"$3"
	res_m[$1,$2]+=" ${c[0]}" res_b[$1,$2]+=" ${c[1]}" res_r[$1,$2]+=" ${c[2]}"
	res_w[$1,$2]+=" $(awk -v s="$4" 'BEGIN { printf "%.0f", s * 1000 }')"
	res_c[$1,$2]+=" $(($5 / 1000000))"
	echo "# $1 s=$2: ${4}s, ${c[0]} messages, ${c[1]} bytes, ${c[2]} requests, CPU $(($5 / 1000000)) ms" >&2
}

# ---- mifd ----

# mifd_conf ROW eu|sg S FILE: ROW add (the MIF row), one or two (the
# CREATE_CHILD_SA row's set-ups).
mifd_conf() {
	local row=$1 side=$2 s=$3 j me peer
	if [ "$side" = eu ]; then me=1 peer=2; else me=2 peer=1; fi
	{
		echo "# bench/add.sh, $row, $side"
		echo "[mifd]"
		echo "log_level = notice"
		echo
		echo "[conn a]"
		echo "local = 10.88.0.$me"
		echo "remote = 10.88.0.$peer"
		if [ "$side" = eu ]; then
			echo "local_id = fqdn:eu.example"
			echo "remote_id = fqdn:sg.example"
			echo "remote_ts = 10.99.0.1/32"
			case $row in
			add)
				echo "local_ts = 10.9.0.1/32"
				echo "interfaces = mif0:200, mif1:150" ;;
			one)
				echo "vips = 0.0.0.0"
				echo "interfaces = mif0:200"
				echo "per_interface = yes" ;;
			two)
				echo "vips = 0.0.0.0, 0.0.0.0"
				echo "interfaces = mif0:200, mif1:150"
				echo "per_interface = yes" ;;
			esac
		else
			echo "local_id = fqdn:sg.example"
			echo "remote_id = fqdn:eu.example"
			echo "local_ts = 10.99.0.1/32"
			if [ "$row" = add ]; then
				echo "remote_ts = 10.9.0.1/32"
			else
				echo "pool = 10.9.0.0/24"
			fi
			echo "interfaces = pmif0:200, pmif1:150"
		fi
		echo "psk = $PSK"
		echo "ike = $IKE"
		echo "esp = $ESP"
		echo "mode = tunnel"
		echo "dpd = 0"
		echo "retransmit_base = 5s"
		echo "retransmit_tries = 5"
		for ((j = 1; j <= s; j++)); do
			echo
			echo "[child a/t$((5000 + j))]"
			if [ "$side" = eu ]; then
				echo "remote_ts = 10.99.0.1/32[tcp/$((5000 + j))]"
			else
				echo "local_ts = 10.99.0.1/32[tcp/$((5000 + j))]"
			fi
		done
	} >"$4"
}

SE=$T/mifd-eu.sock SS=$T/mifd-sg.sock

# mifd_pair ROW S: both mifd started with ROW's configuration.
mifd_pair() {
	mifd_conf "$1" eu "$2" "$T/eu.conf"
	mifd_conf "$1" sg "$2" "$T/sg.conf"
	rm -f "$SE.log" "$SS.log"
	mifd_start "$SG" "$T/sg.conf" "$SS" && mifd_start "$EU" "$T/eu.conf" "$SE" && return 0
	echo "mifd does not start: $(tail -n 3 "$SE.log" "$SS.log" 2>/dev/null | tr '\n' ' ')"
	return 1
}

mifd_tail() {
	tail -n 10 "$SE.log" | sed 's/^/#   EU: /' >&2
	tail -n 10 "$SS.log" | sed 's/^/#   SG: /' >&2
}

# mifd_setup ROW S: one timed set-up with ROW's configuration (fig_up, up
# to 2 * CHILDREN SAs in both kernels); sets $setup to
# "COUNTERS|SECONDS|CPU_NS" (empty when it failed). Not in a subshell: the
# daemons it starts are stopped by the caller.
mifd_setup() {
	local row=$1 s=$2 n out c0 c1 pe ps
	setup=
	n=$s
	[ "$row" = two ] && n=$((2 * s))
	mifd_pair "$row" "$s" >&2 || return 1
	pe=$(mifd_pid "$SE") ps=$(mifd_pid "$SS")
	sleep 1
	counters_load
	c0=$(cpu "$pe" "$ps")
	out=$("$UP" mifd "$SE" "$EU" "$SG" $((2 * n)) 0 "$limit" a)
	c1=$(cpu "$pe" "$ps")
	echo "# mifd set-up $row s=$s: $out" >&2
	if ! grep -q "sas=$((2 * n))/$((2 * n)) " <<<"$out"; then
		echo "# mifd set-up $row s=$s: not all up" >&2
		mifd_tail
		return 1
	fi
	setup="$(counters_read)|$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' <<<"$out")|$((c1 - c0))"
}

run_ccsa() {
	local s=$1 one two a b d
	if [ $have_mifd -eq 0 ]; then fail_row CREATE_CHILD_SA "$s" "build/mifd not built"; return; fi
	addr_b on
	mifd_setup one "$s"
	one=$setup
	mifd_stop; reset_kernels
	if [ -z "$one" ]; then fail_row CREATE_CHILD_SA "$s" "set-up one failed"; return; fi
	mifd_setup two "$s"
	two=$setup
	if [ -n "$two" ] && ! d=$(on_b "$s"); then
		two=
		echo "# $d" >&2
	fi
	mifd_stop; reset_kernels
	if [ -z "$two" ]; then fail_row CREATE_CHILD_SA "$s" "set-up two failed"; return; fi
	IFS='|' read -r -a a <<<"$one"
	IFS='|' read -r -a b <<<"$two"
	setups[$s]+=" one ${a[1]}s ${a[0]// /\/} two ${b[1]}s ${b[0]// /\/};"
	# shellcheck disable=SC2086
	d=$(paste -d ' ' <(tr ' ' '\n' <<<"${b[0]}") <(tr ' ' '\n' <<<"${a[0]}") |
		awk '{ printf "%s%d", (NR > 1 ? " " : ""), $1 - $2 }')
	result CREATE_CHILD_SA "$s" "$d" "$(awk -v x="${b[1]}" -v y="${a[1]}" 'BEGIN { printf "%.3f", x - y }')" \
		$((b[2] - a[2]))
}

run_mif() {
	local s=$1 out c0 c1 pe ps count i
	if [ $have_mifd -eq 0 ]; then fail_row MIF_ADD_INTERFACE "$s" "build/mifd not built"; return; fi
	addr_b off
	if ! mifd_pair add "$s" >&2; then
		fail_row MIF_ADD_INTERFACE "$s" "mifd does not start"
		mifd_stop; reset_kernels
		return
	fi
	pe=$(mifd_pid "$SE") ps=$(mifd_pid "$SS")
	out=$("$UP" mifd "$SE" "$EU" "$SG" $((2 * s)) 0 "$limit" a)
	echo "# MIF_ADD_INTERFACE s=$s, start state: $out" >&2
	if ! grep -q "sas=$((2 * s))/$((2 * s)) " <<<"$out"; then
		fail_row MIF_ADD_INTERFACE "$s" "start state not up: $out"
		mifd_tail; mifd_stop; reset_kernels
		return
	fi
	# B's address, and SG told of it (its announcement is not timed).
	addr_b on
	for ((i = 0; i < 600; i++)); do
		mifd_ctl "$SG" "$SS" -j ike list 2>/dev/null | jq -e '[.ike_sas[] |
			select(.state == "established") | .mif.peer_interfaces[]?.addresses[]?] |
			index("10.88.1.1") != null' >/dev/null && break
		sleep 0.2
	done
	sleep 1
	settle
	counters_load
	c0=$(cpu "$pe" "$ps")
	out=$("$ADD" "$SE" "$EU" "$SG" $((2 * s)) "$limit" \
		'{"cmd":"iface","op":"add","args":["10.88.1.1","peer","10.88.1.2","conn","a"]}')
	c1=$(cpu "$pe" "$ps")
	count=$(counters_read)
	echo "# MIF_ADD_INTERFACE s=$s: $out" >&2
	if ! grep -q "sas=$((2 * s))/$((2 * s))\$" <<<"$out"; then
		fail_row MIF_ADD_INTERFACE "$s" "not all up: $out"
		mifd_tail
	elif ! i=$(on_b "$s"); then
		fail_row MIF_ADD_INTERFACE "$s" "$i"
	else
		result MIF_ADD_INTERFACE "$s" "$count" \
			"$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' <<<"$out")" \
			$((c1 - c0))
	fi
	mifd_stop
	reset_kernels
}

# ---- charon: a connection on A, then one on B ----

# charon_lib.sh's strongswan.conf, with logging at level 0 and the
# retransmission timers of the mifd configuration (first after 5 s).
eval "$(declare -f _charon_write_conf | sed '1s/_charon_write_conf/_charon_write_conf_lib/')"
_charon_write_conf() {
	_charon_write_conf_lib "$@"
	sed -i -e 's/^\(\t*\)\(default\|ike\|cfg\|knl\|chd\|net\|enc\) = [0-9]*$/\1\2 = 0/' \
		-e 's/^\(\t*\)retransmit_timeout = .*/\1retransmit_timeout = 5.0/' \
		-e 's/^\(\t*\)retransmit_tries = .*/\1retransmit_tries = 5/' \
		-e 's/^\(\t*\)retransmit_base = .*/\1retransmit_base = 2/' \
		"$1/strongswan.conf"
}

swanctl_conf() {	# swanctl_conf eu|sg S DIR
	local side=$1 s=$2 dir=$3 k j me peer l r
	if [ "$side" = eu ]; then me=1 peer=2 l=eu r=sg; else me=2 peer=1 l=sg r=eu; fi
	mkdir -p "$dir/swanctl/conf.d" || return 1
	{
		echo "connections {"
		for k in A B; do
			echo "	c$k {"
			echo "		version = 2"
			if [ $k = A ]; then
				echo "		local_addrs = 10.88.0.$me"
				echo "		remote_addrs = 10.88.0.$peer"
			else
				echo "		local_addrs = 10.88.1.$me"
				echo "		remote_addrs = 10.88.1.$peer"
			fi
			echo "		proposals = $IKE"
			echo "		mobike = no"
			echo "		dpd_delay = 0"
			echo "		rekey_time = 0"
			echo "		reauth_time = 0"
			echo "		unique = never"
			echo "		local { auth = psk"
			echo "			id = $l.example }"
			echo "		remote { auth = psk"
			echo "			id = $r.example }"
			echo "		children {"
			for ((j = 1; j <= s; j++)); do
				echo "			c$k-t$((5000 + j)) {"
				if [ "$side" = eu ]; then
					echo "				local_ts = 10.9.0.1/32"
					echo "				remote_ts = 10.99.0.1/32[tcp/$((5000 + j))]"
				else
					echo "				local_ts = 10.99.0.1/32[tcp/$((5000 + j))]"
					echo "				remote_ts = 10.9.0.1/32"
				fi
				echo "				mode = tunnel"
				echo "				esp_proposals = $ESP"
				echo "				rekey_time = 0"
				echo "				start_action = none"
				echo "			}"
			done
			echo "		}"
			echo "	}"
		done
		echo "}"
		echo "secrets {"
		echo "	ike-add {"
		echo "		id-a = eu.example"
		echo "		id-b = sg.example"
		echo "		secret = \"$PSK\""
		echo "	}"
		echo "}"
	} >"$dir/swanctl/conf.d/add.conf"
}

run_charon() {
	local s=$1 de=$T/charon-eu ds=$T/charon-sg out count pe ps c0 c1 j why
	local -a na=() nb=()
	if [ $have_charon -eq 0 ]; then fail_row charon "$s" "charon not installed"; return; fi
	addr_b on
	rm -rf "$de" "$ds"
	swanctl_conf eu "$s" "$de"
	swanctl_conf sg "$s" "$ds"
	if ! charon_start "$SG" "$ds" >&2 || ! charon_start "$EU" "$de" >&2 ||
		! charon_load "$SG" "$ds" >/dev/null || ! charon_load "$EU" "$de" >/dev/null; then
		fail_row charon "$s" "charon does not start or load its configuration"
		charon_log "$de" 10 >&2; charon_log "$ds" 10 >&2
		charon_stop_all; reset_kernels
		return
	fi
	# shellcheck disable=SC2154 # charon_lib.sh's
	pe=${charon_pids[$(cd "$de" && pwd)]} ps=${charon_pids[$(cd "$ds" && pwd)]}
	for ((j = 1; j <= s; j++)); do
		na+=("cA/cA-t$((5000 + j))")
		nb+=("cB/cB-t$((5000 + j))")
	done
	out=$("$UP" vici "$de/charon.vici" "$EU" "$SG" $((2 * s)) 0 "$limit" "${na[@]}")
	echo "# charon s=$s, start state: $out" >&2
	if ! grep -q "sas=$((2 * s))/$((2 * s)) " <<<"$out"; then
		fail_row charon "$s" "start state not up: $out"
		charon_log "$de" 10 >&2; charon_log "$ds" 10 >&2
		charon_stop_all; reset_kernels
		return
	fi
	sleep 1
	settle
	counters_load
	c0=$(cpu "$pe" "$ps")
	out=$("$UP" vici "$de/charon.vici" "$EU" "$SG" $((2 * s)) 0 "$limit" "${nb[@]}")
	c1=$(cpu "$pe" "$ps")
	count=$(counters_read)
	echo "# charon s=$s: $out" >&2
	if ! grep -q "sas=$((2 * s))/$((2 * s)) " <<<"$out"; then
		fail_row charon "$s" "not all up: $out"
		charon_log "$de" 10 >&2; charon_log "$ds" 10 >&2
	elif ! why=$(on_b "$s"); then
		fail_row charon "$s" "$why"
	else
		result charon "$s" "$count" "$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' <<<"$out")" \
			$((c1 - c0))
	fi
	charon_stop_all
	reset_kernels
}

declare -A setups
for s in "${sizes[@]}"; do
	for ((round = 1; round <= rounds; round++)); do
		echo "# s=$s, round $round of $rounds" >&2
		for m in "${rows[@]}"; do
			"run_$m" "$s"
		done
	done
done

median() {	# median VALUE...: the median, "n/a" without values
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (!NR) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

methods=(MIF_ADD_INTERFACE CREATE_CHILD_SA charon)
echo
echo "add: an interface B added to an IKE SA with s Child SAs on A, EU to SG"
echo "IKE $IKE, ESP $ESP, PSK, tunnel mode; a child per service (TCP port)"
echo "MIF_ADD_INTERFACE: mifd to mifd, one exchange; CREATE_CHILD_SA: mifd to mifd, s exchanges"
echo "  (two set-ups' difference, see bench/add.sh); charon: charon to charon, an IKE SA on B with the s children"
echo "messages, IP bytes, round trips: nftables in EU, both ways; wall: request to the last SA in both kernels"
echo "mifd's kernel calls: $kernel"
echo "CPU: both daemons; ratio: wall over MIF_ADD_INTERFACE's; each figure the median of $rounds runs"
printf '%5s  %-17s  %8s  %9s  %11s  %9s  %8s  %7s\n' s method messages "IP bytes" "round trips" "wall ms" "CPU ms" ratio
for s in "${sizes[@]}"; do
	# shellcheck disable=SC2086
	w0=$(median ${res_w[MIF_ADD_INTERFACE,$s]})
	for m in "${methods[@]}"; do
		# shellcheck disable=SC2086
		w=$(median ${res_w[$m,$s]})
		# shellcheck disable=SC2086
		printf '%5s  %-17s  %8s  %9s  %11s  %9s  %8s  %7s\n' "$s" "$m" \
			"$(median ${res_m[$m,$s]})" "$(median ${res_b[$m,$s]})" \
			"$(median ${res_r[$m,$s]})" "$w" "$(median ${res_c[$m,$s]})" \
			"$(awk -v a="$w" -v b="$w0" 'BEGIN {
				if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0)
					printf "%.1fx", a / b; else print "n/a" }')"
	done
done
for s in "${sizes[@]}"; do
	for m in "${methods[@]}"; do
		echo "runs: s=$s $m: wall ms${res_w[$m,$s]:- none}; CPU ms${res_c[$m,$s]:- none}"
	done
	echo "runs: s=$s mifd set-ups (messages/bytes/requests):${setups[$s]:- none}"
done
for x in "${notes[@]}"; do
	echo "note: $x"
done
exit 0
