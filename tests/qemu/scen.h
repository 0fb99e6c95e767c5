/*
 * scen.h: the parts main.c runs.  Every scenario runs in a process of its
 * own, forked from init (which never becomes a vkernel process), so that a
 * scenario starts without a vkernel_proc, its exit tears everything down
 * (vkernel_exit), and init can check the malloc accounting after each.
 */
#ifndef VMT_SCEN_H
#define VMT_SCEN_H

struct scenario {
	const char *name;
	void (*run)(void);
	int warnings;	/* "killed with active VC!" console lines its exit causes */
};

/* functional.c: the scenarios, in order; sc_disabled runs before init sets
   vm.vkernel_enable=1 */
extern const struct scenario scenarios[];
extern const int nscenarios;

#ifdef VMT_REV_22B7A3DBF6
/* At 22b7a3dbf6 `busy` is not in scenarios[] but runs last, after the
   stress or the bench: the C original's vmspace_destroy keeps the active
   reference its EBUSY took (upstream's bug, the port's one allowed
   divergence destroy-ebusy-leak), so on the stock kernel the entry can
   never be destroyed and the process's exit panics in rb_vmspace_delete.
   Everything before it compares as at c2e7bb204e; qemu-test's report
   classifies what follows the marker line (docs/qemu-guest.md). */
extern const struct scenario scenario_busy;
#define KNOWN_DIVERGENCE_MARKER "vmtest: known-divergence destroy-ebusy-leak: " \
	"scenario busy runs last (22b7a3dbf6's destroy keeps the reference " \
	"of a refused destroy; the stock kernel panics at the process's exit)\n"
#endif

/* functional.c: the "exec" scenario's second half, in the exec'ed image
   (/sbin/init started with argv[1] == EXEC_CHILD_ARG) */
#define EXEC_CHILD_ARG	"exec-child"
void exec_child(void) __attribute__((noreturn));

/* stress.c: SMP stress (hw.ncpu > 1); fills sh->stress_* */
void stress_run(void);

/* bench.c: cycles per operation (hw.ncpu == 1) */
void bench_run(void);

#endif
