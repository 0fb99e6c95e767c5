/*
 * vmspace-rs userland model of DragonFly's <sys/param.h>.
 */
#ifndef _SYS_PARAM_H_
#define _SYS_PARAM_H_

#include <sys/types.h>
#include <sys/errno.h>
#include <machine/param.h>
#include <machine/limits.h>

#define MAXCOMLEN	16
#define NBBY		8

#ifndef FALSE
#define FALSE		0
#endif
#ifndef TRUE
#define TRUE		1
#endif

#define howmany(x, y)	(((x) + ((y) - 1)) / (y))
#define roundup(x, y)	((((x) + ((y) - 1)) / (y)) * (y))
#define MIN(a, b)	(((a) < (b)) ? (a) : (b))
#define MAX(a, b)	(((a) > (b)) ? (a) : (b))

#endif /* !_SYS_PARAM_H_ */
