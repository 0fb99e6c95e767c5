/*
 * vmspace-rs userland model of DragonFly's <sys/types.h>: the kernel types
 * the model headers use, defined without any libc header.
 */
#ifndef _SYS_TYPES_H_
#define _SYS_TYPES_H_

#include <sys/cdefs.h>
#include <machine/types.h>

typedef unsigned char	u_char;
typedef unsigned short	u_short;
typedef unsigned int	u_int;
typedef unsigned long	u_long;

typedef __uint8_t	u_int8_t;
typedef __uint16_t	u_int16_t;
typedef __uint32_t	u_int32_t;
typedef __uint64_t	u_int64_t;
typedef __int8_t	int8_t;
typedef __int16_t	int16_t;
typedef __int32_t	int32_t;
typedef __int64_t	int64_t;
typedef __uint8_t	uint8_t;
typedef __uint16_t	uint16_t;
typedef __uint32_t	uint32_t;
typedef __uint64_t	uint64_t;
typedef __intptr_t	intptr_t;
typedef __uintptr_t	uintptr_t;

#ifndef _SIZE_T_DECLARED
#define _SIZE_T_DECLARED
typedef __size_t	size_t;
#endif
typedef __ssize_t	ssize_t;
typedef __off_t		off_t;
typedef char		*caddr_t;
typedef const char	*c_caddr_t;
typedef int		pid_t;
typedef int		lwpid_t;
typedef __uint32_t	uid_t;
typedef __uint32_t	gid_t;
/* boolean_t: int until 2016, C99's _Bool from the 2017 revisions on
 * (<cpu/stdint.h>'s __boolean_t). */
#ifdef MODEL_REV_2017
typedef _Bool		boolean_t;
#else
typedef int		boolean_t;
#endif
typedef __uint32_t	fixpt_t;
typedef int		sysclock_t;

/* DragonFly's 256-cpu mask (four 64-bit words at this revision). */
typedef struct {
	__uint64_t	ary[4];
} __cpumask_t;
typedef __cpumask_t	cpumask_t;

#ifndef NULL
#define NULL		((void *)0)
#endif

#endif /* !_SYS_TYPES_H_ */
