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

nstates() { ip -n "$1" xfrm state | grep -c '^src'; }
npolicies() { ip -n "$1" xfrm policy | grep -c '^src'; }
has_spi() { ip -n "$1" xfrm state | grep -q "spi $2 "; }
json_field() { sed -E "s/.*\"$1\":([0-9a-z]+).*/\1/"; }
in_eu() { ip netns exec "$EU" "$MIFCTL" "$@"; }

before=$(ip -n "$EU" xfrm state; ip -n "$EU" xfrm policy)
out=$(in_eu -j delete "$(topo_eu_outer 2)" dry-run)
check "dry run counts 2 states" test "$(json_field states <<<"$out")" = 2
check "dry run counts 2 policies" test "$(json_field policies <<<"$out")" = 2
check "dry run changes nothing" test "$before" = "$(ip -n "$EU" xfrm state; ip -n "$EU" xfrm policy)"

check "filter that matches nothing" sh -c '[ "$(ip netns exec "$0" "$1" -j delete "$2" reqid 9 | grep -o "\"states\":[0-9]*")" = "\"states\":0" ]' "$EU" "$MIFCTL" "$(topo_eu_outer 2)"
check_fails "mask without mark refused" in_eu delete "$(topo_eu_outer 2)" mask 0xff
check "refusal says why" sh -c 'ip netns exec "$0" "$1" delete "$2" mask 1 2>&1 | grep -q "mark mask without a mark"' "$EU" "$MIFCTL" "$(topo_eu_outer 2)"
check "unprivileged caller refused" sh -c '! ip netns exec "$0" setpriv --reuid=65534 --regid=65534 --clear-groups "$1" delete "$2"' "$EU" "$MIFCTL" "$(topo_eu_outer 2)"
check "nothing changed by refusals" test "$before" = "$(ip -n "$EU" xfrm state; ip -n "$EU" xfrm policy)"

ip netns exec "$EU" "$MIFCTL" -j monitor count 1 >/tmp/mif-events.$$ &
monitor=$!
sleep 1
out=$(in_eu -j delete "$(topo_eu_outer 2)")
check "monitor saw the delete event" sh -c 'wait_ok=0; for i in $(seq 50); do grep -q "\"event\":\"delete\",\"address\":\"$1\",\"states\":2,\"policies\":2" "$0" && exit 0; sleep 0.1; done; cat "$0"; exit 1' /tmp/mif-events.$$ "$(topo_eu_outer 2)"
check "monitor exits after its count" sh -c 'for i in $(seq 50); do kill -0 "$0" 2>/dev/null || exit 0; sleep 0.1; done; exit 1' "$monitor"
kill "$monitor" 2>/dev/null
rm -f /tmp/mif-events.$$
check "unprivileged monitor refused" sh -c '! ip netns exec "$0" setpriv --reuid=65534 --regid=65534 --clear-groups "$1" monitor count 1' "$EU" "$MIFCTL"
check "delete reports 2 states" test "$(json_field states <<<"$out")" = 2
check "delete reports 2 policies" test "$(json_field policies <<<"$out")" = 2
check "4 states left" test "$(nstates "$EU")" = 4
check "4 policies left" test "$(npolicies "$EU")" = 4
check "eu2 SAs gone" sh -c '! ip -n "$0" xfrm state | grep -q -e "spi 0x00001002 " -e "spi 0x00002002 "' "$EU"
for spi in 0x00001001 0x00002001 0x00001003 0x00002003; do
	check "SA $spi kept" has_spi "$EU" "$spi"
done
check "peer untouched" test "$(nstates "$SG")" = 6
check "ping over eu1 after" topo_ping 1
check "ping over eu3 after" topo_ping 3
check "second delete finds nothing" sh -c 'ip netns exec "$0" "$1" delete "$2" | grep -q "0 states, 0 policies"' "$EU" "$MIFCTL" "$(topo_eu_outer 2)"

# Transport mode: the address appears as the selector's host.
check "transport SA" ip -n "$SG" xfrm state add src "$(topo_sg_outer 1)" dst 10.9.9.9 \
	proto esp spi 0x3001 mode transport sel src "$(topo_sg_outer 1)/32" dst 10.9.9.9/32 \
	aead 'rfc4106(gcm(aes))' "$(topo_key 0x3001)" 128
check "transport policy" ip -n "$SG" xfrm policy add src "$(topo_sg_outer 1)/32" dst 10.9.9.9/32 \
	dir out tmpl proto esp mode transport
out=$(ip netns exec "$SG" "$MIFCTL" -j delete 10.9.9.9)
check "transport: 1 state, 1 policy" test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")" = 1/1
check "tunnel SAs on the peer kept" test "$(nstates "$SG")" = 6

# One IKE SA's SAs and policies go, another's on the same address stay:
# reqid N/MASK selects an IKE SA's block of reqids.
NLRAW=${NLRAW:-$REPO_DIR/build/selftests/nlraw}
check "two IKE SAs on 10.1.9.1" topo_ike_blocks "$EU" 10.1.9.1 10.1.9.2
other=$(topo_block_ends "$EU" 2)
if [ -x "$NLRAW" ]; then
	check "reqid mask without a reqid refused, saying why" sh -c 'ip netns exec "$0" "$1" delete addr=ip:10.1.9.1 reqid_mask=u32:0xfffff000 | grep -q "^error: reqid mask without a reqid (Invalid argument) \[attr reqid_mask\]"' "$EU" "$NLRAW"
else
	skip "reqid mask without a reqid refused" "$NLRAW not built"
fi
check "the refusal deleted nothing" topo_block_on "$EU" 1 10.1.9.1
out=$(in_eu -j delete 10.1.9.1 reqid 0x1000/0xfffff000)
check "block 0x1000: 4 states, 4 policies deleted" test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")" = 4/4
check "block 0x1000 gone" test -z "$(topo_block_ends "$EU" 1)"
check "block 0x2000 untouched" test "$other" = "$(topo_block_ends "$EU" 2)"
out=$(in_eu -j delete 10.1.9.1)
check "the rest: block 0x2000" test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")" = 4/4

# Many SAs: batches larger than one walk.
check "600 SAs added" sh -c 'for i in $(seq 1 600); do echo "xfrm state add src 10.1.3.1 dst 10.1.3.2 proto esp spi $((0x10000 + i)) mode tunnel enc cbc(aes) 0x00112233445566778899aabbccddeeff"; done | ip -n "$0" -batch -' "$EU"
out=$(in_eu -j delete "$(topo_eu_outer 3)")
check "602 states deleted in one call" test "$(json_field states <<<"$out")" = 602
check "module unloads with SAs live" sh -c 'ip -n "$0" xfrm state | grep -q ^src && rmmod xfrm_mif' "$EU"

ksft_exit
