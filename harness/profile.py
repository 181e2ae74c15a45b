#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""harness/profile.py <System.map> <results.txt> <out-dir> [top]

Map the kernel profiles that `async_bench -P` printed (BENCH_PROFILE=1 make
bench) to functions and write <out-dir>/profile-<name>.txt for each, also
printed on stdout: the top functions by hits (default 40).

A profile section of results.txt:

    <!-- PROF-BEGIN -->
    PROF-NAME <name>
    PROF-INFO <free text>
    PROF-LEN <number of buckets>
    PROF <bucket-index> <count>        (nonzero buckets only)
    PROF-SHIFT <shift>
    <!-- PROF-END -->

Bucket i counts the timer ticks that found a kernel PC in
[_stext + (i << shift), _stext + ((i + 1) << shift)) (kernel/profile.c:
do_profile_hits(); /proc/profile holds 1 << shift, then the buckets).
"""

import bisect
import os
import sys

# Where an idle CPU sits: listed, but also left out of the "busy" share.
IDLE = ("default_idle", "arch_cpu_idle", "default_idle_call", "do_idle",
        "cpu_idle_poll", "pv_native_safe_halt", "native_safe_halt",
        "acpi_idle_do_entry", "acpi_idle_enter", "acpi_safe_halt",
        "mwait_idle", "intel_idle", "poll_idle", "cpuidle_enter_state")


def read_map(path):
    """Text symbols of System.map, sorted: (addresses, names, _stext, _etext)."""
    syms = []
    stext = etext = None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            addr, typ, name = int(parts[0], 16), parts[1], parts[2]
            if name == "_stext":
                stext = addr
            elif name == "_etext":
                etext = addr
            if typ in "tTwW" and not name.startswith("__pfx_"):
                syms.append((addr, name))
    if stext is None or etext is None:
        sys.exit("profile.py: no _stext/_etext in %s" % path)
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms], stext, etext


def read_sections(path):
    """The profile sections of results.txt, in order."""
    sections, cur = [], None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line == "<!-- PROF-BEGIN -->":
                cur = {"name": None, "info": [], "len": None, "shift": None, "hits": {}}
            elif line == "<!-- PROF-END -->":
                if cur is not None:
                    if cur["name"] is None or cur["shift"] is None:
                        sys.exit("profile.py: %s: a section without PROF-NAME or "
                                 "PROF-SHIFT" % path)
                    sections.append(cur)
                cur = None
            elif cur is None:
                continue
            elif line.startswith("PROF-NAME "):
                cur["name"] = line.split(None, 1)[1].strip()
            elif line.startswith("PROF-INFO "):
                cur["info"].append(line.split(None, 1)[1].strip())
            elif line.startswith("PROF-LEN "):
                cur["len"] = int(line.split()[1])
            elif line.startswith("PROF-SHIFT "):
                cur["shift"] = int(line.split()[1])
            elif line.startswith("PROF "):
                _, idx, cnt = line.split()
                cur["hits"][int(idx)] = cur["hits"].get(int(idx), 0) + int(cnt)
    return sections


def report(sec, addrs, names, stext, etext, top):
    """The text of one profile."""
    shift = sec["shift"]
    funcs = {}
    for idx, cnt in sec["hits"].items():
        addr = stext + (idx << shift)
        if addr >= etext:
            fn = "(beyond _etext)"
        else:
            i = bisect.bisect_right(addrs, addr) - 1
            fn = names[i] if i >= 0 else "(before the first symbol)"
        funcs[fn] = funcs.get(fn, 0) + cnt
    total = sum(funcs.values())
    idle = sum(c for f, c in funcs.items() if f in IDLE)
    busy = total - idle
    out = ["kernel profile %s: %d ticks in the kernel (%d idle, %d busy); bucket %d bytes "
           "(shift %d), _stext 0x%x" % (sec["name"], total, idle, busy, 1 << shift, shift,
                                        stext)]
    out += ["  " + i for i in sec["info"]]
    if sec["len"] is not None and sec["len"] != (etext - stext) >> shift:
        out.append("  WARNING: %d buckets, System.map gives %d: not this kernel's map?"
                   % (sec["len"], (etext - stext) >> shift))
    out.append("")
    out.append("%8s %7s %7s  %s" % ("hits", "% all", "% busy", "function"))
    ranked = sorted(funcs.items(), key=lambda kv: (-kv[1], kv[0]))
    for fn, cnt in ranked[:top]:
        out.append("%8d %6.2f%% %7s  %s" % (
            cnt, 100.0 * cnt / total if total else 0,
            "idle" if fn in IDLE else
            ("%6.2f%%" % (100.0 * cnt / busy) if busy else "-"), fn))
    if len(ranked) > top:
        rest = sum(c for _, c in ranked[top:])
        out.append("%8d %6.2f%% %7s  (%d more functions)" % (
            rest, 100.0 * rest / total if total else 0, "", len(ranked) - top))
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__.strip().splitlines()[0])
    smap, results, outdir = sys.argv[1:4]
    top = int(sys.argv[4]) if len(sys.argv) == 5 else 40
    addrs, names, stext, etext = read_map(smap)
    sections = read_sections(results)
    if not sections:
        sys.exit("profile.py: no profile in %s" % results)
    os.makedirs(outdir, exist_ok=True)
    for sec in sections:
        text = report(sec, addrs, names, stext, etext, top)
        path = os.path.join(outdir, "profile-%s.txt" % sec["name"])
        with open(path, "w") as f:
            f.write(text)
        sys.stdout.write(text + "(written to %s)\n\n" % path)


if __name__ == "__main__":
    main()
