# SPDX-License-Identifier: GPL-2.0
# strongSwan's charon as a plain process in a network namespace, for the IKE
# interop tests: no systemd, no starter, nothing written outside its DIR.
#
# Each instance lives in its own DIR (under /tmp): DIR/strongswan.conf (read
# by charon and swanctl through STRONGSWAN_CONF), DIR/charon.vici (the vici
# socket), DIR/charon.log (file logger), DIR/charon.out (stdout/stderr),
# DIR/run (bind-mounted over /run in charon's private mount namespace, so the
# hard-wired /var/run/charon.pid of one instance does not clash with
# another's), DIR/swanctl (SWANCTL_DIR: swanctl.conf including conf.d/*.conf).
#
#   charon_start NS DIR		start charon in netns NS; waits until vici
#				answers (30 s). Returns 0 or 1.
#				CHARON_FRAGMENT_SIZE, when set, is its
#				charon.fragment_size (strongSwan's default:
#				1280 bytes, for IPv4 and IPv6 alike).
#   charon_stop NS DIR		SIGTERM it, wait (5 s, then SIGKILL)
#   charon_stop_all		stop every instance charon_start started
#   charon_conf DIR NAME KEY=VALUE...
#				write DIR/swanctl/conf.d/NAME.conf: connection
#				NAME with one child (named NAME unless child=)
#				and its secrets. Keys:
#		local=ADDR remote=ADDR	(required)
#		local_id=ID remote_id=ID	fqdn:/ip:/email: prefixes allowed
#		auth=psk|pubkey		default psk
#		psk=SECRET		text or 0xHEX
#		cert=FILE key=FILE cacert=FILE	for auth=pubkey (absolute;
#				the key is copied to DIR/swanctl/private)
#		ike=PROPOSALS esp=PROPOSALS	strongSwan syntax, "," separated
#		local_ts=TS remote_ts=TS	default: dynamic
#		mode=tunnel|transport	default tunnel
#		child=NAME		the child's name
#		dpd=SECONDS		dpd_delay, default 0
#		mobike=yes|no		default no
#		start=yes|no		initiate when loaded, default no
#		rekey=yes|no		default no (rekey_time = 0)
#   charon_load NS DIR		swanctl --load-all against that instance
#   charon_up NS DIR CHILD [SECONDS]	swanctl --initiate --child CHILD
#   charon_down NS DIR IKE	swanctl --terminate --ike IKE
#   charon_swanctl NS DIR ARGS...	any swanctl command against that instance
#   charon_sas NS DIR		the SAs, one line each:
#		ike NAME STATE SPI_I SPI_R LOCAL REMOTE ENCR INTEG PRF DH
#		child IKENAME NAME STATE MODE SPI_IN SPI_OUT ENCR INTEG BYTES_IN BYTES_OUT
#				(SPIs as 8 (IKE: 16) lower-case hex digits,
#				missing fields as "-")
#   charon_log DIR [N]		the last N (40) lines of its log, as comments
#   charon_available		whether charon and swanctl are installed

CHARON=${CHARON:-/usr/lib/ipsec/charon}
SWANCTL=${SWANCTL:-$(command -v swanctl 2>/dev/null || echo /usr/sbin/swanctl)}
CHARON_PLUGIN_DIR=${CHARON_PLUGIN_DIR:-/usr/lib/ipsec/plugins}
CHARON_PLUGINS=${CHARON_PLUGINS:-"random nonce openssl aes sha1 sha2 hmac gcm
	curve25519 gmp kdf pem pkcs1 pkcs8 x509 pubkey constraints
	kernel-netlink socket-default vici"}
SWANCTL_PLUGINS=${SWANCTL_PLUGINS:-"random nonce openssl pem pkcs1 pkcs8 x509 pubkey"}

declare -A charon_pids=()	# DIR -> pid

charon_available() {
	[ -x "$CHARON" ] && [ -x "$SWANCTL" ]
}

# The plugins of CHARON_PLUGINS that are installed.
_charon_plugins() {
	local p out=
	for p in $CHARON_PLUGINS; do
		[ -e "$CHARON_PLUGIN_DIR/libstrongswan-$p.so" ] && out="$out $p"
	done
	echo "${out# }"
}

_charon_write_conf() {
	local dir=$1
	cat >"$dir/strongswan.conf" <<-EOC
	# charon of the mif interop tests ($dir)
	charon {
		load = $(_charon_plugins)
		install_routes = no
		install_virtual_ip = no
		retransmit_timeout = 1.0
		retransmit_base = 1.4
		retransmit_tries = 3
		half_open_timeout = 10
		${CHARON_FRAGMENT_SIZE:+fragment_size = $CHARON_FRAGMENT_SIZE}
		filelog {
			test {
				path = $dir/charon.log
				time_format = %H:%M:%S
				append = no
				flush_line = yes
				default = 1
				ike = 2
				cfg = 2
				knl = 2
				chd = 2
				net = 1
				enc = 1
			}
		}
		syslog {
			daemon {
				default = -1
			}
		}
		plugins {
			vici {
				socket = unix://$dir/charon.vici
			}
		}
	}
	swanctl {
		# few plugins: swanctl starts in a fraction of the time under QEMU
		load = $SWANCTL_PLUGINS
		socket = unix://$dir/charon.vici
	}
	EOC
}

# _charon_env DIR CMD...: CMD with the instance's environment.
_charon_env() {
	local dir=$1
	shift
	env STRONGSWAN_CONF="$dir/strongswan.conf" SWANCTL_DIR="$dir/swanctl" "$@"
}

# NS is not needed (vici is a file system socket): no ip netns exec, whose
# mounts cost time under QEMU; no env(1) either (timeout passes the
# environment on). Each call may take SWANCTL_TIMEOUT seconds (30).
charon_swanctl() {
	local dir=$2
	STRONGSWAN_CONF=$dir/strongswan.conf SWANCTL_DIR=$dir/swanctl \
		timeout -k 2 "${SWANCTL_TIMEOUT:-30}" "$SWANCTL" "${@:3}" \
		--uri "unix://$dir/charon.vici"
}

# _charon_started PID DIR: charon PID has exited or made its vici socket.
_charon_started() { ! kill -0 "$1" 2>/dev/null || [ -S "$2/charon.vici" ]; }
_charon_answers() { charon_swanctl "$1" "$2" --stats >/dev/null 2>&1; }

charon_start() {
	local ns=$1 dir=$2 pid
	local sub=(conf.d x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private
		rsa ecdsa bliss pkcs8 pkcs12)
	mkdir -p "$dir/run" "${sub[@]/#/$dir/swanctl/}" || return 1
	dir=$(cd "$dir" && pwd)
	rm -f "$dir/charon.vici" "$dir/run/charon.pid"
	_charon_write_conf "$dir"
	[ -e "$dir/swanctl/swanctl.conf" ] ||
		echo 'include conf.d/*.conf' >"$dir/swanctl/swanctl.conf"
	# ip netns exec gives a private mount namespace: /run there is the
	# instance's own, for charon's pid file.
	ip netns exec "$ns" sh -c 'mount --bind "$1/run" /run && exec env \
		STRONGSWAN_CONF="$1/strongswan.conf" "$2"' sh "$dir" "$CHARON" \
		</dev/null >"$dir/charon.out" 2>&1 &
	pid=$!
	charon_pids[$dir]=$pid
	# Wait for the vici socket (cheap), then ask once (swanctl takes a
	# second or two to start under QEMU).
	wait_until 30 _charon_started "$pid" "$dir"
	if ! kill -0 "$pid" 2>/dev/null; then
		unset "charon_pids[$dir]"
		echo "charon in $ns exited:"
		sed 's/^/  /' "$dir/charon.out"
		tail -n 20 "$dir/charon.log" 2>/dev/null | sed 's/^/  /'
		return 1
	fi
	wait_until 2 _charon_answers "$ns" "$dir" && return 0
	echo "charon in $ns: vici does not answer"
	return 1
}

charon_stop() {
	local ns=$1 dir pid
	dir=$(cd "$2" 2>/dev/null && pwd) || return 0
	pid=${charon_pids[$dir]:-}
	[ -n "$pid" ] || return 0
	unset "charon_pids[$dir]"
	stop_process "$pid"
	[ $? -ne 137 ]		# its exit status does not count, a kill does
}

charon_stop_all() {
	local d
	for d in "${!charon_pids[@]}"; do
		charon_stop - "$d"
	done
}

# strongSwan writes identities without mifd's type prefixes (fqdn: ...).
_charon_id() {
	case $1 in
	fqdn:* | ip:* | email:*) echo "${1#*:}" ;;
	dn:*) echo "${1#dn:}" ;;
	*) echo "$1" ;;
	esac
}

charon_conf() {
	local dir=$1 name=$2 kv k v
	shift 2
	local local= remote= local_id= remote_id= auth=psk psk= cert= key= cacert=
	local ike=aes256gcm16-prfsha256-x25519 esp=aes256gcm16 local_ts= remote_ts=
	local mode=tunnel child=$name dpd=0 mobike=no start=no rekey=no
	for kv in "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		case $k in
		local | remote | local_id | remote_id | auth | psk | cert | key | cacert | \
			ike | esp | local_ts | remote_ts | mode | child | dpd | mobike | start | rekey)
			printf -v "$k" '%s' "$v" ;;
		*) echo "charon_conf: unknown key $k" >&2; return 1 ;;
		esac
	done
	[ -n "$local" ] && [ -n "$remote" ] ||
		{ echo "charon_conf: local= and remote= required" >&2; return 1; }
	local_id=$(_charon_id "${local_id:-$local}")
	remote_id=$(_charon_id "${remote_id:-$remote}")
	mkdir -p "$dir/swanctl/conf.d" "$dir/swanctl/private" || return 1
	# swanctl loads private keys from its private/ directory only.
	if [ "$auth" != psk ]; then
		cp "$key" "$dir/swanctl/private/$name.key" || return 1
	fi
	local rk_ike=0 rk_child=0 act=none
	[ "$rekey" = yes ] && rk_ike=4h rk_child=1h
	[ "$start" = yes ] && act=start
	{
		echo "connections {"
		echo "	$name {"
		echo "		version = 2"
		echo "		local_addrs = $local"
		echo "		remote_addrs = $remote"
		echo "		proposals = $ike"
		echo "		mobike = $mobike"
		echo "		dpd_delay = $dpd"
		echo "		rekey_time = $rk_ike"
		echo "		reauth_time = 0"
		echo "		unique = replace"
		echo "		local {"
		echo "			id = \"$local_id\""
		if [ "$auth" = psk ]; then
			echo "			auth = psk"
		else
			echo "			auth = pubkey"
			echo "			certs = $cert"
		fi
		echo "		}"
		echo "		remote {"
		echo "			id = \"$remote_id\""
		if [ "$auth" = psk ]; then
			echo "			auth = psk"
		else
			echo "			auth = pubkey"
			[ -n "$cacert" ] && echo "			cacerts = $cacert"
		fi
		echo "		}"
		echo "		children {"
		echo "			$child {"
		[ -n "$local_ts" ] && echo "				local_ts = $local_ts"
		[ -n "$remote_ts" ] && echo "				remote_ts = $remote_ts"
		echo "				mode = $mode"
		echo "				esp_proposals = $esp"
		echo "				rekey_time = $rk_child"
		echo "				start_action = $act"
		echo "				dpd_action = clear"
		echo "			}"
		echo "		}"
		echo "	}"
		echo "}"
		echo "secrets {"
		if [ "$auth" = psk ]; then
			echo "	ike-$name {"
			echo "		id-a = \"$local_id\""
			echo "		id-b = \"$remote_id\""
			echo "		secret = \"$psk\""
			echo "	}"
		fi
		echo "}"
	} >"$dir/swanctl/conf.d/$name.conf"
}

charon_load() {
	charon_swanctl "$1" "$2" --load-all --noprompt \
		--file "$2/swanctl/swanctl.conf"
}

charon_up() {
	charon_swanctl "$1" "$2" --initiate --child "$3" --timeout "${4:-15}"
}

charon_down() {
	charon_swanctl "$1" "$2" --terminate --ike "$3" --timeout "${4:-10}"
}

# The --raw output is one line per SA: name {key=value ... child-sas {
# name {key=value ...}}}; values hold no blanks with the identities and
# selectors of these tests (lists look like [a b], handled below).
charon_sas() {
	charon_swanctl "$1" "$2" --list-sas --raw | awk '
	function v(k) { return (k in f) ? f[k] : "-" }
	function emit_ike() {
		printf "ike %s %s %s %s %s %s %s %s %s %s\n", ikename, v("state"),
			v("initiator-spi"), v("responder-spi"), v("local-host"),
			v("remote-host"), v("encr-alg"), v("integ-alg"),
			v("prf-alg"), v("dh-group")
	}
	function emit_child() {
		printf "child %s %s %s %s %s %s %s %s %s %s\n", ikename,
			v("name"), v("state"), v("mode"), v("spi-in"),
			v("spi-out"), v("encr-alg"), v("integ-alg"),
			v("bytes-in"), v("bytes-out")
	}
	{
		gsub(/\[[^]]*\]/, "[]")
		n = split($0, t, /[ \t]+/)
		depth = 0; prev = ""; inchild = 0
		for (i = 1; i <= n; i++) {
			tok = t[i]
			if (tok == "") continue
			while (tok ~ /^\{/) { depth++; tok = substr(tok, 2)
				if (depth == 2) { ikename = prev; delete f }
				if (depth == 4) { delete f; inchild = 1 }
			}
			closes = 0
			while (tok ~ /\}$/) { closes++; tok = substr(tok, 1, length(tok) - 1) }
			if (tok ~ /=/) {
				k = substr(tok, 1, index(tok, "=") - 1)
				f[k] = substr(tok, index(tok, "=") + 1)
			} else if (tok != "") {
				prev = tok
				if (depth == 2 && tok == "child-sas") { emit_ike(); saved_ike = 1 }
			}
			for (c = 0; c < closes; c++) {
				if (depth == 4) emit_child()
				if (depth == 2 && !saved_ike) emit_ike()
				if (depth == 2) saved_ike = 0
				depth--
			}
		}
	}'
}

charon_log() {
	tail -n "${2:-40}" "$1/charon.log" 2>/dev/null | sed 's/^/#   /'
}
