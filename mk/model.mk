# The userland model of the DragonFly kernel (tests/kern) and the core of the
# test harness (tests/harness): layout test, smoke test, model tests.
#
#   make model-test     cargo test -p harness (C original against the model)

.PHONY: model-test
ifeq ($(REV),c2e7bb204e)
model-test: $(DEPS)
	cargo test -p harness --quiet
else
# Another revision: the tests that do not encode c2e7bb204e's behaviour
# (layout against tests/kern/abi/x86_64@REV.json, model, smoke).
model-test: $(DEPS)
	nice cargo test -p harness --quiet $(HARNESS_FEATURES) $(REV_TARGET_DIR) --test layout --test model --test smoke --test directed_2017 --test contention
endif

TEST_TARGETS += model-test
