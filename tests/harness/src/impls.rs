//! The implementations under test: tables of the 12 entry points.

use crate::ffi::{self, lwp, proc_, trapframe};
use core::ffi::c_int;

/// The entry points of one implementation of `vm_vmspace.c`, as the kernel
/// calls them.
#[derive(Clone, Copy)]
pub struct Entries {
    pub name: &'static str,
    pub sys_vmspace_create: unsafe extern "C" fn(*mut ffi::vmspace_create_args) -> c_int,
    pub sys_vmspace_destroy: unsafe extern "C" fn(*mut ffi::vmspace_destroy_args) -> c_int,
    pub sys_vmspace_ctl: unsafe extern "C" fn(*mut ffi::vmspace_ctl_args) -> c_int,
    pub sys_vmspace_mmap: unsafe extern "C" fn(*mut ffi::vmspace_mmap_args) -> c_int,
    pub sys_vmspace_munmap: unsafe extern "C" fn(*mut ffi::vmspace_munmap_args) -> c_int,
    pub sys_vmspace_mcontrol: unsafe extern "C" fn(*mut ffi::vmspace_mcontrol_args) -> c_int,
    pub sys_vmspace_pread: unsafe extern "C" fn(*mut ffi::vmspace_pread_args) -> c_int,
    pub sys_vmspace_pwrite: unsafe extern "C" fn(*mut ffi::vmspace_pwrite_args) -> c_int,
    pub vkernel_inherit: unsafe extern "C" fn(*mut proc_, *mut proc_),
    pub vkernel_exit: unsafe extern "C" fn(*mut proc_),
    pub vkernel_lwp_exit: unsafe extern "C" fn(*mut lwp),
    pub vkernel_trap: unsafe extern "C" fn(*mut lwp, *mut trapframe),
}

/// Which implementation a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Impl {
    /// The C original, compiled unmodified against the model.
    C,
    /// The Rust port (package `vmspace`, feature `userland`).
    #[cfg(feature = "port")]
    Rust,
}

static C_ENTRIES: Entries = Entries {
    name: "C",
    sys_vmspace_create: ffi::c_sys_vmspace_create,
    sys_vmspace_destroy: ffi::c_sys_vmspace_destroy,
    sys_vmspace_ctl: ffi::c_sys_vmspace_ctl,
    sys_vmspace_mmap: ffi::c_sys_vmspace_mmap,
    sys_vmspace_munmap: ffi::c_sys_vmspace_munmap,
    sys_vmspace_mcontrol: ffi::c_sys_vmspace_mcontrol,
    sys_vmspace_pread: ffi::c_sys_vmspace_pread,
    sys_vmspace_pwrite: ffi::c_sys_vmspace_pwrite,
    vkernel_inherit: ffi::c_vkernel_inherit,
    vkernel_exit: ffi::c_vkernel_exit,
    vkernel_lwp_exit: ffi::c_vkernel_lwp_exit,
    vkernel_trap: ffi::c_vkernel_trap,
};

#[cfg(feature = "port")]
mod port {
    use crate::ffi::{self, lwp, proc_, trapframe};
    use core::ffi::c_int;

    // Link the port: its rlib exports the DragonFly names.
    use vmspace as _;

    extern "C" {
        pub fn sys_vmspace_create(uap: *mut ffi::vmspace_create_args) -> c_int;
        pub fn sys_vmspace_destroy(uap: *mut ffi::vmspace_destroy_args) -> c_int;
        pub fn sys_vmspace_ctl(uap: *mut ffi::vmspace_ctl_args) -> c_int;
        pub fn sys_vmspace_mmap(uap: *mut ffi::vmspace_mmap_args) -> c_int;
        pub fn sys_vmspace_munmap(uap: *mut ffi::vmspace_munmap_args) -> c_int;
        pub fn sys_vmspace_mcontrol(uap: *mut ffi::vmspace_mcontrol_args) -> c_int;
        pub fn sys_vmspace_pread(uap: *mut ffi::vmspace_pread_args) -> c_int;
        pub fn sys_vmspace_pwrite(uap: *mut ffi::vmspace_pwrite_args) -> c_int;
        pub fn vkernel_inherit(p1: *mut proc_, p2: *mut proc_);
        pub fn vkernel_exit(p: *mut proc_);
        pub fn vkernel_lwp_exit(lp: *mut lwp);
        pub fn vkernel_trap(lp: *mut lwp, frame: *mut trapframe);
    }

    pub static RUST_ENTRIES: super::Entries = super::Entries {
        name: "Rust",
        sys_vmspace_create,
        sys_vmspace_destroy,
        sys_vmspace_ctl,
        sys_vmspace_mmap,
        sys_vmspace_munmap,
        sys_vmspace_mcontrol,
        sys_vmspace_pread,
        sys_vmspace_pwrite,
        vkernel_inherit,
        vkernel_exit,
        vkernel_lwp_exit,
        vkernel_trap,
    };
}

impl Impl {
    /// Every implementation linked into this build.
    pub fn all() -> &'static [Impl] {
        #[cfg(feature = "port")]
        return &[Impl::C, Impl::Rust];
        #[cfg(not(feature = "port"))]
        return &[Impl::C];
    }

    pub fn entries(self) -> &'static Entries {
        match self {
            Impl::C => &C_ENTRIES,
            #[cfg(feature = "port")]
            Impl::Rust => &port::RUST_ENTRIES,
        }
    }

    pub fn name(self) -> &'static str {
        self.entries().name
    }
}
