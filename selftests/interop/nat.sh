#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NAT traversal (RFC 7296 2.23, RFC 3948): EU behind a NAT router. Three
# namespaces:
#
#   EU 10.77.1.1 (e0) -- (n0) 10.77.1.254 NAT 10.77.2.254 (n1) -- (s0) 10.77.2.1 SG
#
# NAT masquerades EU's UDP behind 10.77.2.254, ports 31000-31999; SG has
# no route to 10.77.1.0/24. Inner addresses 10.9.1.1 (EU) and 10.9.2.1
# (SG), on lo. nftables counters in NAT's forward chain count what EU
# sends: ESP in UDP to port 4500 (a non-zero SPI after the UDP header),
# keepalives (one 0xff byte) and bare ESP.
#
#   mifd to mifd: both see the NAT, IKE moves to 4500, a ping is ESP in
#     UDP, EU sends keepalives; the NAT forgets its mappings (1 s without
#     a packet) and masquerades to other ports and, at EU's next request,
#     SG follows EU's new port and the ping flows again
#   mifd (EU) initiating to charon (SG), charon (EU) initiating to mifd
#     (SG): ESP in UDP, a ping
#   encap = yes on EU without a NAT (routed, not masqueraded): ESP in UDP
#
#   tools/vm/run -k debian -m 3072 -t 1800 -- selftests/interop/run.sh nat.sh
TEST_NAME=nat
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
source "$here/charon_lib.sh"

interop_start ip jq nft ping
T=$(mifd_tmpdir)
cleanup() {
	charon_stop_all >/dev/null 2>&1
	_mifd_interop_cleanup
}
trap cleanup EXIT
make_netns EU && make_netns NAT && make_netns SG ||
	{ echo "1..0 # SKIP cannot make namespaces"; exit $KSFT_SKIP; }

EU_ADDR=10.77.1.1
SG_ADDR=10.77.2.1
NAT_ADDR=10.77.2.254
EU_IN=10.9.1.1
SG_IN=10.9.2.1

# nat_up NS RANGE: NS routes between n0 and n1 and masquerades EU's UDP
# to ports RANGE (none: routes only), with the counters.
nat_up() {
	local ns=$1 range=$2
	ip -n "$ns" addr add 10.77.1.254/24 dev n0 &&
		ip -n "$ns" addr add "$NAT_ADDR/24" dev n1 &&
		ip -n "$ns" link set n0 up && ip -n "$ns" link set n1 up &&
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 || return 1
	ip netns exec "$ns" nft -f - <<-NFT || return 1
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
	NFT
	[ -z "$range" ] && return 0
	ip netns exec "$ns" nft -f - <<-NFT
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "n1" meta l4proto udp masquerade to :$range
			oifname "n1" masquerade
		}
	}
	NFT
}

ip -n "$EU" link add e0 type veth peer name n0 netns "$NAT" &&
	ip -n "$SG" link add s0 type veth peer name n1 netns "$NAT" &&
	ip -n "$EU" addr add "$EU_ADDR/24" dev e0 && ip -n "$EU" link set e0 up &&
	ip -n "$SG" addr add "$SG_ADDR/24" dev s0 && ip -n "$SG" link set s0 up &&
	ip -n "$EU" route add default via 10.77.1.254 &&
	ip -n "$EU" addr add "$EU_IN/32" dev lo &&
	ip -n "$SG" addr add "$SG_IN/32" dev lo &&
	ip -n "$SG" route add 10.9.1.0/24 via "$NAT_ADDR" &&
	nat_up "$NAT" 31000-31999 ||
	{ echo "1..0 # SKIP cannot set up the namespaces and the NAT"; exit $KSFT_SKIP; }

# count NAME: what the NAT's counter NAME counted so far.
count() {
	ip netns exec "$NAT" nft -j list counter inet natc "$1" |
		jq '.nftables[] | select(.counter) | .counter.packets'
}

# ping_udp: a ping from EU's inner address to SG's, all of it ESP in UDP
# through the NAT, none of it bare ESP.
ping_udp() {
	local u0 e0 u1 e1
	u0=$(count espinudp) e0=$(count bare)
	ip netns exec "$EU" ping -q -c 3 -i 0.3 -w 15 -I "$EU_IN" "$SG_IN" || return 1
	u1=$(count espinudp) e1=$(count bare)
	echo "through the NAT: ESP in UDP $u0 -> $u1, bare ESP $e0 -> $e1"
	[ "$u1" -ge $((u0 + 3)) ] && [ "$e1" -eq "$e0" ]
}

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock

# mifd_conf SIDE PEER [KEY=VALUE...]: connection n of SIDE (eu or sg),
# to PEER's address, with further keys.
mifd_conf() {
	local side=$1 peer=$2 me mid pid mts pts kv dpd=0 more=()
	shift 2
	for kv in "$@"; do
		case $kv in
		dpd=*) dpd=${kv#dpd=} ;;
		*) more+=("$kv") ;;
		esac
	done
	if [ "$side" = eu ]; then
		me=$EU_ADDR mid=eu.example pid=sg.example mts=$EU_IN pts=$SG_IN
	else
		me=$SG_ADDR mid=sg.example pid=eu.example mts=$SG_IN pts=$EU_IN
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
	retransmit_base = 500ms
	retransmit_tries = 4
	dpd = $dpd
	EOC
	for kv in "${more[@]}"; do
		echo "${kv%%=*} = ${kv#*=}"
	done
}

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }

# start NS SOCK: mifd with SOCK's config (SOCK without .sock, .conf), its
# log shown if it does not start.
start() {
	mifd_start "$1" "${2%.sock}.conf" "$2" && return 0
	echo "mifd in $1 did not start:"
	cat "$2.log"
	return 1
}

# field NS SOCK JQ: of the first IKE SA.
field() {
	mifd_ctl "$1" "$2" -j ike list | jq -r ".ike_sas[0] | $3"
}

mm_up() {
	mifd_conf eu "$SG_ADDR" dpd=3 nat_keepalive=2 >"$T/eu.conf"
	mifd_conf sg "$NAT_ADDR" >"$T/sg.conf"
	start "$SG" "$SG_SOCK" &&
		start "$EU" "$EU_SOCK" &&
		eu ike up n -w 20 &&
		mifd_wait_established "$SG" "$SG_SOCK" n 10
}

# Each side knows which one is behind the NAT; IKE is on 4500 from a port
# of the NAT's range; the Child SAs carry ESP in UDP.
mm_detect() {
	local e s p
	e=$(field "$EU" "$EU_SOCK" '"\(.nat) \(.local_port) \(.remote_port)"')
	s=$(field "$SG" "$SG_SOCK" '"\(.nat) \(.local_port) \(.remote_port)"')
	echo "EU: $e; SG: $s"
	[ "$e" = "local 4500 4500" ] || return 1
	p=${s##* }
	[ "${s% *}" = "remote 4500" ] && [ "$p" -ge 31000 ] && [ "$p" -le 31999 ] ||
		return 1
	ip -n "$EU" xfrm state | grep -q "encap type espinudp sport 4500 dport 4500" &&
		ip -n "$SG" xfrm state | grep -q "encap type espinudp sport $p dport 4500" &&
		ip -n "$SG" xfrm state | grep -q "encap type espinudp sport 4500 dport $p" ||
		{ ip -n "$EU" xfrm state; ip -n "$SG" xfrm state; return 1; }
}

mm_keepalive() {
	local k0 k1
	k0=$(count keepalive)
	sleep 5
	k1=$(count keepalive)
	echo "keepalives through the NAT: $k0 -> $k1"
	[ "$k1" -ge $((k0 + 1)) ]
}

# nat_restart [RANGE]: the NAT restarts, masquerading to RANGE (none:
# routing only), between connections (its links go down meanwhile): its
# veths move to a new namespace, whose conntrack table
# is empty, so that no mapping of the old one survives.
nat_restart() {
	local ns
	make_netns ns &&
		ip -n "$NAT" link set n0 netns "$ns" &&
		ip -n "$NAT" link set n1 netns "$ns" || return 1
	NAT=$ns
	nat_up "$NAT" "${1:-}"
}

# remapped: p, SG's view of EU's port, is in the NAT's new range.
remapped() {
	p=$(field "$SG" "$SG_SOCK" .remote_port)
	[ "$p" -ge 32000 ] 2>/dev/null && [ "$p" -le 32999 ]
}

# The NAT forgets its mappings and makes new ones from other ports: its
# masquerade moves to 32000-32999 and its UDP mappings live 1 s without a
# packet, less than EU leaves between its keepalives (2 s) and liveness
# checks (3 s). EU's next request comes from a new port; SG follows it.
mm_remap() {
	local p
	ip netns exec "$NAT" nft -f - <<-NFT || return 1
	flush chain ip nat post
	add rule ip nat post oifname "n1" meta l4proto udp masquerade to :32000-32999
	add rule ip nat post oifname "n1" masquerade
	NFT
	ip netns exec "$NAT" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1 \
		net.netfilter.nf_conntrack_udp_timeout_stream=1 || return 1
	wait_until 30 remapped
	# Mappings that last again, for what follows.
	ip netns exec "$NAT" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=30 \
		net.netfilter.nf_conntrack_udp_timeout_stream=120
	echo "SG's view of EU's port: $p"
	[ "$p" -ge 32000 ] 2>/dev/null && [ "$p" -le 32999 ] || return 1
	grep -q "NAT mapping changed" "$SG_SOCK.log" &&
		ip -n "$SG" xfrm state | grep -q "encap type espinudp sport 4500 dport $p" ||
		{ ip -n "$SG" xfrm state; return 1; }
}

mm_down() {
	mifd_stop
}

tcase "nat: mifd to mifd, EU behind the NAT, IKE SA up" mm_up
tcase "nat: each side sees who is behind the NAT, IKE and ESP on 4500" mm_detect
tcase "nat: a ping is ESP in UDP through the NAT" ping_udp
tcase "nat: EU sends keepalives" mm_keepalive
tcase "nat: the NAT's mapping changed, SG follows EU's new port" mm_remap
tcase "nat: traffic resumes on the new mapping" ping_udp
tcase "nat: both mifd stop" mm_down

# --- charon ---------------------------------------------------------------

CEU=$T/charon-eu
CSG=$T/charon-sg

# ccase NAME CMD...: tcase, with charon's logs on failure.
ccase() {
	tcase "$@" && return 0
	local d
	for d in "${!charon_pids[@]}"; do
		echo "# charon log $d (last 30 lines):"
		charon_log "$d" 30
	done
	return 1
}

mc_up() {
	mifd_conf eu "$SG_ADDR" >"$T/eu.conf"
	charon_conf "$CSG" n local="$SG_ADDR" remote="$NAT_ADDR" \
		local_id=fqdn:sg.example remote_id=fqdn:eu.example psk="$PSK" \
		local_ts="$SG_IN/32" remote_ts="$EU_IN/32" &&
		charon_start "$SG" "$CSG" && charon_load "$SG" "$CSG" &&
		start "$EU" "$EU_SOCK" &&
		eu ike up n -w 20 &&
		[ "$(field "$EU" "$EU_SOCK" '"\(.nat) \(.local_port) \(.remote_port)"')" = \
		  "local 4500 4500" ]
}

mc_down() {
	mifd_stop && charon_stop "$SG" "$CSG"
}

cm_up() {
	local p
	mifd_conf sg "$NAT_ADDR" >"$T/sg.conf"
	charon_conf "$CEU" n local="$EU_ADDR" remote="$SG_ADDR" \
		local_id=fqdn:eu.example remote_id=fqdn:sg.example psk="$PSK" \
		local_ts="$EU_IN/32" remote_ts="$SG_IN/32" &&
		start "$SG" "$SG_SOCK" &&
		charon_start "$EU" "$CEU" && charon_load "$EU" "$CEU" &&
		charon_up "$EU" "$CEU" n 20 &&
		mifd_wait_established "$SG" "$SG_SOCK" n 10 || return 1
	p=$(field "$SG" "$SG_SOCK" '"\(.nat) \(.local_port) \(.remote_port)"')
	echo "SG: $p"
	[ "${p% *}" = "remote 4500" ]
}

cm_down() {
	charon_stop "$EU" "$CEU" && mifd_stop
}

if charon_available; then
	ccase "nat: mifd initiator behind the NAT, charon responder" mc_up
	ccase "nat: mifd to charon, a ping is ESP in UDP" ping_udp
	ccase "nat: mifd and charon stop" mc_down
	ccase "nat: charon initiator behind the NAT, mifd responder" cm_up
	ccase "nat: charon to mifd, a ping is ESP in UDP" ping_udp
	ccase "nat: charon and mifd stop" cm_down
else
	for c in "mifd initiator behind the NAT, charon responder" \
		"mifd to charon, a ping is ESP in UDP" "mifd and charon stop" \
		"charon initiator behind the NAT, mifd responder" \
		"charon to mifd, a ping is ESP in UDP" "charon and mifd stop"; do
		ksft_ntests=$((ksft_ntests + 1))
		echo "ok $ksft_ntests nat: $c # SKIP charon not installed"
	done
fi

# --- encap = yes without a NAT ----------------------------------------------

# The NAT routes and no longer masquerades; SG reaches EU directly.
enc_up() {
	local e s
	nat_restart && ip -n "$SG" route add 10.77.1.0/24 via "$NAT_ADDR" ||
		return 1
	mifd_conf eu "$SG_ADDR" encap=yes >"$T/eu.conf"
	mifd_conf sg "$EU_ADDR" >"$T/sg.conf"
	start "$SG" "$SG_SOCK" &&
		start "$EU" "$EU_SOCK" &&
		eu ike up n -w 20 &&
		mifd_wait_established "$SG" "$SG_SOCK" n 10 || return 1
	e=$(field "$EU" "$EU_SOCK" '"\(.nat) \(.local_port) \(.remote_port)"')
	s=$(field "$SG" "$SG_SOCK" '"\(.nat) \(.local_port) \(.remote_port) \(.remote)"')
	echo "EU: $e; SG: $s"
	[ "$e" = "encap 4500 4500" ] && [ "$s" = "remote 4500 4500 $EU_ADDR" ]
}

tcase "nat: encap = yes without a NAT, IKE on 4500" enc_up
tcase "nat: encap = yes, a ping is ESP in UDP" ping_udp
tcase "nat: encap = yes, both mifd stop" mm_down

ksft_exit
