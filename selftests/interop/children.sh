#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Several children per connection, all over one IKE SA (mifd.conf(5),
# [child CONN/NAME]): EU and SG joined by a veth pair (10.89.0.1 <->
# 10.89.0.2), transport mode, one child per service told apart by protocol
# and port.
#
#   1. mifd (EU) -> mifd (SG): ten services, icmp and tcp/5001..5009; both
#      sides install ten pairs of ESP SAs under one IKE SA, each Child SA
#      named after its child; a ping goes through the icmp child's SAs.
#   2. mifd (EU) -> charon (SG, swanctl with three children): icmp,
#      tcp/5001, udp/5002; the same checks.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh children.sh
TEST_NAME=children
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/../topo.sh"
source "$here/charon_lib.sh"
source "$here/lib.sh"
source "$here/svc_lib.sh"

require_root
require_cmd ip jq ping
[ -x "$MIFD" ] || { echo "1..0 # SKIP $MIFD not built (make)"; exit $KSFT_SKIP; }
[ -x "$MIFCTL" ] || { echo "1..0 # SKIP $MIFCTL not built (make tools)"; exit $KSFT_SKIP; }

cleanup() {
	charon_stop_all >/dev/null 2>&1
	_mifd_interop_cleanup
}
trap cleanup EXIT

echo "TAP version 13"
modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
T=$(mifd_tmpdir)
make_netns EU && make_netns SG ||
	{ echo "1..0 # SKIP cannot make namespaces"; exit $KSFT_SKIP; }
ip -n "$EU" link add kid0 type veth peer name pkid0 netns "$SG" &&
	ip -n "$EU" addr add 10.89.0.1/24 dev kid0 &&
	ip -n "$SG" addr add 10.89.0.2/24 dev pkid0 &&
	ip -n "$EU" link set kid0 up && ip -n "$SG" link set pkid0 up ||
	{ echo "1..0 # SKIP cannot set up the veth"; exit $KSFT_SKIP; }

EU_ADDR=10.89.0.1
SG_ADDR=10.89.0.2
PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
CSG=$T/charon-sg
# Ten services: NAME SELECTOR-SUFFIX (the ports are SG's).
SERVICES="icmp [icmp]
$(for p in $(seq 5001 5009); do echo "t$p [tcp/$p]"; done)"
# charon's three.
CHARON_SERVICES="icmp [icmp]
t5001 [tcp/5001]
u5002 [udp/5002]"

svc_conf "$EU_ADDR" "$SG_ADDR" "$SERVICES" >"$T/eu.conf"
svc_conf "$SG_ADDR" "$EU_ADDR" "$SERVICES" >"$T/sg.conf"
svc_conf "$EU_ADDR" "$SG_ADDR" "$CHARON_SERVICES" >"$T/eu3.conf"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }

# ping_icmp: a ping goes through the icmp child's SAs on EU.
ping_icmp() {
	local out in o0 i0 o1 i1 q
	q='[.ike_sas[] | select(.conn == "svc")][0].children[] | select(.name == "icmp")'
	out=$(eu -j ike list | jq -r "$q | .spi_out")
	in=$(eu -j ike list | jq -r "$q | .spi_in")
	o0=$(topo_esp_packets "$EU" "0x${out#0x}")
	i0=$(topo_esp_packets "$EU" "0x${in#0x}")
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 "$SG_ADDR" || return 1
	o1=$(topo_esp_packets "$EU" "0x${out#0x}")
	i1=$(topo_esp_packets "$EU" "0x${in#0x}")
	echo "icmp child on EU: out $out ${o0:-0} -> ${o1:-0}, in $in ${i0:-0} -> ${i1:-0}"
	[ "${o1:-0}" -ge $((${o0:-0} + 3)) ] && [ "${i1:-0}" -ge $((${i0:-0} + 3)) ]
}

# --- 1. mifd -> mifd ----------------------------------------------------

up() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up svc -w 30 >/dev/null &&
		svc_children "$EU" "$EU_SOCK" 10 && svc_children "$SG" "$SG_SOCK" 10
}
tcase "mifd-mifd: ten children up over one IKE SA, named on both sides" up
tcase "mifd-mifd: ten pairs of ESP SAs in each kernel" svc_states 10
tcase "mifd-mifd: a ping goes through the icmp child" ping_icmp

# no_states: neither kernel holds an ESP state.
no_states() { [ "$(n_states "$EU")" -eq 0 ] && [ "$(n_states "$SG")" -eq 0 ]; }

down() {
	eu ike down svc >/dev/null
	wait_until 10 no_states && mifd_stop && return 0
	ip -n "$EU" xfrm state
	return 1
}
tcase "mifd-mifd: down removes every SA; both mifd exit 0" down

# --- 2. mifd -> charon --------------------------------------------------

if ! charon_available; then
	for c in "three children up over one IKE SA" "three pairs of ESP SAs" \
		"a ping goes through the icmp child" "down"; do
		skip "mifd-charon: $c" "charon or swanctl not installed"
	done
	ksft_exit
fi

# charon_svc: SG's swanctl configuration, one child per service.
charon_svc() {
	local name sel
	mkdir -p "$CSG/swanctl/conf.d" || return 1
	{
		echo "connections {"
		echo "	svc {"
		echo "		version = 2"
		echo "		local_addrs = $SG_ADDR"
		echo "		remote_addrs = $EU_ADDR"
		echo "		proposals = aes256gcm16-prfsha256-x25519"
		echo "		mobike = no"
		echo "		dpd_delay = 0"
		echo "		rekey_time = 0"
		echo "		reauth_time = 0"
		echo "		local {"
		echo "			id = sg.example"
		echo "			auth = psk"
		echo "		}"
		echo "		remote {"
		echo "			id = eu.example"
		echo "			auth = psk"
		echo "		}"
		echo "		children {"
		while read -r name sel; do
			echo "			$name {"
			echo "				local_ts = $SG_ADDR/32$sel"
			echo "				remote_ts = $EU_ADDR/32${sel/\/*]/]}"
			echo "				mode = transport"
			echo "				esp_proposals = aes256gcm16"
			echo "				rekey_time = 0"
			echo "			}"
		done <<<"$CHARON_SERVICES"
		echo "		}"
		echo "	}"
		echo "}"
		echo "secrets {"
		echo "	ike-svc {"
		echo "		id-a = eu.example"
		echo "		id-b = sg.example"
		echo "		secret = $PSK"
		echo "	}"
		echo "}"
	} >"$CSG/swanctl/conf.d/svc.conf"
}

# charon's installed Child SAs of svc; charon_three: they are 3.
charon_children() {
	charon_sas "$SG" "$CSG" | awk '$1 == "child" && $2 == "svc" && $4 == "INSTALLED"' |
		wc -l
}
charon_three() { [ "$(charon_children)" -eq 3 ]; }

charon_up3() {
	charon_svc && charon_start "$SG" "$CSG" && charon_load "$SG" "$CSG" &&
		mifd_start "$EU" "$T/eu3.conf" "$EU_SOCK" &&
		eu ike up svc -w 30 >/dev/null && svc_children "$EU" "$EU_SOCK" 3 || return 1
	wait_until 10 charon_three && return 0
	charon_sas "$SG" "$CSG"
	charon_log "$CSG"
	return 1
}
tcase "mifd-charon: three children up over one IKE SA" charon_up3
tcase "mifd-charon: three pairs of ESP SAs in each kernel" svc_states 3
tcase "mifd-charon: a ping goes through the icmp child" ping_icmp

charon_down3() {
	eu ike down svc >/dev/null
	wait_until 10 no_states && mifd_stop && charon_stop "$SG" "$CSG" && return 0
	ip -n "$SG" xfrm state
	return 1
}
tcase "mifd-charon: down removes every SA; both daemons exit" charon_down3
ksft_exit
