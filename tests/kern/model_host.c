/*
 * vmspace-rs model: the host interface (see model_host.h).  The only model
 * file compiled against libc; it must not include a model header.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "model_host.h"

/*
 * AddressSanitizer (tests/harness built with HARNESS_ASAN, see
 * docs/sched.md): coroutine switches are announced to ASan as fiber
 * switches, so that it knows which stack is current (no false reports when
 * a coroutine's frames are abandoned by a panic), and quarantined kfree
 * blocks are poisoned.
 */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define HOST_ASAN	1
#endif

void *
host_zalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (p == NULL)
		host_abort("model: out of host memory");
	return (p);
}

void *
host_realloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (p == NULL)
		host_abort("model: out of host memory");
	return (p);
}

void
host_free(void *p)
{
	free(p);
}

int
host_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return (vsnprintf(buf, size, fmt, ap));
}

int
host_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return (n);
}

void
host_abort(const char *msg)
{
	fprintf(stderr, "%s\n", msg);
	abort();
}

struct host_ctx {
	ucontext_t	uc;
	void		*map;		/* guard page + stack */
	size_t		map_size;
	void		(*entry)(void);
	const void	*stack_bottom;	/* ASan: the stack, for fiber switches */
	size_t		stack_size;
};

static __thread struct host_ctx self_ctx;
#ifdef HOST_ASAN
/* The context a switch is entering (read by host_ctx_start). */
static __thread struct host_ctx *entering;

/* A coroutine's first instructions: finish the fiber switch, then run. */
static void
host_ctx_start(void)
{
	struct host_ctx *me = entering;

	/* Coroutines are entered from the driver: learn its stack. */
	__sanitizer_finish_switch_fiber(NULL, &self_ctx.stack_bottom,
	    &self_ctx.stack_size);
	me->entry();
}
#endif

struct host_ctx *
host_ctx_new(size_t stack_size)
{
	struct host_ctx *ctx = host_zalloc(sizeof(*ctx));
	long page = sysconf(_SC_PAGESIZE);

	stack_size = (stack_size + page - 1) & ~(size_t)(page - 1);
	ctx->map_size = stack_size + page;
	ctx->map = mmap(NULL, ctx->map_size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ctx->map == MAP_FAILED)
		host_abort("model: cannot map a coroutine stack");
	/* The lowest page stays inaccessible: overflow faults. */
	if (mprotect(ctx->map, page, PROT_NONE) != 0)
		host_abort("model: cannot protect a stack guard page");
	ctx->uc.uc_stack.ss_sp = (char *)ctx->map + page;
	ctx->uc.uc_stack.ss_size = stack_size;
	return (ctx);
}

void
host_ctx_prepare(struct host_ctx *ctx, void (*entry)(void))
{
	if (getcontext(&ctx->uc) != 0)
		host_abort("model: getcontext failed");
	ctx->uc.uc_stack.ss_sp = (char *)ctx->map + (ctx->map_size -
	    ctx->uc.uc_stack.ss_size);
	ctx->uc.uc_link = NULL;
	ctx->entry = entry;
	ctx->stack_bottom = ctx->uc.uc_stack.ss_sp;
	ctx->stack_size = ctx->uc.uc_stack.ss_size;
#ifdef HOST_ASAN
	/* A coroutine abandoned by a panic left its frames' redzones. */
	__asan_unpoison_memory_region(ctx->uc.uc_stack.ss_sp,
	    ctx->uc.uc_stack.ss_size);
	makecontext(&ctx->uc, host_ctx_start, 0);
#else
	makecontext(&ctx->uc, entry, 0);
#endif
}

void
host_ctx_delete(struct host_ctx *ctx)
{
	if (ctx == NULL)
		return;
	host_asan_unpoison(ctx->map, ctx->map_size);
	munmap(ctx->map, ctx->map_size);
	free(ctx);
}

struct host_ctx *
host_ctx_self(void)
{
	return (&self_ctx);
}

void
host_ctx_switch(struct host_ctx *from, struct host_ctx *to)
{
#ifdef HOST_ASAN
	void *fake_stack = NULL;

	entering = to;
	__sanitizer_start_switch_fiber(&fake_stack, to->stack_bottom,
	    to->stack_size);
#endif
	if (swapcontext(&from->uc, &to->uc) != 0)
		host_abort("model: swapcontext failed");
#ifdef HOST_ASAN
	__sanitizer_finish_switch_fiber(fake_stack, NULL, NULL);
#endif
}

void
host_ctx_jump(struct host_ctx *to)
{
#ifdef HOST_ASAN
	/* This context is left for good: NULL drops its fake stack. */
	__sanitizer_start_switch_fiber(NULL, to->stack_bottom, to->stack_size);
#endif
	setcontext(&to->uc);
	host_abort("model: setcontext failed");
}

static void (*fault_handler)(unsigned long);
static __thread int fault_armed;
static __thread int altstack_ready;
static __thread void *altstack;		/* kept: the stack stays installed */

static void
fault_signal(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	if (fault_armed && fault_handler != NULL) {
		fault_armed = 0;
		fault_handler((unsigned long)info->si_addr);
	}
	/* Not ours: take the default action when the access repeats. */
	signal(sig, SIG_DFL);
}

void
host_fault_setup(void (*handler)(unsigned long addr))
{
	struct sigaction sa;

	if (!altstack_ready) {
		stack_t ss;

		ss.ss_size = 256 * 1024;
		ss.ss_sp = altstack = malloc(ss.ss_size);
		ss.ss_flags = 0;
		if (ss.ss_sp == NULL || sigaltstack(&ss, NULL) != 0)
			host_abort("model: cannot set an alternate signal stack");
		altstack_ready = 1;
	}
	fault_handler = handler;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

void
host_fault_arm(int on)
{
	fault_armed = on;
}

unsigned long
host_window_reserve(unsigned long size)
{
	/* Low in the address space, clear of PIE images, heap and mmaps. */
	void *want = (void *)0x10000000UL;
	void *p = mmap(want, size, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
	    -1, 0);

	if (p == MAP_FAILED)
		return (0);
	if (p != want) {
		munmap(p, size);
		return (0);
	}
	return ((unsigned long)p);
}

void
host_asan_poison(const void *p, size_t size)
{
#ifdef HOST_ASAN
	__asan_poison_memory_region(p, size);
#else
	(void)p;
	(void)size;
#endif
}

void
host_asan_unpoison(const void *p, size_t size)
{
#ifdef HOST_ASAN
	__asan_unpoison_memory_region(p, size);
#else
	(void)p;
	(void)size;
#endif
}
