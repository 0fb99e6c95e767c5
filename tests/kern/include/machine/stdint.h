/*
 * vmspace-rs userland model of DragonFly's <machine/stdint.h> (x86_64): the
 * fixed-width integer types, written out so that no libc header is needed.
 */
#ifndef _MACHINE_STDINT_H_
#define _MACHINE_STDINT_H_

typedef signed char		__int8_t;
typedef unsigned char		__uint8_t;
typedef short			__int16_t;
typedef unsigned short		__uint16_t;
typedef int			__int32_t;
typedef unsigned int		__uint32_t;
typedef long			__int64_t;
typedef unsigned long		__uint64_t;
typedef long			__intptr_t;
typedef unsigned long		__uintptr_t;
typedef __int64_t		__intmax_t;
typedef __uint64_t		__uintmax_t;
typedef __int64_t		__register_t;
typedef __uint64_t		__size_t;
typedef __int64_t		__ssize_t;
typedef __int64_t		__off_t;
typedef long			__ptrdiff_t;

#endif /* !_MACHINE_STDINT_H_ */
