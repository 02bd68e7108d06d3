#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Figure 12 (use case 3, MIF aware applications in transport mode): one
# Child SA per interface, each protecting the traffic between the two
# addresses of its own pair. EU and the server (SG here) joined side by
# side by three veth pairs (mifI in EU, 10.88.I.1; pmifI in SG,
# 10.88.I.2). EU's connection has per_interface = yes in transport mode:
# over its one IKE SA (on pair 0) it brings up three Child SAs, each on
# its own pair (MIF_CHILD_PATH). nftables counts the ESP packets leaving
# and entering each veth of EU: a ping over each pair is ESP on that
# pair's link only. The same EU against a peer without MIF (figure 2)
# is fig2.sh.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh fig12.sh
TEST_NAME=fig12
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
pair 0 && pair 1 && pair 2 ||
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
	local_ts = $1/32
	remote_ts = $2/32
	mode = transport
	retransmit_base = 500ms
	retransmit_tries = 4
	dpd = 0
	interfaces = $3
	CONF
	shift 5
	printf '%s\n' "$@"
}
conf 10.88.0.1 10.88.0.2 "mif0:200, mif1:150, mif2:100" eu.example \
	sg.example "per_interface = yes" >"$T/eu.conf"
conf 10.88.0.2 10.88.0.1 "pmif0:200, pmif1:150, pmif2:100" sg.example \
	eu.example >"$T/sg.conf"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }

# The installed children's pairs, "local-remote", sorted.
pairs='([.children[] | select(.installed) | "\(.local)-\(.remote)"] | sort)'

up() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up a -w 20 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10
}
tcase "fig12: one IKE SA between EU and SG" up

three() {
	want "$EU" "$EU_SOCK" ".mif.negotiated and .local == \"10.88.0.1\" and
		$pairs == [\"10.88.0.1-10.88.0.2\", \"10.88.1.1-10.88.1.2\",
			   \"10.88.2.1-10.88.2.2\"]" &&
		want "$SG" "$SG_SOCK" "$pairs == [\"10.88.0.2-10.88.0.1\",
			\"10.88.1.2-10.88.1.1\", \"10.88.2.2-10.88.2.1\"]"
}
tcase "fig12: three Child SAs, each on its own pair" three

named() {
	want "$EU" "$EU_SOCK" "([.children[] | \"\(.interface) \(.local)\"] | sort) ==
		[\"mif0 10.88.0.1\", \"mif1 10.88.1.1\", \"mif2 10.88.2.1\"]" &&
		want "$SG" "$SG_SOCK" "([.children[] | .interface] | sort) ==
			[\"pmif0\", \"pmif1\", \"pmif2\"]" &&
		eu ike list | grep -q "10.88.1.1 <-> 10.88.1.2 on mif1"
}
tcase "fig12: mifctl ike list names each Child SA's interface" named

kernel() {
	local i
	for i in 0 1 2; do
		ip -n "$EU" xfrm state | grep -q "src 10.88.$i.1 dst 10.88.$i.2" &&
			ip -n "$EU" xfrm state | grep -q "src 10.88.$i.2 dst 10.88.$i.1" ||
			{ echo "no SA pair on 10.88.$i.x"; ip -n "$EU" xfrm state; return 1; }
	done
	[ "$(ip -n "$EU" xfrm state | grep -c '^src')" -eq 6 ] ||
		{ ip -n "$EU" xfrm state; return 1; }
}
tcase "fig12: EU's kernel holds an SA pair on each pair, no more" kernel

# Each pair's traffic is ESP on its own link, on that link only.
per_link() {
	local i j o i0 b
	for i in 0 1 2; do
		declare -A before=()
		for j in 0 1 2; do
			before[out$j]=$(packets "out$j")
			before[in$j]=$(packets "in$j")
		done
		ip netns exec "$EU" ping -q -c 3 -W 2 -I "10.88.$i.1" "10.88.$i.2" >/dev/null ||
			{ echo "no answer over pair $i"; return 1; }
		for j in 0 1 2; do
			o=$(( $(packets "out$j") - ${before[out$j]} ))
			i0=$(( $(packets "in$j") - ${before[in$j]} ))
			if [ "$j" -eq "$i" ]; then
				[ "$o" -ge 3 ] && [ "$i0" -ge 3 ] ||
					{ echo "pair $i: $o ESP out, $i0 in on mif$j"; return 1; }
			else
				[ "$o" -eq 0 ] && [ "$i0" -eq 0 ] ||
					{ echo "pair $i: ESP on mif$j ($o out, $i0 in)"; return 1; }
			fi
		done
		unset before
	done
	b=$(eu -j ike list | jq '[.ike_sas[0].children[] | select(.packets_out >= 3)] | length')
	[ "$b" -eq 3 ] || { echo "$b Child SAs carried traffic"; return 1; }
}
tcase "fig12: a ping over each pair is ESP on its link only" per_link

down() { mifd_stop; }
tcase "fig12: both mifd exit 0" down

ksft_exit
