# vkernel(7) as the client: a simulated vkernel64's VMSPACE traffic replayed
# on the C original and the Rust port, compared op by op (docs/replay.md).
#
#   make replay                  default replay, classic and VMM paths
#   make replay REPLAY_ARGS=...  e.g. REPLAY_ARGS="--mode vmm --procs 500 --traps 80 --seed 7"
#   make replay-ci               the replay tests and a CI-sized replay

REPLAY_ARGS ?=

.PHONY: replay replay-ci
replay:
	cargo run -q -p harness --bin replay -- $(REPLAY_ARGS)

replay-ci:
	cargo test -p harness --quiet --test replay
	cargo run -q -p harness --bin replay -- --ci

TEST_TARGETS += replay-ci
