//! Memory, copies, and the VM and machine-dependent functions vm_vmspace
//! calls.  Every function that can block takes the caller's context
//! mutably (`&mut Cx`): no entry found under a token (which blocking gives
//! up) is alive across it.

use super::object::{Live, Lwp, Plain, SaveTls, TrapFrame, UserPtr, Vmspace, VM_PROT_NONE};
use super::{to_result, Cx, Kptr, Result};
use crate::bindings as b;
use core::ffi::{c_int, c_void};
use core::mem::size_of;
use core::ptr;

/// kmalloc(sizeof(T), M_VKERNEL, M_WAITOK|M_ZERO).  Can block: its callers
/// take `&mut Cx`.
pub(super) fn kmalloc_zeroed<T>() -> *mut T {
    // SAFETY: M_VKERNEL is registered (MALLOC_DEFINE in the shim).
    unsafe {
        b::kmalloc(size_of::<T>() as _, ptr::addr_of_mut!(b::M_VKERNEL).cast(), (b::M_WAITOK | b::M_ZERO) as c_int)
            .cast()
    }
}

/// kfree(obj, M_VKERNEL).
///
/// # Safety
/// `obj` came from kmalloc(M_VKERNEL), nothing can reach it any more, and it
/// is not used after the call.
pub(crate) unsafe fn kfree<T>(obj: Kptr<'_, T>) {
    // SAFETY: by the caller's contract.
    unsafe { b::kfree(obj.as_ptr().cast(), ptr::addr_of_mut!(b::M_VKERNEL).cast()) }
}

/// bcopy(from, to, sizeof(T)) between two kernel objects of plain data
/// ([`super::save`], [`super::restore`]).
pub(super) fn bcopy<T: Plain>(from: Kptr<'_, T>, to: Kptr<'_, T>) {
    // Both are live kernel objects of sizeof(T) bytes, any of which is a
    // valid T (Plain).
    // SAFETY: as said.
    unsafe { b::bcopy(from.as_ptr().cast(), to.as_ptr().cast(), size_of::<T>() as _) }
}

/// copyin(from, to, sizeof(T)): user bytes into live machine state.  Can
/// block (page fault).
///
/// # Safety
/// Before the thread returns to user mode or loads the state into the cpu
/// (set_user_TLS()), the caller sanitizes it (cpu_sanitize_frame(),
/// cpu_sanitize_tls()) or restores a saved copy over it: a user frame may
/// name kernel segments, a user TLS a non-canonical base.
pub(crate) unsafe fn copyin_live<T: Plain>(_: &mut Cx<'_>, from: UserPtr<T>, to: Live<'_, T>) -> Result {
    // copyin() checks and faults in the user address itself; `to` is a live
    // kernel object of sizeof(T) bytes, any of which is a valid T (Plain).
    // SAFETY: as said.
    to_result(unsafe { b::copyin(from.as_ptr().cast(), to.0.as_ptr().cast(), size_of::<T>() as _) })
}

/// copyout(from, to, sizeof(T)): live machine state (plain data, no
/// padding to leak) to the user.  Can block (page fault).
pub(crate) fn copyout<T: Plain>(_: &mut Cx<'_>, from: Live<'_, T>, to: UserPtr<T>) -> Result {
    // SAFETY: `from` is a live kernel object of sizeof(T) bytes.
    to_result(unsafe { b::copyout(from.0.as_ptr().cast(), to.as_ptr().cast(), size_of::<T>() as _) })
}

/// `vkernel_enable` (sysctl vm.vkernel_enable).
pub(crate) fn vkernel_enable() -> c_int {
    // SAFETY: a kernel global int; a plain read as in the C.
    unsafe { ptr::addr_of!(b::vkernel_enable).read() }
}

/// vmspace_alloc(min, max): a new vmspace, with one reference.
pub(super) fn vmspace_alloc(_: &mut Cx<'_>, min: b::vm_offset_t, max: b::vm_offset_t) -> Vmspace<'static> {
    // The vmspace lives until the vmspace_rel() of its reference.
    // SAFETY: vmspace_alloc() never fails.
    unsafe { Vmspace::from_raw_nonnull(b::vmspace_alloc(min, max)) }
}

/// vmspace_rel(vm): drops a reference vmspace_alloc() gave.
///
/// # Safety
/// The caller owns a reference on `vm` and does not use `vm` afterwards.
pub(crate) unsafe fn vmspace_rel(_: &mut Cx<'_>, vm: Vmspace<'_>) {
    // SAFETY: by the caller's contract.
    unsafe { b::vmspace_rel(vm.as_ptr()) }
}

/// pmap_pinit2(vmspace_pmap(vm)).
///
/// # Safety
/// `vm` is new: nothing uses its pmap yet.
pub(super) unsafe fn pmap_pinit2(_: &mut Cx<'_>, vm: Vmspace<'_>) {
    // SAFETY: the pmap of a live vmspace, not in use (the contract).
    unsafe { b::pmap_pinit2(vm.pmap()) }
}

/// pmap_remove_pages(vmspace_pmap(vm), start, end).
pub(crate) fn pmap_remove_pages(_: &mut Cx<'_>, vm: Vmspace<'_>, start: b::vm_offset_t, end: b::vm_offset_t) {
    // SAFETY: the pmap of a live vmspace.
    unsafe { b::pmap_remove_pages(vm.pmap(), start, end) }
}

/// pmap_setlwpvm(lp, vm): switches the lwp to vm (which takes no
/// reference on it).
///
/// # Safety
/// `vm` stays live while `lp` runs in it: the process's own vmspace, or
/// an entry's, kept by the reference `vklp->ve` holds until the lwp
/// switches back.
pub(crate) unsafe fn pmap_setlwpvm(_: &mut Cx<'_>, lp: Lwp<'_>, vm: Vmspace<'_>) {
    // SAFETY: a live lwp, and a vmspace live while used (the contract).
    unsafe { b::pmap_setlwpvm(lp.as_ptr(), vm.as_ptr()) }
}

/// vm_map_remove(&vm->vm_map, start, end).
pub(crate) fn vm_map_remove(_: &mut Cx<'_>, vm: Vmspace<'_>, start: b::vm_offset_t, end: b::vm_offset_t) {
    // The result carries no information vm_vmspace.c uses.
    // SAFETY: the map of a live vmspace.
    unsafe { b::vm_map_remove(vm.vm_map(), start, end) };
}

/// `boolean_t`: an int at c2e7bb204e, C99's `_Bool` from the 2017 revisions
/// on (bindgen's `c_int` or `bool`); `false.into()` is FALSE in either.
trait Boolean {
    fn truth(self) -> bool;
}

impl Boolean for c_int {
    fn truth(self) -> bool {
        self != 0
    }
}

impl Boolean for bool {
    fn truth(self) -> bool {
        self
    }
}

/// vm_map_check_protection(&vm->vm_map, start, end, VM_PROT_NONE, FALSE).
pub(crate) fn vm_map_check_protection(
    _: &mut Cx<'_>,
    vm: Vmspace<'_>,
    start: b::vm_offset_t,
    end: b::vm_offset_t,
) -> bool {
    // `false.into()`: FALSE as either boolean_t (a no-op for `bool`).
    #[allow(clippy::useless_conversion)]
    // SAFETY: the map of a live vmspace.
    let ok = unsafe { b::vm_map_check_protection(vm.vm_map(), start, end, VM_PROT_NONE, false.into()) };
    ok.truth()
}

/// vm_map_madvise(&vm->vm_map, start, end, behav, value).
pub(crate) fn vm_map_madvise(
    _: &mut Cx<'_>,
    vm: Vmspace<'_>,
    start: b::vm_offset_t,
    end: b::vm_offset_t,
    behav: c_int,
    value: b::off_t,
) -> Result {
    // SAFETY: the map of a live vmspace.
    to_result(unsafe { b::vm_map_madvise(vm.vm_map(), start, end, behav, value) })
}

/// kern_mmap(vm, addr, len, prot, flags, fd, pos, res).
#[allow(clippy::too_many_arguments)]
pub(crate) fn kern_mmap(
    _: &mut Cx<'_>,
    vm: Vmspace<'_>,
    addr: UserPtr<c_void>,
    len: usize,
    prot: c_int,
    flags: c_int,
    fd: c_int,
    pos: b::off_t,
    res: Kptr<'_, *mut c_void>,
) -> Result {
    // kern_mmap() checks the user arguments itself.
    // SAFETY: a live vmspace and result slot.
    to_result(unsafe { b::kern_mmap(vm.as_ptr(), addr.as_ptr().cast(), len as _, prot, flags, fd, pos, res.as_ptr()) })
}

// The machine-dependent functions below do not block.

/// cpu_sanitize_frame(frame).
pub(crate) fn cpu_sanitize_frame(frame: TrapFrame<'_>) -> Result {
    // SAFETY: a live trapframe.
    to_result(unsafe { b::cpu_sanitize_frame(frame.0.as_ptr()) })
}

/// cpu_sanitize_tls(tls).
pub(crate) fn cpu_sanitize_tls(tls: SaveTls<'_>) -> Result {
    // SAFETY: a live savetls.
    to_result(unsafe { b::cpu_sanitize_tls(tls.0.as_ptr()) })
}

/// set_user_TLS(): loads curthread's td_tls into the cpu.
pub(crate) fn set_user_tls() {
    // SAFETY: no arguments; acts on curthread.
    unsafe { b::set_user_TLS() }
}

/// set_vkernel_fp(frame).
pub(crate) fn set_vkernel_fp(frame: TrapFrame<'_>) {
    // SAFETY: a live trapframe.
    unsafe { b::set_vkernel_fp(frame.0.as_ptr()) }
}

/// vmm_vm_set_guest_cr3(cr3).
pub(crate) fn vmm_vm_set_guest_cr3(cr3: b::register_t) {
    // SAFETY: takes a number; the VMM validates it.
    unsafe { b::vmm_vm_set_guest_cr3(cr3) }
}

/// cpu_vkernel_trap(frame, error).
pub(crate) fn cpu_vkernel_trap(frame: TrapFrame<'_>, error: c_int) {
    // SAFETY: a live trapframe.
    unsafe { b::cpu_vkernel_trap(frame.0.as_ptr(), error) }
}
