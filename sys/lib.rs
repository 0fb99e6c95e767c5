//! DragonFly BSD's `sys/vm/vm_vmspace.c` in Rust: the vkernel(7) VMSPACE
//! system calls and hooks, exported with the C ABI under their C names.
//!
//! - `vm::vm_vmspace`: the port, laid out like the C file.
//! - `kern`: the kernel interfaces it uses, as safe Rust (the FFI boundary).
//! - [`bindings`]: bindgen's declarations of the kernel headers.
//! - `module/vm_vmspace_shim.c`: what only C can express (MALLOC_DEFINE,
//!   RB_GENERATE).
//!
//! The crate never uses `std` or `alloc`.  Built for the kernel it supplies
//! the panic handler (to the kernel's `panic()`); with feature `userland` it
//! is an rlib for std test binaries, which bring their own.
#![cfg_attr(not(test), no_std)]
// Calls to bcopy() stay calls to bcopy(), as with the kernel's
// -ffreestanding: LLVM would otherwise turn them into memmove()/inline moves.
#![no_builtins]
#![deny(unsafe_op_in_unsafe_fn, unused_must_use)]
#![deny(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

#[path = "../ffi/bindings.rs"]
pub mod bindings;

#[cfg_attr(feature = "rev-22b7a3dbf6", path = "abi_22b7a3dbf6.rs")]
mod abi;
mod kern;
mod vm;

/// The safe layer's compile-fail checks (scripts/compile-fail.py, `make
/// compile-fail`): one snippet of tests/compile_fail, compiled inside the
/// crate so that it sees the `pub(crate)` API.  Never in a build otherwise.
#[cfg(compile_fail_snippet)]
#[allow(dead_code, unused)]
mod compile_fail_snippet {
    include!(env!("VMSPACE_SNIPPET"));
}

/// A Rust panic in the kernel (none is reachable from the code: no indexing,
/// no arithmetic that can overflow, no unwrap) ends in the kernel's
/// `panic()`, with the source location, the way a failed KKASSERT does.
#[cfg(not(any(test, feature = "userland")))]
#[panic_handler]
fn rust_panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let (file, line) = info.location().map_or(("?", 0), |l| (l.file(), l.line()));
    kern::panic_at(file, line)
}
