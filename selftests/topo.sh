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

# topo_setup: creates $EU and $SG.
topo_setup() {
	local i
	modprobe -q veth 2>/dev/null
	make_netns EU || return 1
	make_netns SG || return 1
	for i in 1 2 3; do
		ip link add "eu$i" netns "$EU" type veth peer name "sg$i" netns "$SG" || return 1
		ip -n "$EU" addr add "$(topo_eu_outer "$i")/24" dev "eu$i"
		ip -n "$SG" addr add "$(topo_sg_outer "$i")/24" dev "sg$i"
		ip -n "$EU" addr add "$(topo_eu_outer6 "$i")/64" dev "eu$i" nodad
		ip -n "$SG" addr add "$(topo_sg_outer6 "$i")/64" dev "sg$i" nodad
		ip -n "$EU" link set "eu$i" up
		ip -n "$SG" link set "sg$i" up
		ip -n "$EU" addr add "$(topo_eu_inner "$i")/32" dev lo
	done
	ip -n "$SG" addr add "$TOPO_SG_INNER/32" dev lo
}

# Deterministic test keys: 20 bytes for rfc4106(gcm(aes)) (16 key + 4 salt).
topo_key() { printf '0x%040x' "$1"; }

# topo_tunnel I SPI_OUT SPI_IN: an ESP tunnel between EU's inner address i and
# SG's inner address over interface i (EU side outer i, SG side outer i),
# both directions, states and policies on both peers.
topo_tunnel() {
	local i=$1 spi_o=$2 spi_i=$3
	local eo so ei
	eo=$(topo_eu_outer "$i")
	so=$(topo_sg_outer "$i")
	ei=$(topo_eu_inner "$i")
	local alg="aead rfc4106(gcm(aes))"
	local ns
	for ns in "$EU" "$SG"; do
		ip -n "$ns" xfrm state add src "$eo" dst "$so" proto esp spi "$spi_o" \
			reqid "$i" mode tunnel $alg "$(topo_key "$spi_o")" 128 || return 1
		ip -n "$ns" xfrm state add src "$so" dst "$eo" proto esp spi "$spi_i" \
			reqid "$i" mode tunnel $alg "$(topo_key "$spi_i")" 128 || return 1
	done
	ip -n "$EU" xfrm policy add src "$ei/32" dst "$TOPO_SG_INNER/32" dir out \
		tmpl src "$eo" dst "$so" proto esp reqid "$i" mode tunnel || return 1
	ip -n "$EU" xfrm policy add src "$TOPO_SG_INNER/32" dst "$ei/32" dir in \
		tmpl src "$so" dst "$eo" proto esp reqid "$i" mode tunnel || return 1
	ip -n "$SG" xfrm policy add src "$TOPO_SG_INNER/32" dst "$ei/32" dir out \
		tmpl src "$so" dst "$eo" proto esp reqid "$i" mode tunnel || return 1
	ip -n "$SG" xfrm policy add src "$ei/32" dst "$TOPO_SG_INNER/32" dir in \
		tmpl src "$eo" dst "$so" proto esp reqid "$i" mode tunnel || return 1
	# Inner routes only need to exist: XFRM routes by the outer addresses.
	ip -n "$EU" route replace "$TOPO_SG_INNER/32" dev "eu$i"
	ip -n "$SG" route replace "$ei/32" dev "sg$i"
}

# topo_ping I: EU's inner address i pings SG's inner address through ESP.
topo_ping() {
	ip netns exec "$EU" ping -q -c 2 -W 2 -I "$(topo_eu_inner "$1")" \
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
	local ns=$1 lo=$2 pe=$3 b c r inner alg="aead rfc4106(gcm(aes))"
	for b in 1 2; do
		for c in 1 2; do
			r=$((b << 12 | c))
			inner=172.20.$b.$c/32
			ip -n "$ns" xfrm state add src "$lo" dst "$pe" proto esp \
				spi $((0x10000 + r)) reqid "$r" mode tunnel \
				$alg "$(topo_key $((0x10000 + r)))" 128 || return 1
			ip -n "$ns" xfrm state add src "$pe" dst "$lo" proto esp \
				spi $((0x20000 + r)) reqid "$r" mode tunnel \
				$alg "$(topo_key $((0x20000 + r)))" 128 || return 1
			ip -n "$ns" xfrm policy add src "$inner" dst 172.21.0.1/32 \
				dir out tmpl src "$lo" dst "$pe" proto esp reqid "$r" \
				mode tunnel || return 1
			ip -n "$ns" xfrm policy add src 172.21.0.1/32 dst "$inner" \
				dir in tmpl src "$pe" dst "$lo" proto esp reqid "$r" \
				mode tunnel || return 1
		done
	done
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
