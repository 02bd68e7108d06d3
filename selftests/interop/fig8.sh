#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Figures 7-8 (use case 1, adding an interface) with a new inner address:
# EU got 10.9.0.1 from SG's pool in IKE_AUTH, its Child SA on mif0
# (10.88.0.1-10.88.0.2). "mifctl ike iface add 10.88.1.1 peer 10.88.1.2
# cfg" asks, in the same MIF_ADD_INTERFACE exchange, for a second inner
# address: SG leases 10.9.0.2 and answers a CP(CFG_REPLY); the Child SA
# derived on mif1 has 10.9.0.2 as its TSi on both sides. EU puts 10.9.0.2
# on its lo; a ping from 10.9.0.2 goes as ESP over mif1, one from 10.9.0.1
# still over mif0 (nftables counters on the veth). Both kernels hold one
# SA each way on each pair and the policies of both inner addresses;
# "mifctl ike down" leaves no SA, no policy, no inner address on lo, and
# both leases released in SG's pool.
#
# Run twice: with the xfrm_mif module loaded and without it. A derived
# Child SA with a new inner address has its own selectors, so it is
# installed SA by SA either way (the module's clone copies the source's).
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh fig8.sh
TEST_NAME=fig8
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
WANT_TIMEOUT=60	# want's wait (lib.sh)

interop_start ip jq nft ping
T=$(mifd_tmpdir)
trap _mifd_interop_cleanup EXIT

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
cat >"$T/eu.conf" <<CONF
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
vips = 0.0.0.0
remote_ts = 10.99.0.1/32
retransmit_base = 500ms
retransmit_tries = 4
dpd = 0
interfaces = mif0:200, mif1:150
CONF
cat >"$T/sg.conf" <<CONF
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
pool = 10.9.0.0/24
local_ts = 10.99.0.1/32
retransmit_base = 500ms
retransmit_tries = 4
dpd = 0
interfaces = pmif0:200, pmif1:150
CONF

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }

# Figure 7's start: mif0/pmif0 and mif1/pmif1 up, mif1 without its address.
setup() {
	make_netns EU && make_netns SG || return 1
	ip -n "$EU" link add mif0 type veth peer name pmif0 netns "$SG" &&
		ip -n "$EU" link add mif1 type veth peer name pmif1 netns "$SG" &&
		ip -n "$EU" addr add 10.88.0.1/24 dev mif0 &&
		ip -n "$SG" addr add 10.88.0.2/24 dev pmif0 &&
		ip -n "$SG" addr add 10.88.1.2/24 dev pmif1 &&
		ip -n "$SG" addr add 10.99.0.1/32 dev lo &&
		ip -n "$EU" link set lo up && ip -n "$SG" link set lo up &&
		ip -n "$EU" link set mif0 up && ip -n "$EU" link set mif1 up &&
		ip -n "$SG" link set pmif0 up && ip -n "$SG" link set pmif1 up &&
		ip -n "$EU" route add 10.99.0.0/24 via 10.88.0.2 &&
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

up() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up a -w 30 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10 &&
		want "$EU" "$EU_SOCK" '(.children | length) == 1 and
			.mif.negotiated and .local_vips == ["10.9.0.1"]' &&
		want "$SG" "$SG_SOCK" '.peer_vips == ["10.9.0.1"]'
}

# "local-remote TSi" of each installed Child SA, sorted; TSi is EU's
# local_ts and SG's remote_ts.
kids() {
	echo "([.children[] | select(.installed) |
		\"\(.local)-\(.remote) \(.$1 | tostring)\"] | sort)"
}

# _on_lo: the leased 10.9.0.2 is on EU's lo.
_on_lo() { ip -n "$EU" -4 addr show dev lo | grep -q "inet 10.9.0.2/32"; }

# EU's new address comes; the add, with cfg, by command.
add() {
	local out
	ip -n "$EU" addr add 10.88.1.1/24 dev mif1 || return 1
	sleep 1
	out=$(eu ike iface add 10.88.1.1 peer 10.88.1.2 cfg conn a) || return 1
	echo "$out"
	case $out in *"1 started"*) ;; *) return 1 ;; esac
	want "$EU" "$EU_SOCK" '(.children | length) == 2 and
		.local_vips == ["10.9.0.1","10.9.0.2"]' &&
		want "$SG" "$SG_SOCK" '(.children | length) == 2 and
		.peer_vips == ["10.9.0.1","10.9.0.2"]' || return 1
	eu -j ike list | jq -c "[.ike_sas[0] | $(kids local_ts)]"
	sg -j ike list | jq -c "[.ike_sas[0] | $(kids remote_ts)]"
	want "$EU" "$EU_SOCK" "$(kids local_ts) | (.[0] | test(\"^10.88.0.1-10.88.0.2 .*10.9.0.1\")) and
		(.[1] | test(\"^10.88.1.1-10.88.1.2 .*10.9.0.2\"))" &&
		want "$SG" "$SG_SOCK" "$(kids remote_ts) | (.[0] | test(\"^10.88.0.2-10.88.0.1 .*10.9.0.1\")) and
		(.[1] | test(\"^10.88.1.2-10.88.1.1 .*10.9.0.2\"))" || return 1
	wait_until 10 _on_lo && return 0
	echo "10.9.0.2 not on EU's lo"
	ip -n "$EU" addr show dev lo
	return 1
}

# states NS PAIR: how many of NS's ESP states go src-dst PAIR.
states() {
	ip -n "$1" xfrm state | awk '/^src /{ print $2 "-" $4 }' | grep -c "^$2$"
}

# policy NS SEL DIR TSRC TDST: the policy of SEL in DIR has that template.
policy() {
	local p
	# shellcheck disable=SC2086 # $2 is words
	p=$(ip -n "$1" xfrm policy get $2 dir "$3") ||
		{ echo "$1: no $3 policy $2"; return 1; }
	echo "$p" | grep -q "tmpl src $4 dst $5" ||
		{ echo "$1: the $3 policy $2 is not $4 -> $5:"; echo "$p"; return 1; }
}

kernel() {
	local ns o n
	for ns in "$EU" "$SG"; do
		for o in "10.88.0.1-10.88.0.2" "10.88.0.2-10.88.0.1" \
			 "10.88.1.1-10.88.1.2" "10.88.1.2-10.88.1.1"; do
			n=$(states "$ns" "$o")
			[ "$n" -eq 1 ] || { echo "$ns: $n states $o, not 1"; ip -n "$ns" xfrm state; return 1; }
		done
	done
	local e1="src 10.9.0.1/32 dst 10.99.0.1/32" e2="src 10.9.0.2/32 dst 10.99.0.1/32"
	local s1="src 10.99.0.1/32 dst 10.9.0.1/32" s2="src 10.99.0.1/32 dst 10.9.0.2/32"
	policy "$EU" "$e1" out 10.88.0.1 10.88.0.2 &&
		policy "$EU" "$s1" in 10.88.0.2 10.88.0.1 &&
		policy "$EU" "$e2" out 10.88.1.1 10.88.1.2 &&
		policy "$EU" "$s2" in 10.88.1.2 10.88.1.1 &&
		policy "$SG" "$s1" out 10.88.0.2 10.88.0.1 &&
		policy "$SG" "$e1" in 10.88.0.1 10.88.0.2 &&
		policy "$SG" "$s2" out 10.88.1.2 10.88.1.1 &&
		policy "$SG" "$e2" in 10.88.1.1 10.88.1.2 &&
		policy "$SG" "$e2" fwd 10.88.1.1 10.88.1.2
}

# ping FROM: three echo requests from EU's inner address FROM to SG's.
ping_from() {
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I "$1" 10.99.0.1
}

traffic() {
	local o0 o1 i0 i1
	o0=$(esp_packets "$EU" out0); o1=$(esp_packets "$EU" out1)
	i0=$(esp_packets "$EU" in0); i1=$(esp_packets "$EU" in1)
	ping_from 10.9.0.2 || return 1
	echo "from 10.9.0.2: out0 $o0 -> $(esp_packets "$EU" out0)," \
		"out1 $o1 -> $(esp_packets "$EU" out1), in1 $i1 -> $(esp_packets "$EU" in1)"
	[ "$(esp_packets "$EU" out0)" -eq "$o0" ] || { echo "ESP on mif0"; return 1; }
	[ "$(esp_packets "$EU" out1)" -ge $((o1 + 3)) ] &&
		[ "$(esp_packets "$EU" in1)" -ge $((i1 + 3)) ] ||
		{ echo "too little ESP on mif1"; return 1; }
	o1=$(esp_packets "$EU" out1)
	ping_from 10.9.0.1 || return 1
	echo "from 10.9.0.1: out0 $o0 -> $(esp_packets "$EU" out0)," \
		"in0 $i0 -> $(esp_packets "$EU" in0), out1 $o1 -> $(esp_packets "$EU" out1)"
	[ "$(esp_packets "$EU" out1)" -eq "$o1" ] || { echo "ESP on mif1"; return 1; }
	[ "$(esp_packets "$EU" out0)" -ge $((o0 + 3)) ] &&
		[ "$(esp_packets "$EU" in0)" -ge $((i0 + 3)) ] ||
		{ echo "too little ESP on mif0"; return 1; }
}

# _no_sas NS: NS has no ESP state and no policy of a Child SA left
# (mifd's own socket policies, IKE's bypass, stay).
_no_sas() {
	[ "$(ip -n "$1" xfrm state | grep -c '^src')" -eq 0 ] &&
		[ "$(ip -n "$1" xfrm policy |
			grep -cE '^[[:space:]]+dir (in|out|fwd) ')" -eq 0 ]
}
# _no_inner: no inner address left on EU's lo.
_no_inner() { ! ip -n "$EU" addr show dev lo | grep -q 10.9.0; }

down() {
	local ns
	eu ike down a >/dev/null || return 1
	for ns in "$EU" "$SG"; do
		wait_until 10 _no_sas "$ns" ||
			{ echo "$ns keeps SAs or policies"; ip -n "$ns" xfrm state; ip -n "$ns" xfrm policy; return 1; }
	done
	if ! wait_until 10 _no_inner; then
		echo "inner addresses still on EU's lo"
		ip -n "$EU" addr show dev lo
		return 1
	fi
	sg ike list | grep "pool a:"
	sg ike list | grep -q "pool a: .*, 2 leased, 0 online"
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
	tcase "$TEST_NAME ($w): one IKE SA, inner address 10.9.0.1 on mif0" up || return
	tcase "$TEST_NAME ($w): iface add cfg: 10.9.0.2 leased, the Child SA on mif1 has it as TSi" add || return
	tcase "$TEST_NAME ($w): one SA each way per pair, each inner address's policies on its pair" kernel
	tcase "$TEST_NAME ($w): from 10.9.0.2 ESP over mif1, from 10.9.0.1 over mif0" traffic
	tcase "$TEST_NAME ($w): ike down leaves no SA, policy or inner address; leases released" down
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
