// vkernel_lwp_exit() frees the lwp's vkernel_lwp: calling it, or walking a
// process's lwps, is unsafe (the lwp must not be running).
use crate::kern::*;
use crate::vm::vm_vmspace::vkernel_lwp_exit;

fn free_sibling(lp: Lwp<'_>) {
    vkernel_lwp_exit(lp); //~ ERROR E0133
}

fn walk(p: Proc<'_>) {
    p.for_each_lwp(|_| {}); //~ ERROR E0133
}
