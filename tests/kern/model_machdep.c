/*
 * vmspace-rs model: user memory and copyin/copyout, bcopy, and the pc64
 * machine-dependent functions vkernel calls (frame and TLS sanitising,
 * TLS and FPU state, vkernel trap return, VMM guest cr3).
 */
#include "model_impl.h"

/* The host range that backs no user address: direct dereferences fault. */
#if defined(__SANITIZE_ADDRESS__)
/* ASan's shadow memory begins at 0x7fff8000: the window stays below. */
#define MODEL_WINDOW_SIZE	(0x70000000UL - 0x10000000UL)
#else
#define MODEL_WINDOW_SIZE	(0x1000000000UL - 0x10000000UL)
#endif

static unsigned long window_base;
static int window_tried;

unsigned long
model_user_window_base(void)
{
	if (!window_tried) {
		window_tried = 1;
		window_base = host_window_reserve(MODEL_WINDOW_SIZE);
	}
	return (window_base);
}

unsigned long
model_user_window_size(void)
{
	return (model_user_window_base() ? MODEL_WINDOW_SIZE : 0);
}

/* ---------------------------------------------------------------------- */
/* User memory                                                            */

int
model_user_map(struct vmspace *vm, unsigned long addr, unsigned long len,
	       int prot)
{
	struct model_vmspace *mv = model_mv(vm);
	struct model_range **rp, *r;

	if (len == 0 || addr + len < addr || addr + len > VM_MAX_USER_ADDRESS)
		return (EINVAL);
	for (rp = &mv->user; *rp != NULL && (*rp)->end <= addr;
	     rp = &(*rp)->next)
		;
	if (*rp != NULL && (*rp)->start < addr + len)
		return (EEXIST);
	r = host_zalloc(sizeof(*r));
	r->start = addr;
	r->end = addr + len;
	r->prot = prot;
	r->mem = host_zalloc(len);
	r->next = *rp;
	*rp = r;
	return (0);
}

int
model_user_unmap(struct vmspace *vm, unsigned long addr, unsigned long len)
{
	struct model_vmspace *mv = model_mv(vm);
	struct model_range **rp, *r;
	int found = 0;

	for (rp = &mv->user; (r = *rp) != NULL;) {
		if (r->start >= addr && r->end <= addr + len) {
			*rp = r->next;
			host_free(r->mem);
			host_free(r);
			found = 1;
		} else if (r->start < addr + len && r->end > addr) {
			return (EINVAL);	/* would split a region */
		} else {
			rp = &r->next;
		}
	}
	return (found ? 0 : EINVAL);
}

static struct model_range *
model_user_region(struct model_vmspace *mv, unsigned long addr)
{
	struct model_range *r;

	for (r = mv->user; r != NULL; r = r->next) {
		if (addr >= r->start && addr < r->end)
			return (r);
	}
	return (NULL);
}

static int
model_user_faulting(struct model_vmspace *mv, unsigned long addr)
{
	struct model_range *r;

	for (r = mv->faults; r != NULL; r = r->next) {
		if (addr >= r->start && addr < r->end)
			return (1);
	}
	return (0);
}

void
model_user_fault(struct vmspace *vm, unsigned long addr, unsigned long len,
		 int on)
{
	struct model_vmspace *mv = model_mv(vm);
	struct model_range **rp, *r;

	if (on) {
		r = host_zalloc(sizeof(*r));
		r->start = addr;
		r->end = addr + len;
		r->next = mv->faults;
		mv->faults = r;
		return;
	}
	for (rp = &mv->faults; (r = *rp) != NULL;) {
		if (r->start < addr + len && r->end > addr) {
			*rp = r->next;
			host_free(r);
		} else {
			rp = &r->next;
		}
	}
}

/*
 * Copies between kernel memory and user memory of vm one region piece at a
 * time.  checked: honour protections and injected faults (copyin/copyout);
 * returns the number of bytes copied before the first fault.
 */
static unsigned long
model_user_copy(struct model_vmspace *mv, unsigned long uaddr, void *kaddr,
		unsigned long len, int to_user, int checked)
{
	unsigned long done = 0;

	while (done < len) {
		unsigned long a = uaddr + done, n;
		struct model_range *r = model_user_region(mv, a);

		if (r == NULL)
			break;
		if (checked && (r->prot & (to_user ? PROT_WRITE : PROT_READ))
		    == 0)
			break;
		n = r->end - a;
		if (n > len - done)
			n = len - done;
		if (checked) {
			unsigned long i;

			/* Stop at the first byte of an injected fault. */
			for (i = 0; i < n; ++i) {
				if (model_user_faulting(mv, a + i))
					break;
			}
			n = i;
		}
		if (to_user)
			__builtin_memcpy(r->mem + (a - r->start),
			    (char *)kaddr + done, n);
		else
			__builtin_memcpy((char *)kaddr + done,
			    r->mem + (a - r->start), n);
		done += n;
		if (checked && done < len && model_user_faulting(mv, uaddr +
		    done))
			break;
	}
	return (done);
}

int
model_user_write(struct vmspace *vm, unsigned long addr, const void *buf,
		 unsigned long len)
{
	return (model_user_copy(model_mv(vm), addr, (void *)(unsigned long)buf,
	    len, 1, 0) == len ? 0 : EFAULT);
}

int
model_user_read(struct vmspace *vm, unsigned long addr, void *buf,
		unsigned long len)
{
	return (model_user_copy(model_mv(vm), addr, buf, len, 0, 0) == len ?
	    0 : EFAULT);
}

/* The vmspace copyin/copyout see: the current LWP's, NULL for none. */
static struct model_vmspace *
model_cur_uvm(void)
{
	struct lwp *lp = curthread->td_lwp;

	return (lp != NULL && lp->lwp_vmspace != NULL ?
	    model_mv(lp->lwp_vmspace) : NULL);
}

static int
model_copy_user(const char *fn, unsigned long uaddr, void *kaddr, size_t len,
		int to_user)
{
	struct model_vmspace *mv;
	int error = 0;

	/* Touching user memory can fault pages in, which can block. */
	model_may_block(fn);
	mv = model_cur_uvm();
	if (uaddr + len < uaddr || uaddr + len > VM_MAX_USER_ADDRESS ||
	    mv == NULL || mv->freed)
		error = EFAULT;
	else if (model_user_copy(mv, uaddr, kaddr, len, to_user, 1) != len)
		error = EFAULT;
	return (error);
}

int
copyin(const void *udaddr, void *kaddr, size_t len)
{
	int error;

	MODEL_ENTER("copyin");
	error = model_copy_user("copyin", (unsigned long)udaddr, kaddr, len, 0);
	if (model_tracing())
		model_trace("copyin(0x%lx, %s, %lu) = %s", (unsigned long)udaddr,
		    model_nm(kaddr), (unsigned long)len, model_errname(error));
	MODEL_LEAVE();
	return (error);
}

int
copyout(const void *kaddr, void *udaddr, size_t len)
{
	int error;

	MODEL_ENTER("copyout");
	error = model_copy_user("copyout", (unsigned long)udaddr,
	    (void *)(unsigned long)kaddr, len, 1);
	if (model_tracing())
		model_trace("copyout(%s, 0x%lx, %lu) = %s", model_nm(kaddr),
		    (unsigned long)udaddr, (unsigned long)len,
		    model_errname(error));
	MODEL_LEAVE();
	return (error);
}

void
bcopy(volatile const void *from, volatile void *to, size_t len)
{
	MODEL_ENTER("bcopy");
	__builtin_memmove((void *)(unsigned long)to,
	    (const void *)(unsigned long)from, len);
	if (model_tracing())
		model_trace("bcopy(%s, %s, %lu)",
		    model_nm((const void *)(unsigned long)from),
		    model_nm((const void *)(unsigned long)to),
		    (unsigned long)len);
	MODEL_LEAVE();
}

void
bzero(volatile void *buf, size_t len)
{
	MODEL_ENTER("bzero");
	__builtin_memset((void *)(unsigned long)buf, 0, len);
	if (model_tracing())
		model_trace("bzero(%s, %lu)",
		    model_nm((const void *)(unsigned long)buf),
		    (unsigned long)len);
	MODEL_LEAVE();
}

/* ---------------------------------------------------------------------- */
/* pc64 machine-dependent functions                                       */

void
model_inject_sanitize_frame(int error)
{
	model_w.inject_frame = error;
}

void
model_inject_sanitize_tls(int error)
{
	model_w.inject_tls = error;
}

/*
 * pc64 machdep.c: force user selectors and keep only the rflags bits a user
 * may change.  Always 0 on x86_64; an injected error (not x86_64
 * behaviour) is returned with the frame untouched.
 */
int
cpu_sanitize_frame(struct trapframe *frame)
{
	int error = 0;

	MODEL_ENTER("cpu_sanitize_frame");
	if (model_w.inject_frame != 0) {
		error = model_w.inject_frame;
	} else {
		frame->tf_cs = GSEL(GUCODE_SEL, SEL_UPL);	/* _ucodesel */
		frame->tf_ss = GSEL(GUDATA_SEL, SEL_UPL);	/* _udatasel */
		frame->tf_rflags &= (PSL_RF | PSL_USERCHANGE | PSL_VM_UNSUPP);
		frame->tf_rflags |= PSL_RESERVED_DEFAULT | PSL_I;
	}
	if (model_tracing())
		model_trace("cpu_sanitize_frame(%s) = %s%s", model_nm(frame),
		    model_errname(error), model_w.inject_frame ?
		    " (injected, not x86_64 behaviour)" : "");
	MODEL_LEAVE();
	return (error);
}

/* pc64: nothing to check on x86_64. */
int
cpu_sanitize_tls(struct savetls *tls)
{
	int error = model_w.inject_tls;

	MODEL_ENTER("cpu_sanitize_tls");
	if (model_tracing())
		model_trace("cpu_sanitize_tls(%s) = %s%s", model_nm(tls),
		    model_errname(error), error ?
		    " (injected, not x86_64 behaviour)" : "");
	MODEL_LEAVE();
	return (error);
}

int
vmm_vm_set_tls_area(void)
{
	MODEL_ENTER("vmm_vm_set_tls_area");
	model_curmt()->vmm_tls_loads++;
	if (model_tracing())
		model_trace("vmm_vm_set_tls_area() = 0");
	MODEL_LEAVE();
	return (0);
}

/* pc64 tls.c: load the thread's TLS bases into the pcb (and the MSRs). */
void
set_user_TLS(void)
{
	struct model_thread *mt;
	struct thread *td;

	MODEL_ENTER("set_user_TLS");
	td = curthread;
	mt = model_mt(td);
	mt->pcb_fsbase = (register_t)td->td_tls.info[0].base;
	mt->pcb_gsbase = (register_t)td->td_tls.info[1].base;
	mt->tls_loads++;
	if (td->td_vmm)
		vmm_vm_set_tls_area();
	if (model_tracing())
		model_trace("set_user_TLS() fsbase=0x%lx gsbase=0x%lx",
		    mt->pcb_fsbase, mt->pcb_gsbase);
	MODEL_LEAVE();
}

/* pc64 trap.c: the vkernel wants FP faults if the frame says so. */
void
set_vkernel_fp(struct trapframe *frame)
{
	struct model_thread *mt;

	MODEL_ENTER("set_vkernel_fp");
	mt = model_curmt();
	if (frame->tf_xflags & PGEX_FPFAULT)
		mt->pcb_flags |= FP_VIRTFP;	/* (npxexit: no FPU state) */
	else
		mt->pcb_flags &= ~FP_VIRTFP;
	if (model_tracing())
		model_trace("set_vkernel_fp(%s) virtfp=%d", model_nm(frame),
		    (mt->pcb_flags & FP_VIRTFP) != 0);
	MODEL_LEAVE();
}

/* pc64 trap.c: the vkernel's vmspace_ctl() returns error. */
void
cpu_vkernel_trap(struct trapframe *frame, int error)
{
	MODEL_ENTER("cpu_vkernel_trap");
	frame->tf_rax = error;
	if (error)
		frame->tf_rflags |= PSL_C;
	else
		frame->tf_rflags &= ~PSL_C;
	if (model_tracing())
		model_trace("cpu_vkernel_trap(%s, %d)", model_nm(frame), error);
	MODEL_LEAVE();
}

/* pc64 vmm: the guest's cr3, kept in the thread's VMM context. */
void
vmm_vm_set_guest_cr3(register_t guest_cr3)
{
	struct model_thread *mt;

	MODEL_ENTER("vmm_vm_set_guest_cr3");
	mt = model_curmt();
	/* Like vmx: through td_vmm, so a thread without one faults. */
	*(register_t *)curthread->td_vmm = guest_cr3;
	mt->guest_cr3 = guest_cr3;
	mt->guest_cr3_set = 1;
	if (model_tracing())
		model_trace("vmm_vm_set_guest_cr3(0x%lx)", guest_cr3);
	MODEL_LEAVE();
}
