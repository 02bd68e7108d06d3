#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The XFRM netlink backend (user/backend/xfrm.c) against a real kernel: SAs
# and policies it installs on both peers of topo.sh are exactly what was
# asked for (algorithms, SPIs, reqid, mark, if_id), carry ESP traffic, are
# counted by sa_stats, and are gone after del_sa/del_policy.
#
# The helper program is built on the host (the VM's root is read-only) by
# make selftest-progs, into build/selftests/.
TEST_NAME=xfrm_backend
source "$(dirname "$0")/lib.sh"
source "$SELFTEST_DIR/topo.sh"

PROG=${XFRM_BACKEND_PROG:-$REPO_DIR/build/selftests/xfrm_backend_prog}
[ -x "$PROG" ] || { echo "1..0 # SKIP $PROG not built (make selftest-progs)"; exit $KSFT_SKIP; }

require_root
require_cmd ip ping
modprobe -q xfrm_user && modprobe -q esp4 || { echo "1..0 # SKIP no ESP"; exit $KSFT_SKIP; }
modprobe -q xfrm_interface 2>/dev/null
topo_setup >/dev/null 2>&1
check "topology" test -n "$EU" -a -n "$SG"

# prog NS ARGS...: the backend, in a namespace.
prog() { ip netns exec "$1" "$PROG" "${@:2}"; }
# hexkey N BYTES: a deterministic key.
hexkey() { printf '0x%0*x' $(($2 * 2)) "$1"; }
state() { ip -n "$1" xfrm state list spi "$2"; }
policy() { ip -n "$1" xfrm policy list dir "$2" src "$3" dst "$4"; }
nstates() { ip -n "$1" xfrm state | grep -c '^src'; }
npolicies() { ip -n "$1" xfrm policy | grep -c '^src'; }
# has TEXT CMD...: CMD's output holds TEXT (a fixed string).
has() {
	local want=$1 out
	shift
	out=$("$@") || return 1
	grep -qF -e "$want" <<<"$out" || { printf 'want: %s\ngot:\n%s\n' "$want" "$out"; return 1; }
}
packets() { prog "$1" stats dst="$2" spi="$3" "${@:4}" | awk '{ print $4 }'; }
# rises NS DST SPI BEFORE: the SA's packet count went past BEFORE.
rises() {
	local now
	now=$(packets "$1" "$2" "$3") || return 1
	[ "$now" -gt "$4" ] || { echo "packets $now, before $4"; return 1; }
}
hexspi() { printf '0x%08x' "$1"; }

SI=$TOPO_SG_INNER
# ---- 1. Tunnel, AES-GCM-16 (128), inbound SPIs from alloc_spi, over eu1.
e1=$(topo_eu_outer 1) s1=$(topo_sg_outer 1) i1=$(topo_eu_inner 1)
gk1=$(hexkey 0x11 20) gk2=$(hexkey 0x12 20)
# Each side allocates its inbound SPI and installs that SA in one run. The
# SPI is mifd's own choice: nothing is in the kernel before the SA (no larval
# state, which XFRM_MSG_ALLOCSPI would leave).
out=$(prog "$EU" alloc-spi "$s1" "$e1" 1)
check "alloc-spi alone adds no state" test -n "$out" -a "$(nstates "$EU")" = 0
check "a given-out SPI never added: its delete succeeds" \
	prog "$EU" alloc-spi "$s1" "$e1" 1 , del-sa dst="$e1" spi=@
check_fails "an SPI not ours and not in the kernel: its delete fails" \
	prog "$EU" del-sa dst="$e1" spi=0x1234
out=$(prog "$EU" alloc-spi "$s1" "$e1" 1 , add-sa src="$s1" dst="$e1" spi=@ reqid=1 \
	encr=gcm128 key="$gk1")
check "gcm: EU alloc-spi + add-sa inbound" test -n "$out"
spi_eu_in=$(hexspi "$out")
out=$(prog "$SG" alloc-spi "$e1" "$s1" 1 , add-sa src="$e1" dst="$s1" spi=@ reqid=1 \
	encr=gcm128 key="$gk2")
check "gcm: SG alloc-spi + add-sa inbound" test -n "$out"
spi_sg_in=$(hexspi "$out")
check "gcm: SPIs in 0x100-0xffffffff" sh -c '[ $(($0)) -ge 256 ] && [ $(($1)) -ge 256 ]' "$spi_eu_in" "$spi_sg_in"
check "gcm: EU add-sa outbound" prog "$EU" add-sa src="$e1" dst="$s1" spi="$spi_sg_in" \
	reqid=1 encr=gcm128 key="$gk2"
check "gcm: SG add-sa outbound" prog "$SG" add-sa src="$s1" dst="$e1" spi="$spi_eu_in" \
	reqid=1 encr=gcm128 key="$gk1"
check "gcm: EU policies" prog "$EU" \
	add-policy src="$i1/32" dst="$SI/32" dir=out tsrc="$e1" tdst="$s1" reqid=1 prio=1000 , \
	add-policy src="$SI/32" dst="$i1/32" dir=in tsrc="$s1" tdst="$e1" reqid=1 prio=1000
check "gcm: SG policies" prog "$SG" \
	add-policy src="$SI/32" dst="$i1/32" dir=out tsrc="$s1" tdst="$e1" reqid=1 prio=1000 , \
	add-policy src="$i1/32" dst="$SI/32" dir=in tsrc="$e1" tdst="$s1" reqid=1 prio=1000
ip -n "$EU" route replace "$SI/32" dev eu1
ip -n "$SG" route replace "$i1/32" dev sg1

check "gcm: EU inbound SA as asked" has "aead rfc4106(gcm(aes)) $gk1 128" state "$EU" "$spi_eu_in"
check "gcm: EU inbound SA tunnel, reqid 1" has "proto esp spi $spi_eu_in reqid 1 mode tunnel" state "$EU" "$spi_eu_in"
check "gcm: EU inbound SA addresses" has "src $s1 dst $e1" state "$EU" "$spi_eu_in"
check "gcm: inbound SA once" test "$(state "$EU" "$spi_eu_in" | grep -c '^src')" = 1
check "gcm: EU outbound SA as asked" has "aead rfc4106(gcm(aes)) $gk2 128" state "$EU" "$spi_sg_in"
check "gcm: SG SAs mirror EU's" test "$(state "$SG" "$spi_sg_in" | grep aead)$(state "$SG" "$spi_eu_in" | grep aead)" = \
	"$(state "$EU" "$spi_sg_in" | grep aead)$(state "$EU" "$spi_eu_in" | grep aead)"
check "gcm: EU out policy template" has "tmpl src $e1 dst $s1" policy "$EU" out "$i1/32" "$SI/32"
check "gcm: EU out policy reqid" has "proto esp reqid 1 mode tunnel" policy "$EU" out "$i1/32" "$SI/32"
check "gcm: EU out policy priority" has "dir out priority 1000" policy "$EU" out "$i1/32" "$SI/32"
check "gcm: EU in policy template" has "tmpl src $s1 dst $e1" policy "$EU" in "$SI/32" "$i1/32"
check "gcm: 2 states, 2 policies per side" test "$(nstates "$EU")$(npolicies "$EU")$(nstates "$SG")$(npolicies "$SG")" = 2222

b_out=$(packets "$EU" "$s1" "$spi_sg_in")
b_in=$(packets "$EU" "$e1" "$spi_eu_in")
check "gcm: stats before traffic" test -n "$b_out" -a -n "$b_in"
check "gcm: ping through the tunnel" topo_ping 1
check "gcm: outbound ESP packets rise" rises "$EU" "$s1" "$spi_sg_in" "$b_out"
check "gcm: inbound ESP packets rise" rises "$EU" "$e1" "$spi_eu_in" "$b_in"
check "gcm: stats agree with ip -s" test "$(packets "$EU" "$s1" "$spi_sg_in")" = \
	"$(topo_esp_packets "$EU" "$spi_sg_in")"
check "gcm: use_time set" sh -c '[ "$(ip netns exec "$0" "$1" stats dst="$2" spi="$3" | awk "{ print \$6 }")" -gt 0 ]' \
	"$EU" "$PROG" "$s1" "$spi_sg_in"
check_fails "gcm: duplicate SA refused" prog "$EU" add-sa src="$e1" dst="$s1" spi="$spi_sg_in" \
	reqid=1 encr=gcm128 key="$gk2"

# ---- 2. Tunnel, AES-CBC-128 + HMAC-SHA2-256-128, if_id 42 with an XFRM
# interface on each side, over eu2; replay window 64 (XFRMA_REPLAY_ESN_VAL).
e2=$(topo_eu_outer 2) s2=$(topo_sg_outer 2) i2=$(topo_eu_inner 2)
ck1=$(hexkey 0x21 16) ak1=$(hexkey 0x31 32) ck2=$(hexkey 0x22 16) ak2=$(hexkey 0x32 32)
cbc_sas() { # NS: both SAs of the pair
	prog "$1" add-sa src="$s2" dst="$e2" spi=0x2001 reqid=2 if_id=42 replay=64 \
		encr=cbc128 key="$ck1" integ=sha256 ikey="$ak1" , \
		add-sa src="$e2" dst="$s2" spi=0x2002 reqid=2 if_id=42 replay=64 \
		encr=cbc128 key="$ck2" integ=sha256 ikey="$ak2"
}
check "cbc: EU SAs" cbc_sas "$EU"
check "cbc: SG SAs" cbc_sas "$SG"
check "cbc: EU policies" prog "$EU" \
	add-policy src="$i2/32" dst="$SI/32" dir=out tsrc="$e2" tdst="$s2" reqid=2 if_id=42 , \
	add-policy src="$SI/32" dst="$i2/32" dir=in tsrc="$s2" tdst="$e2" reqid=2 if_id=42
check "cbc: SG policies" prog "$SG" \
	add-policy src="$SI/32" dst="$i2/32" dir=out tsrc="$s2" tdst="$e2" reqid=2 if_id=42 , \
	add-policy src="$i2/32" dst="$SI/32" dir=in tsrc="$e2" tdst="$s2" reqid=2 if_id=42
xfrmi_ok=1
for ns in "$EU" "$SG"; do
	dev=eu2
	[ "$ns" = "$SG" ] && dev=sg2
	ip -n "$ns" link add ipsec42 type xfrm dev "$dev" if_id 42 2>/dev/null &&
		ip -n "$ns" link set ipsec42 up || xfrmi_ok=0
done
ip -n "$EU" rule add from "$i2" lookup 42 2>/dev/null
ip -n "$EU" route add "$SI/32" dev ipsec42 table 42 2>/dev/null
ip -n "$SG" route add "$i2/32" dev ipsec42 2>/dev/null

check "cbc: EU inbound SA cipher" has "enc cbc(aes) $ck1" state "$EU" 0x2001
check "cbc: EU inbound SA integrity" has "auth-trunc hmac(sha256) $ak1 128" state "$EU" 0x2001
check "cbc: EU outbound SA keys" has "auth-trunc hmac(sha256) $ak2 128" state "$EU" 0x2002
check "cbc: SA reqid, tunnel" has "proto esp spi 0x00002001 reqid 2 mode tunnel" state "$EU" 0x2001
check "cbc: SA if_id" has "if_id 0x2a" state "$EU" 0x2001
check "cbc: SA replay window 64" has "replay_window 64" state "$EU" 0x2001
check "cbc: out policy if_id" has "if_id 0x2a" policy "$EU" out "$i2/32" "$SI/32"
check "cbc: out policy template" has "tmpl src $e2 dst $s2" policy "$EU" out "$i2/32" "$SI/32"
check "cbc: in policy reqid" has "proto esp reqid 2 mode tunnel" policy "$SG" in "$i2/32" "$SI/32"
if [ $xfrmi_ok = 1 ]; then
	b_out=$(packets "$EU" "$s2" 0x2002)
	b_in=$(packets "$SG" "$s2" 0x2002)
	check "cbc: ping through ipsec42" ip netns exec "$EU" ping -q -c 2 -W 2 -I "$i2" "$SI"
	check "cbc: EU outbound ESP packets rise" rises "$EU" "$s2" 0x2002 "$b_out"
	check "cbc: SG inbound ESP packets rise" rises "$SG" "$s2" 0x2002 "$b_in"
	check "cbc: replies counted too" rises "$EU" "$e2" 0x2001 0
else
	skip "cbc: ping through ipsec42" "no XFRM interfaces"
fi

# ---- 3. What traffic does not show: marks, ESN, lifetimes, UDP encap,
# transport selectors, the other algorithms, IPv6. Installed on EU only.
e3=$(topo_eu_outer 3) s3=$(topo_sg_outer 3)
gk3=$(hexkey 0x33 36)
check "mark: SA with everything" prog "$EU" add-sa src="$e3" dst="$s3" spi=0x3001 reqid=3 \
	mark=5 mask=0xff esn=1 replay=128 soft-bytes=1000000 hard-bytes=2000000 \
	soft-sec=100 hard-sec=200 encap=4500:4501 encr=gcm256 key="$gk3"
check "mark: SA mark" has "mark 0x5/0xff" state "$EU" 0x3001
check "mark: SA AES-GCM-256" has "aead rfc4106(gcm(aes)) $gk3 128" state "$EU" 0x3001
check "mark: SA ESN" has "flag af-unspec esn" state "$EU" 0x3001
check "mark: SA ESN window 128" has "replay_window 128" state "$EU" 0x3001
check "mark: SA UDP encap" has "encap type espinudp sport 4500 dport 4501" state "$EU" 0x3001
check "mark: SA byte limits" has "limit: soft 1000000(bytes), hard 2000000(bytes)" ip -n "$EU" -s xfrm state list spi 0x3001
check "mark: SA time limits" has "expire add: soft 100(sec), hard 200(sec)" ip -n "$EU" -s xfrm state list spi 0x3001
check "mark: stats with the mark" prog "$EU" stats dst="$s3" spi=0x3001 mark=5 mask=0xff
check_fails "mark: stats without the mark fail" prog "$EU" stats dst="$s3" spi=0x3001
check_fails "mark: delete without the mark fails" prog "$EU" del-sa dst="$s3" spi=0x3001
check "mark: policy with mark" prog "$EU" add-policy src=172.16.3.1/32 dst=172.17.0.3/32 \
	dir=fwd tsrc="$e3" tdst="$s3" reqid=3 mark=5 mask=0xff prio=50
check "mark: policy mark" has "mark 0x5/0xff" ip -n "$EU" xfrm policy list dir fwd
check "mark: policy fwd, priority" has "dir fwd priority 50" ip -n "$EU" xfrm policy list dir fwd
check "chacha: SA" prog "$EU" add-sa src="$e3" dst="$s3" spi=0x3002 reqid=3 \
	encr=chacha key="$(hexkey 0x34 36)"
check "chacha: SA algorithm" has "aead rfc7539esp(chacha20,poly1305) $(hexkey 0x34 36) 128" state "$EU" 0x3002
check "sha384: SA" prog "$EU" add-sa src="$e3" dst="$s3" spi=0x3003 reqid=3 \
	encr=cbc256 key="$(hexkey 0x35 32)" integ=sha384 ikey="$(hexkey 0x36 48)"
check "sha384: SA algorithms" has "auth-trunc hmac(sha384) $(hexkey 0x36 48) 192" state "$EU" 0x3003
check "sha512: SA" prog "$EU" add-sa src="$e3" dst="$s3" spi=0x3004 reqid=3 \
	encr=cbc128 key="$(hexkey 0x37 16)" integ=sha512 ikey="$(hexkey 0x38 64)"
check "sha512: SA algorithms" has "auth-trunc hmac(sha512) $(hexkey 0x38 64) 256" state "$EU" 0x3004
check "ipv6: tunnel SA" prog "$EU" add-sa src=fd01:3::1 dst=fd01:3::2 spi=0x3005 reqid=5 \
	encr=gcm128 key="$(hexkey 0x39 20)"
check "ipv6: SA shown" has "src fd01:3::1 dst fd01:3::2" state "$EU" 0x3005
check "ipv6: policy, IPv4 inside" prog "$EU" add-policy src=172.16.3.1/32 dst=172.17.0.5/32 \
	dir=out tsrc=fd01:3::1 tdst=fd01:3::2 reqid=5
check "ipv6: policy template" has "tmpl src fd01:3::1 dst fd01:3::2" policy "$EU" out 172.16.3.1/32 172.17.0.5/32
check "ipv6: IPv6 selector" prog "$EU" add-policy src=fd00:16::/64 dst=fd00:17::/64 proto=17 \
	dport=53 dir=out tsrc=fd01:3::1 tdst=fd01:3::2 reqid=5
check "ipv6: selector shown" has "src fd00:16::/64 dst fd00:17::/64 proto udp dport 53" \
	ip -n "$EU" xfrm policy list dir out
# A port block (4096-8191) and the single port 4096: the mask belongs to
# the selector XFRM keys policies on, so these are two policies, each
# deleted by its own selector.
nblock() { policy "$EU" out 172.16.3.1/32 172.17.0.6/32 | grep -c '^src'; }
check "port block: block and single port" prog "$EU" \
	add-policy src=172.16.3.1/32 dst=172.17.0.6/32 proto=6 dport=4096/0xf000 \
	dir=out tsrc=fd01:3::1 tdst=fd01:3::2 reqid=5 , \
	add-policy src=172.16.3.1/32 dst=172.17.0.6/32 proto=6 dport=4096 \
	dir=out tsrc=fd01:3::1 tdst=fd01:3::2 reqid=6
check "port block: two policies" test "$(nblock)" = 2
check "port block: delete the block" prog "$EU" del-policy src=172.16.3.1/32 \
	dst=172.17.0.6/32 proto=6 dport=4096/0xf000 dir=out
check "port block: the single port stays" has "reqid 6" policy "$EU" out 172.16.3.1/32 172.17.0.6/32
check "port block: one policy left" test "$(nblock)" = 1
check_fails "bad key length refused" prog "$EU" add-sa src="$e3" dst="$s3" spi=0x3009 \
	encr=gcm128 key=0x0102
check_fails "AEAD with integrity refused" prog "$EU" add-sa src="$e3" dst="$s3" spi=0x3009 \
	encr=gcm128 key="$(hexkey 1 20)" integ=sha256 ikey="$(hexkey 1 32)"
check "refusals left nothing" sh -c '! ip -n "$0" xfrm state list spi 0x3009 | grep -q .' "$EU"

# ---- 4. Transport mode, AES-GCM-16 with ESN, ICMP between eu3 and sg3.
transport() { # NS LOCAL REMOTE SPI_OUT SPI_IN
	prog "$1" add-sa src="$2" dst="$3" spi="$4" mode=transport reqid=4 esn=1 replay=32 \
		sel="$2/32,$3/32" encr=gcm128 key="$(hexkey "$4" 20)" , \
		add-sa src="$3" dst="$2" spi="$5" mode=transport reqid=4 esn=1 replay=32 \
		sel="$3/32,$2/32" encr=gcm128 key="$(hexkey "$5" 20)" , \
		add-policy src="$2/32" dst="$3/32" proto=1 dir=out mode=transport reqid=4 , \
		add-policy src="$3/32" dst="$2/32" proto=1 dir=in mode=transport reqid=4
}
check "transport: EU" transport "$EU" "$e3" "$s3" 0x4001 0x4002
check "transport: SG" transport "$SG" "$s3" "$e3" 0x4002 0x4001
check "transport: SA mode" has "proto esp spi 0x00004001 reqid 4 mode transport" state "$EU" 0x4001
check "transport: SA selector" has "sel src $e3/32 dst $s3/32" state "$EU" 0x4001
check "transport: policy selector" has "src $e3/32 dst $s3/32 proto icmp" ip -n "$EU" xfrm policy list dir out proto icmp
check "transport: policy template" has "proto esp reqid 4 mode transport" ip -n "$EU" xfrm policy list dir out proto icmp
b_out=$(packets "$EU" "$s3" 0x4001)
check "transport: ping" ip netns exec "$EU" ping -q -c 2 -W 2 "$s3"
check "transport: outbound ESP packets rise" rises "$EU" "$s3" 0x4001 "$b_out"
check "transport: peer counted them" rises "$SG" "$s3" 0x4001 0

# ---- 5. No leaks and no invalid accesses, every operation under valgrind.
if command -v valgrind >/dev/null && [ "${MIF_VALGRIND:-1}" != 0 ]; then
	vg() {
		local rc=0
		ip netns exec "$EU" valgrind -q --leak-check=full --show-leak-kinds=all \
			--errors-for-leak-kinds=all --error-exitcode=99 "$PROG" "$@" || rc=$?
		echo "exit $rc"
	}
	out=$(vg alloc-spi "$s3" "$e3" 9 , add-sa src="$s3" dst="$e3" spi=@ reqid=9 mark=7 \
		if_id=9 esn=1 replay=64 encap=4500:4500 soft-bytes=1 hard-bytes=2 \
		encr=cbc256 key="$(hexkey 0x51 32)" integ=sha512 ikey="$(hexkey 0x52 64)" , \
		stats dst="$e3" spi=@ mark=7 , \
		add-policy src=172.16.9.0/24 dst=172.17.9.0/24 dir=in tsrc="$s3" tdst="$e3" \
		reqid=9 mark=7 if_id=9 , \
		del-policy src=172.16.9.0/24 dst=172.17.9.0/24 dir=in mark=7 if_id=9 , \
		del-sa dst="$e3" spi=@ mark=7 2>&1)
	check "valgrind: every operation, clean" sh -c 'printf "%s\n" "$0" | tail -n 1 | grep -qx "exit 0" || { printf "%s\n" "$0"; exit 1; }' "$out"
	out=$(vg add-sa src="$e3" dst="$s3" spi=0x4001 mode=transport encr=gcm128 \
		key="$(hexkey 1 20)" 2>&1)
	check "valgrind: kernel refusal, clean" sh -c 'printf "%s\n" "$0" | tail -n 1 | grep -qx "exit 1" || { printf "%s\n" "$0"; exit 1; }' "$out"
	out=$(vg del-policy src=10.9.9.9 dst=10.9.9.8 dir=in , del-sa dst=10.9.9.9 spi=1 2>&1)
	check "valgrind: missing objects, clean" sh -c 'printf "%s\n" "$0" | tail -n 1 | grep -qx "exit 1" || { printf "%s\n" "$0"; exit 1; }' "$out"
else
	skip "valgrind" "no valgrind"
fi

# ---- 6. Delete everything through the backend.
check "delete: EU SAs" prog "$EU" del-sa dst="$e1" spi="$spi_eu_in" , del-sa dst="$s1" spi="$spi_sg_in" , \
	del-sa dst="$e2" spi=0x2001 , del-sa dst="$s2" spi=0x2002 , \
	del-sa dst="$s3" spi=0x3001 mark=5 mask=0xff , del-sa dst="$s3" spi=0x3002 , \
	del-sa dst="$s3" spi=0x3003 , del-sa dst="$s3" spi=0x3004 , del-sa dst=fd01:3::2 spi=0x3005 , \
	del-sa dst="$s3" spi=0x4001 , del-sa dst="$e3" spi=0x4002
check "delete: SG SAs" prog "$SG" del-sa dst="$e1" spi="$spi_eu_in" , del-sa dst="$s1" spi="$spi_sg_in" , \
	del-sa dst="$e2" spi=0x2001 , del-sa dst="$s2" spi=0x2002 , \
	del-sa dst="$s3" spi=0x4001 , del-sa dst="$e3" spi=0x4002
check "delete: EU policies" prog "$EU" \
	del-policy src="$i1/32" dst="$SI/32" dir=out , del-policy src="$SI/32" dst="$i1/32" dir=in , \
	del-policy src="$i2/32" dst="$SI/32" dir=out if_id=42 , del-policy src="$SI/32" dst="$i2/32" dir=in if_id=42 , \
	del-policy src=172.16.3.1/32 dst=172.17.0.3/32 dir=fwd mark=5 mask=0xff , \
	del-policy src=172.16.3.1/32 dst=172.17.0.5/32 dir=out , \
	del-policy src=fd00:16::/64 dst=fd00:17::/64 proto=17 dport=53 dir=out , \
	del-policy src=172.16.3.1/32 dst=172.17.0.6/32 proto=6 dport=4096 dir=out , \
	del-policy src="$e3/32" dst="$s3/32" proto=1 dir=out , del-policy src="$s3/32" dst="$e3/32" proto=1 dir=in
check "delete: SG policies" prog "$SG" \
	del-policy src="$SI/32" dst="$i1/32" dir=out , del-policy src="$i1/32" dst="$SI/32" dir=in , \
	del-policy src="$SI/32" dst="$i2/32" dir=out if_id=42 , del-policy src="$i2/32" dst="$SI/32" dir=in if_id=42 , \
	del-policy src="$s3/32" dst="$e3/32" proto=1 dir=out , del-policy src="$e3/32" dst="$s3/32" proto=1 dir=in
check "delete: nothing left" test "$(nstates "$EU")/$(npolicies "$EU")/$(nstates "$SG")/$(npolicies "$SG")" = 0/0/0/0
check "delete: again says ESRCH" sh -c 'ip netns exec "$0" "$1" del-sa dst="$2" spi=0x2001 2>&1 | grep -q "^error: -3 "' \
	"$EU" "$PROG" "$e2"
check "delete: policy again says ENOENT" sh -c 'ip netns exec "$0" "$1" del-policy src="$2/32" dst="$3/32" dir=out 2>&1 | grep -q "^error: -2 "' \
	"$EU" "$PROG" "$i1" "$SI"

ksft_exit
