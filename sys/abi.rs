//! The DragonFly x86_64 kernel ABI the port relies on, pinned at compile
//! time: size, alignment and field offsets of every structure it touches,
//! and the constants it uses, with the values measured from DragonFly's
//! headers at c2e7bb204e (written by scripts/abi-pins.py from the ABI facts; do
//! not edit).  A header tree, real or model, that disagrees does not
//! compile.  `make kernel-check` checks this file against the facts.
//!
//! struct proc, lwp and thread are pinned by the offsets of the fields used:
//! their sizes are not among the ABI facts.

use crate::bindings as b;
use crate::kern;
use core::mem::{align_of, offset_of, size_of};
use static_assertions::const_assert_eq;

// struct lwkt_token
const_assert_eq!(size_of::<b::lwkt_token>(), 32);
const_assert_eq!(align_of::<b::lwkt_token>(), 8);

// struct lwp
const_assert_eq!(offset_of!(b::lwp, lwp_proc), 48);
const_assert_eq!(offset_of!(b::lwp, lwp_vkernel), 64);
const_assert_eq!(offset_of!(b::lwp, lwp_thread), 424);

// struct proc
const_assert_eq!(offset_of!(b::proc_, p_pid), 92);
const_assert_eq!(offset_of!(b::proc_, p_vmspace), 288);
const_assert_eq!(offset_of!(b::proc_, p_lwp_tree), 984);
const_assert_eq!(offset_of!(b::proc_, p_vkernel), 1064);
const_assert_eq!(offset_of!(b::proc_, p_token), 1104);

// struct savetls
const_assert_eq!(size_of::<b::savetls>(), 32);
const_assert_eq!(align_of::<b::savetls>(), 8);

// struct spinlock
const_assert_eq!(size_of::<b::spinlock>(), 16);
const_assert_eq!(align_of::<b::spinlock>(), 8);

// struct sysmsg
const_assert_eq!(size_of::<b::sysmsg>(), 32);
const_assert_eq!(align_of::<b::sysmsg>(), 8);
const_assert_eq!(offset_of!(b::sysmsg, sm_result), 0);
const_assert_eq!(offset_of!(b::sysmsg, sm_frame), 16);

// struct thread
const_assert_eq!(offset_of!(b::thread, td_lwp), 168);
const_assert_eq!(offset_of!(b::thread, td_proc), 176);
const_assert_eq!(offset_of!(b::thread, td_vmm), 456);
const_assert_eq!(kern::TD_TLS_OFFSET, 1280); // td_tls

// struct trapframe
const_assert_eq!(size_of::<b::trapframe>(), 200);
const_assert_eq!(align_of::<b::trapframe>(), 8);
const_assert_eq!(offset_of!(b::trapframe, tf_rdi), 0);
const_assert_eq!(offset_of!(b::trapframe, tf_rsi), 8);
const_assert_eq!(offset_of!(b::trapframe, tf_rdx), 16);
const_assert_eq!(offset_of!(b::trapframe, tf_rcx), 24);
const_assert_eq!(offset_of!(b::trapframe, tf_r8), 32);
const_assert_eq!(offset_of!(b::trapframe, tf_r9), 40);
const_assert_eq!(offset_of!(b::trapframe, tf_rax), 48);
const_assert_eq!(offset_of!(b::trapframe, tf_rbx), 56);
const_assert_eq!(offset_of!(b::trapframe, tf_rbp), 64);
const_assert_eq!(offset_of!(b::trapframe, tf_r10), 72);
const_assert_eq!(offset_of!(b::trapframe, tf_r11), 80);
const_assert_eq!(offset_of!(b::trapframe, tf_r12), 88);
const_assert_eq!(offset_of!(b::trapframe, tf_r13), 96);
const_assert_eq!(offset_of!(b::trapframe, tf_r14), 104);
const_assert_eq!(offset_of!(b::trapframe, tf_r15), 112);
const_assert_eq!(offset_of!(b::trapframe, tf_xflags), 120);
const_assert_eq!(offset_of!(b::trapframe, tf_trapno), 128);
const_assert_eq!(offset_of!(b::trapframe, tf_addr), 136);
const_assert_eq!(offset_of!(b::trapframe, tf_flags), 144);
const_assert_eq!(offset_of!(b::trapframe, tf_err), 152);
const_assert_eq!(offset_of!(b::trapframe, tf_rip), 160);
const_assert_eq!(offset_of!(b::trapframe, tf_cs), 168);
const_assert_eq!(offset_of!(b::trapframe, tf_rflags), 176);
const_assert_eq!(offset_of!(b::trapframe, tf_rsp), 184);
const_assert_eq!(offset_of!(b::trapframe, tf_ss), 192);

// struct vextframe
const_assert_eq!(size_of::<b::vextframe>(), 32);
const_assert_eq!(align_of::<b::vextframe>(), 8);
const_assert_eq!(offset_of!(b::vextframe, vx_tls), 0);

// struct vkernel_lwp
const_assert_eq!(size_of::<b::vkernel_lwp>(), 256);
const_assert_eq!(align_of::<b::vkernel_lwp>(), 8);
const_assert_eq!(offset_of!(b::vkernel_lwp, save_trapframe), 0);
const_assert_eq!(offset_of!(b::vkernel_lwp, save_vextframe), 200);
const_assert_eq!(offset_of!(b::vkernel_lwp, user_trapframe), 232);
const_assert_eq!(offset_of!(b::vkernel_lwp, user_vextframe), 240);
const_assert_eq!(offset_of!(b::vkernel_lwp, ve), 248);

// struct vkernel_proc
const_assert_eq!(size_of::<b::vkernel_proc>(), 80);
const_assert_eq!(align_of::<b::vkernel_proc>(), 8);
const_assert_eq!(offset_of!(b::vkernel_proc, root), 0);
const_assert_eq!(offset_of!(b::vkernel_proc, token), 32);
const_assert_eq!(offset_of!(b::vkernel_proc, refs), 64);
const_assert_eq!(offset_of!(b::vkernel_proc, vkernel_cr3), 72);

// struct vmspace (reached only through the inline vmspace_pmap())
const_assert_eq!(align_of::<b::vmspace>(), 8);
const_assert_eq!(offset_of!(b::vmspace, vm_map), 0);
const_assert_eq!(offset_of!(b::vmspace, vm_pmap), 272);

// struct vmspace_create_args
const_assert_eq!(size_of::<b::vmspace_create_args>(), 56);
const_assert_eq!(align_of::<b::vmspace_create_args>(), 8);
const_assert_eq!(offset_of!(b::vmspace_create_args, id), 32);
const_assert_eq!(offset_of!(b::vmspace_create_args, rs_type), 40);
const_assert_eq!(offset_of!(b::vmspace_create_args, data), 48);

// struct vmspace_ctl_args
const_assert_eq!(size_of::<b::vmspace_ctl_args>(), 64);
const_assert_eq!(align_of::<b::vmspace_ctl_args>(), 8);
const_assert_eq!(offset_of!(b::vmspace_ctl_args, id), 32);
const_assert_eq!(offset_of!(b::vmspace_ctl_args, cmd), 40);
const_assert_eq!(offset_of!(b::vmspace_ctl_args, tframe), 48);
const_assert_eq!(offset_of!(b::vmspace_ctl_args, vframe), 56);

// struct vmspace_destroy_args
const_assert_eq!(size_of::<b::vmspace_destroy_args>(), 40);
const_assert_eq!(align_of::<b::vmspace_destroy_args>(), 8);
const_assert_eq!(offset_of!(b::vmspace_destroy_args, id), 32);

// struct vmspace_entry
const_assert_eq!(size_of::<b::vmspace_entry>(), 56);
const_assert_eq!(align_of::<b::vmspace_entry>(), 8);
const_assert_eq!(offset_of!(b::vmspace_entry, id), 0);
const_assert_eq!(offset_of!(b::vmspace_entry, vmspace), 8);
const_assert_eq!(offset_of!(b::vmspace_entry, flags), 16);
const_assert_eq!(offset_of!(b::vmspace_entry, refs), 20);
const_assert_eq!(offset_of!(b::vmspace_entry, rb_entry), 24);
const_assert_eq!(offset_of!(b::vmspace_entry, rb_entry.rbe_left), 24);
const_assert_eq!(offset_of!(b::vmspace_entry, rb_entry.rbe_right), 32);
const_assert_eq!(offset_of!(b::vmspace_entry, rb_entry.rbe_parent), 40);
const_assert_eq!(offset_of!(b::vmspace_entry, rb_entry.rbe_color), 48);

// struct vmspace_mcontrol_args
const_assert_eq!(size_of::<b::vmspace_mcontrol_args>(), 72);
const_assert_eq!(align_of::<b::vmspace_mcontrol_args>(), 8);
const_assert_eq!(offset_of!(b::vmspace_mcontrol_args, id), 32);
const_assert_eq!(offset_of!(b::vmspace_mcontrol_args, addr), 40);
const_assert_eq!(offset_of!(b::vmspace_mcontrol_args, len), 48);
const_assert_eq!(offset_of!(b::vmspace_mcontrol_args, behav), 56);
const_assert_eq!(offset_of!(b::vmspace_mcontrol_args, value), 64);

// struct vmspace_mmap_args
const_assert_eq!(size_of::<b::vmspace_mmap_args>(), 88);
const_assert_eq!(align_of::<b::vmspace_mmap_args>(), 8);
const_assert_eq!(offset_of!(b::vmspace_mmap_args, id), 32);
const_assert_eq!(offset_of!(b::vmspace_mmap_args, addr), 40);
const_assert_eq!(offset_of!(b::vmspace_mmap_args, len), 48);
const_assert_eq!(offset_of!(b::vmspace_mmap_args, prot), 56);
const_assert_eq!(offset_of!(b::vmspace_mmap_args, flags), 64);
const_assert_eq!(offset_of!(b::vmspace_mmap_args, fd), 72);
const_assert_eq!(offset_of!(b::vmspace_mmap_args, offset), 80);

// struct vmspace_munmap_args
const_assert_eq!(size_of::<b::vmspace_munmap_args>(), 56);
const_assert_eq!(align_of::<b::vmspace_munmap_args>(), 8);
const_assert_eq!(offset_of!(b::vmspace_munmap_args, id), 32);
const_assert_eq!(offset_of!(b::vmspace_munmap_args, addr), 40);
const_assert_eq!(offset_of!(b::vmspace_munmap_args, len), 48);

// struct vmspace_pread_args
const_assert_eq!(size_of::<b::vmspace_pread_args>(), 72);
const_assert_eq!(align_of::<b::vmspace_pread_args>(), 8);
const_assert_eq!(offset_of!(b::vmspace_pread_args, id), 32);
const_assert_eq!(offset_of!(b::vmspace_pread_args, buf), 40);
const_assert_eq!(offset_of!(b::vmspace_pread_args, nbyte), 48);
const_assert_eq!(offset_of!(b::vmspace_pread_args, flags), 56);
const_assert_eq!(offset_of!(b::vmspace_pread_args, offset), 64);

// struct vmspace_pwrite_args
const_assert_eq!(size_of::<b::vmspace_pwrite_args>(), 72);
const_assert_eq!(align_of::<b::vmspace_pwrite_args>(), 8);
const_assert_eq!(offset_of!(b::vmspace_pwrite_args, id), 32);
const_assert_eq!(offset_of!(b::vmspace_pwrite_args, buf), 40);
const_assert_eq!(offset_of!(b::vmspace_pwrite_args, nbyte), 48);
const_assert_eq!(offset_of!(b::vmspace_pwrite_args, flags), 56);
const_assert_eq!(offset_of!(b::vmspace_pwrite_args, offset), 64);

// struct vmspace_rb_tree
const_assert_eq!(size_of::<b::vmspace_rb_tree>(), 32);
const_assert_eq!(align_of::<b::vmspace_rb_tree>(), 8);
const_assert_eq!(offset_of!(b::vmspace_rb_tree, rbh_root), 0);
const_assert_eq!(offset_of!(b::vmspace_rb_tree, rbh_inprog), 8);
const_assert_eq!(offset_of!(b::vmspace_rb_tree, rbh_spin), 16);

// constants
const_assert_eq!(b::EBUSY as i128, 16);
const_assert_eq!(b::EEXIST as i128, 17);
const_assert_eq!(b::EINVAL as i128, 22);
const_assert_eq!(b::EJUSTRETURN as i128, -2);
const_assert_eq!(b::ENOENT as i128, 2);
const_assert_eq!(b::EOPNOTSUPP as i128, 45);
const_assert_eq!(kern::MADV_CONTROL_END as i128, 11);
const_assert_eq!(b::M_WAITOK as i128, 2);
const_assert_eq!(b::M_ZERO as i128, 256);
const_assert_eq!(kern::PAGE_MASK as i128, 4095);
const_assert_eq!(b::VMSPACE_CTL_RUN as i128, 1);
const_assert_eq!(kern::VM_MAX_USER_ADDRESS as i128, 140737488355328);
const_assert_eq!(kern::VM_MIN_USER_ADDRESS as i128, 0);
const_assert_eq!(kern::VM_PROT_NONE as i128, 0);
