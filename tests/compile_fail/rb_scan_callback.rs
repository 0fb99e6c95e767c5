// RB_SCAN with an arbitrary callback is unsafe: the callback must be
// written for a scan started by VkpToken::rb_scan.
use crate::bindings as b;
use crate::kern::*;
use core::ffi::{c_int, c_void};

unsafe extern "C" fn any(_: *mut b::vmspace_entry, _: *mut c_void) -> c_int {
    0
}

fn scan(cx: &mut Cx<'_>, vkp: VkernelProc<'_>) {
    let tok = vkp.lock(cx);
    tok.rb_scan(cx, any); //~ ERROR E0133
}
