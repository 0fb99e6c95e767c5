#!/usr/bin/env python3
"""The report of make vkernel-test (docs/vkernel.md).

  report.py --cases CASES --run NAME=LOG ... --report OUT.md [--elapsed S] [--built BUILT]

CASES is the runner's case file (scripts/vkernel/cases.py; its first field
is a case's name).  Each --run is one QEMU boot's console log, named
KERNEL-CONFIG (stock-smp1, port-smp1, stock-smp2, ...): stock and port runs
of the same CONFIG are compared case by case.  From a console it takes:

  vkrun: NAME -> PASS|FAIL|TIMEOUT   a case's result (tests/vkernel/vkrun.c):
                                     its last attempt's; a case without one
                                     is MISSING
  vkrun: NAME: attempts N            it took N attempts (shown as "PASS (N)")
  vkrun: done: ...                   the runner got to its end
  vkhost: vmspace calls: create=N ... total=N
                                     the host's ktrace count (vkhost.c)
  vkhost: vkernel exited: status S   the vkernel's exit
  panic: / Fatal trap                a panic: the vkernel's if the vkernel's
                                     exit follows it, else the host kernel's
  (vkernel), uid 0: exited on signal the vkernel killed by a signal (the host
                                     says so), counted as the vkernel's panic
  ktrace write failed                the host stopped tracing the vkernel
                                     (a full disk): its count is short, an
                                     error
  WARNING / warning: lines           warnings (a port run's warning that its
                                     stock run lacks is an error, unless it is
                                     a timing message: hardclock missed)

Writes OUT.md (per-case results side by side, counts, panics, warnings) and
prints its last line:

  vkernel-test: C cases, P pass on stock, P' pass on port, D differ;
  vmspace calls: N (create a/destroy b/...); panics: stock X, port Y

C counts case runs per kernel (cases x configurations), N the vmspace_*
calls the host counted in the port's runs (the stock runs' figure is in the
report).  Exit status 1 on a difference, a panic, a new warning, a run that
did not finish (no count, no runner end) or no vmspace call counted.
"""
import argparse
import re
import sys

CALLS = ["create", "destroy", "ctl", "mmap", "munmap", "mcontrol", "pread", "pwrite"]
RESULT = re.compile(r"^vkrun: (.+) -> (PASS|FAIL|TIMEOUT)\s*$")
ATTEMPTS = re.compile(r"^vkrun: (.+): attempts (\d+)\s*$")
COUNTS = re.compile(r"^vkhost: vmspace calls:(.*)$")
EXITED = re.compile(r"^vkhost: vkernel exited: status (-?\d+)")
PANIC = re.compile(r"(^|\s)panic: |Fatal trap \d+|\(vkernel\), uid \d+: exited on signal")
# timing messages of a loaded TCG host, listed but never an error
BENIGN = re.compile(r"hardclock missed")
WARNING = re.compile(r"\bWARNING\b|\bwarning:", re.I)


def parse_console(text):
    """What one console log says (see the module's doc)."""
    lines = text.splitlines()
    results, attempts, counts, exit_status, done = {}, {}, None, None, False
    panics, warnings = [], []
    exit_line = None
    trace_failed = False
    for i, line in enumerate(lines):
        m = RESULT.match(line)
        if m:
            results[m.group(1)] = m.group(2)
            continue
        m = ATTEMPTS.match(line)
        if m:
            attempts[m.group(1)] = int(m.group(2))
            continue
        if line.startswith("vkrun: done:"):
            done = True
        m = COUNTS.match(line)
        if m:
            counts = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(1))}
        m = EXITED.match(line)
        if m:
            exit_status = int(m.group(1))
            exit_line = i
        if "ktrace write failed" in line:
            trace_failed = True
        if PANIC.search(line):
            panics.append((i, line.strip()))
        elif WARNING.search(line):
            warnings.append(re.sub(r"0x[0-9a-f]+|\d+", "#", line.strip()))
    classified = []
    for i, line in panics:
        where = "vkernel" if exit_line is not None and exit_line > i else "host"
        classified.append((where, line))
    return {"results": results, "attempts": attempts, "counts": counts, "exit": exit_status, "done": done,
            "panics": classified, "warnings": warnings,
            "trace_failed": trace_failed}


def case_names(text):
    return [line.split("\t", 1)[0] for line in text.splitlines() if line.strip() and not line.startswith("#")]


def report(names, runs, elapsed=None, built=None):
    """(markdown lines, last line, ok) for the parsed runs {name: parsed}."""
    configs = sorted({r.split("-", 1)[1] for r in runs})
    md = ["# make vkernel-test", ""]
    problems = []
    c = p_stock = p_port = diff = 0
    table = ["| case | " + " | ".join(f"stock {k} | port {k}" for k in configs) + " |",
             "|---|" + "---|---|" * len(configs)]
    differing, failing_both, retried = [], [], []

    def cell(run, name):
        """A case's result in a run, and the result with its attempts."""
        x = runs.get(run, {})
        res = x.get("results", {}).get(name, "MISSING")
        n = x.get("attempts", {}).get(name, 1)
        if n > 1 and res == "PASS":
            retried.append(f"{name} ({run}): passed on attempt {n}")
        return res, res + (f" ({n})" if n > 1 else "")

    for name in names:
        row = [name.replace("|", "\\|")]
        for k in configs:
            s, s_cell = cell(f"stock-{k}", name)
            p, p_cell = cell(f"port-{k}", name)
            c += 1
            p_stock += s == "PASS"
            p_port += p == "PASS"
            mark = ""
            if s != p:
                diff += 1
                differing.append(f"{name} ({k}): stock {s}, port {p}")
                mark = " **≠**"
            elif s != "PASS":
                failing_both.append(f"{name} ({k}): {s} on both")
            row += [s_cell, p_cell + mark]
        table.append("| " + " | ".join(row) + " |")
    panics = {"stock": 0, "port": 0}
    md += ["## Runs", "", "| run | vkernel exit | runner done | vmspace calls (host ktrace) | panics | warnings |",
           "|---|---|---|---|---|---|"]
    totals = {"stock": dict.fromkeys(CALLS, 0), "port": dict.fromkeys(CALLS, 0)}
    for r in sorted(runs):
        x = runs[r]
        kern = r.split("-", 1)[0]
        panics[kern] = panics.get(kern, 0) + len(x["panics"])
        cnt = x["counts"]
        if cnt is None:
            problems.append(f"{r}: no vmspace count (the run did not finish)")
        else:
            for k in CALLS:
                totals.setdefault(kern, dict.fromkeys(CALLS, 0))[k] += cnt.get(k, 0)
        if x.get("trace_failed"):
            problems.append(f"{r}: the host stopped tracing the vkernel (ktrace write failed): its count is short")
        if not x["done"]:
            problems.append(f"{r}: the runner did not get to its end")
        if x["exit"] != 0:  # None: no exit line
            problems.append(f"{r}: vkernel exit status {x['exit']}")
        cstr = "-" if cnt is None else f"{cnt.get('total', sum(cnt.get(k, 0) for k in CALLS)):,} (" + \
            ", ".join(f"{k} {cnt.get(k, 0):,}" for k in CALLS) + ")"
        pstr = "; ".join(f"{w}: {line}" for w, line in x["panics"]) or "0"
        md.append(f"| {r} | {x['exit']} | {'yes' if x['done'] else 'NO'} | {cstr} | {pstr} | {len(x['warnings'])} |")
    for k in configs:
        st = set(runs.get(f"stock-{k}", {}).get("warnings", []))
        for w in sorted(set(runs.get(f"port-{k}", {}).get("warnings", [])) - st):
            if BENIGN.search(w):
                continue
            problems.append(f"port-{k}: a warning the stock run does not print: {w}")
    all_w = sorted({w for x in runs.values() for w in x["warnings"]})
    md += ["", "Warnings seen (numbers as #): " + ("; ".join(f"`{w}`" for w in all_w) if all_w else "none"), ""]
    md += ["## Cases", "", f"{len(names)} cases, each run in {len(configs)} configurations "
           f"({', '.join(configs)}) on each kernel. A case that does not pass is run again, up to three "
           "attempts; (N): the result of attempt N.", ""] + table + [""]
    md += ["## Differences", ""] + ([f"- {d}" for d in differing] or ["none"]) + [""]
    md += ["## Passed on a later attempt", ""] + ([f"- {r}" for r in retried] or ["none"]) + [""]
    md += ["## Not passing on either kernel (says nothing about the port)", ""] + \
        ([f"- {d}" for d in failing_both] or ["none"]) + [""]
    if built:
        md += ["## Testcases built", "", "```", built.rstrip(), "```", ""]
    port_total = sum(totals["port"].values())
    stock_total = sum(totals["stock"].values())
    if port_total == 0:
        problems.append("no vmspace call counted on the port's runs")
    md += [f"vmspace calls counted by the host: port {port_total:,}, stock {stock_total:,}.", ""]
    if elapsed is not None:
        md += [f"Elapsed: {elapsed} s.", ""]
    if problems:
        md += ["## Problems", ""] + [f"- {p}" for p in problems] + [""]
    calls = "/".join(f"{k} {totals['port'][k]}" for k in CALLS)
    last = (f"vkernel-test: {c} cases, {p_stock} pass on stock, {p_port} pass on port, {diff} differ; "
            f"vmspace calls: {port_total} ({calls}); panics: stock {panics['stock']}, port {panics['port']}")
    ok = diff == 0 and panics["stock"] == 0 and panics["port"] == 0 and not problems
    md.append(last)
    return md, last, ok, problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", required=True)
    ap.add_argument("--run", action="append", required=True, help="KERNEL-CONFIG=LOG")
    ap.add_argument("--report", required=True)
    ap.add_argument("--elapsed")
    ap.add_argument("--built")
    a = ap.parse_args()
    names = case_names(open(a.cases).read())
    runs = {}
    for r in a.run:
        name, _, log = r.partition("=")
        try:
            runs[name] = parse_console(open(log, errors="replace").read())
        except OSError:
            runs[name] = parse_console("")
    built = open(a.built).read() if a.built else None
    md, last, ok, problems = report(names, runs, a.elapsed, built)
    with open(a.report, "w") as f:
        f.write("\n".join(md) + "\n")
    for p in problems:
        print(f"vkernel-test: {p}")
    print(last)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
