#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Figures 7-8 with an IPv6 inner address, added by command and by itself.
# EU got the inner address V1 from SG's IPv6 pool in IKE_AUTH, its Child
# SA on pair 0 (mif0/pmif0). Then:
#  - "mifctl ike iface add E1 peer S1 cfg": one MIF_ADD_INTERFACE asks
#    for a second inner address (INTERNAL_IP6_ADDRESS); SG leases V2, the
#    Child SA derived on pair 1 has V2/128 as its TSi on both sides;
#  - a reload turns add_interfaces from no to cfg: the IKE SA stays;
#  - an address E2 appears on mif2: mifd adds it by itself, asking for
#    one more inner address: V3, on the Child SA derived from E2 to SG's
#    IKE address (EU routes from E2 through mif2, a host's source route).
# Both kernels hold one SA each way on each pair and each inner address's
# policies on its own pair; a ping from each inner address to SG's
# service address is ESP on its own link only (nftables counters on EU's
# veths). "mifctl ike down" leaves no SA, no policy, no inner address on
# EU's lo, and the three leases released in SG's pool.
#
#   layout              outer EU mifI / SG pmifI        inner pool, service
#   v6                  2001:db8:8I::1 / 2001:db8:8I::2  2001:db8:9::/112,
#   v4 outer v6 inner   10.88.I.1 / 10.88.I.2            2001:db8:99::1
#
# Each layout runs with the xfrm_mif module loaded and without it (the
# derived Child SAs have their own selectors: SA by SA either way).
# FIG8V6_LAYOUTS="v6" (or "v4") runs one layout only.
#
#   tools/vm/run -k debian -m 3072 -t 2400 -- selftests/interop/run.sh fig8v6.sh
TEST_NAME=fig8v6
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
WANT_TIMEOUT=60	# want's wait (lib.sh)

interop_start ip jq nft ping
modprobe -q esp6 2>/dev/null
T=$(mifd_tmpdir)
trap _mifd_interop_cleanup EXIT

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
POOL=2001:db8:9::/112
SERVICE=2001:db8:99::1
vip() { echo "2001:db8:9::$(($1 + 1))"; }

# The outer addresses of a layout: OUTER (4 or 6), eu_outer I, sg_outer I,
# PREFIX.
layout_v6() {
	OUTER=6 PREFIX=64
	eu_outer() { echo "2001:db8:8$1::1"; }
	sg_outer() { echo "2001:db8:8$1::2"; }
}
layout_v4() {
	OUTER=4 PREFIX=24
	eu_outer() { echo "10.88.$1.1"; }
	sg_outer() { echo "10.88.$1.2"; }
}

# addr_add NS ADDR DEV: without duplicate address detection (mifd leaves
# tentative addresses out), IPv6 or not.
addr_add() {
	case $2 in
	*:*) ip -n "$1" addr add "$2/$PREFIX" dev "$3" nodad ;;
	*) ip -n "$1" addr add "$2/$PREFIX" dev "$3" ;;
	esac
}

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }

# Three pairs; EU's mif1 and mif2 without their addresses yet. Traffic
# from EU's future address on mif2 to SG's IKE address goes out mif2
# (table 102), as on a host with one route table per uplink.
setup() {
	local i d
	make_netns EU && make_netns SG || return 1
	for i in 0 1 2; do
		ip -n "$EU" link add "mif$i" type veth peer name "pmif$i" netns "$SG" &&
			addr_add "$SG" "$(sg_outer $i)" "pmif$i" &&
			ip -n "$EU" link set "mif$i" up &&
			ip -n "$SG" link set "pmif$i" up || return 1
	done
	addr_add "$EU" "$(eu_outer 0)" mif0 &&
		ip -n "$EU" link set lo up && ip -n "$SG" link set lo up &&
		ip -n "$SG" addr add "$SERVICE/128" dev lo &&
		ip -n "$EU" route add "$SERVICE/128" dev mif0 &&
		ip -n "$SG" route add "$POOL" dev pmif0 &&
		ip -n "$EU" "-$OUTER" rule add from "$(eu_outer 2)" lookup 102 &&
		ip -n "$EU" route add "$(sg_outer 0)" via "$(sg_outer 2)" \
			dev mif2 onlink table 102 || return 1
	# One sysctl per namespace: each process is slow under emulation.
	local eu_rp=() sg_rp=()
	for d in all default mif0 mif1 mif2; do
		eu_rp+=("net.ipv4.conf.$d.rp_filter=0")
		sg_rp+=("net.ipv4.conf.${d/mif/pmif}.rp_filter=0")
	done
	ip netns exec "$EU" sysctl -qw "${eu_rp[@]}" &&
		ip netns exec "$SG" sysctl -qw "${sg_rp[@]}" || return 1
	esp_counters "$EU"
}

configs() {	# configs ADD: EU's add_interfaces
	cat >"$T/eu.conf" <<-CONF
	[mifd]
	log_level = debug

	[conn a]
	local = $(eu_outer 0)
	remote = $(sg_outer 0)
	local_id = fqdn:eu.example
	remote_id = fqdn:sg.example
	psk = $PSK
	ike = aes256gcm16-prfsha256-x25519
	esp = aes256gcm16
	vips = ::
	remote_ts = $SERVICE/128
	retransmit_base = 500ms
	retransmit_tries = 4
	dpd = 0
	interfaces = mif0:200, mif1:150, mif2:100
	add_interfaces = $1
	CONF
	cat >"$T/sg.conf" <<-CONF
	[mifd]
	log_level = debug

	[conn a]
	local = $(sg_outer 0)
	remote = $(eu_outer 0)
	local_id = fqdn:sg.example
	remote_id = fqdn:eu.example
	psk = $PSK
	ike = aes256gcm16-prfsha256-x25519
	esp = aes256gcm16
	pool = $POOL
	local_ts = $SERVICE/128
	retransmit_base = 500ms
	retransmit_tries = 4
	dpd = 0
	interfaces = pmif0:200, pmif1:150, pmif2:100
	CONF
}

# The first N inner addresses (vip 0 to N - 1), as a JSON array.
vips() {
	local a=() k
	for ((k = 0; k < $1; k++)); do a+=("\"$(vip "$k")\""); done
	(IFS=,; echo "[${a[*]}]")
}

# "local-remote TSi" of each installed Child SA, sorted; TSi is EU's
# local_ts and SG's remote_ts.
kids() {
	echo "([.children[] | select(.installed) |
		\"\(.local)-\(.remote) \(.$1 | length) \(.$1[0] | split(\"/\")[0])\"] | sort)"
}

# _on_lo ADDR: the leased ADDR is on EU's lo.
_on_lo() { ip -n "$EU" -6 addr show dev lo | grep -q "inet6 $1/128"; }

# children N PAIRS...: both sides have the Child SAs of the pairs (EU's
# address of pair I, SG's address K, written I:K), the one of the Ith
# pair given with inner address vip I; N inner addresses leased.
children() {
	local n=$1 p e s eu_want=() sg_want=() k=0
	shift
	for p in "$@"; do
		e=$(eu_outer "${p%:*}") s=$(sg_outer "${p#*:}")
		eu_want+=("\"$e-$s 1 $(vip $k)\"")
		sg_want+=("\"$s-$e 1 $(vip $k)\"")
		k=$((k + 1))
	done
	want "$EU" "$EU_SOCK" ".local_vips == $(vips "$n") and
		$(kids local_ts) == ([$(IFS=,; echo "${eu_want[*]}")] | sort)" &&
		want "$SG" "$SG_SOCK" ".peer_vips == $(vips "$n") and
		$(kids remote_ts) == ([$(IFS=,; echo "${sg_want[*]}")] | sort)" ||
		return 1
	wait_until 10 _on_lo "$(vip $((n - 1)))" && return 0
	echo "$(vip $((n - 1))) not on EU's lo"
	ip -n "$EU" addr show dev lo
	return 1
}

up() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up a -w 30 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10 &&
		want "$EU" "$EU_SOCK" '.mif.negotiated' &&
		children 1 0:0
}

# By command: EU's address on mif1 comes, the add with cfg to SG's pmif1.
add_cmd() {
	local out
	addr_add "$EU" "$(eu_outer 1)" mif1 || return 1
	sleep 1
	out=$(eu ike iface add "$(eu_outer 1)" peer "$(sg_outer 1)" cfg conn a) ||
		return 1
	echo "$out"
	case $out in *"1 started"*) ;; *) return 1 ;; esac
	children 2 0:0 1:1
}

# add_interfaces = no -> cfg by a reload: the same IKE SA, updated.
reload_cfg() {
	local spi
	spi=$(eu -j ike list | jq -r '.ike_sas[0].spi_i') || return 1
	sed -i 's/^add_interfaces = no$/add_interfaces = cfg/' "$T/eu.conf" &&
		eu ike reload || return 1
	wait_until 10 grep -q "conn a: updated (add_interfaces), 1 IKE SAs kept" \
		"$EU_SOCK.log"
	grep "conn a: updated" "$EU_SOCK.log" || return 1
	[ "$(eu -j ike list | jq -r '.ike_sas[0].spi_i')" = "$spi" ] ||
		{ echo "the IKE SA was replaced"; return 1; }
}

# By itself: an address appears on mif2; the automatic add with cfg,
# from it to SG's IKE address.
add_auto() {
	addr_add "$EU" "$(eu_outer 2)" mif2 || return 1
	children 3 0:0 1:1 2:0 || return 1
	grep "add interface" "$EU_SOCK.log" | tail -n 3
}

# In both kernels: one SA each way on each pair, and each inner address's
# policies name its pair. One dump per kernel and kind, a record a line.
kernel() {
	local k e s ns st pol p
	for ns in "$EU" "$SG"; do
		st=$(ip -o -n "$ns" xfrm state) || return 1
		for p in 0:0 1:1 2:0; do
			e=$(eu_outer "${p%:*}") s=$(sg_outer "${p#*:}")
			[ "$(grep -c "^src $e dst ${s}[^0-9a-f:.]" <<<"$st")" -eq 1 ] &&
				[ "$(grep -c "^src $s dst ${e}[^0-9a-f:.]" <<<"$st")" -eq 1 ] ||
				{ echo "$ns: not one SA each way on $e-$s:"; echo "$st"; return 1; }
		done
	done
	pol=$(ip -o -n "$EU" xfrm policy) || return 1
	k=0
	for p in 0:0 1:1 2:0; do
		e=$(eu_outer "${p%:*}") s=$(sg_outer "${p#*:}")
		grep -q "^src $(vip $k)/128 dst $SERVICE/128 .*dir out .*tmpl src $e dst ${s}[^0-9a-f:.]" <<<"$pol" &&
			grep -q "^src $SERVICE/128 dst $(vip $k)/128 .*dir in .*tmpl src $s dst ${e}[^0-9a-f:.]" <<<"$pol" ||
			{ echo "EU: the policies of $(vip $k) are not $e-$s:"; echo "$pol"; return 1; }
		k=$((k + 1))
	done
	pol=$(ip -o -n "$SG" xfrm policy) || return 1
	k=0
	for p in 0:0 1:1 2:0; do
		e=$(eu_outer "${p%:*}") s=$(sg_outer "${p#*:}")
		grep -q "^src $SERVICE/128 dst $(vip $k)/128 .*dir out .*tmpl src $s dst ${e}[^0-9a-f:.]" <<<"$pol" &&
			grep -q "^src $(vip $k)/128 dst $SERVICE/128 .*dir in .*tmpl src $e dst ${s}[^0-9a-f:.]" <<<"$pol" &&
			grep -q "^src $(vip $k)/128 dst $SERVICE/128 .*dir fwd .*tmpl src $e dst ${s}[^0-9a-f:.]" <<<"$pol" ||
			{ echo "SG: the policies of $(vip $k) are not $s-$e:"; echo "$pol"; return 1; }
		k=$((k + 1))
	done
}

# counts: EU's six ESP counters, "out0 out1 out2 in0 in1 in2".
counts() {
	ip netns exec "$EU" nft -j list table inet fig1 |
		jq -r '[.nftables[] | select(.counter) | .counter |
			{ (.name): .packets }] | add |
			"\(.out0) \(.out1) \(.out2) \(.in0) \(.in1) \(.in2)"'
}

# A ping from inner address K is ESP on mifK, each way, and on no other.
traffic() {
	local k j o i b a
	for k in 0 1 2; do
		read -r -a b <<<"$(counts)"
		ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I "$(vip $k)" "$SERVICE" >/dev/null ||
			{ echo "no answer from $(vip $k)"; return 1; }
		read -r -a a <<<"$(counts)"
		echo "from $(vip $k): out ${b[*]:0:3} -> ${a[*]:0:3}, in ${b[*]:3:3} -> ${a[*]:3:3}"
		for j in 0 1 2; do
			o=$((a[j] - b[j])) i=$((a[j + 3] - b[j + 3]))
			if [ "$j" -eq "$k" ]; then
				[ "$o" -ge 3 ] && [ "$i" -ge 3 ] ||
					{ echo "$(vip $k): $o ESP out, $i in on mif$j"; return 1; }
			else
				[ "$o" -eq 0 ] && [ "$i" -eq 0 ] ||
					{ echo "$(vip $k): ESP on mif$j ($o out, $i in)"; return 1; }
			fi
		done
	done
}

# _no_sas NS: NS has no ESP state and no policy of a Child SA left
# (mifd's own socket policies, IKE's bypass, stay).
_no_sas() {
	[ "$(ip -n "$1" xfrm state | grep -c '^src')" -eq 0 ] &&
		[ "$(ip -n "$1" xfrm policy |
			grep -cE '^[[:space:]]+dir (in|out|fwd) ')" -eq 0 ]
}
# _no_inner: no inner address left on EU's lo.
_no_inner() { ! ip -n "$EU" addr show dev lo | grep -q 2001:db8:9:; }

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
	sg ike list | grep -q "pool a: .*, 3 leased, 0 online"
}

run() {	# run LAYOUT WHAT: the figure once, WHAT "module" or "xfrm"
	local name="$TEST_NAME $1 ($2)"
	mifd_stop >/dev/null 2>&1
	ksft_cleanup
	# shellcheck disable=SC2034 # lib.sh's list of namespaces to remove
	ksft_netns=()
	if [ "$2" = module ]; then
		load_module ||
			{ skip "$name" "the module does not load"; return; }
	else
		unload_module
	fi
	"layout_$1"
	configs no
	tcase "$name: veths, counters, EU's route from mif2" setup || return
	tcase "$name: one IKE SA, inner address $(vip 0) on pair 0" up || return
	tcase "$name: iface add cfg: $(vip 1) leased, the Child SA on pair 1 has it as TSi" add_cmd || return
	tcase "$name: reload to add_interfaces = cfg keeps the IKE SA" reload_cfg || return
	tcase "$name: an address on mif2 is added by itself with $(vip 2) as TSi" add_auto || return
	tcase "$name: one SA each way per pair, each inner address's policies on its pair" kernel
	tcase "$name: each inner address's ping is ESP on its own link only" traffic
	tcase "$name: ike down leaves no SA, policy or inner address; leases released" down
	mifd_stop >/dev/null 2>&1
}

for layout in ${FIG8V6_LAYOUTS:-v6 v4}; do
	run "$layout" xfrm
	if [ -f "$MODULE" ]; then
		run "$layout" module
	else
		skip "$TEST_NAME $layout (module)" "$MODULE not built (make module)"
	fi
done
unload_module
ksft_exit
