/*
 * vmspace-rs model: the host interface.
 *
 * The model's .c files are compiled against the model kernel headers
 * (include/), which take the names of libc's headers (<sys/types.h>,
 * <sys/mman.h>, ...).  So they never include a libc header; everything they
 * need from the host goes through the functions below, implemented in
 * model_host.c, the one file compiled against libc (as NetBSD's rump kernels
 * do with rumpuser).  Only compiler-provided headers are used here.
 */
#ifndef _MODEL_HOST_H_
#define _MODEL_HOST_H_

#include <stdarg.h>
#include <stddef.h>

/* Memory (zeroed on allocation; aborts on exhaustion). */
void	*host_zalloc(size_t size);
void	*host_realloc(void *p, size_t size);
void	host_free(void *p);

/* Formatting and diagnostics. */
int	host_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int	host_snprintf(char *buf, size_t size, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 3, 4)));
void	host_abort(const char *msg) __attribute__((__noreturn__));

/*
 * Coroutines: a context with its own stack (a guard page below it), entered
 * at entry() on the first switch.  host_ctx_self() is the calling host
 * thread's own context (the driver's); switching back to it resumes the
 * driver where it switched away.
 */
struct host_ctx;
struct host_ctx *host_ctx_new(size_t stack_size);
void	host_ctx_prepare(struct host_ctx *ctx, void (*entry)(void));
void	host_ctx_delete(struct host_ctx *ctx);
struct host_ctx *host_ctx_self(void);
void	host_ctx_switch(struct host_ctx *from, struct host_ctx *to);
/* Leaves the current context for good (usable from a signal handler). */
void	host_ctx_jump(struct host_ctx *to) __attribute__((__noreturn__));

/*
 * Kernel page faults: while armed on the calling host thread, SIGSEGV and
 * SIGBUS call handler(fault address) on an alternate signal stack; the
 * handler must not return (it jumps away with host_ctx_jump).  Unarmed, the
 * signals keep their default action.
 */
void	host_fault_setup(void (*handler)(unsigned long addr));
void	host_fault_arm(int on);

/*
 * Reserves an address range the host never maps (PROT_NONE), for user
 * addresses.  Returns its base, or 0 if the reservation failed.
 */
unsigned long host_window_reserve(unsigned long size);

/*
 * AddressSanitizer builds (the C parts compiled with -fsanitize=address):
 * marks memory inaccessible (a later access by instrumented code is an ASan
 * report) or accessible again.  No-ops in other builds.
 */
void	host_asan_poison(const void *p, size_t size);
void	host_asan_unpoison(const void *p, size_t size);

#endif /* !_MODEL_HOST_H_ */
