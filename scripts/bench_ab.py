#!/usr/bin/env python3
"""bench_ab.py - two xlc binaries compared in one run: `xlc bench --config X` for each
configuration, alternating the binaries round by round (A B A B ...) so that both see the same
machine load, and the median tokens/s of each with the ratio new / old.

  scripts/bench_ab.py OLD_XLC NEW_XLC [--configs A,B,C,D] [--rounds 3] [--steps 3] [--gen 256]

Used for refactors that must not change speed (issue 17: within +-3%). Each binary runs with a
private, initially empty JIT cache that is warmed by one unmeasured run first, so compile time
is not part of the numbers.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

LINE = re.compile(r"^\s+(forward|train|generate)\s+([0-9.]+) tokens/s")


def run(xlc, cfg, steps, gen, env):
    out = subprocess.run([xlc, "bench", "--config", cfg, "--steps", str(steps), "--gen", str(gen)],
                         capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit("%s bench --config %s failed:\n%s" % (xlc, cfg, out.stderr))
    r = {}
    for line in out.stdout.splitlines():
        m = LINE.match(line)
        if m:
            r[m.group(1)] = float(m.group(2))
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--configs", default="A,B,C,D")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--gen", type=int, default=256)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        envs = {}
        for tag in ("old", "new"):
            e = dict(os.environ)
            e["XLC_CACHE_DIR"] = os.path.join(tmp, tag)
            envs[tag] = e
        bins = {"old": a.old, "new": a.new}
        print("%-4s %-9s %12s %12s %8s" % ("cfg", "measure", "old tok/s", "new tok/s", "new/old"))
        for cfg in a.configs.split(","):
            res = {"old": [], "new": []}
            for tag in ("old", "new"):  # warm the caches (not measured)
                run(bins[tag], cfg, 1, 8, envs[tag])
            for _ in range(a.rounds):
                for tag in ("old", "new"):
                    res[tag].append(run(bins[tag], cfg, a.steps, a.gen, envs[tag]))
            for k in ("forward", "train", "generate"):
                o = [r[k] for r in res["old"] if k in r]
                n = [r[k] for r in res["new"] if k in r]
                if not o or not n:
                    continue
                mo, mn = statistics.median(o), statistics.median(n)
                print("%-4s %-9s %12.0f %12.0f %8.3f" % (cfg, k, mo, mn, mn / mo), flush=True)


if __name__ == "__main__":
    main()
