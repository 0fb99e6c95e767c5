//! The kernel interfaces `vm_vmspace` uses, as safe Rust: a safe function
//! here cannot cause undefined behaviour whatever its caller does.
//!
//! This is the FFI boundary: every `unsafe` that touches C lives here (or in
//! the `extern "C"` entry points), so that the port itself reads like the C.
//!
//! - [`Cx`]: the thread a call runs on, in a user process's system call,
//!   trap, fork or exit; made once per entry point, its handles cannot
//!   outlive the call.  `&mut Cx` is the permission to block.
//! - Kernel objects are [`Kptr`]s: a pointer to a live object plus a
//!   lifetime, read and written by accessors with the safety argument of
//!   each field made once ([`object`]).  The only Rust reference to kernel
//!   memory ever formed is a short-lived `&AtomicI32` on a reference count.
//! - User addresses are [`UserPtr`]s: never dereferenced, only passed to
//!   copyin()/copyout(), which accept only [`Plain`] data.
//! - LWKT tokens are held by guards released in `Drop`; [`VkpToken`] is the
//!   proof that `vkp->token` is held.  An entry found under it borrows it
//!   and the context, so none survives a call that blocks (and gives the
//!   token up); a [`VeRef`] does.
//! - Errors are [`Error`]s inside, `int`s only at the `extern "C"` boundary.

use crate::bindings as b;
use core::marker::PhantomData;

/// Reads field `$f` of kernel object `$k` (a [`Kptr`]): for the accessors
/// of this module alone.
macro_rules! get {
    ($k:expr, $f:ident) => {{
        let k: $crate::kern::Kptr<'_, _> = $k;
        // SAFETY: `Kptr` invariant: the object is live.
        unsafe { (*k.as_ptr()).$f }
    }};
}
/// Writes field `$f` of kernel object `$k` (a [`Kptr`]).
macro_rules! set {
    ($k:expr, $f:ident, $v:expr) => {{
        let k: $crate::kern::Kptr<'_, _> = $k;
        // Who may write the field is the kernel's rule, stated on the method.
        // SAFETY: `Kptr` invariant: the object is live.
        unsafe { (*k.as_ptr()).$f = $v }
    }};
}

mod assert;
// The entries and their reference protocol, which differ between
// revisions (docs/architecture.md, "Revisions of the port").
#[cfg_attr(feature = "rev-22b7a3dbf6", path = "entry_2017.rs")]
mod entry;
mod error;
mod object;
mod sync;
mod vm;

pub(crate) use assert::*;
pub(crate) use entry::*;
pub(crate) use error::*;
pub(crate) use object::*;
pub(crate) use sync::*;
pub(crate) use vm::*;

/// The thread this code runs on: a user process's, in its system call,
/// trap, fork or exit, where it may block.  Handles derived from it live for
/// `'a`, which [`Cx::run`] confines to the call.
pub(crate) struct Cx<'a>(PhantomData<&'a ()>);

impl Cx<'_> {
    /// Runs `f` with the context of the current call.
    ///
    /// # Safety
    /// Runs on a user process's thread (curthread's `td_proc` and `td_lwp`
    /// set) in a system call, trap, fork or exit that may block.
    #[inline(always)]
    pub(crate) unsafe fn run<R>(f: impl FnOnce(&mut Cx<'_>) -> R) -> R {
        f(&mut Cx(PhantomData))
    }
}

impl<'a> Cx<'a> {
    /// `curthread`.  It stays the same thread across blocking calls (only
    /// the cpu may change).
    #[inline(always)]
    pub(crate) fn curthread(&self) -> Thread<'a> {
        let gd = mycpu();
        // mycpu is the running cpu's globaldata; its gd_curthread is this
        // thread, a user process's (Cx::run's contract), live for the call.
        // SAFETY: as said.
        unsafe { Thread::from_raw_nonnull((*gd).gd_curthread) }
    }
}

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
    unsafe { core::ptr::addr_of!(b::globaldata).read() }
}
