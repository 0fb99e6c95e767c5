// Live state is restored only from a copy saved from live state; kernel
// objects are not bcopy()'d at all.
use crate::kern::*;

fn forge(other: TrapFrame<'_>, frame: TrapFrame<'_>) {
    restore(other, frame); //~ ERROR E0308
}

fn entries(a: VmspaceEntry<'_>, b: VmspaceEntry<'_>) {
    save(a, b); //~ ERROR E0308
}

fn raw_bcopy(a: VmspaceEntry<'_>, b: VmspaceEntry<'_>) {
    bcopy(a, b); //~ ERROR E0425
}

fn save_restore_is_fine(vklp: VkernelLwp<'_>, frame: TrapFrame<'_>) {
    save(frame, vklp.save_trapframe());
    restore(vklp.save_trapframe(), frame);
}
