#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Thousands of SAs, concurrency and teardown: rewrites back and forth while
# ip xfrm adds and deletes SAs of the same address and traffic flows; then a
# namespace with thousands of live SAs, policies and alternates is deleted
# while the module moves them, and the module is unloaded with thousands of
# SAs in another. Nothing may warn, leak or be left behind.
source "$(dirname "$0")/lib.sh"
source "$SELFTEST_DIR/topo.sh"

require_root
require_cmd ip ping
modprobe -q xfrm_user && modprobe -q esp4 || { echo "1..0 # SKIP no ESP"; exit $KSFT_SKIP; }
N=${MIF_STRESS_SAS:-3000}
check "module loads" load_module

# many NS N SRC DST: N tunnel SAs SRC->DST and N/2 policies, one ip -batch.
many() {
	local i
	for ((i = 1; i <= $2; i++)); do
		echo "xfrm state add src $3 dst $4 proto esp spi $((0x100000 + i)) reqid $i mode tunnel enc cipher_null \"\""
		((i % 2)) && echo "xfrm policy add src 172.20.$((i / 256)).$((i % 256))/32 dst 172.21.0.1/32 dir out tmpl src $3 dst $4 proto esp reqid $i mode tunnel"
	done >/tmp/mif-many.$$
	ip -n "$1" -batch /tmp/mif-many.$$
	rm -f /tmp/mif-many.$$
}
nstates() { ip -n "$1" xfrm state count | grep -o '[0-9]*' | head -1; }
slab_objs() { awk '$1 == "xfrm_state" { print $2 }' /proc/slabinfo 2>/dev/null; }

# --- concurrency: rewrites against ip xfrm and traffic ---
topo_setup >/dev/null 2>&1
check "topology" test -n "$EU" -a -n "$SG"
check "tunnel 1" topo_tunnel 1 0x1001 0x2001
ip -n "$EU" addr add 10.1.1.11/24 dev eu1
ip netns exec "$EU" sysctl -qw net.ipv4.conf.eu1.promote_secondaries=1
(
	for ((i = 0; i < 200; i++)); do
		ip -n "$EU" xfrm state add src 10.1.1.1 dst 10.1.1.2 proto esp \
			spi $((0x9000 + i % 50)) mode tunnel enc cipher_null "" 2>/dev/null
		ip -n "$EU" xfrm state del src 10.1.1.11 dst 10.1.1.2 proto esp \
			spi $((0x9000 + (i + 25) % 50)) 2>/dev/null
		ip -n "$EU" xfrm state del src 10.1.1.1 dst 10.1.1.2 proto esp \
			spi $((0x9000 + (i + 25) % 50)) 2>/dev/null
	done
) &
churn=$!
ip netns exec "$EU" ping -q -i 0.05 -c 200 -I 172.16.1.1 "$TOPO_SG_INNER" >/dev/null 2>&1 &
pinger=$!
fails=0
for ((i = 0; i < 20; i++)); do
	ip netns exec "$EU" "$MIFCTL" rewrite 10.1.1.1 10.1.1.11 >/dev/null 2>&1 || fails=$((fails + 1))
	ip netns exec "$EU" "$MIFCTL" rewrite 10.1.1.11 10.1.1.1 >/dev/null 2>&1 || fails=$((fails + 1))
done
wait "$churn"
kill "$pinger" 2>/dev/null
wait "$pinger" 2>/dev/null
# A rewrite may be refused when ip xfrm takes an SPI at the new address
# between two runs; it must never fail half-way.
log "$fails of 40 rewrites refused by a conflicting SPI"
check "the tunnel's SAs are whole" sh -c '[ "$(ip -n "$0" xfrm state | grep -c "spi 0x0000[12]001 ")" = 2 ]' "$EU"
ip netns exec "$EU" "$MIFCTL" rewrite 10.1.1.11 10.1.1.1 >/dev/null 2>&1
ip -n "$SG" xfrm state flush
ip -n "$SG" xfrm policy flush
ip -n "$EU" xfrm state flush
ip -n "$EU" xfrm policy flush
check "tunnel restored" topo_tunnel 1 0x1001 0x2001
check "traffic after the storm" topo_ping 1

# --- a namespace with $N SAs goes while they move ---
make_netns BIG
ip -n "$BIG" link add d0 type dummy 2>/dev/null || ip -n "$BIG" link add name d0 type veth peer name d1
ip -n "$BIG" addr add 10.5.0.1/24 dev d0
ip -n "$BIG" addr add 10.5.0.9/24 dev d0
ip -n "$BIG" link set d0 up
check "$N SAs in a namespace" many "$BIG" "$N" 10.5.0.1 10.5.0.2
check "all there" test "$(nstates "$BIG")" = "$N"
check "alternates set" ip netns exec "$BIG" "$MIFCTL" alt set 10.5.0.1 10.5.0.9
base=$(slab_objs)
ip netns exec "$BIG" "$MIFCTL" rewrite 10.5.0.1 10.5.0.9 >/dev/null 2>&1 &
sleep 0.2
ip -n "$BIG" addr del 10.5.0.1/24 dev d0	# a failover too
ip netns del "$BIG"
wait
ksft_netns=("${ksft_netns[@]/$BIG}")
check "namespace gone" sh -c '! ip netns list | grep -q "$0"' "$BIG"
if [ -n "$base" ]; then
	# states are freed by XFRM's garbage collector, after an RCU grace period
	check "its SAs freed" sh -c 'for i in $(seq 100); do [ "$(awk '\''$1 == "xfrm_state" { print $2 }'\'' /proc/slabinfo)" -lt "$0" ] && exit 0; sleep 0.2; done; exit 1' "$((base - N / 2))"
fi

# --- unload with $N live SAs and alternates ---
make_netns BIG2
ip -n "$BIG2" link add d0 type dummy 2>/dev/null || ip -n "$BIG2" link add name d0 type veth peer name d1
ip -n "$BIG2" addr add 10.6.0.1/24 dev d0
ip -n "$BIG2" link set d0 up
check "$N SAs in another namespace" many "$BIG2" "$N" 10.6.0.1 10.6.0.2
check "alternates there" ip netns exec "$BIG2" "$MIFCTL" alt set 10.6.0.1 10.6.0.9
ip netns exec "$BIG2" "$MIFCTL" rewrite 10.6.0.1 10.6.0.7 >/dev/null 2>&1 &
sleep 0.2
ip -n "$BIG2" link set d0 down
wait
check "module unloads with live SAs" unload_module
check "SAs stay, whole" sh -c '[ "$(ip -n "$0" xfrm state count | grep -o "[0-9]*" | head -1)" = "$1" ]' "$BIG2" "$N"
check "module loads again" load_module
check "nothing of it is left" sh -c '[ -z "$(ip netns exec "$0" "$1" alt show)" ]' "$BIG2" "$MIFCTL"

ksft_exit
