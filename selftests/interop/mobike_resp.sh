#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# MOBIKE (RFC 4555) when the responder's address goes (§3.6) and path
# probing from the initiator's other addresses (§3.5), mifd against mifd
# and against strongSwan's charon, in the namespaces of selftests/topo.sh,
# mif = no on the mifd sides. The IKE SA runs over eu1/sg1 (10.1.1.1 <->
# 10.1.1.2); eu2/sg2 (10.1.2.1, 10.1.2.2) is the other path.
#
#   1. mifd (EU) -> mifd (SG): SG's 10.1.1.2 removed; SG moves its side to
#      10.1.2.2 and sends its list from there; EU follows it with
#      UPDATE_SA_ADDRESSES; both show the new pair, and ping goes through
#      ESP out of eu2 (10.1.1.1 -> 10.1.2.2 routes by eu2).
#   2. mifd (EU) -> charon (SG): charon's 10.1.1.2 removed; charon sends
#      its list from 10.1.2.2, mifd moves there (UPDATE_SA_ADDRESSES).
#   3. charon (EU) -> mifd (SG): mifd's 10.1.1.2 removed; mifd moves and
#      sends its list, charon follows the list's source.
#   4. mifd (EU) -> mifd (SG): the eu1/sg1 link drops everything (netem
#      loss 100% both ways, addresses kept); EU's DPD goes unanswered, EU
#      probes its pairs (10.1.1.1 -> 10.1.2.2, 10.1.2.1 -> 10.1.1.2,
#      10.1.2.1 -> 10.1.2.2) and moves to the first that answers.
#   5. the same with charon as the responder.
#   6. mifd (EU) -> mifd (SG): SG gets another address on sg2 (10.1.2.12);
#      SG sends its new list (ADDITIONAL_IP4_ADDRESS), EU keeps it, and
#      nothing moves.
#   7. charon (EU) -> mifd (SG): the same, charon receiving the list.
# Each move prints the time from the change to the new pair seen on the
# other side (bound: 30 s).
#
#   tools/vm/run -k debian -m 3072 -t 2400 -- selftests/interop/run.sh mobike_resp.sh
TEST_NAME=mobike_resp
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/../topo.sh"
source "$here/charon_lib.sh"
source "$here/lib.sh"

require_root
require_cmd ip ping awk jq nft tc

echo "TAP version 13"
[ -x "$MIFD" ] && [ -x "$MIFCTL" ] || { echo "1..0 # SKIP build/mifd or build/mifctl not built"; exit $KSFT_SKIP; }
have_charon=1
charon_available || have_charon=

modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
modprobe -q sch_netem 2>/dev/null

T=$(mktemp -d /tmp/mif-mobike-resp.XXXXXX)
cleanup() {
	charon_stop_all >/dev/null 2>&1
	mifd_stop >/dev/null 2>&1
	[ -n "${MIFD_TMP:-}" ] && rm -rf "$MIFD_TMP"
	rm -rf "$T"
	ksft_cleanup
}
trap cleanup EXIT

EU_A=10.1.1.1 EU_B=10.1.2.1 SG_A=10.1.1.2 SG_B=10.1.2.2
BOUND=30
topo_setup || { echo "1..0 # SKIP cannot build the topology"; exit $KSFT_SKIP; }
# IPv4 only: charon probing as responder takes the first path that
# answers, of either family, and mifd does not move an IKE SA to another
# family (docs/mifd.8, NOT IMPLEMENTED).
for i in 1 2 3; do
	ip -n "$EU" -6 addr flush dev "eu$i" scope global
	ip -n "$SG" -6 addr flush dev "sg$i" scope global
done
for ns in "$EU" "$SG"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 >/dev/null
	for i in 1 2 3; do
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.eu$i.rp_filter=0" >/dev/null 2>&1
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.sg$i.rp_filter=0" >/dev/null 2>&1
	done
done

# The topology as each case starts: both addresses, no loss, a second
# route to the other side's eu1/sg1 network by eu2/sg2 (used once the
# address, and with it its connected route, is gone), inner routes by 1.
reset_topo() {
	local ns
	ip -n "$SG" addr add "$SG_A/24" dev sg1 2>/dev/null
	ip -n "$EU" addr add "$EU_A/24" dev eu1 2>/dev/null
	tc -n "$EU" qdisc del dev eu1 root 2>/dev/null
	tc -n "$SG" qdisc del dev sg1 root 2>/dev/null
	ip -n "$EU" route replace 10.1.1.0/24 dev eu2 metric 200
	ip -n "$SG" route replace 10.1.1.0/24 dev sg2 metric 200
	ip -n "$SG" route replace "$(topo_eu_inner 1)/32" dev sg1
	ip -n "$EU" route replace "$TOPO_SG_INNER/32" dev eu1
	for ns in "$EU" "$SG"; do
		ip -n "$ns" xfrm state flush
		ip -n "$ns" xfrm policy flush
	done
}

# ESP packets leaving EU by eu1 and eu2.
ip netns exec "$EU" nft -f - <<'NFT'
table inet mobike_resp {
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
	ip netns exec "$EU" nft -j list counter inet mobike_resp "esp${1#eu}" |
		jq '.nftables[] | select(.counter) | .counter.packets'
}

PSK=0x6d69662d696e7465726f702d746573742d6b6579
CEU=$T/charon-eu CSG=$T/charon-sg
ESOCK=$(mifd_tmpdir)/eu.sock ECONF=$(mifd_tmpdir)/eu.conf
SSOCK=$(mifd_tmpdir)/sg.sock SCONF=$(mifd_tmpdir)/sg.conf

mifd_conf() {	# mifd_conf eu|sg FILE
	local me=$EU_A peer=$SG_A mid=eu.example pid=sg.example
	local mts=$(topo_eu_inner 1)/32 pts=$TOPO_SG_INNER/32 ifs="eu1:200, eu2:100"
	# Only EU's DPD: the responder's own request would hold its window.
	local dpd=${DPD:-0}
	if [ "$1" = sg ]; then
		me=$SG_A peer=$EU_A mid=sg.example pid=eu.example
		mts=$TOPO_SG_INNER/32 pts=$(topo_eu_inner 1)/32 ifs="sg1:200, sg2:100"
		dpd=0
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
	interfaces = $ifs
	mif = no
	retransmit_base = 500ms
	retransmit_tries = 6
	dpd = $dpd
	EOC
}

charon_remote() { charon_sas "$1" "$2" | awk '$1 == "ike" && $2 == "mob" { print $7; exit }'; }
charon_local() { charon_sas "$1" "$2" | awk '$1 == "ike" && $2 == "mob" { print $6; exit }'; }
mifd_field() {	# mifd_field NS SOCK JQ
	mifd_ctl "$1" "$2" -j ike list 2>/dev/null |
		jq -r "[.ike_sas[] | select(.conn == \"mob\")][0] | $3"
}

# ping_via DEV: EU's ping to SG's inner address goes as ESP by DEV.
ping_via() {
	local dev=$1 n0 n1
	n0=$(esp_out "$dev")
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I "$(topo_eu_inner 1)" \
		"$TOPO_SG_INNER" || return 1
	n1=$(esp_out "$dev")
	echo "ESP packets out of $dev: $n0 -> $n1"
	[ "$n1" -ge $((n0 + 3)) ]
}

# ccase NAME CMD...: tcase, with the logs on failure.
ccase() {
	local name=$1 d
	shift
	tcase "$name" "$@" && return 0
	for d in "${!charon_pids[@]}"; do
		echo "# charon log $d:"
		charon_log "$d" 40
	done
	for d in "$ESOCK" "$SSOCK"; do
		[ -e "$d.log" ] && { echo "# mifd log $d:"; mifd_log "$d" | tail -n 50; }
	done
	return 1
}

# The daemons of a case: EU_SIDE and SG_SIDE are mifd or charon.
up() {	# up EU_SIDE SG_SIDE
	if [ "$2" = mifd ]; then
		mifd_conf sg "$SCONF"
		mifd_start "$SG" "$SCONF" "$SSOCK" || return 1
	else
		charon_start "$SG" "$CSG" || return 1
		charon_conf "$CSG" mob local=%any remote=%any local_id=fqdn:sg.example \
			remote_id=fqdn:eu.example psk="$PSK" mobike=yes \
			local_ts="$TOPO_SG_INNER/32" remote_ts="$(topo_eu_inner 1)/32" || return 1
		charon_load "$SG" "$CSG" || return 1
	fi
	if [ "$1" = mifd ]; then
		mifd_conf eu "$ECONF"
		mifd_start "$EU" "$ECONF" "$ESOCK" || return 1
		mifd_ctl "$EU" "$ESOCK" ike up mob || return 1
		mifd_wait_established "$EU" "$ESOCK" mob 20 || return 1
		prints true mifd_field "$EU" "$ESOCK" .mobike || { echo "MOBIKE not negotiated"; return 1; }
	else
		charon_start "$EU" "$CEU" || return 1
		charon_conf "$CEU" mob local=%any remote="$SG_A" local_id=fqdn:eu.example \
			remote_id=fqdn:sg.example psk="$PSK" mobike=yes \
			local_ts="$(topo_eu_inner 1)/32" remote_ts="$TOPO_SG_INNER/32" || return 1
		charon_load "$EU" "$CEU" || return 1
		charon_up "$EU" "$CEU" mob || return 1
	fi
	if [ "$2" = mifd ]; then
		mifd_wait_established "$SG" "$SSOCK" mob 20 || return 1
		prints true mifd_field "$SG" "$SSOCK" .mobike || { echo "MOBIKE not negotiated"; return 1; }
	fi
	ping_via eu1
}
down() {
	charon_stop_all >/dev/null 2>&1
	mifd_stop >/dev/null 2>&1
	reset_topo
}

# What each side shows as the pair: EU's remote and SG's local.
eu_remote() {
	if [ "$EU_SIDE" = mifd ]; then mifd_field "$EU" "$ESOCK" .remote
	else charon_remote "$EU" "$CEU"; fi
}
eu_local() {
	if [ "$EU_SIDE" = mifd ]; then mifd_field "$EU" "$ESOCK" .local
	else charon_local "$EU" "$CEU"; fi
}
sg_local() {
	if [ "$SG_SIDE" = mifd ]; then mifd_field "$SG" "$SSOCK" .local
	else charon_local "$SG" "$CSG"; fi
}
sg_remote() {
	if [ "$SG_SIDE" = mifd ]; then mifd_field "$SG" "$SSOCK" .remote
	else charon_remote "$SG" "$CSG"; fi
}

MOVE_MS=
# The responder's address removed: both sides on 10.1.1.1 <-> 10.1.2.2.
resp_removed() {
	local t0 t1
	t0=$(date +%s%N)
	ip -n "$SG" addr del "$SG_A/24" dev sg1 || return 1
	# sg1's last IPv4 address gone, its routes went with it: the inner
	# route by sg2 (the tunnel's outer route is 10.1.1.0/24 by sg2).
	ip -n "$SG" route replace "$(topo_eu_inner 1)/32" dev sg2
	wait_fine $BOUND prints "$SG_B" eu_remote || {
		echo "EU ($EU_SIDE) still sees $(eu_remote)"; return 1; }
	t1=$(date +%s%N)
	MOVE_MS=$(( (t1 - t0) / 1000000 ))
	wait_until 5 prints "$SG_B" sg_local || { echo "SG ($SG_SIDE) uses $(sg_local)"; return 1; }
	echo "EU ($EU_SIDE): $(eu_local) -> $(eu_remote); SG ($SG_SIDE): $(sg_local) -> $(sg_remote)"
	# The same IKE SA: nothing set up again.
	[ "$EU_SIDE" != mifd ] ||
		[ "$(mifd_ctl "$EU" "$ESOCK" -j ike list | jq '.ike_sas | length')" = 1 ]
}

SG_C=10.1.2.12
# EU's (charon's) INFORMATIONAL requests received with an IPv4 list.
charon_lists() { grep -c 'parsed INFORMATIONAL request.*N(ADD_4_ADDR)' "$CEU/charon.log"; }
# eu_listed ADDR LISTS0: EU holds ADDR in SG's list (charon: it received
# a list since it had received LISTS0).
eu_listed() {
	if [ "$EU_SIDE" = mifd ]; then
		mifd_field "$EU" "$ESOCK" '.mobike_peer_addresses | join(" ")' | grep -q -w -F "$1"
	else
		[ "$(charon_lists)" -gt "$2" ]
	fi
}

# Another address on the responder's sg2: its list goes to EU; no move.
resp_added() {
	local lists0=0
	[ "$EU_SIDE" = mifd ] || lists0=$(charon_lists)
	ip -n "$SG" addr add "$SG_C/24" dev sg2 || return 1
	wait_until $BOUND eu_listed "$SG_C" "$lists0" || {
		echo "EU ($EU_SIDE) has no list of SG's with $SG_C"; return 1; }
	grep -q "our address list sent from $SG_A" "$SSOCK.log" || return 1
	prints "$SG_A" eu_remote && prints "$SG_A" sg_local
}

# eu1 <-> sg1 drops everything, its addresses kept: EU moves by probing.
path_broken() {
	local t0 t1
	t0=$(date +%s%N)
	tc -n "$EU" qdisc add dev eu1 root netem loss 100% || return 1
	tc -n "$SG" qdisc add dev sg1 root netem loss 100% || return 1
	wait_fine $BOUND prints "$EU_B" sg_remote || {
		echo "SG ($SG_SIDE) still sees $(sg_remote)"; return 1; }
	t1=$(date +%s%N)
	MOVE_MS=$(( (t1 - t0) / 1000000 ))
	wait_until 5 prints "$SG_B" eu_remote || { echo "EU sees $(eu_remote)"; return 1; }
	prints "$EU_B" eu_local || { echo "EU uses $(eu_local)"; return 1; }
	grep -q "probing" "$ESOCK.log"
}

# round WHAT EU_SIDE SG_SIDE: one case, its move and a ping after it.
round() {
	local what=$1 name
	EU_SIDE=$2 SG_SIDE=$3
	name="$EU_SIDE->$SG_SIDE"
	if [ "$EU_SIDE" = charon ] || [ "$SG_SIDE" = charon ]; then
		if [ -z "$have_charon" ]; then
			skip "$name: $what" "charon not installed"
			return
		fi
	fi
	DPD=0
	[ "$what" = probe ] && DPD=2s
	MOVE_MS=
	if ! ccase "$name: up over eu1, MOBIKE negotiated" up "$EU_SIDE" "$SG_SIDE"; then
		skip "$name: $what" "not up"
		down
		return
	fi
	if [ "$what" = removed ]; then
		ccase "$name: the responder's $SG_A removed: both sides on $EU_A <-> $SG_B" resp_removed
	elif [ "$what" = added ]; then
		ccase "$name: $SG_C added on the responder's sg2: its list reaches EU, nothing moves" resp_added
		ccase "$name: ping through ESP out of eu1 after the list" ping_via eu1
		ip -n "$SG" addr del "$SG_C/24" dev sg2 2>/dev/null
		down
		return
	else
		ccase "$name: eu1 <-> sg1 drops everything: EU probes and moves to $EU_B <-> $SG_B" path_broken
	fi
	[ -n "$MOVE_MS" ] && log "$name $what -> the new pair seen: $MOVE_MS ms (bound: $BOUND s)"
	ccase "$name: ping through ESP out of eu2 after the move" ping_via eu2
	down
}

reset_topo
round removed mifd mifd
round removed mifd charon
round removed charon mifd
round probe mifd mifd
round probe mifd charon
round added mifd mifd
round added charon mifd
ksft_exit
