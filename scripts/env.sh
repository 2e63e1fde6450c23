# SPDX-License-Identifier: GPL-2.0
# Shared settings for the test bed; sourced by the other scripts.
CACHE=${MDEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdev-rs}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${MDEV_OUT:-$TOP/build}
# The kernel a script works on: 7.3 (7.3.4) by default, or 7.2 (7.2.12) with KVER=7.2; each
# from Debian's linux-source package.
KVER=${KVER:-7.3}
tarball() { echo "/usr/src/linux-source-$1.tar.xz"; }	# tarball VER
# src_dir VER: the cache directory its tarball unpacks into, named by the tarball's size and time
src_dir() { echo "$CACHE/src-$(stat -c %s-%Y "$(tarball "$1")")"; }
SRC_TARBALL=$(tarball "$KVER")
LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
export LIBCLANG_PATH
# The kernel must be built by the rustc whose rust-src it compiles `core` from.
KMAKE_TOOLS=(LLVM="${LLVM:--19}" RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
	BINDGEN="${BINDGEN:-$HOME/.cargo/bin/bindgen}" CLIPPY_DRIVER=/usr/bin/clippy-driver)
# The tree the out-of-tree kernels and modules are built from (of KVER at the call).
build_src() { echo "$(src_dir "$KVER")/linux-source-$KVER"; }
# A git repository of the 7.3 tarball (tag v7.3.4): the in-tree series is committed and built
# there.
SERIES_TARBALL=$(tarball 7.3)
series_git() { echo "$(src_dir 7.3)/series/linux-source-7.3"; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { echo "error: $*" >&2; exit 1; }
