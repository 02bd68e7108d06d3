#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): full IKE set-ups per second, IKE_SA_INIT + IKE_AUTH
# with the first Child SA installed in the kernel, mifd to mifd against
# charon to charon, in the same run; and each daemon's memory per IKE SA.
#
# Two network namespaces joined by a veth pair, 10.9.0.1 (initiator) and
# 10.9.0.2 (responder). Both daemons get the same set-up:
#   IKE aes256gcm16-prfsha256-x25519, ESP aes256gcm16, tunnel mode;
#   the initiator has one connection per IKE SA, bK with /32 selectors
#   172.16.x.y <-> 172.17.x.y; the responder one connection accepting any
#   identity, with 172.16.0.0/16 <-> 172.17.0.0/16 narrowed to what each
#   initiator asks for. No DPD, no rekeying, no uniqueness policy (charon's
#   unique = no: mifd has none).
# Two authentications, one row each:
#   psk    a pre-shared key; initiator identity fqdn:iK.bench per connection
#   ecdsa  RFC 7427 signatures with ECDSA P-256 certificates of one test CA
#          (selftests/interop/certs.sh): fqdn:eu.example to fqdn:sg.example
# Each daemon runs with its defaults otherwise, except: logging at one line
# or so per SA (mifd log_level = notice, charon's file logger at level 0),
# the same retransmission timers (first after 1 s, 5 tries), the half-open
# DoS limits lifted on both (a single initiator address starts N IKE SAs
# at once; bench/flood.sh measures the limits): charon's cookie_threshold
# and block_threshold (5 half-open SAs per peer address), mifd's
# cookie_threshold and half_open_max_peer (the same defaults), and charon's
# reuse_ikesa off (see _charon_write_conf below); and a failed set-up
# tried again, as mifd does by default (keyingtries = 0 on both: swanctl's
# default of 1 would give up on a set-up whose retransmissions went
# unanswered under load: the likely reason charon brought up only 986 of
# 1,000 in earlier runs).
#
# Method, the same for both: build/bench/ike_up (bench/ike_up.c) in the
# initiator's namespace sends the N initiate requests over one connection to
# the control socket (mifd: {"cmd":"up"} as mifctl ike up sends it; charon:
# vici "initiate" with timeout -1, as swanctl --initiate sends it, not
# waiting), one after the other, then polls the kernel's SA and policy counts
# until N outbound policies and 2N SAs are installed. The time runs from the
# first request to the last policy. One connection b0 is brought up first and
# left up (code and crypto libraries loaded, QEMU's translations warm), then
# the memory baseline is taken, then b1..bN are timed.
#
# Memory: Pss (/proc/PID/smaps_rollup; VmRSS where there is none) of each
# daemon before b1 and after bN is up; per IKE SA = the difference / N, KiB.
#
# At most MIF_BENCH_WINDOW (default 100) set-ups are in flight: ike_up sends
# the next request only when fewer than that many sent lack their policy.
# With N = 100 that is all at once, as always; at N = 1,000 and 10,000 it
# keeps the queues in front of both daemons as deep as at 100, so that the
# rows compare a daemon holding 100, 1,000 or 10,000 IKE SAs and not queues
# that grow with N (with all 10,000 at once the last requests would wait
# minutes behind the others, be retransmitted every few seconds, give up
# after 63 s, and the responders' half-open IKE SAs would time out after
# 30 s). What else the large rows need, for both daemons alike:
# mifd's half_open_max lifted (default 1000) beside half_open_max_peer;
# charon's half-open IKE SAs kept 30 s as mifd's (charon_lib.sh's 10 s);
# charon's IKE SA table hashed (ikesa_table_size 4096 in 4 segments, the
# tuning strongSwan documents for many SAs, instead of its default single
# list); UDP receive buffers of 8 MiB (net.core.rmem_default and rmem_max,
# restored after) so that a burst of requests is queued rather than dropped
# and retransmitted (the counts of UDP receive buffer errors in both
# namespaces are printed after each run); the control clients' time limits
# (mifctl 20 s, swanctl 30 s in the test libraries: loading or listing
# 10,000 connections takes longer under QEMU) and mifd's start-up wait
# scaled with N; the configurations written without a process per
# connection.
#
# The crypto floor: build/bench/crypto_floor (bench/crypto_floor.c), run
# first in the same VM, times the public-key work of one set-up of each row,
# both peers' share, with mifd's own crypto code on one CPU (X25519 key
# pairs and shared secrets; for ecdsa also the P-256 signatures, certificate
# chain checks and signature verifications of IKE_AUTH). Each row's
# set-ups per second are printed beside it and as a share of it.
#
# `mifctl ike up` starts no second IKE SA of a connection that has one, so
# the initiator has a connection per IKE SA; mifd takes up to 16384.
#
# Build on the host first (the VM's root is read-only), then run in the VM:
#   make && make -C bench
#   tools/vm/run -m 3072 -t 1800 -- bench/ike.sh [N...]     (default N: 100)
# (10 to 15 minutes under QEMU: 12 daemon pairs started, charon slowly;
# one PSK round at N = 100 and 1,000 took 18 minutes on a loaded host)
# Environment: MIF_BENCH_TIMEOUT=SECONDS (default 600, or N / 5 if more)
# bounds each wait; MIF_BENCH_WINDOW (default 100, 0: no bound) the set-ups
# in flight; MIF_BENCH_FLOOR_SECONDS (default 3) the CPU time of each floor
# row;
# MIF_BENCH_AUTH="psk ecdsa" (the default) chooses the rows,
# MIF_BENCH_METHODS="mifd charon" (the default) the daemons;
# MIF_BENCH_PERF=DIR: a system-wide profile of each timed part (perf
# record -a, cpu-clock at 199 Hz: QEMU has no PMU) in DIR/METHOD-AUTH-N-R.data,
# with the guest's /proc/kallsyms as DIR/kallsyms, for perf report on the
# host (perf report -i FILE --kallsyms DIR/kallsyms --sort comm,dso,sym);
# MIF_BENCH_ROUNDS (default 3): each figure is the median of that many runs,
# mifd and charon taking turns, each run with freshly started daemons (QEMU's
# software emulation makes single runs vary by a factor of two or more).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../selftests/lib.sh"
source "$here/../selftests/interop/charon_lib.sh"
source "$here/../selftests/interop/lib.sh"	# mifd_*; sets an EXIT trap
source "$here/../selftests/interop/certs.sh"
source "$here/lib.sh"

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100)
window=${MIF_BENCH_WINDOW:-100}
floor_seconds=${MIF_BENCH_FLOOR_SECONDS:-3}
[[ $window =~ ^[0-9]+$ ]] || { echo "bench: MIF_BENCH_WINDOW must be 0 or more" >&2; exit 2; }
read -r -a auths <<<"${MIF_BENCH_AUTH:-psk ecdsa}"
read -r -a methods <<<"${MIF_BENCH_METHODS:-mifd charon}"
rounds=${MIF_BENCH_ROUNDS:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench: MIF_BENCH_ROUNDS must be 1 or more" >&2; exit 2; }
UP=$REPO_DIR/build/bench/ike_up
FLOOR=$REPO_DIR/build/bench/crypto_floor
I_ADDR=10.9.0.1 R_ADDR=10.9.0.2
IKE=aes256gcm16-prfsha256-x25519 ESP=aes256gcm16
PSK=0x6d69662d62656e63682d696b652d7365742d7570
for a in "${auths[@]}"; do
	case $a in psk | ecdsa) ;; *) echo "bench: MIF_BENCH_AUTH: psk, ecdsa: $a" >&2; exit 2 ;; esac
done
for m in "${methods[@]}"; do
	case $m in mifd | charon) ;; *) echo "bench: MIF_BENCH_METHODS: mifd, charon: $m" >&2; exit 2 ;; esac
done
for n in "${sizes[@]}"; do
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 60000 ] ||
		{ echo "bench: N must be 1..60000: $n" >&2; exit 2; }
done

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (run it in the VM)" >&2; exit 2; }
if [ ! -x "$UP" ] || [ "$here/ike_up.c" -nt "$UP" ] || [ ! -x "$FLOOR" ] ||
	[ "$here/crypto_floor.c" -nt "$FLOOR" ]; then
	if [ -w "$REPO_DIR" ]; then
		make -s -C "$here" >&2 || exit 1
	else
		echo "bench: $UP or $FLOOR missing or stale: run 'make -C bench' on the host" >&2
		exit 1
	fi
fi
have_mifd=1 have_charon=1
[ -x "$MIFD" ] || { have_mifd=0; echo "# $MIFD not built (make): mifd rows n/a" >&2; }
charon_available || { have_charon=0; echo "# charon or swanctl not installed: charon rows n/a" >&2; }

T=$(mktemp -d /tmp/mif-bench-ike.XXXXXX)
rmem=$(sysctl -n net.core.rmem_default net.core.rmem_max 2>/dev/null | tr '\n' ' ')
cleanup() {
	charon_stop_all >/dev/null 2>&1
	mifd_stop >/dev/null 2>&1
	rm -rf "$T" "$MIFD_TMP"
	ksft_cleanup
	read -r -a rmem <<<"$rmem"
	[ ${#rmem[@]} -eq 2 ] && sysctl -qw net.core.rmem_default="${rmem[0]}" \
		net.core.rmem_max="${rmem[1]}" 2>/dev/null
}
trap cleanup EXIT
# Room for bursts of IKE messages in each daemon's UDP socket (see above).
sysctl -qw net.core.rmem_max=8388608 net.core.rmem_default=8388608 ||
	echo "# cannot raise net.core.rmem_default: bursts may overflow" >&2

modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
# Load the ESP cipher now rather than at the first SA.
ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x101 mode tunnel \
	aead 'rfc4106(gcm(aes))' "0x$(printf '%040d' 0)" 128 2>/dev/null
ip xfrm state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x101 2>/dev/null

make_netns NI || exit 1
make_netns NR || exit 1
ip link add mifbi type veth peer name mifbr || exit 1
ip link set mifbi netns "$NI"
ip link set mifbr netns "$NR"
ip -n "$NI" addr add "$I_ADDR/24" dev mifbi
ip -n "$NR" addr add "$R_ADDR/24" dev mifbr
ip -n "$NI" link set mifbi up
ip -n "$NR" link set mifbr up

CERTS=$T/certs
if [[ " ${auths[*]} " == *" ecdsa "* ]]; then
	if certs_make "$CERTS" >&2; then
		mkdir -p "$CERTS/ca.d" && cp "$CERTS/ca.pem" "$CERTS/ca.d/"
	else
		echo "# no test certificates (pki, openssl or certtool): ecdsa rows n/a" >&2
		CERTS=
	fi
fi

# The crypto floor of each row, set-ups per second, and its line.
declare -A floor floor_line
floor_auths=()
for a in "${auths[@]}"; do
	[ "$a" = ecdsa ] && [ -z "$CERTS" ] && continue
	floor_auths+=("$a")
done
if [ ${#floor_auths[@]} -gt 0 ]; then
	while read -r line; do
		a=$(sed -n 's/^FLOOR auth=\([a-z]*\) .*/\1/p' <<<"$line")
		[ -n "$a" ] || continue
		floor[$a]=$(sed -n 's/.* setups_per_second=\([0-9.]*\).*/\1/p' <<<"$line")
		floor_line[$a]=${line#FLOOR }
		echo "# crypto floor: ${floor_line[$a]}" >&2
	done < <("$FLOOR" -t "$floor_seconds" ${CERTS:+-c "$CERTS"} "${floor_auths[@]}")
fi

# ids K: the identities of connection bK, "INITIATOR RESPONDER".
ids() {
	if [ "$auth" = psk ]; then echo "i$1.bench r.bench"; else echo "eu.example sg.example"; fi
}

# mifd_auth SIDE: the authentication keys of a mifd connection.
mifd_auth() {
	if [ "$auth" = psk ]; then
		printf 'auth = psk\npsk = %s\n' "$PSK"
	else
		printf 'auth = pubkey\ncert = %s\nkey = %s\nca_dir = %s\n' \
			"$CERTS/$1.pem" "$CERTS/$1.key" "$CERTS/ca.d"
	fi
}

# charon_auth SIDE: the same as charon_conf arguments.
charon_auth() {
	if [ "$auth" = psk ]; then
		echo "auth=psk psk=$PSK"
	else
		echo "auth=pubkey cert=$CERTS/$1.pem key=$CERTS/$1.key cacert=$CERTS/ca.pem"
	fi
}

# ts K: the /32 selectors of connection bK, "INITIATOR RESPONDER".
ts() { echo "172.16.$(($1 / 256)).$(($1 % 256)) 172.17.$(($1 / 256)).$(($1 % 256))"; }

# scale N: the time limits of the runs at N. The test libraries' control
# clients and mifd's start-up wait are made for a few connections; they
# take these instead (MIFD_CTL_TIMEOUT, SWANCTL_TIMEOUT, MIFD_START_TRIES).
scale() {
	limit=${MIF_BENCH_TIMEOUT:-$(($1 / 5 > 600 ? $1 / 5 : 600))}
	MIFD_CTL_TIMEOUT=$((30 + $1 / 20))
	SWANCTL_TIMEOUT=$MIFD_CTL_TIMEOUT
	MIFD_START_TRIES=$((100 + $1 / 10))
}
scale 1

# udp_errors NS: UDP datagrams dropped so far in NS for a full receive buffer.
udp_errors() {
	ip netns exec "$1" awk '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; i++)
		if ($i == "RcvbufErrors") c = i; h = 1 } else { print c ? $c : "n/a"; exit } }' \
		/proc/net/snmp
}

kernel_counts() {	# kernel_counts NS: "SAs policies"
	echo "$(ip -n "$1" xfrm state | grep -c '^src ') $(ip -n "$1" xfrm policy | grep -c '^src ')"
}

declare -A res_s res_q res_mi res_mr med_s med_i med_r

# result METHOD N SECONDS MEM_I0 MEM_I1 MEM_R0 MEM_R1 REQ_SECONDS (of the
# current $auth): one run's figures, appended to those of the earlier rounds.
result() {
	res_s[$1,$auth,$2]+=" $3"
	res_q[$1,$auth,$2]+=" $8"
	res_mi[$1,$auth,$2]+=" $(awk -v a="$4" -v b="$5" -v n="$2" 'BEGIN { printf "%.1f", (b - a) / n }')"
	res_mr[$1,$auth,$2]+=" $(awk -v a="$6" -v b="$7" -v n="$2" 'BEGIN { printf "%.1f", (b - a) / n }')"
	echo "# $1 $auth N=$2: ${3}s; Pss initiator $4 -> $5 KiB, responder $6 -> $7 KiB" >&2
}

median() {	# median VALUE...: the median, "n/a" without values
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (!NR) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

notes=()
fail_row() {	# fail_row METHOD N WHY: a run without figures
	notes+=("$1 $auth at N=$2: $3")
	echo "# $1 $auth N=$2: $3" >&2
}

# ---- mifd ----

# mifd_conf_i N FILE: as ts and ids say, without a process per connection
# (10,000 of them take minutes under QEMU).
mifd_conf_i() {
	local k id a x y
	read -r -a id <<<"$(ids 0)"
	a=$(mifd_auth "${id[0]}")
	{
		echo "# bench/ike.sh, initiator"
		echo "[mifd]"
		echo "log_level = notice"
		for ((k = 0; k <= $1; k++)); do
			x=$((k / 256)) y=$((k % 256))
			[ "$auth" = psk ] && id[0]=i$k.bench
			printf '\n[conn b%s]\nlocal = %s\nremote = %s\n' "$k" "$I_ADDR" "$R_ADDR"
			printf 'local_id = fqdn:%s\nremote_id = fqdn:%s\n%s\n' "${id[0]}" "${id[1]}" "$a"
			printf 'ike = %s\nesp = %s\nmode = tunnel\n' "$IKE" "$ESP"
			printf 'local_ts = 172.16.%s.%s/32\nremote_ts = 172.17.%s.%s/32\n' "$x" "$y" "$x" "$y"
			printf 'dpd = 0\nretransmit_base = 1s\nretransmit_tries = 5\n'
		done
	} >"$2"
}

mifd_conf_r() {	# mifd_conf_r FILE
	local id
	read -r -a id <<<"$(ids 0)"
	cat >"$1" <<-EOC
	# bench/ike.sh, responder
	[mifd]
	log_level = notice
	cookie_threshold = 0
	half_open_max = 0
	half_open_max_peer = 0

	[conn r]
	local = $R_ADDR
	remote = $I_ADDR
	local_id = fqdn:${id[1]}
	remote_id = %any
	$(mifd_auth "${id[1]}")
	ike = $IKE
	esp = $ESP
	mode = tunnel
	local_ts = 172.17.0.0/16
	remote_ts = 172.16.0.0/16
	dpd = 0
	retransmit_base = 1s
	retransmit_tries = 5
	EOC
}

# Established IKE SAs with an installed Child SA, per mifd.
mifd_count() {
	mifd_ctl "$1" "$2" -j ike list 2>/dev/null | jq '[.ike_sas[] |
		select(.state == "established" and
		([.children[] | select(.installed)] | length) > 0)] | length'
}

run_mifd() {
	local n=$1 si=$T/mifd-i.sock sr=$T/mifd-r.sock out pi pr i0 i1 r0 r1 s q ci cr
	if [ $have_mifd -eq 0 ]; then fail_row mifd "$n" "build/mifd not built"; return; fi
	if [ "$auth" = ecdsa ] && [ -z "$CERTS" ]; then fail_row mifd "$n" "no certificates"; return; fi
	mifd_conf_i "$n" "$T/mifd-i.conf"
	mifd_conf_r "$T/mifd-r.conf"
	if ! mifd_start "$NR" "$T/mifd-r.conf" "$sr" ||
		! mifd_start "$NI" "$T/mifd-i.conf" "$si"; then
		fail_row mifd "$n" "mifd does not start: $(tail -n 3 "$si.log" "$sr.log" 2>/dev/null | tr '\n' ' ')"
		mifd_stop
		return
	fi
	pi=$(mifd_pid "$si") pr=$(mifd_pid "$sr")
	if ! out=$(ip netns exec "$NI" "$UP" mifd "$si" b 0 1 60); then
		fail_row mifd "$n" "warm-up IKE SA b0 not up ($out)"
		tail -n 20 "$si.log" "$sr.log" | sed 's/^/#   /' >&2
		mifd_stop
		return
	fi
	sleep 1
	i0=$(pss "$pi") r0=$(pss "$pr")
	perf_begin "mifd-$auth-$n-r$round"
	out=$(ip netns exec "$NI" "$UP" mifd "$si" b 1 "$n" "$limit" "$window")
	perf_end
	echo "# mifd $auth: $out" >&2
	sleep 1
	i1=$(pss "$pi") r1=$(pss "$pr")
	s=$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' <<<"$out")
	q=$(sed -n 's/.* requests_seconds=\([0-9.]*\) .*/\1/p' <<<"$out")
	ci=$(mifd_count "$NI" "$si") cr=$(mifd_count "$NR" "$sr")
	echo "# mifd: established with a Child SA: initiator $ci, responder $cr" \
		"(want $((n + 1))); kernel SAs/policies: I $(kernel_counts "$NI"), R $(kernel_counts "$NR");" \
		"UDP receive buffer errors so far: I $(udp_errors "$NI"), R $(udp_errors "$NR")" >&2
	if [ "$ci" != $((n + 1)) ] || [ "$cr" != $((n + 1)) ] || ! grep -q "sas=$((2 * n)) " <<<"$out"; then
		fail_row mifd "$n" "not all up within the bound of ${limit} s: $out; established I $ci R $cr"
		grep -v -e ' established$' -e 'Child SA' -e 'Child SAs installed' "$si.log" | tail -n 10 | sed 's/^/#   I: /' >&2
		grep -v -e ' established$' -e 'Child SA' -e 'Child SAs installed' "$sr.log" | tail -n 10 | sed 's/^/#   R: /' >&2
	else
		result mifd "$n" "$s" "$i0" "$i1" "$r0" "$r1" "$q"
	fi
	mifd_stop
	ip -n "$NI" xfrm state flush; ip -n "$NI" xfrm policy flush
	ip -n "$NR" xfrm state flush; ip -n "$NR" xfrm policy flush
}

# ---- charon ----

# charon_lib.sh's strongswan.conf, with logging at level 0, the
# retransmission timers of the mifd configuration, no half-open limits,
# half-open IKE SAs kept 30 s as mifd keeps them (and charon by default;
# charon_lib.sh's 10 s is a test's setting), the IKE SA
# table hashed (see above), and reuse_ikesa = no: with the same identities
# on every connection (ecdsa), charon would otherwise add the Child SAs to
# the first IKE SA by CREATE_CHILD_SA instead of setting up an IKE SA for
# each.
eval "$(declare -f _charon_write_conf | sed '1s/_charon_write_conf/_charon_write_conf_lib/')"
_charon_write_conf() {
	_charon_write_conf_lib "$@"
	sed -i -e 's/^\(\t*\)\(default\|ike\|cfg\|knl\|chd\|net\|enc\) = [0-9]*$/\1\2 = 0/' \
		-e 's/^\(\t*\)retransmit_tries = .*/\1retransmit_tries = 5/' \
		-e 's/^\(\t*\)half_open_timeout = .*/\1half_open_timeout = 30/' \
		-e 's/^\(\t*\)retransmit_base = .*/\1retransmit_base = 2\n\1cookie_threshold = 1000000\n\1block_threshold = 1000000\n\1reuse_ikesa = no\n\1ikesa_table_size = 4096\n\1ikesa_table_segments = 4/' \
		"$1/strongswan.conf"
}

# charon_count NS DIR: established IKE SAs and installed Child SAs, the
# smaller count (the responder's IKE SAs all bear the name r).
charon_count() {
	charon_sas "$1" "$2" | awk '
		$1 == "ike" && $3 == "ESTABLISHED" { ike++ }
		$1 == "child" && $4 == "INSTALLED" { child++ }
		END { print (ike < child ? ike : child) + 0 }'
}

run_charon() {
	local n=$1 di=$T/charon-i dr=$T/charon-r out pi pr i0 i1 r0 r1 s q k t ci cr id tmpl c
	if [ $have_charon -eq 0 ]; then fail_row charon "$n" "charon not installed"; return; fi
	if [ "$auth" = ecdsa ] && [ -z "$CERTS" ]; then fail_row charon "$n" "no certificates"; return; fi
	rm -rf "$di" "$dr"
	# b0 by charon_conf, b1..bN from it with their names, selectors and
	# identities, without a process per connection (10,000 of them take
	# minutes under QEMU). The private key (ecdsa) is b0's copy: swanctl
	# loads every key of its private/ directory, whatever the name.
	read -r -a t <<<"$(ts 0)"
	read -r -a id <<<"$(ids 0)"
	# shellcheck disable=SC2046
	charon_conf "$di" b0 local=$I_ADDR remote=$R_ADDR \
		local_id="fqdn:${id[0]}" remote_id="fqdn:${id[1]}" $(charon_auth "${id[0]}") \
		ike=$IKE esp=$ESP mode=tunnel local_ts="${t[0]}/32" remote_ts="${t[1]}/32" ||
		{ fail_row charon "$n" "charon_conf failed"; return; }
	# keyingtries = 0 (%forever): a set-up that fails (its retransmissions
	# unanswered under load) is tried again, as mifd's keyingtries = 0
	# (its default) does; swanctl's default of 1 gives up on it.
	sed -i 's/^\(\t*\)unique = replace/\1unique = no\n\1keyingtries = 0/' \
		"$di/swanctl/conf.d/b0.conf"
	tmpl=$(<"$di/swanctl/conf.d/b0.conf")
	for ((k = 1; k <= n; k++)); do
		c=${tmpl//$'\t'b0' {'/$'\t'b$k' {'}
		c=${c//ike-b0' {'/ike-b$k' {'}
		c=${c//172.16.0.0\/32/172.16.$((k / 256)).$((k % 256))\/32}
		c=${c//172.17.0.0\/32/172.17.$((k / 256)).$((k % 256))\/32}
		[ "$auth" = psk ] && c=${c//'"i0.bench"'/'"'i$k.bench'"'}
		printf '%s\n' "$c" >"$di/swanctl/conf.d/b$k.conf"
	done
	read -r -a id <<<"$(ids 0)"
	# shellcheck disable=SC2046
	charon_conf "$dr" r local=$R_ADDR remote=$I_ADDR local_id="fqdn:${id[1]}" \
		remote_id=%any $(charon_auth "${id[1]}") ike=$IKE esp=$ESP mode=tunnel \
		local_ts=172.17.0.0/16 remote_ts=172.16.0.0/16
	# charon_conf writes unique = replace; mifd has no such policy.
	sed -i 's/unique = replace/unique = no/' "$dr"/swanctl/conf.d/*.conf
	if ! charon_start "$NR" "$dr" >&2 || ! charon_start "$NI" "$di" >&2 ||
		! charon_load "$NR" "$dr" >/dev/null || ! charon_load "$NI" "$di" >/dev/null; then
		fail_row charon "$n" "charon does not start or load its configuration"
		charon_stop_all
		return
	fi
	pi=${charon_pids[$(cd "$di" && pwd)]} pr=${charon_pids[$(cd "$dr" && pwd)]}
	if ! out=$(ip netns exec "$NI" "$UP" vici "$di/charon.vici" b 0 1 60); then
		fail_row charon "$n" "warm-up IKE SA b0 not up ($out)"
		charon_log "$di" 20 >&2; charon_log "$dr" 20 >&2
		charon_stop_all
		return
	fi
	sleep 1
	i0=$(pss "$pi") r0=$(pss "$pr")
	perf_begin "charon-$auth-$n-r$round"
	out=$(ip netns exec "$NI" "$UP" vici "$di/charon.vici" b 1 "$n" "$limit" "$window")
	perf_end
	echo "# charon $auth: $out" >&2
	sleep 1
	i1=$(pss "$pi") r1=$(pss "$pr")
	s=$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' <<<"$out")
	q=$(sed -n 's/.* requests_seconds=\([0-9.]*\) .*/\1/p' <<<"$out")
	ci=$(charon_count "$NI" "$di") cr=$(charon_count "$NR" "$dr")
	echo "# charon: established with a Child SA: initiator $ci, responder $cr" \
		"(want $((n + 1))); kernel SAs/policies: I $(kernel_counts "$NI"), R $(kernel_counts "$NR");" \
		"UDP receive buffer errors so far: I $(udp_errors "$NI"), R $(udp_errors "$NR")" >&2
	if [ "$ci" != $((n + 1)) ] || [ "$cr" != $((n + 1)) ] || ! grep -q "sas=$((2 * n)) " <<<"$out"; then
		fail_row charon "$n" "not all up within the bound of ${limit} s: $out; established I $ci R $cr"
		charon_log "$di" 10 >&2; charon_log "$dr" 10 >&2
	else
		result charon "$n" "$s" "$i0" "$i1" "$r0" "$r1" "$q"
	fi
	charon_stop_all
	ip -n "$NI" xfrm state flush; ip -n "$NI" xfrm policy flush
	ip -n "$NR" xfrm state flush; ip -n "$NR" xfrm policy flush
}

for n in "${sizes[@]}"; do
	scale "$n"
	for auth in "${auths[@]}"; do
		for ((round = 1; round <= rounds; round++)); do
			echo "# N=$n $auth, round $round of $rounds ($(date +%T))" >&2
			# Taking turns: the odd rounds in MIF_BENCH_METHODS' order.
			order=()
			for m in "${methods[@]}"; do
				if [ $((round % 2)) -eq 1 ]; then order+=("$m"); else order=("$m" "${order[@]}"); fi
			done
			for m in "${order[@]}"; do
				"run_$m" "$n"
			done
		done
	done
done

echo
echo "ike: full IKE set-ups (IKE_SA_INIT + IKE_AUTH + first Child SA installed), one initiator to one responder"
echo "IKE $IKE, ESP $ESP, tunnel mode; N initiations over one control connection, at most $window in flight (0: no bound), then wait for all"
echo "memory: Pss growth of each daemon from 1 to N+1 IKE SAs, divided by N"
echo "floor: set-ups/s of the public-key work alone (crypto_floor, one CPU, both peers' share); of floor: setups/s over it"
echo "each figure: the median of $rounds runs (the seconds of every run are listed below the table)"
printf '%-12s  %-5s  %6s  %9s  %10s  %14s  %14s  %9s  %8s\n' method auth N seconds "setups/s" "KiB/SA init" "KiB/SA resp" "floor/s" "of floor"
for n in "${sizes[@]}"; do
	for auth in "${auths[@]}"; do
		for m in mifd charon; do
			# shellcheck disable=SC2086
			med_s[$m]=$(median ${res_s[$m,$auth,$n]}) med_i[$m]=$(median ${res_mi[$m,$auth,$n]})
			# shellcheck disable=SC2086
			med_r[$m]=$(median ${res_mr[$m,$auth,$n]})
			awk -v m="$m" -v a="$auth" -v n="$n" -v s="${med_s[$m]}" \
				-v i="${med_i[$m]}" -v r="${med_r[$m]}" -v f="${floor[$auth]:-n/a}" 'BEGIN {
				num = s ~ /^[0-9.]+$/ && s > 0
				fl = f ~ /^[0-9.]+$/ && f > 0
				if (!num) { i = "n/a"; r = "n/a" }
				printf "%-12s  %-5s  %6d  %9s  %10s  %14s  %14s  %9s  %8s\n", m, a, n,
					num ? sprintf("%.3f", s) : "n/a", num ? sprintf("%.1f", n / s) : "n/a", i, r,
					fl ? sprintf("%.0f", f) : "n/a", num && fl ? sprintf("%.1f%%", 100 * n / s / f) : "n/a"
			}'
		done
		awk -v a="$auth" -v n="$n" -v sm="${med_s[mifd]}" -v sc="${med_s[charon]}" \
			-v im="${med_i[mifd]}" -v ic="${med_i[charon]}" \
			-v rm="${med_r[mifd]}" -v rc="${med_r[charon]}" '
		function num(x) { return x ~ /^-?[0-9.]+$/ }
		function ratio(x, y) { return num(x) && num(y) && y + 0 > 0 ? sprintf("%.2fx", x / y) : "n/a" }
		BEGIN {
			ok = num(sm) && num(sc) && sm > 0 && sc > 0
			printf "%-12s  %-5s  %6d  %9s  %10s  %14s  %14s  %9s  %8s\n", "mifd/charon", a, n,
				ok ? sprintf("%.2fx", sm / sc) : "n/a",
				ok ? sprintf("%.2fx", sc / sm) : "n/a",
				ok ? ratio(im, ic) : "n/a", ok ? ratio(rm, rc) : "n/a", "", ""
		}'
	done
done
echo "mifd/charon: seconds and KiB as mifd's over charon's (below 1: mifd less), setups/s as mifd's over charon's (above 1: mifd faster)"
for n in "${sizes[@]}"; do
	for auth in "${auths[@]}"; do
		for m in mifd charon; do
			echo "runs: $m $auth N=$n: seconds${res_s[$m,$auth,$n]:- none} (of which sending the requests${res_q[$m,$auth,$n]:- none}); KiB/SA init${res_mi[$m,$auth,$n]:- none}; resp${res_mr[$m,$auth,$n]:- none}"
		done
	done
done
for a in "${floor_auths[@]}"; do
	echo "floor: ${floor_line[$a]:-none} (us: CPU microseconds per operation)"
done
for x in "${notes[@]}"; do
	echo "note: $x"
done
exit 0
