#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A peer that reboots and reconnects while traffic runs through the
# tunnel, checked on the wire: EU crashes (SIGKILL, its kernel SAs and
# policies flushed, as after a power cut), comes back and brings the
# tunnel up again; SG, running on, must replace its old IKE SA by the
# new one (INITIAL_CONTACT, RFC 7296 §2.4) and hand the old Child SA's
# kernel policies to the new Child SA without a moment in between.
#
#   1. mifd (EU) -> mifd (SG), gcm1 over eu1
#   2. charon (EU) -> mifd (SG), the same connection (skipped without
#      strongSwan)
#
# All along, SG pings EU's inner address through the tunnel (every
# 0.2 s), and tcpdump records what leaves each end of the eu1-sg1 link
# (egress only: XFRM hands decrypted packets back to the device they
# came in on, where an ingress capture would show them as if they had
# been on the wire): ESP, and any ICMP of the inner addresses, a single
# one of which would be the protected flow in clear.
#
# In case 1, SG's Child SAs live 60 s, and the ping runs 80 s: SG's old
# Child SA, were it kept, would be rekeyed, go unanswered and be removed
# while the ping runs (at its hard expiry at the latest), and with it,
# before the policy table, the policies the new Child SA used; the new
# one is rekeyed while the ping runs, too. EU crashes some 10 s after
# the tunnel is up and is back within another 10 s, well before the old
# Child SA's rekey (at 51 s to 54 s: SG is its responder), even under a
# loaded QEMU. charon takes longer to come back: in case 2 they live 3
# minutes, and the ping runs 30 s.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh reconnect.sh
TEST_NAME=reconnect
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/../topo.sh"
source "$here/charon_lib.sh"
source "$here/lib.sh"

interop_start ip jq ping tcpdump

T=$(mifd_tmpdir)
cleanup() {
	[ -n "${WIRE_PID:-}" ] && kill $WIRE_PID 2>/dev/null
	[ -n "${PING_PID:-}" ] && kill "$PING_PID" 2>/dev/null
	charon_stop_all >/dev/null 2>&1
	mifd_stop >/dev/null 2>&1
	rm -rf "$MIFD_TMP"
	ksft_cleanup
}
trap cleanup EXIT

topo_setup || { echo "1..0 # SKIP cannot build the topology"; exit $KSFT_SKIP; }
for ns in "$EU" "$SG"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 >/dev/null
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.eu1.rp_filter=0 >/dev/null 2>&1
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.sg1.rp_filter=0 >/dev/null 2>&1
done
EU_IN=$(topo_eu_inner 1)
SG_IN=$TOPO_SG_INNER
# Inner routes only need to exist: XFRM routes by the outer addresses.
ip -n "$SG" route replace "$EU_IN/32" dev sg1
ip -n "$EU" route replace "$SG_IN/32" dev eu1

PSK=0x6d69662d696e7465726f702d746573742d6b6579
IKE=aes256gcm16-prfsha256-x25519
ESP=aes256gcm16
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
CEU=$T/charon-eu

# mifd_conf SIDE [LIFE]: gcm1 over eu1 for side eu (initiator, start =
# yes, so that a restarted EU reconnects by itself) or sg (responder,
# Child SAs of LIFE, default 60 s).
mifd_conf() {
	local me=10.1.1.1 peer=10.1.1.2 mid=eu.example pid=sg.example
	local mts=$EU_IN/32 pts=$SG_IN/32 start=yes life=1h
	if [ "$1" = sg ]; then
		me=10.1.1.2 peer=10.1.1.1 mid=sg.example pid=eu.example
		mts=$SG_IN/32 pts=$EU_IN/32 start=no life=${2:-60s}
	fi
	cat <<-EOC
	[mifd]
	log_level = debug

	[conn gcm1]
	local = $me
	remote = $peer
	local_id = fqdn:$mid
	remote_id = fqdn:$pid
	auth = psk
	psk = $PSK
	ike = $IKE
	esp = $ESP
	local_ts = $mts
	remote_ts = $pts
	retransmit_base = 300ms
	retransmit_tries = 3
	dpd = 0
	child_lifetime = $life
	start = $start
	EOC
}
mifd_conf eu >"$T/eu.conf"
mifd_conf sg >"$T/sg.conf"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }

sg_sas() {	# the number of SG's IKE SAs of gcm1
	sg -j ike list | jq '[.ike_sas[] | select(.conn == "gcm1")] | length'
}

# wire_start FILE: tcpdump on what leaves sg1 (FILE.sg) and eu1
# (FILE.eu): ESP, and the inner ICMP.
_wire_listening() {
	grep -q "listening on" "$1.sg.log" && grep -q "listening on" "$1.eu.log"
}
wire_start() {
	local side ns dev
	WIRE_PID=
	for side in sg eu; do
		ns=$SG dev=sg1
		[ $side = eu ] && ns=$EU dev=eu1
		ip netns exec "$ns" tcpdump -i $dev -Q out -n -U -w "$1.$side" \
			"esp or (icmp and host $SG_IN)" >"$1.$side.log" 2>&1 &
		WIRE_PID="$WIRE_PID $!"
	done
	wait_until 10 _wire_listening "$1" && return 0
	cat "$1.sg.log" "$1.eu.log"
	return 1
}

wire_stop() {
	local pid
	for pid in $WIRE_PID; do
		kill -INT "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	WIRE_PID=
}

# wire_clean FILE: ESP on the wire each way, and not one ICMP packet of
# the inner addresses.
wire_clean() {
	local side clear esp rc=0
	for side in sg eu; do
		clear=$(tcpdump -n -r "$1.$side" "icmp and host $SG_IN" 2>/dev/null | wc -l)
		esp=$(tcpdump -n -r "$1.$side" esp 2>/dev/null | wc -l)
		echo "from $side: $esp ESP packets, $clear inner ICMP packets in clear"
		[ "$clear" -eq 0 ] && [ "$esp" -gt 20 ] && continue
		tcpdump -n -r "$1.$side" "icmp and host $SG_IN" 2>/dev/null | head -5
		rc=1
	done
	return $rc
}

# ping_start FILE N: SG pings EU's inner address N times, 0.2 s apart.
ping_start() {
	ip netns exec "$SG" ping -n -i 0.2 -W 1 -c "$2" -I "$SG_IN" "$EU_IN" \
		>"$1" 2>&1 &
	PING_PID=$!
}

# ping_end FILE N: the ping was answered at the start and at the end.
ping_end() {
	local seq
	wait "$PING_PID"
	PING_PID=
	tail -n 3 "$1"
	grep -q "icmp_seq=[1-5] " "$1" || return 1
	for seq in $(seq $(($2 - 9)) "$2"); do
		grep -q "icmp_seq=$seq " "$1" && return 0
	done
	return 1
}

# sg_points_new: SG's one policy per direction for the flow points at
# the Child SA of its one IKE SA.
sg_points_new() {
	local reqid d n
	reqid=$(sg -j ike list | jq -r '[.ike_sas[] | select(.conn == "gcm1")][0].children[0].reqid')
	echo "SG's Child SA: reqid $reqid"
	for d in "out $SG_IN/32 $EU_IN/32" "in $EU_IN/32 $SG_IN/32" "fwd $EU_IN/32 $SG_IN/32"; do
		set -- $d
		n=$(ip -n "$SG" xfrm policy list dir "$1" src "$2" dst "$3" | grep -c "^src")
		ip -n "$SG" xfrm policy list dir "$1" src "$2" dst "$3" |
			grep -q "reqid $reqid mode tunnel" || {
			echo "dir $1 does not point at reqid $reqid:"
			ip -n "$SG" xfrm policy
			return 1
		}
		[ "$n" -eq 1 ] || { echo "dir $1: $n policies"; return 1; }
	done
}

# sg_one_sa: SG ends with one IKE SA of gcm1 (the old one replaced).
_sg_sas_are() { [ "$(sg_sas)" = "$1" ]; }
sg_one_sa() {
	wait_until 10 _sg_sas_are 1 && return 0
	sg ike list
	return 1
}

# --- 1. mifd reboots ------------------------------------------------------

start_both() {
	mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" || { mifd_log "$SG_SOCK"; return 1; }
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" || { mifd_log "$EU_SOCK"; return 1; }
	mifd_wait_established "$EU" "$EU_SOCK" gcm1 30 &&
		mifd_wait_established "$SG" "$SG_SOCK" gcm1 10
}

# The traffic starts; EU crashes: no Delete, its kernel flushed.
crash_eu() {
	OLD_SPI=$(sg -j ike list | jq -r '.ike_sas[0].spi_r')
	OLD_REPLACED=$(sg_n_replaced)
	wire_start "$T/wire1.pcap" || return 1
	ping_start "$T/ping1.out" 400
	sleep 2
	mifd_crash "$EU" "$EU_SOCK" || return 1
	ip -n "$EU" xfrm state flush
	ip -n "$EU" xfrm policy flush
	sleep 1
	[ "$(sg_sas)" = 1 ]	# SG knows nothing of it yet
}

# EU comes back and reconnects by itself (start = yes).
eu_back() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" || { mifd_log "$EU_SOCK"; return 1; }
	mifd_wait_established "$EU" "$EU_SOCK" gcm1 30 || { eu ike list; return 1; }
	sleep 1
}

sg_n_replaced() {
	grep -c "IKE SA .* gone (replaced by a new IKE SA)" "$SG_SOCK.log"
}

# sg_replaced: SG has one IKE SA, not the old one, which it logged as
# replaced.
sg_replaced() {
	local spi n
	sg_one_sa || return 1
	spi=$(sg -j ike list | jq -r '.ike_sas[0].spi_r')
	n=$(sg_n_replaced)
	echo "SG's IKE SA: $OLD_SPI before, $spi now; $OLD_REPLACED then $n replaced"
	[ "$spi" != "$OLD_SPI" ] && [ "$n" = $((OLD_REPLACED + 1)) ]
}

# wire_after N: the capture N ends; no packet of the flow in clear.
wire_after() {
	wire_stop
	wire_clean "$T/wire$1.pcap"
}

if tcase "mifd: both up, gcm1 established" start_both; then
	tcase "mifd: EU crashes (SIGKILL, kernel flushed) under traffic" crash_eu
	tcase "mifd: EU restarts and reconnects by itself" eu_back
	tcase "mifd: SG has one IKE SA, the new one (INITIAL_CONTACT)" sg_replaced
	tcase "mifd: SG's policies, one per direction, point at the new Child SA" sg_points_new
	tcase "mifd: the ping goes on through SG's rekeys" ping_end "$T/ping1.out" 400
	tcase "mifd: not one packet of the flow in clear on the wire" wire_after 1
	tcase "mifd: EU has one IKE SA" eval \
		'[ "$(eu -j ike list | jq "[.ike_sas[] | select(.conn == \"gcm1\")] | length")" = 1 ]'
	tcase "mifd: still one IKE SA and its policies on SG after the rekeys" \
		eval 'sg_one_sa && sg_points_new'
else
	for c in crash restart replaced policies ping wire eu-one sg-one; do
		skip "mifd: $c" "daemons did not start"
	done
fi
[ -n "${WIRE_PID:-}" ] && wire_stop
[ -n "${PING_PID:-}" ] && { kill "$PING_PID"; wait "$PING_PID"; PING_PID=; }

stop_eu() {
	mifd_stop "$EU" "$EU_SOCK" || return 1
	wait_until 10 _sg_sas_are 0 && return 0
	sg ike list
	return 1
}
tcase "mifd: EU stops, SG told" stop_eu

# --- 2. charon reboots ----------------------------------------------------

charon_eu_conf() {
	charon_conf "$CEU" gcm1 local=10.1.1.1 remote=10.1.1.2 \
		local_id=fqdn:eu.example remote_id=fqdn:sg.example psk="$PSK" \
		ike="$IKE" esp="$ESP" local_ts="$EU_IN/32" remote_ts="$SG_IN/32"
}

charon_eu_up() {
	mifd_conf sg 3m >"$T/sg.conf" && sg ike reload >/dev/null || return 1
	charon_start "$EU" "$CEU" && charon_eu_conf &&
		charon_load "$EU" "$CEU" && charon_up "$EU" "$CEU" gcm1 20 &&
		mifd_wait_established "$SG" "$SG_SOCK" gcm1 10
}

charon_crash() {
	local dir pid
	OLD_SPI=$(sg -j ike list | jq -r '.ike_sas[0].spi_r')
	OLD_REPLACED=$(sg_n_replaced)
	wire_start "$T/wire2.pcap" || return 1
	ping_start "$T/ping2.out" 150
	sleep 2
	dir=$(cd "$CEU" && pwd)
	pid=${charon_pids[$dir]:-}
	[ -n "$pid" ] || return 1
	unset "charon_pids[$dir]"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	ip -n "$EU" xfrm state flush
	ip -n "$EU" xfrm policy flush
	sleep 1
	[ "$(sg_sas)" = 1 ]
}

charon_back() {
	charon_start "$EU" "$CEU" && charon_load "$EU" "$CEU" &&
		charon_up "$EU" "$CEU" gcm1 20 || { charon_log "$CEU"; return 1; }
	sleep 1
}

charon_replaced() {
	sg_replaced || { charon_log "$CEU" 30; return 1; }
}

charon_one() {
	[ "$(charon_sas "$EU" "$CEU" | grep -c "^ike gcm1 ")" = 1 ]
}

if ! charon_available; then
	for c in up crash back replaced policies ping wire eu-one; do
		skip "charon: $c" "$CHARON or $SWANCTL not installed"
	done
elif tcase "charon: charon (EU) brings gcm1 up with mifd (SG)" charon_eu_up; then
	tcase "charon: charon crashes (SIGKILL, kernel flushed) under traffic" charon_crash
	tcase "charon: charon restarts and reconnects" charon_back
	tcase "charon: SG has one IKE SA, the new one (INITIAL_CONTACT)" charon_replaced
	tcase "charon: SG's policies, one per direction, point at the new Child SA" sg_points_new
	tcase "charon: the ping goes on" ping_end "$T/ping2.out" 150
	tcase "charon: not one packet of the flow in clear on the wire" wire_after 2
	tcase "charon: charon has one IKE SA" charon_one
else
	charon_log "$CEU" 30
	for c in crash back replaced policies ping wire eu-one; do
		skip "charon: $c" "charon did not bring gcm1 up"
	done
fi
[ -n "${WIRE_PID:-}" ] && wire_stop
[ -n "${PING_PID:-}" ] && { kill "$PING_PID"; wait "$PING_PID"; PING_PID=; }

tcase "SG stops, no SA or policy left" eval \
	'charon_stop_all; mifd_stop "$SG" "$SG_SOCK" &&
	 [ -z "$(ip -n "$SG" xfrm state)$(ip -n "$SG" xfrm policy)" ]'

if [ $ksft_nfail -gt 0 ]; then
	log "SG log:"
	mifd_log "$SG_SOCK"
fi
ksft_exit
