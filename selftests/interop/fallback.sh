#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The interface operations against a peer without MIF (strongSwan's
# charon): mifd answers each of them, changes nothing it should not, and
# keeps running. EU (mifd) and SG (charon) joined by three veth pairs
# (mifI in EU, 10.88.I.1; pmifI in SG, 10.88.I.2), one IKE SA on pair 0
# and, without MIF, its one Child SA there (transport mode), although EU
# lists all three interfaces with per_interface = yes.
#
#   1. "iface add 10.88.1.1 peer 10.88.1.2": counted "without MIF
#      (nothing to do)", exit status 0; both kernels' SAs and policies
#      and charon's Child SA are as they were.
#   2. "iface del 10.88.0.2", the peer's address (it names ours only):
#      refused, nothing sent, nothing torn down. Deleting 10.88.1.1 (no
#      Child SA there) and the IKE SA's own 10.88.0.1 against charon is
#      del.sh's third part. A Child SA bound to another address of ours,
#      whose delete would be a plain INFORMATIONAL Delete, cannot be made
#      with a peer without MIF (every Child SA is on the IKE SA's pair,
#      and charon turns a transport mode Child SA whose selectors are not
#      the hosts into a tunnel); test_mif_delete.c covers that path.
#   3. "iface alt 10.88.0.1 10.88.1.1": answered "1 without MIF (nothing
#      to do)" (MIF_ALTERNATES needs MIF), exit 0, nothing changed.
#   Then the Child SA still carries a ping as ESP on mif0, "ike list"
#   shows the IKE SA established, no error or warning is logged, and mifd
#   exits 0. (MIF_MOVE against charon is mobike's: MOBIKE.)
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh fallback.sh
TEST_NAME=fallback
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
source "$here/charon_lib.sh"

require_root
require_cmd ip jq nft ping
[ -x "$MIFD" ] || { echo "1..0 # SKIP $MIFD not built (make)"; exit $KSFT_SKIP; }
[ -x "$MIFCTL" ] || { echo "1..0 # SKIP $MIFCTL not built (make tools)"; exit $KSFT_SKIP; }
charon_available || { echo "1..0 # SKIP charon or swanctl not installed"; exit $KSFT_SKIP; }

echo "TAP version 13"
modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
T=$(mifd_tmpdir)
CSG=$T/charon-sg
cleanup() {
	charon_stop_all >/dev/null 2>&1
	_mifd_interop_cleanup
}
trap cleanup EXIT

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock

net() {
	local d i
	make_netns EU && make_netns SG || return 1
	for i in 0 1 2; do
		ip -n "$EU" link add "mif$i" type veth peer name "pmif$i" netns "$SG" &&
			ip -n "$EU" addr add "10.88.$i.1/24" dev "mif$i" &&
			ip -n "$SG" addr add "10.88.$i.2/24" dev "pmif$i" &&
			ip -n "$EU" link set "mif$i" up &&
			ip -n "$SG" link set "pmif$i" up || return 1
	done
	for d in all mif0 mif1 mif2; do
		ip netns exec "$EU" sysctl -qw "net.ipv4.conf.$d.rp_filter=0"
	done
	esp_counters "$EU"
}

cat >"$T/eu.conf" <<CONF
[mifd]
log_level = debug

[conn a]
local = 10.88.0.1
remote = 10.88.0.2
local_id = fqdn:eu.example
remote_id = fqdn:sg.example
psk = $PSK
ike = aes256gcm16-prfsha256-x25519
esp = aes256gcm16
retransmit_base = 500ms
retransmit_tries = 4
dpd = 0
interfaces = mif0:200, mif1:150, mif2:100
local_ts = 10.88.0.1/32
remote_ts = 10.88.0.2/32
mode = transport
per_interface = yes
CONF

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }

# want_eu JQ: poll (30 s) until conn a's IKE SA passes the jq test.
_want_eu() {
	eu -j ike list | jq -e "[.ike_sas[] | select(.conn == \"a\" and
		.state == \"established\")][0] | $1" >/dev/null
}
want_eu() {
	wait_until 30 _want_eu "$@" && return 0
	echo "wanted: $1"
	eu ike list
	return 1
}

pairs='([.children[] | select(.installed) | "\(.local)-\(.remote)"] | sort)'

# kernel NS: NS's SAs and policies, the words an operation could change
# (addresses, SPIs, reqids, modes, selectors, directions), sorted.
kernel() {
	{ ip -o -n "$1" xfrm state; ip -o -n "$1" xfrm policy; } | awk '
	{
		out = ""
		for (i = 1; i < NF; i++)
			if ($i ~ /^(src|dst|spi|reqid|mode|dir|proto)$/)
				out = out " " $i " " $(i + 1)
		print out
	}' | sort
}

# The state an operation must leave alone: both kernels, mifd's Child
# SAs, charon's.
state() {
	kernel "$EU"
	kernel "$SG"
	eu -j ike list | jq -c '[.ike_sas[] | .children[] |
		[.local, .remote, .spi_in, .spi_out]]'
	charon_sas "$SG" "$CSG" | awk '$1 == "child" { print $2, $3, $4, $6, $7 }'
}

keep() { state >"$T/before"; grep -q . "$T/before"; }

unchanged() {
	diff -u "$T/before" <(state) || { echo "something changed"; return 1; }
}

up() {
	net || return 1
	charon_conf "$CSG" a local=10.88.0.2 remote=10.88.0.1 \
		local_id=fqdn:sg.example remote_id=fqdn:eu.example psk="$PSK" \
		ike=aes256gcm16-prfsha256-x25519 esp=aes256gcm16 mode=transport &&
		charon_start "$SG" "$CSG" && charon_load "$SG" "$CSG" &&
		mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		eu ike up a -w 20 >/dev/null &&
		want_eu "(.mif.negotiated | not) and
			$pairs == [\"10.88.0.1-10.88.0.2\"]" &&
		[ "$(charon_sas "$SG" "$CSG" | grep -c '^child a a INSTALLED')" -eq 1 ] ||
		{ charon_sas "$SG" "$CSG"; charon_log "$CSG"; return 1; }
	keep
}

add() {
	local out
	out=$(eu ike iface add 10.88.1.1 peer 10.88.1.2) || { echo "$out"; return 1; }
	echo "$out" | grep -q "add 10.88.1.1: 0 started, 0 busy (try again), 1 without MIF (nothing to do)" ||
		{ echo "$out"; return 1; }
	sleep 1
	unchanged
}

del_peer() {
	local out
	out=$(eu ike iface del 10.88.0.2 2>&1) && { echo "$out"; return 1; }
	echo "$out" | grep -q "no IKE SA has it" || { echo "$out"; return 1; }
	sleep 1
	unchanged
}

alt() {
	local out
	out=$(eu ike iface alt 10.88.0.1 10.88.1.1 2>&1) || { echo "$out"; return 1; }
	echo "$out" | grep -q "1 without MIF (nothing to do)" || { echo "$out"; return 1; }
	sleep 1
	unchanged
}

alive() {
	local o
	want_eu "$pairs == [\"10.88.0.1-10.88.0.2\"]" &&
		eu ike list | grep -q "established" || return 1
	o=$(esp_packets "$EU" out0)
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I 10.88.0.1 10.88.0.2 >/dev/null &&
		[ $(( $(esp_packets "$EU" out0) - o )) -ge 3 ] ||
		{ echo "no ESP on mif0"; return 1; }
	! grep -E " (error|warning): " "$EU_SOCK.log"
}

tcase "fallback: IKE SA with charon up, one Child SA on the IKE SA's pair" up
tcase "fallback: iface add answers without MIF (nothing to do), nothing changed" add
tcase "fallback: iface del of the peer's address refused, nothing torn down" del_peer
tcase "fallback: iface alt answers without MIF (nothing to do), nothing changed" alt
tcase "fallback: mifd keeps running, ike list fine, ESP on mif0, no error logged" alive
tcase "fallback: mifd exits 0" mifd_stop
ksft_exit
