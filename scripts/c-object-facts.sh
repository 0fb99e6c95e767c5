#!/bin/sh
# Measures the facts kernel-check compares the port with, from a revision of
# vm_vmspace.c compiled against its own DragonFly sys/ tree with the kernel's
# flags (scripts/kernel-layout.sh), as ../shared/dragonfly-abi/ has them for
# c2e7bb204e: the symbols it exports and imports, gcc -fstack-usage of every
# function, and .text/.data.
#
#   c-object-facts.sh SYSDIR C_FILE OUTDIR
#       writes OUTDIR/vm_vmspace.exports, vm_vmspace.imports,
#       vm_vmspace.stack-usage, vm_vmspace.calls (caller, callee, call or
#       jump, for the object's own functions: kernel-check's stack depth)
#       and sizes (".text N", ".data N").
set -eu
sysdir=$1 src=$2 out=$3
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
sh "$top/scripts/kernel-layout.sh" sysdir "$sysdir" "$work/kinc" > "$work/flags"
# -g off: only code and symbols are measured here.
# shellcheck disable=SC2046
${KERNEL_CC:-cc} $(grep -vx -- -g "$work/flags") -fstack-usage -c "$src" -o "$work/vm_vmspace.o"
nm -g --defined-only "$work/vm_vmspace.o" | awk '{print $3}' | sort > "$out/vm_vmspace.exports"
nm -u "$work/vm_vmspace.o" | awk '{print $2}' | sort > "$out/vm_vmspace.imports"
sed 's/^[^:]*:[0-9]*:[0-9]*://' "$work"/*.su | awk '{print $1, $2, $3}' > "$out/vm_vmspace.stack-usage"
python3 - "$top/scripts/kernel-check.py" "$work/vm_vmspace.o" > "$out/vm_vmspace.calls" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("kernel_check", sys.argv[1])
kc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kc)
for caller, callees in sorted(kc.call_graph(sys.argv[2]).items()):
    for callee, kind in sorted(callees):
        print(caller, callee, kind)
PY
size -A "$work/vm_vmspace.o" | awk '/^\.text/ {t += $2} /^\.data/ {d += $2} END {print ".text", t; print ".data", d}' > "$out/sizes"
echo "c-object-facts: $src against $sysdir: $(tr '\n' ' ' < "$out/sizes")-> $out"
