/*
 * vmspace-rs userland model of DragonFly's <machine/vframe.h> (x86_64): the
 * extended context a virtual kernel passes to vmspace_ctl().
 */
#ifndef _MACHINE_VFRAME_H_
#define _MACHINE_VFRAME_H_

#include <machine/segments.h>

struct vextframe {
	struct savetls	vx_tls;
};

#endif /* !_MACHINE_VFRAME_H_ */
