# The port of 22b7a3dbf6 in CI (README, "Revisions"): the CI-sized runs of
# the reference's targets, at REV=22b7a3dbf6 (the 2017 C original beside the
# 2017 port).  sched-ci-22b7 is in mk/sched.mk.
#
#   make rev-ci-22b7
#       kernel-check against the 2017 model headers and the 2017 C object's
#       facts, diff-ci (DIFF_CI_STEPS_22B7 steps, coverage of the 2017 C),
#       replay-ci.

DIFF_CI_STEPS_22B7 ?= 300000

.PHONY: rev-ci-22b7
rev-ci-22b7: $(DEPS)
	@$(MAKE) --no-print-directory kernel-check REV=22b7a3dbf6
	@$(MAKE) --no-print-directory diff-ci REV=22b7a3dbf6 DIFF_CI_STEPS=$(DIFF_CI_STEPS_22B7)
	@$(MAKE) --no-print-directory replay-ci REV=22b7a3dbf6

TEST_TARGETS += rev-ci-22b7
