#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# IKE fragmentation (RFC 7383) over a path of MTU 576 that drops IP
# fragments, as many NATs and firewalls do: eu1, eu2 and eu3 (and their
# peers) have MTU 576, and both namespaces drop IPv4 fragments before
# reassembly. Each side authenticates with an RSA-4096 certificate chain
# of three (root, intermediate, end entity, made by strongSwan's pki:
# frag_certs/), sending its certificate and the intermediate: IKE_AUTH
# messages of about 3.5 KB, which pass only as IKE fragments.
#
#   1. mifd (EU) -> charon (SG) over eu1, and charon -> mifd over eu2:
#      IKE SA up with fragments both ways (each daemon's log says so),
#      ESP ping both ways (transport mode)
#   2. mifd (EU) -> charon over eu3 with mifd's fragmentation = no: the
#      IKE_AUTH request is lost, the IKE SA does not come up
#   3. mifd (EU) -> mifd (SG) over eu1, then with EU's fragmentation =
#      no over eu3 (SG's is yes), as in 1 and 2
#
# charon runs with charon.fragment_size = 576 (its default, 1280, would
# be fragmented by IP on this path). The path itself is checked first:
# a 1000-byte ping is lost, a 400-byte one is not.
#
#   tools/vm/run -k debian -m 3072 -t 1800 -- selftests/interop/run.sh frag.sh
TEST_NAME=frag
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/../topo.sh"
source "$here/charon_lib.sh"
source "$here/lib.sh"

require_root
require_cmd ip jq nft ping openssl
echo "TAP version 13"
charon_available || { echo "1..0 # SKIP $CHARON or $SWANCTL not installed"; exit $KSFT_SKIP; }
[ -x "$MIFD" ] || { echo "1..0 # SKIP $MIFD not built (make)"; exit $KSFT_SKIP; }
[ -x "$MIFCTL" ] || { echo "1..0 # SKIP $MIFCTL not built (make tools)"; exit $KSFT_SKIP; }
modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null

T=$(mifd_tmpdir)
CERTS=$T/certs
CSG=$T/charon-sg
MSOCK=$T/mifd-eu.sock
MCONF=$T/mifd-eu.conf
SSOCK=$T/mifd-sg.sock
SCONF=$T/mifd-sg.conf
export CHARON_FRAGMENT_SIZE=576
cleanup() {
	charon_stop_all >/dev/null 2>&1
	_mifd_interop_cleanup
}
trap cleanup EXIT
topo_setup || { echo "1..0 # SKIP cannot build the topology"; exit $KSFT_SKIP; }

IKE=aes256gcm16-prfsha256-ecp256
ESP=aes256gcm16

meu() { mifd_ctl "$EU" "$MSOCK" "$@"; }
tcase_diag() {
	mifd_log "$MSOCK" | tail -20
	[ -e "$SSOCK.log" ] && mifd_log "$SSOCK" | tail -20
	charon_log "$CSG" 20
}

# A path of MTU 576 over eu1..eu3 that drops IPv4 fragments.
narrow_path() {
	local i ns
	for i in 1 2 3; do
		ip -n "$EU" link set "eu$i" mtu 576 || return 1
		ip -n "$SG" link set "sg$i" mtu 576 || return 1
	done
	for ns in "$EU" "$SG"; do
		ip netns exec "$ns" nft -f - <<-'NFT' || return 1
		table ip narrow {
			chain pre {
				type filter hook prerouting priority -500; policy accept;
				ip frag-off & 0x3fff != 0 counter drop
			}
		}
		NFT
	done
}

# The chain: root and intermediate CA, an end entity per side, RSA-4096,
# made by strongSwan's pki (frag_certs/make: RSA-4096 keys take minutes to
# make under emulation).
chain_copy() {
	local d=$CERTS n
	mkdir -p "$d/ca.d" || return 1
	cp "$here"/frag_certs/*.pem "$here"/frag_certs/*.key "$d/" || return 1
	chmod 600 "$d"/*.key
	for n in eu.example sg.example; do
		# mifd's cert file: its certificate, then the intermediate.
		cat "$d/$n.pem" "$d/int.pem" >"$d/$n.chain.pem" || return 1
	done
	cp "$d/root.pem" "$d/ca.d/" || return 1
	openssl verify -CAfile "$d/root.pem" -untrusted "$d/int.pem" \
		"$d/eu.example.pem" "$d/sg.example.pem"
}

# mifd_conn SIDE NAME I FRAGMENTATION: a transport connection over i.
mifd_conn() {
	local side=$1 me peer
	if [ "$side" = eu ]; then
		me=$(topo_eu_outer "$3") peer=$(topo_sg_outer "$3")
		set -- "$2" eu.example sg.example "$4"
	else
		me=$(topo_sg_outer "$3") peer=$(topo_eu_outer "$3")
		set -- "$2" sg.example eu.example "$4"
	fi
	cat <<-EOF
	[conn $1]
	local = $me
	remote = $peer
	local_id = fqdn:$2
	remote_id = fqdn:$3
	auth = pubkey
	cert = $CERTS/$2.chain.pem
	key = $CERTS/$2.key
	ca_dir = $CERTS/ca.d
	ike = $IKE
	esp = $ESP
	mode = transport
	fragmentation = $4
	retransmit_base = 1s
	retransmit_tries = 3
	dpd = 0

	EOF
}

charon_conn() {	# charon_conn NAME I
	charon_conf "$CSG" "$1" local="$(topo_sg_outer "$2")" \
		remote="$(topo_eu_outer "$2")" local_id="fqdn:sg.example" \
		remote_id="fqdn:eu.example" ike="$IKE" esp="$ESP" mode=transport \
		auth=pubkey cert="$CERTS/sg.example.pem" \
		key="$CERTS/sg.example.key" cacert="$CERTS/root.pem"
}

setup() {
	narrow_path || return 1
	chain_copy || return 1
	{
		echo "[mifd]"
		echo "log_level = debug"
		echo
		mifd_conn eu frag1 1 yes
		mifd_conn eu frag2 2 yes
		mifd_conn eu nofrag3 3 no
	} >"$MCONF"
	{
		echo "[mifd]"
		echo "log_level = debug"
		echo
		mifd_conn sg frag1 1 yes
		mifd_conn sg frag3 3 yes
	} >"$SCONF"
	charon_conn frag1 1 && charon_conn frag2 2 && charon_conn nofrag3 3 || return 1
	charon_start "$SG" "$CSG" || return 1
	# charon sends the intermediate it holds among its CA certificates.
	cp "$CERTS/int.pem" "$CSG/swanctl/x509ca/" || return 1
	charon_load "$SG" "$CSG" || return 1
	mifd_start "$EU" "$MCONF" "$MSOCK"
}

path_drops_fragments() {
	ip netns exec "$EU" ping -q -c 2 -W 2 -s 400 "$(topo_sg_outer 1)" || return 1
	! ip netns exec "$EU" ping -q -c 2 -W 2 -s 1000 "$(topo_sg_outer 1)"
}

# Packets through ESP SAs of NS, in all.
esp_total() {
	ip -n "$1" -s xfrm state | awk '/\(packets\)/ {
		for (i = 1; i <= NF; i++) if ($i ~ /\(packets\)/) { sub(/\(.*/, "", $i); n += $i } }
		END { print n + 0 }'
}

# ping_esp I: EU pings SG over interface I and back, through ESP.
ping_esp() {
	local e s before after
	e=$(topo_eu_outer "$1")
	s=$(topo_sg_outer "$1")
	before=$(esp_total "$EU")
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I "$e" "$s" || return 1
	ip netns exec "$SG" ping -q -c 3 -i 0.2 -W 2 -I "$s" "$e" || return 1
	after=$(esp_total "$EU")
	echo "ESP packets on EU: $before -> $after"
	[ "$after" -ge $((before + 12)) ]
}

# Each daemon's log says that fragments went both ways.
mifd_fragmented() {	# mifd_fragmented SOCK
	grep -q "IKE_AUTH.* in [0-9]* fragments" "$1.log" &&
		grep -q "IKE_AUTH.* reassembled from [0-9]* fragments" "$1.log"
}

charon_fragmented() {
	grep -q "splitting IKE message" "$CSG/charon.log" &&
		grep -q "reassembled fragmented IKE message" "$CSG/charon.log"
}

up_from_mifd() {	# up_from_mifd CONN I
	meu ike up -w 40 "$1" && mifd_wait_established "$EU" "$MSOCK" "$1" 10 ||
		{ meu ike list; charon_sas "$SG" "$CSG"; return 1; }
	charon_sas "$SG" "$CSG" | grep -q "^ike $1 ESTABLISHED" || return 1
	mifd_fragmented "$MSOCK" && charon_fragmented || return 1
	ping_esp "$2"
}

up_from_charon() {	# up_from_charon CONN I
	: >"$MSOCK.log"
	charon_up "$SG" "$CSG" "$1" 40 &&
		mifd_wait_established "$EU" "$MSOCK" "$1" 10 || { meu ike list; return 1; }
	mifd_fragmented "$MSOCK" || return 1
	ping_esp "$2"
}

# CONN of mifd in NS (SOCK) does not come up: its IKE_AUTH is lost.
not_up() {	# not_up NS SOCK CONN
	local out
	: >"$2.log"
	out=$(mifd_ctl "$1" "$2" ike up -w 40 "$3" 2>&1)
	echo "$out"
	! mifd_established "$1" "$2" "$3" &&
		! grep -q "IKE_AUTH.* in [0-9]* fragments" "$2.log"
}

mifd_sg() {
	charon_stop_all && mifd_stop "$EU" "$MSOCK" || return 1
	: >"$MSOCK.log"
	mifd_start "$SG" "$SCONF" "$SSOCK" && mifd_start "$EU" "$MCONF" "$MSOCK"
}

up_mifd_mifd() {
	meu ike up -w 40 frag1 && mifd_wait_established "$EU" "$MSOCK" frag1 10 &&
		mifd_wait_established "$SG" "$SSOCK" frag1 10 || { meu ike list; return 1; }
	mifd_fragmented "$MSOCK" && mifd_fragmented "$SSOCK" || return 1
	ping_esp 1
}


if ! tcase "frag: RSA-4096 chain of three, MTU 576 dropping IP fragments; mifd and charon start" setup; then
	for c in "frag: the path loses a 1000-byte ping, not a 400-byte one" \
		"frag: mifd -> charon: IKE SA up in fragments both ways, ping" \
		"frag: charon -> mifd: IKE SA up in fragments both ways, ping" \
		"frag: mifd -> charon with fragmentation = no: not up" \
		"frag: mifd (SG) starts instead of charon" \
		"frag: mifd -> mifd: IKE SA up in fragments both ways, ping" \
		"frag: mifd -> mifd with fragmentation = no: not up"; do
		skip "$c" "no set-up"
	done
	ksft_exit
fi
tcase "frag: the path loses a 1000-byte ping, not a 400-byte one" path_drops_fragments
tcase "frag: mifd -> charon: IKE SA up in fragments both ways, ping" up_from_mifd frag1 1
tcase "frag: charon -> mifd: IKE SA up in fragments both ways, ping" up_from_charon frag2 2
tcase "frag: mifd -> charon with fragmentation = no: not up" not_up "$EU" "$MSOCK" nofrag3
tcase "frag: mifd (SG) starts instead of charon" mifd_sg
tcase "frag: mifd -> mifd: IKE SA up in fragments both ways, ping" up_mifd_mifd
tcase "frag: mifd -> mifd with fragmentation = no: not up" not_up "$EU" "$MSOCK" nofrag3
tcase "frag: mifd stops cleanly" mifd_stop
ksft_exit
