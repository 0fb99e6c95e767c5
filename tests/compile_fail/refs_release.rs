// Dropping a reference one does not own frees the object under its other
// users: Refs::release() and p->p_vkernel's setter are unsafe, and a
// VeRef's decrement happens only in its Drop.
use crate::kern::*;

fn release(ve: VmspaceEntry<'_>) {
    let last = ve.refs().release(); //~ ERROR E0133
}

fn unpublish(p: Proc<'_>) {
    p.set_p_vkernel(None); //~ ERROR E0133
}

fn sub(ve: VmspaceEntry<'_>) {
    ve.refs().sub(); //~ ERROR E0624
}
