//! The `sys/vm` files ported to Rust.  vm_vmspace.c has two ports, one per
//! revision (docs/architecture.md, "Revisions of the port"): c2e7bb204e's
//! by default, 22b7a3dbf6's (DragonFly 5.0 to 5.8) with feature
//! `rev-22b7a3dbf6`.
#[cfg_attr(feature = "rev-22b7a3dbf6", path = "vm_vmspace_22b7a3dbf6.rs")]
pub mod vm_vmspace;
