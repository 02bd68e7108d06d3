#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mifctl rewrite: an interface's address changes; every SA and policy bound
# to it moves in one call on each peer, keeping SPIs, keys and counters, and
# ESP keeps flowing. Interface 1 carries a tunnel, interface 2 an IPv4
# transport-mode SA pair, interface 3 an IPv6 transport-mode SA pair. With
# a reqid block, only one IKE SA's SAs move.
# Each process costs a great deal in the debug kernel: mifctl -n and ip -n
# instead of ip netns exec, several ip commands in one -batch, dumps taken
# once and matched in bash, each refusal asked once for its status and its
# reason, waits without sleep.
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

TMP=${TMPDIR:-/tmp}/mif-rw.$$
AEAD="aead rfc4106(gcm(aes))"
# key SPI: KEY gets topo_key's key for SPI (without a process).
key() { printf -v KEY '0x%040x' "$1"; }

# transport NS_A NS_B A B SPI_AB SPI_BA: host-to-host ESP between A and B,
# one ip -batch in each namespace.
transport() {
	local a=$3 b=$4 len=32 ka kb sas
	[ "${a#*:}" != "$a" ] && len=128
	key "$5"; ka=$KEY
	key "$6"; kb=$KEY
	sas="xfrm state add src $a dst $b proto esp spi $5 reqid 7 mode transport $AEAD $ka 128 sel src $a/$len dst $b/$len
xfrm state add src $b dst $a proto esp spi $6 reqid 7 mode transport $AEAD $kb 128 sel src $b/$len dst $a/$len"
	ip -n "$1" -batch - <<-EOF || return 1
		$sas
		xfrm policy add src $a/$len dst $b/$len dir out tmpl proto esp reqid 7 mode transport
		xfrm policy add src $b/$len dst $a/$len dir in tmpl proto esp reqid 7 mode transport
	EOF
	ip -n "$2" -batch - <<-EOF
		$sas
		xfrm policy add src $b/$len dst $a/$len dir out tmpl proto esp reqid 7 mode transport
		xfrm policy add src $a/$len dst $b/$len dir in tmpl proto esp reqid 7 mode transport
	EOF
}
check "IPv4 transport over eu2" transport "$EU" "$SG" 10.1.2.1 10.1.2.2 0x3001 0x4001
check "IPv6 transport over eu3" transport "$EU" "$SG" fd01:3::1 fd01:3::2 0x5001 0x6001

in_eu() { "$MIFCTL" -n "$EU" "$@"; }
in_sg() { "$MIFCTL" -n "$SG" "$@"; }


# run PROGRAM ARG...: OUT gets PROGRAM's standard output, ERR its errors,
# RC its status. run_eu and run_sg: mifctl in EU or SG.
run() {
	OUT=$(exec "$@" 2>"$TMP.err")
	RC=$?
	ERR=
	IFS= read -r -d '' ERR <"$TMP.err"
	return 0
}
run_eu() { run "$MIFCTL" -n "$EU" "$@"; }
run_sg() { run "$MIFCTL" -n "$SG" "$@"; }
# failed: the last run failed; else its output.
failed() { [ "$RC" -ne 0 ] || { echo "status 0: $OUT"; return 1; }; }
# said TEXT: the last run's errors have TEXT; else its errors.
said() { [[ $ERR == *"$1"* ]] || { echo "$ERR"; return 1; }; }
# json_is NAME WANT: the last run's JSON (mifctl -j rewrite) has NAME WANT.
json_is() {
	[[ $OUT =~ \"$1\":([0-9a-z]+) ]] && [ "${BASH_REMATCH[1]}" = "$2" ] ||
		{ echo "no \"$1\":$2 in: $OUT$ERR"; return 1; }
}
# counted STATES/POLICIES: the last run's JSON counts (mifctl -j rewrite).
counted() {
	local s= p=
	[[ $OUT =~ \"states\":([0-9a-z]+) ]] && s=${BASH_REMATCH[1]}
	[[ $OUT =~ \"policies\":([0-9a-z]+) ]] && p=${BASH_REMATCH[1]}
	is "$s/$p" "$1" || { echo "$OUT$ERR"; return 1; }
}
# prints TEXT CMD...: CMD's standard output has TEXT; else that output.
prints() {
	local out
	out=$("${@:2}")
	[[ $out == *"$1"* ]] || { echo "$out"; return 1; }
}
# dump NS: ST gets NS's SAs, PO its policies, SP both as ip xfrm state;
# ip xfrm policy prints them. (ip xfrm's lists end ip: in an ip -batch
# only as its last command.)
dump() {
	ST=$(ip -n "$1" xfrm state)
	PO=$(ip -n "$1" xfrm policy)
	SP=$ST$'\n'$PO
}
# has TEXT ERE: a line of TEXT matches ERE (grep -q); else TEXT.
has() {
	local l
	while IFS= read -r l; do
		[[ $l =~ $2 ]] && return 0
	done <<<"$1"
	echo "no line matches $2 in:"
	echo "$1"
	return 1
}
# hasnt TEXT ERE: no line of TEXT matches ERE; else that line.
hasnt() {
	local l
	while IFS= read -r l; do
		[[ $l =~ $2 ]] && { echo "matches $2: $l"; return 1; }
	done <<<"$1"
	return 0
}
# nmatch N TEXT ERE: N lines of TEXT match ERE (grep -c); else TEXT.
nmatch() {
	local l n=0
	while IFS= read -r l; do
		[[ $l =~ $3 ]] && n=$((n + 1))
	done <<<"$2"
	[ "$n" = "$1" ] || { echo "$n lines, not $1, match $3 in:"; echo "$2"; return 1; }
}
# spi_follows TEXT SRC DST SPI: the line after "src SRC dst DST" has SPI.
spi_follows() {
	local l hit=
	while IFS= read -r l; do
		[[ -n $hit && $l == *"spi $4"* ]] && return 0
		[[ $l == "src $2 dst $3"* ]] && hit=1 || hit=
	done <<<"$1"
	echo "no SA from $2 to $3 with SPI $4 in:"
	echo "$1"
	return 1
}
# sa_stats TEXT: PACKETS gets the packets counted on the first SA of TEXT
# (ip -s xfrm state's; topo_esp_packets'), OSEQ its outbound sequence
# number.
sa_stats() {
	local l cur=
	PACKETS= OSEQ=
	while IFS= read -r l; do
		if [ -n "$cur" ]; then
			l=${l#"${l%%[![:space:]]*}"}
			l=${l#*, }
			PACKETS=${l%%(packets)*}
			cur=
		fi
		[[ $l == *"lifetime current:"* && -z $PACKETS ]] && cur=1
		[[ $l =~ oseq\ (0x[0-9a-f]*) && -z $OSEQ ]] && OSEQ=${BASH_REMATCH[1]}
	done <<<"$1"
}
# state_lines TEXT EXCLUDE: SL gets one line per SA of TEXT (an ip xfrm
# state dump: addresses, SPI, mode), sorted, but for those matching the
# ERE EXCLUDE.
state_lines() {
	local l s= f i j t w lines=()
	while IFS= read -r l; do
		[[ $l == "src "* ]] && { read -r _ f _ t <<<"$l"; s="$f > $t"; }
		if [[ $l == *"proto esp "* ]]; then
			read -r -a w <<<"$l"
			l="$s ${w[3]} ${w[7]}"
			[[ $l =~ $2 ]] || lines+=("$l")
		fi
	done <<<"$1"
	for ((i = 1; i < ${#lines[@]}; i++)); do
		t=${lines[i]}
		for ((j = i - 1; j >= 0; j--)); do
			[[ ${lines[j]} > $t ]] || break
			lines[j + 1]=${lines[j]}
		done
		lines[j + 1]=$t
	done
	printf -v SL '%s\n' "${lines[@]}"
}
ping_t() { ip netns exec "$EU" ping -q -c 2 -W 2 -I "$1" "$2" >/dev/null; }

check "ping through the tunnel before" topo_ping 1
check "IPv4 transport ping before" ping_t 10.1.2.1 10.1.2.2
check "IPv6 transport ping before" ping_t fd01:3::1 fd01:3::2

# --- refusals change nothing ---
# an SA with eu1's inbound SPI already at 10.1.1.99; then what EU has
key 9
before_eu=$(exec ip -n "$EU" -batch - <<EOF
xfrm state add src 10.1.1.2 dst 10.1.1.99 proto esp spi 0x2001 mode tunnel $AEAD $KEY 128
xfrm state
EOF
)$'\n'$(ip -n "$EU" xfrm policy)
run_eu rewrite 10.1.1.1 fd01:1::11
check "family change refused" failed
run_eu rewrite 10.1.1.1 10.1.1.1
check "same address refused" failed
check "refusal says why" said "old and new address are the same"
run_eu rewrite 10.1.1.1 10.1.1.99
check "SPI taken at the new address refused" failed
check "conflict says why" said "same SPI exists"
check_fails "bad port refused" in_eu rewrite 10.1.1.1 10.1.1.11 port 0
check_fails "unprivileged caller refused" ip netns exec "$EU" setpriv --reuid=65534 --regid=65534 --clear-groups "$MIFCTL" rewrite 10.1.1.1 10.1.1.11
check_fails "root of a user namespace refused" ip netns exec "$EU" unshare -Ur "$MIFCTL" rewrite 10.1.1.1 10.1.1.11
run_eu -j rewrite 10.1.1.1 10.1.1.11 dry-run
check "dry run counts 2 states" json_is states 2
check "dry run counts 2 policies" json_is policies 2
dump "$EU"
check "nothing changed so far" is "$SP" "$before_eu"

# --- tunnel: eu1 moves from 10.1.1.1 to 10.1.1.11 ---
# The SA at 10.1.1.99 goes, in the ip that reads the tunnel's counters.
sa_stats "$(exec ip -n "$EU" -s -batch - <<<$'xfrm state del src 10.1.1.2 dst 10.1.1.99 proto esp spi 0x2001\nxfrm state list spi 0x00001001')"
out_before=$OSEQ
sa_stats "$(ip -n "$SG" -s xfrm state list spi 0x00001001)"
sg_in_before=$PACKETS
ST=$(ip -n "$EU" xfrm state)
state_lines "$ST" '10.1.1.1|10.1.1.2'
others_eu=$SL
ip netns exec "$EU" sysctl -qw net.ipv4.conf.eu1.promote_secondaries=1
ip -n "$EU" addr add 10.1.1.11/24 dev eu1
"$MIFCTL" -n "$EU" -j monitor count 1 >"$TMP.events" &
monitor=$!
netlink_listening "$monitor" 16
run_eu -j rewrite 10.1.1.1 10.1.1.11
check "EU moved 2 states" json_is states 2
check "EU moved 2 policies" json_is policies 2
run_sg -j rewrite 10.1.1.1 10.1.1.11
check "SG moved 2 states" json_is states 2
check "SG moved 2 policies" json_is policies 2
# seen_in FILE TEXT: FILE (a monitor's) has TEXT within 5 s; else the file.
seen_in() {
	local i text
	for ((i = 0; i < 50; i++)); do
		text=
		IFS= read -r -d '' text <"$1"
		[[ $text == *"$2"* ]] && return 0
		nap 0.1
	done
	cat "$1"
	return 1
}
check "monitor saw the rewrite" seen_in "$TMP.events" '"event":"rewrite","new_address":"10.1.1.11","address":"10.1.1.1","states":2,"policies":2'
kill "$monitor" 2>/dev/null
wait "$monitor" 2>/dev/null
ip -n "$EU" addr del 10.1.1.1/24 dev eu1
dump "$SG"
SG_ST=$ST SG_PO=$PO
dump "$EU"
check "SPIs kept" spi_follows "$ST" 10.1.1.11 10.1.1.2 0x00001001
no_state_at_old() { hasnt "$ST" '10.1.1.1 ' && hasnt "$SG_ST" '10.1.1.1 '; }
check "no state left at 10.1.1.1" no_state_at_old
check "EU policy templates moved" nmatch 2 "$PO" '(^|[^[:alnum:]_])10.1.1.11([^[:alnum:]_]|$)'
check "SG policy templates moved" nmatch 2 "$SG_PO" '(^|[^[:alnum:]_])10.1.1.11([^[:alnum:]_]|$)'
state_lines "$ST" '10.1.1.11|10.1.1.2'
check "other SAs untouched" is "$SL" "$others_eu"
six_sas() { nmatch 6 "$ST" '^src' && nmatch 6 "$SG_ST" '^src'; }
check "six SAs on each side" six_sas
check "ping through the tunnel after" topo_ping 1
sa_stats "$(ip -n "$EU" -s xfrm state list spi 0x00001001)"
check "sequence numbers continue" test $((16#${out_before#0x})) -lt $((16#${OSEQ#0x}))
sa_stats "$(ip -n "$SG" -s xfrm state list spi 0x00001001)"
check "peer's counters continue" test "$PACKETS" -gt "$sg_in_before"

# --- IPv4 transport: eu2 moves from 10.1.2.1 to 10.1.2.11 ---
ip -n "$EU" addr add 10.1.2.11/24 dev eu2
run_eu -j rewrite 10.1.2.1 10.1.2.11
check "EU moved transport SAs and selectors" counted 2/2
run_sg -j rewrite 10.1.2.1 10.1.2.11
check "SG moved transport SAs and selectors" counted 2/2
dump "$EU"
selectors_moved() { has "$PO" 'src 10.1.2.11/32 dst 10.1.2.2/32' && has "$ST" 'sel src 10.1.2.11/32 dst 10.1.2.2/32'; }
check "transport selectors moved" selectors_moved
sa_stats "$(ip -n "$SG" -s xfrm state list spi 0x00003001)"
before=$PACKETS
check "IPv4 transport ping after" ping_t 10.1.2.11 10.1.2.2
sa_stats "$(ip -n "$SG" -s xfrm state list spi 0x00003001)"
check "over ESP" test "$PACKETS" -gt "$before"

# --- IPv6 transport, with UDP encapsulation added on the way ---
ip -n "$EU" addr add fd01:3::11/64 dev eu3 nodad
check "EU moved IPv6 transport" prints "2 states, 2 policies" in_eu rewrite fd01:3::1 fd01:3::11
check "SG moved IPv6 transport" prints "2 states, 2 policies" in_sg rewrite fd01:3::1 fd01:3::11
check "IPv6 transport ping after" ping_t fd01:3::11 fd01:3::2
check "second rewrite finds nothing" prints "0 states, 0 policies" in_eu rewrite fd01:3::1 fd01:3::12

# --- filters and ports ---
run_eu -j rewrite 10.1.1.11 10.1.1.12 reqid 9 dry-run
check "reqid filter that matches nothing" json_is states 0
port_sets_encap() {
	in_eu rewrite 10.1.2.11 10.1.2.12 port 4500 peer-port 4501 >/dev/null || return 1
	has "$(ip -n "$EU" xfrm state)" 'encap type espinudp sport 4500 dport 4501'
}
check "port sets UDP encapsulation" port_sets_encap

# --- UDP encapsulation is for ESP: AH refused, IPcomp moved as it is ---
if modprobe -q ah4 && modprobe -q ipcomp; then
	key 0x7001
	before=$(exec ip -n "$EU" -batch - <<-EOF
		xfrm state add src 10.1.7.1 dst 10.1.7.2 proto ah spi 0x7001 mode transport auth hmac(sha256) $KEY
		xfrm state
	EOF
	)
	run_eu rewrite 10.1.7.1 10.1.7.11 port 4500 peer-port 4500
	check "AH with ports refused" failed
	check "AH refusal says why" said "AH SA cannot be UDP-encapsulated"
	check "AH refusal changed nothing" is "$(ip -n "$EU" xfrm state)" "$before"
	check "AH moves without ports" prints "1 states" in_eu rewrite 10.1.7.1 10.1.7.11
	key 0x6001
	ip -n "$EU" -batch - <<-EOF
		xfrm state add src 10.1.6.1 dst 10.1.6.2 proto esp spi 0x6001 mode transport $AEAD $KEY 128
		xfrm state add src 10.1.6.1 dst 10.1.6.2 proto comp spi 0x6002 mode transport comp deflate
	EOF
	check "ESP and IPcomp move with ports" prints "2 states" in_eu rewrite 10.1.6.1 10.1.6.11 port 4500 peer-port 4500
	esp=$(ip -n "$EU" xfrm state list proto esp spi 0x6001)
	comp=$(ip -n "$EU" xfrm state list proto comp)
	check "ESP gained UDP encapsulation" has "$esp" 'encap type espinudp sport 4500 dport 4500'
	comp_without() { has "$comp" 'src 10\.1\.6\.11 dst 10\.1\.6\.2' && hasnt "$comp" 'encap'; }
	check "IPcomp moved without" comp_without
else
	skip "UDP encapsulation per protocol" "no AH or IPcomp"
fi

# --- XFRM's own listeners hear each SA and policy that moved ---
ip -n "$EU" xfrm monitor SA policy >"$TMP.monitor" 2>&1 &
mon=$!
netlink_listening "$mon" 6
in_eu rewrite 10.1.2.12 10.1.2.13 >/dev/null
# heard_all: the monitor has printed all it should (within 10 s).
heard_all() {
	nmatch 2 "$heard" '^(src 10\.1\.2\.13 dst 10\.1\.2\.2|src 10\.1\.2\.2 dst 10\.1\.2\.13) *$' &&
		nmatch 2 "$heard" '^Deleted (src 10\.1\.2\.12 dst 10\.1\.2\.2|src 10\.1\.2\.2 dst 10\.1\.2\.12) *$' &&
		has "$heard" 'src 10\.1\.2\.13/32 dst 10\.1\.2\.2/32'
} >/dev/null
for ((i = 0; i < 100; i++)); do
	heard=
	IFS= read -r -d '' heard <"$TMP.monitor"
	heard_all && break
	nap 0.1
done
kill "$mon"; wait "$mon" 2>/dev/null || true
check "ip xfrm monitor sees the new SAs" nmatch 2 "$heard" '^(src 10\.1\.2\.13 dst 10\.1\.2\.2|src 10\.1\.2\.2 dst 10\.1\.2\.13) *$'
check "and the old ones deleted" nmatch 2 "$heard" '^Deleted (src 10\.1\.2\.12 dst 10\.1\.2\.2|src 10\.1\.2\.2 dst 10\.1\.2\.12) *$'
check "and the moved policies" has "$heard" 'src 10\.1\.2\.13/32 dst 10\.1\.2\.2/32'

# --- a rewrite that fails late changes nothing and tells nobody ---
# Two transport policies whose selectors both become 10.1.5.11 -> 10.1.5.11:
# each is free at the new address, but not both, which only inserting the
# second copy finds out, after the SAs have their copies.
key 0x5001; k1=$KEY
key 0x5002; k2=$KEY
before=$(exec ip -n "$EU" -batch - <<EOF
xfrm state add src 10.1.5.1 dst 10.1.5.2 proto esp spi 0x5001 mode transport $AEAD $k1 128
xfrm state add src 10.1.5.2 dst 10.1.5.1 proto esp spi 0x5002 mode transport $AEAD $k2 128
xfrm policy add src 10.1.5.1/32 dst 10.1.5.2/32 dir out tmpl proto esp reqid 5 mode transport
xfrm policy add src 10.1.5.1/32 dst 10.1.5.11/32 dir out tmpl proto esp reqid 5 mode transport
xfrm policy add src 10.1.5.11/32 dst 10.1.5.1/32 dir out tmpl proto esp reqid 5 mode transport
xfrm state
EOF
)$'\n'$(ip -n "$EU" xfrm policy)
ip -n "$EU" xfrm monitor SA policy >"$TMP.late" 2>&1 &
mon=$!
netlink_listening "$mon" 6
run_eu rewrite 10.1.5.1 10.1.5.11
check "colliding policy copies refused" failed
check "late refusal says why" said "same selector"
dump "$EU"
check "late refusal changed nothing" is "$SP" "$before"
# A marker SA added after the refusal: once the monitor has printed it,
# it has printed all that came before, which must be nothing.
ip -n "$EU" xfrm state add src 10.1.99.1 dst 10.1.99.2 proto esp spi 0xfe01 \
	mode transport $AEAD $k1 128
for ((i = 0; i < 100; i++)); do
	told=
	IFS= read -r -d '' told <"$TMP.late"
	[[ $told == *"spi 0x0000fe01"* ]] && break
	nap 0.1
done
kill "$mon"; wait "$mon" 2>/dev/null || true
ip -n "$EU" xfrm state del src 10.1.99.1 dst 10.1.99.2 proto esp spi 0xfe01
check "late refusal told nobody" is "${told%%$'\n'*}" "src 10.1.99.1 dst 10.1.99.2"

# --- a softly expired SA does not expire softly again once moved ---
ip -n "$EU" xfrm monitor expire >"$TMP.expire" 2>&1 &
mon=$!
netlink_listening "$mon" 6
key 0x8001
ip -n "$EU" xfrm state add src 10.1.8.1 dst 10.1.8.2 proto esp spi 0x8001 \
	mode tunnel $AEAD "$KEY" 128 limit time-soft 2 limit time-hard 600
# expired N: N lines of the expire monitor's have "hard 0"; else its lines.
expired() {
	local text=
	IFS= read -r -d '' text <"$TMP.expire"
	nmatch "$1" "$text" 'hard 0'
}
# soft_expiry: the expire monitor's has "hard 0" within 10 s.
soft_expiry() {
	local i text
	for ((i = 0; i < 100; i++)); do
		text=
		IFS= read -r -d '' text <"$TMP.expire"
		has "$text" 'hard 0' >/dev/null && return 0
		nap 0.1
	done
	echo "no soft expiry: $text"
	return 1
}
check "soft expiry before the move" soft_expiry
check "dying SA moved" prints "1 states" in_eu rewrite 10.1.8.1 10.1.8.11
nap 3	# the copy's lifetime timer first runs a second after it is added
kill "$mon"; wait "$mon" 2>/dev/null || true
check "no second soft expiry" expired 1

# --- one IKE SA's SAs and policies move, another's on the same address
# stay: reqid N/MASK selects an IKE SA's block of reqids ---
NLRAW=${NLRAW:-$REPO_DIR/build/selftests/nlraw}
check "two IKE SAs on 10.1.9.1" topo_ike_blocks "$EU" 10.1.9.1 10.1.9.2
other=$(topo_block_ends "$EU" 2)
run_eu -j rewrite 10.1.9.1 10.1.9.11 reqid 0x1000/0xfffff000 dry-run
check "block 0x1000: dry run counts 4 states, 4 policies" counted 4/4
check "dry run moved nothing" topo_block_on "$EU" 1 10.1.9.1
run_eu -j rewrite 10.1.9.1 10.1.9.11 reqid 0x1000/0xfffff000
check "block 0x1000: 4 states, 4 policies moved" counted 4/4
check "block 0x1000 on 10.1.9.11" topo_block_on "$EU" 1 10.1.9.11
check "block 0x2000 untouched" is "$(topo_block_ends "$EU" 2)" "$other"
run_eu -j rewrite 10.1.9.1 10.1.9.12 reqid 0x2002
check "an exact reqid: one child, 2 states, 2 policies" counted 2/2
dump "$EU"
before=$SP
if [ -x "$NLRAW" ]; then
	run ip netns exec "$EU" "$NLRAW" rewrite addr=ip:10.1.9.1 new_addr=ip:10.1.9.13 reqid_mask=u32:0xfffff000
	mask_refused() {
		[[ $'\n'$OUT == *$'\n'"error: reqid mask without a reqid (Invalid argument) [attr reqid_mask]"* ]] ||
			{ echo "$OUT$ERR"; return 1; }
	}
	check "reqid mask without a reqid refused, saying why" mask_refused
else
	skip "reqid mask without a reqid refused" "$NLRAW not built"
fi
dump "$EU"
check "the refusal moved nothing" is "$SP" "$before"

rm -f "$TMP".*
ksft_exit
