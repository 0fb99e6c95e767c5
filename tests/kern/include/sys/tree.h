/*
 * vmspace-rs userland model of DragonFly's <sys/tree.h>, red-black trees only.
 *
 * DragonFly's trees differ from the BSD ones in three ways, all kept here:
 *  - RB_HEAD has three fields: rbh_root, rbh_inprog (the scans in progress)
 *    and rbh_spin (a struct spinlock protecting rbh_inprog): 32 bytes.
 *  - RB_GENERATE also emits name_RB_SCAN, which calls back for every node in
 *    a range and stays valid when the callback removes the current node:
 *    name_RB_REMOVE advances every in-progress scan that points at the node
 *    being removed.  The scan list is linked and unlinked under
 *    rb_spin_lock()/rb_spin_unlock() (kernel functions).
 *  - There is no RB_NFIND; RB_PROTOTYPE2/RB_GENERATE2 add name_RB_LOOKUP.
 *
 * The balancing algorithm itself is libbsd's <bsd/sys/tree.h> (the same
 * NetBSD/OpenBSD code DragonFly's file derives from): its generated functions
 * only touch rbh_root and the RB_ENTRY fields, so they are instantiated under
 * an internal name (name_RB_BSD, a may_alias view of the head's first field)
 * and the DragonFly-named functions wrap them.  Declarations (RB_HEAD,
 * RB_ENTRY, RB_PROTOTYPE) do not need libbsd; only RB_GENERATE does, so a
 * compile that cannot see /usr/include (e.g. -nostdinc) can still read this
 * header, and fails with a clear message only if it instantiates a tree.
 */
#ifndef _SYS_TREE_H_
#define _SYS_TREE_H_

#include <sys/cdefs.h>
#include <sys/spinlock.h>

#if defined(__has_include)
#if __has_include(<bsd/sys/tree.h>)
#include <bsd/sys/tree.h>
#define _MODEL_TREE_HAVE_LIBBSD 1
#endif
#endif

/* libbsd's spellings of these differ from DragonFly's: replace them. */
#undef RB_HEAD
#undef RB_INITIALIZER
#undef RB_INIT
#undef RB_PROTOTYPE
#undef RB_PROTOTYPE_STATIC
#undef RB_GENERATE
#undef RB_GENERATE_STATIC
#undef RB_INSERT
#undef RB_REMOVE
#undef RB_FIND
#undef RB_NFIND
#undef RB_NEXT
#undef RB_PREV
#undef RB_MIN
#undef RB_MAX
#undef RB_FOREACH
#undef RB_FOREACH_FROM
#undef RB_FOREACH_SAFE
#undef RB_FOREACH_REVERSE
#undef RB_FOREACH_REVERSE_FROM
#undef RB_FOREACH_REVERSE_SAFE

void rb_spin_lock(struct spinlock *spin);
void rb_spin_unlock(struct spinlock *spin);

#define RB_SCAN_INFO(name, type)					\
struct name##_scan_info {						\
	struct name##_scan_info	*link;					\
	struct type		*node;					\
}

#define RB_HEAD(name, type)						\
struct name {								\
	struct type		*rbh_root;	/* root of the tree */	\
	struct name##_scan_info	*rbh_inprog;	/* scans in progress */	\
	struct spinlock		rbh_spin;	/* protects rbh_inprog */ \
}

#define RB_INITIALIZER(root)						\
	{ NULL, NULL, SPINLOCK_INITIALIZER(root.spin, "root.spin") }

/* As in DragonFly: rbh_spin is left alone. */
#define RB_INIT(root) do {						\
	(root)->rbh_root = NULL;					\
	(root)->rbh_inprog = NULL;					\
} while (0)

/*
 * Model instrumentation, not in DragonFly: in the host builds linked with
 * the model (INVARIANTS, not the kernel code model), every operation on a
 * tree head first calls name_RB_MODEL_CHECK(head, "op"), which the header
 * declaring the tree defines: vmspace_rb_tree's panics unless curthread holds
 * vkp->token (sys/vkernel.h), lwp_rb_tree's checks nothing (sys/proc.h).
 * Model threads switch only at kernel calls, so an unlocked tree operation
 * could never show as a race: it is checked instead.
 */
#if defined(_KERNEL) && defined(INVARIANTS) && !defined(__code_model_kernel__) && \
    !defined(MODEL_NO_ATOMIC_POINTS)
#define _MODEL_RB_CHECKS	1
#define RB_MODEL_CHECK(name, head, op)	name##_RB_MODEL_CHECK(head, op)
#else
#define RB_MODEL_CHECK(name, head, op)	((void)0)
#endif

#ifdef _KERNEL
#define RB_SCAN_LOCK(spin)	rb_spin_lock(spin)
#define RB_SCAN_UNLOCK(spin)	rb_spin_unlock(spin)
#else
#define RB_SCAN_LOCK(spin)
#define RB_SCAN_UNLOCK(spin)
#endif

/* Same definitions as libbsd's; needed here when libbsd is not visible. */
#ifndef RB_BLACK
#define RB_BLACK	0
#define RB_RED		1
#endif
#ifndef RB_ENTRY
#define RB_ENTRY(type)							\
struct {								\
	struct type *rbe_left;		/* left element */		\
	struct type *rbe_right;		/* right element */		\
	struct type *rbe_parent;	/* parent element */		\
	int rbe_color;			/* node color */		\
}
#endif
#ifndef RB_LEFT
#define RB_LEFT(elm, field)		(elm)->field.rbe_left
#define RB_RIGHT(elm, field)		(elm)->field.rbe_right
#define RB_PARENT(elm, field)		(elm)->field.rbe_parent
#define RB_COLOR(elm, field)		(elm)->field.rbe_color
#define RB_ROOT(head)			(head)->rbh_root
#define RB_EMPTY(head)			(RB_ROOT(head) == NULL)
#endif
#define RB_INPROG(head)			(head)->rbh_inprog

#define RB_PROTOTYPE(name, type, field, cmp)				\
	_RB_PROTOTYPE(name, type, field, cmp,)
#define RB_PROTOTYPE_STATIC(name, type, field, cmp)			\
	_RB_PROTOTYPE(name, type, field, cmp, __unused static)

#define _RB_PROTOTYPE(name, type, field, cmp, STORQUAL)			\
STORQUAL void name##_RB_INSERT_COLOR(struct name *, struct type *);	\
STORQUAL void name##_RB_REMOVE_COLOR(struct name *, struct type *,	\
				     struct type *);			\
STORQUAL struct type *name##_RB_REMOVE(struct name *, struct type *);	\
STORQUAL struct type *name##_RB_INSERT(struct name *, struct type *);	\
STORQUAL struct type *name##_RB_FIND(struct name *, struct type *);	\
STORQUAL int name##_RB_SCAN(struct name *,				\
			    int (*)(struct type *, void *),		\
			    int (*)(struct type *, void *), void *);	\
STORQUAL struct type *name##_RB_NEXT(struct type *);			\
STORQUAL struct type *name##_RB_PREV(struct type *);			\
STORQUAL struct type *name##_RB_MINMAX(struct name *, int);		\
RB_SCAN_INFO(name, type)

/* Adds an exact-match lookup on a numeric field. */
#define RB_PROTOTYPE2(name, type, field, cmp, datatype)			\
RB_PROTOTYPE(name, type, field, cmp);					\
struct type *name##_RB_LOOKUP(struct name *, datatype)

#define RB_GENERATE(name, type, field, cmp)				\
	_RB_GENERATE(name, type, field, cmp,)
#define RB_GENERATE_STATIC(name, type, field, cmp)			\
	_RB_GENERATE(name, type, field, cmp, __unused static)

#ifdef _MODEL_TREE_HAVE_LIBBSD

#define _RB_GENERATE(name, type, field, cmp, STORQUAL)			\
/* libbsd's functions see only the first field of the head. */		\
struct __attribute__((__may_alias__)) name##_RB_BSD {			\
	struct type *rbh_root;						\
};									\
RB_GENERATE_INTERNAL(name##_RB_BSD, type, field, cmp,			\
		     __attribute__((__unused__)) static __inline)	\
									\
STORQUAL void								\
name##_RB_INSERT_COLOR(struct name *head, struct type *elm)		\
{									\
	name##_RB_BSD_RB_INSERT_COLOR((struct name##_RB_BSD *)head, elm); \
}									\
									\
STORQUAL void								\
name##_RB_REMOVE_COLOR(struct name *head, struct type *parent,		\
		       struct type *elm)				\
{									\
	name##_RB_BSD_RB_REMOVE_COLOR((struct name##_RB_BSD *)head,	\
				      parent, elm);			\
}									\
									\
/* Scans positioned on elm move on to its successor first. */		\
STORQUAL struct type *							\
name##_RB_REMOVE(struct name *head, struct type *elm)			\
{									\
	struct name##_scan_info *scan;					\
									\
	RB_MODEL_CHECK(name, head, "RB_REMOVE");			\
	for (scan = RB_INPROG(head); scan != NULL; scan = scan->link) {	\
		if (scan->node == elm)					\
			scan->node = name##_RB_BSD_RB_NEXT(elm);	\
	}								\
	return (name##_RB_BSD_RB_REMOVE((struct name##_RB_BSD *)head,	\
					elm));				\
}									\
									\
/* Returns the node already holding elm's key, or NULL once inserted. */ \
STORQUAL struct type *							\
name##_RB_INSERT(struct name *head, struct type *elm)			\
{									\
	RB_MODEL_CHECK(name, head, "RB_INSERT");			\
	return (name##_RB_BSD_RB_INSERT((struct name##_RB_BSD *)head,	\
					elm));				\
}									\
									\
STORQUAL struct type *							\
name##_RB_FIND(struct name *head, struct type *elm)			\
{									\
	RB_MODEL_CHECK(name, head, "RB_FIND");				\
	return (name##_RB_BSD_RB_FIND((struct name##_RB_BSD *)head, elm)); \
}									\
									\
STORQUAL struct type *							\
name##_RB_NEXT(struct type *elm)					\
{									\
	return (name##_RB_BSD_RB_NEXT(elm));				\
}									\
									\
STORQUAL struct type *							\
name##_RB_PREV(struct type *elm)					\
{									\
	return (name##_RB_BSD_RB_PREV(elm));				\
}									\
									\
STORQUAL struct type *							\
name##_RB_MINMAX(struct name *head, int val)				\
{									\
	RB_MODEL_CHECK(name, head, "RB_MINMAX");			\
	return (name##_RB_BSD_RB_MINMAX((struct name##_RB_BSD *)head,	\
					val));				\
}									\
									\
static int								\
name##_SCANCMP_ALL(struct type *elm __unused, void *data __unused)	\
{									\
	return (0);							\
}									\
									\
/*									\
 * Calls callback(node, data) for each node, in order, for which	\
 * scancmp(node, data) == 0 (all nodes if scancmp is NULL); scancmp	\
 * returns < 0 below the range and > 0 above it.  The callback may	\
 * remove any node, including the one it was given.  A negative		\
 * callback result stops the scan and is returned; otherwise the sum	\
 * of the callback results is returned.					\
 */									\
STORQUAL int								\
name##_RB_SCAN(struct name *head,					\
	       int (*scancmp)(struct type *, void *),			\
	       int (*callback)(struct type *, void *),			\
	       void *data)						\
{									\
	struct name##_scan_info info;					\
	struct name##_scan_info **linkp;				\
	struct type *node;						\
	struct type *first = NULL;					\
	int count = 0;							\
	int res;							\
									\
	RB_MODEL_CHECK(name, head, "RB_SCAN");				\
	if (scancmp == NULL)						\
		scancmp = name##_SCANCMP_ALL;				\
	/* Leftmost node inside the range. */				\
	node = RB_ROOT(head);						\
	while (node != NULL) {						\
		res = scancmp(node, data);				\
		if (res < 0) {						\
			node = RB_RIGHT(node, field);			\
		} else if (res > 0) {					\
			node = RB_LEFT(node, field);			\
		} else {						\
			first = node;					\
			node = RB_LEFT(node, field);			\
		}							\
	}								\
	if (first == NULL)						\
		return (0);						\
									\
	info.node = name##_RB_BSD_RB_NEXT(first);			\
	RB_SCAN_LOCK(&head->rbh_spin);					\
	info.link = RB_INPROG(head);					\
	RB_INPROG(head) = &info;					\
	RB_SCAN_UNLOCK(&head->rbh_spin);				\
									\
	node = first;							\
	while ((res = callback(node, data)) >= 0) {			\
		count += res;						\
		node = info.node;					\
		if (node == NULL || scancmp(node, data) != 0)		\
			break;						\
		info.node = name##_RB_BSD_RB_NEXT(node);		\
	}								\
									\
	RB_SCAN_LOCK(&head->rbh_spin);					\
	for (linkp = &RB_INPROG(head); *linkp != &info;			\
	     linkp = &(*linkp)->link)					\
		;							\
	*linkp = info.link;						\
	RB_SCAN_UNLOCK(&head->rbh_spin);				\
									\
	if (res < 0)							\
		count = res;						\
	return (count);							\
}

/* Exact-match lookup on a numeric field (DragonFly's RB_GENERATE2). */
#define RB_GENERATE2(name, type, field, cmp, datatype, indexfield)	\
RB_GENERATE(name, type, field, cmp)					\
									\
struct type *								\
name##_RB_LOOKUP(struct name *head, datatype value)			\
{									\
	struct type *node = RB_ROOT(head);				\
									\
	while (node != NULL) {						\
		if (value > node->indexfield)				\
			node = RB_RIGHT(node, field);			\
		else if (value < node->indexfield)			\
			node = RB_LEFT(node, field);			\
		else							\
			return (node);					\
	}								\
	return (NULL);							\
}

#else /* !_MODEL_TREE_HAVE_LIBBSD */

#define _RB_GENERATE(name, type, field, cmp, STORQUAL)			\
_Static_assert(0, "RB_GENERATE needs libbsd's <bsd/sys/tree.h>: "	\
	       "install libbsd-dev, or add -idirafter /usr/include "	\
	       "after -nostdinc")
#define RB_GENERATE2(name, type, field, cmp, datatype, indexfield)	\
	_RB_GENERATE(name, type, field, cmp,)

#endif /* _MODEL_TREE_HAVE_LIBBSD */

#define RB_NEGINF	-1
#define RB_INF		1

#define RB_INSERT(name, root, elm)	name##_RB_INSERT(root, elm)
#define RB_REMOVE(name, root, elm)	name##_RB_REMOVE(root, elm)
#define RB_FIND(name, root, elm)	name##_RB_FIND(root, elm)
#define RB_LOOKUP(name, root, value)	name##_RB_LOOKUP(root, value)
#define RB_SCAN(name, root, cmp, callback, data)			\
	name##_RB_SCAN(root, cmp, callback, data)
#define RB_FIRST(name, root)		name##_RB_MINMAX(root, RB_NEGINF)
#define RB_NEXT(name, root, elm)	name##_RB_NEXT(elm)
#define RB_PREV(name, root, elm)	name##_RB_PREV(elm)
#define RB_MIN(name, root)		name##_RB_MINMAX(root, RB_NEGINF)
#define RB_MAX(name, root)		name##_RB_MINMAX(root, RB_INF)

#define RB_FOREACH(x, name, head)					\
	for ((x) = RB_MIN(name, head);					\
	     (x) != NULL;						\
	     (x) = name##_RB_NEXT(x))

#define RB_FOREACH_SAFE(x, name, head, y)				\
	for ((x) = RB_MIN(name, head);					\
	     ((x) != NULL) && ((y) = name##_RB_NEXT(x), (x) != NULL);	\
	     (x) = (y))

#define RB_FOREACH_REVERSE(x, name, head)				\
	for ((x) = RB_MAX(name, head);					\
	     (x) != NULL;						\
	     (x) = name##_RB_PREV(x))

#endif /* !_SYS_TREE_H_ */
