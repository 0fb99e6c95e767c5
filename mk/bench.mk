# Cost: the Rust port beside the C original (docs/bench.md).
#
#   make bench [SYSDIR=...]
#       instructions per call of every workload for both implementations
#       (callgrind, self cost of each one's own functions), wall-clock per
#       call, the kernel object's .text/.data and stack frames beside the C
#       original's (make kernel's object: obj/vm_vmspace.o with SYSDIR,
#       else obj/vm_vmspace.model.o, and the report says which); writes
#       bench/report.md and bench/ratios.png.  Last line:
#       `bench: worst instruction ratio R (...), text ratio T, worst stack
#       ratio K (...)`.  Not part of make test (it prints figures, it does
#       not pass or fail on them).

.PHONY: bench
bench: $(DEPS) kernel
	@sh scripts/bench.sh $(KERNEL_OBJ)
