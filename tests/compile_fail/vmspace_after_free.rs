// An owned entry is consumed by free(): its vmspace cannot be read after.
use crate::kern::*;

fn after_free(cx: &mut Cx<'_>, ve: OwnedEntry) {
    ve.free(cx);
    let vm = ve.vmspace(); //~ ERROR E0382
}
