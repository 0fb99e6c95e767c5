//! Totals of a differential run, reproducers, and the coverage of the C
//! original (gcovr over the coverage build's .gcda files).

use super::scenario::{self, Scenario, ScenarioResult};
use super::{AllowedDivergence, Divergence};
use crate::world::World;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// An unexpected divergence, shrunk.
#[derive(Clone, Debug)]
pub struct Reproducer {
    /// The scenario as generated (name, seed, length).
    pub original: String,
    pub original_steps: usize,
    /// The minimal scenario that still diverges, and its divergence.
    pub shrunk: Scenario,
    pub divergence: Divergence,
    /// The command that regenerates the original scenario, when known.
    pub regenerate: Option<String>,
}

impl Reproducer {
    /// Shrinks `sc` (whose run `first` diverged unexpectedly) and renders
    /// the result.
    pub fn new(world: &mut World, sc: &Scenario, first: &ScenarioResult) -> Reproducer {
        let mut run = |s: &Scenario| scenario::diff_scenario(world, s);
        let shrunk = scenario::shrink(sc, &mut run, &|r| r.verdict.unexpected.is_some());
        let divergence = run(&shrunk)
            .verdict
            .unexpected
            .or_else(|| first.verdict.unexpected.clone())
            .expect("shrinking keeps the divergence");
        Reproducer {
            original: sc.name.clone(),
            original_steps: sc.steps.len(),
            regenerate: sc.seed.map(|seed| format!("cargo run -p harness --release --bin diff -- --seed {seed}")),
            shrunk,
            divergence,
        }
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "UNEXPECTED DIVERGENCE in {} ({} steps)", self.original, self.original_steps);
        if let Some(cmd) = &self.regenerate {
            let _ = writeln!(s, "  regenerate: {cmd}");
        }
        let _ = writeln!(s, "  minimal reproducer ({} steps):", self.shrunk.steps.len());
        for l in self.shrunk.render().lines() {
            let _ = writeln!(s, "    {l}");
        }
        let _ = writeln!(s, "  {}", self.divergence.render().replace('\n', "\n  "));
        s
    }
}

/// What a run (or a worker) saw.
#[derive(Clone, Debug, Default)]
pub struct Totals {
    pub scenarios: u64,
    pub steps: u64,
    /// Per allowed divergence: how often, and the first one rendered.
    pub allowed: BTreeMap<AllowedDivergence, (u64, String)>,
    /// Rendered reproducers.
    pub unexpected: Vec<String>,
    /// Failed directed expectations.
    pub directed_failures: Vec<String>,
}

impl Totals {
    pub fn add(&mut self, sc: &Scenario, r: &ScenarioResult) {
        self.scenarios += 1;
        self.steps += r.steps_run as u64;
        for a in &r.verdict.allowed {
            let e = self.allowed.entry(a.kind).or_insert_with(|| {
                // The head of the rendering: the step, the traces, the
                // faults (the state diff after a C panic is long).
                const MAX: usize = 24;
                let text = a.divergence.render();
                let mut head: Vec<&str> = text.lines().take(MAX).collect();
                if text.lines().count() > MAX {
                    head.push("...");
                }
                (0, format!("first seen in {}:\n{}", sc.name, head.join("\n")))
            });
            e.0 += 1;
        }
    }

    pub fn merge(&mut self, o: Totals) {
        self.scenarios += o.scenarios;
        self.steps += o.steps;
        for (k, (n, ex)) in o.allowed {
            let e = self.allowed.entry(k).or_insert((0, ex));
            e.0 += n;
        }
        self.unexpected.extend(o.unexpected);
        self.directed_failures.extend(o.directed_failures);
    }

    pub fn to_json(&self) -> Value {
        let allowed: serde_json::Map<String, Value> = self
            .allowed
            .iter()
            .map(|(k, (n, ex))| (k.name().to_string(), json!({ "count": n, "example": ex })))
            .collect();
        json!({
            "scenarios": self.scenarios,
            "steps": self.steps,
            "allowed": allowed,
            "unexpected": self.unexpected,
            "directed_failures": self.directed_failures,
        })
    }

    pub fn from_json(v: &Value) -> Option<Totals> {
        let strings = |k: &str| -> Option<Vec<String>> {
            v.get(k)?.as_array()?.iter().map(|x| x.as_str().map(String::from)).collect()
        };
        let mut allowed = BTreeMap::new();
        for (name, a) in v.get("allowed")?.as_object()? {
            let kind = *AllowedDivergence::ALL.iter().find(|k| k.name() == name)?;
            allowed.insert(kind, (a.get("count")?.as_u64()?, a.get("example")?.as_str()?.to_string()));
        }
        Some(Totals {
            scenarios: v.get("scenarios")?.as_u64()?,
            steps: v.get("steps")?.as_u64()?,
            allowed,
            unexpected: strings("unexpected")?,
            directed_failures: strings("directed_failures")?,
        })
    }
}

/// Lines of vm_vmspace.c that only concurrency reaches, and why.  A
/// sequential run leaves them unreached; the directed concurrent scenarios
/// reach them.
pub const CONCURRENCY_ONLY: &[(u32, &str)] = &[
    (104, "sys_vmspace_create: another thread installed p_vkernel while this one slept in kmalloc"),
    (105, "(same race: use the winner's vkernel_proc)"),
];

/// KKASSERTs whose failing branch no sequence of calls reaches (sequential
/// or concurrent): each checks a reference the caller itself holds.
pub const INVARIANT_BRANCHES: &[(u32, &str)] = &[
    (624, "vkernel_inherit: the parent holds a reference on its vkernel_proc"),
    (656, "vkernel_exit: the exiting process holds a reference on its vkernel_proc"),
    (682, "vkernel_lwp_exit: the LWP running in the entry holds a reference on it"),
    (720, "vkernel_trap: the LWP running in the entry holds a reference on it"),
];

/// 22b7a3dbf6 (`vm_vmspace@22b7a3dbf6.c`'s line numbers): lines only
/// concurrency reaches (the same create race as c2e7bb204e's).
pub const CONCURRENCY_ONLY_22B7: &[(u32, &str)] = &[
    (104, "sys_vmspace_create: another thread installed p_vkernel while this one slept in kmalloc"),
    (105, "(same race: free this thread's vkernel_proc)"),
    (106, "(same race: use the winner's vkernel_proc)"),
];

/// 22b7a3dbf6: branches no sequence of calls takes.  The KKASSERTs check
/// a reference the caller holds or the order of the reference protocol;
/// line 694's test (and lines 695-696 behind it) is defensive: no tree
/// search can find a deleted entry.
pub const INVARIANT_BRANCHES_22B7: &[(u32, &str)] = &[
    (584, "vmspace_entry_delete: ve->refs counts the caller's own references (destroy's lookup: 1; exit: 0)"),
    (621, "vmspace_entry_cache_drop: the tree's cache reference is dropped only after VKE_REF_DELETED is set"),
    (671, "vkernel_find_vmspace: an entry without VKE_REF_DELETED still has its vmspace (cleared after deletion)"),
    (694, "vkernel_find_vmspace: never a deleted entry in the tree (see lines 695-696)"),
    (716, "vkernel_inherit: the parent holds a reference on its vkernel_proc"),
    (748, "vkernel_exit: the exiting process holds a reference on its vkernel_proc"),
    (778, "vkernel_lwp_exit: the LWP running in the entry holds a reference on it"),
    (827, "vkernel_trap: the LWP running in the entry holds a reference on it"),
];

/// 22b7a3dbf6: lines no sequence of calls reaches, sequential or
/// concurrent.
pub const UNREACHABLE_22B7: &[(u32, &str)] = &[
    (
        695,
        "vkernel_find_vmspace's tree path never finds a deleted entry: VKE_REF_DELETED is set \
         (atomic_cmpset_int) and the entry removed (RB_REMOVE) under the exclusive vkp->token with no \
         blocking call between (lines 583-587), and the search holds vkp->token (shared, or exclusive \
         for destroy); defensive code, as its comment says (lines 686-687)",
    ),
    (696, "(same: the deleted-entry case of the tree path)"),
];

/// The classification tables of this build's revision: (lines only
/// concurrency reaches, branches never taken, lines never reached).  At
/// d95d5e03dc there are none: everything not reached shows as NOT
/// EXPECTED.
#[allow(clippy::type_complexity)]
pub fn tables() -> (&'static [(u32, &'static str)], &'static [(u32, &'static str)], &'static [(u32, &'static str)]) {
    match crate::REV {
        crate::REF_REV => (CONCURRENCY_ONLY, INVARIANT_BRANCHES, &[]),
        "22b7a3dbf6" => (CONCURRENCY_ONLY_22B7, INVARIANT_BRANCHES_22B7, UNREACHABLE_22B7),
        _ => (&[], &[], &[]),
    }
}

/// Line and branch coverage of the C original.
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    pub lines: u32,
    pub lines_hit: u32,
    /// Branches of vm_vmspace.c's own code (the RB_GENERATE line excluded).
    pub branches: u32,
    pub branches_hit: u32,
    /// Branches of the RB_GENERATE expansion (the tree header's code).
    pub rb_branches: u32,
    pub rb_branches_hit: u32,
    /// Unreached lines: (line, source text).
    pub missing_lines: Vec<(u32, String)>,
    /// Lines with unreached branches: (line, hit, total, source text).
    pub missing_branches: Vec<(u32, u32, u32, String)>,
}

fn pct(a: u32, b: u32) -> f64 {
    if b == 0 {
        100.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

impl Coverage {
    pub fn line_pct(&self) -> f64 {
        pct(self.lines_hit, self.lines)
    }
    pub fn branch_pct(&self) -> f64 {
        pct(self.branches_hit, self.branches)
    }

    /// The coverage report (not the summary line).
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "coverage of vm_vmspace.c: lines {}/{} ({:.1}%), branches {}/{} ({:.1}%)",
            self.lines_hit,
            self.lines,
            self.line_pct(),
            self.branches_hit,
            self.branches,
            self.branch_pct()
        );
        let _ = writeln!(
            s,
            "  (RB_GENERATE expansion, the tree header's code, not counted: branches {}/{})",
            self.rb_branches_hit, self.rb_branches
        );
        if self.missing_lines.is_empty() {
            let _ = writeln!(s, "  every line reached");
        }
        let (concurrency_only, invariant_branches, unreachable) = tables();
        let conc: Vec<String> = concurrency_only
            .iter()
            .filter(|(l, _)| !self.missing_lines.iter().any(|(m, _)| m == l))
            .map(|(l, _)| l.to_string())
            .collect();
        if !conc.is_empty() {
            let _ = writeln!(
                s,
                "  lines {} (concurrency only) reached by the concurrent directed scenarios",
                conc.join(", ")
            );
        }
        for (l, text) in &self.missing_lines {
            let why = match (concurrency_only.iter().find(|(n, _)| n == l), unreachable.iter().find(|(n, _)| n == l)) {
                (Some((_, w)), _) => format!("concurrency only: {w}"),
                (None, Some((_, w))) => format!("unreachable: {w}"),
                (None, None) => "NOT EXPECTED".to_string(),
            };
            let _ = writeln!(s, "  line {l} not reached [{why}]: {}", text.trim());
        }
        for (l, hit, total, text) in &self.missing_branches {
            let why = invariant_branches.iter().find(|(n, _)| n == l).map_or("NOT EXPECTED".to_string(), |(_, w)| {
                if text.contains("KKASSERT") {
                    format!("KKASSERT failure unreachable: {w}")
                } else {
                    format!("never taken: {w}")
                }
            });
            let _ = writeln!(s, "  line {l}: {hit}/{total} branches [{why}]: {}", text.trim());
        }
        s
    }
}

/// Runs gcovr over the .gcda files under `objdir` for `source` and reads
/// its JSON report.
pub fn coverage(objdir: &Path, source: &Path) -> Result<Coverage, String> {
    // A filter by name, not --root: gcovr compares the root's real path
    // with the file's recorded one, which differ when shared/ is a
    // symbolic link.  (The C original is the only instrumented object.)
    let name = source.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let out = std::process::Command::new("gcovr")
        .arg("--filter")
        .arg(format!("(.+/)?{}$", name.replace('.', "\\.")))
        .arg("--json")
        .arg("-")
        .arg(objdir)
        .output()
        .map_err(|e| format!("running gcovr (make deps installs it): {e}"))?;
    if !out.status.success() {
        return Err(format!("gcovr failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("gcovr's JSON: {e}"))?;
    let text = std::fs::read_to_string(source).map_err(|e| format!("{}: {e}", source.display()))?;
    let src: Vec<&str> = text.lines().collect();
    let file = v
        .get("files")
        .and_then(Value::as_array)
        .and_then(|fs| fs.iter().find(|f| f.get("file").and_then(Value::as_str).is_some_and(|n| n.ends_with(name))))
        .ok_or_else(|| format!("no coverage data for {name} under {}", objdir.display()))?;
    let mut c = Coverage::default();
    for l in file.get("lines").and_then(Value::as_array).into_iter().flatten() {
        if l.get("gcovr/noncode").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let n = l.get("line_number").and_then(Value::as_u64).unwrap_or(0) as u32;
        let count = l.get("count").and_then(Value::as_u64).unwrap_or(0);
        let text = src.get(n as usize - 1).copied().unwrap_or("").to_string();
        c.lines += 1;
        if count > 0 {
            c.lines_hit += 1;
        } else {
            c.missing_lines.push((n, text.clone()));
        }
        let br = l.get("branches").and_then(Value::as_array).cloned().unwrap_or_default();
        let total = br.len() as u32;
        let hit = br.iter().filter(|b| b.get("count").and_then(Value::as_u64).unwrap_or(0) > 0).count() as u32;
        if text.trim_start().starts_with("RB_GENERATE") {
            c.rb_branches += total;
            c.rb_branches_hit += hit;
        } else {
            c.branches += total;
            c.branches_hit += hit;
            if hit < total {
                c.missing_branches.push((n, hit, total, text));
            }
        }
    }
    Ok(c)
}

/// Where this binary's coverage data is, if it is a coverage build
/// (HARNESS_COVERAGE=1): the object directory and the C original.
pub fn coverage_build() -> Option<(&'static Path, &'static Path)> {
    let obj = option_env!("HARNESS_COVERAGE_OBJDIR")?;
    Some((Path::new(obj), Path::new(env!("HARNESS_REFERENCE"))))
}

/// Deletes the .gcda files of a coverage build (before a run: the counts
/// are then this run's only).
pub fn reset_coverage(objdir: &Path) {
    if let Ok(rd) = std::fs::read_dir(objdir) {
        for e in rd.flatten() {
            if e.path().extension().is_some_and(|x| x == "gcda") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}
