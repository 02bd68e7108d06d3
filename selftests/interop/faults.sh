#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Faults between two mifd: EU and SG joined by two veth pairs (mifI in EU,
# 10.88.I.1; pmifI in SG, 10.88.I.2), one IKE SA with MIF on pair 0
# (interfaces mif0:200, mif1:150) and one Child SA in tunnel mode carrying
# 10.9.0.1 (EU's lo) to 10.99.0.1 (SG's lo). The xfrm_mif module is loaded
# when it can be (the failover is then the kernel's).
#
# 1. crash: EU's mifd is killed with SIGKILL in the middle of a
#    MIF_ADD_INTERFACE exchange (SG's answers are held back 3 s by
#    netem, SG has installed its half). EU's kernel keeps every SA and
#    policy it had (mifd.8, "CRASHES"). A new mifd in EU brings the IKE SA
#    up again; SG drops the old IKE SA and all its Child SAs, the added one
#    too (INITIAL_CONTACT). Checked: SG holds exactly the new Child SA, each
#    side one policy per direction, traffic is ESP on the new SPIs, EU's
#    left-over SAs are exactly those from before the crash and
#    "mifctl sa delete" with mifd's reqid range removes them.
# 2. flap: EU's mif0 goes down and up every 300 ms for a minute while EU
#    pings SG's inner address every 50 ms; it ends down. Both mifd keep
#    running, the Child SA ends on the mif1 pair in both kernels and both
#    daemons, the number of SAs and policies on each side is what it was
#    before, and nftables egress counters on all four veths (at the
#    device: what goes on the wire) saw no packet of the inner addresses
#    in clear. The changes go to one "ip -batch" as they are due, so that
#    a loaded emulator still flaps every 300 ms, not every few seconds as
#    one "ip" process per change did.
# 3. loss: netem drops 20% and delays 50 ms (+-20 ms, so reordered too) on
#    every veth, both ways, from before the IKE SA comes up: an
#    interface add (MIF_ADD_INTERFACE), a move (MIF_MOVE, with its return
#    routability check) and a delete (MIF_DELETE_INTERFACE) each complete
#    through retransmissions, and afterwards both kernels hold the same
#    SAs (address pair and SPI), matching both daemons' views.
#
#   tools/vm/run -k debian -m 3072 -t 2400 -- selftests/interop/run.sh faults.sh
TEST_NAME=faults
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
WANT_TIMEOUT=40	# want's wait (lib.sh)

interop_start ip jq nft ping tc
modprobe -q sch_netem 2>/dev/null
T=$(mifd_tmpdir)
PING_PID=
cleanup() {
	[ -n "$PING_PID" ] && kill "$PING_PID" 2>/dev/null
	_mifd_interop_cleanup
}
trap cleanup EXIT

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
# mifd's reqids: one block of 4096 per IKE SA, never block 0 (ike_sa.c).
MIFD_REQIDS=0x1000/0xfffff000
conf() {	# conf FILE LOCAL REMOTE ID PEER_ID TS_LOCAL TS_REMOTE IFACES
	cat >"$1" <<CONF
[mifd]
log_level = debug

[conn a]
local = $2
remote = $3
local_id = fqdn:$4
remote_id = fqdn:$5
psk = $PSK
ike = aes256gcm16-prfsha256-x25519
esp = aes256gcm16
local_ts = $6
remote_ts = $7
retransmit_base = 500ms
retransmit_tries = 6
# Under section 3's 20% loss each way, 2 retransmissions unanswered (the
# default trigger for the peer's alternates) befall one request in 21;
# a failover there is right, but not what this file checks.
alternates_after = 6
dpd = 0
interfaces = $8
CONF
}
conf "$T/eu.conf" 10.88.0.1 10.88.0.2 eu.example sg.example \
	10.9.0.1/32 10.99.0.1/32 "mif0:200, mif1:150"
conf "$T/sg.conf" 10.88.0.2 10.88.0.1 sg.example eu.example \
	10.99.0.1/32 10.9.0.1/32 "pmif0:200, pmif1:150"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }

# topology: fresh namespaces, two pairs, routes that survive a failover,
# and the egress counters of the inner addresses in clear and of ESP.
topology() {
	local i ns
	mifd_stop >/dev/null 2>&1
	ksft_cleanup >/dev/null 2>&1
	ksft_netns=()
	make_netns EU && make_netns SG || return 1
	for i in 0 1; do
		ip -n "$EU" link add "mif$i" type veth peer name "pmif$i" netns "$SG" &&
			ip -n "$EU" addr add "10.88.$i.1/24" dev "mif$i" &&
			ip -n "$SG" addr add "10.88.$i.2/24" dev "pmif$i" &&
			ip -n "$EU" link set "mif$i" up &&
			ip -n "$SG" link set "pmif$i" up || return 1
	done
	ip -n "$EU" addr add 10.9.0.1/32 dev lo &&
		ip -n "$SG" addr add 10.99.0.1/32 dev lo &&
		ip -n "$EU" route add 10.99.0.0/24 dev mif0 &&
		ip -n "$EU" route add 10.99.0.0/24 dev mif1 metric 100 &&
		ip -n "$SG" route add 10.9.0.0/24 dev pmif0 &&
		ip -n "$SG" route add 10.9.0.0/24 dev pmif1 metric 100 &&
		ip -n "$EU" route add 10.88.0.0/24 dev mif1 metric 100 &&
		ip -n "$SG" route add 10.88.0.0/24 dev pmif1 metric 100 || return 1
	for ns in "$EU" "$SG"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.ignore_routes_with_linkdown=1
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.promote_secondaries=1
	done
	wire "$EU" mif0 mif1 && wire "$SG" pmif0 pmif1
}

# wire NS DEV...: per device, at egress (after XFRM: what goes on the
# wire), a counter of the packets to or from an inner address (clear)
# and one of ESP.
wire() {
	local ns=$1 d
	shift
	{
		echo "table netdev wire {"
		echo "	counter leaked { }"
		echo "	counter sealed { }"
		for d in "$@"; do
			echo "	chain $d {"
			echo "		type filter hook egress device \"$d\" priority 0; policy accept;"
			echo "		ip saddr { 10.9.0.1, 10.99.0.1 } counter name \"leaked\""
			echo "		ip daddr { 10.9.0.1, 10.99.0.1 } counter name \"leaked\""
			echo "		ip protocol esp counter name \"sealed\""
			echo "	}"
		done
		echo "}"
	} | ip netns exec "$ns" nft -f -
}

wire_count() {	# wire_count NS NAME
	ip netns exec "$1" nft -j list counter netdev wire "$2" |
		jq '.nftables[] | select(.counter) | .counter.packets'
}

no_clear() {
	local e s
	e=$(wire_count "$EU" leaked)
	s=$(wire_count "$SG" leaked)
	[ "$e" -eq 0 ] && [ "$s" -eq 0 ] ||
		{ echo "in clear on the wire: $e from EU, $s from SG"; return 1; }
	echo "ESP on the wire: $(wire_count "$EU" sealed) from EU, $(wire_count "$SG" sealed) from SG" |
		tee "$T/summary"
}

# summary: what the last case wrote for the log, as a TAP comment.
summary() {
	[ -s "$T/summary" ] && log "$(cat "$T/summary")"
	rm -f "$T/summary"
}

up() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up a -w 40 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 20 &&
		want "$EU" "$EU_SOCK" ".mif.negotiated and ([.children[] | select(.installed)] | length) == 1"
}

# ESP states of NS as "src dst spi", sorted.
sas() {
	ip -n "$1" xfrm state | awk '/^src / { a = $2 " " $4 }
		/proto esp spi/ { print a, $4 }' | sort
}
nsas() { sas "$1" | grep -c .; }
# NS's policies with a template (mifd's socket policies have none).
npolicies() { ip -n "$1" xfrm policy | grep -c 'tmpl src'; }

# ping_esp: three pings answered (retried for 20 s: a failover or an
# exchange may be under way).
_ping_esp() {
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I 10.9.0.1 10.99.0.1 >/dev/null
}
ping_esp() {
	wait_until 20 _ping_esp && return 0
	echo "no answer"
	return 1
}

# Both kernels hold the same ESP states, and each daemon's installed
# Child SAs are those (by address pair).
_same_sas() {
	e=$(sas "$EU")
	s=$(sas "$SG")
	[ "$e" = "$s" ]
}
consistent() {
	local e s
	wait_until 10 _same_sas
	[ "$e" = "$s" ] || { echo "EU:"; echo "$e"; echo "SG:"; echo "$s"; return 1; }
	echo "$e"
}

# clean NS: no SA, no policy with a template.
clean() { [ "$(nsas "$1")" -eq 0 ] && [ "$(npolicies "$1")" -eq 0 ]; }

down_clean() {
	local ns
	eu ike down a >/dev/null || return 1
	# Under loss the Delete may wait behind a request in flight and be
	# retransmitted itself: 0.5 s doubling over 6 tries is 31.5 s each.
	for ns in "$EU" "$SG"; do
		wait_until 70 clean "$ns" || { echo "$ns keeps SAs or policies"; ip -n "$ns" xfrm state; ip -n "$ns" xfrm policy; return 1; }
	done
}

# --- 1. crash ---------------------------------------------------------

OLD_EU='' POL_EU='' POL_SG=''
sg_installed() { [ "$(nsas "$SG")" -eq 4 ]; }
crash_mid_add() {
	local out i
	OLD_EU=$(sas "$EU")
	POL_EU=$(npolicies "$EU")
	POL_SG=$(npolicies "$SG")
	# SG's answers are held back: the request arrives, the reply does not.
	ip netns exec "$SG" tc qdisc add dev pmif0 root netem delay 3000ms || return 1
	out=$(eu ike iface add 10.88.1.1 peer 10.88.1.2 conn a) || { echo "$out"; return 1; }
	case $out in *"1 started"*) ;; *) echo "$out"; return 1 ;; esac
	# Seen soon, well before netem lets SG's answer through (3 s): every
	# 50 ms, not with wait_until's growing naps.
	for ((i = 0; i < 40; i++)); do
		sg_installed && break
		nap 0.05
	done
	sg_installed || { echo "SG did not install its half"; sas "$SG"; return 1; }
	mifd_crash "$EU" "$EU_SOCK" || return 1
	ip netns exec "$SG" tc qdisc del dev pmif0 root
	echo "EU's SAs at the crash:"
	sas "$EU"
}

# What mifd.8 promises: a killed mifd takes nothing out of the kernel.
kernel_kept() {
	local now
	now=$(sas "$EU")
	[ "$(npolicies "$EU")" -eq "$POL_EU" ] ||
		{ echo "EU has $(npolicies "$EU") policies, not $POL_EU"; ip -n "$EU" xfrm policy; return 1; }
	# Every SA of before is there (the add's may be too, if installed).
	[ -z "$(comm -23 <(echo "$OLD_EU") <(echo "$now"))" ] ||
		{ echo "before:"; echo "$OLD_EU"; echo "now:"; echo "$now"; return 1; }
	OLD_EU=$now
}

# sg_replaced: SG has one IKE SA of conn a, and one Child SA's SAs.
sg_ike_sas() { sg -j ike list | jq '[.ike_sas[] | select(.conn == "a")] | length'; }
sg_replaced() { [ "$(sg_ike_sas)" -eq 1 ] && [ "$(nsas "$SG")" -eq 2 ]; }

restart() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		eu ike up a -w 40 >/dev/null &&
		want "$SG" "$SG_SOCK" "([.children[] | select(.installed)] | length) == 1" &&
		want "$EU" "$EU_SOCK" "([.children[] | select(.installed)] | length) == 1" || return 1
	# One IKE SA left in SG: the old one went with INITIAL_CONTACT.
	wait_until 20 sg_replaced
	[ "$(sg_ike_sas)" -eq 1 ] || { sg ike list; return 1; }
}

# SG: exactly the new Child SA (none of the old SPIs), one policy per
# direction on each side; traffic ESP.
recovered() {
	local s new
	s=$(sas "$SG")
	[ "$(echo "$s" | grep -c .)" -eq 2 ] || { echo "SG:"; echo "$s"; return 1; }
	new=$(comm -12 <(echo "$s") <(echo "$OLD_EU"))
	[ -z "$new" ] || { echo "SG keeps old SAs:"; echo "$new"; return 1; }
	[ -z "$(comm -23 <(echo "$s") <(sas "$EU"))" ] ||
		{ echo "EU lacks SG's SAs"; sas "$EU"; echo "$s"; return 1; }
	[ "$(npolicies "$EU")" -eq "$POL_EU" ] && [ "$(npolicies "$SG")" -eq "$POL_SG" ] ||
		{ ip -n "$EU" xfrm policy; ip -n "$SG" xfrm policy; return 1; }
	ping_esp && no_clear
}

# After "ike down", EU keeps exactly the SAs of before the crash (no
# policy); mifd's reqid range deleted by hand takes the Child SA's. (An
# SPI the add had given out leaves nothing in the kernel: no larval SA.)
leftovers() {
	local s
	down_clean_sg || return 1
	s=$(sas "$EU")
	[ "$s" = "$(comm -12 <(echo "$s") <(echo "$OLD_EU"))" ] && [ -n "$s" ] ||
		{ echo "EU after down:"; echo "$s"; echo "before the crash:"; echo "$OLD_EU"; return 1; }
	echo "left by the crash:"
	echo "$s"
	if grep -q '^xfrm_mif ' /proc/modules; then
		ip netns exec "$EU" "$MIFCTL" sa delete 10.88.0.1 reqid "$MIFD_REQIDS" ||
			return 1
	else
		ip -n "$EU" xfrm state deleteall src 10.88.0.1 proto esp
		ip -n "$EU" xfrm state deleteall dst 10.88.0.1 proto esp
	fi
	s=$(sas "$EU")
	! echo "$s" | grep -q '10\.88\.0\.' || { echo "$s"; return 1; }
}

# sg_clean: SG has no SA or policy, EU no policy.
sg_clean() { clean "$SG" && [ "$(npolicies "$EU")" -eq 0 ]; }
down_clean_sg() {
	eu ike down a >/dev/null || return 1
	wait_until 10 sg_clean && return 0
	echo "SAs or policies stay"
	ip -n "$SG" xfrm state; ip -n "$EU" xfrm policy; ip -n "$SG" xfrm policy
	return 1
}

# --- 2. flap ----------------------------------------------------------

START_EU='' START_SG=''
flap() {
	local end pid
	START_EU="$(nsas "$EU") $(npolicies "$EU")"
	START_SG="$(nsas "$SG") $(npolicies "$SG")"
	ip netns exec "$EU" ping -q -i 0.05 -W 1 -I 10.9.0.1 10.99.0.1 >"$T/ping" 2>&1 &
	PING_PID=$!
	end=$((SECONDS + 60))
	{
		local i=0
		while [ $SECONDS -lt $end ]; do
			echo "link set mif0 down"
			nap 0.3
			echo "link set mif0 up"
			nap 0.3
			i=$((i + 1))
		done
		echo "link set mif0 down"
		echo "$i" >"$T/flaps"
	} | ip -n "$EU" -batch - || return 1
	kill -INT "$PING_PID" 2>/dev/null
	wait "$PING_PID" 2>/dev/null
	PING_PID=
	echo "$(<"$T/flaps") flaps; ping: $(grep -o '[0-9]* packets transmitted.*loss' "$T/ping")" |
		tee "$T/summary"
	for pid in "$(mifd_pid "$EU_SOCK")" "$(mifd_pid "$SG_SOCK")"; do
		kill -0 "$pid" || { echo "mifd $pid died"; return 1; }
	done
}

# The Child SA on the mif1 pair in both daemons and both kernels.
on_mif1() {
	want "$EU" "$EU_SOCK" "[.children[] | select(.installed) |
		\"\(.local)-\(.remote)\"] == [\"10.88.1.1-10.88.1.2\"]" &&
		want "$SG" "$SG_SOCK" "[.children[] | select(.installed) |
		\"\(.local)-\(.remote)\"] == [\"10.88.1.2-10.88.1.1\"]" &&
		[ "$(sas "$EU" | grep -c '^10\.88\.1\.[12] 10\.88\.1\.[12] ')" -eq 2 ] &&
		ip -n "$EU" xfrm policy list dir out | grep -q "tmpl src 10.88.1.1 dst 10.88.1.2" &&
		ip -n "$SG" xfrm policy list dir out | grep -q "tmpl src 10.88.1.2 dst 10.88.1.1" ||
		{ ip -n "$EU" xfrm state; ip -n "$SG" xfrm state; return 1; }
	consistent
}

counts_back() {
	local e s
	e="$(nsas "$EU") $(npolicies "$EU")"
	s="$(nsas "$SG") $(npolicies "$SG")"
	[ "$e" = "$START_EU" ] && [ "$s" = "$START_SG" ] ||
		{ echo "SAs and policies: EU $START_EU -> $e, SG $START_SG -> $s"; return 1; }
}

# --- 3. loss ----------------------------------------------------------

lossy() {
	local d
	for d in mif0 mif1; do
		ip netns exec "$EU" tc qdisc add dev "$d" root netem loss 20% delay 50ms 20ms || return 1
	done
	for d in pmif0 pmif1; do
		ip netns exec "$SG" tc qdisc add dev "$d" root netem loss 20% delay 50ms 20ms || return 1
	done
}

pairs='([.children[] | select(.installed) | "\(.local)-\(.remote)"] | sort)'

# iface CMD...: "mifctl ike iface CMD..." until it starts (an exchange in
# flight, such as an announcement being retransmitted, makes it wait).
_iface() {
	out=$(eu ike iface "$@" 2>&1)
	case $out in *"1 started"* | *"started on 1 IKE SA"* | *"deleting 1 Child SA"*)
		return 0 ;;
	esac
	return 1
}
iface() {
	local out
	wait_until 10 _iface "$@" && { echo "$out"; return 0; }
	echo "$out"
	return 1
}

lossy_add() {
	iface add 10.88.1.1 peer 10.88.1.2 conn a || return 1
	want "$EU" "$EU_SOCK" "$pairs == [\"10.88.0.1-10.88.0.2\", \"10.88.1.1-10.88.1.2\"]" &&
		want "$SG" "$SG_SOCK" "$pairs == [\"10.88.0.2-10.88.0.1\", \"10.88.1.2-10.88.1.1\"]" &&
		consistent
}

lossy_move() {
	local out
	ip -n "$EU" addr add 10.88.1.11/24 dev mif1 || return 1
	# The new address is ours once mifd has seen it (within a second).
	iface move 10.88.1.1 10.88.1.11 || return 1
	want "$EU" "$EU_SOCK" "$pairs == [\"10.88.0.1-10.88.0.2\", \"10.88.1.11-10.88.1.2\"]" &&
		want "$SG" "$SG_SOCK" "$pairs == [\"10.88.0.2-10.88.0.1\", \"10.88.1.2-10.88.1.11\"]" &&
		out=$(consistent) || { echo "$out"; return 1; }
	echo "$out"
	! echo "$out" | grep -qw 10.88.1.1 || { echo "10.88.1.1 left"; return 1; }
}

lossy_del() {
	local out
	iface del 10.88.1.11 || return 1
	want "$EU" "$EU_SOCK" "$pairs == [\"10.88.0.1-10.88.0.2\"]" &&
		want "$SG" "$SG_SOCK" "$pairs == [\"10.88.0.2-10.88.0.1\"]" &&
		out=$(consistent) || { echo "$out"; return 1; }
	echo "$out"
	[ "$(echo "$out" | grep -c .)" -eq 2 ] && ! echo "$out" | grep -q 10.88.1.11
}

# ----------------------------------------------------------------------

if [ -f "$MODULE" ] && load_module >/dev/null 2>&1; then
	with=xfrm_mif
else
	with="per-SA XFRM"
fi
log "with $with"

tcase "crash: up, one Child SA on mif0" eval 'topology && up' &&
	tcase "crash: EU's mifd killed (SIGKILL) mid MIF_ADD_INTERFACE" crash_mid_add &&
	tcase "crash: EU's kernel keeps its SAs and policies" kernel_kept &&
	tcase "crash: a new mifd in EU, SG replaces the IKE SA (INITIAL_CONTACT)" restart &&
	{
		tcase "crash: SG holds only the new Child SA, traffic ESP" recovered
		summary
		tcase "crash: EU's only leftovers are the SAs of before the crash, removable by reqid range" leftovers
	}

tcase "flap: up, one Child SA on mif0" eval 'topology && up' &&
	tcase "flap: a minute of mif0 down/up every 300 ms under ping, both mifd alive" flap &&
		summary &&
	{
		tcase "flap: the Child SA ends on the up pair (mif1), kernels agree" on_mif1
		tcase "flap: as many SAs and policies as before" counts_back
		tcase "flap: traffic ESP afterwards" ping_esp
		tcase "flap: no packet of the inner addresses in clear on the wire" no_clear
		summary
	}

tcase "loss: netem 20% loss, 50+-20 ms delay, both ways; up" eval 'topology && lossy && up' &&
	{
		tcase "loss: MIF_ADD_INTERFACE completes, kernels agree" lossy_add &&
			tcase "loss: MIF_MOVE completes, kernels agree" lossy_move &&
			tcase "loss: MIF_DELETE_INTERFACE completes, kernels agree" lossy_del
		tcase "loss: traffic ESP" ping_esp
		tcase "loss: no packet of the inner addresses in clear on the wire" no_clear
		summary
		tcase "loss: ike down leaves no SA or policy" down_clean
	}

mifd_stop >/dev/null 2>&1
ksft_cleanup
unload_module >/dev/null 2>&1
ksft_exit
