#!/usr/bin/env python3
"""Checks the kernels `make dfly-kernel` linked (docs/qemu.md).

  check-kernels.py --src SRC --builddir DIR --exports FILE
                   --stock KERNEL.debug --port KERNEL.debug [--model KERNEL.debug]
                   [--rev c2e7bb204e|22b7a3dbf6]

SRC is the scratch DragonFly tree, DIR the stock kernel's build directory
(for compiling against the tree's headers with its opt_global.h).  Checks:

1. Each exported symbol (module/vm_vmspace.exports: the 12 entry points and
   the vmspace_rb_tree_RB_* functions) is a defined function in both
   kernels; by the DWARF line tables (addr2line, outermost frame at the
   symbol's address) it comes from sys/vm/vm_vmspace.c in the stock kernel,
   and in the port kernel from sys/vm/vm_vmspace.rs (entry points) or
   module/vm_vmspace_shim.c (RB functions).  The port kernel has no file
   symbol vm_vmspace.c at all (no C object linked beside the port).
   With --rev 22b7a3dbf6 the entry points must come from the 2017 port,
   sys/vm/vm_vmspace_22b7a3dbf6.rs.
2. The system call table: the numbers of vmspace_create ... vmspace_pwrite
   from sys/kern/syscalls.master; struct sysent's size and sy_call offset
   by compiling sys/sys/sysent.h; the table's bytes (symbol `sysent`) read
   from the ELF file.  Each entry's sy_call must be the address of
   sys_<name> in that kernel, and sy_narg must be the same in both.
3. Nothing is undefined in the port kernel that the stock kernel defines.

Last line: `check-kernels: ok` or `check-kernels: FAILED (n problems)`;
exit status 1 on failure.  Standard library only; uses gcc and addr2line.
"""
import argparse
import os
import re
import struct
import subprocess
import sys
import tempfile

SHN_UNDEF = 0
STT_FUNC, STT_FILE = 2, 4


class Elf:
    """The parts of an ELF64 little-endian file this check needs."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
            raise SystemExit(f"check-kernels: {path}: not an ELF64 little-endian file")
        (shoff,) = struct.unpack_from("<Q", d, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
        self.sections = []
        for i in range(shnum):
            name, typ, flags, addr, off, size, link, info, align, entsize = struct.unpack_from(
                "<IIQQQQIIQQ", d, shoff + i * shentsize)
            self.sections.append(dict(name=name, type=typ, addr=addr, off=off, size=size,
                                      link=link, entsize=entsize))
        shstr = self.sections[shstrndx]
        for s in self.sections:
            s["name"] = self._str(shstr["off"], s["name"])
        self.symbols = []  # (name, value, size, type, bind, shndx)
        for s in self.sections:
            if s["type"] != 2:  # SHT_SYMTAB
                continue
            strtab = self.sections[s["link"]]
            for j in range(s["size"] // s["entsize"]):
                nm, info, _other, shndx, value, size = struct.unpack_from(
                    "<IBBHQQ", d, s["off"] + j * s["entsize"])
                self.symbols.append((self._str(strtab["off"], nm), value, size,
                                     info & 0xF, info >> 4, shndx))

    def _str(self, base, off):
        end = self.data.index(b"\0", base + off)
        return self.data[base + off:end].decode("utf-8", "replace")

    def defined(self, name):
        """The global or weak definition of name: (value, size, type) or None."""
        for n, value, size, typ, bind, shndx in self.symbols:
            if n == name and shndx != SHN_UNDEF and bind in (1, 2):
                return value, size, typ
        return None

    def undefined(self):
        return {n for n, _v, _s, _t, _b, shndx in self.symbols if n and shndx == SHN_UNDEF}

    def defined_names(self):
        return {n for n, _v, _s, _t, _b, shndx in self.symbols if n and shndx != SHN_UNDEF}

    def file_symbols(self):
        return {n for n, _v, _s, typ, _b, _x in self.symbols if typ == STT_FILE}

    def names_at(self, addr):
        return sorted({n for n, v, _s, typ, _b, shndx in self.symbols
                       if v == addr and shndx != SHN_UNDEF and typ == STT_FUNC})

    def read(self, addr, size):
        for s in self.sections:
            if s["type"] == 1 and s["addr"] <= addr and addr + size <= s["addr"] + s["size"]:
                o = s["off"] + addr - s["addr"]
                return self.data[o:o + size]
        raise KeyError(f"{self.path}: no section holds 0x{addr:x}+{size}")


def source_files(kernel, addrs):
    """addr -> file of the outermost function at addr (addr2line -i: the
    innermost inlined frame comes first, the function itself last)."""
    if not addrs:
        return {}
    out = subprocess.run(["addr2line", "-e", kernel, "-a", "-f", "-i"] + [hex(a) for a in addrs],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    result, cur = {}, None
    i = 0
    while i < len(out):
        line = out[i]
        if re.fullmatch(r"0x[0-9a-f]+", line):
            cur = int(line, 16)
            i += 1
            continue
        # a (function, file:line) pair
        loc = out[i + 1] if i + 1 < len(out) else "??:0"
        result[cur] = loc.rsplit(":", 1)[0].split(" (discriminator")[0]
        i += 2
    return result


def syscall_numbers(src):
    """name -> number of the vmspace_* system calls in syscalls.master."""
    nums = {}
    with open(os.path.join(src, "sys/kern/syscalls.master")) as f:
        for line in f:
            m = re.match(r"(\d+)\s+STD\s+\{\s*[\w ]+?\b(vmspace_\w+)\s*\(", line)
            if m:
                nums[m.group(2)] = int(m.group(1))
    return nums


def sysent_layout(src, builddir):
    """(sizeof(struct sysent), offsetof sy_narg, offsetof sy_call), compiled
    from the tree's sys/sys/sysent.h with the kernel build's include layout."""
    code = ("#include <sys/param.h>\n#include <sys/sysent.h>\n"
            "const unsigned long vmspace_rs_layout[3] = { sizeof(struct sysent),\n"
            "  __offsetof(struct sysent, sy_narg), __offsetof(struct sysent, sy_call) };\n")
    src = os.path.abspath(src)
    sys_dir = os.path.join(src, "sys")
    with tempfile.TemporaryDirectory() as tmp:
        c, o = os.path.join(tmp, "layout.c"), os.path.join(tmp, "layout.o")
        with open(c, "w") as f:
            f.write(code)
        subprocess.run(["gcc", "-c", "-O", "-ffreestanding", "-fno-pie", "-fno-pic",
                        "-mcmodel=kernel", "-mno-red-zone", "-nostdinc", "-I.", "-Iinclude",
                        "-I" + sys_dir, "-I" + os.path.join(src, "include"),
                        "-D_KERNEL", "-DHAVE_KERNEL_OPTION_HEADERS", "-include", "opt_global.h",
                        "-U__linux__", "-U__linux", "-Ulinux", "-U__gnu_linux__",
                        "-D__DragonFly__=1", "-o", o, c], cwd=builddir, check=True)
        obj = Elf(o)
        sym = [s for s in obj.symbols if s[0] == "vmspace_rs_layout"][0]
        sec = obj.sections[sym[5]]
        return struct.unpack_from("<QQQ", obj.data, sec["off"] + sym[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", required=True)
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--exports", required=True)
    ap.add_argument("--stock", required=True)
    ap.add_argument("--port", required=True)
    ap.add_argument("--model")
    ap.add_argument("--rev", default="c2e7bb204e", choices=["c2e7bb204e", "22b7a3dbf6"])
    a = ap.parse_args()

    problems = []

    def bad(msg):
        problems.append(msg)
        print("check-kernels: PROBLEM: " + msg)

    with open(a.exports) as f:
        exports = [line.strip() for line in f if line.strip()]
    kernels = {"stock": Elf(a.stock), "port": Elf(a.port)}
    if a.model:
        kernels["model"] = Elf(a.model)
    port_rs = "sys/vm/vm_vmspace.rs" if a.rev == "c2e7bb204e" else f"sys/vm/vm_vmspace_{a.rev}.rs"
    want = {
        "stock": lambda name: "sys/vm/vm_vmspace.c",
        "port": lambda name: ("module/vm_vmspace_shim.c" if name.startswith("vmspace_rb_tree_RB_")
                              else port_rs),
    }
    want["model"] = want["port"]

    # 1. Where each exported function comes from.
    for kind, k in kernels.items():
        addrs = {}
        for name in exports:
            d = k.defined(name)
            if d is None or d[2] != STT_FUNC:
                bad(f"{kind}: {name} is not a defined function")
                continue
            addrs[name] = d[0]
        files = source_files(k.path, sorted(set(addrs.values())))
        n_ok = 0
        for name, addr in addrs.items():
            f = files.get(addr, "??")
            expect = want[kind](name)
            if kind == "stock":
                ok = f.endswith("/vm/vm_vmspace.c")
            else:
                ok = f.endswith("/" + expect)
            if ok:
                n_ok += 1
            else:
                bad(f"{kind}: {name} at 0x{addr:x} comes from {f}, not {expect}")
        print(f"check-kernels: {kind}: {n_ok} of {len(exports)} exported functions from "
              + ("sys/vm/vm_vmspace.c" if kind == "stock"
                 else f"{port_rs} (entry points) and module/vm_vmspace_shim.c (RB)"))
        if kind != "stock" and "vm_vmspace.c" in k.file_symbols():
            bad(f"{kind}: a file symbol vm_vmspace.c: the C object is linked too")

    # 2. The system call table.
    nums = syscall_numbers(a.src)
    expected = ["vmspace_create", "vmspace_destroy", "vmspace_ctl", "vmspace_mmap",
                "vmspace_munmap", "vmspace_mcontrol", "vmspace_pread", "vmspace_pwrite"]
    missing = [n for n in expected if n not in nums]
    if missing:
        bad("syscalls.master lacks " + ", ".join(missing))
    size, off_narg, off_call = sysent_layout(a.src, a.builddir)
    print(f"check-kernels: struct sysent: size {size}, sy_narg at {off_narg}, sy_call at {off_call} "
          f"(sys/sys/sysent.h); numbers " + ", ".join(f"{n} {nums.get(n)}" for n in expected))
    nargs = {}
    for kind in ("stock", "port"):
        k = kernels[kind]
        table = k.defined("sysent")
        if table is None:
            bad(f"{kind}: no symbol sysent")
            continue
        n_ok = 0
        for name in expected:
            if name not in nums:
                continue
            base = table[0] + nums[name] * size
            (narg,) = struct.unpack("<i", k.read(base + off_narg, 4))
            (call,) = struct.unpack("<Q", k.read(base + off_call, 8))
            target = k.defined("sys_" + name)
            nargs.setdefault(name, {})[kind] = narg
            if target is None or call != target[0]:
                bad(f"{kind}: sysent[{nums[name]}] ({name}) calls 0x{call:x} "
                    f"({', '.join(k.names_at(call)) or 'no function'}), not sys_{name}")
            else:
                n_ok += 1
        print(f"check-kernels: {kind}: sysent[{min(nums.values())}..{max(nums.values())}] "
              f"call sys_vmspace_* of this kernel: {n_ok} of {len(expected)}")
    for name, per in nargs.items():
        if len(set(per.values())) != 1:
            bad(f"sysent {name}: sy_narg differs: {per}")

    # 3. Undefined symbols.
    stock_defined = kernels["stock"].defined_names()
    for kind in [k for k in kernels if k != "stock"]:
        und = kernels[kind].undefined()
        new = sorted(und & stock_defined)
        print(f"check-kernels: {kind}: {len(und)} undefined symbols "
              f"(stock: {len(kernels['stock'].undefined())}), {len(new)} that the stock kernel defines")
        for n in new:
            bad(f"{kind}: {n} is undefined, the stock kernel defines it")

    if problems:
        print(f"check-kernels: FAILED ({len(problems)} problems)")
        return 1
    print("check-kernels: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
