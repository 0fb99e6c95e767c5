/*
 * vmspace-rs userland model of DragonFly's <sys/sysctl.h>: vm_vmspace.c
 * includes it but declares no sysctl, so nothing is modelled.
 */
#ifndef _SYS_SYSCTL_H_
#define _SYS_SYSCTL_H_

#include <sys/types.h>

#endif /* !_SYS_SYSCTL_H_ */
