#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Figure 11 (use case 2, MIF aware applications in tunnel mode): s services
# on each interface, from one IKE SA. EU and SG joined by three veth pairs
# (mifI in EU, 10.88.I.1; pmifI in SG, 10.88.I.2). EU's one connection has
# per_interface = yes, asks for three inner addresses (vips) and has ten
# children, one per service of SG, TCP ports 5001..5010 on 10.99.0.1 (SG's
# lo). Over one IKE SA it brings up every service on every interface: 30
# Child SAs, ten on each pair, the one on mifI carrying inner address I,
# 10.9.0.(I+1). Both kernels hold 60 ESP states, 20 on each pair, and
# the policies of each service and inner address name their pair's
# tunnel. A TCP connection to one service from each inner address (SG's
# busybox nc echoes a line back) is ESP on its own veth only (nftables
# counters on EU's veths), through the Child SA of that service on that
# interface.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh fig11.sh
TEST_NAME=fig11
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
WANT_TIMEOUT=60	# want's wait (lib.sh)

interop_start ip jq nft ss busybox
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

PORTS=$(seq 5001 5010)
PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
{
	cat <<-CONF
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
	for p in $PORTS; do
		printf '\n[child a/t%s]\nremote_ts = 10.99.0.1/32[tcp/%s]\n' "$p" "$p"
	done
} >"$T/eu.conf"
{
	cat <<-CONF
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
	for p in $PORTS; do
		printf '\n[child a/t%s]\nlocal_ts = 10.99.0.1/32[tcp/%s]\n' "$p" "$p"
	done
} >"$T/sg.conf"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }

up() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up a -w 30 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10
}
tcase "fig11: one IKE SA between EU and SG" up

# expect SIDE: each installed child as "interface local-remote name
# inner", what SIDE's (eu or sg) mifctl -j ike list must show, sorted.
expect() {
	local k p
	for k in 0 1 2; do
		for p in $PORTS; do
			if [ "$1" = eu ]; then
				echo "mif$k 10.88.$k.1-10.88.$k.2 t$p 10.9.0.$((k + 1))"
			else
				echo "pmif$k 10.88.$k.2-10.88.$k.1 t$p 10.9.0.$((k + 1))"
			fi
		done
	done | sort | jq -R . | jq -s -c .
}
# The same from mifctl: the inner side is EU's TSi, EU's local_ts and
# SG's remote_ts, one address each.
eu_children='([.children[] | select(.installed and (.local_ts | length) == 1) |
	"\(.interface) \(.local)-\(.remote) \(.name) \(.local_ts[0] | split("/")[0])"] | sort)'
sg_children='([.children[] | select(.installed and (.remote_ts | length) == 1) |
	"\(.interface) \(.local)-\(.remote) \(.name) \(.remote_ts[0] | split("/")[0])"] | sort)'

thirty() {
	want "$EU" "$EU_SOCK" "(.children | length) == 30 and
		$eu_children == $(expect eu)" &&
		want "$SG" "$SG_SOCK" "(.children | length) == 30 and
		$sg_children == $(expect sg)" &&
		[ "$(eu -j ike list | jq '.ike_sas | length')" -eq 1 ] &&
		want "$EU" "$EU_SOCK" ".mif.negotiated and
		.local_vips == [\"10.9.0.1\", \"10.9.0.2\", \"10.9.0.3\"]"
}
tcase "fig11: 30 Child SAs from one IKE SA, each service on each interface" thirty

# states NS: NS's ESP states, "src-dst" per line.
states() {
	ip -n "$1" xfrm state | awk '/^src /{ print $2 "-" $4 }'
}
kernel_states() {
	local ns k n
	for ns in "$EU" "$SG"; do
		n=$(states "$ns" | wc -l)
		[ "$n" -eq 60 ] || { echo "$n ESP states in $ns"; ip -n "$ns" xfrm state; return 1; }
		for k in 0 1 2; do
			n=$(states "$ns" | grep -c "^10\.88\.$k\.1-10\.88\.$k\.2$")
			[ "$n" -eq 10 ] || { echo "$ns: $n states 10.88.$k.1 -> 10.88.$k.2"; return 1; }
			n=$(states "$ns" | grep -c "^10\.88\.$k\.2-10\.88\.$k\.1$")
			[ "$n" -eq 10 ] || { echo "$ns: $n states 10.88.$k.2 -> 10.88.$k.1"; return 1; }
		done
	done
}
tcase "fig11: 60 ESP states in each kernel, 20 on each pair" kernel_states

# policies NS: NS's out and in policies, one line each, "DIR INNER PORT
# TMPL_SRC-TMPL_DST": INNER the inner address, PORT the service's.
policies() {
	ip -n "$1" xfrm policy | awk '
		/^src / {
			inner = port = "-"
			for (i = 1; i < NF; i++) {
				if ($i == "src" || $i == "dst")
					if ($(i + 1) ~ /^10\.9\.0\./)
						inner = $(i + 1)
				if ($i == "sport" || $i == "dport")
					port = $(i + 1)
			}
		}
		/^[ \t]+dir / { dir = $2 }
		/^[ \t]+tmpl / && (dir == "out" || dir == "in") {
			print dir, inner, port, $3 "-" $5
		}' | sort
}
# want_policies SIDE: what policies must print on SIDE (eu or sg).
want_policies() {
	local k p o i
	for k in 0 1 2; do
		o="10.88.$k.1-10.88.$k.2"
		i="10.88.$k.2-10.88.$k.1"
		[ "$1" = eu ] || { o="10.88.$k.2-10.88.$k.1"; i="10.88.$k.1-10.88.$k.2"; }
		for p in $PORTS; do
			echo "out 10.9.0.$((k + 1))/32 $p $o"
			echo "in 10.9.0.$((k + 1))/32 $p $i"
		done
	done | sort
}
kernel_policies() {
	local side ns
	for side in eu sg; do
		ns=$EU
		[ "$side" = eu ] || ns=$SG
		diff <(want_policies "$side") <(policies "$ns") ||
			{ echo "$side's policies differ (< wanted, > found)"; ip -n "$ns" xfrm policy; return 1; }
	done
}
tcase "fig11: each service's policies name its inner address's pair, on both sides" kernel_policies

# _listening PORT: SG has a TCP socket listening on PORT.
_listening() { ip netns exec "$SG" ss -Htln "sport = :$1" | grep -q .; }

# tcp_to K PORT: from inner address K+1, a line to SG's service PORT,
# which echoes it back.
tcp_to() {
	local k=$1 port=$2 pid reply
	ip -n "$EU" route replace 10.99.0.0/24 via 10.88.0.2 src "10.9.0.$((k + 1))" ||
		return 1
	ip netns exec "$SG" timeout 60 busybox nc -l -p "$port" -e cat &
	pid=$!
	wait_until 30 _listening "$port" ||
		{ echo "SG's service $port does not listen"; kill "$pid"; return 1; }
	reply=$(ip netns exec "$EU" timeout 20 bash -c "exec 3<>/dev/tcp/10.99.0.1/$port &&
		echo fig11-$k-$port >&3 && read -r -t 15 line <&3 && echo \"\$line\"")
	[ "$reply" = "fig11-$k-$port" ] || {
		echo "10.9.0.$((k + 1)) to port $port: sent fig11-$k-$port, got back \"$reply\""
		kill "$pid"
		return 1
	}
	wait "$pid"
}

# packets_out NAME IFACE: what EU's Child SA of NAME on IFACE sent.
packets_out() {
	eu -j ike list | jq --arg n "$1" --arg i "$2" \
		'[.ike_sas[0].children[] | select(.name == $n and .interface == $i) |
		  .packets_out][0] // 0'
}

# From inner address k+1, service 5001 + 4k: ESP on mifk alone, through
# that service's Child SA on mifk.
per_link() {
	local k j o i0 port c0 c1
	for k in 0 1 2; do
		port=$((5001 + 4 * k))
		declare -A before=()
		for j in 0 1 2; do
			before[out$j]=$(packets "out$j")
			before[in$j]=$(packets "in$j")
		done
		c0=$(packets_out "t$port" "mif$k")
		tcp_to "$k" "$port" || return 1
		for j in 0 1 2; do
			o=$(( $(packets "out$j") - ${before[out$j]} ))
			i0=$(( $(packets "in$j") - ${before[in$j]} ))
			if [ "$j" -eq "$k" ]; then
				[ "$o" -ge 3 ] && [ "$i0" -ge 2 ] ||
					{ echo "t$port from 10.9.0.$((k + 1)): $o ESP out, $i0 in on mif$j"; return 1; }
			else
				[ "$o" -eq 0 ] && [ "$i0" -eq 0 ] ||
					{ echo "t$port from 10.9.0.$((k + 1)): ESP on mif$j ($o out, $i0 in)"; return 1; }
			fi
		done
		unset before
		c1=$(packets_out "t$port" "mif$k")
		[ "$c1" -ge $((c0 + 3)) ] ||
			{ echo "t$port on mif$k: Child SA sent $c0 -> $c1 packets"; return 1; }
	done
}
tcase "fig11: one service from each inner address is ESP on its own link only" per_link

stop() { mifd_stop; }
tcase "fig11: both mifd exit 0" stop
ksft_exit
