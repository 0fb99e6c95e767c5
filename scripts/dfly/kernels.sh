#!/bin/sh
# make dfly-kernel: real DragonFly kernels for the QEMU run (docs/qemu.md).
#
# From a scratch copy of DragonFly's tree at $DFLY_REV (never the user's
# tree; nothing of it is committed), in $DFLY_WORK:
#   1. config(8), built for Linux;
#   2. stock: tests/qemu/QEMUVMS with the C sys/vm/vm_vmspace.c;
#   3. port:  the same config, vm_vmspace.o built by kmod.mk through the
#      sys/conf/files entry of docs/kernel.md (taken from that page, so the
#      test uses exactly what users are told) and
#      `makeoptions VMSPACE_RS=<this repo>`;
#   4. model: the self-check kernel, a known-wrong object linked through the
#      prebuilt-object entry of docs/kernel.md (relinking only);
#   5. scripts/dfly/check-kernels.py on the linked stock and port kernels.
# Results: $DFLY_WORK/kernels/{stock,port,model}/kernel{,.debug}.
#
# DFLY_REV (make's REV) is the revision of vm_vmspace.c, of the tree and of
# the port: c2e7bb204e (default) or 22b7a3dbf6 (DragonFly 5.0's lock-free
# version: the tree at that commit, the config with
# tests/qemu/QEMUVMS.22b7a3dbf6 appended if it exists, the port kernel's
# bmake run with REV=22b7a3dbf6, which reaches kmod.mk through the
# sys/conf/files entry; no self-check kernel, step 4 is c2e7bb204e's).
#
# Environment: DFLY_MIRROR (a git clone of DragonFly's source, bare or not)
# or DFLY_SRC (an extracted tree with sys include share/mk usr.sbin/config);
# DFLY_WORK (default target/dfly, target/dfly-REV for another DFLY_REV),
# DFLY_JOBS (default 2), DFLY_REV.
# Without DFLY_MIRROR and DFLY_SRC it says so and exits 0 (CI has neither).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
rev=${DFLY_REV:-c2e7bb204e}
jobs=${DFLY_JOBS:-2}
conf=QEMUVMS

# The sys/conf/files entry of docs/kernel.md that mentions $1 (kmod.mk or
# VMSPACE_OBJ): the fenced block starting with `vm_vmspace.o`, without the
# list item's indentation.  Taken from the page, so that the test builds
# exactly what users are told to write.
docs_entry() {
	awk -v want="$1" '
		/^[ \t]*```/ {
			if (!inb) { inb = 1; ind = index($0, "`") - 1; blk = ""; next }
			inb = 0
			if (blk ~ /^vm_vmspace\.o[ \t]/ && index(blk, want)) { printf "%s", blk; n++ }
			next
		}
		inb {
			l = $0
			for (i = 0; i < ind && substr(l, 1, 1) == " "; i++) l = substr(l, 2)
			blk = blk l "\n"
		}
		END { exit n != 1 }' "$top/docs/kernel.md"
}
# `kernels.sh --entry kmod.mk|VMSPACE_OBJ` prints that entry (make qemu-ci).
if [ "${1:-}" = --entry ]; then
	docs_entry "$2" || { echo "kernels.sh: docs/kernel.md has no single entry for $2" >&2; exit 1; }
	exit 0
fi

if [ -z "${DFLY_MIRROR:-}" ] && [ -z "${DFLY_SRC:-}" ]; then
	echo "dfly-kernel: skipped: no DragonFly source (set DFLY_MIRROR=<git clone of DragonFly's source> or DFLY_SRC=<extracted tree>; docs/qemu.md)"
	exit 0
fi
# What differs for the 2017 revision: its own default work dir, the REV the
# port kernel's build passes to kmod.mk, no self-check kernel, the paths of
# the tree it needs beyond c2e7bb204e's.
case $rev in
# (22b7a3dbf6's sys/sys/md5.h includes <openssl/md5.h>, from the
# kernel build's -I${SYSDIR}/../crypto/libressl/include: one more path of
# the tree.)
c2e7bb204e) defwork=$top/target/dfly portrev='' extra='' ;;
22b7a3dbf6) defwork=$top/target/dfly-$rev portrev=REV=$rev extra=crypto/libressl/include ;;
*) echo "dfly-kernel: FAILED: DFLY_REV=$rev: the port exists for c2e7bb204e and 22b7a3dbf6" >&2; exit 1 ;;
esac
mkdir -p "${DFLY_WORK:-$defwork}"
work=$(cd "${DFLY_WORK:-$defwork}" && pwd)
src=$work/src
logs=$work/logs
mkdir -p "$logs"

t0=$(date +%s)
step() { echo "dfly-kernel: [$(($(date +%s) - t0))s] $*"; }
fail() { echo "dfly-kernel: FAILED: $*" >&2; exit 1; }
# Runs a command with its output in a log; on failure shows the log's tail.
logged() {
	log=$1; shift
	if ! "$@" >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		fail "$* (log: $log)"
	fi
}

step "packages"
sh "$top/scripts/deps.sh" qemu

# 1. The scratch tree.  A stamp names its origin; a different origin or
#    revision starts over.  sys/conf/files is kept pristine beside the tree
#    (each kernel below writes its own variant before running config).
origin="$rev mirror=${DFLY_MIRROR:-} src=${DFLY_SRC:-}"
if [ "$(cat "$work/src.stamp" 2>/dev/null)" != "$origin" ]; then
	step "scratch tree at $rev"
	rm -rf "$src" "$work/src.stamp" "$work/config8"
	mkdir -p "$src"
	if [ -n "${DFLY_MIRROR:-}" ]; then
		git -C "$DFLY_MIRROR" rev-parse -q --verify "$rev^{commit}" >/dev/null ||
			fail "$DFLY_MIRROR has no commit $rev"
		# Through a file, so that a failing git archive stops the run.
		# shellcheck disable=SC2086
		git -C "$DFLY_MIRROR" archive -o "$work/src.tar" "$rev" sys include share/mk usr.sbin/config $extra \
			2>"$logs/git-archive.log" || { cat "$logs/git-archive.log"; fail "git archive $rev"; }
		tar -xf "$work/src.tar" -C "$src"
		rm -f "$work/src.tar"
	else
		for d in sys include share/mk usr.sbin/config $extra; do
			[ -d "$DFLY_SRC/$d" ] || fail "DFLY_SRC=$DFLY_SRC has no $d"
		done
		echo "dfly-kernel: DFLY_SRC is used as it is: it should be DragonFly at $rev"
		# shellcheck disable=SC2086
		(cd "$DFLY_SRC" && tar -cf - --exclude=sys/compile sys include share/mk usr.sbin/config $extra) |
			tar -x -C "$src"
	fi
	cp "$src/sys/conf/files" "$work/files.orig"
	echo "$origin" >"$work/src.stamp"
fi

# 2. config(8) for Linux (scripts/dfly/config8.sh).
# shellcheck source=scripts/dfly/config8.sh
. "$top/scripts/dfly/config8.sh"
ensure_config8 "$src" "$work/config8" "$logs/config8.log"
config8=$work/config8/config

# newvers.sh (vers.c, the kernel's ident) runs a plain `make -V KERN_IDENT`:
# on Linux that would be GNU make.  This `make` is DragonFly's make.
mkdir -p "$work/bin"
printf '#!/bin/sh\nexec bmake -m "%s" "$@"\n' "$src/share/mk" >"$work/bin/make"
chmod +x "$work/bin/make"

# DragonFly's kernel Makefile under bmake with DragonFly's share/mk.
# CONF_CFLAGS: no PIE (Debian's gcc default), common symbols for genassym
# (its assym.s comes out empty without), DragonFly's predefined macros in
# place of Linux's.  NO_WERROR: gcc 12 warns where DragonFly's gcc did not
# (no real error; docs/qemu.md).  kmod.mk gets no CARGO/RUSTC from here:
# the kernel build runs it exactly as docs/kernel.md tells users to.
# At 22b7a3dbf6, kern.pre.mk links the kernel through ${CC} (SYSTEM_LD,
# `${CC} -nostdlib -Wl,...`), not ${LD} as at c2e7bb204e: Debian's gcc
# driver adds -pie (ld refuses locore.o's absolute relocations),
# --as-needed (hack.So dropped, no .dynamic, `_DYNAMIC` undefined),
# --build-id and --eh-frame-hdr.  So SYSTEM_LD is given on the command line
# as the ld command that line stands for: its -Wl options (with pc64's
# max-page-size) passed to ${LD} directly, as c2e7bb204e's kern.pre.mk does.
# (Single quotes: bmake expands these variables, not sh.)  GNU make's
# MAKEFLAGS (make dfly-kernel's, e.g. --no-print-directory) is not bmake's:
# kmake clears it.
sysld=
# shellcheck disable=SC2016
if [ "$rev" = 22b7a3dbf6 ]; then
	sysld='@${LD} --hash-style=sysv -Bdynamic -T $S/platform/$P/conf/ldscript.$M'
	sysld="$sysld"' -export-dynamic -dynamic-linker /red/herring -o ${.TARGET} -X ${SYSTEM_OBJS} vers.o'
	sysld="$sysld"' -z max-page-size=0x200000'
fi
kmake() {
	(dir=$1; shift; cd "$dir" &&
		if [ -n "$sysld" ]; then set -- "SYSTEM_LD=$sysld" "$@"; fi &&
		PATH=$work/bin:$PATH MAKEFLAGS='' MFLAGS='' nice -n 10 bmake -m "$src/share/mk" \
			MACHINE_PLATFORM=pc64 HOST_BINUTILSVER=binutils NO_MODULES=1 \
			CCVER=gcc50 CC=gcc NO_WERROR=1 WERROR= \
			"CONF_CFLAGS=-fno-pie -fno-pic -fcommon -U__linux__ -U__linux -Ulinux -U__gnu_linux__ -D__DragonFly__=1" \
			"$@")
}

# sys/conf/files for one kernel: pristine (stock), or with the
# vm/vm_vmspace.c line replaced by docs/kernel.md's entry for $1.
set_files() {
	cp "$work/files.orig" "$src/sys/conf/files"
	[ "$1" = stock ] && return 0
	docs_entry "$1" >"$work/files.entry" ||
		fail "docs/kernel.md has no single sys/conf/files entry for $1"
	awk -v entry="$work/files.entry" '
		/^vm\/vm_vmspace\.c[ \t]/ { while ((getline l < entry) > 0) print l; n++; next }
		{ print }
		END { exit n != 1 }' "$work/files.orig" >"$src/sys/conf/files" ||
		fail "sys/conf/files: no single vm/vm_vmspace.c line to replace"
}

# The config file tests/qemu/$conf, with its revision's fragment
# tests/qemu/$conf.$rev appended when there is one, on stdout.
qemu_conf() {
	cat "$top/tests/qemu/$conf"
	if [ -f "$top/tests/qemu/$conf.$rev" ]; then cat "$top/tests/qemu/$conf.$rev"; fi
}

# config(8) for kernel $1 (config file $2, build directory compile/$1);
# an existing directory is updated, not cleared (config(8) without -r).
# (config(8) makes the build directory, not its parent: a DFLY_SRC copy
# comes without sys/compile.)
config_in() (mkdir -p "$1/../compile" && cd "$1" && "$config8" -d "../compile/$2" "$2")
run_config() {
	cp "$2" "$src/sys/config/$1"
	logged "$logs/config-$1.log" config_in "$src/sys/config" "$1"
}

# Copies the linked kernel out of build directory $1 as kernels/$2.
publish() {
	mkdir -p "$work/kernels/$2"
	cp "$src/sys/compile/$1/kernel.debug" "$work/kernels/$2/kernel.debug"
	cp "$src/sys/compile/$1/kernel.stripped" "$work/kernels/$2/kernel"
}

# 3. The stock kernel.  assym.s first, alone: without `make depend` nothing
#    orders it (and the forwarding headers it builds) before the assembler
#    and C files that include them, and a parallel build can miss it.
step "stock kernel ($conf, C vm_vmspace.c${portrev:+ at $rev})"
set_files stock
qemu_conf >"$work/$conf"
run_config "$conf" "$work/$conf"
stock=$src/sys/compile/$conf
logged "$logs/stock-assym.log" kmake "$stock" assym.s
logged "$logs/stock.log" kmake "$stock" -j"$jobs"
publish "$conf" stock

# Reuse of the stock objects: the port and model kernels have the same
# config (ident, options, so opt_*.h and CFLAGS) and the same tree; only
# sys/conf/files's vm_vmspace entry and one makeoptions line differ.  So
# their build directories start as copies of the stock one (timestamps
# kept, so nothing is out of date), config(8) rewrites there only what
# changed (Makefile, config.c: it leaves identical files alone), and
# vm_vmspace.o is removed: bmake then makes it by the new entry's rule,
# recompiles config.c and relinks.  check-kernels.py verifies the result.
derive() {
	name=$1 cfile=$2
	rm -rf "$src/sys/compile/$name"
	cp -a "$stock" "$src/sys/compile/$name"
	rm -f "$src/sys/compile/$name/vm_vmspace.o"
	run_config "$name" "$cfile"
}

# 4. The port kernel, built as docs/kernel.md says (kmod.mk runs cargo with
#    the kernel's CC and CFLAGS; KKASSERTs from opt_global.h's INVARIANTS).
step "port kernel (${conf}_RS, vm_vmspace.o by kmod.mk${portrev:+ $portrev})"
{ qemu_conf; echo "makeoptions	VMSPACE_RS=$top"; } >"$work/${conf}_RS"
set_files kmod.mk
derive "${conf}_RS" "$work/${conf}_RS"
# For 22b7a3dbf6, REV=22b7a3dbf6 on bmake's command line: bmake passes it in
# MAKEFLAGS to the entry's ${MAKE} -f kmod.mk, whose REV it sets.
# shellcheck disable=SC2086
logged "$logs/port.log" kmake "$src/sys/compile/${conf}_RS" -j"$jobs" $portrev
# kernel-build.sh notes what the object was built against: this kernel's
# flags, with INVARIANTS from its opt_global.h.
headers=$(cat "$src/sys/compile/${conf}_RS/vm_vmspace.o.headers")
case $headers in
*KERNEL_CFLAGS*INVARIANTS*) echo "dfly-kernel: port object built against $headers" ;;
*) fail "the port object was built against $headers, not this kernel's flags with INVARIANTS" ;;
esac
publish "${conf}_RS" port

# 5. The self-check object: the port built against the model headers as
#    they were before b01afda, whose struct vm_map lacked DragonFly's
#    rb_root and president fields, so struct vmspace's vm_pmap sat at 0xc8
#    instead of 0x110 (issue 11).  Why not today's obj/vm_vmspace.model.o:
#    since b01afda the model agrees with the kernel on everything the port
#    touches, and that object ran the guest program to its end in a real
#    kernel (docs/qemu.md): it no longer shows that qemu-test catches a
#    wrong object.  This one faults in pmap_release() at the first
#    vmspace_rel() of a VMSPACE (issue 11's probe: in vmspace_destroy; the
#    guest program gets there first in vmspace_create's EEXIST path).
#    Built from a scratch copy of this repository
#    (tracked and untracked files as they are, not the ignored ones), with
#    that one header from git and abi.rs's pin of vm_pmap dropped (the pin
#    b01afda added would refuse to compile it).  It shares this repo's
#    kernel target dir, so core and the build dependencies are not built
#    again; cargo keeps the copy's package (another path) apart.
if [ "$rev" = c2e7bb204e ]; then
step "self-check object (model headers before b01afda)"
sc=$work/selfcheck
rm -rf "$sc/repo"
mkdir -p "$sc/repo"
(cd "$top" && git ls-files -z -c -o --exclude-standard |
	tar --null -T - --ignore-failed-read -cf -) | tar -x -C "$sc/repo"
git -C "$top" show b01afda^:tests/kern/include/vm/vm_map.h >"$sc/repo/tests/kern/include/vm/vm_map.h" ||
	fail "git show b01afda^:tests/kern/include/vm/vm_map.h (a shallow clone?)"
sed -i '/offset_of!(b::vmspace, vm_pmap)/d' "$sc/repo/sys/abi.rs"
logged "$logs/selfcheck-object.log" env -u SYSDIR -u KERNEL_CFLAGS -u KERNEL_CC -u KERNEL_OBJDIR \
	-u INVARIANTS CARGO_TARGET_DIR="$top/target/kernel" \
	nice -n 10 sh "$sc/repo/scripts/kernel-build.sh" "$sc/vm_vmspace.model.o"

step "self-check kernel (${conf}_MODEL, the object above by the prebuilt-object entry)"
{ cat "$top/tests/qemu/$conf"; echo "makeoptions	VMSPACE_OBJ=$sc/vm_vmspace.model.o"; } >"$work/${conf}_MODEL"
set_files VMSPACE_OBJ
derive "${conf}_MODEL" "$work/${conf}_MODEL"
logged "$logs/model.log" kmake "$src/sys/compile/${conf}_MODEL" -j"$jobs"
publish "${conf}_MODEL" model
set_files stock
else
# The pre-b01afda object is c2e7bb204e's (its model headers and abi.rs pin);
# the 2017 port has no such known-wrong object here.  qemu-test boots no
# self-check kernel for this revision, and says so.
step "self-check kernel: skipped at $rev (its known-wrong object is c2e7bb204e's model-header build)"
rm -rf "$work/kernels/model"
set_files stock
fi

# 6. The linked kernels: entry points and RB functions from the port's
#    sources, the system call table pointing at them, nothing left undefined
#    that the stock kernel defines.
step "checking the linked kernels"
if [ "$rev" = c2e7bb204e ]; then
	set -- --model "$work/kernels/model/kernel.debug"
else
	set -- --rev "$rev"
fi
python3 "$top/scripts/dfly/check-kernels.py" --src "$src" --builddir "$stock" \
	--exports "$top/module/vm_vmspace.exports" --stock "$work/kernels/stock/kernel.debug" \
	--port "$work/kernels/port/kernel.debug" "$@" \
	>"$logs/check-kernels.log" 2>&1 || { cat "$logs/check-kernels.log"; fail "check-kernels.py"; }
cat "$logs/check-kernels.log"
step "done"
