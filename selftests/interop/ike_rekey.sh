#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Both peers rekey the IKE SA at the same moment (RFC 7296 §2.8.2): EU and
# SG joined by one veth pair with 1 s of netem delay each way, so that
# the two CREATE_CHILD_SA requests cross. Each side answers the other's,
# the nonces settle which new IKE SA stays, the redundant one and the old
# one are deleted:
#   1. mifd to mifd, "mifctl ike rekey a" on both sides at once;
#   2. mifd (EU, initiator) to strongSwan's charon (SG), "mifctl ike rekey"
#      and "swanctl --rekey --ike a" at once.
# Each ends with exactly one IKE SA on each side, the same, established and
# new, one Child SA under it, a ping through ESP, and at least one side
# that saw the collision (mifd logs it).
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh ike_rekey.sh
TEST_NAME=ike_rekey
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
source "$here/charon_lib.sh"

interop_start ip jq ping tc
T=$(mifd_tmpdir)
CSG=$T/charon-sg
cleanup() {
	charon_stop_all >/dev/null 2>&1
	_mifd_interop_cleanup
}
trap cleanup EXIT

PSK=mif-interop-test-key
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock

net() {
	make_netns EU && make_netns SG || return 1
	ip -n "$EU" link add mif0 type veth peer name pmif0 netns "$SG" &&
		ip -n "$EU" addr add 10.88.0.1/24 dev mif0 &&
		ip -n "$SG" addr add 10.88.0.2/24 dev pmif0 &&
		ip -n "$EU" link set mif0 up && ip -n "$SG" link set pmif0 up &&
		ip -n "$EU" link set lo up && ip -n "$SG" link set lo up || return 1
	# Set up quickly; the delay only when the rekeys are to cross.
	return 0
}
tcase "namespaces EU and SG, one veth pair" net || ksft_exit

delay() {	# delay on|off: 1 s each way
	if [ "$1" = on ]; then
		tc -n "$EU" qdisc replace dev mif0 root netem delay 1s &&
			tc -n "$SG" qdisc replace dev pmif0 root netem delay 1s
	else
		tc -n "$EU" qdisc del dev mif0 root 2>/dev/null
		tc -n "$SG" qdisc del dev pmif0 root 2>/dev/null
		return 0
	fi
}

mifd_conf() {	# mifd_conf FILE ME PEER
	{
		echo "[mifd]"
		echo "log_level = debug"
		echo
		echo "[conn a]"
		echo "local = $2"
		echo "remote = $3"
		echo "psk = $PSK"
		echo "ike = aes256gcm16-prfsha256-x25519"
		echo "esp = aes256gcm16"
		echo "retransmit_base = 5s"
		echo "retransmit_tries = 3"
		echo "dpd = 0"
	} >"$1"
}

# ike_sas NS SOCK: conn a's IKE SAs in mifd, "SPI_I SPI_R STATE CHILDREN"
# (SPIs as charon_sas prints them: 16 hex digits)
ike_sas() {
	mifd_ctl "$1" "$2" -j ike list |
		jq -r '.ike_sas[] | select(.conn == "a") |
			"\(.spi_i | ltrimstr("0x")) \(.spi_r | ltrimstr("0x")) \(.state) \(.children | length)"'
}

# one_new NS SOCK OLD_SPI_I: exactly one IKE SA, established, not OLD,
# with one Child SA; prints its SPIs.
one_new() {
	local l spi_i spi_r state kids
	l=$(ike_sas "$1" "$2")
	[ "$(echo "$l" | grep -c .)" = 1 ] || return 1
	read -r spi_i spi_r state kids <<<"$l"
	[ "$state" = established ] && [ "$kids" = 1 ] && [ "$spi_i" != "$3" ] &&
		echo "$spi_i $spi_r"
}

# wait_for SECONDS CMD...: until CMD succeeds (wait_until), its output
# dropped.
_quiet() { "$@" >/dev/null 2>&1; }
wait_for() { wait_until "$1" _quiet "${@:2}"; }

collided() {	# collided LOG...: in one of these mifd logs
	grep -h "IKE SA rekey collision" "$@" 2>/dev/null | sed 's/^/# /'
	grep -q "IKE SA rekey collision" "$@" 2>/dev/null
}

# A ping, and EU's outbound policy that sends it through ESP (no SA: no
# packet) was there for it.
ping_esp() {
	ip -n "$EU" xfrm policy | grep -q "dir out" &&
		ip netns exec "$EU" ping -q -c 3 -i 0.3 -W 3 10.88.0.2 >/dev/null
}

# 1. mifd to mifd.
OLD=
up1() {
	mifd_conf "$T/eu.conf" 10.88.0.1 10.88.0.2 &&
		mifd_conf "$T/sg.conf" 10.88.0.2 10.88.0.1 &&
		mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		mifd_ctl "$EU" "$EU_SOCK" ike up a -w 30 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10 || return 1
	OLD=$(ike_sas "$EU" "$EU_SOCK" | awk '{ print $1 }')
	echo "IKE SA $OLD"
	[ -n "$OLD" ]
}
tcase "mifd to mifd: IKE SA up" up1

cross1() {
	local a b
	delay on || return 1
	mifd_ctl "$EU" "$EU_SOCK" ike rekey a & a=$!
	mifd_ctl "$SG" "$SG_SOCK" ike rekey a & b=$!
	wait "$a" && wait "$b" || return 1
	wait_for 20 one_new "$EU" "$EU_SOCK" "$OLD" &&
		wait_for 20 one_new "$SG" "$SG_SOCK" "$OLD" || return 1
	a=$(one_new "$EU" "$EU_SOCK" "$OLD")
	b=$(one_new "$SG" "$SG_SOCK" "$OLD")
	echo "EU: $a, SG: $b; EU's rekey stayed:" \
		"$(mifd_ctl "$EU" "$EU_SOCK" -j ike list | jq -r '.ike_sas[0].role == "initiator"')"
	[ "$a" = "$b" ]
}
tcase "both rekey at once: one new IKE SA on each side, the same" cross1
tcase "the rekeys crossed (a side logged the collision)" \
	collided "$EU_SOCK.log" "$SG_SOCK.log"
# Nothing left that goes later: the redundant SA is gone for good.
settle1() {
	sleep 3
	one_new "$EU" "$EU_SOCK" "$OLD" && one_new "$SG" "$SG_SOCK" "$OLD"
}
tcase "still exactly one IKE SA on each side 3 s later" settle1
tcase "a ping goes through its Child SA (ESP)" ping_esp
delay off
mifd_stop "$SG" "$SG_SOCK"
mifd_stop "$EU" "$EU_SOCK"
for ns in "$EU" "$SG"; do
	ip -n "$ns" xfrm state flush
	ip -n "$ns" xfrm policy flush
done
: >"$EU_SOCK.log"

# 2. mifd to charon.
up2() {
	charon_conf "$CSG" a local=10.88.0.2 remote=10.88.0.1 psk="$PSK" &&
		charon_start "$SG" "$CSG" && charon_load "$SG" "$CSG" >/dev/null &&
		mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_ctl "$EU" "$EU_SOCK" ike up a -w 30 >/dev/null || return 1
	OLD=$(ike_sas "$EU" "$EU_SOCK" | awk '{ print $1 }')
	echo "IKE SA $OLD"
	[ -n "$OLD" ]
}
tcase "mifd to charon: IKE SA up" up2

# charon_one: exactly one IKE SA in charon, established; prints its SPIs.
charon_one() {
	local l
	l=$(charon_sas "$SG" "$CSG" | awk '$1 == "ike"')
	[ "$(echo "$l" | grep -c .)" = 1 ] || return 1
	echo "$l" | awk '$3 == "ESTABLISHED" { print $4, $5; ok = 1 } END { exit !ok }'
}

cross2() {
	local a b
	delay on || return 1
	mifd_ctl "$EU" "$EU_SOCK" ike rekey a & a=$!
	charon_swanctl "$SG" "$CSG" --rekey --ike a >/dev/null & b=$!
	wait "$a" && wait "$b" || return 1
	wait_for 20 one_new "$EU" "$EU_SOCK" "$OLD" &&
		wait_for 20 charon_one || return 1
	a=$(one_new "$EU" "$EU_SOCK" "$OLD")
	b=$(charon_one)
	echo "mifd: $a, charon: $b; mifd's rekey stayed:" \
		"$(mifd_ctl "$EU" "$EU_SOCK" -j ike list | jq -r '.ike_sas[0].role == "initiator"')"
	[ "$a" = "$b" ]
}
ccase() {
	tcase "$@" && return 0
	echo "# charon's log ($CSG):"
	charon_log "$CSG"
	return 1
}
ccase "both rekey at once: one new IKE SA in mifd and in charon, the same" cross2
tcase "the rekeys crossed (mifd logged the collision)" \
	collided "$EU_SOCK.log"
settle2() {
	sleep 3
	one_new "$EU" "$EU_SOCK" "$OLD" && charon_one
}
ccase "still exactly one IKE SA on each side 3 s later" settle2
ping2() {
	ping_esp && charon_sas "$SG" "$CSG" |
		awk '$1 == "child" && $10 > 0 { ok = 1 } END { exit !ok }'
}
ccase "a ping goes through its Child SA (ESP, counted by charon)" ping2
delay off

stop() { mifd_stop && charon_stop "$SG" "$CSG"; }
tcase "mifd exits 0" stop
ksft_exit
