#!/usr/bin/env python3
"""bench_forms.py - training speed of several forms of one model, in one run: `xlc bench FILE
ENTRY --set form=F ...` for each form (and each binary when --old is given), alternating round
by round so that every variant sees the same machine load; prints the median forward and
training tokens/s of each and the ratios to the first form (and new / old per form).

  scripts/bench_forms.py XLC [--old OLD_XLC] [--file tests/bench/rglru_forms.xl]
      [--entry rglru_lm] [--forms einsum,bsum] [--set T=128 --set B=4 ...] [--rounds 3]
      [--steps 5]

(--forms -: one variant without a form setting, for entries that have none.)

Default: RG-LRU's parallel form as an einsum against its broadcast-sum rewrite (issue 18 item
5: the einsum must train at least as fast). Each binary runs with a private JIT cache warmed
by one unmeasured run per variant, so compile time is not part of the numbers.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

LINE = re.compile(r"^\s+(forward|train)\s+([0-9.]+) tokens/s")


def run(xlc, args, form, sets, steps, env):
    cmd = [xlc, "bench", args.file, args.entry, "--steps", str(steps), "--gen", "0"]
    if form != "-":  # "-": the entry has no form setting
        cmd += ["--set", "form=" + form]
    for s in sets:
        cmd += ["--set", s]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit("%s failed:\n%s" % (" ".join(cmd), out.stderr))
    r = {}
    for line in out.stdout.splitlines():
        m = LINE.match(line)
        if m:
            r[m.group(1)] = float(m.group(2))
    return r


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("xlc")
    ap.add_argument("--old", help="a second binary (e.g. built from the base commit)")
    ap.add_argument("--file", default=os.path.join(here, "..", "tests", "bench", "rglru_forms.xl"))
    ap.add_argument("--entry", default="rglru_lm")
    ap.add_argument("--forms", default="einsum,bsum")
    ap.add_argument("--set", action="append", default=[], dest="sets")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args()
    sets = args.sets or ["T=128", "B=4"]
    forms = args.forms.split(",")
    bins = [("new", args.xlc)] + ([("old", args.old)] if args.old else [])
    caches = {name: tempfile.mkdtemp(prefix="xlc_forms_%s_" % name) for name, _ in bins}
    envs = {name: dict(os.environ, XLC_CACHE_DIR=caches[name]) for name, _ in bins}
    variants = [(name, xlc, f) for name, xlc in bins for f in forms]
    for name, xlc, f in variants:  # warm the caches
        run(xlc, args, f, sets, 1, envs[name])
    res = {(name, f): {"forward": [], "train": []} for name, _, f in variants}
    for _ in range(args.rounds):
        for name, xlc, f in variants:
            r = run(xlc, args, f, sets, args.steps, envs[name])
            for k in ("forward", "train"):
                if k in r:
                    res[(name, f)][k].append(r[k])
    med = {v: {k: statistics.median(x) if x else float("nan") for k, x in d.items()} for v, d in res.items()}
    print("%s %s %s, %d rounds of %d steps, XLC_NUM_THREADS=%s" % (os.path.basename(args.file), args.entry,
          " ".join(sets), args.rounds, args.steps, os.environ.get("XLC_NUM_THREADS", "all")))
    print("%-5s %-10s %12s %12s %14s" % ("bin", "form", "forward t/s", "train t/s", "train / " + forms[0]))
    for name, _, f in variants:
        m = med[(name, f)]
        print("%-5s %-10s %12.0f %12.0f %14.3f" % (name, f, m["forward"], m["train"], m["train"] / med[(name, forms[0])]["train"]))
    if args.old:
        for f in forms:
            print("new / old %-10s forward %.3f  train %.3f" % (f, med[("new", f)]["forward"] / med[("old", f)]["forward"],
                                                               med[("new", f)]["train"] / med[("old", f)]["train"]))


if __name__ == "__main__":
    main()
