#!/usr/bin/env python3
"""Copies GRUB's i386-pc modules to DST and fixes relocator.mod's 64-bit jump.

  grub-modules.py DST [SRC]        (SRC defaults to /usr/lib/grub/i386-pc)

Why: in Debian 12's GRUB 2.06 (2.06-13+deb12u2) grub_relocator64_start ends
with `jmp *disp32(%rip)` (ff 25 <disp32>) meant to load the 64-bit target
stored at grub_relocator64_rip, but the displacement is 0 while that slot
sits after alignment padding: the jump loads RIP from the wrong bytes, and
every `kfreebsd` boot of a 64-bit kernel triple-faults.  The fix sets the
displacement to the distance from the end of that jump to
grub_relocator64_rip, both found through the module's own symbol table (an
ELF32 relocatable object).  A module whose displacement is already right is
left alone; anything unexpected stops with an error.  Use the copy with
`grub-mkrescue -d DST`.
"""
import os
import shutil
import struct
import sys


def symbols(d):
    """name -> (value, section index) from an ELF32 little-endian object."""
    if d[:4] != b"\x7fELF" or d[4] != 1 or d[5] != 1:
        raise SystemExit("grub-modules: relocator.mod is not an ELF32 little-endian object")
    (shoff,) = struct.unpack_from("<I", d, 0x20)
    shentsize, shnum = struct.unpack_from("<HH", d, 0x2E)
    secs = [struct.unpack_from("<IIIIIIIIII", d, shoff + i * shentsize) for i in range(shnum)]
    out = {}
    for _name, typ, _fl, _addr, off, size, link, _info, _al, entsize in secs:
        if typ != 2:  # SHT_SYMTAB
            continue
        stroff = secs[link][4]
        for j in range(size // entsize):
            nm, value, _size, _info, _other, shndx = struct.unpack_from("<IIIBBH", d, off + j * entsize)
            name = d[stroff + nm:d.index(b"\0", stroff + nm)].decode()
            out[name] = (value, shndx)
    return out, secs


def fix(path):
    with open(path, "rb") as f:
        d = bytearray(f.read())
    syms, secs = symbols(d)
    try:
        start, sec = syms["grub_relocator64_start"]
        rip, sec2 = syms["grub_relocator64_rip"]
    except KeyError as e:
        raise SystemExit(f"grub-modules: {path} has no symbol {e}")
    if sec != sec2 or not start < rip:
        raise SystemExit(f"grub-modules: {path}: unexpected layout of grub_relocator64_*")
    base = secs[sec][4]  # the section's file offset
    code = bytes(d[base + start:base + rip])
    at = code.rfind(b"\xff\x25")  # the last jmp *disp32(%rip) before the slot
    if at < 0 or at + 6 > len(code):
        raise SystemExit(f"grub-modules: {path}: no jmp *disp32(%rip) before grub_relocator64_rip")
    want = rip - (start + at + 6)
    (disp,) = struct.unpack_from("<i", code, at + 2)
    if disp == want:
        return f"relocator.mod already jumps through grub_relocator64_rip (displacement {want})"
    if disp != 0 or not 0 <= want < 16:
        raise SystemExit(f"grub-modules: {path}: displacement {disp}, slot at +{want}: another GRUB build?")
    struct.pack_into("<i", d, base + start + at + 2, want)
    with open(path, "wb") as f:
        f.write(d)
    return f"relocator.mod: jmp at .text+0x{start + at:x} now reads grub_relocator64_rip (displacement 0 -> {want})"


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    dst = sys.argv[1]
    src = sys.argv[2] if len(sys.argv) == 3 else "/usr/lib/grub/i386-pc"
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    print("grub-modules: " + fix(os.path.join(dst, "relocator.mod")))


if __name__ == "__main__":
    main()
