// A user id stored where vkernel_trap() reads an entry pointer:
// VkernelLwp::set_ve_id() is unsafe (its thread must be a VMM guest).
use crate::kern::*;

fn store_id(vklp: VkernelLwp<'_>, id: VmspaceId) {
    vklp.set_ve_id(id); //~ ERROR E0133
}
