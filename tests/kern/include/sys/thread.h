/*
 * vmspace-rs userland model of DragonFly's <sys/thread.h>: LWKT tokens and
 * struct thread.  struct thread keeps DragonFly's x86_64 offsets for the
 * fields the vmspace code and the model use (td_lwp 168, td_proc 176,
 * td_gd 192, td_wmesg 200, td_vmm 456, the token arrays after it, td_mach
 * at 1264 so that td_tls lands at 1280); the fields in between are padding.
 * At the 2017 revisions (MODEL_REV_2017) everything from td_lwp on is 8
 * bytes lower (td_lwp 160, td_vmm 448, td_tls 1272), as measured.
 */
#ifndef _SYS_THREAD_H_
#define _SYS_THREAD_H_

#include <sys/types.h>
#include <machine/thread.h>

struct globaldata;
struct lwp;
struct proc;
struct pcb;
struct thread;
struct lwkt_tokref;

typedef struct thread	*thread_t;
typedef struct lwkt_tokref *lwkt_tokref_t;

/*
 * A token serialises access to a structure while its holder runs.  The
 * holder's tokens are given up whenever it blocks and are all reacquired
 * before it resumes; a thread may hold the same token more than once.
 */
typedef struct lwkt_token {
	long			t_count;	/* shared/exclreq/exclusive */
	struct lwkt_tokref	*t_ref;		/* exclusive owner's ref */
	long			t_collisions;	/* contention counter */
	const char		*t_desc;	/* descriptive name */
} lwkt_token;
typedef struct lwkt_token *lwkt_token_t;

#define TOK_EXCLUSIVE	0x00000001	/* exclusive lock held */
#define TOK_EXCLREQ	0x00000002	/* exclusive request pending */
#define TOK_INCR	4		/* shared count increment */
#define TOK_COUNTMASK	(~(long)(TOK_EXCLUSIVE | TOK_EXCLREQ))

#define LWKT_TOKEN_INITIALIZER(name)	{ 0, NULL, 0, #name }

struct lwkt_tokref {
	lwkt_token_t	tr_tok;		/* token in question */
	long		tr_count;	/* TOK_EXCLUSIVE|TOK_EXCLREQ or 0 */
	struct thread	*tr_owner;	/* me */
};

#define LWKT_MAXTOKENS	32	/* max tokens held by a thread */

struct thread {
#ifdef MODEL_REV_2017
	char		td_model_pad0[160];	/* queues, message port */
#else
	char		td_model_pad0[168];	/* queues, message port */
#endif
	struct lwp	*td_lwp;	/* (optional) associated lwp */
	struct proc	*td_proc;	/* (optional) associated process */
	struct pcb	*td_pcb;	/* points to pcb and top of kstack */
	struct globaldata *td_gd;	/* associated with this cpu */
	const char	*td_wmesg;	/* string name for blockage */
	const volatile void *td_wchan;	/* waiting on channel */
	int		td_pri;		/* 0-31, 31=highest priority */
	int		td_critcount;	/* critical section priority */
	u_int		td_flags;	/* TDF flags */
#ifdef MODEL_REV_2017
	char		td_model_pad1[448 - 220];
#else
	char		td_model_pad1[456 - 228];
#endif
	void		*td_vmm;	/* vmm private data */
	lwkt_tokref_t	td_toks_have;	/* tokens we own */
	lwkt_tokref_t	td_toks_stop;	/* tokens we want */
	struct lwkt_tokref td_toks_array[LWKT_MAXTOKENS];
	int		td_fairq_load;
	int		td_fairq_count;
	struct globaldata *td_migrate_gd;
	struct md_thread td_mach;
};

#define td_toks_base	td_toks_array[0]
#define td_toks_end	td_toks_array[LWKT_MAXTOKENS]

#ifdef _KERNEL

#ifndef MODEL_REV_2017
extern struct lwkt_token vmspace_token;
#endif

void	lwkt_gettoken(lwkt_token_t);
void	lwkt_gettoken_shared(lwkt_token_t);
void	lwkt_reltoken(lwkt_token_t);
void	lwkt_token_init(lwkt_token_t, const char *);

#endif /* _KERNEL */

#endif /* !_SYS_THREAD_H_ */
