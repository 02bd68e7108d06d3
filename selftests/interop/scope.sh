#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scope: an interface operation of one IKE SA touches that IKE SA's SAs
# and policies only, even where another IKE SA has Child SAs on the same
# address. mifd scopes each interface-wide kernel call to the IKE SA's
# block of reqids (ikesa_kernel_scope(): the module's reqid mask, or the
# per-SA walk without it); the kselftests prove the kernel's filter, this
# file that mifd asks for it. Tunnel mode, a Child SA per pair
# (per_interface = yes), inner addresses from SG's pools.
#
#   1. another peer: SG and two end users, A and B (three netns). SG's
#      bridge brI (10.88.I.2/24, I = 0, 1, 2) joins A's mifI (10.88.I.1)
#      and B's mifI (10.88.I.3): both IKE SAs are on SG's 10.88.0.2, each
#      has a Child SA on each of SG's three addresses. In turn: A moves
#      its mif1 address (10.88.1.1 -> 10.88.1.11); SG moves its 10.88.1.2
#      to 10.88.1.12 for A's connection only ("iface move ... conn a");
#      A moves SG's 10.88.2.2 to 10.88.2.12 ("peer"); A deletes 10.88.2.1;
#      A adds 10.88.2.1 again (MIF_ADD_INTERFACE: SG clones A's Child SAs
#      from its addresses, where B's are too).
#   2. the same peer twice: EU has two connections to SG, a and b (two
#      IKE SAs on 10.88.0.1-10.88.0.2, other identities, inner addresses
#      and selectors), each with a Child SA on each of three veth pairs.
#      EU moves a's Child SA off 10.88.1.1 ("conn a"), then deletes a's
#      on 10.88.2.1 ("conn a"); b's stay on both.
#
# After each operation: the other IKE SA's SAs and policies in both
# kernels (those of its reqid block: addresses, SPIs, reqids, selectors)
# are as they were, its mifd sees the same Child SAs, and a ping over
# each of its pairs is ESP on that pair's veth and on no other (nftables
# counters); the moved Child SA carries its ping on its new pair. Each
# with the xfrm_mif module loaded and without it (move_rounds). This file
# runs the first case; scope_twice.sh, with SCOPE=twice, the second.
#
#   tools/vm/run -k debian -m 3072 -t 2400 -- selftests/interop/run.sh scope.sh scope_twice.sh
TEST_NAME=${TEST_NAME:-scope}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
source "$here/move_lib.sh"

interop_start ip jq nft ping
trap _mifd_interop_cleanup EXIT

# --- helpers shared by both set-ups --------------------------------------

# quiet NS: no reverse-path filter (tunnelled traffic comes in on another
# pair than its inner source's route), secondaries outlive their primary.
quiet() {
	ip netns exec "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.all.promote_secondaries=1
}

# section CONN ME PEER MY_ID PEER_ID INTERFACES LINE...: one [conn].
section() {
	cat <<-CONF

	[conn $1]
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
	shift 6
	printf '%s\n' "$@"
}

header() { printf '[mifd]\nlog_level = debug\n'; }

# want_of NS SOCK CONN JQ: poll (30 s) until CONN's IKE SA passes the jq test.
_want_conn() {
	mifd_ctl "$1" "$2" -j ike list |
		jq -e "[.ike_sas[] | select(.conn == \"$3\" and
			.state == \"established\")][0] | $4" >/dev/null
}
want_of() {
	wait_until 30 _want_conn "$@" && return 0
	echo "wanted of $3: $4"
	mifd_ctl "$1" "$2" ike list
	return 1
}

# view NS SOCK CONN: CONN's installed Child SAs as mifd shows them.
view() {
	mifd_ctl "$1" "$2" -j ike list | jq -c "[.ike_sas[] |
		select(.conn == \"$3\" and .state == \"established\") |
		.children[] | select(.installed) |
		[.local, .remote, .spi_in, .spi_out, .reqid, .local_ts, .remote_ts]] |
		sort"
}

# block NS SOCK CONN: CONN's block of reqids (reqid >> 12, ike_sa.h).
block() {
	mifd_ctl "$1" "$2" -j ike list | jq -e "[.ike_sas[] |
		select(.conn == \"$3\" and .state == \"established\") |
		.children[].reqid][0] / 4096 | floor"
}

# kernel_block NS BLOCK: NS's SAs and policies of reqid block BLOCK, the
# words a move, delete or add could change (addresses, SPIs, reqids,
# modes, selectors, directions), one sorted line each; not the counters.
kernel_block() {
	{ ip -o -n "$1" xfrm state; ip -o -n "$1" xfrm policy; } | awk -v b="$2" '
	{
		r = -1
		for (i = 1; i < NF; i++)
			if ($i == "reqid")
				r = $(i + 1)
		if (r < 0 || int(r / 4096) != b)
			next
		out = ""
		for (i = 1; i < NF; i++)
			if ($i ~ /^(src|dst|spi|reqid|mode|dir|proto)$/)
				out = out " " $i " " $(i + 1)
		print out
	}' | sort
}

# keep NAME NS SOCK CONN: remember CONN's kernel block and mifd's view.
keep() {
	local b
	b=$(block "$2" "$3" "$4") || { echo "no reqid of $4"; return 1; }
	kernel_block "$2" "$b" >"$T/$1.kernel" && view "$2" "$3" "$4" >"$T/$1.view" &&
		[ -s "$T/$1.kernel" ] || { echo "$1: nothing of block $b"; return 1; }
	echo "$b" >"$T/$1.block"
}

# same NAME NS SOCK CONN: both still as keep found them.
same() {
	local b
	read -r b <"$T/$1.block"
	diff -u "$T/$1.kernel" <(kernel_block "$2" "$b") ||
		{ echo "$1: the kernel's SAs or policies of block $b changed"; return 1; }
	diff -u "$T/$1.view" <(view "$2" "$3" "$4") ||
		{ echo "$1: mifd's Child SAs of $4 changed"; return 1; }
}

# inner NS SOCK CONN LOCAL: the inner address of CONN's Child SA on LOCAL.
inner() {
	mifd_ctl "$1" "$2" -j ike list | jq -er "[.ike_sas[] |
		select(.conn == \"$3\" and .state == \"established\") |
		.children[] | select(.installed and .local == \"$4\") |
		.local_ts[0]][0] | sub(\"/32$\"; \"\")"
}

# inners NS SOCK CONN VAR: VAR[LOCAL] is the inner address of CONN's
# Child SA on LOCAL (the first, as inner), for each LOCAL, from one list.
inners() {
	local -n _in=$4
	local l a
	_in=()
	while read -r l a; do
		[ -n "${_in[$l]:-}" ] || _in[$l]=$a
	done < <(mifd_ctl "$1" "$2" -j ike list | jq -r ".ike_sas[] |
		select(.conn == \"$3\" and .state == \"established\") |
		.children[] | select(.installed) |
		\"\\(.local) \\(.local_ts[0] | sub(\"/32$\"; \"\"))\"")
	[ ${#_in[@]} -gt 0 ]
}

# talks_all NS SOCK CONN DST LOCAL...: talks for each LOCAL (on mifI, I
# its place in the list), the inner addresses from one list.
talks_all() {
	local ns=$1 sock=$2 conn=$3 dst=$4 i=0 l
	local -A src=()
	shift 4
	inners "$ns" "$sock" "$conn" src || { echo "$conn: no Child SA"; return 1; }
	for l in "$@"; do
		[ -n "${src[$l]:-}" ] || { echo "$conn: no Child SA on $l"; return 1; }
		esp_only "$ns" "$i" ip netns exec "$ns" ping -q -c 3 -i 0.2 -W 2 \
			-I "${src[$l]}" "$dst" || return 1
		i=$((i + 1))
	done
}

# counters NS: "NAME PACKETS" of each of NS's ESP counters, in one call
# (each process is slow under emulation), nft's text read by bash.
counters() {
	local k v _ name=
	while read -r k v _; do
		case $k in
		counter) name=$v ;;
		packets) echo "$name $v" ;;
		esac
	done < <(ip netns exec "$1" nft list counters table inet fig1)
}

# esp_only NS I CMD...: CMD's traffic is ESP both ways on NS's mifI, and
# on none of its other veths.
esp_only() {
	local ns=$1 i=$2 k v n
	declare -A before=()
	shift 2
	while read -r k v; do before[$k]=$v; done < <(counters "$ns")
	"$@" >/dev/null || { echo "no answer: $*"; return 1; }
	while read -r k v; do
		n=$((v - ${before[$k]:-0}))
		if [ "${k: -1}" = "$i" ]; then
			[ "$n" -ge 3 ] || { echo "$* : $n ESP on $k"; return 1; }
		else
			[ "$n" -eq 0 ] || { echo "$* : $n ESP on $k"; return 1; }
		fi
	done < <(counters "$ns")
}

# talks NS SOCK CONN LOCAL I DST: CONN's Child SA on LOCAL carries a
# ping from its inner address to DST, as ESP on mifI only.
talks() {
	local src
	src=$(inner "$1" "$2" "$3" "$4") || { echo "$3: no Child SA on $4"; return 1; }
	esp_only "$1" "$5" ip netns exec "$1" ping -q -c 3 -i 0.2 -W 2 -I "$src" "$6"
}

# announced NS SOCK CONN ADDR: CONN's peer has announced ADDR.
announced() {
	want_of "$1" "$2" "$3" "[.mif.peer_interfaces[].addresses[]] | index(\"$4\") != null"
}

no_errors() {
	! grep -E " (error|warning): " "$@"
}

# --- 1. another peer: A and B on SG's addresses ------------------------------

peers_setup() {
	local i x n k
	T=$(mifd_tmpdir)/scope
	mkdir -p "$T" || return 1
	A_SOCK=$T/a.sock
	B_SOCK=$T/b.sock
	SG_SOCK=$T/sg.sock
	make_netns A && make_netns B && make_netns SG || return 1
	quiet "$A" && quiet "$B" && quiet "$SG" || return 1
	# One ip process per namespace and step (ip -batch): under emulation
	# each process costs a tenth of a second or more.
	for i in 0 1 2; do
		echo "link add br$i type bridge"
		echo "addr add 10.88.$i.2/24 dev br$i"
		echo "link set br$i up"
	done | ip -n "$SG" -batch - || return 1
	for x in a b; do
		if [ $x = a ]; then n=$A k=1; else n=$B k=3; fi
		for i in 0 1 2; do
			echo "link add mif$i type veth peer name $x$i netns $SG"
			echo "addr add 10.88.$i.$k/24 dev mif$i"
			echo "link set mif$i up"
		done | ip -n "$n" -batch - || return 1
	done
	{
		for i in 0 1 2; do
			for x in a b; do
				echo "link set $x$i master br$i"
				echo "link set $x$i up"
			done
		done
		echo "addr add 10.99.0.1/32 dev lo"
		echo "addr add 10.99.0.2/32 dev lo"
		echo "route add 10.9.0.0/24 via 10.88.0.1"
		echo "route add 10.10.0.0/24 via 10.88.0.3"
	} | ip -n "$SG" -batch - || return 1
	ip -n "$A" route add 10.99.0.0/24 via 10.88.0.2 &&
		ip -n "$B" route add 10.99.0.0/24 via 10.88.0.2 || return 1
	esp_counters "$A" && esp_counters "$B" || return 1
	{
		header
		section a 10.88.0.1 10.88.0.2 a.example sg.example \
			"mif0:200, mif1:150, mif2:100" \
			"vips = 0.0.0.0, 0.0.0.0, 0.0.0.0" \
			"remote_ts = 10.99.0.1/32" "per_interface = yes"
	} >"$T/a.conf"
	{
		header
		section b 10.88.0.3 10.88.0.2 b.example sg.example \
			"mif0:200, mif1:150, mif2:100" \
			"vips = 0.0.0.0, 0.0.0.0, 0.0.0.0" \
			"remote_ts = 10.99.0.2/32" "per_interface = yes"
	} >"$T/b.conf"
	{
		header
		section a 10.88.0.2 10.88.0.1 sg.example a.example \
			"br0:200, br1:150, br2:100" \
			"pool = 10.9.0.0/24" "local_ts = 10.99.0.1/32"
		section b 10.88.0.2 10.88.0.3 sg.example b.example \
			"br0:200, br1:150, br2:100" \
			"pool = 10.10.0.0/24" "local_ts = 10.99.0.2/32"
	} >"$T/sg.conf"
}

a() { mifd_ctl "$A" "$A_SOCK" "$@"; }
b() { mifd_ctl "$B" "$B_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }

peers_up() {
	mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		mifd_start "$A" "$T/a.conf" "$A_SOCK" &&
		mifd_start "$B" "$T/b.conf" "$B_SOCK" &&
		a ike up a -w 20 >/dev/null && b ike up b -w 20 >/dev/null &&
		want_of "$A" "$A_SOCK" a ".mif.negotiated and $pairs == [
			\"10.88.0.1-10.88.0.2\", \"10.88.1.1-10.88.1.2\",
			\"10.88.2.1-10.88.2.2\"]" &&
		want_of "$B" "$B_SOCK" b ".mif.negotiated and $pairs == [
			\"10.88.0.3-10.88.0.2\", \"10.88.1.3-10.88.1.2\",
			\"10.88.2.3-10.88.2.2\"]" &&
		want_of "$SG" "$SG_SOCK" a "$pairs == [\"10.88.0.2-10.88.0.1\",
			\"10.88.1.2-10.88.1.1\", \"10.88.2.2-10.88.2.1\"]" &&
		want_of "$SG" "$SG_SOCK" b "$pairs == [\"10.88.0.2-10.88.0.3\",
			\"10.88.1.2-10.88.1.3\", \"10.88.2.2-10.88.2.3\"]" &&
		keep sg-b "$SG" "$SG_SOCK" b && keep b "$B" "$B_SOCK" b &&
		[ "$(cat "$T/sg-b.block")" != "$(block "$SG" "$SG_SOCK" a)" ]
}

# B is as it was, in SG's kernel and its own, and talks on each pair.
b_untouched() {
	same sg-b "$SG" "$SG_SOCK" b && same b "$B" "$B_SOCK" b &&
		talks_all "$B" "$B_SOCK" b 10.99.0.2 10.88.0.3 10.88.1.3 10.88.2.3
}

a_moves() {
	ip -n "$A" addr add 10.88.1.11/24 dev mif1 &&
		announced "$SG" "$SG_SOCK" a 10.88.1.11 &&
		a ike iface move 10.88.1.1 10.88.1.11 | grep -q "started on 1 IKE SA" &&
		want_of "$A" "$A_SOCK" a "$pairs == [\"10.88.0.1-10.88.0.2\",
			\"10.88.1.11-10.88.1.2\", \"10.88.2.1-10.88.2.2\"]" &&
		want_of "$SG" "$SG_SOCK" a "$pairs == [\"10.88.0.2-10.88.0.1\",
			\"10.88.1.2-10.88.1.11\", \"10.88.2.2-10.88.2.1\"]" &&
		talks "$A" "$A_SOCK" a 10.88.1.11 1 10.99.0.1
}

# SG's own address, shared by both IKE SAs, moves for A's only.
sg_moves() {
	local out
	ip -n "$SG" addr add 10.88.1.12/24 dev br1 &&
		announced "$A" "$A_SOCK" a 10.88.1.12 || return 1
	out=$(sg ike iface move 10.88.1.2 10.88.1.12 conn a) || { echo "$out"; return 1; }
	echo "$out" | grep -q "started on 1 IKE SA" || { echo "$out"; return 1; }
	want_of "$SG" "$SG_SOCK" a "$pairs == [\"10.88.0.2-10.88.0.1\",
		\"10.88.1.12-10.88.1.11\", \"10.88.2.2-10.88.2.1\"]" &&
		want_of "$A" "$A_SOCK" a "$pairs == [\"10.88.0.1-10.88.0.2\",
			\"10.88.1.11-10.88.1.12\", \"10.88.2.1-10.88.2.2\"]" &&
		talks "$A" "$A_SOCK" a 10.88.1.11 1 10.99.0.1
}

# A moves SG's shared 10.88.2.2 for its own IKE SA: SG's kernel call
# names SG's address, which B's Child SA has too.
a_moves_peer() {
	ip -n "$SG" addr add 10.88.2.12/24 dev br2 &&
		announced "$A" "$A_SOCK" a 10.88.2.12 &&
		a ike iface move 10.88.2.2 10.88.2.12 peer | grep -q "started on 1 IKE SA" &&
		want_of "$A" "$A_SOCK" a "$pairs == [\"10.88.0.1-10.88.0.2\",
			\"10.88.1.11-10.88.1.12\", \"10.88.2.1-10.88.2.12\"]" &&
		want_of "$SG" "$SG_SOCK" a "$pairs == [\"10.88.0.2-10.88.0.1\",
			\"10.88.1.12-10.88.1.11\", \"10.88.2.12-10.88.2.1\"]" &&
		talks "$A" "$A_SOCK" a 10.88.2.1 2 10.99.0.1
}

a_deletes() {
	a ike iface del 10.88.2.1 | grep -q "deleting 1 Child SAs on 1 IKE SAs" &&
		want_of "$A" "$A_SOCK" a "$pairs == [\"10.88.0.1-10.88.0.2\",
			\"10.88.1.11-10.88.1.12\"] and (.children | length) == 2" &&
		want_of "$SG" "$SG_SOCK" a "$pairs == [\"10.88.0.2-10.88.0.1\",
			\"10.88.1.12-10.88.1.11\"] and (.children | length) == 2"
}

# The add derives A's Child SA of pair 0 onto 10.88.2.1-10.88.2.2: SG's
# clone copies from its 10.88.0.2, where B has its Child SA too.
a_adds() {
	local out
	out=$(a ike iface add 10.88.2.1 peer 10.88.2.2 conn a) || { echo "$out"; return 1; }
	case $out in *"1 started"*) ;; *) echo "$out"; return 1 ;; esac
	# Derived from both of a's remaining Child SAs (on 10.88.0.1 and
	# 10.88.1.11): two new ones on the pair, four in all.
	want_of "$A" "$A_SOCK" a "(.children | length) == 4 and
		([.children[] | select(.installed and .local == \"10.88.2.1\" and
		  .remote == \"10.88.2.2\")] | length) == 2" &&
		want_of "$SG" "$SG_SOCK" a "(.children | length) == 4 and
		([.children[] | select(.installed and .local == \"10.88.2.2\" and
		  .remote == \"10.88.2.1\")] | length) == 2"
}

peers_round() {
	local r="scope peers $1"
	if ! peers_setup; then
		skip "$r: all cases" "cannot set up namespaces, bridges or veths"
		return
	fi
	tcase "$r: A and B up, a Child SA on each of SG's three addresses" peers_up
	tcase "$r: A moves its 10.88.1.1 to 10.88.1.11" a_moves
	tcase "$r: B untouched after A's move" b_untouched
	tcase "$r: SG moves 10.88.1.2 to 10.88.1.12 for conn a only" sg_moves
	tcase "$r: B untouched after SG's move, still on 10.88.1.2" b_untouched
	tcase "$r: A moves SG's 10.88.2.2 to 10.88.2.12 (peer)" a_moves_peer
	tcase "$r: B untouched after A's move of SG's address" b_untouched
	tcase "$r: A deletes 10.88.2.1" a_deletes
	tcase "$r: B untouched after A's delete" b_untouched
	tcase "$r: A adds 10.88.2.1 again, SG clones from 10.88.0.2" a_adds
	tcase "$r: B untouched after A's add" b_untouched
	tcase "$r: no error or warning in any log" \
		no_errors "$A_SOCK.log" "$B_SOCK.log" "$SG_SOCK.log"
	tcase "$r: the three mifd exit 0" mifd_stop
}

# --- 2. the same peer twice: EU's connections a and b to SG ------------------

twice_setup() {
	local i
	T=$(mifd_tmpdir)/scope
	mkdir -p "$T" || return 1
	EU_SOCK=$T/eu.sock
	SG_SOCK=$T/sg.sock
	make_netns EU && make_netns SG || return 1
	quiet "$EU" && quiet "$SG" || return 1
	# One ip process per namespace and step, as in peers_setup.
	for i in 0 1 2; do
		echo "link add mif$i type veth peer name pmif$i netns $SG"
		echo "addr add 10.88.$i.1/24 dev mif$i"
		echo "link set mif$i up"
	done | ip -n "$EU" -batch - || return 1
	{
		for i in 0 1 2; do
			echo "addr add 10.88.$i.2/24 dev pmif$i"
			echo "link set pmif$i up"
		done
		echo "addr add 10.99.0.1/32 dev lo"
		echo "addr add 10.99.0.2/32 dev lo"
		echo "route add 10.9.0.0/24 via 10.88.0.1"
		echo "route add 10.10.0.0/24 via 10.88.0.1"
	} | ip -n "$SG" -batch - || return 1
	ip -n "$EU" route add 10.99.0.0/24 via 10.88.0.2 || return 1
	esp_counters "$EU" || return 1
	{
		header
		section a 10.88.0.1 10.88.0.2 eu-a.example sg.example \
			"mif0:200, mif1:150, mif2:100" \
			"vips = 0.0.0.0, 0.0.0.0, 0.0.0.0" \
			"remote_ts = 10.99.0.1/32" "per_interface = yes"
		section b 10.88.0.1 10.88.0.2 eu-b.example sg.example \
			"mif0:200, mif1:150, mif2:100" \
			"vips = 0.0.0.0, 0.0.0.0, 0.0.0.0" \
			"remote_ts = 10.99.0.2/32" "per_interface = yes"
	} >"$T/eu.conf"
	{
		header
		section a 10.88.0.2 10.88.0.1 sg.example eu-a.example \
			"pmif0:200, pmif1:150, pmif2:100" \
			"pool = 10.9.0.0/24" "local_ts = 10.99.0.1/32"
		section b 10.88.0.2 10.88.0.1 sg.example eu-b.example \
			"pmif0:200, pmif1:150, pmif2:100" \
			"pool = 10.10.0.0/24" "local_ts = 10.99.0.2/32"
	} >"$T/sg.conf"
}

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }

twice_up() {
	local c
	mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		eu ike up a -w 20 >/dev/null && eu ike up b -w 20 >/dev/null ||
		return 1
	for c in a b; do
		want_of "$EU" "$EU_SOCK" $c ".mif.negotiated and $pairs == [
			\"10.88.0.1-10.88.0.2\", \"10.88.1.1-10.88.1.2\",
			\"10.88.2.1-10.88.2.2\"]" &&
			want_of "$SG" "$SG_SOCK" $c "$pairs == [\"10.88.0.2-10.88.0.1\",
			\"10.88.1.2-10.88.1.1\", \"10.88.2.2-10.88.2.1\"]" ||
			return 1
	done
	keep sg-b "$SG" "$SG_SOCK" b && keep eu-b "$EU" "$EU_SOCK" b &&
		[ "$(cat "$T/eu-b.block")" != "$(block "$EU" "$EU_SOCK" a)" ] &&
		[ "$(cat "$T/sg-b.block")" != "$(block "$SG" "$SG_SOCK" a)" ]
}

# b is as it was in both kernels, and talks on each pair.
b_same() {
	same sg-b "$SG" "$SG_SOCK" b && same eu-b "$EU" "$EU_SOCK" b &&
		talks_all "$EU" "$EU_SOCK" b 10.99.0.2 10.88.0.1 10.88.1.1 10.88.2.1
}

twice_moves() {
	local out
	ip -n "$EU" addr add 10.88.1.11/24 dev mif1 &&
		announced "$SG" "$SG_SOCK" a 10.88.1.11 || return 1
	out=$(eu ike iface move 10.88.1.1 10.88.1.11 conn a) || { echo "$out"; return 1; }
	echo "$out" | grep -q "started on 1 IKE SA" || { echo "$out"; return 1; }
	want_of "$EU" "$EU_SOCK" a "$pairs == [\"10.88.0.1-10.88.0.2\",
		\"10.88.1.11-10.88.1.2\", \"10.88.2.1-10.88.2.2\"]" &&
		want_of "$SG" "$SG_SOCK" a "$pairs == [\"10.88.0.2-10.88.0.1\",
			\"10.88.1.2-10.88.1.11\", \"10.88.2.2-10.88.2.1\"]" &&
		talks "$EU" "$EU_SOCK" a 10.88.1.11 1 10.99.0.1
}

twice_deletes() {
	local out
	out=$(eu ike iface del 10.88.2.1 conn a) || { echo "$out"; return 1; }
	echo "$out" | grep -q "deleting 1 Child SAs on 1 IKE SAs" || { echo "$out"; return 1; }
	want_of "$EU" "$EU_SOCK" a "$pairs == [\"10.88.0.1-10.88.0.2\",
		\"10.88.1.11-10.88.1.2\"] and (.children | length) == 2" &&
		want_of "$SG" "$SG_SOCK" a "$pairs == [\"10.88.0.2-10.88.0.1\",
			\"10.88.1.2-10.88.1.11\"] and (.children | length) == 2"
}

twice_round() {
	local r="scope twice $1"
	if ! twice_setup; then
		skip "$r: all cases" "cannot set up namespaces or veths"
		return
	fi
	tcase "$r: EU's a and b up to SG, a Child SA of each on each pair" twice_up
	tcase "$r: EU moves a's Child SA off 10.88.1.1 (conn a)" twice_moves
	tcase "$r: b untouched after a's move, still on 10.88.1.1" b_same
	tcase "$r: EU deletes a's 10.88.2.1 (conn a)" twice_deletes
	tcase "$r: b untouched after a's delete, still on 10.88.2.1" b_same
	tcase "$r: no error or warning in either log" \
		no_errors "$EU_SOCK.log" "$SG_SOCK.log"
	tcase "$r: both mifd exit 0" mifd_stop
}

# Each case on its own stays within run.sh's time for a file:
# scope_twice.sh runs the second.
case ${SCOPE:-peers} in
peers) move_rounds peers_round ;;
twice) move_rounds twice_round ;;
esac
ksft_exit
