# SPDX-License-Identifier: GPL-2.0
# Test topology: an end user (EU) and a security gateway (SG), each in its own
# network namespace, joined by three veth pairs, one per interface:
#
#   EU  eu1 10.1.1.1  fd01:1::1  <---->  sg1 10.1.1.2  fd01:1::2  SG
#       eu2 10.1.2.1  fd01:2::1  <---->  sg2 10.1.2.2  fd01:2::2
#       eu3 10.1.3.1  fd01:3::1  <---->  sg3 10.1.3.2  fd01:3::2
#
# Inner (tunnelled) addresses live on dummy-free loopback aliases:
#   EU 172.16.i.1/32 (i = 1..3), SG 172.17.0.1/32.
# Sourced by the kselftests and the demo; needs lib.sh's make_netns.

topo_eu_outer() { echo "10.1.$1.1"; }
topo_sg_outer() { echo "10.1.$1.2"; }
topo_eu_outer6() { echo "fd01:$1::1"; }
topo_sg_outer6() { echo "fd01:$1::2"; }
topo_eu_inner() { echo "172.16.$1.1"; }
TOPO_SG_INNER=172.17.0.1

# topo_setup: creates $EU and $SG. A few ip -batch runs rather than an ip
# per address: a process costs a great deal in the debug kernel.
topo_setup() {
	local i eu="" sg=""
	modprobe -q veth 2>/dev/null
	make_netns EU || return 1
	make_netns SG || return 1
	for i in 1 2 3; do
		printf -v eu '%saddr add 10.1.%s.1/24 dev eu%s\n' "$eu" "$i" "$i"
		printf -v eu '%saddr add fd01:%s::1/64 dev eu%s nodad\n' "$eu" "$i" "$i"
		printf -v eu '%slink set eu%s up\naddr add 172.16.%s.1/32 dev lo\n' "$eu" "$i" "$i"
		printf -v sg '%saddr add 10.1.%s.2/24 dev sg%s\n' "$sg" "$i" "$i"
		printf -v sg '%saddr add fd01:%s::2/64 dev sg%s nodad\n' "$sg" "$i" "$i"
		printf -v sg '%slink set sg%s up\n' "$sg" "$i"
	done
	printf 'link add eu%s netns %s type veth peer name sg%s netns %s\n' \
		1 "$EU" 1 "$SG" 2 "$EU" 2 "$SG" 3 "$EU" 3 "$SG" | ip -batch - || return 1
	ip -n "$EU" -batch - <<<"$eu" || return 1
	ip -n "$SG" -batch - <<<"${sg}addr add $TOPO_SG_INNER/32 dev lo"
}

# Deterministic test keys: 20 bytes for rfc4106(gcm(aes)) (16 key + 4 salt).
topo_key() { printf '0x%040x' "$1"; }

# topo_tunnel I SPI_OUT SPI_IN: an ESP tunnel between EU's inner address i and
# SG's inner address over interface i (EU side outer i, SG side outer i),
# both directions, states and policies on both peers.
topo_tunnel() {
	local i=$1 spi_o=$2 spi_i=$3 key_o key_i states
	local eo=10.1.$1.1 so=10.1.$1.2 ei=172.16.$1.1
	local alg="aead rfc4106(gcm(aes))" si=$TOPO_SG_INNER
	printf -v key_o '0x%040x' "$spi_o"
	printf -v key_i '0x%040x' "$spi_i"
	states="xfrm state add src $eo dst $so proto esp spi $spi_o reqid $i mode tunnel $alg $key_o 128
xfrm state add src $so dst $eo proto esp spi $spi_i reqid $i mode tunnel $alg $key_i 128"
	# Inner routes only need to exist: XFRM routes by the outer addresses.
	ip -n "$EU" -batch - <<EOF || return 1
$states
xfrm policy add src $ei/32 dst $si/32 dir out tmpl src $eo dst $so proto esp reqid $i mode tunnel
xfrm policy add src $si/32 dst $ei/32 dir in tmpl src $so dst $eo proto esp reqid $i mode tunnel
route replace $si/32 dev eu$i
EOF
	ip -n "$SG" -batch - <<EOF
$states
xfrm policy add src $si/32 dst $ei/32 dir out tmpl src $so dst $eo proto esp reqid $i mode tunnel
xfrm policy add src $ei/32 dst $si/32 dir in tmpl src $eo dst $so proto esp reqid $i mode tunnel
route replace $ei/32 dev sg$i
EOF
}

# topo_ping I: EU's inner address i pings SG's inner address through ESP.
topo_ping() {
	ip netns exec "$EU" ping -q -c 2 -i 0.2 -W 2 -I "172.16.$1.1" \
		"$TOPO_SG_INNER" >/dev/null
}

# topo_esp_packets NS SPI: packets counted on the SA with SPI in NS.
topo_esp_packets() {
	ip -n "$1" -s xfrm state list spi "$2" 2>/dev/null |
		awk '/lifetime current:/ { getline; sub(/\(packets\)/, "", $2); print $2; exit }'
}

# topo_ike_blocks NS LOCAL PEER: the Child SAs of two IKE SAs on one
# address, their reqids numbered as mifd numbers them, a block per IKE SA:
# reqids 0x1001 and 0x1002 (block 0x1000), 0x2001 and 0x2002 (block
# 0x2000). Each child is an ESP tunnel between LOCAL and PEER: SAs out
# (SPI 0x10000 + reqid) and in (SPI 0x20000 + reqid), policies out and in
# between 172.20.B.C (block B, child C) and 172.21.0.1.
topo_ike_blocks() {
	local ns=$1 lo=$2 pe=$3 b c r so si inner cmds="" alg="aead rfc4106(gcm(aes))"
	for b in 1 2; do
		for c in 1 2; do
			r=$((b << 12 | c))
			so=$((0x10000 + r)) si=$((0x20000 + r)) inner=172.20.$b.$c/32
			printf -v cmds '%sxfrm state add src %s dst %s proto esp spi %s reqid %s mode tunnel %s 0x%040x 128\n' \
				"$cmds" "$lo" "$pe" "$so" "$r" "$alg" "$so"
			printf -v cmds '%sxfrm state add src %s dst %s proto esp spi %s reqid %s mode tunnel %s 0x%040x 128\n' \
				"$cmds" "$pe" "$lo" "$si" "$r" "$alg" "$si"
			printf -v cmds '%sxfrm policy add src %s dst 172.21.0.1/32 dir out tmpl src %s dst %s proto esp reqid %s mode tunnel\n' \
				"$cmds" "$inner" "$lo" "$pe" "$r"
			printf -v cmds '%sxfrm policy add src 172.21.0.1/32 dst %s dir in tmpl src %s dst %s proto esp reqid %s mode tunnel\n' \
				"$cmds" "$inner" "$pe" "$lo" "$r"
		done
	done
	ip -n "$ns" -batch - <<<"$cmds"
}

# topo_block_ends NS B: "REQID SRC DST" of each SA and each policy template
# of NS whose reqid is in block B (1: 0x1000, 2: 0x2000), sorted.
topo_block_ends() {
	{ ip -n "$1" xfrm state; ip -n "$1" xfrm policy; } | awk -v b="$2" '
		/^src / { s = $2; d = $4 }
		/^[ \t]*tmpl src / { s = $3; d = $5 }
		/ reqid / { for (i = 1; i < NF; i++)
				if ($i == "reqid" && int($(i + 1) / 4096) == b)
					print $(i + 1), s, d }' | sort
}

# topo_block_on NS B ADDR: the 4 SAs and 4 policies of block B all have ADDR
# as an endpoint; else what they have, on standard output.
topo_block_on() {
	local ends
	ends=$(topo_block_ends "$1" "$2")
	[ "$(grep -cw -- "$3" <<<"$ends")" = 8 ] && return 0
	echo "block $2, not all on $3:"
	echo "$ends"
	return 1
}
