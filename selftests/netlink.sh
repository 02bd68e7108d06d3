#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad netlink input, sent raw (nlraw builds what mifctl never would):
# malformed, missing, oversized and unknown attributes, wrong families,
# unprivileged callers. Each is refused with a message, nothing changes,
# and the module keeps answering.
source "$(dirname "$0")/lib.sh"
source "$SELFTEST_DIR/topo.sh"

NLRAW=${NLRAW:-$REPO_DIR/build/selftests/nlraw}
require_root
require_cmd ip
[ -x "$NLRAW" ] || { echo "1..0 # SKIP $NLRAW not built (make selftest-progs)"; exit $KSFT_SKIP; }
modprobe -q xfrm_user && modprobe -q esp4 || { echo "1..0 # SKIP no ESP"; exit $KSFT_SKIP; }
check "module loads" load_module
topo_setup >/dev/null 2>&1
check "tunnel set up" topo_tunnel 1 0x1001 0x2001

raw() { ip netns exec "$EU" "$NLRAW" "$@"; }
snapshot() { ip -n "$EU" xfrm state; ip -n "$EU" xfrm policy; ip netns exec "$EU" "$MIFCTL" alt show; }
before=$(snapshot)

# refused NAME MESSAGE CMD ATTRS...: refused, with MESSAGE in the reply.
refused() {
	local name=$1 msg=$2 out rc
	shift 2
	out=$(raw "$@")
	rc=$?
	check "$name" sh -c '[ "$0" = 1 ] && printf "%s\n" "$1" | grep -q -e "^error: .*$2" || { echo "rc $0: $1"; exit 1; }' "$rc" "$out" "$msg"
}

refused "rewrite without an address" "missing" rewrite new_addr=ip:10.1.1.11
refused "rewrite without a new address" "missing" rewrite addr=ip:10.1.1.1
refused "delete without an address" "missing" delete
refused "address not a nest" "" delete addr=hex:0a010101
refused "IPv4 address of 3 bytes" "" delete addr=hex:070001000a0101
refused "IPv4 address of 5 bytes" "" delete addr=hex:090001000a01010100
refused "both families in one address" "" delete "addr=hex:080001000a0101011400020000000000000000000000000000000001"
refused "empty address nest" "" delete addr=hex:
refused "unknown attribute inside an address" "" delete addr=hex:080009000a010101
refused "new address of another family" "families differ" rewrite addr=ip:10.1.1.1 new_addr=ip:fd01:1::11
refused "unknown flag bit" "" delete addr=ip:10.1.1.1 flags=u32:0x80
refused "mark of 2 bytes" "" delete addr=ip:10.1.1.1 mark=u16:1
refused "mask without mark" "mark mask without a mark" delete addr=ip:10.1.1.1 mark_mask=u32:255
refused "unknown top-level attribute" "" delete addr=ip:10.1.1.1 250=u32:1
refused "oversized address attribute" "" delete addr=zeros:3000
refused "port of 4 bytes" "" rewrite addr=ip:10.1.1.1 new_addr=ip:10.1.1.11 port=u32:4500
refused "nine alternates" "too many alternates" alt_set addr=ip:10.1.1.1 alts=ips:10.9.0.1,10.9.0.2,10.9.0.3,10.9.0.4,10.9.0.5,10.9.0.6,10.9.0.7,10.9.0.8,10.9.0.9
refused "alternate of another family" "another address family" alt_set addr=ip:10.1.1.1 alts=ips:fd01::1
refused "alternates without the nested flag" "NLA_F_NESTED is missing" alt_set addr=ip:10.1.1.1 "alts=hex:080002800a010101"
refused "unknown command" "" 99
check "nothing changed" test "$before" = "$(snapshot)"
check "the module still answers" raw get_info
check "a well-formed dry run passes" raw rewrite addr=ip:10.1.1.1 new_addr=ip:10.1.1.11 flags=u32:1

# --- who may write ---
for op in "rewrite addr=ip:10.1.1.1 new_addr=ip:10.1.1.11" "delete addr=ip:10.1.1.1" \
	"alt_set addr=ip:10.1.1.1 alts=ips:10.1.2.1" "alt_del addr=ip:10.1.1.1"; do
	# shellcheck disable=SC2086
	check "unprivileged ${op%% *} refused" sh -c '! ip netns exec "$0" setpriv --reuid=65534 --regid=65534 --clear-groups "$1" '"$op"' | grep -q ^ok' "$EU" "$NLRAW"
	# shellcheck disable=SC2086
	check "user-namespace root ${op%% *} refused" sh -c '! ip netns exec "$0" unshare -Ur "$1" '"$op"' | grep -q ^ok' "$EU" "$NLRAW"
done
check "nothing changed by unprivileged callers" test "$before" = "$(snapshot)"
check "admin of its own namespace may operate there" sh -c 'unshare -Urn "$0" delete addr=ip:10.1.1.1 | grep -q ^ok' "$NLRAW"

ksft_exit
