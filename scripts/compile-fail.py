#!/usr/bin/env python3
"""The safe layer's compile-fail checks (tests/compile_fail/README.md).

For each snippet: every line marked `//~ ERROR <what>` must be refused, at
that line, with an error whose code or message contains <what> (the other
marked lines removed); the snippet with all marked lines removed must
compile.  A line `// features: F...` builds the crate with those features
too (the port of 22b7a3dbf6: rev-22b7a3dbf6).  Each variant is compiled inside the vmspace crate (cfg
compile_fail_snippet, sys/lib.rs) with `cargo check`.

Usage: compile-fail.py [SNIPPET.rs ...]   (default: tests/compile_fail/*.rs)
Last line: `compile-fail: N refusals in F snippets, each at its line; F
snippets compile without them`.
"""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "compile-fail")
MARK = re.compile(r"\s*//~ ERROR (.+)$")


def check(src, features):
    """cargo check with `src` as the snippet: (ok, [(line, text), ...])."""
    path = os.path.join(WORK, "snippet.rs")
    with open(path, "w") as f:
        f.write(src)
    env = dict(os.environ)
    env["VMSPACE_SNIPPET"] = path
    env["RUSTFLAGS"] = (env.get("RUSTFLAGS", "") + " --cfg compile_fail_snippet").strip()
    r = subprocess.run(
        ["cargo", "check", "--quiet", "-p", "vmspace", "--features", ",".join(["userland"] + features),
         "--message-format=short", "--target-dir", os.path.join(WORK, "target")],
        cwd=ROOT, env=env, capture_output=True, text=True)
    errors = []
    for line in r.stderr.splitlines():
        m = re.match(r"(.*?):(\d+):\d+: error(\[E\d+\])?: (.*)", line)
        if m and os.path.abspath(os.path.join(ROOT, m.group(1))) == path:
            errors.append((int(m.group(2)), (m.group(3) or "") + " " + m.group(4)))
    return r.returncode == 0, errors, r.stderr


def main():
    os.makedirs(WORK, exist_ok=True)
    files = sys.argv[1:] or sorted(glob.glob(os.path.join(ROOT, "tests", "compile_fail", "*.rs")))
    failures = []
    refusals = 0
    for name in files:
        lines = open(name).read().split("\n")
        marks = [(i, MARK.search(l).group(1).strip()) for i, l in enumerate(lines) if MARK.search(l)]
        marked = {i for i, _ in marks}
        # `// features: F...`: the crate features the snippet needs (the
        # port of another revision).
        features = next((l.split(":", 1)[1].split() for l in lines if l.startswith("// features:")), [])
        short = os.path.relpath(name, ROOT)
        for i, want in marks:
            # Keep line numbers: removed lines become blank.
            src = "\n".join(l if (j == i or j not in marked) else "" for j, l in enumerate(lines))
            ok, errors, stderr = check(src, features)
            hit = [e for e in errors if e[0] == i + 1 and want in e[1]]
            if ok or not hit:
                failures.append(f"{short}:{i + 1}: expected `{want}` there, got: "
                                + ("it compiled" if ok else "; ".join(f"{l}: {t}" for l, t in errors) or stderr[-800:]))
            else:
                refusals += 1
                print(f"  {short}:{i + 1}: refused: {hit[0][1].strip()}")
        src = "\n".join("" if j in marked else l for j, l in enumerate(lines))
        ok, errors, stderr = check(src, features)
        if not ok:
            failures.append(f"{short}: does not compile without its marked lines: "
                            + ("; ".join(f"{l}: {t}" for l, t in errors) or stderr[-800:]))
        else:
            print(f"  {short}: compiles without its marked lines")
    for f in failures:
        print("FAILED " + f)
    if failures:
        print(f"compile-fail: {len(failures)} failures")
        return 1
    print(f"compile-fail: {refusals} refusals in {len(files)} snippets, each at its line; "
          f"{len(files)} snippets compile without them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
