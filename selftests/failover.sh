#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kernel failover: EU's interfaces 1 and 3 have interface 2's address as
# alternate. When eu1's address is deleted, and when eu3 loses its carrier,
# the module moves their SAs to 10.1.2.1 by itself and tells the events
# group; SG then follows (as its key manager would on UPDATE_SA_ADDRESSES)
# and ESP flows over eu2. Nothing moves back when the link returns. Sets
# scoped by mark, if_id or reqid block (one IKE SA's) move only their own
# SAs, and a failover that cannot move says why. A long failover in one
# namespace does not hold up another namespace's; unloading the module with
# alternates and live SAs moves nothing.
# Each process costs a great deal in the debug kernel: mifctl -n and ip -n
# instead of ip netns exec, several commands in one -batch, dumps taken
# once and matched in bash, waits without sleep.
source "$(dirname "$0")/lib.sh"
source "$SELFTEST_DIR/topo.sh"

require_root
require_cmd ip ping
modprobe -q xfrm_user && modprobe -q esp4 || { echo "1..0 # SKIP no ESP"; exit $KSFT_SKIP; }
check "module loads" load_module
topo_setup >/dev/null 2>&1
check "topology" test -n "$EU" -a -n "$SG"
for i in 1 3; do
	check "tunnel $i set up" topo_tunnel "$i" "0x100$i" "0x200$i"
done
# Inner traffic and, once their own links fail, the peer's outer addresses
# of 1 and 3 go through eu2 (SG answers for any of its addresses there).
ip -n "$EU" -force -batch - <<EOF
route replace $TOPO_SG_INNER/32 dev eu2
route add 10.1.1.0/24 dev eu2 metric 100
route add 10.1.3.0/24 dev eu2 metric 100
EOF
ip -n "$SG" -force -batch - <<EOF
route replace 172.16.1.1/32 dev sg2
route replace 172.16.3.1/32 dev sg2
EOF
ip netns exec "$EU" sysctl -qw net.ipv4.conf.all.ignore_routes_with_linkdown=1 \
	net.ipv4.conf.eu3.ignore_routes_with_linkdown=1
for i in 1 3; do
	check "ping over tunnel $i before" topo_ping "$i"
done

TMP=${TMPDIR:-/tmp}/mif-fo.$$
in_eu() { "$MIFCTL" -n "$EU" "$@"; }


# mc_batch NS [OPTION]...: mifctl's commands of standard input, one a line,
# in one mifctl -n NS -f -b -: MC_OUT gets its standard output, MC_ERR its
# errors, MC_RC its status; mc_ok N then tells whether line N succeeded.
mc_batch() {
	MC_OUT=$(exec "$MIFCTL" -n "$1" "${@:2}" -f -b - 2>"$TMP.err")
	MC_RC=$?
	MC_ERR=
	IFS= read -r -d '' MC_ERR <"$TMP.err"
	return 0
}
# mc_ok N: line N of the last mc_batch succeeded; else its errors. A
# status without a failed line (mifctl could not start) fails every line.
mc_ok() {
	[[ $MC_ERR == *"batch - line $1 failed"* ]] ||
		{ [ "$MC_RC" -ne 0 ] && [[ $MC_ERR != *"batch - line "*" failed"* ]]; } ||
		return 0
	printf '%s' "$MC_ERR"
	return 1
}

# ip_batch NS: ip's commands of standard input, one a line, in one
# ip -n NS -batch: IP_OUT gets ip's output and IP_DONE how many commands
# succeeded. ip stops at the first that fails (ip xfrm exits), so a
# "link show dev lo" after each counts them.
ip_batch() {
	local l text=
	while IFS= read -r l; do
		text+=$l$'\n'"link show dev lo"$'\n'
	done
	IP_OUT=$(exec ip -n "$1" -batch - 2>&1 <<<"$text")
	IP_DONE=0
	while IFS= read -r l; do
		[[ $l != "1: lo:"* ]] || IP_DONE=$((IP_DONE + 1))
	done <<<"$IP_OUT"
}
# ip_ok N: command N of the last ip_batch succeeded; else ip's errors.
ip_ok() {
	[ "$IP_DONE" -ge "$1" ] && return 0
	local l
	while IFS= read -r l; do
		[[ $l == "1: lo:"* || $l == "    link/loopback "* ]] || echo "$l"
	done <<<"$IP_OUT"
	return 1
}

# states NS: ST gets NS's SAs (one ip, matched in bash afterwards).
states() { ST=$(ip -n "$1" xfrm state); }
# sa_in SRC DST SPI: ST has an SA from SRC to DST with SPI; else ST.
sa_in() {
	local l hit=
	while IFS= read -r l; do
		[[ -n $hit && $l == *"spi $3 "* ]] && return 0
		[[ $l == "src $1 dst $2" ]] && hit=1 || hit=
	done <<<"$ST"
	echo "no SA from $1 to $2 with SPI $3 in:"
	echo "$ST"
	return 1
}
# spi_at NS SRC DST SPI: a new dump of NS has that SA (ST keeps the dump).
spi_at() { states "$1" && sa_in "${@:2}"; }
# wait_for CMD...: CMD succeeds within 100 tries a tenth of a second apart;
# the last try's output shown.
wait_for() {
	local i
	for ((i = 1; i < 100; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		nap 0.1
	done
	"$@"
}
# prints TEXT CMD...: CMD's standard output has TEXT; else that output.
prints() {
	local out
	out=$("${@:2}")
	[[ $out == *"$1"* ]] || { echo "$out"; return 1; }
}
# lines_with N TEXT PATTERN...: N lines of TEXT have one of the PATTERNs
# (grep -c); else the count and TEXT.
lines_with() {
	local l p n=0
	while IFS= read -r l; do
		for p in "${@:3}"; do
			[[ $l == *"$p"* ]] && { n=$((n + 1)); break; }
		done
	done <<<"$2"
	[ "$n" = "$1" ] || { echo "$n lines, not $1, with ${*:3} in:"; echo "$2"; return 1; }
}
# lines_from N TEXT PREFIX: N lines of TEXT start with PREFIX; else TEXT.
lines_from() {
	local l n=0
	while IFS= read -r l; do
		[[ $l != "$3"* ]] || n=$((n + 1))
	done <<<"$2"
	[ "$n" = "$1" ] || { echo "$n lines, not $1, start with \"$3\" in:"; echo "$2"; return 1; }
}
# seen_in FILE N PATTERN: N lines of FILE (a monitor's) have PATTERN
# within 5 s; else the file.
seen_in() {
	local i text
	for ((i = 0; i < 50; i++)); do
		text=
		IFS= read -r -d '' text <"$1"
		lines_with "$2" "$text" "$3" >/dev/null && return 0
		nap 0.1
	done
	cat "$1"
	return 1
}

# One batch: the info first (its JSON the first line), then the sets,
# which print nothing.
mc_batch "$EU" -j <<'EOF'
info
alt set 10.1.1.1 10.1.2.1
alt set 10.1.3.1 10.1.9.9 10.1.1.1 10.1.2.1
EOF
info_has_alternates() { mc_ok 1 && [[ ${MC_OUT%%$'\n'*} == *'"alternates"'* ]] || { echo "$MC_OUT"; return 1; }; }
check "info announces alternates" info_has_alternates
check "alternate of eu1" mc_ok 2
check "alternates of eu3, first one absent" mc_ok 3

"$MIFCTL" -n "$EU" -j monitor count 2 >"$TMP.events" &
monitor=$!
netlink_listening "$monitor" 16

# --- the address goes away ---
ip -n "$EU" addr del 10.1.1.1/24 dev eu1
check "eu1's SAs moved to 10.1.2.1" wait_for spi_at "$EU" 10.1.2.1 10.1.1.2 0x00001001
# The dump that showed the move shows the rest.
check "both directions" sa_in 10.1.1.2 10.1.2.1 0x00002001
check "eu3's SAs stayed" sa_in 10.1.3.1 10.1.3.2 0x00001003
check "policy templates followed" lines_with 2 "$(ip -n "$EU" xfrm policy)" \
	"tmpl src 10.1.2.1 dst 10.1.1.2" "tmpl src 10.1.1.2 dst 10.1.2.1"
check "SG follows" prints "2 states, 2 policies" "$MIFCTL" -n "$SG" rewrite 10.1.1.1 10.1.2.1
check "ping over tunnel 1 after failover" topo_ping 1

# --- the link loses its carrier ---
ip -n "$SG" link set sg3 down
check "eu3's SAs moved past absent alternates" wait_for spi_at "$EU" 10.1.2.1 10.1.3.2 0x00001003
check "SG follows" prints "2 states, 2 policies" "$MIFCTL" -n "$SG" rewrite 10.1.3.1 10.1.2.1
check "ping over tunnel 3 after failover" topo_ping 3
check "monitor saw both failovers" seen_in "$TMP.events" 2 '"event":"failover","new_address":"10.1.2.1"'
kill "$monitor" 2>/dev/null
wait "$monitor" 2>/dev/null

# --- the link comes back: nothing moves ---
ip -n "$SG" link set sg3 up
nap 1
check "nothing moved back" spi_at "$EU" 10.1.2.1 10.1.3.2 0x00001003

# --- no alternate usable: the SAs stay ---
check "tunnel 3 again on eu3" in_eu rewrite 10.1.2.1 10.1.3.1 reqid 3
check "only absent alternates" in_eu alt set 10.1.3.1 10.1.9.9
ip -n "$SG" link set sg3 down
nap 1
check "SAs stay without a usable alternate" spi_at "$EU" 10.1.3.1 10.1.3.2 0x00001003
ip -n "$SG" link set sg3 up

# --- scopes: each alternate set moves its own marks or if_id, and says why
# when it cannot ---
# eu3 carries, besides tunnel 3, an SA of mark 1, one of mark 2 and one of
# if_id 7. Mark 1 has a usable alternate; if_id 7's move is refused (its
# SPI is taken at 10.1.2.1); the unscoped set (10.1.9.9) has none usable.
aead="aead rfc4106(gcm(aes))"
printf -v keys '0x%040x ' 0x3101 0x3102 0x3103 0x3203	# topo_key's
read -r k1 k2 k3 k4 <<<"$keys"
ip_batch "$EU" <<EOF
xfrm state add src 10.1.3.1 dst 10.1.3.2 proto esp spi 0x3101 mode tunnel $aead $k1 128 mark 1
xfrm state add src 10.1.3.1 dst 10.1.3.2 proto esp spi 0x3102 mode tunnel $aead $k2 128 mark 2
xfrm state add src 10.1.3.2 dst 10.1.3.1 proto esp spi 0x3103 mode tunnel $aead $k3 128 if_id 7
xfrm state add src 10.1.3.2 dst 10.1.2.1 proto esp spi 0x3103 mode tunnel $aead $k4 128
EOF
check "SA of mark 1" ip_ok 1
check "SA of mark 2" ip_ok 2
check "SA of if_id 7" ip_ok 3
check "if_id 7's SPI taken at 10.1.2.1" ip_ok 4
mc_batch "$EU" <<'EOF'
alt set 10.1.3.1 10.1.2.1 mark 1
alt set 10.1.3.1 10.1.9.9 10.1.2.1 if_id 7
alt show
EOF
check "alternates of mark 1" mc_ok 1
check "alternates of if_id 7" mc_ok 2
check "three sets for eu3" lines_from 3 "$MC_OUT" "10.1.3.1 "
scopes_shown() {
	has_line "$MC_OUT" "10.1.3.1 mark 0x1/0xffffffff alternates 10.1.2.1" || { echo "$MC_OUT"; return 1; }
	prints '"address":"10.1.3.1","if_id":7,"alternates":["10.1.9.9","10.1.2.1"]' in_eu -j alt show
}
check "scopes shown" scopes_shown

"$MIFCTL" -n "$EU" -j monitor count 3 >"$TMP.events" &
monitor=$!
netlink_listening "$monitor" 16
ip -n "$SG" link set sg3 down
check "mark 1 moved" wait_for spi_at "$EU" 10.1.2.1 10.1.3.2 0x00003101
check "mark 2 stayed" sa_in 10.1.3.1 10.1.3.2 0x00003102
check "if_id 7 stayed (refused)" sa_in 10.1.3.2 10.1.3.1 0x00003103
check "unscoped SAs stayed" sa_in 10.1.3.1 10.1.3.2 0x00001003
check "event: mark 1 moved" seen_in "$TMP.events" 1 '"event":"failover","new_address":"10.1.2.1","address":"10.1.3.1","states":1,"policies":0,"mark":1,"mask":4294967295}'
check "event: if_id 7 refused, with the reason" seen_in "$TMP.events" 1 '"new_address":"10.1.2.1","address":"10.1.3.1","states":1,"policies":0,"if_id":7,"reason":"refused","error":"File exists","message":"an SA with the same SPI exists at the new address"'
check "event: no alternate for the rest" seen_in "$TMP.events" 1 '"address":"10.1.3.1","states":4,"policies":2,"reason":"no-alternate","message":"no alternate is up with carrier"'
kill "$monitor" 2>/dev/null
wait "$monitor" 2>/dev/null
ip -n "$SG" link set sg3 up
mc_batch "$EU" <<'EOF'
alt del 10.1.3.1 mark 1
alt del 10.1.3.1 mark 1
alt show
EOF
check "scoped set deleted" mc_ok 1
check_fails "deleted once" mc_ok 2
check "two sets left for eu3" lines_from 2 "$MC_OUT" "10.1.3.1 "

# --- namespaces fail over side by side: a long failover in one namespace
# does not hold up another's ---
modprobe -qa ah4 dummy 2>/dev/null
# side NS ADDR ALT: a namespace whose ADDR (on a dummy link, else a veth)
# has alternate ALT.
side() {
	make_netns "$1" || return 1
	local ns=${!1} out
	out=$(exec ip -n "$ns" -force -batch - 2>&1 <<-EOF
		link add d0 type dummy
		link add name d0 type veth peer name d1
		address add $2/24 dev d0
		address add $3/24 dev d0
		link set d0 up
	EOF
	)
	# The dummy, or else the veth, then the rest.
	if [[ $out == *"Command failed -:"[345]* ||
		($out == *"Command failed -:1"$'\n'* && $out == *"Command failed -:2"*) ]]; then
		echo "$out"
		return 1
	fi
	"$MIFCTL" -n "$ns" alt set "$2" "$3"
}
# ah_sas NS N SRC: N AH SAs from SRC (an AH copy allocates its own
# transform), in one ip -batch.
ah_sas() {
	local i args=() text
	for ((i = 1; i <= $2; i++)); do
		args+=($((0x100000 + i)) "$i")
	done
	printf -v text "xfrm state add src $3 dst 10.7.0.1 proto ah spi %d mode tunnel auth 'hmac(sha256)' 0x%064x\n" "${args[@]}"
	ip -n "$1" -batch - <<<"$text"
}
N_SLOW=${MIF_FAILOVER_SAS:-3000}
tcase "namespace with a long failover" side SLOW 10.9.0.1 10.9.9.1
check "$N_SLOW SAs there" ah_sas "$SLOW" "$N_SLOW" 10.9.0.1
tcase "namespace with a short one" side FAST 10.8.0.1 10.8.9.1
check "one SA there" ah_sas "$FAST" 1 10.8.0.1
"$MIFCTL" -n "$SLOW" -j monitor count 1 >"$TMP.slow" &
mon_slow=$!
"$MIFCTL" -n "$FAST" -j monitor count 1 >"$TMP.fast" &
mon_fast=$!
# The losses come from processes already running, through read-write fifos
# (nothing to start, no open that waits): FAST's loss follows SLOW's as soon
# as ip monitor has seen SLOW's address go.
mkfifo "$TMP.slow-cmd" "$TMP.fast-cmd" "$TMP.slow-addr"
ip -n "$SLOW" monitor address 1<>"$TMP.slow-addr" &
ip_mon=$!
ip -n "$SLOW" -batch - <>"$TMP.slow-cmd" &
ip_slow=$!
ip -n "$FAST" -batch - <>"$TMP.fast-cmd" &
ip_fast=$!
exec 8<>"$TMP.slow-addr"
netlink_listening "$mon_slow" 16
netlink_listening "$mon_fast" 16
netlink_listening "$ip_mon" 0
echo "address del 10.9.0.1/24 dev d0" >"$TMP.slow-cmd"
read -r -t 60 _ <&8
echo "address del 10.8.0.1/24 dev d0" >"$TMP.fast-cmd"
exec 8<&-
# Both monitors' events, within 60 s.
for ((i = 0; i < 300; i++)); do
	[ -s "$TMP.fast" ] && [ -s "$TMP.slow" ] && break
	nap 0.2
done
# The short one's event file written before the long one's (their times
# read only to say so when not).
short_first() {
	[[ $TMP.slow -nt $TMP.fast ]] && return 0
	echo "short one at $(stat -c %.9Y "$TMP.fast"), long one at $(stat -c %.9Y "$TMP.slow")"
	return 1
}
if debug_kernel; then
	# The short one starts once a process has seen the long one's
	# address go: there, later than the long one ends.
	skip "the short failover did not wait for the long one" "debug kernel"
else
	check "the short failover did not wait for the long one" short_first
fi
check "the long one moved everything" seen_in "$TMP.slow" 1 "\"new_address\":\"10.9.9.1\",\"address\":\"10.9.0.1\",\"states\":$N_SLOW,"
check "the short one moved its SA" seen_in "$TMP.fast" 1 '"new_address":"10.8.9.1","address":"10.8.0.1","states":1,'
kill "$mon_slow" "$mon_fast" "$ip_mon" "$ip_slow" "$ip_fast" 2>/dev/null
wait "$mon_slow" "$mon_fast" "$ip_mon" "$ip_slow" "$ip_fast" 2>/dev/null

# --- a set scoped by a reqid block moves one IKE SA's SAs and policies;
# another IKE SA's on the same address, without a set, stay ---
tcase "namespace of two IKE SAs" side BLK 10.6.0.1 10.6.9.1
check "two IKE SAs on 10.6.0.1" topo_ike_blocks "$BLK" 10.6.0.1 10.6.0.2
mc_batch "$BLK" <<'EOF'
alt del 10.6.0.1
alt set 10.6.0.1 10.6.9.1 reqid 0x1000/0xfffff000
EOF
check "without its unscoped set" mc_ok 1
check "alternates of block 0x1000" mc_ok 2
other=$(topo_block_ends "$BLK" 2)
"$MIFCTL" -n "$BLK" -j monitor count 1 >"$TMP.events" &
monitor=$!
netlink_listening "$monitor" 16
ip -n "$BLK" addr del 10.6.0.1/24 dev d0
check "block 0x1000 moved to 10.6.9.1" wait_for topo_block_on "$BLK" 1 10.6.9.1
check "block 0x2000 stayed" test "$other" = "$(topo_block_ends "$BLK" 2)"
check "event: block 0x1000 moved, with its scope" seen_in "$TMP.events" 1 '"event":"failover","new_address":"10.6.9.1","address":"10.6.0.1","states":4,"policies":4,"reqid":4096,"reqid_mask":4294963200}'
kill "$monitor" 2>/dev/null
wait "$monitor" 2>/dev/null

# --- unloading with alternates and SAs moves nothing ---
check "alternate for eu2" in_eu alt set 10.1.2.1 10.1.3.1
# sas_and_policies: SP gets EU's SAs and policies as ip xfrm state; ip xfrm
# policy prints them (two ip: ip xfrm's lists end ip, even in a -batch).
sas_and_policies() { SP=$(ip -n "$EU" xfrm state)$'\n'$(ip -n "$EU" xfrm policy); }
sas_and_policies
before=$SP
check "module unloads" unload_module
sas_and_policies
check "unload moved nothing" is "$SP" "$before"
check "module loads again" load_module
check "alternates gone with the module" is "$(in_eu alt show)" ""

rm -f "$TMP".*
ksft_exit
