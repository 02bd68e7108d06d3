#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The backend's interface-wide operations (user/backend/module.c through
# xfrm_mif, user/backend/xfrm_iface.c per SA without it) leave the same
# SAs and policies: two reqid blocks (two IKE SAs) share our address, each
# with tunnel- and transport-mode SAs and policies, IPv4 and IPv6; each
# operation runs once with the module loaded and once without, from the
# same start, and both results must be the same, the other block
# untouched; a refused move changes nothing on either path.
#
# The helper program is built on the host by make selftest-progs.
TEST_NAME=backend_iface
source "$(dirname "$0")/lib.sh"

PROG=${BACKEND_IFACE_PROG:-$REPO_DIR/build/selftests/backend_iface_prog}
[ -x "$PROG" ] || { echo "1..0 # SKIP $PROG not built (make selftest-progs)"; exit $KSFT_SKIP; }

require_root
require_cmd ip
modprobe -q xfrm_user && modprobe -q esp4 && modprobe -q esp6 ||
	{ echo "1..0 # SKIP no ESP"; exit $KSFT_SKIP; }
[ -f "$MODULE" ] || { echo "1..0 # SKIP $MODULE not built"; exit $KSFT_SKIP; }
trap ksft_cleanup EXIT

TMP=$(mktemp -d /tmp/mif-backend-iface.XXXXXX)
trap 'ksft_cleanup; rm -rf "$TMP"' EXIT

# Block A (reqids 0x1001, 0x1002) and block B (0x2001, 0x2002): two IKE
# SAs' Child SAs, A with peer .1, B with peer .2, both on our address L.
L4=192.0.2.1 N4=192.0.2.9 L6=2001:db8::1 N6=2001:db8::9
peer4() { echo "198.51.100.$1"; }
peer6() { echo "2001:db8:1::$1"; }
KEY=0x0102030405060708090a0b0c0d0e0f1011121314

# The lines of ip -batch: an SA, a tunnel- and a transport-mode policy.
sa() {	# SRC DST SPI REQID MODE
	local sel=
	[ "$5" = transport ] && sel="sel src $1 dst $2"
	echo "xfrm state add src $1 dst $2 proto esp spi $3 reqid $4 mode $5" \
		"aead rfc4106(gcm(aes)) $KEY 128 $sel"
}
tunnel_pol() {	# DIR SEL_SRC SEL_DST TMPL_SRC TMPL_DST REQID
	echo "xfrm policy add src $2 dst $3 dir $1" \
		"tmpl src $4 dst $5 proto esp reqid $6 mode tunnel"
}
transport_pol() {	# DIR SRC DST REQID
	echo "xfrm policy add src $2 dst $3 dir $1 tmpl proto esp reqid $4 mode transport"
}

# block FAMILY B: one IKE SA's Child SAs on L, its peer number B (1, 2).
block() {
	local f=$1 b=$2 l p pl il ip_ t=$((0x1000 * $2 + 1)) r=$((0x1000 * $2 + 2))
	local s=$((0x100 * $2 + (f == 6 ? 0x10 : 0)))
	if [ "$f" = 4 ]; then
		l=$L4 p=$(peer4 "$b") pl=32 il=10.$b.1.0/24 ip_=10.$b.2.0/24
	else
		l=$L6 p=$(peer6 "$b") pl=128 il=fd00:$b:1::/64 ip_=fd00:$b:2::/64
	fi
	sa "$l" "$p" $((s + 1)) $t tunnel
	sa "$p" "$l" $((s + 2)) $t tunnel
	sa "$l" "$p" $((s + 3)) $r transport
	sa "$p" "$l" $((s + 4)) $r transport
	tunnel_pol out "$il" "$ip_" "$l" "$p" $t
	tunnel_pol in "$ip_" "$il" "$p" "$l" $t
	tunnel_pol fwd "$ip_" "$il" "$p" "$l" $t
	transport_pol out "$l/$pl" "$p/$pl" $r
	transport_pol in "$p/$pl" "$l/$pl" $r
}

setup() {	# NS
	{ block 4 1; block 4 2; block 6 1; block 6 2; } | ip -n "$1" -batch -
}

# tables NS: SAs and policies, one line each, sorted, without counters or
# indexes.
tables() {
	{ ip -n "$1" xfrm state; ip -n "$1" xfrm policy; } |
		grep -v -e 'anti-replay' -e 'lastused' |
		sed -e 's/index [0-9]*//' |
		awk '/^src/ && NR > 1 { print line; line = "" } { line = line " " $0 } END { print line }' |
		tr -s ' \t' ' ' | sort
}
# of_block TABLES B: the lines of block B (its peer's addresses).
of_block() { grep -e "$(peer4 "$2") " -e "$(peer4 "$2")/" -e "$(peer6 "$2") " -e "$(peer6 "$2")/" "$1"; }

# run PATH NAME OP ARGS...: from a fresh start, OP through PATH (module
# or xfrm); the tables before and after, and what prog printed, in $TMP.
run() {
	local path=$1 name=$2 ns
	shift 2
	if [ "$path" = module ]; then load_module; else unload_module; fi || return 1
	make_netns ns || return 1
	setup "$ns" || { echo "setup failed"; return 1; }
	[ -z "$PRE" ] || eval "$PRE" || { echo "pre failed"; return 1; }
	tables "$ns" >"$TMP/$name.before"
	ip netns exec "$ns" "$PROG" "$@" >"$TMP/$name.$path.out" 2>&1
	echo $? >"$TMP/$name.$path.rc"
	tables "$ns" >"$TMP/$name.$path"
	ip netns del "$ns"
}

# same_both NAME: both paths succeeded with the same counts and tables.
same_both() {
	local n=$1
	cat "$TMP/$n.module.out" "$TMP/$n.xfrm.out"
	[ "$(cat "$TMP/$n.module.rc")/$(cat "$TMP/$n.xfrm.rc")" = 0/0 ] || return 1
	[ "$(cut -d' ' -f2- "$TMP/$n.module.out")" = "$(cut -d' ' -f2- "$TMP/$n.xfrm.out")" ] ||
		{ echo "counts differ"; return 1; }
	grep -q '^module ' "$TMP/$n.module.out" && grep -q '^xfrm ' "$TMP/$n.xfrm.out" ||
		{ echo "a path was not the one asked for"; return 1; }
	diff -u "$TMP/$n.module" "$TMP/$n.xfrm"
}
# untouched NAME B: block B is as it was, on both paths.
untouched() {
	local p
	for p in module xfrm; do
		diff -u <(of_block "$TMP/$1.before" "$2") <(of_block "$TMP/$1.$p" "$2") || return 1
	done
}
# counts NAME "STATES POLICIES": what both paths reported.
counts() { grep -q "^module states $2 skipped 0" "$TMP/$1.module.out" &&
	grep -q "^xfrm states $2 skipped 0" "$TMP/$1.xfrm.out"; }
# gone NAME ADDR: ADDR (as an outer address or a host) is left nowhere.
gone() { ! grep -e " $2 " -e " $2/" "$TMP/$1.xfrm"; }

# Cases are queued, then run on one path after the other, so that the
# module is loaded and unloaded once, not per case (slow under emulation).
CASES=()
both() {	# NAME OP ARGS...: queued with the current $PRE
	CASES+=("$PRE"$'\t'"$*")
}
run_cases() {
	local path c
	for path in module xfrm; do
		for c in "${CASES[@]}"; do
			PRE=${c%%$'\t'*}
			# shellcheck disable=SC2086
			run "$path" ${c#*$'\t'} || return 1
		done
	done
	PRE=
}

# ---- Every case on both paths, then the checks.
PRE=
both move4 move "$L4" "$N4"
both move6 move "$L6" "$N6"
both del4 delete "$L4"
both del6 delete "$L6"
both rq4 move "$L4" "$N4" reqid=0x1001
both rqd6 delete "$L6" reqid=0x1002
PRE='sa "$(peer4 1)" "$N4" 0x102 0x1001 tunnel | ip -n "$ns" -batch -'
both taken move "$L4" "$N4"
PRE=
run_cases || log "a case could not be set up"

# ---- Unscoped: every SA and policy of L moves or goes, both blocks.
check "move4: same on both paths" same_both move4
check "move4: 8 SAs, 10 policies" counts move4 "8 policies 10"
check "move4: nothing left on $L4" gone move4 "$L4"
check "move6: same on both paths" same_both move6
check "move6: 8 SAs, 10 policies" counts move6 "8 policies 10"
check "move6: nothing left on $L6" gone move6 "$L6"
check "del4: same on both paths" same_both del4
check "del4: 8 SAs, 10 policies" counts del4 "8 policies 10"
check "del4: nothing left on $L4" gone del4 "$L4"
v6_kept() { diff -u <(grep : "$TMP/$1.before") <(grep : "$TMP/$1.$2"); }
check "del4: IPv6 untouched (module)" v6_kept del4 module
check "del4: IPv6 untouched (xfrm)" v6_kept del4 xfrm
check "del6: same on both paths" same_both del6
check "del6: nothing left on $L6" gone del6 "$L6"

# ---- One reqid: block A's tunnel only, B untouched (every module knows it).
check "reqid move4: same on both paths" same_both rq4
check "reqid move4: 2 SAs, 3 policies" counts rq4 "2 policies 3"
check "reqid move4: block B untouched" untouched rq4 2
check "reqid del6: same on both paths" same_both rqd6
check "reqid del6: 2 SAs, 2 policies" counts rqd6 "2 policies 2"
check "reqid del6: block B untouched" untouched rqd6 2

# ---- Refused: block A's inbound tunnel SPI taken at the new address.
check "taken: refused on both paths" sh -c 'grep -q "^error: -17" "$0.module.out" && grep -q "^error: -17" "$0.xfrm.out"' "$TMP/taken"
check "taken: nothing changed (module)" diff -u "$TMP/taken.before" "$TMP/taken.module"
check "taken: nothing changed (xfrm)" diff -u "$TMP/taken.before" "$TMP/taken.xfrm"

# ---- Through the module only: clone, alternates, events.
module_only() {
	local ns out pid i
	load_module || return 1
	make_netns ns || return 1
	setup "$ns" || return 1
	out=$(ip netns exec "$ns" "$PROG" clone "$L4" "$N4" reqid=0x1001 \
		0x101:0x901:0x2122232425262728292a2b2c2d2e2f3031323334 \
		0x102:0x902:0x4142434445464748494a4b4c4d4e4f5051525354)
	check "clone: block A's tunnel SAs copied, its policies there already" \
		test "$out" = "module states 2 policies 0 skipped 3"
	check "clone: the copy's addresses" sh -c \
		'ip -n "$0" xfrm state list spi 0x901 | grep -q "^src $1 dst $2"' "$ns" "$N4" "$(peer4 1)"
	check "clone: the copy's key" sh -c \
		'ip -n "$0" xfrm state list spi 0x902 | grep -q 0x4142434445464748494a4b4c4d4e4f5051525354' "$ns"
	check "alts: set" test "$(ip netns exec "$ns" "$PROG" alts "$L4" "$N4")" = "module ok"
	check "alts: removed" test "$(ip netns exec "$ns" "$PROG" alts "$L4")" = "module ok"
	check "alts: removing none is no error" test "$(ip netns exec "$ns" "$PROG" alts "$L4")" = "module ok"

	ip netns exec "$ns" "$PROG" watch 1 >"$TMP/watch" 2>&1 &
	pid=$!
	for i in $(seq 100); do grep -q watching "$TMP/watch" && break; sleep 0.1; done
	check "events: a move through the module" ip netns exec "$ns" "$PROG" move "$L4" "$N4" reqid=0x2001
	wait "$pid"
	check "events: the move is told" grep -q "^moved $L4 $N4 states 2 policies 3" "$TMP/watch"

	unload_module
	check "without the module: clone is not supported" sh -c \
		'ip netns exec "$0" "$1" clone "$2" "$3" 0x201:0x903:0x00 2>&1 | grep -q "^error: -95"' "$ns" "$PROG" "$L4" 192.0.2.10
	check "without the module: alternates are not supported" sh -c \
		'ip netns exec "$0" "$1" alts "$2" "$3" 2>&1 | grep -q "^error: -95"' "$ns" "$PROG" "$L4" "$N4"
	# The backend still watches XFRM's acquires (trap policies), but no
	# module event comes: the watch times out (-ETIMEDOUT).
	check "without the module: no module events" sh -c \
		'ip netns exec "$0" "$1" watch 1 2>&1 | grep -q "^error: -110"' "$ns" "$PROG"
	ip netns del "$ns"
}
module_only

# ---- A block of reqids (an IKE SA's scope): XFRM_MIF_A_REQID_MASK.
block_scope() {
	local paths=xfrm
	grep -q XFRM_MIF_A_REQID_MASK "$REPO_DIR/kernel/netlink.c" && paths="module xfrm"
	[ "$paths" = xfrm ] && log "the module has no XFRM_MIF_A_REQID_MASK: the block scope through XFRM only"
	local p
	for p in $paths; do
		run "$p" blk4 move "$L4" "$N4" reqid=0x1000/0xfffff000 || return 1
		run "$p" blkd6 delete "$L6" reqid=0x1000/0xfffff000 || return 1
	done
	check "block move4: 4 SAs, 5 policies" grep -q "states 4 policies 5" "$TMP/blk4.xfrm.out"
	check "block move4: block B untouched" untouched_paths blk4 "$paths"
	check "block move4: block A left $L4" sh -c '! grep -e "198.51.100.1[ /]" "$0" | grep -q " $1[ /]"' "$TMP/blk4.xfrm" "$L4"
	check "block del6: 4 SAs, 5 policies" grep -q "states 4 policies 5" "$TMP/blkd6.xfrm.out"
	check "block del6: block B untouched" untouched_paths blkd6 "$paths"
	if [ "$paths" != xfrm ]; then
		check "block move4: same on both paths" same_both blk4
		check "block del6: same on both paths" same_both blkd6
	fi
}
untouched_paths() {
	local p
	for p in $2; do
		diff -u <(of_block "$TMP/$1.before" 2) <(of_block "$TMP/$1.$p" 2) || return 1
	done
}
block_scope

load_module
ksft_exit
