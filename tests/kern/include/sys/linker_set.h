/*
 * vmspace-rs userland model of DragonFly's <sys/linker_set.h>: a linker set
 * is a section named set_<name> holding pointers; the linker provides
 * __start_set_<name> and __stop_set_<name> around it.
 */
#ifndef _SYS_LINKER_SET_H_
#define _SYS_LINKER_SET_H_

#include <sys/cdefs.h>

/* Keep set entries through --gc-sections (the model walks the sets). */
#if defined(__has_attribute)
#if __has_attribute(__retain__)
#define __model_retain	__attribute__((__retain__))
#endif
#endif
#ifndef __model_retain
#define __model_retain
#endif

#define __MAKE_SET(set, sym)						\
	__GLOBL(__CONCAT(__start_set_, set));				\
	__GLOBL(__CONCAT(__stop_set_, set));				\
	static void const * const __set_##set##_sym_##sym		\
	__section("set_" #set) __used __model_retain = &sym

#define DATA_SET(set, sym)	__MAKE_SET(set, sym)
#define TEXT_SET(set, sym)	__MAKE_SET(set, sym)

#endif /* !_SYS_LINKER_SET_H_ */
