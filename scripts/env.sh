# SPDX-License-Identifier: GPL-2.0
# Shared settings for the test bed; sourced by the other scripts.
CACHE=${MDEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdev-rs}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${MDEV_OUT:-$TOP/build}
SRC_TARBALL=/usr/src/linux-source-7.3.tar.xz
LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
export LIBCLANG_PATH
# The kernel must be built by the rustc whose rust-src it compiles `core` from.
KMAKE_TOOLS=(LLVM="${LLVM:--19}" RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
	BINDGEN="${BINDGEN:-$HOME/.cargo/bin/bindgen}" CLIPPY_DRIVER=/usr/bin/clippy-driver)
# The tree every kernel and module is built from: SRC_TARBALL unpacked, plus the in-tree files of
# scripts/intree.sh, which change nothing unless VFIO_MDEV_RUST is set (kernel.sh makes it).
build_src() { echo "$CACHE/src-$(stat -c %s-%Y "$SRC_TARBALL")/linux-source-7.3"; }
# The pristine drivers/vfio/mdev of SRC_TARBALL, as a tree holding only that directory.
pristine_src() { echo "$CACHE/src-$(stat -c %s-%Y "$SRC_TARBALL")/pristine/linux-source-7.3"; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { echo "error: $*" >&2; exit 1; }
