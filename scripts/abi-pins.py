#!/usr/bin/env python3
"""Writes the port's compile-time ABI pins (sys/abi*.rs) from ABI facts.

    abi-pins.py FACTS.json REV > sys/abi[_REV].rs

FACTS.json: ../shared/dragonfly-abi/x86_64.json (c2e7bb204e) or
tests/kern/abi/x86_64@REV.json.  Every struct size, alignment and offset
of the facts, and the constants the port uses, become static assertions;
`make kernel-check` reads them back and compares with the facts.
"""
import json
import sys

RUST_STRUCT = {"proc": "proc_"}
RUST_FIELD = {"type": "rs_type"}
# Constants the port uses: where the Rust name lives.
CONSTANTS = [
    ("EBUSY", "b"), ("EEXIST", "b"), ("EINVAL", "b"), ("EJUSTRETURN", "b"), ("ENOENT", "b"),
    ("EOPNOTSUPP", "b"), ("MADV_CONTROL_END", "kern"), ("M_WAITOK", "b"), ("M_ZERO", "b"),
    ("PAGE_MASK", "kern"), ("VKE_REF_DELETED", "b"), ("VMSPACE_CTL_RUN", "b"),
    ("VM_MAX_USER_ADDRESS", "kern"), ("VM_MIN_USER_ADDRESS", "kern"), ("VM_PROT_NONE", "kern"),
]
NOTES = {"vmspace": " (reached only through the inline vmspace_pmap())"}


def main():
    facts = json.load(open(sys.argv[1]))
    rev = sys.argv[2]
    out = [
        "//! The DragonFly x86_64 kernel ABI the port relies on, pinned at compile",
        "//! time: size, alignment and field offsets of every structure it touches,",
        "//! and the constants it uses, with the values measured from DragonFly's",
        f"//! headers at {rev} (written by scripts/abi-pins.py from the ABI facts; do",
        "//! not edit).  A header tree, real or model, that disagrees does not",
        "//! compile.  `make kernel-check` checks this file against the facts.",
        "//!",
        "//! struct proc, lwp and thread are pinned by the offsets of the fields used:",
        "//! their sizes are not among the ABI facts.",
        "",
        "use crate::bindings as b;",
        "use crate::kern;",
        "use core::mem::{align_of, offset_of, size_of};",
        "use static_assertions::const_assert_eq;",
    ]
    for name in sorted(facts["structs"]):
        d = facts["structs"][name]
        rs = RUST_STRUCT.get(name, name)
        out += ["", f"// struct {name}{NOTES.get(name, '')}"]
        if "size" in d:
            out.append(f"const_assert_eq!(size_of::<b::{rs}>(), {d['size']});")
        if "align" in d:
            out.append(f"const_assert_eq!(align_of::<b::{rs}>(), {d['align']});")
        for field, off in d.get("offsets", {}).items():
            if name == "thread" and field == "td_tls":
                out.append(f"const_assert_eq!(kern::TD_TLS_OFFSET, {off}); // td_tls")
            else:
                f = ".".join(RUST_FIELD.get(x, x) for x in field.split("."))
                out.append(f"const_assert_eq!(offset_of!(b::{rs}, {f}), {off});")
    out += ["", "// constants"]
    for name, home in CONSTANTS:
        if name in facts["constants"]:
            out.append(f"const_assert_eq!({home}::{name} as i128, {facts['constants'][name]});")
    print("\n".join(out))


if __name__ == "__main__":
    main()
