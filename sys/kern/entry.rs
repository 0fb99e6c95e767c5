//! The entries of a vkernel's tree at c2e7bb204e: found under the
//! exclusive `vkp->token`, kept across blocking calls by one counter,
//! `ve->refs` ([`VeRef`]); sys_vmspace_destroy() frees an entry that has no
//! reference, vkernel_exit() every entry left.

use super::object::{VkernelLwp, Vmspace, VmspaceEntry, VmspaceId, VM_MAX_USER_ADDRESS, VM_MIN_USER_ADDRESS};
use super::sync::{rb_find_in, Refs, TokenGuard, VkpToken};
use super::vm::{kfree, kmalloc_zeroed, pmap_pinit2, vmspace_alloc, vmspace_rel};
use super::Cx;
use crate::bindings as b;
use core::mem::{self, offset_of};
use core::ptr;

/// lwkt_gettoken(&vmspace_token).
pub(crate) fn vmspace_token(cx: &mut Cx<'_>) -> TokenGuard<'static> {
    // SAFETY: the global vmspace_token, initialised at boot.
    unsafe { TokenGuard::get(cx, ptr::addr_of_mut!(b::vmspace_token)) }
}

/// A reference on `ve->refs` (atomic_add_int on creation,
/// atomic_subtract_int on drop): while it exists, sys_vmspace_destroy()
/// refuses to free the entry, so it stays valid across calls that block and
/// release vkp->token, for as long as the vkernel_proc (`'v`).  Replaces the
/// C's `done1:` labels.
#[must_use = "the reference is dropped at once otherwise"]
pub(crate) struct VeRef<'v>(VmspaceEntry<'v>);

impl<'v> VeRef<'v> {
    pub(crate) fn entry(&self) -> VmspaceEntry<'_> {
        self.0
    }

    /// Keeps the reference, as a pointer: the one `vklp->ve` holds while
    /// the lwp runs in the entry.
    pub(super) fn into_raw(self) -> VmspaceEntry<'v> {
        let ve = self.0;
        mem::forget(self);
        ve
    }

    /// The reference [`VeRef::into_raw`] kept, back.
    ///
    /// # Safety
    /// `p` is NULL or an entry pointer from `into_raw` whose reference no
    /// one else has taken back.
    pub(super) unsafe fn from_raw(p: *mut b::vmspace_entry) -> Option<Self> {
        // SAFETY: live while the reference it carries is (the contract).
        unsafe { VmspaceEntry::from_raw(p) }.map(VeRef)
    }
}

impl Drop for VeRef<'_> {
    fn drop(&mut self) {
        self.0.refs().sub();
    }
}

/// An entry found in a tree under its `vkp->token` ([`VkpToken::rb_find`]),
/// live while the token is held (and no call blocks).
#[derive(Clone, Copy)]
pub(crate) struct Found<'t>(VmspaceEntry<'t>);

impl<'t> Found<'t> {
    pub(crate) fn entry(self) -> VmspaceEntry<'t> {
        self.0
    }
}

impl<'v> VkpToken<'v> {
    /// RB_FIND(vmspace_rb_tree, &vkp->root, key) with key.id = id, the only
    /// field the compare function reads.  The entry is live while the token
    /// is held, which a blocking call gives up: it borrows the guard and
    /// `cx`, and every call that can block takes `cx` mutably, so only a
    /// [`VeRef`] ([`VkpToken::hold`]) crosses one.
    pub(crate) fn rb_find<'t>(&'t self, _: &'t Cx<'_>, id: VmspaceId) -> Option<Found<'t>> {
        // A found entry is in the tree, live while the token is held.
        // SAFETY: this thread holds vkp->token (the guard).
        unsafe { VmspaceEntry::from_raw(rb_find_in(self.vkp, id)).map(Found) }
    }

    /// atomic_add_int(&ve->refs, 1) on an entry found under this token: a
    /// reference that keeps it for as long as the vkp lives.
    pub(crate) fn hold<'t>(&'t self, ve: Found<'t>) -> VeRef<'v> {
        let ve = ve.0;
        ve.refs().add();
        // An entry with a reference is not freed: sys_vmspace_destroy()
        // refuses it, and vkernel_exit() runs when no thread of the vkernel
        // is in a call any more.
        // SAFETY: a live entry of this vkp's tree.
        VeRef(unsafe { VmspaceEntry::from_raw_nonnull(ve.as_ptr()) })
    }

    /// RB_INSERT(vmspace_rb_tree, &vkp->root, ve): the entry back, with the
    /// tree unchanged, if one with the same id exists.
    pub(crate) fn rb_insert(&self, ve: OwnedEntry) -> Result<(), OwnedEntry> {
        // The tree's entries stay live while they are in it.
        // SAFETY: a live entry that is in no tree.
        let dup = unsafe { b::vmspace_rb_tree_RB_INSERT(self.vkp.root(), ve.entry().as_ptr()) };
        if dup.is_null() {
            let _in_tree = ve.into_tree();
            Ok(())
        } else {
            Err(ve)
        }
    }

    /// RB_REMOVE(vmspace_rb_tree, &vkp->root, ve): the entry leaves the
    /// tree, and the caller owns it.
    ///
    /// # Safety
    /// `ve` is in this tree, has no reference, and no other handle of it is
    /// used afterwards.
    pub(crate) unsafe fn remove(&self, ve: VmspaceEntry<'_>) -> OwnedEntry {
        // SAFETY: ve is in this tree (the contract).
        unsafe { b::vmspace_rb_tree_RB_REMOVE(self.vkp.root(), ve.as_ptr()) };
        // SAFETY: out of the tree and unreferenced (the contract).
        unsafe { OwnedEntry::from_tree(ve) }
    }
}

/// An entry in no tree and with no reference: its creator's, or taken out
/// of the tree by [`super::VkpToken::remove`] to be destroyed.  It owns its
/// vmspace's reference.
pub(crate) struct OwnedEntry(VmspaceEntry<'static>);

impl OwnedEntry {
    /// A new entry for VMSPACE `id`, as sys_vmspace_create() makes it:
    /// `ve = kmalloc(sizeof(struct vmspace_entry), M_VKERNEL,
    /// M_WAITOK|M_ZERO); ve->vmspace = vmspace_alloc(VM_MIN_USER_ADDRESS,
    /// VM_MAX_USER_ADDRESS); ve->id = id;
    /// pmap_pinit2(vmspace_pmap(ve->vmspace))`.  Can block.
    pub(crate) fn new(cx: &mut Cx<'_>, id: VmspaceId) -> Self {
        // SAFETY: as NewVkernelProc::alloc().
        let ve = unsafe { VmspaceEntry::from_raw_nonnull(kmalloc_zeroed()) };
        let vm = vmspace_alloc(cx, VM_MIN_USER_ADDRESS, VM_MAX_USER_ADDRESS);
        set!(ve, vmspace, vm.as_ptr());
        set!(ve, id, id.0);
        // A new vmspace, in no use yet.
        // SAFETY: as said.
        unsafe { pmap_pinit2(cx, vm) };
        OwnedEntry(ve)
    }

    /// The entry, for as long as it is owned.
    pub(crate) fn entry(&self) -> VmspaceEntry<'_> {
        self.0
    }

    /// `ve->vmspace`: set at creation, live until [`OwnedEntry::free`].
    pub(crate) fn vmspace(&self) -> Vmspace<'_> {
        self.0.vmspace()
    }

    /// `vmspace_rel(ve->vmspace); ve->vmspace = NULL; kfree(ve, M_VKERNEL)`.
    pub(crate) fn free(self, cx: &mut Cx<'_>) {
        let ve = self.0;
        // SAFETY: the entry's reference on its vmspace, given up here.
        unsafe { vmspace_rel(cx, ve.vmspace()) };
        set!(ve, vmspace, ptr::null_mut()); // safety
                                            // SAFETY: owned: in no tree, unreferenced, and gone with `self`.
        unsafe { kfree(ve) };
    }

    /// Hands the entry to a tree.
    pub(super) fn into_tree<'t>(self) -> VmspaceEntry<'t> {
        self.0
    }

    /// An entry taken out of its tree.
    ///
    /// # Safety
    /// `ve` is in no tree and nothing else references it.
    pub(super) unsafe fn from_tree(ve: VmspaceEntry<'_>) -> Self {
        // SAFETY: owned from now on (the contract): it lives until free().
        OwnedEntry(unsafe { VmspaceEntry::from_raw_nonnull(ve.as_ptr()) })
    }
}

impl<'a> VmspaceEntry<'a> {
    /// `ve->vmspace`.  Every entry a handle reaches has its vmspace: set by
    /// [`OwnedEntry::new`], cleared only by [`OwnedEntry::free`].
    pub(crate) fn vmspace(self) -> Vmspace<'a> {
        let p = get!(self, vmspace);
        // SAFETY: set at creation, live while the entry is.
        unsafe { Vmspace::from_raw_nonnull(p) }
    }

    pub(crate) fn refs(self) -> Refs<'a> {
        Refs(self.member(offset_of!(b::vmspace_entry, refs)))
    }
}

impl<'a> VkernelLwp<'a> {
    /// `vklp->ve != NULL`, whatever it holds.
    pub(crate) fn ve_is_set(self) -> bool {
        !get!(self, ve).is_null()
    }

    /// `vklp->ve = ve`: the entry this lwp now runs in; the reference passes
    /// to vklp (released by vkernel_trap()).  Returns the entry, which that
    /// reference keeps live until this lwp traps or exits.
    pub(crate) fn set_ve<'v>(self, ve: VeRef<'v>) -> VmspaceEntry<'v> {
        let ve = ve.into_raw();
        set!(self, ve, ve.as_ptr());
        ve
    }

    /// `ve = vklp->ve; vklp->ve = NULL`: the entry the lwp ran in, with the
    /// reference vklp held on it, or `None`.
    ///
    /// # Safety
    /// The lwp's thread is not a VMM guest ([`Thread::no_vmm`]): only then
    /// is `ve` an entry set by [`VkernelLwp::set_ve`] and not a user's id.
    pub(crate) unsafe fn take_ve(self) -> Option<VeRef<'a>> {
        let p = get!(self, ve);
        set!(self, ve, ptr::null_mut());
        // SAFETY: NULL or an entry whose reference set_ve() gave vklp (the contract).
        unsafe { VeRef::from_raw(p) }
    }

    /// `vklp->ve = id`: a VMM guest keeps the user's id there, a key that
    /// says the guest is running, not a kernel pointer.
    ///
    /// # Safety
    /// The lwp's thread is a VMM guest (`td_vmm` set), whose `ve` is never
    /// taken as an entry ([`VkernelLwp::take_ve`]).
    pub(crate) unsafe fn set_ve_id(self, id: VmspaceId) {
        set!(self, ve, id.0.cast());
    }
}
