//! Tokens and references: LWKT token guards, `vkp->token` as the proof
//! that gives access to a vkernel's tree of entries, and the reference
//! counts (`vkp->refs`, `ve->refs`).
//!
//! Lock order: `vmspace_token`, then `p->p_token` or `vkp->token`.

use super::object::{Proc, VkernelProc};
use super::{Cx, Kptr};
use crate::bindings as b;
use core::ffi::{c_int, c_void};
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ptr;
use core::sync::atomic::{AtomicI32, Ordering};

/// A reference count (`int refs`), changed with locked instructions like
/// atomic_add_int()/atomic_subtract_int().
#[derive(Clone, Copy)]
pub(crate) struct Refs<'a>(pub(super) Kptr<'a, c_int>);

impl Refs<'_> {
    /// The count as an atomic, borrowed only for the operation at hand: after
    /// a final sub another CPU may free the object.
    fn atomic(&self) -> &AtomicI32 {
        // Whoever changes the count while others can see it does so atomically.
        // SAFETY: the count is live and aligned for 'a (Kptr), which outlasts the borrow.
        unsafe { AtomicI32::from_ptr(self.0.as_ptr()) }
    }

    /// The count (C's plain `ve->refs`).  Acquire: a zero read by
    /// sys_vmspace_destroy() orders the free after the last holder's use,
    /// which vkernel_trap() ends with a decrement outside any token (a plain
    /// load on x86; a weaker architecture needs the barrier).
    pub(crate) fn get(self) -> c_int {
        self.atomic().load(Ordering::Acquire)
    }

    /// `refs = n` on an object no other thread can see yet.
    pub(super) fn init(self, n: c_int) {
        self.atomic().store(n, Ordering::Relaxed);
    }

    /// atomic_add_int(&refs, 1).
    pub(crate) fn add(self) {
        atomic_point(self.0.as_ptr().cast(), c"atomic_add_int");
        self.atomic().fetch_add(1, Ordering::SeqCst);
    }

    /// atomic_subtract_int(&refs, 1): [`VeRef`]'s drop (c2e7bb204e).
    #[cfg(not(feature = "rev-22b7a3dbf6"))]
    pub(super) fn sub(self) {
        atomic_point(self.0.as_ptr().cast(), c"atomic_subtract_int");
        self.atomic().fetch_sub(1, Ordering::SeqCst);
    }

    /// atomic_fetchadd_int(&refs, -1) == 1: true when this dropped the last
    /// reference.
    ///
    /// # Safety
    /// The caller owns a reference counted here and gives it up.
    pub(crate) unsafe fn release(self) -> bool {
        atomic_point(self.0.as_ptr().cast(), c"atomic_fetchadd_int");
        // fetch_add(-1), not fetch_sub(1): one locked instruction, as the C's.
        self.atomic().fetch_add(-1, Ordering::SeqCst) == 1
    }
}

/// Userland builds only (cfg `model_checks`, build.rs): the model's
/// switch point before an atomic operation `op` on `p`, as the model's
/// machine/atomic.h has for the C original (the schedule explorer may run
/// another thread there).  The kernel build has nothing here.
#[inline(always)]
pub(super) fn atomic_point(_p: *const c_void, _op: &core::ffi::CStr) {
    #[cfg(model_checks)]
    {
        extern "C" {
            fn model_atomic_point(op: *const core::ffi::c_char, p: *const c_void);
        }
        // SAFETY: the model only names the pointer (it never reads it).
        unsafe { model_atomic_point(_op.as_ptr(), _p) };
    }
}

/// An LWKT token held by this thread, released when dropped.  Like every
/// LWKT token it is given up while the thread blocks and reacquired before
/// the thread runs again: it serialises, it does not stop other holders
/// from running while this one sleeps.
#[must_use = "the token is released when the guard is dropped"]
pub(crate) struct TokenGuard<'a> {
    tok: *mut b::lwkt_token,
    _tok: PhantomData<&'a b::lwkt_token>,
}

impl TokenGuard<'_> {
    /// lwkt_gettoken(tok).  Can block.
    ///
    /// # Safety
    /// `tok` is an initialised token that outlives the guard.
    pub(super) unsafe fn get(_: &mut Cx<'_>, tok: *mut b::lwkt_token) -> Self {
        // SAFETY: by the caller's contract.
        unsafe { b::lwkt_gettoken(tok) };
        TokenGuard { tok, _tok: PhantomData }
    }
}

#[cfg(feature = "rev-22b7a3dbf6")]
impl TokenGuard<'_> {
    /// lwkt_gettoken_shared(tok).  Can block.
    ///
    /// # Safety
    /// `tok` is an initialised token that outlives the guard.
    pub(super) unsafe fn get_shared(_: &mut Cx<'_>, tok: *mut b::lwkt_token) -> Self {
        // SAFETY: by the caller's contract.
        unsafe { b::lwkt_gettoken_shared(tok) };
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

/// `p->p_token` held: the proof that publishing `p->p_vkernel` takes.
#[must_use = "the token is released when the guard is dropped"]
pub(crate) struct ProcToken<'a> {
    pub(super) p: Proc<'a>,
    _tok: TokenGuard<'a>,
}

impl<'a> Proc<'a> {
    /// lwkt_gettoken(&p->p_token).  Can block.
    pub(crate) fn p_token(self, cx: &mut Cx<'_>) -> ProcToken<'a> {
        // SAFETY: the process's token lives as long as the process.
        let tok = unsafe { TokenGuard::get(cx, ptr::addr_of_mut!((*self.as_ptr()).p_token)) };
        ProcToken { p: self, _tok: tok }
    }
}

/// `vkp->token` held, released when dropped: the proof that the functions
/// documented "The caller must hold vkp->token." take.  Gives access to
/// vkp's tree of entries.
///
/// Invariant: this thread holds `vkp->token`.  The guard is the vkp pointer
/// alone, so an RB_SCAN callback can rebuild the proof from its `data`.
#[must_use = "the token is released when the guard is dropped"]
#[repr(transparent)]
pub(crate) struct VkpToken<'v> {
    pub(super) vkp: VkernelProc<'v>,
}

impl Drop for VkpToken<'_> {
    /// lwkt_reltoken(&vkp->token).
    fn drop(&mut self) {
        // SAFETY: this thread holds the token (the invariant).
        unsafe { b::lwkt_reltoken(self.vkp.token()) }
    }
}

impl<'v> VkernelProc<'v> {
    /// lwkt_gettoken(&vkp->token).  Can block.
    pub(crate) fn lock(self, _: &mut Cx<'_>) -> VkpToken<'v> {
        // SAFETY: the vkp's token, initialised by publish(), lives as long as the vkp.
        unsafe { b::lwkt_gettoken(self.token()) };
        VkpToken { vkp: self }
    }
}

impl<'v> VkpToken<'v> {
    /// RB_SCAN(vmspace_rb_tree, &vkp->root, NULL, callback, vkp).
    ///
    /// # Safety
    /// `callback` is written for a scan started here: it reads `data` only
    /// through [`with_scan_token`], and it may block (it has the caller's
    /// `cx`).
    pub(crate) unsafe fn rb_scan(&self, _: &mut Cx<'_>, callback: RbScanCallback) {
        // The tree of the live vkp, `data` is that vkp, and the callback is
        // written for it (the contract).
        // SAFETY: as said.
        unsafe { b::vmspace_rb_tree_RB_SCAN(self.vkp.root(), None, Some(callback), self.vkp.as_ptr().cast()) };
    }
}

/// RB_FIND(vmspace_rb_tree, &vkp->root, key) for `key.id == id`, as
/// DragonFly's macro walks the tree, with rb_vmspace_compare()'s order (ids
/// compared as addresses).  Written here rather than called in the shim:
/// the C file has RB_GENERATE in its own translation unit, where the
/// compiler inlines RB_FIND into every lookup.  The shim still exports
/// `vmspace_rb_tree_RB_FIND` for the rest of the kernel.
///
/// # Safety
/// The caller holds `vkp->token`, shared or exclusive: the tree's nodes are
/// live and unchanged while it is held.
pub(super) unsafe fn rb_find_in(vkp: VkernelProc<'_>, id: super::VmspaceId) -> *mut b::vmspace_entry {
    let root = vkp.root();
    #[cfg(model_checks)]
    {
        extern "C" {
            fn model_rb_check(head: *mut b::vmspace_rb_tree, op: *const core::ffi::c_char);
        }
        // SAFETY: the model checks that this thread holds vkp->token.
        unsafe { model_rb_check(root, c"RB_FIND".as_ptr()) };
    }
    let key = id.0 as usize;
    // SAFETY: the tree of the live vkp, its nodes entries in it (the contract).
    unsafe {
        let mut node = (*root).rbh_root;
        while !node.is_null() {
            let here = (*node).id as usize;
            if key == here {
                return node;
            }
            node = if key < here { (*node).rb_entry.rbe_left } else { (*node).rb_entry.rbe_right };
        }
    }
    ptr::null_mut()
}

/// An RB_SCAN callback started by [`VkpToken::rb_scan`].
pub(crate) type RbScanCallback = unsafe extern "C" fn(*mut b::vmspace_entry, *mut c_void) -> c_int;

/// Runs `f` inside an RB_SCAN callback with the scanning thread's context
/// and the token proof, rebuilt from the callback's `data`.  The proof is
/// not dropped: the scanning thread releases the token after the scan.
///
/// # Safety
/// `data` is the `data` of a callback that [`VkpToken::rb_scan`] started.
pub(crate) unsafe fn with_scan_token<R>(
    data: *mut c_void,
    f: impl for<'c> FnOnce(&mut Cx<'c>, &VkpToken<'c>) -> R,
) -> R {
    // rb_scan passes the vkp as `data`, live during the scan; this thread
    // holds its token (the VkpToken invariant) and is the scanning thread,
    // which lent its context to rb_scan.
    // SAFETY: as said.
    unsafe {
        let tok = ManuallyDrop::new(VkpToken { vkp: VkernelProc::from_raw_nonnull(data.cast()) });
        Cx::run(|cx| f(cx, &tok))
    }
}
