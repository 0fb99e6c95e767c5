// An entry found under vkp->token cannot cross a call that can block (and
// give the token up): blocking calls take the context mutably, which the
// entry borrows.  A VeRef can; and only an entry found under the token can
// be held.
use crate::bindings as b;
use crate::kern::*;

fn across(cx: &mut Cx<'_>, vkp: VkernelProc<'_>, id: VmspaceId, ve2: VmspaceEntry<'_>) {
    let tok = vkp.lock(cx);
    let ve = tok.rb_find(cx, id);
    let _ = vkp.lock(cx); //~ ERROR E0502
    let _ = ve.map(|ve| ve.entry().refs().get());
}

fn hold_any(cx: &mut Cx<'_>, vkp: VkernelProc<'_>, owned: OwnedEntry) {
    let tok = vkp.lock(cx);
    let r = tok.hold(owned.entry()); //~ ERROR E0308
}

fn held(cx: &mut Cx<'_>, vkp: VkernelProc<'_>, id: VmspaceId, frame: TrapFrame<'_>, user: UserPtr<b::trapframe>) {
    let tok = vkp.lock(cx);
    if let Some(ve) = tok.rb_find(cx, id) {
        let ve = tok.hold(ve);
        let _ = copyout(cx, frame, user);
        let _ = ve.entry().refs().get();
    }
}
