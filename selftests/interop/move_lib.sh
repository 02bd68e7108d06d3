# SPDX-License-Identifier: GPL-2.0
# The set-up the MIF_MOVE cases share (fig3.sh, fig6.sh, fig13.sh,
# forged.sh): figure 1's EU and SG joined by three veth pairs (mifI in EU,
# 10.88.I.1; pmifI in SG, 10.88.I.2), one IKE SA on pair 0 and one Child
# SA per pair (per_interface = yes), in tunnel mode (EU asks for three
# inner addresses, SG leases them) or in transport mode (figure 12: each
# Child SA protects its own pair). Each case runs once with the xfrm_mif
# module loaded and once without it (per-SA XFRM): move_rounds FN runs
# FN with the round's name as its argument, on a fresh set-up each time.
#
# Sourced after ../lib.sh and lib.sh.

PSK=0x6d69662d696e7465726f702d746573742d6b6579

# move_setup MODE [SG_IFACES]: the namespaces, veths, counters, configs,
# both mifd, the IKE SA up. MODE: tunnel or transport.
move_setup() {
	local mode=$1 sg_ifaces=${2:-"pmif0:200, pmif1:150, pmif2:100"} i
	T=$(mifd_tmpdir)/move
	mkdir -p "$T" || return 1
	EU_SOCK=$T/eu.sock
	SG_SOCK=$T/sg.sock
	make_netns EU && make_netns SG || return 1
	# One ip process per namespace (ip -batch), one sysctl: under
	# emulation each process costs a tenth of a second or more.
	for i in 0 1 2; do
		echo "link add mif$i type veth peer name pmif$i netns $SG"
		echo "addr add 10.88.$i.1/24 dev mif$i"
		echo "link set mif$i up"
	done | ip -n "$EU" -batch - || return 1
	for i in 0 1 2; do
		echo "addr add 10.88.$i.2/24 dev pmif$i"
		echo "link set pmif$i up"
	done | ip -n "$SG" -batch - || return 1
	# A moved-to address is a secondary one: it must outlive the old.
	ip netns exec "$EU" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.mif0.rp_filter=0 net.ipv4.conf.mif1.rp_filter=0 \
		net.ipv4.conf.mif2.rp_filter=0 \
		net.ipv4.conf.all.promote_secondaries=1
	ip netns exec "$SG" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.all.promote_secondaries=1
	esp_counters "$EU" || return 1
	_move_conf "$mode" 10.88.0.1 10.88.0.2 eu.example sg.example \
		"mif0:200, mif1:150, mif2:100" >"$T/eu.conf"
	_move_conf "$mode" 10.88.0.2 10.88.0.1 sg.example eu.example \
		"$sg_ifaces" >"$T/sg.conf"
	if [ "$mode" = tunnel ]; then
		ip -n "$SG" addr add 10.99.0.1/32 dev lo &&
			ip -n "$EU" route add 10.99.0.0/24 via 10.88.0.2 &&
			ip -n "$SG" route add 10.9.0.0/24 via 10.88.0.1 || return 1
		printf '%s\n' "vips = 0.0.0.0, 0.0.0.0, 0.0.0.0" \
			"remote_ts = 10.99.0.1/32" "per_interface = yes" >>"$T/eu.conf"
		printf '%s\n' "pool = 10.9.0.0/24" "local_ts = 10.99.0.1/32" \
			>>"$T/sg.conf"
	else
		printf '%s\n' "local_ts = 10.88.0.1/32" "remote_ts = 10.88.0.2/32" \
			"mode = transport" "per_interface = yes" >>"$T/eu.conf"
		printf '%s\n' "local_ts = 10.88.0.2/32" "remote_ts = 10.88.0.1/32" \
			"mode = transport" >>"$T/sg.conf"
	fi
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		eu ike up a -w 20 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10 &&
		want "$EU" "$EU_SOCK" "([.children[] | select(.installed)] | length) == 3"
}

_move_conf() {	# MODE ME PEER MY_ID PEER_ID INTERFACES
	cat <<-CONF
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
	retransmit_base = 500ms
	retransmit_tries = 4
	dpd = 0
	interfaces = $6
	CONF
}

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }
packets() { esp_packets "$EU" "$1"; }

# The installed children's pairs, "local-remote", sorted.
pairs='([.children[] | select(.installed) | "\(.local)-\(.remote)"] | sort)'

# kernel_has NS ADDR: some SA or policy of NS names ADDR.
kernel_has() {
	ip -n "$1" xfrm state | grep -qw "$2" ||
		ip -n "$1" xfrm policy | grep -qw "$2"
}

# no_kernel NS ADDR: none does (what a move leaves behind).
no_kernel() {
	! kernel_has "$1" "$2" ||
		{ echo "$1 still names $2"; ip -n "$1" xfrm state;
		  ip -n "$1" xfrm policy; return 1; }
}

# esp_on I CMD...: CMD sends traffic that must be ESP on mifI, each way.
esp_on() {
	local i=$1 o n
	shift
	o=$(packets "out$i")
	n=$(packets "in$i")
	"$@" >/dev/null || { echo "no answer: $*"; return 1; }
	[ $(( $(packets "out$i") - o )) -ge 3 ] &&
		[ $(( $(packets "in$i") - n )) -ge 3 ] ||
		{ echo "no ESP both ways on mif$i"; return 1; }
}

move_teardown() {
	mifd_stop >/dev/null 2>&1
	ksft_cleanup
	ksft_netns=()
	[ -n "${T:-}" ] && rm -rf "$T"
}

# move_rounds FN: FN "module" with xfrm_mif loaded, FN "xfrm" without.
move_rounds() {
	if load_module 2>/dev/null; then
		"$1" module
		move_teardown
	else
		skip "$TEST_NAME module: all cases" "cannot load $MODULE"
	fi
	unload_module 2>/dev/null
	"$1" xfrm
	move_teardown
}
