#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mifd's table of local interfaces follows the kernel: mifd runs in a
# namespace with two veths (their peers in another namespace), and after
# each change of links and addresses "mifctl -j ike interfaces" must say
# what the kernel says, with each interface's id unchanged.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh iface.sh
TEST_NAME=iface
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"

require_root
require_cmd ip jq
[ -x "$MIFD" ] || { echo "1..0 # SKIP $MIFD not built (make)"; exit $KSFT_SKIP; }
[ -x "$MIFCTL" ] || { echo "1..0 # SKIP $MIFCTL not built (make tools)"; exit $KSFT_SKIP; }

echo "TAP version 13"
T=$(mifd_tmpdir)
make_netns NS && make_netns PEER ||
	{ echo "1..0 # SKIP cannot make namespaces"; exit $KSFT_SKIP; }

# veth DEV: DEV in NS, up, its peer in PEER, up.
veth() {
	ip -n "$NS" link add "$1" type veth peer name "p$1" netns "$PEER" &&
		ip -n "$NS" link set "$1" up && ip -n "$PEER" link set "p$1" up
}
veth mif0 && veth mif1 &&
	ip -n "$NS" addr add 10.77.0.1/24 dev mif0 &&
	ip -n "$NS" addr add fd77::1/64 dev mif0 nodad ||
	{ echo "1..0 # SKIP cannot set up the veths"; exit $KSFT_SKIP; }

SOCK=$T/mifd.sock
cat >"$T/mifd.conf" <<CONF
[mifd]
log_level = info

[conn a]
local = 10.77.0.1
remote = 10.77.0.2
psk = 0x6d69662d696e7465726f702d746573742d6b6579
interfaces = mif0:200, mif*
CONF

# want_iface JQ: poll (5 s) until the table passes the jq test JQ.
_want_iface() { mifd_ctl "$NS" "$SOCK" -j ike interfaces | jq -e "$1" >/dev/null; }
want_iface() {
	wait_until 5 _want_iface "$1" && return 0
	echo "wanted: $1"
	mifd_ctl "$NS" "$SOCK" -j ike interfaces
	ip -n "$NS" addr
	return 1
}

# The entry of NAME, and one of its members.
ifq() { echo "(.interfaces[] | select(.name == \"$1\"))"; }

start() {
	mifd_start "$NS" "$T/mifd.conf" "$SOCK" || { mifd_log "$SOCK"; return 1; }
	# mif0 first (created first: the lower ifindex), no loopback, no
	# link-local address.
	want_iface "[.interfaces[].name] == [\"mif0\", \"mif1\"] and
	      $(ifq mif0).id == 1 and $(ifq mif1).id == 2 and
	      $(ifq mif0).addresses == [\"10.77.0.1\", \"fd77::1\"] and
	      $(ifq mif1).addresses == [] and
	      $(ifq mif0).priority == 200 and
	      $(ifq mif1).priority == 128 and
	      ([.interfaces[].state] | all(. == \"up\"))"
}
tcase "start: both veths, their addresses, no loopback or link-local" start

add_addr() {
	ip -n "$NS" addr add 10.77.1.1/24 dev mif1 &&
		want_iface "$(ifq mif1).addresses == [\"10.77.1.1\"] and
		      $(ifq mif1).id == 2"
}
tcase "address added" add_addr

del_addr() {
	ip -n "$NS" addr del 10.77.0.1/24 dev mif0 &&
		want_iface "$(ifq mif0).addresses == [\"fd77::1\"] and
		      $(ifq mif0).id == 1"
}
tcase "address removed" del_addr

link_down() {
	ip -n "$NS" link set mif1 down &&
		want_iface "$(ifq mif1).state == \"down\" and $(ifq mif1).id == 2 and
		      $(ifq mif0).state == \"up\""
}
tcase "link down: state down, same id" link_down

recreate() {
	ip -n "$NS" link del mif0 &&
		want_iface "[.interfaces[].name] == [\"mif1\"]" &&
		veth mif0 && want_iface "$(ifq mif0).id == 1 and
				   $(ifq mif0).addresses == []"
}
tcase "link deleted and made again: the same id" recreate

stop() { mifd_stop "$NS" "$SOCK"; }
tcase "mifd exits 0" stop
ksft_exit
