/*
 * vmspace-rs userland model of DragonFly's <sys/vmspace.h>: vmspace_ctl()
 * commands and the user-level system call prototypes.
 */
#ifndef _SYS_VMSPACE_H_
#define _SYS_VMSPACE_H_

#include <sys/types.h>

struct trapframe;
struct vextframe;

#define VMSPACE_CTL_RUN		1

#define VMSPACE_PAGEFAULT	1
#define VMSPACE_TIMEOUT		2
#define VMSPACE_TRAP		3
#define VMSPACE_SYSCALL		4

#ifndef _KERNEL
int	vmspace_create(void *, int, void *);
int	vmspace_destroy(void *);
int	vmspace_ctl(void *, int, struct trapframe *, struct vextframe *);
void	*vmspace_mmap(void *, void *, size_t, int, int, int, off_t);
int	vmspace_munmap(void *, void *, size_t);
int	vmspace_mcontrol(void *, void *, size_t, int, off_t);
ssize_t	vmspace_pread(void *, void *, size_t, int, off_t);
ssize_t	vmspace_pwrite(void *, const void *, size_t, int, off_t);
#endif

#endif /* !_SYS_VMSPACE_H_ */
