#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A connection that comes up by itself: EU's mifd, with a start = yes
# connection, starts while SG has no mifd yet; EU keeps trying (ike status
# shows it connecting, its attempts and the last error), and once SG's
# mifd starts the connection comes up without a command. Then SG crashes
# and comes back: EU's dpd_action = restart brings the connection up
# again. Last, SG stops (its Delete restarts EU's attempts, close_action
# = restart), and ike down stops them.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh retry.sh
TEST_NAME=retry
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"

interop_start ip jq
T=$(mifd_tmpdir)
make_netns EU && make_netns SG ||
	{ echo "1..0 # SKIP cannot make namespaces"; exit $KSFT_SKIP; }
ip -n "$EU" link add rt0 type veth peer name prt0 netns "$SG" &&
	ip -n "$EU" addr add 10.89.0.1/24 dev rt0 &&
	ip -n "$SG" addr add 10.89.0.2/24 dev prt0 &&
	ip -n "$EU" link set rt0 up && ip -n "$SG" link set prt0 up ||
	{ echo "1..0 # SKIP cannot set up the veth"; exit $KSFT_SKIP; }

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
conf() {	# conf ME PEER [LINE...]: LINEs added to the section
	cat <<-CONF
	[mifd]
	log_level = info

	[conn r]
	local = $1
	remote = $2
	psk = $PSK
	local_ts = $1/32
	remote_ts = $2/32
	retransmit_base = 300ms
	retransmit_tries = 2
	CONF
	shift 2
	printf '%s\n' "$@"
}
conf 10.89.0.1 10.89.0.2 "dpd = 1" "dpd_action = restart" \
	"close_action = restart" "start = yes" >"$T/eu.conf"
conf 10.89.0.2 10.89.0.1 "dpd = 0" >"$T/sg.conf"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }

# retrying JQ: poll (20 s) until EU's ike status shows conn r trying and
# its retry object passes the jq test.
_retrying() {
	eu -j ike status | jq -e '.conns[] | select(.name == "r") |
		.state == "connecting" and (.retry | '"$1"')' >/dev/null
}
retrying() {
	wait_until 20 _retrying "$1" && return 0
	echo "wanted: $1"
	eu ike status
	return 1
}

# logged TEXT: poll (10 s) until EU's log has TEXT; the status may show
# an attempt scheduled before its line is logged.
logged() {
	wait_until 10 grep -q "$1" "$EU_SOCK.log"
}

alone() {
	mifd_start "$EU" "$T/eu.conf" "$EU_SOCK" &&
		retrying '.attempt >= 2 and .keyingtries == 0 and
			(.last_error | test("not answered"))' &&
		logged "conn r: attempt 2; last error: IKE_SA_INIT request not answered" &&
		eu ike status | grep -q "^  connecting, attempt [0-9]*, .*last error: " &&
		eu ike list | grep -q "^r: connecting, attempt "
}
tcase "SG down: EU's start = yes connection keeps trying, shown in status and list" alone

comes_up() {
	mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		mifd_wait_established "$EU" "$EU_SOCK" r 30 &&
		mifd_wait_established "$SG" "$SG_SOCK" r 10 &&
		eu -j ike status | jq -e '.conns[] | select(.name == "r") |
			.state == "up" and (has("retry") | not)' >/dev/null &&
		grep -q "conn r: up at attempt" "$EU_SOCK.log"
}
tcase "SG's mifd starts: the connection comes up without a command" comes_up

restart() {
	mifd_crash "$SG" "$SG_SOCK" &&
		ip -n "$SG" xfrm state flush && ip -n "$SG" xfrm policy flush &&
		mifd_start "$SG" "$T/sg.conf" "$SG_SOCK" &&
		mifd_wait_established "$EU" "$EU_SOCK" r 30 &&
		mifd_wait_established "$SG" "$SG_SOCK" r 10 &&
		grep -q "conn r: peer not answering (DPD): restarting (dpd_action = restart)" \
			"$EU_SOCK.log"
}
tcase "SG crashes and returns: dpd_action = restart brings it up again" restart

down() {
	local out
	mifd_stop "$SG" "$SG_SOCK" &&
		retrying '.attempt >= 1' &&
		out=$(eu -j ike down r) &&
		jq -e '.note == "no more attempts"' <<<"$out" >/dev/null &&
		sleep 3 &&
		eu -j ike status | jq -e '.conns[] | select(.name == "r") |
			.state == "down" and (has("retry") | not)' >/dev/null
}
tcase "SG stops: close_action = restart tries again, ike down stops it" down

stop() { mifd_stop; }
tcase "mifd exits 0" stop
ksft_exit
