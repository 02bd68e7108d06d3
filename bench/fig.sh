#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): setting up the draft's figure 1 (a VPN over three
# interfaces, a tunnel on each) and figure 11 (S services on each of three
# interfaces, 3S Child SAs), mif against what strongSwan users do today,
# in the same run on the same topology.
#
# Topology, as selftests/interop/fig1.sh: namespaces EU and SG joined by
# three veth pairs, mifK in EU (10.88.K.1/24) to pmifK in SG (10.88.K.2/24),
# K = 0, 1, 2. Both methods get the same proposals and keys: IKE
# aes256gcm16-prfsha256-x25519, ESP aes256gcm16 (no PFS), tunnel mode, one
# PSK; EU asks for an inner address per interface, which SG leases from its
# pool (10.9.0.0/24); SG's side of the tunnels is 10.99.0.0/16 (figure 1),
# or service J's network 10.99.J.0/24, J = 1..S (figure 11).
#
#   mif     mifd to mifd: one connection, one IKE SA on pair 0, with
#           per_interface = yes and three vips: its Child SAs on each pair,
#           each carrying the inner address of its interface; figure 11
#           with S [child] sections, one per service, each child on each
#           pair. IKE_AUTH carries the first Child SA, CREATE_CHILD_SA the
#           others, one after the other (window 1).
#   charon  charon to charon: three connections, one per pair, each with
#           its own IKE SA, inner address (vips = 0.0.0.0, one pool per
#           connection on SG) and children: one (figure 1) or S (figure 11).
#           All are initiated at once (vici "initiate" per child, the three
#           connections' first children first): the three IKE SAs come up
#           side by side, each child after the first by CREATE_CHILD_SA
#           (window 1, charon's default). No reuse_ikesa change: charon
#           queues a connection's children on its one IKE SA. unique =
#           never: the three IKE SAs share their identities and come up
#           at once, each with INITIAL_CONTACT, which with unique = no
#           would make SG delete the others as stale.
# Each daemon runs with its defaults otherwise, except logging at one line
# or so per SA (mifd log_level = notice, charon's file logger at level 0)
# and the same retransmission timers, the first after 5 s (under a loaded
# emulator a response can take more than a second, and a retransmission
# would count as messages of the set-up); no DPD, no rekeying, no MOBIKE.
#
# Method, the same for both: build/bench/fig_up (bench/fig_up.c) sends the
# "up" requests over one connection to the initiator's control socket
# (mifd: one {"cmd":"up"}; charon: one vici "initiate" per child, not
# waiting) and polls both kernels' SA and outbound policy counts (every
# 5 ms, as `ip xfrm state count` reads them) until each holds 2 SAs and an
# outbound policy per Child SA. The wall time runs from the first request
# to the last SA or policy installed, in whichever kernel. Then the Child
# SAs are checked to be on their own pairs (ip xfrm state), and the IKE
# SAs counted (mifctl ike list, swanctl --list-sas).
#
# Columns:
#   IKE SAs, Child SAs  what was set up
#   messages  IKE datagrams both ways, counted by nftables in EU (output to
#             and input from UDP port 500 or 4500), retransmissions
#             included (none in a quiet run)
#   IP bytes  the same datagrams' bytes as IP packets: UDP payload plus 28
#             (IPv4 and UDP headers) each
#   round trips  request/response pairs: the requests among the messages
#             (Response flag clear in the IKE header), each way; their
#             exchanges are listed below the table
#   seconds   wall time, as above
#   RSS KiB   VmRSS of both daemons (EU's plus SG's) once all is up
#   growth    the same minus its value with both daemons idle, their
#             configuration loaded, before the first request
# Each figure is the median of MIF_BENCH_ROUNDS runs (default 3), mif and
# charon taking turns, each run with freshly started daemons (QEMU's
# software emulation makes single runs vary by a factor of two or more);
# messages, bytes and round trips are the same in every quiet run.
#
# Build on the host first (the VM's root is read-only), then run in the VM:
#   make && make -C bench
#   tools/vm/run -k debian -m 3072 -t 2700 -- bench/fig.sh [fig1] [fig11]
# (about 25 minutes on a loaded 2-core machine). Environment, given inside
# the VM (tools/vm/run -- env MIF_BENCH_ROUNDS=1 bench/fig.sh):
# MIF_BENCH_SERVICES=S (default 100, figure 11's services, 1..1024),
# MIF_BENCH_ROUNDS (default 3), MIF_BENCH_TIMEOUT=SECONDS (default 600)
# bounds each set-up.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../selftests/lib.sh"
source "$here/../selftests/interop/charon_lib.sh"
source "$here/../selftests/interop/lib.sh"	# mifd_*; sets an EXIT trap
source "$here/lib.sh"

figs=("$@")
[ ${#figs[@]} -gt 0 ] || figs=(fig1 fig11)
S=${MIF_BENCH_SERVICES:-100}
rounds=${MIF_BENCH_ROUNDS:-3}
limit=${MIF_BENCH_TIMEOUT:-600}
for f in "${figs[@]}"; do
	case $f in fig1 | fig11) ;; *) echo "bench: figures: fig1, fig11: $f" >&2; exit 2 ;; esac
done
[[ $S =~ ^[1-9][0-9]*$ ]] && [ "$S" -le 1024 ] ||
	{ echo "bench: MIF_BENCH_SERVICES must be 1..1024" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench: MIF_BENCH_ROUNDS must be 1 or more" >&2; exit 2; }
[[ $limit =~ ^[1-9][0-9]*$ ]] || { echo "bench: MIF_BENCH_TIMEOUT must be seconds" >&2; exit 2; }

UP=$REPO_DIR/build/bench/fig_up
IKE=aes256gcm16-prfsha256-x25519 ESP=aes256gcm16
PSK=0x6d69662d62656e63682d666967757265732d7570

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (run it in the VM)" >&2; exit 2; }
command -v nft >/dev/null && command -v jq >/dev/null ||
	{ echo "bench: needs nft and jq" >&2; exit 2; }
if [ ! -x "$UP" ] || [ "$here/fig_up.c" -nt "$UP" ]; then
	echo "bench: $UP missing or stale: run 'make -C bench' on the host" >&2
	exit 1
fi
have_mifd=1 have_charon=1
[ -x "$MIFD" ] && [ -x "$MIFCTL" ] ||
	{ have_mifd=0; echo "# $MIFD or $MIFCTL not built (make): mif rows n/a" >&2; }
charon_available || { have_charon=0; echo "# charon or swanctl not installed: charon rows n/a" >&2; }

T=$(mktemp -d /tmp/mif-bench-fig.XXXXXX)
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

make_netns EU || exit 1
make_netns SG || exit 1
for k in 0 1 2; do
	ip -n "$EU" link add "mif$k" type veth peer name "pmif$k" netns "$SG" &&
		ip -n "$EU" addr add "10.88.$k.1/24" dev "mif$k" &&
		ip -n "$SG" addr add "10.88.$k.2/24" dev "pmif$k" &&
		ip -n "$EU" link set "mif$k" up && ip -n "$SG" link set "pmif$k" up ||
		{ echo "bench: cannot set up the veth pairs" >&2; exit 1; }
done

# ---- counting IKE messages: nftables in EU (lib.sh) ----

counters_load() { ike_counters_load "$EU" figbench; }
counters_read() { ike_counters_read "$EU" figbench; }
counters_load || { echo "bench: cannot load the nftables counters" >&2; exit 1; }

# ---- what each run shares ----

rss() {	# rss PID: VmRSS in KiB
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# pairs_ok N: N Child SAs on each pair, each way, in both kernels.
pairs_ok() {
	local k ns a b
	for k in 0 1 2; do
		for ns in "$EU" "$SG"; do
			a=$(ip -n "$ns" xfrm state | grep -c "^src 10.88.$k.1 dst 10.88.$k.2\$")
			b=$(ip -n "$ns" xfrm state | grep -c "^src 10.88.$k.2 dst 10.88.$k.1\$")
			[ "$a" -eq "$1" ] && [ "$b" -eq "$1" ] ||
				{ echo "pair $k in $ns: $a and $b SAs, want $1 each"; return 1; }
		done
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

declare -A res_m res_b res_r res_s res_rss res_g res_x res_ike
notes=()
fail_row() {	# fail_row FIG METHOD WHY
	notes+=("$1 $2: $3")
	echo "# $1 $2: $3" >&2
}

# result FIG METHOD IKE_SAS FIG_UP_LINE COUNTERS RSS0 RSS1: one run's
# figures (COUNTERS: what counters_read printed when fig_up returned).
result() {
	local c s
	read -r -a c <<<"$5"
	s=$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' <<<"$4")
	res_m[$1,$2]+=" ${c[0]}" res_b[$1,$2]+=" ${c[1]}" res_r[$1,$2]+=" ${c[2]}"
	res_s[$1,$2]+=" $s" res_rss[$1,$2]+=" $7" res_g[$1,$2]+=" $(($7 - $6))"
	res_ike[$1,$2]=$3
	res_x[$1,$2]="IKE_SA_INIT ${c[3]}, IKE_AUTH ${c[4]}, CREATE_CHILD_SA ${c[5]}, INFORMATIONAL ${c[6]}, other ${c[7]}"
	echo "# $1 $2: ${s}s, ${c[0]} messages, ${c[1]} bytes, ${c[2]} requests (${res_x[$1,$2]}); RSS $6 -> $7 KiB" >&2
}

# children FIG: Child SAs per pair (per interface).
per_pair() { if [ "$1" = fig1 ]; then echo 1; else echo "$S"; fi; }

# ---- mif: mifd to mifd ----

mifd_conf() {	# mifd_conf FIG eu|sg FILE
	local fig=$1 side=$2 j me peer
	if [ "$side" = eu ]; then me=1 peer=2; else me=2 peer=1; fi
	{
		echo "# bench/fig.sh, $fig, $side"
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
		echo "psk = $PSK"
		echo "ike = $IKE"
		echo "esp = $ESP"
		echo "mode = tunnel"
		echo "dpd = 0"
		echo "retransmit_base = 5s"
		echo "retransmit_tries = 5"
		if [ "$fig" = fig11 ]; then
			for ((j = 1; j <= S; j++)); do
				echo
				echo "[child a/s$j]"
				if [ "$side" = eu ]; then
					echo "remote_ts = 10.99.$j.0/24"
				else
					echo "local_ts = 10.99.$j.0/24"
				fi
			done
		fi
	} >"$3"
}

run_mif() {
	local fig=$1 n per se=$T/mifd-eu.sock ss=$T/mifd-sg.sock out count pe ps m0 m1 ike why
	per=$(per_pair "$fig")
	n=$((3 * per))
	if [ $have_mifd -eq 0 ]; then fail_row "$fig" mif "build/mifd not built"; return; fi
	mifd_conf "$fig" eu "$T/eu.conf"
	mifd_conf "$fig" sg "$T/sg.conf"
	rm -f "$se.log" "$ss.log"
	if ! mifd_start "$SG" "$T/sg.conf" "$ss" || ! mifd_start "$EU" "$T/eu.conf" "$se"; then
		fail_row "$fig" mif "mifd does not start: $(tail -n 3 "$se.log" "$ss.log" 2>/dev/null | tr '\n' ' ')"
		mifd_stop
		return
	fi
	pe=$(mifd_pid "$se") ps=$(mifd_pid "$ss")
	counters_load
	sleep 1
	m0=$(($(rss "$pe") + $(rss "$ps")))
	out=$("$UP" mifd "$se" "$EU" "$SG" $((2 * n)) "$n" "$limit" a)
	count=$(counters_read)
	echo "# mif $fig: $out" >&2
	sleep 1
	m1=$(($(rss "$pe") + $(rss "$ps")))
	ike=$(mifd_ctl "$EU" "$se" -j ike list 2>/dev/null | jq '.ike_sas | length')
	if ! grep -q "sas=$((2 * n))/$((2 * n)) out_policies=$n/$n\$" <<<"$out"; then
		fail_row "$fig" mif "not all up: $out"
		tail -n 10 "$se.log" | sed 's/^/#   EU: /' >&2
		tail -n 10 "$ss.log" | sed 's/^/#   SG: /' >&2
	elif ! why=$(pairs_ok "$per"); then
		fail_row "$fig" mif "$why"
	else
		result "$fig" mif "$ike" "$out" "$count" "$m0" "$m1"
	fi
	mifd_stop
	reset_kernels
}

# ---- charon: charon to charon, a connection per interface ----

# charon_lib.sh's strongswan.conf, with logging at level 0 and the
# retransmission timers of the mifd configuration (first after 5 s, then
# doubling, 5 tries).
eval "$(declare -f _charon_write_conf | sed '1s/_charon_write_conf/_charon_write_conf_lib/')"
_charon_write_conf() {
	_charon_write_conf_lib "$@"
	sed -i -e 's/^\(\t*\)\(default\|ike\|cfg\|knl\|chd\|net\|enc\) = [0-9]*$/\1\2 = 0/' \
		-e 's/^\(\t*\)retransmit_timeout = .*/\1retransmit_timeout = 5.0/' \
		-e 's/^\(\t*\)retransmit_tries = .*/\1retransmit_tries = 5/' \
		-e 's/^\(\t*\)retransmit_base = .*/\1retransmit_base = 2/' \
		"$1/strongswan.conf"
}

# children_of FIG K: the children of connection K, "NAME TS" per line
# (EU's remote_ts, SG's local_ts).
children_of() {
	local j
	if [ "$1" = fig1 ]; then
		echo "c$2 10.99.0.0/16"
	else
		for ((j = 1; j <= S; j++)); do
			echo "c$2-s$j 10.99.$j.0/24"
		done
	fi
}

swanctl_conf() {	# swanctl_conf FIG eu|sg DIR
	local fig=$1 side=$2 dir=$3 k me peer name ts
	mkdir -p "$dir/swanctl/conf.d" || return 1
	{
		echo "connections {"
		for k in 0 1 2; do
			if [ "$side" = eu ]; then me=1 peer=2; else me=2 peer=1; fi
			echo "	c$k {"
			echo "		version = 2"
			echo "		local_addrs = 10.88.$k.$me"
			echo "		remote_addrs = 10.88.$k.$peer"
			echo "		proposals = $IKE"
			echo "		mobike = no"
			echo "		dpd_delay = 0"
			echo "		rekey_time = 0"
			echo "		reauth_time = 0"
			echo "		unique = never"
			if [ "$side" = eu ]; then
				echo "		vips = 0.0.0.0"
				echo "		local { auth = psk"
				echo "			id = eu.example }"
				echo "		remote { auth = psk"
				echo "			id = sg.example }"
			else
				echo "		pools = p$k"
				echo "		local { auth = psk"
				echo "			id = sg.example }"
				echo "		remote { auth = psk"
				echo "			id = eu.example }"
			fi
			echo "		children {"
			while read -r name ts; do
				echo "			$name {"
				if [ "$side" = eu ]; then
					echo "				remote_ts = $ts"
				else
					echo "				local_ts = $ts"
				fi
				echo "				mode = tunnel"
				echo "				esp_proposals = $ESP"
				echo "				rekey_time = 0"
				echo "				start_action = none"
				echo "			}"
			done < <(children_of "$fig" "$k")
			echo "		}"
			echo "	}"
		done
		echo "}"
		echo "secrets {"
		echo "	ike-fig {"
		echo "		id-a = eu.example"
		echo "		id-b = sg.example"
		echo "		secret = \"$PSK\""
		echo "	}"
		echo "}"
		if [ "$side" = sg ]; then
			# One address per connection, as mifd's pool gives one per
			# interface: 10.9.0.1 to 10.9.0.3.
			echo "pools {"
			for k in 0 1 2; do
				echo "	p$k { addrs = 10.9.0.$((k + 1))-10.9.0.$((k + 1)) }"
			done
			echo "}"
		fi
	} >"$dir/swanctl/conf.d/fig.conf"
}

run_charon() {
	local fig=$1 n per de=$T/charon-eu ds=$T/charon-sg out count pe ps m0 m1 ike why j k
	local -a names=()
	per=$(per_pair "$fig")
	n=$((3 * per))
	if [ $have_charon -eq 0 ]; then fail_row "$fig" charon "charon not installed"; return; fi
	rm -rf "$de" "$ds"
	swanctl_conf "$fig" eu "$de"
	swanctl_conf "$fig" sg "$ds"
	if ! charon_start "$SG" "$ds" >&2 || ! charon_start "$EU" "$de" >&2 ||
		! charon_load "$SG" "$ds" >/dev/null || ! charon_load "$EU" "$de" >/dev/null; then
		fail_row "$fig" charon "charon does not start or load its configuration"
		charon_log "$de" 10 >&2; charon_log "$ds" 10 >&2
		charon_stop_all
		return
	fi
	# shellcheck disable=SC2154 # charon_lib.sh's
	pe=${charon_pids[$(cd "$de" && pwd)]} ps=${charon_pids[$(cd "$ds" && pwd)]}
	# Each connection's first child, then each one's second, ...
	for ((j = 1; j <= per; j++)); do
		for k in 0 1 2; do
			if [ "$fig" = fig1 ]; then names+=("c$k/c$k"); else names+=("c$k/c$k-s$j"); fi
		done
	done
	counters_load
	sleep 1
	m0=$(($(rss "$pe") + $(rss "$ps")))
	out=$("$UP" vici "$de/charon.vici" "$EU" "$SG" $((2 * n)) "$n" "$limit" "${names[@]}")
	count=$(counters_read)
	echo "# charon $fig: $out" >&2
	sleep 1
	m1=$(($(rss "$pe") + $(rss "$ps")))
	ike=$(charon_sas "$EU" "$de" | grep -c '^ike [^ ]* ESTABLISHED ')
	if ! grep -q "sas=$((2 * n))/$((2 * n)) out_policies=$n/$n\$" <<<"$out"; then
		fail_row "$fig" charon "not all up: $out"
		charon_log "$de" 10 >&2; charon_log "$ds" 10 >&2
	elif ! why=$(pairs_ok "$per"); then
		fail_row "$fig" charon "$why"
	else
		result "$fig" charon "$ike" "$out" "$count" "$m0" "$m1"
	fi
	charon_stop_all
	reset_kernels
}

for fig in "${figs[@]}"; do
	for ((round = 1; round <= rounds; round++)); do
		echo "# $fig, round $round of $rounds" >&2
		if [ $((round % 2)) -eq 1 ]; then
			run_mif "$fig"; run_charon "$fig"
		else
			run_charon "$fig"; run_mif "$fig"
		fi
	done
done

median() {	# median VALUE...: the median, "n/a" without values
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (!NR) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo
echo "fig: figure 1 (3 interfaces, a tunnel each) and figure 11 ($S services x 3 interfaces), set up from EU to SG"
echo "IKE $IKE, ESP $ESP, PSK, tunnel mode, an inner address per interface from SG's pool"
echo "mif: mifd to mifd, one IKE SA, per_interface = yes; charon: charon to charon, an IKE SA per interface"
echo "messages and IP bytes: both ways, nftables in EU; seconds: first request to all Child SAs in both kernels"
echo "RSS: both daemons' VmRSS once up; growth: from both idle before the request; each figure: median of $rounds runs"
printf '%-6s  %-7s  %7s  %9s  %8s  %9s  %11s  %8s  %8s  %10s\n' figure method "IKE SAs" "Child SAs" \
	messages "IP bytes" "round trips" seconds "RSS KiB" "growth KiB"
for fig in "${figs[@]}"; do
	for m in mif charon; do
		# shellcheck disable=SC2086
		printf '%-6s  %-7s  %7s  %9s  %8s  %9s  %11s  %8s  %8s  %10s\n' "$fig" "$m" \
			"${res_ike[$fig,$m]:-n/a}" "$((3 * $(per_pair "$fig")))" \
			"$(median ${res_m[$fig,$m]})" "$(median ${res_b[$fig,$m]})" \
			"$(median ${res_r[$fig,$m]})" "$(median ${res_s[$fig,$m]})" \
			"$(median ${res_rss[$fig,$m]})" "$(median ${res_g[$fig,$m]})"
	done
done
for fig in "${figs[@]}"; do
	for m in mif charon; do
		echo "requests: $fig $m: ${res_x[$fig,$m]:-none}"
	done
done
for fig in "${figs[@]}"; do
	for m in mif charon; do
		echo "runs: $fig $m: seconds${res_s[$fig,$m]:- none}; messages${res_m[$fig,$m]:- none}; RSS KiB${res_rss[$fig,$m]:- none}; growth KiB${res_g[$fig,$m]:- none}"
	done
done
for x in "${notes[@]}"; do
	echo "note: $x"
done
exit 0
