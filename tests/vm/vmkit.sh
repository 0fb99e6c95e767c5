#!/bin/sh
#
# vmkit.sh - run vkernel(7)'s regression suite on a DragonFly kernel whose
# sys/vm/vm_vmspace.c is replaced by the vmspace-rs object, next to the
# same run on the stock kernel, and print the difference.
#
# It cannot run here: it needs a DragonFly BSD x86_64 machine or VM with the
# matching source in $SRCDIR, root for install/test, and reboots between
# steps.  CI only checks it with sh -n and shellcheck (make vmkit-check).
# See docs/vm-kit.md.
#
#   vmkit.sh build     object (kmod.mk) + kernel from a scratch copy of sys/
#   vmkit.sh install   install that kernel as /boot/kernel.alt (root)
#   vmkit.sh test      on the running kernel: VKERNEL64 + test/testcases via
#                      dfregress inside it (classic, and VMM mode and
#                      test/vmm if the host has VMM); results are filed
#                      under results/rust or results/stock (root)
#   vmkit.sh compare   print the difference between the two runs
#   vmkit.sh status    what has been done so far
#
# Typical use: build; install; reboot, choose "a" (kernel.alt) in the boot
# menu; test; reboot into the stock kernel; test; compare.
#
# Environment (defaults in brackets):
#   VMKIT_STATE     state directory, must survive reboots [/var/tmp/vmkit]
#   SRCDIR          DragonFly source tree, never modified [/usr/src]
#   KERNCONF        host kernel config, name or path [X86_64_GENERIC]
#   VMSPACE_RS_OBJ  use this prebuilt vm_vmspace.o (make kernel SYSDIR=...
#                   [INVARIANTS=1] on any machine) instead of kmod.mk
#   NCPUS, PHYSMEM  vkernel cpus and memory [2, 1g]
#   VK_TIMEOUT      seconds before a vkernel run is shut down [10800]

set -eu

STATE=${VMKIT_STATE:-/var/tmp/vmkit}
SRC=${SRCDIR:-/usr/src}
KERNCONF=${KERNCONF:-X86_64_GENERIC}
NCPUS=${NCPUS:-2}
PHYSMEM=${PHYSMEM:-1g}
VK_TIMEOUT=${VK_TIMEOUT:-10800}
PROJECT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$PROJECT/tests/vm

IDENT=VMSPACE_RS		# kern.ident of our kernel: tells the runs apart
KERNNAME=kernel.alt		# the boot menu offers /boot/kernel.alt as "a"
SCRATCH=$STATE/src		# scratch copy of $SRC/sys
KOBJ=$STATE/compile/$IDENT	# kernel object directory
VK=$STATE/vk			# test/vkernel's VKDIR
# The kernel Makefile's rule for vm_vmspace.o copies this file.
VMSPACE_RS_OBJ_STATE=$STATE/vm_vmspace.o

die() { echo "vmkit: $*" >&2; exit 1; }
say() { echo "==> $*"; }
need_root() { [ "$(id -u)" = 0 ] || die "$1 must run as root"; }

# The kernel in the running system: ours (rust) or anything else (stock).
running_label() {
	if [ "$(sysctl -n kern.ident)" = "$IDENT" ]; then
		echo rust
	else
		echo stock
	fi
}

vmm_available() {
	sysctl -n hw.vmm.type >/dev/null 2>&1 &&
	    [ "$(sysctl -n hw.vmm.enable)" = 1 ]
}

cmd_build() {
	case $KERNCONF in
	*/*) conf=$KERNCONF ;;
	*) conf=$SRC/sys/config/$KERNCONF ;;
	esac
	[ -f "$conf" ] || die "no kernel config $conf"
	# The object's KKASSERTs must match the kernel's options INVARIANTS.
	inv=
	if grep -Eq '^options[[:space:]]+INVARIANTS([[:space:]]|$)' "$conf"; then
		inv=1
	fi

	say "vm_vmspace.o${inv:+ (INVARIANTS)}"
	mkdir -p "$STATE"
	if [ -n "${VMSPACE_RS_OBJ:-}" ]; then
		# kernel-build.sh records what it built against in $obj.headers.
		if [ -n "$inv" ] && ! grep -qs INVARIANTS "$VMSPACE_RS_OBJ.headers"
		then
			die "$VMSPACE_RS_OBJ: not built with INVARIANTS=1" \
			    "(see $VMSPACE_RS_OBJ.headers), $conf has it"
		fi
		cp "$VMSPACE_RS_OBJ" "$VMSPACE_RS_OBJ_STATE"
	else
		(cd "$PROJECT" && make -f kmod.mk SYSDIR="$SRC/sys" \
		    INVARIANTS="$inv" VMSPACE_OUT="$VMSPACE_RS_OBJ_STATE")
	fi

	say "scratch copy of $SRC/sys in $SCRATCH/sys"
	mkdir -p "$SCRATCH"
	cpdup -i0 "$SRC/sys" "$SCRATCH/sys"

	# vm/vm_vmspace.c becomes a prebuilt object: config(8) emits
	# "vm_vmspace.o: dep" plus the compile-with command as its rule,
	# lists vm_vmspace.o in OBJS and leaves it out of CFILES.
	say "sys/conf/files: vm/vm_vmspace.c -> prebuilt vm_vmspace.o"
	files=$SCRATCH/sys/conf/files
	# shellcheck disable=SC2016 # make variables, for the kernel Makefile
	awk '$1 == "vm/vm_vmspace.c" {
		n++
		print "vm_vmspace.o\t\t\tstandard\t\t\t\t\\"
		print "\tdependency\t\"${VMSPACE_RS_OBJ}\"\t\t\t\t\\"
		print "\tcompile-with\t\"cp ${VMSPACE_RS_OBJ} ${.TARGET}\"\t\\"
		print "\tno-implicit-rule"
		next
	}
	{ print }
	END { exit n != 1 }' "$files" >"$files.new" ||
	    die "expected exactly one vm/vm_vmspace.c line in $files"
	mv "$files.new" "$files"

	sed "s/^ident[[:space:]].*/ident		$IDENT/" "$conf" \
	    >"$SCRATCH/sys/config/$IDENT"
	grep -q "^ident[[:space:]]*$IDENT\$" "$SCRATCH/sys/config/$IDENT" ||
	    die "$conf has no ident line"

	# The steps of "make nativekernel" (Makefile.inc1), on the scratch
	# tree: the host's compiler, no buildworld needed.
	say "kernel $IDENT in $KOBJ"
	rm -rf "$KOBJ"
	mkdir -p "$KOBJ"
	(cd "$SCRATCH/sys/config" && config -d "$KOBJ" "$IDENT")
	export VMSPACE_RS_OBJ="$VMSPACE_RS_OBJ_STATE"
	aicasm=$SCRATCH/sys/dev/disk/aic7xxx/aicasm
	jobs=$(sysctl -n hw.ncpu)
	cd "$KOBJ"
	MAKESRCPATH=$aicasm make -DBOOTSTRAPPING -f "$aicasm/Makefile"
	make KERNEL=$KERNNAME depend
	make -j "$jobs" KERNEL=$KERNNAME all
	cmp "$VMSPACE_RS_OBJ_STATE" "$KOBJ/vm_vmspace.o" ||
	    die "the kernel was not linked with our vm_vmspace.o"
	say "built; next: vmkit.sh install (as root)"
}

cmd_install() {
	need_root install
	[ -f "$KOBJ/vm_vmspace.o" ] || die "nothing built; run: vmkit.sh build"
	if [ -e "/boot/$KERNNAME" ] && [ ! -f "$STATE/installed" ]; then
		die "/boot/$KERNNAME exists and is not ours; move it away first"
	fi
	export VMSPACE_RS_OBJ="$VMSPACE_RS_OBJ_STATE"
	(cd "$KOBJ" && make KERNEL=$KERNNAME install)
	touch "$STATE/installed"
	say "installed /boot/$KERNNAME (kern.ident $IDENT)"
	say "reboot, choose \"a\" (Boot Backup kernel $KERNNAME) in the" \
	    "boot menu, then: vmkit.sh test"
}

# make in DragonFly's test/vkernel, which keeps its state in VKDIR.
vkmake() {
	(cd "$SRC/test/vkernel" && make VKDIR="$VK" "$@")
}

# Once: buildworld, VKERNEL64, a root image with the world, the test
# cases and an rc.local that runs them and powers the vkernel off.
vk_setup() {
	[ -f "$VK/pristine.img" ] && return
	say "vkernel environment in $VK (buildworld: hours, once)"
	mkdir -p "$VK"
	vkmake world kernel root install	# leaves the image mounted
	dest=$VK/root/root/vmkit
	mkdir -p "$dest"
	cpdup -i0 "$SRC/test/testcases" "$dest/testcases"
	cp "$HERE/guest.sh" "$dest/guest.sh"
	printf '%s\n' 'sh /root/vmkit/guest.sh >/root/vmkit/guest.log 2>&1' \
	    'shutdown -p now' >"$VK/root/etc/rc.local"
	vkmake umount
	mv "$VK/root.img" "$VK/pristine.img"
}

# SIGTERM process $1 after $2 seconds (a vkernel then shuts down cleanly),
# SIGKILL 300 s later; returns when $1 is gone.
watchdog() {
	t=0
	while kill -0 "$1" 2>/dev/null; do
		sleep 10
		t=$((t + 10))
		if [ "$t" -ge $(($2 + 300)) ]; then
			kill -KILL "$1" 2>/dev/null || true
		elif [ "$t" -ge "$2" ]; then
			kill -TERM "$1" 2>/dev/null || true
		fi
	done
}

# One boot of the vkernel on a fresh copy of the image; $1 = classic|vmm.
run_vkernel() {
	out=$RESULTS/$1
	rm -rf "$out"
	mkdir -p "$out" /var/vkernel
	say "vkernel ($1 mode, $NCPUS cpus) -> $out"
	cp "$VK/pristine.img" "$VK/root.img"
	if [ "$1" = classic ]; then set -- -d; else set --; fi
	# stdin: a FIFO held open read-write never reaches EOF nor data.
	rm -f "$VK/console.in"
	mkfifo "$VK/console.in"
	(cd "$VK" && exec ./vkernel -m "$PHYSMEM" -n "$NCPUS" -r root.img \
	    -U -v "$@") <>"$VK/console.in" >"$out/console.log" 2>&1 &
	vkpid=$!
	watchdog "$vkpid" "$VK_TIMEOUT" &
	dogpid=$!
	rc=0
	wait "$vkpid" || rc=$?
	wait "$dogpid" || true
	echo "$rc" >"$out/vkernel.rc"
	dmesg | tail -n 50 >"$out/host-dmesg.txt"
	vkmake mount
	cp "$VK/root/root/vmkit/"*.txt "$VK/root/root/vmkit/"*.log \
	    "$VK/root/root/vmkit/"*.plist "$out/" 2>/dev/null || true
	vkmake umount
	[ -f "$out/testcases.txt" ] ||
	    echo "vmkit: no dfregress results from $1 run" >&2
}

cmd_test() {
	need_root test
	label=$(running_label)
	RESULTS=$STATE/results/$label
	say "running kernel: $(sysctl -n kern.ident) -> results/$label"
	vk_setup
	enable_was=$(sysctl -n vm.vkernel_enable)
	sysctl vm.vkernel_enable=1 >/dev/null
	run_vkernel classic
	if vmm_available; then
		run_vkernel vmm
		say "test/vmm"
		cc -o "$STATE/vmm_test" "$SRC/test/vmm/vmm_test.c"
		"$STATE/vmm_test" >"$RESULTS/vmm_test.txt" 2>&1 &
		vmmpid=$!
		watchdog "$vmmpid" 300 &
		rc=0
		wait "$vmmpid" || rc=$?
		echo "exit status $rc" >>"$RESULTS/vmm_test.txt"
	else
		say "no VMM on this host: classic mode only, no test/vmm"
	fi
	sysctl vm.vkernel_enable="$enable_was" >/dev/null
	say "done; other kernel next, then: vmkit.sh compare"
}

# Per-test "name -> RESULT" lines of a dfr2text report.
per_test() {
	awk '/^Test case/ { on = 1; next }
	on && /^-+$/ { next }
	on && NF == 0 { exit }
	on && match($0, / *(PASS|FAIL|TIMEOUT|SIGNALLED|NOT RUN|PREFAIL|POSTFAIL|BUILDFAIL|UNKNOWN)$/) {
		r = substr($0, RSTART); sub(/^ */, "", r)
		print substr($0, 1, RSTART - 1) " -> " r
	}' "$1"
}

cmd_compare() {
	a=$STATE/results/stock
	b=$STATE/results/rust
	[ -d "$a" ] || die "no stock results: run vmkit.sh test on the stock kernel"
	[ -d "$b" ] || die "no rust results: run vmkit.sh test on $KERNNAME"
	same=0
	for mode in classic vmm; do
		[ -d "$a/$mode" ] || [ -d "$b/$mode" ] || continue
		echo "== vkernel $mode mode: stock vs vmspace-rs"
		for f in "$a/$mode/testcases.txt" "$b/$mode/testcases.txt"; do
			[ -f "$f" ] || { echo "missing $f"; same=1; continue 2; }
		done
		echo "vkernel exit status: stock $(cat "$a/$mode/vkernel.rc")," \
		    "rust $(cat "$b/$mode/vkernel.rc")"
		per_test "$a/$mode/testcases.txt" >"$STATE/stock.$mode"
		per_test "$b/$mode/testcases.txt" >"$STATE/rust.$mode"
		echo "tests: stock $(wc -l <"$STATE/stock.$mode")," \
		    "rust $(wc -l <"$STATE/rust.$mode")," \
		    "stock passed $(grep -c ' -> PASS$' "$STATE/stock.$mode")," \
		    "rust passed $(grep -c ' -> PASS$' "$STATE/rust.$mode")"
		if diff -u "$STATE/stock.$mode" "$STATE/rust.$mode"; then
			echo "identical"
		else
			same=1
		fi
	done
	if [ -f "$a/vmm_test.txt" ] || [ -f "$b/vmm_test.txt" ]; then
		echo "== test/vmm: stock vs vmspace-rs"
		if diff -u "$a/vmm_test.txt" "$b/vmm_test.txt"; then
			echo "identical"
		else
			same=1
		fi
	fi
	return "$same"
}

cmd_status() {
	echo "state:          $STATE"
	echo "running kernel: $(sysctl -n kern.ident) ($(running_label))"
	[ -f "$VMSPACE_RS_OBJ_STATE" ] && echo "object:         $VMSPACE_RS_OBJ_STATE"
	[ -f "$KOBJ/$KERNNAME.stripped" ] && echo "kernel built:   $KOBJ"
	[ -f "$STATE/installed" ] && echo "installed:      /boot/$KERNNAME"
	[ -f "$VK/pristine.img" ] && echo "vkernel image:  $VK/pristine.img"
	for r in stock rust; do
		[ -d "$STATE/results/$r" ] || continue
		printf 'results:        %s:' "$r"
		for f in "$STATE/results/$r"/*; do printf ' %s' "${f##*/}"; done
		echo
	done
}

[ "$(uname -s)" = DragonFly ] || die "runs on DragonFly BSD only"
case ${1:-} in
build | install | test | compare | status) "cmd_$1" ;;
*) die "usage: vmkit.sh build|install|test|compare|status" ;;
esac
