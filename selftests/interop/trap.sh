#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# On-demand tunnels (start = trap, dpd_action = trap) between two mifd:
# EU's connection is trapped, not started: its trap policies are in the
# kernel and no IKE message leaves until a packet of the trapped flow
# (172.31.1.1 -> 172.31.2.1) brings the tunnel up through the kernel's
# acquire; the traffic is then ESP on the wire. SG's mifd is then killed
# (SIGKILL) and its kernel flushed, as a reboot leaves it: EU's DPD gives
# the peer up, the Child SA goes and its policies fall back to the trap,
# so EU's pings are held or dropped, and nftables on SG's side of the
# wire count none of them in clear, while the trap asks for IKE again.
# ike down removes the trap policies, and so does mifd's exit.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh trap.sh
TEST_NAME=trap
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"

interop_start ip jq nft ping
T=$(mifd_tmpdir)
make_netns EU && make_netns SG ||
	{ echo "1..0 # SKIP cannot make namespaces"; exit $KSFT_SKIP; }
ip -n "$EU" link add rt0 type veth peer name prt0 netns "$SG" &&
	ip -n "$EU" addr add 10.91.0.1/24 dev rt0 &&
	ip -n "$SG" addr add 10.91.0.2/24 dev prt0 &&
	ip -n "$EU" link set rt0 up && ip -n "$SG" link set prt0 up &&
	ip -n "$EU" link set lo up && ip -n "$SG" link set lo up &&
	ip -n "$EU" addr add 172.31.1.1/32 dev lo &&
	ip -n "$SG" addr add 172.31.2.1/32 dev lo &&
	ip -n "$EU" route add 172.31.2.0/24 via 10.91.0.2 src 172.31.1.1 &&
	ip -n "$SG" route add 172.31.1.0/24 via 10.91.0.1 src 172.31.2.1 ||
	{ echo "1..0 # SKIP cannot set up the veth"; exit $KSFT_SKIP; }

# The wire, as SG receives it: IKE, ESP, and EU's traffic in clear.
ip netns exec "$SG" nft -f - <<'NFT' ||
table netdev wire {
	counter ike_in { }
	counter esp_in { }
	counter clear_in { }
	chain in {
		type filter hook ingress device "prt0" priority 0; policy accept;
		udp dport { 500, 4500 } counter name "ike_in"
		ip protocol esp counter name "esp_in"
		ip protocol icmp ip daddr 172.31.2.0/24 counter name "clear_in"
	}
}
NFT
	{ echo "1..0 # SKIP cannot load the nftables counters"; exit $KSFT_SKIP; }
wire() {
	ip netns exec "$SG" nft -j list counter netdev wire "$1" |
		jq '.nftables[] | select(.counter) | .counter.packets'
}

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
conf() {	# conf ME PEER LOCAL_TS REMOTE_TS [LINE...]
	cat <<-CONF
	[mifd]
	log_level = debug

	[conn r]
	local = $1
	remote = $2
	psk = $PSK
	local_ts = $3
	remote_ts = $4
	retransmit_base = 300ms
	retransmit_tries = 2
	CONF
	shift 4
	printf '%s\n' "$@"
}
conf 10.91.0.1 10.91.0.2 172.31.1.0/24 172.31.2.0/24 "start = trap" \
	"dpd = 1" "dpd_action = trap" >"$T/eu.conf"
conf 10.91.0.2 10.91.0.1 172.31.2.0/24 172.31.1.0/24 "dpd = 0" >"$T/sg.conf"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }

# trapped: EU's outbound policy of the flow, with a template of block 0
# (a trap's reqid, engine/trap.h) or of an IKE SA's (block 1 and on).
out_policy() {
	ip -n "$EU" xfrm policy list dir out src 172.31.1.0/24 dst 172.31.2.0/24
}
trap_reqid() {
	local r
	r=$(out_policy | sed -n 's/.*reqid \([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$r" ] && [ "$r" -lt 4096 ]
}

# logged TEXT [SECS]: poll until EU's log has TEXT.
logged() {
	wait_until "${2:-10}" grep -q "$1" "$EU_SOCK.log" && return 0
	echo "not logged: $1"
	return 1
}

quiet() {
	mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		logged "conn r: trap policies installed (start = trap)" &&
		sleep 3 &&
		out_policy | grep -q "tmpl src 10.91.0.1 dst 10.91.0.2" &&
		trap_reqid &&
		[ "$(wire ike_in)" -eq 0 ] &&
		eu -j ike list | jq -e '.ike_sas | length == 0' >/dev/null
}
tcase "start = trap: trap policies installed, no IKE before a packet" quiet

on_demand() {
	# The first packets are held or dropped while the IKE SA comes up.
	ip netns exec "$EU" ping -q -c 10 -i 0.5 -W 1 172.31.2.1 >/dev/null
	logged "conn r: acquire 172.31.1.1 -> 172.31.2.1" &&
		mifd_wait_established "$EU" "$EU_SOCK" r 30 &&
		ip netns exec "$EU" ping -q -c 3 -W 2 172.31.2.1 >/dev/null &&
		[ "$(wire esp_in)" -ge 3 ] &&
		! trap_reqid &&
		[ "$(grep -c "conn r: initiating" "$EU_SOCK.log")" -eq 1 ]
}
tcase "the first ping brings the tunnel up once; its traffic is ESP" on_demand

# The kernel sends one acquire per flow while its larval state lives
# (net.core.xfrm_acq_expires, 30 s): the one that brought the tunnel up
# stays beside the Child SA, whose reqid is not the trap's, so the first
# acquire after DPD may come only when it expires. The pings go on until
# then, every one of them held or dropped.
no_clear() {
	local before i
	mifd_crash "$SG" "$SG_SOCK" &&
		ip -n "$SG" xfrm state flush && ip -n "$SG" xfrm policy flush &&
		logged "conn r: peer not answering (DPD): its traffic waits on the trap" 30 &&
		trap_reqid &&
		ip netns exec "$SG" nft reset counter netdev wire clear_in >/dev/null &&
		before=$(wire ike_in) || return 1
	for i in $(seq 15); do
		! ip netns exec "$EU" ping -q -c 5 -i 0.5 -W 1 172.31.2.1 >/dev/null || return 1
		[ "$(wire ike_in)" -gt "$before" ] && break
	done
	echo "clear: $(wire clear_in), IKE before: $before, after: $(wire ike_in)" &&
		[ "$(wire clear_in)" -eq 0 ] &&
		[ "$(wire ike_in)" -gt "$before" ] &&
		trap_reqid
}
tcase "SG killed: DPD leaves the trap, pings are not sent in clear" no_clear

unload() {
	eu ike down r >/dev/null &&
		logged "conn r: trap policies removed (ike down)" &&
		sleep 1 &&
		[ -z "$(out_policy)" ]
}
tcase "ike down removes the trap policies" unload

stop() {
	# start = trap again (reload), then mifd's exit removes it.
	eu ike reload >/dev/null &&
		sleep 1 &&
		trap_reqid &&
		mifd_stop &&
		[ -z "$(out_policy)" ]
}
tcase "mifd's exit removes the trap policies" stop
ksft_exit
