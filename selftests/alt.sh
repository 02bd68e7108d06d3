#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mifctl alt: per-address alternates are kept per network namespace,
# replaced, deleted, checked, and freed with the namespace and on unload.
source "$(dirname "$0")/lib.sh"

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
check "namespace with entries deleted" ip netns del "$A"
check "many entries" sh -c 'for i in $(seq 1 200); do ip netns exec "$0" "$1" alt set 10.2.0.$((i % 250 + 1)) 10.3.0.1 || exit 1; done' "$B" "$MIFCTL"
check "module unloads with entries" unload_module

ksft_exit
