#!/bin/sh
# make bench: the cost of the Rust port beside the C original (docs/bench.md).
#
#   bench.sh KERNEL_OBJECT
#
# KERNEL_OBJECT is make kernel's: obj/vm_vmspace.o with SYSDIR, else
# obj/vm_vmspace.model.o, built against the model headers (mycpu and some
# offsets differ, so its figures are near a kernel object's, not equal; the
# report names the headers).
#
# REV (default c2e7bb204e; mk/bench.mk passes the Makefile's) selects the
# revision: its port (BENCH_FEATURES, the Makefile's HARNESS_FEATURES:
# `--features port`, or `--features rev-22b7a3dbf6`), its C original
# (REFERENCE; the harness's build.rs compiles it with -DMODEL_REV_<REV>),
# its own target dir (target/bench, target/bench-22b7a3dbf6), data
# (bench/data, bench/data-22b7a3dbf6) and report (bench/report.md and
# bench/ratios.png; bench/report-22b7a3dbf6.md and
# bench/ratios-22b7a3dbf6.png).
#
# 1. Builds the harness's bench driver in release mode (opt-level 2, the
#    kernel object's) with the port linked.  The C original and the shim are
#    compiled by cc at the same level (-O2).  Both are built as the kernel
#    is, position-dependent (Rust: relocation-model static; C: -fno-pie): a
#    host PIE build would make the Rust code call the model through the GOT
#    (rustc leaves its GOT relocations unrelaxed, gcc's become direct
#    calls), an artifact of the host build that the kernel object has not.
#    Frame pointers in both (cc: -fno-omit-frame-pointer), as in the kernel.
#    No SSE, as in the kernel: the C gets -mgeneral-regs-only; the host Rust
#    target cannot drop SSE, but the only SSE LLVM put in the port was
#    adjacent stores merged into one 16-byte store, so store merging is off
#    (the kernel build can merge only into 8-byte stores).  bench-report.py
#    fails if an SSE/x87 instruction is left in either implementation.
#    RUSTFLAGS with --target apply to the harness and the port, not to build
#    scripts.
# 2. Counts instructions with callgrind: collection is on only around the
#    measured calls, one dump per workload and implementation.
# 3. Times the same workloads natively (median per call).
# 4. scripts/bench-report.py attributes the counts to each implementation's
#    own functions, adds the kernel object's figures (KERNEL_OBJECT, from
#    make kernel) and the C original's, and writes bench/report.md and
#    bench/ratios.png.
#
# Environment: REV, BENCH_FEATURES, REFERENCE, ABI (exported by the
# Makefile), BENCH_REPS_COUNT, BENCH_REPS_TIME, CARGO_TARGET_DIR (default
# target/bench[-REV]: its own configuration, apart from the debug builds of
# the tests).
set -eu

obj=$1
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench
rev=${REV:-c2e7bb204e}
case $rev in
c2e7bb204e)
    suffix='' features=${BENCH_FEATURES:---features port} ;;
22b7a3dbf6)
    suffix=-$rev features=${BENCH_FEATURES:---features rev-22b7a3dbf6} ;;
*)
    echo "bench: REV=$rev: no port of that revision (ports: c2e7bb204e, 22b7a3dbf6)" >&2
    exit 1 ;;
esac
export REV="$rev"
data=$out/data$suffix
target_dir=${CARGO_TARGET_DIR:-$top/target/bench$suffix}

rm -rf "$data"
mkdir -p "$data"

# A copy of make kernel's object, taken now: obj/ is shared by every make
# kernel of either revision.  It must be REV's: 22b7a3dbf6's takes vkp->token
# shared (lwkt_gettoken_shared), c2e7bb204e's never does.
cp "$obj" "$data/kernel.o"
cp "$obj.headers" "$data/kernel.o.headers" 2>/dev/null || true
if nm "$data/kernel.o" | grep -q ' U lwkt_gettoken_shared$'; then obj_rev=22b7a3dbf6; else obj_rev=c2e7bb204e; fi
if [ "$obj_rev" != "$rev" ]; then
    echo "bench: $obj is the port of $obj_rev, not of REV=$rev (another make kernel since?): run make bench REV=$rev again" >&2
    exit 1
fi
headers=$(cat "$data/kernel.o.headers" 2>/dev/null || echo "unknown headers")
echo "bench: REV=$rev; object figures from $obj (copied to $data/kernel.o), built against $headers"

echo "bench: building the harness (release, $features)"
# The JSON messages name the objects whose functions are each
# implementation's (the C original's object, the port's rlib).
host=x86_64-unknown-linux-gnu
# MODEL_ATOMIC_POINTS=0: no schedule-explorer call before each atomic (its
# cost is the harness's, in both implementations alike).
# shellcheck disable=SC2086 # $features: words
MODEL_ATOMIC_POINTS=0 CFLAGS="-fno-pie -mgeneral-regs-only" \
RUSTFLAGS="-C relocation-model=static -C force-frame-pointers=yes -C llvm-args=-combiner-store-merging=false" \
    cargo build --quiet --release -p harness $features --bin bench --target $host \
    --target-dir "$target_dir" --message-format=json-render-diagnostics > "$data/cargo.json"
bin=$target_dir/$host/release/bench

"$bin" list > "$data/workloads.tsv"

echo "bench: counting instructions (valgrind --tool=callgrind)"
valgrind --tool=callgrind --collect-atstart=no --separate-threads=no \
    --callgrind-out-file="$data/callgrind.out" \
    "$bin" count "${BENCH_REPS_COUNT:-4}" 2> "$data/callgrind.log" ||
    { cat "$data/callgrind.log"; exit 1; }

echo "bench: timing (native, median of repeated runs)"
"$bin" time "${BENCH_REPS_TIME:-2000}" > "$data/times.tsv"

# Debian's python3: python3-matplotlib (scripts/deps.sh) draws the chart.
"${PYTHON:-/usr/bin/python3}" "$top/scripts/bench-report.py" --data "$data" --out "$out" \
    --kernel-obj "$data/kernel.o" --kernel-obj-name "$obj" --abi "$ABI" --reference "$REFERENCE" --rev "$rev"
