#!/usr/bin/env python3
"""Inspects the drop-in kernel object (obj/vm_vmspace.o) before it goes into
a DragonFly kernel:

- it defines exactly the global symbols the C original's object defines;
- every symbol it leaves undefined is one the kernel defines (the list in
  scripts/kernel-check.imports says where);
- no SSE/AVX/MMX/x87 instruction (the kernel does not save those
  registers), no GOT relocation (the kernel is linked static, code model
  kernel), no .eh_frame (nothing unwinds), no thread-local data, nothing of
  core's panic/formatting code or compiler_builtins;
- sys/abi.rs pins the values of the shared ABI facts (x86_64.json);
- it prints .text/.data sizes and each entry point's stack frame beside the
  C original's, and fails if a frame is larger;
- with SYSDIR: the object was built against that tree, and the model
  headers give the C original the layouts SYSDIR gives it, a check that
  must find the vm_pmap bug of the model headers before b01afda
  (scripts/kernel-layout-check.py).

usage: [SYSDIR=...] [INVARIANTS=1] kernel-check.py OBJECT ABI_DIR
The last line is `kernel-check: ok` (SYSDIR given, everything passed),
`kernel-check: FAILED (reasons)`, or without SYSDIR a line saying that the
checks passed but nothing is said about a kernel's ABI (exit status 0):
only a DragonFly tree shows what a kernel's headers say.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
from collections import defaultdict

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The 12 entry points: the exports (module/vm_vmspace.exports, the one list
# of them; tests/harness/build.rs reads it too) without RB_GENERATE's.
with open(os.path.join(TOP, "module/vm_vmspace.exports")) as _f:
    ENTRY_POINTS = [s for s in _f.read().split() if not s.startswith("vmspace_rb_tree_RB_")]
C_TEXT, C_DATA = 5394, 4264   # the C original's object (dragonfly-abi/README.md)
TEXT_LIMIT = C_TEXT * 5 // 4  # the port may be at most 25% larger


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def words(path):
    with open(path) as f:
        return [l.split()[0] for l in f if l.strip() and not l.startswith("#")]


def symbols(obj):
    defined, undefined = set(), set()
    for line in run("nm", obj).splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == "U":
            undefined.add(f[1])
        elif len(f) == 3 and f[1].isupper():
            defined.add(f[2])
    return defined, undefined


def sections(obj):
    """name -> (size, type) of the object's sections."""
    out = {}
    for m in re.finditer(r"\]\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s+([0-9a-f]+)", run("readelf", "-SW", obj)):
        out[m.group(1)] = (int(m.group(3), 16), m.group(2))
    return out


def functions(obj):
    """Disassembly per function: name -> [(mnemonic, operands)]."""
    funcs, cur = {}, None
    for line in run("objdump", "-d", "--no-show-raw-insn", obj).splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            cur = funcs.setdefault(m.group(1), [])
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$", line)
        if m and cur is not None:
            cur.append((m.group(1), m.group(2)))
    return funcs


def frame(insns):
    """Stack frame as gcc -fstack-usage counts it: return address, pushes
    and the stack adjustment of the prologue."""
    size = 8
    for mnem, ops in insns:
        if mnem == "push":
            size += 8
        elif mnem == "mov" and ops == "%rsp,%rbp":
            continue
        elif mnem == "sub" and ops.endswith(",%rsp"):
            size += int(ops.split(",")[0].lstrip("$"), 16)
            break
        else:
            break
    return size


def tail_calls(obj):
    """function -> the functions of the object it jumps to (tail calls):
    their frames replace its own on the stack."""
    out = defaultdict(set)
    cur, jump = None, False
    for line in run("objdump", "-dr", "--no-show-raw-insn", obj).splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            cur = m.group(1)
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+R_X86_64_(?:PLT32|PC32)\s+(\S+?)(?:[+-]0x[0-9a-f]+)?$", line)
        if m and jump and cur:
            out[cur].add(re.sub(r"^\.text(\.unlikely|\.hot)?\.", "", m.group(1)))
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+(\S+)", line)
        if m:
            jump = m.group(1).startswith("j")
    return out


def entry_frame(name, funcs, tails):
    """An entry point's stack frame: its own, or that of a function of the
    object it tail-calls if larger (that frame replaces its own)."""
    return max([frame(funcs[name])] + [frame(funcs[t]) for t in tails[name] if t in funcs])


def abi_pins(abi_json):
    """Mismatches between sys/abi.rs and x86_64.json."""
    facts = json.load(open(abi_json))
    src = open(os.path.join(TOP, "sys/abi.rs")).read()
    rust_name = {"proc": "proc_"}
    field_name = {"type": "rs_type"}
    pins = {}
    for m in re.finditer(r"const_assert_eq!\((size|align)_of::<b::(\w+)>\(\), (\d+)\)", src):
        pins[(m.group(2), m.group(1))] = int(m.group(3))
    for m in re.finditer(r"const_assert_eq!\(offset_of!\(b::(\w+), ([\w.]+)\), (\d+)\)", src):
        pins[(m.group(1), m.group(2))] = int(m.group(3))
    m = re.search(r"const_assert_eq!\(kern::TD_TLS_OFFSET, (\d+)\)", src)
    if m:
        pins[("thread", "td_tls")] = int(m.group(1))
    for m in re.finditer(r"const_assert_eq!\(\w+::(\w+) as i128, (-?\d+)\)", src):
        pins[("const", m.group(1))] = int(m.group(2))
    bad = []
    for struct, d in facts["structs"].items():
        rs = rust_name.get(struct, struct)
        want = {(rs, k): d[k] for k in ("size", "align") if k in d}
        for f, off in d.get("offsets", {}).items():
            if struct == "thread" and f == "td_tls":
                want[("thread", "td_tls")] = off
            else:
                want[(rs, ".".join(field_name.get(x, x) for x in f.split(".")))] = off
        for key, val in want.items():
            if pins.get(key) != val:
                bad.append(f"{struct} {key[1]}: json {val}, abi.rs {pins.get(key)}")
    for key, val in pins.items():
        if key[0] == "const" and facts["constants"].get(key[1]) != val:
            bad.append(f"{key[1]}: json {facts['constants'].get(key[1])}, abi.rs {val}")
    return bad


def main():
    obj, abi = sys.argv[1], sys.argv[2]
    sysdir = os.environ.get("SYSDIR", "").strip()
    failed = []
    headers_file = obj + ".headers"
    headers = open(headers_file).read().strip() if os.path.exists(headers_file) else "unknown headers"
    print(f"kernel-check: {obj}, built against {headers}")
    # kernel-build.sh's words for, and name of, a model-header object.
    model = headers.startswith("the model headers") or obj.endswith(".model.o")
    if sysdir and model:
        failed.append(f"{obj} is built against the model headers, not SYSDIR: no kernel object")
    elif sysdir and headers.startswith("SYSDIR="):
        built = headers[len("SYSDIR="):].removesuffix(", INVARIANTS")
        if os.path.realpath(built) != os.path.realpath(sysdir):
            failed.append(f"{obj} is built against SYSDIR={built}, not {sysdir}")

    defined, undefined = symbols(obj)
    exports = set(words(os.path.join(abi, "vm_vmspace.exports")))
    if defined != exports:
        failed.append("exports differ from the C original's")
        for s in sorted(defined - exports):
            print(f"  exports {s}, which the C object does not")
        for s in sorted(exports - defined):
            print(f"  does not export {s}")
    missing = [e for e in ENTRY_POINTS if e not in defined]
    if missing:
        failed.append("missing entry points " + " ".join(missing))

    known = {}
    with open(os.path.join(TOP, "scripts/kernel-check.imports")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, where = line.split(None, 1)
                known[name] = where.strip()
    unknown = sorted(undefined - set(known))
    if unknown:
        failed.append("undefined symbols the kernel does not define: " + " ".join(unknown))
    c_imports = set(words(os.path.join(abi, "vm_vmspace.imports")))
    print(f"  undefined: {len(undefined)} symbols, all defined by the kernel" if not unknown
          else f"  undefined: {len(undefined)} symbols, {len(unknown)} unknown")
    for s in sorted(undefined - c_imports):
        print(f"  note: needs {s} ({known.get(s, '?')}), which the C object (no INVARIANTS) does not")

    funcs = functions(obj)
    tails = tail_calls(obj)
    fpu = []
    for name, insns in funcs.items():
        for mnem, ops in insns:
            if (re.search(r"%[xyz]mm\d|%mm\d|%st\b|%st\(", ops)
                    or re.match(r"f[a-z0-9]+$", mnem)
                    or mnem in ("emms", "ldmxcsr", "stmxcsr", "fxsave", "fxrstor",
                                "xsave", "xrstor", "lfence", "sfence", "mfence")):
                fpu.append(f"{name}: {mnem} {ops}")
    if fpu:
        failed.append(f"{len(fpu)} SSE/AVX/MMX/x87 instructions")
        for i in fpu[:10]:
            print("  fpu/simd: " + i)

    # Rust's own runtime must not come along: panic and formatting code of
    # core, or compiler_builtins' routines (memcpy & co., which the kernel
    # has its own of).
    runtime = sorted(n for n in run("nm", "-C", obj).split("\n")
                     if re.search(r"\b(core|compiler_builtins)::|rust_begin_unwind|__rust_", n))
    if runtime:
        failed.append(f"{len(runtime)} symbols of Rust's runtime (core, compiler_builtins)")
        for n in runtime[:5]:
            print("  runtime: " + n.strip())

    relocs = run("readelf", "-rW", obj)
    got = sorted(set(re.findall(r"R_X86_64_\w*GOT\w*", relocs)))
    if got:
        failed.append("GOT relocations " + " ".join(got))
    tls_relocs = sorted(set(re.findall(r"R_X86_64_(?:TPOFF|DTPOFF|DTPMOD|TLSGD|TLSLD|GOTTPOFF)\w*", relocs)))

    secs = sections(obj)
    for s in secs:
        if s in (".eh_frame", ".eh_frame_hdr", ".gcc_except_table") or s.startswith(".rela.eh_frame"):
            failed.append(f"unwind section {s}")
    tls = [s for s, (_, t) in secs.items() if s.startswith((".tdata", ".tbss"))]
    tls_syms = [l for l in run("readelf", "-sW", obj).splitlines() if " TLS " in l]
    if tls or tls_syms or tls_relocs:
        failed.append("thread-local data")

    text = sum(size for s, (size, t) in secs.items() if s.startswith(".text"))
    data = sum(size for s, (size, t) in secs.items() if s.startswith(".data"))
    print(f"  .text {text} bytes (C original {C_TEXT}, limit {TEXT_LIMIT}); .data {data} bytes (C original {C_DATA})")
    if text > TEXT_LIMIT:
        failed.append(f".text {text} > {TEXT_LIMIT}")

    c_frames = {}
    with open(os.path.join(abi, "vm_vmspace.stack-usage")) as f:
        for line in f:
            name, size = line.split()[:2]
            c_frames[name] = int(size)
    print("  stack frames (bytes, as gcc -fstack-usage counts: return address, pushes, locals;\n"
          "  an entry point that tail-calls a larger frame counts that one):")
    print(f"    {'entry point':24} {'port':>5} {'C':>5}")
    for e in ENTRY_POINTS:
        if e not in funcs:
            # An alias of an identical function (LLVM merges pread/pwrite).
            continue
        mine = entry_frame(e, funcs, tails)
        mark = ""
        if mine > c_frames[e]:
            failed.append(f"{e} frame {mine} > {c_frames[e]}")
            mark = "  LARGER"
        print(f"    {e:24} {mine:5} {c_frames[e]:5}{mark}")
    aliases = [e for e in ENTRY_POINTS if e not in funcs]
    for e in aliases:
        print(f"    {e:24} (same code as another entry point)")

    bad = abi_pins(os.path.join(abi, "x86_64.json"))
    if bad:
        failed.append("sys/abi.rs disagrees with x86_64.json")
        for b in bad:
            print("  abi: " + b)
    else:
        print("  sys/abi.rs pins every struct size/offset of x86_64.json")

    if sysdir:
        layout = load_layout_check()
        for check in (layout.check, layout.self_test):
            lines, reasons = check(sysdir)
            print("\n".join("  " + l for l in lines))
            failed += reasons
    else:
        print("  layout: no SYSDIR, so the model headers are not compared with a kernel's")

    if failed:
        print("kernel-check: FAILED (" + "; ".join(failed) + ")")
        return 1
    if not sysdir:
        what = f"model-headers object {obj}" if model else f"{obj} ({headers})"
        print(f"kernel-check: {what}: checks passed; no SYSDIR, so nothing is said about a kernel's ABI")
        return 0
    print("kernel-check: ok")
    return 0


def load_layout_check():
    spec = importlib.util.spec_from_file_location(
        "kernel_layout_check", os.path.join(TOP, "scripts/kernel-layout-check.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


if __name__ == "__main__":
    sys.exit(main())
