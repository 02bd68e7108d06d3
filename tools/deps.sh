#!/bin/sh
# Install every Debian package that building and testing mif needs.
# Idempotent: does nothing when everything is already present.
set -eu

PKGS="
build-essential pkg-config bc bison flex cpio kmod xz-utils zstd lz4
libelf-dev libssl-dev dwarves rsync
linux-image-amd64 linux-headers-amd64 linux-source-6.1
qemu-system-x86 busybox-static
sparse dkms
iproute2 iputils-ping procps
libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libnl-xfrm-3-dev
libgnutls28-dev nettle-dev libgmp-dev
libcmocka-dev libinih-dev libjson-c-dev libsystemd-dev
strongswan-charon strongswan-swanctl libcharon-extra-plugins
libstrongswan-extra-plugins libstrongswan-standard-plugins strongswan-pki
openssl jq gojq python3-yaml
tcpdump nftables
clang libclang-rt-14-dev
"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2
