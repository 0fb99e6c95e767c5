//! Kernel objects: [`Kptr`] handles, user addresses, the system call
//! arguments, and the accessors of the fields the port reads and writes,
//! each with its safety argument made once, for that field.

use super::sync::{ProcToken, Refs};
use super::vm::{kfree, kmalloc_zeroed};
use super::Cx;
use crate::bindings as b;
use core::ffi::c_void;
use core::marker::PhantomData;
use core::mem::{offset_of, size_of};
use core::ptr::{self, NonNull};

// ---------------------------------------------------------------------------
// Constants the headers give through macros bindgen cannot evaluate
// (ffi/bindings.h defines them as `rs_` variables).

pub(crate) const VM_MIN_USER_ADDRESS: b::vm_offset_t = b::rs_VM_MIN_USER_ADDRESS;
pub(crate) const VM_MAX_USER_ADDRESS: b::vm_offset_t = b::rs_VM_MAX_USER_ADDRESS;
pub(crate) const VM_PROT_NONE: b::vm_prot_t = b::rs_VM_PROT_NONE;
pub(crate) const PAGE_MASK: b::vm_offset_t = b::rs_PAGE_MASK;
pub(crate) const MADV_CONTROL_END: core::ffi::c_int = b::rs_MADV_CONTROL_END;
/// `offsetof(struct thread, td_tls)`: td_tls is a macro for a
/// machine-dependent member.
pub(crate) const TD_TLS_OFFSET: usize = b::rs_TD_TLS_OFFSET as usize;

/// round_page(x): wraps as the C macro does.
pub(crate) const fn round_page(x: b::vm_offset_t) -> b::vm_offset_t {
    x.wrapping_add(PAGE_MASK) & !PAGE_MASK
}

/// trunc_page(x).
pub(crate) const fn trunc_page(x: b::vm_offset_t) -> b::vm_offset_t {
    x & !PAGE_MASK
}

// ---------------------------------------------------------------------------
// Handles

/// A live kernel object of type `T`, valid for `'a`.
///
/// Invariant: the pointer is non-NULL and the object it points to stays
/// allocated for `'a` (what keeps it so, a reference count, a token, or the
/// object being the current thread's, is stated where a `Kptr` is made).
/// Its fields are read and written through the raw pointer, as C does, by
/// the accessors of this module only.
#[repr(transparent)]
pub(crate) struct Kptr<'a, T>(NonNull<T>, PhantomData<&'a T>);

impl<T> Clone for Kptr<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Kptr<'_, T> {}

impl<'a, T> Kptr<'a, T> {
    /// `p` as a kernel object, or `None` for NULL.
    ///
    /// # Safety
    /// A non-NULL `p` points to a `T` that stays allocated for `'a`.
    #[inline(always)]
    pub(crate) unsafe fn from_raw(p: *mut T) -> Option<Self> {
        NonNull::new(p).map(|p| Kptr(p, PhantomData))
    }

    /// `p`, which the kernel guarantees is not NULL, as a kernel object.
    ///
    /// # Safety
    /// `p` is not NULL and points to a `T` that stays allocated for `'a`.
    #[inline(always)]
    pub(crate) unsafe fn from_raw_nonnull(p: *mut T) -> Self {
        // SAFETY: not NULL, by the caller's contract.
        Kptr(unsafe { NonNull::new_unchecked(p) }, PhantomData)
    }

    /// The C pointer.
    #[inline(always)]
    pub(crate) fn as_ptr(self) -> *mut T {
        self.0.as_ptr()
    }

    /// The member of type `U` at byte offset `offset`, which must be a field
    /// of `T` of that type.
    #[inline(always)]
    pub(super) fn member<U>(self, offset: usize) -> Kptr<'a, U> {
        debug_assert!(offset + size_of::<U>() <= size_of::<T>());
        // SAFETY: a field of a live object is live as long as the object.
        unsafe { Kptr::from_raw_nonnull(self.as_ptr().byte_add(offset).cast()) }
    }
}

/// A thread of a user process: its `td_proc` and `td_lwp` are set.  Made
/// only from [`Cx::curthread`] and [`Lwp::lwp_thread`].
pub(crate) type Thread<'a> = Kptr<'a, b::thread>;
pub(crate) type Proc<'a> = Kptr<'a, b::proc_>;
pub(crate) type Lwp<'a> = Kptr<'a, b::lwp>;
pub(crate) type VkernelProc<'a> = Kptr<'a, b::vkernel_proc>;
pub(crate) type VkernelLwp<'a> = Kptr<'a, b::vkernel_lwp>;
pub(crate) type VmspaceEntry<'a> = Kptr<'a, b::vmspace_entry>;
pub(crate) type Vmspace<'a> = Kptr<'a, b::vmspace>;

/// Plain data: any bytes are a valid value and every byte is initialised
/// (no padding), so user bytes may fill one and its bytes may go to the
/// user.
///
/// # Safety
/// Implement only for `repr(C)` types of integer fields without padding.
pub(crate) unsafe trait Plain {}
// SAFETY: struct trapframe: 25 register_t, no padding (200 bytes, sys/abi.rs).
unsafe impl Plain for b::trapframe {}
// SAFETY: struct savetls: descriptor bases, integers (sys/abi.rs).
unsafe impl Plain for b::savetls {}

/// The machine state a thread returns to user mode with (or loads into
/// the cpu): the trap frame of the current system call or trap, and
/// `td->td_tls`.  User bytes reach it only through [`copyin_live`]
/// (unsafe: they must be sanitized, or replaced by a saved copy, first).
#[repr(transparent)]
pub(crate) struct Live<'a, T: Plain>(pub(super) Kptr<'a, T>);

impl<T: Plain> Clone for Live<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Plain> Copy for Live<'_, T> {}

impl<'a, T: Plain> Live<'a, T> {
    /// # Safety
    /// `state` is the live state of the current thread (its system call's
    /// or trap's frame), live for `'a`.
    pub(crate) unsafe fn new(state: Kptr<'a, T>) -> Self {
        Live(state)
    }
}

/// A copy of live state kept in the vkernel_lwp: written only from live
/// state ([`save`]), read back by [`restore`], so it is as sane as the
/// state it was saved from.
#[derive(Clone, Copy)]
pub(crate) struct Saved<'a, T: Plain>(Kptr<'a, T>);

/// bcopy(live, saved, sizeof(T)).
pub(crate) fn save<T: Plain>(from: Live<'_, T>, to: Saved<'_, T>) {
    super::vm::bcopy(from.0, to.0)
}

/// bcopy(saved, live, sizeof(T)).
pub(crate) fn restore<T: Plain>(from: Saved<'_, T>, to: Live<'_, T>) {
    super::vm::bcopy(from.0, to.0)
}

pub(crate) type TrapFrame<'a> = Live<'a, b::trapframe>;
pub(crate) type SaveTls<'a> = Live<'a, b::savetls>;

/// A user-space address of a `T`: never dereferenced, only handed to
/// copyin()/copyout() (which fault-check it) or used as a number.
#[repr(transparent)]
pub(crate) struct UserPtr<T>(*mut T);

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UserPtr<T> {}

impl<T> From<*mut T> for UserPtr<T> {
    fn from(p: *mut T) -> Self {
        UserPtr(p)
    }
}

impl<T> UserPtr<T> {
    pub(crate) fn as_ptr(self) -> *mut T {
        self.0
    }

    /// The address as a number.
    pub(crate) fn addr(self) -> b::vm_offset_t {
        self.0 as b::vm_offset_t
    }
}

impl UserPtr<b::vextframe> {
    /// `&uap->vframe->vx_tls`: address arithmetic only.
    pub(crate) fn vx_tls(self) -> UserPtr<b::savetls> {
        UserPtr(self.0.wrapping_byte_add(offset_of!(b::vextframe, vx_tls)).cast())
    }
}

/// A vmspace id: the user's key for a VMSPACE, compared as an address and
/// never dereferenced.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub(crate) struct VmspaceId(pub(super) *mut c_void);

impl From<*mut c_void> for VmspaceId {
    fn from(id: *mut c_void) -> Self {
        VmspaceId(id)
    }
}

impl VmspaceId {
    /// `(register_t)id`: a VMM guest's id is its page table root (CR3).
    pub(crate) fn as_cr3(self) -> b::register_t {
        self.0 as b::register_t
    }
}

// ---------------------------------------------------------------------------
// The system calls' arguments: the system call layer passes each call its
// own args, live for the call ([`Kptr`]); each field is read by an
// accessor of its type.

macro_rules! sysargs {
    ($($args:ident { $($field:ident: $ty:ty),* })*) => {$(
        impl Kptr<'_, b::$args> {
            $(
                #[inline(always)]
                pub(crate) fn $field(self) -> $ty {
                    get!(self, $field).into()
                }
            )*
        }
    )*};
}

sysargs! {
    vmspace_create_args { id: VmspaceId }
    vmspace_destroy_args { id: VmspaceId }
    vmspace_ctl_args {
        id: VmspaceId, cmd: core::ffi::c_int, tframe: UserPtr<b::trapframe>, vframe: UserPtr<b::vextframe>
    }
    vmspace_mmap_args {
        id: VmspaceId, addr: UserPtr<c_void>, len: usize, prot: core::ffi::c_int,
        flags: core::ffi::c_int, fd: core::ffi::c_int, offset: b::off_t
    }
    vmspace_munmap_args { id: VmspaceId, addr: UserPtr<c_void>, len: usize }
    vmspace_pread_args { id: VmspaceId }
    vmspace_pwrite_args { id: VmspaceId }
    vmspace_mcontrol_args {
        id: VmspaceId, addr: UserPtr<c_void>, len: usize, behav: core::ffi::c_int, value: b::off_t
    }
}

impl<'a> Kptr<'a, b::vmspace_ctl_args> {
    /// `uap->sysmsg_frame`: the caller's saved user context.
    pub(crate) fn sysmsg_frame(self) -> *mut b::trapframe {
        get!(self, sysmsg).sm_frame
    }
}

impl<'a> Kptr<'a, b::vmspace_mmap_args> {
    /// `&uap->sysmsg_resultp`: the pointer member of the result union.
    pub(crate) fn sysmsg_resultp(self) -> Kptr<'a, *mut c_void> {
        self.member(offset_of!(b::vmspace_mmap_args, sysmsg) + offset_of!(b::sysmsg, sm_result))
    }
}

// ---------------------------------------------------------------------------
// Threads, processes, lwps

impl<'a> Thread<'a> {
    /// `td->td_lwp`: set, a thread of a user process (the type's invariant).
    pub(crate) fn td_lwp(self) -> Lwp<'a> {
        let p = get!(self, td_lwp);
        // SAFETY: set for a user process's thread; an lwp outlives its thread.
        unsafe { Lwp::from_raw_nonnull(p) }
    }

    /// `td->td_proc` (curproc).
    pub(crate) fn td_proc(self) -> Proc<'a> {
        let p = get!(self, td_proc);
        // SAFETY: set, as td_lwp is; a process outlives its threads.
        unsafe { Proc::from_raw_nonnull(p) }
    }

    /// `td->td_vmm == NULL`: the thread is not a VMM guest, so its lwp's
    /// vkernel_lwp holds kernel `vmspace_entry` pointers in `ve`.
    pub(crate) fn no_vmm(self) -> bool {
        get!(self, td_vmm).is_null()
    }

    /// `&td->td_tls`, live: loaded into the cpu by set_user_TLS().
    pub(crate) fn td_tls(self) -> SaveTls<'a> {
        Live(self.member(TD_TLS_OFFSET))
    }
}

impl<'a> Proc<'a> {
    /// `p->p_vkernel`.  A process's vkernel_proc lives while the process
    /// holds its reference (until vkernel_exit()).
    pub(crate) fn p_vkernel(self) -> Option<VkernelProc<'a>> {
        let p = get!(self, p_vkernel);
        // SAFETY: NULL or the vkernel_proc the process holds a reference on.
        unsafe { VkernelProc::from_raw(p) }
    }

    /// `p->p_vkernel` of a process the kernel knows is a vkernel.
    ///
    /// # Safety
    /// `p->p_vkernel` is not NULL.
    pub(crate) unsafe fn p_vkernel_unchecked(self) -> VkernelProc<'a> {
        let p = get!(self, p_vkernel);
        // SAFETY: not NULL by the caller's contract; held by the process.
        unsafe { VkernelProc::from_raw_nonnull(p) }
    }

    /// `p->p_vkernel = vkp`.
    ///
    /// # Safety
    /// With `Some(vkp)`, a reference on vkp counted in `vkp->refs` passes
    /// to the process; with `None`, the caller takes over the process's
    /// reference (vkernel_exit()).
    pub(crate) unsafe fn set_p_vkernel(self, vkp: Option<VkernelProc<'_>>) {
        set!(self, p_vkernel, vkp.map_or(ptr::null_mut(), Kptr::as_ptr));
    }

    pub(crate) fn p_pid(self) -> b::pid_t {
        get!(self, p_pid)
    }

    /// `p->p_vmspace`, the process's own VM space.
    pub(crate) fn p_vmspace(self) -> Vmspace<'a> {
        let vm = get!(self, p_vmspace);
        // SAFETY: a live process always has its vmspace.
        unsafe { Vmspace::from_raw_nonnull(vm) }
    }

    /// `RB_FOREACH(lp, lwp_rb_tree, &p->p_lwp_tree) f(lp)`: the next lwp is
    /// looked up after `f` returns, as the macro does.
    ///
    /// # Safety
    /// The tree does not change during the walk (exit1(): the process's
    /// other lwps are gone or stopped), and `f` removes no lwp.
    pub(crate) unsafe fn for_each_lwp(self, mut f: impl FnMut(Lwp<'a>)) {
        // SAFETY: the lwp tree head of a live process.
        let mut lp = unsafe { b::lwp_rb_tree_RB_MINMAX(ptr::addr_of_mut!((*self.as_ptr()).p_lwp_tree), b::RB_NEGINF) };
        // SAFETY: NULL or an lwp of the tree, live while in it.
        while let Some(l) = unsafe { Lwp::from_raw(lp) } {
            f(l);
            // SAFETY: l is still in the tree (the caller's contract).
            lp = unsafe { b::lwp_rb_tree_RB_NEXT(l.as_ptr()) };
        }
    }
}

impl<'a> Lwp<'a> {
    pub(crate) fn lwp_proc(self) -> Proc<'a> {
        let p = get!(self, lwp_proc);
        // SAFETY: every lwp belongs to a process, which outlives it.
        unsafe { Proc::from_raw_nonnull(p) }
    }

    /// The lwp's thread, a user process's (a [`Thread`]).
    pub(crate) fn lwp_thread(self) -> Thread<'a> {
        let p = get!(self, lwp_thread);
        // SAFETY: every lwp has its thread.
        unsafe { Thread::from_raw_nonnull(p) }
    }

    /// `lp->lwp_vkernel`, owned by the lwp (only its own thread, or its
    /// process's exit, touch it).
    pub(crate) fn lwp_vkernel(self) -> Option<VkernelLwp<'a>> {
        let p = get!(self, lwp_vkernel);
        // SAFETY: NULL or the lwp's own vkernel_lwp.
        unsafe { VkernelLwp::from_raw(p) }
    }

    /// `lp->lwp_vkernel = vklp` for a new vklp, which the lwp now owns.
    pub(crate) fn set_lwp_vkernel(self, vklp: NewVkernelLwp) -> VkernelLwp<'a> {
        set!(self, lwp_vkernel, vklp.0.as_ptr());
        vklp.0
    }

    /// `lp->lwp_vkernel = NULL; kfree(vklp, M_VKERNEL)`.
    ///
    /// # Safety
    /// `vklp` is `lp->lwp_vkernel`, and nothing uses it afterwards: `lp` is
    /// the current lwp, or an lwp of an exiting process that no longer runs.
    pub(crate) unsafe fn free_lwp_vkernel(self, vklp: VkernelLwp<'_>) {
        set!(self, lwp_vkernel, ptr::null_mut());
        // SAFETY: unlinked from the lwp, which was its only owner (the contract).
        unsafe { kfree(vklp) };
    }
}

// ---------------------------------------------------------------------------
// vkernel_proc, vkernel_lwp

/// A vkernel_proc just allocated, which no one else can see yet; published
/// under `p->p_token`.
pub(crate) struct NewVkernelProc(VkernelProc<'static>);

impl NewVkernelProc {
    /// kmalloc(sizeof(struct vkernel_proc), M_VKERNEL, M_WAITOK|M_ZERO).
    pub(crate) fn alloc(_: &mut Cx<'_>) -> Self {
        // The memory stays until the kfree() of its owner.
        // SAFETY: M_WAITOK allocations never return NULL.
        NewVkernelProc(unsafe { VkernelProc::from_raw_nonnull(kmalloc_zeroed()) })
    }

    /// `vkp->refs = 1; lwkt_token_init(&vkp->token, "vkernel");
    /// RB_INIT(&vkp->root); p->p_vkernel = vkp`: the process holds the one
    /// reference.  (RB_INIT as DragonFly's macro: empties the tree and its
    /// list of scans in progress and leaves rbh_spin alone.)
    pub(crate) fn publish<'p>(self, held: &ProcToken<'p>) -> VkernelProc<'p> {
        let (vkp, p) = (self.0, held.p);
        vkp.refs().init(1);
        // The token and tree head of a vkp no one else sees; the description
        // is a static string.
        // SAFETY: as said.
        unsafe {
            b::lwkt_token_init(ptr::addr_of_mut!((*vkp.as_ptr()).token), c"vkernel".as_ptr());
            let root = ptr::addr_of_mut!((*vkp.as_ptr()).root);
            (*root).rbh_root = ptr::null_mut();
            (*root).rbh_inprog = ptr::null_mut();
        }
        // SAFETY: the reference counted by refs = 1 is the process's.
        unsafe { p.set_p_vkernel(Some(vkp)) };
        vkp
    }

    /// kfree(vkp, M_VKERNEL) of a vkp never published.
    pub(crate) fn free(self) {
        // SAFETY: no one else ever saw it.
        unsafe { kfree(self.0) }
    }
}

impl<'a> VkernelProc<'a> {
    pub(crate) fn refs(self) -> Refs<'a> {
        Refs(self.member(offset_of!(b::vkernel_proc, refs)))
    }

    pub(crate) fn vkernel_cr3(self) -> b::register_t {
        get!(self, vkernel_cr3)
    }

    /// `&vkp->token`.
    pub(super) fn token(self) -> *mut b::lwkt_token {
        // SAFETY: a field of the live vkp (no dereference).
        unsafe { ptr::addr_of_mut!((*self.as_ptr()).token) }
    }

    /// `&vkp->root`.
    pub(super) fn root(self) -> *mut b::vmspace_rb_tree {
        // SAFETY: a field of the live vkp (no dereference).
        unsafe { ptr::addr_of_mut!((*self.as_ptr()).root) }
    }
}

/// A vkernel_lwp just allocated, not yet attached to its lwp.
pub(crate) struct NewVkernelLwp(VkernelLwp<'static>);

impl NewVkernelLwp {
    /// kmalloc(sizeof(struct vkernel_lwp), M_VKERNEL, M_WAITOK|M_ZERO).
    pub(crate) fn alloc(_: &mut Cx<'_>) -> Self {
        // SAFETY: as NewVkernelProc::alloc().
        NewVkernelLwp(unsafe { VkernelLwp::from_raw_nonnull(kmalloc_zeroed()) })
    }
}

impl<'a> VkernelLwp<'a> {
    /// `&vklp->save_trapframe`.
    pub(crate) fn save_trapframe(self) -> Saved<'a, b::trapframe> {
        Saved(self.member(offset_of!(b::vkernel_lwp, save_trapframe)))
    }

    /// `&vklp->save_vextframe.vx_tls`.
    pub(crate) fn save_vx_tls(self) -> Saved<'a, b::savetls> {
        Saved(self.member(offset_of!(b::vkernel_lwp, save_vextframe) + offset_of!(b::vextframe, vx_tls)))
    }

    pub(crate) fn user_trapframe(self) -> UserPtr<b::trapframe> {
        UserPtr(get!(self, user_trapframe))
    }

    pub(crate) fn set_user_trapframe(self, frame: UserPtr<b::trapframe>) {
        set!(self, user_trapframe, frame.0);
    }

    pub(crate) fn set_user_vextframe(self, vframe: UserPtr<b::vextframe>) {
        set!(self, user_vextframe, vframe.0);
    }

    /// `vklp->ve = NULL` of a VMM guest (an id, no reference to drop).
    pub(crate) fn clear_ve(self) {
        set!(self, ve, ptr::null_mut());
    }
}

// ---------------------------------------------------------------------------
// vmspace_entry, vmspace

impl<'a> Vmspace<'a> {
    /// `&vm->vm_map`.
    pub(crate) fn vm_map(self) -> *mut b::vm_map {
        // In bounds of the live vmspace: no dereference.
        self.member::<b::vm_map>(offset_of!(b::vmspace, vm_map)).as_ptr()
    }

    /// vmspace_pmap(vm): `&vm->vm_pmap`.
    pub(crate) fn pmap(self) -> *mut b::pmap {
        self.member::<b::pmap>(offset_of!(b::vmspace, vm_pmap)).as_ptr()
    }
}
