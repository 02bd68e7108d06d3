#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mifctl show: SAs and policies grouped by the addresses they are bound to,
# filterable, across many dump messages, never with keys.
source "$(dirname "$0")/lib.sh"
source "$SELFTEST_DIR/topo.sh"

require_root
require_cmd ip
modprobe -q xfrm_user && modprobe -q esp4 || { echo "1..0 # SKIP no ESP"; exit $KSFT_SKIP; }
check "module loads" load_module
topo_setup >/dev/null 2>&1
check "topology" test -n "$EU" -a -n "$SG"
for i in 1 2; do
	check "tunnel $i set up" topo_tunnel "$i" "0x100$i" "0x200$i"
done
show() { ip netns exec "$EU" "$MIFCTL" "$@"; }

check "filtered group lists 2 SAs" test "$(show show "$(topo_eu_outer 1)" | grep -c '^    sa ')" = 2
check "filtered group lists 2 policies" test "$(show show "$(topo_eu_outer 1)" | grep -c '^    policy ')" = 2
check "filter leaves other interfaces out" sh -c '! ip netns exec "$0" "$1" show "$2" | grep -q 10.1.2.' "$EU" "$MIFCTL" "$(topo_eu_outer 1)"
check "unfiltered: one group per outer address" test "$(show show | grep -c '^[0-9]')" = 4
check "json groups" sh -c 'ip netns exec "$0" "$1" -j show "$2" | grep -q "^\[{\"address\":\"$2\",\"states\":\[{"' "$EU" "$MIFCTL" "$(topo_eu_outer 2)"
spi_forms() {	# the SPI as ip xfrm prints it, in text and in JSON
	ip -n "$EU" xfrm state list spi 0x1001 | grep -q 'spi 0x00001001 ' &&
		show show "$(topo_eu_outer 1)" | grep -q 'spi 0x00001001 ' &&
		show -j show "$(topo_eu_outer 1)" | grep -q '"spi":"0x00001001"'
}
check "SPIs as ip xfrm prints them, text and JSON" spi_forms
check "no key material" sh -c '! ip netns exec "$0" "$1" -j show | grep -q -i -e "$(printf %040x 0x1001)" -e key' "$EU" "$MIFCTL"
check "unknown address: empty" test "$(show -j show 10.9.9.9)" = "[]"

check "400 more SAs" sh -c 'for i in $(seq 1 400); do echo "xfrm state add src 10.1.3.1 dst 10.1.3.2 proto esp spi $((0x10000 + i)) mode tunnel enc cbc(aes) 0x00112233445566778899aabbccddeeff"; done | ip -n "$0" -batch -' "$EU"
check "all 400 listed across dump messages" test "$(show -j show "$(topo_eu_outer 3)" | grep -o '"spi"' | wc -l)" = 400
check "unprivileged caller refused" sh -c '! ip netns exec "$0" setpriv --reuid=65534 --regid=65534 --clear-groups "$1" show' "$EU" "$MIFCTL"
check "module unloads" unload_module

ksft_exit
