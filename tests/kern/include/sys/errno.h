/*
 * vmspace-rs userland model of DragonFly's <sys/errno.h>: the BSD errno
 * values (kernel view, including the in-kernel pseudo errors).
 */
#ifndef _SYS_ERRNO_H_
#define _SYS_ERRNO_H_

#define EPERM		1
#define ENOENT		2
#define ESRCH		3
#define EINTR		4
#define EIO		5
#define ENXIO		6
#define E2BIG		7
#define ENOEXEC		8
#define EBADF		9
#define ECHILD		10
#define EDEADLK		11
#define ENOMEM		12
#define EACCES		13
#define EFAULT		14
#define ENOTBLK		15
#define EBUSY		16
#define EEXIST		17
#define EXDEV		18
#define ENODEV		19
#define ENOTDIR		20
#define EISDIR		21
#define EINVAL		22
#define ENFILE		23
#define EMFILE		24
#define ENOTTY		25
#define ETXTBSY		26
#define EFBIG		27
#define ENOSPC		28
#define ESPIPE		29
#define EROFS		30
#define EMLINK		31
#define EPIPE		32
#define EDOM		33
#define ERANGE		34
#define EAGAIN		35
#define EWOULDBLOCK	EAGAIN
#define EINPROGRESS	36
#define EALREADY	37
#define ENOTSOCK	38
#define EDESTADDRREQ	39
#define EMSGSIZE	40
#define EPROTOTYPE	41
#define ENOPROTOOPT	42
#define EPROTONOSUPPORT	43
#define ESOCKTNOSUPPORT	44
#define EOPNOTSUPP	45
#define ENOTSUP		EOPNOTSUPP
#define EOVERFLOW	84
#define ENOSYS		78

#ifdef _KERNEL
/* pseudo-errors returned inside the kernel to modify return to process */
#define ERESTART	(-1)	/* restart syscall */
#define EJUSTRETURN	(-2)	/* don't modify regs, just return */
#define ENOIOCTL	(-3)	/* ioctl not handled by this layer */
#define EASYNC		(-4)	/* return value for async syscalls */
#endif

#endif /* !_SYS_ERRNO_H_ */
