# vmspace-rs: top-level targets. Each area adds its own targets in mk/*.mk and
# appends what `make test` must run to TEST_TARGETS.
#
#   make test            everything CI runs (installs missing packages first)
#   make diff            differential run: C original vs. Rust port
#   make kernel SYSDIR=  the drop-in kernel object obj/vm_vmspace.o (without
#                        SYSDIR: obj/vm_vmspace.model.o, never a kernel's)
#   make kernel-check    inspects it; with SYSDIR, the layout check too
#   make coverage        gcov of the C original under the directed tests
#   make sched           SMP schedule exploration
#   make bench           cost: Rust vs. C
#   make replay          vkernel(7) workload replay

SHARED   ?= $(abspath ../shared)
REFERENCE = $(SHARED)/reference/vm_vmspace.c
ABI       = $(SHARED)/dragonfly-abi
export SHARED REFERENCE ABI

TEST_TARGETS :=

.PHONY: all test deps
all: test

deps:
	@sh scripts/deps.sh

include mk/*.mk

test: deps
	@set -e; for t in $(TEST_TARGETS); do echo "== make $$t"; $(MAKE) --no-print-directory $$t; done
	@echo "make test: all of $(TEST_TARGETS) passed"
