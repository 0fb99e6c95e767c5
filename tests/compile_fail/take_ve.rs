// Reading vklp->ve as an entry is unsafe: only a thread that is no VMM
// guest holds an entry pointer there (the proof is the caller's contract).
use crate::kern::*;

fn entry_of(vklp: VkernelLwp<'_>) {
    let ve = vklp.take_ve(); //~ ERROR E0133
}
