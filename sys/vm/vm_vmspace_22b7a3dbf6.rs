//! `sys/vm/vm_vmspace.c` at DragonFly 22b7a3dbf6 (DragonFly 5.0 to 5.8):
//! VMSPACEs, the address spaces a virtual kernel (vkernel(7)) creates, maps
//! memory into, and runs its user processes in, with the lookups of
//! January 2017 that serialise no vkernel cpu on `vkp->token`.
//!
//! A port of DragonFly BSD's vm_vmspace.c, under that file's 3-clause BSD
//! licence (README, "Licence").  Functions keep their C names and order;
//! each says its locking contract as the C does.  The `extern "C"` entry
//! points at the end of the file turn the kernel's pointers into [`Kptr`]s
//! and the [`Result`] into an errno.
//!
//! Reference counts (sys/kern/entry_2017.rs):
//! - `vkp->refs`: one per process sharing the vkernel_proc (fork).
//! - `ve->refs`: active users ([`ActiveRef`]): every call between its
//!   lookup and its return, and an lwp running in the entry (`vklp->ve`).
//!   Deletion needs it to be exactly the deleter's and sets
//!   `VKE_REF_DELETED`.
//! - `ve->cache_refs`: the memory ([`CacheRef`]): one while on the tree,
//!   one per lwp caching the entry (`vklp->ve_cache`); the last one
//!   kfree()s it.
//!
//! One divergence from the C (README, "Divergences"): sys_vmspace_destroy()
//! on a busy entry drops its lookup's active reference, which the C leaks
//! (the entry could then never be destroyed, and the vkernel's exit panics
//! the host in rb_vmspace_delete()).

use crate::bindings as b;
use crate::kern::*;
use core::ffi::{c_int, c_void};

/// `p->p_vkernel` of the current process, or EINVAL for a process that made
/// no VMSPACE, then the entry `uap->id` with an active reference, or ENOENT:
/// the system calls' preamble.
macro_rules! find {
    ($cx:ident, $uap:ident => $ve:ident) => {
        let vkp = vkernel_of($cx.curthread().td_proc())?;
        let $ve = vkernel_find_vmspace($cx, vkp, $uap.id(), None).ok_or(Error::ENOENT)?;
    };
}

/// vmspace_create(id, type, data): creates an empty VMSPACE under `id`
/// (type and data are unused).  Memory goes in with vmspace_mmap(),
/// MAP_VPAGETABLE sections are run with vmspace_mcontrol().
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

    // A new VMSPACE (no active reference, the tree's cache reference);
    // ids must be unique.
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
/// or a call is using it.  Lwps that cache it keep its memory until they
/// next look something up or exit.
///
/// No requirements.
fn vmspace_destroy(cx: &mut Cx<'_>, uap: Kptr<'_, b::vmspace_destroy_args>) -> Result {
    let vkp = vkernel_of(cx.curthread().td_proc())?;

    // vkp->token protects the deletion against a new search of the tree.
    let tok = vkp.lock(cx);
    let ve = vkernel_find_vmspace(cx, vkp, uap.id(), Some(&tok)).ok_or(Error::ENOENT)?;
    match tok.mark_deleted(ve) {
        Ok(removed) => {
            // vmspace_entry_cache_drop() of the tree's cache reference.
            drop(vmspace_entry_delete(cx, removed));
            Ok(())
        }
        // The C keeps the lookup's active reference here (the divergence
        // above); dropping it leaves the entry as it was before the call.
        Err(_busy) => Err(Error::EBUSY),
    }
}

/// vmspace_ctl(id, cmd, tframe, vframe): VMSPACE_CTL_RUN runs the VMSPACE
/// `id` with the user context `tframe`/`vframe`.  The caller's context is
/// saved in its vkernel_lwp; vkernel_trap() restores it on the next trap,
/// fault, signal or system call.  Returns EJUSTRETURN so the system call
/// code leaves the replaced frame alone.  The lwp caches the entry for its
/// next lookup.
///
/// A VMM guest thread (td_vmm set) has no entries: it only switches CR3 to
/// `id`.
///
/// No requirements.
fn vmspace_ctl(cx: &mut Cx<'_>, uap: Kptr<'_, b::vmspace_ctl_args>, frame: TrapFrame<'_>) -> Result {
    let td = cx.curthread();
    let lp = td.td_lwp();
    let vkp = vkernel_of(lp.lwp_proc())?;

    // The entry matters only without VMM.  (Two calls of one inlined body:
    // in each, whether there is an entry is known.)
    if td.no_vmm() {
        let ve = vkernel_find_vmspace(cx, vkp, uap.id(), None).ok_or(Error::ENOENT)?;
        vmspace_ctl_run(cx, uap, frame, td, lp, Some(ve))
    } else {
        vmspace_ctl_run(cx, uap, frame, td, lp, None)
    }
}

/// The rest of vmspace_ctl(), with the entry looked up (`None`: a VMM
/// guest thread).
#[inline(always)]
fn vmspace_ctl_run(
    cx: &mut Cx<'_>,
    uap: Kptr<'_, b::vmspace_ctl_args>,
    frame: TrapFrame<'_>,
    td: Thread<'_>,
    lp: Lwp<'_>,
    ve: Option<ActiveRef<'_>>,
) -> Result {
    if uap.cmd() != b::VMSPACE_CTL_RUN {
        return Err(Error::EOPNOTSUPP);
    }

    // Save the caller's context, switch VM spaces, install the passed
    // context.
    let vklp = match lp.lwp_vkernel() {
        Some(vklp) => vklp,
        None => lp.set_lwp_vkernel(NewVkernelLwp::alloc(cx)),
    };
    if let Some(ve) = &ve {
        if !vklp.ve_cache(cx).is_some_and(|cached| cached.is(ve)) {
            let new = ve.cache_ref();
            drop(vklp.take_ve_cache(cx));
            vklp.set_ve_cache(cx, new);
        }
    }
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
        return Err(error);
    }
    // vklp->ve also tells whether a vkernel user context runs (non-NULL):
    // a VMM guest stores its id there and just loads the guest CR3.
    match &ve {
        Some(ve) => {
            let vm = vklp.set_ve(ve.add_ref());
            // vklp->ve's active reference keeps the vmspace until vkernel_trap().
            // SAFETY: as said.
            unsafe { pmap_setlwpvm(cx, lp, vm) };
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
    find!(cx, uap => ve);
    kern_mmap(
        cx,
        ve.vmspace(),
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
    find!(cx, uap => ve);

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
    if !vm_map_check_protection(cx, ve.vmspace(), addr, tmpaddr) {
        // Seldom: a vkernel unmaps what it mapped.
        return Err(Error::EINVAL.seldom());
    }
    vm_map_remove(cx, ve.vmspace(), addr, tmpaddr);
    Ok(())
}

/// vmspace_pread(id, buf, nbyte, flags, offset): not implemented: EINVAL
/// for an existing VMSPACE.
///
/// No requirements.
fn vmspace_pread(cx: &mut Cx<'_>, uap: Kptr<'_, b::vmspace_pread_args>) -> Result {
    find!(cx, uap => _ve);
    Err(Error::EINVAL)
}

/// vmspace_pwrite(id, buf, nbyte, flags, offset): not implemented: EINVAL
/// for an existing VMSPACE.
///
/// No requirements.
fn vmspace_pwrite(cx: &mut Cx<'_>, uap: Kptr<'_, b::vmspace_pwrite_args>) -> Result {
    find!(cx, uap => _ve);
    Err(Error::EINVAL)
}

/// vmspace_mcontrol(id, addr, len, behav, value): madvise()/mcontrol() in
/// the VMSPACE `id`.
///
/// No requirements.
fn vmspace_mcontrol(cx: &mut Cx<'_>, uap: Kptr<'_, b::vmspace_mcontrol_args>) -> Result {
    let addr = uap.addr().addr();
    let tmpaddr = addr.wrapping_add(uap.len() as b::vm_size_t);

    find!(cx, uap => ve);

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
    vm_map_madvise(cx, ve.vmspace(), start, end, uap.behav(), uap.value())
}

/// RB_SCAN callback of vkernel_exit(): destroys every entry left; one still
/// in use panics the kernel, as in the C.
///
/// The caller must hold vkp->token.
///
/// # Safety
/// Called by RB_SCAN as started by [`VkpToken::rb_scan`], with an entry
/// of the scanned tree.
unsafe extern "C" fn rb_vmspace_delete(ve: *mut b::vmspace_entry, data: *mut c_void) -> c_int {
    let delete = |cx: &mut Cx<'_>, tok: &VkpToken<'_>| {
        // SAFETY: RB_SCAN passes entries of the tree, live while in it.
        let ve = unsafe { VmspaceEntry::from_raw_nonnull(ve) };
        // An entry of the scanned tree; RB_SCAN does not touch an entry
        // after its callback removed it.
        // SAFETY: as said.
        match unsafe { tok.mark_deleted_unreferenced(ve) } {
            // vmspace_entry_cache_drop() of the tree's cache reference.
            Some(removed) => drop(vmspace_entry_delete(cx, removed)),
            None => panic_invalid_refs(ve.refs().get()),
        }
    };
    // SAFETY: RB_SCAN as started by VkpToken::rb_scan (this fn's contract).
    unsafe { with_scan_token(data, delete) };
    0
}

/// Destroys the pmap, the map and the vmspace of an entry marked deleted
/// and taken off the tree (the C function's first steps, the atomic mark
/// and RB_REMOVE, are [`VkpToken::mark_deleted`]'s, so that the entry's
/// active references are settled before anything blocks).  Returns the
/// tree's cache reference, for the caller to drop: the entry's memory goes
/// with the last cache reference, which an lwp's cache may still hold.
///
/// The caller must hold vkp->token.
fn vmspace_entry_delete<'v>(cx: &mut Cx<'_>, ve: Removed<'v>) -> CacheRef<'v> {
    let vm = ve.vmspace();
    pmap_remove_pages(cx, vm, VM_MIN_USER_ADDRESS, VM_MAX_USER_ADDRESS);
    vm_map_remove(cx, vm, VM_MIN_USER_ADDRESS, VM_MAX_USER_ADDRESS);
    ve.release_vmspace(cx)
}

/// The entry with this id, with an active reference, or `None`.  First the
/// lwp's cache: a cached entry found deleted is cleaned out of it.  Then
/// the tree, under the caller's exclusive token (`excl`) or a shared one.
///
/// The caller must hold vkp->token if `excl` is given (it is that token).
fn vkernel_find_vmspace<'v>(
    cx: &mut Cx<'_>,
    vkp: VkernelProc<'v>,
    id: VmspaceId,
    excl: Option<&VkpToken<'v>>,
) -> Option<ActiveRef<'v>> {
    let lp = cx.curthread().td_lwp();

    // The cache: its cache reference keeps the entry while we take an
    // active one.
    if let Some(vklp) = lp.lwp_vkernel() {
        if let Some(cached) = vklp.ve_cache(cx).filter(|cached| cached.id() == id) {
            match cached.activate(vkp) {
                Ok(ve) => {
                    kkassert!("vkernel_find_vmspace", ve.has_vmspace(), "ve->vmspace");
                    return Some(ve);
                }
                // Stale: clean it out and search the tree.
                Err(deleted) => {
                    let cache = vklp.take_ve_cache(cx);
                    drop(deleted);
                    drop(cache);
                }
            }
        }
    }

    // No entry is marked deleted while the token is held.
    match excl {
        Some(tok) => tok.rb_find(cx, id)?.activate(vkp).ok(),
        None => {
            let tok = vkp.lock_shared(cx);
            let ve = tok.rb_find(cx, id).and_then(|found| found.activate(vkp).ok());
            drop(tok);
            ve
        }
    }
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
/// running in, and its cache reference.
///
/// No requirements.
///
/// # Safety
/// exit1() or lwp exit calls it on the exiting process's thread, for an lwp
/// of that process that no longer runs or is the current one.
#[no_mangle]
pub unsafe extern "C" fn vkernel_lwp_exit(lp: Lwp<'_>) {
    let Some(vklp) = lp.lwp_vkernel() else {
        return;
    };
    let exit = |cx: &mut Cx<'_>| {
        if lp.lwp_thread().no_vmm() {
            // A vkernel thread: vklp->ve is the entry it runs in.
            // SAFETY: lp's thread is no VMM guest (just read).
            if let Some(ve) = unsafe { vklp.take_ve() } {
                kprintf_killed_with_active_vc(lp.lwp_proc().p_pid());
                // SAFETY: the process's own vmspace.
                unsafe { pmap_setlwpvm(cx, lp, lp.lwp_proc().p_vmspace()) };
                kkassert!("vkernel_lwp_exit", ve.entry().refs().get() > 0, "ve->refs > 0");
                drop(ve);
            }
        } else {
            // A guest thread: vklp->ve is the user's id.
            vklp.clear_ve();
        }
        drop(vklp.take_ve_cache(cx));
    };
    // SAFETY: on the exiting process's thread, which may block (this fn's contract).
    unsafe { Cx::run(exit) };
    // SAFETY: vklp is lp's, and lp no longer runs or is this thread's (this fn's contract).
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
