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
# REV: the revision the object follows.  c2e7bb204e's facts are
# ../shared/dragonfly-abi (the ABI argument), sys/abi.rs pins them; another
# revision's are tests/kern/abi/REV/ (scripts/c-object-facts.sh) and
# tests/kern/abi/x86_64@REV.json (scripts/abi-facts.py), pinned by
# sys/abi_REV.rs (scripts/abi-pins.py).
REF_REV = "c2e7bb204e"
REV = os.environ.get("REV", "").strip() or REF_REV
C_TEXT, C_DATA = 5394, 4264   # c2e7bb204e's object (dragonfly-abi/README.md)
TEXT_LIMIT = C_TEXT * 5 // 4  # the port may be at most 25% larger


def c_sizes(abi):
    """The C original's .text and .data: dragonfly-abi/README.md's for
    c2e7bb204e, the measured `sizes` of another revision."""
    path = os.path.join(abi, "sizes")
    if not os.path.exists(path):
        return C_TEXT, C_DATA
    sizes = dict(line.split() for line in open(path) if line.strip())
    return int(sizes[".text"]), int(sizes[".data"])


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


def call_graph(obj):
    """function -> {(callee, "call"|"jump")} for the object's own functions
    it calls or jumps to (a relocation names the callee, or, within one
    section, the disassembly does)."""
    out = defaultdict(set)
    cur, pending = None, None
    for line in run("objdump", "-dr", "--no-show-raw-insn", obj).splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            cur, pending = m.group(1), None
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+R_X86_64_(?:PLT32|PC32)\s+(\S+?)(?:[+-]0x[0-9a-f]+)?$", line)
        if m and pending and cur:
            out[cur].add((re.sub(r"^\.text(\.unlikely|\.hot)?\.", "", m.group(1)), pending[0]))
            pending = None
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$", line)
        if not m:
            continue
        mnem, ops = m.group(1), m.group(2)
        if mnem.startswith("call") or mnem.startswith("j"):
            kind = "call" if mnem.startswith("call") else "jump"
            pending = (kind,)
            t = re.search(r"<([^>+]+)>$", ops)  # a function's start, not a label in one
            if t and cur and t.group(1) != cur:
                out[cur].add((t.group(1), kind))
        else:
            pending = None
    return out


def stack_depth(name, frames, graph, seen=()):
    """The deepest stack `name` uses within the object: its frame plus the
    deepest callee's (a jump is a tail call: the callee's stack replaces
    its own)."""
    if name in seen:
        return frames.get(name, 0)
    own = frames.get(name, 0)
    deepest = own
    for callee, kind in graph.get(name, ()):
        if callee not in frames:
            continue
        d = stack_depth(callee, frames, graph, seen + (name,))
        deepest = max(deepest, own + d if kind == "call" else d)
    return deepest


def entry_frame(name, funcs, tails):
    """An entry point's stack frame: its own, or that of a function of the
    object it tail-calls if larger (that frame replaces its own)."""
    return max([frame(funcs[name])] + [frame(funcs[t]) for t in tails[name] if t in funcs])


def abi_pins(abi_json, pins_file="sys/abi.rs"):
    """Mismatches between the pins (sys/abi.rs) and the facts (x86_64.json)."""
    facts = json.load(open(abi_json))
    src = open(os.path.join(TOP, pins_file)).read()
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
    if REV == REF_REV:
        facts_json, pins_file = os.path.join(abi, "x86_64.json"), "sys/abi.rs"
    else:
        abi = os.path.join(TOP, "tests/kern/abi", REV)
        facts_json = os.path.join(TOP, "tests/kern/abi", f"x86_64@{REV}.json")
        pins_file = f"sys/abi_{REV}.rs"
    c_text, c_data = c_sizes(abi)
    text_limit = c_text * 5 // 4  # the port may be at most 25% larger
    failed = []
    print(f"kernel-check: the port of {REV}, against the C original's facts in {os.path.relpath(abi, TOP)}")
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
    print(f"  .text {text} bytes (C original {c_text}, limit {text_limit}); .data {data} bytes (C original {c_data})")
    if text > text_limit:
        failed.append(f".text {text} > {text_limit}")

    c_frames = {}
    with open(os.path.join(abi, "vm_vmspace.stack-usage")) as f:
        for line in f:
            name, size = line.split()[:2]
            c_frames[name] = int(size)
    # Where the C's call graph was measured (scripts/c-object-facts.sh), an
    # entry point's stack is the deepest chain of the object's functions it
    # runs: the C and the port inline differently.  Otherwise its own frame.
    c_graph_file = os.path.join(abi, "vm_vmspace.calls")
    if os.path.exists(c_graph_file):
        c_graph = defaultdict(set)
        for line in open(c_graph_file):
            caller, callee, kind = line.split()
            c_graph[caller].add((callee, kind))
        port_frames = {f: frame(i) for f, i in funcs.items()}
        port_graph = call_graph(obj)
        c_stack = {e: stack_depth(e, c_frames, c_graph) for e in c_frames}
        port_stack = lambda e: stack_depth(e, port_frames, port_graph)
        print("  stack (bytes: the deepest chain of the object's own functions an entry point runs,\n"
              "  each frame as gcc -fstack-usage counts it: return address, pushes, locals):")
    else:
        c_stack = c_frames
        port_stack = lambda e: entry_frame(e, funcs, tails)
        print("  stack frames (bytes, as gcc -fstack-usage counts: return address, pushes, locals;\n"
              "  an entry point that tail-calls a larger frame counts that one):")
    c_frames = c_stack
    print(f"    {'entry point':24} {'port':>5} {'C':>5}")
    for e in ENTRY_POINTS:
        if e not in funcs:
            # An alias of an identical function (LLVM merges pread/pwrite).
            continue
        mine = port_stack(e)
        mark = ""
        if mine > c_frames[e]:
            failed.append(f"{e} frame {mine} > {c_frames[e]}")
            mark = "  LARGER"
        print(f"    {e:24} {mine:5} {c_frames[e]:5}{mark}")
    aliases = [e for e in ENTRY_POINTS if e not in funcs]
    for e in aliases:
        print(f"    {e:24} (same code as another entry point)")

    bad = abi_pins(facts_json, pins_file)
    facts_name = os.path.basename(facts_json)
    if bad:
        failed.append(f"{pins_file} disagrees with {facts_name}")
        for b in bad:
            print("  abi: " + b)
    else:
        print(f"  {pins_file} pins every struct size/offset of {facts_name}")

    if sysdir:
        layout = load_layout_check()
        # The self-test replays a c2e7bb204e model fix.
        for check in (layout.check, layout.self_test) if REV == REF_REV else (layout.check,):
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
