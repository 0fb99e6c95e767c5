#!/usr/bin/env python3
"""The cost report of `make bench` (docs/bench.md): the Rust port beside the
C original.

Inputs (written by scripts/bench.sh into DATA):
- workloads.tsv: index, entry point, success (0/1), path (`bench list`);
- callgrind.out.N: one callgrind dump per workload and implementation, its
  `desc: Trigger:` line ending "bench <impl> <index> <reps> <calls>"
  (`bench count`; collection was on only around the measured calls);
- times.tsv: index, impl, reps, calls per rep, median ns per call
  (`bench time`), and a line "floor" with the harness's own cost per step.

Attribution: a dump's cost is summed over the functions of the
implementation it ran, by self cost (each instruction counts for the
function it belongs to, whatever the call stack: the model's coroutine
switches do not move it).  The functions are those the objects define
(cargo.json names them): the C original's object (c_* entry points, its
static functions, its RB_GENERATE code) and the port's rlib (the Rust code
of crate `vmspace` and the shim's C).  Every other function is the model,
the harness or libc.  The report lists the functions counted, and fails if a
dump has cost in the other implementation's functions or an implementation
calls something that is neither its own nor a kernel import.

The object figures reuse scripts/kernel-check.py: .text/.data and the
prologue-measured stack frames of KERNEL_OBJ, beside the C original's
(dragonfly-abi: README figures and -fstack-usage) and the C original compiled
here with the kernel's flags against the model headers.

Writes OUT/report.md and OUT/ratios.png; the last line printed is
`bench: worst instruction ratio R (...), text ratio T, worst stack ratio K (...)`.

--rev 22b7a3dbf6: the port of that revision beside its C.  The C object's
facts (.text/.data, -fstack-usage, its call graph, imports) are then
tests/kern/abi/22b7a3dbf6/ (scripts/c-object-facts.sh), the model-header C
build gets -DMODEL_REV_22b7a3dbf6, and, the C's call graph being known,
the stack compared is an entry point's depth (the deepest chain of the
object's own functions it runs, as make kernel-check compares it: the C
calls vkernel_find_vmspace(), the port inlines it).  Writes
OUT/report-22b7a3dbf6.md and OUT/ratios-22b7a3dbf6.png.
"""

import argparse
import importlib.util
import os
import re
import subprocess
import sys
from collections import defaultdict

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMPLS = ("C", "Rust")
REF_REV = "c2e7bb204e"


def load_kernel_check():
    spec = importlib.util.spec_from_file_location("kernel_check", os.path.join(TOP, "scripts/kernel-check.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


kc = load_kernel_check()


# ---------------------------------------------------------------------------
# callgrind dumps

NAMESPACE = {"ob": "ob", "cob": "ob", "fl": "fl", "fi": "fl", "fe": "fl",
             "cfi": "fl", "cfl": "fl", "fn": "fn", "cfn": "fn"}


def parse_dump(path):
    """(trigger, {(file, function): self Ir}, {(file, function): {callee}})"""
    names = {}
    trigger = None
    cost = defaultdict(int)
    callees = defaultdict(set)
    fl = fn = callee = None
    call_line = False
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            if line.startswith("desc: Trigger:"):
                trigger = line.split(":", 2)[2].strip()
                continue
            m = re.match(r"^(c?ob|fl|fi|fe|fn|cfi|cfl|cfn)=(?:\((\d+)\))?\s*(.*)$", line)
            if m:
                key, ident, name = m.groups()
                ns = NAMESPACE[key]
                if ident is not None:
                    if name:
                        names[(ns, ident)] = name
                    else:
                        name = names[(ns, ident)]
                if key == "fl":
                    fl = name
                elif key == "fn":
                    fn = name
                elif key == "cfn":
                    callee = name
                continue
            if line.startswith("calls="):
                call_line = True
                callees[(fl, fn)].add(callee)
                continue
            if line[0] in "0123456789+-*":
                if call_line:
                    # The inclusive cost of the call just named: not self.
                    call_line = False
                    continue
                parts = line.split()
                if len(parts) > 1:
                    cost[(fl, fn)] += int(parts[1])
    return trigger, cost, callees


def function_symbols(path, demangle=False):
    """Names of the functions an object or archive defines (nm: T, t)."""
    out = subprocess.run(["nm", "--defined-only"] + (["-C"] if demangle else []) + [path],
                         check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        p = line.split(None, 2)
        if len(p) == 3 and p[1] in "Tt":
            names.add(p[2])
    return names


def implementation_functions(data):
    """The functions of each implementation, from the objects cargo built
    (its JSON messages): the C original's object, renamed (in the harness
    build script's OUT_DIR), and the port's rlib (the Rust code and the
    shim's C)."""
    import json
    c_objs, rlibs, exe = [], [], None
    with open(os.path.join(data, "cargo.json")) as f:
        for line in f:
            if not line.startswith("{"):
                continue
            m = json.loads(line)
            if m.get("reason") == "build-script-executed" and "/tests/harness#" in m["package_id"]:
                c_objs += [os.path.join(m["out_dir"], n) for n in os.listdir(m["out_dir"])
                           if re.match(r"vm_vmspace_c\d+\.o$", n)]
            if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "vmspace":
                rlibs += [p for p in m["filenames"] if p.endswith(".rlib")]
            if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "bench" and m.get("executable"):
                exe = m["executable"]
    if not c_objs or not rlibs or not exe:
        sys.exit("bench-report: cargo.json does not name the C original's object, the port's rlib and the bench")
    c = set().union(*(function_symbols(o) for o in c_objs))
    rust = set().union(*(function_symbols(r, demangle=True) for r in rlibs))
    return {"C": c, "Rust": rust}, exe


def simd_in(exe, own):
    """SSE/AVX/x87 instructions in each implementation's functions of the
    bench binary: none, as in the kernel (which saves no FPU state)."""
    found = {i: [] for i in IMPLS}
    out = subprocess.run(["objdump", "-d", "-C", "--no-show-raw-insn", exe], check=True,
                         capture_output=True, text=True).stdout
    cur = None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            cur = m.group(1)
            continue
        if cur and re.search(r"%[xyz]mm\d|%st\b|%st\(", line):
            for imp in IMPLS:
                if is_own(imp, cur, own):
                    found[imp].append(f"{cur}: {line.strip()}")
    return found


def is_own(imp, fn, own):
    # Port code callgrind names differently from nm (generic instances)
    # is still in crate vmspace.
    return fn in own[imp] or (imp == "Rust" and "vmspace::" in fn)


def count(data):
    """{(impl, index): (Ir, reps, calls)}, the self cost of each function
    counted per impl, and attribution problems."""
    own, exe = implementation_functions(data)
    dumps = []
    for name in sorted(os.listdir(data)):
        if re.match(r"callgrind\.out\.\d+$", name):
            dumps.append(parse_dump(os.path.join(data, name)))
    imports = set(kc.words(os.path.join(ABI, "vm_vmspace.imports"))) | {"panic"}
    results, per_fn, problems = {}, {i: defaultdict(int) for i in IMPLS}, []
    for trigger, cost, callees in dumps:
        m = re.match(r".*bench (\w+) (\d+) (\d+) (\d+)$", trigger or "")
        if not m:
            continue
        imp, index, reps, calls = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
        other = IMPLS[1 - IMPLS.index(imp)]
        total = 0
        # Only `imp`'s entry points ran: a function of both (a static of
        # RB_GENERATE's, in the C original and in the shim) is imp's.
        for (file, fn), ir in cost.items():
            if is_own(imp, fn, own):
                total += ir
                per_fn[imp][fn] += ir
            elif is_own(other, fn, own) and ir:
                problems.append(f"{imp} workload {index}: {ir} Ir in {fn}, a function of {other}")
        # Whatever the implementation calls is its own or the kernel's.
        for (file, fn), cs in callees.items():
            if is_own(imp, fn, own):
                for c in cs:
                    if not is_own(imp, c, own) and c not in imports:
                        problems.append(f"{imp} workload {index}: {fn} calls {c}, neither its own nor a kernel import")
        results[(imp, index)] = (total, reps, calls)
    for imp, insns in simd_in(exe, own).items():
        problems += [f"{imp}: SSE/x87 instruction in {i}" for i in insns[:5]]
    return results, per_fn, sorted(set(problems))


# ---------------------------------------------------------------------------
# objects

def compile_c_original(reference, abi, work, rev=REF_REV):
    """The C original as DragonFly's kernel build compiles it (kernel-cflags:
    -O, kernel code model, ...) against the model headers (those of `rev`),
    no INVARIANTS, with gcc's -fstack-usage."""
    flags = [] if rev == REF_REV else [f"-DMODEL_REV_{rev}"]
    words = []
    with open(os.path.join(abi, "kernel-cflags")) as f:
        for line in f:
            if not line.lstrip().startswith("#"):
                words += line.split()
    it = iter(words)
    for w in it:
        if w == "-include":
            next(it)  # opt_global.h: empty for vm_vmspace.c
        elif not w.startswith("-I"):
            flags.append(w)
    gcc_inc = subprocess.run(["gcc", "-print-file-name=include"], check=True,
                             capture_output=True, text=True).stdout.strip()
    obj = os.path.join(work, "vm_vmspace_c.o")
    # -fno-pie: DragonFly's gcc does not default to PIE, Debian's does.
    cmd = (["gcc", "-fno-pie"] + flags + ["-I" + os.path.join(TOP, "tests/kern/include"), "-isystem", gcc_inc,
                              "-idirafter", "/usr/include", "-fstack-usage", "-c", reference, "-o", obj])
    subprocess.run(cmd, check=True)
    su = {}
    with open(obj[:-2] + ".su") as f:
        for line in f:
            loc, size = line.split("\t")[:2]
            su[loc.rsplit(":", 1)[-1]] = int(size)
    return obj, su


def object_figures(obj, depth=False, su=None):
    """.text and .data sizes, and each entry point's stack frame: its own,
    or that of a function of the object it tail-calls if larger.  With
    `depth`, its stack depth instead: the deepest chain of the object's
    functions it runs (kernel-check.py's stack_depth over the object's call
    graph), each frame read from the prologue, or from `su`
    (-fstack-usage) where given."""
    secs = kc.sections(obj)
    text = sum(size for s, (size, t) in secs.items() if s.startswith(".text"))
    data = sum(size for s, (size, t) in secs.items() if s.startswith(".data"))
    funcs = kc.functions(obj)
    frames = {}
    if depth:
        own = su if su is not None else {f: kc.frame(i) for f, i in funcs.items()}
        graph = kc.call_graph(obj)
        for e in kc.ENTRY_POINTS:
            if e in funcs:
                frames[e] = kc.stack_depth(e, own, graph)
        return text, data, frames
    tails = kc.tail_calls(obj)
    for e in kc.ENTRY_POINTS:
        if e in funcs:
            frames[e] = kc.entry_frame(e, funcs, tails)
    return text, data, frames


# ---------------------------------------------------------------------------
# report

def fmt_n(x):
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"


def main():
    global ABI
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--kernel-obj", required=True)
    ap.add_argument("--kernel-obj-name", help="the object's name in the report (default --kernel-obj)")
    ap.add_argument("--abi", required=True)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--rev", default=REF_REV)
    a = ap.parse_args()
    rev = a.rev
    # The C object's facts: dragonfly-abi's for the reference, the measured
    # ones of another revision.
    facts = a.abi if rev == REF_REV else os.path.join(TOP, "tests/kern/abi", rev)
    ABI = facts
    suffix = "" if rev == REF_REV else f"-{rev}"
    report_md, ratios_png = f"report{suffix}.md", f"ratios{suffix}.png"
    obj_name = a.kernel_obj_name or a.kernel_obj
    c_text, c_data = kc.c_sizes(facts)
    text_limit = c_text * 5 // 4
    reference = os.path.realpath(a.reference)

    workloads = []
    with open(os.path.join(a.data, "workloads.tsv")) as f:
        for line in f:
            i, entry, success, case = line.rstrip("\n").split("\t")
            workloads.append((int(i), entry, success == "1", case))
    times, floor = {}, None
    with open(os.path.join(a.data, "times.tsv")) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if p[0] == "floor":
                floor = float(p[1])
            else:
                # ns per call, calls per repetition
                times[(p[1], int(p[0]))] = (float(p[4]), int(p[3]))

    results, per_fn, problems = count(a.data)
    missing = [(imp, i) for i, *_ in workloads for imp in IMPLS if (imp, i) not in results]
    if missing:
        sys.exit(f"bench-report: no callgrind dump for {missing}")

    rows = []
    for i, entry, success, case in workloads:
        ir = {}
        for imp in IMPLS:
            total, reps, calls = results[(imp, i)]
            # The mix is reported per session, the others per call.
            ir[imp] = total / (reps if entry == "mix" else calls)
        ratio = ir["Rust"] / ir["C"] if ir["C"] else float("inf")
        ns = {imp: times[(imp, i)][0] * (times[(imp, i)][1] if entry == "mix" else 1) for imp in IMPLS}
        rows.append(dict(i=i, entry=entry, success=success, case=case, c=ir["C"], rust=ir["Rust"],
                         ratio=ratio, c_ns=ns["C"], rust_ns=ns["Rust"]))

    # Objects.
    work = os.path.join(a.data, "c-kernel-flags")
    os.makedirs(work, exist_ok=True)
    c_obj, c_su = compile_c_original(reference, a.abi, work, rev)
    c_frames = {}
    with open(os.path.join(facts, "vm_vmspace.stack-usage")) as f:
        for line in f:
            name, size = line.split()[:2]
            c_frames[name] = int(size)
    # Where the C object's call graph was measured, stack depths (as make
    # kernel-check compares them); else each entry point's frame.
    calls_file = os.path.join(facts, "vm_vmspace.calls")
    depth = os.path.exists(calls_file)
    r_text, r_data, r_frames = object_figures(a.kernel_obj, depth)
    m_text, m_data, m_frames = object_figures(c_obj, depth)
    if depth:
        _, _, m_su_depth = object_figures(c_obj, depth, su=c_su)
        c_graph = defaultdict(set)
        for line in open(calls_file):
            caller, callee, kind = line.split()
            c_graph[caller].add((callee, kind))
        c_frames = {e: kc.stack_depth(e, c_frames, c_graph) for e in c_frames}
        c_su = m_su_depth
    headers_file = a.kernel_obj + ".headers"
    headers = open(headers_file).read().strip() if os.path.exists(headers_file) else "unknown headers"
    text_ratio = r_text / c_text
    stack = []
    for e in kc.ENTRY_POINTS:
        mine = r_frames.get(e)
        alias = None
        if mine is None:
            # LLVM merged identical functions: the alias has the same code.
            alias = "sys_vmspace_pread" if e == "sys_vmspace_pwrite" else None
            mine = r_frames.get(alias) if alias else None
        stack.append(dict(entry=e, rust=mine, alias=alias, c=c_frames[e], model_su=c_su.get(e),
                          model=m_frames.get(e), ratio=(mine / c_frames[e]) if mine else float("nan")))

    # Targets.
    success_rows = [r for r in rows if r["success"]]
    worst = max(rows, key=lambda r: r["ratio"])
    worst_success = max(success_rows, key=lambda r: r["ratio"])
    worst_stack = max((s for s in stack if s["rust"]), key=lambda s: s["ratio"])
    instr_ok = worst_success["ratio"] <= 1.0
    text_ok = r_text <= text_limit
    stack_ok = all(s["rust"] is not None and s["rust"] <= s["c"] for s in stack)

    os.makedirs(a.out, exist_ok=True)
    md = []
    md.append("# Cost: the Rust port beside the C original\n" if rev == REF_REV else
              f"# Cost: the Rust port of {rev} beside its C original\n")
    md.append("Generated by `make bench` (scripts/bench.sh, scripts/bench-report.py); "
              "what is measured and how: docs/bench.md.\n")
    md.append("## Instructions per call\n")
    md.append("Instructions executed in each implementation's own functions (callgrind self cost; "
              "the model kernel's functions excluded), on the model kernel with tracing off. "
              "Both built at -O2 / opt-level 2 with frame pointers and KKASSERTs, for the host. "
              "Rows marked **S** are success paths (target: Rust/C <= 1.00). "
              "Wall-clock: median per call natively, harness and model included")
    md.append(f"(the harness's floor, a step running an empty kernel function: {floor:.0f} ns).\n"
              if floor is not None else ".\n")
    md.append("| entry point | path | | C instr | Rust instr | Rust/C | C ns | Rust ns |")
    md.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        unit = " (per session)" if r["entry"] == "mix" else ""
        mark = "**S**" if r["success"] else ""
        flag = " ✗" if r["success"] and r["ratio"] > 1.0 else ""
        md.append(f"| {r['entry']} | {r['case']}{unit} | {mark} | {fmt_n(r['c'])} | {fmt_n(r['rust'])} | "
                  f"{r['ratio']:.2f}{flag} | {r['c_ns']:.0f} | {r['rust_ns']:.0f} |")
    md.append("")
    md.append("## Kernel object\n")
    if rev == REF_REV:
        md.append(f"Rust: `{os.path.relpath(obj_name, TOP)}` from `make kernel` (built against {headers}). "
                  "C (DragonFly): the original's object at `-O` with DragonFly's headers (dragonfly-abi/README.md). "
                  "C (model headers): the original compiled here with the same kernel flags against the model "
                  "headers, no INVARIANTS.\n")
    else:
        md.append(f"Rust: `{os.path.relpath(obj_name, TOP)}` from `make kernel REV={rev}` (built against {headers}). "
                  f"C (DragonFly): the {rev} original's object at `-O` with its own tree's headers "
                  f"(tests/kern/abi/{rev}/, scripts/c-object-facts.sh). "
                  "C (model headers): the original compiled here with the same kernel flags against the model "
                  f"headers (-DMODEL_REV_{rev}), no INVARIANTS.\n")
    md.append("| object | .text | .data | .text vs C (DragonFly) |")
    md.append("| --- | ---: | ---: | ---: |")
    md.append(f"| Rust port | {r_text} | {r_data} | {text_ratio:.2f} |")
    md.append(f"| C original (DragonFly) | {c_text} | {c_data} | 1.00 |")
    md.append(f"| C original (model headers, kernel flags) | {m_text} | {m_data} | {m_text / c_text:.2f} |")
    md.append(f"\nTarget: .text <= {text_limit} (1.25 x {c_text}).\n")
    if not depth:
        md.append("## Stack frames\n")
        md.append("Bytes as gcc -fstack-usage counts them (return address, pushes, locals). Rust: the prologue of "
                  "each entry point in the kernel object (scripts/kernel-check.py), or of a function it tail-calls "
                  "if larger (its frame replaces the entry point's). C (DragonFly): "
                  "vm_vmspace.stack-usage. C (model headers): -fstack-usage and the same prologue reading.\n")
    else:
        md.append("## Stack depth\n")
        md.append("Bytes: the deepest chain of the object's own functions an entry point runs (a call adds the "
                  "callee's frame, a tail call replaces the caller's), each frame as gcc -fstack-usage counts it "
                  "(return address, pushes, locals), as `make kernel-check` compares them "
                  "(scripts/kernel-check.py, stack_depth): the C calls vkernel_find_vmspace() and "
                  "vmspace_entry_delete(), the port inlines them. Rust: the kernel object's prologues and call "
                  f"graph. C (DragonFly): tests/kern/abi/{rev}/vm_vmspace.stack-usage over its vm_vmspace.calls. "
                  "C (model headers): the model-header object's call graph, with -fstack-usage's frames and with "
                  "the prologue reading.\n")
    md.append("| entry point | Rust | C (DragonFly) | Rust/C | C (model, -fstack-usage) | C (model, prologue) |")
    md.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    for s in stack:
        rust = f"{s['rust']}" + (f" (= {s['alias']})" if s["alias"] else "") if s["rust"] else "missing"
        flag = " ✗" if s["rust"] and s["rust"] > s["c"] else ""
        md.append(f"| {s['entry']} | {rust} | {s['c']} | {s['ratio']:.2f}{flag} | {s['model_su']} | {s['model']} |")
    md.append("")
    md.append("## Targets\n")
    md.append(f"- instructions, success paths: worst Rust/C {worst_success['ratio']:.2f} "
              f"({worst_success['entry']}: {worst_success['case']}): {'met' if instr_ok else 'MISSED'}")
    md.append(f"- .text: {r_text} bytes, {text_ratio:.2f} x the C original's: {'met' if text_ok else 'MISSED'}")
    md.append(f"- stack: worst Rust/C {worst_stack['ratio']:.2f} ({worst_stack['entry']}): "
              f"{'met' if stack_ok else 'MISSED'}")
    md.append("")
    md.append("## Functions counted\n")
    md.append("Self cost summed over all dumps (all workloads, all repetitions), per implementation: "
              "what the figures above are made of.\n")
    for imp in IMPLS:
        md.append(f"- {imp}: " + ", ".join(f"`{fn}` {ir:,}" for fn, ir in
                                            sorted(per_fn[imp].items(), key=lambda x: -x[1])))
    md.append("")
    if problems:
        md.append("## Attribution problems\n")
        md += [f"- {p}" for p in problems]
        md.append("")
    with open(os.path.join(a.out, report_md), "w") as f:
        f.write("\n".join(md))

    chart(rows, stack, text_ratio, os.path.join(a.out, ratios_png), rev, depth)

    # Console.
    print(f"{'entry point':22} {'path':48} {'C':>9} {'Rust':>9} {'Rust/C':>7}")
    for r in rows:
        mark = "S" if r["success"] else " "
        print(f"{r['entry']:22} {r['case'][:46]:46} {mark} {fmt_n(r['c']):>9} {fmt_n(r['rust']):>9} {r['ratio']:7.2f}")
    print(f".text {r_text} (C {c_text}, model-header C {m_text}); .data {r_data} (C {c_data})")
    print(("stack depth: " if depth else "stack: ") + ", ".join(f"{s['entry']} {s['rust']}/{s['c']}" for s in stack))
    for p in problems:
        print("attribution: " + p)
    print(f"bench: report in {os.path.relpath(a.out, TOP)}/{report_md} and {ratios_png}; targets: "
          f"instructions {'met' if instr_ok else 'MISSED'}, text {'met' if text_ok else 'MISSED'}, "
          f"stack {'met' if stack_ok else 'MISSED'}")
    print(f"bench: worst instruction ratio {worst['ratio']:.2f} ({worst['entry']}: {worst['case']}), "
          f"text ratio {text_ratio:.2f}, worst stack ratio {worst_stack['ratio']:.2f} ({worst_stack['entry']})")
    return 1 if problems else 0


def chart(rows, stack, text_ratio, path, rev=REF_REV, depth=False):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, max(11, 0.22 * len(rows))), gridspec_kw={"width_ratios": [3, 1.3]})
    labels = [f"{r['entry']}: {r['case'][:40]}" for r in rows][::-1]
    ratios = [r["ratio"] for r in rows][::-1]
    colours = [("tab:red" if r["ratio"] > 1 else "tab:green") if r["success"] else "tab:grey"
               for r in rows][::-1]
    ax1.barh(range(len(rows)), ratios, color=colours)
    ax1.set_yticks(range(len(rows)), labels, fontsize=7)
    ax1.axvline(1.0, color="black", linewidth=0.8)
    ax1.set_xlabel("instructions, Rust / C (green: success path, grey: error path)")
    ax1.set_title("Instructions per call (callgrind, own functions)" if rev == REF_REV else
                  f"Instructions per call, port of {rev} vs its C (callgrind, own functions)")
    names = [s["entry"] for s in stack][::-1] + [".text (object)"]
    vals = [s["ratio"] if s["rust"] else 0 for s in stack][::-1] + [text_ratio]
    ax2.barh(range(len(names)), vals,
             color=["tab:red" if v > 1 else "tab:blue" for v in vals[:-1]] +
                   ["tab:red" if text_ratio > 1.25 else "tab:blue"])
    ax2.set_yticks(range(len(names)), names, fontsize=8)
    ax2.axvline(1.0, color="black", linewidth=0.8)
    ax2.set_xlabel("Rust / C")
    ax2.set_title("Stack depth and .text" if depth else "Stack frames and .text")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    sys.exit(main())
