# The drop-in kernel object (docs/kernel.md).
#
#   make kernel [SYSDIR=/path/to/dragonfly/sys] [INVARIANTS=1]
#       obj/vm_vmspace.o: the Rust port for x86_64-unknown-none and the C
#       shim, linked into one relocatable object.  Without SYSDIR it is
#       built against the model headers (tests/kern/include).
#   make kernel-check [SYSDIR=...]
#       builds it, then inspects it (symbols, instructions, relocations,
#       sections, sizes, stack frames); last line `kernel-check: ok`.
#   make port-clippy
#       clippy on the port (host, feature userland), warnings are errors.

KERNEL_OBJ := obj/vm_vmspace.o

.PHONY: kernel kernel-check port-clippy
kernel:
	@mkdir -p obj
	@SYSDIR="$(SYSDIR)" INVARIANTS="$(INVARIANTS)" sh scripts/kernel-build.sh $(KERNEL_OBJ)

kernel-check: kernel
	@python3 scripts/kernel-check.py $(KERNEL_OBJ) $(ABI)

port-clippy:
	cargo clippy -p vmspace --all-targets --features userland -- -D warnings
	cargo clippy -p vmspace --all-targets --features userland,invariants -- -D warnings
	@echo "port-clippy: clean"

TEST_TARGETS += kernel-check port-clippy
