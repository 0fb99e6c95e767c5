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

/* functional.c: the "exec" scenario's second half, in the exec'ed image
   (/sbin/init started with argv[1] == EXEC_CHILD_ARG) */
#define EXEC_CHILD_ARG	"exec-child"
void exec_child(void) __attribute__((noreturn));

/* stress.c: SMP stress (hw.ncpu > 1); fills sh->stress_* */
void stress_run(void);

/* bench.c: cycles per operation (hw.ncpu == 1) */
void bench_run(void);

#endif
