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

source "$SELFTEST_DIR/xfrm_read.sh"
capf=${TMPDIR:-/tmp}/mif-clone-out.$$
trap 'ksft_cleanup; rm -f -- "$capf" "$capf.keys"' EXIT
# xfrm_packets NS: the packets of each SA of NS, from one ip -s, in
# pk[NS:SPI] (SPI as 0x%08x; the first SA with it, as ip ... list spi).
declare -A pk
xfrm_packets() {
	local b k re='spi (0x[0-9a-f]{8}).*lifetime current:[[:space:]]+[0-9]+\(bytes\), ([0-9]+)\(packets\)'
	for k in "${!pk[@]}"; do
		[[ $k == "$1:"* ]] && unset "pk[$k]"
	done
	sa_read "$1" -s || return 1
	for b in "${sas[@]}"; do
		[[ $b =~ $re ]] || continue
		k=$1:${BASH_REMATCH[1]}
		[ -n "${pk[$k]:-}" ] || pk[$k]=${BASH_REMATCH[2]}
	done
}
# packets_grew NS SPI BEFORE: at the last xfrm_packets NS, the SA had
# counted more packets than BEFORE.
packets_grew() {
	local s
	printf -v s '0x%08x' "$2"
	[[ ${pk[$1:$s]:-} =~ ^[0-9]+$ ]] && [ "${pk[$1:$s]}" -gt "$3" ] && return 0
	echo "SA $s in $1: ${pk[$1:$s]:-no} packets, not more than $3"
	return 1
}
# counts_are STATES/POLICIES: the last xfrm_read's numbers of SAs and policies.
counts_are() { is "${#sas[@]}/${#pols[@]}" "$1"; }
# keys SPI...: key[SPI], the test's key for an SA of SPI (topo_key's).
key=()
keys() { local s; for s; do printf -v "key[$s]" '0x%040x' "$s"; done; }
# mifctl_in NS ARGS...: mifctl ARGS in NS; the sa entries of a clone, with
# their keys, go on standard input (keys-file -), one a line, never on the
# command line. Run as ${MIFCTL_AS[@]}, if set (through ip netns exec then:
# an unprivileged mifctl could not enter NS).
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
	if [ ${#MIFCTL_AS[@]} -gt 0 ]; then
		ip netns exec "$ns" "${MIFCTL_AS[@]}" "$MIFCTL" "${argv[@]}" <<<"$lines"
	else
		"$MIFCTL" -n "$ns" "${argv[@]}" <<<"$lines"
	fi
}
in_eu() { mifctl_in "$EU" "$@"; }
in_sg() { mifctl_in "$SG" "$@"; }
# refused NAME MESSAGE CMD...: CMD fails, saying MESSAGE.
refused() {
	local name=$1 msg=$2
	shift 2
	check "$name" refused_with "$msg" "$@"
}
refused_with() {
	local msg=$1 res
	shift
	! to -e res "$@" || { echo "not refused: $res"; return 1; }
	[[ $res == *"$msg"* ]] || { echo "$res"; return 1; }
}
# exits_2 CMD...: CMD exits with status 2 (a usage error).
exits_2() { "$@"; [ $? -eq 2 ]; }

eu1=10.1.1.1 sg1=10.1.1.2
eu2=10.1.2.1 sg2=10.1.2.2
in2=172.16.2.1
keys 0x1001 0x2001 0x1102 0x2102 0x1103 0x9998

# The peer already has, at EU, the outbound policy the clone would make:
# that copy is skipped, the other one made.
check "existing policy" ip -n "$EU" xfrm policy add src "$in2/32" dst "$TOPO_SG_INNER/32" \
	dir out tmpl src "$eu2" dst "$sg2" proto esp reqid 1 mode tunnel

# EU: SA 0x1001 goes out to SG, 0x2001 comes in.
eu_clone=(clone "$eu2" from "$eu1" peer "$sg2" inner "$in2"
	sa 0x1001 0x1102 enc "${key[0x1102]}" sa 0x2001 0x2102 enc "${key[0x2102]}")
snapshot before "$EU"

to res in_eu -j "${eu_clone[@]}" dry-run
check "dry run counts 2 states" json_is "$res" states 2
check "dry run counts 1 policy" json_is "$res" policies 1
check "dry run counts 1 skipped" json_is "$res" skipped 1
check "dry run changes nothing" unchanged "$before" "$EU"

refused "missing entry refused" "no clone entry for an SA: SA 0x00002001" \
	in_eu clone "$eu2" from "$eu1" peer "$sg2" inner "$in2" \
	sa 0x1001 0x1102 enc "${key[0x1102]}"
refused "missing key refused" "no new encryption key for an SA: SA 0x00002001" \
	in_eu clone "$eu2" from "$eu1" peer "$sg2" inner "$in2" \
	sa 0x1001 0x1102 enc "${key[0x1102]}" sa 0x2001 0x2102
refused "wrong key length refused" "new key of another length than the SA's" \
	in_eu clone "$eu2" from "$eu1" peer "$sg2" inner "$in2" \
	sa 0x1001 0x1102 enc 0x0011 sa 0x2001 0x2102 enc "${key[0x2102]}"
refused "key of the source refused" "is the SA's own key" \
	in_eu clone "$eu2" from "$eu1" peer "$sg2" inner "$in2" \
	sa 0x1001 0x1102 enc "${key[0x1001]}" sa 0x2001 0x2102 enc "${key[0x2102]}"
refused "SPI in use refused" "new SPI is in use at its destination: SA 0x00001001" \
	in_eu clone "$eu2" from "$eu1" inner "$in2" \
	sa 0x1001 0x1001 enc "${key[0x1102]}" sa 0x2001 0x2102 enc "${key[0x2102]}"
refused "entry without SA refused" "entry matches no SA bound to the FROM addresses: SA 0x00009999" \
	in_eu "${eu_clone[@]}" sa 0x9999 0x9998 enc "${key[0x9998]}"
refused "two entries for one SA refused" "two clone entries for one SA: SA 0x00001001" \
	in_eu "${eu_clone[@]}" sa 0x1001 0x1103 enc "${key[0x1103]}"
refused "new address in FROM refused" "source address is the new address" \
	in_eu clone "$eu1" from "$eu1"
unprivileged() {
	local MIFCTL_AS=(setpriv --reuid=65534 --regid=65534 --clear-groups) res
	! to -e res mifctl_in "$EU" "$@" || return 1
	echo "$res"
	[[ $res == *"Operation not permitted"* ]]
}
check "unprivileged caller refused" unprivileged "${eu_clone[@]}"
check "usage error exits 2" exits_2 "$MIFCTL" -n "$EU" clone "$eu2" from "$eu1" keys-file - \
	<<<"sa 1 2 enc 0xabc"
# One command line with a key: its message and its exit status.
to -e res "$MIFCTL" -n "$EU" clone "$eu2" from "$eu1" sa 0x1001 0x1102 enc "${key[0x1102]}"
rc=$?
cl_refused() {
	[ $rc -ne 0 ] || { echo "not refused: $res"; return 1; }
	[[ $res == *"no keys on the command line"* ]] || { echo "$res"; return 1; }
}
check "a key on the command line refused" cl_refused
check "a key on the command line: exit 2" is "$rc" 2
keys=$capf.keys
printf '# SA 0x1001 out, 0x2001 in\nsa 0x1001 0x1102 enc %s\n\nsa 0x2001 0x2102 enc %s  # in\n' \
	"${key[0x1102]}" "${key[0x2102]}" >"$keys"
to res "$MIFCTL" -n "$EU" -j clone "$eu2" from "$eu1" peer "$sg2" inner "$in2" \
	keys-file "$keys" dry-run
check "keys from a file, comments and blank lines: dry run 2 states" json_is "$res" states 2
check "nothing changed by refusals" unchanged "$before" "$EU"

# The monitor's events come through a pipe: read with a timeout, no
# polling. The operation waits until the monitor has subscribed (a
# process start alone can take seconds in the debug kernel).
monitor_start "$EU"
to res in_eu -j "${eu_clone[@]}"
check "EU clone: 2 states" json_is "$res" states 2
check "EU clone: 1 policy" json_is "$res" policies 1
check "EU clone: 1 policy skipped" json_is "$res" skipped 1
check "monitor saw the clone event" event_seen "\"event\":\"clone\",\"address\":\"$eu2\",\"states\":2,\"policies\":1"
monitor_stop
xfrm_read "$EU"
check "EU has 4 states" is "${#sas[@]}" 4
check "EU has 4 policies" is "${#pols[@]}" 4
check "EU copy has new addresses" sa_has 0x1102 "src $eu2 dst $sg2"
check "EU copy has the new key" sa_has 0x2102 "${key[0x2102]}"
# policy_has WHERE DIR TEXT: a policy of the last xfrm_read whose selector
# line has WHERE, of direction DIR, has TEXT.
policy_has() {
	local p
	for p in "${pols[@]}"; do
		[[ ${p%%$'\n'*} == *"$1"* && $p == *$'\n\t'"dir $2 "* && $p == *"$3"* ]] &&
			return 0
	done
	echo "no policy $2 at \"$1\" with \"$3\" among:"
	printf '%s\n' "${pols[@]}"
	return 1
}
check "EU inbound policy copy" policy_has "dst $in2/32" in "tmpl src $sg2 dst $eu2"
refused "SPI in use on a second clone" "new SPI is in use at its destination: SA 0x00001102" \
	in_eu "${eu_clone[@]}"

# SG clones the mirror image: its peer's inner address changes.
to res in_sg -j clone "$sg2" from "$sg1" peer "$eu2" peer-inner "$in2" \
	sa 0x1001 0x1102 enc "${key[0x1102]}" sa 0x2001 0x2102 enc "${key[0x2102]}"
check "SG clone: 2 states, 2 policies, 0 skipped" json_is "$res" states/policies/skipped 2/2/0
ip -n "$SG" route replace "$in2/32" dev sg2
xfrm_packets "$EU"
old_out=${pk[$EU:0x00001001]:-none}
check "ping over the new interface" topo_ping 2
xfrm_packets "$EU"
xfrm_packets "$SG"
check "EU new outbound SA carried ESP" packets_grew "$EU" 0x00001102 0
check "EU new inbound SA carried ESP" packets_grew "$EU" 0x00002102 0
check "SG new inbound SA carried ESP" packets_grew "$SG" 0x00001102 0
check "old SA carried nothing new" is "${pk[$EU:0x00001001]:-none}" "$old_out"
check "ping over eu1 after" topo_ping 1
xfrm_packets "$EU"
check "old SA still carries ESP" packets_grew "$EU" 0x00001001 "$old_out"

# Two source addresses whose policy copies collide: the first listed wins.
# (10.1.3.21 needs to be no local address for XFRM.)
keys 0x1201 0x2201 0x1202 0x2202
two_from=(clone 10.1.3.21 from "$eu1" "$eu2" inner 172.16.9.1
	sa 0x1001 0x1201 enc "${key[0x1201]}" sa 0x2001 0x2201 enc "${key[0x2201]}"
	sa 0x1102 0x1202 enc "${key[0x1202]}" sa 0x2102 0x2202 enc "${key[0x2202]}")
snapshot before "$EU"
to res in_eu -j "${two_from[@]}" dry-run
check "two sources: dry run 4 states, 2 policies, 2 skipped" \
	json_is "$res" states/policies/skipped 4/2/2
check "two sources: dry run changes nothing" unchanged "$before" "$EU"
to res in_eu -j "${two_from[@]}"
check "two sources: 4 states, 2 policies, 2 skipped" \
	json_is "$res" states/policies/skipped 4/2/2
xfrm_read "$EU"
check "two sources: the first address's policy was copied" \
	policy_has "src 172.16.9.1/32" out "tmpl src 10.1.3.21 dst $sg1"
check "two sources: 8 states, 6 policies" counts_are 8/6
to res in_eu -j delete 10.1.3.21
check "two sources: copies deleted" json_is "$res" states/policies 4/2

# Keys are unique across the whole request: no two copies share one, and no
# copy has the key of another source SA (fresh counters on a shared key
# would repeat AEAD nonces).
keys 0x1501 0x2501
refused "one new key for two copies refused" "new key given twice in the request" \
	in_eu clone 10.1.3.31 from "$eu1" dry-run \
	sa 0x1001 0x1501 enc "${key[0x1501]}" sa 0x2001 0x2501 enc "${key[0x1501]}"
refused "another source SA's key refused" "new key is the key of another source SA" \
	in_eu clone 10.1.3.31 from "$eu1" dry-run \
	sa 0x1001 0x1501 enc "${key[0x2001]}" sa 0x2001 0x2501 enc "${key[0x2501]}"

# An inbound SPI reserved with XFRM_MSG_ALLOCSPI (a larval SA) is taken over
# by the clone, as XFRM_MSG_UPDSA would; a refused clone leaves it alone.
# (a larval SA lives net.core.xfrm_acq_expires seconds: long enough here)
keys 0x1401 0x2401
ip netns exec "$EU" sysctl -qw net.core.xfrm_acq_expires=600
check "SPI reserved with allocspi" ip -n "$EU" xfrm state allocspi src 10.1.3.32 dst 10.1.3.31 \
	proto esp mode tunnel reqid 1 min 0x2401 max 0x2401
# spi_sas SPI N [TEXT] [NOT]: the last xfrm_read has N SAs with SPI, one of
# them with TEXT, none with NOT; else they are shown.
spi_sas() {
	local b with= without=1
	sa_spi "$1"
	[ -n "${3:-}" ] || with=1
	for b in "${hits[@]}"; do
		[[ -n ${3:-} && $b == *"$3"* ]] && with=1
		[[ -n ${4:-} && $b == *"$4"* ]] && without=
	done
	[ "${#hits[@]}" = "$2" ] && [ -n "$with" ] && [ -n "$without" ] && return 0
	printf 'want %s SAs %s, with "%s", none with "%s"; have:\n' "$2" "$1" "${3:-}" "${4:-}"
	printf '%s\n' "${hits[@]}"
	return 1
}
sa_read "$EU"
# (any number of SAs 0x2401, one from 10.1.3.32 to 10.1.3.31, none with a key)
larval_only() {
	sa_spi 0x2401
	spi_sas 0x2401 "${#hits[@]}" "src 10.1.3.32 dst 10.1.3.31"$'\n' aead
}
check "the reservation is a larval SA" larval_only
larval_clone=(clone 10.1.3.31 from "$eu1" peer 10.1.3.32
	sa 0x1001 0x1401 enc "${key[0x1401]}" sa 0x2001 0x2401 enc "${key[0x2401]}")
refused "refused clone onto a reserved SPI" "new key given twice in the request" \
	in_eu clone 10.1.3.31 from "$eu1" peer 10.1.3.32 \
	sa 0x1001 0x1401 enc "${key[0x2401]}" sa 0x2001 0x2401 enc "${key[0x2401]}"
sa_read "$EU"
check "a refused clone leaves the reservation" spi_sas 0x2401 1 "" aead
to -e res in_eu -j "${larval_clone[@]}" dry-run
check "dry run onto a reserved SPI: 2 states" json_is "$res" states 2
to -e res in_eu -j "${larval_clone[@]}"
check "clone onto a reserved SPI: 2 states" json_is "$res" states 2
sa_read "$EU"
check "the copy took the reservation's place" spi_sas 0x2401 1 "${key[0x2401]}"
to -e res "$MIFCTL" -n "$EU" delete 10.1.3.31
check "reserved-SPI copies deleted" eval '[[ $res == *"2 states"* ]] || { echo "$res"; false; }'

# UDP encapsulation on the new path: ports for every ESP copy, per entry,
# or none at all; an SA without encapsulation needs both ports to gain it.
keys 0x1601 0x2601 0x1701 0x2701
# encap_is SPI WANT: the SA's encapsulation (of the last xfrm_read) is WANT.
encap_is() {
	sa_spi "$1"
	[[ ${hits[0]:-} =~ encap\ type\ espinudp\ sport\ [0-9]+\ dport\ [0-9]+ ]]
	is "${BASH_REMATCH[0]:-}" "$2" || { printf '%s\n' "${hits[@]}"; return 1; }
}
refused "one port cannot add encapsulation" "needs both ports to gain it" \
	in_eu clone 10.1.3.31 from "$eu1" port 4500 dry-run \
	sa 0x1001 0x1601 enc "${key[0x1601]}" sa 0x2001 0x2601 enc "${key[0x2601]}"
to -e res in_eu -j clone 10.1.3.31 from "$eu1" peer 10.1.3.32 port 4500 peer-port 4501 \
	sa 0x1001 0x1601 enc "${key[0x1601]}" sa 0x2001 0x2601 enc "${key[0x2601]}" port 4600
check "clone with encapsulation: 2 states" json_is "$res" states 2
sa_read "$EU"
check "outbound copy: our port is its source" encap_is 0x1601 "encap type espinudp sport 4500 dport 4501"
check "inbound copy: its entry's port" encap_is 0x2601 "encap type espinudp sport 4501 dport 4600"
to -e res in_eu -j clone 10.1.3.33 from 10.1.3.31 port 0 peer-port 0 \
	sa 0x1601 0x1701 enc "${key[0x1701]}" sa 0x2601 0x2701 enc "${key[0x2701]}"
check "clone without encapsulation: 2 states" json_is "$res" states 2
sa_read "$EU"
# (any number of SAs 0x1701, one from 10.1.3.33, none encapsulated)
no_encap() {
	sa_spi 0x1701
	spi_sas 0x1701 "${#hits[@]}" "src 10.1.3.33 " encap
}
check "ports 0 drop the encapsulation" no_encap
encap_deleted() {
	"$MIFCTL" -n "$EU" delete 10.1.3.31 >/dev/null || return 1
	to res "$MIFCTL" -n "$EU" delete 10.1.3.33 || { echo "$res"; return 1; }
	[[ $res == *"2 states"* ]] || { echo "$res"; return 1; }
}
check "encapsulated copies deleted" encap_deleted

# IPcomp: a CPI has 16 bits.
modprobe -q ipcomp 2>/dev/null
if ip -n "$EU" xfrm state add src 10.1.3.41 dst 10.1.3.42 proto comp spi 0x4001 \
		mode transport comp deflate 2>/dev/null; then
	refused "IPcomp CPI above 0xffff refused" "CPI above 0xffff" \
		in_eu clone 10.1.3.43 from 10.1.3.41 dry-run \
		sa 0x4001 0x14001 proto comp
	to -e res in_eu -j clone 10.1.3.43 from 10.1.3.41 sa 0x4001 0x4101 proto comp
	check "IPcomp clone: 1 state" json_is "$res" states 1
	sa_read "$EU"
	check "IPcomp copy has its CPI" sa_has 0x4101 $'src 10.1.3.43 dst 10.1.3.42\n\tproto comp '
	ip -n "$EU" xfrm state flush proto comp
else
	skip "IPcomp CPI above 0xffff refused" "no IPcomp"
fi
sa_read "$EU"
check "nothing left of these clones" is "${#sas[@]}" 4

# An interface with many SAs is cloned in one request (larger than libnl's
# default message and socket buffer). The commands and the entries are
# made by one printf each, from their numbers.
nums=()
for ((i = 0x50001; i <= 0x50000 + 400; i++)); do
	nums+=("$i" "$i")
done
printf -v lines "xfrm state add src 10.1.3.51 dst 10.1.3.52 proto esp spi %d mode tunnel aead 'rfc4106(gcm(aes))' 0x%040x 128\n" "${nums[@]}"
check "400 SAs on one address" ip -n "$EU" -batch - <<<"${lines%$'\n'}"
nums=()
for ((i = 1; i <= 400; i++)); do
	nums+=($((0x50000 + i)) $((0x60000 + i)) $((0x60000 + i)))
done
printf -v lines 'sa %d %d enc 0x%040x\n' "${nums[@]}"
to -e res "$MIFCTL" -n "$EU" -j clone 10.1.3.53 from 10.1.3.51 keys-file - <<<"$lines"
check "400 SAs cloned in one request" json_is "$res" states 400
"$MIFCTL" -n "$EU" -f -b - >/dev/null <<<$'delete 10.1.3.51\ndelete 10.1.3.53'

# One IKE SA's SAs and policies are cloned, another's on the same address
# are not: reqid N/MASK selects an IKE SA's block of reqids. Copies of the
# block's SAs get SPIs 0x30000 + reqid (out) and 0x40000 + reqid (in); the
# children's policies share their copies' selector (inner 172.20.9.1), so
# one copy each way is made, the other skipped.
NLRAW=${NLRAW:-$REPO_DIR/build/selftests/nlraw}
xfrm_read "$EU"
counts_before=${#sas[@]}/${#pols[@]}
check "two IKE SAs on 10.1.9.1" topo_ike_blocks "$EU" 10.1.9.1 10.1.9.2
block1=()
for r in 0x1001 0x1002; do
	keys $((0x30000 + r)) $((0x40000 + r))
	block1+=(sa $((0x10000 + r)) $((0x30000 + r)) enc "${key[0x30000 + r]}"
		sa $((0x20000 + r)) $((0x40000 + r)) enc "${key[0x40000 + r]}")
done
xfrm_read "$EU"
block_ends other 2
before=$xfrm
refused "without the block, the other IKE SA's SAs need entries" "no clone entry for an SA: SA 0x000" \
	in_eu clone 10.1.9.21 from 10.1.9.1 inner 172.20.9.1 "${block1[@]}"
if [ -x "$NLRAW" ]; then
	to res ip netns exec "$EU" "$NLRAW" clone from=ips:10.1.9.1 new_addr=ip:10.1.9.21 reqid_mask=u32:0xfffff000
	check "reqid mask without a reqid refused, saying why" line_starts "$res" \
		"error: reqid mask without a reqid (Invalid argument) [attr reqid_mask]"
else
	skip "reqid mask without a reqid refused" "$NLRAW not built"
fi
check "the refusals changed nothing" unchanged "$before" "$EU"
to res in_eu -j clone 10.1.9.21 from 10.1.9.1 inner 172.20.9.1 reqid 0x1000/0xfffff000 "${block1[@]}"
check "block 0x1000: 4 states, 2 policies, 2 skipped" \
	json_is "$res" states/policies/skipped 4/2/2
xfrm_read "$EU"
# on_new REQID|all N: N SAs (of REQID) have 10.1.9.21 as an endpoint.
on_new() {
	local b n=0
	for b in "${sas[@]}"; do
		[[ ${b%%$'\n'*} == "src 10.1.9.21 "* || ${b%%$'\n'*} == *" dst 10.1.9.21" ]] || continue
		[[ $1 == all || $b == *" reqid $1 "* ]] && n=$((n + 1))
	done
	[ $n = "$2" ] || { echo "$n SAs of $1 on 10.1.9.21, not $2"; return 1; }
}
check "block 0x1000's copies on 10.1.9.21" eval 'on_new all 4 && on_new 4097 2 && on_new 4098 2'
block_ends now 2
check "block 0x2000 untouched, and not cloned" is "$now" "$other"
"$MIFCTL" -n "$EU" -f -b - >/dev/null <<<$'delete 10.1.9.1\ndelete 10.1.9.21'
xfrm_read "$EU"
check "nothing left of the IKE SAs" counts_are "$counts_before"

# Transport mode, IPv4 and IPv6: selectors name the outer addresses.
# transport NS SRC DST SPI_OUT SPI_IN LEN: SAs and policies of one side,
# by one ip.
transport() {
	local ns=$1 s=$2 d=$3 so=$4 si=$5 len=$6
	keys "$so" "$si"
	ip -n "$ns" -batch - <<-EOF
	xfrm state add src $s dst $d proto esp spi $so mode transport sel src $s/$len dst $d/$len aead rfc4106(gcm(aes)) ${key[so]} 128
	xfrm state add src $d dst $s proto esp spi $si mode transport sel src $d/$len dst $s/$len aead rfc4106(gcm(aes)) ${key[si]} 128
	xfrm policy add src $s/$len dst $d/$len dir out tmpl proto esp mode transport
	xfrm policy add src $d/$len dst $s/$len dir in tmpl proto esp mode transport
	EOF
}
# transport_case NAME EU_OLD SG_OLD EU_NEW SG_NEW LEN PING SPI_BASE
transport_case() {
	local name=$1 eo=$2 so=$3 en=$4 sn=$5 len=$6 ping=$7 b=$8
	local o1=$((b + 1)) o2=$((b + 2)) n1=$((b + 0x101)) n2=$((b + 0x102))
	check "$name: EU SAs set up" transport "$EU" "$eo" "$so" "$o1" "$o2" "$len"
	check "$name: SG SAs set up" transport "$SG" "$so" "$eo" "$o2" "$o1" "$len"
	check "$name: ping before" ip netns exec "$EU" $ping -q -c 2 -W 2 -I "$eo" "$so"
	keys "$n1" "$n2"
	local args=(sa "$o1" "$n1" enc "${key[n1]}" sa "$o2" "$n2" enc "${key[n2]}")
	to res in_eu -j clone "$en" from "$eo" peer "$sn" "${args[@]}"
	check "$name: EU clone 2 states, 2 policies" json_is "$res" states/policies 2/2
	to res in_sg -j clone "$sn" from "$so" peer "$en" "${args[@]}"
	check "$name: SG clone 2 states, 2 policies" json_is "$res" states/policies 2/2
	sa_read "$EU"
	check "$name: copy's selector moved" sa_has "$n1" "sel src $en/$len dst $sn/$len"
	check "$name: ping over the copies" ip netns exec "$EU" $ping -q -c 2 -W 2 -I "$en" "$sn"
	xfrm_packets "$EU"
	xfrm_packets "$SG"
	check "$name: EU copy carried ESP" packets_grew "$EU" "$n1" 0
	check "$name: SG copy carried ESP" packets_grew "$SG" "$n2" 0
	check "$name: ping over the originals" ip netns exec "$EU" $ping -q -c 2 -W 2 -I "$eo" "$so"
}
ip -n "$EU" addr add 10.1.3.11/24 dev eu3
ip -n "$SG" addr add 10.1.3.12/24 dev sg3
transport_case "transport v4" 10.1.3.1 10.1.3.2 10.1.3.11 10.1.3.12 32 ping 0x3000
transport_case "transport v6" fd01:1::1 fd01:1::2 fd01:2::1 fd01:2::2 128 "ping -6" 0x6000

# IPv6 outer, IPv4 inner tunnel over interface 3, cloned onto interface 2.
# v6tun I SPI_OUT SPI_IN: the SAs and policies of each side by one ip.
v6tun() {
	local i=$1 eo=fd01:$1::1 so=fd01:$1::2 spi_o=$2 spi_i=$3 ei=172.16.$1.1 ns
	local sa g=$TOPO_SG_INNER
	keys "$spi_o" "$spi_i"
	sa="xfrm state add src $eo dst $so proto esp spi $spi_o reqid 7 mode tunnel sel src $ei/32 dst $g/32 aead rfc4106(gcm(aes)) ${key[spi_o]} 128
xfrm state add src $so dst $eo proto esp spi $spi_i reqid 7 mode tunnel sel src $g/32 dst $ei/32 aead rfc4106(gcm(aes)) ${key[spi_i]} 128"
	ip -n "$EU" -batch - <<-EOF || return 1
	$sa
	xfrm policy add src $ei/32 dst $g/32 dir out tmpl src $eo dst $so proto esp reqid 7 mode tunnel
	xfrm policy add src $g/32 dst $ei/32 dir in tmpl src $so dst $eo proto esp reqid 7 mode tunnel
	EOF
	ip -n "$SG" -batch - <<-EOF
	$sa
	xfrm policy add src $g/32 dst $ei/32 dir out tmpl src $so dst $eo proto esp reqid 7 mode tunnel
	xfrm policy add src $ei/32 dst $g/32 dir in tmpl src $eo dst $so proto esp reqid 7 mode tunnel
	route replace $ei/32 dev sg$i
	EOF
}
check "v6 tunnel set up" v6tun 3 0x7001 0x7002
check "v6 tunnel: ping" topo_ping 3
in4=172.16.4.1
ip -n "$EU" addr add "$in4/32" dev lo
ip -n "$SG" route replace "$in4/32" dev sg2
keys 0x7101 0x7102
args=(sa 0x7001 0x7101 enc "${key[0x7101]}" sa 0x7002 0x7102 enc "${key[0x7102]}")
to res in_eu -j clone fd01:2::1 from fd01:3::1 peer fd01:2::2 inner "$in4" reqid 7 "${args[@]}"
check "v6 tunnel: EU clone 2 states, 2 policies" json_is "$res" states/policies 2/2
to res in_sg -j clone fd01:2::2 from fd01:3::2 peer fd01:2::1 peer-inner "$in4" reqid 7 "${args[@]}"
check "v6 tunnel: SG clone 2 states, 2 policies" json_is "$res" states/policies 2/2
check "v6 tunnel: ping over the copies" ip netns exec "$EU" ping -q -c 2 -W 2 -I "$in4" "$TOPO_SG_INNER"
xfrm_packets "$EU"
check "v6 tunnel: EU copy carried ESP" packets_grew "$EU" 0x00007101 0
eu_sas=("${sas[@]}")
xfrm_packets "$SG"
check "v6 tunnel: SG copy carried ESP" packets_grew "$SG" 0x00007102 0
sg_sas=("${sas[@]}")
sas=("${eu_sas[@]}")
check "v6 tunnel: EU copy's selector has the new inner address" \
	sa_has 0x7101 "sel src $in4/32 dst $TOPO_SG_INNER/32"
sas=("${sg_sas[@]}")
check "v6 tunnel: SG copy's selector has the peer's new inner address" \
	sa_has 0x7102 "sel src $TOPO_SG_INNER/32 dst $in4/32"

# A clone larger than one attribute holds (a nest's length has 16 bits):
# 2,000 SAs with their keys are one request of several XFRM_MIF_A_CLONES
# nests (mifctl starts a new one every 256 entries), taken as one list.
# Listings of 2,000 SAs are counted by grep, faster than the shell.
big=2000
nums=()
for ((i = 0x80001; i <= 0x80000 + big; i++)); do
	nums+=("$i" "$i")
done
printf -v lines 'xfrm state add src 10.1.8.1 dst 10.1.8.2 proto esp spi %d mode tunnel reqid 99 aead rfc4106(gcm(aes)) 0x%040x 128\n' "${nums[@]}"
ip -n "$EU" -batch - <<<"${lines%$'\n'}"
ip -n "$EU" xfrm state list reqid 99 >"$capf"
check "2,000 SAs on 10.1.8.1" is "$(grep -c '^src 10.1.8.1 ' "$capf")" $big
nums=()
for ((i = 1; i <= big; i++)); do
	nums+=($((0x80000 + i)) $((0x90000 + i)) $((0x90000 + i)))
done
printf -v lines 'sa %d %d enc 0x%040x\n' "${nums[@]}"
to res "$MIFCTL" -n "$EU" -j clone 10.1.8.21 from 10.1.8.1 keys-file - <<<"$lines"
check "2,000 SAs cloned in one request" json_is "$res" states $big
last_copy() {
	local s
	ip -n "$EU" xfrm state list spi $((0x90000 + big)) >"$capf" && xfrm_parse || return 1
	printf -v s 'spi 0x%08x ' $((0x90000 + big))
	[[ ${#sas[@]} = 1 && ${sas[0]} == "src 10.1.8.21 "*"$s"* ]] ||
		{ echo "the last copy:"; printf '%s\n' "${sas[@]}"; return 1; }
}
ip -n "$EU" xfrm state list reqid 99 >"$capf"
check "2,000 copies on 10.1.8.21, the last entry's too" \
	eval 'is "$(grep -c "^src 10.1.8.21 " "$capf")" $big && last_copy'
ip -n "$EU" xfrm state deleteall reqid 99

check "module unloads with SAs live" rmmod xfrm_mif

ksft_exit
