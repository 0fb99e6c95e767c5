//! The entries of a vkernel's tree at 22b7a3dbf6 (DragonFly 5.0 to 5.8):
//! looked up through a per-lwp cache or under a *shared* `vkp->token`, with
//! two counters changed by atomics outside any token.
//!
//! - `ve->refs` counts active users ([`ActiveRef`]).  A lookup adds one
//!   (atomic_fetchadd_int) and gives the entry up if the count it read has
//!   `VKE_REF_DELETED` set.  Deletion swaps exactly the caller's count for
//!   `VKE_REF_DELETED` in one atomic_cmpset_int, under the exclusive token:
//!   it fails (EBUSY) while anyone else is active, and nobody becomes
//!   active after it.  So an active reference keeps the entry *and its
//!   vmspace*.
//! - `ve->cache_refs` owns the memory ([`CacheRef`]): one for being on the
//!   tree (from creation until deletion, which hands it to the deleter), one
//!   per lwp that caches the entry in `vklp->ve_cache`.  The last drop
//!   kfree()s the entry.  Deletion cannot free it itself: an lwp's cache
//!   may still point at it, and that lwp reads `ve->id` and `ve->refs` (to
//!   find the entry stale) until it drops its cache reference.

use super::object::{
    VkernelLwp, VkernelProc, Vmspace, VmspaceEntry, VmspaceId, VM_MAX_USER_ADDRESS, VM_MIN_USER_ADDRESS,
};
use super::sync::{atomic_point, rb_find_in, TokenGuard, VkpToken};
use super::vm::{kfree, kmalloc_zeroed, pmap_pinit2, vmspace_alloc, vmspace_rel};
use super::{kkassert, Cx, Kptr};
use crate::bindings as b;
use core::ffi::c_void;
use core::mem::{self, offset_of};
use core::ptr;
use core::sync::atomic::{AtomicU32, Ordering};

const VKE_REF_DELETED: u32 = b::VKE_REF_DELETED as u32;

/// `ve->refs` or `ve->cache_refs` (uint32_t), changed with locked
/// instructions like the C's atomic_*_int().
#[derive(Clone, Copy)]
pub(crate) struct Counter<'a>(Kptr<'a, u32>);

impl Counter<'_> {
    /// The count as an atomic, borrowed only for the operation at hand.
    fn atomic(&self) -> &AtomicU32 {
        // Whoever changes the count while others can see it does so atomically.
        // SAFETY: the count is live and aligned for 'a (Kptr), which outlasts the borrow.
        unsafe { AtomicU32::from_ptr(self.0.as_ptr()) }
    }

    /// The count (a plain read in the C).
    pub(crate) fn get(self) -> u32 {
        self.atomic().load(Ordering::Acquire)
    }

    fn point(self, op: &core::ffi::CStr) {
        atomic_point(self.0.as_ptr() as *const c_void, op);
    }

    /// atomic_add_int(&count, 1).
    fn add(self) {
        self.point(c"atomic_add_int");
        self.atomic().fetch_add(1, Ordering::SeqCst);
    }

    /// atomic_fetchadd_int(&count, v): the value before.
    fn fetchadd(self, v: u32) -> u32 {
        self.point(c"atomic_fetchadd_int");
        self.atomic().fetch_add(v, Ordering::SeqCst)
    }

    /// atomic_cmpset_int(&count, old, new).
    fn cmpset(self, old: u32, new: u32) -> bool {
        self.point(c"atomic_cmpset_int");
        self.atomic().compare_exchange(old, new, Ordering::SeqCst, Ordering::SeqCst).is_ok()
    }
}

impl<'a> VmspaceEntry<'a> {
    pub(crate) fn refs(self) -> Counter<'a> {
        Counter(self.member(offset_of!(b::vmspace_entry, refs)))
    }

    fn cache_refs(self) -> Counter<'a> {
        Counter(self.member(offset_of!(b::vmspace_entry, cache_refs)))
    }

    pub(crate) fn id(self) -> VmspaceId {
        VmspaceId(get!(self, id))
    }
}

/// An active reference on `ve->refs`, taken on an entry not deleted: the
/// entry and its vmspace stay while it exists.  Dropping it is
/// vmspace_entry_drop(), atomic_fetchadd_int(&ve->refs, -1), which never
/// frees (the cache references decide that).
#[must_use = "the reference is dropped at once otherwise"]
pub(crate) struct ActiveRef<'v>(VmspaceEntry<'v>);

impl<'v> ActiveRef<'v> {
    pub(crate) fn entry(&self) -> VmspaceEntry<'_> {
        self.0
    }

    /// `ve->vmspace`: set until deletion, which fails while this reference
    /// is active.
    pub(crate) fn vmspace(&self) -> Vmspace<'_> {
        let p = get!(self.0, vmspace);
        // Set at creation, released only by a deletion, which this active
        // reference prevents.
        // SAFETY: as said.
        unsafe { Vmspace::from_raw_nonnull(p) }
    }

    /// `ve->vmspace != NULL`: KKASSERT(ve->vmspace) of a cache hit.
    pub(crate) fn has_vmspace(&self) -> bool {
        !get!(self.0, vmspace).is_null()
    }

    /// vmspace_entry_cache_ref(ve): atomic_add_int(&ve->cache_refs, 1).
    pub(crate) fn cache_ref(&self) -> CacheRef<'v> {
        self.0.cache_refs().add();
        CacheRef(self.0)
    }

    /// atomic_add_int(&ve->refs, 1): another active reference, the one
    /// `vklp->ve` holds while the lwp runs in the entry.
    pub(crate) fn add_ref(&self) -> ActiveRef<'v> {
        self.0.refs().add();
        ActiveRef(self.0)
    }

    fn into_raw(self) -> VmspaceEntry<'v> {
        let ve = self.0;
        mem::forget(self);
        ve
    }
}

impl Drop for ActiveRef<'_> {
    /// vmspace_entry_drop(ve).
    fn drop(&mut self) {
        self.0.refs().fetchadd(u32::MAX);
    }
}

/// A count taken by a lookup on an entry found deleted: dropped at once
/// (vmspace_entry_drop()), it gives no access to the entry.
#[must_use = "the count is dropped at once otherwise"]
pub(crate) struct DeletedRef<'v>(VmspaceEntry<'v>);

impl Drop for DeletedRef<'_> {
    /// vmspace_entry_drop(ve).
    fn drop(&mut self) {
        self.0.refs().fetchadd(u32::MAX);
    }
}

/// atomic_fetchadd_int(&ve->refs, 1) on an entry whose memory `'v` keeps:
/// an active reference, or the count to drop if the entry was deleted.
fn activate<'v>(ve: VmspaceEntry<'v>) -> Result<ActiveRef<'v>, DeletedRef<'v>> {
    if ve.refs().fetchadd(1) & VKE_REF_DELETED == 0 {
        Ok(ActiveRef(ve))
    } else {
        Err(DeletedRef(ve))
    }
}

/// A cache reference on `ve->cache_refs`: the entry's memory stays (its id
/// and refs can be read), not necessarily its vmspace.  Dropping it is
/// vmspace_entry_cache_drop(): the last one kfree()s the entry.
#[must_use = "the reference is dropped at once otherwise"]
pub(crate) struct CacheRef<'v>(VmspaceEntry<'v>);

impl Drop for CacheRef<'_> {
    /// vmspace_entry_cache_drop(ve).
    fn drop(&mut self) {
        let ve = self.0;
        if ve.cache_refs().fetchadd(u32::MAX) == 1 {
            kkassert!("vmspace_entry_cache_drop", ve.refs().get() & VKE_REF_DELETED != 0, "ve->refs & VKE_REF_DELETED");
            // The last cache reference: the entry is off the tree (the
            // tree's reference goes only with deletion), no lwp caches it,
            // and no lookup can reach it.
            // SAFETY: as said.
            unsafe { kfree(ve) };
        }
    }
}

/// The entry `vklp->ve_cache` points at, while the vkernel_lwp keeps its
/// cache reference: until [`VkernelLwp::take_ve_cache`], which needs the
/// context mutably, so no `Cached` outlives it.
#[derive(Clone, Copy)]
pub(crate) struct Cached<'c>(VmspaceEntry<'c>);

impl<'c> Cached<'c> {
    /// `ve->id`.
    pub(crate) fn id(self) -> VmspaceId {
        self.0.id()
    }

    /// `ve == vklp->ve_cache`.
    pub(crate) fn is(self, ve: &ActiveRef<'_>) -> bool {
        self.0.as_ptr() == ve.0.as_ptr()
    }

    /// atomic_fetchadd_int(&ve->refs, 1): an active reference, or the
    /// count to drop if the entry was deleted since it was cached.
    pub(crate) fn activate<'v>(self, _vkp: VkernelProc<'v>) -> Result<ActiveRef<'v>, DeletedRef<'v>> {
        // The cache reference keeps the memory (its holder checks the count
        // before anything else); an active one found not deleted keeps the
        // entry until it is dropped, as long as the vkp lives.
        // SAFETY: as said.
        activate(unsafe { VmspaceEntry::from_raw_nonnull(self.0.as_ptr()) })
    }
}

impl<'a> VkernelLwp<'a> {
    /// `vklp->ve_cache`: the entry this lwp looked up last.  Only the lwp's
    /// own thread (or its exit) touches it.
    pub(crate) fn ve_cache<'c>(self, _: &'c Cx<'_>) -> Option<Cached<'c>> {
        let p = get!(self, ve_cache);
        // SAFETY: NULL or an entry the vklp holds a cache reference on.
        unsafe { VmspaceEntry::from_raw(p) }.map(Cached)
    }

    /// `ve = vklp->ve_cache; vklp->ve_cache = NULL`: the cache reference
    /// passes to the caller.
    pub(crate) fn take_ve_cache(self, _: &mut Cx<'_>) -> Option<CacheRef<'a>> {
        let p = get!(self, ve_cache);
        set!(self, ve_cache, ptr::null_mut());
        // SAFETY: NULL or an entry on which vklp held the cache reference.
        unsafe { VmspaceEntry::from_raw(p) }.map(CacheRef)
    }

    /// `vklp->ve_cache = ve`, which must be empty ([`VkernelLwp::take_ve_cache`]);
    /// the cache reference passes to vklp.
    pub(crate) fn set_ve_cache(self, _: &mut Cx<'_>, ve: CacheRef<'_>) {
        set!(self, ve_cache, ve.0.as_ptr());
        mem::forget(ve);
    }

    /// `vklp->ve = ve`: the entry this lwp now runs in; the active reference
    /// passes to vklp (released by vkernel_trap()).  Returns the entry's
    /// vmspace, which that reference keeps until this lwp traps or exits.
    pub(crate) fn set_ve<'v>(self, ve: ActiveRef<'v>) -> Vmspace<'v> {
        let ve = ve.into_raw();
        set!(self, ve, ve.as_ptr());
        let vm = get!(ve, vmspace);
        // SAFETY: the active reference vklp now holds keeps the vmspace.
        unsafe { Vmspace::from_raw_nonnull(vm) }
    }

    /// `ve = vklp->ve; vklp->ve = NULL`: the entry the lwp ran in, with the
    /// active reference vklp held on it, or `None`.
    ///
    /// # Safety
    /// The lwp's thread is not a VMM guest: only then is `ve` an entry set
    /// by [`VkernelLwp::set_ve`] and not a user's id.
    pub(crate) unsafe fn take_ve(self) -> Option<ActiveRef<'a>> {
        let p = get!(self, ve);
        set!(self, ve, ptr::null_mut());
        // SAFETY: NULL or an entry whose active reference set_ve() gave vklp (the contract).
        unsafe { VmspaceEntry::from_raw(p) }.map(ActiveRef)
    }

    /// `vklp->ve = id`: a VMM guest keeps the user's id there.
    ///
    /// # Safety
    /// The lwp's thread is a VMM guest (`td_vmm` set), whose `ve` is never
    /// taken as an entry ([`VkernelLwp::take_ve`]).
    pub(crate) unsafe fn set_ve_id(self, id: VmspaceId) {
        set!(self, ve, id.0.cast());
    }
}

/// An entry found in a tree under its `vkp->token`, shared or exclusive:
/// live while the token is held (and no call blocks).
#[derive(Clone, Copy)]
pub(crate) struct Found<'t>(VmspaceEntry<'t>);

impl Found<'_> {
    /// atomic_fetchadd_int(&ve->refs, 1): an active reference, or the count
    /// to drop if the entry is deleted.
    pub(crate) fn activate<'v>(self, _vkp: VkernelProc<'v>) -> Result<ActiveRef<'v>, DeletedRef<'v>> {
        // An entry on the tree keeps its memory (the tree's cache
        // reference) while the token is held; an active reference found not
        // deleted keeps it after, as long as the vkp lives.
        // SAFETY: as said.
        activate(unsafe { VmspaceEntry::from_raw_nonnull(self.0.as_ptr()) })
    }
}

/// The entry with this id in vkp's tree ([`rb_find_in`]).
///
/// # Safety
/// The caller holds `vkp->token`, shared or exclusive, for `'t`.
unsafe fn rb_find<'t>(vkp: VkernelProc<'_>, id: VmspaceId) -> Option<Found<'t>> {
    // A found entry is in the tree, live while the caller's token is held.
    // SAFETY: the caller holds vkp->token (the contract).
    unsafe { VmspaceEntry::from_raw(rb_find_in(vkp, id)).map(Found) }
}

/// `vkp->token` held shared (lwkt_gettoken_shared()): lookups only.
#[must_use = "the token is released when the guard is dropped"]
pub(crate) struct SharedVkpToken<'v> {
    vkp: VkernelProc<'v>,
    _tok: TokenGuard<'v>,
}

impl<'v> VkernelProc<'v> {
    /// lwkt_gettoken_shared(&vkp->token).  Can block.
    pub(crate) fn lock_shared(self, cx: &mut Cx<'_>) -> SharedVkpToken<'v> {
        // SAFETY: the vkp's token, initialised by publish(), lives as long as the vkp.
        SharedVkpToken { vkp: self, _tok: unsafe { TokenGuard::get_shared(cx, self.token()) } }
    }
}

impl SharedVkpToken<'_> {
    /// RB_FIND under the shared token: the entry borrows the guard and `cx`.
    pub(crate) fn rb_find<'t>(&'t self, _: &'t Cx<'_>, id: VmspaceId) -> Option<Found<'t>> {
        // SAFETY: this thread holds vkp->token (the guard).
        unsafe { rb_find(self.vkp, id) }
    }
}

/// An entry marked deleted and out of the tree: its vmspace is the
/// deleter's to release, and with it the tree's cache reference.
#[must_use = "the entry's vmspace and cache reference are leaked otherwise"]
pub(crate) struct Removed<'v>(VmspaceEntry<'v>);

impl<'v> Removed<'v> {
    /// `ve->vmspace`, still set.
    pub(crate) fn vmspace(&self) -> Vmspace<'_> {
        let p = get!(self.0, vmspace);
        // SAFETY: the deleter's until release_vmspace().
        unsafe { Vmspace::from_raw_nonnull(p) }
    }

    /// `vmspace_rel(ve->vmspace); ve->vmspace = NULL`: what is left is the
    /// tree's cache reference, for the caller to drop.
    pub(crate) fn release_vmspace(self, cx: &mut Cx<'_>) -> CacheRef<'v> {
        // SAFETY: the entry's reference on its vmspace, given up once.
        unsafe { vmspace_rel(cx, self.vmspace()) };
        set!(self.0, vmspace, ptr::null_mut()); // safety
        CacheRef(self.0)
    }
}

impl<'v> VkpToken<'v> {
    /// RB_FIND under the exclusive token.
    pub(crate) fn rb_find<'t>(&'t self, _: &'t Cx<'_>, id: VmspaceId) -> Option<Found<'t>> {
        // SAFETY: this thread holds vkp->token (the guard).
        unsafe { rb_find(self.vkp, id) }
    }

    /// The start of vmspace_entry_delete(ve, vkp, 1) for the caller's
    /// active reference: atomic_cmpset_int(&ve->refs, 1, VKE_REF_DELETED)
    /// (which consumes that reference), then RB_REMOVE.  EBUSY, and the
    /// reference back, while anyone else is active.
    pub(crate) fn mark_deleted(&self, ve: ActiveRef<'v>) -> Result<Removed<'v>, ActiveRef<'v>> {
        // An active entry is on this vkp's tree: deletion, the only way off
        // it, fails while the reference is active.
        // SAFETY: as said.
        match unsafe { self.mark_deleted_counted(ve.0, 1) } {
            Some(removed) => {
                let _consumed = ve.into_raw();
                Ok(removed)
            }
            None => Err(ve),
        }
    }

    /// vmspace_entry_delete(ve, vkp, 0) of vkernel_exit()'s scan, for an
    /// entry no one should be using: `None` (the C's EBUSY) if someone is.
    ///
    /// # Safety
    /// `ve` is an entry of this vkp's tree.
    pub(crate) unsafe fn mark_deleted_unreferenced(&self, ve: VmspaceEntry<'_>) -> Option<Removed<'v>> {
        // SAFETY: the caller's contract.
        unsafe { self.mark_deleted_counted(ve, 0) }
    }

    /// # Safety
    /// `ve` is an entry of this vkp's tree, with `refs` active references
    /// the caller holds.
    unsafe fn mark_deleted_counted(&self, ve: VmspaceEntry<'_>, refs: u32) -> Option<Removed<'v>> {
        if !ve.refs().cmpset(refs, VKE_REF_DELETED) {
            kkassert!("vmspace_entry_delete", ve.refs().get() >= refs, "ve->refs >= refs");
            return None;
        }
        // SAFETY: ve is in this tree (the contract).
        unsafe { b::vmspace_rb_tree_RB_REMOVE(self.vkp.root(), ve.as_ptr()) };
        // Deleted and off the tree: the tree's cache reference keeps the
        // memory until the deleter drops it, within the vkp's life.
        // SAFETY: as said.
        Some(Removed(unsafe { VmspaceEntry::from_raw_nonnull(ve.as_ptr()) }))
    }

    /// RB_INSERT(vmspace_rb_tree, &vkp->root, ve): the entry back, with the
    /// tree unchanged, if one with the same id exists.
    pub(crate) fn rb_insert(&self, ve: OwnedEntry) -> Result<(), OwnedEntry> {
        // The tree's entries stay live while they are in it.
        // SAFETY: a live entry that is in no tree.
        let dup = unsafe { b::vmspace_rb_tree_RB_INSERT(self.vkp.root(), ve.0.as_ptr()) };
        if dup.is_null() {
            // The entry's cache reference (1) is now the tree's.
            let OwnedEntry(_in_tree) = ve;
            Ok(())
        } else {
            Err(ve)
        }
    }
}

/// A new entry, in no tree yet, with the one cache reference that will be
/// the tree's.
pub(crate) struct OwnedEntry(VmspaceEntry<'static>);

impl OwnedEntry {
    /// A new entry for VMSPACE `id`, as sys_vmspace_create() makes it:
    /// `ve = kmalloc(sizeof(struct vmspace_entry), M_VKERNEL,
    /// M_WAITOK|M_ZERO); ve->vmspace = vmspace_alloc(VM_MIN_USER_ADDRESS,
    /// VM_MAX_USER_ADDRESS); ve->id = id; ve->refs = 0; ve->cache_refs = 1;
    /// pmap_pinit2(vmspace_pmap(ve->vmspace))`.  Can block.
    pub(crate) fn new(cx: &mut Cx<'_>, id: VmspaceId) -> Self {
        // M_WAITOK allocations never return NULL; the memory stays until the
        // kfree() of the last cache reference or free().
        // SAFETY: as said.
        let ve = unsafe { VmspaceEntry::from_raw_nonnull(kmalloc_zeroed()) };
        let vm = vmspace_alloc(cx, VM_MIN_USER_ADDRESS, VM_MAX_USER_ADDRESS);
        set!(ve, vmspace, vm.as_ptr());
        set!(ve, id, id.0);
        set!(ve, refs, 0); // active refs (none)
        set!(ve, cache_refs, 1); // on-tree, not deleted (prevents kfree)
                                 // A new vmspace, in no use yet.
                                 // SAFETY: as said.
        unsafe { pmap_pinit2(cx, vm) };
        OwnedEntry(ve)
    }

    /// `vmspace_rel(ve->vmspace); ve->vmspace = NULL; kfree(ve, M_VKERNEL)`
    /// of an entry no tree took.
    pub(crate) fn free(self, cx: &mut Cx<'_>) {
        let ve = self.0;
        let vm = get!(ve, vmspace);
        // SAFETY: the entry's reference on its vmspace (set by new()), given up here.
        unsafe { vmspace_rel(cx, Vmspace::from_raw_nonnull(vm)) };
        set!(ve, vmspace, ptr::null_mut()); // safety
                                            // SAFETY: never published, and gone with `self`.
        unsafe { kfree(ve) };
    }
}
