# kmod.mk: builds vm_vmspace.o, DragonFly's sys/vm/vm_vmspace.c in Rust, as
# one relocatable object for a DragonFly kernel build (BSD make).
#
# From a kernel build, sys/conf/files names the object instead of
# vm/vm_vmspace.c (docs/kernel.md, "Integrating"):
#
#	vm_vmspace.o			standard				\
#		dependency	"${VMSPACE_RS}/kmod.mk"				\
#		compile-with	"${MAKE} -f ${VMSPACE_RS}/kmod.mk		\
#				 VMSPACE_OUT=${.OBJDIR}/vm_vmspace.o		\
#				 KERNEL_OBJDIR=${.OBJDIR} KERNEL_CC=${CC:Q}	\
#				 KERNEL_CFLAGS=${CFLAGS:Q}"			\
#		no-implicit-rule
#
# with `makeoptions VMSPACE_RS=/path/to/vmspace-rs` in the kernel config.
# The shim and bindgen then use the kernel's own compiler, flags, include
# layout and opt_global.h (INVARIANTS included).
#
# Standalone: `bmake -f kmod.mk SYSDIR=/usr/src/sys` builds
# ${.OBJDIR}/vm_vmspace.o against that tree; without SYSDIR,
# ${.OBJDIR}/vm_vmspace.model.o against the model headers, which is no
# kernel object (docs/kernel.md).
#
# CARGO and RUSTC name a toolchain that can build core for
# x86_64-unknown-none (rust-src; docs/kernel.md, "Toolchain"); left empty,
# scripts/kernel-build.sh picks one.

.if !defined(VMSPACE_RS)
VMSPACE_RS:=	${.PARSEDIR}
.endif
CARGO?=
RUSTC?=
SYSDIR?=
INVARIANTS?=
# The revision of vm_vmspace.c the port follows: c2e7bb204e (DragonFly 4.x)
# or 22b7a3dbf6 (DragonFly 5.0 to 5.8): the tree's own (README, "Revisions").
REV?=		c2e7bb204e
KERNEL_CC?=
KERNEL_CFLAGS?=
KERNEL_OBJDIR?=
.if empty(SYSDIR) && empty(KERNEL_CFLAGS)
VMSPACE_OUT?=	${.OBJDIR}/vm_vmspace.model.o
.else
VMSPACE_OUT?=	${.OBJDIR}/vm_vmspace.o
.endif

all: ${VMSPACE_OUT}

# Cargo knows what changed; always ask it.
${VMSPACE_OUT}: .PHONY
	@env CARGO=${CARGO:Q} RUSTC=${RUSTC:Q} SYSDIR=${SYSDIR:Q} \
	    INVARIANTS=${INVARIANTS:Q} KERNEL_CC=${KERNEL_CC:Q} REV=${REV:Q} \
	    KERNEL_CFLAGS=${KERNEL_CFLAGS:Q} KERNEL_OBJDIR=${KERNEL_OBJDIR:Q} \
	    sh ${VMSPACE_RS}/scripts/kernel-build.sh ${.TARGET}

.PHONY: all
