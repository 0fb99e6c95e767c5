#!/usr/bin/env python3
"""make planted-check: the harness must catch deliberately wrong ports.

Each variant of scripts/mutants/planted.toml is applied to a scratch copy
of the workspace, target/planted/src (one copy, re-patched per variant, so
that only the port and the harness recompile; one CARGO_TARGET_DIR,
target/planted/target), and tests/harness/tests/planted.rs runs there with
VMSPACE_PLANTED=<variant>: the directed set and random scenarios must both
report an unexpected divergence, shrunk to a small reproducer.  The copy is
first tested unmodified (the control: nothing to catch).  The working tree
is never edited.

    python3 scripts/mutants/planted.py [--variant NAME]... [--keep-going]

Prints what caught each variant; the last line is
`planted-check: K of N wrong ports caught`.  Exit status 1 if one was not
caught, 2 if a variant's anchor is not found exactly once (planted.toml
needs updating after a refactor of the port) or a variant does not build.
Each patched file and its diff are kept in target/planted/<variant>.{rs,diff}.
"""

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import time
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, AnchorError, apply_edit, copy_tree, die, shared_env  # noqa: E402

TABLE = os.path.join(ROOT, "scripts", "mutants", "planted.toml")
WORK = os.path.join(ROOT, "target", "planted")
SRC = os.path.join(WORK, "src")
TDIR = os.path.join(WORK, "target")


def load():
    with open(TABLE, "rb") as f:
        t = tomllib.load(f)
    vs = t.get("variant", [])
    for v in vs:
        for k in ("name", "what", "file", "find", "replace"):
            if k not in v:
                die(f"planted-check: {TABLE}: a variant lacks `{k}`")
    return vs


def cargo_test(env, variant):
    """Runs the planted test in the copy; (ok, output)."""
    cmd = ["cargo", "test", "--quiet", "-p", "harness", "--test", "planted", "--target-dir", TDIR,
           "--", "--nocapture"]
    e = dict(env)
    e.pop("VMSPACE_PLANTED", None)
    if variant:
        e["VMSPACE_PLANTED"] = variant
    p = subprocess.run(cmd, cwd=SRC, env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode == 0, p.stdout


def built(out):
    """Whether the test binary ran (as opposed to a compile error)."""
    return "running 1 test" in out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", action="append", help="only this variant (repeatable)")
    ap.add_argument("--keep-going", action="store_true", help="test every variant even after a failure")
    a = ap.parse_args()
    variants = load()
    if a.variant:
        unknown = set(a.variant) - {v["name"] for v in variants}
        if unknown:
            die(f"planted-check: no variant {sorted(unknown)} in {TABLE}")
        variants = [v for v in variants if v["name"] in a.variant]
    env = shared_env()
    t0 = time.time()

    # The copy, and every anchor checked before anything is built.
    os.makedirs(WORK, exist_ok=True)
    copy_tree(ROOT, SRC)
    pristine = {}
    bad = []
    for v in variants:
        f = v["file"]
        pristine.setdefault(f, open(os.path.join(SRC, f)).read())
        try:
            apply_edit(SRC, f, v["find"], v["replace"], v.get("fn"))
        except AnchorError as e:
            bad.append(f"planted-check: variant {v['name']}: {e}")
        patched = open(os.path.join(SRC, f)).read()
        open(os.path.join(WORK, v["name"] + ".rs"), "w").write(patched)
        open(os.path.join(WORK, v["name"] + ".diff"), "w").writelines(
            difflib.unified_diff(pristine[f].splitlines(True), patched.splitlines(True), "a/" + f, "b/" + f))
        open(os.path.join(SRC, f), "w").write(pristine[f])
    if bad:
        for b in bad:
            print(b)
        die("planted-check: the port changed under the variants: update the anchors in "
            "scripts/mutants/planted.toml (each `find` must occur once in its `fn`)")

    print(f"planted-check: {len(variants)} wrong ports from scripts/mutants/planted.toml, "
          f"each applied to a scratch copy ({os.path.relpath(SRC, ROOT)})")
    ok, out = cargo_test(env, None)
    if not ok:
        print(out)
        die("planted-check: the unmodified copy fails its control (above)")
    print("  control (unmodified port): the directed set finds nothing")

    caught, failures = 0, []
    for v in variants:
        name = v["name"]
        shutil.copyfile(os.path.join(WORK, name + ".rs"), os.path.join(SRC, v["file"]))
        ok, out = cargo_test(env, name)
        open(os.path.join(WORK, name + ".log"), "w").write(out)
        open(os.path.join(SRC, v["file"]), "w").write(pristine[v["file"]])
        line = next((l for l in out.splitlines() if l.startswith(f"planted: {name}: caught:")), None)
        if ok and line:
            caught += 1
            print(f"  {name} ({v['what']}):\n    {line[len(f'planted: {name}: caught: '):]}")
            continue
        if not built(out):
            print(out[-4000:])
            print(f"  {name}: DOES NOT BUILD (above): update its `replace` in scripts/mutants/planted.toml")
            failures.append((name, 2))
        else:
            why = [l for l in out.splitlines() if "planted:" in l or "panicked" in l]
            print(f"  {name} ({v['what']}): NOT CAUGHT\n    " + "\n    ".join(why[-4:]))
            print(f"    full output: {os.path.relpath(os.path.join(WORK, name + '.log'), ROOT)}")
            failures.append((name, 1))
        if not a.keep_going:
            break

    # Reproducers in full, for whoever reads the log.
    print(f"  (shrunk reproducers: {os.path.relpath(WORK, ROOT)}/<variant>.log; patches: <variant>.diff)")
    print(f"planted-check: {time.time() - t0:.0f} s")
    print(f"planted-check: {caught} of {len(variants)} wrong ports caught")
    if failures:
        sys.exit(max(c for _, c in failures))


if __name__ == "__main__":
    main()
