//! Build script of the test harness.
//!
//! 1. Compiles the kernel model (`tests/kern/*.c`) against the model headers,
//!    and `tests/kern/model_host.c` (the model's only libc user) without them.
//! 2. Compiles the C original (`$REFERENCE`, default
//!    `../shared/reference/vm_vmspace.c` beside the repository) unmodified,
//!    model include path first, `-D_KERNEL -DINVARIANTS` (KKASSERTs on, as in
//!    DragonFly's GENERIC kernel), then renames its global symbols with
//!    `objcopy --redefine-sym` to `c_<name>` so that the Rust port, which
//!    exports the DragonFly names, can be linked into the same binary.
//! 3. Archives all of it as `libvmspace_model.a`, linked whole (the port's
//!    shim, linked after it, needs the model's symbols).
//! 4. Runs bindgen over `tests/kern/model.h` (the model API and the kernel
//!    structures) into `$OUT_DIR/model_bindings.rs`.
//! 5. Generates, from `module/vm_vmspace.exports` and the entry points'
//!    prototypes in the model headers, their declarations (`c_<name>` and,
//!    for the port, `<name>`) into `$OUT_DIR/entry_points.rs` (src/ffi.rs)
//!    and the `Entries` table type and tables into `$OUT_DIR/entries.rs`
//!    (src/impls.rs).
//!
//! `REV=<commit>` (default c2e7bb204e; also 22b7a3dbf6, d95d5e03dc) selects
//! the revision of vm_vmspace.c: its default `REFERENCE`
//! (`../shared/reference/upstream/vm_vmspace@REV.c` for the later ones) and
//! `-DMODEL_REV_<commit>` for everything compiled against the model headers,
//! whose layouts and imports then follow that revision.  The port exists for
//! c2e7bb204e and 22b7a3dbf6 (feature `rev-22b7a3dbf6`); d95d5e03dc needs
//! `--no-default-features`.  Binaries see
//! the revision as `HARNESS_REV` (`harness::REV`) and cfg `rev_2017`.
//!
//! With `HARNESS_COVERAGE=1` (a separate target dir: `make coverage`, `make
//! diff`) the C original, and only it, is compiled `--coverage -O0` and the
//! binaries link libgcov; `HARNESS_COVERAGE_OBJDIR` (compile time) tells
//! them where the .gcno/.gcda files are, `HARNESS_REFERENCE` which source.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The export list, the one list of the object's global symbols (the 12
/// entry points and RB_GENERATE's `vmspace_rb_tree_RB_*`): the C original's
/// are renamed to `c_<name>`; the entry points' declarations and tables are
/// generated from it (see `entry_points`).
const EXPORTS: &str = "module/vm_vmspace.exports";

const MODEL_FILES: &[&str] =
    &["model_core.c", "model_sched.c", "model_kmem.c", "model_vm.c", "model_machdep.c", "model_layout.c"];

/// DragonFly's kernel warning flags (sys/conf/bsd.kern.mk); the layout test
/// takes them from here (HARNESS_KERNEL_WARNINGS) and makes them errors.
const KERNEL_WARNINGS: &[&str] = &[
    "-Wall",
    "-Wredundant-decls",
    "-Wnested-externs",
    "-Wstrict-prototypes",
    "-Wmissing-prototypes",
    "-Wpointer-arith",
    "-Wcast-qual",
    "-Wold-style-definition",
    "-Wno-pointer-sign",
    "-Winit-self",
    "-Wno-unused-but-set-variable",
];

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.join("../..");
    let kern = root.join("tests/kern");
    let include = kern.join("include");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let exports_file = root.join(EXPORTS);
    println!("cargo:rerun-if-changed={}", exports_file.display());
    let exports: Vec<String> = std::fs::read_to_string(&exports_file)
        .unwrap_or_else(|e| panic!("reading {}: {e}", exports_file.display()))
        .split_whitespace()
        .map(String::from)
        .collect();

    println!("cargo:rerun-if-env-changed=REV");
    println!("cargo::rustc-check-cfg=cfg(rev_2017)");
    let rev = env::var("REV").ok().filter(|r| !r.is_empty()).unwrap_or(REF_REV.into());
    let rev_define = match rev.as_str() {
        REF_REV => None,
        "22b7a3dbf6" | "d95d5e03dc" => Some(format!("MODEL_REV_{rev}")),
        _ => panic!("REV={rev}: the harness knows c2e7bb204e, 22b7a3dbf6 and d95d5e03dc"),
    };
    // The port's revision is a feature of the package (vmspace's
    // rev-22b7a3dbf6, through ours); it must be REV's.
    let port = env::var_os("CARGO_FEATURE_PORT").is_some();
    let port_rev = if env::var_os("CARGO_FEATURE_REV_22B7A3DBF6").is_some() { "22b7a3dbf6" } else { REF_REV };
    if port && port_rev != rev {
        panic!(
            "REV={rev}, but the port is built for {port_rev}: the ports are c2e7bb204e (default) and \
             22b7a3dbf6 (--features rev-22b7a3dbf6); for d95d5e03dc build the harness with \
             --no-default-features (the C original alone)"
        );
    }
    if rev_define.is_some() {
        println!("cargo:rustc-cfg=rev_2017");
    }
    println!("cargo:rustc-env=HARNESS_REV={rev}");
    let reference = match env::var("REFERENCE") {
        Ok(r) if !r.is_empty() => PathBuf::from(r),
        _ if rev_define.is_none() => root.join("../shared/reference/vm_vmspace.c"),
        _ => root.join(format!("../shared/reference/upstream/vm_vmspace@{rev}.c")),
    };
    if !reference.exists() {
        panic!("the C original is not at {}: set REFERENCE to vm_vmspace.c", reference.display());
    }
    println!("cargo:rerun-if-env-changed=REFERENCE");
    println!("cargo:rerun-if-env-changed=HARNESS_COVERAGE");
    let coverage = env::var("HARNESS_COVERAGE").is_ok_and(|v| !v.is_empty() && v != "0");
    println!("cargo:rustc-env=HARNESS_REFERENCE={}", reference.display());
    println!("cargo:rerun-if-changed={}", reference.display());
    println!("cargo:rerun-if-changed={}", kern.display());
    for entry in walk(&kern) {
        println!("cargo:rerun-if-changed={}", entry.display());
    }

    // The C original, unmodified, by path.
    let mut c_build = kernel_build(&include, rev_define.as_deref());
    println!("cargo:rustc-env=HARNESS_KERNEL_WARNINGS={}", KERNEL_WARNINGS.join(" "));
    c_build.flags(KERNEL_WARNINGS).file(&reference);
    if coverage {
        // Unoptimised, so that gcov's lines and branches are the source's.
        c_build.flag("--coverage").opt_level(0);
        println!("cargo:rustc-link-lib=gcov");
        println!("cargo:rustc-env=HARNESS_COVERAGE_OBJDIR={}", out.display());
    }
    let c_objs = c_build.compile_intermediates();
    let mut renamed = Vec::new();
    for (i, obj) in c_objs.iter().enumerate() {
        let dst = out.join(format!("vm_vmspace_c{i}.o"));
        let mut objcopy = Command::new(env::var("OBJCOPY").unwrap_or("objcopy".into()));
        for sym in &exports {
            objcopy.arg(format!("--redefine-sym={sym}=c_{sym}"));
        }
        let status = objcopy.arg(obj).arg(&dst).status().expect("running objcopy");
        assert!(status.success(), "objcopy failed on {}", obj.display());
        renamed.push(dst);
    }

    // The host interface, against libc and without the model headers.
    let host_objs = cc::Build::new().file(kern.join("model_host.c")).flag("-Wall").compile_intermediates();

    // The model, as kernel code against the model headers.
    let mut model = kernel_build(&include, rev_define.as_deref());
    model.include(&kern).flag("-Wall").flag("-Wno-unused-parameter").cargo_metadata(false);
    for f in MODEL_FILES {
        model.file(kern.join(f));
    }
    model.objects(&renamed).objects(&host_objs).compile("vmspace_model");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static:+whole-archive=vmspace_model");

    bindings(&kern, &include, &out, rev_define.as_deref());
    entry_points(&kern, &include, &out, rev_define.as_deref(), &exports);
}

/// The entry points (the exports but RB_GENERATE's), declared and tabled
/// from their prototypes in the model headers (sys/sysproto.h,
/// sys/vkernel.h), so that neither names nor signatures are written twice.
fn entry_points(kern: &Path, include: &Path, out: &Path, rev_define: Option<&str>, exports: &[String]) {
    let names: Vec<&str> =
        exports.iter().map(String::as_str).filter(|s| !s.starts_with("vmspace_rb_tree_RB_")).collect();
    let mut b = model_bindgen(kern, include, rev_define)
        // The types are model_bindings.rs's (and ffi.rs's vmspace_create_args).
        .allowlist_recursively(false)
        .generate_comments(false)
        // Unformatted: one `pub fn name (args) -> ret ;` per prototype, parsed below.
        .formatter(bindgen::Formatter::None)
        .use_core();
    for n in &names {
        b = b.allowlist_function(*n);
    }
    let text = b.generate().expect("bindgen over the entry points' prototypes").to_string();
    // `(args) -> ret` of each entry point, in the export list's order.
    let sigs: Vec<(&str, &str)> = names
        .iter()
        .map(|&n| {
            let at = text
                .find(&format!("pub fn {n} ("))
                .unwrap_or_else(|| panic!("no prototype of {n} in the model headers"));
            let rest = &text[at + "pub fn ".len() + n.len()..];
            (n, rest[..rest.find(';').unwrap()].trim())
        })
        .collect();

    let mut decls = String::from("// Generated by build.rs from module/vm_vmspace.exports.\n");
    decls += "// The C original, its symbols renamed to c_<name>.\nextern \"C\" {\n";
    for (n, sig) in &sigs {
        decls += &format!("    pub fn c_{n}{sig};\n");
    }
    decls += "}\n/// The port, under the DragonFly names.\n#[cfg(feature = \"port\")]\npub mod port {\n    use super::*;\n    extern \"C\" {\n";
    for (n, sig) in &sigs {
        decls += &format!("        pub fn {n}{sig};\n");
    }
    decls += "    }\n}\n";
    std::fs::write(out.join("entry_points.rs"), decls).expect("writing entry_points.rs");

    let mut t = String::from("// Generated by build.rs from module/vm_vmspace.exports.\n");
    t += "/// The entry points of one implementation of `vm_vmspace.c`, as the kernel\n/// calls them.\n";
    t += "#[derive(Clone, Copy)]\npub struct Entries {\n    pub name: &'static str,\n";
    for (n, sig) in &sigs {
        t += &format!("    pub {n}: unsafe extern \"C\" fn{sig},\n");
    }
    t += "}\n";
    for (cfg, stat, name, path) in
        [("", "C_ENTRIES", "C", "c_"), ("#[cfg(feature = \"port\")]\n", "RUST_ENTRIES", "Rust", "port::")]
    {
        t += &format!("{cfg}pub(super) static {stat}: Entries = Entries {{\n    name: \"{name}\",\n");
        for (n, _) in &sigs {
            t += &format!("    {n}: crate::ffi::{path}{n},\n");
        }
        t += "};\n";
    }
    std::fs::write(out.join("entries.rs"), t).expect("writing entries.rs");
}

/// Whether atomic operations are switch points of the schedule explorer:
/// yes unless `MODEL_ATOMIC_POINTS=0` (make bench, which counts the code's
/// own instructions; the port's build.rs reads the same variable).
fn atomic_points() -> bool {
    println!("cargo:rerun-if-env-changed=MODEL_ATOMIC_POINTS");
    env::var("MODEL_ATOMIC_POINTS").map_or(true, |v| v != "0")
}

/// The revision of vm_vmspace.c the model headers follow without a define.
const REF_REV: &str = "c2e7bb204e";

/// A C build for kernel code against the model headers (model path first).
fn kernel_build(include: &Path, rev_define: Option<&str>) -> cc::Build {
    let mut b = cc::Build::new();
    if let Some(d) = rev_define {
        b.define(d, None);
    }
    if !atomic_points() {
        b.define("MODEL_NO_ATOMIC_POINTS", None);
    }
    b.include(include)
        .define("_KERNEL", None)
        .define("INVARIANTS", None)
        .flag("-std=gnu99")
        .flag("-ffreestanding")
        .flag("-fno-common")
        .warnings(false);
    b
}

/// bindgen over model.h as the C side sees the model headers.
fn model_bindgen(kern: &Path, include: &Path, rev_define: Option<&str>) -> bindgen::Builder {
    bindgen::Builder::default()
        .clang_args(rev_define.map(|d| format!("-D{d}")))
        .header(kern.join("model.h").to_string_lossy())
        .clang_arg(format!("-I{}", include.display()))
        .clang_arg(format!("-I{}", kern.display()))
        .clang_arg("-D_KERNEL")
        .clang_arg("-DINVARIANTS")
}

fn bindings(kern: &Path, include: &Path, out: &Path, rev_define: Option<&str>) {
    let b = model_bindgen(kern, include, rev_define)
        .allowlist_function("model_.*")
        .allowlist_type("vmspace_.*_args")
        .allowlist_type("vkernel_(proc|lwp)")
        .allowlist_type("vmspace_entry")
        .allowlist_type("(trapframe|vextframe|savetls|sysmsg|proc|lwp|thread|vmspace|malloc_type)")
        .allowlist_type("model_.*")
        // Its fields `type` and `type_` collide once bindgen escapes the
        // keyword: declared by hand in src/ffi.rs, checked by the layout test.
        .blocklist_type("vmspace_create_args")
        // The kernel interface, so that tests can run their own kernel code.
        .allowlist_function(
            "(kmalloc|kfree|lwkt_.*|copyin|copyout|bcopy|kern_mmap|vm_map_.*|vmspace_(alloc|rel)\
             |pmap_.*|lockinit|lockmgr|cpu_.*|set_user_TLS|set_vkernel_fp|vmm_vm_set_guest_cr3\
             |rb_spin_(lock|unlock)|panic|kprintf|lwp_rb_tree_RB_.*)",
        )
        .allowlist_var("(vkernel_enable|vmspace_token|globaldata|M_TEMP)")
        .allowlist_var("LK_.*")
        .allowlist_var("(MODEL|E|MAP|PROT|MADV|PSL|M|VMSPACE|PAGE|GSEL|GUCODE|GUDATA|SEL|PGEX)_.*")
        .allowlist_var("E[A-Z]+")
        .derive_default(true)
        .derive_debug(true)
        .derive_partialeq(true)
        .layout_tests(false)
        .use_core()
        .generate()
        .expect("bindgen over tests/kern/model.h");
    b.write_to_file(out.join("model_bindings.rs")).expect("writing model_bindings.rs");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                v.extend(walk(&p));
            } else {
                v.push(p);
            }
        }
    }
    v
}
