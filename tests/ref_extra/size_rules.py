#!/usr/bin/env python3
"""size_rules.py - evaluate the official xLSTM width rules over a grid, in Python floats,
exactly as the official code evaluates them, and write size_rules.tsv beside this script.

Rules (columns: rule, E, factor, multiple, result):
  up_ceil       xlstm UpProjConfigMixin._set_proj_up_dim, round_proj_up_dim_up = True:
                int(math.ceil(pf * E / m) * m)      (mLSTM inner dim, FFN up dim)
  up_floor      the same with round_proj_up_dim_up = False: int(math.floor(pf * E / m) * m)
  next_multiple xlstm_large round_up_to_next_multiple_of(E * pf, m):
                int(((x + m - 1) // m) * m) with x = E * pf a float (FFN up dim of xlstm_large);
                not ceil just above a multiple (E = 48, pf = 2.6667 -> 128, ceil gives 192)
  trunc         xlstm_large qk / v width: int(E * f)   (multiple column = 0)
  head_dim      xlstm_large per-head width: int(E * f) // NH   (multiple column = NH)

The grid: every multiple of 16 from 16 to 1024 (E = 48 among them), then 1152..4096 in steps of
128 (4096 = the 7B width), and a few odd widths (17, 33, 100, 129, 1000, 3000, 4095);
the factors the official configs use; multiples 16, 32, 64, 128 (head counts 1, 2, 3, 4, 8 for
head_dim). No official code is imported: these are the two expressions, written out.
Usage: python3 size_rules.py [OUT.tsv]
"""
import math
import os
import sys

FACTORS = [("1.3", 1.3), ("4/3", 4 / 3), ("1.5", 1.5), ("2.0", 2.0), ("2.6667", 2.6667), ("2.667", 2.667),
           ("8/3", 8 / 3), ("3.0", 3.0), ("0.5", 0.5), ("1.0", 1.0)]
MULTIPLES = [16, 32, 64, 128]
HEADS = [1, 2, 3, 4, 8]
E_GRID = sorted(set(list(range(16, 1025, 16)) + list(range(1152, 4097, 128)) + [48, 17, 33, 100, 129, 1000, 3000, 4095]))


def up_proj(pf, E, m, up):
    # UpProjConfigMixin: proj_up_dim = proj_factor * embedding_dim;
    # multiplier = proj_up_dim / round_proj_up_to_multiple_of; ceil (up) or floor; int(multiplier * m)
    mult = (pf * E) / m
    mult = math.ceil(mult) if up else math.floor(mult)
    return int(mult * m)


def next_multiple(x, m):
    # xlstm_large utils.round_up_to_next_multiple_of(x, multiple_of)
    return int(((x + m - 1) // m) * m)


def rows():
    for E in E_GRID:
        for fname, f in FACTORS:
            for m in MULTIPLES:
                yield ("up_ceil", E, fname, m, up_proj(f, E, m, True))
                yield ("up_floor", E, fname, m, up_proj(f, E, m, False))
                yield ("next_multiple", E, fname, m, next_multiple(E * f, m))
            yield ("trunc", E, fname, 0, int(E * f))
            for nh in HEADS:
                yield ("head_dim", E, fname, nh, int(E * f) // nh)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "size_rules.tsv")
    n = 0
    with open(out, "w") as fh:
        fh.write("rule\tE\tfactor\tmultiple\tresult\n")
        for r in rows():
            fh.write("\t".join(str(v) for v in r) + "\n")
            n += 1
    # the cases the issue names
    assert up_proj(1.5, 48, 64, True) == 128
    assert next_multiple(48 * 2.6667, 64) == 128 and up_proj(2.6667, 48, 64, True) == 192
    assert next_multiple(4096 * 2.6667, 64) == 10944
    print(f"{out}: {n} rows")


if __name__ == "__main__":
    main()
