#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A VFIO client opens an mtty mdev the way QEMU does (tests/vfio/vfio_client.c), on the core
# named by $CORE with the unmodified C mtty.
. /tests/lib/tap.sh
U=40f10000-0000-4000-8000-000000000001
T=/sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1
is "$(w $T/create $U)" "OK" "create an mtty mdev"
is "$(ls /sys/bus/mdev/devices/$U/iommu_group >/dev/null 2>&1 && echo yes)" "yes" "mdev has an iommu_group"
/bin/vfio_client $U > /tmp/vfio.out; rc=$?
sed -e 's/^ok [0-9]* - /ok - client: /' -e 's/^not ok [0-9]* - /not ok - client: /' /tmp/vfio.out > /tmp/vfio.tap
while IFS= read -r l; do
	case $l in
	"ok - "*) ok "${l#ok - }" ;;
	"not ok - "*) nok "${l#not ok - }" ;;
	"#"*) echo "$l" ;;
	esac
done < /tmp/vfio.tap
is "$rc $(grep -c '^ok ' /tmp/vfio.out)" "0 20" "client: exit status 0, 20 checks passed"
wait_eq $T/available_instances 24
is "$(cat $T/available_instances)" "24" "ports back after the client"
done_testing
