#!/bin/sh
# A DragonFly /usr/include from a DragonFly source tree, as include/Makefile
# (its "copies" and symlink rules), lib/libm and include/rpcsvc/Makefile
# install it.  Only what DragonFly's own build would put there.
#
#   sysroot.sh SRC SYSROOT
set -eu
src=$1 sr=$2
inc=$sr/usr/include
rm -rf "$sr"
mkdir -p "$inc" "$sr/usr/lib"

cd "$src/include"
cp ./*.h "$inc/"
for d in arpa protocols rpc rpcsvc xlocale; do
	mkdir -p "$inc/$d"
	for h in "$d"/*.h; do [ -f "$h" ] && cp "$h" "$inc/$d/"; done
done
# include/Makefile: headers that only forward to sys/.
for h in aio.h errno.h fcntl.h linker_set.h poll.h sched.h semaphore.h syslog.h termios.h ucontext.h; do
	echo "#include <sys/$h>" >"$inc/$h"
done

# sys/ subdirectories that include/Makefile copies (LSUBDIRS and the fixed ones).
lsub=$(sed -n '/^LSUBDIRS=/,/^$/p' Makefile | sed 's/LSUBDIRS=//; s/\\//g')
cd "$src/sys"
for d in net netbt netgraph netgraph7 netinet netinet6 sys vm $lsub; do
	mkdir -p "$inc/$d"
	for h in "$d"/*.h; do [ -f "$h" ] && cp "$h" "$inc/$d/"; done
done
mkdir -p "$inc/crypto" "$inc/dev/acpica"
cp opencrypto/*.h crypto/rijndael/rijndael.h "$inc/crypto/"
cp dev/acpica/acpiio.h "$inc/dev/acpica/"
ln -s netproto/key "$inc/netkey"
ln -s netproto/smb "$inc/netsmb"
ln -s bus/pccard "$inc/pccard"
# machine/ = cpu/x86_64/include + platform/pc64/include, cpu/ = the former.
mkdir -p "$inc/cpu" "$inc/machine"
cp cpu/x86_64/include/*.h "$inc/cpu/"
cp cpu/x86_64/include/*.h "$inc/machine/"
cp platform/pc64/include/*.h "$inc/machine/"
if [ -d platform/pc64/include/pc ]; then
	mkdir -p "$inc/machine/pc"
	cp platform/pc64/include/pc/*.h "$inc/machine/pc/"
fi
for h in soundcard.h joystick.h; do ln -sf "../sys/$h" "$inc/machine/$h"; done
rm -f "$inc/machine/ansi.h" "$inc/sys/inttypes.h"
# osreldate.h as include/Makefile generates it.
v=$(sed -n 's/^#define __DragonFly_version \([0-9]*\).*/\1/p' sys/param.h)
printf '#ifdef _KERNEL\n#error "<osreldate.h> cannot be used in the kernel, use <sys/param.h>"\n#else\n#undef __DragonFly_version\n#define __DragonFly_version %s\n#endif\n' "$v" >"$inc/osreldate.h"

# lib/libm installs these from contrib/openbsd_libm.
cp "$src"/contrib/openbsd_libm/include/global/*.h "$inc/"
cp "$src"/contrib/openbsd_libm/include/amd64/*.h "$inc/machine/"

# lib/libkvm installs kvm.h.
cp "$src/lib/libkvm/kvm.h" "$inc/"

# rpcgen'd headers (include/Makefile, include/rpcsvc/Makefile).
cp "$src"/include/rpc/*.x "$inc/rpc/"
cp "$src"/include/rpcsvc/*.x "$inc/rpcsvc/"
(cd "$inc/rpc" && rpcgen -C -h -DWANT_NFS3 rpcb_prot.x -o rpcb_prot.h)
(cd "$inc/rpcsvc" && for x in *.x; do rpcgen -C -h -DWANT_NFS3 "$x" -o "${x%.x}.h" || echo "rpcgen failed: $x"; done)
ln -sf ../rpcsvc/key_prot.h "$inc/rpc/key_prot.h"
echo "sysroot: $(find "$inc" -name '*.h' | wc -l) headers"
