#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Teardown during a kernel failover: the module is unloaded, and a network
# namespace deleted, while a failover moves many SAs and pings flow through
# a tunnel among them.
#
#  - unload: rmmod right after the address goes waits for the queued
#    failover to finish (every SA ends at the alternate, none half moved),
#    returns, and the module loads again;
#  - netns deletion: the namespace goes while its failover runs and its
#    pings flow; its devices go, the module unloads after it;
#  - both at once: the namespace's deletion and rmmod race each other.
#
# In the debug kernel (tools/check debug) KASAN, lockdep, debug objects and
# the netns reference tracker watch each step, and kmemleak scans after the
# script. MIF_TEARDOWN_SAS sets the SAs a failover moves (default 500).
source "$(dirname "$0")/lib.sh"
source "$SELFTEST_DIR/topo.sh"

require_root
require_cmd ip ping
modprobe -q xfrm_user && modprobe -q esp4 && modprobe -q ah4 ||
	{ echo "1..0 # SKIP no ESP or AH"; exit $KSFT_SKIP; }
N=${MIF_TEARDOWN_SAS:-500}

wait_for() { local i; for ((i = 0; i < 300; i++)); do "$@" && return 0; nap 0.1; done; return 1; }

# ah_sas NS N SRC: N AH SAs from SRC, each one more transform to move;
# the lines built by one printf (a $(...) per SA was a process per SA).
ah_sas() {
	local i args=() text
	for ((i = 1; i <= $2; i++)); do
		args+=($((0x100000 + i)) "$i")
	done
	printf -v text "xfrm state add src $3 dst 10.7.0.1 proto ah spi %d mode tunnel auth 'hmac(sha256)' 0x%064x\n" "${args[@]}"
	ip -n "$1" -batch - <<<"$text"
}

# states_on NS ADDR: how many SAs of NS have ADDR as an endpoint.
states_on() { ip -n "$1" xfrm state | grep -c -E "^src ($2 dst|[^ ]+ dst $2$)"; }

# setup: EU and SG with tunnel 1 over eu1 (alternate 10.1.2.1), N more SAs
# on 10.1.1.1, and routes over eu2 so that the pings keep going out once
# the SAs have moved.
setup() {
	topo_setup >/dev/null 2>&1 && test -n "$EU" -a -n "$SG" &&
	topo_tunnel 1 0x1001 0x2001 &&
	ip -n "$EU" route add 10.1.1.0/24 dev eu2 metric 100 &&
	topo_ping 1 &&
	ah_sas "$EU" "$N" 10.1.1.1 &&
	ip netns exec "$EU" "$MIFCTL" alt set 10.1.1.1 10.1.2.1
}

# pings: 100 a second through tunnel 1 until stopped; sets $pinger.
pings() {
	ip netns exec "$EU" ping -q -i 0.01 -I "$(topo_eu_inner 1)" \
		"$TOPO_SG_INNER" >/dev/null 2>&1 &
	pinger=$!
}

# traffic_flowed NS SPI BEFORE: the SA with SPI in NS counts more packets.
traffic_flowed() {
	local now
	now=$(topo_esp_packets "$1" "$2")
	[ "${now:-0}" -gt "$3" ] || { echo "packets: $3 before, ${now:-none} now"; return 1; }
}

# gone_netns NS: NS is deleted and its devices (and their veth peers) gone.
gone_netns() {
	[ ! -e "/run/netns/$1" ] && ! ip -n "$SG" link show sg1 >/dev/null 2>&1
}

# --- the module unloads while a failover runs ---
check "module loads" load_module
tcase "topology, $N SAs on 10.1.1.1 with alternate 10.1.2.1" setup
pings
nap 1
before=$(topo_esp_packets "$EU" 0x1001)
ip -n "$EU" addr del 10.1.1.1/24 dev eu1
t0=$(date +%s)
check "module unloads during the failover" unload_module
log "rmmod took $(( $(date +%s) - t0 )) s"
check_fails "module gone" module_loaded
check "pings went through the tunnel" traffic_flowed "$EU" 0x1001 "${before:-0}"
stop_process "$pinger"
check "every SA still there" test "$(ip -n "$EU" xfrm state | grep -c '^src ')" = $((N + 2))
check "the queued failover ran to its end: none left on 10.1.1.1" test "$(states_on "$EU" 10.1.1.1)" = 0
check "all on 10.1.2.1" test "$(states_on "$EU" 10.1.2.1)" = $((N + 2))
check "module loads again" load_module
check "and answers" ip netns exec "$EU" "$MIFCTL" alt set 10.1.2.1 10.1.3.1
ip netns del "$EU"
ip netns del "$SG"
ksft_netns=()

# --- the namespace goes while its failover runs ---
tcase "topology again" setup
pings
nap 1
ip -n "$EU" addr del 10.1.1.1/24 dev eu1
stop_process "$pinger"
ip netns del "$EU"
check "namespace deleted during the failover, its devices gone" wait_for gone_netns "$EU"
check "SG's namespace untouched" ip -n "$SG" xfrm state get src 10.1.1.1 dst 10.1.1.2 proto esp spi 0x1001
check "module unloads after" unload_module
check "module loads again" load_module
ip netns del "$SG"
ksft_netns=()

# --- the namespace goes and the module unloads, both at once, during the
# failover ---
tcase "topology once more" setup
pings
nap 1
ip -n "$EU" addr del 10.1.1.1/24 dev eu1
stop_process "$pinger"
ip netns del "$EU" &
deleter=$!
check "module unloads while the namespace goes" unload_module
wait "$deleter"
check "namespace deleted, its devices gone" wait_for gone_netns "$EU"
check "module loads again" load_module
check "and answers in another namespace" ip netns exec "$SG" "$MIFCTL" alt set 10.1.2.2 10.1.3.2

ksft_exit
