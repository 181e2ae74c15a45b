#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge a guest run.

usage: results.py <console-log> <results-file>

Counts KUnit results the kernel printed at boot (leaf test cases only, from the
console log, before the guest start marker) and kselftest TAP results (from the
clean second-serial results file, falling back to the console log), finds
kernel splats anywhere in the console log, checks the end marker, prints a
report and, last, "N passed, N failed, N skipped".  Exit 1 on any failure.
"""
import re
import sys

START = "=== ASYNC-GUEST-START"
END = "=== ASYNC-GUEST-END"
TS = re.compile(r"^\[\s*\d+\.\d+\]\s?")
TS_ANY = re.compile(r"\[\s*\d+\.\d+\]")
RESULT = re.compile(r"^(?P<ind>\s*)(?P<not>not )?ok (?P<n>\d+)\b(?P<rest>.*)$")
SKIP = re.compile(r"#\s*SKIP", re.I)

SPLATS = [
    r"BUG:", r"WARNING:", r"\bOops\b", r"Kernel panic", r"BUG: KASAN",
    r"possible circular locking", r"possible recursive locking",
    r"inconsistent lock state", r"suspicious RCU usage", r"WARNING: bad unlock",
    r"possible irq lock inversion", r"lock held when returning to user space",
    r"held lock freed", r"rcu: INFO", r"detected stall", r"hung_task",
    r"blocked for more than", r"kmemleak: .*new suspected memory leaks",
    r"unreferenced object 0x", r"UBSAN", r"general protection fault",
    r"Call Trace:", r"list_add corruption", r"list_del corruption",
    r"sleeping function called from invalid context", r"scheduling while atomic",
    r"\bsegfault at\b", r"Unable to handle kernel", r"double fault",
    r"stack-protector:", r"refcount_t: ",
]
SPLAT_RE = re.compile("|".join("(?:%s)" % p for p in SPLATS))


def count_tap(lines):
    """Leaf results of (K)TAP lines: a result line is a leaf unless deeper
    result lines came since the last result at its own depth."""
    passed, failed, skipped = [], [], []
    deeper_seen = {}  # indent -> saw results at this indent since a shallower result
    for line in lines:
        m = RESULT.match(line.expandtabs(4))
        if not m:
            continue
        ind = len(m.group("ind"))
        leaf = not any(v for k, v in deeper_seen.items() if k > ind)
        for k in [k for k in deeper_seen if k > ind]:
            del deeper_seen[k]
        deeper_seen[ind] = True
        if not leaf:
            continue
        name = (m.group("n") + m.group("rest")).strip()
        if SKIP.search(m.group("rest")):
            skipped.append(name)
        elif m.group("not"):
            failed.append(name)
        else:
            passed.append(name)
    return passed, failed, skipped


def main():
    clog, rfile = sys.argv[1], sys.argv[2]
    with open(clog, errors="replace") as f:
        console = f.read().splitlines()
    try:
        with open(rfile, errors="replace") as f:
            results = f.read().splitlines()
    except OSError:
        results = []

    problems = []
    start = next((i for i, l in enumerate(console) if START in l), None)
    end = any(END in l for l in console)
    if start is None:
        problems.append("guest never reached init (no start marker): boot failure")
        start = len(console)
    if not end:
        problems.append("no end marker: the guest crashed, reset (triple fault: QEMU "
                        "exits quietly with -no-reboot) or hung before finishing; "
                        "last line: " + (console[-1] if console else "(empty log)"))

    # KUnit: kernel log lines (timestamped) printed before init started.
    kunit_lines = [TS.sub("", l) for l in console[:start] if TS.match(l)]
    k_pass, k_fail, k_skip = count_tap(kunit_lines)

    # kselftests: the clean results channel; console if it is empty.
    if not any(RESULT.match(l) for l in results):
        results = [l for l in console[start:] if not TS.match(l)]
    s_pass, s_fail, s_skip = count_tap(results)
    # Each binary: a begin must have an end; a crash without "not ok" counts.
    begun, ended = {}, {}
    current_has_fail = {}
    ntap = {}
    cur = None
    for l in results:
        m = re.search(r"=== SELFTEST-BEGIN (\S+) ===", l)
        if m:
            cur = m.group(1); begun[cur] = True; current_has_fail[cur] = False
            continue
        m = re.search(r"=== SELFTEST-END (\S+) rc=(\d+) ===", l)
        if m:
            ended[m.group(1)] = int(m.group(2)); cur = None
            continue
        if cur and RESULT.match(l):
            ntap[cur] = ntap.get(cur, 0) + 1
            if RESULT.match(l).group("not"):
                current_has_fail[cur] = True
    for t in begun:
        if t not in ended:
            s_fail.append(f"{t}: never finished (crash/hang)")
        elif ended[t] not in (0, 4) and not current_has_fail[t]:
            s_fail.append(f"{t}: exited with status {ended[t]} without a failing TAP line")
        elif ended[t] != 4 and not ntap.get(t):
            s_fail.append(f"{t}: printed no TAP result")

    # Splats: kernel (timestamped) text anywhere in a line, so a test that
    # prints "BUG:" itself is not one, plus the kmemleak report init cats.
    splats = []
    in_kmemleak = False
    for i, l in enumerate(console, 1):
        if "=== KMEMLEAK-BEGIN" in l:
            in_kmemleak = True
        elif "=== KMEMLEAK-END" in l:
            in_kmemleak = False
        ts = TS_ANY.search(l)
        text = l if in_kmemleak else (l[ts.start():] if ts else "")
        if SPLAT_RE.search(text):
            splats.append(f"  {clog}:{i}: {l}")

    print(f"KUnit (boot):  {len(k_pass)} passed, {len(k_fail)} failed, {len(k_skip)} skipped")
    print(f"kselftests:    {len(s_pass)} passed, {len(s_fail)} failed, {len(s_skip)} skipped"
          f" ({len(begun)} binaries)")
    for name in k_fail:
        print(f"  FAILED KUnit: {name}")
    for name in s_fail:
        print(f"  FAILED kselftest: {name}")
    for name in k_skip + s_skip:
        print(f"  skipped: {name}")
    if splats:
        problems.append(f"{len(splats)} kernel splat line(s) in the guest log")
        print("Splat lines matched:")
        print("\n".join(splats[:200]))
    if not begun and not (s_pass or s_fail):
        problems.append("no kselftest ran")
    for p in problems:
        print(f"FAILURE: {p}")

    passed = len(k_pass) + len(s_pass)
    failed = len(k_fail) + len(s_fail)
    skipped = len(k_skip) + len(s_skip)
    if problems and failed == 0:
        failed = 1  # a crash/hang/splat is a failure even with no failed test line
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if (failed or problems) else 0


if __name__ == "__main__":
    sys.exit(main())
