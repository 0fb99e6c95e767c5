# Cost: the Rust port beside the C original (docs/bench.md).
#
#   make bench [SYSDIR=...] [REV=22b7a3dbf6]
#       instructions per call of every workload for both implementations
#       (callgrind, self cost of each one's own functions), wall-clock per
#       call, the kernel object's .text/.data and stack frames beside the C
#       original's (make kernel's object: obj/vm_vmspace.o with SYSDIR,
#       else obj/vm_vmspace.model.o, and the report says which); writes
#       bench/report.md and bench/ratios.png.  Last line:
#       `bench: worst instruction ratio R (...), text ratio T, worst stack
#       ratio K (...)`.  Not part of make test (it prints figures, it does
#       not pass or fail on them).
#
#       REV=22b7a3dbf6: the port of that revision (HARNESS_FEATURES: feature
#       rev-22b7a3dbf6; its own target dir target/bench-22b7a3dbf6) beside
#       its C (REFERENCE, compiled with -DMODEL_REV_22b7a3dbf6 by the
#       harness's build.rs), its object's facts from
#       tests/kern/abi/22b7a3dbf6/; writes bench/report-22b7a3dbf6.md and
#       bench/ratios-22b7a3dbf6.png, the same last line.

.PHONY: bench
bench: $(DEPS) kernel
	@REV=$(REV) BENCH_FEATURES="$(HARNESS_FEATURES)" sh scripts/bench.sh $(KERNEL_OBJ)
