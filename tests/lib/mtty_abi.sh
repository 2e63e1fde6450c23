# SPDX-License-Identifier: GPL-2.0
# The sysfs ABI, errno and uevent checks of one mtty-shaped parent (types 1 and 2 on a pool of
# 24 ports, vendor/sample_mdev_dev), from the upstream behaviour spec. Both cores and both
# vendor drivers (the C mtty and the Rust mtty_rs) must pass them unchanged.
# Usage: mtty_abi PARENT_SYSFS_DIR TYPE_PREFIX DRIVER_NAME
mtty_abi() {
P=$1 X=$2 DRV=$3
PN=${P##*/}
T=$P/mdev_supported_types
EV=/tmp/uevents.log
# The listener (uevlog) runs beside the test, so a line may trail the write that caused it:
# wait for the line a check needs, and read the log sorted by SEQNUM.
ev_wait() { wait_for grep -q "$1" $EV; }
U=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001
UP=83B8F4F2-509F-382F-3C1E-E6BFE0FA1002
UL=83b8f4f2-509f-382f-3c1e-e6bfe0fa1002

# --- tree, modes, reads
is "$(readlink /sys/class/mdev_bus/$PN)" "../..${P#/sys}" "mdev_bus link target"
is "$(ls $T | tr '\n' ' ')" "$X-1 $X-2 " "type directories"
for t in $X-1 $X-2; do
	is "$(mode $T/$t/create)" "--w-------" "$t create mode"
	for f in device_api name available_instances; do
		is "$(mode $T/$t/$f)" "-r--r--r--" "$t $f mode"
	done
	is "$(mode $T/$t/devices)" "drwxr-xr-x" "$t devices dir"
	is "$(ls $T/$t | tr '\n' ' ')" "available_instances create device_api devices name " "$t files (no description)"
	is "$(cat $T/$t/device_api)" "vfio-pci" "$t device_api"
done
is "$(cat $T/$X-1/name)" "Single port serial" "$X-1 name"
is "$(cat $T/$X-2/name)" "Dual port serial" "$X-2 name"
is "$(cat $T/$X-1/available_instances)" "24" "$X-1 available"
is "$(cat $T/$X-2/available_instances)" "12" "$X-2 available"
if [ -n "$INTREE" ] && [ "$DRV" = mtty ]; then
	ok "registered uevent on parent # SKIP mtty is built in: it registered at boot, before any listener"
else
	ev_wait "^[0-9]* change ${P#/sys} .* registered\$"
	is "$(awk -v p="${P#/sys}" '$2 == "change" && $3 == p && $6 == "registered"' $EV | wc -l)" "1" "registered uevent on parent"
fi

# --- create
is "$(w $T/$X-2/create "$U\n")" "OK" "create with echo (37 bytes)"
is "$(readlink /sys/bus/mdev/devices/$U)" "../../..${P#/sys}/$U" "bus link"
is "$(readlink $P/$U/mdev_type)" "../mdev_supported_types/$X-2" "mdev_type link"
is "$(readlink $T/$X-2/devices/$U)" "../../../$U" "type devices link"
is "$(mode $P/$U/remove)" "--w-------" "remove mode"
is "$(readlink $P/$U/driver)" "$(up "$P/$U")/bus/mdev/drivers/$DRV" "driver link"
is "$(cat $P/$U/vendor/sample_mdev_dev)" "This is MDEV $U" "vendor attribute"
is "$(cat $T/$X-2/available_instances) $(cat $T/$X-1/available_instances)" "11 22" "counts after create"
ev_wait "^[0-9]* bind ${P#/sys}/$U "
is "$(sort -n $EV | grep " ${P#/sys}/$U " | cut -d' ' -f2,4,5 | tr '\n' ';')" "add mdev -;bind mdev $DRV;" "add then bind uevents"

# --- errno matrix on create
C=$T/$X-1/create
is "$(w $C "")" "OK" "empty write is a no-op"
is "$(w $C "83b8f4f2-509f-382f-3c1e-e6bfe0fa100")" "$EINVAL" "35 bytes"
is "$(w $C "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001xy")" "$EINVAL" "38 bytes"
is "$(w $C "$(head -c 4096 /dev/zero | tr '\0' a)")" "$EINVAL" "4096 bytes"
is "$(w $C "83b8f4f2-509f-382f-3c1e-e6bfe0fa100g")" "$EINVAL" "non-hex"
is "$(w $C "83b8f4f2509f-382f-3c1e--e6bfe0fa1001")" "$EINVAL" "dash misplaced"
is "$(w $C "83b8f4f2-509f-382f-3c1e-e6bfe0fa10\0001")" "$EINVAL" "embedded NUL"
is "$(w $C "{$U}")" "$EINVAL" "braces (38 bytes)"
is "$(w $C "83b8f4f2a509fa382fa3c1eae6bfe0fa1001")" "$EINVAL" "36 hex digits without dashes"
is "$(w $C " 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001")" "$EINVAL" "leading space (37 bytes)"
is "$(w $C "$(echo $U | tr a-f A-F)")" "$EEXIST" "duplicate in upper case"
is "$(w $C "$U")" "$EEXIST" "duplicate on another type"
is "$(w $T/$X-2/create "$U")" "$EEXIST" "duplicate on same type"
is "$(w $C "${UP}x")" "OK" "upper case, 37th byte not newline"
is "$(ls -d $P/$UL 2>/dev/null)" "$P/$UL" "named in lower case"
is "$(cat /sys/bus/mdev/devices/$UL/mdev_type/name)" "Single port serial" "upper-case mdev on $X-1"
is "$(cat $T/$X-1/available_instances)" "21" "count after second create"

# --- remove semantics
R=$P/$UL/remove
is "$(w $R "0")" "OK" "remove 0 is a no-op"
is "$(ls -d $P/$UL 2>/dev/null)" "$P/$UL" "device kept after 0"
is "$(w $R "abc")" "$EINVAL" "remove abc"
is "$(w $R "-1")" "$EINVAL" "remove -1"
is "$(w $R "99999999999999999999999")" "$EINVAL" "remove overflow"
is "$(w $R "0x0")" "OK" "remove 0x0 is a no-op"
is "$(w $R "00")" "OK" "remove 00 is a no-op"
is "$(w $R "0\n")" "OK" "remove 0 and newline is a no-op"
is "$(w $R "+0")" "OK" "remove +0 is a no-op"
is "$(w $R "-0")" "$EINVAL" "remove -0"
is "$(w $R "1 ")" "$EINVAL" "remove 1 and space"
is "$(w $R " 1")" "$EINVAL" "remove space and 1"
is "$(w $R "0x")" "$EINVAL" "remove 0x"
is "$(w $R "1a")" "$EINVAL" "remove 1a"
is "$(w $R "\n")" "$EINVAL" "remove newline only"
is "$(cat $R 2>&1 >/dev/null | sed 's/.*: //')" "$EACCES" "read of remove"
is "$(ls -d $P/$UL 2>/dev/null)" "$P/$UL" "device kept after the no-ops and errors"
is "$(w $R "0x10")" "OK" "remove 0x10 removes"
is "$(ls -d $P/$UL 2>/dev/null)" "" "device gone"
is "$(w $P/$U/remove "2")" "OK" "remove 2 removes"
wait_eq $T/$X-1/available_instances 24
is "$(cat $T/$X-1/available_instances)" "24" "count restored after release"
ev_wait "^[0-9]* remove ${P#/sys}/$U "
is "$(sort -n $EV | grep " ${P#/sys}/$U " | cut -d' ' -f2 | tr '\n' ';')" "add;bind;unbind;remove;" "uevent order for create/remove"
is "$(ls /sys/bus/mdev/devices | wc -l)" "0" "no mdev left"

# --- permissions
is "$(cat $C 2>&1 >/dev/null | sed 's/.*: //')" "$EACCES" "read of create"
is "$(w $T/$X-1/name "x")" "$EACCES" "write to name"
is "$(w $T/$X-1/device_api "x")" "$EACCES" "write to device_api"
is "$(w $T/$X-1/available_instances "1")" "$EACCES" "write to available_instances"
r=$(su user -s /bin/sh -c "id -u; printf $U > $C" 2>&1 | tr '\n' ' ')
is "${r##*: }" "$EACCES " "create as uid 1000 ($r)"

# --- exhaustion: vendor probe errno passes through
i=0; r=OK
while [ $i -lt 12 ]; do r=$(w $T/$X-2/create "$(printf 'aaaaaaaa-0000-0000-0000-%012d' $i)"); [ "$r" = OK ] || break; i=$((i + 1)); done
is "$i $r" "12 OK" "12 dual-port mdevs fit"
is "$(cat $T/$X-2/available_instances) $(cat $T/$X-1/available_instances)" "0 0" "pool exhausted"
is "$(w $T/$X-1/create "bbbbbbbb-0000-0000-0000-000000000000")" "$ENOSPC" "probe -ENOSPC passed through"
is "$(ls /sys/bus/mdev/devices | wc -l)" "12" "failed create left nothing"
for d in /sys/bus/mdev/devices/*; do w $d/remove 1 >/dev/null; done
wait_eq $T/$X-1/available_instances 24
is "$(cat $T/$X-1/available_instances)" "24" "all ports back"
}
