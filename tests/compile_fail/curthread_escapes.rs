// Handles derived from the current thread cannot outlive the call: there
// is no free curthread(), and Cx::run confines its lifetime.
use crate::kern::*;

fn escape() {
    let td: Thread<'static> = unsafe { Cx::run(|cx| cx.curthread()) }; //~ ERROR lifetime may not live long enough
}

fn free_function() {
    let td = curthread(); //~ ERROR E0425
}
