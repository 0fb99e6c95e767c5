# vkernel(7) as the client: a simulated vkernel64's VMSPACE traffic replayed
# on the C original and the Rust port, compared op by op (docs/replay.md).
#
#   make replay                  default replay, classic and VMM paths
#   make replay REPLAY_ARGS=...  e.g. REPLAY_ARGS="--mode vmm --procs 500 --traps 80 --seed 7"
#   make replay-ci               the replay tests and a CI-sized replay

REPLAY_ARGS ?=

.PHONY: replay replay-ci
REPLAY := cargo run -q -p harness $(HARNESS_FEATURES) $(REV_TARGET_DIR) --bin replay --

replay: $(DEPS)
	$(REPLAY) $(REPLAY_ARGS)

ifeq ($(REV),c2e7bb204e)
replay-ci: $(DEPS)
	cargo test -p harness --quiet --test replay
	$(REPLAY) --ci
else
replay-ci: $(DEPS)
	$(REPLAY) --ci
endif

TEST_TARGETS += replay-ci
