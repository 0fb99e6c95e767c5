/*
 * vmspace-rs userland model of DragonFly's <sys/cdefs.h>: the compiler
 * attribute and token macros the model headers and vm_vmspace.c use.
 */
#ifndef _SYS_CDEFS_H_
#define _SYS_CDEFS_H_

#define __BEGIN_DECLS
#define __END_DECLS

#define __CONCAT1(x, y)		x ## y
#define __CONCAT(x, y)		__CONCAT1(x, y)
#define __STRING(x)		#x
#define __XSTRING(x)		__STRING(x)

#define __dead2			__attribute__((__noreturn__))
#define __pure2			__attribute__((__const__))
#define __unused		__attribute__((__unused__))
#define __used			__attribute__((__used__))
#define __packed		__attribute__((__packed__))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __section(x)		__attribute__((__section__(x)))
#define __printflike(fmtarg, firstvararg) \
	__attribute__((__format__(__printf__, fmtarg, firstvararg)))
#define __nonnull(x)		__attribute__((__nonnull__(x)))
#define __malloclike		__attribute__((__malloc__))
#define __heedresult		__attribute__((__warn_unused_result__))
#define __alloc_size(x)		__attribute__((__alloc_size__(x)))
#define __predict_true(exp)	__builtin_expect(!!(exp), 1)
#define __predict_false(exp)	__builtin_expect(!!(exp), 0)
#define __offsetof(type, field)	__builtin_offsetof(type, field)
#define __arysize(ary)		(sizeof(ary) / sizeof((ary)[0]))

/* Make a symbol global from assembly (linker sets use it). */
#define __GLOBL1(sym)		__asm__(".globl " #sym)
#define __GLOBL(sym)		__GLOBL1(sym)

/*
 * Model only, not in DragonFly: which revision of vm_vmspace.c the model
 * headers follow (layouts and imports).  The build passes
 * -DMODEL_REV_<commit> for a later revision; none is the reference,
 * c2e7bb204e.  MODEL_REV_2017 is set for both January 2017 revisions
 * (d95d5e03dc, 22b7a3dbf6): per-LWP entry cache, shared tokens, no
 * vmspace_token, 8-byte spinlock.
 */
#if defined(MODEL_REV_d95d5e03dc) && defined(MODEL_REV_22b7a3dbf6)
#error "one MODEL_REV_<commit> at most"
#endif
#if defined(MODEL_REV_d95d5e03dc) || defined(MODEL_REV_22b7a3dbf6)
#define MODEL_REV_2017	1
#endif

#endif /* !_SYS_CDEFS_H_ */
