#!/bin/sh
# make qemu-test: boots the kernels of `make dfly-kernel` under QEMU and
# compares the C original with the port, system call for system call
# (docs/qemu.md).
#
#   1. the guest program (tests/qemu/build.sh): a static /sbin/init without
#      libc that drives the VMSPACE calls and prints `vmtest:` lines;
#   2. a 32 MB UFS1 root image with it (makefs), GRUB's i386-pc modules
#      with the relocator fix (grub-modules.py), one ISO per kernel;
#   3. boots (boot.py): stock and port with -smp 1 (functional transcript
#      and bench) and -smp 4 (functional transcript and stress), then the
#      self-check kernel (a known-wrong object) with -smp 1;
#   4. report.py compares and writes $DFLY_WORK/qemu-report.md; its last
#      line is this target's last line.
#
# DFLY_REV=22b7a3dbf6 (make's REV): the kernels of that revision (work dir
# target/dfly-22b7a3dbf6), the guest program built for it (build.sh OUT
# 22b7a3dbf6: `busy` last, report.py classifies the known divergence
# destroy-ebusy-leak there), no self-check kernel (it says so).
#
# Environment: DFLY_WORK (default target/dfly), QEMU_TIMEOUT (seconds per
# boot, default 900), QEMU_JOBS (boots at once, default 2), QEMU_INIT (a
# prebuilt guest program instead of tests/qemu/build.sh's).  Without
# DFLY_MIRROR and DFLY_SRC it says so and exits 0, as make dfly-kernel.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/scripts/dfly
if [ -z "${DFLY_MIRROR:-}" ] && [ -z "${DFLY_SRC:-}" ]; then
	echo "qemu-test: skipped: no DragonFly source (set DFLY_MIRROR=<git clone of DragonFly's source> or DFLY_SRC=<extracted tree>; docs/qemu.md)"
	exit 0
fi
rev=${DFLY_REV:-c2e7bb204e}
case $rev in
c2e7bb204e) defwork=$top/target/dfly kernels="stock port model" ;;
22b7a3dbf6) defwork=$top/target/dfly-$rev kernels="stock port" ;;
*) echo "qemu-test: FAILED: DFLY_REV=$rev: the port exists for c2e7bb204e and 22b7a3dbf6" >&2; exit 1 ;;
esac
mkdir -p "${DFLY_WORK:-$defwork}"
work=$(cd "${DFLY_WORK:-$defwork}" && pwd)
timeout=${QEMU_TIMEOUT:-900}
jobs=${QEMU_JOBS:-2}
run=$work/qemu
t0=$(date +%s)
step() { echo "qemu-test: [$(($(date +%s) - t0))s] $*"; }
fail() { echo "qemu-test: FAILED: $*" >&2; exit 1; }

sh "$top/scripts/deps.sh" qemu
for k in $kernels; do
	[ -f "$work/kernels/$k/kernel" ] || fail "no $k kernel in $work/kernels: run make dfly-kernel first"
done
rm -rf "$run"
mkdir -p "$run"

step "guest program"
if [ -n "${QEMU_INIT:-}" ]; then
	cp "$QEMU_INIT" "$run/init"
elif [ -f "$top/tests/qemu/build.sh" ] && [ "$rev" = c2e7bb204e ]; then
	sh "$top/tests/qemu/build.sh" "$run/init"
elif [ -f "$top/tests/qemu/build.sh" ]; then
	sh "$top/tests/qemu/build.sh" "$run/init" "$rev"
else
	fail "no guest program: tests/qemu/build.sh is missing (or set QEMU_INIT)"
fi

# The root file system: /sbin/init, /dev (devfs is mounted there), /tmp,
# and room for the memory file the guest creates after remounting / rw.
step "root image and ISOs"
mkdir -p "$run/rootfs/sbin" "$run/rootfs/dev" "$run/rootfs/tmp"
cp "$run/init" "$run/rootfs/sbin/init"
makefs -t ffs -o version=1 -s 32m -B le "$run/root.img" "$run/rootfs" >"$run/makefs.log" 2>&1 ||
	{ cat "$run/makefs.log"; fail makefs; }
# GRUB loads it through the BIOS; gzip makes that 50 KB instead of 32 MB
# (GRUB decompresses modules, md(4) gets the 32 MB image).
gzip -9 -n -f "$run/root.img"
python3 "$here/grub-modules.py" "$run/grub-i386-pc"

# One ISO per kernel (scripts/dfly/iso.sh): verbose boot (-v), serial
# console (-h), the image as md(4) root.
# shellcheck source=scripts/dfly/iso.sh
. "$here/iso.sh"
for k in $kernels; do
	make_iso "$run/$k.iso" "$work/kernels/$k/kernel" "$run/root.img.gz" "$run/grub-i386-pc" \
		"DragonFly $k" "-v -h" hw.physmem=512m || fail "grub-mkrescue ($k)"
done

# Boots, QEMU_JOBS at a time.  -smp 1 runs under QEMU's -icount: the
# guest's clock and TSC advance by executed instructions (2^4 ns each), so
# the bench's rdtsc figures count guest instructions and do not depend on
# the host's load (without it, the same kernel's figures varied by 2-3x
# between runs here; with it, by under 1%).  shift=4 rather than 0: the
# kernel's calibration and DELAY() loops spin for virtual time, 16 times
# fewer instructions per microsecond boot as fast as without icount.
# -smp 4 runs without it (icount allows one host thread only).
boot() {
	icount=
	[ "$2" = 1 ] && icount="--icount=shift=4,sleep=off"
	python3 "$here/boot.py" "$run/$1.iso" "$run/$1-smp$2.log" --smp "$2" $icount \
		--timeout "$timeout" --ddb trace --ddb "show registers"
}
for smp in 1 4; do
	step "booting stock and port, -smp $smp"
	if [ "$jobs" -ge 2 ]; then
		boot stock "$smp" &
		boot port "$smp"
		wait
	else
		boot stock "$smp"
		boot port "$smp"
	fi
done
if [ "$rev" = c2e7bb204e ]; then
	step "booting the self-check kernel (model-header object), -smp 1"
	boot model 1
	set --
else
	skipped="no self-check kernel at $rev: its known-wrong object (model headers before b01afda) is c2e7bb204e's"
	step "self-check: skipped ($skipped)"
	set -- --selfcheck-skipped "$skipped"
fi

step "report"
python3 "$here/report.py" --dir "$run" --report "$work/qemu-report.md" --elapsed "$(($(date +%s) - t0))" \
	--kernel-check "$work/logs/check-kernels.log" "$@"
