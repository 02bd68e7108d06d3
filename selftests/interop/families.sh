#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Figure 1 in tunnel mode with mixed address families: once with IPv6
# outer addresses and IPv4 inner ones, once the reverse. Each time fresh
# namespaces EU and SG joined by three veth pairs (mifI in EU, pmifI in
# SG) of the outer family; SG leases from a pool of the inner family, EU
# asks for three inner addresses (vips) with per_interface = yes. Over
# one IKE SA EU gets three inner addresses on its lo and three Child SAs,
# one on each pair, the one on mifI carrying the inner address of rank I
# alone; in both kernels the policies of each inner address, of the
# inner family, name the pair of the outer family, and its SAs are
# tunnels that take either family inside (flag af-unspec). A ping from
# each inner address to SG's service address (on SG's lo) is ESP on its
# own veth only, counted by nftables on each veth of EU.
#
#   outer  EU mifI          SG pmifI         inner: pool          service
#   IPv6   2001:db8:8I::1   2001:db8:8I::2   10.9.0.0/24          10.99.0.1
#   IPv4   10.88.I.1        10.88.I.2        2001:db8:9::/112     2001:db8:99::1
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh families.sh
TEST_NAME=families
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"

interop_start ip jq nft ping
modprobe -q esp6 2>/dev/null
T=$(mifd_tmpdir)

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock

# The addresses of one figure, set by figure_v6_outer or figure_v4_outer:
# NAME (the case names' prefix), OUTER (4 or 6), eu_outer I and sg_outer
# I (of pair I), PREFIX (of the pairs), POOL, VIPS (what EU asks for),
# VIP_LIST (what it gets, as a JSON array), vip K (the one of rank K),
# SERVICE (on SG's lo), HOST (a host's prefix length of the inner family).
figure_v6_outer() {
	NAME="fig1 v6 outer v4 inner" OUTER=6 PREFIX=64
	POOL=10.9.0.0/24 VIPS="0.0.0.0, 0.0.0.0, 0.0.0.0"
	VIP_LIST='["10.9.0.1","10.9.0.2","10.9.0.3"]'
	SERVICE=10.99.0.1 HOST=32
	eu_outer() { echo "2001:db8:8$1::1"; }
	sg_outer() { echo "2001:db8:8$1::2"; }
	vip() { echo "10.9.0.$(($1 + 1))"; }
}
figure_v4_outer() {
	NAME="fig1 v4 outer v6 inner" OUTER=4 PREFIX=24
	POOL=2001:db8:9::/112 VIPS="::, ::, ::"
	VIP_LIST='["2001:db8:9::1","2001:db8:9::2","2001:db8:9::3"]'
	SERVICE=2001:db8:99::1 HOST=128
	eu_outer() { echo "10.88.$1.1"; }
	sg_outer() { echo "10.88.$1.2"; }
	vip() { echo "2001:db8:9::$(($1 + 1))"; }
}

# An address of the outer family: IPv6 ones without duplicate address
# detection, usable at once (mifd leaves tentative addresses out).
addr_add() {	# addr_add NS ADDR DEV
	if [ "$OUTER" = 6 ]; then
		ip -n "$1" addr add "$2/$PREFIX" dev "$3" nodad
	else
		ip -n "$1" addr add "$2/$PREFIX" dev "$3"
	fi
}

# Fresh EU and SG with the three pairs. The inner routes only need to
# exist, through mif0 and pmif0: XFRM picks each tunnel by its policy.
# Replies to the inner addresses of ranks 1 and 2 come out of the
# tunnels on mif1 and mif2: no reverse path filter.
topology() {
	local i d
	make_netns EU && make_netns SG || return 1
	for i in 0 1 2; do
		ip -n "$EU" link add "mif$i" type veth peer name "pmif$i" netns "$SG" &&
			addr_add "$EU" "$(eu_outer $i)" "mif$i" &&
			addr_add "$SG" "$(sg_outer $i)" "pmif$i" &&
			ip -n "$EU" link set "mif$i" up &&
			ip -n "$SG" link set "pmif$i" up || return 1
	done
	ip -n "$SG" addr add "$SERVICE/$HOST" dev lo &&
		ip -n "$EU" route add "$SERVICE/$HOST" dev mif0 &&
		ip -n "$SG" route add "$POOL" dev pmif0 || return 1
	for d in all default mif0 mif1 mif2; do
		ip netns exec "$EU" sysctl -qw "net.ipv4.conf.$d.rp_filter=0" &&
			ip netns exec "$SG" sysctl -qw \
				"net.ipv4.conf.${d/mif/pmif}.rp_filter=0" || return 1
	done
	esp_counters "$EU"
}

# The configurations, as fig1.sh's with the addresses of the figure.
configs() {
	cat >"$T/eu.conf" <<-CONF
	[mifd]
	log_level = debug

	[conn a]
	local = $(eu_outer 0)
	remote = $(sg_outer 0)
	local_id = fqdn:eu.example
	remote_id = fqdn:sg.example
	psk = $PSK
	ike = aes256gcm16-prfsha256-x25519
	esp = aes256gcm16
	vips = $VIPS
	remote_ts = $SERVICE/$HOST
	retransmit_base = 500ms
	retransmit_tries = 4
	dpd = 0
	interfaces = mif0:200, mif1:150, mif2:100
	per_interface = yes
	CONF
	cat >"$T/sg.conf" <<-CONF
	[mifd]
	log_level = debug

	[conn a]
	local = $(sg_outer 0)
	remote = $(eu_outer 0)
	local_id = fqdn:sg.example
	remote_id = fqdn:eu.example
	psk = $PSK
	ike = aes256gcm16-prfsha256-x25519
	esp = aes256gcm16
	pool = $POOL
	local_ts = $SERVICE/$HOST
	retransmit_base = 500ms
	retransmit_tries = 4
	dpd = 0
	interfaces = pmif0:200, pmif1:150, pmif2:100
	CONF
}

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }

up() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up a -w 20 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10 &&
		want "$EU" "$EU_SOCK" ".local == \"$(eu_outer 0)\" and
			.remote == \"$(sg_outer 0)\"" &&
		[ "$(eu -j ike list | jq '.ike_sas | length')" -eq 1 ]
}

addresses() {
	local k
	want "$EU" "$EU_SOCK" ".mif.negotiated and .local_vips == $VIP_LIST" &&
		want "$SG" "$SG_SOCK" ".peer_vips == $VIP_LIST" || return 1
	for k in 0 1 2; do
		ip -n "$EU" addr show dev lo | grep -q "inet6\? $(vip $k)/$HOST" ||
			{ ip -n "$EU" addr show dev lo; return 1; }
	done
}

# Each installed child as "local-remote N first": its pair, and how many
# selectors its inner side (EU's TSi) has, the first one's address.
eu_children='([.children[] | select(.installed) |
	"\(.local)-\(.remote) \(.local_ts | length) \(.local_ts[0] | split("/")[0])"] | sort)'
sg_children='([.children[] | select(.installed) |
	"\(.local)-\(.remote) \(.remote_ts | length) \(.remote_ts[0] | split("/")[0])"] | sort)'
three() {
	local k eu_want=() sg_want=()
	for k in 0 1 2; do
		eu_want+=("\"$(eu_outer $k)-$(sg_outer $k) 1 $(vip $k)\"")
		sg_want+=("\"$(sg_outer $k)-$(eu_outer $k) 1 $(vip $k)\"")
	done
	want "$EU" "$EU_SOCK" "$eu_children == ([$(IFS=,; echo "${eu_want[*]}")] | sort)" &&
		want "$SG" "$SG_SOCK" "$sg_children == ([$(IFS=,; echo "${sg_want[*]}")] | sort)"
}

# In both kernels: the outbound policy of each inner address names its
# own pair, and each SA of the pair is a tunnel taking either family
# inside. One dump per kernel and kind, one record a line.
kernels() {
	local k e s ns st eu_pol sg_pol
	eu_pol=$(ip -o -n "$EU" xfrm policy) &&
		sg_pol=$(ip -o -n "$SG" xfrm policy) || return 1
	for k in 0 1 2; do
		e=$(eu_outer $k) s=$(sg_outer $k)
		grep -q "^src $(vip $k)/$HOST dst $SERVICE/$HOST .*dir out .*tmpl src $e dst $s" \
			<<<"$eu_pol" &&
			grep -q "^src $SERVICE/$HOST dst $(vip $k)/$HOST .*dir out .*tmpl src $s dst $e" \
			<<<"$sg_pol" ||
			{ echo "$eu_pol"; echo "$sg_pol"; return 1; }
	done
	for ns in "$EU" "$SG"; do
		st=$(ip -o -n "$ns" xfrm state) || return 1
		for k in 0 1 2; do
			e=$(eu_outer $k) s=$(sg_outer $k)
			[ "$(grep -c "^src $e dst $s[^0-9a-f:.].*mode tunnel.*flag.*af-unspec" <<<"$st")" -eq 1 ] &&
				[ "$(grep -c "^src $s dst $e[^0-9a-f:.].*mode tunnel.*flag.*af-unspec" <<<"$st")" -eq 1 ] ||
				{ echo "$st"; return 1; }
		done
	done
}

# counts: EU's six ESP counters (esp_counters, lib.sh) in one dump, as
# "out0 out1 out2 in0 in1 in2".
counts() {
	ip netns exec "$EU" nft -j list table inet fig1 |
		jq -r '[.nftables[] | select(.counter) | .counter |
			{ (.name): .packets }] | add |
			"\(.out0) \(.out1) \(.out2) \(.in0) \(.in1) \(.in2)"'
}

# Each inner address's traffic is ESP on its own link, on that link only.
per_link() {
	local k j o i b a
	for k in 0 1 2; do
		read -r -a b <<<"$(counts)"
		ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I "$(vip $k)" "$SERVICE" >/dev/null ||
			{ echo "no answer from $(vip $k)"; return 1; }
		read -r -a a <<<"$(counts)"
		for j in 0 1 2; do
			o=$((a[j] - b[j])) i=$((a[j + 3] - b[j + 3]))
			if [ "$j" -eq "$k" ]; then
				[ "$o" -ge 3 ] && [ "$i" -ge 3 ] ||
					{ echo "$(vip $k): $o ESP out, $i in on mif$j"; return 1; }
			else
				[ "$o" -eq 0 ] && [ "$i" -eq 0 ] ||
					{ echo "$(vip $k): ESP on mif$j ($o out, $i in)"; return 1; }
			fi
		done
	done
}

stop() { mifd_stop; }

# One figure, its namespaces removed after it.
figure() {
	"figure_$1"
	if ! topology; then
		skip "$NAME: the figure" "cannot set up the namespaces and veths"
		return
	fi
	configs
	tcase "$NAME: one IKE SA between EU and SG on the first pair" up
	tcase "$NAME: three inner addresses over one IKE SA, on EU's lo" addresses
	tcase "$NAME: three Child SAs, each on its own pair with its own inner address" three
	tcase "$NAME: in both kernels each inner address's policies and SAs are its pair's" kernels
	tcase "$NAME: a ping from each inner address is ESP on its own link only" per_link
	tcase "$NAME: both mifd exit 0" stop
	ip netns del "$EU" 2>/dev/null
	ip netns del "$SG" 2>/dev/null
}

figure v6_outer
figure v4_outer
ksft_exit
