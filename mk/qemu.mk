# A real DragonFly kernel with the port inside, booted under QEMU and
# compared call for call with the same kernel running the C original
# (docs/qemu.md).  Needs DragonFly's source: DFLY_MIRROR (a git clone) or
# DFLY_SRC (an extracted tree); without either both targets say so and
# succeed (CI has neither).
#
#   make dfly-kernel DFLY_MIRROR=/path/to/dragonfly.git
#       config(8) and three kernels of tests/qemu/QEMUVMS from a scratch
#       copy of the tree at c2e7bb204e, in DFLY_WORK: stock (C vm_vmspace.c),
#       port (kmod.mk through docs/kernel.md's sys/conf/files entry), and
#       the self-check kernel (a known-wrong model-header object); then
#       checks the linked kernels (scripts/dfly/check-kernels.py).
#   make qemu-test DFLY_MIRROR=...
#       the guest program, a root image, GRUB ISOs; boots stock and port
#       with -smp 1 and -smp 4 and the self-check kernel; compares; writes
#       DFLY_WORK/qemu-report.md.  Last line `qemu-test: S scenarios, N
#       calls, D differences; panics: stock P1, port P2; smp: T threads x I
#       iterations, ok|FAILED`; fails on a difference, a panic, a failed
#       stress, or a self-check that sees nothing.
#   make qemu-ci
#       (CI) the guest program builds (for both revisions), shellcheck and py_compile of the
#       scripts, the report's unit test, the skip path.

# REV=22b7a3dbf6: the same from the tree at 22b7a3dbf6 (DragonFly 5.0's
# lock-free vm_vmspace.c) with the 2017 port (kmod.mk REV=22b7a3dbf6), in
# target/dfly-22b7a3dbf6; no self-check kernel (c2e7bb204e's); the guest
# program built for 5.0's struct malloc_type (docs/qemu.md, "Revisions").
DFLY_WORK   ?= $(if $(filter c2e7bb204e,$(REV)),target/dfly,target/dfly-$(REV))
DFLY_MIRROR ?=
DFLY_SRC    ?=
DFLY_REV    ?= $(REV)
export DFLY_WORK DFLY_MIRROR DFLY_SRC

QEMU_SH := $(wildcard scripts/dfly/*.sh tests/qemu/*.sh)
QEMU_PY := $(wildcard scripts/dfly/*.py)

.PHONY: dfly-kernel qemu-test qemu-ci
dfly-kernel:
	@DFLY_REV=$(DFLY_REV) sh scripts/dfly/kernels.sh

qemu-test: dfly-kernel
	@DFLY_REV=$(DFLY_REV) sh scripts/dfly/qemu-test.sh

qemu-ci: $(DEPS)
	@if [ -f tests/qemu/build.sh ]; then \
		mkdir -p target/qemu-ci && sh tests/qemu/build.sh target/qemu-ci/init && \
		echo "qemu-ci: guest program built (tests/qemu/build.sh)" && \
		sh tests/qemu/build.sh target/qemu-ci/init-22b7a3dbf6 22b7a3dbf6 && \
		echo "qemu-ci: guest program for 22b7a3dbf6 built (tests/qemu/build.sh OUT 22b7a3dbf6)"; \
	else echo "qemu-ci: tests/qemu/build.sh does not exist yet: no guest program to build"; fi
	shellcheck -x -s sh $(QEMU_SH)
	PYTHONPYCACHEPREFIX=$(abspath target/pycache) python3 -m py_compile $(QEMU_PY)
	@sh scripts/dfly/kernels.sh --entry kmod.mk | grep -q 'kmod.mk.*KERNEL_CFLAGS=$${CFLAGS:Q}' && \
		sh scripts/dfly/kernels.sh --entry VMSPACE_OBJ | grep -q 'cp $${VMSPACE_OBJ}' && \
		echo "qemu-ci: docs/kernel.md's two sys/conf/files entries found"
	@out=$$(env -u DFLY_MIRROR -u DFLY_SRC sh scripts/dfly/kernels.sh && \
		env -u DFLY_MIRROR -u DFLY_SRC sh scripts/dfly/qemu-test.sh) && \
		echo "$$out" | grep -c 'skipped: no DragonFly source' | grep -qx 2 && \
		echo "qemu-ci: without DragonFly's source both targets skip"
	@PYTHONDONTWRITEBYTECODE=1 python3 scripts/dfly/report_test.py

TEST_TARGETS += qemu-ci
