#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The ABI checks with the upstream C mtty sample, on the core named by $CORE (rs: ours,
# c: upstream mdev.ko).
. /tests/lib/tap.sh
. /tests/lib/mtty_abi.sh
mtty_abi /sys/devices/virtual/mtty/mtty mtty mtty
done_testing
