#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Figure 10 (use case 1, adding an interface): EU has S services (ten
# children, TCP ports 5001..50S0 on SG's lo, 10.99.0.1) on mif0; it adds
# mif1 with "mifctl ike iface add 10.88.1.1 peer 10.88.1.2": one
# MIF_ADD_INTERFACE exchange derives a Child SA of each service on the
# pair 10.88.1.1-10.88.1.2, with new SPIs and keys, and each side makes one
# clone. Both kernels then hold 4S ESP states, 2S on each pair, and the
# policies still point at mif0's (the add moves no traffic). To prove the
# derived SAs carry traffic with keys both sides agree on, the test points
# one service's policies at the new pair on both sides (as a move or a
# failover would) and sends a line to it: ESP on mif1 only.
#
# Run twice: with the xfrm_mif module loaded (the clone is one
# XFRM_MIF_CMD_CLONE) and without (the same through XFRM, SA by SA).
# fig7.sh runs it with S = 1.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh fig10.sh
TEST_NAME=${TEST_NAME:-fig10}
S=${S:-10}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
WANT_TIMEOUT=60	# want's wait (lib.sh)

interop_start ip jq nft ss busybox
T=$(mifd_tmpdir)
trap _mifd_interop_cleanup EXIT

PORTS=$(seq 5001 $((5000 + S)))
PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
{
	cat <<-CONF
	[mifd]
	log_level = debug

	[conn a]
	local = 10.88.0.1
	remote = 10.88.0.2
	local_id = fqdn:eu.example
	remote_id = fqdn:sg.example
	psk = $PSK
	ike = aes256gcm16-prfsha256-x25519
	esp = aes256gcm16
	local_ts = 10.9.0.1/32
	remote_ts = 10.99.0.1/32
	retransmit_base = 500ms
	retransmit_tries = 4
	dpd = 0
	interfaces = mif0:200, mif1:150
	CONF
	for p in $PORTS; do
		printf '\n[child a/t%s]\nremote_ts = 10.99.0.1/32[tcp/%s]\n' "$p" "$p"
	done
} >"$T/eu.conf"
{
	cat <<-CONF
	[mifd]
	log_level = debug

	[conn a]
	local = 10.88.0.2
	remote = 10.88.0.1
	local_id = fqdn:sg.example
	remote_id = fqdn:eu.example
	psk = $PSK
	ike = aes256gcm16-prfsha256-x25519
	esp = aes256gcm16
	local_ts = 10.99.0.1/32
	remote_ts = 10.9.0.1/32
	retransmit_base = 500ms
	retransmit_tries = 4
	dpd = 0
	interfaces = pmif0:200, pmif1:150
	CONF
	for p in $PORTS; do
		printf '\n[child a/t%s]\nlocal_ts = 10.99.0.1/32[tcp/%s]\n' "$p" "$p"
	done
} >"$T/sg.conf"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }

# The figure's start state: mif0/pmif0 up with their addresses, mif1/pmif1
# up, mif1 without its address yet; EU's inner address 10.9.0.1.
setup() {
	make_netns EU && make_netns SG || return 1
	ip -n "$EU" link add mif0 type veth peer name pmif0 netns "$SG" &&
		ip -n "$EU" link add mif1 type veth peer name pmif1 netns "$SG" &&
		ip -n "$EU" addr add 10.88.0.1/24 dev mif0 &&
		ip -n "$SG" addr add 10.88.0.2/24 dev pmif0 &&
		ip -n "$SG" addr add 10.88.1.2/24 dev pmif1 &&
		ip -n "$EU" addr add 10.9.0.1/32 dev lo &&
		ip -n "$SG" addr add 10.99.0.1/32 dev lo &&
		ip -n "$EU" link set mif0 up && ip -n "$EU" link set mif1 up &&
		ip -n "$SG" link set pmif0 up && ip -n "$SG" link set pmif1 up &&
		ip -n "$EU" route add 10.99.0.0/24 via 10.88.0.2 src 10.9.0.1 &&
		ip -n "$SG" route add 10.9.0.0/24 via 10.88.0.1 || return 1
	local d
	for d in all mif0 mif1; do
		ip netns exec "$EU" sysctl -qw "net.ipv4.conf.$d.rp_filter=0"
	done
	for d in all pmif0 pmif1; do
		ip netns exec "$SG" sysctl -qw "net.ipv4.conf.$d.rp_filter=0"
	done
	esp_counters "$EU"
}

# states NS PAIR: how many of NS's ESP states go src-dst PAIR.
states() {
	ip -n "$1" xfrm state | awk '/^src /{ print $2 "-" $4 }' | grep -c "^$2$"
}

# children SIDE: "local-remote name" of each installed Child SA, sorted.
children='([.children[] | select(.installed) | "\(.local)-\(.remote) \(.name)"] | sort)'
expect() {
	local p
	for p in $PORTS; do
		if [ "$1" = eu ]; then
			echo "10.88.0.1-10.88.0.2 t$p"
			echo "10.88.1.1-10.88.1.2 t$p"
		else
			echo "10.88.0.2-10.88.0.1 t$p"
			echo "10.88.1.2-10.88.1.1 t$p"
		fi
	done | sort | jq -R . | jq -s -c .
}

up() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up a -w 30 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10 &&
		want "$EU" "$EU_SOCK" "(.children | length) == $S and .mif.negotiated"
}

# EU's new address comes, is announced; then the add, by command.
add() {
	local out
	ip -n "$EU" addr add 10.88.1.1/24 dev mif1 || return 1
	# Its announcement may go first or after: the add announces it too.
	sleep 1
	out=$(eu ike iface add 10.88.1.1 peer 10.88.1.2 conn a) || return 1
	echo "$out"
	case $out in *"1 started"*) ;; *) return 1 ;; esac
	want "$EU" "$EU_SOCK" "(.children | length) == $((2 * S)) and
		$children == $(expect eu)" &&
		want "$SG" "$SG_SOCK" "(.children | length) == $((2 * S)) and
		$children == $(expect sg)"
}

# Each kernel: 2S states on each pair, policies only on mif0's.
kernel() {
	local ns o n
	for ns in "$EU" "$SG"; do
		for o in "10.88.0.1-10.88.0.2" "10.88.0.2-10.88.0.1" \
			 "10.88.1.1-10.88.1.2" "10.88.1.2-10.88.1.1"; do
			n=$(states "$ns" "$o")
			[ "$n" -eq "$S" ] || { echo "$ns: $n states $o, not $S"; ip -n "$ns" xfrm state; return 1; }
		done
		n=$(ip -n "$ns" xfrm policy | grep -c 'tmpl src 10\.88\.1\.')
		[ "$n" -eq 0 ] || { echo "$ns: $n policies on the new pair"; return 1; }
	done
}

# point NS DIR SPORT DPORT SRC DST: the policy of service port's
# selector in DIR gets the template SRC -> DST (same reqid).
point() {
	local ns=$1 dir=$2 sel=$3 src=$4 dst=$5 reqid
	# shellcheck disable=SC2086 # sel is words
	reqid=$(ip -n "$ns" xfrm policy get $sel dir "$dir" |
		awk '{ for (i = 1; i < NF; i++) if ($i == "reqid") print $(i + 1) }')
	[ -n "$reqid" ] || { echo "no $dir policy $sel"; ip -n "$ns" xfrm policy; return 1; }
	# shellcheck disable=SC2086
	ip -n "$ns" xfrm policy update $sel dir "$dir" \
		tmpl src "$src" dst "$dst" proto esp reqid "$reqid" mode tunnel
}

# _listening PORT: SG has a TCP socket listening on PORT.
_listening() { ip netns exec "$SG" ss -Htln "sport = :$1" | grep -q .; }

# The last service over mif1: its policies pointed at the new pair on
# both sides, a line sent and echoed back, ESP on mif1 only.
traffic() {
	local port=$((5000 + S)) pid reply o0 o1 i1
	local eu_sel="src 10.9.0.1/32 dst 10.99.0.1/32 proto tcp dport $port"
	local sg_sel="src 10.99.0.1/32 dst 10.9.0.1/32 proto tcp sport $port"
	local sg_in="src 10.9.0.1/32 dst 10.99.0.1/32 proto tcp dport $port"
	local eu_in="src 10.99.0.1/32 dst 10.9.0.1/32 proto tcp sport $port"
	point "$EU" out "$eu_sel" 10.88.1.1 10.88.1.2 &&
		point "$EU" in "$eu_in" 10.88.1.2 10.88.1.1 &&
		point "$SG" out "$sg_sel" 10.88.1.2 10.88.1.1 &&
		point "$SG" in "$sg_in" 10.88.1.1 10.88.1.2 &&
		point "$SG" fwd "$sg_in" 10.88.1.1 10.88.1.2 || return 1
	o0=$(esp_packets "$EU" out0)
	o1=$(esp_packets "$EU" out1)
	i1=$(esp_packets "$EU" in1)
	ip netns exec "$SG" timeout 60 busybox nc -l -p "$port" -e cat &
	pid=$!
	wait_until 30 _listening "$port"
	reply=$(ip netns exec "$EU" timeout 20 bash -c "exec 3<>/dev/tcp/10.99.0.1/$port &&
		echo $TEST_NAME-$port >&3 && read -r -t 15 line <&3 && echo \"\$line\"")
	kill "$pid" 2>/dev/null
	[ "$reply" = "$TEST_NAME-$port" ] || { echo "sent $TEST_NAME-$port, got \"$reply\""; return 1; }
	[ "$(esp_packets "$EU" out0)" -eq "$o0" ] || { echo "ESP on mif0"; return 1; }
	[ "$(esp_packets "$EU" out1)" -ge $((o1 + 3)) ] &&
		[ "$(esp_packets "$EU" in1)" -ge $((i1 + 2)) ] ||
		{ echo "too little ESP on mif1"; return 1; }
}

# A second add derives nothing: every selector has its SA on the new pair.
again() {
	local out
	out=$(eu ike iface add 10.88.1.1 peer 10.88.1.2 conn a)
	echo "$out"
	case $out in *"1 with nothing to derive"*) return 0 ;; esac
	return 1
}

# _no_sas NS: NS has no ESP state and no policy of a Child SA left
# (mifd's own socket policies, IKE's bypass, stay).
_no_sas() {
	[ "$(ip -n "$1" xfrm state | grep -c '^src')" -eq 0 ] &&
		[ "$(ip -n "$1" xfrm policy |
			grep -cE '^[[:space:]]+dir (in|out|fwd) ')" -eq 0 ]
}

down() {
	local ns
	eu ike down a >/dev/null || return 1
	for ns in "$EU" "$SG"; do
		wait_until 10 _no_sas "$ns" ||
			{ echo "$ns keeps SAs or policies"; ip -n "$ns" xfrm state; ip -n "$ns" xfrm policy; return 1; }
	done
}

run() {	# run WHAT: the figure once, WHAT "module" or "xfrm"
	local w=$1
	mifd_stop >/dev/null 2>&1
	ksft_cleanup
	# shellcheck disable=SC2034 # lib.sh's list of namespaces to remove
	ksft_netns=()
	if [ "$w" = module ]; then
		load_module ||
			{ skip "$TEST_NAME ($w)" "the module does not load"; return; }
	else
		unload_module
	fi
	tcase "$TEST_NAME ($w): veths and counters" setup || return
	tcase "$TEST_NAME ($w): one IKE SA, $S services on mif0" up || return
	tcase "$TEST_NAME ($w): iface add derives $S Child SAs on mif1 in one exchange" add || return
	tcase "$TEST_NAME ($w): $((4 * S)) ESP states in each kernel, the policies unmoved" kernel
	tcase "$TEST_NAME ($w): a derived Child SA carries traffic, ESP on mif1 only" traffic
	tcase "$TEST_NAME ($w): a second add derives nothing" again
	tcase "$TEST_NAME ($w): ike down leaves no SA or policy" down
	mifd_stop >/dev/null 2>&1
}

run xfrm
if [ -f "$MODULE" ]; then
	run module
else
	skip "$TEST_NAME (module)" "$MODULE not built (make module)"
fi
unload_module
ksft_exit
