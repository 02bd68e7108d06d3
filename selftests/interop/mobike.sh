#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# MOBIKE (RFC 4555) between mifd and strongSwan's charon, which has no MIF,
# in the namespaces of selftests/topo.sh. The IKE SA runs over eu1
# (10.1.1.1 <-> 10.1.1.2); EU also reaches 10.1.1.2 over eu2 from 10.1.2.1
# (a route of higher metric, used once eu1's address is gone).
#
#   1. mifd (EU, initiator) -> charon (SG, responder): MOBIKE negotiated
#      (mifctl ike list -j), then `mifctl ike iface move 10.1.1.1 10.1.2.1`:
#      no error, charon shows the new address (swanctl --list-sas), ping
#      through ESP with the ESP packets counted on eu2.
#   2. the same IKE SA: its address 10.1.2.1 removed from eu2: mifd moves
#      by itself to 10.1.1.1 (eu1), charon follows, ping through ESP on eu1;
#      the time from the removal to charon's new view is printed.
#   3. charon (EU, initiator, mobike = yes) -> mifd (SG, responder):
#      charon's address 10.1.1.1 removed; charon sends UPDATE_SA_ADDRESSES
#      from 10.1.2.1, mifd checks it (COOKIE2) and follows: mifctl shows
#      the new peer address, ping through ESP on eu2.
#
#   tools/vm/run -k debian -m 3072 -t 2400 -- selftests/interop/run.sh mobike.sh
TEST_NAME=mobike
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/../topo.sh"
source "$here/charon_lib.sh"
source "$here/lib.sh"

require_root
require_cmd ip ping awk jq nft

echo "TAP version 13"
charon_available || { echo "1..0 # SKIP $CHARON or $SWANCTL not installed"; exit $KSFT_SKIP; }
[ -x "$MIFD" ] && [ -x "$MIFCTL" ] || { echo "1..0 # SKIP build/mifd or build/mifctl not built"; exit $KSFT_SKIP; }

modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null

T=$(mktemp -d /tmp/mif-mobike.XXXXXX)
cleanup() {
	charon_stop_all >/dev/null 2>&1
	mifd_stop >/dev/null 2>&1
	[ -n "${MIFD_TMP:-}" ] && rm -rf "$MIFD_TMP"
	rm -rf "$T"
	ksft_cleanup
}
trap cleanup EXIT

EU_A=10.1.1.1 EU_B=10.1.2.1 SG_A=10.1.1.2
topo_setup || { echo "1..0 # SKIP cannot build the topology"; exit $KSFT_SKIP; }
for ns in "$EU" "$SG"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 >/dev/null
	for i in 1 2 3; do
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.eu$i.rp_filter=0" >/dev/null 2>&1
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.sg$i.rp_filter=0" >/dev/null 2>&1
	done
done
# EU's second path to SG's address: over eu2 from 10.1.2.1 (a rule by
# source), and for anything once eu1's route is gone.
ip -n "$EU" route add 10.1.1.0/24 dev eu2 metric 200
ip -n "$EU" route add 10.1.1.0/24 dev eu2 table 102
ip -n "$EU" rule add from "$EU_B" table 102 priority 102
ip -n "$SG" route replace "$(topo_eu_inner 1)/32" dev sg1
ip -n "$EU" route replace "$TOPO_SG_INNER/32" dev eu1

# ESP packets leaving EU by eu1 and eu2.
ip netns exec "$EU" nft -f - <<'NFT'
table inet mobike {
	counter esp1 { }
	counter esp2 { }
	chain output {
		type filter hook postrouting priority 0; policy accept;
		oifname "eu1" meta l4proto esp counter name "esp1"
		oifname "eu2" meta l4proto esp counter name "esp2"
	}
}
NFT
esp_out() {	# esp_out eu1|eu2
	ip netns exec "$EU" nft -j list counter inet mobike "esp${1#eu}" |
		jq '.nftables[] | select(.counter) | .counter.packets'
}

PSK=0x6d69662d696e7465726f702d746573742d6b6579
CEU=$T/charon-eu CSG=$T/charon-sg
MSOCK=$(mifd_tmpdir)/eu.sock MCONF=$(mifd_tmpdir)/eu.conf
RSOCK=$(mifd_tmpdir)/sg.sock RCONF=$(mifd_tmpdir)/sg.conf

mifd_conf() {	# mifd_conf SIDE FILE
	local me=$EU_A peer=$SG_A mid=eu.example pid=sg.example
	local mts pts=$TOPO_SG_INNER/32
	mts=$(topo_eu_inner 1)/32
	if [ "$1" = sg ]; then
		me=$SG_A peer=$EU_A mid=sg.example pid=eu.example
		mts=$TOPO_SG_INNER/32 pts=$(topo_eu_inner 1)/32
	fi
	cat >"$2" <<-EOC
	[mifd]
	log_level = debug

	[conn mob]
	local = $me
	remote = $peer
	local_id = fqdn:$mid
	remote_id = fqdn:$pid
	auth = psk
	psk = $PSK
	ike = aes256gcm16-prfsha256-x25519
	esp = aes256gcm16
	mode = tunnel
	local_ts = $mts
	remote_ts = $pts
	interfaces = eu1:200, eu2:100
	retransmit_base = 500ms
	retransmit_tries = 3
	dpd = 0
	EOC
}

# The peer address charon's IKE SA mob has (its view), or nothing.
charon_remote() { charon_sas "$1" "$2" | awk '$1 == "ike" && $2 == "mob" { print $7; exit }'; }
charon_local() { charon_sas "$1" "$2" | awk '$1 == "ike" && $2 == "mob" { print $6; exit }'; }
mifd_field() {	# mifd_field NS SOCK JQ
	mifd_ctl "$1" "$2" -j ike list 2>/dev/null |
		jq -r "[.ike_sas[] | select(.conn == \"mob\")][0] | $3"
}


# ping_via DEV SRC: EU's ping to SG's inner address goes as ESP by DEV.
ping_via() {
	local dev=$1 n0 n1
	n0=$(esp_out "$dev")
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I "$(topo_eu_inner 1)" \
		"$TOPO_SG_INNER" || return 1
	n1=$(esp_out "$dev")
	echo "ESP packets out of $dev: $n0 -> $n1"
	[ "$n1" -ge $((n0 + 3)) ]
}

# ccase NAME CMD...: tcase, with both logs on failure.
ccase() {
	local name=$1 d
	shift
	tcase "$name" "$@" && return 0
	for d in "${!charon_pids[@]}"; do
		echo "# charon log $d:"
		charon_log "$d" 30
	done
	for d in "$MSOCK" "$RSOCK"; do
		[ -e "$d.log" ] && { echo "# mifd log $d:"; mifd_log "$d" | tail -n 40; }
	done
	return 1
}

# 1. mifd initiator, charon responder: the move command.
up_initiator() {
	mifd_conf eu "$MCONF"
	charon_start "$SG" "$CSG" || return 1
	charon_conf "$CSG" mob local="$SG_A" remote=%any local_id=fqdn:sg.example \
		remote_id=fqdn:eu.example psk="$PSK" mobike=yes \
		local_ts="$TOPO_SG_INNER/32" remote_ts="$(topo_eu_inner 1)/32" || return 1
	charon_load "$SG" "$CSG" || return 1
	mifd_start "$EU" "$MCONF" "$MSOCK" || return 1
	mifd_ctl "$EU" "$MSOCK" ike up mob || return 1
	mifd_wait_established "$EU" "$MSOCK" mob 20 || return 1
	prints true mifd_field "$EU" "$MSOCK" .mobike || { echo "MOBIKE not negotiated"; return 1; }
	mifd_ctl "$EU" "$MSOCK" ike list | grep 'mobike: on'
}
move_command() {
	local out
	out=$(mifd_ctl "$EU" "$MSOCK" -j ike iface move "$EU_A" "$EU_B") || return 1
	echo "$out"
	[ "$(jq '.started | length' <<<"$out")" = 1 ] || return 1
	wait_until 10 prints "$EU_B" charon_remote "$SG" "$CSG" || {
		echo "charon still sees $(charon_remote "$SG" "$CSG")"; return 1; }
	wait_until 5 prints "$EU_B" mifd_field "$EU" "$MSOCK" .local || return 1
	# Nothing set up again: the same IKE SA, with its Child SA.
	[ "$(mifd_ctl "$EU" "$MSOCK" -j ike list | jq '.ike_sas | length')" = 1 ]
}
ip -n "$EU" route replace "$TOPO_SG_INNER/32" dev eu1
if ccase "mifd->charon: MOBIKE negotiated (mifctl ike list)" up_initiator; then
	ccase "mifd->charon: ike iface move $EU_A $EU_B: no error, charon shows $EU_B (swanctl --list-sas)" move_command
	ccase "mifd->charon: ping through ESP out of eu2" ping_via eu2
	# 2. The IKE SA's address removed: back to eu1.
	removed() {
		local t0 t1
		t0=$(date +%s%N)
		ip -n "$EU" addr del "$EU_B/24" dev eu2 || return 1
		wait_fine 20 prints "$EU_A" charon_remote "$SG" "$CSG" || {
			echo "charon still sees $(charon_remote "$SG" "$CSG")"; return 1; }
		t1=$(date +%s%N)
		MOVE_MS=$(( (t1 - t0) / 1000000 ))
		prints "$EU_A" mifd_field "$EU" "$MSOCK" .local
	}
	MOVE_MS=
	ccase "mifd->charon: the IKE SA's address $EU_B removed: mifd moves to $EU_A, charon follows" removed
	[ -n "$MOVE_MS" ] && log "address removed -> charon's new view: $MOVE_MS ms (bound: 20 s)"
	ccase "mifd->charon: ping through ESP out of eu1" ping_via eu1
	ip -n "$EU" addr add "$EU_B/24" dev eu2
	ip -n "$EU" route replace 10.1.1.0/24 dev eu2 metric 200
	ip -n "$EU" route replace 10.1.1.0/24 dev eu2 table 102
else
	for n in "move command" "ping eu2" "address removed" "ping eu1"; do
		skip "mifd->charon: $n" "not up"
	done
fi
mifd_stop "$EU" "$MSOCK" >/dev/null 2>&1
charon_stop "$SG" "$CSG"
ip -n "$EU" xfrm state flush
ip -n "$EU" xfrm policy flush
ip -n "$SG" xfrm state flush
ip -n "$SG" xfrm policy flush

# 3. charon initiator, mifd responder: charon's address removed.
up_responder() {
	mifd_conf sg "$RCONF"
	mifd_start "$SG" "$RCONF" "$RSOCK" || return 1
	charon_start "$EU" "$CEU" || return 1
	charon_conf "$CEU" mob local=%any remote="$SG_A" local_id=fqdn:eu.example \
		remote_id=fqdn:sg.example psk="$PSK" mobike=yes \
		local_ts="$(topo_eu_inner 1)/32" remote_ts="$TOPO_SG_INNER/32" || return 1
	charon_load "$EU" "$CEU" || return 1
	charon_up "$EU" "$CEU" mob || return 1
	mifd_wait_established "$SG" "$RSOCK" mob 20 || return 1
	prints "$EU_A" charon_local "$EU" "$CEU" || return 1
	prints true mifd_field "$SG" "$RSOCK" .mobike
}
charon_moves() {
	local t0 t1
	t0=$(date +%s%N)
	ip -n "$EU" addr del "$EU_A/24" dev eu1 || return 1
	ip -n "$EU" route replace "$TOPO_SG_INNER/32" dev eu2
	wait_fine 20 prints "$EU_B" mifd_field "$SG" "$RSOCK" .remote || {
		echo "mifd still sees $(mifd_field "$SG" "$RSOCK" .remote)"
		return 1; }
	t1=$(date +%s%N)
	MOVE_MS=$(( (t1 - t0) / 1000000 ))
	mifd_ctl "$SG" "$RSOCK" ike list
	grep -q "checking the new address" "$RSOCK.log"
}
if ccase "charon->mifd: MOBIKE negotiated" up_responder; then
	MOVE_MS=
	ccase "charon->mifd: charon's address $EU_A removed: mifd checks $EU_B (COOKIE2) and follows" charon_moves
	[ -n "$MOVE_MS" ] && log "address removed -> mifd's new view: $MOVE_MS ms (bound: 20 s)"
	ccase "charon->mifd: ping through ESP out of eu2" ping_via eu2
else
	skip "charon->mifd: address removed" "not up"
	skip "charon->mifd: ping eu2" "not up"
fi
stop_both() {
	local rc=0
	charon_stop "$EU" "$CEU" || rc=1
	mifd_stop "$SG" "$RSOCK" || rc=1
	return $rc
}
ccase "mobike: both daemons stop cleanly" stop_both
ksft_exit
