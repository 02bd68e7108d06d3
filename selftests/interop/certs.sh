# SPDX-License-Identifier: GPL-2.0
# Test certificates for the IKE interop tests: a CA and one ECDSA P-256
# end-entity certificate per peer, made at test time into a directory.
#
#   certs_make DIR [NAME...]	CA "mif interop CA" and, for each NAME
#				(default: eu.example sg.example), DIR/NAME.key
#				(PKCS#8 PEM) and DIR/NAME.pem, subject CN=NAME
#				with subjectAltName DNS:NAME (so the IKE
#				identity is the FQDN NAME). DIR/ca.pem, ca.key.
#				Uses strongSwan's pki if installed, else
#				openssl, else certtool. Returns 1 when none is.
#   certs_tool			which tool certs_make would use
#
# Source it, or run it: "bash certs.sh DIR [NAME...]".

certs_tool() {
	if command -v pki >/dev/null 2>&1; then
		echo pki
	elif command -v openssl >/dev/null 2>&1; then
		echo openssl
	elif command -v certtool >/dev/null 2>&1; then
		echo certtool
	else
		return 1
	fi
}

_certs_pki() {
	local dir=$1 n
	shift
	pki --gen --type ecdsa --size 256 --outform pem >"$dir/ca.key" || return 1
	pki --self --ca --lifetime 30 --in "$dir/ca.key" --type ecdsa \
		--dn "C=CH, O=mif, CN=mif interop CA" --outform pem >"$dir/ca.pem" || return 1
	for n in "$@"; do
		pki --gen --type ecdsa --size 256 --outform pem >"$dir/$n.key" || return 1
		pki --pub --in "$dir/$n.key" --type ecdsa |
			pki --issue --lifetime 30 --cacert "$dir/ca.pem" --cakey "$dir/ca.key" \
				--dn "C=CH, O=mif, CN=$n" --san "$n" --outform pem \
				>"$dir/$n.pem" || return 1
	done
}

_certs_openssl() {
	local dir=$1 n
	shift
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$dir/ca.key" 2>/dev/null || return 1
	openssl req -new -x509 -key "$dir/ca.key" -sha256 -days 30 \
		-subj "/C=CH/O=mif/CN=mif interop CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$dir/ca.pem" 2>/dev/null || return 1
	for n in "$@"; do
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
			-out "$dir/$n.key" 2>/dev/null || return 1
		openssl req -new -key "$dir/$n.key" -subj "/C=CH/O=mif/CN=$n" \
			-out "$dir/$n.csr" 2>/dev/null || return 1
		printf '%s\n' "basicConstraints=CA:FALSE" \
			"keyUsage=critical,digitalSignature" \
			"subjectAltName=DNS:$n" >"$dir/$n.ext"
		openssl x509 -req -in "$dir/$n.csr" -CA "$dir/ca.pem" \
			-CAkey "$dir/ca.key" -CAcreateserial -sha256 -days 30 \
			-extfile "$dir/$n.ext" -out "$dir/$n.pem" 2>/dev/null || return 1
		rm -f "$dir/$n.csr" "$dir/$n.ext"
	done
}

_certs_certtool() {
	local dir=$1 n
	shift
	certtool --generate-privkey --key-type ecdsa --curve secp256r1 \
		--outfile "$dir/ca.key" 2>/dev/null || return 1
	printf '%s\n' 'cn = "mif interop CA"' 'organization = "mif"' 'country = CH' \
		'expiration_days = 30' ca cert_signing_key crl_signing_key >"$dir/ca.tmpl"
	certtool --generate-self-signed --load-privkey "$dir/ca.key" \
		--template "$dir/ca.tmpl" --outfile "$dir/ca.pem" 2>/dev/null || return 1
	for n in "$@"; do
		certtool --generate-privkey --key-type ecdsa --curve secp256r1 \
			--outfile "$dir/$n.key" 2>/dev/null || return 1
		printf '%s\n' "cn = \"$n\"" 'organization = "mif"' 'country = CH' \
			'expiration_days = 30' "dns_name = \"$n\"" signing_key \
			>"$dir/$n.tmpl"
		certtool --generate-certificate --load-privkey "$dir/$n.key" \
			--load-ca-certificate "$dir/ca.pem" --load-ca-privkey "$dir/ca.key" \
			--template "$dir/$n.tmpl" --outfile "$dir/$n.pem" 2>/dev/null || return 1
	done
}

certs_make() {
	local dir=$1 tool
	shift
	[ $# -gt 0 ] || set -- eu.example sg.example
	tool=$(certs_tool) || { echo "certs: no pki, openssl or certtool" >&2; return 1; }
	mkdir -p "$dir" || return 1
	"_certs_$tool" "$dir" "$@"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	[ $# -ge 1 ] || { echo "usage: $0 DIR [NAME...]" >&2; exit 2; }
	certs_make "$@"
fi
