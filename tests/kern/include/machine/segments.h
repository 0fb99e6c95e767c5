/*
 * vmspace-rs userland model of DragonFly's <machine/segments.h> (x86_64):
 * selectors and the per-thread TLS save area.
 */
#ifndef _MACHINE_SEGMENTS_H_
#define _MACHINE_SEGMENTS_H_

#include <sys/tls.h>

#define SEL_KPL		0		/* kernel privilege level */
#define SEL_UPL		3		/* user privilege level */
#define GSEL(s, r)	(((s) << 3) | r)	/* a global selector */

#define GNULL_SEL	0	/* null descriptor */
#define GCODE_SEL	1	/* kernel code */
#define GDATA_SEL	2	/* kernel data */
#define GUCODE32_SEL	3	/* user 32 bit code */
#define GUDATA_SEL	4	/* user 32/64 bit data */
#define GUCODE_SEL	5	/* user 64 bit code */
#define GPROC0_SEL	6	/* TSS */
#define GUGS32_SEL	8	/* user 32 bit GS */
#define NGDT		9

/* TLS descriptors saved per thread (fs and gs bases). */
struct savetls {
	struct tls_info info[2];
};

#endif /* !_MACHINE_SEGMENTS_H_ */
