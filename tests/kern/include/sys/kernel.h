/*
 * vmspace-rs userland model of DragonFly's <sys/kernel.h>: SYSINIT and
 * SYSUNINIT, which put a struct sysinit into a linker set.  The model runs
 * the sysinit set when a world is created and the sysuninit set when it is
 * destroyed, as boot and module unload do.
 */
#ifndef _SYS_KERNEL_H_
#define _SYS_KERNEL_H_

#include <sys/types.h>
#include <sys/linker_set.h>

enum sysinit_sub_id {
	SI_SPECIAL_DUMMY	= 0x0000000,
	SI_BOOT1_KMALLOC	= 0x1600000,	/* kmalloc inits */
	SI_SUB_PSEUDO		= 0x7000000,
	SI_SUB_RUN_SCHEDULER	= 0xfffffff
};

enum sysinit_elem_order {
	SI_ORDER_FIRST		= 0x0000000,
	SI_ORDER_SECOND		= 0x0000001,
	SI_ORDER_MIDDLE		= 0x1000000,
	SI_ORDER_ANY		= 0xfffffff	/* last */
};

typedef void (*sysinit_nfunc_t)(void *);
typedef void (*sysinit_cfunc_t)(const void *);

struct sysinit {
	unsigned int	subsystem;	/* subsystem identifier */
	unsigned int	order;		/* init order within subsystem */
	sysinit_cfunc_t	func;		/* function */
	const void	*udata;		/* multiplexer/argument */
	const char	*name;
};

#define C_SYSINIT(uniquifier, subsystem, order, func, ident)		\
	static struct sysinit uniquifier ## _sys_init = {		\
		subsystem, order, func, ident, #uniquifier		\
	};								\
	DATA_SET(sysinit_set, uniquifier ## _sys_init)

#define SYSINIT(uniquifier, subsystem, order, func, ident)		\
	C_SYSINIT(uniquifier, subsystem, order,				\
	    (sysinit_cfunc_t)(sysinit_nfunc_t)func, (void *)ident)

#define C_SYSUNINIT(uniquifier, subsystem, order, func, ident)		\
	static struct sysinit uniquifier ## _sys_uninit = {		\
		subsystem, order, func, ident, #uniquifier		\
	};								\
	DATA_SET(sysuninit_set, uniquifier ## _sys_uninit)

#define SYSUNINIT(uniquifier, subsystem, order, func, ident)		\
	C_SYSUNINIT(uniquifier, subsystem, order,			\
	    (sysinit_cfunc_t)(sysinit_nfunc_t)func, (void *)ident)

#endif /* !_SYS_KERNEL_H_ */
