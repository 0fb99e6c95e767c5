#!/bin/sh
# Builds the drop-in kernel object: one relocatable object, linked into a
# DragonFly kernel in place of vm_vmspace.o, exporting the same symbols.
#
#   kernel-build.sh OUTPUT.o
#
# 1. cargo builds the port for x86_64-unknown-none as a staticlib: core from
#    source (-Zbuild-std), the kernel code model, no red zone, frame
#    pointers; build.rs compiles the C shim (module/) with the kernel's flags.
#    Frame pointers in every function but leaves, as gcc builds the kernel
#    (-fno-omit-frame-pointer leaves leaf functions without one).
# 2. ld -r --gc-sections keeps of the Rust part only what the entry points
#    reach (nothing of core or compiler_builtins unless called).  The shim is
#    linked whole: its linker-set records (MALLOC_DEFINE's SYSINIT) are
#    referenced by nothing and would be collected.
# 3. objcopy makes every symbol but the exports local.
#
# Environment: SYSDIR (a DragonFly sys/ tree; else the model headers),
# KERNEL_CFLAGS, KERNEL_CC, KERNEL_OBJDIR (from a kernel build, kmod.mk),
# INVARIANTS=1 (KKASSERTs), CARGO, RUSTC, CARGO_TARGET_DIR.
#
# Against the model headers OUTPUT must be named *.model.o, and only then:
# such an object passes every check here, yet a kernel linked with it uses
# the model's layouts, not the kernel's (docs/kernel.md).
set -eu

out=$1
model=
[ -n "${SYSDIR:-}${KERNEL_CFLAGS:-}" ] || model=1
case $out in
*.model.o) [ -n "$model" ] ||
    { echo "kernel-build.sh: $out: built against SYSDIR or KERNEL_CFLAGS, so not *.model.o" >&2; exit 1; } ;;
*) [ -z "$model" ] ||
    { echo "kernel-build.sh: $out: no SYSDIR or KERNEL_CFLAGS, so the model headers: name it *.model.o" >&2; exit 1; } ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
exports=$top/module/vm_vmspace.exports
# REV: the revision of vm_vmspace.c the port follows (c2e7bb204e, the
# default, or 22b7a3dbf6: cargo feature rev-22b7a3dbf6); build.rs refuses
# headers of another revision.
features=
case ${REV:-c2e7bb204e} in
c2e7bb204e) target_dir=${CARGO_TARGET_DIR:-$top/target/kernel} ;;
22b7a3dbf6) target_dir=${CARGO_TARGET_DIR:-$top/target/kernel-22b7a3dbf6}; features=rev-22b7a3dbf6 ;;
*) echo "kernel-build.sh: REV=$REV: the port exists for c2e7bb204e and 22b7a3dbf6" >&2; exit 1 ;;
esac
[ -n "${INVARIANTS:-}" ] && features="$features invariants"
[ -n "$features" ] && features="--features $(echo $features | tr ' ' ,)"

# The toolchain: CARGO and RUSTC if given, else Debian's rustc-web (it has
# rust-src; rustup's stable toolchain on PATH may not), else PATH's.
if [ -z "${CARGO:-}" ]; then
    if [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ]; then
        CARGO=/usr/bin/cargo RUSTC=${RUSTC:-/usr/bin/rustc}
    else
        CARGO=cargo
    fi
fi
RUSTC=${RUSTC:-rustc}

# build.rs alone decides whether the KKASSERTs are in (feature invariants,
# or INVARIANTS in the kernel build's flags or their forced include, its
# defines_invariants()): the .headers note below takes build.rs's answer, the
# cfgs it set, from cargo's JSON messages (replayed when the build is fresh).
# shellcheck disable=SC2086
msgs=$(RUSTC=$RUSTC RUSTC_BOOTSTRAP=1 \
RUSTFLAGS="-C relocation-model=static -C code-model=kernel -C no-redzone -Z unstable-options -C force-frame-pointers=non-leaf" \
    "$CARGO" rustc --quiet --message-format=json-render-diagnostics --manifest-path "$top/Cargo.toml" \
    -p vmspace --lib --crate-type staticlib --release $features \
    -Zbuild-std=core --target x86_64-unknown-none --target-dir "$target_dir")
kkasserts=
if printf '%s\n' "$msgs" | grep '"reason":"build-script-executed"' | grep '#vmspace@' |
    grep -q '"cfgs":\[[^]]*"invariants"'; then
    kkasserts=1
fi
lib=$target_dir/x86_64-unknown-none/release/libvmspace.a

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$lib" "$work/lib.a"
shim=$(ar t "$work/lib.a" | grep 'vm_vmspace_shim\.o$')
(cd "$work" && ar x lib.a "$shim" && ar d lib.a "$shim" && mv "$shim" shim.o)

roots=$(sed 's/^/-u /' "$exports")
# shellcheck disable=SC2086
ld -r --gc-sections $roots -o "$work/gc.o" "$work/lib.a"
# ld leaves the undefined symbols of collected code as local undefined
# symbols that nothing uses (objcopy refuses to strip a symbol a relocation
# names): they go too.
strip=$(readelf -sW "$work/gc.o" | awk '$5 == "LOCAL" && $7 == "UND" && $8 != "" { printf " --strip-symbol=%s", $8 }')
# shellcheck disable=SC2086
objcopy $strip "$work/gc.o" "$work/rust.o"
ld -r -o "$work/all.o" "$work/shim.o" "$work/rust.o"
objcopy --keep-global-symbols="$exports" "$work/all.o" "$out"

# kernel-check.py reads "the model headers" as a model-header object.
if [ -n "${KERNEL_CFLAGS:-}" ]; then
    headers="the kernel build's flags (KERNEL_CFLAGS)"
elif [ -n "${SYSDIR:-}" ]; then
    headers="SYSDIR=$SYSDIR"
else
    headers="the model headers (tests/kern/include): no SYSDIR"
fi
[ -n "$kkasserts" ] && headers="$headers, INVARIANTS"
echo "$headers" > "$out.headers"
echo "kernel: $out built against $headers"

# A model build made before the model had its own name left it under the
# kernel object's.
stale=${out%.model.o}.o
if [ -n "$model" ] && grep -qs '^the model headers' "$stale.headers"; then
    rm -f "$stale" "$stale.headers"
    echo "kernel: removed $stale, an older model-header build under the kernel object's name"
fi
