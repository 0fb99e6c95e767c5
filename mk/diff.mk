# The differential harness: the C original against the Rust port
# (docs/diff.md).
#
#   make diff [DIFF_STEPS=n] [DIFF_SEED=s] [DIFF_WORKERS=w]
#       directed set + random scenarios until DIFF_STEPS steps ran (default
#       sized to about a minute on 2 cores), report with coverage of the C
#       original; last line `diff: S scenarios, N steps, D unexpected
#       divergences, lines L%, branches B%`; fails if D > 0.
#   make coverage
#       the directed tests with gcov on the C original; last line
#       `coverage: vm_vmspace.c lines L%, branches B%`.
#   make diff-ci        make diff with DIFF_CI_STEPS steps (CI)
#   make diff-ci-overflow
#       the diff with DIFF_OVERFLOW_STEPS steps, built with overflow checks
#       on (release, -C overflow-checks=on, no coverage, target dir
#       target/overflow): an arithmetic overflow in the port, the harness or
#       the generators aborts the run; the port must not depend on wrapping
#       the C does not do.
#   make planted-check  the harness catches deliberately wrong ports (applied
#                       to a scratch copy: scripts/mutants/planted.py)
#
# One build serves diff and coverage: release, the C original compiled
# --coverage -O0 (HARNESS_COVERAGE=1), in its own target dir.

DIFF_STEPS    ?= 3000000
DIFF_CI_STEPS ?= 1000000
DIFF_SEED     ?= 1
DIFF_WORKERS  ?= 2
DIFF_OVERFLOW_STEPS ?= 300000
ifeq ($(REV),c2e7bb204e)
DIFF_TDIR     := target/coverage
else
DIFF_TDIR     := target/coverage-$(REV)
endif
DIFF_BIN      := $(DIFF_TDIR)/release/diff
ifeq ($(REV),c2e7bb204e)
OVERFLOW_TDIR := target/overflow
else
OVERFLOW_TDIR := target/overflow-$(REV)
endif

.PHONY: diff diff-build diff-ci diff-ci-overflow coverage planted-check
diff-build: $(DEPS)
	HARNESS_COVERAGE=1 cargo build --quiet --release -p harness $(HARNESS_FEATURES) --bin diff --target-dir $(DIFF_TDIR)

diff: diff-build
	DIFF_STEPS=$(DIFF_STEPS) DIFF_SEED=$(DIFF_SEED) DIFF_WORKERS=$(DIFF_WORKERS) $(DIFF_BIN)

diff-ci: diff-build
	DIFF_STEPS=$(DIFF_CI_STEPS) DIFF_SEED=$(DIFF_SEED) DIFF_WORKERS=$(DIFF_WORKERS) $(DIFF_BIN)

diff-ci-overflow: $(DEPS)
	RUSTFLAGS="$(RUSTFLAGS) -C overflow-checks=on" cargo build --quiet --release -p harness $(HARNESS_FEATURES) --bin diff --target-dir $(OVERFLOW_TDIR)
	DIFF_STEPS=$(DIFF_OVERFLOW_STEPS) DIFF_SEED=$(DIFF_SEED) DIFF_WORKERS=$(DIFF_WORKERS) $(OVERFLOW_TDIR)/release/diff

coverage: diff-build
	$(DIFF_BIN) --coverage

# Each wrong port of scripts/mutants/planted.toml applied to a scratch copy
# (target/planted/src, never the working tree), tests/harness/tests/planted.rs
# run there; last line `planted-check: K of N wrong ports caught`.
planted-check: $(DEPS)
	python3 scripts/mutants/planted.py

TEST_TARGETS += coverage diff-ci diff-ci-overflow planted-check
