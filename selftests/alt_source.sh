#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ESP from the sender's alternate, before the receiver has updated (the
# "Multihoming and failover" section of docs/protocol/mif.md): EU fails
# over from eu1 to eu2 on its own side only, and its ESP for SG's
# unchanged address 10.1.1.2 now leaves eu2 from 10.1.2.1. SG's kernel
# finds the inbound SA by destination and SPI, and its tunnel-mode policy
# check compares the template with the SA's configured addresses, not
# with the packet's outer source: SG takes the packets as they are, and
# counts no state or template mismatch. In transport mode, on eu3's pair,
# the SA's selector names the outer source: SG decrypts, then drops the
# packets (XfrmInStateMismatch) until it has rewritten its side. Plain
# XFRM: no module needed.
source "$(dirname "$0")/lib.sh"
source "$SELFTEST_DIR/topo.sh"

require_root
require_cmd ip ping
modprobe -q xfrm_user && modprobe -q esp4 || { echo "1..0 # SKIP no ESP"; exit $KSFT_SKIP; }
topo_setup >/dev/null 2>&1
check "topology" test -n "$EU" -a -n "$SG"
check "tunnel 1 set up" topo_tunnel 1 0x1001 0x2001
check "ping over eu1 before" topo_ping 1

stat() { awk -v k="$2" '$1 == k { print $2 }' <(ip netns exec "$1" cat /proc/net/xfrm_stat); }
ip netns exec "$SG" sysctl -qw net.ipv4.conf.all.rp_filter=0
ip netns exec "$SG" sysctl -qw net.ipv4.conf.sg2.rp_filter=0
nostates=$(stat "$SG" XfrmInNoStates)
tmpl=$(stat "$SG" XfrmInTmplMismatch)
before=$(topo_esp_packets "$SG" 0x1001)

# EU alone moves its outbound SA and policy to 10.1.2.1, out of eu2.
key=$(topo_key 0x1001)
ip -n "$EU" xfrm state del src 10.1.1.1 dst 10.1.1.2 proto esp spi 0x1001
check "EU's outbound SA from the alternate" ip -n "$EU" xfrm state add \
	src 10.1.2.1 dst 10.1.1.2 proto esp spi 0x1001 reqid 1 mode tunnel \
	aead 'rfc4106(gcm(aes))' "$key" 128
check "EU's policy from the alternate" ip -n "$EU" xfrm policy update \
	src 172.16.1.1/32 dst "$TOPO_SG_INNER/32" dir out \
	tmpl src 10.1.2.1 dst 10.1.1.2 proto esp reqid 1 mode tunnel
ip -n "$EU" route replace 10.1.1.2/32 dev eu2 src 10.1.2.1

check "ping with ESP from the alternate, SG unchanged" topo_ping 1
after=$(topo_esp_packets "$SG" 0x1001)
check "SG's inbound SA counted them" test "$after" -ge $((before + 2))
check "SG saw no missing state" test "$(stat "$SG" XfrmInNoStates)" = "$nostates"
check "SG saw no template mismatch" test "$(stat "$SG" XfrmInTmplMismatch)" = "$tmpl"
check "SG's SA still names 10.1.1.1" sh -c 'ip -n "$0" xfrm state | grep -q "^src 10.1.1.1 dst 10.1.1.2$"' "$SG"

# Transport mode, eu3's pair: SAs bound to the host selectors.
transport() {
	local ns src=$1 spi=$2 dst=$3
	for ns in "$EU" "$SG"; do
		ip -n "$ns" xfrm state add src "$src" dst "$dst" proto esp \
			spi "$spi" reqid 3 mode transport \
			aead 'rfc4106(gcm(aes))' "$(topo_key "$spi")" 128 \
			sel src "$src/32" dst "$dst/32" || return 1
	done
}
policy() {	# policy NS SRC DST DIR
	ip -n "$1" xfrm policy add src "$2/32" dst "$3/32" dir "$4" \
		tmpl proto esp reqid 3 mode transport
}
both_ways() { transport 10.1.3.1 0x3001 10.1.3.2 && transport 10.1.3.2 0x3002 10.1.3.1; }
check "transport SAs set up" both_ways
policy "$EU" 10.1.3.1 10.1.3.2 out
policy "$EU" 10.1.3.2 10.1.3.1 in
policy "$SG" 10.1.3.2 10.1.3.1 out
policy "$SG" 10.1.3.1 10.1.3.2 in
check "transport ping before" ip netns exec "$EU" ping -q -c 2 -W 2 -I 10.1.3.1 10.1.3.2
mismatch=$(stat "$SG" XfrmInStateMismatch)
before=$(topo_esp_packets "$SG" 0x3001)
ip -n "$EU" xfrm state del src 10.1.3.1 dst 10.1.3.2 proto esp spi 0x3001
ip -n "$EU" xfrm state add src 10.1.2.1 dst 10.1.3.2 proto esp spi 0x3001 \
	reqid 3 mode transport aead 'rfc4106(gcm(aes))' "$(topo_key 0x3001)" 128 \
	sel src 10.1.2.1/32 dst 10.1.3.2/32
policy "$EU" 10.1.2.1 10.1.3.2 out
ip -n "$EU" route replace 10.1.3.2/32 dev eu2 src 10.1.2.1
check_fails "transport: no answer to ESP from the alternate" \
	ip netns exec "$EU" ping -q -c 2 -W 2 -I 10.1.2.1 10.1.3.2
check "transport: SG decrypted them" test "$(topo_esp_packets "$SG" 0x3001)" -ge $((before + 2))
check "transport: then dropped them on the SA's selector" \
	test "$(stat "$SG" XfrmInStateMismatch)" -ge $((mismatch + 2))

ksft_exit
