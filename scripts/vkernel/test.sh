#!/bin/sh
# make vkernel-test: the vkernel of make vkernel, booted with -d (no VMM)
# inside the QEMU guest on the stock kernel and on the port's, -smp 1 and
# -smp 2, running DragonFly's testcases and the project's programs
# (docs/vkernel.md).
#
#   1. host kernels: make dfly-kernel's stock and port with options KTRACE
#      (scripts/vkernel/hostkernels.sh);
#   2. the vkernel's root image (UFS1, makefs): the testcases in /tc, the
#      project's programs and the case file in /vk, tests/vkernel/vkrun.c
#      as /sbin/init;
#   3. the guest's root image: tests/vkernel/vkhost.c as /sbin/init, the
#      vkernel, its root image, /vkhost.args (the vkernel's command line);
#      one GRUB ISO per kernel and vkernel -n (as make qemu-test's);
#   4. the boots (scripts/dfly/boot.py), VK_QEMU_JOBS at a time: each runs
#      the vkernel once; vkhost counts its vmspace_* calls with ktrace(2);
#   5. scripts/vkernel/report.py compares stock and port per case and writes
#      $VK_WORK/vkernel-report.md; its last line is this target's.
#
# Environment: VK_WORK (default target/vkernel), DFLY_WORK (make dfly-kernel's,
# default target/dfly), VK_SMP (default "1 2": the guest's cpus), VK_NCPUS
# (vkernel -n per guest -smp, default "1:2 2:2"), VK_MEM (vkernel -m, default
# 128m), VK_TIMEOUT (seconds per boot, default 3000), VK_QEMU_JOBS (boots at
# once, default 2), VK_DDB=1 (the vkernel's DDB at each time limit of its
# runner: where a stuck case's threads wait; off by default, docs/vkernel.md
# says why).  Without DragonFly's source: skipped, exit 0.
set -eu
# GNU make's MAKEFLAGS (options, command-line variables) would reach bmake.
unset MAKEFLAGS MFLAGS MAKELEVEL

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/scripts/vkernel
if [ -z "${DFLY_MIRROR:-}" ] && [ -z "${DFLY_SRC:-}" ]; then
	echo "vkernel-test: skipped: no DragonFly source (set DFLY_MIRROR=<git clone of DragonFly's source> or DFLY_SRC=<extracted tree>; docs/vkernel.md)"
	exit 0
fi
mkdir -p "${VK_WORK:-$top/target/vkernel}"
work=$(cd "${VK_WORK:-$top/target/vkernel}" && pwd)
smps=${VK_SMP:-1 2}
ncpus=${VK_NCPUS:-1:2 2:2}
mem=${VK_MEM:-128m}
ddb=${VK_DDB:-0}
timeout=${VK_TIMEOUT:-3000}
jobs=${VK_QEMU_JOBS:-2}
run=$work/run
t0=$(date +%s)
step() { echo "vkernel-test: [$(($(date +%s) - t0))s] $*"; }
fail() { echo "vkernel-test: FAILED: $*" >&2; exit 1; }

if [ ! -f "$work/vkernel" ] || [ ! -f "$work/prog/cases.txt" ]; then
	fail "no vkernel in $work: run make vkernel first"
fi
step "host kernels (make dfly-kernel's, with options KTRACE and _KPOSIX_PRIORITY_SCHEDULING)"
sh "$here/hostkernels.sh"

rm -rf "$run"
mkdir -p "$run"
step "images"
# The vkernel's root: its files and 64 MB for what the cases write.
kb=$(du -sk "$work/prog/root" | cut -f1)
makefs -t ffs -o version=1 -s "$((kb / 1024 + 64))m" -B le "$run/vkroot.img" "$work/prog/root" \
	>"$run/makefs-vkroot.log" 2>&1 || { cat "$run/makefs-vkroot.log"; fail "makefs (vkernel root)"; }

vkargs() { # $1: vkernel -n
	printf '%s\n' /vkernel -d -n "$1" -m "$mem" -i /memimg -r /vkroot.img
	# Before the quoted -e: the vkernel's main() stores an -e value's
	# quotes as a gap that ends its environment, hiding any later -e
	# (platform/vkernel64/platform/init.c).
	if [ "$ddb" = 1 ]; then printf '%s\n' -e vkrun.ddb=1; fi
	printf '%s\n' -e 'vfs.root.mountfrom="ufs:vkd0"'
}
# The guest's root: the vkernel without its DWARF (its DDB reads .symtab and
# .dynsym, which stay), room for the vkernel's memory file (-m) and the
# whole ktrace file (tests/vkernel/vkhost.c says why it is one file: about
# 100 bytes a system call, 170 MB for the 1.6 million calls of a -smp 1
# run; 576 MB of room).  md(4) holds the image in the guest's memory:
# 3 GB.
mkdir -p "$run/hostroot/sbin" "$run/hostroot/dev" "$run/hostroot/tmp" "$run/hostroot/var/run"
cp "$work/prog/vkhost" "$run/hostroot/sbin/init"
strip --strip-debug -o "$run/hostroot/vkernel" "$work/vkernel"
cp "$run/vkroot.img" "$run/hostroot/vkroot.img"
python3 "$top/scripts/dfly/grub-modules.py" "$run/grub-i386-pc"
# shellcheck source=scripts/dfly/iso.sh
. "$top/scripts/dfly/iso.sh"
for s in $smps; do
	n=2
	for pair in $ncpus; do [ "${pair%%:*}" = "$s" ] && n=${pair#*:}; done
	echo "$n" >"$run/ncpus-smp$s"
	vkargs "$n" >"$run/hostroot/vkhost.args"
	kb=$(du -sk "$run/hostroot" | cut -f1)
	memmb=$(echo "$mem" | sed 's/[mM]$//')
	makefs -t ffs -o version=1 -s "$((kb / 1024 + memmb + 576))m" -B le "$run/root-smp$s.img" "$run/hostroot" \
		>"$run/makefs-root.log" 2>&1 || { cat "$run/makefs-root.log"; fail "makefs (guest root)"; }
	gzip -6 -n -f "$run/root-smp$s.img"
	for k in stock port; do
		make_iso "$run/$k-smp$s.iso" "$work/hostk/$k/kernel" "$run/root-smp$s.img.gz" "$run/grub-i386-pc" \
			"DragonFly $k with a vkernel" -h || fail "grub-mkrescue"
	done
done

# Each stop in DDB gets ps, trace, cont: a panic (the host's or the
# vkernel's; after `cont` the vkernel reboots and exits, the host reboots
# and QEMU exits under -no-reboot), so that the run always ends, and, with
# VK_DDB=1, the vkernel's runner at each time limit (tests/vkernel/vkrun.c),
# after which the run goes on.  The run is over when the host has halted:
# "Please press any key to reboot." is printed by the host kernel only (a
# vkernel's halt prints the line before it).
boot() {
	python3 "$top/scripts/dfly/boot.py" "$run/$1-smp$2.iso" "$run/$1-smp$2.log" --smp "$2" \
		--memory 3072 --timeout "$timeout" --ddb ps --ddb trace --ddb cont --ddb-repeat \
		--halted "Please press any key to reboot."
}
runs=""
for s in $smps; do
	step "booting stock and port, -smp $s, vkernel -n $(cat "$run/ncpus-smp$s")"
	if [ "$jobs" -ge 2 ]; then
		boot stock "$s" &
		boot port "$s"
		wait
	else
		boot stock "$s"
		boot port "$s"
	fi
	runs="$runs --run stock-smp$s=$run/stock-smp$s.log --run port-smp$s=$run/port-smp$s.log"
	for k in stock port; do
		grep '^vkhost: \(vkernel exited\|syscalls traced\|vmspace calls\)\|^vkrun: done' "$run/$k-smp$s.log" |
			sed "s/^/  $k-smp$s: /" || true
	done
done

step "report"
# shellcheck disable=SC2086
python3 "$here/report.py" --cases "$work/prog/cases.txt" $runs --report "$work/vkernel-report.md" \
	--built "$work/prog/built.txt" --elapsed "$(($(date +%s) - t0))"
