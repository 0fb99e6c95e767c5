//! Build script of the vmspace port.
//!
//! 1. Runs bindgen over `ffi/bindings.h` (the headers `vm_vmspace.c`
//!    includes) into `$OUT_DIR/bindings.rs`, which `ffi/bindings.rs`
//!    `include!`s.  Only what the port uses is allowlisted.
//! 2. Compiles the C shim `module/vm_vmspace_shim.c` with the same headers
//!    and flags, into a static library bundled with the crate.
//!
//! Which headers and flags:
//! - feature `userland`: the model headers `tests/kern/include`, host
//!   target (the rlib the test harness links).
//! - otherwise `KERNEL_CFLAGS` set (a DragonFly kernel build, see `kmod.mk`):
//!   exactly those flags, compiler `KERNEL_CC`; relative paths in them are
//!   taken from `KERNEL_OBJDIR`, the kernel build directory.
//! - otherwise `SYSDIR` set: that DragonFly `sys/` tree with the kernel's C
//!   flags and a scratch copy of a kernel build directory's include layout
//!   under `$OUT_DIR/kinc`.
//! - otherwise: the model headers with the kernel's C flags.
//!
//! The kernel's C flags and the include layout of the last two come from
//! `scripts/kernel-layout.sh`, which the layout check uses too.
//!
//! KKASSERTs (cfg `invariants`) are compiled in with feature `invariants`,
//! or when the kernel build's opt_global.h defines INVARIANTS, as in C.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

/// How to reach the kernel headers: the C compiler and its flags (for the
/// shim), and the subset of them clang needs to parse the headers (bindgen).
struct Headers {
    cc: Option<String>,
    cflags: Vec<String>,
    clang: Vec<String>,
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    for var in ["SYSDIR", "KERNEL_CFLAGS", "KERNEL_CC", "KERNEL_OBJDIR"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    for file in ["ffi/bindings.h", "ffi/helpers.h", "module/vm_vmspace_shim.c"] {
        println!("cargo:rerun-if-changed={file}");
    }

    let headers = if env::var_os("CARGO_FEATURE_USERLAND").is_some() {
        userland(&root)
    } else if let Some(flags) = nonempty_env("KERNEL_CFLAGS") {
        let objdir = PathBuf::from(nonempty_env("KERNEL_OBJDIR").unwrap_or_else(|| ".".into()));
        let cflags = absolute_paths(flags.split_whitespace().map(String::from), &objdir);
        Headers { cc: nonempty_env("KERNEL_CC"), clang: preprocessor_flags(&cflags), cflags }
    } else if let Some(sysdir) = nonempty_env("SYSDIR") {
        dragonfly_tree(&root, &sysdir, &out)
    } else {
        model_kernel(&root)
    };

    println!("cargo::rustc-check-cfg=cfg(invariants)");
    // The model's instrumentation: the schedule explorer's switch point
    // before each atomic operation, the tree's lock check in RB_FIND:
    // userland builds only, unless MODEL_ATOMIC_POINTS=0 (make bench, which
    // counts the code's own instructions), as the harness decides for the
    // C original.
    println!("cargo::rustc-check-cfg=cfg(model_checks)");
    // scripts/compile-fail.py: a snippet compiled inside the crate.
    println!("cargo::rustc-check-cfg=cfg(compile_fail_snippet)");
    println!("cargo:rerun-if-env-changed=MODEL_ATOMIC_POINTS");
    if env::var_os("CARGO_FEATURE_USERLAND").is_some() && env::var("MODEL_ATOMIC_POINTS").map_or(true, |v| v != "0") {
        println!("cargo::rustc-cfg=model_checks");
    }
    if env::var_os("CARGO_FEATURE_INVARIANTS").is_some() || defines_invariants(&headers.cflags) {
        println!("cargo::rustc-cfg=invariants");
    }

    bindings(&root, &out, &headers);
    shim(&root, &headers);
}

/// Whether the flags define INVARIANTS, directly or in a forced include
/// (a kernel build's opt_global.h, from `options INVARIANTS`).  The one
/// place this is decided: scripts/kernel-build.sh reads the resulting cfg
/// from cargo's messages for its `.headers` note.
fn defines_invariants(cflags: &[String]) -> bool {
    let mut it = cflags.iter();
    while let Some(f) = it.next() {
        if f == "-DINVARIANTS" || f.starts_with("-DINVARIANTS=") {
            return true;
        }
        if f == "-include" {
            if let Some(text) = it.next().and_then(|h| fs::read_to_string(h).ok()) {
                if text.lines().any(|l| l.split_whitespace().take(2).eq(["#define", "INVARIANTS"])) {
                    return true;
                }
            }
        }
    }
    false
}

/// The kernel build's flags with relative paths (-I, -isystem, -include)
/// made absolute from the kernel build directory: cargo runs the compiler
/// and clang from elsewhere.
fn absolute_paths(flags: impl Iterator<Item = String>, objdir: &Path) -> Vec<String> {
    let abs = |p: &str| {
        if Path::new(p).is_absolute() {
            p.to_string()
        } else {
            objdir.join(p).display().to_string()
        }
    };
    let mut out = Vec::new();
    let mut path_next = false;
    for f in flags {
        if path_next {
            out.push(abs(&f));
            path_next = false;
        } else if f == "-include" || f == "-I" || f == "-isystem" {
            out.push(f);
            path_next = true;
        } else if let Some(p) = f.strip_prefix("-I") {
            out.push(format!("-I{}", abs(p)));
        } else if let Some(p) = f.strip_prefix("-isystem") {
            out.push(format!("-isystem{}", abs(p)));
        } else {
            out.push(f);
        }
    }
    out
}

fn nonempty_env(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn model_include(root: &Path) -> PathBuf {
    let inc = root.join("tests/kern/include");
    println!("cargo:rerun-if-changed={}", inc.display());
    inc
}

/// The model headers on the host, as the test harness compiles the C
/// original.
fn userland(root: &Path) -> Headers {
    let inc = model_include(root);
    let mut flags = vec![format!("-I{}", inc.display()), "-D_KERNEL".into()];
    flags.extend(model_flags());
    if env::var("MODEL_ATOMIC_POINTS").is_ok_and(|v| v == "0") {
        // make bench: the model's instrumentation off, as for the C original.
        flags.push("-DMODEL_NO_ATOMIC_POINTS".into());
    }
    Headers { cc: None, cflags: flags.clone(), clang: flags }
}

/// The model headers with the kernel's flags: the kernel object CI can build
/// without a DragonFly tree.  bindgen's clang keeps its own headers
/// (`-nostdlibinc`) and, like the compiler, finds libbsd's
/// <bsd/sys/tree.h> after everything else (tests/kern/README.md).
fn model_kernel(root: &Path) -> Headers {
    let inc = model_include(root).display().to_string();
    let mut cflags = kernel_layout(root, &["model", &inc]);
    cflags.extend(model_flags().into_iter().filter(|f| f.starts_with("-DMODEL_REV_")));
    let mut clang = vec!["-nostdlibinc".into(), format!("-I{inc}")];
    clang.push("-D_KERNEL".into());
    clang.push("-idirafter/usr/include".into());
    clang.push("-ffreestanding".into());
    clang.extend(model_flags());
    Headers { cc: None, cflags, clang }
}

/// `-DINVARIANTS` with feature `invariants`: the model headers' KKASSERT;
/// `-DMODEL_REV_22b7a3dbf6` with feature `rev-22b7a3dbf6`: the model
/// headers of that revision.
fn model_flags() -> Vec<String> {
    let mut flags = Vec::new();
    if env::var_os("CARGO_FEATURE_INVARIANTS").is_some() {
        flags.push("-DINVARIANTS".into());
    }
    if env::var_os("CARGO_FEATURE_REV_22B7A3DBF6").is_some() {
        flags.push("-DMODEL_REV_22b7a3dbf6".into());
    }
    flags
}

/// A DragonFly `sys/` tree, with a kernel build directory's include layout
/// under `$OUT_DIR/kinc` (`scripts/kernel-layout.sh` makes it).
fn dragonfly_tree(root: &Path, sysdir: &str, out: &Path) -> Headers {
    let sys = Path::new(sysdir).join("sys");
    println!("cargo:rerun-if-changed={}", sys.display());
    let kinc = out.join("kinc");
    let cflags = kernel_layout(root, &["sysdir", sysdir, &kinc.display().to_string()]);
    let clang = preprocessor_flags(&cflags);
    Headers { cc: None, cflags, clang }
}

/// The include layout and kernel flags from `scripts/kernel-layout.sh`,
/// which the layout check (scripts/kernel-layout-check.py) uses too.
/// INVARIANTS is the feature's, whatever the environment says.
fn kernel_layout(root: &Path, args: &[&str]) -> Vec<String> {
    let script = root.join("scripts/kernel-layout.sh");
    println!("cargo:rerun-if-changed={}", script.display());
    let invariants = match env::var_os("CARGO_FEATURE_INVARIANTS") {
        Some(_) => "1",
        None => "",
    };
    let out = std::process::Command::new("sh")
        .arg(&script)
        .args(args)
        .env("INVARIANTS", invariants)
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
    let what = format!("{} {}", script.display(), args.join(" "));
    assert!(out.status.success(), "{what} failed");
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().map(String::from).collect()
}

/// The flags that change what the headers say: include paths, macros,
/// forced includes, `-nostdinc`.  Code-generation flags are the compiler's
/// business, and clang rejects some of gcc's.
fn preprocessor_flags(cflags: &[String]) -> Vec<String> {
    let mut keep = Vec::new();
    let mut it = cflags.iter();
    while let Some(f) = it.next() {
        if f == "-include" || f == "-isystem" || f == "-I" || f == "-D" {
            keep.push(f.clone());
            keep.extend(it.next().cloned());
        } else if ["-I", "-D", "-U", "-isystem", "-idirafter"].iter().any(|p| f.starts_with(p))
            || f == "-nostdinc"
            || f == "-ffreestanding"
        {
            keep.push(f.clone());
        }
    }
    keep
}

fn bindings(root: &Path, out: &Path, headers: &Headers) {
    let target = env::var("TARGET").unwrap();
    let mut clang = headers.clang.clone();
    clang.push(format!("-I{}", root.join("ffi").display()));
    // Parse the headers as DragonFly's own compiler does (x86_64, LP64,
    // ELF: sys/linker_set.h insists on __ELF__, which clang's bare-metal
    // target lacks); Rust's x86_64-unknown-none has the same C ABI.
    if target == "x86_64-unknown-none" {
        clang.push("--target=x86_64-unknown-dragonfly".into());
    }
    let b = bindgen::Builder::default()
        .header(root.join("ffi/bindings.h").display().to_string())
        .clang_args(&clang)
        .use_core()
        .ctypes_prefix("core::ffi")
        .layout_tests(false)
        .derive_debug(false)
        .derive_default(false)
        .generate_comments(false)
        .enable_function_attribute_detection()
        .default_macro_constant_type(bindgen::MacroTypeVariation::Signed)
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
        // Structures the port reads or writes.
        .allowlist_type("vmspace_(create|destroy|ctl|mmap|munmap|mcontrol|pread|pwrite)_args")
        .allowlist_type("(proc|lwp|thread|globaldata|vmspace|vkernel_proc|vkernel_lwp)")
        .allowlist_type("(vmspace_entry|vmspace_rb_tree|lwp_rb_tree|trapframe|vextframe|savetls)")
        // Kernel functions it calls.
        .allowlist_function("(kmalloc|kfree|kprintf|panic|bcopy|copyin|copyout)")
        .allowlist_function("lwkt_(gettoken|gettoken_shared|reltoken|token_init)")
        .allowlist_function("(vmspace_alloc|vmspace_rel|kern_mmap)")
        .allowlist_function("pmap_(pinit2|remove_pages|setlwpvm)")
        .allowlist_function("vm_map_(remove|check_protection|madvise)")
        .allowlist_function("cpu_(sanitize_frame|sanitize_tls|vkernel_trap)")
        .allowlist_function("(set_user_TLS|set_vkernel_fp|vmm_vm_set_guest_cr3)")
        .allowlist_function("lwp_rb_tree_RB_(MINMAX|NEXT)")
        .allowlist_function("vmspace_rb_tree_RB_(INSERT|REMOVE|FIND|SCAN)")
        // Kernel data and constants.
        .allowlist_var("(vkernel_enable|vmspace_token|M_VKERNEL|globaldata)")
        .allowlist_var("E(OPNOTSUPP|INVAL|NOENT|BUSY|EXIST|JUSTRETURN)")
        .allowlist_var("(VMSPACE_CTL_RUN|M_WAITOK|M_ZERO|FALSE|RB_NEGINF|VKE_REF_DELETED)")
        .allowlist_var("rs_.*")
        .generate()
        .expect("bindgen failed on ffi/bindings.h");
    check_revision(&b.to_string());
    b.write_to_file(out.join("bindings.rs")).unwrap();
}

/// The headers' revision of vm_vmspace (its `struct vmspace_entry`) must be
/// the one the port is built for: feature `rev-22b7a3dbf6` (REV=22b7a3dbf6)
/// or none (c2e7bb204e).  Otherwise say so here, before the ABI pins fail.
fn check_revision(bindings: &str) {
    let tree = if bindings.contains("VKE_REF_DELETED") {
        "22b7a3dbf6"
    } else if bindings.contains("cache_refs") {
        "d95d5e03dc"
    } else {
        "c2e7bb204e"
    };
    let port = if env::var_os("CARGO_FEATURE_REV_22B7A3DBF6").is_some() { "22b7a3dbf6" } else { "c2e7bb204e" };
    if tree != port {
        panic!(
            "the kernel headers have vm_vmspace's structures of {tree} (DragonFly's 2017 rewrite if not \
             c2e7bb204e), the port is built for {port}: build with REV={tree} (the ports are c2e7bb204e \
             and 22b7a3dbf6)"
        );
    }
}

fn shim(root: &Path, headers: &Headers) {
    let mut build = cc::Build::new();
    build
        .file(root.join("module/vm_vmspace_shim.c"))
        .include(root.join("ffi"))
        // The kernel's own warning set for new code (sys/conf/kern.pre.mk
        // CWARNFLAGS), not cc's -Wextra, which its headers do not pass.
        .warnings(false)
        .flag("-Wall")
        .flag("-Wstrict-prototypes")
        .flag("-Wmissing-prototypes");
    if env::var_os("CARGO_FEATURE_USERLAND").is_none() {
        // Kernel object: exactly the kernel's flags, nothing of cc's own
        // (no -fPIC, no -ffunction-sections).
        build
            .no_default_flags(true)
            .compiler(headers.cc.clone().unwrap_or_else(|| nonempty_env("KERNEL_CC").unwrap_or_else(|| "cc".into())));
        build.archiver("ar").inherit_rustflags(false);
    }
    for f in &headers.cflags {
        build.flag(f);
    }
    build.compile("vmspace_shim");
}
