# SPDX-License-Identifier: GPL-2.0
# One connection "svc" with a child per service, between EU and SG, for
# the case files that set up many children over one IKE SA (children.sh,
# window.sh). Sourced after lib.sh; the case file sets EU, SG (namespaces),
# EU_ADDR, SG_ADDR, EU_SOCK, SG_SOCK and PSK.
#
#   svc_conf ME PEER SERVICES [LINE...]
#			mifd's configuration for ME: [mifd] with the LINEs,
#			[conn svc] (transport mode, PSK) and a [child svc/NAME]
#			for each line "NAME [SELECTOR]" of SERVICES (the
#			selector's port is SG's)
#   n_states NS		the ESP states in NS's kernel
#   svc_children NS SOCK N
#			until svc has one established IKE SA with N installed
#			Child SAs, each named after a child, all different
#   svc_states N	N pairs of ESP SAs in each of EU's and SG's kernels

svc_conf() {
	local me=$1 peer=$2 services=$3 name sel
	shift 3
	echo "[mifd]"
	echo "log_level = debug"
	[ $# -eq 0 ] || printf '%s\n' "$@"
	cat <<-CONF

	[conn svc]
	local = $me
	remote = $peer
	local_id = fqdn:$([ "$me" = "$EU_ADDR" ] && echo eu || echo sg).example
	remote_id = fqdn:$([ "$me" = "$EU_ADDR" ] && echo sg || echo eu).example
	psk = $PSK
	mode = transport
	esp = aes256gcm16
	ike = aes256gcm16-prf_sha256-x25519
	retransmit_base = 500ms
	retransmit_tries = 4
	dpd = 0
	CONF
	while read -r name sel; do
		echo
		echo "[child svc/$name]"
		if [ "$me" = "$EU_ADDR" ]; then
			echo "local_ts = $me/32${sel/\/*]/]}"
			echo "remote_ts = $peer/32$sel"
		else
			echo "local_ts = $me/32$sel"
			echo "remote_ts = $peer/32${sel/\/*]/]}"
		fi
	done <<<"$services"
}

n_states() {
	ip -n "$1" xfrm state | grep -c '^src '
}

_svc_children() {
	mifd_ctl "$1" "$2" -j ike list | jq -e --argjson n "$3" \
		'[.ike_sas[] | select(.conn == "svc" and .state == "established")] |
		 length == 1 and
		 ([.[0].children[] | select(.installed) | .name] | unique | length) == $n' \
		>/dev/null
}
svc_children() {
	wait_until 40 _svc_children "$@" && return 0
	mifd_ctl "$1" "$2" ike list
	return 1
}

svc_states() {
	local a b
	a=$(n_states "$EU")
	b=$(n_states "$SG")
	echo "ESP states: EU $a, SG $b, want $((2 * $1)) each"
	[ "$a" -eq $((2 * $1)) ] && [ "$b" -eq $((2 * $1)) ]
}
