/*
 * vmspace-rs userland model of DragonFly's <machine/limits.h> (x86_64).
 */
#ifndef _MACHINE_LIMITS_H_
#define _MACHINE_LIMITS_H_

#define CHAR_BIT	8
#define LONG_BIT	64
#define WORD_BIT	32
#define INT_MAX		0x7fffffff
#define INT_MIN		(-0x7fffffff - 1)
#define UINT_MAX	0xffffffffU
#define LONG_MAX	0x7fffffffffffffffL
#define LONG_MIN	(-0x7fffffffffffffffL - 1)
#define ULONG_MAX	0xffffffffffffffffUL

#endif /* !_MACHINE_LIMITS_H_ */
