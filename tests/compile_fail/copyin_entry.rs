// User bytes go only into live machine state (a trap frame, td_tls), and
// only in unsafe code that sanitizes or restores it: never over a kernel
// object such as a vmspace_entry, nor into a saved copy.
use crate::bindings as b;
use crate::kern::*;

fn overwrite(cx: &mut Cx<'_>, ve: VmspaceEntry<'_>, user: UserPtr<b::vmspace_entry>) {
    let _ = unsafe { copyin_live(cx, user, ve) }; //~ ERROR E0308
}

fn unsanitized(cx: &mut Cx<'_>, frame: TrapFrame<'_>, user: UserPtr<b::trapframe>) {
    let _ = copyin_live(cx, user, frame); //~ ERROR E0133
}

fn saved_copy(cx: &mut Cx<'_>, vklp: VkernelLwp<'_>, user: UserPtr<b::trapframe>) {
    let _ = unsafe { copyin_live(cx, user, vklp.save_trapframe()) }; //~ ERROR E0308
}

fn copyout_is_fine(cx: &mut Cx<'_>, frame: TrapFrame<'_>, user: UserPtr<b::trapframe>) {
    let _ = copyout(cx, frame, user);
}
