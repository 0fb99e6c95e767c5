#!/usr/bin/env python3
"""Measures the ABI facts of x86_64.json's schema (structure sizes,
alignments, field offsets; constant values) from a DragonFly sys/ tree.

Nothing is run: the headers are a DragonFly kernel's, so a probe is compiled
with -S only, with the include layout and the kernel flags that
scripts/kernel-layout.sh gives for SYSDIR (without INVARIANTS, as
x86_64.json was measured).  The probe includes the headers SYSDIR's own
vm/vm_vmspace.c includes, plus EXTRA_INCLUDES, and for each fact has an
inline asm statement whose "i" operand is the fact (sizeof, _Alignof,
offsetof or the constant's value, as unsigned long long, with a second
operand saying whether the C value is negative): gcc writes each as an
`.ascii "abi-fact KEY $VALUE NEG"` line into the assembly, which is parsed.

Which facts is a spec of the project, kept here once: BASE is what
vm_vmspace.c at c2e7bb204e touches (exactly the facts of
../shared/dragonfly-abi/x86_64.json), REVISIONS the changes each later
revision of the file makes to it.

usage:
  abi-facts.py measure SYSDIR [--rev REV] [--about TEXT] [-o FILE]
      the facts as JSON, in x86_64.json's format and key order
  abi-facts.py check SYSDIR [--rev REV] [--expected FILE]
      measures and compares with the committed facts of REV
      (COMMITTED); last line `abi-facts: REV: ok, ...` or
      `abi-facts: REV: FAILED, ...` (exit status 1)
  abi-facts.py spec [--rev REV]
      the facts REV's spec lists and the C expression of each

--rev defaults to the revision whose vm_vmspace.c SYSDIR holds (compared,
whitespace aside, with ../shared/reference/vm_vmspace.c and
../shared/reference/upstream/vm_vmspace@REV.c); a tree that holds another
version of the file needs --rev (the revision whose facts to measure).

`about` is prose, not a measurement: it is left out unless --about gives
it, and check compares the structs and constants only.  With x86_64.json's
own about, measure reproduces that file byte for byte.

Environment: KERNEL_CC (default cc), SHARED (default ../shared), ABI
(default $SHARED/dragonfly-abi).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE_REV = "c2e7bb204e"

# ---------------------------------------------------------------------------
# The spec: the facts of what vm_vmspace.c touches, per revision.
#
# struct name (always `struct NAME` in C) -> (layout, fields).  layout:
# "size" (size and align measured), "align" (align only: struct vmspace,
# reached through vmspace_pmap(), whose size is not a fact here), None
# (offsets only: proc, lwp, thread, of which the file uses a few fields).
# A field is an offsetof designator, nested ones included
# ("rb_entry.rbe_left"); td_tls is DragonFly's own macro for
# td_mach.mtd_savetls.  The JSON lists offsets in offset order, ties in the
# order given here.
_TF = ["tf_rdi", "tf_rsi", "tf_rdx", "tf_rcx", "tf_r8", "tf_r9", "tf_rax",
       "tf_rbx", "tf_rbp", "tf_r10", "tf_r11", "tf_r12", "tf_r13", "tf_r14",
       "tf_r15", "tf_xflags", "tf_trapno", "tf_addr", "tf_flags", "tf_err",
       "tf_rip", "tf_cs", "tf_rflags", "tf_rsp", "tf_ss"]
_RB = ["rb_entry", "rb_entry.rbe_left", "rb_entry.rbe_right",
       "rb_entry.rbe_parent", "rb_entry.rbe_color"]
_PREAD = ["id", "buf", "nbyte", "flags", "offset"]
BASE_STRUCTS = {
    "lwkt_token": ("size", []),
    "lwp": (None, ["lwp_proc", "lwp_vkernel", "lwp_thread"]),
    "proc": (None, ["p_pid", "p_vmspace", "p_lwp_tree", "p_vkernel", "p_token"]),
    "savetls": ("size", []),
    "spinlock": ("size", []),
    "sysmsg": ("size", ["sm_result", "sm_frame"]),
    "thread": (None, ["td_lwp", "td_proc", "td_vmm", "td_tls"]),
    "trapframe": ("size", _TF),
    "vextframe": ("size", ["vx_tls"]),
    "vkernel_lwp": ("size", ["save_trapframe", "save_vextframe", "user_trapframe",
                             "user_vextframe", "ve"]),
    "vkernel_proc": ("size", ["root", "token", "refs", "vkernel_cr3"]),
    "vmspace": ("align", ["vm_map", "vm_pmap"]),
    "vmspace_create_args": ("size", ["id", "type", "data"]),
    "vmspace_ctl_args": ("size", ["id", "cmd", "tframe", "vframe"]),
    "vmspace_destroy_args": ("size", ["id"]),
    "vmspace_entry": ("size", ["id", "vmspace", "flags", "refs"] + _RB),
    "vmspace_mcontrol_args": ("size", ["id", "addr", "len", "behav", "value"]),
    "vmspace_mmap_args": ("size", ["id", "addr", "len", "prot", "flags", "fd", "offset"]),
    "vmspace_munmap_args": ("size", ["id", "addr", "len"]),
    "vmspace_pread_args": ("size", _PREAD),
    "vmspace_pwrite_args": ("size", _PREAD),
    "vmspace_rb_tree": ("size", ["rbh_root", "rbh_inprog", "rbh_spin"]),
}

# Constant name -> C expression (the name itself unless given): the file's
# own constants and those of its callees (errnos, kern_mmap's MAP_/PROT_,
# vm_map_madvise's MADV_), LONG_BIT (sys/vkernel.h requires it), the
# selectors pc64's machdep.c stores in _ucodesel/_udatasel and the rflags
# masks cpu_sanitize_frame applies.
BASE_CONSTANTS = {name: name for name in [
    "EACCES", "EBUSY", "EEXIST", "EFAULT", "EINVAL", "EJUSTRETURN", "ENOENT",
    "ENOMEM", "EOPNOTSUPP", "EPERM", "ESRCH", "LONG_BIT", "MADV_CONTROL_END",
    "MADV_INVAL", "MADV_SETMAP", "MAP_ANON", "MAP_FIXED", "MAP_PRIVATE",
    "MAP_SHARED", "MAP_VPAGETABLE", "M_WAITOK", "M_ZERO", "PAGE_MASK",
    "PAGE_SIZE", "PROT_EXEC", "PROT_READ", "PROT_WRITE", "PSL_I",
    "PSL_RESERVED_DEFAULT", "PSL_RF", "PSL_USERCHANGE", "PSL_VM_UNSUPP",
    "VKE_DELETED", "VMSPACE_CTL_RUN", "VM_MAX_USER_ADDRESS",
    "VM_MIN_USER_ADDRESS", "VM_PROT_NONE"]}
BASE_CONSTANTS["GSEL_GUCODE_SEL_SEL_UPL"] = "GSEL(GUCODE_SEL, SEL_UPL)"
BASE_CONSTANTS["GSEL_GUDATA_SEL_SEL_UPL"] = "GSEL(GUDATA_SEL, SEL_UPL)"

# Headers for the callees' constants that vm_vmspace.c's own includes need
# not reach (GSEL, PSL_*).
EXTRA_INCLUDES = ["machine/segments.h", "machine/psl.h"]

# Each later revision: fields added to a struct, constants dropped/added.
# d95d5e03dc: per-LWP cache (vklp->ve_cache), ve->cache_refs, a token in
# each entry.  22b7a3dbf6: no token in the entry; VKE_REF_DELETED, a bit
# of ve->refs, replaces the VKE_DELETED flag.
REVISIONS = {
    "c2e7bb204e": {},
    "d95d5e03dc": {
        "add_fields": {"vmspace_entry": ["token", "cache_refs"],
                       "vkernel_lwp": ["ve_cache"]},
    },
    "22b7a3dbf6": {
        "add_fields": {"vmspace_entry": ["cache_refs"],
                       "vkernel_lwp": ["ve_cache"]},
        "drop_constants": ["VKE_DELETED"],
        "add_constants": {"VKE_REF_DELETED": "VKE_REF_DELETED"},
    },
}


def shared_dir():
    return os.environ.get("SHARED") or os.path.join(TOP, "..", "shared")


def committed(rev):
    """Where the committed facts of rev are."""
    if rev == REFERENCE_REV:
        abi = os.environ.get("ABI") or os.path.join(shared_dir(), "dragonfly-abi")
        return os.path.join(abi, "x86_64.json")
    return os.path.join(TOP, "tests", "kern", "abi", f"x86_64@{rev}.json")


def reference_file(rev):
    ref = os.path.join(shared_dir(), "reference")
    if rev == REFERENCE_REV:
        return os.path.join(ref, "vm_vmspace.c")
    return os.path.join(ref, "upstream", f"vm_vmspace@{rev}.c")


def spec(rev):
    """(structs, constants) of rev: structs name -> (layout, [field]),
    constants name -> C expression."""
    if rev not in REVISIONS:
        sys.exit(f"abi-facts: no spec for revision {rev} "
                 f"(known: {', '.join(REVISIONS)})")
    ch = REVISIONS[rev]
    structs = {n: (lay, list(f)) for n, (lay, f) in BASE_STRUCTS.items()}
    for n, fields in ch.get("add_fields", {}).items():
        structs[n][1].extend(fields)
    consts = dict(BASE_CONSTANTS)
    for n in ch.get("drop_constants", []):
        del consts[n]
    consts.update(ch.get("add_constants", {}))
    return structs, consts


# ---------------------------------------------------------------------------

def squeeze(text):
    return re.sub(r"\s+", "", text)


def detect_rev(sysdir):
    """The revision whose vm_vmspace.c SYSDIR holds, or None."""
    try:
        with open(os.path.join(sysdir, "vm", "vm_vmspace.c")) as f:
            mine = squeeze(f.read())
    except OSError:
        return None
    for rev in REVISIONS:
        try:
            with open(reference_file(rev)) as f:
                if squeeze(f.read()) == mine:
                    return rev
        except OSError:
            pass
    return None


def includes_of(sysdir):
    """The headers SYSDIR's vm/vm_vmspace.c includes, in its order."""
    path = os.path.join(sysdir, "vm", "vm_vmspace.c")
    with open(path) as f:
        hs = re.findall(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', f.read(), re.M)
    if not hs:
        sys.exit(f"abi-facts: {path} includes nothing")
    return hs


def facts_list(rev):
    """[(key, C expression)]: key S:struct, A:struct, O:struct:field, C:name."""
    structs, consts = spec(rev)
    out = []
    for name, (layout, fields) in structs.items():
        t = f"struct {name}"
        if layout == "size":
            out.append((f"S:{name}", f"sizeof({t})"))
        if layout in ("size", "align"):
            out.append((f"A:{name}", f"_Alignof({t})"))
        for fld in fields:
            out.append((f"O:{name}:{fld}", f"__builtin_offsetof({t}, {fld})"))
    for name, expr in consts.items():
        out.append((f"C:{name}", f"({expr})"))
    return out


def probe_source(headers, facts):
    """The probe and the line of each fact in it."""
    lines = ["/* scripts/abi-facts.py: a probe, compiled with -S only */"]
    lines += [f"#include <{h}>" for h in headers]
    lines += [
        "#define ABI_FACT(key, e) __asm__ __volatile__(\\",
        '\t".pushsection .abi_facts\\n\\t.ascii \\"abi-fact " key " %0 %1\\"\\n\\t.popsection" \\',
        "\t: : \"i\" ((unsigned long long)(e)), \"i\" ((e) < 0))",
        "void abi_facts_probe(void);",
        "void abi_facts_probe(void)",
        "{",
    ]
    where = {}
    for key, expr in facts:
        where[len(lines) + 1] = key
        lines.append(f'\tABI_FACT("{key}", {expr});')
    lines.append("}")
    return "\n".join(lines) + "\n", where


def kernel_flags(sysdir, layout_dir):
    env = dict(os.environ)
    env.pop("INVARIANTS", None)
    r = subprocess.run(["sh", os.path.join(TOP, "scripts", "kernel-layout.sh"),
                        "sysdir", sysdir, layout_dir],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"abi-facts: kernel-layout.sh failed:\n{r.stderr}")
    return [f for f in r.stdout.split("\n") if f]


def measure(sysdir, rev):
    """{key: value} of every fact of rev's spec, measured from sysdir."""
    facts = facts_list(rev)
    with tempfile.TemporaryDirectory(prefix="abi-facts.") as work:
        flags = kernel_flags(sysdir, os.path.join(work, "kernel"))
        headers = includes_of(sysdir)
        headers += [h for h in EXTRA_INCLUDES if h not in headers]
        src, where = probe_source(headers, facts)
        probe = os.path.join(work, "probe.c")
        with open(probe, "w") as f:
            f.write(src)
        cc = os.environ.get("KERNEL_CC") or "cc"
        cmd = ["nice", cc] + flags + ["-S", probe, "-o", os.path.join(work, "probe.s")]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=work)
        if r.returncode != 0:
            bad = []
            for m in re.finditer(r"probe\.c:(\d+):\d+: error: (.*)", r.stderr):
                key = where.get(int(m.group(1)))
                if key:
                    bad.append(f"  {key}: {m.group(2)}")
            msg = "\n".join(dict.fromkeys(bad)) or r.stderr[-4000:]
            sys.exit(f"abi-facts: cannot measure at {rev} from {sysdir}:\n{msg}")
        with open(os.path.join(work, "probe.s")) as f:
            asm = f.read()
    got = {}
    for m in re.finditer(r'abi-fact (\S+) \$?(-?\d+) \$?([01])"', asm):
        v = int(m.group(2))
        if m.group(3) == "0":
            v &= (1 << 64) - 1  # a non-negative C value printed as signed 64-bit
        got[m.group(1)] = v
    missing = [k for k, _ in facts if k not in got]
    if missing:
        sys.exit(f"abi-facts: no value in the assembly for {', '.join(missing)}")
    return got


def to_json(rev, got, about=None):
    """x86_64.json's format: about (if any), structs by name, each with
    offsets (in offset order), align, size; constants by name."""
    structs_spec, consts = spec(rev)
    structs = {}
    for name in sorted(structs_spec):
        layout, fields = structs_spec[name]
        s = {}
        if fields:
            order = sorted(range(len(fields)), key=lambda i: (got[f"O:{name}:{fields[i]}"], i))
            s["offsets"] = {fields[i]: got[f"O:{name}:{fields[i]}"] for i in order}
        if layout in ("size", "align"):
            s["align"] = got[f"A:{name}"]
        if layout == "size":
            s["size"] = got[f"S:{name}"]
        structs[name] = s
    doc = {}
    if about is not None:
        doc["about"] = about
    doc["structs"] = structs
    doc["constants"] = {n: got[f"C:{n}"] for n in sorted(consts)}
    return doc


def dumps(doc):
    return json.dumps(doc, indent=2) + "\n"


def flatten(doc):
    """{fact: value} of a facts document, `about` left out."""
    out = {}
    for name, s in doc.get("structs", {}).items():
        for k in ("size", "align"):
            if k in s:
                out[f"{name} {k}"] = s[k]
        for fld, v in s.get("offsets", {}).items():
            out[f"{name}.{fld}"] = v
    for name, v in doc.get("constants", {}).items():
        out[name] = v
    for k in doc:
        if k not in ("about", "structs", "constants"):
            out[f"(top-level key {k})"] = doc[k]
    return out


def choose_rev(sysdir, rev):
    found = detect_rev(sysdir)
    if rev is None:
        if found is None:
            sys.exit(f"abi-facts: {sysdir}/vm/vm_vmspace.c is none of "
                     f"{', '.join(REVISIONS)} (whitespace aside): give --rev")
        return found
    if found is not None and found != rev:
        sys.exit(f"abi-facts: {sysdir} holds vm_vmspace.c of {found}, not of "
                 f"{rev}: give REV={found} (--rev {found}) or the tree of {rev}")
    return rev


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("sysdir")
    m.add_argument("--rev")
    m.add_argument("--about")
    m.add_argument("-o", "--output")
    c = sub.add_parser("check")
    c.add_argument("sysdir")
    c.add_argument("--rev")
    c.add_argument("--expected")
    s = sub.add_parser("spec")
    s.add_argument("--rev", default=REFERENCE_REV)
    a = ap.parse_args()

    if a.cmd == "spec":
        for key, expr in facts_list(a.rev):
            print(f"{key}\t{expr}")
        return 0

    if not os.path.isfile(os.path.join(a.sysdir, "sys", "vkernel.h")):
        sys.exit(f"abi-facts: SYSDIR={a.sysdir} is not a DragonFly sys/ directory")
    rev = choose_rev(a.sysdir, a.rev)
    got = measure(a.sysdir, rev)

    if a.cmd == "measure":
        text = dumps(to_json(rev, got, a.about))
        if a.output:
            with open(a.output, "w") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
        return 0

    expected_path = a.expected or committed(rev)
    with open(expected_path) as f:
        expected = json.load(f)
    measured = to_json(rev, got)
    mine, theirs = flatten(measured), flatten(expected)
    bad = []
    for k in theirs:
        if k not in mine:
            bad.append(f"  {k}: committed {theirs[k]}, not in the spec of {rev}")
        elif mine[k] != theirs[k]:
            bad.append(f"  {k}: measured {mine[k]}, committed {theirs[k]}")
    for k in mine:
        if k not in theirs:
            bad.append(f"  {k}: measured {mine[k]}, not committed")
    name = a.expected or os.path.relpath(expected_path, TOP)
    if bad:
        print("\n".join(bad))
        print(f"abi-facts: {rev}: FAILED, {len(bad)} of {len(theirs)} facts of "
              f"{name} differ from SYSDIR's")
        return 1
    with open(expected_path) as f:
        same_text = dumps(to_json(rev, got, expected.get("about"))) == f.read()
    print(f"abi-facts: {rev}: ok, {len(mine)} facts measured from SYSDIR equal {name}"
          f" (about not compared{'; the JSON text is identical too' if same_text else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
