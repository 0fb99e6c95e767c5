//! The model headers against DragonFly's ABI facts
//! (../shared/dragonfly-abi/x86_64.json): every structure's size, alignment
//! and field offsets and every constant must match.  The model answers from
//! a table computed by the C compiler (tests/kern/model_layout.c); a fact
//! the table lacks is a failure.  Also checks the Rust-side declarations
//! the harness uses, and the C original's link interface.

use harness::ffi;
use serde_json::Value;
use std::collections::BTreeSet;
use std::ffi::CString;
use std::path::PathBuf;
use std::process::Command;

fn abi_dir() -> PathBuf {
    match std::env::var("ABI") {
        Ok(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/dragonfly-abi"),
    }
}

/// The facts of this build's revision: ../shared/dragonfly-abi/x86_64.json
/// for c2e7bb204e, the measured tests/kern/abi/x86_64@REV.json otherwise.
fn abi_facts() -> PathBuf {
    if harness::REV == harness::REF_REV {
        abi_dir().join("x86_64.json")
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../kern/abi/x86_64@{}.json", harness::REV))
    }
}

fn abi() -> Value {
    let p = abi_facts();
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).expect("x86_64.json")
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

#[test]
fn every_struct_fact_matches_the_model() {
    let abi = abi();
    let mut errors = Vec::new();
    let mut checked = 0;
    for (name, facts) in abi["structs"].as_object().unwrap() {
        if let Some(size) = facts.get("size") {
            let (mut s, mut a) = (0i64, 0i64);
            // SAFETY: the model reads the C strings only.
            let rc = unsafe { ffi::model_layout_size(c(name).as_ptr(), &mut s, &mut a) };
            if rc != 0 {
                errors.push(format!("{name}: no size row in the model"));
            } else {
                if s != size.as_i64().unwrap() {
                    errors.push(format!("{name}: size {s}, DragonFly {size}"));
                }
                let align = facts["align"].as_i64().unwrap();
                if a != align {
                    errors.push(format!("{name}: align {a}, DragonFly {align}"));
                }
            }
            checked += 1;
        }
        if let Some(offs) = facts.get("offsets") {
            for (field, off) in offs.as_object().unwrap() {
                let mut o = 0i64;
                // SAFETY: as above.
                let rc = unsafe { ffi::model_layout_offset(c(name).as_ptr(), c(field).as_ptr(), &mut o) };
                if rc != 0 {
                    errors.push(format!("{name}.{field}: no offset row in the model"));
                } else if o != off.as_i64().unwrap() {
                    errors.push(format!("{name}.{field}: offset {o}, DragonFly {off}"));
                }
                checked += 1;
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(checked > 100, "only {checked} struct facts checked");
}

#[test]
fn every_constant_matches_the_model() {
    let abi = abi();
    let mut errors = Vec::new();
    for (name, v) in abi["constants"].as_object().unwrap() {
        let mut value = 0i64;
        // SAFETY: as above.
        let rc = unsafe { ffi::model_layout_const(c(name).as_ptr(), &mut value) };
        if rc != 0 {
            errors.push(format!("{name}: no constant row in the model"));
        } else if value != v.as_i64().unwrap() {
            errors.push(format!("{name}: {value}, DragonFly {v}"));
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn the_model_table_rejects_unknown_names() {
    let (mut s, mut a, mut o, mut v) = (0, 0, 0, 0);
    // SAFETY: as above.
    unsafe {
        assert_ne!(ffi::model_layout_size(c("no_such_struct").as_ptr(), &mut s, &mut a), 0);
        assert_ne!(ffi::model_layout_offset(c("trapframe").as_ptr(), c("tf_nope").as_ptr(), &mut o), 0);
        assert_ne!(ffi::model_layout_const(c("E_NOPE").as_ptr(), &mut v), 0);
    }
}

/// The Rust declarations the harness builds arguments with agree with C.
#[test]
fn rust_side_declarations_match_the_model() {
    macro_rules! size {
        ($name:literal, $t:ty) => {{
            let (mut s, mut a) = (0, 0);
            // SAFETY: as above.
            assert_eq!(unsafe { ffi::model_layout_size(c($name).as_ptr(), &mut s, &mut a) }, 0);
            assert_eq!(std::mem::size_of::<$t>() as i64, s, "size of {}", $name);
            assert_eq!(std::mem::align_of::<$t>() as i64, a, "align of {}", $name);
        }};
    }
    macro_rules! off {
        ($name:literal, $t:ty, $field:ident) => {{
            let mut o = 0;
            // SAFETY: as above.
            let rc = unsafe { ffi::model_layout_offset(c($name).as_ptr(), c(stringify!($field)).as_ptr(), &mut o) };
            assert_eq!(rc, 0);
            assert_eq!(std::mem::offset_of!($t, $field) as i64, o, "{}.{}", $name, stringify!($field));
        }};
    }
    size!("vmspace_create_args", ffi::vmspace_create_args);
    off!("vmspace_create_args", ffi::vmspace_create_args, id);
    off!("vmspace_create_args", ffi::vmspace_create_args, data);
    let mut o = 0;
    // SAFETY: as above.
    assert_eq!(unsafe { ffi::model_layout_offset(c("vmspace_create_args").as_ptr(), c("type").as_ptr(), &mut o) }, 0);
    assert_eq!(std::mem::offset_of!(ffi::vmspace_create_args, type_) as i64, o);
    size!("vmspace_ctl_args", ffi::vmspace_ctl_args);
    size!("vmspace_mmap_args", ffi::vmspace_mmap_args);
    off!("vmspace_mmap_args", ffi::vmspace_mmap_args, offset);
    size!("vmspace_mcontrol_args", ffi::vmspace_mcontrol_args);
    size!("trapframe", ffi::trapframe);
    size!("vkernel_lwp", ffi::vkernel_lwp);
    size!("vkernel_proc", ffi::vkernel_proc);
    size!("vmspace_entry", ffi::vmspace_entry);
    size!("sysmsg", ffi::sysmsg);
    off!("proc", ffi::proc_, p_token);
    off!("lwp", ffi::lwp, lwp_thread);
    off!("thread", ffi::thread, td_vmm);
}

fn nm(args: &[&str], obj: &str) -> BTreeSet<String> {
    let out = Command::new("nm").args(args).arg(obj).output().expect("running nm");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().last().map(str::to_string))
        .collect()
}

fn list(file: &str) -> BTreeSet<String> {
    std::fs::read_to_string(abi_dir().join(file))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Compiled unmodified against the model, the C original needs exactly the
/// kernel's imports (plus panic: the model build has INVARIANTS, the ABI
/// facts were taken without) and defines exactly its exports (renamed c_*).
#[test]
fn c_original_links_against_exactly_the_kernel_interface() {
    let obj = concat!(env!("OUT_DIR"), "/vm_vmspace_c0.o");
    let mut want = list("vm_vmspace.imports");
    want.insert("panic".into());
    // The model's switch point before every atomic operation (host builds
    // only: machine/atomic.h; the kernel-flag compile below has none).
    want.insert("model_atomic_point".into());
    if harness::REV != harness::REF_REV {
        // Both 2017 revisions (../shared/reference/upstream/README.md):
        // lwkt_gettoken_shared is new, the global vmspace_token is gone.
        want.remove("vmspace_token");
        want.insert("lwkt_gettoken_shared".into());
    }
    let mut undefined = nm(&["-u"], obj);
    // Position-independent code for the host test binary refers to the
    // GOT; the kernel build is not PIC.
    undefined.remove("_GLOBAL_OFFSET_TABLE_");
    assert_eq!(undefined, want);
    let defined: BTreeSet<String> = nm(&["-g", "--defined-only"], obj);
    let exports: BTreeSet<String> = list("vm_vmspace.exports").iter().map(|s| format!("c_{s}")).collect();
    assert_eq!(defined, exports);
}

/// The kernel's C flags (../shared/dragonfly-abi/kernel-cflags), without its
/// include layout and option header, for compiling against the model.
fn kernel_cflags() -> Vec<String> {
    let text = std::fs::read_to_string(abi_dir().join("kernel-cflags")).unwrap();
    let mut flags = Vec::new();
    let mut words = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .peekable();
    while let Some(w) = words.next() {
        if w == "-include" {
            words.next(); // opt_global.h: empty for vm_vmspace.c
        } else if !w.starts_with("-I") {
            flags.push(w);
        }
    }
    assert!(flags.iter().any(|f| f == "-mcmodel=kernel") && flags.iter().any(|f| f == "-nostdinc"));
    flags
}

fn gcc_include_dir() -> String {
    let out = Command::new("gcc").arg("-print-file-name=include").output().expect("gcc");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// DragonFly's warning flags (tests/harness/build.rs's list), as errors.
fn cwarnflags() -> impl Iterator<Item = &'static str> {
    env!("HARNESS_KERNEL_WARNINGS").split(' ').chain(["-std=c99", "-Werror"])
}

/// -DMODEL_REV_<commit> for a later revision, as tests/harness/build.rs.
fn rev_define() -> Vec<String> {
    if harness::REV == harness::REF_REV {
        vec![]
    } else {
        vec![format!("-DMODEL_REV_{}", harness::REV)]
    }
}

fn model_include() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kern/include")
}

/// The C original compiles unmodified, warning-free, with the kernel's C
/// flags against the model headers (only libbsd's tree.h from /usr/include,
/// after everything else).
#[test]
fn c_original_compiles_with_the_kernel_cflags() {
    let reference = PathBuf::from(env!("HARNESS_REFERENCE"));
    let out = Command::new("gcc")
        .args(rev_define())
        .args(kernel_cflags())
        .args(cwarnflags())
        .arg("-DINVARIANTS")
        // Debian's gcc builds PIE by default; the kernel code model is not.
        .arg("-fno-pie")
        .arg("-isystem")
        .arg(gcc_include_dir())
        .arg("-I")
        .arg(model_include())
        .args(["-idirafter", "/usr/include"])
        .args(["-c", "-o", "/dev/null"])
        .arg(&reference)
        .output()
        .expect("gcc");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Every model header stands alone with the kernel flags and no host
/// headers at all (as bindgen and the port's shim read them).
#[test]
fn model_headers_are_self_contained() {
    let include = model_include();
    let mut headers = Vec::new();
    for dir in ["sys", "vm", "machine"] {
        for e in std::fs::read_dir(include.join(dir)).unwrap() {
            headers.push(format!("{dir}/{}", e.unwrap().file_name().to_string_lossy()));
        }
    }
    headers.sort();
    assert!(headers.len() >= 30, "{headers:?}");
    for h in &headers {
        let src = format!("#include <sys/param.h>\n#include <{h}>\n");
        let mut child = Command::new("gcc")
            .args(kernel_cflags())
            .args(cwarnflags())
            .args(["-fno-pie", "-fsyntax-only", "-x", "c", "-"])
            .args(rev_define())
            .arg("-isystem")
            .arg(gcc_include_dir())
            .arg("-I")
            .arg(&include)
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("gcc");
        use std::io::Write;
        child.stdin.take().unwrap().write_all(src.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{h}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
