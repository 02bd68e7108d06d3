#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mifctl clone: the SAs and policies of one interface are copied onto a new
# interface in one call, with new SPIs and keys, on both peers; traffic flows
# over the new interface and still over the old one. Refusals change nothing.
source "$(dirname "$0")/lib.sh"
source "$SELFTEST_DIR/topo.sh"

require_root
require_cmd ip ping
modprobe -q xfrm_user && modprobe -q esp4 || { echo "1..0 # SKIP no ESP"; exit $KSFT_SKIP; }
modprobe -q esp6
check "module loads" load_module
topo_setup >/dev/null 2>&1
check "topology" test -n "$EU" -a -n "$SG"
check "tunnel 1 set up" topo_tunnel 1 0x1001 0x2001
check "ping over eu1 before" topo_ping 1

nstates() { ip -n "$1" xfrm state | grep -c '^src'; }
npolicies() { ip -n "$1" xfrm policy | grep -c '^src'; }
has_spi() { ip -n "$1" xfrm state | grep -q "spi $2 "; }
json_field() { sed -E "s/.*\"$1\":([0-9a-z]+).*/\1/"; }
# mifctl_in NS ARGS...: mifctl ARGS in NS; the sa entries of a clone, with
# their keys, go on standard input (keys-file -), one a line, never on the
# command line. Run as ${MIFCTL_AS[@]}, if set.
mifctl_in() {
	local ns=$1 argv=() lines=""
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		sa)	lines+=$'\n'"sa $2 $3"; shift 3 ;;
		proto|dst|enc|auth|port|peer-port)
			if [ -n "$lines" ]; then lines+=" $1 $2"; else argv+=("$1" "$2"); fi
			shift 2 ;;
		*)	argv+=("$1"); shift ;;
		esac
	done
	[ -n "$lines" ] && argv+=(keys-file -)
	ip netns exec "$ns" "${MIFCTL_AS[@]}" "$MIFCTL" "${argv[@]}" <<<"$lines"
}
in_eu() { mifctl_in "$EU" "$@"; }
in_sg() { mifctl_in "$SG" "$@"; }
snapshot() { ip -n "$1" xfrm state; ip -n "$1" xfrm policy; }
key() { topo_key "$1"; }
# refused NAME MESSAGE CMD...: CMD fails, saying MESSAGE.
refused() {
	local name=$1 msg=$2
	shift 2
	check "$name" refused_with "$msg" "$@"
}
refused_with() {
	local msg=$1 out
	shift
	! out=$("$@" 2>&1) || { echo "not refused: $out"; return 1; }
	grep -q -- "$msg" <<<"$out" || { echo "$out"; return 1; }
}
# states_are N OUT: the JSON reply OUT counts N states.
states_are() { [ "$(json_field states <<<"$2")" = "$1" ] || { echo "$2"; return 1; }; }
# packets_grew NS SPI BEFORE: the SA counted more packets than BEFORE.
packets_grew() { [ "$(topo_esp_packets "$1" "$2")" -gt "$3" ]; }

eu1=$(topo_eu_outer 1) sg1=$(topo_sg_outer 1)
eu2=$(topo_eu_outer 2) sg2=$(topo_sg_outer 2)
in2=$(topo_eu_inner 2)

# The peer already has, at EU, the outbound policy the clone would make:
# that copy is skipped, the other one made.
check "existing policy" ip -n "$EU" xfrm policy add src "$in2/32" dst "$TOPO_SG_INNER/32" \
	dir out tmpl src "$eu2" dst "$sg2" proto esp reqid 1 mode tunnel

# EU: SA 0x1001 goes out to SG, 0x2001 comes in.
eu_clone=(clone "$eu2" from "$eu1" peer "$sg2" inner "$in2"
	sa 0x1001 0x1102 enc "$(key 0x1102)" sa 0x2001 0x2102 enc "$(key 0x2102)")
before=$(snapshot "$EU")

out=$(in_eu -j "${eu_clone[@]}" dry-run)
check "dry run counts 2 states" test "$(json_field states <<<"$out")" = 2
check "dry run counts 1 policy" test "$(json_field policies <<<"$out")" = 1
check "dry run counts 1 skipped" test "$(json_field skipped <<<"$out")" = 1
check "dry run changes nothing" test "$before" = "$(snapshot "$EU")"

refused "missing entry refused" "no clone entry for an SA: SA 0x00002001" \
	in_eu clone "$eu2" from "$eu1" peer "$sg2" inner "$in2" \
	sa 0x1001 0x1102 enc "$(key 0x1102)"
refused "missing key refused" "no new encryption key for an SA: SA 0x00002001" \
	in_eu clone "$eu2" from "$eu1" peer "$sg2" inner "$in2" \
	sa 0x1001 0x1102 enc "$(key 0x1102)" sa 0x2001 0x2102
refused "wrong key length refused" "new key of another length than the SA's" \
	in_eu clone "$eu2" from "$eu1" peer "$sg2" inner "$in2" \
	sa 0x1001 0x1102 enc 0x0011 sa 0x2001 0x2102 enc "$(key 0x2102)"
refused "key of the source refused" "is the SA's own key" \
	in_eu clone "$eu2" from "$eu1" peer "$sg2" inner "$in2" \
	sa 0x1001 0x1102 enc "$(key 0x1001)" sa 0x2001 0x2102 enc "$(key 0x2102)"
refused "SPI in use refused" "new SPI is in use at its destination: SA 0x00001001" \
	in_eu clone "$eu2" from "$eu1" inner "$in2" \
	sa 0x1001 0x1001 enc "$(key 0x1102)" sa 0x2001 0x2102 enc "$(key 0x2102)"
refused "entry without SA refused" "entry matches no SA bound to the FROM addresses: SA 0x00009999" \
	in_eu "${eu_clone[@]}" sa 0x9999 0x9998 enc "$(key 0x9998)"
refused "two entries for one SA refused" "two clone entries for one SA: SA 0x00001001" \
	in_eu "${eu_clone[@]}" sa 0x1001 0x1103 enc "$(key 0x1103)"
refused "new address in FROM refused" "source address is the new address" \
	in_eu clone "$eu1" from "$eu1"
unprivileged() {
	local MIFCTL_AS=(setpriv --reuid=65534 --regid=65534 --clear-groups) out
	! out=$(mifctl_in "$EU" "$@" 2>&1) || return 1
	echo "$out"
	grep -q "Operation not permitted" <<<"$out"
}
check "unprivileged caller refused" unprivileged "${eu_clone[@]}"
check "usage error exits 2" sh -c 'echo "sa 1 2 enc 0xabc" | ip netns exec "$0" "$1" clone "$2" from "$3" keys-file -; [ $? -eq 2 ]' \
	"$EU" "$MIFCTL" "$eu2" "$eu1"
refused "a key on the command line refused" "no keys on the command line" \
	ip netns exec "$EU" "$MIFCTL" clone "$eu2" from "$eu1" sa 0x1001 0x1102 enc "$(key 0x1102)"
check "a key on the command line: exit 2" sh -c 'ip netns exec "$0" "$1" clone "$2" from "$3" sa 1 2 enc 0x00; [ $? -eq 2 ]' \
	"$EU" "$MIFCTL" "$eu2" "$eu1"
keys=$(mktemp /tmp/mif-clone-keys.XXXXXX)
printf '# SA 0x1001 out, 0x2001 in\nsa 0x1001 0x1102 enc %s\n\nsa 0x2001 0x2102 enc %s  # in\n' \
	"$(key 0x1102)" "$(key 0x2102)" >"$keys"
out=$(ip netns exec "$EU" "$MIFCTL" -j clone "$eu2" from "$eu1" peer "$sg2" inner "$in2" \
	keys-file "$keys" dry-run)
check "keys from a file, comments and blank lines: dry run 2 states" states_are 2 "$out"
rm -f "$keys"
check "nothing changed by refusals" test "$before" = "$(snapshot "$EU")"

ip netns exec "$EU" "$MIFCTL" -j monitor count 1 >/tmp/mif-clone-events.$$ &
monitor=$!
sleep 1
out=$(in_eu -j "${eu_clone[@]}")
check "EU clone: 2 states" test "$(json_field states <<<"$out")" = 2
check "EU clone: 1 policy" test "$(json_field policies <<<"$out")" = 1
check "EU clone: 1 policy skipped" test "$(json_field skipped <<<"$out")" = 1
check "monitor saw the clone event" sh -c 'for i in $(seq 50); do grep -q "\"event\":\"clone\",\"address\":\"$1\",\"states\":2,\"policies\":1" "$0" && exit 0; sleep 0.1; done; cat "$0"; exit 1' \
	/tmp/mif-clone-events.$$ "$eu2"
kill "$monitor" 2>/dev/null
rm -f /tmp/mif-clone-events.$$
check "EU has 4 states" test "$(nstates "$EU")" = 4
check "EU has 4 policies" test "$(npolicies "$EU")" = 4
check "EU copy has new addresses" sh -c 'ip -n "$0" xfrm state list spi 0x1102 | grep -q "src $1 dst $2"' "$EU" "$eu2" "$sg2"
check "EU copy has the new key" sh -c 'ip -n "$0" xfrm state list spi 0x2102 | grep -q "$1"' "$EU" "$(key 0x2102)"
check "EU inbound policy copy" sh -c 'ip -n "$0" xfrm policy list dir in | grep -A2 "dst $1/32" | grep -q "src $2 dst $3"' \
	"$EU" "$in2" "$sg2" "$eu2"
refused "SPI in use on a second clone" "new SPI is in use at its destination: SA 0x00001102" \
	in_eu "${eu_clone[@]}"

# SG clones the mirror image: its peer's inner address changes.
out=$(in_sg -j clone "$sg2" from "$sg1" peer "$eu2" peer-inner "$in2" \
	sa 0x1001 0x1102 enc "$(key 0x1102)" sa 0x2001 0x2102 enc "$(key 0x2102)")
check "SG clone: 2 states, 2 policies, 0 skipped" \
	test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")/$(json_field skipped <<<"$out")" = 2/2/0
ip -n "$SG" route replace "$in2/32" dev sg2
old_out=$(topo_esp_packets "$EU" 0x00001001)
check "ping over the new interface" topo_ping 2
check "EU new outbound SA carried ESP" packets_grew "$EU" 0x00001102 0
check "EU new inbound SA carried ESP" packets_grew "$EU" 0x00002102 0
check "SG new inbound SA carried ESP" packets_grew "$SG" 0x00001102 0
check "old SA carried nothing new" test "$(topo_esp_packets "$EU" 0x00001001)" = "$old_out"
check "ping over eu1 after" topo_ping 1
check "old SA still carries ESP" packets_grew "$EU" 0x00001001 "$old_out"

# Two source addresses whose policy copies collide: the first listed wins.
# (10.1.3.21 needs to be no local address for XFRM.)
two_from=(clone 10.1.3.21 from "$eu1" "$eu2" inner 172.16.9.1
	sa 0x1001 0x1201 enc "$(key 0x1201)" sa 0x2001 0x2201 enc "$(key 0x2201)"
	sa 0x1102 0x1202 enc "$(key 0x1202)" sa 0x2102 0x2202 enc "$(key 0x2202)")
before=$(snapshot "$EU")
out=$(in_eu -j "${two_from[@]}" dry-run)
check "two sources: dry run 4 states, 2 policies, 2 skipped" \
	test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")/$(json_field skipped <<<"$out")" = 4/2/2
check "two sources: dry run changes nothing" test "$before" = "$(snapshot "$EU")"
out=$(in_eu -j "${two_from[@]}")
check "two sources: 4 states, 2 policies, 2 skipped" \
	test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")/$(json_field skipped <<<"$out")" = 4/2/2
check "two sources: the first address's policy was copied" sh -c 'ip -n "$0" xfrm policy list dir out | grep -A2 "src 172.16.9.1/32" | grep -q "tmpl src 10.1.3.21 dst $1"' \
	"$EU" "$sg1"
check "two sources: 8 states, 6 policies" test "$(nstates "$EU")/$(npolicies "$EU")" = 8/6
out=$(in_eu -j delete 10.1.3.21)
check "two sources: copies deleted" test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")" = 4/2

# Keys are unique across the whole request: no two copies share one, and no
# copy has the key of another source SA (fresh counters on a shared key
# would repeat AEAD nonces).
refused "one new key for two copies refused" "new key given twice in the request" \
	in_eu clone 10.1.3.31 from "$eu1" dry-run \
	sa 0x1001 0x1501 enc "$(key 0x1501)" sa 0x2001 0x2501 enc "$(key 0x1501)"
refused "another source SA's key refused" "new key is the key of another source SA" \
	in_eu clone 10.1.3.31 from "$eu1" dry-run \
	sa 0x1001 0x1501 enc "$(key 0x2001)" sa 0x2001 0x2501 enc "$(key 0x2501)"

# An inbound SPI reserved with XFRM_MSG_ALLOCSPI (a larval SA) is taken over
# by the clone, as XFRM_MSG_UPDSA would; a refused clone leaves it alone.
# (a larval SA lives net.core.xfrm_acq_expires seconds: long enough here)
ip netns exec "$EU" sysctl -qw net.core.xfrm_acq_expires=600
check "SPI reserved with allocspi" ip -n "$EU" xfrm state allocspi src 10.1.3.32 dst 10.1.3.31 \
	proto esp mode tunnel reqid 1 min 0x2401 max 0x2401
check "the reservation is a larval SA" sh -c 'ip -n "$0" xfrm state list spi 0x2401 | grep -q "^src 10.1.3.32 dst 10.1.3.31" &&
	! ip -n "$0" xfrm state list spi 0x2401 | grep -q aead' "$EU"
larval_clone=(clone 10.1.3.31 from "$eu1" peer 10.1.3.32
	sa 0x1001 0x1401 enc "$(key 0x1401)" sa 0x2001 0x2401 enc "$(key 0x2401)")
refused "refused clone onto a reserved SPI" "new key given twice in the request" \
	in_eu clone 10.1.3.31 from "$eu1" peer 10.1.3.32 \
	sa 0x1001 0x1401 enc "$(key 0x2401)" sa 0x2001 0x2401 enc "$(key 0x2401)"
check "a refused clone leaves the reservation" sh -c '[ "$(ip -n "$0" xfrm state list spi 0x2401 | grep -c "^src")" = 1 ] &&
	! ip -n "$0" xfrm state list spi 0x2401 | grep -q aead' "$EU"
out=$(in_eu -j "${larval_clone[@]}" dry-run 2>&1)
check "dry run onto a reserved SPI: 2 states" states_are 2 "$out"
out=$(in_eu -j "${larval_clone[@]}" 2>&1)
check "clone onto a reserved SPI: 2 states" states_are 2 "$out"
check "the copy took the reservation's place" sh -c '[ "$(ip -n "$0" xfrm state list spi 0x2401 | grep -c "^src")" = 1 ] &&
	ip -n "$0" xfrm state list spi 0x2401 | grep -q "$1"' "$EU" "$(key 0x2401)"
check "reserved-SPI copies deleted" sh -c 'ip netns exec "$0" "$1" delete 10.1.3.31 | grep -q "2 states"' "$EU" "$MIFCTL"

# UDP encapsulation on the new path: ports for every ESP copy, per entry,
# or none at all; an SA without encapsulation needs both ports to gain it.
encap_of() { ip -n "$EU" xfrm state list spi "$1" | grep -o 'encap type espinudp sport [0-9]* dport [0-9]*'; }
refused "one port cannot add encapsulation" "needs both ports to gain it" \
	in_eu clone 10.1.3.31 from "$eu1" port 4500 dry-run \
	sa 0x1001 0x1601 enc "$(key 0x1601)" sa 0x2001 0x2601 enc "$(key 0x2601)"
out=$(in_eu -j clone 10.1.3.31 from "$eu1" peer 10.1.3.32 port 4500 peer-port 4501 \
	sa 0x1001 0x1601 enc "$(key 0x1601)" sa 0x2001 0x2601 enc "$(key 0x2601)" port 4600 2>&1)
check "clone with encapsulation: 2 states" states_are 2 "$out"
check "outbound copy: our port is its source" test "$(encap_of 0x1601)" = "encap type espinudp sport 4500 dport 4501"
check "inbound copy: its entry's port" test "$(encap_of 0x2601)" = "encap type espinudp sport 4501 dport 4600"
out=$(in_eu -j clone 10.1.3.33 from 10.1.3.31 port 0 peer-port 0 \
	sa 0x1601 0x1701 enc "$(key 0x1701)" sa 0x2601 0x2701 enc "$(key 0x2701)" 2>&1)
check "clone without encapsulation: 2 states" states_are 2 "$out"
check "ports 0 drop the encapsulation" sh -c '! ip -n "$0" xfrm state list spi 0x1701 | grep -q encap &&
	ip -n "$0" xfrm state list spi 0x1701 | grep -q "^src 10.1.3.33"' "$EU"
check "encapsulated copies deleted" sh -c 'ip netns exec "$0" "$1" delete 10.1.3.31 >/dev/null &&
	ip netns exec "$0" "$1" delete 10.1.3.33 | grep -q "2 states"' "$EU" "$MIFCTL"

# IPcomp: a CPI has 16 bits.
modprobe -q ipcomp 2>/dev/null
if ip -n "$EU" xfrm state add src 10.1.3.41 dst 10.1.3.42 proto comp spi 0x4001 \
		mode transport comp deflate 2>/dev/null; then
	refused "IPcomp CPI above 0xffff refused" "CPI above 0xffff" \
		in_eu clone 10.1.3.43 from 10.1.3.41 dry-run \
		sa 0x4001 0x14001 proto comp
	out=$(in_eu -j clone 10.1.3.43 from 10.1.3.41 sa 0x4001 0x4101 proto comp 2>&1)
	check "IPcomp clone: 1 state" states_are 1 "$out"
	check "IPcomp copy has its CPI" sh -c 'ip -n "$0" xfrm state list proto comp spi 0x4101 | grep -q "^src 10.1.3.43 dst 10.1.3.42"' "$EU"
	ip -n "$EU" xfrm state flush proto comp
else
	skip "IPcomp CPI above 0xffff refused" "no IPcomp"
fi
check "nothing left of these clones" test "$(nstates "$EU")" = 4

# An interface with many SAs is cloned in one request (larger than libnl's
# default message and socket buffer).
for ((i = 1; i <= 400; i++)); do
	echo "xfrm state add src 10.1.3.51 dst 10.1.3.52 proto esp spi $((0x50000 + i)) mode tunnel aead 'rfc4106(gcm(aes))' $(key $((0x50000 + i))) 128"
done >/tmp/mif-clone-many.$$
check "400 SAs on one address" ip -n "$EU" -batch /tmp/mif-clone-many.$$
rm -f /tmp/mif-clone-many.$$
many=()
for ((i = 1; i <= 400; i++)); do
	many+=(sa $((0x50000 + i)) $((0x60000 + i)) enc "$(key $((0x60000 + i)))")
done
out=$(in_eu -j clone 10.1.3.53 from 10.1.3.51 "${many[@]}" 2>&1)
check "400 SAs cloned in one request" states_are 400 "$out"
in_eu delete 10.1.3.51 >/dev/null
in_eu delete 10.1.3.53 >/dev/null

# One IKE SA's SAs and policies are cloned, another's on the same address
# are not: reqid N/MASK selects an IKE SA's block of reqids. Copies of the
# block's SAs get SPIs 0x30000 + reqid (out) and 0x40000 + reqid (in); the
# children's policies share their copies' selector (inner 172.20.9.1), so
# one copy each way is made, the other skipped.
NLRAW=${NLRAW:-$REPO_DIR/build/selftests/nlraw}
counts_before="$(nstates "$EU")/$(npolicies "$EU")"
check "two IKE SAs on 10.1.9.1" topo_ike_blocks "$EU" 10.1.9.1 10.1.9.2
block1=()
for r in 0x1001 0x1002; do
	block1+=(sa $((0x10000 + r)) $((0x30000 + r)) enc "$(key $((0x30000 + r)))"
		sa $((0x20000 + r)) $((0x40000 + r)) enc "$(key $((0x40000 + r)))")
done
other=$(topo_block_ends "$EU" 2)
before=$(snapshot "$EU")
refused "without the block, the other IKE SA's SAs need entries" "no clone entry for an SA: SA 0x000" \
	in_eu clone 10.1.9.21 from 10.1.9.1 inner 172.20.9.1 "${block1[@]}"
if [ -x "$NLRAW" ]; then
	check "reqid mask without a reqid refused, saying why" sh -c 'ip netns exec "$0" "$1" clone from=ips:10.1.9.1 new_addr=ip:10.1.9.21 reqid_mask=u32:0xfffff000 | grep -q "^error: reqid mask without a reqid (Invalid argument) \[attr reqid_mask\]"' "$EU" "$NLRAW"
else
	skip "reqid mask without a reqid refused" "$NLRAW not built"
fi
check "the refusals changed nothing" test "$before" = "$(snapshot "$EU")"
out=$(in_eu -j clone 10.1.9.21 from 10.1.9.1 inner 172.20.9.1 reqid 0x1000/0xfffff000 "${block1[@]}")
check "block 0x1000: 4 states, 2 policies, 2 skipped" \
	test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")/$(json_field skipped <<<"$out")" = 4/2/2
check "block 0x1000's copies on 10.1.9.21" sh -c '[ "$(ip -n "$0" xfrm state | grep -c "^src 10.1.9.21 \|dst 10.1.9.21$")" = 4 ] &&
	[ "$(ip -n "$0" xfrm state list reqid 4097 | grep -c "10.1.9.21")" = 2 ] &&
	[ "$(ip -n "$0" xfrm state list reqid 4098 | grep -c "10.1.9.21")" = 2 ]' "$EU"
check "block 0x2000 untouched, and not cloned" test "$other" = "$(topo_block_ends "$EU" 2)"
in_eu delete 10.1.9.1 >/dev/null
in_eu delete 10.1.9.21 >/dev/null
check "nothing left of the IKE SAs" test "$(nstates "$EU")/$(npolicies "$EU")" = "$counts_before"

# Transport mode, IPv4 and IPv6: selectors name the outer addresses.
# transport NS SRC DST SPI_OUT SPI_IN LEN: SAs and policies of one side.
transport() {
	local ns=$1 s=$2 d=$3 so=$4 si=$5 len=$6
	ip -n "$ns" xfrm state add src "$s" dst "$d" proto esp spi "$so" mode transport \
		sel src "$s/$len" dst "$d/$len" aead 'rfc4106(gcm(aes))' "$(key "$so")" 128 &&
	ip -n "$ns" xfrm state add src "$d" dst "$s" proto esp spi "$si" mode transport \
		sel src "$d/$len" dst "$s/$len" aead 'rfc4106(gcm(aes))' "$(key "$si")" 128 &&
	ip -n "$ns" xfrm policy add src "$s/$len" dst "$d/$len" dir out tmpl proto esp mode transport &&
	ip -n "$ns" xfrm policy add src "$d/$len" dst "$s/$len" dir in tmpl proto esp mode transport
}
# transport_case NAME EU_OLD SG_OLD EU_NEW SG_NEW LEN PING SPI_BASE
transport_case() {
	local name=$1 eo=$2 so=$3 en=$4 sn=$5 len=$6 ping=$7 b=$8
	local o1=$((b + 1)) o2=$((b + 2)) n1=$((b + 0x101)) n2=$((b + 0x102))
	check "$name: EU SAs set up" transport "$EU" "$eo" "$so" "$o1" "$o2" "$len"
	check "$name: SG SAs set up" transport "$SG" "$so" "$eo" "$o2" "$o1" "$len"
	check "$name: ping before" ip netns exec "$EU" $ping -q -c 2 -W 2 -I "$eo" "$so"
	local args=(sa "$o1" "$n1" enc "$(key "$n1")" sa "$o2" "$n2" enc "$(key "$n2")")
	out=$(in_eu -j clone "$en" from "$eo" peer "$sn" "${args[@]}")
	check "$name: EU clone 2 states, 2 policies" \
		test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")" = 2/2
	out=$(in_sg -j clone "$sn" from "$so" peer "$en" "${args[@]}")
	check "$name: SG clone 2 states, 2 policies" \
		test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")" = 2/2
	check "$name: copy's selector moved" sh -c 'ip -n "$0" xfrm state list spi "$1" | grep -q "sel src $2/$4 dst $3/$4"' \
		"$EU" "$n1" "$en" "$sn" "$len"
	check "$name: ping over the copies" ip netns exec "$EU" $ping -q -c 2 -W 2 -I "$en" "$sn"
	check "$name: EU copy carried ESP" packets_grew "$EU" "$(printf 0x%08x "$n1")" 0
	check "$name: SG copy carried ESP" packets_grew "$SG" "$(printf 0x%08x "$n2")" 0
	check "$name: ping over the originals" ip netns exec "$EU" $ping -q -c 2 -W 2 -I "$eo" "$so"
}
ip -n "$EU" addr add 10.1.3.11/24 dev eu3
ip -n "$SG" addr add 10.1.3.12/24 dev sg3
transport_case "transport v4" "$(topo_eu_outer 3)" "$(topo_sg_outer 3)" 10.1.3.11 10.1.3.12 32 ping 0x3000
transport_case "transport v6" "$(topo_eu_outer6 1)" "$(topo_sg_outer6 1)" \
	"$(topo_eu_outer6 2)" "$(topo_sg_outer6 2)" 128 "ping -6" 0x6000

# IPv6 outer, IPv4 inner tunnel over interface 3, cloned onto interface 2.
in3=$(topo_eu_inner 3)
v6tun() {
	local i=$1 eo so spi_o=$2 spi_i=$3 ei
	eo=$(topo_eu_outer6 "$i") so=$(topo_sg_outer6 "$i") ei=$(topo_eu_inner "$i")
	for ns in "$EU" "$SG"; do
		ip -n "$ns" xfrm state add src "$eo" dst "$so" proto esp spi "$spi_o" reqid 7 \
			mode tunnel sel src "$ei/32" dst "$TOPO_SG_INNER/32" \
			aead 'rfc4106(gcm(aes))' "$(key "$spi_o")" 128 || return 1
		ip -n "$ns" xfrm state add src "$so" dst "$eo" proto esp spi "$spi_i" reqid 7 \
			mode tunnel sel src "$TOPO_SG_INNER/32" dst "$ei/32" \
			aead 'rfc4106(gcm(aes))' "$(key "$spi_i")" 128 || return 1
	done
	ip -n "$EU" xfrm policy add src "$ei/32" dst "$TOPO_SG_INNER/32" dir out \
		tmpl src "$eo" dst "$so" proto esp reqid 7 mode tunnel &&
	ip -n "$EU" xfrm policy add src "$TOPO_SG_INNER/32" dst "$ei/32" dir in \
		tmpl src "$so" dst "$eo" proto esp reqid 7 mode tunnel &&
	ip -n "$SG" xfrm policy add src "$TOPO_SG_INNER/32" dst "$ei/32" dir out \
		tmpl src "$so" dst "$eo" proto esp reqid 7 mode tunnel &&
	ip -n "$SG" xfrm policy add src "$ei/32" dst "$TOPO_SG_INNER/32" dir in \
		tmpl src "$eo" dst "$so" proto esp reqid 7 mode tunnel &&
	ip -n "$SG" route replace "$ei/32" dev "sg$i"
}
check "v6 tunnel set up" v6tun 3 0x7001 0x7002
check "v6 tunnel: ping" topo_ping 3
in4=172.16.4.1
ip -n "$EU" addr add "$in4/32" dev lo
ip -n "$SG" route replace "$in4/32" dev sg2
args=(sa 0x7001 0x7101 enc "$(key 0x7101)" sa 0x7002 0x7102 enc "$(key 0x7102)")
out=$(in_eu -j clone "$(topo_eu_outer6 2)" from "$(topo_eu_outer6 3)" peer "$(topo_sg_outer6 2)" \
	inner "$in4" reqid 7 "${args[@]}")
check "v6 tunnel: EU clone 2 states, 2 policies" \
	test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")" = 2/2
out=$(in_sg -j clone "$(topo_sg_outer6 2)" from "$(topo_sg_outer6 3)" peer "$(topo_eu_outer6 2)" \
	peer-inner "$in4" reqid 7 "${args[@]}")
check "v6 tunnel: SG clone 2 states, 2 policies" \
	test "$(json_field states <<<"$out")/$(json_field policies <<<"$out")" = 2/2
check "v6 tunnel: ping over the copies" ip netns exec "$EU" ping -q -c 2 -W 2 -I "$in4" "$TOPO_SG_INNER"
check "v6 tunnel: EU copy carried ESP" packets_grew "$EU" 0x00007101 0
check "v6 tunnel: SG copy carried ESP" packets_grew "$SG" 0x00007102 0
check "v6 tunnel: EU copy's selector has the new inner address" sh -c 'ip -n "$0" xfrm state list spi 0x7101 | grep -q "sel src $1/32 dst $2/32"' \
	"$EU" "$in4" "$TOPO_SG_INNER"
check "v6 tunnel: SG copy's selector has the peer's new inner address" sh -c 'ip -n "$0" xfrm state list spi 0x7102 | grep -q "sel src $2/32 dst $1/32"' \
	"$SG" "$in4" "$TOPO_SG_INNER"

# A clone larger than one attribute holds (a nest's length has 16 bits):
# 2,000 SAs with their keys are one request of several XFRM_MIF_A_CLONES
# nests (mifctl starts a new one every 256 entries), taken as one list.
big=2000
for ((i = 1; i <= big; i++)); do
	printf 'xfrm state add src 10.1.8.1 dst 10.1.8.2 proto esp spi %d mode tunnel reqid 99 aead rfc4106(gcm(aes)) 0x%040x 128\n' \
		$((0x80000 + i)) $((0x80000 + i))
done | ip -n "$EU" -batch -
check "2,000 SAs on 10.1.8.1" test "$(ip -n "$EU" xfrm state list reqid 99 | grep -c '^src 10.1.8.1 ')" = $big
out=$(for ((i = 1; i <= big; i++)); do
	printf 'sa %d %d enc 0x%040x\n' $((0x80000 + i)) $((0x90000 + i)) $((0x90000 + i))
done | ip netns exec "$EU" "$MIFCTL" -j clone 10.1.8.21 from 10.1.8.1 keys-file -)
check "2,000 SAs cloned in one request" test "$(json_field states <<<"$out")" = $big
check "2,000 copies on 10.1.8.21, the last entry's too" sh -c '[ "$(ip -n "$0" xfrm state list reqid 99 | grep -c "^src 10.1.8.21 ")" = "$1" ] &&
	ip -n "$0" xfrm state list spi $((0x90000 + $1)) | grep -q "^src 10.1.8.21 "' "$EU" $big
ip -n "$EU" xfrm state deleteall reqid 99

check "module unloads with SAs live" rmmod xfrm_mif

ksft_exit
