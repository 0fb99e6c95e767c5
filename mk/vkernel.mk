# A vkernel(7) -- DragonFly's kernel as a user program -- built from
# DragonFly's full VKERNEL64 config with DragonFly's own libc, booted with -d
# (no VMM) inside the QEMU guest of docs/qemu.md on the stock kernel and on
# the port's, running DragonFly's test/testcases and the project's programs
# (docs/vkernel.md).  Needs DragonFly's source: DFLY_MIRROR (a git clone) or
# DFLY_SRC (an extracted tree), as mk/qemu.mk; without either the targets
# say so and succeed (CI has neither).
#
#   make vkernel DFLY_MIRROR=/path/to/dragonfly.git
#       from a scratch copy of the tree at c2e7bb204e in VK_WORK: a DragonFly
#       sysroot, libc, libthread_xu, libm, libkvm, the start files, the
#       VKERNEL64 vkernel (static), the testcases and the project's programs
#       (scripts/vkernel/build.sh).
#   make vkernel-test DFLY_MIRROR=...
#       make dfly-kernel's stock and port kernels with options KTRACE and
#       _KPOSIX_PRIORITY_SCHEDULING; boots each with -smp 1 and -smp 2, the
#       vkernel inside running every case; the host counts the vkernel's
#       vmspace_* calls with ktrace(2).  Writes VK_WORK/vkernel-report.md.
#       Last line `vkernel-test: C cases, P pass on stock, P' pass on port,
#       D differ; vmspace calls: N (create ../destroy ../...); panics: stock
#       X, port Y`; fails on a difference, a panic or a run that did not
#       finish (scripts/vkernel/test.sh, report.py).
#   make vkernel-ci
#       (CI) shellcheck and py_compile of the scripts, the parsers' unit
#       test, the skip path.

VK_WORK ?= target/vkernel
export VK_WORK

VK_SH := $(wildcard scripts/vkernel/*.sh) scripts/vkernel/dfcc
VK_PY := $(wildcard scripts/vkernel/*.py)

.PHONY: vkernel vkernel-test vkernel-ci
vkernel:
	@sh scripts/vkernel/build.sh

vkernel-test: dfly-kernel vkernel
	@sh scripts/vkernel/test.sh

vkernel-ci: $(DEPS)
	shellcheck -x -s sh $(VK_SH)
	PYTHONPYCACHEPREFIX=$(abspath target/pycache) python3 -m py_compile $(VK_PY)
	@PYTHONDONTWRITEBYTECODE=1 python3 scripts/vkernel/vkernel_test.py
	@out=$$(env -u DFLY_MIRROR -u DFLY_SRC sh scripts/vkernel/build.sh && \
		env -u DFLY_MIRROR -u DFLY_SRC sh scripts/vkernel/test.sh) && \
		echo "$$out" | grep -c 'skipped: no DragonFly source' | grep -qx 2 && \
		echo "vkernel-ci: without DragonFly's source both targets skip"

TEST_TARGETS += vkernel-ci
