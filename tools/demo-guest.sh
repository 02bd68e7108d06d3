#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What mif does, run inside the test VM by `make demo` (tools/demo): two
# mifd, in namespaces eu (an end user) and sg (a security gateway), set up
# IPsec over PSK; then the module moves, fails over and deletes the SAs of
# one interface at a time. Every command is shown before it runs; in
# colour when MIF_DEMO_COLOR=1 (tools/demo sets it on a terminal).
source "$(dirname "$0")/../selftests/lib.sh"
source "$SELFTEST_DIR/topo.sh"
source "$SELFTEST_DIR/interop/lib.sh"
set -e

# The commands shown are the ones a user types: mifctl and mifd by name
# (mifd_start's too).
PATH=$REPO_DIR/build:$PATH
export MIFCTL=mifctl

if [ "${MIF_DEMO_COLOR:-}" = 1 ]; then
	bold=$'\e[1m' cyan=$'\e[36m' off=$'\e[0m'
else
	bold='' cyan='' off=''
fi

say() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
# run CMD...: show it, as the shell would take it, then run it.
run() {
	local w line=
	for w in "$@"; do
		[[ $w =~ ^[][A-Za-z0-9_./:=,+@%-]+$ ]] || w="'${w//\'/\'\\\'\'}'"
		line+=" $w"
	done
	printf '%s+%s%s\n' "$cyan" "$line" "$off"
	"$@"
}
# run_fails CMD...: as run, for a command that is to fail.
run_fails() { ! run "$@"; }

# The namespaces are named for the hosts, eu and sg, to be read and typed.
make_netns() {
	local ns=${1,,}
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	ksft_netns+=("$ns")
	printf -v "$1" '%s' "$ns"
}

PSK=0x6d69662d64656d6f2d7072652d7368617265642d6b6579
WRONG=0x6d69662d64656d6f2d7072652d7368617265642d6b6570
RUN=/run/mifd

# conn SIDE NAME I [PSK]: a tunnel over interface I between EU's inner
# address I and SG's.
conn() {
	local side=$1 name=$2 i=$3 psk=${4:-$PSK} me peer mts
	local mid=eu.example pid=sg.example pts=$TOPO_SG_INNER/32
	me=$(topo_eu_outer "$i") peer=$(topo_sg_outer "$i")
	mts=$(topo_eu_inner "$i")/32
	if [ "$side" = sg ]; then
		local t=$me; me=$peer; peer=$t
		t=$mid; mid=$pid; pid=$t
		t=$mts; mts=$pts; pts=$t
	fi
	cat <<-EOC
	[conn $name]
	local = $me
	remote = $peer
	local_id = fqdn:$mid
	remote_id = fqdn:$pid
	auth = psk
	psk = $psk
	ike = aes256gcm16-prf_sha256-x25519
	esp = aes256gcm16
	mode = tunnel
	local_ts = $mts
	remote_ts = $pts
	dpd = 0

	EOC
}

say "1. The kernel module"
modprobe -q xfrm_user
modprobe -q esp4
run insmod kernel/xfrm_mif.ko
run mifctl info

say "2. Two hosts, eu (an end user) and sg (a gateway), three links between them"
topo_setup
for ns in eu sg; do
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 >/dev/null
done
for i in 1 2 3; do
	ip netns exec eu sysctl -qw "net.ipv4.conf.eu$i.rp_filter=0"
	ip netns exec sg sysctl -qw "net.ipv4.conf.sg$i.rp_filter=0"
done
# Inner routes only need to exist: XFRM routes by the outer addresses.
for i in 1 2 3; do
	ip -n sg route replace "$(topo_eu_inner "$i")/32" dev "sg$i"
done
ip -n eu route replace "$TOPO_SG_INNER/32" dev eu1
run ip -n eu -br addr show

say "3. A mifd on each side: web over eu1, mail over eu3, typo over eu2 (eu's key is wrong)"
mkdir -p "$RUN"
{ conn eu web 1; conn eu mail 3; conn eu typo 2 "$WRONG"; } >"$RUN/eu.conf"
{ conn sg web 1; conn sg mail 3; conn sg typo 2; } >"$RUN/sg.conf"
chmod 600 "$RUN"/*.conf
run head -n 13 "$RUN/eu.conf"
for ns in eu sg; do
	# as mifd_start runs it, and waits for its control socket
	printf '%s+ ip netns exec %s mifd -d -f %s -s %s 2>>%s &%s\n' "$cyan" \
		"$ns" "$RUN/$ns.conf" "$RUN/$ns.sock" "$RUN/$ns.sock.log" "$off"
	mifd_start "$ns" "$RUN/$ns.conf" "$RUN/$ns.sock"
done
eu() { run ip netns exec eu mifctl "$@"; }
sg() { run ip netns exec sg mifctl "$@"; }
export MIFD_SOCKET=$RUN/eu.sock

say "4. eu brings web and mail up (ike up -w waits for the Child SA)"
eu ike up -w 30 web
eu ike up -w 30 mail

say "5. Traffic through web's tunnel: ESP on the link, counted by the kernel"
printf '%s+ ip netns exec sg tcpdump -n -i sg1 -c 4 esp &%s\n' "$cyan" "$off"
# (given 15 s at most: on a loaded machine it may start after the first
# packets)
timeout 15 ip netns exec sg tcpdump -l -n -i sg1 -c 4 esp 2>/dev/null &
tcpdump=$!
sleep 2
run ip netns exec eu ping -q -c 3 -I "$(topo_eu_inner 1)" "$TOPO_SG_INNER"
wait "$tcpdump" || true
eu ike list web

say "6. A wrong pre-shared key: ike up -w says why, at once; the log says it too"
run_fails ip netns exec eu mifctl ike up -w 20 typo
run grep -h -m 1 'pre-shared keys differ' "$RUN/sg.sock.log"

say "7. What the module sees: the SAs and policies bound to eu1's address"
eu sa show 10.1.1.1

say "8. eu1's address changes: its SAs move in one call a side, same SPIs and counters"
run ip -n eu addr add 10.1.1.11/24 dev eu1
eu sa rewrite 10.1.1.1 10.1.1.11
sg sa rewrite 10.1.1.1 10.1.1.11
run ip netns exec eu ping -q -c 2 -I "$(topo_eu_inner 1)" "$TOPO_SG_INNER"
eu sa show 10.1.1.11

say "9. eu2's address is eu1's alternate; eu1's link goes down; the kernel fails over"
# sg's address on the dead link stays reachable over eu2, as a gateway's
# would over another path; inner routes leave the dead link.
ip netns exec eu sysctl -qw net.ipv4.conf.all.ignore_routes_with_linkdown=1 \
	net.ipv4.conf.eu1.ignore_routes_with_linkdown=1
ip -n eu route add 10.1.1.0/24 dev eu2 metric 100
ip -n eu route replace "$TOPO_SG_INNER/32" dev eu2
ip -n sg route replace "$(topo_eu_inner 1)/32" dev sg2
eu alt set 10.1.1.11 10.1.2.1
eu alt show
ip netns exec eu mifctl monitor count 1 | sed "s/^/${cyan}monitor:${off} /" &
monitor=$!
sleep 1
run ip -n eu link set eu1 down
wait "$monitor"
sg sa rewrite 10.1.1.11 10.1.2.1
run ip netns exec eu ping -q -c 2 -I "$(topo_eu_inner 1)" "$TOPO_SG_INNER"
eu sa show 10.1.2.1

say "10. eu3 goes away: every SA and policy bound to its address, in one call"
eu sa delete 10.1.3.1
eu sa show

say "11. The end"
mifd_stop
run rmmod xfrm_mif
