#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mifd against mifd: two daemons, one in each namespace of selftests/topo.sh
# (EU initiates, SG responds), with PSK authentication.
#
#   gcm1  eu1  tunnel     aes256gcm16-prfsha256-x25519 / aes256gcm16
#   cbc2  eu2  tunnel     aes128-sha256-modp2048 / aes128-sha256
#   tr3   eu3  transport  aes128gcm16-prfsha256-ecp256 / aes128gcm16
#   v6    eu3  tunnel     over IPv6 (fd01:3::1 <-> fd01:3::2), IPv4 inside
#
# Also: memory locked (VmLck), no core dump of a crashed mifd, lock_memory.
#
# Timers are short (QEMU is slow, the run must stay short): retransmission
# from 300 ms, 3 tries; DPD every 2 s on EU only.
TEST_NAME=mifd
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
source "$here/../topo.sh"
source "$here/lib.sh"

interop_start ip jq ping
modprobe -q esp6 2>/dev/null

T=$(mifd_tmpdir)
topo_setup || { echo "1..0 # SKIP cannot build the topology"; exit $KSFT_SKIP; }
for ns in "$EU" "$SG"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 >/dev/null
	for i in 1 2 3; do
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.eu$i.rp_filter=0" \
			>/dev/null 2>&1
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.sg$i.rp_filter=0" \
			>/dev/null 2>&1
	done
done
# Inner routes only need to exist: XFRM routes by the outer addresses.
for i in 1 2 3; do
	ip -n "$SG" route replace "$(topo_eu_inner "$i")/32" dev "sg$i"
done
ip -n "$EU" route replace "$TOPO_SG_INNER/32" dev eu1

PSK=0x6d69662d696e7465726f702d746573742d6b6579
EU_SOCK=$T/eu.sock
SG_SOCK=$T/sg.sock
EU_CONF=$T/eu.conf
SG_CONF=$T/sg.conf

# conn_section SIDE NAME I MODE IKE ESP: one [conn] section, SIDE eu or sg.
conn_section() {
	local side=$1 name=$2 i=$3 mode=$4 ike=$5 esp=$6 v6=${7:-}
	local me peer mid pid mts pts
	if [ "$side" = eu ]; then
		me=$(topo_eu_outer$v6 "$i") peer=$(topo_sg_outer$v6 "$i")
		mid=fqdn:eu.example pid=fqdn:sg.example
		mts=$(topo_eu_inner "$i")/32 pts=$TOPO_SG_INNER/32
	else
		me=$(topo_sg_outer$v6 "$i") peer=$(topo_eu_outer$v6 "$i")
		mid=fqdn:sg.example pid=fqdn:eu.example
		mts=$TOPO_SG_INNER/32 pts=$(topo_eu_inner "$i")/32
	fi
	cat <<-EOC
	[conn $name]
	local = $me
	remote = $peer
	local_id = $mid
	remote_id = $pid
	auth = psk
	psk = $PSK
	ike = $ike
	esp = $esp
	mode = $mode
	retransmit_base = 300ms
	retransmit_tries = 3
	dpd = $([ "$side" = eu ] && echo 2 || echo 0)
	EOC
	if [ "$mode" = tunnel ]; then
		echo "local_ts = $mts"
		echo "remote_ts = $pts"
	fi
	echo
}

write_conf() {	# write_conf SIDE FILE
	{
		echo "# mifd interop test, $1 side"
		echo "[mifd]"
		echo "log_level = debug"
		echo
		conn_section "$1" gcm1 1 tunnel aes256gcm16-prf_sha256-x25519 aes256gcm16
		conn_section "$1" cbc2 2 tunnel aes128-sha256-modp2048 aes128-sha256
		conn_section "$1" tr3 3 transport aes128gcm16-prf_sha256-ecp256 aes128gcm16
		conn_section "$1" v6 3 tunnel aes256gcm16-prf_sha384-x25519 aes256gcm16 6
		# Told apart from cbc2 by its proposal; EU's key is wrong.
		conn_section "$1" wpsk 2 tunnel aes256gcm16-prf_sha256-ecp256 aes256gcm16 |
			if [ "$1" = eu ]; then
				sed "s/^psk = .*/psk = 0x77726f6e672d7073$(printf %032d 0)/"
			else
				cat
			fi
	} >"$2"
}
write_conf eu "$EU_CONF"
write_conf sg "$SG_CONF"

eu() { mifd_ctl "$EU" "$EU_SOCK" "$@"; }
sg() { mifd_ctl "$SG" "$SG_SOCK" "$@"; }

# sa_field NS SOCK CONN JQ: one value of CONN's first IKE SA.
sa_field() {
	mifd_ctl "$1" "$2" -j ike list | jq -r --arg c "$3" \
		"[.ike_sas[] | select(.conn == \$c)][0] | $4"
}

# Both sides show CONN established, with the same IKE SPIs and crosswise
# Child SPIs.
spis_match() {
	local conn=$1 a b
	a=$(sa_field "$EU" "$EU_SOCK" "$conn" '"\(.state) \(.spi_i) \(.spi_r) \(.children[0].spi_in) \(.children[0].spi_out)"')
	b=$(sa_field "$SG" "$SG_SOCK" "$conn" '"\(.state) \(.spi_i) \(.spi_r) \(.children[0].spi_out) \(.children[0].spi_in)"')
	echo "EU: $a"
	echo "SG: $b"
	[ "${a%% *}" = established ] && [ "$a" = "$b" ] &&
		! grep -q null <<<"$a"
}

wait_up() {	# wait_up CONN: established on both sides
	mifd_wait_established "$EU" "$EU_SOCK" "$1" 30 &&
		mifd_wait_established "$SG" "$SG_SOCK" "$1" 10
}

up() {		# up CONN
	eu ike up "$1" -w 15 && wait_up "$1" || { eu ike list; sg ike list; return 1; }
}

# Outer addresses of CONN's Child SA on NS are those of interface I.
child_on_iface() {
	local ns=$1 sock=$2 conn=$3 want=$4 got
	got=$(sa_field "$ns" "$sock" "$conn" '"\(.children[0].local) \(.children[0].remote)"')
	echo "$conn child outer: $got, want $want"
	[ "$got" = "$want" ]
}

esp_packets() {	# esp_packets NS SPI (0x and hex, as ike list -j gives it)
	local p
	p=$(topo_esp_packets "$1" "$2")
	echo "${p:-0}"
}

# ping_esp CONN SRC DST [from SG too]: ping both ways, ESP counters rise.
ping_esp() {
	local conn=$1 eu_addr=$2 sg_addr=$3
	local out in o0 i0 o1 i1
	out=$(sa_field "$EU" "$EU_SOCK" "$conn" '.children[0].spi_out')
	in=$(sa_field "$EU" "$EU_SOCK" "$conn" '.children[0].spi_in')
	o0=$(esp_packets "$EU" "$out")
	i0=$(esp_packets "$EU" "$in")
	ip netns exec "$EU" ping -q -c 3 -i 0.2 -W 2 -I "$eu_addr" "$sg_addr" || return 1
	ip netns exec "$SG" ping -q -c 3 -i 0.2 -W 2 -I "$sg_addr" "$eu_addr" || return 1
	o1=$(esp_packets "$EU" "$out")
	i1=$(esp_packets "$EU" "$in")
	echo "ESP packets on EU: out $out $o0 -> $o1, in $in $i0 -> $i1"
	ip -n "$EU" -s xfrm state
	[ "$o1" -ge $((o0 + 6)) ] && [ "$i1" -ge $((i0 + 6)) ]
}

# No IKE SA of CONN on either side, nor its kernel SAs.
conn_gone() {
	local conn=$1 i=$2 ns sock
	for ns in EU SG; do
		sock=${ns}_SOCK
		if [ "$(mifd_ctl "${!ns}" "${!sock}" -j ike list | jq --arg c "$conn" \
			'[.ike_sas[] | select(.conn == $c)] | length')" != 0 ]; then
			echo "$ns still lists $conn"
			return 1
		fi
		if ip -n "${!ns}" xfrm state | grep -q "10\.1\.$i\."; then
			echo "$ns still has kernel SAs over interface $i"
			ip -n "${!ns}" xfrm state
			return 1
		fi
		if ip -n "${!ns}" xfrm policy | grep -q "10\.1\.$i\."; then
			echo "$ns still has policies over interface $i"
			return 1
		fi
	done
}

_conn_gone() { conn_gone "$@" >/dev/null 2>&1; }
wait_gone() {	# wait_gone CONN I [SECONDS]
	wait_until "${3:-10}" _conn_gone "$1" "$2" || conn_gone "$1" "$2"
}

no_kernel_state() {	# no_kernel_state NS
	local s p
	s=$(ip -n "$1" xfrm state)
	p=$(ip -n "$1" xfrm policy)
	[ -z "$s" ] && [ -z "$p" ] && return 0
	echo "state: $s"
	echo "policy: $p"
	return 1
}

_no_kernel_state() { no_kernel_state "$1" >/dev/null; }
wait_no_kernel_state() {
	wait_until 10 _no_kernel_state "$1" || no_kernel_state "$1"
}

# Configuration checks.

bad_conf() {
	cat >"$T/bad.conf" <<-EOC
	[mifd]
	log_level = debug

	[conn x]
	local = 10.1.1.1
	remote = 10.1.1.300
	psk = secret
	ike = aes256gcm16-prf_sha256-modp1024
	colour = blue
	EOC
}
bad_conf

config_ok() { "$MIFD" -n -f "$EU_CONF" && "$MIFD" -n -f "$SG_CONF"; }

config_refused() {
	local out
	if out=$("$MIFD" -n -f "$T/bad.conf" 2>&1); then
		echo "accepted: $out"
		return 1
	fi
	echo "$out"
	grep -q "bad.conf:6: remote" <<<"$out" &&
		grep -q "bad.conf:7: psk: shorter than 16 bytes" <<<"$out" &&
		grep -q "bad.conf:8: ike: unknown algorithm \"modp1024\"" <<<"$out" &&
		grep -q "bad.conf:9: unknown key \"colour\"" <<<"$out"
}

start_refused() {
	local rc out
	out=$(ip netns exec "$EU" timeout 10 "$MIFD" -d -f "$T/bad.conf" \
		-s "$T/bad.sock" 2>&1)
	rc=$?
	echo "$out"
	[ $rc -eq 1 ] && grep -q "bad.conf:6:" <<<"$out" && [ ! -S "$T/bad.sock" ]
}

tcase "config: the test configurations load" config_ok
tcase "config: bad file refused, each problem with file:line" config_refused
tcase "config: mifd does not start on a bad file" start_refused

start_both() {
	mifd_start "$SG" "$SG_CONF" "$SG_SOCK" || { mifd_log "$SG_SOCK"; return 1; }
	mifd_start "$EU" "$EU_CONF" "$EU_SOCK" || { mifd_log "$EU_SOCK"; return 1; }
	eu ike status && sg ike status
}
if ! tcase "daemons start in both namespaces" start_both; then
	mifd_log "$EU_SOCK"
	mifd_log "$SG_SOCK"
	ksft_exit
fi

control_errors() {
	local out
	out=$(eu -j ike raw 'this is not json') && return 1
	echo "$out"
	jq -e .error <<<"$out" >/dev/null || return 1
	out=$(eu -j ike raw '{"cmd":"frobnicate"}') && return 1
	jq -e .error <<<"$out" >/dev/null || return 1
	out=$(eu -j ike raw '{"cmd":"up"}') && return 1
	jq -e .error <<<"$out" >/dev/null || return 1
	out=$(eu ike up nosuchconn 2>&1) && return 1
	echo "$out"
	eu ike status >/dev/null
}
tcase "control: malformed requests get an error, mifd keeps running" control_errors

# Keys out of swap: mlockall at start (lock_memory = yes, the default), so
# /proc/PID/status shows locked memory.
vm_locked_kb() { awk '$1 == "VmLck:" { print $2 }' "/proc/$1/status"; }
memory_locked() {
	local s pid kb
	for s in "$EU_SOCK" "$SG_SOCK"; do
		pid=$(mifd_pid "$s")
		kb=$(vm_locked_kb "$pid")
		echo "mifd $pid ($s): VmLck ${kb:-?} kB"
		[ "${kb:-0}" -gt 0 ] || return 1
	done
}
tcase "memory: both mifd locked in memory (VmLck > 0 kB)" memory_locked

# A second mifd on EU's socket stops there; EU's own keeps it and answers.
control_taken() {
	local out rc
	out=$(ip netns exec "$EU" timeout 10 "$MIFD" -d -f "$EU_CONF" \
		-s "$EU_SOCK" 2>&1)
	rc=$?
	echo "$out"
	[ $rc -eq 1 ] && grep -q "another mifd runs there" <<<"$out" &&
		[ -S "$EU_SOCK" ] && eu ike status >/dev/null
}
tcase "control: a second mifd on the socket is refused, the first answers" control_taken

# 1. AES-GCM tunnel over eu1.
tcase "gcm1: IKE SA up (PSK, AES-GCM, x25519)" up gcm1
tcase "gcm1: both sides list it established with matching SPIs" spis_match gcm1
tcase "gcm1: Child SA uses eu1's addresses on both sides" eval \
	'child_on_iface "$EU" "$EU_SOCK" gcm1 "10.1.1.1 10.1.1.2" &&
	 child_on_iface "$SG" "$SG_SOCK" gcm1 "10.1.1.2 10.1.1.1"'
tcase "gcm1: ESP ping both ways, ESP counters rise" \
	ping_esp gcm1 "$(topo_eu_inner 1)" "$TOPO_SG_INNER"
tcase "gcm1: plain text list" eval 'eu ike list | grep -q "gcm1: IKE SA established"'
down_gcm1() { eu ike down gcm1 && wait_gone gcm1 1 10; }
tcase "gcm1: mifctl ike down removes all SAs on both sides" down_gcm1

# 2. AES-CBC + HMAC-SHA-256 over eu2.
algs_cbc() {
	local a
	a=$(sa_field "$EU" "$EU_SOCK" cbc2 '"\(.encr) \(.integ) \(.dh) \(.children[0].encr) \(.children[0].integ)"')
	echo "$a"
	[ "$a" = "aes128 sha256 modp2048 aes128 sha256" ]
}
tcase "cbc2: IKE SA up (aes128-sha256-modp2048)" up cbc2
tcase "cbc2: AES-CBC/HMAC-SHA-256 negotiated for IKE and ESP" algs_cbc
tcase "cbc2: SPIs match" spis_match cbc2
tcase "cbc2: ESP ping both ways" ping_esp cbc2 "$(topo_eu_inner 2)" "$TOPO_SG_INNER"

# 3. Two IKE SAs at once: gcm1 over eu1 next to cbc2 over eu2.
two_sas() {
	local n
	n=$(eu -j ike list | jq '[.ike_sas[] | select(.state == "established")] | length')
	echo "EU: $n established IKE SAs"
	[ "$n" -ge 2 ] &&
		child_on_iface "$EU" "$EU_SOCK" gcm1 "10.1.1.1 10.1.1.2" &&
		child_on_iface "$EU" "$EU_SOCK" cbc2 "10.1.2.1 10.1.2.2" &&
		child_on_iface "$SG" "$SG_SOCK" gcm1 "10.1.1.2 10.1.1.1" &&
		child_on_iface "$SG" "$SG_SOCK" cbc2 "10.1.2.2 10.1.2.1"
}
tcase "concurrent: gcm1 up again while cbc2 is up" up gcm1
tcase "concurrent: two IKE SAs, each Child SA on its own interface" two_sas
tcase "concurrent: ESP ping over both" eval \
	'ping_esp gcm1 "$(topo_eu_inner 1)" "$TOPO_SG_INNER" &&
	 ping_esp cbc2 "$(topo_eu_inner 2)" "$TOPO_SG_INNER"'

# 4. Transport mode over eu3.
transport_mode() {
	sa_field "$EU" "$EU_SOCK" tr3 '.children[0].mode' | grep -qx transport &&
		sa_field "$SG" "$SG_SOCK" tr3 '.children[0].mode' | grep -qx transport &&
		ip -n "$EU" xfrm state | grep -q "mode transport"
}
tcase "tr3: IKE SA up in transport mode" up tr3
tcase "tr3: Child SA in transport mode on both sides" transport_mode
tcase "tr3: SPIs match" spis_match tr3
tcase "tr3: ESP ping between the outer addresses" \
	ping_esp tr3 "$(topo_eu_outer 3)" "$(topo_sg_outer 3)"
tcase "tr3: down" eval 'eu ike down tr3 && wait_gone tr3 3 10'

# 5. IPv6 outer addresses over eu3 (IPv4 inside).
tcase "v6: IKE SA up over IPv6" up v6
tcase "v6: SPIs match" spis_match v6
tcase "v6: Child SA uses eu3's IPv6 addresses on both sides" eval \
	'child_on_iface "$EU" "$EU_SOCK" v6 "fd01:3::1 fd01:3::2" &&
	 child_on_iface "$SG" "$SG_SOCK" v6 "fd01:3::2 fd01:3::1"'
tcase "v6: ESP ping both ways" ping_esp v6 "$(topo_eu_inner 3)" "$TOPO_SG_INNER"
_no_v6_states() {
	! ip -n "$EU" xfrm state | grep -q fd01 &&
		! ip -n "$SG" xfrm state | grep -q fd01
}
v6_down() {
	eu ike down v6 || return 1
	wait_until 10 _no_v6_states
}
tcase "v6: down" v6_down

# 6. Reload: a bad file is refused and changes nothing; a good one keeps
# the SAs of unchanged connections, and of those where only settings not
# negotiated (dpd) changed.
reload_bad() {
	local out rc
	cp "$EU_CONF" "$T/eu.good"
	cp "$T/bad.conf" "$EU_CONF"
	out=$(eu ike reload 2>&1)
	rc=$?
	cp "$T/eu.good" "$EU_CONF"
	echo "$out"
	[ $rc -eq 1 ] && grep -q "eu.conf:6:" <<<"$out" && spis_match gcm1
}
reload_good() {
	local before after
	before=$(sa_field "$EU" "$EU_SOCK" gcm1 .spi_i)
	eu ike reload || return 1
	kill -HUP "$(mifd_pid "$EU_SOCK")"
	nap 0.5
	after=$(sa_field "$EU" "$EU_SOCK" gcm1 .spi_i)
	echo "gcm1 spi_i $before -> $after"
	[ "$before" = "$after" ] && spis_match gcm1
}
# A change of dpd only: the SAs stay, with the SPIs the kernel has.
kernel_spis() { ip -n "$1" xfrm state | awk '$3 == "spi" { print $4 }' | sort; }
reload_dpd() {
	local before after rc=0
	before=$(kernel_spis "$EU")
	cp "$EU_CONF" "$T/eu.good"
	sed -i 's/^dpd = 2$/dpd = 3/' "$EU_CONF"
	eu ike reload || rc=1
	cp "$T/eu.good" "$EU_CONF"
	nap 0.5
	after=$(kernel_spis "$EU")
	echo "EU SPIs before:" $before
	echo "EU SPIs after: " $after
	grep "conn gcm1: updated" "$EU_SOCK.log"
	[ $rc -eq 0 ] && [ -n "$before" ] && [ "$before" = "$after" ] &&
		spis_match gcm1 && spis_match cbc2 &&
		grep -q "conn gcm1: updated (dpd), 1 IKE SAs kept" "$EU_SOCK.log" &&
		eu ike reload >/dev/null	# dpd = 2 s again
}
tcase "reload: bad file refused with file:line, SAs untouched" reload_bad
tcase "reload: same file (control and SIGHUP) keeps the SAs" reload_good
tcase "reload: dpd changed, the SAs and their kernel SPIs kept" reload_dpd

# 7. A wrong pre-shared key: ike up -w says why at once, and both sides
# keep it as the connection's last error.
last_error() {	# last_error SIDE CONN JQ: a test on CONN's last_error
	"$1" -j ike status | jq -e --arg c "$2" \
		".conns[] | select(.name == \$c) | .last_error | $3" >/dev/null
}
wrong_psk() {
	local out rc took start=$SECONDS
	out=$(eu ike up wpsk -w 20 2>&1)
	rc=$?
	took=$((SECONDS - start))
	echo "$out (exit $rc, $took s)"
	eu ike status | grep -A1 "^conn wpsk"
	# Well before the 20 s that -w waits at most, on a loaded machine too.
	[ $rc -eq 1 ] && [ $took -lt 15 ] &&
		grep -q "wpsk: failed: IKE_AUTH refused: received AUTHENTICATION_FAILED" <<<"$out" &&
		last_error eu wpsk '.notify == 24 and .notify_name == "AUTHENTICATION_FAILED" and .final and (.notify_sent | not)' &&
		last_error sg wpsk '.notify_sent and (.reason | test("pre-shared keys differ"))' &&
		eu ike status | grep -A1 "^conn wpsk" | grep -q "last error .* s ago): IKE_AUTH refused"
}
tcase "wpsk: wrong PSK, ike up -w fails at once with the reason, kept in status" wrong_psk

# 8. DPD: cut eu1; EU (dpd = 2 s, 3 retransmissions from 300 ms) notices
# and removes gcm1; cbc2 over eu2 is not affected.
_gcm1_gone() {
	[ "$(eu -j ike list | jq '[.ike_sas[] | select(.conn == "gcm1")] | length')" = 0 ]
}
dpd_cut() {
	ip -n "$EU" link set eu1 down
	wait_until 15 _gcm1_gone
	ip -n "$EU" link set eu1 up
	if ip -n "$EU" xfrm state | grep -q "10\.1\.1\."; then
		ip -n "$EU" xfrm state
		return 1
	fi
	[ "$(eu -j ike list | jq '[.ike_sas[] | select(.conn == "gcm1")] | length')" = 0 ] &&
		spis_match cbc2
}
tcase "dpd: link cut, EU removes the dead IKE SA and its Child SAs" dpd_cut

# 9. SIGTERM: every SA deleted, the peer told.
_sg_cbc2_gone() {
	sg -j ike list | jq -e '[.ike_sas[] | select(.conn == "cbc2")] | length == 0' \
		>/dev/null && ! ip -n "$SG" xfrm state | grep -q "10\.1\.2\."
}
sigterm() {
	mifd_stop "$EU" "$EU_SOCK" || { echo "EU exited non-zero"; return 1; }
	no_kernel_state "$EU" || return 1
	wait_until 10 _sg_cbc2_gone && return 0
	sg ike list
	ip -n "$SG" xfrm state
	return 1
}
sigterm_sg() {
	mifd_stop "$SG" "$SG_SOCK" || { echo "SG exited non-zero"; return 1; }
	no_kernel_state "$SG"
}
tcase "sigterm: EU exits 0, no SA or policy left, SG told" sigterm
tcase "sigterm: SG exits 0, no SA or policy left" sigterm_sg

# 10. Keys out of core dumps: mifd makes itself undumpable at start, so a
# crash leaves no core even with an unlimited core limit; sleep, started
# the same way, shows that this host writes cores. The daemon started here
# has lock_memory = no: nothing locked, undumpable all the same.
core_count() { find "$T/cores" -name 'core.*' | wc -l; }
no_core_dump() {
	local pattern pid rc=0 kb n
	pattern=$(cat /proc/sys/kernel/core_pattern)
	mkdir -p "$T/cores"
	sed 's/^\[mifd\]$/[mifd]\nlock_memory = no/' "$EU_CONF" >"$T/nolock.conf"
	chmod 600 "$T/nolock.conf"
	echo "$T/cores/core.%e.%p" >/proc/sys/kernel/core_pattern
	bash -c 'ulimit -c unlimited; exec sleep 30' &
	pid=$!
	nap 0.5
	kill -SEGV "$pid"
	wait "$pid" 2>/dev/null
	n=$(core_count)
	echo "sleep killed by SIGSEGV: $n core files"
	[ "$n" -ge 1 ] || rc=1
	ip netns exec "$EU" bash -c 'ulimit -c unlimited; exec "$0" -d -f "$1" -s "$2"' \
		"$MIFD" "$T/nolock.conf" "$T/nolock.sock" >"$T/nolock.log" 2>&1 &
	pid=$!
	wait_until 10 test -S "$T/nolock.sock"
	kb=$(vm_locked_kb "$pid")
	echo "mifd $pid with lock_memory = no: VmLck ${kb:-?} kB"
	[ "${kb:-1}" = 0 ] || rc=1
	kill -SEGV "$pid"
	wait "$pid" 2>/dev/null
	nap 0.5
	echo "$pattern" >/proc/sys/kernel/core_pattern
	echo "mifd killed by SIGSEGV: $(($(core_count) - n)) core files"
	ls -l "$T/cores"
	[ "$(core_count)" = "$n" ] || rc=1
	rm -rf "$T/cores"
	ip -n "$EU" xfrm state flush
	ip -n "$EU" xfrm policy flush
	return $rc
}
tcase "memory: a crashed mifd leaves no core dump; lock_memory = no locks nothing" no_core_dump

if [ $ksft_nfail -gt 0 ]; then
	log "EU log:"
	mifd_log "$EU_SOCK"
	log "SG log:"
	mifd_log "$SG_SOCK"
fi
ksft_exit
