#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A message-ID window above 1 (RFC 7296 2.3, SET_WINDOW_SIZE; mifd.conf(5)
# window_size): EU and SG joined by a veth pair (10.93.0.1 <-> 10.93.0.2),
# transport mode, one child per service told apart by protocol and port.
#
#   1. mifd (EU) -> mifd (SG), window_size = 4 on both: a connection of 20
#      children (icmp, tcp/5001..5019) comes up over one IKE SA, EU having
#      learnt SG's window of 4 and created them 4 at a time; 20 pairs of
#      ESP SAs in each kernel; a ping and two TCP connections go through
#      their children's SAs; down removes everything.
#   2. mifd (EU, window_size = 4) -> charon (SG). strongSwan's charon
#      (5.9) has no window setting: its window is 1 and it sends no
#      SET_WINDOW_SIZE (strongswan.conf(5) lists no charon.window_size),
#      so this checks the fallback: EU hears no window and creates its 6
#      children one at a time; charon ignores our notify.
#   3. charon (EU) -> mifd (SG, window_size = 4): the same 6 children,
#      charon the initiator, one CREATE_CHILD_SA at a time, answered by
#      mifd's window.
#
#   tools/vm/run -k debian -m 3072 -t 2400 -- selftests/interop/run.sh window.sh
TEST_NAME=window
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/../topo.sh"
source "$here/charon_lib.sh"
source "$here/lib.sh"
source "$here/svc_lib.sh"

interop_start ip jq ping

cleanup() {
	charon_stop_all >/dev/null 2>&1
	_mifd_interop_cleanup
}
trap cleanup EXIT

T=$(mifd_tmpdir)/window
mkdir -p "$T" || { echo "1..0 # SKIP no temporary directory"; exit "$KSFT_SKIP"; }
make_netns EU && make_netns SG ||
	{ echo "1..0 # SKIP cannot make namespaces"; exit "$KSFT_SKIP"; }
ip -n "$EU" link add win0 type veth peer name pwin0 netns "$SG" &&
	ip -n "$EU" addr add 10.93.0.1/24 dev win0 &&
	ip -n "$SG" addr add 10.93.0.2/24 dev pwin0 &&
	ip -n "$EU" link set win0 up && ip -n "$SG" link set pwin0 up ||
	{ echo "1..0 # SKIP cannot set up the veth"; exit "$KSFT_SKIP"; }

EU_ADDR=10.93.0.1
SG_ADDR=10.93.0.2
PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
CSG=$T/charon-sg
CEU=$T/charon-eu
# Twenty services: NAME SELECTOR-SUFFIX (the ports are SG's).
SERVICES="icmp [icmp]
$(for p in $(seq 5001 5019); do echo "t$p [tcp/$p]"; done)"
# Six for charon.
SIX="icmp [icmp]
$(for p in $(seq 5001 5005); do echo "t$p [tcp/$p]"; done)"

svc_conf "$EU_ADDR" "$SG_ADDR" "$SERVICES" "window_size = 4" >"$T/eu.conf"
svc_conf "$SG_ADDR" "$EU_ADDR" "$SERVICES" "window_size = 4" >"$T/sg.conf"
svc_conf "$EU_ADDR" "$SG_ADDR" "$SIX" "window_size = 4" >"$T/eu6.conf"
svc_conf "$SG_ADDR" "$EU_ADDR" "$SIX" "window_size = 4" >"$T/sg6.conf"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }

# through NAME CMD...: CMD sends over child NAME of EU's IKE SA: its
# outbound SA counts more packets after it.
through() {
	local name=$1 spi o0 o1 q
	shift
	q="[.ike_sas[] | select(.conn == \"svc\")][0].children[] | select(.name == \"$name\")"
	spi=$(eu -j ike list | jq -r "$q | .spi_out")
	o0=$(topo_esp_packets "$EU" "0x${spi#0x}")
	"$@" >/dev/null 2>&1
	o1=$(topo_esp_packets "$EU" "0x${spi#0x}")
	echo "child $name on EU: out $spi ${o0:-0} -> ${o1:-0}"
	[ "${o1:-0}" -gt "${o0:-0}" ]
}

ping3() { ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 "$SG_ADDR"; }
# A TCP connection attempt to SG's port: its SYN goes out in ESP.
tcp_to() { ip netns exec "$EU" timeout 3 bash -c "echo >/dev/tcp/$SG_ADDR/$1"; }

# --- 1. mifd -> mifd ----------------------------------------------------

up20() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up svc -w 60 >/dev/null &&
		svc_children "$EU" "$EU_SOCK" 20 && svc_children "$SG" "$SG_SOCK" 20
}
tcase "mifd-mifd: twenty children up over one IKE SA, on both sides" up20

# EU heard SG's window (mifd's debug log).
heard() {
	grep -q "the peer's window: 4 requests" "$EU_SOCK.log" &&
		grep -q "the peer's window: 4 requests" "$SG_SOCK.log"
}
tcase "mifd-mifd: each side heard the other's SET_WINDOW_SIZE of 4" heard
tcase "mifd-mifd: twenty pairs of ESP SAs in each kernel" svc_states 20
tcase "mifd-mifd: a ping goes through the icmp child" through icmp ping3
tcase "mifd-mifd: TCP to 5007 goes through its child" through t5007 tcp_to 5007
tcase "mifd-mifd: TCP to 5019 goes through its child" through t5019 tcp_to 5019

# no_states: neither kernel holds an ESP state.
no_states() { [ "$(n_states "$EU")" -eq 0 ] && [ "$(n_states "$SG")" -eq 0 ]; }

down() {
	eu ike down svc >/dev/null
	wait_until 20 no_states && mifd_stop && return 0
	ip -n "$EU" xfrm state
	return 1
}
tcase "mifd-mifd: down removes every SA; both mifd exit 0" down

# --- 2. and 3. with charon ------------------------------------------------

if ! charon_available; then
	for c in "mifd-charon: six children up, one at a time" \
		"charon-mifd: six children up"; do
		skip "$c" "charon or swanctl not installed"
	done
	ksft_exit
fi

# charon_conf DIR ME PEER MY_ID PEER_ID: swanctl's svc with the six.
charon_six() {
	local dir=$1 me=$2 peer=$3 name sel lts rts
	mkdir -p "$dir/swanctl/conf.d" || return 1
	{
		echo "connections {"
		echo "	svc {"
		echo "		version = 2"
		echo "		local_addrs = $me"
		echo "		remote_addrs = $peer"
		echo "		proposals = aes256gcm16-prfsha256-x25519"
		echo "		mobike = no"
		echo "		dpd_delay = 0"
		echo "		rekey_time = 0"
		echo "		reauth_time = 0"
		echo "		local {"
		echo "			id = $4"
		echo "			auth = psk"
		echo "		}"
		echo "		remote {"
		echo "			id = $5"
		echo "			auth = psk"
		echo "		}"
		echo "		children {"
		while read -r name sel; do
			if [ "$me" = "$SG_ADDR" ]; then
				lts="$me/32$sel"
				rts="$peer/32${sel/\/*]/]}"
			else
				lts="$me/32${sel/\/*]/]}"
				rts="$peer/32$sel"
			fi
			echo "			$name {"
			echo "				local_ts = $lts"
			echo "				remote_ts = $rts"
			echo "				mode = transport"
			echo "				esp_proposals = aes256gcm16"
			echo "				rekey_time = 0"
			echo "			}"
		done <<<"$SIX"
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
	} >"$dir/swanctl/conf.d/svc.conf"
}

# charon_installed NS DIR: charon's installed Child SAs of svc;
# charon_six_up: SG's charon has all six.
charon_installed() {
	charon_sas "$1" "$2" | awk '$1 == "child" && $2 == "svc" && $4 == "INSTALLED"' |
		wc -l
}
charon_six_up() { [ "$(charon_installed "$SG" "$CSG")" -eq 6 ]; }

mifd_charon() {
	: >"$EU_SOCK.log"	# part 1's lines are not charon's
	charon_six "$CSG" "$SG_ADDR" "$EU_ADDR" sg.example eu.example &&
		charon_start "$SG" "$CSG" && charon_load "$SG" "$CSG" &&
		mifd_start "$EU" "$T/eu6.conf" "$EU_SOCK" &&
		eu ike up svc -w 60 >/dev/null && svc_children "$EU" "$EU_SOCK" 6 ||
		return 1
	wait_until 20 charon_six_up
	[ "$(charon_installed "$SG" "$CSG")" -eq 6 ] || { charon_log "$CSG"; return 1; }
	# charon offered no window: EU's stays 1.
	if grep -q "the peer's window" "$EU_SOCK.log"; then
		echo "EU heard a window from charon"
		return 1
	fi
}
tcase "mifd-charon: six children up, one at a time" mifd_charon
tcase "mifd-charon: a ping goes through the icmp child" through icmp ping3
tcase "mifd-charon: TCP to 5005 goes through its child" through t5005 tcp_to 5005

mifd_charon_down() {
	eu ike down svc >/dev/null
	mifd_stop
	charon_stop "$SG" "$CSG"
	ip -n "$EU" xfrm state flush
	ip -n "$SG" xfrm state flush
	ip -n "$EU" xfrm policy flush
	ip -n "$SG" xfrm policy flush
}
mifd_charon_down >/dev/null 2>&1

charon_mifd() {
	local name sel
	charon_six "$CEU" "$EU_ADDR" "$SG_ADDR" eu.example sg.example &&
		charon_start "$EU" "$CEU" && charon_load "$EU" "$CEU" &&
		mifd_start "$SG" "$T/sg6.conf" "$SG_SOCK" || return 1
	while read -r name sel; do
		charon_up "$EU" "$CEU" "$name" 30 >/dev/null || {
			echo "charon: $name not initiated"
			charon_log "$CEU"
			return 1
		}
	done <<<"$SIX"
	svc_children "$SG" "$SG_SOCK" 6 &&
		[ "$(charon_installed "$EU" "$CEU")" -eq 6 ]
}
tcase "charon-mifd: six children up, mifd answering with its window" charon_mifd

charon_mifd_down() {
	charon_down "$EU" "$CEU" svc >/dev/null
	charon_stop "$EU" "$CEU"
	mifd_stop
}
tcase "charon-mifd: down; both daemons exit" charon_mifd_down
ksft_exit
