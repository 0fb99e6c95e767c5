#!/bin/sh
# The C flags that compile kernel code here, one per line: the include
# layout plus DragonFly's x86_64 (pc64) kernel flags.  build.rs (the shim,
# bindgen) and kernel-layout-check.py (the C original) both take them from
# here, so the port and the layout check see the same headers the same way.
#
#   kernel-layout.sh sysdir SYSDIR DIR
#       a DragonFly sys/ tree, with a kernel build directory's include
#       layout made in DIR (emptied first): machine, cpu and machine_base
#       links, include/machine/X.h forwarding to <cpu/X.h> for each cpu
#       header the platform lacks, and opt_global.h as config(8) writes it.
#   kernel-layout.sh model INCLUDE
#       model headers (tests/kern/include or a copy): the compiler's own
#       headers and, for RB_GENERATE, libbsd's, searched after everything
#       else (tests/kern/README.md).
#
# INVARIANTS=1 in the environment: `options INVARIANTS` (opt_global.h), or
# -DINVARIANTS for the model headers.  KERNEL_CC: the compiler whose own
# headers the model build uses (default cc).
set -eu

# Kernel flags other than include paths (sys/conf/kern.pre.mk,
# sys/platform/pc64/conf/kern.mk).  -fno-pie: DragonFly's compiler does not
# default to PIE, Debian's does.  -g: kernels are built with
# `makeoptions DEBUG=-g` for kgdb, and the layout check reads the DWARF.
kernel_flags() {
    for f in -O -g -fno-pie -D_KERNEL -DHAVE_KERNEL_OPTION_HEADERS \
        -fno-stack-protector -mcmodel=kernel -mno-red-zone -mfpmath=387 \
        -mno-mmx -mno-3dnow -mno-sse -mno-sse2 -mno-sse3 -mno-ssse3 \
        -mno-sse4.1 -mno-sse4.2 -mno-sse4 -mno-sse4a -mno-abm \
        -mno-aes -mno-avx -mno-pclmul -mno-popcnt -mno-avx2 \
        -mno-fsgsbase -mno-rdrnd -mno-f16c -mno-fma -mno-fma4 \
        -mno-bmi -mno-bmi2 -mno-xop -mno-lwp -mno-lzcnt -mno-tbm \
        -msoft-float -fno-asynchronous-unwind-tables \
        -fno-omit-frame-pointer -ffreestanding -fno-common; do
        echo "$f"
    done
}

die() {
    echo "kernel-layout.sh: $*" >&2
    exit 1
}

case ${1:-} in
sysdir)
    [ $# -eq 3 ] || die "usage: kernel-layout.sh sysdir SYSDIR DIR"
    s=$(cd "$2" 2>/dev/null && pwd -P) || die "SYSDIR=$2: no such directory"
    [ -f "$s/sys/vkernel.h" ] || die "SYSDIR=$2 is not a DragonFly sys/ directory"
    rm -rf "$3"
    mkdir -p "$3/include/machine"
    k=$(cd "$3" && pwd -P)
    ln -s "$s/platform/pc64/include" "$k/machine"
    ln -s "$s/cpu/x86_64/include" "$k/cpu"
    ln -s "$s/platform/pc64" "$k/machine_base"
    for h in "$s"/cpu/x86_64/include/*.h; do
        n=${h##*/}
        [ -e "$s/platform/pc64/include/$n" ] ||
            echo "#include <cpu/$n>" > "$k/include/machine/$n"
    done
    if [ -n "${INVARIANTS:-}" ]; then
        echo "#define INVARIANTS 1" > "$k/opt_global.h"
    else
        : > "$k/opt_global.h"
    fi
    printf '%s\n' -nostdinc "-I$k" "-I$k/include" "-I$s" "-I$s/../include" \
        -include "$k/opt_global.h"
    kernel_flags
    ;;
model)
    [ $# -eq 2 ] || die "usage: kernel-layout.sh model INCLUDE"
    inc=$(cd "$2" 2>/dev/null && pwd -P) || die "$2: no such directory"
    cc_inc=$("${KERNEL_CC:-cc}" -print-file-name=include)
    printf '%s\n' -nostdinc "-I$inc" "-isystem$cc_inc" -idirafter/usr/include
    kernel_flags
    [ -z "${INVARIANTS:-}" ] || echo -DINVARIANTS
    ;;
*)
    die "usage: kernel-layout.sh sysdir SYSDIR DIR | model INCLUDE"
    ;;
esac
