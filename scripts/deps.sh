#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the test bed needs on Debian 12 (bookworm). Idempotent.
# With KDIR= set by the user only the module toolchain is checked, never downloaded.
set -euo pipefail

say() { echo "deps: $*" >&2; }
die() { say "error: $*"; exit 1; }

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

BINDGEN_VERSION=0.72.1
PKGS="rustc-web rust-web-src rust-web-clippy clang-19 lld-19 llvm-19 libclang1-19 libclang-19-dev
      bc flex bison libelf-dev libssl-dev cpio busybox-static xz-utils make gcc libc6-dev linux-libc-dev python3 kmod git perl"
# `deps.sh bench` adds what `make bench` needs for its plot, and perf for PROFILE=1.
[ "${1:-}" = bench ] && PKGS="$PKGS python3-matplotlib"
[ "${1:-}" = bench ] && [ "${PROFILE:-0}" = 1 ] && PKGS="$PKGS linux-perf"
BACKPORTS_PKGS="qemu-system-x86"
SRC_PKG="linux-source-7.3 linux-source-7.2"

need_pkgs() {
	local missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
	done
	echo "$missing"
}

add_suite() {	# name suite
	local f=/etc/apt/sources.list.d/$1.sources
	[ -f "$f" ] && return 0
	say "adding apt suite $2"
	$SUDO tee "$f" >/dev/null <<EOS
Types: deb
URIs: http://deb.debian.org/debian
Suites: $2
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	UPDATED=0
}

command -v apt-get >/dev/null || die "apt-get not found: install by hand: $PKGS $BACKPORTS_PKGS $SRC_PKG, bindgen-cli $BINDGEN_VERSION"

UPDATED=1
[ -f /var/lib/apt/lists/lock ] && ls /var/lib/apt/lists/*bookworm-security* >/dev/null 2>&1 || UPDATED=0
add_suite mdev-rs-bookworm-backports bookworm-backports
[ -n "${KDIR:-}" ] || add_suite mdev-rs-trixie-backports trixie-backports

m=$(need_pkgs $PKGS $BACKPORTS_PKGS)
[ -n "${KDIR:-}" ] || m="$m$(need_pkgs $SRC_PKG)"
if [ -n "$m" ]; then
	if [ "$UPDATED" = 0 ] || true; then
		say "apt-get update"
		$SUDO apt-get update -qq >/dev/null
	fi
	say "installing:$m"
	export DEBIAN_FRONTEND=noninteractive
	p=$(need_pkgs $PKGS)
	[ -z "$p" ] || $SUDO apt-get install -y -qq --no-install-recommends $p >/dev/null
	p=$(need_pkgs $BACKPORTS_PKGS)
	[ -z "$p" ] || $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports $p >/dev/null
	if [ -z "${KDIR:-}" ]; then
		p=$(need_pkgs $SRC_PKG)
		[ -z "$p" ] || $SUDO apt-get install -y -qq --no-install-recommends -t trixie-backports $p >/dev/null
	fi
fi

# bindgen >= 0.71.1 that uses libclang 19 (Debian's bindgen 0.60 is too old).
BINDGEN=${BINDGEN_BIN:-$HOME/.cargo/bin/bindgen}
if ! "$BINDGEN" --version 2>/dev/null | grep -q "bindgen $BINDGEN_VERSION"; then
	command -v cargo >/dev/null || die "cargo is needed to install bindgen-cli $BINDGEN_VERSION"
	say "cargo install bindgen-cli $BINDGEN_VERSION"
	cargo install --locked --quiet bindgen-cli --version "$BINDGEN_VERSION" --root "$(dirname "$(dirname "$BINDGEN")")"
fi
# Guest userspace for the udev, mdevctl and libvirt tests: Debian's packages, unpacked into the
# cache (not installed on the host); scripts/initramfs.sh copies the programs and, via ldd,
# their libraries. libvirt is bookworm's (9.0); libyajl2 and libssh-4 are the libraries of it
# that a host with the packages above lacks. QEMU in the guest is the host's own.
GUEST_DEBS="udev libudev1 mdevctl libvirt-daemon libvirt-clients libvirt0 libyajl2 libssh-4"
UROOT=${MDEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdev-rs}/guest-udev
if [ -z "${KDIR:-}" ] && [ "$(cat "$UROOT/.ok" 2>/dev/null)" != "$GUEST_DEBS" ]; then
	say "unpacking $GUEST_DEBS for the guest"
	rm -rf "$UROOT" "$UROOT.debs"; mkdir -p "$UROOT.debs"
	(cd "$UROOT.debs" && apt-get download -t bookworm $GUEST_DEBS >/dev/null 2>&1) ||
		die "apt-get download $GUEST_DEBS failed"
	for d in "$UROOT.debs"/*.deb; do dpkg -x "$d" "$UROOT"; done
	rm -rf "$UROOT.debs"
	echo "$GUEST_DEBS" >"$UROOT/.ok"
fi
say "ok"
