/*
 * vmspace-rs userland model of DragonFly's <sys/mman.h>.
 */
#ifndef _SYS_MMAN_H_
#define _SYS_MMAN_H_

#include <sys/types.h>

#define PROT_NONE	0x00	/* no permissions */
#define PROT_READ	0x01	/* pages can be read */
#define PROT_WRITE	0x02	/* pages can be written */
#define PROT_EXEC	0x04	/* pages can be executed */

#define MAP_SHARED	0x0001	/* share changes */
#define MAP_PRIVATE	0x0002	/* changes are private */
#define MAP_COPY	MAP_PRIVATE	/* obsolete */

#define MAP_FIXED	 0x0010	/* map addr must be exactly as requested */
#define MAP_RENAME	 0x0020	/* Sun: rename private pages to file */
#define MAP_NORESERVE	 0x0040	/* Sun: don't reserve needed swap area */
#define MAP_INHERIT	 0x0080	/* region is retained after exec */
#define MAP_NOEXTEND	 0x0100	/* for MAP_FILE, don't change file size */
#define MAP_HASSEMAPHORE 0x0200	/* region may contain semaphores */
#define MAP_STACK	 0x0400	/* region grows down, like a stack */
#define MAP_NOSYNC	 0x0800	/* page to but do not sync underlying file */

#define MAP_FILE	0x0000	/* map from file (default) */
#define MAP_ANON	0x1000	/* allocated from memory, swap space */
#define MAP_ANONYMOUS	MAP_ANON
#define MAP_VPAGETABLE	0x2000	/* manage with virtualized page table */

#define MAP_TRYFIXED	0x00010000 /* attempt hint address, even within heap */
#define MAP_NOCORE	0x00020000 /* dont include these pages in a coredump */
#define MAP_SIZEALIGN	0x00040000 /* size is also an alignment requirement */

#define MAP_FAILED	((void *)-1)

#define MADV_NORMAL	0	/* no further special treatment */
#define MADV_RANDOM	1	/* expect random page references */
#define MADV_SEQUENTIAL	2	/* expect sequential page references */
#define MADV_WILLNEED	3	/* will need these pages */
#define MADV_DONTNEED	4	/* dont need these pages */
#define MADV_FREE	5	/* dont need these pages, and junk contents */
#define MADV_NOSYNC	6	/* try to avoid flushes to physical media */
#define MADV_AUTOSYNC	7	/* revert to default flushing strategy */
#define MADV_NOCORE	8	/* do not include these pages in a core file */
#define MADV_CORE	9	/* revert to including pages in a core file */
#define MADV_INVAL	10	/* virt page tables have changed, inval pmap */
#define MADV_SETMAP	11	/* set page table directory page for map */

#define MADV_CONTROL_START	MADV_INVAL
#define MADV_CONTROL_END	MADV_SETMAP

#endif /* !_SYS_MMAN_H_ */
