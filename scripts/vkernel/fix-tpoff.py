#!/usr/bin/env python3
"""Applies, in place, the dynamic relocations of a static vkernel that no
loader will apply (docs/vkernel.md).

  fix-tpoff.py VKERNEL

The vkernel is linked statically but with -export-dynamic (its kernel linker
reads _DYNAMIC), so ld keeps the initial-exec TLS accesses of libc (errno,
the thread's locale) as R_X86_64_TPOFF64 relocations in .rela.dyn instead of
resolving them.  With no rtld, this does it: DragonFly's static TLS (libc's
gen/tls.c) puts the PT_TLS block, rounded up to its alignment, right below
the thread pointer, so a symbol's offset is st_value + addend - that size.
R_X86_64_RELATIVE (an ET_EXEC: base 0) gets its addend.  Anything else is an
error.
"""
import struct
import sys

PT_LOAD, PT_TLS = 1, 7
SHT_RELA = 4
R_X86_64_RELATIVE, R_X86_64_TPOFF64 = 8, 18


def main():
    path = sys.argv[1]
    b = bytearray(open(path, "rb").read())
    if b[:4] != b"\x7fELF" or b[4] != 2:
        sys.exit(f"{path}: not an ELF64 file")
    phoff, shoff = struct.unpack_from("<QQ", b, 0x20)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", b, 0x36)
    phs = [struct.unpack_from("<IIQQQQQQ", b, phoff + i * phentsize) for i in range(phnum)]
    tls = [p for p in phs if p[0] == PT_TLS]
    if not tls:
        sys.exit(f"{path}: no PT_TLS segment")
    memsz, align = tls[0][6], max(tls[0][7], 1)
    tls_space = (memsz + align - 1) & ~(align - 1)

    def file_offset(vaddr):
        for p in phs:
            if p[0] == PT_LOAD and p[3] <= vaddr < p[3] + p[5]:
                return vaddr - p[3] + p[2]
        raise ValueError(f"{vaddr:#x} is in no PT_LOAD's file image")

    shs = [struct.unpack_from("<IIQQQQIIQQ", b, shoff + i * shentsize) for i in range(shnum)]
    n = 0
    for sh in shs:
        if sh[1] != SHT_RELA:
            continue
        symtab = shs[sh[6]]
        for off in range(sh[4], sh[4] + sh[5], 24):
            r_offset, r_info, r_addend = struct.unpack_from("<QQq", b, off)
            rtype, sym = r_info & 0xFFFFFFFF, r_info >> 32
            st_value = struct.unpack_from("<Q", b, symtab[4] + sym * 24 + 8)[0]
            if rtype == R_X86_64_TPOFF64:
                val = st_value + r_addend - tls_space
            elif rtype == R_X86_64_RELATIVE:
                val = r_addend
            else:
                sys.exit(f"{path}: relocation type {rtype} at {r_offset:#x}: not handled")
            struct.pack_into("<q", b, file_offset(r_offset), val)
            n += 1
            print(f"fix-tpoff: type {rtype} at {r_offset:#x} (symbol value {st_value:#x}) -> {val}")
    open(path, "wb").write(b)
    print(f"fix-tpoff: TLS block {tls_space:#x} bytes, {n} relocations applied")


if __name__ == "__main__":
    main()
