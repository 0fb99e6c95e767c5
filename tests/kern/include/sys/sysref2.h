/*
 * vmspace-rs userland model of DragonFly's <sys/sysref2.h>: vm_vmspace.c
 * includes it but uses no sysref, so nothing is modelled.
 */
#ifndef _SYS_SYSREF2_H_
#define _SYS_SYSREF2_H_

#include <sys/types.h>

#endif /* !_SYS_SYSREF2_H_ */
