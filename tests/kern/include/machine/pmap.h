/*
 * vmspace-rs userland model of DragonFly's <machine/pmap.h> (pc64): the
 * physical map of a vmspace.  The model maps no pages; it records what was
 * asked of the pmap (pmap_pinit2, removals, the cpus it is active on).
 */
#ifndef _MACHINE_PMAP_H_
#define _MACHINE_PMAP_H_

#include <sys/types.h>
#include <sys/thread.h>

#define PGEX_FPFAULT	0x80	/* vkernel FP fault (tf_xflags) */

struct pmap_statistics {
	long	resident_count;		/* pages mapped */
	long	wired_count;		/* pages wired */
};

struct pmap {
	struct {
		struct pmap	*tqe_next;
		struct pmap	**tqe_prev;
	} pm_pmnode;			/* pmap_list link (pmap_pinit2) */
	cpumask_t		pm_active;	/* cpus using this pmap */
	struct pmap_statistics	pm_stats;
	struct lwkt_token	pm_token;
	int			pm_model_pinit;	 /* pmap_pinit() done */
	int			pm_model_pinit2; /* pmap_pinit2() done */
	long			pm_model_removes; /* ranges removed */
};

#endif /* !_MACHINE_PMAP_H_ */
