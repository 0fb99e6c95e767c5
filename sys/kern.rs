//! The kernel interfaces `vm_vmspace` uses, as safe Rust.
//!
//! This is the FFI boundary: every `unsafe` that touches C lives here (or in
//! the `extern "C"` entry points), so that the port itself reads like the C.
//!
//! - Kernel objects are [`Kptr`]s: a pointer to a live object plus a
//!   lifetime.  The only Rust reference to kernel memory ever formed is a
//!   short-lived `&AtomicI32` on a reference count, for the one atomic
//!   operation (as the kernel's atomic_* on the field), never kept past the
//!   call; so an object other threads change (or one freed while a token is
//!   released across a blocking call) never breaks a Rust aliasing rule, and
//!   no `&mut` to token-protected data can be held across a call that blocks.
//! - User addresses are [`UserPtr`]s: never dereferenced, only passed to
//!   copyin()/copyout().
//! - LWKT tokens are held by [`TokenGuard`]s and released in `Drop`;
//!   [`VkpToken`] is the proof that `vkp->token` is held, required by the
//!   functions documented "The caller must hold vkp->token.".
//! - Errors are [`Error`]s inside, `int`s only at the `extern "C"` boundary.
//!
//! Lock order: `vmspace_token`, then `p->p_token` or `vkp->token`.

use crate::bindings as b;
use core::ffi::{c_char, c_int, c_void, CStr};
use core::marker::PhantomData;
use core::mem::{self, offset_of, size_of, ManuallyDrop, MaybeUninit};
use core::num::NonZeroI32;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicI32, Ordering};

// ---------------------------------------------------------------------------
// Errors

/// A kernel error: a positive BSD errno or `EJUSTRETURN` (-2).
///
/// Invariant: the value is never 0, so `Result<(), Error>` is one `int`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub struct Error(NonZeroI32);

impl Error {
    pub const EINVAL: Self = Self::from_const(b::EINVAL);
    pub const ENOENT: Self = Self::from_const(b::ENOENT);
    pub const EBUSY: Self = Self::from_const(b::EBUSY);
    pub const EEXIST: Self = Self::from_const(b::EEXIST);
    pub const EOPNOTSUPP: Self = Self::from_const(b::EOPNOTSUPP);
    /// Not a failure: a system call returns it to leave the user context
    /// alone (the frame was replaced).
    pub const EJUSTRETURN: Self = Self::from_const(b::EJUSTRETURN);

    const fn from_const(errno: c_int) -> Self {
        match NonZeroI32::new(errno) {
            Some(e) => Error(e),
            None => panic!("errno 0 is success"),
        }
    }

    /// The C return value.
    pub fn to_errno(self) -> c_int {
        self.0.get()
    }

    /// This error, on a path the kernel seldom takes (a caller's mistake):
    /// `#[cold]`, as `__predict_false()`.
    #[cold]
    pub fn seldom(self) -> Self {
        self
    }
}

pub type Result<T = ()> = core::result::Result<T, Error>;

/// A C function's `int` error (0: success) as a [`Result`].
pub fn to_result(error: c_int) -> Result {
    match NonZeroI32::new(error) {
        None => Ok(()),
        Some(e) => Err(Error(e)),
    }
}

/// A [`Result`] as the C return value.
pub fn to_errno(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

// ---------------------------------------------------------------------------
// Constants the headers give through macros bindgen cannot evaluate
// (ffi/bindings.h defines them as `rs_` variables).

pub const VM_MIN_USER_ADDRESS: b::vm_offset_t = b::rs_VM_MIN_USER_ADDRESS;
pub const VM_MAX_USER_ADDRESS: b::vm_offset_t = b::rs_VM_MAX_USER_ADDRESS;
pub const VM_PROT_NONE: b::vm_prot_t = b::rs_VM_PROT_NONE;
pub const PAGE_MASK: b::vm_offset_t = b::rs_PAGE_MASK;
pub const MADV_CONTROL_END: c_int = b::rs_MADV_CONTROL_END;
/// `offsetof(struct thread, td_tls)`: td_tls is a macro for a
/// machine-dependent member.
pub const TD_TLS_OFFSET: usize = b::rs_TD_TLS_OFFSET as usize;

/// round_page(x): wraps as the C macro does.
pub const fn round_page(x: b::vm_offset_t) -> b::vm_offset_t {
    x.wrapping_add(PAGE_MASK) & !PAGE_MASK
}

/// trunc_page(x).
pub const fn trunc_page(x: b::vm_offset_t) -> b::vm_offset_t {
    x & !PAGE_MASK
}

// ---------------------------------------------------------------------------
// KKASSERT and panic

/// `KKASSERT(cond)` in function `func`, spelled `text` in the C.  As in
/// DragonFly it is compiled in only for a kernel with `options INVARIANTS`
/// (feature `invariants`); it then calls the kernel's panic() with
/// KKASSERT's message.
macro_rules! kkassert {
    ($func:literal, $cond:expr, $text:literal) => {
        if cfg!(invariants) && !$cond {
            $crate::kern::kkassert_failed(
                $crate::kern::cstr!($text),
                $crate::kern::cstr!($func),
                $crate::kern::cstr!(file!()),
                line!(),
            );
        }
    };
}

/// `KKASSERT(p)` / `KKASSERT(p != NULL)` on a pointer the code then uses:
/// evaluates to the object.  Without INVARIANTS the C dereferences the
/// pointer unchecked; so does this (the kernel guarantees it).
macro_rules! kkassert_some {
    ($func:literal, $opt:expr, $text:literal) => {
        match $opt {
            Some(obj) => obj,
            None => {
                kkassert!($func, false, $text);
                // With INVARIANTS the line above panics.  Without, the
                // caller guarantees non-NULL: the only user, vkernel_trap(),
                // is called by the kernel's trap code (trap() and syscall2()
                // in platform/pc64/x86_64/trap.c) only when
                // `lp->lwp_vkernel && lp->lwp_vkernel->ve`.
                // SAFETY: the caller guarantees the pointer is non-NULL (above).
                unsafe { core::hint::unreachable_unchecked() }
            }
        }
    };
}

/// A string literal as a [`Lit`], made at compile time.
macro_rules! cstr {
    ($s:expr) => {
        const {
            match core::ffi::CStr::from_bytes_with_nul(concat!($s, "\0").as_bytes()) {
                Ok(s) => $crate::kern::Lit::new(s),
                Err(_) => panic!("NUL inside a C string literal"),
            }
        }
    };
}
pub(crate) use cstr;

/// A static C string, one pointer wide (a `&CStr` is two): the failure path
/// of a KKASSERT passes three of them in registers, as the C does.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub struct Lit(*const c_char);

impl Lit {
    pub const fn new(s: &'static CStr) -> Self {
        Lit(s.as_ptr())
    }
}

/// The failure of a KKASSERT: DragonFly's message, with the Rust file and
/// line of the check.
#[cold]
#[inline(never)]
pub fn kkassert_failed(text: Lit, func: Lit, file: Lit, line: u32) -> ! {
    // Lits are static C strings.
    // SAFETY: a printf format with three C strings and an unsigned, as given.
    unsafe { b::panic(c"assertion \"%s\" failed in %s at %s:%u".as_ptr(), text.0, func.0, file.0, line) }
}

/// The kernel's panic() for a Rust panic at `file:line`.
#[cold]
pub fn panic_at(file: &str, line: u32) -> ! {
    // The length bounds %.*s: `file` is not NUL-terminated.
    let len = c_int::try_from(file.len()).unwrap_or(0);
    // The char pointer is valid for `len` bytes (file's length, or 0).
    // SAFETY: a printf format with an int, a char pointer and an unsigned, as given.
    unsafe { b::panic(c"rust panic at %.*s:%u".as_ptr(), len, file.as_ptr(), line) }
}

/// kprintf("Warning, pid %d killed with active VC!\n", pid).
pub fn kprintf_killed_with_active_vc(pid: b::pid_t) {
    // SAFETY: a printf format with one int, as given.
    unsafe { b::kprintf(c"Warning, pid %d killed with active VC!\n".as_ptr(), pid) };
}

// ---------------------------------------------------------------------------
// Kernel objects and memory

/// A live kernel object of type `T`, valid for `'a`.
///
/// Invariant: the pointer is non-NULL and the object it points to stays
/// allocated for `'a` (what keeps it so, a reference count, a token, or the
/// object being the current thread's, is stated where a `Kptr` is made).
/// Its fields are read and written through the raw pointer, as C does.
#[repr(transparent)]
pub struct Kptr<'a, T>(NonNull<T>, PhantomData<&'a T>);

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
    pub unsafe fn from_raw(p: *mut T) -> Option<Self> {
        NonNull::new(p).map(|p| Kptr(p, PhantomData))
    }

    /// `p`, which the kernel guarantees is not NULL, as a kernel object.
    ///
    /// # Safety
    /// `p` is not NULL and points to a `T` that stays allocated for `'a`.
    #[inline(always)]
    pub unsafe fn from_raw_nonnull(p: *mut T) -> Self {
        // SAFETY: not NULL, by the caller's contract.
        Kptr(unsafe { NonNull::new_unchecked(p) }, PhantomData)
    }

    /// The C pointer.
    #[inline(always)]
    pub fn as_ptr(self) -> *mut T {
        self.0.as_ptr()
    }

    /// The member of type `U` at byte offset `offset`, which must be a field
    /// of `T` of that type.
    #[inline(always)]
    fn member<U>(self, offset: usize) -> Kptr<'a, U> {
        debug_assert!(offset + size_of::<U>() <= size_of::<T>());
        // SAFETY: a field of a live object is live as long as the object.
        unsafe { Kptr::from_raw_nonnull(self.as_ptr().byte_add(offset).cast()) }
    }
}

/// Reads field `$f` of kernel object `$k` (a [`Kptr`]).
macro_rules! get {
    ($k:expr, $f:ident) => {
        // SAFETY: `Kptr` invariant: the object is live.
        unsafe { (*$k.as_ptr()).$f }
    };
}
/// Writes field `$f` of kernel object `$k`.
macro_rules! set {
    ($k:expr, $f:ident, $v:expr) => {
        // Who may write the field is the kernel's rule, stated on the method.
        // SAFETY: `Kptr` invariant: the object is live.
        unsafe { (*$k.as_ptr()).$f = $v }
    };
}

pub type Thread<'a> = Kptr<'a, b::thread>;
pub type Proc<'a> = Kptr<'a, b::proc_>;
pub type Lwp<'a> = Kptr<'a, b::lwp>;
pub type VkernelProc<'a> = Kptr<'a, b::vkernel_proc>;
pub type VkernelLwp<'a> = Kptr<'a, b::vkernel_lwp>;
pub type VmspaceEntry<'a> = Kptr<'a, b::vmspace_entry>;
pub type Vmspace<'a> = Kptr<'a, b::vmspace>;
pub type TrapFrame<'a> = Kptr<'a, b::trapframe>;
pub type SaveTls<'a> = Kptr<'a, b::savetls>;

/// A user-space address of a `T`: never dereferenced, only handed to
/// copyin()/copyout() (which fault-check it) or used as a number.
#[repr(transparent)]
pub struct UserPtr<T>(*mut T);

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UserPtr<T> {}

impl<T> UserPtr<T> {
    pub fn new(p: *mut T) -> Self {
        UserPtr(p)
    }

    pub fn as_ptr(self) -> *mut T {
        self.0
    }
}

impl UserPtr<b::vextframe> {
    /// `&uap->vframe->vx_tls`: address arithmetic only.
    pub fn vx_tls(self) -> UserPtr<b::savetls> {
        UserPtr(self.0.wrapping_byte_add(offset_of!(b::vextframe, vx_tls)).cast())
    }
}

/// A vmspace id: the user's key for a VMSPACE, compared as an address and
/// never dereferenced.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct VmspaceId(*mut c_void);

impl VmspaceId {
    pub fn new(id: *mut c_void) -> Self {
        VmspaceId(id)
    }

    /// `(register_t)id`: a VMM guest's id is its page table root (CR3).
    pub fn as_cr3(self) -> b::register_t {
        self.0 as b::register_t
    }
}

/// A reference count (`int refs`), changed with locked instructions like
/// atomic_add_int()/atomic_subtract_int().
#[derive(Clone, Copy)]
pub struct Refs<'a>(Kptr<'a, c_int>);

impl<'a> Refs<'a> {
    /// The count as an atomic, borrowed only for the operation at hand: after
    /// a final sub another CPU may free the object.
    fn atomic(&self) -> &AtomicI32 {
        // Whoever changes the count while others can see it does so atomically.
        // SAFETY: the count is live and aligned for 'a (Kptr), which outlasts the borrow.
        unsafe { AtomicI32::from_ptr(self.0.as_ptr()) }
    }

    /// The count (a plain read, as C's `ve->refs`).
    pub fn get(self) -> c_int {
        self.atomic().load(Ordering::Relaxed)
    }

    /// `refs = n` on an object no other thread can see yet.
    pub fn init(self, n: c_int) {
        self.atomic().store(n, Ordering::Relaxed);
    }

    /// atomic_add_int(&refs, 1).
    pub fn add(self) {
        self.atomic_point(c"atomic_add_int");
        self.atomic().fetch_add(1, Ordering::SeqCst);
    }

    /// atomic_subtract_int(&refs, 1).
    pub fn sub(self) {
        self.atomic_point(c"atomic_subtract_int");
        self.atomic().fetch_sub(1, Ordering::SeqCst);
    }

    /// Userland builds only (cfg `model_atomic_points`, build.rs): the
    /// model's switch point before an atomic operation, as the model's
    /// machine/atomic.h has for the C original (the schedule explorer may
    /// run another thread there).  The kernel build has nothing here: one
    /// locked instruction per operation.
    #[inline(always)]
    fn atomic_point(self, _op: &core::ffi::CStr) {
        #[cfg(model_atomic_points)]
        {
            extern "C" {
                fn model_atomic_point(op: *const core::ffi::c_char, p: *const c_void);
            }
            // SAFETY: the model only names the pointer (it never reads it).
            unsafe { model_atomic_point(_op.as_ptr(), self.0.as_ptr() as *const c_void) };
        }
    }

    /// atomic_fetchadd_int(&refs, -1) == 1: true when this dropped the last
    /// reference.
    pub fn release(self) -> bool {
        self.atomic_point(c"atomic_fetchadd_int");
        // fetch_add(-1), not fetch_sub(1): one locked instruction, as the C's.
        self.atomic().fetch_add(-1, Ordering::SeqCst) == 1
    }
}

// ---------------------------------------------------------------------------
// curthread

/// `mycpu`: the running cpu's globaldata.
#[cfg(not(feature = "userland"))]
#[inline(always)]
fn mycpu() -> *mut b::globaldata {
    extern "C" {
        /// pc64's per-cpu symbol: where %gs keeps the globaldata pointer.
        static globaldata: u8;
    }
    let gd: *mut b::globaldata;
    // As pc64's _get_mycpu(); the read has no side effects.
    // SAFETY: in the kernel %gs:globaldata always holds the running cpu's globaldata.
    unsafe {
        core::arch::asm!(
            "movq %gs:{sym}, {gd}",
            sym = sym globaldata,
            gd = out(reg) gd,
            options(att_syntax, nostack, preserves_flags, readonly, pure),
        );
    }
    gd
}

/// `mycpu`: the model kernel keeps it in the global pointer `globaldata`.
#[cfg(feature = "userland")]
#[inline(always)]
fn mycpu() -> *mut b::globaldata {
    // SAFETY: the model's scheduler sets `globaldata` before any kernel thread runs.
    unsafe { ptr::addr_of!(b::globaldata).read() }
}

/// `curthread`: the thread running this code.  It stays the same thread
/// across blocking calls (only the cpu may change), so callers read it once.
#[inline(always)]
pub fn curthread() -> Thread<'static> {
    let gd = mycpu();
    // mycpu is the running cpu's globaldata; its gd_curthread is this thread.
    // SAFETY: a running thread lives at least as long as it runs this code.
    unsafe { Thread::from_raw_nonnull((*gd).gd_curthread) }
}

/// Proof that a thread is not a VMM guest (`td_vmm == NULL`): only then does
/// its lwp's `vkernel_lwp` hold kernel `vmspace_entry` pointers in `ve`.
#[derive(Clone, Copy)]
pub struct NoVmm(());

impl<'a> Thread<'a> {
    /// `td->td_lwp`, which every thread making a system call or trap of a
    /// user process has.
    pub fn td_lwp(self) -> Lwp<'a> {
        let p = get!(self, td_lwp);
        // vm_vmspace runs in system calls and traps of user processes.
        // SAFETY: td_lwp is set for their threads; an lwp outlives its thread.
        unsafe { Lwp::from_raw_nonnull(p) }
    }

    /// `td->td_proc` (curproc).
    pub fn td_proc(self) -> Proc<'a> {
        let p = get!(self, td_proc);
        // SAFETY: set, as td_lwp is; a process outlives its threads.
        unsafe { Proc::from_raw_nonnull(p) }
    }

    /// `td->td_vmm == NULL`, as a proof.
    pub fn no_vmm(self) -> Option<NoVmm> {
        get!(self, td_vmm).is_null().then_some(NoVmm(()))
    }

    /// `&td->td_tls`.
    pub fn td_tls(self) -> SaveTls<'a> {
        self.member(TD_TLS_OFFSET)
    }
}

impl<'a> Proc<'a> {
    /// `p->p_vkernel`.  A process's vkernel_proc lives while the process
    /// holds its reference (until vkernel_exit()).
    pub fn p_vkernel(self) -> Option<VkernelProc<'a>> {
        let p = get!(self, p_vkernel);
        // SAFETY: NULL or the vkernel_proc the process holds a reference on.
        unsafe { VkernelProc::from_raw(p) }
    }

    /// `p->p_vkernel` of a process the kernel knows is a vkernel.
    ///
    /// # Safety
    /// `p->p_vkernel` is not NULL.
    pub unsafe fn p_vkernel_unchecked(self) -> VkernelProc<'a> {
        let p = get!(self, p_vkernel);
        // SAFETY: not NULL by the caller's contract; held by the process.
        unsafe { VkernelProc::from_raw_nonnull(p) }
    }

    /// `p->p_vkernel = vkp`.
    pub fn set_p_vkernel(self, vkp: Option<VkernelProc<'_>>) {
        set!(self, p_vkernel, vkp.map_or(ptr::null_mut(), Kptr::as_ptr));
    }

    /// lwkt_gettoken(&p->p_token).
    pub fn p_token(self) -> TokenGuard<'a> {
        // SAFETY: the process's token lives as long as the process.
        unsafe { TokenGuard::get(ptr::addr_of_mut!((*self.as_ptr()).p_token)) }
    }

    pub fn p_pid(self) -> b::pid_t {
        get!(self, p_pid)
    }

    /// `p->p_vmspace`, the process's own VM space.
    pub fn p_vmspace(self) -> Vmspace<'a> {
        let vm = get!(self, p_vmspace);
        // SAFETY: a live process always has its vmspace.
        unsafe { Vmspace::from_raw_nonnull(vm) }
    }

    /// `RB_FOREACH(lp, lwp_rb_tree, &p->p_lwp_tree) f(lp)`: the next lwp is
    /// looked up after `f` returns, as the macro does.
    pub fn for_each_lwp(self, mut f: impl FnMut(Lwp<'a>)) {
        // SAFETY: the lwp tree head of a live process.
        let mut lp = unsafe { b::lwp_rb_tree_RB_MINMAX(ptr::addr_of_mut!((*self.as_ptr()).p_lwp_tree), b::RB_NEGINF) };
        // SAFETY: NULL or an lwp of the tree, live while in it.
        while let Some(l) = unsafe { Lwp::from_raw(lp) } {
            f(l);
            // SAFETY: l is still in the tree (f does not remove lwps).
            lp = unsafe { b::lwp_rb_tree_RB_NEXT(l.as_ptr()) };
        }
    }
}

impl<'a> Lwp<'a> {
    pub fn lwp_proc(self) -> Proc<'a> {
        let p = get!(self, lwp_proc);
        // SAFETY: every lwp belongs to a process, which outlives it.
        unsafe { Proc::from_raw_nonnull(p) }
    }

    pub fn lwp_thread(self) -> Thread<'a> {
        let p = get!(self, lwp_thread);
        // SAFETY: every lwp has its thread.
        unsafe { Thread::from_raw_nonnull(p) }
    }

    /// `lp->lwp_vkernel`, owned by the lwp (only its own thread, or its
    /// process's exit, touch it).
    pub fn lwp_vkernel(self) -> Option<VkernelLwp<'a>> {
        let p = get!(self, lwp_vkernel);
        // SAFETY: NULL or the lwp's own vkernel_lwp.
        unsafe { VkernelLwp::from_raw(p) }
    }

    /// `lp->lwp_vkernel = vklp`.
    pub fn set_lwp_vkernel(self, vklp: Option<VkernelLwp<'_>>) {
        set!(self, lwp_vkernel, vklp.map_or(ptr::null_mut(), Kptr::as_ptr));
    }
}

impl<'a> VkernelProc<'a> {
    /// kmalloc(sizeof(struct vkernel_proc), M_VKERNEL, M_WAITOK|M_ZERO).
    /// NOTE: can block.
    pub fn alloc() -> Self {
        // The memory stays until the kfree() of its owner.
        // SAFETY: M_WAITOK allocations never return NULL.
        unsafe { Self::from_raw_nonnull(kmalloc_zeroed()) }
    }

    pub fn refs(self) -> Refs<'a> {
        Refs(self.member(offset_of!(b::vkernel_proc, refs)))
    }

    /// lwkt_token_init(&vkp->token, "vkernel") on a new vkp.
    pub fn token_init(self) {
        // The description is a static string.
        // SAFETY: the token of a live vkp, not yet visible to anyone else.
        unsafe { b::lwkt_token_init(ptr::addr_of_mut!((*self.as_ptr()).token), c"vkernel".as_ptr()) }
    }

    /// RB_INIT(&vkp->root) on a new vkp: as DragonFly's macro, empties the
    /// tree and its list of scans in progress and leaves rbh_spin alone.
    /// (Two stores; a call to the shim would cost more than they do.)
    pub fn rb_init(self) {
        // SAFETY: the tree head of a live vkp, not yet visible to anyone.
        unsafe {
            let root = ptr::addr_of_mut!((*self.as_ptr()).root);
            (*root).rbh_root = ptr::null_mut();
            (*root).rbh_inprog = ptr::null_mut();
        }
    }

    /// lwkt_gettoken(&vkp->token).
    pub fn lock(self) -> VkpToken<'a> {
        // SAFETY: the vkp's token lives as long as the vkp.
        unsafe { b::lwkt_gettoken(ptr::addr_of_mut!((*self.as_ptr()).token)) };
        VkpToken { vkp: self }
    }

    pub fn vkernel_cr3(self) -> b::register_t {
        get!(self, vkernel_cr3)
    }
}

impl<'a> VkernelLwp<'a> {
    /// kmalloc(sizeof(struct vkernel_lwp), M_VKERNEL, M_WAITOK|M_ZERO).
    /// NOTE: can block.
    pub fn alloc() -> Self {
        // SAFETY: as VkernelProc::alloc().
        unsafe { Self::from_raw_nonnull(kmalloc_zeroed()) }
    }

    /// `&vklp->save_trapframe`.
    pub fn save_trapframe(self) -> TrapFrame<'a> {
        self.member(offset_of!(b::vkernel_lwp, save_trapframe))
    }

    /// `&vklp->save_vextframe.vx_tls`.
    pub fn save_vx_tls(self) -> SaveTls<'a> {
        self.member(offset_of!(b::vkernel_lwp, save_vextframe) + offset_of!(b::vextframe, vx_tls))
    }

    pub fn user_trapframe(self) -> UserPtr<b::trapframe> {
        UserPtr(get!(self, user_trapframe))
    }

    pub fn set_user_trapframe(self, frame: UserPtr<b::trapframe>) {
        set!(self, user_trapframe, frame.0);
    }

    pub fn set_user_vextframe(self, vframe: UserPtr<b::vextframe>) {
        set!(self, user_vextframe, vframe.0);
    }

    /// `vklp->ve` of an lwp whose thread is not a VMM guest: the entry it
    /// runs in (holding a reference on it), or `None`.
    pub fn ve(self, _: NoVmm) -> Option<VmspaceEntry<'a>> {
        let p = get!(self, ve);
        // For a thread without td_vmm, sys_vmspace_ctl() only ever stores
        // an entry whose refs it raised.
        // SAFETY: NULL or an entry kept live by that reference.
        unsafe { VmspaceEntry::from_raw(p) }
    }

    /// `vklp->ve != NULL`, whatever it holds.
    pub fn ve_is_set(self) -> bool {
        !get!(self, ve).is_null()
    }

    /// `vklp->ve = ve`: the entry this lwp now runs in; the caller's
    /// reference on it passes to vklp.  Returns the entry, which that
    /// reference keeps live.
    pub fn set_ve<'b>(self, ve: VeRef<'b>) -> VmspaceEntry<'b> {
        let ve = ve.into_running();
        set!(self, ve, ve.as_ptr());
        ve
    }

    /// `vklp->ve = id`: a VMM guest keeps the user's id there, a key that
    /// says the guest is running, not a kernel pointer.
    pub fn set_ve_id(self, id: VmspaceId) {
        set!(self, ve, id.0.cast());
    }

    /// `vklp->ve = NULL`.
    pub fn clear_ve(self) {
        set!(self, ve, ptr::null_mut());
    }
}

impl<'a> VmspaceEntry<'a> {
    /// kmalloc(sizeof(struct vmspace_entry), M_VKERNEL, M_WAITOK|M_ZERO).
    /// NOTE: can block.
    pub fn alloc() -> Self {
        // SAFETY: as VkernelProc::alloc().
        unsafe { Self::from_raw_nonnull(kmalloc_zeroed()) }
    }

    pub fn set_id(self, id: VmspaceId) {
        set!(self, id, id.0);
    }

    /// `ve->vmspace`.  An entry's vmspace lives until vmspace_entry_delete().
    pub fn vmspace(self) -> Vmspace<'a> {
        let p = get!(self, vmspace);
        // Released only by vmspace_entry_delete() or a failed creation,
        // neither of which uses it afterwards.
        // SAFETY: set at creation, and live until released.
        unsafe { Vmspace::from_raw_nonnull(p) }
    }

    /// `ve->vmspace = vm`.
    pub fn set_vmspace(self, vm: Option<Vmspace<'_>>) {
        set!(self, vmspace, vm.map_or(ptr::null_mut(), Kptr::as_ptr));
    }

    pub fn refs(self) -> Refs<'a> {
        Refs(self.member(offset_of!(b::vmspace_entry, refs)))
    }
}

/// A reference on `ve->refs` (atomic_add_int on creation,
/// atomic_subtract_int on drop): while it exists, sys_vmspace_destroy()
/// refuses to free the entry, so it stays valid across calls that block and
/// release vkp->token.  Replaces the C's `done1:` labels.
#[must_use = "the reference is dropped at once otherwise"]
pub struct VeRef<'a>(VmspaceEntry<'a>);

impl<'a> VeRef<'a> {
    pub fn new(ve: VmspaceEntry<'a>) -> Self {
        ve.refs().add();
        VeRef(ve)
    }

    pub fn entry(&self) -> VmspaceEntry<'_> {
        self.0
    }

    /// Keeps the reference: it becomes the one `vklp->ve` holds while the
    /// lwp runs in the entry (released by vkernel_trap()).
    fn into_running(self) -> VmspaceEntry<'a> {
        let ve = self.0;
        mem::forget(self);
        ve
    }
}

impl Drop for VeRef<'_> {
    fn drop(&mut self) {
        self.0.refs().sub();
    }
}

impl<'a> Vmspace<'a> {
    /// `&vm->vm_map`.
    pub fn vm_map(self) -> *mut b::vm_map {
        // In bounds of the live vmspace: no dereference.
        self.member::<b::vm_map>(offset_of!(b::vmspace, vm_map)).as_ptr()
    }

    /// vmspace_pmap(vm): `&vm->vm_pmap`.
    pub fn pmap(self) -> *mut b::pmap {
        self.member::<b::pmap>(offset_of!(b::vmspace, vm_pmap)).as_ptr()
    }
}

// ---------------------------------------------------------------------------
// Tokens

/// An LWKT token held by this thread, released when dropped.  Like every
/// LWKT token it is given up while the thread blocks and reacquired before
/// the thread runs again: it serialises, it does not stop other holders
/// from running while this one sleeps.
#[must_use = "the token is released when the guard is dropped"]
pub struct TokenGuard<'a> {
    tok: *mut b::lwkt_token,
    _tok: PhantomData<&'a b::lwkt_token>,
}

impl TokenGuard<'_> {
    /// lwkt_gettoken(tok).  NOTE: can block.
    ///
    /// # Safety
    /// `tok` is an initialised token that outlives the guard.
    unsafe fn get(tok: *mut b::lwkt_token) -> Self {
        // SAFETY: by the caller's contract.
        unsafe { b::lwkt_gettoken(tok) };
        TokenGuard { tok, _tok: PhantomData }
    }
}

impl Drop for TokenGuard<'_> {
    /// lwkt_reltoken(tok).
    fn drop(&mut self) {
        // SAFETY: this thread holds the token (got in TokenGuard::get).
        unsafe { b::lwkt_reltoken(self.tok) }
    }
}

/// lwkt_gettoken(&vmspace_token).
pub fn vmspace_token() -> TokenGuard<'static> {
    // SAFETY: the global vmspace_token, initialised at boot.
    unsafe { TokenGuard::get(ptr::addr_of_mut!(b::vmspace_token)) }
}

/// `vkp->token` held, released when dropped: the proof that the functions
/// documented "The caller must hold vkp->token." take.  Gives access to
/// vkp's tree of entries.
///
/// Invariant: this thread holds `vkp->token`.  The guard is the vkp pointer
/// alone, so an RB_SCAN callback can rebuild the proof from its `data`.
#[must_use = "the token is released when the guard is dropped"]
#[repr(transparent)]
pub struct VkpToken<'a> {
    vkp: VkernelProc<'a>,
}

impl Drop for VkpToken<'_> {
    /// lwkt_reltoken(&vkp->token).
    fn drop(&mut self) {
        // SAFETY: this thread holds the token (the invariant).
        unsafe { b::lwkt_reltoken(ptr::addr_of_mut!((*self.vkp.as_ptr()).token)) }
    }
}

impl<'a> VkpToken<'a> {
    fn root(&self) -> *mut b::vmspace_rb_tree {
        // SAFETY: the tree head of the live vkp (no dereference).
        unsafe { ptr::addr_of_mut!((*self.vkp.as_ptr()).root) }
    }

    /// RB_FIND(vmspace_rb_tree, &vkp->root, key) with key.id = id, the only
    /// field the compare function reads.
    pub fn rb_find<'t>(&'t self, id: VmspaceId) -> Option<VmspaceEntry<'t>> {
        let mut key = MaybeUninit::<b::vmspace_entry>::uninit();
        // The tree's entries are live while the token is held and, if they
        // are to be used across a blocking call, the caller takes a VeRef first.
        // SAFETY: `key` is a local; RB_FIND reads only key.id.
        unsafe {
            ptr::addr_of_mut!((*key.as_mut_ptr()).id).write(id.0);
            VmspaceEntry::from_raw(b::vmspace_rb_tree_RB_FIND(self.root(), key.as_mut_ptr()))
        }
    }

    /// RB_INSERT(vmspace_rb_tree, &vkp->root, ve): false, with the tree
    /// unchanged, if an entry with the same id exists.
    pub fn rb_insert(&self, ve: VmspaceEntry<'_>) -> bool {
        // The tree's entries stay live while they are in it.
        // SAFETY: a live entry that is in no tree.
        unsafe { b::vmspace_rb_tree_RB_INSERT(self.root(), ve.as_ptr()).is_null() }
    }

    /// RB_REMOVE(vmspace_rb_tree, &vkp->root, ve).
    pub fn rb_remove(&self, ve: VmspaceEntry<'_>) {
        // SAFETY: ve is in this tree (VmspaceEntry found in it).
        unsafe { b::vmspace_rb_tree_RB_REMOVE(self.root(), ve.as_ptr()) };
    }

    /// RB_SCAN(vmspace_rb_tree, &vkp->root, NULL, callback, vkp): the
    /// callback rebuilds this proof from its `data` with [`scan_token`].
    pub fn rb_scan(&self, callback: RbScanCallback) {
        // By its type's contract the callback reads `data` as the vkp whose
        // token this thread holds.
        // SAFETY: the tree of the live vkp, and `data` is that vkp.
        unsafe { b::vmspace_rb_tree_RB_SCAN(self.root(), None, Some(callback), self.vkp.as_ptr().cast()) };
    }
}

/// An RB_SCAN callback started by [`VkpToken::rb_scan`]: its `data` is the
/// vkp whose token the scanning thread holds.
pub type RbScanCallback = unsafe extern "C" fn(*mut b::vmspace_entry, *mut c_void) -> c_int;

/// The token proof inside an RB_SCAN callback, from its `data`.  Not
/// dropped: the scanning thread releases the token after the scan.
///
/// # Safety
/// `data` is the `data` of a callback that [`VkpToken::rb_scan`] started;
/// the proof is used only during the callback.
pub unsafe fn scan_token<'t>(data: *mut c_void) -> ManuallyDrop<VkpToken<'t>> {
    // This thread holds the vkp's token during the scan (the VkpToken invariant).
    // SAFETY: rb_scan passes the vkp as `data`, live during the scan.
    ManuallyDrop::new(VkpToken { vkp: unsafe { VkernelProc::from_raw_nonnull(data.cast()) } })
}

// ---------------------------------------------------------------------------
// Memory

/// kmalloc(sizeof(T), M_VKERNEL, M_WAITOK|M_ZERO).  NOTE: can block.
fn kmalloc_zeroed<T>() -> *mut T {
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
pub unsafe fn kfree<T>(obj: Kptr<'_, T>) {
    // SAFETY: by the caller's contract.
    unsafe { b::kfree(obj.as_ptr().cast(), ptr::addr_of_mut!(b::M_VKERNEL).cast()) }
}

/// bcopy(from, to, sizeof(T)) between two kernel objects.
pub fn bcopy<T>(from: Kptr<'_, T>, to: Kptr<'_, T>) {
    // SAFETY: both are live kernel objects of sizeof(T) bytes.
    unsafe { b::bcopy(from.as_ptr().cast(), to.as_ptr().cast(), size_of::<T>() as _) }
}

/// copyin(from, to, sizeof(T)).  NOTE: can block (page fault).
pub fn copyin<T>(from: UserPtr<T>, to: Kptr<'_, T>) -> Result {
    // copyin() checks and faults in the user address itself.
    // SAFETY: `to` is a live kernel object of sizeof(T) bytes.
    to_result(unsafe { b::copyin(from.0.cast(), to.as_ptr().cast(), size_of::<T>() as _) })
}

/// copyout(from, to, sizeof(T)).  NOTE: can block (page fault).
pub fn copyout<T>(from: Kptr<'_, T>, to: UserPtr<T>) -> Result {
    // SAFETY: as copyin().
    to_result(unsafe { b::copyout(from.as_ptr().cast(), to.0.cast(), size_of::<T>() as _) })
}

// ---------------------------------------------------------------------------
// The VM and machine-dependent functions vm_vmspace calls.  Each may block.

/// `vkernel_enable` (sysctl vm.vkernel_enable).
pub fn vkernel_enable() -> c_int {
    // SAFETY: a kernel global int; a plain read as in the C.
    unsafe { ptr::addr_of!(b::vkernel_enable).read() }
}

/// vmspace_alloc(min, max): a new vmspace, with one reference.
pub fn vmspace_alloc(min: b::vm_offset_t, max: b::vm_offset_t) -> Vmspace<'static> {
    // The vmspace lives until the vmspace_rel() of its reference.
    // SAFETY: vmspace_alloc() never fails.
    unsafe { Vmspace::from_raw_nonnull(b::vmspace_alloc(min, max)) }
}

/// vmspace_rel(vm): drops the reference vmspace_alloc() gave.
pub fn vmspace_rel(vm: Vmspace<'_>) {
    // SAFETY: a live vmspace on which the caller holds a reference.
    unsafe { b::vmspace_rel(vm.as_ptr()) }
}

/// pmap_pinit2(vmspace_pmap(vm)).
pub fn pmap_pinit2(vm: Vmspace<'_>) {
    // SAFETY: the pmap of a live vmspace.
    unsafe { b::pmap_pinit2(vm.pmap()) }
}

/// pmap_remove_pages(vmspace_pmap(vm), start, end).
pub fn pmap_remove_pages(vm: Vmspace<'_>, start: b::vm_offset_t, end: b::vm_offset_t) {
    // SAFETY: the pmap of a live vmspace.
    unsafe { b::pmap_remove_pages(vm.pmap(), start, end) }
}

/// pmap_setlwpvm(lp, vm): switches the lwp to vm.
pub fn pmap_setlwpvm(lp: Lwp<'_>, vm: Vmspace<'_>) {
    // SAFETY: a live lwp and vmspace.
    unsafe { b::pmap_setlwpvm(lp.as_ptr(), vm.as_ptr()) }
}

/// vm_map_remove(&vm->vm_map, start, end).
pub fn vm_map_remove(vm: Vmspace<'_>, start: b::vm_offset_t, end: b::vm_offset_t) {
    // The result carries no information vm_vmspace.c uses.
    // SAFETY: the map of a live vmspace.
    unsafe { b::vm_map_remove(vm.vm_map(), start, end) };
}

/// vm_map_check_protection(&vm->vm_map, start, end, VM_PROT_NONE, FALSE).
pub fn vm_map_check_protection(vm: Vmspace<'_>, start: b::vm_offset_t, end: b::vm_offset_t) -> bool {
    // SAFETY: the map of a live vmspace.
    unsafe { b::vm_map_check_protection(vm.vm_map(), start, end, VM_PROT_NONE, b::FALSE as _) != 0 }
}

/// vm_map_madvise(&vm->vm_map, start, end, behav, value).
pub fn vm_map_madvise(
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
pub fn kern_mmap(
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
    to_result(unsafe { b::kern_mmap(vm.as_ptr(), addr.0.cast(), len as _, prot, flags, fd, pos, res.as_ptr()) })
}

impl<'a> Kptr<'a, b::vmspace_mmap_args> {
    /// `&uap->sysmsg_resultp`: the pointer member of the result union.
    pub fn sysmsg_resultp(self) -> Kptr<'a, *mut c_void> {
        self.member(offset_of!(b::vmspace_mmap_args, sysmsg) + offset_of!(b::sysmsg, sm_result))
    }
}

/// cpu_sanitize_frame(frame).
pub fn cpu_sanitize_frame(frame: TrapFrame<'_>) -> Result {
    // SAFETY: a live trapframe.
    to_result(unsafe { b::cpu_sanitize_frame(frame.as_ptr()) })
}

/// cpu_sanitize_tls(tls).
pub fn cpu_sanitize_tls(tls: SaveTls<'_>) -> Result {
    // SAFETY: a live savetls.
    to_result(unsafe { b::cpu_sanitize_tls(tls.as_ptr()) })
}

/// set_user_TLS(): loads curthread's td_tls into the cpu.
pub fn set_user_tls() {
    // SAFETY: no arguments; acts on curthread.
    unsafe { b::set_user_TLS() }
}

/// set_vkernel_fp(frame).
pub fn set_vkernel_fp(frame: TrapFrame<'_>) {
    // SAFETY: a live trapframe.
    unsafe { b::set_vkernel_fp(frame.as_ptr()) }
}

/// vmm_vm_set_guest_cr3(cr3).
pub fn vmm_vm_set_guest_cr3(cr3: b::register_t) {
    // SAFETY: takes a number; the VMM validates it.
    unsafe { b::vmm_vm_set_guest_cr3(cr3) }
}

/// cpu_vkernel_trap(frame, error).
pub fn cpu_vkernel_trap(frame: TrapFrame<'_>, error: c_int) {
    // SAFETY: a live trapframe.
    unsafe { b::cpu_vkernel_trap(frame.as_ptr(), error) }
}
