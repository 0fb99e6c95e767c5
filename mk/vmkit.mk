# tests/vm: the kit that runs vkernel(7)'s regression suite on a DragonFly
# machine (docs/vm-kit.md).  It cannot run here; CI checks its scripts as
# POSIX sh: syntax (sh -n) and shellcheck -s sh.

VMKIT_SCRIPTS := $(wildcard tests/vm/*.sh)

.PHONY: vmkit-check
vmkit-check: $(DEPS)
	@test -n "$(VMKIT_SCRIPTS)" || { echo "vmkit-check: no scripts in tests/vm"; exit 1; }
	@set -e; for f in $(VMKIT_SCRIPTS); do sh -n "$$f"; done
	shellcheck -s sh $(VMKIT_SCRIPTS)
	@echo "vmkit-check: $(VMKIT_SCRIPTS): sh -n and shellcheck -s sh clean"

TEST_TARGETS += vmkit-check
