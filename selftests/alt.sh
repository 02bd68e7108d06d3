#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mifctl alt: alternate sets, per address and scope (mark, if_id, reqid
# block), are kept per network namespace, replaced, deleted, checked,
# limited per address and per namespace, and freed with the namespace and
# on unload.
source "$(dirname "$0")/lib.sh"

NLRAW=${NLRAW:-$REPO_DIR/build/selftests/nlraw}

require_root
require_cmd ip
check "module loads" load_module
make_netns A
make_netns B
mc() { mifctl_ns "$@"; }
# refused_saying NS WHY ARGS...: mifctl ARGS in NS fails, saying WHY.
refused_saying() {
	local ns=$1 why=$2 out
	shift 2
	! out=$(mc "$ns" "$@" 2>&1) || return 1
	[[ $out == *"$why"* ]] || { echo "$out"; return 1; }
}

check "set" mc "$A" alt set 10.1.3.1 10.1.2.1 10.1.1.1
check "show" is "$(mc "$A" alt show)" "10.1.3.1 alternates 10.1.2.1 10.1.1.1"
check "show -j" is "$(mc "$A" -j alt show)" '[{"address":"10.1.3.1","alternates":["10.1.2.1","10.1.1.1"]}]'
check "per netns" is "$(mc "$B" alt show)" ""
check "replace" mc "$A" alt set 10.1.3.1 10.1.1.1
check "replaced" is "$(mc "$A" alt show)" "10.1.3.1 alternates 10.1.1.1"
check "IPv6" mc "$A" alt set fd01:3::1 fd01:2::1
check "two entries" is "$(count_lines "$(mc "$A" alt show)" "")" 2

check_fails "own alternate refused" mc "$A" alt set 10.1.2.1 10.1.2.1
check "refusal says why" refused_saying "$A" "cannot be its own alternate" alt set 10.1.2.1 10.1.2.1
check_fails "duplicate refused" mc "$A" alt set 10.1.2.1 10.1.1.1 10.1.1.1
check_fails "family mismatch refused" mc "$A" alt set 10.1.2.1 fd01:1::1
nine_refused() { mc "$A" alt set 10.0.0.1 10.0.1.{1..9}; [ $? -eq 2 ]; }
check "nine alternates refused by mifctl" nine_refused
check_fails "delete unknown refused" mc "$A" alt del 10.9.9.9
check_fails "unprivileged set refused" ip netns exec "$A" setpriv --reuid=65534 --regid=65534 --clear-groups "$MIFCTL" alt set 10.1.2.1 10.1.1.1
check "refusals changed nothing" is "$(count_lines "$(mc "$A" alt show)" "")" 2

check "delete" mc "$A" alt del 10.1.3.1
check "deleted" is "$(mc "$A" alt show)" "fd01:3::1 alternates fd01:2::1"

# Scopes: one set per address and (mark, mask, if_id), each replaced and
# deleted on its own; the mark is kept masked.
check "scoped by mark" mc "$A" alt set 10.1.3.1 10.1.2.1 mark 0x11 mask 0xf0
check "scoped by if_id" mc "$A" alt set 10.1.3.1 10.1.1.1 if_id 7
check "scoped by both" mc "$A" alt set 10.1.3.1 10.1.1.1 10.1.2.1 mark 1 if_id 7
check "unscoped beside them" mc "$A" alt set 10.1.3.1 10.1.2.1
shown() { mc "$A" alt show; }
check "four sets" is "$(count_lines "$(shown)" "10.1.3.1 ")" 4
check "scope shown, mark masked" has_line "$(shown)" "10.1.3.1 mark 0x10/0xf0 alternates 10.1.2.1"
in_json() { [[ $(mc "$A" -j alt show) == *"$1"* ]]; }
check "scope in JSON" in_json '{"address":"10.1.3.1","mark":1,"mask":4294967295,"if_id":7,"alternates":["10.1.1.1","10.1.2.1"]}'
check "same scope replaced" mc "$A" alt set 10.1.3.1 10.1.2.1 if_id 7
check "still four sets" is "$(count_lines "$(shown)" "10.1.3.1 ")" 4
check "if_id 7 replaced" has_line "$(shown)" "10.1.3.1 if_id 7 alternates 10.1.2.1"
check "scoped set deleted" mc "$A" alt del 10.1.3.1 mark 1 if_id 7
check_fails "its scope only" mc "$A" alt del 10.1.3.1 mark 1
check "three sets" is "$(count_lines "$(shown)" "10.1.3.1 ")" 3

# A reqid with its mask is a scope too: one set per IKE SA, each a block of
# reqids; the reqid is kept masked, and the mask is part of the scope.
check "scoped by reqid block 0x1000" mc "$A" alt set 10.1.5.1 10.1.2.1 reqid 0x1000/0xfffff000
check "scoped by reqid block 0x2000" mc "$A" alt set 10.1.5.1 10.1.1.1 reqid 0x2000/0xfffff000
check "scoped by an exact reqid" mc "$A" alt set 10.1.5.1 10.1.1.1 reqid 0x1001
out=$(shown)
check "three sets for 10.1.5.1" is "$(count_lines "$out" "10.1.5.1 ")" 3
check "reqid scope shown" has_line "$out" "10.1.5.1 reqid 0x1000/0xfffff000 alternates 10.1.2.1"
check "exact reqid shown with its full mask" has_line "$out" "10.1.5.1 reqid 0x1001/0xffffffff alternates 10.1.1.1"
check "reqid scope in JSON" in_json '{"address":"10.1.5.1","reqid":8192,"reqid_mask":4294963200,"alternates":["10.1.1.1"]}'
check "same block, kept masked: replaced" mc "$A" alt set 10.1.5.1 10.1.3.1 reqid 0x1234/0xfffff000
out=$(shown)
check "still three sets" is "$(count_lines "$out" "10.1.5.1 ")" 3
check "block 0x1000 replaced" has_line "$out" "10.1.5.1 reqid 0x1000/0xfffff000 alternates 10.1.3.1"
check_fails "another mask is another scope" mc "$A" alt del 10.1.5.1 reqid 0x1000/0xffff0000
check "block 0x1000 deleted" mc "$A" alt del 10.1.5.1 reqid 0x1000/0xfffff000
out=$(shown)
check "block 0x2000 left" has_line "$out" "10.1.5.1 reqid 0x2000/0xfffff000 alternates 10.1.1.1"
check "reqid 0x1001 left" has_line "$out" "10.1.5.1 reqid 0x1001/0xffffffff alternates 10.1.1.1"
check "nothing else for 10.1.5.1" is "$(count_lines "$out" "10.1.5.1 ")" 2
if [ -x "$NLRAW" ]; then
	# nlraw prints one answer a line, for each request of its input.
	mapfile -t ans < <(printf '%s\n' \
		"alt_set addr=ip:10.1.5.1 alts=ips:10.1.2.1 reqid_mask=u32:0xfffff000" \
		"alt_del addr=ip:10.1.5.1 reqid_mask=u32:0xfffff000" |
		ip netns exec "$A" "$NLRAW" -)
	check "reqid mask without a reqid refused, saying why" \
		is "${ans[0]:-}" "error: reqid mask without a reqid (Invalid argument) [attr reqid_mask]"
	check "and for alt del" is "${ans[1]%% (*}" "error: reqid mask without a reqid"
else
	skip "reqid mask without a reqid refused" "$NLRAW not built"
fi
check "refusals changed nothing" is "$(count_lines "$(shown)" "10.1.5.1 ")" 2

# Limits: XFRM_MIF_MAX_ALT_SCOPES (16) sets per address, XFRM_MIF_MAX_ALT_SETS
# (256) per namespace, then -ENOSPC with the reason. Each many at once in
# one mifctl -b.
batch_sets() { # NS FIRST LAST FORMAT: alt set FORMAT's line for each i
	local i
	for ((i = $2; i <= $3; i++)); do
		printf "alt set $4\n" "$i"
	done | mifctl_batch "$1"
}
check "16 sets for one address" batch_sets "$A" 1 16 "10.1.4.1 10.1.2.1 mark %d"
check "a 17th refused" refused_saying "$A" \
	"too many alternate sets (scopes) for this address (No space left on device)" \
	alt set 10.1.4.1 10.1.2.1 mark 17
check "replacing one of the 16 still works" mc "$A" alt set 10.1.4.1 10.1.1.1 mark 16
check "namespace with entries deleted" ip netns del "$A"
check "many entries" batch_sets "$B" 1 200 "10.2.0.%d 10.3.0.1"
check "256 sets in a namespace" batch_sets "$B" 1 56 "10.4.0.%d 10.3.0.1"
check "a 257th refused" refused_saying "$B" \
	"too many alternate sets in this network namespace (No space left on device)" \
	alt set 10.4.1.1 10.3.0.1
check "replacing within the limit" mc "$B" alt set 10.4.0.1 10.3.0.2
delete_then_set() {
	printf '%s\n' "alt del 10.4.0.2" "alt set 10.4.1.1 10.3.0.1" | mifctl_batch "$B"
}
check "after a delete, room for one" delete_then_set

# A batch stops at its first failure, naming the line; -f goes on.
batch_stops() {
	local out
	! out=$(printf '%s\n' "alt del 10.4.0.3" "alt del 10.9.9.9" "alt del 10.4.0.4" |
		mifctl_batch "$B" 2>&1) || return 1
	[[ $out == *"batch - line 2 failed"* ]] || { echo "$out"; return 1; }
	out=$(mc "$B" alt show)
	! has_line "$out" "10.4.0.3 alternates 10.3.0.1" &&
		has_line "$out" "10.4.0.4 alternates 10.3.0.1"
}
batch_forced() {
	! printf '%s\n' "alt del 10.9.9.9" "alt del 10.4.0.4" | mifctl_batch "$B" -f ||
		return 1
	! has_line "$(mc "$B" alt show)" "10.4.0.4 alternates 10.3.0.1"
}
check "a batch stops at its first failure" batch_stops
check "-f goes on after it" batch_forced
check "module unloads with entries" unload_module

ksft_exit
