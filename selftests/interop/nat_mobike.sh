#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A MOBIKE move (RFC 4555 3.5) into a NAT and out of it again, mifd to
# mifd. Three namespaces; EU has two ways to SG, one direct, one behind a
# NAT router:
#
#   EU 10.78.1.1 (e1) --------------------------------- (s1) 10.78.1.2 SG
#   EU 10.78.2.1 (e2) -- (n0) 10.78.2.254 NAT 10.78.3.254 (n1) -- (s2) 10.78.3.1 SG
#
# NAT masquerades EU's UDP behind 10.78.3.254, ports 31000-31999, and
# routes 10.78.1.0/24 to SG's s2. The IKE SA runs between 10.78.1.1 and
# 10.78.1.2 (no NAT: IKE on 500, plain ESP), mif = no on both sides (so
# that the IKE SA moves by MOBIKE, as with a peer without MIF). Inner
# addresses 10.9.1.1 (EU) and 10.9.2.1 (SG), on lo, tunnel mode.
#
#   1. EU's 10.78.1.1 removed: mifd moves the IKE SA to 10.78.2.1; the
#      update's NAT detection finds the NAT, both sides put the Child SAs
#      into ESP in UDP in the move, EU moves IKE to 4500 and SG follows
#      the NAT's 4500 mapping; a ping is ESP in UDP through the NAT (nft
#      counters in NAT's forward chain), EU sends keepalives.
#   2. 10.78.1.1 back, 10.78.2.1 removed: mifd moves back; no NAT on the
#      path, the Child SAs carry plain ESP again (SG counts bare ESP on
#      s1, the NAT nothing more), no encapsulation left in XFRM.
#
# Each round runs with the xfrm_mif module loaded (it adds the
# encapsulation in its rewrite; taking it away is per SA) and without it.
#
#   tools/vm/run -k debian -m 3072 -t 2400 -- selftests/interop/run.sh nat_mobike.sh
TEST_NAME=nat_mobike
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"

interop_start ip jq nft ping
T=$(mifd_tmpdir)
trap _mifd_interop_cleanup EXIT

EU_A=10.78.1.1
SG_A=10.78.1.2
EU_B=10.78.2.1
NAT_IN=10.78.2.254
NAT_OUT=10.78.3.254
SG_B=10.78.3.1
EU_IN=10.9.1.1
SG_IN=10.9.2.1
PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock

setup() {
	local ns i
	make_netns EU && make_netns NAT && make_netns SG || return 1
	ip -n "$EU" link add e1 type veth peer name s1 netns "$SG" &&
		ip -n "$EU" link add e2 type veth peer name n0 netns "$NAT" &&
		ip -n "$SG" link add s2 type veth peer name n1 netns "$NAT" &&
		ip -n "$EU" addr add "$EU_A/24" dev e1 &&
		ip -n "$EU" addr add "$EU_B/24" dev e2 &&
		ip -n "$SG" addr add "$SG_A/24" dev s1 &&
		ip -n "$SG" addr add "$SG_B/24" dev s2 &&
		ip -n "$NAT" addr add "$NAT_IN/24" dev n0 &&
		ip -n "$NAT" addr add "$NAT_OUT/24" dev n1 || return 1
	for i in "$EU e1" "$EU e2" "$SG s1" "$SG s2" "$NAT n0" "$NAT n1"; do
		ip -n "${i% *}" link set "${i#* }" up || return 1
	done
	for ns in "$EU" "$SG" "$NAT"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 || return 1
	done
	ip netns exec "$NAT" sysctl -qw net.ipv4.ip_forward=1 &&
		ip -n "$NAT" route add 10.78.1.0/24 via "$SG_B" &&
		ip -n "$EU" route add 10.78.1.0/24 via "$NAT_IN" dev e2 metric 200 &&
		ip -n "$EU" addr add "$EU_IN/32" dev lo &&
		ip -n "$SG" addr add "$SG_IN/32" dev lo &&
		ip -n "$EU" route add 10.9.2.0/24 via "$SG_A" dev e1 metric 100 &&
		ip -n "$EU" route add 10.9.2.0/24 via "$NAT_IN" dev e2 metric 200 &&
		ip -n "$SG" route add 10.9.1.0/24 via "$EU_A" dev s1 || return 1
	ip netns exec "$NAT" nft -f - <<-NFT || return 1
	table inet natc {
		counter espinudp { }
		counter keepalive { }
		counter bare { }
		chain forward {
			type filter hook forward priority 0; policy accept;
			iifname "n0" udp dport 4500 @th,64,32 != 0 counter name "espinudp"
			iifname "n0" udp dport 4500 udp length 9 @th,64,8 0xff counter name "keepalive"
			iifname "n0" meta l4proto esp counter name "bare"
		}
	}
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "n1" meta l4proto udp masquerade to :31000-31999
			oifname "n1" masquerade
		}
	}
	NFT
	ip netns exec "$SG" nft -f - <<-NFT
	table inet sgc {
		counter direct { }
		chain input {
			type filter hook input priority 0; policy accept;
			iifname "s1" meta l4proto esp counter name "direct"
		}
	}
	NFT
}

teardown() {
	mifd_stop >/dev/null 2>&1
	ksft_cleanup
	ksft_netns=()
}

# count NS TABLE NAME: what counter NAME of NS's TABLE counted so far.
count() {
	ip netns exec "$1" nft -j list counter inet "$2" "$3" |
		jq '.nftables[] | select(.counter) | .counter.packets'
}

mifd_conf() {	# mifd_conf SIDE: EU's or SG's configuration
	local me peer mid pid mts pts ifs
	if [ "$1" = eu ]; then
		me=$EU_A peer=$SG_A mid=eu.example pid=sg.example mts=$EU_IN pts=$SG_IN
		ifs="e1:200, e2:100"
	else
		me=$SG_A peer=$EU_A mid=sg.example pid=eu.example mts=$SG_IN pts=$EU_IN
		ifs="s1:200, s2:100"
	fi
	cat <<-EOC
	[mifd]
	log_level = debug

	[conn n]
	local = $me
	remote = $peer
	local_id = fqdn:$mid
	remote_id = fqdn:$pid
	psk = $PSK
	ike = aes256gcm16-prfsha256-x25519
	esp = aes256gcm16
	local_ts = $mts/32
	remote_ts = $pts/32
	# mifd listens on the addresses of the interfaces it is given (and
	# on local): EU's on e2 is where the move goes.
	interfaces = $ifs
	retransmit_base = 500ms
	retransmit_tries = 4
	dpd = 0
	nat_keepalive = 2
	mif = no
	EOC
}

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
field() {	# field NS SOCK JQ: of the first IKE SA
	mifd_ctl "$1" "$2" -j ike list | jq -r ".ike_sas[0] | $3"
}
eu_view() { field "$EU" "$EU_SOCK" '"\(.local) \(.nat) \(.local_port) \(.remote_port)"'; }
sg_view() { field "$SG" "$SG_SOCK" '"\(.remote) \(.nat) \(.local_port)"'; }

# wait_view WHO WANT SECONDS: until WHO's view (eu_view, sg_view) starts
# with WANT; the time it took printed (view_is WHO WANT: v is WHO's view,
# and starts with WANT).
view_is() {
	v=$($1)
	case $v in "$2"*) return 0 ;; esac
	return 1
}
wait_view() {
	local who=$1 want=$2 t0=${EPOCHREALTIME/[.,]/} v
	if wait_until "$3" view_is "$who" "$want"; then
		echo "$who: $v after $(((${EPOCHREALTIME/[.,]/} - t0) / 1000)) ms"
		return 0
	fi
	echo "$who: $v, not $want"
	return 1
}

up() {
	mifd_conf eu >"$T/eu.conf"
	mifd_conf sg >"$T/sg.conf"
	mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		eu ike up n -w 20 &&
		mifd_wait_established "$SG" "$SG_SOCK" n 10 || return 1
	[ "$(field "$EU" "$EU_SOCK" .mobike)" != false ] || return 1
	eu_view
	sg_view
	[ "$(sg_view)" = "$EU_A none 500" ]
}

# ping_direct: a ping, its ESP bare on the direct link, none via the NAT.
ping_direct() {
	local d0 d1 u0 u1
	d0=$(count "$SG" sgc direct) u0=$(count "$NAT" natc espinudp)
	ip netns exec "$EU" ping -q -c 3 -i 0.3 -w 15 -I "$EU_IN" "$SG_IN" || return 1
	d1=$(count "$SG" sgc direct) u1=$(count "$NAT" natc espinudp)
	echo "bare ESP on s1 $d0 -> $d1, ESP in UDP through the NAT $u0 -> $u1"
	[ "$d1" -ge $((d0 + 3)) ] && [ "$u1" -eq "$u0" ]
}

# ping_nat: a ping, all of it ESP in UDP through the NAT.
ping_nat() {
	local u0 u1 b0 b1
	u0=$(count "$NAT" natc espinudp) b0=$(count "$NAT" natc bare)
	ip netns exec "$EU" ping -q -c 3 -i 0.3 -w 15 -I "$EU_IN" "$SG_IN" || return 1
	u1=$(count "$NAT" natc espinudp) b1=$(count "$NAT" natc bare)
	echo "through the NAT: ESP in UDP $u0 -> $u1, bare ESP $b0 -> $b1"
	[ "$u1" -ge $((u0 + 3)) ] && [ "$b1" -eq "$b0" ]
}

# sg_on_port: p is SG's view of EU's port, and SG's kernel sends ESP in
# UDP to it.
sg_on_port() {
	p=$(field "$SG" "$SG_SOCK" .remote_port)
	ip -n "$SG" xfrm state | grep -q "encap type espinudp sport 4500 dport $p"
}
into_nat() {
	local p
	ip -n "$EU" addr del "$EU_A/24" dev e1 || return 1
	wait_view eu_view "$EU_B local 4500 4500" 30 &&
		wait_view sg_view "$NAT_OUT remote 4500" 30 || return 1
	# SG on the NAT's 4500 mapping (EU's message from there followed).
	wait_until 10 sg_on_port
	echo "SG's view of EU's port: $p"
	[ "$p" -ge 31000 ] && [ "$p" -le 31999 ] &&
		ip -n "$EU" xfrm state | grep -q "encap type espinudp sport 4500 dport 4500" &&
		ip -n "$SG" xfrm state | grep -q "encap type espinudp sport 4500 dport $p" &&
		ip -n "$SG" xfrm state | grep -q "encap type espinudp sport $p dport 4500" ||
		{ ip -n "$EU" xfrm state; ip -n "$SG" xfrm state; return 1; }
}

# keepalive: one within 6 s (nat_keepalive = 2), polled, not slept for
# (keepalive_after K0: k1, the NAT's count, is above K0).
keepalive_after() {
	k1=$(count "$NAT" natc keepalive)
	[ "$k1" -ge $(($1 + 1)) ]
}
keepalive() {
	local k0 k1
	k0=$(count "$NAT" natc keepalive)
	wait_until 6 keepalive_after "$k0"
	echo "keepalives through the NAT: $k0 -> $k1"
	[ "$k1" -ge $((k0 + 1)) ]
}

out_of_nat() {
	ip -n "$EU" addr add "$EU_A/24" dev e1 &&
		ip -n "$EU" route replace 10.9.2.0/24 via "$SG_A" dev e1 metric 100 &&
		sleep 1 && ip -n "$EU" addr del "$EU_B/24" dev e2 || return 1
	wait_view eu_view "$EU_A none 4500" 30 &&
		wait_view sg_view "$EU_A none" 30 || return 1
	! ip -n "$EU" xfrm state | grep -q encap &&
		! ip -n "$SG" xfrm state | grep -q encap ||
		{ ip -n "$EU" xfrm state; ip -n "$SG" xfrm state; return 1; }
}

# round NAME: the cases, on fresh namespaces.
round() {
	local r=$1
	if ! setup; then
		skip "nat_mobike $r: all cases" "cannot set up the namespaces and the NAT"
		teardown
		return
	fi
	tcase "nat_mobike $r: mifd to mifd on the direct link, MOBIKE, no NAT" up
	tcase "nat_mobike $r: a ping is bare ESP on the direct link" ping_direct
	tcase "nat_mobike $r: EU's address gone, the IKE SA moves behind the NAT, ESP in UDP" into_nat
	tcase "nat_mobike $r: a ping is ESP in UDP through the NAT" ping_nat
	tcase "nat_mobike $r: EU sends keepalives" keepalive
	tcase "nat_mobike $r: the direct address back, the other gone: out of the NAT, plain ESP" out_of_nat
	tcase "nat_mobike $r: a ping is bare ESP on the direct link again" ping_direct
	teardown
}

if load_module 2>/dev/null; then
	round module
else
	skip "nat_mobike module: all cases" "cannot load $MODULE"
fi
unload_module 2>/dev/null
round xfrm

ksft_exit
