//! `sys/vm/vm_vmspace.c`: VMSPACEs, the address spaces a virtual kernel
//! (vkernel(7)) creates, maps memory into, and runs its user processes in.
//!
//! A port of DragonFly BSD's vm_vmspace.c, under that file's 3-clause BSD
//! licence (README, "Licence").  Functions keep their C names and order; each says
//! its locking contract as the C does.  The `extern "C"` entry points at the
//! end of the file turn the kernel's pointers into [`Kptr`]s and the
//! [`Result`] into an errno.
//!
//! Reference counts:
//! - `vkp->refs`: one per process sharing the vkernel_proc (fork).
//! - `ve->refs`: one per lwp running in the entry, plus a temporary one
//!   ([`VeRef`]) around every call that can block while the entry is in use,
//!   since blocking releases `vkp->token`.  sys_vmspace_destroy() refuses an
//!   entry with references.
//!
//! One divergence from the C (see docs/kernel.md): vkernel_lwp_exit() never
//! treats a VMM guest's `vklp->ve` (the user's id) as a kernel pointer.

use crate::bindings as b;
use crate::kern::*;
use core::ffi::{c_int, c_void};

/// The system calls' preamble on VMSPACE `uap->id`: `vkp` (EINVAL if none),
/// `vkp->token` held as `$tok`, the entry bound to `$ve` (ENOENT if none),
/// in the C's order.  A macro, not a function: the entry borrows the token
/// guard, which must live on in the caller.
macro_rules! lock_and_find {
    ($uap:ident => $tok:ident, $ve:pat) => {
        let vkp = vkernel_of(curthread().td_proc())?;
        let $tok = vkp.lock();
        let $ve = vkernel_find_vmspace(&$tok, VmspaceId::new(get!($uap, id))).ok_or(Error::ENOENT)?;
    };
}

/// vmspace_create(id, type, data): creates an empty VMSPACE under `id`
/// (NULL is a valid id for a classic entry; for a VMM guest a NULL id
/// leaves `vklp->ve` NULL, so vkernel_trap() is not reached, as in the C;
/// type and data are unused).  Memory goes in with
/// vmspace_mmap(), MAP_VPAGETABLE sections are run with vmspace_mcontrol().
///
/// No requirements.
fn vmspace_create(uap: Kptr<'_, b::vmspace_create_args>) -> Result {
    let p = curthread().td_proc();

    if vkernel_enable() == 0 {
        return Err(Error::EOPNOTSUPP);
    }

    // The process's vkernel side-structure, created on first use.  Two
    // threads may race here: the loser frees its copy.
    let vkp = match p.p_vkernel() {
        Some(vkp) => vkp,
        None => {
            let new = VkernelProc::alloc();
            let _p_token = p.p_token();
            if p.p_vkernel().is_none() {
                new.refs().init(1);
                new.token_init();
                new.rb_init();
                p.set_p_vkernel(Some(new));
                new
            } else {
                // SAFETY: `new` was never published.
                unsafe { kfree(new) };
                // SAFETY: found set just above, under p_token, still held.
                unsafe { p.p_vkernel_unchecked() }
            }
        }
    };

    if curthread().no_vmm().is_none() {
        return Ok(());
    }

    // A new VMSPACE; ids must be unique.
    let ve = VmspaceEntry::alloc();
    ve.set_vmspace(Some(vmspace_alloc(VM_MIN_USER_ADDRESS, VM_MAX_USER_ADDRESS)));
    ve.set_id(VmspaceId::new(get!(uap, id)));
    pmap_pinit2(ve.vmspace());

    let tok = vkp.lock();
    if tok.rb_insert(ve) {
        Ok(())
    } else {
        vmspace_rel(ve.vmspace());
        ve.set_vmspace(None); // safety
                              // SAFETY: the insert failed: `ve` was never published.
        unsafe { kfree(ve) };
        Err(Error::EEXIST)
    }
}

/// vmspace_destroy(id): destroys the VMSPACE `id` unless an lwp runs in it
/// or a call is using it.
///
/// No requirements.
fn vmspace_destroy(uap: Kptr<'_, b::vmspace_destroy_args>) -> Result {
    lock_and_find!(uap => tok, ve);
    if ve.refs().get() != 0 {
        return Err(Error::EBUSY);
    }
    // Found in the tree under the token, with no reference.
    // SAFETY: once removed nothing can reach it, and it is not used again.
    unsafe { vmspace_entry_delete(ve, &tok) };
    Ok(())
}

/// vmspace_ctl(id, cmd, tframe, vframe): VMSPACE_CTL_RUN runs the
/// VMSPACE `id` with the user context `tframe`/`vframe`.  The caller's
/// context is saved in its vkernel_lwp; vkernel_trap() restores it on the
/// next trap, fault, signal or system call.  Returns EJUSTRETURN so the
/// system call code leaves the replaced frame alone.
///
/// A VMM guest thread (td_vmm set) has no entries: it only switches CR3 to
/// `id`, and vkp->token is not taken.
///
/// No requirements.
fn vmspace_ctl(uap: Kptr<'_, b::vmspace_ctl_args>, frame: TrapFrame<'_>) -> Result {
    // uap's fields are reread where used (a smaller frame); &td->td_tls is
    // kept: td is the same thread across blocking calls.
    let td = curthread();
    let lp = td.td_lwp();
    let vkp = vkernel_of(lp.lwp_proc())?;

    // The entry matters only without VMM.
    let tok = td.no_vmm().map(|_| vkp.lock());
    let ve = match &tok {
        Some(tok) => Some(vkernel_find_vmspace(tok, VmspaceId::new(get!(uap, id))).ok_or(Error::ENOENT)?),
        None => None,
    };

    if get!(uap, cmd) != b::VMSPACE_CTL_RUN {
        return Err(Error::EOPNOTSUPP);
    }

    // Save the caller's context, switch VM spaces, install the passed
    // context.  The reference keeps ve across the blocking calls below
    // and, on success, stays with vklp->ve while the lwp runs in it.
    let ve = ve.map(VeRef::new);
    let vklp = match lp.lwp_vkernel() {
        Some(vklp) => vklp,
        None => {
            let vklp = VkernelLwp::alloc();
            lp.set_lwp_vkernel(Some(vklp));
            vklp
        }
    };
    vklp.set_user_trapframe(UserPtr::new(get!(uap, tframe)));
    vklp.set_user_vextframe(UserPtr::new(get!(uap, vframe)));
    let tls = td.td_tls();
    bcopy(frame, vklp.save_trapframe());
    bcopy(tls, vklp.save_vx_tls());
    let installed = copyin(UserPtr::new(get!(uap, tframe)), frame)
        .and_then(|()| copyin(UserPtr::new(get!(uap, vframe)).vx_tls(), tls))
        .and_then(|()| cpu_sanitize_frame(frame))
        .and_then(|()| cpu_sanitize_tls(tls));
    if let Err(error) = installed {
        bcopy(vklp.save_trapframe(), frame);
        bcopy(vklp.save_vx_tls(), tls);
        set_user_tls();
        drop(ve);
        return Err(error);
    }
    // vklp->ve also tells whether a vkernel user context runs (non-NULL):
    // a VMM guest stores its id there and just loads the guest CR3.
    match ve {
        Some(ve) => {
            let ve = vklp.set_ve(ve);
            pmap_setlwpvm(lp, ve.vmspace());
        }
        None => {
            let id = VmspaceId::new(get!(uap, id));
            vklp.set_ve_id(id);
            vmm_vm_set_guest_cr3(id.as_cr3());
        }
    }
    set_user_tls();
    set_vkernel_fp(frame);
    Err(Error::EJUSTRETURN)
}

/// vmspace_mmap(id, addr, len, prot, flags, fd, offset): mmap() into the
/// VMSPACE `id`, usually a MAP_VPAGETABLE mapping.
///
/// No requirements.
fn vmspace_mmap(uap: Kptr<'_, b::vmspace_mmap_args>) -> Result {
    // vmspace_token serialises the lookups of vkernel_find_vmspace().
    let _vmspace_token = vmspace_token();
    // NOTE: kern_mmap() can block, hence the temporary ve->refs.
    lock_and_find!(uap => tok, ve);
    let ve = VeRef::new(ve);
    kern_mmap(
        ve.entry().vmspace(),
        UserPtr::new(get!(uap, addr)),
        get!(uap, len),
        get!(uap, prot),
        get!(uap, flags),
        get!(uap, fd),
        get!(uap, offset),
        uap.sysmsg_resultp(),
    )
}

/// vmspace_munmap(id, addr, len): munmap() in the VMSPACE `id`.
///
/// No requirements.
fn vmspace_munmap(uap: Kptr<'_, b::vmspace_munmap_args>) -> Result {
    lock_and_find!(uap => tok, ve);

    // As sys_munmap(), with its wrap checks, in its order.
    let mut addr = get!(uap, addr) as b::vm_offset_t;
    let pageoff = addr & PAGE_MASK;
    addr -= pageoff;
    let len = get!(uap, len) as b::vm_size_t;
    let size = round_page(len.wrapping_add(pageoff));
    if size < len {
        return Err(Error::EINVAL);
    }
    let tmpaddr = addr.wrapping_add(size);
    if tmpaddr < addr {
        return Err(Error::EINVAL);
    }
    if size == 0 {
        return Ok(());
    }
    if outside_user_range(addr, tmpaddr) {
        return Err(Error::EINVAL);
    }

    // NOTE: vm_map_check_protection() and vm_map_remove() can block, hence
    // the temporary ve->refs.  (The C takes it before the checks above,
    // which do not block: with vkp->token held nobody sees the difference,
    // and the checks' exits have no reference to drop.)
    let ve = VeRef::new(ve);
    if !vm_map_check_protection(ve.entry().vmspace(), addr, tmpaddr) {
        // Seldom: a vkernel unmaps what it mapped.
        return Err(Error::EINVAL.seldom());
    }
    vm_map_remove(ve.entry().vmspace(), addr, tmpaddr);
    Ok(())
}

/// vmspace_pread(id, buf, nbyte, flags, offset): not implemented: EINVAL
/// for an existing VMSPACE.
///
/// No requirements.
fn vmspace_pread(uap: Kptr<'_, b::vmspace_pread_args>) -> Result {
    lock_and_find!(uap => tok, _);
    Err(Error::EINVAL)
}

/// vmspace_pwrite(id, buf, nbyte, flags, offset): not implemented: EINVAL
/// for an existing VMSPACE.
///
/// No requirements.
fn vmspace_pwrite(uap: Kptr<'_, b::vmspace_pwrite_args>) -> Result {
    lock_and_find!(uap => tok, _);
    Err(Error::EINVAL)
}

/// vmspace_mcontrol(id, addr, len, behav, value): madvise()/mcontrol() in
/// the VMSPACE `id`.
///
/// No requirements.
fn vmspace_mcontrol(uap: Kptr<'_, b::vmspace_mcontrol_args>) -> Result {
    let addr = get!(uap, addr) as b::vm_offset_t;
    let tmpaddr = addr.wrapping_add(get!(uap, len) as b::vm_size_t);

    lock_and_find!(uap => tok, ve);

    // As sys_mcontrol().
    if get!(uap, behav) < 0 || get!(uap, behav) > MADV_CONTROL_END {
        return Err(Error::EINVAL);
    }
    if tmpaddr < addr {
        return Err(Error::EINVAL);
    }
    if outside_user_range(addr, tmpaddr) {
        return Err(Error::EINVAL);
    }
    let start = trunc_page(addr);
    let end = round_page(tmpaddr);

    // NOTE: vm_map_madvise() can block, hence the temporary ve->refs.
    // (Taken after the checks, which do not block; see vmspace_munmap().)
    let ve = VeRef::new(ve);
    vm_map_madvise(ve.entry().vmspace(), start, end, get!(uap, behav), get!(uap, value))
}

/// RB_SCAN callback of vkernel_exit(): destroys every entry left.
///
/// The caller must hold vkp->token.
///
/// # Safety
/// Called by RB_SCAN as started by [`VkpToken::rb_scan`], with an entry
/// of the scanned tree that nothing else references.
unsafe extern "C" fn rb_vmspace_delete(ve: *mut b::vmspace_entry, data: *mut c_void) -> c_int {
    // SAFETY: RB_SCAN as started by VkpToken::rb_scan (this fn's contract).
    let tok = unsafe { scan_token(data) };
    // SAFETY: RB_SCAN passes entries of the tree, live while in it.
    let ve = unsafe { VmspaceEntry::from_raw_nonnull(ve) };
    kkassert!("rb_vmspace_delete", ve.refs().get() == 0, "ve->refs == 0");
    // In the tree and unreferenced (the last process is exiting).
    // SAFETY: RB_SCAN does not touch an entry after its callback removed it.
    unsafe { vmspace_entry_delete(ve, &tok) };
    0
}

/// Removes `ve` from the tree and destroys it: pmap, map, vmspace, entry.
/// It leaves the tree before the first call that can block, so nobody finds
/// it meanwhile.
///
/// The caller must hold vkp->token.
///
/// # Safety
/// `ve` is in `tok`'s tree, nothing else references it, and the caller
/// does not use it afterwards (it is freed).
unsafe fn vmspace_entry_delete(ve: VmspaceEntry<'_>, tok: &VkpToken<'_>) {
    tok.rb_remove(ve);

    let vm = ve.vmspace();
    pmap_remove_pages(vm, VM_MIN_USER_ADDRESS, VM_MAX_USER_ADDRESS);
    vm_map_remove(vm, VM_MIN_USER_ADDRESS, VM_MAX_USER_ADDRESS);
    vmspace_rel(vm);
    ve.set_vmspace(None); // safety
                          // SAFETY: out of the tree and unreferenced (the caller's contract).
    unsafe { kfree(ve) };
}

/// `p->p_vkernel`, or EINVAL for a process that made no VMSPACE: seldom,
/// a vkernel creates one before its other calls.
fn vkernel_of(p: Proc<'_>) -> Result<VkernelProc<'_>> {
    p.p_vkernel().ok_or_else(|| Error::EINVAL.seldom())
}

/// Whether `[addr, end)` leaves the user address range: the check of
/// sys_munmap() and sys_mcontrol() (either bound may be 0, hence the allow).
#[inline(always)]
#[allow(clippy::absurd_extreme_comparisons)]
fn outside_user_range(addr: b::vm_offset_t, end: b::vm_offset_t) -> bool {
    (VM_MAX_USER_ADDRESS > 0 && end > VM_MAX_USER_ADDRESS) || (VM_MIN_USER_ADDRESS > 0 && addr < VM_MIN_USER_ADDRESS)
}

/// The entry with this id, or `None`.  Use across a blocking call needs a
/// [`VeRef`]: the token alone is released while blocked.
///
/// The caller must hold vkp->token.
fn vkernel_find_vmspace<'t>(tok: &'t VkpToken<'_>, id: VmspaceId) -> Option<VmspaceEntry<'t>> {
    tok.rb_find(id)
}

/// fork(): the child `p2` shares `p1`'s vkernel_proc.
///
/// No requirements.
///
/// # Safety
/// fork1() calls it for a vkernel parent `p1` (p_vkernel set) and its new
/// child `p2`.
#[no_mangle]
pub unsafe extern "C" fn vkernel_inherit(p1: Proc<'_>, p2: Proc<'_>) {
    // SAFETY: p1->p_vkernel is set (this fn's contract).
    let vkp = unsafe { p1.p_vkernel_unchecked() };
    kkassert!("vkernel_inherit", vkp.refs().get() > 0, "vkp->refs > 0");
    vkp.refs().add();
    p2.set_p_vkernel(Some(vkp));
}

/// exit(): releases the process's vkernel state; the last process sharing
/// the vkernel_proc destroys its VMSPACEs.
///
/// No requirements.
///
/// # Safety
/// exit1() calls it for an exiting vkernel process (p_vkernel set).
#[no_mangle]
pub unsafe extern "C" fn vkernel_exit(p: Proc<'_>) {
    // SAFETY: p->p_vkernel is set (this fn's contract).
    let vkp = unsafe { p.p_vkernel_unchecked() };

    // An lwp killed while running in a VMSPACE gets its own VM context
    // back.  (Normally it went through vkernel_trap() before the signal.)
    p.for_each_lwp(|lp| vkernel_lwp_exit(lp));

    // Drop this process's reference on the common area.
    p.set_p_vkernel(None);
    kkassert!("vkernel_exit", vkp.refs().get() > 0, "vkp->refs > 0");
    if vkp.refs().release() {
        {
            let tok = vkp.lock();
            tok.rb_scan(rb_vmspace_delete);
        }
        // SAFETY: the last reference is gone and p_vkernel is cleared.
        unsafe { kfree(vkp) };
    }
}

/// An exiting lwp drops its vkernel_lwp, leaving any VMSPACE it was
/// running in.
///
/// No requirements.
#[no_mangle]
// Not inlined into vkernel_exit(): keeps that frame small.
#[inline(never)]
pub extern "C" fn vkernel_lwp_exit(lp: Lwp<'_>) {
    let Some(vklp) = lp.lwp_vkernel() else {
        return;
    };
    if vklp.ve_is_set() {
        match lp.lwp_thread().no_vmm() {
            // A vkernel thread: vklp->ve is the entry it runs in.
            Some(no_vmm) => {
                if let Some(ve) = vklp.ve(no_vmm) {
                    return vkernel_lwp_exit_running(lp, vklp, ve);
                }
            }
            // A VMM guest thread: vklp->ve is the user's id, not a kernel
            // pointer (DragonFly e1ea8b243e; the C original decrements
            // the id's "refs").
            None => vklp.clear_ve(),
        }
    }
    lp.set_lwp_vkernel(None);
    // SAFETY: unlinked from the lwp, which was its only owner.
    unsafe { kfree(vklp) };
}

/// vkernel_lwp_exit() of an lwp killed while it ran in VMSPACE `ve`, which
/// "isn't supposed to happen" (the C's comment in vkernel_exit()): the lwp
/// gets its own VM context back and drops its reference on `ve`.
// Cold and apart: the usual exit then needs no saved registers.
#[cold]
#[inline(never)]
fn vkernel_lwp_exit_running(lp: Lwp<'_>, vklp: VkernelLwp<'_>, ve: VmspaceEntry<'_>) {
    let p = lp.lwp_proc();
    kprintf_killed_with_active_vc(p.p_pid());
    pmap_setlwpvm(lp, p.p_vmspace());
    vklp.clear_ve();
    kkassert!("vkernel_lwp_exit", ve.refs().get() > 0, "ve->refs > 0");
    ve.refs().sub();
    lp.set_lwp_vkernel(None);
    // SAFETY: unlinked from the lwp, which was its only owner.
    unsafe { kfree(vklp) };
}

/// A VMSPACE under vkernel control trapped, faulted or made a system call:
/// hand its context back to the vkernel and resume the vkernel's own.
///
/// No requirements.
///
/// # Safety
/// The trap code calls it for the current lwp `lp` while it runs in a
/// VMSPACE (lwp_vkernel set, and its ve unless a VMM guest), with the
/// lwp's trap frame.
#[no_mangle]
pub unsafe extern "C" fn vkernel_trap(lp: Lwp<'_>, frame: TrapFrame<'_>) {
    let td = curthread();
    let p = lp.lwp_proc();

    // Which entry was running?
    let vklp = kkassert_some!("vkernel_trap", lp.lwp_vkernel(), "vklp");
    match td.no_vmm() {
        Some(no_vmm) => {
            // Keeps the VMM guest's path straight, as the C's is.
            core::hint::cold_path();
            let ve = kkassert_some!("vkernel_trap", vklp.ve(no_vmm), "ve != NULL");
            // Back to the vkernel's own VM space.
            vklp.clear_ve();
            pmap_setlwpvm(lp, p.p_vmspace());
            kkassert!("vkernel_trap", ve.refs().get() > 0, "ve->refs > 0");
            ve.refs().sub();
            // ve may be gone once our reference is.
        }
        None => {
            // A VMM guest: restore the vkernel's CR3.
            vklp.clear_ve();
            // vmspace_ctl() found p_vkernel set.
            // SAFETY: a VMM guest runs only in a vkernel process.
            vmm_vm_set_guest_cr3(unsafe { p.p_vkernel_unchecked() }.vkernel_cr3());
        }
    }
    // The emulated process's frame goes to the vkernel; then the vkernel's
    // saved context comes back (TLS included: the emulated process cannot
    // change TLS descriptors, so the saved copy is current).
    let error = copyout(frame, vklp.user_trapframe());
    bcopy(vklp.save_trapframe(), frame);
    bcopy(vklp.save_vx_tls(), td.td_tls());
    set_user_tls();
    cpu_vkernel_trap(frame, to_errno(error));
}

// ---------------------------------------------------------------------------
// The system call entry points: DragonFly's names and C signatures.  The
// system call layer passes each the args of the current call, live and
// private to this thread for the call: a Kptr.  The Result becomes an errno
// here and only here.

/// `int sys_vmspace_create(struct vmspace_create_args *uap)`
#[no_mangle]
pub extern "C" fn sys_vmspace_create(uap: Kptr<'_, b::vmspace_create_args>) -> c_int {
    to_errno(vmspace_create(uap))
}

/// `int sys_vmspace_destroy(struct vmspace_destroy_args *uap)`
#[no_mangle]
pub extern "C" fn sys_vmspace_destroy(uap: Kptr<'_, b::vmspace_destroy_args>) -> c_int {
    to_errno(vmspace_destroy(uap))
}

/// `int sys_vmspace_ctl(struct vmspace_ctl_args *uap)`
///
/// # Safety
/// `uap->sysmsg_frame` is the caller's saved user context (the system call
/// layer sets it).
#[no_mangle]
pub unsafe extern "C" fn sys_vmspace_ctl(uap: Kptr<'_, b::vmspace_ctl_args>) -> c_int {
    let frame = get!(uap, sysmsg).sm_frame;
    // SAFETY: sysmsg_frame is the live frame of this system call.
    let frame = unsafe { TrapFrame::from_raw_nonnull(frame) };
    to_errno(vmspace_ctl(uap, frame))
}

/// `int sys_vmspace_mmap(struct vmspace_mmap_args *uap)`
#[no_mangle]
pub extern "C" fn sys_vmspace_mmap(uap: Kptr<'_, b::vmspace_mmap_args>) -> c_int {
    to_errno(vmspace_mmap(uap))
}

/// `int sys_vmspace_munmap(struct vmspace_munmap_args *uap)`
#[no_mangle]
pub extern "C" fn sys_vmspace_munmap(uap: Kptr<'_, b::vmspace_munmap_args>) -> c_int {
    to_errno(vmspace_munmap(uap))
}

/// `int sys_vmspace_pread(struct vmspace_pread_args *uap)`
#[no_mangle]
pub extern "C" fn sys_vmspace_pread(uap: Kptr<'_, b::vmspace_pread_args>) -> c_int {
    to_errno(vmspace_pread(uap))
}

/// `int sys_vmspace_pwrite(struct vmspace_pwrite_args *uap)`
#[no_mangle]
pub extern "C" fn sys_vmspace_pwrite(uap: Kptr<'_, b::vmspace_pwrite_args>) -> c_int {
    to_errno(vmspace_pwrite(uap))
}

/// `int sys_vmspace_mcontrol(struct vmspace_mcontrol_args *uap)`
#[no_mangle]
pub extern "C" fn sys_vmspace_mcontrol(uap: Kptr<'_, b::vmspace_mcontrol_args>) -> c_int {
    to_errno(vmspace_mcontrol(uap))
}
