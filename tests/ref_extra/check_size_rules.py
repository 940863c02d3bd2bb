#!/usr/bin/env python3
"""check_size_rules.py - xlc's width builtins and stdlib widths against size_rules.tsv.

usage: check_size_rules.py XLC [--tsv size_rules.tsv] [--stdlib stdlib/xlstm.xl]

size_rules.tsv (written by size_rules.py from the official expressions, evaluated in Python
floats) holds rule, E, factor, multiple, result. For each rule this writes ONE .xl file with a
parameter per row whose shape is the rule's builtin expression (+ 1, since a dimension must be
positive and a rounded-down width can be 0), runs `xlc dump FILE sz --stage=cg` once and
compares the printed shapes with the TSV:

  up_ceil        round_up(pf * E, m)           official ceil(pf * E / m) * m
  up_floor       round_down(pf * E, m)         official floor(pf * E / m) * m
  next_multiple  next_multiple(E * pf, m)      official int(((x + m - 1) // m) * m), x = E * pf
  trunc          trunc(E * f)                  official int(E * f)
  head_dim       floor(trunc(E * f) / NH)      official int(E * f) // NH

The factors are written as Python's shortest round-trip decimal (repr), so xlc reads the same
binary64 value. Then the stdlib entries themselves: for a few (E, factor) pairs the shapes of
xlstm_lm's mLSTM proj_up.weight and sLSTM ffn.proj_up.weight and xlstm_large's ffn.proj_up.weight
printed by `xlc dump stdlib/xlstm.xl ENTRY --stage=cg --set ...` must be 2x / 2x / 1x the TSV
width. Exit 0 when everything matches, 1 otherwise.
"""
import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

TEMPLATES = {
    "up_ceil": "round_up({f} * {E}, {m})",
    "up_floor": "round_down({f} * {E}, {m})",
    "next_multiple": "next_multiple({E} * {f}, {m})",
    "trunc": "trunc({E} * {f})",
    "head_dim": "floor(trunc({E} * {f}) / {m})",
}


def factor_value(name):
    if "/" in name:
        a, b = name.split("/")
        return float(a) / float(b)
    return float(name)


PARAM_RE = re.compile(r'input "([^"]+)" kind=param\b[^:]*: \[([0-9, ]*)\]')


def dump_shapes(xlc, path, entry, sets):
    cmd = [xlc, "dump", path, entry, "--stage=cg"]
    for s in sets:
        cmd += ["--set", s]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None, (p.stderr or p.stdout).strip()
    shapes = {}
    for m in PARAM_RE.finditer(p.stdout):
        shapes[m.group(1)] = [int(x) for x in m.group(2).replace(" ", "").split(",") if x]
    return shapes, None


def check_rules(xlc, rows, tmp):
    bad = 0
    by_rule = {}
    for r in rows:
        by_rule.setdefault(r["rule"], []).append(r)
    for rule, rs in by_rule.items():
        if rule not in TEMPLATES:
            print(f"FAIL {rule}: no template for this rule")
            bad += 1
            continue
        lines = ["model sz() {"]
        for i, r in enumerate(rs):
            expr = TEMPLATES[rule].format(f=repr(factor_value(r["factor"])), E=r["E"], m=r["multiple"])
            lines.append(f"  param p{i}: [{expr} + 1] = zeros")
        lines += ["  in x: [T]", "  out y = x", "}", ""]
        path = os.path.join(tmp, f"size_{rule}.xl")
        with open(path, "w") as fh:
            fh.write("\n".join(lines))
        shapes, err = dump_shapes(xlc, path, "sz", ["B=1", "T=1"])
        if shapes is None:
            print(f"FAIL {rule}: xlc dump: {err.splitlines()[0] if err else '?'}")
            bad += 1
            continue
        nbad = 0
        for i, r in enumerate(rs):
            got = shapes.get(f"p{i}")
            want = int(r["result"]) + 1
            if got != [want]:
                if nbad < 10:
                    expr = TEMPLATES[rule].format(f=repr(factor_value(r["factor"])), E=r["E"], m=r["multiple"])
                    print(f"FAIL {rule} E={r['E']} factor={r['factor']} multiple={r['multiple']}: {expr} = "
                          f"{got[0] - 1 if got else None}, official {r['result']}")
                nbad += 1
        print(f"{'ok  ' if nbad == 0 else 'FAIL'} {rule}: {len(rs) - nbad}/{len(rs)} widths equal the official ones")
        bad += nbad
    return bad


def tsv_lookup(rows, rule, E, factor, m):
    for r in rows:
        if r["rule"] == rule and int(r["E"]) == E and r["factor"] == factor and int(r["multiple"]) == m:
            return int(r["result"])
    raise KeyError((rule, E, factor, m))


# (E, factor name) pairs for the stdlib entries; the settings each entry takes
LM_PAIRS = [(48, "1.5"), (48, "2.0"), (64, "1.3"), (96, "1.3"), (128, "4/3"), (48, "2.6667"), (192, "1.3")]
LARGE_PAIRS = [(48, "2.6667"), (64, "2.6667"), (96, "2.6667"), (192, "2.667"), (48, "8/3"), (128, "1.3")]


def check_stdlib(xlc, stdlib, rows):
    bad = 0
    n = 0
    for E, fac in LM_PAIRS:
        f = repr(factor_value(fac))
        # block 0 mLSTM, block 1 sLSTM; one head so that every width divides
        base = [f"V=32", f"E={E}", "L=2", "slstm_at=[1]", "B=1", "T=1"]
        for up, rule in ((True, "up_ceil"), (False, "up_floor")):
            want = tsv_lookup(rows, rule, E, fac, 64)
            if want == 0:
                continue
            sets = base + [f"mlstm_pf={f}", f"ffn_pf={f}", f"mlstm_round_up={'true' if up else 'false'}",
                           f"ffn_round_up={'true' if up else 'false'}", "mlstm_NH=1", "slstm_NH=1"]
            shapes, err = dump_shapes(xlc, stdlib, "xlstm_lm", sets)
            n += 1
            if shapes is None:
                print(f"FAIL xlstm_lm {' '.join(sets)}: {err.splitlines()[0] if err else '?'}")
                bad += 1
                continue
            for pname in ("xlstm_block_stack.blocks.0.xlstm.proj_up.weight",
                          "xlstm_block_stack.blocks.1.ffn.proj_up.weight"):
                got = shapes.get(pname)
                if not got or got[0] != 2 * want:
                    print(f"FAIL xlstm_lm E={E} pf={fac} round_up={up}: {pname} {got}, official [{2 * want}, {E}]")
                    bad += 1
    for E, fac in LARGE_PAIRS:
        f = repr(factor_value(fac))
        want = tsv_lookup(rows, "next_multiple", E, fac, 64)
        sets = ["V=32", f"E={E}", "NH=1", "L=1", f"ffn_pf={f}", "B=1", "T=1"]
        shapes, err = dump_shapes(xlc, stdlib, "xlstm_large", sets)
        n += 1
        if shapes is None:
            print(f"FAIL xlstm_large {' '.join(sets)}: {err.splitlines()[0] if err else '?'}")
            bad += 1
            continue
        got = shapes.get("backbone.blocks.0.ffn.proj_up.weight")
        if not got or got[0] != want:
            print(f"FAIL xlstm_large E={E} ffn_pf={fac}: ffn.proj_up.weight {got}, official [{want}, {E}]")
            bad += 1
    print(f"{'ok  ' if bad == 0 else 'FAIL'} stdlib: {n} entry configurations")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("xlc")
    ap.add_argument("--tsv", default=os.path.join(HERE, "size_rules.tsv"))
    ap.add_argument("--stdlib", default=os.path.join(HERE, "..", "..", "stdlib", "xlstm.xl"))
    a = ap.parse_args()
    with open(a.tsv, newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    with tempfile.TemporaryDirectory(prefix="xlc-size-rules.") as tmp:
        bad = check_rules(a.xlc, rows, tmp)
        bad += check_stdlib(a.xlc, a.stdlib, rows)
    print(f"size rules: {'all widths equal the official ones' if bad == 0 else f'{bad} mismatches'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
