#!/usr/bin/env python3
"""The report of `make qemu-test` (docs/qemu.md).

  report.py --dir RUNDIR --report FILE.md [--elapsed SECONDS] [--kernel-check LOG]

Reads the consoles boot.py wrote in RUNDIR: {stock,port}-smp{1,4}.log and
model-smp1.log, each with its .json status.  For each run it finds the
guest program's lines (`vmtest:` functional transcript, `vmstress:`,
`vmbench:`), the kernel's console lines of interest, and any failure: a
panic, a KKASSERT (an assertion panic), a fault, DDB, a time-out, QEMU gone,
or a halt before `vmtest: end`; with DDB's trace and the console's tail.

Then: the transcripts of stock and port, line by line, for -smp 1 and
-smp 4; the kernel lines of interest (`Warning, pid N killed with active
VC!` and the like) as multisets; bench ratios port/stock; both kernels'
stress result; the self-check (the model-header kernel must fail or differ).
Writes the report and prints, last, exactly

  qemu-test: S scenarios, N calls, D differences; panics: stock P1, port P2; smp: T threads x I iterations, ok|FAILED

Exit status 1 when D > 0, a stock or port run failed, the stress failed, a
run reported failed expectations, or the self-check saw no failure.

The 22b7a3dbf6 guest program (DragonFly 5.0's tree) runs `busy` last,
after the line `vmtest: known-divergence destroy-ebusy-leak: ...`: the C
original's refused vmspace_destroy keeps the active reference it took (an
upstream bug the port fixes, the port's allowed divergence
destroy-ebusy-leak), so the stock kernel refuses every later destroy of
that VMSPACE and panics ("rb_vmspace_delete: invalid refs N") when the
scenario's process exits.  With the marker in the transcripts, the lines
before it compare as always; after it, exactly this counts as the known
divergence and not as a difference or a panic: stock's `vmspace_destroy(id0)
= -1 errno=16(EBUSY)` (and the program's FAIL lines about it) where the port
has `= 0` or `= -1 errno=2(ENOENT)`, stock's transcript ending there, and
stock's run ending in that panic.  Anything else after the marker counts as
usual.  The last line then ends with `; known divergence destroy-ebusy-leak:
...`.  --selfcheck-skipped REASON: no self-check kernel (its known-wrong
object is c2e7bb204e's); the report says so.
"""
import argparse
import collections
import difflib
import json
import os
import re
import sys

PROGRAM = re.compile(r"(vmtest|vmstress|vmbench): ")
DONE = re.compile(r"vmtest: done: (\d+) scenarios, (\d+) calls, (\d+) failed-expectations")
STRESS = re.compile(r"vmstress: (\d+) threads x (\d+) iterations, (\d+) unexpected results, leak (-?\d+)")
BENCH = re.compile(r"vmbench: (\S+) (\d+(?:\.\d+)?) (\d+)\s*$")
# Kernel messages that the VMSPACE code or its callers print, or that tell
# how a guest process ended; compared between the kernels.
INTEREST = [
    re.compile(r"Warning, pid \d+ killed with active VC!"),
    re.compile(r"pid \d+ \(.*\), uid \d+: exited on signal \d+"),
    re.compile(r"vkernel|vmspace|VMSPACE", re.I),
]
MARKER = "vmtest: known-divergence destroy-ebusy-leak:"
# the known divergence, after the marker: stock's lines where the port has
# these, and stock's panic
LEAK_STOCK = re.compile(r"vmtest: busy vmspace_destroy\(id0\) = -1 errno=16\(EBUSY\)$|"
                        r"vmtest: FAIL busy vmspace_destroy\(id0\): errno=16\(EBUSY\), expected ")
LEAK_PORT = re.compile(r"vmtest: busy vmspace_destroy\(id0\) = (0 errno=0|-1 errno=2\(ENOENT\))$")
LEAK_PANIC = re.compile(r"panic: rb_vmspace_delete: invalid refs (\d+)")
FAILURE = [
    ("KKASSERT", re.compile(r"assertion \"?.*\"? failed")),
    ("panic", re.compile(r"^panic: .*")),
    ("fault", re.compile(r"Fatal trap \d+: .*")),
]


class Run:
    """What one boot's console says."""

    def __init__(self, name, text, status=None):
        self.name = name
        self.status = status or {}
        lines = text.splitlines()
        self.transcript, self.kernel_lines, self.bench, self.stress = [], [], {}, None
        self.done, self.end = None, False
        # Kernel lines count only during the functional part: the stress
        # and bench parts are timing-dependent (how many threads a kill
        # finds inside a VMSPACE), and DDB's output is the failure's.
        functional = True
        for line in lines:
            if "db> " in line or line.startswith("Stopped at"):
                functional = False
            m = PROGRAM.search(line)
            if m:
                line = line[m.start():].rstrip()
                if not line.startswith("vmtest:"):
                    functional = False
                if line.startswith("vmtest:"):
                    self.transcript.append(line)
                    self.end |= line == "vmtest: end"
                    d = DONE.match(line)
                    if d:
                        self.done = tuple(int(x) for x in d.groups())
                elif line.startswith("vmstress:"):
                    s = STRESS.match(line)
                    if s:
                        self.stress = tuple(int(x) for x in s.groups())
                else:
                    b = BENCH.match(line)
                    if b:
                        self.bench[b.group(1)] = (float(b.group(2)), int(b.group(3)))
                continue
            if functional and any(p.search(line) for p in INTEREST):
                self.kernel_lines.append(re.sub(r"0x[0-9a-fA-F]+", "0x?", line.strip()))
        self.failure = self._failure(lines)

    def _failure(self, lines):
        what = None
        for kind, pat in FAILURE:
            for line in lines:
                m = pat.search(line)
                if m:
                    what = f"{kind}: {m.group(0).strip()}"
                    break
            if what:
                break
        st = self.status.get("status")
        if what is None and st == "timeout":
            what = f"time-out after {self.status.get('elapsed', '?')} s"
        if what is None and st == "exited":
            what = "QEMU exited (a triple fault?)"
        if what is None and "db> " in "\n".join(lines):
            what = "stopped in DDB"
        if what is None and not self.end:
            what = "no `vmtest: end` (the guest program did not finish)"
        if what is None:
            return None
        text = "\n".join(lines)
        stopped = re.search(r"Stopped at\s+([^\s:]+)", text)
        trace = []
        at = text.find("db> trace")
        if at >= 0:
            tail = text[at + len("db> trace"):]
            trace = [t for t in tail.split("db> ")[0].splitlines() if t.strip()]
        end = next((i for i, line in enumerate(lines) if "db> " in line), len(lines))
        return {"what": what, "stopped": stopped.group(1) if stopped else None,
                "trace": trace, "tail": lines[max(0, end - 40):end]}

    def trace_functions(self):
        f = self.failure or {}
        return [t.split("()")[0] for t in f.get("trace", []) if "() at " in t]


def diff(a, b, name_a="stock", name_b="port"):
    """(number of differing lines, unified diff lines) between two line lists."""
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    count = sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in sm.get_opcodes() if op != "equal")
    text = list(difflib.unified_diff(a, b, name_a, name_b, n=2, lineterm=""))
    return count, text


def multiset_diff(a, b):
    """(count, lines) of kernel lines that occur a different number of times."""
    ca, cb = collections.Counter(a), collections.Counter(b)
    out = []
    for line in sorted(set(ca) | set(cb)):
        if ca[line] != cb[line]:
            out.append(f"{ca[line]}x stock, {cb[line]}x port: {line}")
    return sum(abs(ca[x] - cb[x]) for x in set(ca) | set(cb)), out


def known_leak(a, b):
    """The part after the destroy-ebusy-leak marker (22b7a3dbf6's guest):
    (differences not explained by the known divergence, diff lines, whether
    stock ended in the known panic, its refs, stock's EBUSY destroys there).
    a is stock's Run, b the port's."""
    ia = a.transcript.index(MARKER_LINE(a)) if MARKER_LINE(a) else None
    ib = b.transcript.index(MARKER_LINE(b)) if MARKER_LINE(b) else None
    if ia is None or ib is None:
        return None
    sa, sb = a.transcript[ia:], b.transcript[ib:]
    sm = difflib.SequenceMatcher(a=sa, b=sb, autojunk=False)
    f = a.failure or {}
    m = LEAK_PANIC.search(f.get("what", ""))
    truncated_ok = m is not None
    bad, ebusy = 0, 0
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        st, pt = sa[i1:i2], sb[j1:j2]
        st_ok = all(LEAK_STOCK.match(x) for x in st)
        pt_ok = all(LEAK_PORT.match(x) for x in pt)
        if op == "insert" and i1 == len(sa) and truncated_ok:
            continue        # stock stopped at the known panic
        if (op == "replace" and i2 == len(sa) and truncated_ok and st_ok
                and all(LEAK_PORT.match(x) for x in pt if x.startswith("vmtest: busy vmspace_destroy("))):
            # stock's EBUSY lines, then the panic: the port has its results
            # and the rest of its run
            ebusy += sum(1 for x in st if x.endswith("(EBUSY)"))
            continue
        if st_ok and pt_ok and op != "insert":
            ebusy += sum(1 for x in st if x.endswith("(EBUSY)"))
            continue
        bad += max(i2 - i1, j2 - j1)
    bad += sum(1 for x in sb if x.startswith("vmtest: FAIL"))  # the port's own checks
    if m is not None and ebusy == 0:
        bad += 1            # that panic without the refused destroys: not the known divergence
        m = None
    text = list(difflib.unified_diff(sa, sb, "stock", "port", n=1, lineterm=""))
    return bad, text, m is not None, (m.group(1) if m else None), ebusy


def MARKER_LINE(run):  # noqa: N802
    return next((x for x in run.transcript if x.startswith(MARKER)), None)


def summarize(runs, selfcheck_skipped=None):
    """Everything the report and the last line need, from a dict of Runs
    keyed stock-smp1, port-smp1, stock-smp4, port-smp4, model-smp1."""
    r = {"diffs": [], "D": 0, "failures": {}, "bench": [], "notes": [], "known": []}
    known_panics = set()
    for smp in (1, 4):
        a, b = runs.get(f"stock-smp{smp}"), runs.get(f"port-smp{smp}")
        if a is None or b is None:
            r["notes"].append(f"-smp {smp}: a run is missing")
            r["D"] += 1
            continue
        ta, tb = a.transcript, b.transcript
        leak = None
        if MARKER_LINE(a) or MARKER_LINE(b):
            leak = known_leak(a, b)
            if leak is None:
                r["notes"].append(f"-smp {smp}: the destroy-ebusy-leak marker is in one transcript only")
                r["D"] += 1
            else:
                ta = ta[:ta.index(MARKER_LINE(a))]
                tb = tb[:tb.index(MARKER_LINE(b))]
        n, text = diff(ta, tb, f"stock -smp {smp}", f"port -smp {smp}")
        k, ktext = multiset_diff(a.kernel_lines, b.kernel_lines)
        r["D"] += n + k
        r["diffs"].append((smp, n, text, k, ktext))
        if leak is not None:
            bad, ltext, panicked, refs, ebusy = leak
            r["D"] += bad
            r["known"].append((smp, bad, ltext, panicked, refs, ebusy))
            if panicked:
                known_panics.add(f"stock-smp{smp}")
    r["known_panics"] = known_panics
    for kind in ("stock", "port"):
        r["failures"][kind] = [(name, run.failure) for name, run in sorted(runs.items())
                               if name.startswith(kind + "-") and run.failure
                               and name not in known_panics]
    ref = runs.get("stock-smp1")
    r["S"], r["N"] = (ref.done[0], ref.done[1]) if ref and ref.done else (0, 0)
    for name, run in sorted(runs.items()):
        if run.done and run.done[2] and not name.startswith("model"):
            r["notes"].append(f"{name}: {run.done[2]} failed expectations (the guest program's own checks)")
    # bench: port/stock per vmbench line of the -smp 1 runs; under -icount
    # shift=k the guest's TSC counts 2^k per instruction
    m = re.search(r"shift=(\d+)", str((ref.status if ref else {}).get("icount") or ""))
    r["shift"] = int(m.group(1)) if m else None
    sb, pb = (runs.get("stock-smp1") or Run("", "")).bench, (runs.get("port-smp1") or Run("", "")).bench
    for name in list(sb) + [n for n in pb if n not in sb]:
        s, p = sb.get(name), pb.get(name)
        ratio = p[0] / s[0] if s and p and s[0] > 0 else None
        r["bench"].append((name, s[0] if s else None, p[0] if p else None, ratio))
    # SMP stress: both kernels' -smp 4 results
    st = {k: runs[f"{k}-smp4"].stress if f"{k}-smp4" in runs else None for k in ("stock", "port")}
    ok = all(v is not None and v[2] == 0 and v[3] == 0 for v in st.values())
    ok = ok and not any(runs[f"{k}-smp4"].failure for k in ("stock", "port")
                        if f"{k}-smp4" in runs and f"{k}-smp4" not in known_panics)
    first = st["stock"] or st["port"] or (0, 0, 0, 0)
    r["stress"], r["smp_ok"], r["T"], r["I"] = st, ok, first[0], first[1]
    # self-check: the model-header kernel must fail, or at least differ
    m = runs.get("model-smp1")
    if selfcheck_skipped:
        r["selfcheck"] = (None, selfcheck_skipped)
    elif m is None:
        r["selfcheck"] = (False, "the self-check kernel did not run")
    elif m.failure:
        where = f" at {m.failure['stopped']}" if m.failure["stopped"] else ""
        fns = m.trace_functions()
        via = f" (trace: {' < '.join(fns)})" if fns else ""
        r["selfcheck"] = (True, f"{m.failure['what']}{where}{via}")
    else:
        n, _ = diff(ref.transcript if ref else [], m.transcript)
        r["selfcheck"] = (n > 0, f"{n} transcript lines differ from the stock kernel's" if n
                          else "it ran like the stock kernel: a wrong object would pass unseen")
    return r


def known_summary(r):
    """The known divergence's part of the last line ('' without it)."""
    if not r.get("known"):
        return ""
    parts = []
    for smp, bad, _t, panicked, refs, ebusy in r["known"]:
        what = (f"stock destroy EBUSY x{ebusy} after the thread left, panic "
                f"\"rb_vmspace_delete: invalid refs {refs}\"" if panicked
                else f"stock destroy EBUSY x{ebusy}, no panic")
        parts.append(f"-smp {smp}: {what}; port destroyed it"
                     + (f"; {bad} other differences" if bad else ""))
    return "; known divergence destroy-ebusy-leak (busy, last): " + ", ".join(parts)


def last_line(r):
    p1, p2 = len(r["failures"]["stock"]), len(r["failures"]["port"])
    return (f"qemu-test: {r['S']} scenarios, {r['N']} calls, {r['D']} differences; "
            f"panics: stock {p1}, port {p2}; smp: {r['T']} threads x {r['I']} iterations, "
            f"{'ok' if r['smp_ok'] else 'FAILED'}" + known_summary(r))


def failed(r):
    return bool(r["D"] or r["failures"]["stock"] or r["failures"]["port"] or not r["smp_ok"]
                or r["selfcheck"][0] is False
                or any("failed expectations" in n for n in r["notes"]))


def markdown(r, runs, elapsed, kernel_check=None):
    out = ["# qemu-test report", "",
           "Stock DragonFly kernel (C `vm_vmspace.c`) against the same kernel with the port, "
           "booted under QEMU (TCG); docs/qemu.md.", ""]
    if kernel_check:
        out += ["## The linked kernels (make dfly-kernel, scripts/dfly/check-kernels.py)", "",
                "```"] + kernel_check + ["```", ""]
    out += ["## Runs", "", "| run | status | elapsed | transcript lines | failure |", "| --- | --- | ---: | ---: | --- |"]
    for name, run in sorted(runs.items()):
        f = run.failure["what"] if run.failure else ""
        if name in r.get("known_panics", ()):
            f += " (the known divergence destroy-ebusy-leak, below)"
        out.append(f"| {name} | {run.status.get('status', '?')} | {run.status.get('elapsed', '?')} s "
                   f"| {len(run.transcript)} | {f} |")
    if elapsed:
        out += ["", f"qemu-test took {elapsed} s (image, ISOs, boots, report)."]
    out += ["", "## Differences (stock against port)", ""]
    for smp, n, text, k, ktext in r["diffs"]:
        out.append(f"- `-smp {smp}`: {n} transcript lines, {k} kernel lines differ")
        if text:
            out += ["", "```diff"] + text[:200] + ["```", ""]
        if ktext:
            out += ["", "```"] + ktext + ["```", ""]
    for note in r["notes"]:
        out.append(f"- note: {note}")
    if r.get("known"):
        out += ["", "## Known divergence destroy-ebusy-leak (22b7a3dbf6, scenario busy, run last)", "",
                "The C original's refused `vmspace_destroy` keeps the active reference it took "
                "(upstream's bug; the port drops it): the stock kernel refuses every later destroy of "
                "that VMSPACE and panics in `rb_vmspace_delete` when the process exits. Only that is "
                "classified here; any other difference after the marker counts in D.", ""]
        for smp, bad, ltext, panicked, refs, ebusy in r["known"]:
            out.append(f"- `-smp {smp}`: stock: {ebusy} refused destroys where the port destroyed, "
                       + (f"then `panic: rb_vmspace_delete: invalid refs {refs}`" if panicked else "no panic")
                       + f"; {bad} other differences")
            if ltext:
                out += ["", "```diff"] + ltext[:120] + ["```", ""]
    for kind in ("stock", "port"):
        for name, f in r["failures"][kind]:
            out += ["", f"## Failure: {name}: {f['what']}", ""]
            if f["stopped"]:
                out.append(f"Stopped at `{f['stopped']}`.")
            if f["trace"]:
                out += ["", "DDB `trace`:", "", "```"] + f["trace"] + ["```"]
            out += ["", "Console before it:", "", "```"] + f["tail"] + ["```"]
    k = r["shift"]
    unit = (f"guest instructions per operation (the guest's rdtsc under QEMU -icount shift={k}, "
            f"{2 ** k} TSC ticks per instruction, divided by {2 ** k})") if k is not None \
        else "guest TSC ticks per operation (no -icount: host time, noisy)"
    out += ["", f"## Bench (-smp 1): {unit}", "",
            "| operation | stock | port | port/stock |", "| --- | ---: | ---: | ---: |"]
    for name, s, p, ratio in r["bench"]:
        fmt = lambda v: "-" if v is None else f"{v / 2 ** (k or 0):.0f}"  # noqa: E731
        out.append(f"| {name} | {fmt(s)} | {fmt(p)} | {'-' if ratio is None else f'{ratio:.3f}'} |")
    out += ["", "Each figure is the cheapest of ten batches (tests/qemu/bench.c) and includes the "
            "system call's entry and exit and the timer interrupts that fall into the batch.",
            "", "## SMP stress (-smp 4)", ""]
    for k, v in r["stress"].items():
        out.append(f"- {k}: " + ("no `vmstress:` result" if v is None else
                                 f"{v[0]} threads x {v[1]} iterations, {v[2]} unexpected results, leak {v[3]}"))
    ok, why = r["selfcheck"]
    out += ["", "## Self-check (the model-header object, linked on purpose)", "",
            f"Skipped: {why}" if ok is None else f"{'Caught' if ok else 'NOT caught'}: {why}"]
    m = runs.get("model-smp1")
    if m and m.failure and m.failure["trace"]:
        out += ["", "```"] + m.failure["trace"] + ["```"]
    out += ["", "## Result", "", "```", last_line(r), "```", ""]
    return "\n".join(out)


def load(directory):
    runs = {}
    for name in ("stock-smp1", "port-smp1", "stock-smp4", "port-smp4", "model-smp1"):
        log = os.path.join(directory, name + ".log")
        if not os.path.exists(log):
            continue
        with open(log, encoding="utf-8", errors="replace") as f:
            text = f.read()
        status = {}
        if os.path.exists(log + ".json"):
            with open(log + ".json") as f:
                status = json.load(f)
        runs[name] = Run(name, text, status)
    return runs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--elapsed")
    ap.add_argument("--kernel-check", help="check-kernels.py's output, quoted in the report")
    ap.add_argument("--selfcheck-skipped", metavar="REASON", help="no self-check kernel, and why")
    a = ap.parse_args()
    runs = load(a.dir)
    r = summarize(runs, a.selfcheck_skipped)
    kc = None
    if a.kernel_check and os.path.exists(a.kernel_check):
        with open(a.kernel_check) as f:
            kc = f.read().splitlines()
    with open(a.report, "w") as f:
        f.write(markdown(r, runs, a.elapsed, kc))
    for smp, n, text, k, ktext in r["diffs"]:
        print(f"qemu-test: -smp {smp}: {n} transcript lines and {k} kernel lines differ")
        for line in text[:60] + ktext[:20]:
            print("  " + line)
    for note in r["notes"]:
        print("qemu-test: note: " + note)
    for kind in ("stock", "port"):
        for name, f in r["failures"][kind]:
            print(f"qemu-test: {name}: {f['what']}" + (f", stopped at {f['stopped']}" if f["stopped"] else ""))
            for line in (f["trace"] or f["tail"][-10:]):
                print("  " + line)
    if r["bench"]:
        k = r["shift"]
        what = "guest instructions/op" if k is not None else "guest TSC ticks/op"
        print(f"qemu-test: bench (-smp 1, {what}): operation, stock, port, port/stock")
        for name, s, p, ratio in r["bench"]:
            fmt = lambda v: "-" if v is None else f"{v / 2 ** (k or 0):.0f}"  # noqa: E731
            print(f"  {name:<20} {fmt(s):>10} {fmt(p):>10} {'-' if ratio is None else f'{ratio:.3f}':>7}")
    for k, v in r["stress"].items():
        print(f"qemu-test: stress {k}: " + ("no result" if v is None else
              f"{v[0]} threads x {v[1]} iterations, {v[2]} unexpected results, leak {v[3]}"))
    for smp, bad, ltext, panicked, refs, ebusy in r.get("known", []):
        print(f"qemu-test: -smp {smp}: known divergence destroy-ebusy-leak: stock refused {ebusy} destroys "
              f"the port did, " + (f"then panicked (rb_vmspace_delete: invalid refs {refs})" if panicked
                                   else "no panic") + f"; {bad} other differences after the marker")
        if bad:
            for line in ltext[:60]:
                print("  " + line)
    ok, why = r["selfcheck"]
    if ok is None:
        print(f"qemu-test: self-check skipped: {why}")
    else:
        print(f"qemu-test: self-check {'caught the wrong object' if ok else 'FAILED, the wrong object was not caught'}: {why}")
    print(f"qemu-test: report in {a.report}")
    print(last_line(r))
    return 1 if failed(r) else 0


if __name__ == "__main__":
    sys.exit(main())
