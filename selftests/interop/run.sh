#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The IKE interop tests, run as root in the test VM (tools/check interop):
#
#   tools/vm/run -k debian -m 3072 -t 3000 -- selftests/interop/run.sh [CASEFILE...]
#
# A harness: it runs the case files of this directory, mifd.sh (mifd
# against mifd), charon.sh (mifd against strongSwan), reconnect.sh (a
# peer that reboots under traffic), iface.sh (mifd's table of local
# interfaces follows the kernel), announce.sh (MIF negotiation and
# interface announcements between two mifd), dn.sh (distinguished names
# against charon), retry.sh (a connection that comes up by itself once
# its peer does), children.sh (several children per connection, with
# mifd and with charon), vip.sh and charon_vip.sh (inner addresses from a
# pool, between two mifd and with charon), fig7.sh and fig10.sh (adding an
# interface, its Child SAs derived in one exchange; fig8.sh with a new
# inner address, fig8v6.sh with an IPv6 one, by command and by itself),
# and the rest of the list below
# (each file's header says what it covers) when present and executable, or the
# files named on the command line, and merges their
# TAP into one stream, numbering the cases anew and prefixing each name
# with its file's. Other files here (lib.sh, helpers) are not run.
#
# A case file prints TAP ("ok N name", "not ok N name", "# comment", a plan
# "1..N" or "1..0 # SKIP why") and exits 0 (all passed), 1 (a failure) or
# 4 (skipped). Its other output is passed on as comments. A case file that
# dies without a single case, or with a status that disagrees with its
# cases, or that runs longer than $CASE_TIMEOUT (1200 s), counts as one
# more failure. That is twice what a case file took on a loaded machine
# under emulation, and well below the VM's timeout (tools/check), so that a
# hung case file is reported here by name.
#
# Several VMs can share the list (tools/check interop runs INTEROP_VMS of
# them): with MIF_INTEROP_QUEUE=DIR, a directory every VM mounts read-write
# (tools/vm/run -s), the case files are taken from DIR instead, one at a
# time, each by whichever VM is free first. DIR holds an empty file
# NNN-FILE.sh.todo per case file, in the order to run them; a VM takes one
# by renaming it to NNN-FILE.sh.MIF_INTEROP_RUNNER (a rename is atomic on
# the host's file system, so each is taken once), and afterwards renames
# it to NNN-FILE.sh.done. run.sh --list prints the default list's file
# names, one a line, to fill DIR.
#
# --list prints them longest first, by the times in took[] below (seconds
# per file in a make check): the VMs take files in that order, and
# a long file taken last would run alone while the other VMs sit idle
# (longest first, each VM ends within about one short file of the others).
# A file not in took[] comes first, as if it were long, until it is
# measured; the list itself, and a run without a queue, keep their order.
#
# Each file's cases are followed by "# FILE took N s".
#
# Exit status: 0 when every case passed or was skipped, 1 otherwise.
set -u

dir=$(cd "$(dirname "$0")" && pwd)
CASE_TIMEOUT=${CASE_TIMEOUT:-1200}

list=
[ "${1:-}" = --list ] && { list=1; shift; }
files=()
if [ $# -gt 0 ]; then
	for f in "$@"; do
		case $f in */*) files+=("$f") ;; *) files+=("$dir/$f") ;; esac
	done
else
	[ -x "$dir/mifd.sh" ] && files+=("$dir/mifd.sh")
	[ -x "$dir/charon.sh" ] && files+=("$dir/charon.sh")
	[ -x "$dir/reconnect.sh" ] && files+=("$dir/reconnect.sh")
	[ -x "$dir/iface.sh" ] && files+=("$dir/iface.sh")
	[ -x "$dir/announce.sh" ] && files+=("$dir/announce.sh")
	[ -x "$dir/dn.sh" ] && files+=("$dir/dn.sh")
	[ -x "$dir/retry.sh" ] && files+=("$dir/retry.sh")
	[ -x "$dir/children.sh" ] && files+=("$dir/children.sh")
	[ -x "$dir/vip.sh" ] && files+=("$dir/vip.sh")
	[ -x "$dir/charon_vip.sh" ] && files+=("$dir/charon_vip.sh")
	[ -x "$dir/fig1.sh" ] && files+=("$dir/fig1.sh")
	[ -x "$dir/families.sh" ] && files+=("$dir/families.sh")
	[ -x "$dir/fig2.sh" ] && files+=("$dir/fig2.sh")
	[ -x "$dir/fig11.sh" ] && files+=("$dir/fig11.sh")
	[ -x "$dir/fig12.sh" ] && files+=("$dir/fig12.sh")
	[ -x "$dir/refuse.sh" ] && files+=("$dir/refuse.sh")
	[ -x "$dir/frag.sh" ] && files+=("$dir/frag.sh")
	[ -x "$dir/nat.sh" ] && files+=("$dir/nat.sh")
	[ -x "$dir/del.sh" ] && files+=("$dir/del.sh")
	[ -x "$dir/fig7.sh" ] && files+=("$dir/fig7.sh")
	[ -x "$dir/fig10.sh" ] && files+=("$dir/fig10.sh")
	[ -x "$dir/fig3.sh" ] && files+=("$dir/fig3.sh")
	[ -x "$dir/fig6.sh" ] && files+=("$dir/fig6.sh")
	[ -x "$dir/fig13.sh" ] && files+=("$dir/fig13.sh")
	[ -x "$dir/forged.sh" ] && files+=("$dir/forged.sh")
	[ -x "$dir/fig4.sh" ] && files+=("$dir/fig4.sh")
	[ -x "$dir/faults.sh" ] && files+=("$dir/faults.sh")
	[ -x "$dir/mobike.sh" ] && files+=("$dir/mobike.sh")
	[ -x "$dir/alternates.sh" ] && files+=("$dir/alternates.sh")
	[ -x "$dir/fig8.sh" ] && files+=("$dir/fig8.sh")
	[ -x "$dir/scope.sh" ] && files+=("$dir/scope.sh")
	[ -x "$dir/scope_twice.sh" ] && files+=("$dir/scope_twice.sh")
	[ -x "$dir/fallback.sh" ] && files+=("$dir/fallback.sh")
	[ -x "$dir/trap.sh" ] && files+=("$dir/trap.sh")
	[ -x "$dir/fig8v6.sh" ] && files+=("$dir/fig8v6.sh")
	[ -x "$dir/peer_dead.sh" ] && files+=("$dir/peer_dead.sh")
	[ -x "$dir/nat_mobike.sh" ] && files+=("$dir/nat_mobike.sh")
	[ -x "$dir/child_up.sh" ] && files+=("$dir/child_up.sh")
	[ -x "$dir/drop.sh" ] && files+=("$dir/drop.sh")
	[ -x "$dir/ike_rekey.sh" ] && files+=("$dir/ike_rekey.sh")
	[ -x "$dir/window.sh" ] && files+=("$dir/window.sh")
	[ -x "$dir/mobike_resp.sh" ] && files+=("$dir/mobike_resp.sh")
fi
# Seconds per file, from "# FILE took N s" of tools/check's interop layer
# on a quiet 2-core machine (two interop VMs of one vCPU each: 1,192 and
# 1,189 s of files), for --list's order: refresh them when a file's time
# changes much.
declare -A took=(
	[charon]=234 [fig8v6]=151 [scope]=137 [reconnect]=130
	[alternates]=115 [faults]=98 [mobike_resp]=96 [refuse]=84
	[mifd]=80 [peer_dead]=74 [drop]=64 [frag]=59 [fig4]=59 [del]=59
	[scope_twice]=52 [forged]=50 [nat_mobike]=49 [ike_rekey]=49
	[child_up]=49 [fig8]=47 [trap]=46 [nat]=46 [fig10]=46 [fig2]=43
	[fig7]=41 [fig1]=36 [families]=35 [announce]=35 [window]=30
	[fig11]=29 [mobike]=27 [fig6]=24 [fig3]=24 [dn]=24 [fig12]=23
	[fallback]=23 [charon_vip]=23 [children]=22 [retry]=21 [fig13]=20
	[vip]=14 [iface]=13
)
if [ -n "$list" ]; then
	for f in "${files[@]}"; do
		f=${f##*/}
		echo "${took[${f%.sh}]:-100000} $f"
	done | sort -s -k1,1nr | cut -d' ' -f2
	exit 0
fi

echo "TAP version 13"
n=0
nfail=0

emit() {	# emit ok|not ok NAME
	n=$((n + 1))
	echo "$1 $n $2"
	[ "$1" = "ok" ] || nfail=$((nfail + 1))
}

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
modprobe -q xfrm_user 2>/dev/null
modprobe -q esp4 2>/dev/null
modprobe -q esp6 2>/dev/null
# Load the ESP algorithms now: loading them on first use can take seconds
# under QEMU, longer than the short retransmission timers of the tests.
warm_key=0x$(printf '%072d' 0)
ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x101 mode tunnel \
	aead 'rfc4106(gcm(aes))' "${warm_key:0:42}" 128 2>/dev/null
ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x102 mode tunnel \
	aead 'rfc4106(gcm(aes))' "${warm_key:0:74}" 128 2>/dev/null
ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x103 mode tunnel \
	enc 'cbc(aes)' "${warm_key:0:34}" auth-trunc 'hmac(sha256)' "${warm_key:0:66}" 128 2>/dev/null
ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x104 mode tunnel \
	aead 'rfc7539esp(chacha20,poly1305)' "${warm_key:0:74}" 128 2>/dev/null
for spi in 0x101 0x102 0x103 0x104; do
	ip xfrm state del src 192.0.2.1 dst 192.0.2.2 proto esp spi $spi 2>/dev/null
done

rcfile=$(mktemp /tmp/mif-interop-rc.XXXXXX)
trap 'rm -f "$rcfile"' EXIT

# run_file PATH: one case file, its cases merged into the stream.
run_file() {
	local f=$1 name cases fails skipped line rest rc t0
	t0=$(date +%s)
	name=${f##*/}
	name=${name%.sh}
	echo "# ==== $name ===="
	cases=0
	fails=0
	skipped=
	echo 125 >"$rcfile"
	while IFS= read -r line; do
		case $line in
		"TAP version"*) ;;
		"not ok "[0-9]*)
			rest=${line#not ok }
			rest=${rest#"${rest%%[!0-9]*}"}
			emit "not ok" "$name:${rest# }"
			cases=$((cases + 1))
			fails=$((fails + 1)) ;;
		"ok "[0-9]*)
			rest=${line#ok }
			rest=${rest#"${rest%%[!0-9]*}"}
			emit "ok" "$name:${rest# }"
			cases=$((cases + 1)) ;;
		"1..0"*"#"*)
			skipped=${line#*#} ;;
		"1.."[0-9]*) ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done < <(timeout -k 10 "$CASE_TIMEOUT" "$f" </dev/null 2>&1; echo $? >"$rcfile")
	rc=$(cat "$rcfile")
	if [ $cases -eq 0 ]; then
		if [ -n "$skipped" ] || [ "$rc" -eq 4 ]; then
			emit "ok" "$name # SKIP${skipped:- no cases}"
		else
			emit "not ok" "$name: no case ran (exit $rc)"
		fi
	elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		emit "not ok" "$name: timed out after ${CASE_TIMEOUT}s"
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] && [ $fails -eq 0 ]; then
		emit "not ok" "$name: exit status $rc"
	fi
	echo "# $name took $(( $(date +%s) - t0 )) s"
}

# claim: the queue's next entry, renamed to this runner's; its path on
# stdout. False when the queue is empty.
claim() {
	local e
	for e in "$MIF_INTEROP_QUEUE"/*.todo; do
		[ -e "$e" ] || return 1
		if mv "$e" "${e%.todo}.${MIF_INTEROP_RUNNER:-$$}" 2>/dev/null; then
			echo "${e%.todo}.${MIF_INTEROP_RUNNER:-$$}"
			return 0
		fi
	done
	return 1
}

ran=0
if [ -n "${MIF_INTEROP_QUEUE:-}" ]; then
	while e=$(claim); do
		f=${e##*/}
		f=${f#[0-9][0-9][0-9]-}
		run_file "$dir/${f%.*}"
		mv "$e" "${e%.*}.done"
		ran=$((ran + 1))
	done
else
	for f in "${files[@]}"; do
		run_file "$f"
		ran=$((ran + 1))
	done
fi

[ $ran -gt 0 ] || emit "ok" "interop # SKIP no case files"
echo "1..$n"
[ $nfail -eq 0 ]
