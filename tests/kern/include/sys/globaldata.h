/*
 * vmspace-rs userland model of DragonFly's <sys/globaldata.h>: the per-cpu
 * structure, with the leading fields of DragonFly's layout.
 */
#ifndef _SYS_GLOBALDATA_H_
#define _SYS_GLOBALDATA_H_

#include <sys/types.h>
#include <sys/thread.h>

struct privatespace;

struct globaldata {
	struct privatespace *gd_prvspace;	/* self-reference */
	struct thread	*gd_curthread;
	struct thread	*gd_freetd;		/* cache one free td */
	__uint32_t	gd_reqflags;
	long		gd_flags;
	char		gd_model_pad0[32];	/* gd_tdallq, gd_tdrunq */
	__uint32_t	gd_cpuid;
};

typedef struct globaldata *globaldata_t;

#endif /* !_SYS_GLOBALDATA_H_ */
