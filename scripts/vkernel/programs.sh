#!/bin/sh
# The programs make vkernel-test runs (docs/vkernel.md), static DragonFly
# binaries built with scripts/vkernel/dfcc against the sysroot's libraries:
#   - DragonFly's test/testcases: every directory of its run list
#     (test/testcases/sample.run) with bsd.prog.mk, as dfregress would build
#     it; what does not build is listed, not hidden;
#   - the project's programs: tests/vkernel/stress/*.c, vkrun (the vkernel's
#     /sbin/init), vkhost (the QEMU guest's /sbin/init).
# Output in OUT: root/ (the vkernel's root tree: /tc, /vk, /sbin/init),
# vkhost, built.txt (`DIR -> built|NOT BUILT`), cases.txt (the runner's case
# file, scripts/vkernel/cases.py), buildonly.txt.
#
#   programs.sh SRC OUT LOGS      (PATH holds dfcc, VK_SYSROOT is set)
set -eu
src=$1 out=$2 logs=$3
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/scripts/vkernel
tc=$src/test/testcases
rm -rf "$out"
mkdir -p "$out/root/tc" "$out/root/vk" "$out/root/sbin" "$out/root/tmp" "$out/root/dev" \
	"$out/root/var/run/sem" "$out/root/etc" "$logs/tc"
runlist=$tc/sample.run

ubmake() {
	(d=$1; shift; cd "$d" && nice -n 10 bmake -m "$src/share/mk" \
		MACHINE=x86_64 MACHINE_ARCH=x86_64 MACHINE_PLATFORM=pc64 CCVER=gcc50 \
		HOST_BINUTILSVER=binutils CC=dfcc DESTDIR="$VK_SYSROOT" NOMAN=1 NO_MAN=1 \
		NO_WERROR=1 WERROR= "$@")
}

: >"$out/built.txt"
: >"$out/built-progs.txt"
for d in $(python3 "$here/cases.py" dirs "$runlist"); do
	log=$logs/tc/$(echo "$d" | tr / _).log
	if ubmake "$tc/$d" >"$log" 2>&1; then
		prog=$(ubmake "$tc/$d" -V PROG 2>/dev/null)
		mkdir -p "$out/root/tc/$d"
		strip -o "$out/root/tc/$d/$prog" "$tc/$d/$prog"
		# data files the cases read from their directory (crypto vectors)
		for f in "$tc/$d"/*.txt; do [ -f "$f" ] && cp "$f" "$out/root/tc/$d/"; done
		echo "$d/$prog" >>"$out/built-progs.txt"
		echo "$d -> built" >>"$out/built.txt"
	else
		echo "$d -> NOT BUILT (log: $log)" >>"$out/built.txt"
	fi
done
grep -v '^[[:space:]]*#' "$runlist" | awk '$2 == "buildonly" { print $1 }' >"$out/buildonly.txt"
grep -v '^[[:space:]]*#' "$runlist" | awk '$2 == "kernel" { print $1 " -> NOT BUILT (a kernel module: the static vkernel loads none)" }' >>"$out/built.txt"

# The project's programs.  -O2 -Wall -Werror: they are ours.
cc() { dfcc -std=gnu99 -O2 -Wall -Werror "$@"; }
for c in "$top"/tests/vkernel/stress/*.c; do
	p=$(basename "$c" .c)
	cc -o "$out/root/vk/$p" "$c" -lpthread >"$logs/vk-$p.log" 2>&1 ||
		{ cat "$logs/vk-$p.log"; echo "programs: $c does not build" >&2; exit 1; }
	strip "$out/root/vk/$p"
done
cc -o "$out/root/sbin/init" "$top/tests/vkernel/vkrun.c" >"$logs/vkrun.log" 2>&1 ||
	{ cat "$logs/vkrun.log"; exit 1; }
cc -o "$out/vkhost" "$top/tests/vkernel/vkhost.c" >"$logs/vkhost.log" 2>&1 ||
	{ cat "$logs/vkhost.log"; exit 1; }
strip "$out/root/sbin/init" "$out/vkhost"
printf 'root:*:0:0::0:0:Charlie &:/root:/bin/sh\nnobody:*:65534:65534::0:0:Unprivileged user:/nonexistent:/sbin/nologin\n' >"$out/root/etc/master.passwd"
printf 'wheel:*:0:root\nnobody:*:65534:\n' >"$out/root/etc/group"
chmod 1777 "$out/root/tmp" "$out/root/var/run/sem"

python3 "$here/cases.py" cases "$runlist" "$top/tests/vkernel/cases.list" "$out/built-progs.txt" \
	"$top/tests/vkernel/overrides.list" >"$out/cases.txt"
cp "$out/cases.txt" "$out/root/vk/cases"
echo "programs: testcase directories: $(grep -c ' -> built' "$out/built.txt") built, $(grep -c 'NOT BUILT' "$out/built.txt") not; $(wc -l <"$out/cases.txt") cases to run"
grep 'NOT BUILT' "$out/built.txt" || true
