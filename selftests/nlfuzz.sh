#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module under a netlink fuzzer (nlfuzz.c) while everything around it
# moves: two fuzzers in one namespace (so that requests contend for its
# lock), XFRM states and policies added and deleted by ip xfrm, addresses
# removed and links and carriers going down on the veths that carry them
# (failovers to the alternates the fuzzers set), and namespaces made,
# fuzzed and deleted. Afterwards the XFRM tables must be whole (every SA
# found by its SPI, every tunnel template of one family and specified,
# every policy found by its selector), the module still answers, dumps
# them, and unloads.
#
# NLFUZZ_COUNT requests per fuzzer (default 1000: a few seconds' worth in
# the debug kernel; make nlfuzz sends 300000), NLFUZZ_SEED the seed of the
# first fuzzer (default: from the clock; the others follow from it). Every
# seed is printed: NLFUZZ_SEED=N replays the run's requests.
source "$(dirname "$0")/lib.sh"

PROG=${NLFUZZ_PROG:-$REPO_DIR/build/selftests/nlfuzz}
[ -x "$PROG" ] || { echo "1..0 # SKIP $PROG not built (make selftest-progs)"; exit $KSFT_SKIP; }
require_root
require_cmd ip awk
modprobe -q xfrm_user && modprobe -q esp4 && modprobe -q esp6 ||
	{ echo "1..0 # SKIP no ESP"; exit $KSFT_SKIP; }
modprobe -q ah4
modprobe -q ipcomp
modprobe -q veth

COUNT=${NLFUZZ_COUNT:-1000}
SEED=${NLFUZZ_SEED:-$(date +%s)}
log "seed $SEED, $COUNT requests per fuzzer"
SPI_BASE=0x1000
ADDRS=10.99.1.1,10.99.2.1,10.99.3.1,10.99.1.2,10.99.2.2,fd99:1::1,fd99:2::1,fd99:3::1,fd99:1::2,fd99:2::2

check "module loads" load_module
make_netns F
make_netns P

# F (fuzzed) and P (its peer), three veth pairs: f$i 10.99.$i.1, fd99:$i::1.
link_setup() {
	local i
	for i in 1 2 3; do
		ip link add "f$i" netns "$F" type veth peer name "p$i" netns "$P" || return 1
		ip -n "$F" addr add "10.99.$i.1/24" dev "f$i" || return 1
		ip -n "$F" addr add "fd99:$i::1/64" dev "f$i" nodad || return 1
		ip -n "$P" addr add "10.99.$i.2/24" dev "p$i" || return 1
		ip -n "$P" addr add "fd99:$i::2/64" dev "p$i" nodad || return 1
		ip -n "$F" link set "f$i" up && ip -n "$P" link set "p$i" up || return 1
	done
}
check "topology" link_setup

# xfrm_batch N [flush]: N random ip xfrm commands over the topology's
# addresses and the fuzzers' SPIs, for xfrm_run: SAs of each protocol and
# mode, both families, with and without UDP encapsulation; policies with
# templates; deletions, and with "flush" now and then a flush.
xfrm_batch() {
	local n=$1 flush=${2:-} k i j spi s d proto mode fam
	for ((k = 0; k < n; k++)); do
		i=$((RANDOM % 3 + 1)) j=$((RANDOM % 3 + 1))
		spi=$((SPI_BASE + RANDOM % 64))
		if ((RANDOM % 3)); then s=10.99.$i.1 d=10.99.$j.2 fam=4; else s=fd99:$i::1 d=fd99:$j::2 fam=6; fi
		((RANDOM % 2)) && { local t=$s; s=$d; d=$t; }
		mode=tunnel
		((RANDOM % 3)) || mode=transport
		case $((RANDOM % 10)) in
		0 | 1 | 2)
			echo "xfrm state add src $s dst $d proto esp spi $spi reqid $i mode $mode aead rfc4106(gcm(aes)) 0x$(printf '%040x' "$spi") 128" ;;
		3)
			proto=ah
			echo "xfrm state add src $s dst $d proto $proto spi $spi reqid $i mode $mode auth-trunc hmac(sha256) 0x$(printf '%064x' "$spi") 128" ;;
		4)
			echo "xfrm state add src $s dst $d proto comp spi $((spi & 0xffff)) reqid $i mode $mode comp deflate" ;;
		5)
			[ $fam = 4 ] && echo "xfrm state add src $s dst $d proto esp spi $spi reqid $i mode tunnel enc cbc(aes) 0x$(printf '%032x' "$spi") auth-trunc hmac(sha256) 0x$(printf '%064x' "$spi") 128 encap espinudp 4500 4500 0.0.0.0" ;;
		6)
			echo "xfrm state delete src $s dst $d proto esp spi $spi" ;;
		7)
			if [ $fam = 4 ]; then
				echo "xfrm policy add src 172.16.$i.0/24 dst 172.17.$j.0/24 dir $([ $((RANDOM % 2)) = 0 ] && echo out || echo in) tmpl src $s dst $d proto esp reqid $i mode tunnel"
			else
				echo "xfrm policy add src fd16:$i::/64 dst fd17:$j::/64 dir out tmpl src $s dst $d proto esp reqid $i mode tunnel"
			fi ;;
		8)
			echo "xfrm policy add src $s dst $d dir out tmpl proto esp reqid $i mode transport" ;;
		9)
			echo "xfrm policy delete src 172.16.$i.0/24 dst 172.17.$j.0/24 dir out"
			[ -n "$flush" ] && ((RANDOM % 8 == 0)) && echo "xfrm state flush" ;;
		esac
	done
}

# xfrm_run NS: the commands on stdin, each its own ip. Not ip -batch: ip
# xfrm exits at a command the kernel refuses (a delete of no SA), -force
# or not, and the commands after it would never run.
xfrm_run() {
	local line
	while read -r line; do
		# shellcheck disable=SC2086
		ip -n "$1" $line
	done >/dev/null 2>&1
}

xfrm_batch 24 | xfrm_run "$F"
check "some SAs to start from" sh -c '[ -n "$(ip -n "$0" xfrm state)" ]' "$F"

stop=$(mktemp /tmp/mif-nlfuzz.XXXXXX)
rm -f "$stop"
running() { [ ! -e "$stop" ]; }

churn_xfrm() {
	while running; do
		xfrm_batch 20 flush | xfrm_run "$F"
	done
}

# Addresses go and come back; links and carriers go down and up.
churn_links() {
	local i
	while running; do
		i=$((RANDOM % 3 + 1))
		case $((RANDOM % 4)) in
		0) ip -n "$F" addr del "10.99.$i.1/24" dev "f$i"
		   ip -n "$F" addr add "10.99.$i.1/24" dev "f$i" ;;
		1) ip -n "$F" addr del "fd99:$i::1/64" dev "f$i"
		   ip -n "$F" addr add "fd99:$i::1/64" dev "f$i" nodad ;;
		2) ip -n "$F" link set "f$i" down; ip -n "$F" link set "f$i" up ;;
		3) ip -n "$P" link set "p$i" down; ip -n "$P" link set "p$i" up ;;
		esac
	done >/dev/null 2>&1
}

# Namespaces made, given SAs and alternates by a short fuzzer, deleted.
churn_netns() {
	local k=0 ns
	while running; do
		k=$((k + 1))
		ns=mif-fz-$$-$k
		ip netns add "$ns" || break
		ip -n "$ns" link set lo up
		ip -n "$ns" link add z1 type veth peer name z2
		ip -n "$ns" addr add 10.99.1.1/24 dev z1
		ip -n "$ns" addr add 10.99.2.1/24 dev z2
		ip -n "$ns" link set z1 up
		ip -n "$ns" link set z2 up
		xfrm_batch 10 | xfrm_run "$ns"
		ip netns exec "$ns" "$PROG" -s "$((SEED + 1000 + k))" -n 100 -a "$ADDRS" -p "$SPI_BASE" |
			grep -e 'NOT answered' -e ' [1-9][0-9]* unanswered' | sed "s/^/# netns $k: /"
		((k % 2)) && ip -n "$ns" link set z1 down
		ip netns del "$ns"
	done 2>/dev/null
}

churn_xfrm &
pids=($!)
churn_links &
pids+=($!)
churn_netns &
netns_pid=$!

out2=$(mktemp /tmp/mif-nlfuzz.XXXXXX)
ip netns exec "$F" "$PROG" -s "$((SEED + 1))" -n "$COUNT" -a "$ADDRS" -p "$SPI_BASE" >"$out2" 2>&1 &
fuzz2=$!
out=$(ip netns exec "$F" "$PROG" -s "$SEED" -n "$COUNT" -a "$ADDRS" -p "$SPI_BASE" 2>&1)
rc=$?
wait "$fuzz2"
rc2=$?
touch "$stop"
wait "${pids[@]}" "$netns_pid"
rm -f "$stop"
printf '%s\n' "$out" | sed 's/^/# /'
sed 's/^/# /' "$out2"
rm -f "$out2"
check "the module answered every request of the first fuzzer" test "$rc" = 0
check "the module answered every request of the second fuzzer" test "$rc2" = 0
check "no leftover namespaces" sh -c '! ip netns list | grep -q "^mif-fz-$0-"' "$$"

# Every SA is found by its destination, protocol and SPI (and mark). The
# IP-in-IP SAs XFRM adds under IPcomp tunnels (protocols 4 and 41, their SPI
# an address) are its own, and ip cannot name them.
sa_lookups() {
	local ns=$1 bad=0 d p spi mark
	while read -r d p spi mark; do
		[ "$p" = 4 ] || [ "$p" = 41 ] && continue
		# shellcheck disable=SC2086
		ip -n "$ns" xfrm state get dst "$d" proto "$p" spi "$spi" $mark >/dev/null ||
			{ echo "SA $p $spi to $d not found by its SPI"; bad=1; }
	done < <(ip -n "$ns" xfrm state | awk '
		/^src / { if (d != "") print d, p, s, m; d = $4; p = ""; s = ""; m = "" }
		/^\tproto / { p = $2; s = $4 }
		/^\tmark / { m = "mark " $2 }
		END { if (d != "") print d, p, s, m }')
	return $bad
}

# Every tunnel template has a source and a destination of one family, and
# every policy is found by its selector and direction.
policy_lookups() {
	local ns=$1
	ip -n "$ns" xfrm policy | awk -v ns="$ns" '
		function fam(a) { return a ~ /:/ ? 6 : 4 }
		/^src / { sel = "src " $2 " dst " $4 }
		/^\tdir / { dir = $2 }
		/^\ttmpl src / {
			tsrc = $3; tdst = $5; getline
			if ($0 ~ /mode tunnel/ &&
			    (fam(tsrc) != fam(tdst) || tsrc ~ /^(0\.0\.0\.0|::)$/ ||
			     tdst ~ /^(0\.0\.0\.0|::)$/)) {
				print "bad template " tsrc " -> " tdst " in " sel; bad = 1
			}
			if (dir != "" && (dir == "out" || dir == "in" || dir == "fwd"))
				print "get " sel " dir " dir
			dir = ""
		}
		END { exit bad }' | while read -r what rest; do
		if [ "$what" = get ]; then
			# shellcheck disable=SC2086
			ip -n "$ns" xfrm policy get $rest >/dev/null ||
				{ echo "policy $rest not found"; exit 1; }
		else
			echo "$what $rest"
			exit 1
		fi
	done
}

check "every SA found by its SPI" sa_lookups "$F"
check "policies' templates whole, each policy found" policy_lookups "$F"
check "the module dumps the namespace" sh -c 'ip netns exec "$0" "$1" -j sa show >/dev/null' "$F" "$MIFCTL"
check "module unloads" unload_module
check "module reloads" load_module
check "module unloads again" unload_module

ksft_exit
