/*
 * vmspace-rs userland model of DragonFly's <sys/spinlock.h>: the structure
 * only; the model's RB_SCAN lock functions take it (see sys/tree.h).
 */
#ifndef _SYS_SPINLOCK_H_
#define _SYS_SPINLOCK_H_

#include <sys/cdefs.h>

#ifdef MODEL_REV_2017
/* 8 bytes, alignment 4 (no descr) from 2017. */
struct spinlock {
	int		counta;
	int		countb;
};

#define SPINLOCK_INITIALIZER(head, d)	{ 0, 0 }
#else
struct spinlock {
	int		counta;
	int		countb;
	const char	*descr;
};

#define SPINLOCK_INITIALIZER(head, d)	{ 0, 0, #d }
#endif

#endif /* !_SYS_SPINLOCK_H_ */
