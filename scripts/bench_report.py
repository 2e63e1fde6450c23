#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise the console logs of `make bench`.

Reads the "BENCH core=C round=R metric=M x=X value=V" lines of each log and writes to OUTDIR:
bench.json (per clock: every sample, and median/min/max per core with the ratio ours/upstream),
bench.md (a table per clock) and scaling.png (time per create against live mdevs, both cores).
CONSOLE_LOG is the boot timed by the wall clock ("-": none); ICOUNT_LOG, if given, the same rounds
in a boot whose guest clock counts instructions (QEMU -icount shift=0: one instruction per ns).
The ratio is that of the medians, which the goals use; "paired" is the median of the per-round
ratios (both cores run in every round), less sensitive to drift within the boot, with their
spread.
Usage: bench_report.py CONSOLE_LOG OUTDIR [ICOUNT_LOG]
"""
import json
import os
import re
import statistics
import sys

LINE = re.compile(r"BENCH core=(\w+) round=(\d+) metric=(\w+) x=(\d+) value=(-?\d+)")
PROFILE = re.compile(r"PROFILE core=(\w+) metric=(\w+): (.*)")
LABEL = {
    "cr": "create + remove, per pair (ns)",
    "create": "create with {x} live mdevs, per create (ns)",
    "mem": "slab objects per live mdev, {x} live (bytes)",
    "memslab": "slab pages per live mdev, {x} live (bytes)",
    "memfree": "MemTotal - MemFree per live mdev, {x} live (bytes)",
    "reg": "unregister + register {x} parents (ns)",
    "unreg": "unregister a parent with {x} live mdevs (ns)",
}
GOAL = {("cr", None): 1.00, ("create", "10000"): 0.5, ("create", "65536"): 0.15,
        ("reg", "1000"): 1.0, ("mem", "10000"): 1.0, ("mem", "65536"): 1.0, ("unreg", "10000"): 1.0}


CLOCKS = {
    "wall": "wall clock (TCG, host time)",
    "icount": "instruction clock (-icount shift=0: 1 ns per guest instruction)",
}


def summarise(log):
    """The rows of one console log, and its perf profiles by file name."""
    rounds = {}
    profiles = {}
    for line in open(log, errors="replace"):
        m = LINE.search(line)
        if m:
            core, rnd, metric, x, v = m.groups()
            rounds.setdefault((metric, x), {}).setdefault(core, {})[rnd] = int(v)
        m = PROFILE.search(line)
        if m:
            profiles.setdefault(f"profile-{m[1]}-{m[2]}.txt", []).append(m[3].rstrip())
    if not rounds:
        sys.exit(f"no BENCH lines in {log}")
    rows = []
    for (metric, x), per in sorted(rounds.items(), key=lambda k: (k[0][0], int(k[0][1]))):
        row = {"metric": metric, "x": int(x), "label": LABEL[metric].format(x=x)}
        for core in ("rs", "c"):
            v = list(per.get(core, {}).values())
            row[core] = {"median": statistics.median(v), "min": min(v), "max": max(v),
                         "samples": v} if v else None
        if row["rs"] and row["c"] and row["c"]["median"]:
            row["ratio"] = round(row["rs"]["median"] / row["c"]["median"], 3)
            pairs = [per["rs"][r] / v for r, v in per["c"].items() if v and r in per["rs"]]
            if pairs:
                row["paired"] = round(statistics.median(pairs), 3)
                row["paired_min"] = round(min(pairs), 3)
                row["paired_max"] = round(max(pairs), 3)
        goal = GOAL.get((metric, x), GOAL.get((metric, None)))
        if goal is not None and "ratio" in row:
            row["goal"] = goal
            row["met"] = row["ratio"] <= goal
        rows.append(row)
    return rows, profiles


def table(rows):
    def cell(r):
        return f"{r['median']:.0f} ({r['min']}–{r['max']})" if r else "-"

    def paired(r):
        return f"{r['paired']} ({r['paired_min']}–{r['paired_max']})" if "paired" in r else "-"

    md = ["| metric | ours: median (min–max) | upstream: median (min–max) | ours/upstream"
          " | paired: median (min–max) | goal |", "|---|---|---|---|---|---|"]
    for r in rows:
        goal = f"≤ {r['goal']:.2f} {'met' if r['met'] else 'MISSED'}" if "goal" in r else ""
        md.append(f"| {r['label']} | {cell(r['rs'])} | {cell(r['c'])} | {r.get('ratio', '-')}"
                  f" | {paired(r)} | {goal} |")
    return md


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: bench_report.py CONSOLE_LOG OUTDIR [ICOUNT_LOG]")
    logs = {"wall": sys.argv[1]} if sys.argv[1] != "-" else {}
    if len(sys.argv) == 4:
        logs["icount"] = sys.argv[3]
    outdir = sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    clocks = {}
    md = []
    for clock, log in logs.items():
        rows, profiles = summarise(log)
        clocks[clock] = {"log": log, "clock": CLOCKS[clock], "results": rows}
        for name, lines in profiles.items():
            name = name if clock == "wall" else name.replace(".txt", f"-{clock}.txt")
            with open(os.path.join(outdir, name), "w") as f:
                f.write("\n".join(lines) + "\n")
            print(f"profile: {os.path.join(outdir, name)}")
        md += [f"{CLOCKS[clock]}:", ""] + table(rows) + [""]
    with open(os.path.join(outdir, "bench.json"), "w") as f:
        json.dump({"clocks": clocks}, f, indent=1)
    with open(os.path.join(outdir, "bench.md"), "w") as f:
        f.write("\n".join(md))
    print("\n".join(md))
    plot(clocks, os.path.join(outdir, "scaling.png"))


def plot(clocks, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no matplotlib: scaling.png not written (scripts/deps.sh bench installs it)")
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for clock, style in (("wall", "-"), ("icount", "--")):
        if clock not in clocks:
            continue
        pts = [r for r in clocks[clock]["results"] if r["metric"] == "create"]
        for core, name in (("rs", "Rust core (ours)"), ("c", "C core (upstream)")):
            xs = [r["x"] for r in pts if r[core]]
            ys = [r[core]["median"] / 1000 for r in pts if r[core]]
            lo = [(r[core]["median"] - r[core]["min"]) / 1000 for r in pts if r[core]]
            hi = [(r[core]["max"] - r[core]["median"]) / 1000 for r in pts if r[core]]
            ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3, linestyle=style,
                        label=f"{name}, {clock}")
    ax.set_xlabel("live mdevs")
    ax.set_ylabel("time per create (µs; icount: 1000 instructions)")
    ax.set_title("mdev create at scale")
    ax.set_ylim(bottom=0)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
