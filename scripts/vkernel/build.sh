#!/bin/sh
# make vkernel: a vkernel(7) from DragonFly's full VKERNEL64 config, and the
# DragonFly userland it runs, built on Linux (docs/vkernel.md).
#
# From a scratch copy of DragonFly's tree at $DFLY_REV in $VK_WORK/src
# (never the user's tree; nothing of it is committed):
#   1. a DragonFly sysroot ($VK_WORK/sysroot/usr/include) from include/, sys/,
#      libm's headers and rpcgen's outputs, as include/Makefile installs it;
#   2. libc, libthread_xu (also as libpthread.a), libm, libkvm (the posixipc
#      testcases include its header): static, with bmake and
#      DragonFly's share/mk, gcc 12 as a DragonFly compiler (scripts/vkernel/dfcc);
#   3. the C start files (lib/csu/x86_64) and the vkernel's variant of crt1;
#   4. config(8) for Linux and the VKERNEL64 kernel objects (sys/config/VKERNEL64,
#      edited only as vk_config() below says);
#   5. the vkernel linked statically (link-vkernel below), with its TLS
#      relocations applied (scripts/vkernel/fix-tpoff.py);
#   6. DragonFly's test/testcases and the project's programs (tests/vkernel),
#      static, into $VK_WORK/prog (scripts/vkernel/programs.sh).
# Steps already done (a stamp per step) are skipped; VK_CLEAN=1 starts over.
#
# Environment: DFLY_MIRROR (a git clone of DragonFly's source) or DFLY_SRC (an
# extracted tree), VK_WORK (default target/vkernel), VK_JOBS (default 2),
# DFLY_REV (default c2e7bb204e).  Without DragonFly's source: skipped, exit 0.
set -eu
# GNU make's MAKEFLAGS (options, command-line variables) would reach bmake.
unset MAKEFLAGS MFLAGS MAKELEVEL

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/scripts/vkernel
rev=${DFLY_REV:-c2e7bb204e}
jobs=${VK_JOBS:-2}
if [ -z "${DFLY_MIRROR:-}" ] && [ -z "${DFLY_SRC:-}" ]; then
	echo "vkernel: skipped: no DragonFly source (set DFLY_MIRROR=<git clone of DragonFly's source> or DFLY_SRC=<extracted tree>; docs/vkernel.md)"
	exit 0
fi
mkdir -p "${VK_WORK:-$top/target/vkernel}"
work=$(cd "${VK_WORK:-$top/target/vkernel}" && pwd)
[ "${VK_CLEAN:-0}" = 1 ] && rm -rf "${work:?}"/*
src=$work/src
sr=$work/sysroot
logs=$work/logs
mkdir -p "$logs" "$work/stamps"

t0=$(date +%s)
step() { echo "vkernel: [$(($(date +%s) - t0))s] $*"; }
fail() { echo "vkernel: FAILED: $*" >&2; exit 1; }
done_() { [ -f "$work/stamps/$1" ]; }
mark() { date +%s >"$work/stamps/$1"; }
logged() {
	log=$1; shift
	if ! "$@" >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		fail "$* (log: $log)"
	fi
}

sh "$top/scripts/deps.sh" qemu vkernel

# The parts of the tree this needs: the kernel (sys, share/mk, config(8)),
# the headers (include), the libraries and their contributed sources, the
# start files, the testcases.
paths="sys include share/mk usr.sbin/config lib/Makefile.inc lib/libc lib/libthread_xu lib/libthread_db lib/libm lib/libkvm lib/csu
	contrib/gdtoa contrib/tre contrib/openbsd_libm test/testcases share/man/man7/vkernel.7"

# 0. The scratch tree (a stamp names its origin).
origin="$rev mirror=${DFLY_MIRROR:-} src=${DFLY_SRC:-}"
if [ "$(cat "$work/src.stamp" 2>/dev/null)" != "$origin" ]; then
	step "scratch tree at $rev"
	rm -rf "$src" "$work/src.stamp" "$work/stamps"
	mkdir -p "$src" "$work/stamps"
	if [ -n "${DFLY_MIRROR:-}" ]; then
		git -C "$DFLY_MIRROR" rev-parse -q --verify "$rev^{commit}" >/dev/null ||
			fail "$DFLY_MIRROR has no commit $rev"
		# shellcheck disable=SC2086
		git -C "$DFLY_MIRROR" archive -o "$work/src.tar" "$rev" $paths \
			2>"$logs/git-archive.log" || { cat "$logs/git-archive.log"; fail "git archive $rev"; }
		tar -xf "$work/src.tar" -C "$src"
		rm -f "$work/src.tar"
	else
		echo "vkernel: DFLY_SRC is used as it is: it should be DragonFly at $rev"
		# shellcheck disable=SC2086
		(cd "$DFLY_SRC" && tar -cf - --exclude=sys/compile $paths) | tar -x -C "$src"
	fi
	echo "$origin" >"$work/src.stamp"
fi

# Tools: dfcc (the compiler), DragonFly's make for newvers.sh, and stand-ins
# for BSD lorder/tsort that bsd.lib.mk runs (the archive gets a ranlib index,
# so object order does not matter).
mkdir -p "$work/bin"
cp "$here/dfcc" "$work/bin/dfcc"
printf '#!/bin/sh\nexec bmake -m "%s" "$@"\n' "$src/share/mk" >"$work/bin/make"
cat >"$work/bin/lorder" <<'EOF'
#!/bin/sh
for f; do echo "$f $f"; done
EOF
cat >"$work/bin/tsort" <<'EOF'
#!/bin/sh
[ "$1" = -q ] && shift
awk '{ if (!s[$1]++) print $1 }' "$@"
EOF
chmod +x "$work/bin/dfcc" "$work/bin/make" "$work/bin/lorder" "$work/bin/tsort"
export VK_SYSROOT="$sr"
PATH=$work/bin:$PATH
export PATH

# 1. The sysroot's headers, as include/Makefile and lib/libm install them.
if ! done_ sysroot; then
	step "sysroot headers"
	logged "$logs/sysroot.log" sh "$here/sysroot.sh" "$src" "$sr"
	mark sysroot
fi

# 2. The libraries.  bmake with DragonFly's share/mk; static only (NOPIC),
#    no profiled copies; NO_WERROR: gcc 12 warns where gcc 5 did not.  Only
#    the archive is made (not the NLS catalogs, which need BSD gencat).  -k,
#    then a second pass without it, so that the log ends at a real error.
ubmake() {
	(d=$1; shift; cd "$src/$d" && nice -n 10 bmake -m "$src/share/mk" \
		MACHINE=x86_64 MACHINE_ARCH=x86_64 MACHINE_PLATFORM=pc64 CCVER=gcc50 \
		HOST_BINUTILSVER=binutils CC=dfcc DESTDIR="$sr" NOPROFILE=1 NOPIC=1 \
		NOMAN=1 NO_WERROR=1 WERROR= "$@")
}
build_lib() {
	d=$1 a=$2
	done_ "$a" && return 0
	step "$d"
	ubmake "$d" -k -j"$jobs" "$a" >"$logs/$a.log" 2>&1 || true
	logged "$logs/$a-2.log" ubmake "$d" -j"$jobs" "$a"
	[ -f "$src/$d/$a" ] || fail "$d: no $a"
	mkdir -p "$sr/usr/lib"
	cp "$src/$d/$a" "$sr/usr/lib/$a"
	echo "vkernel: $d: $(ar t "$src/$d/$a" | wc -l) objects"
	mark "$a"
}
build_lib lib/libc libc.a
build_lib lib/libthread_xu libthread_xu.a
cp "$sr/usr/lib/libthread_xu.a" "$sr/usr/lib/libpthread.a"
build_lib lib/libm libm.a
build_lib lib/libkvm libkvm.a

# 3. Start files.  lib/csu's Makefile edits with BSD `sed -i ""`, so they
#    are built here.  The .note.tag section (DragonFly's ABI note, by which
#    the kernel brands the binary) is emitted as progbits by crt1.c's inline
#    asm; as a note it must have type SHT_NOTE: sed on the assembly.
#    vkcrt1.o: the vkernel keeps a .dynamic section for its kernel linker
#    (kern/link_elf.c reads _DYNAMIC), and crt1 then believes rtld ran the
#    constructors (`if (&_DYNAMIC != NULL)`) and skips _init/init_array,
#    among them libthread_xu's _thread_init: the vkernel dies in
#    _thr_cancel_enter.  In vkcrt1 the weak _DYNAMIC reference is renamed,
#    so it stays NULL and crt1 runs them.
if ! done_ csu; then
	step "start files"
	c=$src/lib/csu o=$work/csu
	rm -rf "$o"
	mkdir -p "$o/vk/common" "$o/vk/x86_64"
	f="-O -pipe -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -I$src/lib/libc/include"
	crt1() ( # $1: common dir, $2: crt1.c, $3: output
		# shellcheck disable=SC2086
		dfcc $f -I"$1" -S -o "$3.s" "$2" &&
			sed -i -e '/\.note\.tag/s/progbits/note/' "$3.s" && dfcc -c -o "$3" "$3.s"
	)
	logged "$logs/csu.log" crt1 "$c/common" "$c/x86_64/crt1.c" "$o/crt1.o"
	# shellcheck disable=SC2086
	logged "$logs/csu-crti.log" dfcc $f -I"$c/common" -c -o "$o/crti.o" "$c/x86_64/crti.S"
	# shellcheck disable=SC2086
	logged "$logs/csu-crtn.log" dfcc $f -I"$c/common" -c -o "$o/crtn.o" "$c/x86_64/crtn.S"
	cp "$c"/common/* "$o/vk/common/"
	cp "$c/x86_64/crt1.c" "$o/vk/x86_64/"
	sed -i 's/_DYNAMIC/_vk_no_rtld_DYNAMIC/g' "$o/vk/common/initfini.c" "$o/vk/x86_64/crt1.c"
	logged "$logs/csu-vk.log" crt1 "$o/vk/common" "$o/vk/x86_64/crt1.c" "$o/vkcrt1.o"
	cp "$o/crt1.o" "$o/crti.o" "$o/crtn.o" "$sr/usr/lib/"
	mark csu
fi

# 4. config(8) for Linux (scripts/dfly/config8.sh).
# shellcheck source=scripts/dfly/config8.sh
. "$top/scripts/dfly/config8.sh"
ensure_config8 "$src" "$work/config8" "$logs/config8.log"
config8=$work/config8/config

# The kernel config: DragonFly's VKERNEL64, with these edits only (each
# printed into the build log; docs/vkernel.md):
#   - nothing removed unless listed in VK_DROP (default empty: every option
#     and device of VKERNEL64 builds here);
#   - the lines of VK_ADD added (default: `device crypto` and `device
#     cryptodev`).  DragonFly's crypto testcases use /dev/crypto (and its
#     sysctl kern.cryptodevallowsoft); on DragonFly the two are loaded as
#     modules (crypto.ko, cryptodev.ko), which this static vkernel cannot
#     load, so they are compiled in.
kconf=VKERNEL64
vk_add=${VK_ADD-device crypto
device cryptodev}
vk_config() {
	cp "$src/sys/config/VKERNEL64" "$work/$kconf.conf"
	for d in ${VK_DROP:-}; do
		echo "vkernel: config edit: dropping '$d' from VKERNEL64"
		awk -v d="$d" '$1 != "options" && $1 != "device" && $1 != "pseudo-device" || $2 != d' \
			"$work/$kconf.conf" >"$work/$kconf.conf.new"
		mv "$work/$kconf.conf.new" "$work/$kconf.conf"
	done
	if [ -n "$vk_add" ]; then
		echo "$vk_add" | sed 's/^/vkernel: config edit: adding /'
		{ echo "# added by scripts/vkernel/build.sh (VK_ADD): modules on DragonFly"; echo "$vk_add"; } >>"$work/$kconf.conf"
	fi
}
kdir=$src/sys/compile/$kconf
# The kernel objects: vkernel64's Makefile under bmake, as the pc64 kernels
# of scripts/dfly/kernels.sh (no PIE, common symbols for genassym,
# DragonFly's predefines).  The vkernel is a user program: its Makefile
# links it with the userland's cc, which here is done by link-vkernel.
kmake() {
	(cd "$kdir" && nice -n 10 bmake -m "$src/share/mk" \
		MACHINE_PLATFORM=vkernel64 HOST_BINUTILSVER=binutils NO_MODULES=1 \
		CCVER=gcc50 CC=gcc NO_WERROR=1 WERROR= \
		"CONF_CFLAGS=-fno-pie -fno-pic -fcommon -U__linux__ -U__linux -Ulinux -U__gnu_linux__ -D__DragonFly__=1" \
		"$@")
}
# A different config (VK_DROP, VK_ADD) starts the kernel over.
vk_config
if ! cmp -s "$work/$kconf.conf" "$work/stamps/kobjs.conf" 2>/dev/null; then
	rm -rf "$kdir" "$work/stamps/kobjs" "$work/stamps/link"
fi
if ! done_ kobjs; then
	step "VKERNEL64 kernel objects"
	cp "$work/$kconf.conf" "$src/sys/config/$kconf"
	logged "$logs/config-$kconf.log" sh -c "mkdir -p '$src/sys/compile' && cd '$src/sys/config' && '$config8' -d '../compile/$kconf' '$kconf'"
	logged "$logs/kernel-assym.log" kmake assym.s
	objs=$(kmake -V SYSTEM_OBJS 2>/dev/null)
	# shellcheck disable=SC2086
	kmake -k -j"$jobs" $objs vers.o >"$logs/kernel.log" 2>&1 || true
	# shellcheck disable=SC2086
	logged "$logs/kernel-2.log" kmake -j"$jobs" $objs vers.o
	echo "vkernel: VKERNEL64: $(echo "$objs" | wc -w) objects"
	cp "$work/$kconf.conf" "$work/stamps/kobjs.conf"
	mark kobjs
fi

# 5. The link: a static DragonFly program (vkcrt1, libthread_xu, libc), but
#    with .dynamic/.dynsym/.hash (-export-dynamic, sysv hash: kern/link_elf.c
#    resolves the kernel's symbols through them) and no PT_INTERP
#    (--no-dynamic-linker: there is no rtld).  max-page-size as in
#    vkernel64's conf/Makefile.  Then fix-tpoff.py applies the TLS
#    relocations no loader will (errno and the locale's thread pointers).
if ! done_ link; then
	step "linking the vkernel"
	objs=$(kmake -V SYSTEM_OBJS 2>/dev/null)
	# shellcheck disable=SC2086
	logged "$logs/link.log" sh -c "cd '$kdir' && gcc -nostdlib -no-pie -Wl,-export-dynamic -Wl,--no-dynamic-linker \
		-Wl,--hash-style=sysv -Wl,-z,max-page-size=0x200000 -Wl,-Map,'$work/vkernel.map' -o '$work/vkernel' \
		'$work/csu/vkcrt1.o' '$work/csu/crti.o' '$(gcc -print-file-name=crtbegin.o)' $objs vers.o \
		'$sr/usr/lib/libthread_xu.a' '$sr/usr/lib/libc.a' '$(gcc -print-libgcc-file-name)' '$sr/usr/lib/libc.a' \
		'$(gcc -print-file-name=crtend.o)' '$work/csu/crtn.o'"
	logged "$logs/fix-tpoff.log" python3 "$here/fix-tpoff.py" "$work/vkernel"
	cat "$logs/fix-tpoff.log"
	mark link
fi

# 6. The programs.
if ! done_ programs; then
	step "testcases and the project's programs"
	sh "$here/programs.sh" "$src" "$work/prog" "$logs"
	mark programs
fi
step "done: $work/vkernel ($(wc -c <"$work/vkernel") bytes), $(wc -l <"$work/prog/cases.txt") cases in $work/prog"
