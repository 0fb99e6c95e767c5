/*
 * vmspace-rs userland model of DragonFly's <sys/lock.h>: the lockmgr lock
 * that protects a vm_map.  The model implements shared and exclusive
 * acquisition (a contended acquisition waits, letting other threads run);
 * the field set is the model's, not DragonFly's.
 */
#ifndef _SYS_LOCK_H_
#define _SYS_LOCK_H_

#include <sys/types.h>

struct thread;

struct lock {
	u_int		lk_flags;
	int		lk_sharecount;		/* shared holders */
	int		lk_exclusivecount;	/* exclusive recursion */
	struct thread	*lk_lockholder;		/* exclusive holder */
	const char	*lk_wmesg;		/* resource sleeping on */
};

#define LK_TYPE_MASK	0x0000000f	/* type of lock sought */
#define LK_SHARED	0x00000001	/* shared lock */
#define LK_EXCLUSIVE	0x00000002	/* exclusive lock */
#define LK_RELEASE	0x00000006	/* release any type of lock */

#ifdef _KERNEL
void	lockinit(struct lock *, const char *wmesg, int timo, int flags);
int	lockmgr(struct lock *, u_int flags);
#endif

#endif /* !_SYS_LOCK_H_ */
