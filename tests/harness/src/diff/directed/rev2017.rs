//! The directed set of the 2017 revision, 22b7a3dbf6 (DragonFly 5.0 to
//! 5.8): the paths that c2e7bb204e's set does not take, each step with the
//! outcome `vm_vmspace@22b7a3dbf6.c` gives it, derived from reading that
//! file (line numbers below are its own).
//!
//! What is new in that file is the reference protocol: `ve->refs` counts
//! active users (a lookup's reference, an LWP running in the entry) with
//! `VKE_REF_DELETED` set once the entry is deleted; `ve->cache_refs` counts
//! the tree's reference (1 while the entry is on the tree and not deleted)
//! and one per LWP that has the entry in `vklp->ve_cache`; its last drop
//! frees the entry.  Lookups (`vkernel_find_vmspace`) try the LWP's cache
//! first, without any token, then the tree under a shared `vkp->token`
//! (exclusive, already held, for destroy).  Atomics are not traced: what
//! shows is the tokens taken (`lwkt_gettoken_shared` for a cache miss,
//! nothing for a hit), the kfree of an entry (in whichever call drops its
//! last cache reference) and the counts in the dump (`refs=0x..
//! cache_refs=..`, `vklp#n ve_cache=..`).
//!
//! These scenarios are in `directed::all()` when the harness is built for a
//! 2017 revision (cfg `rev_2017`); their expectations are checked at
//! 22b7a3dbf6 only.  Every directed scenario of c2e7bb204e runs there too
//! (without its expectations, which are the 2016 file's): between them
//! they reach every line of the 2017 file that a call sequence can reach
//! (docs/diff.md, "Coverage of the 2017 file").
//!
//! The known defect of 22b7a3dbf6 (docs/sched.md, "22b7a3dbf6"):
//! `sys_vmspace_destroy`'s EBUSY path keeps the lookup's active reference.
//! The port fixes it (an allowed divergence, `destroy-ebusy-leak`,
//! `diff::AllowedDivergence::DestroyEbusyLeak`): the scenarios that reach
//! it say what each side does with `Check::COnly` / `Check::PortOnly`.

use super::*;

/// The revision these expectations are derived from.
pub const REV: &str = "22b7a3dbf6";

// Sizes at 22b7a3dbf6 (../shared/reference/upstream/README.md).
const VKP_SIZE: u32 = 72;
const VE_SIZE: u32 = 64;
const VKLP_SIZE: u32 = 264;

fn new(name: &'static str, ncpu: usize) -> Directed {
    Directed::new_rev(name, ncpu, REV)
}

fn destroy(pid: Pid, tid: Tid, id: u64) -> Step {
    Step::Destroy { pid, tid, id }
}

/// mmap of `len` bytes at `addr` by LWP pid.tid (ANON|VPAGETABLE|FIXED).
fn mmap_by(pid: Pid, tid: Tid, id: u64, addr: u64, len: u64) -> Step {
    let flags = (ffi::MAP_ANON | ffi::MAP_VPAGETABLE | ffi::MAP_FIXED) as i32;
    Step::Mmap { pid, tid, id, addr, len, prot: RW, flags, fd: -1, offset: 0 }
}

/// The trace record of that mmap's kern_mmap on vmspace#vm.
fn kern_mmap_line(pid: Pid, tid: Tid, vm: u32, addr: u64, len: u64) -> String {
    format!(
        "kern_mmap(vmspace#{vm}, {}, {}, 0x3, 0x3010, -1, 0x0, uap#{pid}.{tid}) = 0 *res={}",
        hex(addr),
        hex(len),
        hex(addr)
    )
}

/// A cache miss: the tree searched under a shared vkp->token (lines
/// 689-700).
fn shared_lookup() -> Vec<String> {
    vec!["lwkt_gettoken_shared(vkp#0.token)".into(), "lwkt_reltoken(vkp#0.token)".into()]
}

/// The first vmspace_create of process `pid`: vkernel_proc vkp#vkp, entry
/// ve#ve on vmspace#vm (lines 96-133).
fn create_trace(pid: Pid, vkp: u32, ve: u32, vm: u32) -> Vec<String> {
    let mut v = vec![
        format!("kmalloc({VKP_SIZE}, vkernel, M_WAITOK|M_ZERO) = vkp#{vkp}"),
        format!("lwkt_gettoken(proc#{pid}.p_token)"),
        format!("lwkt_token_init(vkp#{vkp}.token, \"vkernel\")"),
        format!("lwkt_reltoken(proc#{pid}.p_token)"),
    ];
    v.extend(entry_trace(ve, vm));
    v
}

/// A further vmspace_create: the entry only.
fn entry_trace(ve: u32, vm: u32) -> Vec<String> {
    vec![
        format!("kmalloc({VE_SIZE}, vkernel, M_WAITOK|M_ZERO) = ve#{ve}"),
        format!("vmspace_alloc(0x0, {}) = vmspace#{vm}", hex(vm_max())),
        format!("pmap_pinit2(vmspace#{vm}.vm_pmap)"),
        "lwkt_gettoken(vkp#0.token)".into(),
        "lwkt_reltoken(vkp#0.token)".into(),
    ]
}

/// vmspace_entry_delete's teardown of vmspace#vm (lines 587-594), without
/// the kfree (which is the last cache reference's business).
fn teardown(vm: u32) -> Vec<String> {
    vec![
        format!("pmap_remove_pages(vmspace#{vm}.vm_pmap, 0x0, {})", hex(vm_max())),
        format!("vm_map_remove(vmspace#{vm}, 0x0, {}) = 0", hex(vm_max())),
        format!("vmspace_rel(vmspace#{vm})"),
    ]
}

/// A successful destroy of the entry on vmspace#vm; `kfree` names the entry
/// when its last cache reference goes with it (no LWP caches it).
fn destroy_trace(vm: u32, kfree: Option<u32>) -> Vec<String> {
    let mut v = vec!["lwkt_gettoken(vkp#0.token)".to_string()];
    v.extend(teardown(vm));
    if let Some(ve) = kfree {
        v.push(format!("kfree(ve#{ve}, vkernel)"));
    }
    v.push("lwkt_reltoken(vkp#0.token)".into());
    v
}

/// A successful VMSPACE_CTL_RUN of pid.tid into the entry on vmspace#vm
/// (lines 198-263): `lookup` is what vkernel_find_vmspace traced (empty for
/// a cache hit), `pre` what comes between it and the register save (the
/// vkernel_lwp's kmalloc, the kfree of a cached entry dropped there).
fn run_trace(pid: Pid, tid: Tid, vklp: u32, vm: u32, lookup: &[String], pre: &[String]) -> Vec<String> {
    let mut v = lookup.to_vec();
    v.extend_from_slice(pre);
    v.push(format!("bcopy(frame#{pid}.{tid}, vklp#{vklp}, 200)"));
    v.push(format!("bcopy(td#{pid}.{tid}.td_tls, vklp#{vklp}.save_vextframe, 32)"));
    v.extend(load_ok(pid, tid));
    v.push(format!("pmap_setlwpvm(lwp#{pid}.{tid}, vmspace#{vm})"));
    v.push("set_user_TLS() fsbase=0x1111 gsbase=0x2222".into());
    v.push(format!("set_vkernel_fp(frame#{pid}.{tid}) virtfp=1"));
    v
}

fn alloc_vklp(vklp: u32) -> String {
    format!("kmalloc({VKLP_SIZE}, vkernel, M_WAITOK|M_ZERO) = vklp#{vklp}")
}

/// vkernel_trap of pid.tid (classic vkernel thread; lines 818-848), the
/// process's own vmspace vmspace#own.
fn trap_trace(pid: Pid, tid: Tid, vklp: u32, own: u32) -> Vec<String> {
    vec![
        format!("pmap_setlwpvm(lwp#{pid}.{tid}, vmspace#{own})"),
        format!("copyout(frame#{pid}.{tid}, {}, 200) = 0", hex(mem::tf())),
        format!("bcopy(vklp#{vklp}, frame#{pid}.{tid}, 200)"),
        format!("bcopy(vklp#{vklp}.save_vextframe, td#{pid}.{tid}.td_tls, 32)"),
        "set_user_TLS() fsbase=0x0 gsbase=0x0".into(),
        format!("cpu_vkernel_trap(frame#{pid}.{tid}, 0)"),
    ]
}

/// The dump line of entry ve#ve with id `id`: active refs (hex, with
/// VKE_REF_DELETED 0x80000000), cache refs, vmspace#vm.
fn ve_line(ve: u32, id: u64, refs: u32, cache: u32, vm: u32) -> String {
    format!("ve#{ve} id={} refs={refs:#x} cache_refs={cache} flags=0x0 vmspace=vmspace#{vm}", hex(id))
}

fn cache_line(vklp: u32, ve: Option<u32>) -> String {
    match ve {
        Some(n) => format!("vklp#{vklp} ve_cache=ve#{n}"),
        None => format!("vklp#{vklp} ve_cache=NULL"),
    }
}

/// Every sequential directed scenario of 22b7a3dbf6.
pub fn all() -> Vec<Directed> {
    vec![
        cache_protocol(),
        stale_hit_then_new_entry(),
        cache_switch(),
        lwp_exit_drops_cache(),
        exit_with_cached_entries(),
        guest_thread_2017(),
        destroy_ebusy_leak(),
        destroy_ebusy_then_destroy(),
    ]
}

/// One LWP through the whole protocol: the first lookup misses (shared
/// token), ctl caches the entry, later lookups hit the cache (no token at
/// all), destroy by the caching LWP leaves the entry allocated (its cache
/// reference), and the next lookup of that id finds it stale and frees it.
fn cache_protocol() -> Directed {
    let mut d = new("2017: the per-LWP cache: miss, hit, destroy with the entry cached, stale hit", 1);
    d.proc(1, 1);
    let a = mem::id(0);
    d.step(create(1, 1, a))
        .ret(0)
        .trace(&strs(&create_trace(1, 0, 0, 1)))
        .dump_has("vkp#0 refs=1 vkernel_cr3=0x0 token=free")
        // Not referenced; the tree's cache reference (line 121).
        .dump_has(ve_line(0, a, 0, 1, 1))
        .check(Check::KmemLive(2));
    // No vkernel_lwp yet: the tree under the shared token; RUN then makes
    // the vkernel_lwp, caches the entry (cache_refs 2) and runs in it (refs 1).
    d.step(ctl(1, 1, a, RUN))
        .ret(EJUSTRETURN)
        .trace(&strs(&run_trace(1, 1, 0, 1, &shared_lookup(), &[alloc_vklp(0)])))
        .check(Check::Frame { pid: 1, tid: 1, frame: guest_frame() })
        .dump_has(ve_line(0, a, 1, 2, 1))
        .dump_has(format!("vklp#0 ve=ve#0 user_trapframe={}", hex(mem::tf())))
        .dump_has(cache_line(0, Some(0)));
    d.step(Step::Trap { pid: 1, tid: 1, frame: None })
        .called(true)
        .trace(&strs(&trap_trace(1, 1, 0, 0)))
        .dump_has(ve_line(0, a, 0, 2, 1))
        .dump_has("vklp#0 ve=NULL")
        .dump_has(cache_line(0, Some(0)));
    // Cache hits (lines 660-673): no token taken, the entry already cached.
    d.step(ctl(1, 1, a, RUN))
        .ret(EJUSTRETURN)
        .trace(&strs(&run_trace(1, 1, 0, 1, &[], &[])))
        .dump_has(ve_line(0, a, 1, 2, 1));
    d.step(Step::Trap { pid: 1, tid: 1, frame: None }).called(true).dump_has(ve_line(0, a, 0, 2, 1));
    d.step(mmap_by(1, 1, a, 0x10000, 0x4000))
        .ret(0)
        .sysmsg(0x10000)
        .trace(&[&kern_mmap_line(1, 1, 1, 0x10000, 0x4000)])
        .dump_has(ve_line(0, a, 0, 2, 1));
    d.step(Step::SetFrame { pid: 1, tid: 1, frame: kernel_frame() });
    d.step(mcontrol(a, 0x11000, 0x1000, ffi::MADV_INVAL as i32, 0))
        .ret(0)
        .trace(&["vm_map_madvise(vmspace#1, 0x11000, 0x12000, 10, 0x0) = 0"]);
    d.step(mcontrol(a, 0x11000, 0x1000, -1, 0)).ret(EINVAL).trace(&[]);
    d.step(munmap(a, 0x13000, 0x1000)).ret(0).trace(&[
        "vm_map_check_protection(vmspace#1, 0x13000, 0x14000, 0x0, 0) = 1",
        "vm_map_remove(vmspace#1, 0x13000, 0x14000) = 0",
    ]);
    d.step(munmap(a, 0x13000, 0x1000))
        .ret(EINVAL)
        .trace(&["vm_map_check_protection(vmspace#1, 0x13000, 0x14000, 0x0, 0) = 0"]);
    d.step(Step::Pread { pid: 1, tid: 1, id: a, buf: 0, nbyte: 0, flags: 0, offset: 0 }).ret(EINVAL).trace(&[]);
    d.step(Step::Pwrite { pid: 1, tid: 1, id: a, buf: 0, nbyte: 0, flags: 0, offset: 0 }).ret(EINVAL).trace(&[]);
    // Another id: the cached entry does not match, the tree is searched.
    d.step(mmap_by(1, 1, mem::id(1), 0x10000, 0x1000)).ret(ENOENT).trace(&strs(&shared_lookup()));
    d.step(Step::SetFrame { pid: 1, tid: 1, frame: kernel_frame() });
    d.step(ctl(1, 1, mem::id(1), RUN)).ret(ENOENT).trace(&strs(&shared_lookup())).dump_has(cache_line(0, Some(0)));
    d.step(Step::SetFrame { pid: 1, tid: 1, frame: kernel_frame() });
    // Destroy by the LWP that caches the entry: its lookup hits the cache
    // (under the exclusive token destroy took); the entry is deleted
    // (VKE_REF_DELETED), off the tree, its vmspace released, and the
    // tree's cache reference dropped: the LWP's keeps the entry allocated.
    d.step(destroy(1, 1, a))
        .ret(0)
        .trace(&strs(&destroy_trace(1, None)))
        .dump_lacks("ve#0 id=")
        .dump_has(cache_line(0, Some(0)))
        .check(Check::KmemLive(3))
        .check(Check::VmspaceLive(1));
    // A stale hit (lines 669-681): the cached entry has the id but
    // VKE_REF_DELETED: the cache is cleared, the last cache reference
    // dropped (kfree), and the tree searched: ENOENT.
    d.step(mmap_by(1, 1, a, 0x10000, 0x1000))
        .ret(ENOENT)
        .trace(&["kfree(ve#0, vkernel)", "lwkt_gettoken_shared(vkp#0.token)", "lwkt_reltoken(vkp#0.token)"])
        .dump_has(cache_line(0, None))
        .check(Check::KmemLive(2));
    // A vkernel_lwp with an empty cache: the tree.
    d.step(Step::SetFrame { pid: 1, tid: 1, frame: kernel_frame() });
    d.step(destroy(1, 1, a)).ret(ENOENT).trace(&["lwkt_gettoken(vkp#0.token)", "lwkt_reltoken(vkp#0.token)"]);
    d.step(Step::Exit { pid: 1, tid: 1 })
        .called(true)
        // An empty tree: RB_SCAN takes no spinlock.
        .trace(&[
            "kfree(vklp#0, vkernel)",
            "lwkt_gettoken(vkp#0.token)",
            "lwkt_reltoken(vkp#0.token)",
            "kfree(vkp#0, vkernel)",
        ])
        .check(Check::KmemLive(0));
    d
}

/// Another LWP's cache: LWP 1.2 ran in A and trapped out; LWP 1.1 (no
/// vkernel_lwp) destroys A and creates A again; 1.2's next lookup of A
/// hits its stale cache, frees the old entry and finds the new one in the
/// tree.
fn stale_hit_then_new_entry() -> Directed {
    let mut d = new("2017: stale cache hit on a deleted entry, then the new entry of that id from the tree", 1);
    d.proc(1, 2);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    d.step(ctl(1, 2, a, RUN)).ret(EJUSTRETURN).trace(&strs(&run_trace(1, 2, 0, 1, &shared_lookup(), &[alloc_vklp(0)])));
    d.step(Step::Trap { pid: 1, tid: 2, frame: None }).called(true).trace(&strs(&trap_trace(1, 2, 0, 0)));
    // Destroy with a cache reference outstanding: no kfree.
    d.step(destroy(1, 1, a))
        .ret(0)
        .trace(&strs(&destroy_trace(1, None)))
        .dump_lacks("ve#0 id=")
        .dump_has(cache_line(0, Some(0)))
        .check(Check::KmemLive(3));
    d.step(create(1, 1, a)).ret(0).trace(&strs(&entry_trace(1, 2))).dump_has(ve_line(1, a, 0, 1, 2));
    // Stale hit, kfree of the old entry, then the tree: the new one.
    let mut t = vec!["kfree(ve#0, vkernel)".to_string()];
    t.extend(shared_lookup());
    t.push(kern_mmap_line(1, 2, 2, 0x10000, 0x1000));
    d.step(mmap_by(1, 2, a, 0x10000, 0x1000))
        .ret(0)
        .trace(&strs(&t))
        .dump_has(cache_line(0, None))
        .dump_has(ve_line(1, a, 0, 1, 2))
        .check(Check::KmemLive(3));
    // An empty cache: the tree again (mmap does not cache).
    let mut t = shared_lookup();
    t.push(kern_mmap_line(1, 2, 2, 0x20000, 0x1000));
    d.step(mmap_by(1, 2, a, 0x20000, 0x1000)).ret(0).trace(&strs(&t)).dump_has(cache_line(0, None));
    // RUN caches the new entry; nothing to drop.
    d.step(Step::SetFrame { pid: 1, tid: 2, frame: kernel_frame() });
    d.step(ctl(1, 2, a, RUN))
        .ret(EJUSTRETURN)
        .trace(&strs(&run_trace(1, 2, 0, 2, &shared_lookup(), &[])))
        .dump_has(ve_line(1, a, 1, 2, 2))
        .dump_has(cache_line(0, Some(1)));
    d.step(Step::Trap { pid: 1, tid: 2, frame: None }).called(true).dump_has(ve_line(1, a, 0, 2, 2));
    d
}

/// RUN into another entry moves the LWP's cache (lines 218-223): the new
/// entry gets a cache reference, the old one loses it, and when the old
/// one was destroyed meanwhile that drop frees it.
fn cache_switch() -> Directed {
    let mut d = new("2017: ctl RUN into another entry drops the cached one (and frees it once destroyed)", 1);
    d.proc(1, 2);
    let (a, b) = (mem::id(0), mem::id(1));
    d.step(create(1, 1, a)).ret(0);
    d.step(create(1, 1, b)).ret(0).dump_has(ve_line(1, b, 0, 1, 2));
    d.step(ctl(1, 2, a, RUN)).ret(EJUSTRETURN).dump_has(cache_line(0, Some(0)));
    d.step(Step::Trap { pid: 1, tid: 2, frame: None }).called(true);
    // A cached, B asked for: a miss; B cached, A's cache reference dropped.
    d.step(ctl(1, 2, b, RUN))
        .ret(EJUSTRETURN)
        .trace(&strs(&run_trace(1, 2, 0, 2, &shared_lookup(), &[])))
        .dump_has(ve_line(0, a, 0, 1, 1))
        .dump_has(ve_line(1, b, 1, 2, 2))
        .dump_has(cache_line(0, Some(1)));
    d.step(Step::Trap { pid: 1, tid: 2, frame: None }).called(true).dump_has(ve_line(1, b, 0, 2, 2));
    // B destroyed by 1.1 while 1.2 caches it: deleted, still allocated.
    d.step(destroy(1, 1, b)).ret(0).trace(&strs(&destroy_trace(2, None))).check(Check::KmemLive(4));
    // Back to A: the drop of B's cache reference is its last: kfree there.
    d.step(ctl(1, 2, a, RUN))
        .ret(EJUSTRETURN)
        .trace(&strs(&run_trace(1, 2, 0, 1, &shared_lookup(), &["kfree(ve#1, vkernel)".into()])))
        .dump_has(ve_line(0, a, 1, 2, 1))
        .dump_has(cache_line(0, Some(0)))
        .check(Check::KmemLive(3));
    d.step(Step::Trap { pid: 1, tid: 2, frame: None }).called(true);
    // A miss with an entry cached: ENOENT, the cache kept.
    d.step(ctl(1, 2, b, RUN))
        .ret(ENOENT)
        .trace(&strs(&shared_lookup()))
        .check(Check::Frame { pid: 1, tid: 2, frame: frame_after_error(ENOENT) })
        .dump_has(cache_line(0, Some(0)));
    d.step(Step::SetFrame { pid: 1, tid: 2, frame: kernel_frame() });
    // The caching LWP destroys its own cached entry, then asks for it
    // again: the stale hit frees it (destroy's lookup takes the cache path
    // too), and the tree has nothing.
    d.step(destroy(1, 2, a)).ret(0).trace(&strs(&destroy_trace(1, None))).check(Check::KmemLive(3));
    d.step(destroy(1, 2, a))
        .ret(ENOENT)
        .trace(&["lwkt_gettoken(vkp#0.token)", "kfree(ve#0, vkernel)", "lwkt_reltoken(vkp#0.token)"])
        .dump_has(cache_line(0, None))
        .check(Check::KmemLive(2));
    d
}

/// vkernel_lwp_exit drops the LWP's cache reference (lines 787-790): on a
/// live entry it only counts down; on a destroyed one it frees the entry.
/// An LWP killed while running in an entry drops its active reference
/// first (the warning of lines 773-780).
fn lwp_exit_drops_cache() -> Directed {
    let mut d = new("2017: vkernel_lwp_exit drops the cache reference", 1);
    d.proc(1, 3);
    let (a, b) = (mem::id(0), mem::id(1));
    d.step(create(1, 1, a)).ret(0);
    for (tid, vklp) in [(2, 0), (3, 1)] {
        d.step(ctl(1, tid, a, RUN)).ret(EJUSTRETURN).dump_has(cache_line(vklp, Some(0)));
        d.step(Step::Trap { pid: 1, tid, frame: None }).called(true);
    }
    // On the tree and in two caches.
    d.steps.last_mut().unwrap().dump_has(ve_line(0, a, 0, 3, 1));
    d.step(Step::LwpExit { pid: 1, tid: 2 })
        .called(true)
        .trace(&["kfree(vklp#0, vkernel)"])
        .dump_has(ve_line(0, a, 0, 2, 1))
        .dump_lacks("lwp#1.2");
    d.step(destroy(1, 1, a)).ret(0).trace(&strs(&destroy_trace(1, None))).check(Check::KmemLive(3));
    // The last cache reference: the entry goes with the vkernel_lwp.
    d.step(Step::LwpExit { pid: 1, tid: 3 })
        .called(true)
        .trace(&["kfree(ve#0, vkernel)", "kfree(vklp#1, vkernel)"])
        .check(Check::KmemLive(1));
    // Killed while running in B: the active reference, then the cache one.
    d.step(create(1, 1, b)).ret(0);
    d.step(ctl(1, 1, b, RUN)).ret(EJUSTRETURN).dump_has(ve_line(1, b, 1, 2, 2));
    d.step(Step::LwpExit { pid: 1, tid: 1 })
        .called(true)
        .trace(&[
            "kprintf(\"Warning, pid 1 killed with active VC!|\") = 38",
            "pmap_setlwpvm(lwp#1.1, vmspace#0)",
            "kfree(vklp#2, vkernel)",
        ])
        .check(Check::Kprintf("Warning, pid 1 killed with active VC!\n".into()))
        .dump_has(ve_line(1, b, 0, 1, 2))
        .check(Check::KmemLive(2));
    d
}

/// Exit with entries cached, across a fork: the parent's exit drops its
/// LWP's cache reference only (the child still holds the vkernel_proc);
/// the child's exit drops the last cache reference of an entry the parent
/// destroyed (kfree in vkernel_lwp_exit), then deletes what is left on the
/// tree (rb_vmspace_delete, lines 541-550).
fn exit_with_cached_entries() -> Directed {
    let mut d = new("2017: exit with cached entries, a fork sharing the vkernel_proc", 1);
    d.proc(1, 1);
    let (a, b) = (mem::id(0), mem::id(1));
    d.step(create(1, 1, a)).ret(0);
    d.step(create(1, 1, b)).ret(0);
    d.step(ctl(1, 1, a, RUN)).ret(EJUSTRETURN);
    d.step(Step::Trap { pid: 1, tid: 1, frame: None }).called(true);
    d.step(Step::Fork { pid: 1, tid: 1, child: 2, child_tid: 1 }).called(true).trace(&[]).dump_has("vkp#0 refs=2");
    d.step(Step::SetFrame { pid: 2, tid: 1, frame: kernel_frame() });
    d.step(Step::UserWrite { pid: 2, addr: mem::tf(), bytes: bytes(&guest_frame()) });
    d.step(Step::UserWrite { pid: 2, addr: mem::vf(), bytes: bytes(&vextframe { vx_tls: guest_tls() }) });
    // The child's LWP has no vkernel_lwp: a miss, then B cached.
    d.step(ctl(2, 1, b, RUN))
        .ret(EJUSTRETURN)
        .trace_has(&alloc_vklp(1))
        .dump_has(ve_line(1, b, 1, 2, 2))
        .dump_has(cache_line(1, Some(1)));
    d.step(Step::Trap { pid: 2, tid: 1, frame: None }).called(true);
    // The parent destroys B (its own cache holds A: a miss, the tree).
    d.step(destroy(1, 1, b)).ret(0).trace(&strs(&destroy_trace(2, None))).check(Check::KmemLive(5));
    // The parent leaves: its LWP's cache reference on A goes, the
    // vkernel_proc stays (the child's reference).
    d.step(Step::Exit { pid: 1, tid: 1 })
        .called(true)
        .trace(&["kfree(vklp#0, vkernel)"])
        .dump_has("vkp#0 refs=1")
        .dump_has(ve_line(0, a, 0, 1, 1))
        .check(Check::KmemLive(4));
    // The child leaves: B's last cache reference (kfree), then A deleted
    // from the tree, then the vkernel_proc.
    let mut t = vec![
        "kfree(ve#1, vkernel)".to_string(),
        "kfree(vklp#1, vkernel)".into(),
        "lwkt_gettoken(vkp#0.token)".into(),
        "rb_spin_lock(vkp#0.root.rbh_spin)".into(),
        "rb_spin_unlock(vkp#0.root.rbh_spin)".into(),
    ];
    t.extend(teardown(1));
    t.extend([
        "kfree(ve#0, vkernel)".to_string(),
        "rb_spin_lock(vkp#0.root.rbh_spin)".into(),
        "rb_spin_unlock(vkp#0.root.rbh_spin)".into(),
        "lwkt_reltoken(vkp#0.token)".into(),
        "kfree(vkp#0, vkernel)".into(),
    ]);
    d.step(Step::Exit { pid: 2, tid: 1 }).called(true).trace(&strs(&t)).check(Check::KmemLive(0));
    d
}

/// A VMM guest thread never looks an entry up and never caches one; at
/// this revision its vkernel_lwp_exit only clears `vklp->ve` (the id),
/// DragonFly's fix of the td_vmm defect (e1ea8b243e predates the 2017
/// rewrite).  A thread that stops being a guest has a vkernel_lwp with an
/// empty cache: its lookups go to the tree.
fn guest_thread_2017() -> Directed {
    let mut d = new("2017: a VMM guest: no lookup, no cache; LWP exit clears vklp->ve", 1);
    d.proc(1, 2);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    d.step(Step::SetTdVmm { pid: 1, tid: 2, on: true });
    let mut t = vec![
        alloc_vklp(0),
        "bcopy(frame#1.2, vklp#0, 200)".into(),
        "bcopy(td#1.2.td_tls, vklp#0.save_vextframe, 32)".into(),
    ];
    t.extend(load_ok(1, 2));
    t.extend([
        format!("vmm_vm_set_guest_cr3({})", hex(a)),
        "set_user_TLS() fsbase=0x1111 gsbase=0x2222".into(),
        "set_vkernel_fp(frame#1.2) virtfp=1".into(),
    ]);
    d.step(ctl(1, 2, a, RUN))
        .ret(EJUSTRETURN)
        .trace(&strs(&t))
        .dump_has(ve_line(0, a, 0, 1, 1))
        .dump_has(cache_line(0, None));
    d.step(Step::Trap { pid: 1, tid: 2, frame: None }).called(true).trace_has("vmm_vm_set_guest_cr3(0x0)");
    // No longer a guest (it runs no VMSPACE): a vkernel_lwp, no cache.
    d.step(Step::SetTdVmm { pid: 1, tid: 2, on: false });
    let mut t = shared_lookup();
    t.push(kern_mmap_line(1, 2, 1, 0x10000, 0x1000));
    d.step(mmap_by(1, 2, a, 0x10000, 0x1000)).ret(0).trace(&strs(&t));
    // A guest again, in its guest: LWP exit clears the id, no warning.
    d.step(Step::SetFrame { pid: 1, tid: 2, frame: kernel_frame() });
    d.step(Step::SetTdVmm { pid: 1, tid: 2, on: true });
    d.step(ctl(1, 2, a, RUN)).ret(EJUSTRETURN).trace_has(&format!("vmm_vm_set_guest_cr3({})", hex(a)));
    d.step(Step::LwpExit { pid: 1, tid: 2 })
        .called(true)
        .check(Check::NoFault)
        .trace(&["kfree(vklp#0, vkernel)"])
        .check(Check::Kprintf(String::new()))
        .dump_has(ve_line(0, a, 0, 1, 1));
    d
}

/// The known defect: sys_vmspace_destroy's EBUSY path (lines 158-163)
/// does not drop the reference vkernel_find_vmspace took.  LWP 1.2 runs in
/// A; 1.1's destroy gets EBUSY; in the C the entry keeps the lookup's
/// reference for good (refs 2, then 1 after the trap), and the vkernel's
/// exit panics in rb_vmspace_delete (line 548).  The port drops it (the
/// allowed divergence destroy-ebusy-leak): refs 1, then 0, a clean exit.
fn destroy_ebusy_leak() -> Directed {
    let mut d = new("2017: destroy EBUSY keeps the lookup's reference (allowed divergence destroy-ebusy-leak)", 1);
    d.proc(1, 2);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    d.step(ctl(1, 2, a, RUN)).ret(EJUSTRETURN).dump_has(ve_line(0, a, 1, 2, 1));
    d.step(destroy(1, 1, a))
        .ret(EBUSY)
        .trace(&["lwkt_gettoken(vkp#0.token)", "lwkt_reltoken(vkp#0.token)"])
        .check(Check::COnly(Box::new(Check::DumpHas(ve_line(0, a, 2, 2, 1)))))
        .check(Check::PortOnly(Box::new(Check::DumpHas(ve_line(0, a, 1, 2, 1)))));
    d.step(Step::Trap { pid: 1, tid: 2, frame: None })
        .called(true)
        .trace(&strs(&trap_trace(1, 2, 0, 0)))
        .check(Check::COnly(Box::new(Check::DumpHas(ve_line(0, a, 1, 2, 1)))))
        .check(Check::PortOnly(Box::new(Check::DumpHas(ve_line(0, a, 0, 2, 1)))));
    // Exit: 1.2's cache reference goes with its vkernel_lwp, then the
    // RB_SCAN: vmspace_entry_delete(ve, vkp, 0) wants refs == 0.
    d.step(Step::Exit { pid: 1, tid: 1 })
        .check(Check::COnly(Box::new(Check::Panic("rb_vmspace_delete: invalid refs 1".into()))))
        .check(Check::PortOnly(Box::new(Check::Called(true))))
        .check(Check::COnly(Box::new(Check::TraceHas("td#1.1 kfree(vklp#0, vkernel)".into()))))
        .check(Check::PortOnly(Box::new(Check::NoFault)))
        .check(Check::PortOnly(Box::new(Check::KmemLive(0))))
        .check(Check::PortOnly(Box::new(Check::VmspaceLive(0))));
    d
}

/// The same, then a second destroy once the LWP trapped out: the C's
/// leaked reference makes it EBUSY again (and leaks another), the port
/// deletes the entry; the C's exit then panics with refs 2.
fn destroy_ebusy_then_destroy() -> Directed {
    let mut d =
        new("2017: after an EBUSY destroy the C cannot destroy the entry (allowed divergence destroy-ebusy-leak)", 1);
    d.proc(1, 2);
    let a = mem::id(0);
    d.step(create(1, 1, a)).ret(0);
    d.step(ctl(1, 2, a, RUN)).ret(EJUSTRETURN);
    d.step(destroy(1, 1, a)).ret(EBUSY);
    d.step(Step::Trap { pid: 1, tid: 2, frame: None }).called(true);
    d.step(destroy(1, 1, a))
        .check(Check::COnly(Box::new(Check::Ret(EBUSY))))
        .check(Check::COnly(Box::new(Check::DumpHas(ve_line(0, a, 2, 2, 1)))))
        .check(Check::PortOnly(Box::new(Check::Ret(0))))
        .check(Check::PortOnly(Box::new(Check::Trace(
            destroy_trace(1, None).iter().map(|l| format!("td#1.1 {l}")).collect(),
        ))))
        .check(Check::PortOnly(Box::new(Check::DumpLacks("ve#0 id=".into()))));
    d.step(Step::Exit { pid: 1, tid: 1 })
        .check(Check::COnly(Box::new(Check::Panic("rb_vmspace_delete: invalid refs 2".into()))))
        .check(Check::PortOnly(Box::new(Check::Called(true))))
        .check(Check::PortOnly(Box::new(Check::NoFault)))
        .check(Check::PortOnly(Box::new(Check::TraceHas("td#1.1 kfree(ve#0, vkernel)".into()))))
        .check(Check::PortOnly(Box::new(Check::KmemLive(0))));
    d
}

// ---------------------------------------------------------------------------
// Concurrent directed scenarios at 22b7a3dbf6.

/// The create race of c2e7bb204e's set at this revision (lines 96-109:
/// unchanged but for the sizes): the loser frees its vkernel_proc.
fn create_race_2017() -> Concurrent {
    let mut d = new("concurrent: two first creates race for p_vkernel (2017)", 2);
    d.proc(1, 2);
    d.step(Step::SetCpu { pid: 1, tid: 2, cpu: 1 });
    Concurrent {
        setup: d,
        calls: vec![create(1, 1, mem::id(0)), create(1, 2, mem::id(1))],
        schedule: Schedule::RoundRobin,
        expect: |o, w| {
            if o.fault.is_some() || o.calls.iter().any(|c| c.ret != Some(0)) {
                return Err(format!(
                    "want both to succeed: {:?} {:?}",
                    o.fault,
                    o.calls.iter().map(|c| c.ret).collect::<Vec<_>>()
                ));
            }
            has(o, &format!("td#1.1 kmalloc({VKP_SIZE}, vkernel, M_WAITOK|M_ZERO) = vkp#0"))?;
            has(o, &format!("td#1.2 kmalloc({VKP_SIZE}, vkernel, M_WAITOK|M_ZERO) = vkp#1"))?;
            has(o, "td#1.2 kfree(vkp#1, vkernel)")?;
            let dump = o.dump.clone().unwrap_or_default();
            for want in
                ["p_vkernel=vkp#0".to_string(), ve_line(0, mem::id(0), 0, 1, 1), ve_line(1, mem::id(1), 0, 1, 2)]
            {
                if !dump.contains(&want) {
                    return Err(format!("dump lacks {want:?}:\n{dump}"));
                }
            }
            if w.kmem_live() != 3 {
                return Err(format!("want 3 live blocks (vkp, 2 ve), got {}", w.kmem_live()));
            }
            Ok(())
        },
    }
}

/// Destroy while an mmap sleeps in kern_mmap: the mmap's lookup (shared
/// token, released before kern_mmap) holds an active reference, so the
/// destroy's cmpset fails: EBUSY.  (The C then keeps the destroy's own
/// lookup reference: the allowed divergence; the refs are not checked
/// here, the sequential scenarios check both sides.)
fn destroy_during_mmap_2017() -> Concurrent {
    let mut d = new("concurrent: destroy while an mmap sleeps in kern_mmap (EBUSY, 2017)", 2);
    let m = mmap_on_second_cpu(&mut d);
    Concurrent {
        setup: d,
        calls: vec![m, Step::Destroy { pid: 1, tid: 1, id: mem::id(0) }],
        schedule: Schedule::FirstBlocksThenOthers,
        expect: |o, _| {
            let rets: Vec<_> = o.calls.iter().map(|c| c.ret).collect();
            if o.fault.is_some() || rets != [Some(0), Some(EBUSY)] {
                return Err(format!("want mmap 0 and destroy EBUSY, got {rets:?} {:?}", o.fault));
            }
            has(o, "td#1.2 lwkt_gettoken_shared(vkp#0.token)")?;
            has(o, "td#1.1 lwkt_gettoken(vkp#0.token)")?;
            Ok(())
        },
    }
}

/// exec while an mmap sleeps in kern_mmap holding its active reference:
/// rb_vmspace_delete's vmspace_entry_delete(ve, vkp, 0) fails and it
/// panics (line 548) — the same in the port, the reference is real.
fn exec_during_mmap_2017() -> Concurrent {
    let mut d = new("concurrent: exec while an mmap sleeps in kern_mmap (panic, 2017)", 2);
    let m = mmap_on_second_cpu(&mut d);
    Concurrent {
        setup: d,
        calls: vec![m, Step::Exec { pid: 1, tid: 1 }],
        schedule: Schedule::FirstBlocksThenOthers,
        expect: |o, _| match &o.fault {
            Some(f) if f.message.contains("panic in execve: rb_vmspace_delete: invalid refs 1") => {
                has(o, "td#1.1 lwkt_gettoken(vkp#0.token)")
            }
            f => Err(format!("want rb_vmspace_delete's panic, got {f:?}")),
        },
    }
}

/// The concurrent directed scenarios of the 2017 revisions.
pub fn concurrent() -> Vec<Concurrent> {
    vec![create_race_2017(), destroy_during_mmap_2017(), exec_during_mmap_2017()]
}
