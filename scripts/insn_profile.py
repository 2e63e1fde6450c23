#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Report of make bench PROFILE=insn: kernel instructions per operation, by function, per core.

insn_profile.py SYSTEM_MAP DIR: DIR holds, for each metric M, core C and loop count N, the guest's
console log console-insn-M-C-N.log (with its KSYM lines) and the plugin's counts insn-M-C-N.tb
(tests/tools/insnprof.rs). Two counts per metric and core: the profile of an operation is the
difference of the two runs divided by the difference of their counts, so that the boot and the
setup cancel out. Writes DIR/report.txt and prints it.
"""
import bisect
import collections
import glob
import os
import re
import sys

TOP = 40


def symbols(system_map, log):
    """Sorted (address, name) of the kernel, relocated as the guest ran it, and its modules."""
    syms, stext = [], None
    for line in open(log, errors="replace"):
        if "KSYM " not in line:
            continue
        f = line.split("KSYM ", 1)[1].split()
        if f[2] == "_stext":
            stext = int(f[0], 16)
        elif len(f) > 3:
            syms.append((int(f[0], 16), f[2] + " " + f[3]))
    if stext is None:
        sys.exit(f"insn_profile: no _stext in {log}")
    base, kernel = None, []
    for line in open(system_map):
        a, t, name = line.split()[:3]
        if name == "_stext":
            base = int(a, 16)
        if t in "tTwW":
            kernel.append((int(a, 16), name))
    syms += [(a + stext - base, n) for a, n in kernel]
    syms.sort()
    return syms


def profile(system_map, log, tb):
    syms = symbols(system_map, log)
    addrs = [a for a, _ in syms]
    counts = collections.Counter()
    for line in open(tb):
        va, n = line.split()
        i = bisect.bisect_right(addrs, int(va, 16)) - 1
        name = syms[i][1] if i >= 0 else "?"
        counts[re.sub(r"\.(cold|isra|constprop|part)(\.\d+)?", "", name)] += int(n)
    return counts


def main():
    system_map, d = sys.argv[1], sys.argv[2]
    runs = collections.defaultdict(list)
    for tb in glob.glob(os.path.join(d, "insn-*.tb")):
        _, metric, core, n = os.path.basename(tb)[:-3].split("-")
        log = os.path.join(d, f"console-insn-{metric}-{core}-{n}.log")
        runs[(metric, core)].append((int(n), profile(system_map, log, tb)))
    out = []
    for metric in sorted({m for m, _ in runs}):
        per = {}
        for core in ("rs", "c"):
            r = sorted(runs.get((metric, core), []), key=lambda x: x[0])
            if len(r) != 2:
                sys.exit(f"insn_profile: {metric} {core}: need two runs, have {len(r)}")
            (n1, p1), (n2, p2) = r
            per[core] = {k: (p2[k] - p1[k]) / (n2 - n1) for k in set(p1) | set(p2)}
        tot = {c: sum(per[c].values()) for c in per}
        out.append(f"{metric}: kernel instructions per operation: ours {tot['rs']:,.0f}, "
                   f"C core {tot['c']:,.0f}, ours/C {tot['rs'] / tot['c']:.4f}")
        out.append(f"{'ours - C':>10} {'ours':>10} {'C core':>10}  function")
        keys = set(per["rs"]) | set(per["c"])
        diff = sorted(keys, key=lambda k: -abs(per["rs"].get(k, 0) - per["c"].get(k, 0)))
        for k in diff[:TOP]:
            r, c = per["rs"].get(k, 0), per["c"].get(k, 0)
            out.append(f"{r - c:10,.0f} {r:10,.0f} {c:10,.0f}  {k[:110]}")
        out.append("")
    text = "\n".join(out)
    open(os.path.join(d, "report.txt"), "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
