#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Thousands of SAs, concurrency and teardown: rewrites back and forth while
# ip xfrm adds and deletes SAs of the same address and traffic flows; then a
# namespace with thousands of live SAs, policies and alternates is deleted
# while the module moves them, and the module is unloaded with thousands of
# SAs in another. Nothing may warn, leak or be left behind.
#
# A process costs a great deal under emulation in a debug kernel: the
# churn, the rewrites and each namespace's set-up are one ip -batch or one
# mifctl -b each (mifctl -n, no ip netns exec), and the waits and counts
# are done in bash.
source "$(dirname "$0")/lib.sh"
source "$SELFTEST_DIR/topo.sh"

require_root
require_cmd ip ping
modprobe -q -a xfrm_user esp4 || { echo "1..0 # SKIP no ESP"; exit $KSFT_SKIP; }
N=${MIF_STRESS_SAS:-3000}


check "module loads" load_module

# many NS N SRC DST: N tunnel SAs SRC->DST and N/2 policies, one ip -batch.
many() {
	local i cmds=() batch
	for ((i = 1; i <= $2; i++)); do
		cmds+=("xfrm state add src $3 dst $4 proto esp spi $((0x100000 + i)) reqid $i mode tunnel enc cipher_null \"\"")
		((i % 2)) && cmds+=("xfrm policy add src 172.20.$((i / 256)).$((i % 256))/32 dst 172.21.0.1/32 dir out tmpl src $3 dst $4 proto esp reqid $i mode tunnel")
	done
	printf -v batch '%s\n' "${cmds[@]}"
	ip -n "$1" -batch - <<<"$batch"
}
# nstates NS VAR: the number of SAs in NS, as ip xfrm state count says.
nstates() {
	local out
	out=$(exec ip -n "$1" xfrm state count) || return 1
	[[ $out =~ [0-9]+ ]] || { echo "$out"; return 1; }
	printf -v "$2" '%s' "${BASH_REMATCH[0]}"
}
# has_states NS N: NS has N SAs.
has_states() { local n=''; nstates "$1" n && is "$n" "$2"; }
# slab_objs: the active xfrm_state objects of /proc/slabinfo in SLAB, empty
# without it. SLUB counts the objects of each CPU's slabs as active, used
# or not, up to some hundreds: the cache is shrunk first, which frees them
# (and KASAN's quarantine), so that the count is of objects in use.
slab_objs() {
	local name active rest
	SLAB=
	echo 1 >/sys/kernel/slab/xfrm_state/shrink
	while read -r name active rest; do
		[ "$name" = xfrm_state ] && { SLAB=$active; return 0; }
	done </proc/slabinfo
} 2>/dev/null
# dummy NS ADDR...: a link d0 in NS (a dummy, else a veth), up, with ADDRs.
dummy() {
	local ns=$1 a rest=''
	shift
	for a; do rest+="addr add $a dev d0"$'\n'; done
	rest+=$'link set d0 up\n'
	ip -n "$ns" -batch - <<<"link add d0 type dummy"$'\n'"$rest" 2>/dev/null ||
		ip -n "$ns" -batch - <<<"link add name d0 type veth peer name d1"$'\n'"$rest"
}

# --- concurrency: rewrites against ip xfrm and traffic ---
topo_setup >/dev/null 2>&1
check "topology" test -n "$EU" -a -n "$SG"
check "tunnel 1" topo_tunnel 1 0x1001 0x2001
ip -n "$EU" addr add 10.1.1.11/24 dev eu1
ip netns exec "$EU" sysctl -qw net.ipv4.conf.eu1.promote_secondaries=1
# ip xfrm's churn: 200 times an add and two deletes, in one ip -batch
# going on after each refusal, run again and again in the background until
# told to stop (SIGTERM) once the rewrites are done; its exit status the
# number of runs. It says on NAP_FD when it can be told.
cmds=()
for ((i = 0; i < 200; i++)); do
	cmds+=("xfrm state add src 10.1.1.1 dst 10.1.1.2 proto esp spi $((0x9000 + i % 50)) mode tunnel enc cipher_null \"\""
		"xfrm state del src 10.1.1.11 dst 10.1.1.2 proto esp spi $((0x9000 + (i + 25) % 50))"
		"xfrm state del src 10.1.1.1 dst 10.1.1.2 proto esp spi $((0x9000 + (i + 25) % 50))")
done
printf -v batch '%s\n' "${cmds[@]}"
churn() {
	local stop='' n=0
	trap 'stop=1' TERM
	echo >&"$NAP_FD"
	while [ $n -lt 100 ]; do
		ip -n "$EU" -force -batch - <<<"$1" >/dev/null 2>&1
		n=$((n + 1))
		[ -z "$stop" ] || break
	done
	return $n
}
churn "$batch" &
churner=$!
ip netns exec "$EU" ping -q -i 0.05 -c 200 -I 172.16.1.1 "$TOPO_SG_INNER" >/dev/null 2>&1 &
pinger=$!
# 40 rewrites back and forth, in one mifctl -b going on after each
# refusal, which it names on standard error.
cmds=()
for ((i = 0; i < 20; i++)); do
	cmds+=("rewrite 10.1.1.1 10.1.1.11" "rewrite 10.1.1.11 10.1.1.1")
done
printf -v batch '%s\n' "${cmds[@]}"
out=$(exec "$MIFCTL" -n "$EU" -f -b - 2>&1 >/dev/null <<<"$batch")
fails=0
while IFS= read -r l; do
	[[ $l == *" line "*" failed" ]] && fails=$((fails + 1))
done <<<"$out"
read -r -t 60 -u "$NAP_FD"
kill -TERM "$churner" 2>/dev/null
wait "$churner"
log "the churn ran $? times meanwhile"
kill "$pinger" 2>/dev/null
wait "$pinger" 2>/dev/null
# A rewrite may be refused when ip xfrm takes an SPI at the new address
# between two runs; it must never fail half-way.
log "$fails of 40 rewrites refused by a conflicting SPI"
# whole NS: the tunnel's two SAs, SPIs 0x1001 and 0x2001, are there.
whole() {
	local out l n=0
	out=$(exec ip -n "$1" xfrm state) || return 1
	while IFS= read -r l; do
		[[ $l == *"spi 0x00001001 "* || $l == *"spi 0x00002001 "* ]] && n=$((n + 1))
	done <<<"$out"
	is "$n" 2 || { echo "$out"; return 1; }
}
check "the tunnel's SAs are whole" whole "$EU"
"$MIFCTL" -n "$EU" rewrite 10.1.1.11 10.1.1.1 >/dev/null 2>&1
ip -n "$SG" -batch - <<<$'xfrm state flush\nxfrm policy flush'
ip -n "$EU" -batch - <<<$'xfrm state flush\nxfrm policy flush'
check "tunnel restored" topo_tunnel 1 0x1001 0x2001
check "traffic after the storm" topo_ping 1

# --- a namespace with $N SAs goes while they move ---
make_netns BIG
dummy "$BIG" 10.5.0.1/24 10.5.0.9/24
check "$N SAs in a namespace" many "$BIG" "$N" 10.5.0.1 10.5.0.2
check "all there" has_states "$BIG" "$N"
check "alternates set" "$MIFCTL" -n "$BIG" alt set 10.5.0.1 10.5.0.9
slab_objs
base=$SLAB
"$MIFCTL" -n "$BIG" rewrite 10.5.0.1 10.5.0.9 >/dev/null 2>&1 &
nap 0.2
ip -n "$BIG" addr del 10.5.0.1/24 dev d0	# a failover too
ip netns del "$BIG"
wait
left=()
for ns in "${ksft_netns[@]}"; do [ "$ns" = "$BIG" ] || left+=("$ns"); done
ksft_netns=("${left[@]}")
ns_gone() { [ ! -e "/run/netns/$1" ] || { echo "/run/netns/$1 is there"; return 1; }; }
check "namespace gone" ns_gone "$BIG"
if [ -n "$base" ]; then
	# states are freed by XFRM's garbage collector, after an RCU grace period
	freed() {	# fewer than $1 xfrm_state objects within 20 s
		local i
		for ((i = 0; i < 100; i++)); do
			slab_objs
			[ "$SLAB" -lt "$1" ] && return 0
			nap 0.2
		done
		echo "xfrm_state objects: $SLAB, not below $1"
		return 1
	}
	check "its SAs freed" freed "$((base - N / 2))"
fi

# --- unload with $N live SAs and alternates ---
make_netns BIG2
dummy "$BIG2" 10.6.0.1/24
check "$N SAs in another namespace" many "$BIG2" "$N" 10.6.0.1 10.6.0.2
check "alternates there" "$MIFCTL" -n "$BIG2" alt set 10.6.0.1 10.6.0.9
"$MIFCTL" -n "$BIG2" rewrite 10.6.0.1 10.6.0.7 >/dev/null 2>&1 &
nap 0.2
ip -n "$BIG2" link set d0 down
wait
check "module unloads with live SAs" unload_module
check "SAs stay, whole" has_states "$BIG2" "$N"
check "module loads again" load_module
check "nothing of it is left" is "$("$MIFCTL" -n "$BIG2" alt show)" ""

ksft_exit
