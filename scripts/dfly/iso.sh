# The GRUB ISO that boots a DragonFly kernel under QEMU, for
# scripts/dfly/qemu-test.sh and scripts/vkernel/test.sh (sourced: defines
# make_iso).
#
#   make_iso ISO KERNEL ROOT_GZ GRUB_DIR TITLE FLAGS [NAME=VALUE...]
#       GRUB's kfreebsd loader boots KERNEL (the protocol locore.s and
#       hammer_time() expect) with boot flags FLAGS (-h: serial console) and
#       the gzipped UFS image ROOT_GZ as a preloaded md(4) root (GRUB
#       decompresses it), /sbin/init on it, serial console; each
#       NAME=VALUE becomes a kernel environment variable.  GRUB_DIR: the
#       i386-pc modules with the relocator fix (grub-modules.py).  The
#       grub-mkrescue output goes to ISO.log, shown on failure.
# (Callers run it under set -e; the subshell exits non-zero on failure.)
make_iso() (
	iso=$1 kernel=$2 root=$3 grub=$4 title=$5 flags=$6
	shift 6
	tree=$iso.tree
	rm -rf "$tree" && mkdir -p "$tree/boot/grub" && cp "$kernel" "$tree/boot/kernel" &&
		cp "$root" "$tree/boot/root.img.gz" || exit 1
	{
		printf '%s\n' "serial --unit=0 --speed=115200" "terminal_input serial" "terminal_output serial" \
			"set timeout=0" "menuentry \"$title\" {" "  kfreebsd /boot/kernel $flags" \
			"  kfreebsd_module /boot/root.img.gz type=md_image" "  set kFreeBSD.vfs.root.mountfrom=ufs:md0" \
			"  set kFreeBSD.init_path=/sbin/init"
		for v in "$@"; do
			echo "  set kFreeBSD.$v"
		done
		printf '%s\n' "  boot" "}"
	} >"$tree/boot/grub/grub.cfg" || exit 1
	grub-mkrescue -d "$grub" -o "$iso" "$tree" >"$iso.log" 2>&1 || { cat "$iso.log"; exit 1; }
	rm -rf "$tree"
)
