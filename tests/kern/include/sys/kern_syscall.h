/*
 * vmspace-rs userland model of DragonFly's <sys/kern_syscall.h>: the
 * in-kernel system call helpers vkernel uses.
 */
#ifndef _SYS_KERN_SYSCALL_H_
#define _SYS_KERN_SYSCALL_H_

#include <sys/types.h>

struct vmspace;

int	kern_mmap(struct vmspace *, caddr_t addr, size_t len,
		  int prot, int flags, int fd, off_t pos, void **res);

#endif /* !_SYS_KERN_SYSCALL_H_ */
