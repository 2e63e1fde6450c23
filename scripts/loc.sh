#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Code lines (no blank or comment lines) of the core against the C core it replaces, counted the
# same way, as in tree (no line marked `// out-of-tree only`); for Rust without items under #[cfg(CONFIG_VFIO_MDEV_RUST_KUNIT_TEST)] (tests) and mdev_kunit.rs.
# Usage: scripts/loc.sh [KERNEL_SOURCE]
set -eo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
KSRC=${1:-$(ls -d "${XDG_CACHE_HOME:-$HOME/.cache}"/mdev-rs/src-*/linux-source-7.3 2>/dev/null | head -1)}
count() {	# count FILE...: code lines, skipping /* */ blocks, // lines and test-only items
	awk '
	skip_next { skip_next = 0; if ($0 ~ /\{[[:space:]]*$/) { depth = 1; skipping = 1 } ; next }
	skipping { n1 = gsub(/\{/, "{"); n2 = gsub(/\}/, "}"); depth += n1 - n2; if (depth <= 0) skipping = 0; next }
	/^[[:space:]]*#\[cfg\(CONFIG_VFIO_MDEV_RUST_KUNIT_TEST\)\]/ { skip_next = 1; next }
	/^[[:space:]]*\/\*/ { if ($0 !~ /\*\//) incomment = 1; next }
	incomment { if ($0 ~ /\*\//) incomment = 0; next }
	/^[[:space:]]*$/ || /^[[:space:]]*(\/\/|\*)/ || /\/\/ out-of-tree only$/ { next }
	{ n++ }
	END { print n + 0 }' "$@"
}
core=$(cd "$TOP" && count mdev_core.rs mdev_uuid.rs mdev_registry.rs mdev_gate.rs mdev_device.rs mdev_sysfs.rs mdev_uevent.rs)
layer=$(cd "$TOP" && count rust/kernel/*.rs)
c=$(cd "$TOP" && count mdev_abi.c)
echo "core logic (mdev_*.rs but mdev_kunit.rs, tests excluded): $core"
echo "abstractions (rust/kernel/*.rs, tests excluded): $layer"
echo "C (mdev_abi.c): $c"
if [ -d "$KSRC/drivers/vfio/mdev" ]; then
	up=$(cd "$KSRC/drivers/vfio/mdev" && count mdev_core.c mdev_sysfs.c mdev_driver.c)
	echo "upstream C core (mdev_core.c, mdev_sysfs.c, mdev_driver.c): $up"
	awk -v a="$core" -v b="$up" 'BEGIN { printf "ratio core/upstream: %.2f\n", a / b }'
fi
