#!/bin/sh
# Builds the QEMU guest's /sbin/init: a static DragonFly BSD x86_64 program
# without libc (raw system calls, DragonFly's numbers, the "DragonFly" ABI
# note), compiled on Linux with the host's gcc.
#
#   tests/qemu/build.sh OUT        writes the program to OUT
#
# Static ET_EXEC at 0x400000, no PIE, no build-id: DragonFly's ELF loader
# brands it by the .note.tag note (main.c).  CC overrides the compiler.
set -eu
if [ $# -ne 1 ]; then
	echo "usage: $0 OUT" >&2
	exit 2
fi
out=$1
here=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-gcc}
# -fno-builtin and -fno-tree-loop-distribute-patterns: rt.c's memset and
# memcpy must not become calls to themselves.  -mno-red-zone is not needed:
# signal delivery skips 128 bytes below %rsp.
"$cc" -std=gnu11 -O2 -Wall -Wextra -Werror \
	-ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns \
	-fno-pie -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fcf-protection=none -mgeneral-regs-only \
	-nostdlib -static -no-pie \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,noseparate-code \
	-Wl,-e,_start -Wl,-Ttext-segment=0x400000 \
	-o "$out" \
	"$here/main.c" "$here/functional.c" "$here/stress.c" "$here/bench.c" \
	"$here/vm.c" "$here/rt.c" "$here/sys.S" "$here/guest.S"
