# SPDX-License-Identifier: GPL-2.0
# XFRM's SAs and policies read into the shell, for the kselftests that
# check many of them (clone.sh, delete.sh). Sourced after lib.sh; the
# script sets capf, a scratch file, and removes it at exit.
#
# A process start costs a great deal in the debug kernel: what the checks
# look at is read once, by one ip or mifctl, into the shell and matched
# there, not piped through grep, sed or awk.
# to [-e] VAR CMD...: CMD's standard output (-e: and error) in VAR, as
# VAR=$(CMD) sets it, CMD run in this shell; returns CMD's status.
to() {
	local __rc
	if [ "$1" = -e ]; then
		shift
		"${@:2}" >"$capf" 2>&1
	else
		"${@:2}" >"$capf"
	fi
	__rc=$?
	printf -v "$1" '%s' "$(<"$capf")"
	return $__rc
}
# xfrm_read NS [-s]: NS's SAs and policies, as ip lists them (-s: with
# their counters): the text in $xfrm, each SA's lines in sas[], each
# policy's in pols[] (a policy's selector has prefix lengths, an SA's
# addresses none). Two ip: the second list of one ip -batch comes out
# empty. sa_read NS [-s]: the SAs only, by one ip.
xfrm_read() {
	local ns=$1
	shift
	{ ip -n "$ns" "$@" xfrm state && ip -n "$ns" "$@" xfrm policy; } >"$capf" &&
		xfrm_parse
}
sa_read() {
	local ns=$1
	shift
	ip -n "$ns" "$@" xfrm state >"$capf" && xfrm_parse
}
xfrm_parse() {
	local l b=
	xfrm=$(<"$capf") sas=() pols=()
	while IFS= read -r l; do
		if [[ $l == "src "* ]]; then
			xfrm_entry "$b"
			b=$l
		else
			b+=$'\n'$l
		fi
	done <"$capf"
	xfrm_entry "$b"
}
xfrm_entry() {
	local first=${1%%$'\n'*}
	[ -n "$1" ] || return 0
	if [[ ${first%% dst *} == */* ]]; then pols+=("$1"); else sas+=("$1"); fi
}
# sa_spi SPI: the SAs of the last xfrm_read or sa_read with SPI, in hits[].
sa_spi() {
	local s b
	printf -v s '0x%08x' "$1"
	hits=()
	for b in "${sas[@]}"; do
		[[ $b == *" spi $s "* || $b == *" spi $s("* ]] && hits+=("$b")
	done
}
# sa_has SPI TEXT: an SA with SPI has TEXT; else the SAs with SPI shown.
sa_has() {
	local b
	sa_spi "$1"
	for b in "${hits[@]}"; do
		[[ $b == *"$2"* ]] && return 0
	done
	echo "no SA $1 with \"$2\" among ${#hits[@]}:"
	printf '%s\n' "${hits[@]}"
	return 1
}
# json_is OUT F1/F2... WANT: the JSON fields F1, F2... of OUT, joined by /,
# are WANT; else OUT shown.
json_is() {
	local f got= IFS=/
	for f in $2; do
		if [[ $1 =~ \"$f\":([0-9a-z]+) ]]; then
			got+=${got:+/}${BASH_REMATCH[1]}
		else
			got+=${got:+/}none
		fi
	done
	[ "$got" = "$3" ] || { echo "$1"; is "$got" "$3"; }
}
# line_starts TEXT PREFIX: a line of TEXT starts with PREFIX; else TEXT shown.
line_starts() { [[ $'\n'$1 == *$'\n'"$2"* ]] || { echo "$1"; return 1; }; }
# snapshot VAR NS: NS's SAs and policies, as ip lists them, in VAR.
snapshot() { xfrm_read "$2" && printf -v "$1" '%s' "$xfrm"; }
# unchanged BEFORE NS: NS's SAs and policies are BEFORE.
unchanged() {
	local now
	snapshot now "$2" || return 1
	[ "$1" = "$now" ] || { printf 'before:\n%s\nnow:\n%s\n' "$1" "$now"; return 1; }
}
# block_ends VAR B: "REQID SRC DST" of each SA and each policy template of
# the last xfrm_read whose reqid is in block B (1: 0x1000, 2: 0x2000),
# sorted, one a line, in VAR (empty if none): as topo_block_ends prints them.
block_ends() {
	local e l s d w r ends=() i j t
	for e in "${sas[@]}" "${pols[@]}"; do
		while IFS= read -r l; do
			read -ra w <<<"$l"
			if [ "${w[0]}" = src ]; then
				s=${w[1]} d=${w[3]}
			elif [ "${w[0]}" = tmpl ] && [ "${w[1]}" = src ]; then
				s=${w[2]} d=${w[4]}
			fi
			for ((i = 0; i < ${#w[@]} - 1; i++)); do
				[ "${w[i]}" = reqid ] || continue
				r=${w[i + 1]}
				[[ $r =~ ^[0-9]+$ ]] && ((r / 4096 == $2)) && ends+=("$r $s $d")
			done
		done <<<"$e"
	done
	for ((i = 1; i < ${#ends[@]}; i++)); do
		t=${ends[i]}
		for ((j = i - 1; j >= 0; j--)); do
			[[ ${ends[j]} > $t ]] || break
			ends[j + 1]=${ends[j]}
		done
		ends[j + 1]=$t
	done
	if [ ${#ends[@]} -gt 0 ]; then
		printf -v "$1" '%s\n' "${ends[@]}"
	else
		printf -v "$1" ''
	fi
}
