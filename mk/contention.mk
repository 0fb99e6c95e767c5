# Token contention, the figure for why the 2017 rewrite exists
# (docs/contention.md): in the SMP model, N threads of one vkernel doing
# VMSPACE_CTL_RUN/trap round trips and map calls, the number of times a
# thread waits for vkp->token or vmspace_token, c2e7bb204e vs. 22b7a3dbf6.
#
#   make contention [CONTENTION_SEEDS=200] [CONTENTION_ROUNDS=4]
#                   [CONTENTION_THREADS=1,2,4,8] [CONTENTION_IMPL=c|rust|all]
#       builds the harness's `contention` binary once per revision of
#       CONTENTION_REVS (each its own C original and model headers, target
#       dir target/contention-REV), runs CONTENTION_SEEDS random schedules
#       per N, prints each revision's table, writes bench/contention.md and
#       bench/contention.png; last line `contention: N=8: waits per run on
#       vkp->token + vmspace_token: ...`.  Fails if a run breaks a sched
#       invariant.  Not part of make test (it measures; about 10 s plus the
#       builds).
#
# The C originals alone by default (CONTENTION_FEATURES=--no-default-features,
# CONTENTION_IMPL=c).  Once the port of a revision exists, the port's figures
# come from the same binary: CONTENTION_FEATURES="--features port"
# CONTENTION_IMPL=all (both implementations of each revision).

CONTENTION_REVS     ?= c2e7bb204e 22b7a3dbf6
CONTENTION_SEEDS    ?= 200
CONTENTION_ROUNDS   ?= 4
CONTENTION_THREADS  ?= 1,2,4,8
CONTENTION_SEED     ?= 1
CONTENTION_IMPL     ?= c
CONTENTION_FEATURES ?= --no-default-features
CONTENTION_OUT      ?= bench

.PHONY: contention
contention: $(DEPS)
	@mkdir -p target/contention $(CONTENTION_OUT)
	@set -e; for r in $(CONTENTION_REVS); do \
		echo "contention: building for REV=$$r"; \
		REFERENCE= REV=$$r nice cargo build --quiet --release -p harness $(CONTENTION_FEATURES) \
			--bin contention --target-dir target/contention-$$r; \
		REV=$$r target/contention-$$r/release/contention --threads $(CONTENTION_THREADS) \
			--rounds $(CONTENTION_ROUNDS) --seeds $(CONTENTION_SEEDS) --seed $(CONTENTION_SEED) \
			--impl $(CONTENTION_IMPL) --tsv target/contention/$$r.tsv; \
	done
	@"$${PYTHON:-/usr/bin/python3}" scripts/contention-report.py --out $(CONTENTION_OUT) \
		--about "$(CONTENTION_SEEDS) random schedules per N (seeds $(CONTENTION_SEED)..), $(CONTENTION_ROUNDS) round trips and $(CONTENTION_ROUNDS) map calls per thread, 4 VMSPACEs." \
		$(foreach r,$(CONTENTION_REVS),target/contention/$(r).tsv)
