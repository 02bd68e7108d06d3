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
