# ABI facts measured from a DragonFly sys/ tree (scripts/abi-facts.py,
# docs/model.md): sizes, alignments, offsets and constants of what
# vm_vmspace.c of a revision touches, in x86_64.json's format.
#
#   make abi-facts-check SYSDIR=/path/to/dragonfly/sys [REV=...]
#       measures REV's facts from SYSDIR and compares them with the
#       committed ones (../shared/dragonfly-abi/x86_64.json at c2e7bb204e,
#       tests/kern/abi/x86_64@REV.json at 22b7a3dbf6 and d95d5e03dc); last
#       line `abi-facts: REV: ok, ...`.  REV given on the command line or in
#       the environment is used, otherwise the revision of SYSDIR's
#       vm/vm_vmspace.c.  Without SYSDIR: a line saying it was skipped,
#       exit status 0.
#   make abi-facts SYSDIR=... [REV=...]
#       prints the measured facts (JSON, no `about`)

ABI_FACTS_REV = $(if $(filter command line environment environment override,$(origin REV)),--rev $(REV))

.PHONY: abi-facts abi-facts-check
abi-facts-check: $(DEPS)
	@if [ -z "$(SYSDIR)" ]; then \
		echo "abi-facts-check: skipped, no SYSDIR (make abi-facts-check SYSDIR=/path/to/dragonfly/sys [REV=...])"; \
	else \
		python3 scripts/abi-facts.py check "$(SYSDIR)" $(ABI_FACTS_REV); \
	fi

abi-facts: $(DEPS)
	@[ -n "$(SYSDIR)" ] || { echo "abi-facts: give SYSDIR=/path/to/dragonfly/sys" >&2; exit 1; }
	@python3 scripts/abi-facts.py measure "$(SYSDIR)" $(ABI_FACTS_REV)

TEST_TARGETS += abi-facts-check
