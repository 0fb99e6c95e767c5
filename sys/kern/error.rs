//! Errors: positive BSD errnos (and `EJUSTRETURN`) inside as [`Error`], an
//! `int` only at the `extern "C"` boundary.

use crate::bindings as b;
use core::ffi::c_int;
use core::num::NonZeroI32;

/// A kernel error: a positive BSD errno or `EJUSTRETURN` (-2).
///
/// Invariant: the value is never 0, so `Result<(), Error>` is one `int`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub(crate) struct Error(NonZeroI32);

impl Error {
    pub(crate) const EINVAL: Self = Self::from_const(b::EINVAL);
    pub(crate) const ENOENT: Self = Self::from_const(b::ENOENT);
    pub(crate) const EBUSY: Self = Self::from_const(b::EBUSY);
    pub(crate) const EEXIST: Self = Self::from_const(b::EEXIST);
    pub(crate) const EOPNOTSUPP: Self = Self::from_const(b::EOPNOTSUPP);
    /// Not a failure: a system call returns it to leave the user context
    /// alone (the frame was replaced).
    pub(crate) const EJUSTRETURN: Self = Self::from_const(b::EJUSTRETURN);

    const fn from_const(errno: c_int) -> Self {
        match NonZeroI32::new(errno) {
            Some(e) => Error(e),
            None => panic!("errno 0 is success"),
        }
    }

    /// The C return value.
    pub(crate) fn to_errno(self) -> c_int {
        self.0.get()
    }

    /// This error, on a path the kernel seldom takes (a caller's mistake):
    /// `#[cold]`, as `__predict_false()`.
    #[cold]
    pub(crate) fn seldom(self) -> Self {
        self
    }
}

pub(crate) type Result<T = ()> = core::result::Result<T, Error>;

/// A C function's `int` error (0: success) as a [`Result`].
pub(crate) fn to_result(error: c_int) -> Result {
    match NonZeroI32::new(error) {
        None => Ok(()),
        Some(e) => Err(Error(e)),
    }
}

/// A [`Result`] as the C return value.
pub(crate) fn to_errno(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
