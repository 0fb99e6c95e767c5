#!/usr/bin/env python3
"""The case list of make vkernel-test (docs/vkernel.md).

  cases.py dirs RUNLIST                 directories to build, one a line
  cases.py cases RUNLIST EXTRA BUILT [OVERRIDES]
                                        the vkernel runner's case file

RUNLIST is DragonFly's dfregress run list (test/testcases/sample.run: every
testcase with its type, options and arguments; runlist.run is a subset of
it).  A line is `path type options [arguments]`, blank-separated, arguments
quoted as in sh; `#` starts a comment.  Types: userland (run), buildonly
(built, not run), kernel (a kernel module: not built here, the static
vkernel loads no modules).  Options, comma-separated: defaults, timeout=S,
runas=USER, make=..., nobuild, ... (the ones this runner does not use are
ignored).

EXTRA is the project's own list (tests/vkernel/cases.list), the same syntax
with paths vk/PROGRAM (programs in /vk).  BUILT holds the built programs'
paths (relative to test/testcases), one a line: cases whose program was not
built are left out of the case file (make vkernel-test reports them).

OVERRIDES (tests/vkernel/overrides.list), same syntax: a row there replaces
the options and arguments of the RUNLIST rows with its path (each override
says why in a comment there).

A case file line: name, time limit (s), user, directory, program,
arguments..., separated by tabs.  A case's name is its path, and its
arguments if any; a name seen before gets ` #2`, ` #3`...
"""
import shlex
import sys

DEFAULT_TIMEOUT = 120


def parse(text):
    """Rows (path, type, options dict, args list) of a run list."""
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not line:
            continue
        words = shlex.split(line)
        if len(words) < 3:
            raise ValueError(f"line {n}: want `path type options [args]`: {line!r}")
        path, typ, opts = words[0], words[1], words[2]
        if typ not in ("userland", "buildonly", "kernel"):
            raise ValueError(f"line {n}: unknown type {typ!r}")
        options = {}
        for o in opts.split(","):
            k, _, v = o.partition("=")
            options[k] = v
        rows.append((path, typ, options, words[3:]))
    return rows


def dirs(rows):
    """The directories to build (userland and buildonly), in list order."""
    out = []
    for path, typ, _, _ in rows:
        d = path.rsplit("/", 1)[0]
        if typ != "kernel" and d not in out:
            out.append(d)
    return out


def cases(rows, root, built):
    """Case file lines for the rows whose program is in `built`."""
    out, seen = [], {}
    for path, typ, options, args in rows:
        if typ != "userland" or path not in built:
            continue
        name = " ".join([path] + args)
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name += f" #{seen[name]}"
        timeout = int(options.get("timeout") or DEFAULT_TIMEOUT)
        user = options.get("runas") or "root"
        d, prog = path.rsplit("/", 1)
        fields = [name, str(timeout), user, f"{root}/{d}", f"{root}/{d}/{prog}"] + args
        for f in fields:
            if "\t" in f or "\n" in f:
                raise ValueError(f"{name}: a tab or newline in {f!r}")
        out.append("\t".join(fields))
    return out


def override(rows, overrides):
    """rows with the options and arguments of `overrides` rows of the same path."""
    by_path = {path: (options, args) for path, _, options, args in overrides}
    unknown = set(by_path) - {path for path, _, _, _ in rows}
    if unknown:
        raise ValueError(f"overrides for cases not in the run list: {sorted(unknown)}")
    return [(path, typ) + by_path.get(path, (options, args)) for path, typ, options, args in rows]


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "dirs":
        print("\n".join(dirs(parse(open(sys.argv[2]).read()))))
    elif len(sys.argv) in (5, 6) and sys.argv[1] == "cases":
        built = set(open(sys.argv[4]).read().split())
        rows = parse(open(sys.argv[2]).read())
        if len(sys.argv) == 6:
            rows = override(rows, parse(open(sys.argv[5]).read()))
        lines = cases(rows, "/tc", built)
        # the project's programs: built by programs.sh into /vk
        extra = parse(open(sys.argv[3]).read())
        lines += cases(extra, "", {p for p, _, _, _ in extra})
        print("\n".join(lines))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
