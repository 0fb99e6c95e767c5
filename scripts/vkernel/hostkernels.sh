#!/bin/sh
# The QEMU guest's kernels for make vkernel-test (docs/vkernel.md): the
# stock and port kernels of make dfly-kernel (tests/qemu/QEMUVMS, C
# vm_vmspace.c vs. the port through kmod.mk) with two options of
# X86_64_GENERIC added:
#   options KTRACE: the guest's /sbin/init (tests/vkernel/vkhost.c) counts
#     the vkernel's vmspace_* calls with ktrace(2), outside vm_vmspace;
#   options _KPOSIX_PRIORITY_SCHEDULING: sched_yield(2), which the vkernel's
#     pmap and spinlocks call (pthread_yield) while they wait for another
#     virtual cpu; without it each call fails and the host prints "tried to
#     use non-present sched_yield", thousands of lines on the serial console.
# Nothing else differs.  Built in $VK_WORK/src (make vkernel's scratch tree,
# the same DragonFly revision, archived the same way, so the same sources
# with the same times) from copies of make dfly-kernel's build directories:
# config(8) runs on them with the options added (and, for the port,
# sys/conf/files with docs/kernel.md's kmod.mk entry, as kernels.sh does);
# it rewrites the Makefile, config.c and the two opt headers and adds
# kern_sched.c (`optional _kposix_priority_scheduling`).  No `make depend`:
# the objects of the sources that include those headers (sys/posix4.h
# includes opt_posix.h) are removed, so bmake compiles them again; every
# other object is make dfly-kernel's.  The port's vm_vmspace.o is the one
# make dfly-kernel built, kept as it is (touched, so that kmod.mk's rule does
# not rebuild it from a working tree that changed since).
#
# Output: $VK_WORK/hostk/{stock,port}/kernel.  Needs make dfly-kernel and
# make vkernel (its tree and config(8)) first.
set -eu
# GNU make's MAKEFLAGS (options, command-line variables) would reach bmake.
unset MAKEFLAGS MFLAGS MAKELEVEL
top=$(cd "$(dirname "$0")/../.." && pwd)
dwork=$(cd "${DFLY_WORK:-$top/target/dfly}" && pwd)
mkdir -p "${VK_WORK:-$top/target/vkernel}"
work=$(cd "${VK_WORK:-$top/target/vkernel}" && pwd)
jobs=${VK_JOBS:-2}
dsrc=$dwork/src
fail() { echo "vkernel-test: FAILED: $*" >&2; exit 1; }

src=$work/src
config8=$work/config8/config
if [ ! -x "$config8" ] || [ ! -f "$src/sys/conf/files" ]; then
	fail "no make vkernel tree in $work: run make vkernel first"
fi
mkdir -p "$work/hostk/bin" "$work/logs"
# newvers.sh runs `make -V`: DragonFly's make (as scripts/dfly/kernels.sh).
printf '#!/bin/sh\nexec bmake -m "%s" "$@"\n' "$src/share/mk" >"$work/hostk/bin/make"
chmod +x "$work/hostk/bin/make"
[ -f "$work/hostk/files.orig" ] || cp "$src/sys/conf/files" "$work/hostk/files.orig"
redo=$(cd "$src/sys" && grep -rlE '"opt_ktrace.h"|"opt_posix.h"|<sys/posix4.h>' --include='*.c' kern platform/pc64 |
	sed 's|.*/||; s|\.c$|.o|' | sort -u)
for k in stock:QEMUVMS port:QEMUVMS_RS; do
	name=${k%%:*} dir=${k#*:}
	from=$dsrc/sys/compile/$dir
	if [ ! -f "$dwork/kernels/$name/kernel" ] || [ ! -d "$from" ]; then
		fail "no $name kernel of make dfly-kernel in $dwork: run make dfly-kernel first"
	fi
	b=$src/sys/compile/${dir}_VK
	stamp=$(cksum <"$dwork/kernels/$name/kernel")
	if [ -f "$work/hostk/$name/kernel" ] && [ "$(cat "$work/hostk/$name/from" 2>/dev/null)" = "$stamp" ]; then
		continue
	fi
	echo "vkernel-test: host kernel $name: make dfly-kernel's $dir with options KTRACE, _KPOSIX_PRIORITY_SCHEDULING"
	rm -rf "$b" "$work/hostk/$name"
	cp -a "$from" "$b"
	{
		cat "$top/tests/qemu/QEMUVMS"
		echo "options 	KTRACE				# make vkernel-test: ktrace(2) counts the vkernel's calls"
		echo "options 	_KPOSIX_PRIORITY_SCHEDULING	# make vkernel-test: sched_yield(2) for the vkernel"
		[ "$name" = port ] && echo "makeoptions	VMSPACE_RS=$top"
	} >"$src/sys/config/${dir}_VK"
	cp "$work/hostk/files.orig" "$src/sys/conf/files"
	if [ "$name" = port ]; then
		sh "$top/scripts/dfly/kernels.sh" --entry kmod.mk >"$work/hostk/files.entry"
		awk -v entry="$work/hostk/files.entry" '
			/^vm\/vm_vmspace\.c[ \t]/ { while ((getline l < entry) > 0) print l; n++; next }
			{ print }
			END { exit n != 1 }' "$work/hostk/files.orig" >"$src/sys/conf/files" ||
			fail "sys/conf/files: no single vm/vm_vmspace.c line to replace"
	fi
	(cd "$src/sys/config" && "$config8" -d "../compile/${dir}_VK" "${dir}_VK") >"$work/logs/hostk-config-$name.log" 2>&1 ||
		{ cat "$work/logs/hostk-config-$name.log"; fail "config ${dir}_VK"; }
	cp "$work/hostk/files.orig" "$src/sys/conf/files"
	if ! grep -q 'KTRACE' "$b/opt_ktrace.h" || ! grep -q '_KPOSIX_PRIORITY_SCHEDULING' "$b/opt_posix.h"; then
		fail "config ${dir}_VK: options not in opt_ktrace.h/opt_posix.h"
	fi
	# shellcheck disable=SC2086
	(cd "$b" && rm -f $redo kernel kernel.debug kernel.stripped)
	[ "$name" = port ] && touch "$b/vm_vmspace.o"
	if ! (cd "$b" && PATH=$work/hostk/bin:$PATH nice -n 10 bmake -m "$src/share/mk" \
		MACHINE_PLATFORM=pc64 HOST_BINUTILSVER=binutils NO_MODULES=1 \
		CCVER=gcc50 CC=gcc NO_WERROR=1 WERROR= \
		"CONF_CFLAGS=-fno-pie -fno-pic -fcommon -U__linux__ -U__linux -Ulinux -U__gnu_linux__ -D__DragonFly__=1" \
		-j"$jobs") >"$work/logs/hostk-$name.log" 2>&1; then
		tail -n 30 "$work/logs/hostk-$name.log" >&2
		fail "host kernel $name (log: $work/logs/hostk-$name.log)"
	fi
	for f in ktrsyscall ksched_yield; do
		nm "$b/kernel.debug" | grep -q " T $f\$" || fail "host kernel $name has no $f"
	done
	if [ "$name" = port ]; then
		cmp -s "$b/vm_vmspace.o" "$from/vm_vmspace.o" || fail "host kernel port: vm_vmspace.o is not make dfly-kernel's"
	fi
	mkdir -p "$work/hostk/$name"
	cp "$b/kernel.stripped" "$work/hostk/$name/kernel"
	echo "$stamp" >"$work/hostk/$name/from"
done
