/*
 * guest.S: the code that runs inside a VMSPACE.
 *
 * The host copies the bytes between guest_start and guest_end into the code
 * page of the memory image (guest virtual address GVA_CODE); every entry is
 * position independent and takes its parameters in registers that the host
 * puts in the trapframe it passes to vmspace_ctl(VMSPACE_CTL_RUN):
 * %rsi and %rdx are guest addresses, %rdi a value.  Each entry ends by
 * leaving the VMSPACE through vkernel_trap: a system call, a fault, a
 * breakpoint, or a signal while it spins.  The ud2 after a syscall is never
 * reached (the host never resumes a guest frame).
 */
	.text
	.globl	guest_start, guest_end
	.globl	g_syscall, g_load, g_store, g_stack, g_spin, g_int3, g_hlt
	.globl	g_wait, g_park
	/* the return points: the address after each syscall (tf_rip) */
	.globl	g_syscall_ret, g_load_ret, g_store_ret, g_stack_ret, g_wait_ret
	.align	16
guest_start:

/* system call with the registers as the host set them */
g_syscall:
	syscall
g_syscall_ret:
	ud2

/* %rdi = *(%rsi); syscall: a read through the virtual page table */
g_load:
	movq	(%rsi), %rdi
	syscall
g_load_ret:
	ud2

/* *(%rsi) = %rdi; syscall: a write through the virtual page table */
g_store:
	movq	%rdi, (%rsi)
	syscall
g_store_ret:
	ud2

/* %rbx through the stack page into %r9; syscall */
g_stack:
	pushq	%rbx
	popq	%r9
	syscall
g_stack_ret:
	ud2

/* count in %r8 until a signal takes the thread out */
g_spin:
	incq	%r8
	jmp	g_spin

/* breakpoint: T_BPTFLT */
g_int3:
	int3
	ud2

/* privileged instruction: T_PROTFLT */
g_hlt:
	hlt
	ud2

/*
 * *(int *)%rsi = 1 (entered), spin until *(int *)%rdx != 0 (released by the
 * host through its own mapping of the image), then syscall.
 */
g_wait:
	movl	$1, (%rsi)
1:	pause
	cmpl	$0, (%rdx)
	je	1b
	syscall
g_wait_ret:
	ud2

/* *(int *)%rsi = 1 (entered), then spin forever: the thread is killed here */
g_park:
	movl	$1, (%rsi)
1:	pause
	jmp	1b

	.align	16
guest_end:

	.section .note.GNU-stack,"",@progbits
