/*
 * vmspace-rs userland model of DragonFly's <machine/frame.h> (x86_64): the
 * trap frame saved on kernel entry.
 */
#ifndef _MACHINE_FRAME_H_
#define _MACHINE_FRAME_H_

#include <sys/types.h>

struct trapframe {
	register_t	tf_rdi;		/* matches mc_rdi in mcontext */
	register_t	tf_rsi;
	register_t	tf_rdx;
	register_t	tf_rcx;
	register_t	tf_r8;
	register_t	tf_r9;
	register_t	tf_rax;
	register_t	tf_rbx;
	register_t	tf_rbp;
	register_t	tf_r10;
	register_t	tf_r11;
	register_t	tf_r12;
	register_t	tf_r13;
	register_t	tf_r14;
	register_t	tf_r15;
	register_t	tf_xflags;
	register_t	tf_trapno;
	register_t	tf_addr;
	register_t	tf_flags;
	/* pushed by the hardware from here on */
	register_t	tf_err;
	register_t	tf_rip;
	register_t	tf_cs;
	register_t	tf_rflags;
#define tf_sp tf_rsp
	register_t	tf_rsp;
	register_t	tf_ss;
};

#endif /* !_MACHINE_FRAME_H_ */
