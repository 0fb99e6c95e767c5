//! The vkernel as a client: a small simulation of DragonFly's
//! `sys/platform/vkernel64` that records the host calls it makes.
//!
//! It keeps what decides those calls (emulated processes and their address
//! space ids, which pages have valid ptes, emulated threads, which vcpu runs
//! which thread) and nothing else.  Every call it emits is one the vkernel
//! would make at that point; the comments name the vkernel64 code.

use super::{Act, Config, Ending, Expect, Mode, Rng};
use crate::ffi::{self, savetls, trapframe, vextframe};
use crate::step::{Pid, Step, Tid};
use crate::world::World;
use std::collections::BTreeMap;

/// The process that runs `vkernel` (platform/init.c:main's parent: waits and
/// re-forks on reboot; never a vkernel itself).
pub const LAUNCHER: Pid = 100;
/// The vkernel proper (main's child): every VMSPACE call comes from it.
pub const VK: Pid = 101;
/// Cothread LWPs (platform/cothread.c: disk and network I/O): never call
/// the VMSPACE API.
const COTHREADS: [Tid; 2] = [100, 101];

// kern/syscalls.master
const SYS_VMSPACE_CREATE: i64 = 486;
const SYS_VMSPACE_DESTROY: i64 = 487;
const SYS_VMSPACE_CTL: i64 = 488;
const SYS_VMSPACE_MMAP: i64 = 489;
const SYS_VMSPACE_MCONTROL: i64 = 491;

// cpu/x86_64/include/trap.h
const T_PAGEFLT: i64 = 12;
const T_DNA: i64 = 22;
const T_FAST_SYSCALL: i64 = 0x81;
// cpu/x86_64/include/pmap.h
const PGEX_W: i64 = 0x02;
const PGEX_U: i64 = 0x04;

/// pmap.c's user_size() (VM_MAX_USER_ADDRESS - VM_MIN_USER_ADDRESS), as the
/// vkernel of the model's revision has it (0x7fffffe00000 at 22b7a3dbf6).
fn user_size() -> u64 {
    crate::vm_max_user_address()
}
/// VPTE_V | VPTE_RW | VPTE_U, or'ed into MADV_SETMAP's value.
const VPTE_V_RW_U: i64 = 7;
const PAGE: u64 = 4096;
/// Valid ptes an emulated process keeps at most (its pages come from
/// `some_va`'s 768).
const RESIDENT_MAX: usize = 64;

/// Where things live in the vkernel's memory (host user addresses, all in
/// the model's user window, so a kernel dereferencing one directly takes a
/// reported page fault).  Offsets from the window's base.
///
/// Per emulated thread a slot of vkernel memory (mapped): the trapframe on
/// its vkernel stack (`go_user`'s `tf`) and its `td_savevext`.
const SLOTS_OFF: u64 = 0;
const SLOT_SIZE: u64 = 0x1000;
const SLOTS: usize = 1024;
const SLOT_VEXT: u64 = 0x800;
/// Classic ids: `&vm->vm_pmap` of vkernel vmspaces (objcache memory, never
/// touched by the host).
const IDS_OFF: u64 = 0x1000_0000;
const VMSPACE_SIZE: u64 = 0x400;
const VM_PMAP_OFF: u64 = 0x140;
/// VMM ids: guest-physical (= vkernel virtual) addresses of PML4 pages; the
/// first is the vkernel's own (KPML4phys, vkernel_cr3).
const CR3_OFF: u64 = 0x2000_0000;

fn bytes<T: Copy>(v: &T) -> Vec<u8> {
    // SAFETY: T is a plain C structure (trapframe, vextframe); we copy its
    // bytes.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }.to_vec()
}

/// What the VMSPACE code sees of `vmx_vminit_master` (platform/pc64/vmm/
/// vmx.c, reached from the vkernel's `vmm_guest_ctl(VMM_GUEST_RUN)`):
/// `if (p->p_vkernel) p->p_vkernel->vkernel_cr3 = guest_cr3`.  (Its switch
/// to an EPT copy of the process's vmspace is not modelled.)  Kernel code
/// the harness runs on the vkernel's thread.
///
/// # Safety
/// Called by the model on a model thread of a live process.
pub(crate) unsafe extern "C" fn vmx_vminit_master(cr3: *mut core::ffi::c_void) -> core::ffi::c_int {
    // SAFETY: globaldata is this cpu's, its curthread runs this call, and a
    // process's p_vkernel is NULL or its live vkernel_proc.
    unsafe {
        let p = (*(*ffi::globaldata).gd_curthread).td_proc;
        if !(*p).p_vkernel.is_null() {
            (*(*p).p_vkernel).vkernel_cr3 = cr3 as i64;
        }
    }
    0
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum TState {
    Runnable,
    Running(usize),
    /// A vfork parent waiting for its child's exec or exit, or a daemon
    /// asleep.
    Blocked,
    Dead,
}

struct EThread {
    proc: usize,
    slot: usize,
    regs: trapframe,
    tls: savetls,
    state: TState,
    /// Its vext (TLS) must be written before its next run (new or exec'd).
    tls_dirty: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum PState {
    Live,
    /// Exited, its vmspace still held until the parent's wait4.
    Zombie,
    Reaped,
}

struct Space {
    id: u64,
    /// Pages with a valid vpte: va -> writable.
    pages: BTreeMap<u64, bool>,
    /// Processes using it (2 while a vfork child borrows its parent's).
    users: u32,
}

struct EProc {
    space: usize,
    threads: Vec<usize>,
    /// The vfork parent thread waiting for this child.
    vfork_waiter: Option<usize>,
    traps_left: i64,
    daemon: bool,
    exiting: bool,
    state: PState,
    /// A vfork child that exited: its (parent's) vmspace is not its own.
    borrowed: bool,
}

/// The simulation.
pub struct Vk<'a> {
    cfg: &'a Config,
    rng: Rng,
    base: u64,
    pub acts: Vec<Act>,
    /// vcpu i is LWP (VK, i + 1); its running thread.
    vcpus: Vec<Option<usize>>,
    /// Whether vcpu i has a vkernel_lwp (after its first vmspace_ctl).
    vklp: Vec<bool>,
    /// vcpu i's `mdcpu->gd_npxthread`: the thread whose FP state it holds.
    npx: Vec<Option<usize>>,
    procs: Vec<EProc>,
    threads: Vec<EThread>,
    spaces: Vec<Space>,
    runq: Vec<usize>,
    free_slots: Vec<usize>,
    next_slot: usize,
    free_ids: Vec<u64>,
    next_id: u64,
    pub created: usize,
    ticks: u64,
}

impl<'a> Vk<'a> {
    pub fn new(cfg: &'a Config) -> Vk<'a> {
        Vk {
            cfg,
            rng: Rng::new(cfg.seed),
            base: World::user_window().0,
            acts: Vec::new(),
            vcpus: vec![None; cfg.vcpus],
            vklp: vec![false; cfg.vcpus],
            npx: vec![None; cfg.vcpus],
            procs: Vec::new(),
            threads: Vec::new(),
            spaces: Vec::new(),
            runq: Vec::new(),
            free_slots: Vec::new(),
            next_slot: 0,
            free_ids: Vec::new(),
            next_id: 0,
            created: 0,
            ticks: 0,
        }
    }

    fn vmm(&self) -> bool {
        self.cfg.mode == Mode::Vmm
    }

    fn tid(v: usize) -> Tid {
        v as Tid + 1
    }

    // ---- emitting -----------------------------------------------------

    fn outside(&mut self, label: &'static str, steps: Vec<Step>) {
        self.acts.push(Act::outside(label, steps));
    }

    fn call(&mut self, v: Option<usize>, label: &'static str, pre: Vec<Step>, call: Step, expect: Expect) -> &mut Act {
        self.acts.push(Act::call(v, label, pre, call, expect));
        self.acts.last_mut().unwrap()
    }

    /// The vkernel's own syscall frame on vcpu v: what the host's syscall
    /// entry saved (rax = number, arguments in rdi, rsi, rdx, r10, r8, r9).
    fn syscall_frame(&mut self, v: usize, num: i64, args: &[i64]) -> Step {
        let mut f = trapframe {
            tf_rax: num,
            tf_rip: 0x0060_0000 + (self.rng.below(0x8000) as i64 & !3),
            tf_rsp: (self.base + SLOTS_OFF + (v as u64) * SLOT_SIZE + 0xf00) as i64,
            tf_rflags: 0x202,
            tf_cs: 43,
            tf_ss: 35,
            tf_trapno: T_FAST_SYSCALL,
            tf_err: 2,
            ..Default::default()
        };
        let regs = [&mut f.tf_rdi, &mut f.tf_rsi, &mut f.tf_rdx, &mut f.tf_r10, &mut f.tf_r8, &mut f.tf_r9];
        for (r, a) in regs.into_iter().zip(args) {
            *r = *a;
        }
        f.tf_rcx = f.tf_rip;
        f.tf_r11 = f.tf_rflags;
        Step::SetFrame { pid: VK, tid: Self::tid(v), frame: f }
    }

    fn syscall(
        &mut self,
        v: usize,
        label: &'static str,
        num: i64,
        args: &[i64],
        call: Step,
        expect: Expect,
    ) -> &mut Act {
        let f = self.syscall_frame(v, num, args);
        self.call(Some(v), label, vec![f], call, expect)
    }

    // ---- ids, slots ---------------------------------------------------

    /// An id for a new address space: objcache memory (classic) or a
    /// PML4 page (VMM), the most recently freed first.
    fn alloc_id(&mut self) -> u64 {
        if let Some(id) = self.free_ids.pop() {
            return id;
        }
        let k = self.next_id;
        self.next_id += 1;
        match self.cfg.mode {
            Mode::Classic => self.base + IDS_OFF + k * VMSPACE_SIZE + VM_PMAP_OFF,
            Mode::Vmm => self.base + CR3_OFF + (k + 1) * PAGE,
        }
    }

    fn alloc_slot(&mut self) -> usize {
        if let Some(s) = self.free_slots.pop() {
            return s;
        }
        assert!(self.next_slot < SLOTS, "replay: more than {SLOTS} emulated threads at once");
        self.next_slot += 1;
        self.next_slot - 1
    }

    fn tf_addr(&self, slot: usize) -> u64 {
        self.base + SLOTS_OFF + slot as u64 * SLOT_SIZE
    }

    fn vext_addr(&self, slot: usize) -> u64 {
        self.tf_addr(slot) + SLOT_VEXT
    }

    // ---- the vkernel's pmap -> host calls -------------------------------

    /// platform/pmap.c:cpu_vmspace_alloc, from vmspace_alloc (fork, exec
    /// after vfork, init's creation).  Classic only.
    fn vmspace_alloc(&mut self, v: usize, id: u64) {
        let tid = Self::tid(v);
        const L: &str = "platform/pmap.c:cpu_vmspace_alloc";
        let idr = id as i64;
        self.syscall(
            v,
            L,
            SYS_VMSPACE_CREATE,
            &[idr, 0, 0],
            Step::Create { pid: VK, tid, id, ty: 0, data: 0 },
            Expect::Ret(0),
        )
        .excl(id);
        // MemImageFd replaced by MAP_ANON (the model has no files; the
        // VMSPACE code passes fd and flags to kern_mmap untouched).
        let flags = (ffi::MAP_ANON | ffi::MAP_SHARED | ffi::MAP_VPAGETABLE | ffi::MAP_FIXED) as i32;
        let prot = (ffi::PROT_READ | ffi::PROT_WRITE) as i32;
        self.syscall(
            v,
            L,
            SYS_VMSPACE_MMAP,
            &[idr, 0, user_size() as i64, prot as i64, flags as i64, -1],
            Step::Mmap { pid: VK, tid, id, addr: 0, len: user_size(), prot, flags, fd: -1, offset: 0 },
            Expect::Sysmsg(0),
        )
        .excl(id);
        self.syscall(
            v,
            L,
            SYS_VMSPACE_MCONTROL,
            &[idr, 0, user_size() as i64, ffi::MADV_NOSYNC as i64, 0],
            Step::Mcontrol { pid: VK, tid, id, addr: 0, len: user_size(), behav: ffi::MADV_NOSYNC as i32, value: 0 },
            Expect::Any,
        )
        .excl(id);
        // VM_PAGE_TO_PHYS(pm_pdirm): the PML4 page's offset in the memory image.
        let pd = (1 + self.rng.below(0x3ffff) as i64) << 12;
        self.syscall(
            v,
            L,
            SYS_VMSPACE_MCONTROL,
            &[idr, 0, user_size() as i64, ffi::MADV_SETMAP as i64, pd | VPTE_V_RW_U],
            Step::Mcontrol {
                pid: VK,
                tid,
                id,
                addr: 0,
                len: user_size(),
                behav: ffi::MADV_SETMAP as i32,
                value: pd | VPTE_V_RW_U,
            },
            Expect::Ret(0),
        )
        .excl(id);
    }

    /// platform/pmap_inval.c:pmap_inval_cpu for a user pmap: one page.
    /// Classic only (VMM invalidates with vmm_cpu_invltlb).
    fn inval(&mut self, v: usize, space: usize, va: u64) {
        let id = self.spaces[space].id;
        let tid = Self::tid(v);
        self.syscall(
            v,
            "platform/pmap_inval.c:pmap_inval_cpu",
            SYS_VMSPACE_MCONTROL,
            &[id as i64, va as i64, PAGE as i64, ffi::MADV_INVAL as i64, 0],
            Step::Mcontrol { pid: VK, tid, id, addr: va, len: PAGE, behav: ffi::MADV_INVAL as i32, value: 0 },
            Expect::Ret(0),
        )
        .shared(id);
    }

    /// pmap_remove_pages/pmap_remove over the given pages: an invalidation
    /// per valid vpte (pmap_inval_loadandclear).
    fn remove_pages(&mut self, v: usize, space: usize, vas: &[u64]) {
        for &va in vas {
            self.spaces[space].pages.remove(&va);
            if !self.vmm() {
                self.inval(v, space, va);
            }
        }
    }

    /// platform/pmap.c:cpu_vmspace_free, from vmspace_terminate(final):
    /// the parent's wait4 reaping a child whose vmspace it was.
    fn vmspace_free(&mut self, v: usize, space: usize) {
        let id = self.spaces[space].id;
        if !self.vmm() {
            let tid = Self::tid(v);
            self.syscall(
                v,
                "platform/pmap.c:cpu_vmspace_free",
                SYS_VMSPACE_DESTROY,
                &[id as i64],
                Step::Destroy { pid: VK, tid, id },
                Expect::Ret(0),
            )
            .excl(id);
        }
        self.free_ids.push(id);
    }

    fn new_space(&mut self, v: Option<usize>) -> usize {
        let id = self.alloc_id();
        self.spaces.push(Space { id, pages: BTreeMap::new(), users: 1 });
        let s = self.spaces.len() - 1;
        if let (Some(v), Mode::Classic) = (v, self.cfg.mode) {
            self.vmspace_alloc(v, id);
        }
        s
    }

    // ---- emulated processes and threads ---------------------------------

    fn budget(&mut self) -> i64 {
        let t = self.cfg.traps as u64;
        (t / 2 + self.rng.below(t + 1)) as i64
    }

    fn new_thread(&mut self, proc: usize, regs: trapframe, tls_base: u64) -> usize {
        let slot = self.alloc_slot();
        let mut tls = savetls::default();
        tls.info[0].base = tls_base as usize as *mut _;
        tls.info[0].size = -1;
        self.threads.push(EThread { proc, slot, regs, tls, state: TState::Runnable, tls_dirty: true });
        let t = self.threads.len() - 1;
        self.procs[proc].threads.push(t);
        self.runq.push(t);
        t
    }

    fn exec_regs(&mut self) -> trapframe {
        trapframe {
            tf_rip: 0x0040_0000 + (self.rng.below(0x1000) as i64 & !0xf),
            tf_rsp: 0x7fff_ffff_e000 - (self.rng.below(0x100) as i64) * 16,
            tf_rflags: 0x202,
            tf_cs: 0x43,
            tf_ss: 0x3b,
            ..Default::default()
        }
    }

    fn new_proc(&mut self, space: usize, daemon: bool, regs: trapframe, tls_base: u64) -> usize {
        let traps_left = self.budget();
        self.procs.push(EProc {
            space,
            threads: Vec::new(),
            vfork_waiter: None,
            traps_left,
            daemon,
            exiting: false,
            state: PState::Live,
            borrowed: false,
        });
        let p = self.procs.len() - 1;
        self.created += 1;
        self.new_thread(p, regs, tls_base);
        p
    }

    fn thread_gone(&mut self, t: usize) {
        let th = &mut self.threads[t];
        th.state = TState::Dead;
        let (p, slot) = (th.proc, th.slot);
        self.runq.retain(|&x| x != t);
        self.free_slots.push(slot);
        self.procs[p].threads.retain(|&x| x != t);
    }

    /// exit1 of emulated process p, its last thread gone, on vcpu v:
    /// vmspace_relexit's stage 1 removes every page (unless a vfork child
    /// gives its parent's vmspace back), then a zombie until wait4.
    fn proc_exited(&mut self, v: usize, p: usize) {
        let s = self.procs[p].space;
        self.procs[p].state = PState::Zombie;
        if let Some(w) = self.procs[p].vfork_waiter.take() {
            self.spaces[s].users -= 1;
            self.procs[p].borrowed = true;
            self.wake(w);
            return;
        }
        let vas: Vec<u64> = self.spaces[s].pages.keys().copied().collect();
        self.remove_pages(v, s, &vas);
    }

    fn wake(&mut self, t: usize) {
        if self.threads[t].state == TState::Blocked {
            self.threads[t].state = TState::Runnable;
            self.runq.push(t);
        }
    }

    // ---- the simulation -----------------------------------------------

    /// Host side and vkernel boot up to init's creation.
    fn boot(&mut self) {
        let n = self.cfg.vcpus;
        let ncpu = n.min(8);
        self.outside(
            "host: the launcher (platform/init.c:main)",
            vec![Step::NewProc { pid: LAUNCHER }, Step::NewLwp { pid: LAUNCHER, tid: 1 }],
        );
        // main() forks; nothing has p_vkernel yet, so the hook is not called.
        self.call(
            None,
            "platform/init.c:main (fork)",
            vec![],
            Step::Fork { pid: LAUNCHER, tid: 1, child: VK, child_tid: 1 },
            Expect::Called(false),
        );
        // Its own memory (vkernel kernel stacks and thread structures).
        self.outside(
            "platform/init.c:main (the vkernel's memory)",
            vec![Step::UserMap {
                pid: VK,
                addr: self.base + SLOTS_OFF,
                len: SLOTS as u64 * SLOT_SIZE,
                prot: (ffi::PROT_READ | ffi::PROT_WRITE) as i32,
            }],
        );
        let mut w = Vec::new();
        for &c in &COTHREADS {
            w.push(Step::NewLwp { pid: VK, tid: c });
        }
        self.outside("platform/cothread.c:cothread_create", w);
        let cr3 = self.base + CR3_OFF;
        if self.vmm() {
            // init_kern_memory_vmm: the create that sets up p_vkernel (and,
            // the id being NULL but the thread not a guest yet, an entry).
            self.syscall(
                0,
                "platform/init.c:init_kern_memory_vmm",
                SYS_VMSPACE_CREATE,
                &[0, 0, 0],
                Step::Create { pid: VK, tid: 1, id: 0, ty: 0, data: 0 },
                Expect::Ret(0),
            );
            // vmm_guest_ctl(VMM_GUEST_RUN): td_vmm, vkernel_cr3 = KPML4phys.
            self.outside("kern/sys_vmm.c:vmm_guest_ctl", vec![Step::SetTdVmm { pid: VK, tid: 1, on: true }]);
            self.call(
                Some(0),
                "platform/pc64/vmm/vmx.c:vmx_vminit_master",
                vec![],
                Step::Kernel { pid: VK, tid: 1, f: vmx_vminit_master, arg: cr3 as usize },
                Expect::Ret(0),
            );
        }
        // x86_64/mp.c:start_all_aps: one LWP per further vcpu (guest threads
        // from birth in VMM mode: vmm_lwp_return).
        let mut w = Vec::new();
        for v in 1..n {
            w.push(Step::NewLwp { pid: VK, tid: Self::tid(v) });
            w.push(Step::SetCpu { pid: VK, tid: Self::tid(v), cpu: (v % ncpu) as i32 });
            if self.vmm() {
                w.push(Step::SetTdVmm { pid: VK, tid: Self::tid(v), on: true });
            }
        }
        self.outside("x86_64/mp.c:start_all_aps", w);
        // kern/init_main.c:create_init: fork1(&lwp0) -> vmspace_fork ->
        // vmspace_alloc on vcpu0.
        let s = self.new_space(Some(0));
        let regs = self.exec_regs();
        self.new_proc(s, true, regs, 0x8_0000_1000);
    }

    /// Runs thread t on idle vcpu v: one turn of go_user's loop.
    fn run(&mut self, v: usize, t: usize) {
        assert!(self.vcpus[v].is_none());
        self.runq.retain(|&x| x != t);
        let owns_fpu = self.npx[v] == Some(t);
        let th = &mut self.threads[t];
        th.state = TState::Running(v);
        if owns_fpu {
            th.regs.tf_xflags &= !(ffi::PGEX_FPFAULT as i64);
        } else {
            th.regs.tf_xflags |= ffi::PGEX_FPFAULT as i64;
        }
        th.regs.tf_trapno = 0;
        let (slot, regs, tls, dirty) = (th.slot, th.regs, th.tls, th.tls_dirty);
        th.tls_dirty = false;
        self.vcpus[v] = Some(t);
        self.vklp[v] = true;
        let (tf, vf) = (self.tf_addr(slot), self.vext_addr(slot));
        let mut pre = vec![Step::UserWrite { pid: VK, addr: tf, bytes: bytes(&regs) }];
        if dirty {
            let vx = vextframe { vx_tls: tls };
            pre.push(Step::UserWrite { pid: VK, addr: vf, bytes: bytes(&vx) });
        }
        let space = self.procs[self.threads[t].proc].space;
        let id = self.spaces[space].id;
        let tid = Self::tid(v);
        let f = self.syscall_frame(v, SYS_VMSPACE_CTL, &[id as i64, ffi::VMSPACE_CTL_RUN as i64, tf as i64, vf as i64]);
        pre.push(f);
        self.call(
            Some(v),
            "x86_64/trap.c:go_user",
            pre,
            Step::Ctl { pid: VK, tid, id, cmd: ffi::VMSPACE_CTL_RUN as i32, tframe: tf, vframe: vf },
            Expect::Ret(crate::EJUSTRETURN),
        )
        .shared(id)
        .mem(slot);
    }

    /// The emulated code running on vcpu v traps back into the host, which
    /// hands it to the vkernel (vkernel_trap).
    fn trap_out(&mut self, v: usize, trapno: i64, addr: u64, err: i64, label: &'static str) {
        let t = self.vcpus[v].take().unwrap();
        let th = &mut self.threads[t];
        th.state = TState::Runnable;
        let r = &mut th.regs;
        r.tf_rip += 2 + 4 * (self.rng.below(64) as i64);
        // What the emulated code did to its registers meanwhile.
        for g in [&mut r.tf_rdi, &mut r.tf_rsi, &mut r.tf_rdx, &mut r.tf_rbx, &mut r.tf_rbp, &mut r.tf_r12] {
            if self.rng.below(4) == 0 {
                *g = self.rng.next_u64() as i64;
            }
        }
        r.tf_trapno = trapno;
        r.tf_addr = addr as i64;
        r.tf_err = err;
        r.tf_xflags = 0;
        r.tf_cs = 43;
        r.tf_ss = 35;
        if trapno == T_FAST_SYSCALL {
            r.tf_rax = 1 + self.rng.below(500) as i64;
            r.tf_rcx = r.tf_rip;
            r.tf_r11 = r.tf_rflags;
        }
        let frame = *r;
        let slot = th.slot;
        let space = self.procs[th.proc].space;
        let id = self.spaces[space].id;
        self.call(
            Some(v),
            label,
            vec![],
            Step::Trap { pid: VK, tid: Self::tid(v), frame: Some(frame) },
            Expect::Called(true),
        )
        .shared(id)
        .mem(slot);
    }

    fn pick_runnable(&mut self) -> Option<usize> {
        if self.runq.is_empty() {
            None
        } else {
            let i = self.rng.below(self.runq.len() as u64) as usize;
            Some(self.runq[i])
        }
    }

    /// A page of process p's address space: text/data, heap/mmap, stack.
    fn some_va(&mut self) -> u64 {
        let region = [0x40_0000u64, 0x8_0000_0000, 0x7fff_ff00_0000][self.rng.below(3) as usize];
        region + self.rng.below(256) * PAGE
    }

    /// The vkernel handles a trap of thread t that came back on vcpu v
    /// (x86_64/trap.c:user_trap and what it leads to); then vcpu v runs
    /// the next thread, or idles.
    fn one_trap(&mut self, v: usize) {
        let t = self.vcpus[v].unwrap();
        let p = self.threads[t].proc;
        let s = self.procs[p].space;
        // Another thread's exit1 killed this process: the IPI (a signal)
        // brings the thread back into the vkernel, where it dies.
        if self.procs[p].exiting {
            self.trap_out(v, 0, 0, 0, "host: kern_sig.c:postsig -> vkernel_trap (IPI)");
            self.thread_gone(t);
            if self.procs[p].threads.is_empty() {
                self.proc_exited(v, p);
            }
            return self.next(v, None);
        }
        self.procs[p].traps_left -= 1;
        let roll = self.rng.below(100);
        if roll < 45 {
            // A page fault the host cannot resolve (no valid vpte, or a write
            // to a read-only one).  The vkernel's vm_fault -> pmap_enter.
            let readonly: Vec<u64> = self.spaces[s].pages.iter().filter(|(_, &w)| !w).map(|(&a, _)| a).collect();
            let cow = !readonly.is_empty() && self.rng.below(100) < 30;
            let va = if cow {
                readonly[self.rng.below(readonly.len() as u64) as usize]
            } else {
                let mut va = self.some_va();
                while self.spaces[s].pages.contains_key(&va) {
                    va = self.some_va();
                }
                va
            };
            let write = cow || self.rng.below(2) == 0;
            let err = PGEX_U | if write { PGEX_W } else { 0 };
            let off = self.rng.below(PAGE);
            self.trap_out(v, T_PAGEFLT, va + off, err, "host: trap.c:trap (T_PAGEFLT) -> vkernel_trap");
            if !cow && self.spaces[s].pages.len() >= RESIDENT_MAX {
                // The vkernel's pageout reclaims a few pages first
                // (pmap_remove_all: an invalidation each).
                let mut vas: Vec<u64> = (0..4)
                    .map(|_| {
                        let n = self.spaces[s].pages.len() as u64;
                        *self.spaces[s].pages.keys().nth(self.rng.below(n) as usize).unwrap()
                    })
                    .collect();
                vas.sort_unstable();
                vas.dedup();
                self.remove_pages(v, s, &vas);
            }
            let old = self.spaces[s].pages.insert(va, write);
            // pmap_enter replacing a valid pte: pmap_clean_pte invalidates.
            if old.is_some() && !self.vmm() {
                self.inval(v, s, va);
            }
            self.next(v, Some(t));
        } else if roll < 80 {
            self.trap_out(v, T_FAST_SYSCALL, 0, 2, "host: trap.c:syscall2 -> vkernel_trap");
            self.emulated_syscall(v, t);
        } else if roll < 95 || self.npx[v] == Some(t) || self.vmm() {
            // A host signal (SIGALRM, SIGIO, SIGUSR1 IPI) while in emulated
            // mode: tf_trapno = 0, then the vkernel's handler; maybe a
            // reschedule.
            self.trap_out(v, 0, 0, 0, "host: kern_sig.c:postsig -> vkernel_trap (signal)");
            if self.rng.below(2) == 0 {
                self.runq.push(t);
                self.next(v, None);
            } else {
                self.next(v, Some(t));
            }
        } else {
            // FP use with FP_VIRTFP set (classic): T_DNA goes to the
            // vkernel, which gives this thread the FPU.
            self.trap_out(v, T_DNA, 0, 0, "host: trap.c:trap (T_DNA) -> vkernel_trap");
            self.npx[v] = Some(t);
            self.next(v, Some(t));
        }
    }

    /// vcpu v, in vkernel context, runs `cont` again or another thread.
    fn next(&mut self, v: usize, cont: Option<usize>) {
        if let Some(t) = cont {
            if self.threads[t].state == TState::Runnable && self.rng.below(100) < 85 {
                return self.run(v, t);
            }
            if self.threads[t].state == TState::Runnable && !self.runq.contains(&t) {
                self.runq.push(t);
            }
        }
        if let Some(t) = self.pick_runnable() {
            self.run(v, t);
        }
    }

    /// The emulated system call of thread t (back on vcpu v).
    fn emulated_syscall(&mut self, v: usize, t: usize) {
        let p = self.threads[t].proc;
        let s = self.procs[p].space;
        self.threads[t].regs.tf_rflags &= !(ffi::PSL_C as i64);
        // A vfork parent whose child still borrows its vmspace is asleep in
        // vfork; its other threads leave exiting to later.
        let lent = self.spaces[s].users > 1 && self.procs[p].vfork_waiter.is_none();
        if self.procs[p].traps_left <= 0 {
            if self.procs[p].daemon {
                // A daemon with nothing to do: sleeps until woken.
                self.threads[t].state = TState::Blocked;
                return self.next(v, None);
            }
            if !lent {
                return self.emulated_exit(v, t);
            }
        }
        if self.rng.below(100) < 25 && self.reap(v) {
            // wait4 reaped a zombie child.
            self.threads[t].regs.tf_rax = 1000;
            return self.next(v, Some(t));
        }
        let roll = self.rng.below(100);
        let nthreads = self.procs[p].threads.len();
        if roll < 12 && self.created < self.cfg.procs && self.live_procs() < 64 {
            self.emulated_fork(v, t);
        } else if roll < 17 && nthreads == 1 {
            self.emulated_exec(v, t);
        } else if roll < 20 && nthreads < 3 && self.procs[p].vfork_waiter.is_none() {
            // thr_create / lwp_create: another thread of this process.
            let mut regs = self.threads[t].regs;
            regs.tf_rsp -= 0x10_0000 * (nthreads as i64);
            regs.tf_rax = 0;
            let tls = self.threads[t].tls.info[0].base as u64 + 0x1000 * nthreads as u64;
            self.new_thread(p, regs, tls);
            self.next(v, Some(t));
        } else if roll < 30 && !self.spaces[s].pages.is_empty() {
            // munmap / mprotect / madvise(MADV_FREE): pmap_remove or
            // pmap_protect over a few pages, one invalidation per valid pte.
            let n = 1 + self.rng.below(4) as usize;
            let start = self.rng.below(self.spaces[s].pages.len() as u64) as usize;
            let vas: Vec<u64> = self.spaces[s].pages.keys().copied().skip(start).take(n).collect();
            if self.rng.below(2) == 0 {
                self.remove_pages(v, s, &vas);
            } else {
                for va in vas {
                    if self.spaces[s].pages.insert(va, false) == Some(true) && !self.vmm() {
                        self.inval(v, s, va);
                    }
                }
            }
            self.next(v, Some(t));
        } else {
            // Anything else: handled inside the vkernel.
            self.threads[t].regs.tf_rax = self.rng.below(4096) as i64;
            self.next(v, Some(t));
        }
    }

    fn live_procs(&self) -> usize {
        self.procs.iter().filter(|p| p.state == PState::Live).count()
    }

    /// fork()/vfork() of thread t's process (kern_fork.c:fork1 ->
    /// vm_fork): a new vmspace (vmspace_fork -> vmspace_alloc), and the
    /// parent's writable pages made copy-on-write (pmap_protect: an
    /// invalidation each).  pmap_copy is a no-op: the child starts with no
    /// valid pte.  vfork shares the parent's vmspace until exec or exit.
    fn emulated_fork(&mut self, v: usize, t: usize) {
        let p = self.threads[t].proc;
        let s = self.procs[p].space;
        let vfork = self.rng.below(100) < 15;
        let cs = if vfork {
            self.spaces[s].users += 1;
            s
        } else {
            let cs = self.new_space(Some(v));
            let cow: Vec<u64> = self.spaces[s].pages.iter().filter(|(_, &w)| w).map(|(&a, _)| a).collect();
            for va in cow {
                self.spaces[s].pages.insert(va, false);
                if !self.vmm() {
                    self.inval(v, s, va);
                }
            }
            cs
        };
        let mut regs = self.threads[t].regs;
        regs.tf_rax = 0;
        let tls = self.threads[t].tls.info[0].base as u64;
        // A vfork child only execs or exits: never a daemon.
        let daemon = !vfork && self.rng.below(100) < 10;
        let c = self.new_proc(cs, daemon, regs, tls);
        self.threads[t].regs.tf_rax = 1000 + c as i64;
        if vfork {
            self.procs[c].vfork_waiter = Some(t);
            self.threads[t].state = TState::Blocked;
            self.next(v, None);
        } else {
            self.next(v, Some(t));
        }
    }

    /// execve() of single-threaded process (kern_exec.c:exec_new_vmspace):
    /// a vfork child gets its own vmspace (vmspace_exec -> vmspace_alloc)
    /// and lets the parent go; otherwise the same vmspace, emptied
    /// (pmap_remove_pages: an invalidation per valid pte).
    fn emulated_exec(&mut self, v: usize, t: usize) {
        let p = self.threads[t].proc;
        let s = self.procs[p].space;
        if let Some(w) = self.procs[p].vfork_waiter.take() {
            self.spaces[s].users -= 1;
            let ns = self.new_space(Some(v));
            self.procs[p].space = ns;
            self.wake(w);
        } else {
            let vas: Vec<u64> = self.spaces[s].pages.keys().copied().collect();
            self.remove_pages(v, s, &vas);
        }
        self.threads[t].regs = self.exec_regs();
        self.threads[t].tls.info[0].base = (0x8_0000_1000 + self.rng.below(64) * PAGE) as usize as *mut _;
        self.threads[t].tls_dirty = true;
        self.next(v, Some(t));
    }

    /// exit() by thread t: the other threads are stopped (they trap back
    /// and die, see one_trap), then the process is a zombie.
    fn emulated_exit(&mut self, v: usize, t: usize) {
        let p = self.threads[t].proc;
        self.procs[p].exiting = true;
        self.thread_gone(t);
        let others: Vec<usize> = self.procs[p].threads.clone();
        for o in others {
            if !matches!(self.threads[o].state, TState::Running(_)) {
                self.thread_gone(o);
            }
        }
        if self.procs[p].threads.is_empty() {
            self.proc_exited(v, p);
        }
        self.next(v, None);
    }

    /// wait4 in some process (a syscall, or the idle vcpu's vkernel
    /// thread finishing one): the zombie's vmspace is freed.
    fn reap(&mut self, v: usize) -> bool {
        let Some(z) = self.procs.iter().position(|p| p.state == PState::Zombie) else {
            return false;
        };
        self.procs[z].state = PState::Reaped;
        if self.procs[z].borrowed {
            return true;
        }
        let s = self.procs[z].space;
        self.spaces[s].users -= 1;
        if self.spaces[s].users == 0 {
            self.vmspace_free(v, s);
        }
        true
    }

    fn tick(&mut self) {
        self.ticks += 1;
        let v = self.rng.below(self.vcpus.len() as u64) as usize;
        if self.vcpus[v].is_some() {
            return self.one_trap(v);
        }
        if self.rng.below(100) < 40 && self.reap(v) {
            return;
        }
        if let Some(t) = self.pick_runnable() {
            return self.run(v, t);
        }
        if self.vcpus.iter().all(|x| x.is_none()) && self.created < self.cfg.procs {
            // Everyone asleep: input for a daemon (init's respawn, a shell).
            let sleeping: Vec<usize> = (0..self.threads.len())
                .filter(|&t| {
                    self.threads[t].state == TState::Blocked
                        && self.procs[self.threads[t].proc].daemon
                        && self.procs[self.threads[t].proc].state == PState::Live
                })
                .collect();
            if let Some(&t) = sleeping.get(self.rng.below(sleeping.len().max(1) as u64) as usize) {
                let b = self.budget();
                self.procs[self.threads[t].proc].traps_left = b;
                self.wake(t);
            }
        }
    }

    fn summary(&self) -> String {
        let mut out = format!("created {} vcpus {:?} runq {:?}\n", self.created, self.vcpus, self.runq);
        for (i, p) in self.procs.iter().enumerate().filter(|(_, p)| p.state != PState::Reaped) {
            out += &format!(
                "proc {i}: {:?} daemon={} exiting={} left={} space={} users={} waiter={:?} threads={:?}\n",
                p.state,
                p.daemon,
                p.exiting,
                p.traps_left,
                p.space,
                self.spaces[p.space].users,
                p.vfork_waiter,
                p.threads.iter().map(|&t| self.threads[t].state).collect::<Vec<_>>()
            );
        }
        out
    }

    fn busy(&self) -> bool {
        self.vcpus.iter().any(|x| x.is_some()) || !self.runq.is_empty()
    }

    /// Runs the vkernel's life: boot, emulated processes until `procs` were
    /// created and the non-daemons have exited, then the vkernel's end.
    pub fn simulate(&mut self) {
        self.boot();
        let cap = 1_000_000 + 100 * (self.cfg.procs as u64) * (self.cfg.traps as u64 + 10);
        loop {
            assert!(self.ticks < cap, "replay: the simulated vkernel does not settle: {}", self.summary());
            let done_creating = self.created >= self.cfg.procs;
            match self.cfg.ending {
                Ending::Halt if done_creating && !self.busy() => break,
                Ending::Kill
                    if done_creating
                        && self.vcpus.iter().filter(|x| x.is_some()).count() * 2 >= self.vcpus.len()
                        && (self.vcpus.len() == 1 || self.vcpus[1..].iter().any(Option::is_some)) =>
                {
                    break
                }
                Ending::Kill if done_creating && !self.busy() => break,
                _ => {}
            }
            self.tick();
        }
        self.end();
    }

    /// The vkernel process ends.
    ///
    /// Halt (shutdown -p, halt): vcpus are idle in vkernel context; the APs
    /// and cothreads lwp_exit, then vcpu0 exit1s: vkernel_lwp_exit and
    /// vkernel_exit, which deletes every vmspace still there (init's at
    /// least).
    ///
    /// Kill (SIGKILL, or shutdown while busy): exit1's killalllwps makes the
    /// other vcpus lwp_exit from userret while they run emulated code (the
    /// "killed with active VC" path); vcpu0 took the signal through
    /// postsig's intercept first.
    fn end(&mut self) {
        if self.cfg.ending == Ending::Kill && self.vcpus.len() > 1 && self.vcpus[1..].iter().all(Option::is_none) {
            // Killed while busy: some AP runs emulated code (a daemon woken
            // if nothing else is left).
            let live = (0..self.threads.len()).find(|&t| {
                matches!(self.threads[t].state, TState::Runnable | TState::Blocked)
                    && self.procs[self.threads[t].proc].state == PState::Live
            });
            if let Some(t) = live {
                self.threads[t].state = TState::Runnable;
                self.run(1, t);
            }
        }
        if self.vcpus[0].is_some() {
            self.trap_out(0, 0, 0, 0, "host: kern_sig.c:postsig -> vkernel_trap (fatal signal)");
        }
        for v in 1..self.vcpus.len() {
            let running = self.vcpus[v].is_some();
            let label = if running {
                "host: kern_exit.c:lwp_exit (killalllwps, in emulated mode)"
            } else {
                "host: kern_exit.c:lwp_exit"
            };
            let has = self.vklp[v];
            self.call(Some(v), label, vec![], Step::LwpExit { pid: VK, tid: Self::tid(v) }, Expect::Called(has));
        }
        for &c in &COTHREADS {
            self.call(
                None,
                "host: kern_exit.c:lwp_exit (cothread)",
                vec![],
                Step::LwpExit { pid: VK, tid: c },
                Expect::Called(false),
            );
        }
        self.call(Some(0), "host: kern_exit.c:exit1", vec![], Step::Exit { pid: VK, tid: 1 }, Expect::Called(true));
        self.call(
            None,
            "host: kern_exit.c:exit1 (the launcher)",
            vec![],
            Step::Exit { pid: LAUNCHER, tid: 1 },
            Expect::Called(false),
        );
    }
}
