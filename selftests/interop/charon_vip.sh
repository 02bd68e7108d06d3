#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inner addresses (CFG) between mifd and strongSwan's charon, both ways:
#   - charon in SG leases from its pool (swanctl pools { }); mifd in EU
#     asks with vips = 0.0.0.0, puts the address on its lo and pings SG's
#     inner address from it through ESP;
#   - mifd in SG leases from its pool; charon in EU asks with
#     vips = 0.0.0.0 and gets a Child SA for that address.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh charon_vip.sh
TEST_NAME=charon_vip
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/charon_lib.sh"
source "$here/lib.sh"

require_root
require_cmd ip jq ping
echo "TAP version 13"
charon_available || { echo "1..0 # SKIP $CHARON or $SWANCTL not installed (strongswan-charon, strongswan-swanctl)"; exit $KSFT_SKIP; }
[ -x "$MIFD" ] || { echo "1..0 # SKIP $MIFD not built (make)"; exit $KSFT_SKIP; }
[ -x "$MIFCTL" ] || { echo "1..0 # SKIP $MIFCTL not built (make tools)"; exit $KSFT_SKIP; }
modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null

T=$(mifd_tmpdir)
cleanup() {
	charon_stop_all >/dev/null 2>&1
	_mifd_interop_cleanup
}
trap cleanup EXIT
make_netns EU && make_netns SG ||
	{ echo "1..0 # SKIP cannot make namespaces"; exit $KSFT_SKIP; }
ip -n "$EU" link add vip0 type veth peer name pvip0 netns "$SG" &&
	ip -n "$EU" addr add 10.88.0.1/24 dev vip0 &&
	ip -n "$SG" addr add 10.88.0.2/24 dev pvip0 &&
	ip -n "$EU" link set vip0 up && ip -n "$SG" link set pvip0 up &&
	ip -n "$EU" link set lo up && ip -n "$SG" link set lo up &&
	ip -n "$SG" addr add 10.99.0.1/32 dev lo &&
	ip -n "$EU" route add 10.99.0.0/24 via 10.88.0.2 &&
	ip -n "$SG" route add 10.9.0.0/24 via 10.88.0.1 ||
	{ echo "1..0 # SKIP cannot set up the veths"; exit $KSFT_SKIP; }

PSK=mif-interop-test-key
SOCK=$T/mifd.sock
CDIR=$T/charon

# swanctl DIR ROLE: charon's connection "a"; ROLE pool (SG) or vip (EU).
swanctl_conf() {
	local dir=$1 role=$2 me peer
	if [ "$role" = pool ]; then me=10.88.0.2 peer=10.88.0.1; else me=10.88.0.1 peer=10.88.0.2; fi
	mkdir -p "$dir/swanctl/conf.d"
	{
		echo "connections {"
		echo "	a {"
		echo "		version = 2"
		echo "		local_addrs = $me"
		echo "		remote_addrs = $peer"
		echo "		proposals = aes256gcm16-prfsha256-x25519"
		echo "		dpd_delay = 0"
		echo "		rekey_time = 0"
		echo "		mobike = no"
		if [ "$role" = pool ]; then
			echo "		pools = p"
		else
			echo "		vips = 0.0.0.0"
		fi
		echo "		local { auth = psk"
		echo "			id = $me }"
		echo "		remote { auth = psk"
		echo "			id = $peer }"
		echo "		children { a {"
		if [ "$role" = pool ]; then
			echo "			local_ts = 10.99.0.1/32"
		else
			echo "			remote_ts = 10.99.0.1/32"
		fi
		echo "			esp_proposals = aes256gcm16"
		echo "			rekey_time = 0"
		echo "		} }"
		echo "	}"
		echo "}"
		echo "secrets { ike-a { id-a = $me"
		echo "	id-b = $peer"
		echo "	secret = \"$PSK\" } }"
		if [ "$role" = pool ]; then
			echo "pools { p { addrs = 10.9.0.0/24 } }"
		fi
	} >"$dir/swanctl/conf.d/a.conf"
}

mifd_conf() {	# mifd_conf FILE ROLE (vip: EU asking; pool: SG leasing)
	local me peer
	if [ "$2" = pool ]; then me=10.88.0.2 peer=10.88.0.1; else me=10.88.0.1 peer=10.88.0.2; fi
	{
		echo "[mifd]"
		echo "log_level = debug"
		echo
		echo "[conn a]"
		echo "local = $me"
		echo "remote = $peer"
		echo "psk = $PSK"
		echo "ike = aes256gcm16-prfsha256-x25519"
		echo "esp = aes256gcm16"
		echo "retransmit_base = 500ms"
		echo "retransmit_tries = 3"
		echo "dpd = 0"
		if [ "$2" = pool ]; then
			echo "pool = 10.9.0.0/24"
			echo "local_ts = 10.99.0.1/32"
		else
			echo "vips = 0.0.0.0"
			echo "remote_ts = 10.99.0.1/32"
		fi
	} >"$1"
}

field() {	# field NS JQ: of conn a's IKE SA in mifd
	mifd_ctl "$1" "$SOCK" -j ike list |
		jq -c "[.ike_sas[] | select(.conn == \"a\")][0] | $2"
}

# ccase NAME CMD...: tcase, plus charon's log on failure.
ccase() {
	local name=$1
	shift
	tcase "$name" "$@" && return 0
	echo "# charon's log ($CDIR):"
	charon_log "$CDIR"
	sed 's/^/#   /' "$CDIR/charon.out" 2>/dev/null
	return 1
}

# 1. charon leases, mifd asks.
setup1() {
	swanctl_conf "$CDIR" pool &&
		charon_start "$SG" "$CDIR" && charon_load "$SG" "$CDIR" >/dev/null &&
		mifd_conf "$T/eu.conf" vip &&
		mifd_start "$EU" "$T/eu.conf" "$SOCK" &&
		mifd_ctl "$EU" "$SOCK" ike up a -w 30 >/dev/null &&
		mifd_wait_established "$EU" "$SOCK" a 10
}
ccase "charon responder with a pool: mifd's IKE SA up" setup1

got1() {
	local v
	v=$(field "$EU" .local_vips)
	echo "mifd got $v"
	[ "$v" = '["10.9.0.1"]' ] &&
		ip -n "$EU" -4 addr show dev lo | grep -q "inet 10.9.0.1/32"
}
ccase "mifd got 10.9.0.1 from charon's pool, on its lo" got1

ping1() {
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I 10.9.0.1 10.99.0.1 &&
		charon_sas "$SG" "$CDIR" | awk '$1 == "child" && $10 > 0 { ok = 1 } END { exit !ok }'
}
ccase "a ping from it reaches charon through ESP" ping1

down1() {
	mifd_stop "$EU" "$SOCK" || return 1
	! ip -n "$EU" addr show dev lo | grep -q 10.9.0.1
}
ccase "mifd stopped: the address leaves its lo" down1
charon_stop "$SG" "$CDIR"
ip -n "$EU" xfrm state flush; ip -n "$EU" xfrm policy flush
ip -n "$SG" xfrm state flush; ip -n "$SG" xfrm policy flush

# 2. mifd leases, charon asks.
CDIR=$T/charon2
setup2() {
	mifd_conf "$T/sg.conf" pool &&
		mifd_start "$SG" "$T/sg.conf" "$SOCK" &&
		swanctl_conf "$CDIR" vip &&
		charon_start "$EU" "$CDIR" && charon_load "$EU" "$CDIR" &&
		charon_up "$EU" "$CDIR" a 30 &&
		mifd_wait_established "$SG" "$SOCK" a 10
}
ccase "charon initiator with vips = 0.0.0.0: mifd's IKE SA up" setup2

got2() {
	local v ts
	v=$(field "$SG" .peer_vips)
	ts=$(field "$SG" '.children[0].remote_ts')
	echo "mifd leased $v, TSi $ts"
	[ "$v" = '["10.9.0.1"]' ] && echo "$ts" | grep -q '10.9.0.1' &&
		charon_swanctl "$EU" "$CDIR" --list-sas | grep -q "10.9.0.1"
}
ccase "charon got 10.9.0.1 from mifd's pool, TSi narrowed to it" got2

stop() { mifd_stop && charon_stop "$EU" "$CDIR"; }
tcase "mifd exits 0" stop
ksft_exit
