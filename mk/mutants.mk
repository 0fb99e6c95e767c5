# Mutation testing of the port (docs/mutants.md).
#
#   make mutants [MUTANTS_JOBS=2] [MUTANTS_SHARD=k/n]
#       cargo-mutants over sys/vm/vm_vmspace.rs and sys/kern (unsafe fns
#       included: scripts/mutants/run.py), each mutant built and tested with
#       tests/harness/tests/mutants_directed.rs's gate: the directed set, a
#       short differential run, the CI replays, the CI sched exploration,
#       cheapest first.  Last line `mutants: N tested, K killed, S survived,
#       U unviable`; fails if a survivor is not explained in docs/mutants.md.
#   make mutants-summary   the last run's outcomes again
#   make mutants-ci        one fixed shard, MUTANTS_CI_SHARD (0/20,
#                          round-robin: about 12 mutants), same checks:
#                          3-5 min, plus about 5 min to install
#                          cargo-mutants on a fresh machine; not in make
#                          test, whose 30-minute budget it would strain
#   make planted-check     (mk/diff.mk) the four hand-written wrong ports of
#                          scripts/mutants/planted.toml, each caught
#
# cargo-mutants is installed by `sh scripts/deps.sh mutants` (pinned) when
# missing; nothing else needs it.

MUTANTS_JOBS  ?= 2
MUTANTS_SHARD ?=
MUTANTS_CI_SHARD ?= 0/20

.PHONY: mutants mutants-deps mutants-summary mutants-ci
mutants-deps: $(DEPS)
	@sh scripts/deps.sh mutants

mutants: mutants-deps
	MUTANTS_JOBS=$(MUTANTS_JOBS) MUTANTS_SHARD=$(MUTANTS_SHARD) nice -n 5 python3 scripts/mutants/run.py

mutants-summary:
	@python3 scripts/mutants/run.py --summary-only

mutants-ci: mutants-deps
	MUTANTS_JOBS=$(MUTANTS_JOBS) MUTANTS_SHARD=$(MUTANTS_CI_SHARD) nice -n 5 python3 scripts/mutants/run.py

