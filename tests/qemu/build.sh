#!/bin/sh
# Builds the QEMU guest's /sbin/init: a static DragonFly BSD x86_64 program
# without libc (raw system calls, DragonFly's numbers, the "DragonFly" ABI
# note), compiled on Linux with the host's gcc.
#
#   tests/qemu/build.sh OUT [REV]  writes the program to OUT
#
# REV: the DragonFly revision it is for, c2e7bb204e (default) or 22b7a3dbf6
# (DragonFly 5.0's tree: -DVMT_REV_22B7A3DBF6, dfly.h's 5.0 layouts and
# constants, the `busy` scenario last; docs/qemu-guest.md, "Revisions").
#
# Static ET_EXEC at 0x400000, no PIE, no build-id: DragonFly's ELF loader
# brands it by the .note.tag note (main.c).  CC overrides the compiler.
set -eu
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 OUT [c2e7bb204e|22b7a3dbf6]" >&2
	exit 2
fi
out=$1
case ${2:-c2e7bb204e} in
c2e7bb204e) set -- ;;
22b7a3dbf6) set -- -DVMT_REV_22B7A3DBF6 ;;
*) echo "$0: revision $2: the guest program exists for c2e7bb204e and 22b7a3dbf6" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-gcc}
# -fno-builtin and -fno-tree-loop-distribute-patterns: rt.c's memset and
# memcpy must not become calls to themselves.  -mno-red-zone is not needed:
# signal delivery skips 128 bytes below %rsp.
"$cc" -std=gnu11 -O2 -Wall -Wextra -Werror \
	-ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns \
	-fno-pie -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fcf-protection=none -mgeneral-regs-only "$@" \
	-nostdlib -static -no-pie \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,noseparate-code \
	-Wl,-e,_start -Wl,-Ttext-segment=0x400000 \
	-o "$out" \
	"$here/main.c" "$here/functional.c" "$here/stress.c" "$here/bench.c" \
	"$here/vm.c" "$here/rt.c" "$here/sys.S" "$here/guest.S"
