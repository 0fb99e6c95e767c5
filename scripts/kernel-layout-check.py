#!/usr/bin/env python3
"""Whether the model headers give the C original the structure layouts a
DragonFly sys/ tree gives it, as far as its code really uses them, inline
helpers included.

The C original is compiled twice with the same kernel flags
(scripts/kernel-layout.sh): against SYSDIR and against the model headers.
In every function vm_vmspace.c defines (the twelve entry points,
vmspace_entry_delete, rb_vmspace_delete; not RB_GENERATE's tree code, which
the model takes from libbsd) the displacements of memory operands off a
register other than %rsp, %rbp and %rip are field offsets: stack slots and
register choices may differ between the two builds, these must not.  A
layout test of named fields cannot see a field reached through a header's
inline function (vmspace_pmap()'s &vm->vm_pmap); this does.  Each
difference is named from the DWARF of both objects: the member whose
offset is the one build's displacement there and the other's here.

usage: kernel-layout-check.py SYSDIR [MODEL_INCLUDE]
       kernel-layout-check.py --self-test SYSDIR
--self-test runs the check against the model headers as they were before
commit PREFIX_COMMIT and passes only if exactly the one difference that
made a kernel panic is reported (EXPECTED_BEFORE_FIX).
Environment: INVARIANTS=1 (KKASSERTs compiled in), KERNEL_CC, REFERENCE
(the C original; default ../shared/reference/vm_vmspace.c).
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_INCLUDE = os.path.join(TOP, "tests/kern/include")
# The model fix of struct vm_map (rb_entry, rb_root, president_*): before it,
# vmspace_pmap() gave the model's vm_pmap offset and a kernel linked with a
# model-header object panicked in pmap_release().
PREFIX_COMMIT = "b01afdada43a205af65585512435868335bcaee0"
PREFIX_FILE = "tests/kern/include/vm/vm_map.h"
EXPECTED_BEFORE_FIX = {("struct vmspace", "vm_pmap", 0x110, 0xc8)}
# RB_GENERATE's code: DragonFly's in the kernel, libbsd's wrapped in the
# model; the shim compiles the kernel's (module/vm_vmspace_shim.c).
GENERATED = "vmspace_rb_tree_"
NOT_FIELDS = ("%rsp", "%rbp", "%rip")


def load_kernel_check():
    spec = importlib.util.spec_from_file_location(
        "kernel_check", os.path.join(TOP, "scripts/kernel-check.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


kc = load_kernel_check()


def reference():
    return os.environ.get("REFERENCE") or os.path.join(
        TOP, "..", "shared", "reference", "vm_vmspace.c")


def compile_c(flags_args, obj, work):
    """The C original with the flags kernel-layout.sh gives for flags_args."""
    flags = subprocess.run(["sh", os.path.join(TOP, "scripts/kernel-layout.sh")] + flags_args,
                           check=True, capture_output=True, text=True).stdout.split("\n")
    cc = os.environ.get("KERNEL_CC") or "cc"
    if flags_args[0] == "model" and kc.REV != kc.REF_REV:
        flags.append(f"-DMODEL_REV_{kc.REV}")  # the model headers of REV
    cmd = [cc] + [f for f in flags if f] + ["-c", reference(), "-o", obj]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=work)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}\n{r.stderr}")


def displacements(obj):
    """function -> the set of field displacements its code uses.  A set: how
    often each is used differs (the model's mycpu is a plain global, which
    gcc may reload less often than the kernel's %gs read).  So a field moved
    onto an offset the function also uses for another field in both builds
    is not seen there, only in the functions where it is not."""
    out = defaultdict(set)
    for name, insns in kc.functions(obj).items():
        if name.startswith(GENERATED):
            continue
        # gcc's parts and clones (f.cold, f.isra.0) may differ between the
        # builds; they are f's code.
        out[name.split(".")[0]] |= {
            int(disp, 0) if disp else 0
            for _, ops in insns
            for disp, base in re.findall(r"(-?0x[0-9a-f]+|-?\d+)?\((%\w+)?[,)]", ops)
            if base and base not in NOT_FIELDS}
    return out


def dwarf_dies(obj):
    """The DIEs of readelf's .debug_info dump: offset -> dict(tag, attrs, kids)."""
    dies, stack, cur = {}, [], None
    text = kc.run("readelf", "--debug-dump=info", obj)
    for line in text.splitlines():
        m = re.match(r"\s*<(\d+)><([0-9a-f]+)>: Abbrev Number: \d+(?: \((\w+)\))?", line)
        if m:
            cur = None
            if m.group(3):  # else the null entry closing a sibling list
                level, off = int(m.group(1)), int(m.group(2), 16)
                cur = {"tag": m.group(3), "kids": []}
                del stack[level:]
                if stack:
                    dies[stack[-1]]["kids"].append(off)
                stack.append(off)
                dies[off] = cur
            continue
        m = re.match(r"\s*<[0-9a-f]+>\s+(DW_AT_\w+)\s*:\s*(.*)$", line)
        if m and cur is not None:
            cur[m.group(1)] = re.sub(r"^\(indirect (?:line )?string, offset: 0x[0-9a-f]+\): ", "",
                                     m.group(2).strip())
    return dies


def members(obj):
    """Every member of every named struct or union the object's DWARF
    describes, nested members by path: (type, path) -> offset in the type."""
    dies = dwarf_dies(obj)

    def target(die):
        """The struct/union behind typedefs and qualifiers, or None."""
        seen = 0
        while die and die["tag"] in ("DW_TAG_typedef", "DW_TAG_const_type", "DW_TAG_volatile_type"):
            m = re.match(r"<0x([0-9a-f]+)>", die.get("DW_AT_type", ""))
            die = dies.get(int(m.group(1), 16)) if m else None
            seen += 1
            if seen > 16:
                return None
        if die and die["tag"] in ("DW_TAG_structure_type", "DW_TAG_union_type"):
            return die
        return None

    def walk(die, base, prefix, out):
        for k in die["kids"]:
            m = dies[k]
            if m["tag"] != "DW_TAG_member":
                continue
            off = base + int(m.get("DW_AT_data_member_location", "0").split()[0], 0)
            if "DW_AT_data_bit_offset" in m:  # a bit-field: the byte it starts in
                off += int(m["DW_AT_data_bit_offset"].split()[0], 0) // 8
            name = m.get("DW_AT_name")
            path = f"{prefix}{name}" if name else prefix.rstrip(".")
            if name:
                out[path] = off
            ref = re.match(r"<0x([0-9a-f]+)>", m.get("DW_AT_type", ""))
            inner = target(dies.get(int(ref.group(1), 16))) if ref else None
            if inner:
                # Anonymous members' fields belong to the enclosing type.
                walk(inner, off, f"{path}." if path else "", out)

    out = {}
    for die in dies.values():
        if (die["tag"] in ("DW_TAG_structure_type", "DW_TAG_union_type")
                and "DW_AT_name" in die and "DW_AT_declaration" not in die):
            kind = "struct" if die["tag"] == "DW_TAG_structure_type" else "union"
            fields = {}
            walk(die, 0, "", fields)
            for path, off in fields.items():
                out.setdefault((f"{kind} {die['DW_AT_name']}", path), off)
    return out


def compare(real_obj, model_obj):
    """(differences, unnamed, problems, counted): differences are
    (type, member, real offset, model offset) -> functions; unnamed are
    displacements no member explains, (function, which build, value);
    problems are functions the two builds do not both define; counted is
    (functions, displacements) compared."""
    real, model = displacements(real_obj), displacements(model_obj)
    problems = [f"{f} defined only against {w}" for w, a, b in
                (("SYSDIR", real, model), ("the model headers", model, real))
                for f in sorted(set(a) - set(b))]
    missing = [e for e in kc.ENTRY_POINTS + ["vmspace_entry_delete"] if e not in real]
    problems += [f"{e} not in the object" for e in missing]
    rm, mm = members(real_obj), members(model_obj)
    moved = [(key, rm[key], mm[key]) for key in set(rm) & set(mm) if rm[key] != mm[key]]
    both = sorted(set(real) & set(model))
    only = {f: (real[f] - model[f], model[f] - real[f]) for f in both}
    differences = defaultdict(set)
    named = {f: set() for f in both}

    def name(f, key, r, m):
        differences[(key[0], key[1], r, m)].add(f)
        named[f] |= {r, m}

    # A member whose offset in a function is only the one build's and there
    # only the other's.
    for f in both:
        for key, r, m in moved:
            if r in only[f][0] and m in only[f][1]:
                name(f, key, r, m)
    # Then one whose other offset the other build also uses for something
    # else, members found above first.
    found = {(d[0], d[1]) for d in differences}
    for f in both:
        for pool in ([x for x in moved if x[0] in found], moved):
            for key, r, m in pool:
                if ((r in only[f][0] - named[f] and m in model[f])
                        or (m in only[f][1] - named[f] and r in real[f])):
                    name(f, key, r, m)
            if named[f] >= only[f][0] | only[f][1]:
                break
    unnamed = [(f, w, d) for f in both
               for w, ds in (("SYSDIR", only[f][0]), ("the model headers", only[f][1]))
               for d in sorted(ds - named[f])]
    counted = sum(len(real[f]) for f in both)
    return outermost(differences), unnamed, problems, (len(both), counted)


def outermost(differences):
    """A member at offset 0 of a moved member moves with it: report the
    outer one (vmspace's vm_pmap, not vm_pmap.pm_pml4)."""
    keep = {}
    for (t, path, r, m), fs in differences.items():
        parts = path.split(".")
        if any((t, ".".join(parts[:i]), r, m) in differences for i in range(1, len(parts))):
            continue
        keep[(t, path, r, m)] = fs
    return keep


def describe(diff, fs):
    t, path, r, m = diff
    return (f"{t} member {path}: {r:#x} ({r}) against SYSDIR, {m:#x} ({m}) against the model "
            f"headers (in {', '.join(sorted(fs))})")


def compare_builds(sysdir, model_include):
    """Compiles the C original against both and compares.  Returns (summary,
    lines, the named differences, whether anything differs)."""
    with tempfile.TemporaryDirectory(prefix="kernel-layout.") as work:
        real_obj, model_obj = os.path.join(work, "real.o"), os.path.join(work, "model.o")
        compile_c(["sysdir", sysdir, os.path.join(work, "kinc")], real_obj, work)
        compile_c(["model", model_include], model_obj, work)
        differences, unnamed, problems, (nf, nd) = compare(real_obj, model_obj)
    lines = [describe(d, fs) for d, fs in sorted(differences.items())]
    lines += [f"{f}: displacement {d:#x} only against {w}, no member of a type both builds "
              "describe explains it" for f, w, d in unnamed]
    lines += problems
    summary = (f"{nf} functions, {nd} field offsets: "
               + (f"{len(lines)} difference(s)" if lines else "no difference"))
    return summary, lines, set(differences), bool(lines)


def attempt(what, fn):
    """fn() or, if compiling fails, a line saying so and a failure."""
    try:
        return fn()
    except (RuntimeError, subprocess.CalledProcessError) as e:
        err = (getattr(e, "stderr", None) or str(e)).strip().splitlines()[-20:]
        return [f"{what}: cannot compile the C original:"] + ["  " + l for l in err], \
            [f"{what} did not run"]


def check(sysdir, model_include=MODEL_INCLUDE):
    """Returns (lines to print, reasons of failure)."""
    def run():
        summary, lines, _, failed = compare_builds(sysdir, model_include)
        inv = ", INVARIANTS" if os.environ.get("INVARIANTS") else ""
        out = [f"layout: the C original against SYSDIR and against the model headers "
               f"(same kernel flags{inv}): {summary}"] + [f"  layout: {l}" for l in lines]
        return out, ["structure layouts differ between SYSDIR and the model headers"] if failed else []
    return attempt("layout", run)


def self_test(sysdir):
    """The check against the model headers before PREFIX_COMMIT must report
    exactly EXPECTED_BEFORE_FIX.  Returns (lines to print, reasons of
    failure)."""
    want = "; ".join(f"{t} member {p} {r:#x} vs {m:#x}" for t, p, r, m in EXPECTED_BEFORE_FIX)
    head = f"layout self-test: the model headers before {PREFIX_COMMIT[:7]} must give exactly {want}"
    r = subprocess.run(["git", "-C", TOP, "show", f"{PREFIX_COMMIT}^:{PREFIX_FILE}"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return [f"{head}: cannot read {PREFIX_FILE} from git: {r.stderr.strip()}"], \
            ["layout self-test did not run"]

    def run():
        with tempfile.TemporaryDirectory(prefix="kernel-layout-before-fix.") as work:
            inc = os.path.join(work, "include")
            shutil.copytree(MODEL_INCLUDE, inc, symlinks=True)
            with open(os.path.join(inc, "vm", "vm_map.h"), "w") as f:
                f.write(r.stdout)
            summary, lines, found, _ = compare_builds(sysdir, inc)
        ok = found == EXPECTED_BEFORE_FIX and len(lines) == len(found)
        out = [f"{head}: {'yes' if ok else 'NO'}; {summary}"]
        out += [f"  layout self-test: {l}" for l in lines]
        return out, [] if ok else ["layout self-test: the check does not report exactly the vm_pmap bug"]
    return attempt("layout self-test", run)


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--self-test":
        lines, reasons = self_test(args[1])
    elif len(args) in (1, 2) and not args[0].startswith("-"):
        lines, reasons = check(*args[:1], *[os.path.abspath(a) for a in args[1:]])
    else:
        sys.stderr.write(__doc__)
        return 2
    print("\n".join(lines))
    print("kernel-layout: " + ("FAILED (" + "; ".join(reasons) + ")" if reasons else "ok"))
    return 1 if reasons else 0


if __name__ == "__main__":
    sys.exit(main())
