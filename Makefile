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
ABI       = $(SHARED)/dragonfly-abi

# REV selects the revision of vm_vmspace.c (docs/model.md): c2e7bb204e (the
# reference), 22b7a3dbf6 or d95d5e03dc (../shared/reference/upstream/).  It
# sets the default REFERENCE and the model headers' layouts and imports.
# The port exists for c2e7bb204e and 22b7a3dbf6 (cargo feature
# rev-22b7a3dbf6); REV=d95d5e03dc builds the harness without the port
# (--no-default-features): diff, sched and replay then run the C original
# alone.  Every REV but the reference has its own target dir target/rev-REV.
REV      ?= c2e7bb204e
REFERENCE_OF_REV = $(if $(filter c2e7bb204e,$(REV)),$(SHARED)/reference/vm_vmspace.c,$(SHARED)/reference/upstream/vm_vmspace@$(REV).c)
ifneq ($(origin REFERENCE),command line)
REFERENCE = $(REFERENCE_OF_REV)
endif
ifeq ($(REV),c2e7bb204e)
HARNESS_FEATURES := --features port
PORT_FEATURES    :=
REV_TARGET_DIR   :=
else ifeq ($(REV),22b7a3dbf6)
HARNESS_FEATURES := --features rev-22b7a3dbf6
PORT_FEATURES    := rev-22b7a3dbf6
REV_TARGET_DIR   := --target-dir target/rev-$(REV)
else
HARNESS_FEATURES := --no-default-features
PORT_FEATURES    :=
REV_TARGET_DIR   := --target-dir target/rev-$(REV)
endif
export SHARED REFERENCE ABI PORT_FEATURES
ifneq ($(REV),c2e7bb204e)
export REV
endif

TEST_TARGETS :=

.PHONY: all test deps
all: test

deps:
	@sh scripts/deps.sh

# Every target that builds or runs something depends on $(DEPS), so that the
# first command on a fresh machine installs what it needs. `make test` runs
# deps once and tells its sub-makes so (VMSPACE_DEPS_DONE=1).
DEPS := $(if $(VMSPACE_DEPS_DONE),,deps)

include mk/*.mk

test: deps
	@set -e; for t in $(TEST_TARGETS); do echo "== make $$t"; $(MAKE) --no-print-directory VMSPACE_DEPS_DONE=1 $$t; done
	@echo "make test: all of $(TEST_TARGETS) passed"
