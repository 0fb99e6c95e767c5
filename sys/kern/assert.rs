//! KKASSERT, the kernel's panic() and kprintf() for the port.

use crate::bindings as b;
use core::ffi::{c_char, CStr};

/// `KKASSERT(cond)` in function `func`, spelled `text` in the C.  As in
/// DragonFly it is compiled in only for a kernel with `options INVARIANTS`
/// (cfg `invariants`); it then calls the kernel's panic() with KKASSERT's
/// message.
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
pub(crate) use kkassert;

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
pub(crate) struct Lit(*const c_char);

impl Lit {
    pub(crate) const fn new(s: &'static CStr) -> Self {
        Lit(s.as_ptr())
    }
}

/// The failure of a KKASSERT: DragonFly's message, with the Rust file and
/// line of the check.
#[cold]
#[inline(never)]
pub(crate) fn kkassert_failed(text: Lit, func: Lit, file: Lit, line: u32) -> ! {
    // Lits are static C strings.
    // SAFETY: a printf format with three C strings and an unsigned, as given.
    unsafe { b::panic(c"assertion \"%s\" failed in %s at %s:%u".as_ptr(), text.0, func.0, file.0, line) }
}

/// The kernel's panic() for a Rust panic at `file:line` (the kernel
/// build's panic handler).
#[cfg(not(any(test, feature = "userland")))]
#[cold]
pub(crate) fn panic_at(file: &str, line: u32) -> ! {
    // The length bounds %.*s: `file` is not NUL-terminated.
    let len = core::ffi::c_int::try_from(file.len()).unwrap_or(0);
    // The char pointer is valid for `len` bytes (file's length, or 0).
    // SAFETY: a printf format with an int, a char pointer and an unsigned, as given.
    unsafe { b::panic(c"rust panic at %.*s:%u".as_ptr(), len, file.as_ptr(), line) }
}

/// kprintf("Warning, pid %d killed with active VC!\n", pid).
pub(crate) fn kprintf_killed_with_active_vc(pid: b::pid_t) {
    // SAFETY: a printf format with one int, as given.
    unsafe { b::kprintf(c"Warning, pid %d killed with active VC!\n".as_ptr(), pid) };
}

/// panic("rb_vmspace_delete: invalid refs %d", ve->refs): vkernel_exit()
/// found an entry still in use (22b7a3dbf6).
#[cfg(feature = "rev-22b7a3dbf6")]
#[cold]
#[inline(never)]
pub(crate) fn panic_invalid_refs(refs: u32) -> ! {
    // SAFETY: a printf format with one int, as given (the C passes the uint32_t as %d).
    unsafe { b::panic(c"rb_vmspace_delete: invalid refs %d".as_ptr(), refs as core::ffi::c_int) }
}
