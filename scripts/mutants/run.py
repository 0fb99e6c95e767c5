#!/usr/bin/env python3
"""make mutants: a mutation run over the port (docs/mutants.md).

1. Copies the workspace to target/mutants/src (sources only) and drops the
   `unsafe` qualifier of the fn items of the mutated files there
   (sys/vm/vm_vmspace.rs, sys/kern.rs, sys/kern/**/*.rs): cargo-mutants never
   looks inside an `unsafe fn`, and every entry point of the port is one.
   The bodies already spell out their unsafe operations in `unsafe {}`
   blocks (deny(unsafe_op_in_unsafe_fn)), so the copy builds and behaves
   the same; the edit stays within its line, so mutants keep the file:line
   of the working tree.
2. Runs cargo-mutants there with .cargo/mutants.toml: every mutant built
   (debug) and tested by tests/harness/tests/mutants_directed.rs's
   `mutants_gate` (directed set, short differential run, CI replays, CI
   sched exploration; cheapest first).
3. Reads the outcomes: which stage killed each mutant, every survivor,
   whether docs/mutants.md explains it (section "Survivors": a table whose
   first column is the mutant's name with its line number written `L`).

    python3 scripts/mutants/run.py [--shard k/n] [--jobs J] [--list] [-- cargo-mutants args]

Environment: MUTANTS_SHARD, MUTANTS_JOBS (default 2), MUTANTS_ARGS.
Output in target/mutants/out/mutants.out.  The last line is
`mutants: N tested, K killed, S survived, U unviable` (a timeout counts as
killed: the checks did not pass).  Exit status 1 if a survivor is not
explained in docs/mutants.md, 2 if the run itself failed.
"""

import argparse
import collections
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, copy_tree, die, export_from_git, shared_env  # noqa: E402

WORK = os.path.join(ROOT, "target", "mutants")
SRC = os.path.join(WORK, "src")
OUT = os.path.join(WORK, "out")
DOC = os.path.join(ROOT, "docs", "mutants.md")
FILES = ["sys/vm/vm_vmspace.rs", "sys/kern.rs", "sys/kern/**/*.rs"]

UNSAFE_FN = re.compile(r'^([ \t]*(?:pub(?:\([a-z:]+\))?[ \t]+)?(?:const[ \t]+)?)unsafe[ \t]+((?:extern[ \t]+"C"[ \t]+)?fn[ \t])',
                       re.M)


# Items the harness's build never compiles, so that a mutant there could
# only "survive": the kernel-only ones (cfg not userland) and those of a
# later revision's port (cfg feature rev-<commit>, off in the default build).
NOT_COMPILED = re.compile(r'^([ \t]*#\[cfg\((?:not\((?:any\(test, )?feature = "userland"\)?\)'
                          r'|feature = "rev-[0-9a-f]+")\)\])[ \t]*$', re.M)


def prepare(root):
    """In root: drops `unsafe` from the fn items of the mutated files, and
    marks the items the harness's build does not compile (NOT_COMPILED)
    `#[cfg_attr(test, mutants::skip)]`, on the line of their cfg (line
    numbers stay those of the working tree).  Returns (fn items made
    visible, items skipped)."""
    n = k = 0
    for pat in FILES:
        for f in sorted(glob.glob(os.path.join(root, pat), recursive=True)):
            text = open(f).read()
            new, a = UNSAFE_FN.subn(r"\1\2", text)
            new, b = NOT_COMPILED.subn(r"\1 #[cfg_attr(test, mutants::skip)]", new)
            if a or b:
                open(f, "w").write(new)
            n, k = n + a, k + b
    return n, k


def config():
    import tomllib
    with open(os.path.join(ROOT, ".cargo", "mutants.toml"), "rb") as f:
        return tomllib.load(f)


def warm(env):
    """Builds the unmutated copy into target/mutants/src/target, as
    cargo-mutants will build each mutant: cargo-mutants copies it into its
    build directories (--copy-target), so that they start with the
    dependencies built.  Incremental across runs (the copy keeps the mtimes
    of unchanged files).  Also tells early if the prepared copy does not build."""
    t = time.time()
    e = dict(env)
    e.pop("TMPDIR", None)
    c = config()
    # The flags cargo-mutants gives rustc (src/cargo.rs, encoded_rustflags):
    # other flags would make every crate rebuild in the build directories.
    if c.get("cap_lints"):
        if e.get("CARGO_ENCODED_RUSTFLAGS"):
            e["CARGO_ENCODED_RUSTFLAGS"] += "\x1f--cap-lints=warn"
        elif e.get("RUSTFLAGS"):
            e["CARGO_ENCODED_RUSTFLAGS"] = "\x1f".join(e["RUSTFLAGS"].split() + ["--cap-lints=warn"])
        else:
            e["CARGO_ENCODED_RUSTFLAGS"] = "--cap-lints=warn"
    cmd = ["cargo", "test", "--no-run", "--quiet", "--package=vmspace"] + c.get("additional_cargo_args", [])
    p = subprocess.run(cmd, cwd=SRC, env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        print(p.stdout[-6000:])
        die("mutants: the prepared copy (target/mutants/src) does not build (above)")
    print(f"mutants: the unmutated copy built ({time.time() - t:.0f} s)", flush=True)


def stage_of(log):
    try:
        text = open(log, errors="replace").read()
    except OSError:
        return "?"
    m = re.findall(r"mutants-gate: KILLED by ([\w-]+)", text)
    if m:
        return m[-1]
    # The test process died (a mutant that crashes the model: SIGSEGV,
    # SIGABRT): in the stage that was running.
    started = re.findall(r"mutants-gate: (\w+) \.\.\.", text)
    if started:
        return started[-1] + "-crash"
    if "error: test failed" in text or "test result: FAILED" in text:
        return "other test"
    return "?"


def short(name):
    """A mutant's name with its line number as `L`: stable across edits
    elsewhere in the file; the column tells apart two mutants of one line."""
    return re.sub(r"^([^:]+):\d+:(\d+): ", r"\1:L:\2: ", name)


def explained():
    """Survivor names (as short()) that docs/mutants.md explains."""
    try:
        text = open(DOC).read()
    except OSError:
        return set()
    sec = text.split("\n## Survivors", 1)
    if len(sec) < 2:
        return set()
    body = sec[1].split("\n## ", 1)[0]
    # A `|` in a table cell is written `\|`.
    return {m.group(1).replace("\\|", "|") for m in re.finditer(r"^\|\s*`([^`]+)`\s*\|", body, re.M)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shard", default=os.environ.get("MUTANTS_SHARD") or None, help="k/n: one shard")
    ap.add_argument("--sharding", default=os.environ.get("MUTANTS_SHARDING") or "round-robin")
    ap.add_argument("--jobs", "-j", type=int, default=int(os.environ.get("MUTANTS_JOBS") or 2))
    ap.add_argument("--from-git", metavar="REV", help="mutate commit REV instead of the working tree")
    ap.add_argument("--list", action="store_true", help="list the mutants only")
    ap.add_argument("--summary-only", action="store_true", help="summarise the last run's outcomes again")
    ap.add_argument("rest", nargs="*", help="more cargo-mutants arguments (after --)")
    a = ap.parse_args()
    rest = a.rest + shlex.split(os.environ.get("MUTANTS_ARGS", ""))

    if shutil.which("cargo-mutants") is None:
        die("mutants: cargo-mutants is not installed (make mutants installs it: sh scripts/deps.sh mutants)")
    env = shared_env()
    # cargo-mutants' build copies, beside ours.
    env["TMPDIR"] = os.path.join(WORK, "tmp")
    os.makedirs(env["TMPDIR"], exist_ok=True)
    env.pop("CARGO_TARGET_DIR", None)

    if not a.summary_only:
        t0 = time.time()
        if a.from_git:
            export_from_git(a.from_git, SRC)
        else:
            copy_tree(ROOT, SRC)
        n_unsafe, n_kernel = prepare(SRC)
        cmd = ["cargo", "mutants", "-d", SRC, "--output", OUT, "--no-shuffle", "--colors", "never"]
        if a.list:
            cmd.append("--list")
        else:
            # The warm target goes into each build directory.
            cmd += ["-j", str(a.jobs), "--copy-target=true"]
        if a.shard:
            cmd += ["--shard", a.shard, "--sharding", a.sharding]
        cmd += rest
        if not a.list:
            print(f"mutants: {os.path.relpath(SRC, ROOT)}: the working tree{' at ' + a.from_git if a.from_git else ''}, "
                  f"`unsafe` dropped from {n_unsafe} fn items so that cargo-mutants mutates them, "
                  f"{n_kernel} items not compiled in the harness's build (kernel-only, other revisions) not mutated")
            print("mutants: " + " ".join(shlex.quote(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c)
                                         for c in cmd), flush=True)
            warm(env)
        p = subprocess.run(cmd, cwd=SRC, env=env)
        if a.list:
            sys.exit(p.returncode)
        # 0 all caught, 2 missed, 3 timeouts; 1 usage, 4 baseline failed, 70 internal.
        if p.returncode not in (0, 2, 3):
            die(f"mutants: cargo mutants failed (exit status {p.returncode}); see {os.path.relpath(OUT, ROOT)}/mutants.out")
        print(f"mutants: wall time {time.time() - t0:.0f} s")
    summarise()


def summarise():
    out = os.path.join(OUT, "mutants.out")
    try:
        data = json.load(open(os.path.join(out, "outcomes.json")))
    except OSError as e:
        die(f"mutants: no outcomes: {e}")
    counts = collections.Counter()
    stages = collections.Counter()
    survivors, timeouts = [], []
    for o in data.get("outcomes", []):
        sc = o.get("scenario")
        if not isinstance(sc, dict) or "Mutant" not in sc:
            continue  # the baseline
        m = sc["Mutant"]
        name = m.get("name") or f"{m.get('file')}:{m.get('span', {}).get('start', {}).get('line')}: {m.get('replacement')}"
        summary = o.get("summary")
        log = os.path.join(out, o.get("log_path", ""))
        if summary == "CaughtMutant":
            counts["killed"] += 1
            stages[stage_of(log)] += 1
        elif summary == "Timeout":
            counts["killed"] += 1
            stages["timeout"] += 1
            timeouts.append(name)
        elif summary == "Unviable":
            counts["unviable"] += 1
        elif summary == "MissedMutant":
            counts["survived"] += 1
            survivors.append(name)
        else:
            counts["other"] += 1
            print(f"mutants: {name}: outcome {summary}")
    tested = sum(counts.values())
    print("mutants: killed by stage: " + (", ".join(f"{k} {v}" for k, v in stages.most_common()) or "none"))
    for t in timeouts:
        print(f"mutants: timeout (counted killed): {t}")
    ok = explained()
    unexplained = [s for s in survivors if short(s) not in ok]
    for s in survivors:
        print(f"mutants: survived: {s}" + ("   [equivalent: docs/mutants.md]" if short(s) in ok else "   [NOT EXPLAINED]"))
    if unexplained:
        print(f"mutants: {len(unexplained)} survivor(s) neither killed nor explained in docs/mutants.md")
    print(f"mutants: {tested} tested, {counts['killed']} killed, {counts['survived']} survived, {counts['unviable']} unviable")
    sys.exit(1 if unexplained else 0)


if __name__ == "__main__":
    main()
