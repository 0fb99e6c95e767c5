/*
 * sys.S: the host side's way into the DragonFly kernel.
 *
 * DragonFly x86_64 system calls: number in %rax, arguments in %rdi %rsi
 * %rdx %r10 %r8 %r9, a seventh one (vmspace_mmap's offset, mmap's pos) read
 * by the kernel from the user stack at 8(%rsp) (syscall2: params = tf_rsp +
 * sizeof(register_t)); error: carry set and %rax = errno.
 */
	.text

/*
 * long sysc(long nr, long a1, long a2, long a3, long a4, long a5, long a6,
 *           long a7)
 * Returns the value, or -errno.  a6 arrives at 8(%rsp), a7 at 16(%rsp); a7
 * is moved to 8(%rsp) (the callee owns its argument area), where the kernel
 * reads the seventh argument.
 */
	.globl	sysc
	.type	sysc, @function
sysc:
	movq	%rdi, %rax
	movq	%rsi, %rdi
	movq	%rdx, %rsi
	movq	%rcx, %rdx
	movq	%r8, %r10
	movq	%r9, %r8
	movq	8(%rsp), %r9
	movq	16(%rsp), %r11
	movq	%r11, 8(%rsp)
	syscall
	jnc	1f
	negq	%rax
1:	ret
	.size	sysc, . - sysc

/*
 * long ctl_probe(struct ctl_probe *p)
 * vmspace_ctl(p->id, p->cmd, p->tf, p->vf) with known values in the
 * callee-saved registers, then records what the kernel handed back: the
 * result (-errno on error) and %rdi %rsi %rbx %rbp %r12-%r15 %rsp, so the
 * caller can check that its context came back intact, whether vkernel_trap
 * restored it after a round trip or vmspace_ctl's error path did.  Not
 * reentrant (the probe pointer is kept in a static): main thread only.
 * Layout of struct ctl_probe: in id 0, cmd 8, tf 16, vf 24; out ret 32,
 * rdi 40, rsi 48, rbx 56, rbp 64, r12 72, r13 80, r14 88, r15 96,
 * rsp_before 104, rsp_after 112.
 */
	.globl	ctl_probe
	.type	ctl_probe, @function
ctl_probe:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rdi, probe_cur(%rip)
	movq	%rsp, 104(%rdi)
	movabsq	$0x0b0b0b0b0b0b0b0b, %rbx
	movabsq	$0x0d0d0d0d0d0d0d0d, %rbp
	movabsq	$0x1c1c1c1c1c1c1c1c, %r12
	movabsq	$0x1d1d1d1d1d1d1d1d, %r13
	movabsq	$0x1e1e1e1e1e1e1e1e, %r14
	movabsq	$0x1f1f1f1f1f1f1f1f, %r15
	movq	24(%rdi), %r10
	movq	16(%rdi), %rdx
	movq	8(%rdi), %rsi
	movq	0(%rdi), %rdi
	movl	$488, %eax		/* SYS_vmspace_ctl */
	syscall
	jnc	1f
	negq	%rax
1:	movq	probe_cur(%rip), %r11
	movq	%rax, 32(%r11)
	movq	%rdi, 40(%r11)
	movq	%rsi, 48(%r11)
	movq	%rbx, 56(%r11)
	movq	%rbp, 64(%r11)
	movq	%r12, 72(%r11)
	movq	%r13, 80(%r11)
	movq	%r14, 88(%r11)
	movq	%r15, 96(%r11)
	movq	%rsp, 112(%r11)
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret
	.size	ctl_probe, . - ctl_probe

	.bss
	.align	8
probe_cur:
	.quad	0

	.section .note.GNU-stack,"",@progbits
