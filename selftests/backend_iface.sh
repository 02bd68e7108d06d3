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
#
# A process costs a great deal under emulation in a debug kernel: all cases
# share one namespace, each set up afresh by one ip -batch; the tables are
# listed only where a check reads them and compared in bash; the helper
# enters the namespace itself (-n), without ip netns exec.
TEST_NAME=backend_iface
source "$(dirname "$0")/lib.sh"

PROG=${BACKEND_IFACE_PROG:-$REPO_DIR/build/selftests/backend_iface_prog}
[ -x "$PROG" ] || { echo "1..0 # SKIP $PROG not built (make selftest-progs)"; exit $KSFT_SKIP; }

require_root
require_cmd ip
modprobe -q -a xfrm_user esp4 esp6 || { echo "1..0 # SKIP no ESP"; exit $KSFT_SKIP; }
[ -f "$MODULE" ] || { echo "1..0 # SKIP $MODULE not built"; exit $KSFT_SKIP; }


# Block A (reqids 0x1001, 0x1002) and block B (0x2001, 0x2002): two IKE
# SAs' Child SAs, A with peer .1, B with peer .2, both on our address L.
L4=192.0.2.1 N4=192.0.2.9 L6=2001:db8::1 N6=2001:db8::9
P4=(- 198.51.100.1 198.51.100.2)	# ${P4[B]}: block B's IPv4 peer
P6=(- 2001:db8:1::1 2001:db8:1::2)
KEY=0x0102030405060708090a0b0c0d0e0f1011121314

# The lines of ip -batch, added to the array LINES: an SA, a tunnel- and a
# transport-mode policy.
sa() {	# SRC DST SPI REQID MODE
	local sel=
	[ "$5" = transport ] && sel=" sel src $1 dst $2"
	LINES+=("xfrm state add src $1 dst $2 proto esp spi $3 reqid $4 mode $5 aead rfc4106(gcm(aes)) $KEY 128$sel")
}
tunnel_pol() {	# DIR SEL_SRC SEL_DST TMPL_SRC TMPL_DST REQID
	LINES+=("xfrm policy add src $2 dst $3 dir $1 tmpl src $4 dst $5 proto esp reqid $6 mode tunnel")
}
transport_pol() {	# DIR SRC DST REQID
	LINES+=("xfrm policy add src $2 dst $3 dir $1 tmpl proto esp reqid $4 mode transport")
}

# block FAMILY B: one IKE SA's Child SAs on L, its peer number B (1, 2).
block() {
	local f=$1 b=$2 l p pl il ip_ t=$((0x1000 * $2 + 1)) r=$((0x1000 * $2 + 2))
	local s=$((0x100 * $2 + (f == 6 ? 0x10 : 0)))
	if [ "$f" = 4 ]; then
		l=$L4 p=${P4[b]} pl=32 il=10.$b.1.0/24 ip_=10.$b.2.0/24
	else
		l=$L6 p=${P6[b]} pl=128 il=fd00:$b:1::/64 ip_=fd00:$b:2::/64
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

# SETUP: the lines of ip -batch that make the start of every case, the
# namespace's SAs and policies flushed first.
LINES=("xfrm state flush" "xfrm policy flush")
block 4 1; block 4 2; block 6 1; block 6 2
printf -v SETUP '%s\n' "${LINES[@]}"

# tables VAR TEXT: the SAs and policies of TEXT (ip xfrm state and policy)
# into VAR, one line each (" src ... ", blanks squeezed), without counters
# or indexes.
tables() {
	local l rec='' all='' w
	while IFS= read -r l; do
		[[ $l == *anti-replay* || $l == *lastused* ]] && continue
		[[ $l =~ index\ [0-9]* ]] && l=${l/"${BASH_REMATCH[0]}"/}
		if [[ $l == src* && -n $rec ]]; then
			all+=" $rec "$'\n'
			rec=''
		fi
		set -f
		# shellcheck disable=SC2206
		w=($l)
		set +f
		rec+="${rec:+ }${w[*]}"
	done <<<"$2"
	[ -z "$rec" ] || all+=" $rec "$'\n'
	printf -v "$1" '%s' "$all"
}

# dump VAR [LINES]: LINES (ip -batch) run in NS, then its tables into VAR.
# ip xfrm state and ip xfrm policy exit once they have listed: one ip
# each, the policies' the one that runs LINES.
dump() {
	local st po
	po=$(exec ip -n "$NS" -batch - 2>&1 <<<"${2:-}xfrm policy") || { echo "$po"; return 1; }
	st=$(exec ip -n "$NS" xfrm state 2>&1) || { echo "$st"; return 1; }
	tables "$1" "$st"$'\n'"$po"
}

# same_lines A B: texts A and B have the same lines, as many times each, in
# any order; else those only in A (-) and those only in B (+).
same_lines() {
	local -A cnt=()
	local l bad=0
	while IFS= read -r l; do cnt["x$l"]=$((${cnt["x$l"]:-0} + 1)); done <<<"$1"
	while IFS= read -r l; do cnt["x$l"]=$((${cnt["x$l"]:-0} - 1)); done <<<"$2"
	while IFS= read -r l; do
		[ "${cnt["x$l"]}" -gt 0 ] || continue
		echo "-$l"
		cnt["x$l"]=$((${cnt["x$l"]} - 1)) bad=1
	done <<<"$1"
	while IFS= read -r l; do
		[ "${cnt["x$l"]}" -lt 0 ] || continue
		echo "+$l"
		cnt["x$l"]=$((${cnt["x$l"]} + 1)) bad=1
	done <<<"$2"
	return $bad
}

# with VAR TEXT WORD...: the lines of TEXT that hold one of the WORDs.
with() {
	local -n __with=$1
	local l w
	__with=
	while IFS= read -r l; do
		for w in "${@:3}"; do
			[[ $l == *"$w"* ]] && { __with+=$l$'\n'; break; }
		done
	done <<<"$2"
}
# of_block VAR TABLE B: the lines of block B (its peer's addresses).
of_block() {
	with "$1" "$2" "${P4[$3]} " "${P4[$3]}/" "${P6[$3]} " "${P6[$3]}/"
}

# starts_line TEXT PREFIX: a line of TEXT starts with PREFIX.
starts_line() { [[ $'\n'$1 == *$'\n'"$2"* ]]; }
# says TEXT PREFIX: as starts_line, TEXT shown if not.
says() { starts_line "$1" "$2" || { printf '%s\n' "$1"; return 1; }; }

# Each case: TAB[NAME.before.PATH] (if the case asks for it), TAB[NAME.PATH]
# (the tables before and after OP through PATH, module or xfrm),
# OUT[NAME.PATH] (what prog printed) and RC[NAME.PATH] (its exit status).
declare -A TAB=() OUT=() RC=()

# Cases are queued, then run on one path after the other in one namespace,
# so that the module is loaded and unloaded once, not per case (slow under
# emulation); each case flushes the namespace and sets it up afresh.
CASES=()
both() {	# NAME OP ARGS...: queued with the current $PATHS, $BEFORE and $PRE
	CASES+=("$PATHS"$'\t'"$BEFORE"$'\t'"$PRE"$'\t'"$*")
}
# run_path PATH: every case of PATH, set up afresh with one ip -batch
# (which lists the tables before if $BEFORE asked for them), OP through
# prog, the tables after.
run_path() {
	local path=$1 c paths before pre args name out
	if [ "$path" = module ]; then load_module; else unload_module; fi || return 1
	for c in "${CASES[@]}"; do
		paths=${c%%$'\t'*} c=${c#*$'\t'}
		before=${c%%$'\t'*} c=${c#*$'\t'}
		pre=${c%%$'\t'*} args=${c#*$'\t'}
		[[ " $paths " == *" $path "* ]] || continue
		name=${args%% *}
		if [ -n "$before" ]; then
			dump "TAB[$name.before.$path]" "$SETUP$pre" || { echo "setup of $name failed"; return 1; }
			[ -n "${TAB[$name.before.$path]}" ] || { echo "setup of $name left nothing"; return 1; }
		else
			out=$(exec ip -n "$NS" -batch - 2>&1 <<<"$SETUP$pre") ||
				{ echo "setup of $name failed:"; echo "$out"; return 1; }
		fi
		# shellcheck disable=SC2086
		OUT[$name.$path]=$(exec "$PROG" -n "$NS" ${args#* } 2>&1)
		RC[$name.$path]=$?
		dump "TAB[$name.$path]" || return 1
	done
}

# ran NAME.PATH...: the tables after each were read (else say so).
ran() {
	local k
	for k; do
		[ -n "${TAB[$k]:-}" ] || { echo "no tables of $k: it did not run"; return 1; }
	done
}

# same_both NAME: both paths succeeded with the same counts and tables.
same_both() {
	local n=$1 l m='' x=''
	printf '%s\n' "${OUT[$n.module]}" "${OUT[$n.xfrm]}"
	[ "${RC[$n.module]}/${RC[$n.xfrm]}" = 0/0 ] || return 1
	ran "$n.module" "$n.xfrm" || return 1
	# the words after the first of each line (the path's name)
	while IFS= read -r l; do m+=${l#* }$'\n'; done <<<"${OUT[$n.module]}"
	while IFS= read -r l; do x+=${l#* }$'\n'; done <<<"${OUT[$n.xfrm]}"
	[ "$m" = "$x" ] || { echo "counts differ"; return 1; }
	starts_line "${OUT[$n.module]}" "module " && starts_line "${OUT[$n.xfrm]}" "xfrm " ||
		{ echo "a path was not the one asked for"; return 1; }
	same_lines "${TAB[$n.module]}" "${TAB[$n.xfrm]}"
}
# untouched NAME B [PATHS]: block B is as it was, on each path (both).
untouched() {
	local p a b
	for p in ${3:-module xfrm}; do
		ran "$1.before.$p" "$1.$p" || return 1
		of_block a "${TAB[$1.before.$p]}" "$2"
		of_block b "${TAB[$1.$p]}" "$2"
		echo "$p:"
		same_lines "$a" "$b" || return 1
	done
}
# counts NAME "STATES POLICIES": what both paths reported.
counts() {
	echo "${OUT[$1.module]}"
	echo "${OUT[$1.xfrm]}"
	starts_line "${OUT[$1.module]}" "module states $2 skipped 0" &&
		starts_line "${OUT[$1.xfrm]}" "xfrm states $2 skipped 0"
}
# gone NAME ADDR: ADDR (as an outer address or a host) is left nowhere.
gone() {
	local left
	ran "$1.xfrm" || return 1
	with left "${TAB[$1.xfrm]}" " $2 " " $2/"
	[ -z "$left" ] || { printf '%s' "$left"; return 1; }
}
# v6_kept NAME PATH: the IPv6 SAs and policies are as they were.
v6_kept() {
	local a b
	ran "$1.before.$2" "$1.$2" || return 1
	with a "${TAB[$1.before.$2]}" :
	with b "${TAB[$1.$2]}" :
	same_lines "$a" "$b"
}
# refused NAME ERRNO: both paths failed with -ERRNO.
refused() {
	printf '%s\n' "${OUT[$1.module]}" "${OUT[$1.xfrm]}"
	starts_line "${OUT[$1.module]}" "error: -$2" && starts_line "${OUT[$1.xfrm]}" "error: -$2"
}

make_netns NS || { echo "1..0 # SKIP cannot make a namespace"; exit $KSFT_SKIP; }

# ---- Every case on both paths, then the checks.
PRE='' PATHS="module xfrm" BEFORE=''
both move4 move "$L4" "$N4"
both move6 move "$L6" "$N6"
BEFORE=yes
both del4 delete "$L4"
BEFORE=''
both del6 delete "$L6"
BEFORE=yes
both rq4 move "$L4" "$N4" reqid=0x1001
both rqd6 delete "$L6" reqid=0x1002
LINES=()
sa "${P4[1]}" "$N4" 0x102 0x1001 tunnel
printf -v PRE '%s\n' "${LINES[@]}"
both taken move "$L4" "$N4"
PRE=
# A block of reqids (an IKE SA's scope): XFRM_MIF_A_REQID_MASK, through
# the module too if it has it.
read -r -d '' netlink_c <"$REPO_DIR/kernel/netlink.c"
BLOCK_PATHS=xfrm
[[ $netlink_c == *XFRM_MIF_A_REQID_MASK* ]] && BLOCK_PATHS="module xfrm"
[ "$BLOCK_PATHS" = xfrm ] && log "the module has no XFRM_MIF_A_REQID_MASK: the block scope through XFRM only"
PATHS=$BLOCK_PATHS
both blk4 move "$L4" "$N4" reqid=0x1000/0xfffff000
both blkd6 delete "$L6" reqid=0x1000/0xfffff000
PATHS=
run_all() { run_path module && run_path xfrm; }
check "every case set up and run on both paths" run_all

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
check "taken: refused on both paths" refused taken 17
unchanged() { ran "$1.before.$2" "$1.$2" && same_lines "${TAB[$1.before.$2]}" "${TAB[$1.$2]}"; }
check "taken: nothing changed (module)" unchanged taken module
check "taken: nothing changed (xfrm)" unchanged taken xfrm

# ---- Through the module only: clone, alternates, events.
# sa_like TEXT WORDS [MORE]: TEXT (tables) has an SA that holds WORDS
# (and MORE).
sa_like() {
	local l
	while IFS= read -r l; do
		[[ $l == *"$2"* && $l == *"${3:-}"* ]] && return 0
	done <<<"$1"
	echo "no SA with \"$2\" ${3:+and \"$3\" }in:"
	printf '%s' "$1"
	return 1
}
module_only() {
	local out states w l pid
	load_module || return 1
	check "set up afresh for the module's own operations" ip -n "$NS" -batch - <<<"$SETUP"
	out=$(exec "$PROG" -n "$NS" clone "$L4" "$N4" reqid=0x1001 \
		0x101:0x901:0x2122232425262728292a2b2c2d2e2f3031323334 \
		0x102:0x902:0x4142434445464748494a4b4c4d4e4f5051525354 2>&1)
	check "clone: block A's tunnel SAs copied, its policies there already" \
		is "$out" "module states 2 policies 0 skipped 3"
	out=$(exec ip -n "$NS" xfrm state 2>&1)
	tables states "$out"
	check "clone: the copy's addresses" sa_like "$states" " src $N4 dst ${P4[1]} proto esp spi 0x00000901 "
	check "clone: the copy's key" sa_like "$states" " spi 0x00000902 " \
		" 0x4142434445464748494a4b4c4d4e4f5051525354 "
	check "alts: set" is "$(exec "$PROG" -n "$NS" alts "$L4" "$N4" 2>&1)" "module ok"
	check "alts: removed" is "$(exec "$PROG" -n "$NS" alts "$L4" 2>&1)" "module ok"
	check "alts: removing none is no error" is "$(exec "$PROG" -n "$NS" alts "$L4" 2>&1)" "module ok"

	# The watcher's output through a pipe: it is ready once it says so.
	exec {w}< <(exec "$PROG" -n "$NS" watch 1 2>&1)
	pid=$!
	IFS= read -r -t 10 l <&"$w"
	out=$l$'\n'
	check "events: a move through the module" "$PROG" -n "$NS" move "$L4" "$N4" reqid=0x2001
	while IFS= read -r -t 20 l <&"$w"; do out+=$l$'\n'; done
	exec {w}<&-
	wait "$pid"
	check "events: the move is told" says "$out" "moved $L4 $N4 states 2 policies 3"

	unload_module
	check "without the module: clone is not supported" says \
		"$(exec "$PROG" -n "$NS" clone "$L4" 192.0.2.10 0x201:0x903:0x00 2>&1)" "error: -95"
	check "without the module: alternates are not supported" says \
		"$(exec "$PROG" -n "$NS" alts "$L4" "$N4" 2>&1)" "error: -95"
	# The backend still watches XFRM's acquires (trap policies), but no
	# module event comes: the watch times out (-ETIMEDOUT).
	check "without the module: no module events" says \
		"$(exec "$PROG" -n "$NS" watch 1 2>&1)" "error: -110"
}
module_only

# ---- A block of reqids (an IKE SA's scope): XFRM_MIF_A_REQID_MASK.
has_counts() { echo "${OUT[$1.xfrm]}"; [[ ${OUT[$1.xfrm]} == *"$2"* ]]; }
# left_of NAME B ADDR: no SA or policy of block B has ADDR any more.
left_of() {
	local a l
	ran "$1.xfrm" || return 1
	with a "${TAB[$1.xfrm]}" "${P4[$2]} " "${P4[$2]}/"
	with l "$a" " $3 " " $3/"
	[ -z "$l" ] || { printf '%s' "$l"; return 1; }
}
check "block move4: 4 SAs, 5 policies" has_counts blk4 "states 4 policies 5"
check "block move4: block B untouched" untouched blk4 2 "$BLOCK_PATHS"
check "block move4: block A left $L4" left_of blk4 1 "$L4"
check "block del6: 4 SAs, 5 policies" has_counts blkd6 "states 4 policies 5"
check "block del6: block B untouched" untouched blkd6 2 "$BLOCK_PATHS"
if [ "$BLOCK_PATHS" != xfrm ]; then
	check "block move4: same on both paths" same_both blk4
	check "block del6: same on both paths" same_both blkd6
fi

load_module
ksft_exit
