//! Random scenarios: seeded, reproducible, biased to edge values.
//!
//! A scenario is a short prologue (processes with LWPs and user memory
//! holding guest frames) and a run of random steps drawn from every kind of
//! step: the eight system calls with edge-value arguments, fork, exit, exec,
//! LWP exit, traps, vkernel_enable and td_vmm toggles, cpu changes, frames,
//! TLS, user memory rewrites and copyin/copyout faults, injected sanitize
//! failures.  A shadow of which processes and LWPs exist steers the steps
//! to existing ones (the model's outcome does not depend on it: steps that
//! cannot run are skipped, see `scenario::applicable`).
//!
//! The same seed always gives the same scenario: [`scenario`].

use super::scenario::Scenario;
use crate::ffi::{self, savetls, tls_info, trapframe, vextframe};
use crate::step::*;
use crate::world::World;
use std::collections::{BTreeMap, BTreeSet};

/// splitmix64: small, fast, and stable across platforms and versions (the
/// seeds printed in reports must keep regenerating the same scenarios).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize].clone()
    }
    /// One of `xs` or, as likely as each of them, a random value.
    pub fn edge(&mut self, xs: &[i64]) -> i64 {
        match self.below(xs.len() as u64 + 1) as usize {
            i if i < xs.len() => xs[i],
            _ => self.next_u64() as i64,
        }
    }
    /// Index chosen with the given weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| w as u64).sum();
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < w as u64 {
                return i;
            }
            r -= w as u64;
        }
        weights.len() - 1
    }
}

/// `VM_MAX_USER_ADDRESS` of the model headers (the revision's).
fn vm_max() -> u64 {
    crate::vm_max_user_address()
}
const PAGE: u64 = ffi::PAGE_SIZE as u64;
/// The lowest kernel address on x86_64 (the canonical upper half).
const KERNEL_BASE: u64 = 0xffff_8000_0000_0000;

/// Addresses of live kernel objects of the model (its statics
/// `vkernel_enable` and `M_TEMP`, in every revision), as hostile ids and
/// frame addresses.  Both sides of a run see the same objects at the same
/// addresses; in another process a seed regenerates the same objects, at
/// that process's addresses.  They lie below VM_MAX_USER_ADDRESS but in no
/// user mapping, so copyin/copyout on them fault.
pub fn kernel_objects() -> [u64; 2] {
    [std::ptr::addr_of!(ffi::vkernel_enable) as u64, std::ptr::addr_of!(ffi::M_TEMP) as u64]
}

/// Where the guest frames and other user memory of every process are, in
/// the user window (so that a direct dereference is a reported fault).
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub base: u64,
}

impl Layout {
    pub fn new() -> Layout {
        Layout { base: World::user_window().0 }
    }
    /// Read-write user memory: [base, base + RW_LEN).
    pub const RW_LEN: u64 = 0x10000;
    /// A trapframe slot (k < 4).
    pub fn tframe(self, k: u64) -> u64 {
        self.base + 0x1000 * (k % 4)
    }
    /// A vextframe slot (k < 4).
    pub fn vframe(self, k: u64) -> u64 {
        self.base + 0x8000 + 0x200 * (k % 4)
    }
    /// One read-only page: copyin works, copyout faults.
    pub fn ro(self) -> u64 {
        self.base + Self::RW_LEN
    }
    /// Never mapped.
    pub fn unmapped(self) -> u64 {
        self.base + 0x20000
    }
    /// VMSPACE ids: a few in the window (collide often), NULL, and edges.
    pub fn ids(self) -> [u64; 9] {
        let (b, max) = (self.base, vm_max());
        [b + 0x100, b + 0x108, b + 0x110, b + 0x111, 0, 1, max - 1, max, u64::MAX]
    }
}

impl Default for Layout {
    fn default() -> Self {
        Layout::new()
    }
}

fn bytes_of<T: Copy>(v: &T) -> Vec<u8> {
    // SAFETY: T is a plain C structure of integers and pointers; we copy its
    // bytes.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }.to_vec()
}

const _: () = assert!(std::mem::size_of::<trapframe>() == 25 * 8);

/// A trapframe from its 25 registers in declaration order.
pub fn frame_from(regs: [i64; 25]) -> trapframe {
    // SAFETY: trapframe is 25 register_t (i64) fields, repr(C), no padding
    // (size checked above).
    unsafe { std::mem::transmute::<[i64; 25], trapframe>(regs) }
}

/// A frame a guest might have (user selectors, interrupts on) or, as
/// often, one with arbitrary selectors and flags that sanitizing rewrites.
pub fn random_frame(r: &mut Rng) -> trapframe {
    let mut regs = [0i64; 25];
    for x in regs.iter_mut() {
        *x = match r.below(4) {
            0 => 0,
            1 => r.below(0x1_0000) as i64,
            2 => r.next_u64() as i64,
            _ => r.pick(&[-1, 1, 0x7fff_ffff_f000, i64::MIN]),
        };
    }
    let mut f = frame_from(regs);
    if r.chance(50) {
        f.tf_cs = 43;
        f.tf_ss = 35;
        f.tf_rflags = 0x202;
    } else {
        f.tf_cs = r.edge(&[0, 8, 0x1b, 43, 0xffff]);
        f.tf_ss = r.edge(&[0, 0x10, 35, 0xffff]);
        f.tf_rflags = r.edge(&[0, -1, 0x3202, 0x20202]);
    }
    f.tf_xflags = r.edge(&[0, ffi::PGEX_FPFAULT as i64, -1]);
    f
}

pub fn random_tls(r: &mut Rng) -> savetls {
    let mut t = savetls::default();
    for i in 0..2 {
        t.info[i] = tls_info {
            base: r.edge(&[0, 0x1111 + i as i64, vm_max() as i64]) as usize as *mut _,
            size: r.edge(&[0, -1, 0x1000]),
        };
    }
    t
}

/// The processes and LWPs that exist, as the steps so far leave them.
/// Guesses of which may be vkernel processes (made a create, or forked
/// from one) and which LWPs may be running a VMSPACE (made a ctl since
/// their last trap), to steer steps to where they do something.
#[derive(Default)]
struct Shadow {
    procs: BTreeMap<Pid, Vec<Tid>>,
    vkernel: BTreeSet<Pid>,
    running: BTreeSet<(Pid, Tid)>,
    /// Ids created per process (shared across fork as the tree is).
    ids: BTreeMap<Pid, BTreeSet<u64>>,
    /// LWPs that may be VMM guest threads (td_vmm set at some point).
    vmm: BTreeSet<(Pid, Tid)>,
}

impl Shadow {
    fn lwps(&self, only_vkernel: bool) -> Vec<(Pid, Tid)> {
        self.procs
            .iter()
            .filter(|(p, _)| !only_vkernel || self.vkernel.contains(p))
            .flat_map(|(&p, ts)| ts.iter().map(move |&t| (p, t)))
            .collect()
    }
    /// An LWP, most often of a vkernel process.
    fn lwp(&self, r: &mut Rng) -> Option<(Pid, Tid)> {
        let vk = self.lwps(true);
        if !vk.is_empty() && r.chance(85) {
            return Some(r.pick(&vk));
        }
        let all = self.lwps(false);
        (!all.is_empty()).then(|| r.pick(&all))
    }
    fn remove_proc(&mut self, pid: Pid) {
        self.procs.remove(&pid);
        self.vkernel.remove(&pid);
        self.running.retain(|&(p, _)| p != pid);
        self.ids.remove(&pid);
    }
    fn free_pid(&self, r: &mut Rng) -> Option<Pid> {
        let free: Vec<Pid> = (1..=6).filter(|p| !self.procs.contains_key(p)).collect();
        (!free.is_empty()).then(|| r.pick(&free))
    }
}

/// A generator of one scenario.
struct Gen {
    r: Rng,
    l: Layout,
    shadow: Shadow,
    ncpu: usize,
    steps: Vec<Step>,
}

impl Gen {
    /// A new process with one LWP, its user memory, frames in every slot.
    fn new_proc(&mut self, pid: Pid) {
        let l = self.l;
        let rw = (ffi::PROT_READ | ffi::PROT_WRITE) as i32;
        self.steps.push(Step::NewProc { pid });
        self.steps.push(Step::NewLwp { pid, tid: 1 });
        self.steps.push(Step::UserMap { pid, addr: l.base, len: Layout::RW_LEN, prot: rw });
        self.steps.push(Step::UserMap { pid, addr: l.ro(), len: PAGE, prot: ffi::PROT_READ as i32 });
        for k in 0..4 {
            let f = random_frame(&mut self.r);
            self.steps.push(Step::UserWrite { pid, addr: l.tframe(k), bytes: bytes_of(&f) });
            let vx = vextframe { vx_tls: random_tls(&mut self.r) };
            self.steps.push(Step::UserWrite { pid, addr: l.vframe(k), bytes: bytes_of(&vx) });
        }
        let f = random_frame(&mut self.r);
        self.steps.push(Step::SetFrame { pid, tid: 1, frame: f });
        self.shadow.procs.insert(pid, vec![1]);
    }

    fn id(&mut self) -> u64 {
        let ids = self.l.ids();
        // Mostly the three colliding window ids; as often as each edge id,
        // the address of a live kernel object.
        if self.r.chance(75) {
            ids[self.r.below(3) as usize]
        } else if self.r.chance(10) {
            self.r.pick(&kernel_objects())
        } else {
            self.r.pick(&ids)
        }
    }

    /// An id for a call of `pid`: most often one it created.
    fn id_of(&mut self, pid: Pid) -> u64 {
        let mine: Vec<u64> = self.shadow.ids.get(&pid).map(|s| s.iter().copied().collect()).unwrap_or_default();
        if !mine.is_empty() && self.r.chance(70) {
            self.r.pick(&mine)
        } else {
            self.id()
        }
    }

    /// A range where mappings are (half of the time) or an edge one.
    fn range(&mut self) -> (u64, u64) {
        if self.r.chance(50) {
            let base = self.r.pick(&[0, 0x8_0000_0000]);
            let addr = base + self.r.below(0x20) * PAGE;
            return (addr, (1 + self.r.below(0x10)) * PAGE);
        }
        let addr = self.addr();
        (addr, self.len(addr))
    }

    fn addr(&mut self) -> u64 {
        let r = &mut self.r;
        match r.below(3) {
            0 => r.below(0x40) * PAGE,
            1 => r.pick(&[0, 0x10000, 0x10001, 0x200000, 0x8_0000_0000, 0x1fff]),
            _ => r.pick(&[
                vm_max() - PAGE,
                vm_max() - 0x20_0000,
                vm_max() - 1,
                vm_max(),
                vm_max() + PAGE,
                !(PAGE - 1),
                u64::MAX,
                1 << 63,
            ]),
        }
    }

    fn len(&mut self, addr: u64) -> u64 {
        let r = &mut self.r;
        match r.below(3) {
            0 => r.below(0x20) * PAGE,
            1 => r.pick(&[0, 1, PAGE - 1, PAGE, PAGE + 1, 0x4000, 0x20_0000, 0x40_0000]),
            _ => r.pick(&[
                vm_max(),
                // Up to VM_MAX_USER_ADDRESS; wraps for addresses above it
                // (as the C's unsigned arithmetic would).
                vm_max().wrapping_sub(addr),
                u64::MAX,
                u64::MAX - (PAGE - 2),
                0u64.wrapping_sub(addr),
                0u64.wrapping_sub(addr & !(PAGE - 1)),
                1 << 63,
            ]),
        }
    }

    fn mmap_flags(&mut self) -> i32 {
        let r = &mut self.r;
        let mut f = 0u32;
        for (flag, pct) in [
            (ffi::MAP_ANON, 80),
            (ffi::MAP_FIXED, 40),
            (ffi::MAP_VPAGETABLE, 40),
            (ffi::MAP_SHARED, 15),
            (ffi::MAP_PRIVATE, 15),
            (ffi::MAP_STACK, 5),
            (ffi::MAP_TRYFIXED, 5),
            (ffi::MAP_SIZEALIGN, 5),
            (ffi::MAP_INHERIT, 5),
            (ffi::MAP_NOSYNC, 5),
        ] {
            if r.chance(pct) {
                f |= flag;
            }
        }
        // Now and then bits no MAP_* flag has: the high bit, a bit above
        // the known flags, or a random word.
        if r.chance(5) {
            f |= match r.below(3) {
                0 => 1 << 31,
                1 => 1 << 24,
                _ => r.next_u64() as u32,
            };
        }
        f as i32
    }

    fn tframe(&mut self) -> u64 {
        let l = self.l;
        match self.r.below(11) {
            0 => 0,
            1 => l.unmapped(),
            2 => l.ro(),
            3 => l.ro() - 8,        // straddles into the read-only page
            4 => l.ro() + PAGE - 8, // runs off the end of the memory
            5 => self.hostile_frame(),
            6 => l.tframe(self.r.below(4)) + self.r.pick(&[1, 4]), // odd-aligned
            _ => l.tframe(self.r.below(4)),
        }
    }

    fn vframe(&mut self) -> u64 {
        let l = self.l;
        match self.r.below(11) {
            0 => 0,
            1 => l.unmapped(),
            2 => l.ro(),
            3 => self.hostile_frame(),
            4 => l.vframe(self.r.below(4)) + self.r.pick(&[1, 4]), // odd-aligned
            _ => l.vframe(self.r.below(4)),
        }
    }

    /// A frame address no user memory backs: at or above
    /// VM_MAX_USER_ADDRESS, straddling it, wrapping the address space,
    /// in kernel space, or a live kernel object.
    fn hostile_frame(&mut self) -> u64 {
        let max = vm_max();
        let r = &mut self.r;
        match r.below(8) {
            0 => max,
            1 => max + PAGE,
            2 => max - 8,      // straddles VM_MAX_USER_ADDRESS
            3 => u64::MAX - 7, // addr + size wraps
            4 => 1 << 63,
            5 => KERNEL_BASE + r.below(0x100) * PAGE + r.pick(&[0, 1]),
            _ => r.pick(&kernel_objects()) + r.pick(&[0, 8]),
        }
    }

    fn step(&mut self) {
        let Some((pid, tid)) = self.shadow.lwp(&mut self.r) else {
            let pid = self.shadow.free_pid(&mut self.r).unwrap_or(1);
            self.new_proc(pid);
            return;
        };
        // Kinds, with weights (sum 100).
        const W: &[u32] = &[
            10, // 0 create
            5,  // 1 destroy
            14, // 2 ctl
            10, // 3 trap
            10, // 4 mmap
            6,  // 5 munmap
            7,  // 6 mcontrol
            2,  // 7 pread/pwrite
            3,  // 8 fork
            2,  // 9 exit
            1,  // 10 exec
            3,  // 11 lwp exit
            3,  // 12 new lwp
            1,  // 13 new process
            2,  // 14 vkernel_enable
            4,  // 15 td_vmm
            1,  // 16 cpu
            2,  // 17 frame
            2,  // 18 tls
            3,  // 19 user write (a new guest frame or vextframe)
            3,  // 20 user fault
            3,  // 21 injected sanitize failure
        ];
        let l = self.l;
        let s = match self.r.weighted(W) {
            0 => {
                self.shadow.vkernel.insert(pid);
                let id = self.id();
                self.shadow.ids.entry(pid).or_default().insert(id);
                let (ty, data) = if self.r.chance(90) { (0, 0) } else { (self.r.next_u64() as i32, self.r.next_u64()) };
                Step::Create { pid, tid, id, ty, data }
            }
            1 => Step::Destroy { pid, tid, id: self.id_of(pid) },
            2 => {
                let cmd = self.r.pick(&[1, 1, 1, 1, 1, 1, 1, 1, 0, 2, -1, i32::MIN, i32::MAX]);
                if cmd == 1 {
                    self.shadow.running.insert((pid, tid));
                }
                let mut id = self.id_of(pid);
                // A VMM guest's ctl keeps the id as its vmspace_entry, which
                // the C original's vkernel_lwp_exit then writes through
                // (the allowed divergence td_vmm-lwp-exit): a live kernel
                // object there would corrupt the model itself, not just
                // the C's run.
                if self.shadow.vmm.contains(&(pid, tid)) && kernel_objects().contains(&id) {
                    id = self.l.ids()[0];
                }
                Step::Ctl { pid, tid, id, cmd, tframe: self.tframe(), vframe: self.vframe() }
            }
            3 => {
                // Mostly an LWP that may be running a VMSPACE.
                let running: Vec<(Pid, Tid)> = self.shadow.running.iter().copied().collect();
                let (pid, tid) =
                    if !running.is_empty() && self.r.chance(85) { self.r.pick(&running) } else { (pid, tid) };
                self.shadow.running.remove(&(pid, tid));
                let frame = self.r.chance(50).then(|| random_frame(&mut self.r));
                Step::Trap { pid, tid, frame }
            }
            4 => {
                let (addr, len) = self.range();
                let prot = self.r.pick(&[0, 1, 3, 3, 3, 3, 3, 7, 0x13, -1, i32::MIN, 0x4000_0003]);
                let flags = self.mmap_flags();
                let fd = if self.r.chance(85) { -1 } else { self.r.pick(&[0, 3, -2, 4, 1000, i32::MAX, i32::MIN]) };
                let offset = if self.r.chance(85) {
                    0
                } else {
                    self.r.pick(&[PAGE as i64, 1, -1, i64::MIN, i64::MAX, vm_max() as i64, -(PAGE as i64)])
                };
                Step::Mmap { pid, tid, id: self.id_of(pid), addr, len, prot, flags, fd, offset }
            }
            5 => {
                let (addr, len) = self.range();
                Step::Munmap { pid, tid, id: self.id_of(pid), addr, len }
            }
            6 => {
                let (addr, len) = self.range();
                let end = ffi::MADV_CONTROL_END as i32;
                let behav = match self.r.below(4) {
                    0 => self.r.pick(&[-1, end, end + 1, i32::MIN, i32::MAX]),
                    1 => ffi::MADV_SETMAP as i32,
                    _ => self.r.below(end as u64 + 2) as i32,
                };
                let value = self.r.edge(&[0, 1, 0xabc, -1]);
                Step::Mcontrol { pid, tid, id: self.id_of(pid), addr, len, behav, value }
            }
            7 => {
                let (id, buf, nbyte) =
                    (self.id_of(pid), self.r.pick(&[0, l.base, l.unmapped()]), self.r.pick(&[0, 1, PAGE]));
                let (flags, offset) = (self.r.pick(&[0, 1, -1]), self.r.pick(&[0, 1, -1]));
                if self.r.chance(50) {
                    Step::Pread { pid, tid, id, buf, nbyte, flags, offset }
                } else {
                    Step::Pwrite { pid, tid, id, buf, nbyte, flags, offset }
                }
            }
            8 => match self.shadow.free_pid(&mut self.r) {
                Some(child) => {
                    self.shadow.procs.insert(child, vec![1]);
                    if self.shadow.vkernel.contains(&pid) {
                        self.shadow.vkernel.insert(child);
                    }
                    if let Some(ids) = self.shadow.ids.get(&pid).cloned() {
                        self.shadow.ids.insert(child, ids);
                    }
                    Step::Fork { pid, tid, child, child_tid: 1 }
                }
                None => {
                    self.shadow.remove_proc(pid);
                    Step::Exit { pid, tid }
                }
            },
            9 => {
                self.shadow.remove_proc(pid);
                Step::Exit { pid, tid }
            }
            10 => {
                self.shadow.vkernel.remove(&pid);
                self.shadow.ids.remove(&pid);
                Step::Exec { pid, tid }
            }
            11 => {
                if let Some(ts) = self.shadow.procs.get_mut(&pid) {
                    ts.retain(|&t| t != tid);
                }
                self.shadow.running.remove(&(pid, tid));
                Step::LwpExit { pid, tid }
            }
            12 => {
                let ts = self.shadow.procs.get_mut(&pid).expect("shadow pid");
                let t = (1..=4).find(|t| !ts.contains(t));
                match t {
                    Some(t) => {
                        ts.push(t);
                        let f = random_frame(&mut self.r);
                        self.steps.push(Step::NewLwp { pid, tid: t });
                        Step::SetFrame { pid, tid: t, frame: f }
                    }
                    None => {
                        ts.retain(|&t| t != tid);
                        self.shadow.running.remove(&(pid, tid));
                        Step::LwpExit { pid, tid }
                    }
                }
            }
            13 => {
                if let Some(p) = self.shadow.free_pid(&mut self.r) {
                    self.new_proc(p);
                }
                return;
            }
            14 => Step::SetVkernelEnable(self.r.chance(70)),
            15 => {
                let on = self.r.chance(50);
                if on {
                    self.shadow.vmm.insert((pid, tid));
                }
                Step::SetTdVmm { pid, tid, on }
            }
            16 => Step::SetCpu { pid, tid, cpu: self.r.below(self.ncpu as u64) as i32 },
            17 => Step::SetFrame { pid, tid, frame: random_frame(&mut self.r) },
            18 => Step::SetTls { pid, tid, tls: random_tls(&mut self.r) },
            19 => {
                if self.r.chance(50) {
                    let f = random_frame(&mut self.r);
                    Step::UserWrite { pid, addr: l.tframe(self.r.below(4)), bytes: bytes_of(&f) }
                } else {
                    let vx = vextframe { vx_tls: random_tls(&mut self.r) };
                    Step::UserWrite { pid, addr: l.vframe(self.r.below(4)), bytes: bytes_of(&vx) }
                }
            }
            20 => {
                let (addr, len) = match self.r.below(4) {
                    0 => (l.tframe(self.r.below(4)), 1),
                    1 => (l.tframe(self.r.below(4)) + 100, 8),
                    2 => (l.vframe(self.r.below(4)) + 8, 1),
                    _ => (l.base, Layout::RW_LEN),
                };
                Step::UserFault { pid, addr, len, on: self.r.chance(60) }
            }
            _ => {
                let e = ffi::EINVAL as i32;
                let (frame, tls) = self.r.pick(&[(0, 0), (0, 0), (e, 0), (0, e), (ffi::EFAULT as i32, e)]);
                Step::InjectSanitize { frame, tls }
            }
        };
        self.steps.push(s);
    }
}

/// The random scenario of `seed`, about `nsteps` steps after its prologue.
pub fn scenario(seed: u64, nsteps: usize) -> Scenario {
    let mut g = Gen { r: Rng::new(seed), l: Layout::new(), shadow: Shadow::default(), ncpu: 1, steps: Vec::new() };
    g.ncpu = 1 + g.r.below(2) as usize;
    g.new_proc(1);
    g.steps.push(Step::NewLwp { pid: 1, tid: 2 });
    let f = random_frame(&mut g.r);
    g.steps.push(Step::SetFrame { pid: 1, tid: 2, frame: f });
    g.shadow.procs.get_mut(&1).unwrap().push(2);
    if g.r.chance(50) {
        g.new_proc(2);
    }
    // Usually a vkernel process with a VMSPACE or two to start with.
    for _ in 0..g.r.below(3) {
        let (id, tid) = (g.id(), 1 + g.r.below(2) as Tid);
        g.steps.push(Step::Create { pid: 1, tid, id, ty: 0, data: 0 });
        g.shadow.vkernel.insert(1);
        g.shadow.ids.entry(1).or_default().insert(id);
    }
    let target = g.steps.len() + nsteps;
    while g.steps.len() < target {
        g.step();
    }
    Scenario { name: format!("random seed {seed}"), ncpu: g.ncpu, seed: Some(seed), steps: g.steps }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // Vigna's splitmix64 from state 0.
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(r.next_u64(), 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn a_seed_regenerates_its_scenario() {
        let a = scenario(42, 60);
        assert_eq!(a, scenario(42, 60));
        assert_ne!(a.steps, scenario(43, 60).steps);
        assert!(a.steps.len() >= 60);
        assert_eq!(a.seed, Some(42));
    }
}
