#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Figure 1 in tunnel mode: one inner address per interface, one tunnel per
# interface.
#
# 1. SG with three interfaces, as figure 1 draws it: EU and SG joined by
#    three veth pairs (mifI in EU, 10.88.I.1; pmifI in SG, 10.88.I.2); SG
#    leases from its pool, EU asks for three IPv4 inner addresses (vips)
#    with per_interface = yes. Over one IKE SA EU gets 10.9.0.1-3 on its
#    lo and three Child SAs, one on each pair, the one on mifI carrying
#    the inner address of rank I alone. A ping from each inner address to
#    10.99.0.1 (on SG's lo) is ESP on its own veth only, counted by
#    nftables on each veth of EU.
# 2. SG with one interface, as the draft expects it to be in practice
#    ("in the specific case of figure 1, the Security Gateway will most
#    likely have a single outer IP address"): EU's three interfaces are
#    three access networks (mifI in EU, 10.88.I.1; rI in a router, R,
#    10.88.I.2) and SG has one veth behind R (pmif0, 10.87.0.2; R's end
#    10.87.0.1). EU routes by source address (a rule and a table per
#    interface), as a host with several uplinks does. SG announces its one
#    interface; EU's three Child SAs each go from its own outer address to
#    SG's one address, each carrying its own inner address, and a ping
#    from each inner address is ESP on its own veth of EU only.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh fig1.sh
TEST_NAME=fig1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"

interop_start ip jq nft ping
T=$(mifd_tmpdir)
trap _mifd_interop_cleanup EXIT
make_netns EU && make_netns SG ||
	{ echo "1..0 # SKIP cannot make namespaces"; exit $KSFT_SKIP; }

pair() {
	ip -n "$EU" link add "mif$1" type veth peer name "pmif$1" netns "$SG" &&
		ip -n "$EU" addr add "10.88.$1.1/24" dev "mif$1" &&
		ip -n "$SG" addr add "10.88.$1.2/24" dev "pmif$1" &&
		ip -n "$EU" link set "mif$1" up && ip -n "$SG" link set "pmif$1" up
}
pair 0 && pair 1 && pair 2 &&
	ip -n "$EU" link set lo up && ip -n "$SG" link set lo up &&
	ip -n "$SG" addr add 10.99.0.1/32 dev lo &&
	ip -n "$EU" route add 10.99.0.0/24 via 10.88.0.2 &&
	ip -n "$SG" route add 10.9.0.0/24 via 10.88.0.1 ||
	{ echo "1..0 # SKIP cannot set up the veths"; exit $KSFT_SKIP; }
# Replies to 10.9.0.2 and .3 come out of the tunnels on mif1 and mif2,
# not on mif0 where the route to 10.99.0.1 goes: no reverse path filter.
for d in all mif0 mif1 mif2; do
	ip netns exec "$EU" sysctl -qw "net.ipv4.conf.$d.rp_filter=0"
done

# ESP counters per veth of EU, each way (esp_counters, lib.sh).
esp_counters "$EU" ||
	{ echo "1..0 # SKIP cannot load the nftables counters"; exit $KSFT_SKIP; }

# packets NAME: the packets counted by EU's counter NAME.
packets() { esp_packets "$EU" "$1"; }

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
cat >"$T/eu.conf" <<CONF
[mifd]
log_level = debug

[conn a]
local = 10.88.0.1
remote = 10.88.0.2
local_id = fqdn:eu.example
remote_id = fqdn:sg.example
psk = $PSK
ike = aes256gcm16-prfsha256-x25519
esp = aes256gcm16
vips = 0.0.0.0, 0.0.0.0, 0.0.0.0
remote_ts = 10.99.0.1/32
retransmit_base = 500ms
retransmit_tries = 4
dpd = 0
interfaces = mif0:200, mif1:150, mif2:100
per_interface = yes
CONF
cat >"$T/sg.conf" <<CONF
[mifd]
log_level = debug

[conn a]
local = 10.88.0.2
remote = 10.88.0.1
local_id = fqdn:sg.example
remote_id = fqdn:eu.example
psk = $PSK
ike = aes256gcm16-prfsha256-x25519
esp = aes256gcm16
pool = 10.9.0.0/24
local_ts = 10.99.0.1/32
retransmit_base = 500ms
retransmit_tries = 4
dpd = 0
interfaces = pmif0:200, pmif1:150, pmif2:100
CONF

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }

up() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up a -w 20 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10
}
tcase "fig1: one IKE SA between EU and SG" up

vips='["10.9.0.1","10.9.0.2","10.9.0.3"]'
addresses() {
	local i
	want "$EU" "$EU_SOCK" ".mif.negotiated and .local_vips == $vips" &&
		want "$SG" "$SG_SOCK" ".peer_vips == $vips" &&
		[ "$(eu -j ike list | jq '.ike_sas | length')" -eq 1 ] || return 1
	for i in 1 2 3; do
		ip -n "$EU" -4 addr show dev lo | grep -q "inet 10.9.0.$i/32" ||
			{ ip -n "$EU" addr show dev lo; return 1; }
	done
}
tcase "fig1: three inner addresses over one IKE SA, on EU's lo" addresses

# Each installed child as "local-remote N first": its pair, and how many
# selectors its inner side (EU's TSi) has, the first one's address.
eu_children='([.children[] | select(.installed) |
	"\(.local)-\(.remote) \(.local_ts | length) \(.local_ts[0] | split("/")[0])"] | sort)'
sg_children='([.children[] | select(.installed) |
	"\(.local)-\(.remote) \(.remote_ts | length) \(.remote_ts[0] | split("/")[0])"] | sort)'
three() {
	want "$EU" "$EU_SOCK" "$eu_children == [
		\"10.88.0.1-10.88.0.2 1 10.9.0.1\",
		\"10.88.1.1-10.88.1.2 1 10.9.0.2\",
		\"10.88.2.1-10.88.2.2 1 10.9.0.3\"]" &&
		want "$SG" "$SG_SOCK" "$sg_children == [
		\"10.88.0.2-10.88.0.1 1 10.9.0.1\",
		\"10.88.1.2-10.88.1.1 1 10.9.0.2\",
		\"10.88.2.2-10.88.2.1 1 10.9.0.3\"]"
}
tcase "fig1: three Child SAs, each on its own pair with its own inner address" three

policies() {
	local i
	for i in 0 1 2; do
		ip -n "$EU" xfrm policy list dir out src "10.9.0.$((i + 1))/32" |
			grep -q "tmpl src 10.88.$i.1 dst 10.88.$i.2" ||
			{ ip -n "$EU" xfrm policy; return 1; }
	done
}
tcase "fig1: EU's policy for each inner address names its own pair" policies

# Each inner address's traffic is ESP on its own link, on that link only.
per_link() {
	local i j o i0
	for i in 0 1 2; do
		declare -A before=()
		for j in 0 1 2; do
			before[out$j]=$(packets "out$j")
			before[in$j]=$(packets "in$j")
		done
		ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I "10.9.0.$((i + 1))" 10.99.0.1 >/dev/null ||
			{ echo "no answer from 10.9.0.$((i + 1))"; return 1; }
		for j in 0 1 2; do
			o=$(( $(packets "out$j") - ${before[out$j]} ))
			i0=$(( $(packets "in$j") - ${before[in$j]} ))
			if [ "$j" -eq "$i" ]; then
				[ "$o" -ge 3 ] && [ "$i0" -ge 3 ] ||
					{ echo "10.9.0.$((i + 1)): $o ESP out, $i0 in on mif$j"; return 1; }
			else
				[ "$o" -eq 0 ] && [ "$i0" -eq 0 ] ||
					{ echo "10.9.0.$((i + 1)): ESP on mif$j ($o out, $i0 in)"; return 1; }
			fi
		done
		unset before
	done
}
tcase "fig1: a ping from each inner address is ESP on its own link only" per_link

stop() { mifd_stop; }
tcase "fig1: both mifd exit 0" stop

# --- 2. SG with one interface --------------------------------------------

make_netns EU && make_netns R && make_netns SG ||
	{ skip "fig1 one SG address: set-up" "cannot make namespaces"; ksft_exit; }
link() {	# link I: EU's mifI to R's rI, and EU's rule and table for it
	ip -n "$EU" link add "mif$1" type veth peer name "r$1" netns "$R" &&
		ip -n "$EU" addr add "10.88.$1.1/24" dev "mif$1" &&
		ip -n "$R" addr add "10.88.$1.2/24" dev "r$1" &&
		ip -n "$EU" link set "mif$1" up && ip -n "$R" link set "r$1" up &&
		ip -n "$EU" route add default via "10.88.$1.2" table "10$1" &&
		ip -n "$EU" rule add from "10.88.$1.1" table "10$1"
}
one_sg() {
	link 0 && link 1 && link 2 &&
		ip -n "$R" link add sg0 type veth peer name pmif0 netns "$SG" &&
		ip -n "$R" addr add 10.87.0.1/24 dev sg0 &&
		ip -n "$SG" addr add 10.87.0.2/24 dev pmif0 &&
		ip -n "$R" link set sg0 up && ip -n "$SG" link set pmif0 up &&
		ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1 &&
		ip -n "$SG" addr add 10.99.0.1/32 dev lo &&
		ip -n "$SG" route add default via 10.87.0.1 &&
		ip -n "$EU" route add 10.87.0.0/24 via 10.88.0.2 &&
		ip -n "$EU" route add 10.99.0.0/24 via 10.88.0.2 || return 1
	for d in all mif0 mif1 mif2; do
		ip netns exec "$EU" sysctl -qw "net.ipv4.conf.$d.rp_filter=0"
	done
	for d in all r0 r1 r2 sg0; do
		ip netns exec "$R" sysctl -qw "net.ipv4.conf.$d.rp_filter=0"
	done
	esp_counters "$EU" || return 1
	sed -e 's/^remote = 10.88.0.2$/remote = 10.87.0.2/' "$T/eu.conf" >"$T/eu1.conf" &&
		sed -e 's/^local = 10.88.0.2$/local = 10.87.0.2/' \
			-e 's/^interfaces = .*/interfaces = pmif0/' "$T/sg.conf" >"$T/sg1.conf" &&
		: >"$EU_SOCK.log" && : >"$SG_SOCK.log" &&
		mifd_start "$EU" "$T/eu1.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg1.conf" "$SG_SOCK" &&
		eu ike up a -w 20 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10
}
tcase "fig1 one SG address: one IKE SA between EU and SG, through R" one_sg

one_three() {
	want "$EU" "$EU_SOCK" ".mif.negotiated and .local_vips == $vips and
		([.mif.peer_interfaces[].addresses[]] | sort) == [\"10.87.0.2\"] and
		$eu_children == [
		\"10.88.0.1-10.87.0.2 1 10.9.0.1\",
		\"10.88.1.1-10.87.0.2 1 10.9.0.2\",
		\"10.88.2.1-10.87.0.2 1 10.9.0.3\"]" &&
		want "$SG" "$SG_SOCK" ".peer_vips == $vips and $sg_children == [
		\"10.87.0.2-10.88.0.1 1 10.9.0.1\",
		\"10.87.0.2-10.88.1.1 1 10.9.0.2\",
		\"10.87.0.2-10.88.2.1 1 10.9.0.3\"]" &&
		want "$EU" "$EU_SOCK" "([.children[] | .interface] | sort) ==
			[\"mif0\", \"mif1\", \"mif2\"]" &&
		want "$SG" "$SG_SOCK" "([.children[] | .interface] | sort) ==
			[\"pmif0\", \"pmif0\", \"pmif0\"]" &&
		[ "$(eu -j ike list | jq '.ike_sas | length')" -eq 1 ]
}
tcase "fig1 one SG address: three Child SAs, one per EU interface, to SG's one address" one_three

one_kernel() {
	local i n
	for i in 0 1 2; do
		ip -n "$EU" xfrm policy list dir out src "10.9.0.$((i + 1))/32" |
			grep -q "tmpl src 10.88.$i.1 dst 10.87.0.2" ||
			{ ip -n "$EU" xfrm policy; return 1; }
	done
	n=$(ip -n "$SG" xfrm state | grep -c '^src ')
	[ "$n" -eq 6 ] || { echo "$n ESP states in SG"; ip -n "$SG" xfrm state; return 1; }
	for i in 0 1 2; do
		ip -n "$SG" xfrm state | grep -qE "^src 10\.87\.0\.2 dst 10\.88\.$i\.1 *$" &&
			ip -n "$SG" xfrm state | grep -qE "^src 10\.88\.$i\.1 dst 10\.87\.0\.2 *$" ||
			{ echo "SG: no SA pair with 10.88.$i.1"; ip -n "$SG" xfrm state; return 1; }
	done
}
tcase "fig1 one SG address: each inner address's tunnel in both kernels" one_kernel
tcase "fig1 one SG address: a ping from each inner address is ESP on its own EU link only" per_link
tcase "fig1 one SG address: both mifd exit 0" stop
ksft_exit
