#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mifctl delete: every SA and policy bound to one interface's address goes,
# in one call; nothing else changes and the other interfaces keep carrying
# ESP traffic. With a reqid block, only one IKE SA's SAs go.
source "$(dirname "$0")/lib.sh"
source "$SELFTEST_DIR/topo.sh"

require_root
require_cmd ip ping
modprobe -q xfrm_user && modprobe -q esp4 || { echo "1..0 # SKIP no ESP"; exit $KSFT_SKIP; }
check "module loads" load_module
topo_setup >/dev/null 2>&1
check "topology" test -n "$EU" -a -n "$SG"
for i in 1 2 3; do
	check "tunnel $i set up" topo_tunnel "$i" "0x100$i" "0x200$i"
done
for i in 1 2 3; do
	check "ping over eu$i before" topo_ping "$i"
done

source "$SELFTEST_DIR/xfrm_read.sh"
capf=${TMPDIR:-/tmp}/mif-delete-out.$$
trap 'ksft_cleanup; rm -f -- "$capf"' EXIT
# has_spi SPI: the last xfrm_read has an SA with SPI; else its SAs shown.
has_spi() {
	sa_spi "$1"
	[ ${#hits[@]} -gt 0 ] || { echo "no SA $1 among:"; printf '%s\n' "${sas[@]}"; return 1; }
}
# spis_gone SPI...: the last xfrm_read has no SA with these SPIs.
spis_gone() {
	local s
	for s; do
		sa_spi "$s"
		[ ${#hits[@]} -eq 0 ] || { echo "SA $s is still there"; return 1; }
	done
}
in_eu() { "$MIFCTL" -n "$EU" "$@"; }
eu2=10.1.2.1
unpriv=(setpriv --reuid=65534 --regid=65534 --clear-groups)

snapshot before "$EU"
to res in_eu -j delete "$eu2" dry-run
check "dry run counts 2 states" json_is "$res" states 2
check "dry run counts 2 policies" json_is "$res" policies 2
check "dry run changes nothing" unchanged "$before" "$EU"

to res in_eu -j delete "$eu2" reqid 9
check "filter that matches nothing" json_is "$res" states 0
# One refused command line: its status and its message.
to -e res in_eu delete "$eu2" mask 0xff
rc=$?
refused_rc() { [ $rc -ne 0 ] || { echo "not refused: $res"; return 1; }; }
check "mask without mark refused" refused_rc
check "refusal says why" eval '[[ $res == *"mark mask without a mark"* ]] || { echo "$res"; false; }'
check_fails "unprivileged caller refused" ip netns exec "$EU" "${unpriv[@]}" "$MIFCTL" delete "$eu2"
check "nothing changed by refusals" unchanged "$before" "$EU"

# The monitor's events come through a pipe: read with a timeout, no
# polling. The operation waits until the monitor has subscribed (a
# process start alone can take seconds in the debug kernel).
monitor_start "$EU"
to res in_eu -j delete "$eu2"
check "monitor saw the delete event" event_seen "\"event\":\"delete\",\"address\":\"$eu2\",\"states\":2,\"policies\":2"
# (its output ends within 5 s: it exited)
monitor_exits() {
	local l rc
	while :; do
		IFS= read -r -t 5 -u "$mon" l
		rc=$?
		[ $rc -eq 0 ] || break
		echo "more: $l"
	done
	[ $rc -lt 128 ] || { echo "still running after 5 s"; return 1; }
}
check "monitor exits after its count" monitor_exits
monitor_stop
check_fails "unprivileged monitor refused" ip netns exec "$EU" "${unpriv[@]}" "$MIFCTL" monitor count 1
check "delete reports 2 states" json_is "$res" states 2
check "delete reports 2 policies" json_is "$res" policies 2
xfrm_read "$EU"
check "4 states left" is "${#sas[@]}" 4
check "4 policies left" is "${#pols[@]}" 4
check "eu2 SAs gone" spis_gone 0x1002 0x2002
for spi in 0x00001001 0x00002001 0x00001003 0x00002003; do
	check "SA $spi kept" has_spi "$spi"
done
sa_read "$SG"
check "peer untouched" is "${#sas[@]}" 6
check "ping over eu1 after" topo_ping 1
check "ping over eu3 after" topo_ping 3
to res in_eu delete "$eu2"
check "second delete finds nothing" eval '[[ $res == *"0 states, 0 policies"* ]] || { echo "$res"; false; }'

# Transport mode: the address appears as the selector's host.
printf -v k3001 '0x%040x' 0x3001
check "transport SA" ip -n "$SG" xfrm state add src 10.1.1.2 dst 10.9.9.9 \
	proto esp spi 0x3001 mode transport sel src 10.1.1.2/32 dst 10.9.9.9/32 \
	aead 'rfc4106(gcm(aes))' "$k3001" 128
check "transport policy" ip -n "$SG" xfrm policy add src 10.1.1.2/32 dst 10.9.9.9/32 \
	dir out tmpl proto esp mode transport
to res "$MIFCTL" -n "$SG" -j delete 10.9.9.9
check "transport: 1 state, 1 policy" json_is "$res" states/policies 1/1
sa_read "$SG"
check "tunnel SAs on the peer kept" is "${#sas[@]}" 6

# One IKE SA's SAs and policies go, another's on the same address stay:
# reqid N/MASK selects an IKE SA's block of reqids.
NLRAW=${NLRAW:-$REPO_DIR/build/selftests/nlraw}
# block_on B ADDR: the 4 SAs and 4 policies of block B (last xfrm_read)
# all have ADDR as an endpoint; else what they have (topo_block_on's).
block_on() {
	local be e n=0
	block_ends be "$1"
	while IFS= read -r e; do
		[[ " $e " == *" $2 "* ]] && n=$((n + 1))
	done <<<"$be"
	[ $n = 8 ] && return 0
	echo "block $1, not all on $2:"
	printf '%s' "$be"
	return 1
}
check "two IKE SAs on 10.1.9.1" topo_ike_blocks "$EU" 10.1.9.1 10.1.9.2
xfrm_read "$EU"
block_ends other 2
if [ -x "$NLRAW" ]; then
	to res ip netns exec "$EU" "$NLRAW" delete addr=ip:10.1.9.1 reqid_mask=u32:0xfffff000
	check "reqid mask without a reqid refused, saying why" line_starts "$res" \
		"error: reqid mask without a reqid (Invalid argument) [attr reqid_mask]"
else
	skip "reqid mask without a reqid refused" "$NLRAW not built"
fi
xfrm_read "$EU"
check "the refusal deleted nothing" block_on 1 10.1.9.1
to res in_eu -j delete 10.1.9.1 reqid 0x1000/0xfffff000
check "block 0x1000: 4 states, 4 policies deleted" json_is "$res" states/policies 4/4
xfrm_read "$EU"
block_ends now 1
check "block 0x1000 gone" is "$now" ""
block_ends now 2
check "block 0x2000 untouched" is "$now" "$other"
to res in_eu -j delete 10.1.9.1
check "the rest: block 0x2000" json_is "$res" states/policies 4/4

# Many SAs: batches larger than one walk. The commands made by one printf.
nums=()
for ((i = 0x10001; i <= 0x10000 + 600; i++)); do
	nums+=("$i")
done
printf -v lines 'xfrm state add src 10.1.3.1 dst 10.1.3.2 proto esp spi %d mode tunnel enc cbc(aes) 0x00112233445566778899aabbccddeeff\n' "${nums[@]}"
check "600 SAs added" ip -n "$EU" -batch - <<<"${lines%$'\n'}"
to res in_eu -j delete 10.1.3.1
check "602 states deleted in one call" json_is "$res" states 602
sa_read "$EU"
check "module unloads with SAs live" eval '[ ${#sas[@]} -gt 0 ] && rmmod xfrm_mif'

ksft_exit
