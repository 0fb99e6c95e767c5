// Switching an lwp to a vmspace the lwp does not keep alive (pmap_setlwpvm
// takes no reference) is unsafe; so is re-initialising a pmap in use.
use crate::kern::*;

fn switch(cx: &mut Cx<'_>, lp: Lwp<'_>, owned: OwnedEntry) {
    pmap_setlwpvm(cx, lp, owned.vmspace()); //~ ERROR E0133
}

fn publish_without_p_token(cx: &mut Cx<'_>, p: Proc<'_>) {
    let new = NewVkernelProc::alloc(cx);
    new.publish(p); //~ ERROR E0308
}
