#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mifctl rewrite: an interface's address changes; every SA and policy bound
# to it moves in one call on each peer, keeping SPIs, keys and counters, and
# ESP keeps flowing. Interface 1 carries a tunnel, interface 2 an IPv4
# transport-mode SA pair, interface 3 an IPv6 transport-mode SA pair. With
# a reqid block, only one IKE SA's SAs move.
source "$(dirname "$0")/lib.sh"
source "$SELFTEST_DIR/topo.sh"

require_root
require_cmd ip ping
modprobe -q xfrm_user && modprobe -q esp4 && modprobe -q esp6 ||
	{ echo "1..0 # SKIP no ESP"; exit $KSFT_SKIP; }
check "module loads" load_module
topo_setup >/dev/null 2>&1
check "topology" test -n "$EU" -a -n "$SG"
check "tunnel over eu1" topo_tunnel 1 0x1001 0x2001

# transport NS_A NS_B A B SPI_AB SPI_BA: host-to-host ESP between A and B.
transport() {
	local a=$3 b=$4 ns len=32
	[ "${a#*:}" != "$a" ] && len=128
	for ns in "$1" "$2"; do
		ip -n "$ns" xfrm state add src "$a" dst "$b" proto esp spi "$5" reqid 7 \
			mode transport aead "rfc4106(gcm(aes))" "$(topo_key "$5")" 128 \
			sel src "$a/$len" dst "$b/$len" || return 1
		ip -n "$ns" xfrm state add src "$b" dst "$a" proto esp spi "$6" reqid 7 \
			mode transport aead "rfc4106(gcm(aes))" "$(topo_key "$6")" 128 \
			sel src "$b/$len" dst "$a/$len" || return 1
	done
	ip -n "$1" xfrm policy add src "$a/$len" dst "$b/$len" dir out \
		tmpl proto esp reqid 7 mode transport || return 1
	ip -n "$1" xfrm policy add src "$b/$len" dst "$a/$len" dir in \
		tmpl proto esp reqid 7 mode transport || return 1
	ip -n "$2" xfrm policy add src "$b/$len" dst "$a/$len" dir out \
		tmpl proto esp reqid 7 mode transport || return 1
	ip -n "$2" xfrm policy add src "$a/$len" dst "$b/$len" dir in \
		tmpl proto esp reqid 7 mode transport
}
check "IPv4 transport over eu2" transport "$EU" "$SG" 10.1.2.1 10.1.2.2 0x3001 0x4001
check "IPv6 transport over eu3" transport "$EU" "$SG" fd01:3::1 fd01:3::2 0x5001 0x6001

in_eu() { ip netns exec "$EU" "$MIFCTL" "$@"; }
in_sg() { ip netns exec "$SG" "$MIFCTL" "$@"; }
json_field() { sed -E "s/.*\"$1\":([0-9a-z]+).*/\1/"; }
packets() { topo_esp_packets "$@"; }
# oseq NS SPI: the SA's outbound sequence number.
oseq() { ip -n "$1" -s xfrm state list spi "$2" | grep -o 'oseq 0x[0-9a-f]*' | cut -d' ' -f2; }
# state_lines NS: one line per SA (addresses, SPI, mode), sorted.
state_lines() {
	ip -n "$1" xfrm state | awk '/^src/ { s = $2 " > " $4 } /proto esp/ { print s, $4, $8 }' | sort
}
ping_t() { ip netns exec "$EU" ping -q -c 2 -W 2 -I "$1" "$2" >/dev/null; }

check "ping through the tunnel before" topo_ping 1
check "IPv4 transport ping before" ping_t 10.1.2.1 10.1.2.2
check "IPv6 transport ping before" ping_t fd01:3::1 fd01:3::2

# --- refusals change nothing ---
# an SA with eu1's inbound SPI already at 10.1.1.99
ip -n "$EU" xfrm state add src 10.1.1.2 dst 10.1.1.99 proto esp spi 0x2001 \
	mode tunnel aead "rfc4106(gcm(aes))" "$(topo_key 9)" 128
before_eu=$(ip -n "$EU" xfrm state; ip -n "$EU" xfrm policy)
check_fails "family change refused" in_eu rewrite 10.1.1.1 fd01:1::11
check_fails "same address refused" in_eu rewrite 10.1.1.1 10.1.1.1
check "refusal says why" sh -c 'ip netns exec "$0" "$1" rewrite 10.1.1.1 10.1.1.1 2>&1 | grep -q "old and new address are the same"' "$EU" "$MIFCTL"
check_fails "SPI taken at the new address refused" in_eu rewrite 10.1.1.1 10.1.1.99
check "conflict says why" sh -c 'ip netns exec "$0" "$1" rewrite 10.1.1.1 10.1.1.99 2>&1 | grep -q "same SPI exists"' "$EU" "$MIFCTL"
check_fails "bad port refused" in_eu rewrite 10.1.1.1 10.1.1.11 port 0
check "unprivileged caller refused" sh -c '! ip netns exec "$0" setpriv --reuid=65534 --regid=65534 --clear-groups "$1" rewrite 10.1.1.1 10.1.1.11' "$EU" "$MIFCTL"
check "root of a user namespace refused" sh -c '! ip netns exec "$0" unshare -Ur "$1" rewrite 10.1.1.1 10.1.1.11' "$EU" "$MIFCTL"
out=$(in_eu -j rewrite 10.1.1.1 10.1.1.11 dry-run)
check "dry run counts 2 states" test "$(json_field states <<<"$out")" = 2
check "dry run counts 2 policies" test "$(json_field policies <<<"$out")" = 2
check "nothing changed so far" test "$before_eu" = "$(ip -n "$EU" xfrm state; ip -n "$EU" xfrm policy)"
ip -n "$EU" xfrm state del src 10.1.1.2 dst 10.1.1.99 proto esp spi 0x2001

# --- tunnel: eu1 moves from 10.1.1.1 to 10.1.1.11 ---
out_before=$(oseq "$EU" 0x00001001)
sg_in_before=$(packets "$SG" 0x00001001)
others_eu=$(state_lines "$EU" | grep -v -e 10.1.1.1 -e 10.1.1.2)
ip netns exec "$EU" sysctl -qw net.ipv4.conf.eu1.promote_secondaries=1
ip -n "$EU" addr add 10.1.1.11/24 dev eu1
ip netns exec "$EU" "$MIFCTL" -j monitor count 1 >/tmp/mif-rw-events.$$ &
monitor=$!
sleep 1
out=$(in_eu -j rewrite 10.1.1.1 10.1.1.11)
check "EU moved 2 states" test "$(json_field states <<<"$out")" = 2
check "EU moved 2 policies" test "$(json_field policies <<<"$out")" = 2
out=$(in_sg -j rewrite 10.1.1.1 10.1.1.11)
check "SG moved 2 states" test "$(json_field states <<<"$out")" = 2
check "SG moved 2 policies" test "$(json_field policies <<<"$out")" = 2
check "monitor saw the rewrite" sh -c 'for i in $(seq 50); do grep -q "\"event\":\"rewrite\",\"new_address\":\"10.1.1.11\",\"address\":\"10.1.1.1\",\"states\":2,\"policies\":2" "$0" && exit 0; sleep 0.1; done; cat "$0"; exit 1' /tmp/mif-rw-events.$$
kill "$monitor" 2>/dev/null
rm -f /tmp/mif-rw-events.$$
ip -n "$EU" addr del 10.1.1.1/24 dev eu1
check "SPIs kept" sh -c 'ip -n "$0" xfrm state | grep -A1 "src 10.1.1.11 dst 10.1.1.2" | grep -q "spi 0x00001001"' "$EU"
check "no state left at 10.1.1.1" sh -c '! ip -n "$0" xfrm state | grep -q "10.1.1.1 "; ! ip -n "$1" xfrm state | grep -q "10.1.1.1 "' "$EU" "$SG"
check "EU policy templates moved" sh -c '[ "$(ip -n "$0" xfrm policy | grep -cw "10.1.1.11")" = 2 ]' "$EU"
check "SG policy templates moved" sh -c '[ "$(ip -n "$0" xfrm policy | grep -cw "10.1.1.11")" = 2 ]' "$SG"
check "other SAs untouched" test "$others_eu" = "$(state_lines "$EU" | grep -v -e 10.1.1.11 -e 10.1.1.2)"
check "six SAs on each side" sh -c '[ "$(ip -n "$0" xfrm state | grep -c ^src)" = 6 ] && [ "$(ip -n "$1" xfrm state | grep -c ^src)" = 6 ]' "$EU" "$SG"
check "ping through the tunnel after" topo_ping 1
check "sequence numbers continue" test $((16#${out_before#0x})) -lt $((16#$(oseq "$EU" 0x00001001 | sed 's/^0x//')))
check "peer's counters continue" test "$(packets "$SG" 0x00001001)" -gt "$sg_in_before"

# --- IPv4 transport: eu2 moves from 10.1.2.1 to 10.1.2.11 ---
ip -n "$EU" addr add 10.1.2.11/24 dev eu2
out=$(in_eu -j rewrite 10.1.2.1 10.1.2.11)
check "EU moved transport SAs and selectors" test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")" = 2/2
out=$(in_sg -j rewrite 10.1.2.1 10.1.2.11)
check "SG moved transport SAs and selectors" test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")" = 2/2
check "transport selectors moved" sh -c 'ip -n "$0" xfrm policy | grep -q "src 10.1.2.11/32 dst 10.1.2.2/32" && ip -n "$0" xfrm state | grep -q "sel src 10.1.2.11/32 dst 10.1.2.2/32"' "$EU"
before=$(packets "$SG" 0x00003001)
check "IPv4 transport ping after" ping_t 10.1.2.11 10.1.2.2
check "over ESP" test "$(packets "$SG" 0x00003001)" -gt "$before"

# --- IPv6 transport, with UDP encapsulation added on the way ---
ip -n "$EU" addr add fd01:3::11/64 dev eu3 nodad
check "EU moved IPv6 transport" sh -c 'ip netns exec "$0" "$1" rewrite fd01:3::1 fd01:3::11 | grep -q "2 states, 2 policies"' "$EU" "$MIFCTL"
check "SG moved IPv6 transport" sh -c 'ip netns exec "$0" "$1" rewrite fd01:3::1 fd01:3::11 | grep -q "2 states, 2 policies"' "$SG" "$MIFCTL"
check "IPv6 transport ping after" ping_t fd01:3::11 fd01:3::2
check "second rewrite finds nothing" sh -c 'ip netns exec "$0" "$1" rewrite fd01:3::1 fd01:3::12 | grep -q "0 states, 0 policies"' "$EU" "$MIFCTL"

# --- filters and ports ---
out=$(in_eu -j rewrite 10.1.1.11 10.1.1.12 reqid 9 dry-run)
check "reqid filter that matches nothing" test "$(json_field states <<<"$out")" = 0
check "port sets UDP encapsulation" sh -c 'ip netns exec "$0" "$1" rewrite 10.1.2.11 10.1.2.12 port 4500 peer-port 4501 >/dev/null && ip -n "$0" xfrm state | grep -q "encap type espinudp sport 4500 dport 4501"' "$EU" "$MIFCTL"

# --- UDP encapsulation is for ESP: AH refused, IPcomp moved as it is ---
if modprobe -q ah4 && modprobe -q ipcomp; then
	ip -n "$EU" xfrm state add src 10.1.7.1 dst 10.1.7.2 proto ah spi 0x7001 \
		mode transport auth "hmac(sha256)" "$(topo_key 0x7001)"
	before=$(ip -n "$EU" xfrm state)
	check_fails "AH with ports refused" in_eu rewrite 10.1.7.1 10.1.7.11 port 4500 peer-port 4500
	check "AH refusal says why" sh -c 'ip netns exec "$0" "$1" rewrite 10.1.7.1 10.1.7.11 port 4500 peer-port 4500 2>&1 | grep -q "AH SA cannot be UDP-encapsulated"' "$EU" "$MIFCTL"
	check "AH refusal changed nothing" test "$before" = "$(ip -n "$EU" xfrm state)"
	check "AH moves without ports" sh -c 'ip netns exec "$0" "$1" rewrite 10.1.7.1 10.1.7.11 | grep -q "1 states"' "$EU" "$MIFCTL"
	ip -n "$EU" xfrm state add src 10.1.6.1 dst 10.1.6.2 proto esp spi 0x6001 \
		mode transport aead "rfc4106(gcm(aes))" "$(topo_key 0x6001)" 128
	ip -n "$EU" xfrm state add src 10.1.6.1 dst 10.1.6.2 proto comp spi 0x6002 \
		mode transport comp deflate
	check "ESP and IPcomp move with ports" sh -c 'ip netns exec "$0" "$1" rewrite 10.1.6.1 10.1.6.11 port 4500 peer-port 4500 | grep -q "2 states"' "$EU" "$MIFCTL"
	check "ESP gained UDP encapsulation" sh -c 'ip -n "$0" xfrm state list proto esp spi 0x6001 | grep -q "encap type espinudp sport 4500 dport 4500"' "$EU"
	check "IPcomp moved without" sh -c 'ip -n "$0" xfrm state list proto comp | grep -q "src 10.1.6.11 dst 10.1.6.2" && ! ip -n "$0" xfrm state list proto comp | grep -q encap' "$EU"
else
	skip "UDP encapsulation per protocol" "no AH or IPcomp"
fi

# --- XFRM's own listeners hear each SA and policy that moved ---
ip -n "$EU" xfrm monitor SA policy >/tmp/rewrite-monitor.txt 2>&1 &
mon=$!
sleep 0.5
in_eu rewrite 10.1.2.12 10.1.2.13 >/dev/null
sleep 0.5
kill "$mon"; wait "$mon" 2>/dev/null || true
sa_lines() { grep -c -e "^$1src 10.1.2.$2 dst 10.1.2.2 *\$" -e "^$1src 10.1.2.2 dst 10.1.2.$2 *\$" /tmp/rewrite-monitor.txt; }
check "ip xfrm monitor sees the new SAs" test "$(sa_lines "" 13)" = 2
check "and the old ones deleted" test "$(sa_lines "Deleted " 12)" = 2
check "and the moved policies" grep -q 'src 10.1.2.13/32 dst 10.1.2.2/32' /tmp/rewrite-monitor.txt

# --- a rewrite that fails late changes nothing and tells nobody ---
# Two transport policies whose selectors both become 10.1.5.11 -> 10.1.5.11:
# each is free at the new address, but not both, which only inserting the
# second copy finds out, after the SAs have their copies.
ip -n "$EU" xfrm state add src 10.1.5.1 dst 10.1.5.2 proto esp spi 0x5001 \
	mode transport aead "rfc4106(gcm(aes))" "$(topo_key 0x5001)" 128
ip -n "$EU" xfrm state add src 10.1.5.2 dst 10.1.5.1 proto esp spi 0x5002 \
	mode transport aead "rfc4106(gcm(aes))" "$(topo_key 0x5002)" 128
ip -n "$EU" xfrm policy add src 10.1.5.1/32 dst 10.1.5.2/32 dir out \
	tmpl proto esp reqid 5 mode transport
ip -n "$EU" xfrm policy add src 10.1.5.1/32 dst 10.1.5.11/32 dir out \
	tmpl proto esp reqid 5 mode transport
ip -n "$EU" xfrm policy add src 10.1.5.11/32 dst 10.1.5.1/32 dir out \
	tmpl proto esp reqid 5 mode transport
before=$(ip -n "$EU" xfrm state; ip -n "$EU" xfrm policy)
ip -n "$EU" xfrm monitor SA policy >/tmp/rewrite-late.$$ 2>&1 &
mon=$!
sleep 0.5
check_fails "colliding policy copies refused" in_eu rewrite 10.1.5.1 10.1.5.11
sleep 0.5
kill "$mon"; wait "$mon" 2>/dev/null || true
check "late refusal says why" sh -c 'ip netns exec "$0" "$1" rewrite 10.1.5.1 10.1.5.11 2>&1 | grep -q "same selector"' "$EU" "$MIFCTL"
check "late refusal changed nothing" test "$before" = "$(ip -n "$EU" xfrm state; ip -n "$EU" xfrm policy)"
check "late refusal told nobody" sh -c '! grep . "$0"' /tmp/rewrite-late.$$
rm -f /tmp/rewrite-late.$$

# --- a softly expired SA does not expire softly again once moved ---
ip -n "$EU" xfrm monitor expire >/tmp/rewrite-expire.$$ 2>&1 &
mon=$!
sleep 0.5
ip -n "$EU" xfrm state add src 10.1.8.1 dst 10.1.8.2 proto esp spi 0x8001 \
	mode tunnel aead "rfc4106(gcm(aes))" "$(topo_key 0x8001)" 128 \
	limit time-soft 2 limit time-hard 600
check "soft expiry before the move" sh -c 'for i in $(seq 100); do grep -q "hard 0" "$0" && exit 0; sleep 0.1; done; exit 1' /tmp/rewrite-expire.$$
check "dying SA moved" sh -c 'ip netns exec "$0" "$1" rewrite 10.1.8.1 10.1.8.11 | grep -q "1 states"' "$EU" "$MIFCTL"
sleep 3	# the copy's lifetime timer first runs a second after it is added
kill "$mon"; wait "$mon" 2>/dev/null || true
check "no second soft expiry" sh -c '[ "$(grep -c "hard 0" "$0")" = 1 ] || { cat "$0"; exit 1; }' /tmp/rewrite-expire.$$
rm -f /tmp/rewrite-expire.$$

# --- one IKE SA's SAs and policies move, another's on the same address
# stay: reqid N/MASK selects an IKE SA's block of reqids ---
NLRAW=${NLRAW:-$REPO_DIR/build/selftests/nlraw}
check "two IKE SAs on 10.1.9.1" topo_ike_blocks "$EU" 10.1.9.1 10.1.9.2
other=$(topo_block_ends "$EU" 2)
out=$(in_eu -j rewrite 10.1.9.1 10.1.9.11 reqid 0x1000/0xfffff000 dry-run)
check "block 0x1000: dry run counts 4 states, 4 policies" test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")" = 4/4
check "dry run moved nothing" topo_block_on "$EU" 1 10.1.9.1
out=$(in_eu -j rewrite 10.1.9.1 10.1.9.11 reqid 0x1000/0xfffff000)
check "block 0x1000: 4 states, 4 policies moved" test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")" = 4/4
check "block 0x1000 on 10.1.9.11" topo_block_on "$EU" 1 10.1.9.11
check "block 0x2000 untouched" test "$other" = "$(topo_block_ends "$EU" 2)"
out=$(in_eu -j rewrite 10.1.9.1 10.1.9.12 reqid 0x2002)
check "an exact reqid: one child, 2 states, 2 policies" test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")" = 2/2
before=$(ip -n "$EU" xfrm state; ip -n "$EU" xfrm policy)
if [ -x "$NLRAW" ]; then
	check "reqid mask without a reqid refused, saying why" sh -c 'ip netns exec "$0" "$1" rewrite addr=ip:10.1.9.1 new_addr=ip:10.1.9.13 reqid_mask=u32:0xfffff000 | grep -q "^error: reqid mask without a reqid (Invalid argument) \[attr reqid_mask\]"' "$EU" "$NLRAW"
else
	skip "reqid mask without a reqid refused" "$NLRAW not built"
fi
check "the refusal moved nothing" test "$before" = "$(ip -n "$EU" xfrm state; ip -n "$EU" xfrm policy)"

ksft_exit
