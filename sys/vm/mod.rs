//! The `sys/vm` files ported to Rust.
pub mod vm_vmspace;
