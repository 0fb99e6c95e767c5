/*
 * vmspace-rs model: threads as coroutines, switch points, LWKT tokens,
 * spinlocks and lockmgr locks.
 *
 * LWKT tokens (DragonFly kern/lwkt_token.c): a thread keeps the tokens it
 * acquires as a stack of tokrefs (td_toks_base .. td_toks_stop) and releases
 * them in reverse order.  A token is owned by the first tokref that got it
 * (t_ref); the same thread may stack it again (recursion).  When a thread
 * blocks, all its tokens are released; they are all reacquired before it
 * resumes.  Here "blocks" means stopping at a blocking point, waiting for a
 * contended token, or waiting for a lock.
 *
 * Shared tokens (lwkt_gettoken_shared): any number of shared holders or one
 * exclusive holder.  A shared tokref counts TOK_INCR in t_count while it is
 * had, unless its own thread holds the token exclusively (DragonFly's
 * "exclusive bit is ours" case).  Asking for a token exclusively while
 * holding it only shared is DragonFly's "s/x livelock" (a KASSERT under
 * DEBUG_LOCKS): a panic here.  Not modelled: TOK_EXCLREQ's priority of a
 * waiting exclusive request over new shared ones (fairness only).
 */
#include "model_impl.h"

/* ---------------------------------------------------------------------- */
/* Tokens                                                                 */

void
lwkt_token_init(lwkt_token_t tok, const char *desc)
{
	MODEL_ENTER("lwkt_token_init");
	tok->t_count = 0;
	tok->t_ref = NULL;
	tok->t_collisions = 0;
	tok->t_desc = desc;
	if (model_tracing())
		model_trace("lwkt_token_init(%s, \"%s\")", model_nm(tok), desc);
	MODEL_LEAVE();
}

/* Model-private tr_count bit: this shared tokref counts in t_count. */
#define MODEL_TR_COUNTED	0x100

/* Can ref's token be had by ref's thread right now (shared or exclusive)? */
static int
model_tokref_ok(struct lwkt_tokref *ref)
{
	lwkt_token_t tok = ref->tr_tok;

	if (tok->t_ref != NULL)
		return (tok->t_ref == ref ||
		    tok->t_ref->tr_owner == ref->tr_owner);
	if (ref->tr_count & TOK_EXCLUSIVE)
		return ((tok->t_count & TOK_COUNTMASK) == 0);
	return (1);
}

static void
model_tokref_take(struct lwkt_tokref *ref)
{
	lwkt_token_t tok = ref->tr_tok;

	if (ref->tr_count & TOK_EXCLUSIVE) {
		if (tok->t_ref == NULL) {
			tok->t_ref = ref;
			tok->t_count |= TOK_EXCLUSIVE;
		}
	} else if (tok->t_ref == NULL && !(ref->tr_count & MODEL_TR_COUNTED)) {
		tok->t_count += TOK_INCR;
		ref->tr_count |= MODEL_TR_COUNTED;
	}
}

static void
model_tokref_drop(struct lwkt_tokref *ref)
{
	lwkt_token_t tok = ref->tr_tok;

	if (tok->t_ref == ref) {
		tok->t_ref = NULL;
		tok->t_count &= ~(long)(TOK_EXCLUSIVE | TOK_EXCLREQ);
	} else if (ref->tr_count & MODEL_TR_COUNTED) {
		tok->t_count -= TOK_INCR;
		ref->tr_count &= ~(long)MODEL_TR_COUNTED;
	}
}

/* Does mt hold tok now (1 shared, 2 exclusive), or not (0)? */
int
model_token_held(struct model_thread *mt, lwkt_token_t tok)
{
	struct lwkt_tokref *ref;
	int held = 0;

	if (tok->t_ref != NULL && tok->t_ref->tr_owner == &mt->td)
		return (2);
	for (ref = &mt->td.td_toks_base; ref < mt->td.td_toks_stop; ++ref) {
		if (ref->tr_tok == tok && (ref->tr_count & MODEL_TR_COUNTED))
			held = 1;
	}
	return (held);
}

void
model_tokens_release_all(struct model_thread *mt)
{
	struct lwkt_tokref *ref;

	for (ref = &mt->td.td_toks_base; ref < mt->td.td_toks_stop; ++ref)
		model_tokref_drop(ref);
}

int
model_tokens_acquirable(struct model_thread *mt)
{
	struct lwkt_tokref *ref;

	for (ref = &mt->td.td_toks_base; ref < mt->td.td_toks_stop; ++ref) {
		if (!model_tokref_ok(ref))
			return (0);
	}
	return (1);
}

void
model_tokens_reacquire(struct model_thread *mt)
{
	struct lwkt_tokref *ref;

	for (ref = &mt->td.td_toks_base; ref < mt->td.td_toks_stop; ++ref)
		model_tokref_take(ref);
	mt->td.td_toks_have = mt->td.td_toks_stop;
}

/* "free", or the holder's name. */
const char *
model_token_holder(lwkt_token_t tok)
{
	static char buf[4][32];
	static unsigned int next;

	if (tok->t_ref == NULL && (tok->t_count & TOK_COUNTMASK) != 0) {
		char *b = buf[next++ % 4];

		host_snprintf(b, sizeof(buf[0]), "shared(%ld)",
		    (tok->t_count & TOK_COUNTMASK) / TOK_INCR);
		return (b);
	}
	if (tok->t_ref == NULL)
		return ("free");
	return (model_nm(tok->t_ref->tr_owner));
}

static struct model_thread *
model_token_owner(lwkt_token_t tok)
{
	return (tok->t_ref ? model_mt(tok->t_ref->tr_owner) : NULL);
}

static int model_lock_ok(struct lock *lk, struct thread *td, int excl);

/* ---------------------------------------------------------------------- */
/* Contention counting (off by default; model.h, docs/contention.md)      */

#define MODEL_CONTENTION_NAMES	16

static int model_contention_on;
static struct {
	const char	*desc;
	long		waits;
	long		gets[2];	/* lwkt_gettoken_shared, lwkt_gettoken */
} model_contention[MODEL_CONTENTION_NAMES];

void
model_contention_count(int on)
{
	model_contention_on = on;
	__builtin_memset(model_contention, 0, sizeof(model_contention));
}

int
model_contention_get(int i, const char **desc, long *waits, long *shared,
    long *excl)
{
	if (i < 0 || i >= MODEL_CONTENTION_NAMES ||
	    model_contention[i].desc == NULL)
		return (0);
	*desc = model_contention[i].desc;
	*waits = model_contention[i].waits;
	*shared = model_contention[i].gets[0];
	*excl = model_contention[i].gets[1];
	return (1);
}

/* The table index of tok's name (-1 when the table is full). */
static int
model_contention_slot(lwkt_token_t tok)
{
	const char *d = tok->t_desc ? tok->t_desc : "?";
	int i;

	for (i = 0; i < MODEL_CONTENTION_NAMES; ++i) {
		if (model_contention[i].desc == NULL)
			model_contention[i].desc = d;
		if (__builtin_strcmp(model_contention[i].desc, d) == 0)
			return (i);
	}
	return (-1);
}

/* mt waits for tok: one wait for tok's name, once per wait of mt. */
static void
model_contention_wait(struct model_thread *mt, lwkt_token_t tok)
{
	int i;

	if (!model_contention_on || mt->tokwait_counted)
		return;
	mt->tokwait_counted = 1;
	if ((i = model_contention_slot(tok)) >= 0)
		model_contention[i].waits++;
}

/* A lwkt_gettoken (excl) or lwkt_gettoken_shared of tok. */
static void
model_contention_get_token(lwkt_token_t tok, int excl)
{
	int i;

	if (model_contention_on && (i = model_contention_slot(tok)) >= 0)
		model_contention[i].gets[excl != 0]++;
}

/* A stopped thread that cannot get its tokens back: count the first. */
static void
model_contention_check(struct model_thread *mt)
{
	struct lwkt_tokref *ref;

	if (!model_contention_on || mt->tokwait_counted ||
	    (mt->wait_lock != NULL &&
	    !model_lock_ok(mt->wait_lock, &mt->td, mt->wait_excl)))
		return;
	for (ref = &mt->td.td_toks_base; ref < mt->td.td_toks_stop; ++ref) {
		if (!model_tokref_ok(ref)) {
			model_contention_wait(mt, ref->tr_tok);
			return;
		}
	}
}

static void
model_gettoken(lwkt_token_t tok, int excl, const char *fn)
{
	struct model_thread *mt;
	struct lwkt_tokref *ref;

	MODEL_ENTER(fn);
	mt = model_curmt();
	ref = mt->td.td_toks_stop;
	if (ref >= &mt->td.td_toks_end)
		panic("%s: %s holds %d tokens (LWKT_MAXTOKENS)",
		    fn, mt->name, LWKT_MAXTOKENS);
	if (excl && model_token_held(mt, tok) == 1)
		panic("%s: Token %s s/x livelock: %s holds it shared and asks "
		    "for it exclusively", fn, model_nm(tok), mt->name);
	ref->tr_tok = tok;
	ref->tr_count = excl ? TOK_EXCLUSIVE | TOK_EXCLREQ : TOK_EXCLREQ;
	ref->tr_owner = &mt->td;
	++mt->td.td_toks_stop;
	model_contention_get_token(tok, excl);
	if (model_tokref_ok(ref)) {
		model_tokref_take(ref);
		mt->td.td_toks_have = mt->td.td_toks_stop;
	} else {
		char what[128];

		/* Contended: switch away until every token can be had. */
		mt->td.td_wmesg = tok->t_desc;
		++tok->t_collisions;
		model_contention_wait(mt, tok);
		host_snprintf(what, sizeof(what), "token %s held by %s",
		    model_nm(tok), model_token_holder(tok));
		model_switch_point(MODEL_TS_TOKWAIT, what);
		mt->td.td_wmesg = NULL;
	}
	if (model_tracing())
		model_trace("%s(%s)", fn, model_nm(tok));
	MODEL_LEAVE();
}

void
lwkt_gettoken(lwkt_token_t tok)
{
	model_gettoken(tok, 1, "lwkt_gettoken");
}

void
lwkt_gettoken_shared(lwkt_token_t tok)
{
	model_gettoken(tok, 0, "lwkt_gettoken_shared");
}

void
lwkt_reltoken(lwkt_token_t tok)
{
	struct model_thread *mt, *owner;
	struct lwkt_tokref *ref;

	MODEL_ENTER("lwkt_reltoken");
	mt = model_curmt();
	ref = mt->td.td_toks_stop - 1;
	if (ref < &mt->td.td_toks_base || ref->tr_tok != tok) {
		struct lwkt_tokref *r;
		int held = 0;

		for (r = &mt->td.td_toks_base; r < mt->td.td_toks_stop; ++r)
			held |= r->tr_tok == tok;
		owner = model_token_owner(tok);
		if (held)
			model_fault(MODEL_FAULT_MISUSE,
			    "lwkt_reltoken(%s) by %s: tokens must be released "
			    "in reverse order (last acquired: %s)",
			    model_nm(tok), mt->name, model_nm(ref->tr_tok));
		if (owner != NULL)
			model_fault(MODEL_FAULT_MISUSE,
			    "lwkt_reltoken(%s) by %s: held by %s, not by the "
			    "releasing thread", model_nm(tok), mt->name,
			    owner->name);
		model_fault(MODEL_FAULT_MISUSE,
		    "lwkt_reltoken(%s) by %s: token not held", model_nm(tok),
		    mt->name);
	}
	model_tokref_drop(ref);
	mt->td.td_toks_stop = ref;
	mt->td.td_toks_have = ref;
	if (model_tracing())
		model_trace("lwkt_reltoken(%s)", model_nm(tok));
	MODEL_LEAVE();
}

/* ---------------------------------------------------------------------- */
/* Spinlocks (only the RB_SCAN list lock reaches the model)              */

void
rb_spin_lock(struct spinlock *spin)
{
	struct model_thread *mt;

	MODEL_ENTER("rb_spin_lock");
	mt = model_curmt();
	if (spin->counta != 0)
		model_fault(MODEL_FAULT_MISUSE,
		    "rb_spin_lock(%s) by %s: already locked (a spinlock "
		    "cannot be held across a switch, so this never ends)",
		    model_nm(spin), mt->name);
	spin->counta = 1;
	mt->spinlocks++;
	if (model_tracing())
		model_trace("rb_spin_lock(%s)", model_nm(spin));
	MODEL_LEAVE();
}

void
rb_spin_unlock(struct spinlock *spin)
{
	struct model_thread *mt;

	MODEL_ENTER("rb_spin_unlock");
	mt = model_curmt();
	if (spin->counta != 1 || mt->spinlocks == 0)
		model_fault(MODEL_FAULT_MISUSE,
		    "rb_spin_unlock(%s) by %s: not locked", model_nm(spin),
		    mt->name);
	spin->counta = 0;
	mt->spinlocks--;
	if (model_tracing())
		model_trace("rb_spin_unlock(%s)", model_nm(spin));
	MODEL_LEAVE();
}

/* ---------------------------------------------------------------------- */
/* lockmgr locks (vm_map locks)                                           */

void
model_lock_init(struct lock *lk, const char *wmesg)
{
	__builtin_memset(lk, 0, sizeof(*lk));
	lk->lk_wmesg = wmesg;
}

static int
model_lock_ok(struct lock *lk, struct thread *td, int excl)
{
	if (lk->lk_exclusivecount > 0)
		return (lk->lk_lockholder == td);
	return (excl ? lk->lk_sharecount == 0 : 1);
}

void
model_lock(struct lock *lk, int excl)
{
	struct model_thread *mt = model_curmt();

	if (lk->lk_exclusivecount > 0 && lk->lk_lockholder == &mt->td &&
	    !excl)
		model_fault(MODEL_FAULT_MISUSE, "lockmgr(%s): shared request "
		    "by the exclusive holder %s", lk->lk_wmesg, mt->name);
	if (!model_lock_ok(lk, &mt->td, excl)) {
		char what[128];

		mt->wait_lock = lk;
		mt->wait_excl = excl;
		host_snprintf(what, sizeof(what), "lock %s (%s)", lk->lk_wmesg,
		    excl ? "exclusive" : "shared");
		model_switch_point(MODEL_TS_LOCKWAIT, what);
		mt->wait_lock = NULL;
	}
	if (excl) {
		lk->lk_exclusivecount++;
		lk->lk_lockholder = &mt->td;
	} else {
		lk->lk_sharecount++;
	}
}

void
model_unlock(struct lock *lk)
{
	struct model_thread *mt = model_curmt();

	if (lk->lk_exclusivecount > 0) {
		if (lk->lk_lockholder != &mt->td)
			model_fault(MODEL_FAULT_MISUSE, "lockmgr(%s): release "
			    "by %s, held by %s", lk->lk_wmesg, mt->name,
			    model_nm(lk->lk_lockholder));
		if (--lk->lk_exclusivecount == 0)
			lk->lk_lockholder = NULL;
	} else if (lk->lk_sharecount > 0) {
		lk->lk_sharecount--;
	} else {
		model_fault(MODEL_FAULT_MISUSE, "lockmgr(%s): release of an "
		    "unlocked lock by %s", lk->lk_wmesg, mt->name);
	}
}

/* DragonFly's lockmgr interface over the same locks (for tests). */
void
lockinit(struct lock *lk, const char *wmesg, int timo, int flags)
{
	model_lock_init(lk, wmesg);
}

int
lockmgr(struct lock *lk, u_int flags)
{
	MODEL_ENTER("lockmgr");
	switch (flags & LK_TYPE_MASK) {
	case LK_SHARED:
	case LK_EXCLUSIVE:
		/* A contended request sleeps: tokens are given up. */
		model_lock(lk, (flags & LK_TYPE_MASK) == LK_EXCLUSIVE);
		break;
	case LK_RELEASE:
		model_unlock(lk);
		break;
	default:
		model_fault(MODEL_FAULT_MISUSE, "lockmgr(%s, 0x%x): unsupported "
		    "request", lk->lk_wmesg, flags);
	}
	if (model_tracing())
		model_trace("lockmgr(%s, 0x%x) = 0", lk->lk_wmesg, flags);
	MODEL_LEAVE();
	return (0);
}

/* ---------------------------------------------------------------------- */
/* Switch points                                                          */

void
model_sched_reset(void)
{
	model_w.interleave = 0;
	model_w.running = NULL;
}

void
model_set_interleave(int on)
{
	model_w.interleave = on;
}

/* Back to the driver; returns when the driver resumes this thread. */
static void
model_yield(struct model_thread *mt, int state, const char *what)
{
	mt->state = state;
	host_snprintf(mt->where, sizeof(mt->where), "%s", what);
	host_fault_arm(0);
	host_ctx_switch(mt->ctx, host_ctx_self());
	/* model_resume() set us running again. */
}

static int
model_wait_over(struct model_thread *mt)
{
	if (mt->wait_lock != NULL &&
	    !model_lock_ok(mt->wait_lock, &mt->td, mt->wait_excl))
		return (0);
	return (model_tokens_acquirable(mt));
}

void
model_switch_point(int state, const char *what)
{
	struct model_thread *mt = model_w.running;

	if (mt == NULL) {
		/*
		 * Kernel code called directly by the driver: nothing else can
		 * run, but the tokens are still given up and retaken.
		 */
		mt = model_curmt();
		if (state == MODEL_TS_PREEMPTED)
			return;
		model_tokens_release_all(mt);
		if (!model_wait_over(mt))
			host_abort("model: a direct call would wait forever");
		model_tokens_reacquire(mt);
		return;
	}
	if (mt->spinlocks != 0 && state != MODEL_TS_PREEMPTED)
		panic("%s: switch while holding %d spinlock(s) (at %s)",
		    mt->name, mt->spinlocks, what);
	if (state == MODEL_TS_PREEMPTED) {
		model_yield(mt, MODEL_TS_PREEMPTED, what);
		return;
	}
	/* Blocking: LWKT gives up every token while the thread is away. */
	model_tokens_release_all(mt);
	if (state == MODEL_TS_BLOCKED && model_w.interleave)
		model_yield(mt, MODEL_TS_BLOCKED, what);
	while (!model_wait_over(mt)) {
		if (state == MODEL_TS_BLOCKED)
			state = MODEL_TS_TOKWAIT;
		model_yield(mt, state, what);
	}
	model_tokens_reacquire(mt);
}

/*
 * The switch point before every atomic operation of the code under test
 * (machine/atomic.h, and the port's atomics in userland builds): a
 * preemption point, not traced.  Atomics inside the model's own functions
 * (depth > 0) are not switch points.
 */
static int model_no_atomic_points;

void
model_set_atomic_points(int on)
{
	model_no_atomic_points = !on;
}

void
model_atomic_point(const char *op, const volatile void *p)
{
	struct model_thread *mt = model_w.running;
	char what[128];

	if (mt == NULL || !model_w.interleave || mt->depth != 0 ||
	    model_no_atomic_points)
		return;
	host_snprintf(what, sizeof(what), "%s(%s)", op,
	    model_nm((const void *)(unsigned long)p));
	model_switch_point(MODEL_TS_PREEMPTED, what);
}

void
model_may_block(const char *what)
{
	model_switch_point(MODEL_TS_BLOCKED, what);
}

/* ---------------------------------------------------------------------- */
/* Running calls on threads                                               */

static void
model_thread_main(void)
{
	struct model_thread *mt = model_w.running;
	struct model_call *call = mt->call;

	switch (call->kind) {
	case MODEL_CALL_INT_P:
		call->ret = ((int (*)(void *))call->fn)(call->a0);
		break;
	case MODEL_CALL_VOID_P:
		((void (*)(void *))call->fn)(call->a0);
		break;
	case MODEL_CALL_VOID_PP:
		((void (*)(void *, void *))call->fn)(call->a0, call->a1);
		break;
	default:
		model_fault(MODEL_FAULT_MISUSE, "bad model_call kind %d",
		    call->kind);
	}
	mt = model_w.running;
	mt->state = MODEL_TS_DONE;
	host_snprintf(mt->where, sizeof(mt->where), "returned");
	host_fault_arm(0);
	host_ctx_jump(host_ctx_self());
}

int
model_spawn(struct thread *td, struct model_call *call)
{
	struct model_thread *mt = model_mt(td);

	if (mt->state != MODEL_TS_IDLE && mt->state != MODEL_TS_DONE)
		host_abort("model_spawn: thread already runs a call");
	if (mt->ctx == NULL)
		mt->ctx = host_ctx_new(MODEL_STACK);
	host_ctx_prepare(mt->ctx, model_thread_main);
	mt->call = call;
	mt->depth = 0;
	mt->state = MODEL_TS_READY;
	host_snprintf(mt->where, sizeof(mt->where), "start");
	model_w.interleave = 1;
	return (0);
}

int
model_thread_state(struct thread *td)
{
	return (model_mt(td)->state);
}

const char *
model_thread_where(struct thread *td)
{
	return (model_mt(td)->where);
}

/*
 * A stopped thread whose tokens or awaited lock lie in memory another thread
 * freed meanwhile (a vmspace_entry's vkp, a vmspace's map) would read freed
 * memory to go on: that use after free ends the world, and the driver never
 * reads the freed token.
 */
static int
model_thread_uses_freed(struct model_thread *mt)
{
	struct lwkt_tokref *ref;
	const char *what = NULL, *freed = NULL;

	for (ref = &mt->td.td_toks_base; ref < mt->td.td_toks_stop; ++ref) {
		if ((freed = model_freed_name(ref->tr_tok)) != NULL) {
			what = mt->state == MODEL_TS_PREEMPTED ? "holds" :
			    "must reacquire";
			break;
		}
	}
	if (freed == NULL && mt->wait_lock != NULL &&
	    (freed = model_freed_name(mt->wait_lock)) != NULL)
		what = "waits for the lock in";
	if (freed == NULL)
		return (0);
	model_fault_note(MODEL_FAULT_MISUSE, "use after free: %s %s %s "
	    "(stopped at %s)", mt->name, what, freed, mt->where);
	return (1);
}

int
model_runnable(struct thread *td)
{
	struct model_thread *mt = model_mt(td);

	if (model_w.dead)
		return (0);
	switch (mt->state) {
	case MODEL_TS_READY:
		return (1);
	case MODEL_TS_PREEMPTED:
		return (!model_thread_uses_freed(mt));
	case MODEL_TS_BLOCKED:
	case MODEL_TS_TOKWAIT:
	case MODEL_TS_LOCKWAIT:
		if (model_thread_uses_freed(mt))
			return (0);
		if (!model_wait_over(mt)) {
			model_contention_check(mt);
			return (0);
		}
		return (1);
	default:
		return (0);
	}
}

int
model_resume(struct thread *td)
{
	struct model_thread *mt = model_mt(td);

	if (model_w.running != NULL)
		host_abort("model_resume: called from a model thread");
	if (model_w.dead)
		return (mt->state);
	if (!model_runnable(td))
		host_abort("model_resume: thread is not runnable");
	globaldata = td->td_gd;
	globaldata->gd_curthread = td;
	model_w.running = mt;
	mt->state = MODEL_TS_RUNNING;
	mt->tokwait_counted = 0;
	host_fault_arm(1);
	host_ctx_switch(host_ctx_self(), mt->ctx);
	host_fault_arm(0);
	model_w.running = NULL;
	return (mt->state);
}

void
model_collect(struct thread *td)
{
	struct model_thread *mt = model_mt(td);

	if (mt->state == MODEL_TS_DONE && !model_w.dead) {
		const char *name = mt->call && mt->call->name ?
		    mt->call->name : "call";

		if (mt->td.td_toks_stop != &mt->td.td_toks_base) {
			char what[256];
			size_t n = 0;
			struct lwkt_tokref *ref;

			what[0] = 0;
			for (ref = &mt->td.td_toks_base;
			     ref < mt->td.td_toks_stop && n < 200; ++ref)
				n += (size_t)host_snprintf(what + n,
				    sizeof(what) - n, " %s",
				    model_nm(ref->tr_tok));
			model_w.dead = 1;
			model_w.fault_kind = MODEL_FAULT_MISUSE;
			host_snprintf(model_w.fault, sizeof(model_w.fault),
			    "step %ld: model misuse: %s returned on %s holding "
			    "token(s):%s", model_w.step, name, mt->name, what);
		} else if (mt->spinlocks != 0) {
			model_w.dead = 1;
			model_w.fault_kind = MODEL_FAULT_MISUSE;
			host_snprintf(model_w.fault, sizeof(model_w.fault),
			    "step %ld: model misuse: %s returned on %s holding "
			    "%d spinlock(s)", model_w.step, name, mt->name,
			    mt->spinlocks);
		}
	}
	if (mt->state == MODEL_TS_DONE)
		mt->state = MODEL_TS_IDLE;
	mt->call = NULL;
}

void
model_report_deadlock(void)
{
	struct model_thread *mt;
	char msg[1536];
	size_t n = 0;

	msg[0] = 0;
	for (mt = model_w.threads; mt != NULL; mt = mt->next) {
		if (mt->state < MODEL_TS_READY || mt->state > MODEL_TS_LOCKWAIT)
			continue;
		n += (size_t)host_snprintf(msg + n, sizeof(msg) - n,
		    "%s%s %s at %s", n ? "; " : "", mt->name,
		    mt->state == MODEL_TS_PREEMPTED ? "preempted" : "waits",
		    mt->where);
		if (n >= sizeof(msg))
			break;
	}
	if (!model_w.dead) {
		model_w.dead = 1;
		model_w.fault_kind = MODEL_FAULT_DEADLOCK;
		host_snprintf(model_w.fault, sizeof(model_w.fault),
		    "step %ld: deadlock: no thread can run: %s", model_w.step,
		    msg);
	}
}

int
model_run(struct thread *td, struct model_call *call)
{
	int state;

	if (model_w.dead)
		return (MODEL_TS_DEAD);
	model_spawn(td, call);
	model_w.interleave = 0;
	for (;;) {
		state = model_thread_state(td);
		if (state == MODEL_TS_DONE || state == MODEL_TS_DEAD)
			return (state);
		if (!model_runnable(td)) {
			model_report_deadlock();
			return (MODEL_TS_DEAD);
		}
		model_resume(td);
	}
}
