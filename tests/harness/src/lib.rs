//! vmspace-rs test harness: the userland model of the DragonFly kernel
//! (`tests/kern`), the C original (`../shared/reference/vm_vmspace.c`,
//! symbols renamed `c_*`) and, with feature `port`, the Rust port, linked in
//! one process.
//!
//! - [`World`]: one booted model kernel (processes, LWPs, user memory, fault
//!   injection, switches), with its trace and state dump.
//! - [`Impl`]: the implementation a step calls (`Impl::C`, `Impl::Rust`).
//! - [`Step`] / [`StepOutcome`]: [`World::run_step`] runs any system call,
//!   kernel path (fork, exit, exec, LWP exit, trap) or world change and
//!   reports the return value, sysmsg result, trace records, state dump and
//!   fault (panic, model misuse, deadlock).
//! - [`World::run_concurrent`]: several calls interleaved at the model's
//!   switch points under a chooser (the base of schedule exploration).
//! - [`diff`]: comparing the C original and the port step by step (allowed
//!   divergences, scenarios, random generation, shrinking, reports).
//! - [`replay`]: vkernel(7) as the client: a simulated vkernel's VMSPACE
//!   traffic replayed on both implementations (docs/replay.md).
//! - [`sched`]: SMP schedules: concurrent scenarios explored (bounded
//!   exhaustive, random, PCT) on both implementations, compared and checked
//!   against invariants (docs/sched.md).
//!
//! See `tests/kern/README.md` for the model and the trace/dump formats.

pub mod bench;
pub mod diff;
pub mod ffi;
pub mod impls;
pub mod replay;
pub mod sched;
pub mod step;
pub mod world;

pub use impls::{Entries, Impl};

/// The revision of vm_vmspace.c this build compiled (`REV`, default
/// c2e7bb204e): the C original's and the model headers' revision.
pub const REV: &str = env!("HARNESS_REV");
/// The reference revision, the one the Rust port follows.
pub const REF_REV: &str = "c2e7bb204e";
pub use step::*;
pub use world::{World, EJUSTRETURN};

/// The default chooser: keep running the current thread while it can run,
/// otherwise the lowest-numbered runnable one.
pub fn run_same_first(d: &Decision) -> usize {
    match d.current {
        Some(c) if d.runnable.contains(&c) => c,
        _ => d.runnable[0],
    }
}

/// A constant of the model headers by its x86_64.json name (e.g.
/// "GSEL_GUCODE_SEL_SEL_UPL"), as the layout table computes it.
pub fn abi_const(name: &str) -> Option<i64> {
    let n = std::ffi::CString::new(name).ok()?;
    let mut v = 0i64;
    // SAFETY: the model reads the C string only.
    (unsafe { ffi::model_layout_const(n.as_ptr(), &mut v) } == 0).then_some(v)
}

/// `VM_MAX_USER_ADDRESS` of the model headers, i.e. of the revision the
/// harness is built for (0x800000000000 at c2e7bb204e, 0x7fffffe00000 at
/// 22b7a3dbf6): the one source of the value for the harness.
pub fn vm_max_user_address() -> u64 {
    static V: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *V.get_or_init(|| abi_const("VM_MAX_USER_ADDRESS").expect("VM_MAX_USER_ADDRESS in the model's layout table") as u64)
}
