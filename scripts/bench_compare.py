#!/usr/bin/env python3
"""bench_compare.py - xlc's throughput beside the official package's, with the ratios.

Runs `xlc bench --config X` for the performance issue's configurations (A-D) ROUNDS times
each and prints, per configuration, forward / training-step / generation tokens/s of xlc
(median of the rounds) beside the official package's (median over the given JSON files,
written by scripts/bench_official.sh on this machine, quiet runs only) and the ratio
xlc / official, next to the issue's targets.

  scripts/bench_compare.py OFFICIAL.json [MORE.json ...] [--xlc build/xlc] [--configs A,B,C,D]
                           [--rounds 3] [--steps 3] [--gen 256] [--threads N]

The official numbers must come from runs on the same machine (bench_official.sh); nothing
is copied from elsewhere. XLC_NUM_THREADS is --threads (default: the machine's CPUs), as the
official runs use torch.set_num_threads(2) on 2 cores.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

TARGETS = {"A": 8, "B": 3, "C": 20, "D": 3}  # training, x the official code (the issue)
GEN_TARGET = {"A": 50}


def official(paths, max_other):
    per = {}
    for p in paths:
        with open(p) as f:
            doc = json.load(f)
        if doc.get("quick"):
            print("note: %s is a --quick run" % p, file=sys.stderr)
        for r in doc["results"]:
            if "error" in r or r.get("noisy") or r.get("other_cpu_frac_max", 0) > max_other:
                continue
            d = per.setdefault(r["config"], {"forward": [], "train": [], "generation": []})
            for k in d:
                d[k].append(r[k]["tokens_per_s"])
    return {c: {k: statistics.median(v) if v else None for k, v in d.items()} for c, d in per.items()}


LINE = re.compile(r"^\s+(forward|train|generate)\s+([0-9.]+) tokens/s")


def xlc_round(xlc, cfg, steps, gen, env):
    out = subprocess.run([xlc, "bench", "--config", cfg, "--steps", str(steps), "--gen", str(gen)],
                         env=env, capture_output=True, text=True, check=True).stdout
    got = {}
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            got[{"generate": "generation"}.get(m.group(1), m.group(1))] = float(m.group(2))
    return got


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("official", nargs="+")
    ap.add_argument("--xlc", default=os.path.join(os.path.dirname(__file__), "..", "build", "xlc"))
    ap.add_argument("--configs", default="A,B,C,D")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--gen", type=int, default=256)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--max-other", type=float, default=0.10)
    a = ap.parse_args()
    off = official(a.official, a.max_other)
    env = dict(os.environ, XLC_NUM_THREADS=str(a.threads))
    print("xlc: %s, XLC_NUM_THREADS=%d, %d rounds per config (median); official: median of %d file(s)"
          % (a.xlc, a.threads, a.rounds, len(a.official)))
    print("%-3s %-10s %12s %12s %8s %8s" % ("cfg", "measure", "xlc tok/s", "official", "ratio", "target"))
    for cfg in a.configs.split(","):
        rounds = [xlc_round(a.xlc, cfg, a.steps, a.gen, env) for _ in range(a.rounds)]
        for k in ("forward", "train", "generation"):
            vals = [r[k] for r in rounds if k in r]
            x = statistics.median(vals) if vals else None
            o = off.get(cfg, {}).get(k)
            tgt = TARGETS.get(cfg) if k == "train" else GEN_TARGET.get(cfg) if k == "generation" else None
            print("%-3s %-10s %12s %12s %8s %8s" % (
                cfg, k, "%.0f" % x if x else "-", "%.0f" % o if o else "-",
                "%.2fx" % (x / o) if x and o else "-", "%dx" % tgt if tgt else ""))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
