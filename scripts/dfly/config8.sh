# DragonFly's config(8) built on Linux, for scripts/dfly/kernels.sh and
# scripts/vkernel/build.sh (sourced: defines ensure_config8, build_config8).
#
#   ensure_config8 SRC DIR LOG
#                       DIR/config, unless it is there: a copy of
#                       SRC/usr.sbin/config in DIR, built by build_config8
#                       with its output in LOG.  Uses the caller's step and
#                       logged (both scripts define them).
#   build_config8 DIR   in DIR, a copy of usr.sbin/config: byacc and flex
#                       for the grammar, libbsd for strlcpy & co., sys/param.h
#                       for MAXPATHLEN; -fcommon because its headers define
#                       globals (gcc >= 10 defaults to -fno-common); a
#                       yywrap stub in place of libfl.  Leaves DIR/config.
# (The callers run it as an `if` condition, where set -e is off: hence &&.)
build_config8() (
	cd "$1" && byacc -d config.y && flex -o lang.c lang.l &&
		echo 'int yywrap(void) { return 1; }' >yywrap.c || exit 1
	for f in y.tab.c lang.c main.c mkioconf.c mkmakefile.c mkheaders.c mkoptions.c yywrap.c; do
		gcc -O -w -fcommon -I. -include bsd/string.h -include sys/param.h -c "$f" || exit 1
	done
	gcc -o config ./*.o -lbsd
)

ensure_config8() {
	[ -x "$2/config" ] && return 0
	step "config(8)"
	rm -rf "$2"
	mkdir -p "$2"
	cp "$1"/usr.sbin/config/* "$2/"
	logged "$3" build_config8 "$2"
}
