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
mc() { local ns=$1; shift; ip netns exec "$ns" "$MIFCTL" "$@"; }

check "set" mc "$A" alt set 10.1.3.1 10.1.2.1 10.1.1.1
check "show" test "$(mc "$A" alt show)" = "10.1.3.1 alternates 10.1.2.1 10.1.1.1"
check "show -j" test "$(mc "$A" -j alt show)" = '[{"address":"10.1.3.1","alternates":["10.1.2.1","10.1.1.1"]}]'
check "per netns" test -z "$(mc "$B" alt show)"
check "replace" mc "$A" alt set 10.1.3.1 10.1.1.1
check "replaced" test "$(mc "$A" alt show)" = "10.1.3.1 alternates 10.1.1.1"
check "IPv6" mc "$A" alt set fd01:3::1 fd01:2::1
check "two entries" test "$(mc "$A" alt show | wc -l)" = 2

check_fails "own alternate refused" mc "$A" alt set 10.1.2.1 10.1.2.1
check "refusal says why" sh -c 'ip netns exec "$0" "$1" alt set 10.1.2.1 10.1.2.1 2>&1 | grep -q "cannot be its own alternate"' "$A" "$MIFCTL"
check_fails "duplicate refused" mc "$A" alt set 10.1.2.1 10.1.1.1 10.1.1.1
check_fails "family mismatch refused" mc "$A" alt set 10.1.2.1 fd01:1::1
check "nine alternates refused by mifctl" sh -c 'ip netns exec "$0" "$1" alt set 10.0.0.1 $(seq -f 10.0.1.%g 1 9); [ $? -eq 2 ]' "$A" "$MIFCTL"
check_fails "delete unknown refused" mc "$A" alt del 10.9.9.9
check_fails "unprivileged set refused" ip netns exec "$A" setpriv --reuid=65534 --regid=65534 --clear-groups "$MIFCTL" alt set 10.1.2.1 10.1.1.1
check "refusals changed nothing" test "$(mc "$A" alt show | wc -l)" = 2

check "delete" mc "$A" alt del 10.1.3.1
check "deleted" test "$(mc "$A" alt show)" = "fd01:3::1 alternates fd01:2::1"

# Scopes: one set per address and (mark, mask, if_id), each replaced and
# deleted on its own; the mark is kept masked.
check "scoped by mark" mc "$A" alt set 10.1.3.1 10.1.2.1 mark 0x11 mask 0xf0
check "scoped by if_id" mc "$A" alt set 10.1.3.1 10.1.1.1 if_id 7
check "scoped by both" mc "$A" alt set 10.1.3.1 10.1.1.1 10.1.2.1 mark 1 if_id 7
check "unscoped beside them" mc "$A" alt set 10.1.3.1 10.1.2.1
check "four sets" test "$(mc "$A" alt show | grep -c '^10.1.3.1 ')" = 4
check "scope shown, mark masked" sh -c 'ip netns exec "$0" "$1" alt show | grep -qx "10.1.3.1 mark 0x10/0xf0 alternates 10.1.2.1"' "$A" "$MIFCTL"
check "scope in JSON" sh -c 'ip netns exec "$0" "$1" -j alt show | grep -q "{\"address\":\"10.1.3.1\",\"mark\":1,\"mask\":4294967295,\"if_id\":7,\"alternates\":\[\"10.1.1.1\",\"10.1.2.1\"\]}"' "$A" "$MIFCTL"
check "same scope replaced" mc "$A" alt set 10.1.3.1 10.1.2.1 if_id 7
check "still four sets" test "$(mc "$A" alt show | grep -c '^10.1.3.1 ')" = 4
check "if_id 7 replaced" sh -c 'ip netns exec "$0" "$1" alt show | grep -qx "10.1.3.1 if_id 7 alternates 10.1.2.1"' "$A" "$MIFCTL"
check "scoped set deleted" mc "$A" alt del 10.1.3.1 mark 1 if_id 7
check_fails "its scope only" mc "$A" alt del 10.1.3.1 mark 1
check "three sets" test "$(mc "$A" alt show | grep -c '^10.1.3.1 ')" = 3

# A reqid with its mask is a scope too: one set per IKE SA, each a block of
# reqids; the reqid is kept masked, and the mask is part of the scope.
check "scoped by reqid block 0x1000" mc "$A" alt set 10.1.5.1 10.1.2.1 reqid 0x1000/0xfffff000
check "scoped by reqid block 0x2000" mc "$A" alt set 10.1.5.1 10.1.1.1 reqid 0x2000/0xfffff000
check "scoped by an exact reqid" mc "$A" alt set 10.1.5.1 10.1.1.1 reqid 0x1001
check "three sets for 10.1.5.1" test "$(mc "$A" alt show | grep -c '^10.1.5.1 ')" = 3
check "reqid scope shown" sh -c 'ip netns exec "$0" "$1" alt show | grep -qx "10.1.5.1 reqid 0x1000/0xfffff000 alternates 10.1.2.1" &&
	ip netns exec "$0" "$1" alt show | grep -qx "10.1.5.1 reqid 0x1001/0xffffffff alternates 10.1.1.1"' "$A" "$MIFCTL"
check "reqid scope in JSON" sh -c 'ip netns exec "$0" "$1" -j alt show | grep -q "{\"address\":\"10.1.5.1\",\"reqid\":8192,\"reqid_mask\":4294963200,\"alternates\":\[\"10.1.1.1\"\]}"' "$A" "$MIFCTL"
check "same block, kept masked: replaced" mc "$A" alt set 10.1.5.1 10.1.3.1 reqid 0x1234/0xfffff000
check "still three sets" test "$(mc "$A" alt show | grep -c '^10.1.5.1 ')" = 3
check "block 0x1000 replaced" sh -c 'ip netns exec "$0" "$1" alt show | grep -qx "10.1.5.1 reqid 0x1000/0xfffff000 alternates 10.1.3.1"' "$A" "$MIFCTL"
check_fails "another mask is another scope" mc "$A" alt del 10.1.5.1 reqid 0x1000/0xffff0000
check "block 0x1000 deleted" mc "$A" alt del 10.1.5.1 reqid 0x1000/0xfffff000
check "block 0x2000 and reqid 0x1001 left" sh -c '[ "$(ip netns exec "$0" "$1" alt show | grep "^10.1.5.1 " | cut -d" " -f3 | sort | tr "\n" " ")" = "0x1001/0xffffffff 0x2000/0xfffff000 " ]' "$A" "$MIFCTL"
if [ -x "$NLRAW" ]; then
	check "reqid mask without a reqid refused, saying why" sh -c 'ip netns exec "$0" "$1" alt_set addr=ip:10.1.5.1 alts=ips:10.1.2.1 reqid_mask=u32:0xfffff000 | grep -q "^error: reqid mask without a reqid (Invalid argument) \[attr reqid_mask\]"' "$A" "$NLRAW"
	check "and for alt del" sh -c 'ip netns exec "$0" "$1" alt_del addr=ip:10.1.5.1 reqid_mask=u32:0xfffff000 | grep -q "^error: reqid mask without a reqid"' "$A" "$NLRAW"
else
	skip "reqid mask without a reqid refused" "$NLRAW not built"
fi
check "refusals changed nothing" test "$(mc "$A" alt show | grep -c '^10.1.5.1 ')" = 2

# Limits: XFRM_MIF_MAX_ALT_SCOPES (16) sets per address, XFRM_MIF_MAX_ALT_SETS
# (256) per namespace, then -ENOSPC with the reason.
check "16 sets for one address" sh -c 'for i in $(seq 1 16); do ip netns exec "$0" "$1" alt set 10.1.4.1 10.1.2.1 mark $i || exit 1; done' "$A" "$MIFCTL"
check "a 17th refused" sh -c 'ip netns exec "$0" "$1" alt set 10.1.4.1 10.1.2.1 mark 17 2>&1 | grep -q "too many alternate sets (scopes) for this address (No space left on device)"' "$A" "$MIFCTL"
check "replacing one of the 16 still works" mc "$A" alt set 10.1.4.1 10.1.1.1 mark 16
check "namespace with entries deleted" ip netns del "$A"
check "many entries" sh -c 'for i in $(seq 1 200); do ip netns exec "$0" "$1" alt set 10.2.0.$((i % 250 + 1)) 10.3.0.1 || exit 1; done' "$B" "$MIFCTL"
check "256 sets in a namespace" sh -c 'for i in $(seq 1 56); do ip netns exec "$0" "$1" alt set 10.4.0.$i 10.3.0.1 || exit 1; done' "$B" "$MIFCTL"
check "a 257th refused" sh -c 'ip netns exec "$0" "$1" alt set 10.4.1.1 10.3.0.1 2>&1 | grep -q "too many alternate sets in this network namespace (No space left on device)"' "$B" "$MIFCTL"
check "replacing within the limit" mc "$B" alt set 10.4.0.1 10.3.0.2
check "after a delete, room for one" sh -c 'ip netns exec "$0" "$1" alt del 10.4.0.2 && ip netns exec "$0" "$1" alt set 10.4.1.1 10.3.0.1' "$B" "$MIFCTL"
check "module unloads with entries" unload_module

ksft_exit
