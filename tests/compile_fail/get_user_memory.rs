// Field reads go through accessors; the field macro is private to the
// kernel layer, so user memory cannot be read without writing `unsafe`.
use crate::bindings as b;
use crate::kern::*;

fn read_user(p: UserPtr<b::trapframe>) {
    let rip = get!(p, tf_rip); //~ ERROR cannot find macro
}
