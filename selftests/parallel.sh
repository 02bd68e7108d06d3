#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Network namespaces do not wait for each other: the family's operations
# run in parallel, each holding only its own namespace's lock. While a
# rewrite of thousands of SAs runs in one namespace, requests in another
# (the module's GET_INFO, a DELETE that takes that namespace's lock,
# nlctrl's GETFAMILY) complete; an operation in the same namespace waits
# for the rewrite and sees all of it. parallel_prog counts, it does not
# time: see its header.
source "$(dirname "$0")/lib.sh"

PROG=${PARALLEL_PROG:-$REPO_DIR/build/selftests/parallel_prog}
[ -x "$PROG" ] || { echo "1..0 # SKIP $PROG not built (make selftest-progs)"; exit $KSFT_SKIP; }
require_root
require_cmd ip
modprobe -q xfrm_user || { echo "1..0 # SKIP no XFRM netlink"; exit $KSFT_SKIP; }
N=${MIF_PARALLEL_SAS:-4000}
# Requests in the other namespace that must complete during the rewrite:
# with the host's genl_mutex held by the rewrite, none would.
MIN=20

check "module loads" load_module
make_netns A
make_netns B

# N tunnel SAs from OLD to the peer and one policy using them, in A.
batch=$(mktemp /tmp/mif-parallel.XXXXXX)
for ((i = 1; i <= N; i++)); do
	echo "xfrm state add src 10.7.0.1 dst 10.7.0.2 proto esp spi $((0x100000 + i)) reqid 1 mode tunnel enc cipher_null \"\""
done >"$batch"
echo "xfrm policy add src 172.30.0.0/16 dst 172.31.0.0/16 dir out tmpl src 10.7.0.1 dst 10.7.0.2 proto esp reqid 1 mode tunnel" >>"$batch"
check "$N SAs in one namespace" ip -n "$A" -batch "$batch"
rm -f "$batch"

out=$("$PROG" "$A" "$B" 10.7.0.1 10.7.0.9 "$N" "$MIN" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "another namespace is served while a rewrite runs; the same one waits for it" test "$rc" = 0
check "every SA moved" sh -c '[ "$(ip -n "$0" xfrm state | grep -c "^src 10.7.0.9 ")" = "$1" ]' "$A" "$N"
check "the other namespace is untouched" sh -c '[ -z "$(ip -n "$0" xfrm state)" ]' "$B"

ksft_exit
