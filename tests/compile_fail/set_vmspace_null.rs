// ve->vmspace is never NULL for a reachable entry: there is no setter; an
// entry gets its vmspace at creation (OwnedEntry::new) and loses it only
// when freed.
use crate::kern::*;

fn clear(ve: VmspaceEntry<'_>) {
    ve.set_vmspace(None); //~ ERROR E0599
}
