#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Deleting an interface (MIF_DELETE_INTERFACE, docs/protocol/mif.md): EU
# and SG joined by three veth pairs (mifI in EU, 10.88.I.1; pmifI in SG,
# 10.88.I.2), the IKE SA on pair 0 and one Child SA per pair
# (per_interface = yes). "mifctl ike iface del 10.88.1.1" on EU: both
# kernels keep nothing bound to pair 1 and every SA and policy of pairs 0
# and 2; a ping over each remaining pair is still ESP on its own veth
# (nftables counters on EU's veths), and none is ESP on mif1.
#
#   1. tunnel mode (figure 1: an inner address per interface from SG's
#      pool, a tunnel per pair);
#   2. transport mode (figure 12: each pair's own traffic);
#   each with the xfrm_mif module loaded (one module call per side) when
#   it is built, and without it (the same through XFRM);
#   3. against strongSwan's charon (no MIF, every Child SA on the IKE SA's
#      pair): nothing is on 10.88.1.1, the command says so, the IKE SA's
#      own address is refused, and nothing is sent or torn down.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh del.sh
TEST_NAME=del
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
source "$here/charon_lib.sh"

interop_start ip jq nft ping
T=$(mifd_tmpdir)
CSG=$T/charon-sg
cleanup() {
	charon_stop_all >/dev/null 2>&1
	_mifd_interop_cleanup
}
trap cleanup EXIT

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock

# net: the two namespaces, three pairs, SG's 10.99.0.1 and the routes of
# figure 1, and EU's ESP counters.
net() {
	local d
	make_netns EU && make_netns SG || return 1
	for i in 0 1 2; do
		ip -n "$EU" link add "mif$i" type veth peer name "pmif$i" netns "$SG" &&
			ip -n "$EU" addr add "10.88.$i.1/24" dev "mif$i" &&
			ip -n "$SG" addr add "10.88.$i.2/24" dev "pmif$i" &&
			ip -n "$EU" link set "mif$i" up &&
			ip -n "$SG" link set "pmif$i" up || return 1
	done
	ip -n "$EU" link set lo up && ip -n "$SG" link set lo up &&
		ip -n "$SG" addr add 10.99.0.1/32 dev lo &&
		ip -n "$EU" route add 10.99.0.0/24 via 10.88.0.2 &&
		ip -n "$SG" route add 10.9.0.0/24 via 10.88.0.1 || return 1
	for d in all mif0 mif1 mif2; do
		ip netns exec "$EU" sysctl -qw "net.ipv4.conf.$d.rp_filter=0"
	done
	esp_counters "$EU"
}

# conf ME PEER PATTERN MY_ID PEER_ID LINE...: a connection "a".
conf() {
	cat <<-CONF
	[mifd]
	log_level = debug

	[conn a]
	local = $1
	remote = $2
	local_id = fqdn:$4
	remote_id = fqdn:$5
	psk = $PSK
	ike = aes256gcm16-prfsha256-x25519
	esp = aes256gcm16
	retransmit_base = 500ms
	retransmit_tries = 4
	dpd = 0
	interfaces = $3
	CONF
	shift 5
	printf '%s\n' "$@"
}
conf 10.88.0.1 10.88.0.2 "mif0:200, mif1:150, mif2:100" eu.example sg.example \
	"vips = 0.0.0.0, 0.0.0.0, 0.0.0.0" "remote_ts = 10.99.0.1/32" \
	"per_interface = yes" >"$T/eu-tunnel.conf"
conf 10.88.0.2 10.88.0.1 "pmif0:200, pmif1:150, pmif2:100" sg.example eu.example \
	"pool = 10.9.0.0/24" "local_ts = 10.99.0.1/32" >"$T/sg-tunnel.conf"
conf 10.88.0.1 10.88.0.2 "mif0:200, mif1:150, mif2:100" eu.example sg.example \
	"local_ts = 10.88.0.1/32" "remote_ts = 10.88.0.2/32" "mode = transport" \
	"per_interface = yes" >"$T/eu-transport.conf"
conf 10.88.0.2 10.88.0.1 "pmif0:200, pmif1:150, pmif2:100" sg.example eu.example \
	"local_ts = 10.88.0.2/32" "remote_ts = 10.88.0.1/32" "mode = transport" \
	>"$T/sg-transport.conf"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
packets() { esp_packets "$EU" "$1"; }

pairs='([.children[] | select(.installed) | "\(.local)-\(.remote)"] | sort)'

up() {	# up MODE
	: >"$EU_SOCK.log"
	: >"$SG_SOCK.log"
	mifd_start "$EU" "$T/eu-$1.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg-$1.conf" "$SG_SOCK" &&
		eu ike up a -w 20 >/dev/null &&
		want "$EU" "$EU_SOCK" ".mif.negotiated and $pairs == [
			\"10.88.0.1-10.88.0.2\", \"10.88.1.1-10.88.1.2\",
			\"10.88.2.1-10.88.2.2\"]" &&
		want "$SG" "$SG_SOCK" "$pairs == [\"10.88.0.2-10.88.0.1\",
			\"10.88.1.2-10.88.1.1\", \"10.88.2.2-10.88.2.1\"]"
}

del() {
	local out
	out=$(eu ike iface del 10.88.1.1) || { echo "$out"; return 1; }
	echo "$out" | grep -q "^10.88.1.1: deleting 1 Child SAs on 1 IKE SAs (1 with MIF_DELETE_INTERFACE" ||
		{ echo "$out"; return 1; }
	want "$EU" "$EU_SOCK" "$pairs == [\"10.88.0.1-10.88.0.2\",
		\"10.88.2.1-10.88.2.2\"] and (.children | length) == 2" &&
		want "$SG" "$SG_SOCK" "$pairs == [\"10.88.0.2-10.88.0.1\",
			\"10.88.2.2-10.88.2.1\"] and (.children | length) == 2"
}

# kernel NS: nothing bound to pair 1, an SA pair on pairs 0 and 2, and
# their policies (out, in, and fwd in tunnel mode) naming their pair.
kernel() {
	local ns=$1 mode=$2 i n want_pol
	if ip -n "$ns" xfrm state | grep -q "10\.88\.1\." ||
		ip -n "$ns" xfrm policy | grep -q "10\.88\.1\."; then
		echo "$ns still has something on pair 1"
		ip -n "$ns" xfrm state; ip -n "$ns" xfrm policy
		return 1
	fi
	for i in 0 2; do
		ip -n "$ns" xfrm state | grep -qE "^src 10\.88\.$i\.1 dst 10\.88\.$i\.2" &&
			ip -n "$ns" xfrm state | grep -qE "^src 10\.88\.$i\.2 dst 10\.88\.$i\.1" ||
			{ echo "$ns: no SA pair on pair $i"; ip -n "$ns" xfrm state; return 1; }
	done
	n=$(ip -n "$ns" xfrm state | grep -c '^src ')
	[ "$n" -eq 4 ] || { echo "$ns: $n states"; ip -n "$ns" xfrm state; return 1; }
	want_pol=4
	[ "$mode" = tunnel ] && want_pol=6
	# Those with a template: mifd's socket policies have none.
	n=$(ip -n "$ns" xfrm policy | grep -c 'tmpl src ')
	[ "$n" -eq "$want_pol" ] || { echo "$ns: $n policies"; ip -n "$ns" xfrm policy; return 1; }
}

# ping_from MODE I: a ping over pair I (tunnel: from inner address I+1).
ping_from() {
	if [ "$1" = tunnel ]; then
		ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I "10.9.0.$(($2 + 1))" 10.99.0.1
	else
		ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I "10.88.$2.1" "10.88.$2.2"
	fi >/dev/null
}

# Pairs 0 and 2 still carry their traffic as ESP on their own veth; no
# ESP on mif1 any more, whatever the ping over it gives.
per_link() {
	local mode=$1 i j o i0
	local -A before=() after=()
	for i in 0 2; do
		esp_counts "$EU" before || return 1
		ping_from "$mode" "$i" || { echo "no answer over pair $i"; return 1; }
		esp_counts "$EU" after || return 1
		for j in 0 1 2; do
			o=$((after[out$j] - before[out$j]))
			i0=$((after[in$j] - before[in$j]))
			if [ "$j" -eq "$i" ]; then
				[ "$o" -ge 3 ] && [ "$i0" -ge 3 ] ||
					{ echo "pair $i: $o ESP out, $i0 in on mif$j"; return 1; }
			else
				[ "$o" -eq 0 ] && [ "$i0" -eq 0 ] ||
					{ echo "pair $i: ESP on mif$j ($o out, $i0 in)"; return 1; }
			fi
		done
	done
	o=$(packets out1)
	ping_from "$mode" 1
	[ "$(packets out1)" -eq "$o" ] || { echo "ESP on mif1 after the delete"; return 1; }
}

quiet_logs() {
	grep -q "the peer deletes an address" "$SG_SOCK.log" ||
		{ mifd_log "$SG_SOCK"; return 1; }
	! grep -E " (error|warning): " "$EU_SOCK.log" "$SG_SOCK.log"
}

down() { mifd_stop; }

# run MODE MODULE: the whole sequence in MODE, with the module or not.
run() {
	local mode=$1 with=$2 name="del $1 $2"
	if ! net; then
		skip "$name: set-up" "cannot set up namespaces, veths or counters"
		return
	fi
	tcase "$name: three Child SAs, one per pair" up "$mode"
	tcase "$name: mifctl ike iface del 10.88.1.1, and both sides drop its Child SA" del
	tcase "$name: EU's kernel: nothing on pair 1, pairs 0 and 2 intact" kernel "$EU" "$mode"
	tcase "$name: SG's kernel: nothing on pair 1, pairs 0 and 2 intact" kernel "$SG" "$mode"
	tcase "$name: ESP still flows on pairs 0 and 2, on their own veth" per_link "$mode"
	tcase "$name: SG logs the delete, no error or warning on either side" quiet_logs
	tcase "$name: both mifd exit 0" down
}

for mode in tunnel transport; do
	if [ -r "$MODULE" ] && load_module; then
		run "$mode" "module"
		unload_module
	else
		skip "del $mode module: all" "the module is not built ($MODULE)"
	fi
	run "$mode" "XFRM"
done

# --- 3. against strongSwan, which knows nothing of MIF -------------------

if ! charon_available; then
	skip "del charon: all" "charon or swanctl not installed"
	ksft_exit
fi

charon_up_eu() {
	net || return 1
	: >"$EU_SOCK.log"
	charon_conf "$CSG" a local=10.88.0.2 remote=10.88.0.1 \
		local_id=fqdn:sg.example remote_id=fqdn:eu.example psk="$PSK" \
		ike=aes256gcm16-prfsha256-x25519 esp=aes256gcm16 mode=transport &&
		charon_start "$SG" "$CSG" && charon_load "$SG" "$CSG" &&
		mifd_start "$EU" "$T/eu-transport.conf" "$EU_SOCK" &&
		eu ike up a -w 20 >/dev/null &&
		want "$EU" "$EU_SOCK" "(.mif.negotiated | not) and
			$pairs == [\"10.88.0.1-10.88.0.2\"]"
}
charon_del() {
	local out
	out=$(eu ike iface del 10.88.1.1 2>&1) && { echo "$out"; return 1; }
	echo "$out" | grep -q "no IKE SA has it" || { echo "$out"; return 1; }
	out=$(eu ike iface del 10.88.0.1 2>&1) && { echo "$out"; return 1; }
	echo "$out" | grep -q "the IKE SA's own address" || { echo "$out"; return 1; }
	sleep 1
	want "$EU" "$EU_SOCK" "$pairs == [\"10.88.0.1-10.88.0.2\"]" &&
		[ "$(charon_sas "$SG" "$CSG" | grep -c '^child a a INSTALLED')" -eq 1 ] ||
		{ charon_sas "$SG" "$CSG"; charon_log "$CSG"; return 1; }
	ip netns exec "$EU" ping -q -c 2 -W 2 -I 10.88.0.1 10.88.0.2 >/dev/null &&
		[ "$(packets out0)" -ge 2 ] ||
		{ echo "no ESP on mif0"; return 1; }
	! grep -E " (error|warning): " "$EU_SOCK.log"
}
tcase "del charon: IKE SA up, one Child SA on the IKE SA's pair" charon_up_eu
tcase "del charon: nothing to delete on 10.88.1.1, the IKE SA's address refused, nothing torn down" charon_del
ksft_exit
