"""Shared by scripts/mutants/planted.py and scripts/mutants/run.py
(docs/mutants.md): scratch copies of the workspace and what they need.

A scratch copy is the workspace's sources without build output or VCS data
(target/, obj/, .git, mutants.out*): the working tree is never edited.
"""

import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Never copied: build output, VCS data, cargo-mutants' own output.
SKIP_TOP = {"target", "obj", ".git", "mutants.out", "mutants.out.old"}
SKIP_ANY = {"__pycache__", ".gcda", ".gcno"}


def die(msg):
    print(msg, file=sys.stderr)
    sys.exit(2)


def _skipped(top, d, n):
    if top and n in SKIP_TOP:
        return True
    if n in SKIP_ANY or any(n.endswith(s) for s in SKIP_ANY if s.startswith(".")):
        return True
    # tests/harness/target and the like
    return n == "target" and os.path.exists(os.path.join(d, n, "CACHEDIR.TAG"))


def copy_tree(src, dst):
    """Makes dst a copy of the workspace src (sources only).  A file whose
    content is already the same keeps its mtime, so that cargo rebuilds in
    dst only what changed since the last copy; files gone from src go."""
    for d, dirs, files in os.walk(src):
        rel = os.path.relpath(d, src)
        top = rel == "."
        dirs[:] = [n for n in dirs if not _skipped(top, d, n)]
        out = os.path.join(dst, rel)
        os.makedirs(out, exist_ok=True)
        keep = set(dirs)
        for n in files:
            if _skipped(top, d, n):
                continue
            keep.add(n)
            s, t = os.path.join(d, n), os.path.join(out, n)
            if os.path.islink(s):
                if os.path.lexists(t):
                    os.remove(t)
                os.symlink(os.readlink(s), t)
                continue
            with open(s, "rb") as f:
                data = f.read()
            try:
                with open(t, "rb") as f:
                    if f.read() == data:
                        continue
            except OSError:
                pass
            with open(t, "wb") as f:
                f.write(data)
            shutil.copymode(s, t)
        for n in os.listdir(out):
            if n not in keep and not (top and n in SKIP_TOP):
                p = os.path.join(out, n)
                if os.path.isdir(p) and not os.path.islink(p):
                    shutil.rmtree(p)
                else:
                    os.remove(p)


def export_from_git(rev, dst):
    """dst = the workspace at commit rev (git archive), instead of the working tree."""
    if os.path.exists(dst):
        shutil.rmtree(dst)
    os.makedirs(dst)
    arch = subprocess.run(["git", "-C", ROOT, "archive", rev], check=True, stdout=subprocess.PIPE).stdout
    subprocess.run(["tar", "-x", "-C", dst], input=arch, check=True)


def shared_env():
    """The environment the harness's build script needs in a copy that does
    not sit beside ../shared: SHARED, REFERENCE, ABI as absolute paths (the
    Makefile exports them; a direct call gets the defaults)."""
    env = dict(os.environ)
    shared = os.path.abspath(env.get("SHARED") or os.path.join(ROOT, "..", "shared"))
    env["SHARED"] = shared
    env.setdefault("REFERENCE", os.path.join(shared, "reference", "vm_vmspace.c"))
    env["REFERENCE"] = os.path.abspath(env["REFERENCE"])
    env.setdefault("ABI", os.path.join(shared, "dragonfly-abi"))
    env["ABI"] = os.path.abspath(env["ABI"])
    if not os.path.isfile(env["REFERENCE"]):
        die(f"mutants: the C original is not at {env['REFERENCE']} (set SHARED or REFERENCE)")
    return env


def fn_span(text, name, path):
    """(start, end) of the function `name` in text: from its `fn name` to
    the first line that closes it at the indentation of its signature."""
    m = list(re.finditer(r"^([ \t]*)(?:#\[[^\n]*\]\s*)*(?:pub(?:\([a-z]+\))? )?(?:unsafe )?(?:extern \"C\" )?fn "
                         + re.escape(name) + r"\b", text, re.M))
    if len(m) != 1:
        raise AnchorError(f"{path}: {len(m)} definitions of fn {name} (want exactly 1)")
    indent = m[0].group(1)
    close = re.compile("^" + re.escape(indent) + r"\}[ \t]*$", re.M).search(text, m[0].end())
    if not close:
        raise AnchorError(f"{path}: fn {name} has no closing brace at its indentation")
    return m[0].start(), close.end()


class AnchorError(Exception):
    pass


def apply_edit(root, path, find, replace, fn=None):
    """Replaces the one occurrence of `find` (within fn `fn` if given) in
    root/path by `replace`; AnchorError unless it occurs exactly once."""
    full = os.path.join(root, path)
    try:
        text = open(full).read()
    except OSError as e:
        raise AnchorError(f"{path}: {e.strerror}")
    lo, hi = fn_span(text, fn, path) if fn else (0, len(text))
    n = text.count(find, lo, hi)
    where = f"fn {fn} of {path}" if fn else path
    if n != 1:
        raise AnchorError(f"{where}: the anchor occurs {n} times (want exactly 1):\n    {find!r}")
    i = text.index(find, lo, hi)
    open(full, "w").write(text[:i] + replace + text[i + len(find):])
