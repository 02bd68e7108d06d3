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

# refused NAME MESSAGE CMD ATTRS...: CMD with ATTRS must be refused, with
# MESSAGE (an extended regular expression) in the reply. The requests are
# queued; refused_run sends them all through one nlraw, a process start
# costing a great deal in the debug kernel, and checks each answer.
ref_names=()
ref_msgs=()
ref_reqs=()
refused() {
	ref_names+=("$1")
	ref_msgs+=("$2")
	shift 2
	ref_reqs+=("$*")
}
refused_answer() {
	local re="^error: .*$2"
	[[ $1 =~ $re ]] || { echo "answer: ${1:-none}"; return 1; }
}
refused_run() {
	local -a out
	local i
	mapfile -t out < <(printf '%s\n' "${ref_reqs[@]}" | raw -)
	for i in "${!ref_reqs[@]}"; do
		check "${ref_names[i]}" refused_answer "${out[i]:-}" "${ref_msgs[i]}"
	done
	ref_names=()
	ref_msgs=()
	ref_reqs=()
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
refused "reqid mask without reqid" "reqid mask without a reqid.*\[attr reqid_mask\]" delete addr=ip:10.1.1.1 reqid_mask=u32:0xfffff000
refused "unknown top-level attribute" "" delete addr=ip:10.1.1.1 250=u32:1
refused "oversized address attribute" "" delete addr=zeros:3000
refused "port of 4 bytes" "" rewrite addr=ip:10.1.1.1 new_addr=ip:10.1.1.11 port=u32:4500
refused "nine alternates" "too many alternates" alt_set addr=ip:10.1.1.1 alts=ips:10.9.0.1,10.9.0.2,10.9.0.3,10.9.0.4,10.9.0.5,10.9.0.6,10.9.0.7,10.9.0.8,10.9.0.9
refused "alternate of another family" "another address family" alt_set addr=ip:10.1.1.1 alts=ips:fd01::1
refused "alternates without the nested flag" "NLA_F_NESTED is missing" alt_set addr=ip:10.1.1.1 "alts=hex:080002800a010101"
refused "unknown command" "" 99

# --- each operation takes only its own attributes ---
# (10.9.9.9 binds nothing: a request that got through would change nothing)
refused "get_info takes no address" "Unsupported attribute.*\[attr addr\]" get_info addr=ip:10.9.9.9
refused "rewrite takes no FROM list" "Unsupported attribute.*\[attr from\]" rewrite addr=ip:10.9.9.9 new_addr=ip:10.9.9.8 flags=u32:1 from=ips:10.9.9.7
refused "clone takes no address" "Unsupported attribute.*\[attr addr\]" clone addr=ip:10.9.9.9 new_addr=ip:10.9.9.8 from=ips:10.9.9.7
refused "delete takes no new address" "Unsupported attribute.*\[attr new_addr\]" delete addr=ip:10.9.9.9 flags=u32:1 new_addr=ip:10.9.9.8
refused "delete takes no port" "Unsupported attribute.*\[attr port\]" delete addr=ip:10.9.9.9 flags=u32:1 port=u16:4500
refused "alt_set takes no flags" "Unsupported attribute.*\[attr flags\]" alt_set addr=ip:10.9.9.9 alts=ips:10.9.9.8 flags=u32:1
refused "alt_set's reqid scope needs its reqid" "reqid mask without a reqid.*\[attr reqid_mask\]" alt_set addr=ip:10.9.9.9 alts=ips:10.9.9.8 reqid_mask=u32:0xfffff000
refused "alt_del takes no flags" "Unsupported attribute.*\[attr flags\]" alt_del addr=ip:10.9.9.9 flags=u32:1
refused "alt_get dump takes no address" "Unsupported attribute.*\[attr addr\]" -d alt_get addr=ip:10.9.9.9
refused "dump takes no reqid" "Unsupported attribute.*\[attr reqid\]" -d dump addr=ip:10.9.9.9 reqid=u32:1
refused "dump takes no reqid mask" "Unsupported attribute.*\[attr reqid_mask\]" -d dump addr=ip:10.9.9.9 reqid_mask=u32:1
refused "padding is no request attribute" "Unsupported attribute.*\[attr pad\]" delete addr=ip:10.9.9.9 flags=u32:1 pad=u32:0

# The numbers only the kernel sends are refused in every request, by name
# (each operation here with one of them; KUnit tries every pair); the
# dump's nests as any attribute an operation does not take.
reply_only=(version features states policies skipped)
i=0
for op in get_info rewrite clone delete alt_set alt_del "-d alt_get" "-d dump"; do
	a=${reply_only[i++ % ${#reply_only[@]}]}
	# shellcheck disable=SC2086
	refused "${op#-d } refuses $a by name" "XFRM_MIF_A_${a^^} is only sent by the kernel .*\[attr $a\]" $op "$a=u32:1"
done
refused "an SA entry sent back" "Unsupported attribute.*\[attr state\]" delete addr=ip:10.9.9.9 flags=u32:1 state=ip:10.9.9.9
refused "a policy entry sent back" "Unsupported attribute.*\[attr policy\]" -d dump policy=ip:10.9.9.9

# --- nests are checked by their policies, down to each address ---
# nla TYPE HEX: one attribute, TYPE in hex (8003: ADDR with NLA_F_NESTED).
nla() { printf '%02x%02x%s%s' $(((${#2} / 2 + 4) & 255)) $(((${#2} / 2 + 4) >> 8)) "${1:2:2}${1:0:2}" "$2"; }
inet=$(nla 0001 0a090909)
refused "alternates holding a non-address" "Unsupported attribute.*\[attr alts.1\]" alt_set addr=ip:10.9.9.9 "alts=nest:$(nla 8001 "$inet")"
refused "FROM holding a non-address" "Unsupported attribute.*\[attr from.2\]" clone new_addr=ip:10.9.9.8 "from=nest:$(nla 8002 "$inet")"
refused "an alternate of 3 bytes" "\[attr alts.3.1\]" alt_set addr=ip:10.9.9.9 "alts=nest:$(nla 8003 "$(nla 0001 0a0909)")"
refused "CLONES holding a non-entry" "Unsupported attribute.*\[attr clones.3\]" clone new_addr=ip:10.9.9.8 from=ips:10.9.9.7 "clones=nest:$(nla 8003 "$inet")"
refused "a clone entry's destination of 5 bytes" "\[attr clones.22.3.1\]" clone new_addr=ip:10.9.9.8 from=ips:10.9.9.7 "clones=nest:$(nla 8016 "$(nla 8003 "$(nla 0001 0a09090900)")")"
refused "a clone entry without its SPI" "needs the SPI.*\[missing attr 1 in clones.22\]" clone new_addr=ip:10.9.9.8 from=ips:10.9.9.7 "clones=nest:$(nla 8016 "$(nla 0004 00001234)")"
refused "rewrite without a new address names it" "missing new address.*\[missing attr new_addr\]" rewrite addr=ip:10.9.9.9
refused "clone without FROM names it" "\[missing attr from\]" clone new_addr=ip:10.9.9.8
refused_run
check "nothing changed" test "$before" = "$(snapshot)"
check "the module still answers" raw get_info

# The spec says what each operation takes: so do the module's policies.
if command -v genl >/dev/null && python3 -c 'import yaml' 2>/dev/null; then
	policies=$(mktemp /tmp/mif-policies.XXXXXX)
	check "each operation takes what docs/xfrm_mif.yaml says" sh -c \
		'genl ctrl policy name xfrm_mif >"$0" && "$1" --policy "$0"' \
		"$policies" "$REPO_DIR/tools/ynl-check"
	rm -f "$policies"
else
	skip "each operation takes what docs/xfrm_mif.yaml says" "no genl or python3-yaml"
fi
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
