#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# strongSwan interop: charon (/usr/lib/ipsec/charon, run as a plain process by
# charon_lib.sh) in the namespaces of selftests/topo.sh.
#
#   1. charon (EU) <-> charon (SG), proving the harness: PSK over eu1
#      (tunnel, AES-GCM), ECDSA P-256 certificates over eu2.
#   2. mifd (EU, initiator) -> charon (SG, responder)
#   3. charon (EU, initiator) -> mifd (SG, responder)
#      each with PSK: gcm1 over eu1 (aes256gcm16-prfsha256-x25519 /
#      aes256gcm16, tunnel), cbc2 over eu2 (aes128-sha256-modp2048 /
#      aes128-sha256, tunnel), tr3 over eu3 (aes128gcm16-prfsha256-ecp256 /
#      aes128gcm16, transport); and ECDSA P-256 certificates (cert2:
#      auth = pubkey, aes256gcm16-prfsha256-ecp256 / aes256gcm16, tunnel
#      over secondary addresses of eu2).
#   4. mifd (EU, initiator) -> charon (SG) in each of the groups modp3072,
#      modp4096, ecp521 and curve448 (g15, g16, g21, g32: PSK, transport
#      over secondary addresses of eu1): IKE_SA_INIT in the group, then
#      charon rekeys the Child SA with PFS in the same group.
#
# Every case checks the SPIs on both sides (the daemons' view and the
# kernel's) and pings through ESP both ways with the SA counters rising.
# Runs as root in the test VM, alone or under run.sh:
#
#   tools/vm/run -k debian -m 3072 -t 900 -- bash selftests/interop/charon.sh
#
# The mifd parts skip (with "# SKIP") while build/mifd, build/mifctl or
# selftests/interop/lib.sh are missing.
TEST_NAME=charon
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/../topo.sh"
source "$here/charon_lib.sh"
source "$here/certs.sh"

have_mifd_lib=no
if [ -r "$here/lib.sh" ]; then
	source "$here/lib.sh"	# sets its own EXIT trap; ours replaces it
	have_mifd_lib=yes
fi

require_root
require_cmd ip ping awk

echo "TAP version 13"
charon_available || { echo "1..0 # SKIP $CHARON or $SWANCTL not installed (strongswan-charon, strongswan-swanctl)"; exit $KSFT_SKIP; }

modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
# Load the ESP algorithms now (loading them on first use under QEMU can take
# longer than IKE's retransmission timers).
warm_key=0x$(printf '%072d' 0)
ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x101 mode tunnel \
	aead 'rfc4106(gcm(aes))' "${warm_key:0:42}" 128 2>/dev/null
ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x102 mode tunnel \
	enc 'cbc(aes)' "${warm_key:0:34}" auth-trunc 'hmac(sha256)' "${warm_key:0:66}" 128 2>/dev/null
ip xfrm state flush 2>/dev/null

T=$(mktemp -d /tmp/mif-charon.XXXXXX)
cleanup() {
	charon_stop_all >/dev/null 2>&1
	[ "$have_mifd_lib" = yes ] && mifd_stop >/dev/null 2>&1
	[ -n "${MIFD_TMP:-}" ] && rm -rf "$MIFD_TMP"
	rm -rf "$T"
	ksft_cleanup
}
trap cleanup EXIT

topo_setup || { echo "1..0 # SKIP cannot build the topology"; exit $KSFT_SKIP; }
for ns in "$EU" "$SG"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 >/dev/null
	for i in 1 2 3; do
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.eu$i.rp_filter=0" >/dev/null 2>&1
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.sg$i.rp_filter=0" >/dev/null 2>&1
	done
done
# Inner routes only need to exist: XFRM routes by the outer addresses.
for i in 1 2; do
	ip -n "$SG" route replace "$(topo_eu_inner "$i")/32" dev "sg$i"
done
ip -n "$EU" route replace "$TOPO_SG_INNER/32" dev eu1

# outer_eu NAME I, outer_sg NAME I: the outer addresses of connection NAME
# over interface I. mifd, as a responder, takes the first connection whose
# address pair matches the IKE_SA_INIT request (and switches at IKE_AUTH by
# the peer's ID only), so the mifd<->charon certificate connection cert2,
# with the same IDs as cbc2, runs between addresses of its own on eu2.
# The group connections g15... run over 10.1.1.115 <-> 10.1.1.215 and so on.
outer_eu() {
	case $1 in
	cert2) echo "10.1.$2.11" ;;
	g[0-9]*) echo "10.1.$2.1${1#g}" ;;
	*) topo_eu_outer "$2" ;;
	esac
}
outer_sg() {
	case $1 in
	cert2) echo "10.1.$2.12" ;;
	g[0-9]*) echo "10.1.$2.2${1#g}" ;;
	*) topo_sg_outer "$2" ;;
	esac
}
ip -n "$EU" addr add "$(outer_eu cert2 2)/24" dev eu2
ip -n "$SG" addr add "$(outer_sg cert2 2)/24" dev sg2

# The groups of section 4: NAME KEYWORD CHARON_NAME.
DH_GROUPS="g15 modp3072 MODP_3072
g16 modp4096 MODP_4096
g21 ecp521 ECP_521
g32 curve448 CURVE_448"
while read -r g _; do
	ip -n "$EU" addr add "$(outer_eu "$g" 1)/24" dev eu1
	ip -n "$SG" addr add "$(outer_sg "$g" 1)/24" dev sg1
done <<<"$DH_GROUPS"
GROUP_CHECKS="IKE SA up, Child SA rekeyed with PFS in it, ping, delete"
group_field() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' <<<"$DH_GROUPS"; }

PSK=0x6d69662d696e7465726f702d746573742d6b6579
CERTS=$T/certs
CEU=$T/charon-eu	# charon instance directories
CSG=$T/charon-sg

# ccase NAME CMD...: tcase, plus the charon logs on failure.
ccase() {
	local name=$1 d
	shift
	tcase "$name" "$@" && return 0
	for d in "${!charon_pids[@]}"; do
		echo "# charon log $d (last 30 lines):"
		charon_log "$d" 30
	done
	return 1
}

# The connections, one per interface: NAME I MODE IKE ESP.
CONNS="gcm1 1 tunnel aes256gcm16-prfsha256-x25519 aes256gcm16
cbc2 2 tunnel aes128-sha256-modp2048 aes128-sha256
tr3 3 transport aes128gcm16-prfsha256-ecp256 aes128gcm16"
conn_field() {	# conn_field NAME FIELD(2..5)
	awk -v n="$1" -v f="$2" '$1 == n { print $f }' <<<"$CONNS"
}

# charon_side DIR SIDE NAME I MODE IKE ESP [AUTH]: a charon connection of
# side eu or sg over interface I.
charon_side() {
	local dir=$1 side=$2 name=$3 i=$4 mode=$5 ike=$6 esp=$7 auth=${8:-psk}
	local me peer mid pid args
	if [ "$side" = eu ]; then
		me=$(outer_eu "$name" "$i") peer=$(outer_sg "$name" "$i")
		mid=eu.example pid=sg.example
		args=(local_ts="$(topo_eu_inner "$i")/32" remote_ts="$TOPO_SG_INNER/32")
	else
		me=$(outer_sg "$name" "$i") peer=$(outer_eu "$name" "$i")
		mid=sg.example pid=eu.example
		args=(local_ts="$TOPO_SG_INNER/32" remote_ts="$(topo_eu_inner "$i")/32")
	fi
	[ "$mode" = transport ] && args=()
	if [ "$auth" = psk ]; then
		args+=(auth=psk psk="$PSK")
	else
		args+=(auth=pubkey cert="$CERTS/$mid.pem" key="$CERTS/$mid.key"
			cacert="$CERTS/ca.pem")
	fi
	charon_conf "$dir" "$name" local="$me" remote="$peer" \
		local_id="fqdn:$mid" remote_id="fqdn:$pid" ike="$ike" esp="$esp" \
		mode="$mode" "${args[@]}"
}

# Kernel view: the SPIs of the ESP states over interface I in NS, sorted.
kernel_spis() {
	ip -n "$1" xfrm state | awk -v pfx="10.1.$2." '
		/^src / { mine = (index($2, pfx) == 1 && index($4, pfx) == 1) }
		mine && /proto esp spi/ { for (i = 1; i <= NF; i++) if ($i == "spi") print $(i + 1) }' |
		sort | tr '\n' ' '
}

kernel_spis_match() {	# kernel_spis_match I: same ESP SPIs in EU and SG
	local a b
	a=$(kernel_spis "$EU" "$1")
	b=$(kernel_spis "$SG" "$1")
	echo "kernel ESP SPIs over eu$1: EU [$a] SG [$b]"
	[ -n "$a" ] && [ "$a" = "$b" ] && [ "$(wc -w <<<"$a")" -eq 2 ]
}

esp_packets() {	# esp_packets NS SPI (hex, with or without 0x)
	local p
	p=$(topo_esp_packets "$1" "0x${2#0x}")
	echo "${p:-0}"
}

# ping_esp EU_ADDR SG_ADDR SPI_OUT SPI_IN (EU's view): ping both ways, EU's
# ESP counters rise on both SAs.
ping_esp() {
	local ea=$1 sa=$2 out=$3 in=$4 o0 i0 o1 i1
	o0=$(esp_packets "$EU" "$out")
	i0=$(esp_packets "$EU" "$in")
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I "$ea" "$sa" || return 1
	ip netns exec "$SG" ping -q -c 3 -i 0.2 -W 2 -I "$sa" "$ea" || return 1
	o1=$(esp_packets "$EU" "$out")
	i1=$(esp_packets "$EU" "$in")
	echo "ESP packets on EU: out $out $o0 -> $o1, in $in $i0 -> $i1"
	[ "$o1" -ge $((o0 + 6)) ] && [ "$i1" -ge $((i0 + 6)) ] && return 0
	ip -n "$EU" -s xfrm state
	return 1
}

# charon's view of IKE SA NAME in DIR: "STATE SPI_I SPI_R CHILDSTATE SPI_IN SPI_OUT"
charon_view() {
	charon_sas "$1" "$2" | charon_view_of "$3"
}
charon_view_of() {	# charon_view_of NAME <charon_sas output
	awk -v n="$1" '
		$1 == "ike" && $2 == n && !ike { ike = $3 " " $4 " " $5 }
		$1 == "child" && $2 == n && !child { child = $4 " " $6 " " $7 }
		END { print (ike ? ike : "none - -"), (child ? child : "none - -") }'
}

# The addresses of interface I for the ping: inner ones in tunnel mode.
ping_addrs() {	# ping_addrs I MODE -> "EU_ADDR SG_ADDR"
	if [ "$2" = transport ]; then
		echo "$(topo_eu_outer "$1") $(topo_sg_outer "$1")"
	else
		echo "$(topo_eu_inner "$1") $TOPO_SG_INNER"
	fi
}

# --- 1. charon <-> charon ------------------------------------------------

cc_start() {
	charon_start "$SG" "$CSG" && charon_start "$EU" "$CEU" || return 1
	[ "$(cat "$CEU/run/charon.pid")" != "$(cat "$CSG/run/charon.pid")" ] &&
		[ ! -e /run/charon.pid ] && [ -S "$CEU/charon.vici" ] && [ -S "$CSG/charon.vici" ]
}

# cc_up NAME I MODE IKE ESP AUTH: configure both charons, EU initiates.
cc_up() {
	local name=$1 i=$2 mode=$3 ike=$4 esp=$5 auth=$6
	charon_side "$CEU" eu "$name" "$i" "$mode" "$ike" "$esp" "$auth" &&
		charon_side "$CSG" sg "$name" "$i" "$mode" "$ike" "$esp" "$auth" &&
		charon_load "$SG" "$CSG" && charon_load "$EU" "$CEU" &&
		charon_up "$EU" "$CEU" "$name" 15
}

# cc_spis NAME I: both charons show the SA established with the same IKE
# SPIs and crosswise Child SPIs, and the kernel agrees.
cc_spis() {
	local name=$1 i=$2 a b
	a=$(charon_view "$EU" "$CEU" "$name")
	b=$(charon_view "$SG" "$CSG" "$name" | awk '{ print $1, $2, $3, $4, $6, $5 }')
	echo "EU: $a"
	echo "SG: $b (child SPIs swapped)"
	[ "${a%% *}" = ESTABLISHED ] && [ "$a" = "$b" ] && ! grep -q -- ' - \|none' <<<"$a" &&
		kernel_spis_match "$i" &&
		kernel_spis "$EU" "$i" | grep -q "0x$(awk '{ print $5 }' <<<"$a")"
}

cc_ping() {	# cc_ping NAME I MODE
	local v addrs
	v=$(charon_view "$EU" "$CEU" "$1")
	addrs=$(ping_addrs "$2" "$3")
	# shellcheck disable=SC2086
	ping_esp $addrs "$(awk '{ print $6 }' <<<"$v")" "$(awk '{ print $5 }' <<<"$v")"
}

_cc_gone() {	# _cc_gone NAME I
	[ -z "$(kernel_spis "$EU" "$2")$(kernel_spis "$SG" "$2")" ] &&
		! charon_sas "$SG" "$CSG" | grep -q "^ike $1 "
}
cc_down() {	# cc_down NAME I: terminated on both sides, no kernel state
	charon_down "$EU" "$CEU" "$1" || return 1
	wait_until 5 _cc_gone "$1" "$2" && return 0
	charon_sas "$SG" "$CSG"
	ip -n "$SG" xfrm state
	return 1
}

cc_algs() {	# cc_algs NAME WANT: the IKE algorithms EU's charon shows
	local got
	got=$(charon_sas "$EU" "$CEU" | awk -v n="$1" '$1 == "ike" && $2 == n { print $8, $9, $10, $11 }')
	echo "$1: $got, want $2"
	[ "$got" = "$2" ]
}

if ccase "charon-charon: two charons start, one per namespace, private pid files and sockets" cc_start; then
	ccase "charon-charon psk gcm1: IKE and Child SA up (PSK, AES-GCM, x25519, tunnel over eu1)" \
		cc_up gcm1 1 tunnel aes256gcm16-prfsha256-x25519 aes256gcm16 psk
	ccase "charon-charon psk gcm1: AES-GCM negotiated" \
		cc_algs gcm1 "AES_GCM_16 - PRF_HMAC_SHA2_256 CURVE_25519"
	ccase "charon-charon psk gcm1: same SPIs on both sides (swanctl and ip xfrm)" cc_spis gcm1 1
	ccase "charon-charon psk gcm1: ESP ping both ways, counters rise" cc_ping gcm1 1 tunnel
	ccase "charon-charon psk gcm1: terminate removes the SAs on both sides" cc_down gcm1 1

	if ccase "charon-charon: test CA and ECDSA P-256 certificates ($(certs_tool 2>/dev/null || echo none))" \
		certs_make "$CERTS"; then
		ccase "charon-charon ecdsa: IKE and Child SA up (ECDSA certificates, tunnel over eu2)" \
			cc_up ecdsa2 2 tunnel aes256gcm16-prfsha256-ecp256 aes256gcm16 pubkey
		ccase "charon-charon ecdsa: same SPIs on both sides" cc_spis ecdsa2 2
		ccase "charon-charon ecdsa: ESP ping both ways, counters rise" cc_ping ecdsa2 2 tunnel
		ccase "charon-charon ecdsa: terminate" cc_down ecdsa2 2
	else
		for c in up spis ping terminate; do
			skip "charon-charon ecdsa: $c" "no certificates"
		done
	fi
	rm -f "$CEU/swanctl/conf.d/"*.conf "$CSG/swanctl/conf.d/"*.conf
fi
charon_stop "$EU" "$CEU"

# --- 2./3. mifd <-> charon -------------------------------------------------
# One mifd in EU, the charon of SG: for each connection mifd initiates, the
# checks run, mifd deletes; then charon initiates the same connection, the
# checks run, charon deletes.

MIFD_CASES="gcm1 cbc2 tr3"
CASE_CHECKS="IKE and Child SA up|same SPIs on both sides (mifctl, swanctl, ip xfrm), algorithms as proposed|ESP ping both ways, counters rise|the initiator's delete removes the SAs on both sides"
each_case() {	# each_case CMD: CMD DIRECTION CONN CHECK for every case
	local c d k
	for c in $MIFD_CASES; do
		for d in "mifd->charon" "charon->mifd"; do
			while IFS= read -r k; do
				"$1" "$d" "$c" "$k"
			done <<<"${CASE_CHECKS//|/$'\n'}"
		done
	done
}
skip_one() { skip "$1 $2: $3" "$WHY"; }
mifd_skip_all() {	# mifd_skip_all WHY
	WHY=$1
	skip "$START_CASE" "$WHY"
	each_case skip_one
	skip "mifd->charon ecdsa: certificates" "$WHY"
	skip "charon->mifd ecdsa: certificates" "$WHY"
	group_skip_all
	skip "$STOP_CASE" "$WHY"
}
group_skip_all() {
	local g kw
	while read -r g kw _; do
		skip "mifd->charon $g: group $kw: $GROUP_CHECKS" "$WHY"
	done <<<"$DH_GROUPS"
}
START_CASE="mifd-charon: mifd starts in EU, SG's charon loads the same connections"
STOP_CASE="mifd-charon: both daemons stop cleanly"

mifd_ready() {
	[ "$have_mifd_lib" = yes ] || { echo "selftests/interop/lib.sh missing"; return 1; }
	[ -x "${MIFD:-}" ] || { echo "${MIFD:-build/mifd} not built"; return 1; }
	[ -x "${MIFCTL:-}" ] || { echo "${MIFCTL:-build/mifctl} not built"; return 1; }
	command -v jq >/dev/null || { echo "jq not installed"; return 1; }
	declare -F mifd_start mifd_stop mifd_ctl mifd_wait_established >/dev/null ||
		{ echo "lib.sh lacks mifd_start/mifd_stop/mifd_ctl/mifd_wait_established"; return 1; }
}

if ! why=$(mifd_ready); then
	mifd_skip_all "$why"
	ksft_exit
fi

# mifd_section SIDE NAME I MODE IKE ESP [AUTH]: a [conn] for mifd.
mifd_section() {
	local side=$1 name=$2 i=$3 mode=$4 ike=$5 esp=$6 auth=${7:-psk}
	local me peer mid pid mts pts
	if [ "$side" = eu ]; then
		me=$(outer_eu "$name" "$i") peer=$(outer_sg "$name" "$i")
		mid=eu.example pid=sg.example
		mts=$(topo_eu_inner "$i")/32 pts=$TOPO_SG_INNER/32
	else
		me=$(outer_sg "$name" "$i") peer=$(outer_eu "$name" "$i")
		mid=sg.example pid=eu.example
		mts=$TOPO_SG_INNER/32 pts=$(topo_eu_inner "$i")/32
	fi
	echo "[conn $name]"
	echo "local = $me"
	echo "remote = $peer"
	echo "local_id = fqdn:$mid"
	echo "remote_id = fqdn:$pid"
	if [ "$auth" = psk ]; then
		echo "auth = psk"
		echo "psk = $PSK"
	else
		# RFC 7427 signatures with the ECDSA P-256 key; ca_dir holds
		# the test CA alone (not the peers' certificates of $CERTS).
		echo "auth = pubkey"
		echo "cert = $CERTS/$mid.pem"
		echo "key = $CERTS/$mid.key"
		echo "ca_dir = $CERTS/ca.d"
	fi
	echo "ike = $ike"
	echo "esp = $esp"
	echo "mode = $mode"
	echo "retransmit_base = 500ms"
	echo "retransmit_tries = 3"
	echo "dpd = 0"
	if [ "$mode" = tunnel ]; then
		echo "local_ts = $mts"
		echo "remote_ts = $pts"
	fi
	echo
}

mifd_write_conf() {	# mifd_write_conf SIDE FILE [ecdsa]
	local c
	{
		echo "# charon interop test, mifd on the $1 side"
		echo "[mifd]"
		echo "log_level = debug"
		echo
		for c in $MIFD_CASES; do
			# shellcheck disable=SC2046
			mifd_section "$1" "$c" $(conn_field "$c" 2) $(conn_field "$c" 3) \
				$(conn_field "$c" 4) $(conn_field "$c" 5)
		done
		[ "${3:-}" = ecdsa ] && mifd_section "$1" cert2 2 tunnel \
			aes256gcm16-prfsha256-ecp256 aes256gcm16 pubkey
		while read -r c kw _; do
			mifd_section "$1" "$c" 1 transport \
				"aes128gcm16-prfsha256-$kw" "aes128gcm16-$kw"
		done <<<"$DH_GROUPS"
	} >"$2"
}

# Whether mifd takes the certificate configuration (mifd -n loads and
# checks the certificate, key and CA files); prints why not.
mifd_has_certs() {
	[ -s "$CERTS/ca.pem" ] || { echo "no test certificates"; return 1; }
	mkdir -p "$CERTS/ca.d" && cp "$CERTS/ca.pem" "$CERTS/ca.d/ca.pem" || return 1
	mifd_write_conf eu "$T/probe.conf" ecdsa
	"$MIFD" -n -f "$T/probe.conf" 2>&1 | tr '\n' ' '
	return "${PIPESTATUS[0]}"
}

MSOCK=$T/mifd-eu.sock
MCONF=$T/mifd-eu.conf
meu() { mifd_ctl "$EU" "$MSOCK" "$@"; }

# mifd's view of CONN: "state spi_i spi_r child_spi_in child_spi_out",
# the SPIs without mifd's 0x, as swanctl prints them
mifd_view() {
	meu -j ike list | jq -r --arg c "$1" \
		'[.ike_sas[] | select(.conn == $c)][0] |
		 [.state, .spi_i, .spi_r, .children[0].spi_in, .children[0].spi_out] |
		 map(tostring | ltrimstr("0x")) | join(" ")'
}

swap64() { sed -E 's/(..)(..)(..)(..)(..)(..)(..)(..)/\8\7\6\5\4\3\2\1/' <<<"$1"; }

# mc_spis CONN I: mifd (EU) and charon (SG) show the same IKE SPIs and
# crosswise Child SPIs; the kernels of both namespaces hold the same two
# ESP SPIs, those.
mc_spis() {
	local conn=$1 i=$2 m c
	m=$(mifd_view "$conn")
	CHARON_SAS=$(charon_sas "$SG" "$CSG")	# reused by mc_algs
	c=$(charon_view_of "$conn" <<<"$CHARON_SAS")
	MIFD_VIEW="$conn $m"			# reused by mc_ping
	echo "mifd (EU):   $m"
	echo "charon (SG): $c"
	# shellcheck disable=SC2086
	set -- $m
	local ms=$1 mi=$2 mr=$3 min=$4 mout=$5
	# shellcheck disable=SC2086
	set -- $c
	[ "$ms" = established ] && [ "$1" = ESTABLISHED ] && [ "$4" = INSTALLED ] || return 1
	if [ "$mi" != "$2" ] || [ "$mr" != "$3" ]; then
		echo "IKE SPIs differ"
		[ "$(swap64 "$mi")" = "$2" ] && [ "$(swap64 "$mr")" = "$3" ] &&
			echo "mifd shows the IKE SPIs byte-swapped (charon shows them in wire order)"
		return 1
	fi
	[ "$min" = "$6" ] && [ "$mout" = "$5" ] || { echo "Child SPIs differ"; return 1; }
	kernel_spis_match "$i" &&
		kernel_spis "$EU" "$i" | grep -q "0x$min" &&
		kernel_spis "$EU" "$i" | grep -q "0x$mout"
}

mc_algs() {	# mc_algs CONN: charon's view of the IKE algorithms
	local got want
	case $1 in
	gcm1) want="AES_GCM_16 - PRF_HMAC_SHA2_256 CURVE_25519" ;;
	cbc2) want="AES_CBC HMAC_SHA2_256_128 PRF_HMAC_SHA2_256 MODP_2048" ;;
	tr3 | cert2) want="AES_GCM_16 - PRF_HMAC_SHA2_256 ECP_256" ;;
	*) return 0 ;;
	esac
	[ -n "$CHARON_SAS" ] || CHARON_SAS=$(charon_sas "$SG" "$CSG")
	got=$(awk -v n="$1" '$1 == "ike" && $2 == n { print $8, $9, $10, $11 }' <<<"$CHARON_SAS")
	echo "charon: $1 $got, want $want"
	[ "$got" = "$want" ]
}

mc_ping() {	# mc_ping CONN I MODE
	local v addrs
	if [ "${MIFD_VIEW%% *}" = "$1" ]; then
		v=${MIFD_VIEW#* }
	else
		v=$(mifd_view "$1")
	fi
	addrs=$(ping_addrs "$2" "$3")
	# shellcheck disable=SC2086
	ping_esp $addrs "$(awk '{ print $5 }' <<<"$v")" "$(awk '{ print $4 }' <<<"$v")"
}

mc_up() {	# mc_up DIRECTION CONN
	if [ "$1" = "mifd->charon" ]; then
		meu ike up "$2" && mifd_wait_established "$EU" "$MSOCK" "$2" 20 ||
			{ meu ike list; charon_sas "$SG" "$CSG"; return 1; }
	else
		charon_up "$SG" "$CSG" "$2" 15 &&
			mifd_wait_established "$EU" "$MSOCK" "$2" 10 ||
			{ meu ike list; return 1; }
	fi
}

_mc_gone() {	# _mc_gone CONN I
	[ -z "$(kernel_spis "$EU" "$2")$(kernel_spis "$SG" "$2")" ] &&
		[ "$(meu -j ike list | jq --arg c "$1" \
			'[.ike_sas[] | select(.conn == $c)] | length')" = 0 ] &&
		! charon_sas "$SG" "$CSG" | grep -q "^ike $1 "
}
mc_down() {	# mc_down DIRECTION CONN I: both sides clean up
	if [ "$1" = "mifd->charon" ]; then
		meu ike down "$2" || return 1
	else
		charon_down "$SG" "$CSG" "$2" || return 1
	fi
	wait_until 10 _mc_gone "$2" "$3" && return 0
	meu ike list
	charon_sas "$SG" "$CSG"
	ip -n "$EU" xfrm state
	ip -n "$SG" xfrm state
	return 1
}

ecdsa=
if ecdsa_why=$(mifd_has_certs); then
	ecdsa=ecdsa
else
	ecdsa_why="mifd refuses the certificate configuration: ${ecdsa_why:-mifd -n failed}"
fi
mifd_write_conf eu "$MCONF" $ecdsa
rm -f "$CSG/swanctl/conf.d/"*.conf
for c in $MIFD_CASES; do
	# shellcheck disable=SC2046
	charon_side "$CSG" sg "$c" $(conn_field "$c" 2) $(conn_field "$c" 3) \
		$(conn_field "$c" 4) $(conn_field "$c" 5) psk
done
[ -n "$ecdsa" ] && charon_side "$CSG" sg cert2 2 tunnel \
	aes256gcm16-prfsha256-ecp256 aes256gcm16 pubkey
while read -r c kw _; do
	charon_side "$CSG" sg "$c" 1 transport "aes128gcm16-prfsha256-$kw" \
		"aes128gcm16-$kw" psk
done <<<"$DH_GROUPS"

start_pair() {
	if [ -z "${charon_pids[$CSG]:-}" ]; then
		charon_start "$SG" "$CSG" || return 1
	fi
	charon_load "$SG" "$CSG" || return 1
	mifd_start "$EU" "$MCONF" "$MSOCK" || { mifd_log "$MSOCK"; return 1; }
}
if ! ccase "$START_CASE" start_pair; then
	WHY="daemons did not start"
	each_case skip_one
	skip "mifd->charon ecdsa: certificates" "$WHY"
	skip "charon->mifd ecdsa: certificates" "$WHY"
	group_skip_all
	skip "$STOP_CASE" "$WHY"
	ksft_exit
fi

for c in $MIFD_CASES; do
	i=$(conn_field "$c" 2)
	mode=$(conn_field "$c" 3)
	for d in "mifd->charon" "charon->mifd"; do
		if ! ccase "$d $c: IKE and Child SA up ($(conn_field "$c" 4) / $(conn_field "$c" 5), $mode over eu$i)" \
			mc_up "$d" "$c"; then
			mifd_log "$MSOCK" | tail -n 30
			WHY="not up"
			skip_one "$d" "$c" "same SPIs on both sides (mifctl, swanctl, ip xfrm), algorithms as proposed"
			skip_one "$d" "$c" "ESP ping both ways, counters rise"
			ccase "$d $c: the initiator's delete removes the SAs on both sides" \
				mc_down "$d" "$c" "$i"
			continue
		fi
		CHARON_SAS= MIFD_VIEW=
		ccase "$d $c: same SPIs on both sides (mifctl, swanctl, ip xfrm), algorithms as proposed" \
			eval 'mc_spis "$c" "$i"; r=$?; mc_algs "$c" && [ $r -eq 0 ]'
		ccase "$d $c: ESP ping both ways, counters rise" mc_ping "$c" "$i" "$mode"
		ccase "$d $c: the initiator's delete removes the SAs on both sides" \
			mc_down "$d" "$c" "$i"
	done
done

# mc_cert DIRECTION: the certificate connection, every check in one case;
# charon must have verified a signature of mifd's (CERT_AUTH: its log line).
mc_cert() {
	local n0
	CHARON_SAS='' MIFD_VIEW='' CERT_AUTH=''
	n0=$(wc -l <"$CSG/charon.log")
	mc_up "$1" cert2 || { mifd_log "$MSOCK" | tail -n 30; return 1; }
	CERT_AUTH=$(tail -n "+$((n0 + 1))" "$CSG/charon.log" |
		grep -o "authentication of 'eu.example' with .* successful" | head -n 1)
	echo "charon: ${CERT_AUTH:-no successful authentication of eu.example logged}"
	case $CERT_AUTH in
	"" | *pre-shared*) return 1 ;;
	esac
	mc_spis cert2 2 && mc_algs cert2 && mc_ping cert2 2 tunnel &&
		mc_down "$1" cert2 2
}

for d in "mifd->charon" "charon->mifd"; do
	if [ -n "$ecdsa" ]; then
		ccase "$d ecdsa: certificates (ECDSA P-256, RFC 7427): up, same SPIs, ping, delete" \
			mc_cert "$d" && echo "# $d: charon: $CERT_AUTH"
	else
		skip "$d ecdsa: certificates" "$ecdsa_why"
	fi
done

# group_rekeyed NAME WANT OLD: charon rekeyed NAME's Child SA with PFS in
# group WANT (a child dh-group as well as the IKE SA's), mifd shows Child
# SPIs other than those of OLD (its mifd_view), each kernel the new pair
# alone. Sets NEW (mifd_view) and RAW (charon's --raw list).
group_rekeyed() {
	NEW=$(mifd_view "$1")
	RAW=$(charon_swanctl "$SG" "$CSG" --list-sas --ike "$1" --raw)
	[ "${NEW#* * * }" != "${3#* * * }" ] &&
		[ "$(grep -o "dh-group=$2" <<<"$RAW" | wc -l)" -eq 2 ] &&
		[ "$(grep -o "state=INSTALLED" <<<"$RAW" | wc -l)" -eq 1 ] &&
		[ "$(kernel_spis "$EU" 1 | wc -w)" -eq 2 ] &&
		[ "$(kernel_spis "$SG" 1 | wc -w)" -eq 2 ]
}

# mc_group NAME: mifd initiates NAME; charon shows the IKE SA in NAME's
# group, rekeys the Child SA with a KE payload in it; ESP ping through the
# new SAs; mifd deletes.
mc_group() {
	local g=$1 want old got ok=no
	want=$(group_field "$g" 3)
	mc_up "mifd->charon" "$g" || { mifd_log "$MSOCK" | tail -n 30; return 1; }
	CHARON_SAS=$(charon_sas "$SG" "$CSG")
	got=$(awk -v n="$g" '$1 == "ike" && $2 == n { print $11 }' \
		<<<"$CHARON_SAS")
	echo "charon: IKE SA $g in $got, want $want; mifd: $(meu -j ike list |
		jq -r --arg c "$g" '.ike_sas[] | select(.conn == $c) | .dh')"
	[ "$got" = "$want" ] || return 1
	old=$(mifd_view "$g")
	charon_swanctl "$SG" "$CSG" --rekey --child "$g" >/dev/null || return 1
	wait_until 10 group_rekeyed "$g" "$want" "$old" && ok=yes
	echo "mifd before the rekey: $old"
	echo "mifd after:            $NEW"
	echo "charon: $(grep -o 'dh-group=[A-Z_0-9]*' <<<"$RAW" | tr '\n' ' ')"
	[ $ok = yes ] || { charon_log "$CSG" 20; return 1; }
	MIFD_VIEW="$g $NEW"
	# shellcheck disable=SC2046
	mc_spis "$g" 1 &&
		ping_esp "$(outer_eu "$g" 1)" "$(outer_sg "$g" 1)" \
			$(awk '{ print $5, $4 }' <<<"$NEW") &&
		mc_down "mifd->charon" "$g" 1
}

while read -r g kw _; do
	ccase "mifd->charon $g: group $kw: $GROUP_CHECKS" mc_group "$g"
done <<<"$DH_GROUPS"

ccase "$STOP_CASE" eval \
	'mifd_stop "$EU" "$MSOCK" && charon_stop "$SG" "$CSG"'

ksft_exit
