//! vkernel(7) as the client: a replay of the VMSPACE traffic a DragonFly
//! vkernel (`sys/platform/vkernel64`) makes, on both implementations.
//!
//! [`generate`] simulates a vkernel (module `vk`): boot, emulated processes
//! that fault, make system calls, take signals, fork, exec and exit on
//! several vcpus (LWPs), and the vkernel's own end, with some vmspaces
//! still active.  What it records is the sequence of host events: the
//! VMSPACE system calls, the kernel paths that call the hooks, and the
//! vkernel's writes to its own memory (frames it hands to vmspace_ctl).
//! Calls that vcpus make at the same time run as one concurrent group,
//! interleaved at the model's switch points by a seeded chooser.
//!
//! [`run`] plays a workload on one implementation; [`check_vkernel`]
//! checks what the vkernel itself relies on (it panics when a
//! create/mmap/SETMAP/destroy/ctl fails).  The C-vs-Rust comparison is the
//! differential harness's.
//!
//! See docs/replay.md.

mod compare;
pub(crate) mod vk;

pub use compare::{replay, replay_with, Knobs, Replay, Unexpected};

use crate::diff::gen::Rng;
use crate::sched::{explore::RandomChooser, Chooser};
use crate::step::{ConcurrentOutcome, Step, StepOutcome};
use crate::{Impl, World};

pub use vk::{LAUNCHER, VK};

/// How the vkernel runs its emulated processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// hw.vmm.enable=0 or `vkernel -d`: one host VMSPACE per emulated
    /// vmspace, MAP_VPAGETABLE page tables, MADV_INVAL invalidations.
    Classic,
    /// hw.vmm.enable=1: the vcpus are guest threads (td_vmm); ids are guest
    /// cr3 values, no per-process create/mmap/mcontrol/destroy.
    Vmm,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Classic => "classic",
            Mode::Vmm => "vmm",
        }
    }
}

/// How the vkernel process ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ending {
    /// shutdown -p / halt: every vcpu idle in vkernel context.
    Halt,
    /// SIGKILL (or shutdown while busy): some vcpus run emulated code when
    /// the process exits.
    Kill,
}

/// One vkernel's life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub mode: Mode,
    /// vkernel cpus (`-n`): LWPs making calls, 1..=8.
    pub vcpus: usize,
    /// Emulated processes created over its life (init included).
    pub procs: usize,
    /// Mean traps (vkernel_trap calls) per emulated process before it exits.
    pub traps: usize,
    pub ending: Ending,
    /// Percent of the chances to run adjacent independent calls of
    /// different vcpus concurrently that are taken.
    pub together: u32,
    pub seed: u64,
}

impl std::fmt::Display for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "mode={} vcpus={} procs={} traps={} ending={:?} together={} seed={:#x}",
            self.mode.name(),
            self.vcpus,
            self.procs,
            self.traps,
            self.ending,
            self.together,
            self.seed
        )
    }
}

/// A call step as the kernel knows it: "vmspace_mcontrol(MADV_INVAL)",
/// "vkernel_trap(T_PAGEFLT)", "exit1".
pub fn call_name(step: &Step) -> String {
    let behav = |b: i32| match b as u32 {
        crate::ffi::MADV_INVAL => "MADV_INVAL".to_string(),
        crate::ffi::MADV_SETMAP => "MADV_SETMAP".to_string(),
        crate::ffi::MADV_NOSYNC => "MADV_NOSYNC".to_string(),
        b => format!("behav {b}"),
    };
    match step {
        Step::Create { id: 0, .. } => "vmspace_create(NULL)".into(),
        Step::Create { .. } => "vmspace_create".into(),
        Step::Destroy { .. } => "vmspace_destroy".into(),
        Step::Ctl { .. } => "vmspace_ctl(VMSPACE_CTL_RUN)".into(),
        Step::Mmap { .. } => "vmspace_mmap(MAP_VPAGETABLE)".into(),
        Step::Munmap { .. } => "vmspace_munmap".into(),
        Step::Mcontrol { behav: b, .. } => format!("vmspace_mcontrol({})", behav(*b)),
        Step::Trap { frame, .. } => match frame.map(|f| f.tf_trapno) {
            Some(12) => "vkernel_trap(T_PAGEFLT)".into(),
            Some(22) => "vkernel_trap(T_DNA)".into(),
            Some(0x81) => "vkernel_trap(syscall)".into(),
            Some(0) => "vkernel_trap(signal)".into(),
            t => format!("vkernel_trap({t:?})"),
        },
        Step::LwpExit { .. } => "lwp_exit".into(),
        Step::Exit { .. } => "exit1".into(),
        Step::Fork { .. } => "fork1".into(),
        Step::Kernel { .. } => "kernel code".into(),
        s => format!("{s:?}"),
    }
}

/// What the vkernel needs from a call (it panics otherwise), or what the
/// kernel's guard must decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Result ignored (MADV_NOSYNC) or an outside step.
    Any,
    Ret(i64),
    /// Returns 0 with this sysmsg result (vmspace_mmap's address).
    Sysmsg(i64),
    /// Whether the kernel path's guard calls the hook.
    Called(bool),
}

impl Expect {
    fn holds(self, o: &StepOutcome) -> bool {
        match self {
            Expect::Any => true,
            Expect::Ret(r) => o.ret == Some(r),
            Expect::Sysmsg(r) => o.ret == Some(0) && o.sysmsg_result == Some(r),
            Expect::Called(c) => o.called == c,
        }
    }
}

/// One step of a workload with what it stands for.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub step: Step,
    pub expect: Expect,
    /// The vkernel64 (or host) code this step stands for, "file:function".
    pub label: &'static str,
}

/// A unit of a workload.
// Most ops are single steps (a Step carries a trapframe); boxing them would
// only add an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    One(Item),
    /// Calls of distinct LWPs at the same time, interleaved at the model's
    /// switch points by a chooser seeded with `seed`.
    Together {
        items: Vec<Item>,
        seed: u64,
    },
}

/// A generated workload.
#[derive(Clone, Debug)]
pub struct Workload {
    pub config: Config,
    pub ops: Vec<Op>,
    /// Emulated processes created.
    pub procs: usize,
}

impl Workload {
    /// The calls of the workload by what they are and what they stand for
    /// ("vmspace_mcontrol(MADV_INVAL) <- platform/pmap_inval.c:pmap_inval_cpu"),
    /// with their number.
    pub fn census(&self) -> std::collections::BTreeMap<String, usize> {
        let mut m = std::collections::BTreeMap::new();
        let items = self.ops.iter().flat_map(|o| match o {
            Op::One(i) => std::slice::from_ref(i),
            Op::Together { items, .. } => items.as_slice(),
        });
        for i in items.filter(|i| i.step.thread().is_some()) {
            *m.entry(format!("{} <- {}", call_name(&i.step), i.label)).or_insert(0) += 1;
        }
        m
    }

    /// Ops `0..=k` as a differential-harness scenario, concurrent groups
    /// made sequential (what `diff::scenario::shrink` works on).
    pub fn scenario(&self, k: usize) -> crate::diff::Scenario {
        let steps = self.ops[..=k]
            .iter()
            .flat_map(|o| match o {
                Op::One(i) => vec![i.step.clone()],
                Op::Together { items, .. } => items.iter().map(|i| i.step.clone()).collect(),
            })
            .collect();
        let mut sc = crate::diff::Scenario::new(format!("replay {} ops 0..={k}", self.config), self.ncpu(), steps);
        sc.seed = Some(self.config.seed);
        sc
    }

    /// Host cpus the world needs.
    pub fn ncpu(&self) -> usize {
        self.config.vcpus.clamp(1, 8)
    }
}

/// What one step of the vkernel simulation emits: outside steps (its
/// memory, the frame the host saved), then at most one call.
pub(crate) struct Act {
    vcpu: Option<usize>,
    label: &'static str,
    pre: Vec<Step>,
    call: Option<(Step, Expect)>,
    /// ids the call creates or destroys / only uses; vkernel memory slots
    /// it reads or writes.
    excl: Vec<u64>,
    shared: Vec<u64>,
    mem: Vec<usize>,
}

impl Act {
    fn outside(label: &'static str, pre: Vec<Step>) -> Act {
        Act { vcpu: None, label, pre, call: None, excl: vec![], shared: vec![], mem: vec![] }
    }

    fn call(vcpu: Option<usize>, label: &'static str, pre: Vec<Step>, call: Step, expect: Expect) -> Act {
        Act { vcpu, label, pre, call: Some((call, expect)), excl: vec![], shared: vec![], mem: vec![] }
    }

    fn excl(&mut self, id: u64) -> &mut Act {
        self.excl.push(id);
        self
    }

    fn shared(&mut self, id: u64) -> &mut Act {
        self.shared.push(id);
        self
    }

    fn mem(&mut self, slot: usize) -> &mut Act {
        self.mem.push(slot);
        self
    }

    /// Whether the call may run concurrently with other vcpus' calls: the
    /// system calls and traps of a vcpu (not exits, forks of the host).
    fn fusable(&self) -> bool {
        self.vcpu.is_some()
            && matches!(
                self.call,
                Some((
                    Step::Create { .. }
                        | Step::Destroy { .. }
                        | Step::Ctl { .. }
                        | Step::Mmap { .. }
                        | Step::Mcontrol { .. }
                        | Step::Trap { .. },
                    _
                ))
            )
    }

    /// The vkernel orders these two (same vcpu, an id one creates or
    /// destroys and the other uses, the same thread's memory; outside steps
    /// of no vcpu order everything).
    fn ordered(&self, b: &Act) -> bool {
        self.vcpu.is_none()
            || b.vcpu.is_none()
            || self.vcpu == b.vcpu
            || self.excl.iter().any(|x| b.excl.contains(x) || b.shared.contains(x))
            || b.excl.iter().any(|x| self.shared.contains(x))
            || self.mem.iter().any(|x| b.mem.contains(x))
    }
}

/// Simulates the vkernel `config` describes and returns the host events.
pub fn generate(config: &Config) -> Workload {
    assert!((1..=8).contains(&config.vcpus), "vcpus: 1..=8");
    assert!(config.procs >= 1, "procs: init at least");
    let mut sim = vk::Vk::new(config);
    sim.simulate();
    let procs = sim.created;
    let acts = std::mem::take(&mut sim.acts);
    let mut rng = Rng::new(config.seed ^ 0x7e91_11e5_0f0c_a11e);
    let ops = fuse(acts, &mut rng, config.together, config.vcpus);
    Workload { config: config.clone(), ops, procs }
}

/// Turns acts into ops: sets of acts of different vcpus that the vkernel
/// does not order become concurrent groups.  A group starts at an act and
/// takes later acts (within a window) that are ordered neither with the
/// group nor with the acts they are moved before; the group's outside
/// steps run first, in order.
fn fuse(acts: Vec<Act>, rng: &mut Rng, pct: u32, vcpus: usize) -> Vec<Op> {
    let window = 8 * vcpus;
    let mut ops = Vec::new();
    let mut taken = vec![false; acts.len()];
    for i in 0..acts.len() {
        if taken[i] {
            continue;
        }
        taken[i] = true;
        let mut group = vec![i];
        if vcpus > 1 && acts[i].fusable() && rng.below(100) < pct as u64 {
            let limit = 2 + rng.below(vcpus as u64 - 1) as usize;
            let mut skipped: Vec<usize> = Vec::new();
            for j in i + 1..acts.len().min(i + 1 + window) {
                if group.len() == limit {
                    break;
                }
                if taken[j] {
                    continue;
                }
                let free = acts[j].fusable() && group.iter().chain(&skipped).all(|&g| !acts[g].ordered(&acts[j]));
                if free {
                    group.push(j);
                } else {
                    skipped.push(j);
                }
            }
        }
        if group.len() == 1 {
            push_pre(&mut ops, &acts[i]);
            if let Some((step, expect)) = acts[i].call.clone() {
                ops.push(Op::One(Item { step, expect, label: acts[i].label }));
            }
            continue;
        }
        let mut items = Vec::new();
        for &g in &group {
            taken[g] = true;
            push_pre(&mut ops, &acts[g]);
            let (step, expect) = acts[g].call.clone().unwrap();
            items.push(Item { step, expect, label: acts[g].label });
        }
        ops.push(Op::Together { items, seed: rng.next_u64() });
    }
    ops
}

fn push_pre(ops: &mut Vec<Op>, a: &Act) {
    for s in &a.pre {
        ops.push(Op::One(Item { step: s.clone(), expect: Expect::Any, label: a.label }));
    }
}

/// What an op did.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    One(StepOutcome),
    Together(ConcurrentOutcome),
}

/// Runs op `op` of a workload with `imp`.  Outside steps are run without a
/// state snapshot (no kernel code runs).
pub fn run_op(world: &mut World, imp: Impl, op: &Op) -> Outcome {
    match op {
        Op::One(it) => {
            let call = it.step.thread().is_some();
            world.set_snapshots(call);
            let o = world.run_step(imp, &it.step);
            world.set_snapshots(true);
            Outcome::One(o)
        }
        Op::Together { items, seed } => {
            let steps: Vec<Step> = items.iter().map(|i| i.step.clone()).collect();
            // Uniform among the runnable threads, seeded: both
            // implementations see the same choices for the same decisions.
            let mut ch = RandomChooser { rng: Rng::new(*seed) };
            Outcome::Together(world.run_concurrent(imp, &steps, &mut |d| ch.choose(0, d)))
        }
    }
}

/// The first op at which the vkernel would have panicked (a failed
/// create/mmap/SETMAP/destroy/ctl, a trap the host did not hand over),
/// as a message.  Only meaningful for runs that did not fault.
pub fn check_vkernel(op: &Op, out: &Outcome) -> Option<String> {
    let pairs: Vec<(&Item, &StepOutcome)> = match (op, out) {
        (Op::One(i), Outcome::One(o)) => vec![(i, o)],
        (Op::Together { items, .. }, Outcome::Together(c)) => items.iter().zip(&c.calls).collect(),
        _ => unreachable!("outcome of another op"),
    };
    for (i, o) in pairs {
        if o.fault.is_none() && !i.expect.holds(o) {
            return Some(format!(
                "{}: {:?} expected {:?}, got ret={:?} sysmsg={:?} called={}",
                i.label, i.step, i.expect, o.ret, o.sysmsg_result, o.called
            ));
        }
    }
    None
}

/// Plays a whole workload on `imp` in a fresh world, handing each op's
/// outcome to `each` (op index, op, outcome).  Returns the number of entry
/// point calls made (system calls, and hooks the kernel's guards called).
pub fn run(imp: Impl, wl: &Workload, world: &mut World, each: &mut dyn FnMut(usize, &Op, &Outcome)) -> usize {
    world.reset(wl.ncpu());
    let mut calls = 0;
    for (k, op) in wl.ops.iter().enumerate() {
        let out = run_op(world, imp, op);
        calls += calls_in(op, &out);
        each(k, op, &out);
    }
    calls
}

/// Entry-point calls an op made (system calls, hooks the kernel's guards
/// called).
pub fn calls_in(op: &Op, out: &Outcome) -> usize {
    match (op, out) {
        (Op::One(i), Outcome::One(o)) => {
            (i.step.thread().is_some() && !matches!(i.step, Step::Kernel { .. }) && o.called) as usize
        }
        (Op::Together { .. }, Outcome::Together(c)) => c.calls.iter().filter(|o| o.called).count(),
        _ => unreachable!("outcome of another op"),
    }
}
