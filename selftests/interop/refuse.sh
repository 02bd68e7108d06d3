#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# MIF refusals between two real mifd (docs/protocol/mif.md's rule tables):
# EU is build/tests/mifd-mangle, mifd with its MIF encoders wrapped to send
# what a correct mifd never sends (selftests/interop/mangle.c, MIF_MANGLE);
# SG is mifd. EU and SG are joined by three veth pairs (mifI in EU,
# 10.88.I.1; pmifI in SG, 10.88.I.2); EU's connection has per_interface =
# yes in transport mode, so one IKE SA carries a Child SA on each pair.
#
# For each broken MIF_INTERFACES (a count running past the data, no entry,
# 8,000 entries, an IPv4 address written as IPv6), sent in an INFORMATIONAL
# once everything is up: SG answers as mif.md says and logs why, and its
# IKE SA, its Child SAs (the same SPIs in its kernel) and its view of EU's
# interfaces stay; traffic still flows on every pair. For a Child SA whose
# MIF_CHILD_PATH names an address EU never announced, or a bad family: SG
# answers MIF_UNACCEPTABLE_PATH and installs nothing on that pair; the
# other Child SAs are up. A broken list in IKE_AUTH leaves the IKE SA up
# and SG without EU's list, so that every path EU names is refused. MIF
# notifies in IKE_SA_INIT (outside SK) are ignored: MIF is negotiated in
# IKE_AUTH alone. SG is one process throughout, EU a new one per case.
#
#   tools/vm/run -k debian -m 3072 -t 1800 -- selftests/interop/run.sh refuse.sh
TEST_NAME=refuse
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"

MANGLE=${MANGLE:-$REPO_DIR/build/tests/mifd-mangle}

require_root
require_cmd ip jq ping
[ -x "$MIFD" ] || { echo "1..0 # SKIP $MIFD not built (make)"; exit $KSFT_SKIP; }
[ -x "$MIFCTL" ] || { echo "1..0 # SKIP $MIFCTL not built (make tools)"; exit $KSFT_SKIP; }
[ -x "$MANGLE" ] || { echo "1..0 # SKIP $MANGLE not built (make selftest-progs)"; exit $KSFT_SKIP; }

echo "TAP version 13"
modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
T=$(mifd_tmpdir)
make_netns EU && make_netns SG ||
	{ echo "1..0 # SKIP cannot make namespaces"; exit $KSFT_SKIP; }

pair() {
	ip -n "$EU" link add "mif$1" type veth peer name "pmif$1" netns "$SG" &&
		ip -n "$EU" addr add "10.88.$1.1/24" dev "mif$1" &&
		ip -n "$SG" addr add "10.88.$1.2/24" dev "pmif$1" &&
		ip -n "$EU" link set "mif$1" up && ip -n "$SG" link set "pmif$1" up
}
pair 0 && pair 1 && pair 2 ||
	{ echo "1..0 # SKIP cannot set up the veths"; exit $KSFT_SKIP; }

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
# Without IKE fragmentation: the lists below are refused by MIF's own
# limits, in a datagram the kernel reassembles. Fragmented, the 64 KB list
# would pass mifd's reassembly limit (32 fragments) and be dropped
# unanswered, before MIF reads it (mifd.8, IKE fragmentation).
conf() {	# conf ME PEER PATTERN MY_ID PEER_ID EXTRA...
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
	local_ts = $1/32
	remote_ts = $2/32
	mode = transport
	retransmit_base = 500ms
	retransmit_tries = 4
	dpd = 0
	interfaces = $3
	fragmentation = no
	CONF
	shift 5
	printf '%s\n' "$@"
}
conf 10.88.0.1 10.88.0.2 "mif0:200, mif1:150, mif2:100" eu.example \
	sg.example "per_interface = yes" >"$T/eu.conf"
conf 10.88.0.1 10.88.0.2 "mif0:200, mif1:150, mif2:100" eu.example \
	sg.example "mif = no" >"$T/eu-plain.conf"
conf 10.88.0.2 10.88.0.1 "pmif0:200, pmif1:150, pmif2:100" sg.example \
	eu.example >"$T/sg.conf"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }

# The installed Child SAs' pairs, "local-remote", sorted.
pairs='([.children[] | select(.installed) | "\(.local)-\(.remote)"] | sort)'
# The addresses EU announced, as SG holds them, sorted.
peer_addrs='([.mif.peer_interfaces[]?.addresses[]] | sort)'
eu_addrs='["10.88.0.1", "10.88.1.1", "10.88.2.1"]'
all3="[\"10.88.0.2-10.88.0.1\", \"10.88.1.2-10.88.1.1\", \"10.88.2.2-10.88.2.1\"]"

# SG's ESP SAs in its kernel, "src dst spi" a line, sorted.
sg_sas() {
	ip -n "$SG" xfrm state |
		awk '/^src / { p = $2 " " $4 } /proto esp spi/ { print p, $4 }' |
		sort
}

# grep_log SOCK TEXT: TEXT (fixed) in that daemon's log.
grep_log() {
	grep -qF -- "$2" "$1.log" || { echo "not logged: $2"; return 1; }
}

# The IKE SA's SPIs on SG, "spi_i spi_r".
sg_ike_spis() {
	sg -j ike list | jq -r '.ike_sas[] | select(.conn == "a") | "\(.spi_i) \(.spi_r)"'
}

sg_start() {
	mifd_start "$SG" "$T/sg.conf" "$SG_SOCK"
}
tcase "refuse: SG's mifd starts" sg_start

# sg_alone: SG has no IKE SA.
sg_alone() { [ "$(sg -j ike list | jq '.ike_sas | length')" = 0 ]; }

# eu_start MODE AFTER [CONF]: a new EU mangling MODE after AFTER right
# encodings, once SG's IKE SA with the one before has gone.
eu_start() {
	local mode=$1 after=$2 conf=${3:-$T/eu.conf}
	mifd_stop "$EU" "$EU_SOCK"
	wait_until 10 sg_alone
	ip -n "$EU" addr del 10.88.1.11/24 dev mif1 2>/dev/null
	: >"$EU_SOCK.log"
	MIF_MANGLE=$mode MIF_MANGLE_AFTER=$after MIFD=$MANGLE \
		mifd_start "$EU" "$conf" "$EU_SOCK"
}

# eu_up MODE AFTER [CONF]: that, and its IKE SA with SG.
eu_up() {
	eu_start "$@" &&
		eu ike up a -w 20 >/dev/null &&
		mifd_wait_established "$SG" "$SG_SOCK" a 10
}

# Everything up: three Child SAs on SG, EU's three addresses announced.
three_up() {
	want "$SG" "$SG_SOCK" ".mif.negotiated and $pairs == $all3 and
		$peer_addrs == $eu_addrs" &&
		want "$EU" "$EU_SOCK" "(.children | map(select(.installed)) | length) == 3"
}

# ping_pairs I...: a ping over each pair I answers, through its Child SA.
ping_pairs() {
	local i
	for i in "$@"; do
		ip netns exec "$EU" ping -q -c 2 -i 0.2 -W 2 -I "10.88.$i.1" "10.88.$i.2" \
			>/dev/null || { echo "no answer over pair $i"; return 1; }
	done
}

# refused_list MODE REASON: EU, once up, announces a broken list in an
# INFORMATIONAL (an address added to mif1); SG answers
# MIF_INVALID_INTERFACES, logs REASON, and keeps all it had.
refused_list() {
	local mode=$1 reason=$2 sas ike
	eu_up "$mode" 1 && three_up || return 1
	sas=$(sg_sas)
	ike=$(sg_ike_spis)
	[ "$(wc -l <<<"$sas")" -eq 6 ] || { echo "$sas"; return 1; }
	ip -n "$EU" addr add 10.88.1.11/24 dev mif1 &&
		want "$EU" "$EU_SOCK" '.mif.local_refused' || return 1
	grep_log "$EU_SOCK" "mifd-mangle: MIF_INTERFACES" &&
		grep_log "$EU_SOCK" "INFORMATIONAL: the peer refused our MIF_INTERFACES (MIF_INVALID_INTERFACES)" &&
		grep_log "$SG_SOCK" "INFORMATIONAL: the peer's MIF_INTERFACES refused ($reason)" ||
		return 1
	# The IKE SA, its Child SAs and the list of IKE_AUTH stay.
	want "$SG" "$SG_SOCK" "$pairs == $all3 and $peer_addrs == $eu_addrs" &&
		[ "$(sg_ike_spis)" = "$ike" ] &&
		[ "$(sg_sas)" = "$sas" ] || { echo "SG's SAs were:"; echo "$sas"; sg_sas; return 1; }
	ping_pairs 0 1 2
}

tcase "refuse: MIF_INTERFACES with a count past its data: MIF_INVALID_INTERFACES, nothing lost" \
	refused_list truncated "interface addresses run past the payload"
tcase "refuse: MIF_INTERFACES with an IPv4 address as IPv6: MIF_INVALID_INTERFACES, nothing lost" \
	refused_list family "unusable IPv6 address in an interface entry"

many() {
	refused_list many "more than 32 interfaces" || return 1
	# Received whole: 8,000 entries of 8 octets.
	grep -qE "received 6[0-9]{4} bytes from 10\.88\.0\.1" "$SG_SOCK.log" ||
		{ echo "SG logged no 64 KB message"; return 1; }
}
tcase "refuse: MIF_INTERFACES with 8000 interfaces: MIF_INVALID_INTERFACES, nothing lost" many

# No entry is a list SG takes: EU offers no interface but the IKE SA's
# address. Its Child SAs stay where they are (part one moves none).
zero() {
	local sas
	eu_up zero 1 && three_up || return 1
	sas=$(sg_sas)
	ip -n "$EU" addr add 10.88.1.11/24 dev mif1 &&
		want "$SG" "$SG_SOCK" '.mif.peer_interfaces == []' || return 1
	grep_log "$SG_SOCK" "INFORMATIONAL: the peer announces 0 interfaces" &&
		want "$EU" "$EU_SOCK" '(.mif.local_refused | not) and
			(.mif.announce_pending | not)' &&
		want "$SG" "$SG_SOCK" "$pairs == $all3" &&
		[ "$(sg_sas)" = "$sas" ] || { echo "SG's SAs were:"; echo "$sas"; sg_sas; return 1; }
	ping_pairs 0 1 2
}
tcase "refuse: MIF_INTERFACES with no interface: taken, no error, nothing lost" zero

# refused_path MODE REASON: EU's third Child SA (on pair 2) names a path
# SG refuses with MIF_UNACCEPTABLE_PATH; nothing of it is in SG's kernel.
refused_path() {
	local mode=$1 reason=$2
	eu_up "$mode" 2 || return 1
	want "$EU" "$EU_SOCK" ".mif.negotiated and
		$pairs == [\"10.88.0.1-10.88.0.2\", \"10.88.1.1-10.88.1.2\"]" &&
		grep_log "$EU_SOCK" "mifd-mangle: MIF_CHILD_PATH" || return 1
	wait_until 10 grep -qF "refused: received MIF_UNACCEPTABLE_PATH" "$EU_SOCK.log"
	grep_log "$EU_SOCK" "refused: received MIF_UNACCEPTABLE_PATH" &&
		grep -q -- "$reason: sending MIF_UNACCEPTABLE_PATH" "$SG_SOCK.log" ||
		{ echo "SG did not log: $reason"; return 1; }
	want "$SG" "$SG_SOCK" "$pairs == [\"10.88.0.2-10.88.0.1\", \"10.88.1.2-10.88.1.1\"] and
		(.children | length) == 2" || return 1
	! ip -n "$SG" xfrm state | grep -q "10\.88\.2\." &&
		! ip -n "$SG" xfrm policy | grep -q "10\.88\.2\." ||
		{ echo "SG's kernel holds something on pair 2:"; ip -n "$SG" xfrm state;
		  ip -n "$SG" xfrm policy; return 1; }
	# The two others: an SA each way each in SG's kernel, traffic.
	[ "$(sg_sas | wc -l)" -eq 4 ] || { sg_sas; return 1; }
	ping_pairs 0 1
}
tcase "refuse: a Child SA on an address EU never announced: MIF_UNACCEPTABLE_PATH, nothing installed" \
	refused_path unannounced "refused: requester address not listed under its interface"
tcase "refuse: a Child SA with MIF_CHILD_PATH of family 3: MIF_UNACCEPTABLE_PATH, nothing installed" \
	refused_path pathfamily "MIF_CHILD_PATH malformed (MIF_CHILD_PATH address family not 1 or 2)"

# refused_children: n is how many new Child SAs EU saw refused with
# MIF_UNACCEPTABLE_PATH after IKE_AUTH; true once 2 or more.
refused_children() {
	n=$(grep -c "CREATE_CHILD_SA (new Child SA) refused: received MIF_UNACCEPTABLE_PATH" "$EU_SOCK.log")
	[ "$n" -ge 2 ]
}

# The same broken list in IKE_AUTH: SG sets up the IKE SA all the same,
# with MIF_INVALID_INTERFACES in its response, and holds no list for EU.
# Every path EU names on its interfaces is then refused, the first Child
# SA's (in IKE_AUTH) included: MIF_UNACCEPTABLE_PATH, nothing installed.
auth_list() {
	local n
	eu_start truncated 0 || return 1
	eu ike up a -w 20 >/dev/null
	want "$SG" "$SG_SOCK" '.mif.negotiated and .mif.peer_interfaces == null' &&
		want "$EU" "$EU_SOCK" '.mif.negotiated and .mif.local_refused' ||
		return 1
	grep_log "$EU_SOCK" "IKE_AUTH: the peer refused our MIF_INTERFACES (MIF_INVALID_INTERFACES)" &&
		grep_log "$SG_SOCK" "IKE_AUTH request: the peer's MIF_INTERFACES refused (interface addresses run past the payload)" &&
		grep_log "$EU_SOCK" "IKE_AUTH: no Child SA: received MIF_UNACCEPTABLE_PATH" ||
		return 1
	wait_until 10 refused_children
	[ "$n" -eq 2 ] || { echo "$n Child SAs after IKE_AUTH refused, not 2"; return 1; }
	want "$SG" "$SG_SOCK" '(.children | length) == 0' &&
		[ -z "$(sg_sas)" ] || { sg_sas; return 1; }
}
tcase "refuse: MIF_INTERFACES refused in IKE_AUTH: IKE SA up, no list held, no path taken" \
	auth_list

# MIF notifies in IKE_SA_INIT are ignored: with MIF on, SG negotiates it
# in IKE_AUTH and holds the list of IKE_AUTH, not the plain one.
plain() {
	local mark
	mark=$(wc -l <"$SG_SOCK.log")
	eu_up plain 0 && three_up || return 1
	tail -n +"$((mark + 1))" "$SG_SOCK.log" >"$T/sg-plain.log"
	grep_log "$T/sg-plain" "IKE_SA_INIT request: MIF_SUPPORTED outside SK: ignored" &&
		grep_log "$T/sg-plain" "IKE_SA_INIT request: MIF_INTERFACES outside SK: ignored" &&
		grep_log "$EU_SOCK" "mifd-mangle: IKE_SA_INIT" &&
		want "$SG" "$SG_SOCK" "$peer_addrs == $eu_addrs"
}
tcase "refuse: MIF notifies in IKE_SA_INIT ignored, MIF negotiated in IKE_AUTH" plain

# ...and with mif = no on EU, they alone do not negotiate MIF.
plain_only() {
	local mark
	mark=$(wc -l <"$SG_SOCK.log")
	eu_up plain 0 "$T/eu-plain.conf" || return 1
	want "$SG" "$SG_SOCK" '(.mif.negotiated | not) and .mif.why == "peer_not_offered"' &&
		want "$SG" "$SG_SOCK" "$pairs == [\"10.88.0.2-10.88.0.1\"]" || return 1
	tail -n +"$((mark + 1))" "$SG_SOCK.log" >"$T/sg-plain.log"
	grep_log "$T/sg-plain" "MIF_SUPPORTED outside SK: ignored" &&
		grep_log "$T/sg-plain" "MIF not negotiated: the peer did not offer it" &&
		ping_pairs 0
}
tcase "refuse: MIF notifies in IKE_SA_INIT alone do not negotiate MIF" plain_only

# SG went through all of it as one process, without an error.
sg_clean() {
	! grep -E " (error|crit|alert|emerg): " "$SG_SOCK.log"
}
tcase "refuse: SG logged no error" sg_clean

stop() { mifd_stop; }
tcase "refuse: both mifd exit 0" stop
ksft_exit
