#!/usr/bin/env python3
"""The contention figure of `make contention` (docs/contention.md).

Inputs: the TSV files `contention --tsv` writes, one per revision (one line
per run: rev, impl, threads, seed, calls, decisions, waits on vkp->token
("vkernel"), on vmspace_token, on other tokens, vkp->token's shared and
exclusive acquisitions, vmspace_token's, the other tokens with waits).

Writes OUT/contention.md (the table: per revision, implementation and N,
the mean and maximum number of token waits per run on vkp->token, on
vmspace_token and on both) and OUT/contention.png (mean waits on the two
tokens against N, one line per revision and implementation, the maximum as
a marker), and prints the table; the last line is
`contention: N=<max N>: <rev> <mean> waits per run, <rev> <mean>, ...`.
"""

import argparse
import csv
import os
import sys
from collections import defaultdict

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REV_ABOUT = {
    "c2e7bb204e": "c2e7bb204e (2016)",
    "22b7a3dbf6": "22b7a3dbf6 (2017; DragonFly 5.0-5.8)",
    "d95d5e03dc": "d95d5e03dc (2017-01-22, first lock-free)",
}
REV_ORDER = ["c2e7bb204e", "d95d5e03dc", "22b7a3dbf6"]


def load(paths):
    runs = defaultdict(list)  # (rev, impl, n) -> [row]
    for p in paths:
        with open(p) as f:
            for row in csv.DictReader(f, delimiter="\t"):
                key = (row["rev"], row["impl"], int(row["threads"]))
                runs[key].append({k: (v if k in ("rev", "impl", "other_names") else int(v))
                                  for k, v in row.items()})
    return runs


def stats(rows, key):
    vals = [r[key] if isinstance(key, str) else key(r) for r in rows]
    return sum(vals) / len(vals), max(vals)


def both(r):
    return r["vkernel"] + r["vmspace_token"]


def rev_key(k):
    rev, impl, n = k
    return (REV_ORDER.index(rev) if rev in REV_ORDER else 99, rev, impl, n)


def table(runs):
    lines = [
        "| revision | impl | N | calls | runs | vkp->token waits: mean | max | vmspace_token waits: mean | max "
        "| both: mean | max | acquisitions (vkp->token shared / excl, vmspace_token) | waits on other tokens |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for k in sorted(runs, key=rev_key):
        rev, impl, n = k
        rows = runs[k]
        vk, vkm = stats(rows, "vkernel")
        vm, vmm = stats(rows, "vmspace_token")
        b, bm = stats(rows, both)
        others = defaultdict(int)
        for r in rows:
            if r["other_names"] not in ("-", ""):
                for item in r["other_names"].split(","):
                    name, v = item.rsplit("=", 1)
                    others[name] += int(v)
        other = ", ".join(f"{name} {v / len(rows):.2f}" for name, v in sorted(others.items())) or "none"
        sh, _ = stats(rows, "vkernel_shared")
        ex, _ = stats(rows, "vkernel_excl")
        vg, _ = stats(rows, "vmspace_token_gets")
        lines.append(f"| {rev} | {impl} | {n} | {rows[0]['calls']} | {len(rows)} | {vk:.2f} | {vkm} | {vm:.2f} | "
                     f"{vmm} | **{b:.2f}** | {bm} | {sh:.1f} / {ex:.1f}, {vg:.1f} | {other} |")
    return lines


def plot(runs, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = defaultdict(list)
    for (rev, impl, n), rows in runs.items():
        b, bm = stats(rows, both)
        series[(rev, impl)].append((n, b, bm))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    colours = {"c2e7bb204e": "tab:red", "22b7a3dbf6": "tab:green", "d95d5e03dc": "tab:orange"}
    for (rev, impl), pts in sorted(series.items(), key=lambda kv: rev_key(kv[0] + (0,))):
        pts.sort()
        ns = [p[0] for p in pts]
        style = "-" if impl == "C" else "--"
        label = f"{REV_ABOUT.get(rev, rev)}, {impl}"
        c = colours.get(rev)
        ax.plot(ns, [p[1] for p in pts], style, marker="o", color=c, label=f"{label}: mean")
        ax.plot(ns, [p[2] for p in pts], linestyle="none", marker="^", color=c, alpha=0.5,
                label=f"{label}: max")
    ax.set_xscale("log", base=2)
    allns = sorted({n for (_, _, n) in runs})
    ax.set_xticks(allns, [str(n) for n in allns])
    ax.set_xlabel("vkernel threads N (one vkernel, N cpus)")
    ax.set_ylabel("token waits per run (vkp->token + vmspace_token)")
    ax.set_title("Token waits: VMSPACE_CTL_RUN/trap round trips and map calls\n"
                 "(SMP model, random schedules)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(TOP, "bench"))
    ap.add_argument("--about", default="", help="how the runs were made (one line for the report)")
    ap.add_argument("tsv", nargs="+")
    a = ap.parse_args()
    runs = load(a.tsv)
    if not runs:
        print("contention: no runs in", " ".join(a.tsv))
        return 1
    os.makedirs(a.out, exist_ok=True)
    t = table(runs)
    md = ["# Token contention: c2e7bb204e vs. 22b7a3dbf6", "",
          "Written by `make contention` (scripts/contention-report.py); what is measured and how: "
          "[docs/contention.md](../docs/contention.md).", ""]
    if a.about:
        md += [a.about, ""]
    md += ["Waits per run: how many times a thread wanted `vkp->token` (\"vkernel\") or the global "
           "`vmspace_token` while another thread held it in a conflicting mode.", ""]
    md += t + ["", "![token waits](contention.png)", ""]
    with open(os.path.join(a.out, "contention.md"), "w") as f:
        f.write("\n".join(md))
    png = os.path.join(a.out, "contention.png")
    try:
        plot(runs, png)
        made = "contention.png"
    except ImportError:
        made = "no plot (matplotlib missing: scripts/deps.sh installs python3-matplotlib; PYTHON=/usr/bin/python3)"
    for line in t:
        print(line)
    print(f"contention: report in {os.path.relpath(a.out, TOP)}/contention.md and {made}")
    top = max(n for (_, _, n) in runs)
    summary = []
    for k in sorted((k for k in runs if k[2] == top), key=rev_key):
        b, _ = stats(runs[k], both)
        summary.append(f"{k[0]} {k[1]} {b:.2f}")
    print(f"contention: N={top}: waits per run on vkp->token + vmspace_token: " + ", ".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
