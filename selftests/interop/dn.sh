#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Distinguished names between mifd and strongSwan's charon: certificates
# made by strongSwan's pki when installed (strongswan-pki; else openssl),
# both of which write C= as PrintableString, and IDs written by hand as a
# user would, "dn:C=CH, O=mif, CN=sg.example", on both sides.
#
#   1. mifd (EU) -> charon (SG) and back, over eu1: each side's ID is its
#      certificate's subject DN, each names the other's DN as remote ID
#   2. mifd (EU) -> charon (SG) over eu2, mifd's remote_id
#      "dn:C=CH, O=mif, CN=*" (a wildcard, so mifd sends no IDr)
#   3. mifd (EU) -> charon (SG) over eu3, mifd's remote_id
#      "dn:C=CH, O=other, CN=*", which charon's DN does not match: mifd
#      refuses charon's IKE_AUTH response, with the reason in "ike up -w"
#
# Each up case checks that "mifctl ike list" shows both IDs as text.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh dn.sh
TEST_NAME=dn
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/../topo.sh"
source "$here/charon_lib.sh"
source "$here/certs.sh"
source "$here/lib.sh"

require_root
require_cmd ip jq
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
cleanup() {
	charon_stop_all >/dev/null 2>&1
	_mifd_interop_cleanup
}
trap cleanup EXIT
topo_setup || { echo "1..0 # SKIP cannot build the topology"; exit $KSFT_SKIP; }

DN_EU="C=CH, O=mif, CN=eu.example"
DN_SG="C=CH, O=mif, CN=sg.example"
IKE=aes256gcm16-prfsha256-ecp256
ESP=aes256gcm16

meu() { mifd_ctl "$EU" "$MSOCK" "$@"; }
tcase_diag() {
	mifd_log "$MSOCK" | tail -20
	charon_log "$CSG" 20
}

# mifd_conn NAME I REMOTE_ID: a transport connection over interface I.
mifd_conn() {
	cat <<-EOF
	[conn $1]
	local = $(topo_eu_outer "$2")
	remote = $(topo_sg_outer "$2")
	local_id = dn:$DN_EU
	remote_id = $3
	auth = pubkey
	cert = $CERTS/eu.example.pem
	key = $CERTS/eu.example.key
	ca_dir = $CERTS/ca.d
	ike = $IKE
	esp = $ESP
	mode = transport
	retransmit_base = 500ms
	retransmit_tries = 3
	dpd = 0

	EOF
}

charon_dn() {	# charon_dn NAME I: SG's side, its ID its subject DN
	charon_conf "$CSG" "$1" local="$(topo_sg_outer "$2")" \
		remote="$(topo_eu_outer "$2")" local_id="$DN_SG" \
		remote_id="$DN_EU" ike="$IKE" esp="$ESP" mode=transport \
		auth=pubkey cert="$CERTS/sg.example.pem" \
		key="$CERTS/sg.example.key" cacert="$CERTS/ca.pem"
}

setup() {
	certs_make "$CERTS" eu.example sg.example || return 1
	mkdir -p "$CERTS/ca.d" && cp "$CERTS/ca.pem" "$CERTS/ca.d/" || return 1
	# The premise: C= is a PrintableString in the peer's certificate.
	openssl asn1parse -in "$CERTS/sg.example.pem" |
		grep -A1 ':countryName' | grep -q PRINTABLESTRING || return 1
	{
		echo "[mifd]"
		echo "log_level = debug"
		echo
		mifd_conn dn1 1 "dn:$DN_SG"
		# As a user writes it: other case, other spacing.
		mifd_conn wild2 2 "dn:c=ch,o=MIF,  CN=*"
		mifd_conn wrong3 3 "dn:C=CH, O=other, CN=*"
	} >"$MCONF"
	charon_dn dn1 1 && charon_dn wild2 2 && charon_dn wrong3 3 || return 1
	charon_start "$SG" "$CSG" && charon_load "$SG" "$CSG" || return 1
	mifd_start "$EU" "$MCONF" "$MSOCK"
}

# ids_shown CONN: mifctl ike list shows both DNs as text.
ids_shown() {
	local l r
	l=$(meu -j ike list | jq -r --arg c "$1" '[.ike_sas[] | select(.conn == $c)][0].local_id')
	r=$(meu -j ike list | jq -r --arg c "$1" '[.ike_sas[] | select(.conn == $c)][0].remote_id')
	echo "local_id: $l; remote_id: $r"
	[ "$l" = "dn:$DN_EU" ] && [ "$r" = "dn:$DN_SG" ] &&
		meu ike list | grep -qF "dn:$DN_EU <-> dn:$DN_SG"
}

up_from_mifd() {	# up_from_mifd CONN
	meu ike up -w 20 "$1" && mifd_wait_established "$EU" "$MSOCK" "$1" 10 ||
		{ meu ike list; charon_sas "$SG" "$CSG"; return 1; }
	charon_sas "$SG" "$CSG" | grep -q "^ike $1 ESTABLISHED"
}

up_from_charon() {	# up_from_charon CONN
	charon_up "$SG" "$CSG" "$1" 15 &&
		mifd_wait_established "$EU" "$MSOCK" "$1" 10 ||
		{ meu ike list; return 1; }
}

_gone() {	# _gone CONN: neither charon nor mifd lists CONN
	! charon_sas "$SG" "$CSG" | grep -q "^ike $1 " &&
		[ "$(meu -j ike list | jq --arg c "$1" \
			'[.ike_sas[] | select(.conn == $c)] | length')" = 0 ]
}
down() {	# down CONN
	meu ike down "$1" || return 1
	wait_until 10 _gone "$1"
}

refused() {	# refused CONN: ike up -w fails and says why
	local out
	out=$(meu ike up -w 20 "$1" 2>&1)
	echo "$out"
	! mifd_established "$EU" "$MSOCK" "$1" &&
		grep -qF "ID dn:$DN_SG is not remote_id dn:C=CH, O=other, CN=*" <<<"$out"
}

if ! tcase "certificates by $(certs_tool 2>/dev/null || echo none), C= as PrintableString; mifd and charon start" setup; then
	for c in "mifd->charon dn1: up" "mifd->charon dn1: ike list shows both DNs" \
		"mifd->charon dn1: down" "charon->mifd dn1: up" \
		"charon->mifd dn1: ike list shows both DNs" "charon->mifd dn1: down" \
		"mifd->charon wild2: up" "mifd->charon wild2: ike list shows both DNs" \
		"mifd->charon wild2: down" "mifd->charon wrong3: refused with the reason"; do
		skip "$c" "no set-up"
	done
	ksft_exit
fi
tcase "mifd->charon dn1: up, remote_id dn:$DN_SG" up_from_mifd dn1
tcase "mifd->charon dn1: ike list shows both DNs" ids_shown dn1
tcase "mifd->charon dn1: down" down dn1
tcase "charon->mifd dn1: up, mifd's remote_id dn:$DN_SG" up_from_charon dn1
tcase "charon->mifd dn1: ike list shows both DNs" ids_shown dn1
tcase "charon->mifd dn1: down" down dn1
tcase "mifd->charon wild2: up, remote_id dn:c=ch,o=MIF,  CN=*" up_from_mifd wild2
tcase "mifd->charon wild2: ike list shows both DNs" ids_shown wild2
tcase "mifd->charon wild2: down" down wild2
tcase "mifd->charon wrong3: refused with the reason" refused wrong3
tcase "mifd stops cleanly" mifd_stop
ksft_exit
