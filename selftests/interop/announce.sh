#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# MIF negotiation and interface announcements between two mifd: EU and SG
# joined by two veth pairs (mif0-pmif0, mif1-pmif1), each connection listing
# both of its side's. Once up, "mifctl -j ike list" on each side shows MIF
# negotiated and the other's interfaces with their addresses; an address
# added on one side reaches the other's view.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh announce.sh
TEST_NAME=announce
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"

require_root
require_cmd ip jq
[ -x "$MIFD" ] || { echo "1..0 # SKIP $MIFD not built (make)"; exit $KSFT_SKIP; }
[ -x "$MIFCTL" ] || { echo "1..0 # SKIP $MIFCTL not built (make tools)"; exit $KSFT_SKIP; }

echo "TAP version 13"
modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
T=$(mifd_tmpdir)
make_netns EU && make_netns SG ||
	{ echo "1..0 # SKIP cannot make namespaces"; exit $KSFT_SKIP; }

# pair I: mifI in EU (10.88.I.1), pmifI in SG (10.88.I.2), both up.
pair() {
	ip -n "$EU" link add "mif$1" type veth peer name "pmif$1" netns "$SG" &&
		ip -n "$EU" addr add "10.88.$1.1/24" dev "mif$1" &&
		ip -n "$SG" addr add "10.88.$1.2/24" dev "pmif$1" &&
		ip -n "$EU" link set "mif$1" up && ip -n "$SG" link set "pmif$1" up
}
pair 0 && pair 1 || { echo "1..0 # SKIP cannot set up the veths"; exit $KSFT_SKIP; }

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
conf() {	# conf ME PEER PATTERN
	cat <<-CONF
	[mifd]
	log_level = debug

	[conn a]
	local = $1
	remote = $2
	psk = $PSK
	local_ts = $1/32
	remote_ts = $2/32
	retransmit_base = 300ms
	retransmit_tries = 3
	dpd = 0
	interfaces = $3
	CONF
}
conf 10.88.0.1 10.88.0.2 "mif0:200, mif1" >"$T/eu.conf"
conf 10.88.0.2 10.88.0.1 "pmif*" >"$T/sg.conf"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }

# want NS SOCK JQ: poll (10 s) until conn a's IKE SA passes the jq test.
want() {
	local i
	for i in $(seq 100); do
		mifd_ctl "$1" "$2" -j ike list |
			jq -e "[.ike_sas[] | select(.conn == \"a\" and
				.state == \"established\")][0] | $3" \
			>/dev/null && return 0
		sleep 0.1
	done
	echo "wanted: $3"
	mifd_ctl "$1" "$2" ike list
	return 1
}

# The addresses of the peer's interfaces, all together and sorted.
peer_addrs='([.mif.peer_interfaces[].addresses[]] | sort)'

up() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up a -w 20 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10
}
tcase "two mifd set up an IKE SA" up

negotiated() {
	want "$EU" "$EU_SOCK" '.mif.negotiated and .mif.version == 1' &&
		want "$SG" "$SG_SOCK" '.mif.negotiated and .mif.version == 1'
}
tcase "MIF negotiated on both sides" negotiated

lists() {
	want "$SG" "$SG_SOCK" "$peer_addrs == [\"10.88.0.1\", \"10.88.1.1\"] and
		(.mif.peer_interfaces | length) == 2 and
		([.mif.peer_interfaces[] | select(.down)] | length) == 0 and
		.mif.peer_interfaces[0].priority == 200" &&
		want "$EU" "$EU_SOCK" "$peer_addrs == [\"10.88.0.2\", \"10.88.1.2\"] and
		.mif.local_interfaces == (.mif.local_interfaces | sort_by(.id))"
}
tcase "each side lists the other's two interfaces and addresses" lists

added() {
	ip -n "$EU" addr add 10.88.2.1/24 dev mif1 &&
		want "$SG" "$SG_SOCK" \
			"$peer_addrs == [\"10.88.0.1\", \"10.88.1.1\", \"10.88.2.1\"]"
}
tcase "an address added on EU reaches SG's view" added

link_down() {
	ip -n "$SG" link set pmif1 down &&
		want "$EU" "$EU_SOCK" \
			"[.mif.peer_interfaces[] | select(.down) | .addresses[]] == [\"10.88.1.2\"]"
}
tcase "a link down on SG is flagged down in EU's view" link_down

text() {
	eu ike list | grep -q "mif: version 1" &&
		eu ike list | grep -q "peer #.* down: 10.88.1.2"
}
tcase "mifctl ike list prints both lists" text

stop() { mifd_stop; }
tcase "both mifd exit 0" stop
ksft_exit
