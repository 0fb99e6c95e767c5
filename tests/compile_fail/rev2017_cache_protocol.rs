// features: rev-22b7a3dbf6
// The 2017 reference protocol in types: only an active reference (ve->refs,
// taken on an entry found not deleted) reaches the vmspace; a cached entry
// or a cache reference (ve->cache_refs) keeps the memory, not the vmspace;
// a lookup that found the entry deleted gives nothing; a cached entry does
// not outlive the cache reference it borrows.
use crate::kern::*;

fn cached_vmspace(cx: &mut Cx<'_>, vklp: VkernelLwp<'_>) {
    if let Some(cached) = vklp.ve_cache(cx) {
        let vm = cached.vmspace(); //~ ERROR E0599
    }
}

fn cache_ref_vmspace(cx: &mut Cx<'_>, vklp: VkernelLwp<'_>) {
    if let Some(cache) = vklp.take_ve_cache(cx) {
        let vm = cache.vmspace(); //~ ERROR E0599
    }
}

fn deleted_gives_nothing(cx: &mut Cx<'_>, vkp: VkernelProc<'_>, vklp: VkernelLwp<'_>) {
    if let Some(cached) = vklp.ve_cache(cx) {
        if let Err(deleted) = cached.activate(vkp) {
            let ve = deleted.0; //~ ERROR E0616
        }
    }
}

fn cached_outlives_its_reference(cx: &mut Cx<'_>, vklp: VkernelLwp<'_>) {
    let cached = vklp.ve_cache(cx);
    let cache = vklp.take_ve_cache(cx); //~ ERROR E0502
    let _ = cached.map(|c| c.id());
}

fn delete_while_used(cx: &mut Cx<'_>, vkp: VkernelProc<'_>, ve: VmspaceEntry<'_>) {
    let tok = vkp.lock(cx);
    let removed = tok.mark_deleted_unreferenced(ve); //~ ERROR E0133
}

fn active_reaches_vmspace(cx: &mut Cx<'_>, vkp: VkernelProc<'_>, id: VmspaceId) {
    let tok = vkp.lock(cx);
    if let Some(found) = tok.rb_find(cx, id) {
        if let Ok(active) = found.activate(vkp) {
            let _vm = active.vmspace();
        }
    }
}
