# The drop-in kernel object (docs/kernel.md).
#
#   make kernel SYSDIR=/path/to/dragonfly/sys [INVARIANTS=1]
#       obj/vm_vmspace.o: the Rust port for x86_64-unknown-none and the C
#       shim, linked into one relocatable object.
#   make kernel
#       without SYSDIR: obj/vm_vmspace.model.o, the same against the model
#       headers (tests/kern/include).  No kernel object: a kernel linked
#       with it uses the model's layouts.
#   make kernel-check [SYSDIR=...]
#       builds it, then inspects it (symbols, instructions, relocations,
#       sections, sizes, stack frames; with SYSDIR, the layouts the C
#       original uses against SYSDIR and against the model headers).  Last
#       line `kernel-check: ok` only with SYSDIR.
#   make port-clippy
#       clippy on the port (host, feature userland), warnings are errors.
#   make fmt-check
#       cargo fmt --check over the workspace (style: rustfmt.toml).
#   make compile-fail
#       the safe layer's refusals: each snippet of tests/compile_fail is
#       refused at its marked lines and compiles without them.

KERNEL_OBJ := $(if $(strip $(SYSDIR)$(KERNEL_CFLAGS)),obj/vm_vmspace.o,obj/vm_vmspace.model.o)

.PHONY: kernel kernel-check port-clippy fmt-check compile-fail
kernel: $(DEPS)
	@mkdir -p obj
	@SYSDIR="$(SYSDIR)" INVARIANTS="$(INVARIANTS)" sh scripts/kernel-build.sh $(KERNEL_OBJ)

kernel-check: kernel
	@SYSDIR="$(SYSDIR)" INVARIANTS="$(INVARIANTS)" python3 scripts/kernel-check.py $(KERNEL_OBJ) $(ABI)

port-clippy: $(DEPS)
	cargo clippy -p vmspace --all-targets --features userland -- -D warnings
	cargo clippy -p vmspace --all-targets --features userland,invariants -- -D warnings
	@echo "port-clippy: clean"

fmt-check: $(DEPS)
	cargo fmt --all --check
	@echo "fmt-check: cargo fmt --check clean"

compile-fail: $(DEPS)
	@python3 scripts/compile-fail.py

TEST_TARGETS += kernel-check port-clippy fmt-check compile-fail
