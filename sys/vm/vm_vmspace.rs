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
    ($cx:ident, $uap:ident => $tok:ident, $ve:pat) => {
        let vkp = vkernel_of($cx.curthread().td_proc())?;
        let $tok = vkp.lock($cx);
        let $ve = vkernel_find_vmspace(&$tok, $cx, $uap.id()).ok_or(Error::ENOENT)?;
    };
}

/// vmspace_create(id, type, data): creates an empty VMSPACE under `id`
/// (NULL is a valid id for a classic entry; for a VMM guest a NULL id
/// leaves `vklp->ve` NULL, so vkernel_trap() is not reached, as in the C;
/// type and data are unused).  Memory goes in with
/// vmspace_mmap(), MAP_VPAGETABLE sections are run with vmspace_mcontrol().
///
/// No requirements.
fn vmspace_create(cx: &mut Cx<'_>, uap: Kptr<'_, b::vmspace_create_args>) -> Result {
    let p = cx.curthread().td_proc();

    if vkernel_enable() == 0 {
        return Err(Error::EOPNOTSUPP);
    }
    // Read now: nothing of uap then needs to be kept across the calls below.
    let id = uap.id();

    // The process's vkernel side-structure, created on first use.  Two
    // threads may race here: the loser frees its copy.
    let vkp = match p.p_vkernel() {
        Some(vkp) => vkp,
        None => {
            let new = NewVkernelProc::alloc(cx);
            let p_token = p.p_token(cx);
            if p.p_vkernel().is_none() {
                new.publish(&p_token)
            } else {
                new.free();
                // SAFETY: found set just above, under p_token, still held.
                unsafe { p.p_vkernel_unchecked() }
            }
        }
    };

    if !cx.curthread().no_vmm() {
        return Ok(());
    }

    // A new VMSPACE; ids must be unique.
    // kmalloc(), vmspace_alloc(VM_MIN_USER_ADDRESS, VM_MAX_USER_ADDRESS),
    // pmap_pinit2() of its pmap.
    let ve = OwnedEntry::new(cx, id);

    let tok = vkp.lock(cx);
    match tok.rb_insert(ve) {
        Ok(()) => Ok(()),
        Err(ve) => {
            ve.free(cx);
            Err(Error::EEXIST)
        }
    }
}

/// vmspace_destroy(id): destroys the VMSPACE `id` unless an lwp runs in it
/// or a call is using it.
///
/// No requirements.
fn vmspace_destroy(cx: &mut Cx<'_>, uap: Kptr<'_, b::vmspace_destroy_args>) -> Result {
    lock_and_find!(cx, uap => tok, ve);
    if ve.entry().refs().get() != 0 {
        return Err(Error::EBUSY);
    }
    // Found in the tree under the token with no reference (taking one needs
    // the token), and not used again.
    // SAFETY: as said.
    let ve = unsafe { tok.remove(ve.entry()) };
    vmspace_entry_delete(cx, ve);
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
fn vmspace_ctl(cx: &mut Cx<'_>, uap: Kptr<'_, b::vmspace_ctl_args>, frame: TrapFrame<'_>) -> Result {
    // uap's fields are reread where used (a smaller frame); &td->td_tls is
    // kept: td is the same thread across blocking calls.
    let td = cx.curthread();
    let lp = td.td_lwp();
    let vkp = vkernel_of(lp.lwp_proc())?;

    // The entry matters only without VMM.
    let tok = if td.no_vmm() { Some(vkp.lock(cx)) } else { None };
    let ve = match &tok {
        Some(tok) => Some((tok, vkernel_find_vmspace(tok, cx, uap.id()).ok_or(Error::ENOENT)?)),
        None => None,
    };

    if uap.cmd() != b::VMSPACE_CTL_RUN {
        return Err(Error::EOPNOTSUPP);
    }

    // Save the caller's context, switch VM spaces, install the passed
    // context.  The reference keeps ve across the blocking calls below
    // and, on success, stays with vklp->ve while the lwp runs in it.
    let ve = ve.map(|(tok, ve)| tok.hold(ve));
    let vklp = match lp.lwp_vkernel() {
        Some(vklp) => vklp,
        None => lp.set_lwp_vkernel(NewVkernelLwp::alloc(cx)),
    };
    vklp.set_user_trapframe(uap.tframe());
    vklp.set_user_vextframe(uap.vframe());
    let tls = td.td_tls();
    save(frame, vklp.save_trapframe());
    save(tls, vklp.save_vx_tls());
    // Both are sanitized below, or restored from the saved copies on error.
    // SAFETY: as said.
    let installed = unsafe { copyin_live(cx, uap.tframe(), frame) }
        // SAFETY: as said.
        .and_then(|()| unsafe { copyin_live(cx, uap.vframe().vx_tls(), tls) })
        .and_then(|()| cpu_sanitize_frame(frame))
        .and_then(|()| cpu_sanitize_tls(tls));
    if let Err(error) = installed {
        restore(vklp.save_trapframe(), frame);
        restore(vklp.save_vx_tls(), tls);
        set_user_tls();
        drop(ve);
        return Err(error);
    }
    // vklp->ve also tells whether a vkernel user context runs (non-NULL):
    // a VMM guest stores its id there and just loads the guest CR3.
    match ve {
        Some(ve) => {
            let ve = vklp.set_ve(ve);
            // vklp->ve's reference keeps ve's vmspace until vkernel_trap().
            // SAFETY: as said.
            unsafe { pmap_setlwpvm(cx, lp, ve.vmspace()) };
        }
        None => {
            let id = uap.id();
            // No entry: td, lp's thread, is a VMM guest.
            // SAFETY: as said.
            unsafe { vklp.set_ve_id(id) };
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
fn vmspace_mmap(cx: &mut Cx<'_>, uap: Kptr<'_, b::vmspace_mmap_args>) -> Result {
    // vmspace_token serialises the lookups of vkernel_find_vmspace().
    let _vmspace_token = vmspace_token(cx);
    // NOTE: kern_mmap() can block, hence the temporary ve->refs.
    lock_and_find!(cx, uap => tok, ve);
    let ve = tok.hold(ve);
    kern_mmap(
        cx,
        ve.entry().vmspace(),
        uap.addr(),
        uap.len(),
        uap.prot(),
        uap.flags(),
        uap.fd(),
        uap.offset(),
        uap.sysmsg_resultp(),
    )
}

/// vmspace_munmap(id, addr, len): munmap() in the VMSPACE `id`.
///
/// No requirements.
fn vmspace_munmap(cx: &mut Cx<'_>, uap: Kptr<'_, b::vmspace_munmap_args>) -> Result {
    lock_and_find!(cx, uap => tok, ve);

    // As sys_munmap(), with its wrap checks, in its order.
    let mut addr = uap.addr().addr();
    let pageoff = addr & PAGE_MASK;
    addr -= pageoff;
    let len = uap.len() as b::vm_size_t;
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
    let ve = tok.hold(ve);
    if !vm_map_check_protection(cx, ve.entry().vmspace(), addr, tmpaddr) {
        // Seldom: a vkernel unmaps what it mapped.
        return Err(Error::EINVAL.seldom());
    }
    vm_map_remove(cx, ve.entry().vmspace(), addr, tmpaddr);
    Ok(())
}

/// vmspace_pread(id, buf, nbyte, flags, offset): not implemented: EINVAL
/// for an existing VMSPACE.
///
/// No requirements.
fn vmspace_pread(cx: &mut Cx<'_>, uap: Kptr<'_, b::vmspace_pread_args>) -> Result {
    lock_and_find!(cx, uap => tok, _);
    Err(Error::EINVAL)
}

/// vmspace_pwrite(id, buf, nbyte, flags, offset): not implemented: EINVAL
/// for an existing VMSPACE.
///
/// No requirements.
fn vmspace_pwrite(cx: &mut Cx<'_>, uap: Kptr<'_, b::vmspace_pwrite_args>) -> Result {
    lock_and_find!(cx, uap => tok, _);
    Err(Error::EINVAL)
}

/// vmspace_mcontrol(id, addr, len, behav, value): madvise()/mcontrol() in
/// the VMSPACE `id`.
///
/// No requirements.
fn vmspace_mcontrol(cx: &mut Cx<'_>, uap: Kptr<'_, b::vmspace_mcontrol_args>) -> Result {
    let addr = uap.addr().addr();
    let tmpaddr = addr.wrapping_add(uap.len() as b::vm_size_t);

    lock_and_find!(cx, uap => tok, ve);

    // As sys_mcontrol().
    if uap.behav() < 0 || uap.behav() > MADV_CONTROL_END {
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
    let ve = tok.hold(ve);
    vm_map_madvise(cx, ve.entry().vmspace(), start, end, uap.behav(), uap.value())
}

/// RB_SCAN callback of vkernel_exit(): destroys every entry left.
///
/// The caller must hold vkp->token.
///
/// # Safety
/// Called by RB_SCAN as started by [`VkpToken::rb_scan`], with an entry
/// of the scanned tree that nothing else references.
unsafe extern "C" fn rb_vmspace_delete(ve: *mut b::vmspace_entry, data: *mut c_void) -> c_int {
    let delete = |cx: &mut Cx<'_>, tok: &VkpToken<'_>| {
        // SAFETY: RB_SCAN passes entries of the tree, live while in it.
        let ve = unsafe { VmspaceEntry::from_raw_nonnull(ve) };
        kkassert!("rb_vmspace_delete", ve.refs().get() == 0, "ve->refs == 0");
        // In the tree and unreferenced (the last process is exiting), and
        // RB_SCAN does not touch an entry after its callback removed it.
        // SAFETY: as said.
        let ve = unsafe { tok.remove(ve) };
        vmspace_entry_delete(cx, ve);
    };
    // SAFETY: RB_SCAN as started by VkpToken::rb_scan (this fn's contract).
    unsafe { with_scan_token(data, delete) };
    0
}

/// Destroys an entry taken out of its tree: pmap, map, vmspace, entry.
/// The C function's first step, RB_REMOVE, is the callers'
/// ([`VkpToken::remove`] gives the entry they pass), so the entry leaves
/// the tree before the first call that can block, and nobody finds it
/// meanwhile.
///
/// The caller must hold vkp->token.
fn vmspace_entry_delete(cx: &mut Cx<'_>, ve: OwnedEntry) {
    let vm = ve.vmspace();
    pmap_remove_pages(cx, vm, VM_MIN_USER_ADDRESS, VM_MAX_USER_ADDRESS);
    vm_map_remove(cx, vm, VM_MIN_USER_ADDRESS, VM_MAX_USER_ADDRESS);
    ve.free(cx);
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
fn vkernel_find_vmspace<'t>(tok: &'t VkpToken<'_>, cx: &'t Cx<'_>, id: VmspaceId) -> Option<Found<'t>> {
    tok.rb_find(cx, id)
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
    // SAFETY: the reference just counted is p2's.
    unsafe { p2.set_p_vkernel(Some(vkp)) };
}

/// exit(): releases the process's vkernel state; the last process sharing
/// the vkernel_proc destroys its VMSPACEs.
///
/// No requirements.
///
/// # Safety
/// exit1() calls it on the exiting vkernel process's thread (p_vkernel
/// set), its other lwps gone.
#[no_mangle]
pub unsafe extern "C" fn vkernel_exit(p: Proc<'_>) {
    // SAFETY: p->p_vkernel is set (this fn's contract).
    let vkp = unsafe { p.p_vkernel_unchecked() };

    // An lwp killed while running in a VMSPACE gets its own VM context
    // back.  (Normally it went through vkernel_trap() before the signal.)
    // The process's lwps no longer run and the walk removes none (this
    // fn's contract): each lwp may be freed of its vkernel_lwp.
    // SAFETY: as said.
    unsafe { p.for_each_lwp(|lp| vkernel_lwp_exit(lp)) };

    // Drop this process's reference on the common area.
    // SAFETY: the process's reference passes to this function.
    unsafe { p.set_p_vkernel(None) };
    kkassert!("vkernel_exit", vkp.refs().get() > 0, "vkp->refs > 0");
    // SAFETY: that reference, given up.
    if unsafe { vkp.refs().release() } {
        // On the exiting process's thread, which may block; the scan's
        // callback is rb_vmspace_delete, written for it.
        // SAFETY: as said.
        unsafe {
            Cx::run(|cx| {
                let tok = vkp.lock(cx);
                tok.rb_scan(cx, rb_vmspace_delete);
            })
        };
        // SAFETY: the last reference is gone and p_vkernel is cleared.
        unsafe { kfree(vkp) };
    }
}

/// An exiting lwp drops its vkernel_lwp, leaving any VMSPACE it was
/// running in.
///
/// No requirements.
///
/// # Safety
/// exit1() or lwp exit calls it on the exiting process's thread, for an lwp
/// of that process that no longer runs or is the current one.
#[no_mangle]
// Not inlined into vkernel_exit(): keeps that frame small.
#[inline(never)]
pub unsafe extern "C" fn vkernel_lwp_exit(lp: Lwp<'_>) {
    let Some(vklp) = lp.lwp_vkernel() else {
        return;
    };
    if vklp.ve_is_set() {
        if lp.lwp_thread().no_vmm() {
            // A vkernel thread: vklp->ve is the entry it runs in.
            // SAFETY: lp's thread is no VMM guest (just read).
            if let Some(ve) = unsafe { vklp.take_ve() } {
                // SAFETY: this fn's contract.
                return unsafe { vkernel_lwp_exit_running(lp, vklp, ve) };
            }
        } else {
            // A VMM guest thread: vklp->ve is the user's id, not a kernel
            // pointer (DragonFly e1ea8b243e; the C original decrements
            // the id's "refs").
            vklp.clear_ve();
        }
    }
    // SAFETY: vklp is lp's, and lp no longer runs or is this thread's (this fn's contract).
    unsafe { lp.free_lwp_vkernel(vklp) };
}

/// vkernel_lwp_exit() of an lwp killed while it ran in VMSPACE `ve`, which
/// "isn't supposed to happen" (the C's comment in vkernel_exit()): the lwp
/// gets its own VM context back and drops its reference on `ve`.
///
/// # Safety
/// As vkernel_lwp_exit(); `vklp` is lp's and `ve` the reference it held.
// Cold and apart: the usual exit then needs no saved registers.
#[cold]
#[inline(never)]
unsafe fn vkernel_lwp_exit_running(lp: Lwp<'_>, vklp: VkernelLwp<'_>, ve: VeRef<'_>) {
    let p = lp.lwp_proc();
    kprintf_killed_with_active_vc(p.p_pid());
    // On the exiting process's thread, which may block (the contract); the
    // process's own vmspace.
    // SAFETY: as said.
    unsafe { Cx::run(|cx| pmap_setlwpvm(cx, lp, p.p_vmspace())) };
    kkassert!("vkernel_lwp_exit", ve.entry().refs().get() > 0, "ve->refs > 0");
    drop(ve);
    // SAFETY: vklp is lp's, and lp no longer runs or is this thread's (the contract).
    unsafe { lp.free_lwp_vkernel(vklp) };
}

/// A VMSPACE under vkernel control trapped, faulted or made a system call:
/// hand its context back to the vkernel and resume the vkernel's own.
///
/// No requirements.
///
/// # Safety
/// The trap code calls it on the thread of the current lwp `lp` while it
/// runs in a VMSPACE, with the lwp's trap frame: trap() and syscall2()
/// (platform/pc64/x86_64/trap.c) call it only when `lp->lwp_vkernel &&
/// lp->lwp_vkernel->ve`.  So the two KKASSERTs below hold; without
/// INVARIANTS the C dereferences both pointers unchecked, and so does this.
#[no_mangle]
pub unsafe extern "C" fn vkernel_trap(lp: Lwp<'_>, frame: TrapFrame<'_>) {
    let trap = |cx: &mut Cx<'_>| {
        let td = cx.curthread();
        let p = lp.lwp_proc();

        // Which entry was running?
        let Some(vklp) = lp.lwp_vkernel() else {
            kkassert!("vkernel_trap", false, "vklp");
            // SAFETY: this fn's contract (above).
            unsafe { core::hint::unreachable_unchecked() }
        };
        if td.no_vmm() {
            // Keeps the VMM guest's path straight, as the C's is.
            core::hint::cold_path();
            // td runs lp (this fn's contract) and is no VMM guest.
            // SAFETY: as said.
            let Some(ve) = (unsafe { vklp.take_ve() }) else {
                kkassert!("vkernel_trap", false, "ve != NULL");
                // SAFETY: this fn's contract (above).
                unsafe { core::hint::unreachable_unchecked() }
            };
            // Back to the vkernel's own VM space.
            // SAFETY: the process's own vmspace.
            unsafe { pmap_setlwpvm(cx, lp, p.p_vmspace()) };
            kkassert!("vkernel_trap", ve.entry().refs().get() > 0, "ve->refs > 0");
            drop(ve);
            // ve may be gone once our reference is.
        } else {
            // A VMM guest: restore the vkernel's CR3.
            vklp.clear_ve();
            // vmspace_ctl() found p_vkernel set.
            // SAFETY: a VMM guest runs only in a vkernel process.
            vmm_vm_set_guest_cr3(unsafe { p.p_vkernel_unchecked() }.vkernel_cr3());
        }
        // The emulated process's frame goes to the vkernel; then the
        // vkernel's saved context comes back (TLS included: the emulated
        // process cannot change TLS descriptors, so the saved copy is
        // current).
        let error = copyout(cx, frame, vklp.user_trapframe());
        restore(vklp.save_trapframe(), frame);
        restore(vklp.save_vx_tls(), td.td_tls());
        set_user_tls();
        cpu_vkernel_trap(frame, to_errno(error));
    };
    // SAFETY: the trap code runs on the thread of lp's user process.
    unsafe { Cx::run(trap) }
}

// ---------------------------------------------------------------------------
// The system call entry points: DragonFly's names and C signatures.  Each
// is unsafe to call: the system call layer calls it on the calling
// process's thread with the args of the current call, live and private to
// this thread for the call (a Kptr).  The Result becomes an errno here and
// only here.

/// `int sys_vmspace_create(struct vmspace_create_args *uap)`
///
/// # Safety
/// The system call layer's call, as above.
#[no_mangle]
pub unsafe extern "C" fn sys_vmspace_create(uap: Kptr<'_, b::vmspace_create_args>) -> c_int {
    // SAFETY: a user process's system call, on its thread (this fn's contract).
    unsafe { Cx::run(|cx| to_errno(vmspace_create(cx, uap))) }
}

/// `int sys_vmspace_destroy(struct vmspace_destroy_args *uap)`
///
/// # Safety
/// The system call layer's call, as above.
#[no_mangle]
pub unsafe extern "C" fn sys_vmspace_destroy(uap: Kptr<'_, b::vmspace_destroy_args>) -> c_int {
    // SAFETY: a user process's system call, on its thread (this fn's contract).
    unsafe { Cx::run(|cx| to_errno(vmspace_destroy(cx, uap))) }
}

/// `int sys_vmspace_ctl(struct vmspace_ctl_args *uap)`
///
/// # Safety
/// The system call layer's call, as above; `uap->sysmsg_frame` is the
/// caller's saved user context.
#[no_mangle]
pub unsafe extern "C" fn sys_vmspace_ctl(uap: Kptr<'_, b::vmspace_ctl_args>) -> c_int {
    // SAFETY: sysmsg_frame is the live frame of this system call.
    let frame = unsafe { TrapFrame::new(Kptr::from_raw_nonnull(uap.sysmsg_frame())) };
    // SAFETY: a user process's system call, on its thread (this fn's contract).
    unsafe { Cx::run(|cx| to_errno(vmspace_ctl(cx, uap, frame))) }
}

/// `int sys_vmspace_mmap(struct vmspace_mmap_args *uap)`
///
/// # Safety
/// The system call layer's call, as above.
#[no_mangle]
pub unsafe extern "C" fn sys_vmspace_mmap(uap: Kptr<'_, b::vmspace_mmap_args>) -> c_int {
    // SAFETY: a user process's system call, on its thread (this fn's contract).
    unsafe { Cx::run(|cx| to_errno(vmspace_mmap(cx, uap))) }
}

/// `int sys_vmspace_munmap(struct vmspace_munmap_args *uap)`
///
/// # Safety
/// The system call layer's call, as above.
#[no_mangle]
pub unsafe extern "C" fn sys_vmspace_munmap(uap: Kptr<'_, b::vmspace_munmap_args>) -> c_int {
    // SAFETY: a user process's system call, on its thread (this fn's contract).
    unsafe { Cx::run(|cx| to_errno(vmspace_munmap(cx, uap))) }
}

/// `int sys_vmspace_pread(struct vmspace_pread_args *uap)`
///
/// # Safety
/// The system call layer's call, as above.
#[no_mangle]
pub unsafe extern "C" fn sys_vmspace_pread(uap: Kptr<'_, b::vmspace_pread_args>) -> c_int {
    // SAFETY: a user process's system call, on its thread (this fn's contract).
    unsafe { Cx::run(|cx| to_errno(vmspace_pread(cx, uap))) }
}

/// `int sys_vmspace_pwrite(struct vmspace_pwrite_args *uap)`
///
/// # Safety
/// The system call layer's call, as above.
#[no_mangle]
pub unsafe extern "C" fn sys_vmspace_pwrite(uap: Kptr<'_, b::vmspace_pwrite_args>) -> c_int {
    // SAFETY: a user process's system call, on its thread (this fn's contract).
    unsafe { Cx::run(|cx| to_errno(vmspace_pwrite(cx, uap))) }
}

/// `int sys_vmspace_mcontrol(struct vmspace_mcontrol_args *uap)`
///
/// # Safety
/// The system call layer's call, as above.
#[no_mangle]
pub unsafe extern "C" fn sys_vmspace_mcontrol(uap: Kptr<'_, b::vmspace_mcontrol_args>) -> c_int {
    // SAFETY: a user process's system call, on its thread (this fn's contract).
    unsafe { Cx::run(|cx| to_errno(vmspace_mcontrol(cx, uap))) }
}
