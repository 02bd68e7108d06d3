#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Figure 2 (use case 1 under current IKEv2): the EU of figures 1 and 12,
# with per_interface = yes, against a peer without MIF. EU and SG joined by
# three veth pairs (mifI in EU, 10.88.I.1; pmifI in SG, 10.88.I.2); the IKE
# SA on pair 0. Without MIF nothing names another pair, so every Child SA
# is on the IKE SA's addresses, with no error, and EU says why.
#
#   1. tunnel mode, as figure 2 draws it: SG (mifd, mif = no) leases three
#      inner addresses from its pool; one Child SA on pair 0 carries all
#      three, and a ping from each is ESP on mif0 only.
#   2. transport mode (the EU of figure 12): SG with mif = no; one Child SA,
#      on the IKE SA's pair.
#   3. the same against strongSwan's charon, when it is installed.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh fig2.sh
TEST_NAME=fig2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
source "$here/charon_lib.sh"

interop_start ip jq nft ping
T=$(mifd_tmpdir)
CSG=$T/charon-sg
cleanup() {
	charon_stop_all >/dev/null 2>&1
	_mifd_interop_cleanup
}
trap cleanup EXIT
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

# ESP counters per veth of EU, each way (esp_counters, lib.sh).
esp_counters "$EU" ||
	{ echo "1..0 # SKIP cannot load the nftables counters"; exit $KSFT_SKIP; }

# packets NAME: the packets counted by EU's counter NAME.
packets() { esp_packets "$EU" "$1"; }

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
conf() {	# conf ME PEER PATTERN MY_ID PEER_ID EXTRA...
	cat <<-CONF
	[mifd]
	log_level = debug

	[conn a]
	local = $1
	remote = $2
	local_id = fqdn:$4
	remote_id = fqdn:$5
	psk = $PSK
	ike = aes256gcm16-prfsha256-x25519
	esp = aes256gcm16
	retransmit_base = 500ms
	retransmit_tries = 4
	dpd = 0
	interfaces = $3
	CONF
	shift 5
	printf '%s\n' "$@"
}
# Tunnel mode with inner addresses (figure 1's EU, fig1.sh).
conf 10.88.0.1 10.88.0.2 "mif0:200, mif1:150, mif2:100" eu.example \
	sg.example "vips = 0.0.0.0, 0.0.0.0, 0.0.0.0" "remote_ts = 10.99.0.1/32" \
	"per_interface = yes" >"$T/eu-tunnel.conf"
conf 10.88.0.2 10.88.0.1 "pmif0:200, pmif1:150, pmif2:100" sg.example \
	eu.example "pool = 10.9.0.0/24" "local_ts = 10.99.0.1/32" \
	"mif = no" >"$T/sg-tunnel.conf"
# Transport mode (figure 12's EU, fig12.sh).
conf 10.88.0.1 10.88.0.2 "mif0:200, mif1:150, mif2:100" eu.example \
	sg.example "local_ts = 10.88.0.1/32" "remote_ts = 10.88.0.2/32" \
	"mode = transport" "per_interface = yes" >"$T/eu.conf"
conf 10.88.0.2 10.88.0.1 "pmif0:200, pmif1:150, pmif2:100" sg.example \
	eu.example "local_ts = 10.88.0.2/32" "remote_ts = 10.88.0.1/32" \
	"mode = transport" "mif = no" >"$T/sg-plain.conf"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }

# The installed children's pairs, "local-remote", sorted.
pairs='([.children[] | select(.installed) | "\(.local)-\(.remote)"] | sort)'

# start EUCONF SGCONF: both mifd, and EU brings conn a up.
start() {
	: >"$EU_SOCK.log"
	: >"$SG_SOCK.log"
	mifd_start "$EU" "$T/$1" "$EU_SOCK" &&
		mifd_start "$SG" "$T/$2" "$SG_SOCK" &&
		eu ike up a -w 20 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10
}

plain_log() {
	grep -q "MIF not negotiated with 10.88.0.2: Child SAs on the IKE SA's addresses" \
		"$EU_SOCK.log" || { mifd_log "$EU_SOCK"; return 1; }
	! grep -E " (error|warning): " "$EU_SOCK.log"
}

down() { mifd_stop; }

# --- 1. tunnel mode, inner addresses -------------------------------------

tcase "fig2: EU and a SG with mif = no set up an IKE SA (tunnel)" \
	start eu-tunnel.conf sg-tunnel.conf

vips='["10.9.0.1","10.9.0.2","10.9.0.3"]'
# The installed children, "local-remote TSi", TSi EU's inner side.
eu_children='([.children[] | select(.installed) |
	"\(.local)-\(.remote) \(.local_ts | map(split("/")[0]) | sort | join(","))"])'
tunnel_one() {
	want "$EU" "$EU_SOCK" "(.mif.negotiated | not) and .local_vips == $vips and
		$eu_children == [\"10.88.0.1-10.88.0.2 10.9.0.1,10.9.0.2,10.9.0.3\"]" &&
		sleep 2 &&
		want "$EU" "$EU_SOCK" "(.children | length) == 1" &&
		want "$SG" "$SG_SOCK" "$pairs == [\"10.88.0.2-10.88.0.1\"]" &&
		[ "$(ip -n "$EU" xfrm state | grep -c '^src ')" -eq 2 ] ||
		{ ip -n "$EU" xfrm state; return 1; }
}
tcase "fig2: one Child SA on the IKE SA's pair carries the three inner addresses" tunnel_one

# Every inner address's traffic is ESP on mif0, none on mif1 or mif2.
one_link() {
	local k j o i0
	for k in 1 2 3; do
		declare -A before=()
		for j in 0 1 2; do
			before[out$j]=$(packets "out$j")
			before[in$j]=$(packets "in$j")
		done
		ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I "10.9.0.$k" 10.99.0.1 >/dev/null ||
			{ echo "no answer from 10.9.0.$k"; return 1; }
		for j in 0 1 2; do
			o=$(( $(packets "out$j") - ${before[out$j]} ))
			i0=$(( $(packets "in$j") - ${before[in$j]} ))
			if [ "$j" -eq 0 ]; then
				[ "$o" -ge 3 ] && [ "$i0" -ge 3 ] ||
					{ echo "10.9.0.$k: $o ESP out, $i0 in on mif0"; return 1; }
			else
				[ "$o" -eq 0 ] && [ "$i0" -eq 0 ] ||
					{ echo "10.9.0.$k: ESP on mif$j ($o out, $i0 in)"; return 1; }
			fi
		done
		unset before
	done
}
tcase "fig2: a ping from each inner address is ESP on the IKE SA's link" one_link
tcase "fig2: EU says why, and logs no error (tunnel)" plain_log
tcase "fig2: both mifd exit 0 (tunnel)" down

# --- 2. transport mode ---------------------------------------------------

tcase "fig2: EU and a SG with mif = no set up an IKE SA" start eu.conf sg-plain.conf

plain_one() {
	want "$EU" "$EU_SOCK" "(.mif.negotiated | not) and
		$pairs == [\"10.88.0.1-10.88.0.2\"]" &&
		sleep 2 &&
		want "$EU" "$EU_SOCK" "(.children | length) == 1" &&
		want "$SG" "$SG_SOCK" "$pairs == [\"10.88.0.2-10.88.0.1\"]"
}
tcase "fig2: one Child SA, on the IKE SA's pair" plain_one
tcase "fig2: EU says why, and logs no error" plain_log
tcase "fig2: both mifd exit 0" down

# --- 3. against strongSwan, which knows nothing of MIF -------------------

if ! charon_available; then
	for c in "IKE SA up" "one Child SA, on the IKE SA's pair" \
		"EU says why, and logs no error"; do
		skip "fig2 charon: $c" "charon or swanctl not installed"
	done
	ksft_exit
fi
charon_conf "$CSG" a local=10.88.0.2 remote=10.88.0.1 \
	local_id=fqdn:sg.example remote_id=fqdn:eu.example psk="$PSK" \
	ike=aes256gcm16-prfsha256-x25519 esp=aes256gcm16 mode=transport

charon_sg_up() {
	: >"$EU_SOCK.log"
	charon_start "$SG" "$CSG" && charon_load "$SG" "$CSG" &&
		mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		eu ike up a -w 20 >/dev/null
}
charon_one() {
	want "$EU" "$EU_SOCK" "(.mif.negotiated | not) and
		$pairs == [\"10.88.0.1-10.88.0.2\"]" &&
		sleep 2 &&
		want "$EU" "$EU_SOCK" "(.children | length) == 1" &&
		[ "$(charon_sas "$SG" "$CSG" | grep -c '^child a a INSTALLED')" -eq 1 ] ||
		{ charon_sas "$SG" "$CSG"; charon_log "$CSG"; return 1; }
}
tcase "fig2 charon: IKE SA up" charon_sg_up
tcase "fig2 charon: one Child SA, on the IKE SA's pair" charon_one
tcase "fig2 charon: EU says why, and logs no error" plain_log
ksft_exit
