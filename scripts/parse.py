#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn guest console logs into test results.

Guest tests print TAP behind an "@@<name>: " prefix; KUnit results come as "@@kunit: " KTAP.
Every kernel report (KASAN, BUG, WARNING, lockdep, Oops, panic, kmemleak, refcount) is a
failure, and so is a boot that never prints "@@done", except a WARNING that a test announced
with the TAP comment "# expect WARNING <file>": the next WARNING at <file> and the lines up to its
"---[ end trace" are then part of the test, and an announced WARNING that never comes fails. Usage: parse.py LOG... ; prints one
line per result, the failures' names again, and a final "N passed, N failed[, N skipped]";
exits 1 on any failure.
"""
import re
import sys

REPORT = re.compile(
    r"BUG:|WARNING:|Oops|Kernel panic|general protection fault|KASAN|UBSAN|"
    r"possible circular locking|possible recursive locking|inconsistent lock state|"
    r"suspicious RCU usage|refcount_t:|list_add corruption|list_del corruption|"
    r"ODEBUG:|kernel BUG at|Call Trace:|INFO: task .* blocked")
TAP = re.compile(r"^(not ok|ok) (\d+)( - |\s)?(.*?)(\s+# SKIP.*)?$")
TS = re.compile(r"^\[\s*\d+\.\d+\]\s?")


def parse(path, res):
    lines = open(path, errors="replace").read().splitlines()
    boots, done = set(), set()
    last = None
    boot = "?"
    expected = []  # (test, file) of announced WARNINGs not yet seen
    in_expected = False
    for i, raw in enumerate(lines):
        line = raw.rstrip("\r")
        if "@@" in line:
            body = line[line.index("@@") + 2:]
            if body.startswith("boot "):
                boot = body[5:].strip()
                boots.add(boot)
                continue
            if body.startswith("done "):
                done.add(body[5:].strip())
                continue
            name, _, rest = body.partition(": ")
            m = re.match(r"^# expect WARNING (\S+)$", rest)
            if m:
                expected.append((name, m.group(1)))
                continue
            if name == "kmemleak":
                if rest.startswith("unreferenced object") or not last or not last[1].startswith("kmemleak"):
                    res.append(("fail", f"kmemleak: {rest}", []))
                    last = res[-1]
                else:
                    last[2].append(rest)
                continue
            if name == "kunit":
                m = re.match(r"^    (not ok|ok) \d+ (\S+)(.*)$", rest)
                if m:
                    st = "skip" if "# SKIP" in m.group(3) else ("pass" if m.group(1) == "ok" else "fail")
                    res.append((st, f"{boot}/kunit/mdev_rs/{m.group(2)}", []))
                    last = res[-1]
                elif rest.strip().startswith("#") and last and last[0] == "fail":
                    last[2].append(rest.strip())
                elif rest.startswith("not ok"):
                    res.append(("fail", f"{boot}/kunit: {rest}", []))
                continue
            m = TAP.match(rest)
            if m:
                st = "pass" if m.group(1) == "ok" else "fail"
                if m.group(5):
                    st = "skip"
                res.append((st, f"{name}: {m.group(4)}", []))
                last = res[-1]
            elif rest.startswith("#") and last and last[0] == "fail":
                last[2].append(rest)
            continue
        text = TS.sub("", line)
        if in_expected:
            in_expected = "---[ end trace" not in text
            continue
        # "WARNING: <file>:<line> at <function>" (7.3) or "WARNING: CPU: ... at <file>:<line>"
        w = next((e for e in expected if text.startswith("WARNING:")
                  and re.search(r"(^WARNING: | at )(\S*/)?" + re.escape(e[1]) + r":\d", text)), None)
        if w:
            expected.remove(w)
            res.append(("pass", f"{w[0]}: the announced WARNING at {w[1]}", []))
            in_expected = True
            continue
        if REPORT.search(text):
            ctx = [TS.sub("", l) for l in lines[max(0, i - 3):i + 12]]
            res.append(("fail", f"kernel report in {path}: {text.strip()}", ctx))
    for name, f in expected:
        res.append(("fail", f"{name}: the announced WARNING at {f} did not come ({path})", []))
    for b in sorted(boots - done) or ([] if boots else ["(none)"]):
        tail = [TS.sub("", l) for l in lines[-25:]]
        res.append(("fail", f"boot {b} did not complete ({path})", tail))


def main():
    res = []
    for p in sys.argv[1:]:
        parse(p, res)
    # Report each kernel splat once (a trace has many matching lines).
    seen_report = False
    out = []
    for st, name, ctx in res:
        if name.startswith("kernel report"):
            if seen_report:
                continue
            seen_report = True
        out.append((st, name, ctx))
    for st, name, ctx in out:
        print(f"{st.upper():4} {name}")
        if st == "fail":
            for c in ctx[:30]:
                print(f"       | {c}")
    n = {k: sum(1 for s, _, _ in out if s == k) for k in ("pass", "fail", "skip")}
    # Again at the end, where a log cut in the middle still shows them.
    for st, name, _ in out:
        if st == "fail":
            print(f"failed: {name}")
    return n


if __name__ == "__main__":
    n = main()
    s = f"{n['pass']} passed, {n['fail']} failed"
    if n["skip"]:
        s += f", {n['skip']} skipped"
    print(s)
    sys.exit(1 if n["fail"] or not (n["pass"] + n["fail"]) else 0)
