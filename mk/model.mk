# The userland model of the DragonFly kernel (tests/kern) and the core of the
# test harness (tests/harness): layout test, smoke test, model tests.
#
#   make model-test     cargo test -p harness (C original against the model)

.PHONY: model-test
model-test:
	cargo test -p harness --quiet

TEST_TARGETS += model-test
