#!/usr/bin/env python3
"""config_fields.py XLC - one official configuration field changed at a time gives the official widths.

For each variant, an official-layout model config (xLSTMLMModelConfig or xLSTMLargeConfig,
JSON) is given to `xlc run --config` (which maps it through tools/official_config.c onto the
stdlib entry) and the parameter shapes xlc builds (the `grad.<param>: [dims]` lines of a --loss
run) are compared with the parameter shapes the official modules create, computed here
independently from the official constructors' size rules (xlstm/blocks/*, components/*,
xlstm_lm_model.py, xlstm_large/model.py), in Python floats exactly as the official code does.
Exit status 1 on any difference.
"""
import copy
import random
import struct
import json
import math
import os
import subprocess
import sys
import tempfile

# ---- the official parameter shapes -------------------------------------------------------


def up_proj_dim(pf, E, m, round_up):  # UpProjConfigMixin._set_proj_up_dim
    mult = pf * E / m
    mult = math.ceil(mult) if round_up else math.floor(mult)
    return int(mult * m)


def next_multiple(x, m):  # xlstm_large.utils.round_up_to_next_multiple_of
    return int(((x + m - 1) // m) * m)


def lm_shapes(cfg):
    E, V, L = cfg["embedding_dim"], cfg["vocab_size"], cfg["num_blocks"]
    mb, sb = cfg.get("mlstm_block"), cfg.get("slstm_block")
    at = cfg.get("slstm_at", [])
    if mb is None or at == "all":
        at = list(range(L))
    bias = cfg.get("bias", False)
    P = {"token_embedding.weight": (V, E)}
    for i in range(L):
        pre = "xlstm_block_stack.blocks.%d." % i
        P[pre + "xlstm_norm.weight"] = (E,)
        if i in at:
            sl = (sb or {}).get("slstm") or {}
            NH, K = sl.get("num_heads", 4), sl.get("conv1d_kernel_size", 4)
            D = E // NH
            if K > 0:
                P[pre + "xlstm.conv1d.conv.weight"] = (E, 1, K)
                P[pre + "xlstm.conv1d.conv.bias"] = (E,)
            for g in ("f", "i", "z", "o"):
                P[pre + "xlstm.%sgate.weight" % g] = (NH, D, D)
            P[pre + "xlstm.slstm_cell._recurrent_kernel_"] = (NH, 4 * D, D)  # vanilla state-dict layout
            P[pre + "xlstm.slstm_cell._bias_"] = (4 * NH * D,)
            if sl.get("group_norm_weight", True):
                P[pre + "xlstm.group_norm.weight"] = (E,)
            ff = sb.get("feedforward", {}) if "feedforward" in sb else {}
            if ff is not None:
                U = up_proj_dim(ff.get("proj_factor", 1.3), E, ff.get("round_proj_up_to_multiple_of", 64),
                                ff.get("round_proj_up_dim_up", True))
                P[pre + "ffn_norm.weight"] = (E,)
                P[pre + "ffn.proj_up.weight"] = (2 * U, E)
                P[pre + "ffn.proj_down.weight"] = (E, U)
                if ff.get("bias", False):
                    P[pre + "ffn.proj_up.bias"] = (2 * U,)
                    P[pre + "ffn.proj_down.bias"] = (E,)
        else:
            ml = mb.get("mlstm") or {}
            NH, K = ml.get("num_heads", 4), ml.get("conv1d_kernel_size", 4)
            I = up_proj_dim(ml.get("proj_factor", 2.0), E, ml.get("round_proj_up_to_multiple_of", 64),
                            ml.get("round_proj_up_dim_up", True))
            NB = round(I // ml.get("qkv_proj_blocksize", 4))
            P[pre + "xlstm.proj_up.weight"] = (2 * I, E)
            if K > 0:
                P[pre + "xlstm.conv1d.conv.weight"] = (I, 1, K)
                P[pre + "xlstm.conv1d.conv.bias"] = (I,)
            for n in ("q", "k", "v"):
                P[pre + "xlstm.%s_proj.weight" % n] = (NB, I // NB, I // NB)
                if bias:
                    P[pre + "xlstm.%s_proj.bias" % n] = (I,)
            for g in ("igate", "fgate"):
                P[pre + "xlstm.mlstm_cell.%s.weight" % g] = (NH, 3 * I)
                P[pre + "xlstm.mlstm_cell.%s.bias" % g] = (NH,)
            P[pre + "xlstm.mlstm_cell.outnorm.weight"] = (I,)
            P[pre + "xlstm.learnable_skip"] = (I,)
            P[pre + "xlstm.proj_down.weight"] = (E, I)
            if bias:
                P[pre + "xlstm.proj_up.bias"] = (2 * I,)
                P[pre + "xlstm.proj_down.bias"] = (E,)
    if cfg.get("add_post_blocks_norm", True):
        P["xlstm_block_stack.post_blocks_norm.weight"] = (E,)
    if not cfg.get("tie_weights", False):
        P["lm_head.weight"] = (V, E)
    return P


def large_shapes(cfg):
    E, V, L, NH = cfg["embedding_dim"], cfg["vocab_size"], cfg["num_blocks"], cfg["num_heads"]
    b = cfg.get("use_bias", False)
    qk, v = int(E * cfg.get("qk_dim_factor", 0.5)), int(E * cfg.get("v_dim_factor", 1.0))
    U = next_multiple(E * cfg.get("ffn_proj_factor", 2.6667), cfg.get("ffn_round_up_to_multiple_of", 64))
    fused = cfg.get("weight_mode", "single") == "fused"
    P = {"embedding.weight": (V, E), "lm_head.weight": (V, E)}

    def lin(name, o, i, bias):
        P[name + ".weight"] = (o, i)
        if bias:
            P[name + ".bias"] = (o,)

    for i in range(L):
        pre = "backbone.blocks.%d." % i
        for n in ("norm_mlstm", "norm_ffn"):
            P[pre + n + ".weight"] = (E,)
            if b:
                P[pre + n + ".bias"] = (E,)
        m = pre + "mlstm_layer."
        if fused:
            lin(m + "qkv_opreact", 2 * qk + 2 * v, E, b)
            lin(m + "ifgate_preact", 2 * NH, E, True)
            lin(pre + "ffn.proj_up_gate_z", 2 * U, E, b)
        else:
            lin(m + "q", qk, E, b)
            lin(m + "k", qk, E, b)
            lin(m + "v", v, E, b)
            lin(m + "ogate_preact", v, E, b)
            lin(m + "igate_preact", NH, E, True)
            lin(m + "fgate_preact", NH, E, True)
            lin(pre + "ffn.proj_up_gate", U, E, b)
            lin(pre + "ffn.proj_up", U, E, b)
        P[m + "multihead_norm.weight"] = (v,)
        if b:
            P[m + "multihead_norm.bias"] = (v,)
        lin(m + "out_proj", E, v, b)
        lin(pre + "ffn.proj_down", E, U, b)
    if cfg.get("add_out_norm", True):
        P["backbone.out_norm.weight"] = (E,)
        if b:
            P["backbone.out_norm.bias"] = (E,)
    return P


STDLIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "stdlib", "xlstm.xl")

# ---- the variants: one field changed from a base configuration ------------------------------

LM = {"vocab_size": 11, "embedding_dim": 32, "num_blocks": 2, "slstm_at": [1], "context_length": 3,
      "mlstm_block": {"mlstm": {"num_heads": 4}}, "slstm_block": {"slstm": {"num_heads": 4}, "feedforward": {}}}
LARGE = {"vocab_size": 11, "embedding_dim": 64, "num_heads": 2, "num_blocks": 2}


def lm(path, value):
    c = copy.deepcopy(LM)
    d = c
    keys = path.split(".")
    for k in keys[:-1]:
        d = d[k]
    d[keys[-1]] = value
    return c


VARIANTS = [("lm base", dict(LM))] + [("lm %s=%s" % (p, json.dumps(v)), lm(p, v)) for p, v in [
    ("embedding_dim", 48),
    ("num_blocks", 3),
    ("slstm_at", [0]),
    ("slstm_at", "all"),
    ("mlstm_block", None),
    ("add_post_blocks_norm", False),
    ("bias", True),
    ("tie_weights", True),
    ("mlstm_block.mlstm.num_heads", 2),
    ("mlstm_block.mlstm.conv1d_kernel_size", 0),
    ("mlstm_block.mlstm.conv1d_kernel_size", 3),
    ("mlstm_block.mlstm.qkv_proj_blocksize", 8),
    ("mlstm_block.mlstm.proj_factor", 1.3),
    ("mlstm_block.mlstm.proj_factor", 3.0),
    ("mlstm_block.mlstm.round_proj_up_to_multiple_of", 16),
    ("slstm_block.slstm.num_heads", 2),
    ("slstm_block.slstm.conv1d_kernel_size", 0),
    ("slstm_block.slstm.group_norm_weight", False),
    ("slstm_block.feedforward", None),
    ("slstm_block.feedforward", {"proj_factor": 2.0}),
    ("slstm_block.feedforward", {"bias": True}),
    ("slstm_block.feedforward", {"round_proj_up_to_multiple_of": 16}),
]]
# floor rounding needs a width that stays positive: E = 64 with proj factors 1.3
v = lm("embedding_dim", 64)
v["mlstm_block"]["mlstm"].update({"proj_factor": 1.3, "round_proj_up_dim_up": False})
VARIANTS.append(("lm E=64 mlstm round down", v))
v = lm("embedding_dim", 64)
v["slstm_block"]["feedforward"] = {"round_proj_up_dim_up": False}
VARIANTS.append(("lm E=64 ffn round down", v))
v = lm("slstm_block", None)
v["slstm_at"] = []
VARIANTS.append(("lm slstm_block=null slstm_at=[]", v))


def large(**kw):
    c = dict(LARGE)
    c.update(kw)
    return c


VARIANTS += [("large base", large())] + [("large %s" % kw, large(**kw)) for kw in [
    {"embedding_dim": 48, "num_heads": 3},  # 48 * 2.6667 = 128.0016 -> 128 (ceil would give 192)
    {"num_heads": 4},
    {"qk_dim_factor": 0.25},
    {"v_dim_factor": 0.5},
    {"ffn_proj_factor": 2.0},
    {"ffn_round_up_to_multiple_of": 32},
    {"use_bias": True},
    {"add_out_norm": False},
    {"weight_mode": "fused"},
]]


def xlc_shapes(xlc, cfg, tmp):
    path = os.path.join(tmp, "c.json")
    body = {"model": cfg}
    if "num_heads" in cfg:  # xLSTMLargeConfig has no context_length: give T
        extra = ["--set", "T=3", "--set", "B=1"]
    else:
        extra = []
    with open(path, "w") as f:
        json.dump(body, f)
    r = subprocess.run([xlc, "run", "--config", path, "--random-inputs", "--loss", "--backend", "ref", "--out",
                        os.path.join(tmp, "o.safetensors")] + extra, capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    P = {}
    for line in r.stdout.splitlines():
        if line.startswith("grad.") and not line.startswith("grad.state.") and ": [" in line:
            name, dims = line[5:].split(": [", 1)
            dims = dims.rstrip("]").strip()
            P[name] = tuple(int(x) for x in dims.split(",")) if dims else ()
    return P, None


def write_st(path, tensors):
    """tensors: name -> (dtype "F64"/"I32", shape, flat values)"""
    header, blobs, off = {}, [], 0
    for name, (dt, shape, vals) in tensors.items():
        b = struct.pack("<%d%s" % (len(vals), "d" if dt == "F64" else "i"), *vals)
        header[name] = {"dtype": dt, "shape": list(shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_st(path, name):
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])[name]
    s, e = h["data_offsets"]
    fmt = {"F64": "d", "F32": "f"}[h["dtype"]]
    return struct.unpack("<%d%s" % ((e - s) // struct.calcsize(fmt), fmt), b[8 + n + s:8 + n + e])


def fused_equals_single(xlc, tmp):
    """weight_mode fused is the single mode's arithmetic: the same random weights, concatenated
    as the official convert_single_weights_to_fused_weights does, give the same logits (f64)."""
    cfg = large(embedding_dim=48, num_heads=3, num_blocks=2, use_bias=True)
    rnd = random.Random(7)
    single = {k: ("F64", sh, [rnd.gauss(0, 0.3) for _ in range(math.prod(sh))])
              for k, sh in sorted(large_shapes(cfg).items())}
    fused = {k: v for k, v in single.items()}
    for i in range(cfg["num_blocks"]):
        m, f = "backbone.blocks.%d.mlstm_layer." % i, "backbone.blocks.%d.ffn." % i
        groups = [(m + "qkv_opreact", [m + "q", m + "k", m + "v", m + "ogate_preact"]),
                  (m + "ifgate_preact", [m + "igate_preact", m + "fgate_preact"]),
                  (f + "proj_up_gate_z", [f + "proj_up_gate", f + "proj_up"])]
        for new, parts in groups:
            for suf in (".weight", ".bias"):
                if parts[0] + suf not in single:
                    continue
                vals, rows = [], 0
                for p in parts:
                    _, sh, v = fused.pop(p + suf)
                    vals += v
                    rows += sh[0]
                fused[new + suf] = ("F64", (rows,) + tuple(single[parts[0] + suf][1][1:]), vals)
    toks = [3, 1, 4, 1, 5, 9, 2]
    write_st(os.path.join(tmp, "in.safetensors"), {"tokens": ("I32", (1, 7), toks), "targets": ("I32", (1, 7), toks)})
    logits = []
    for mode, params in (("single", single), ("fused", fused)):
        pp = os.path.join(tmp, mode + ".safetensors")
        write_st(pp, params)
        out = os.path.join(tmp, mode + "_out.safetensors")
        sets = ["--set", "V=11", "--set", "E=48", "--set", "NH=3", "--set", "L=2", "--set", "bias=true",
                "--set", "weight_mode=" + mode]
        r = subprocess.run([xlc, "run", STDLIB, "xlstm_large"] + sets + ["--params", pp, "--inputs",
                            os.path.join(tmp, "in.safetensors"), "--dtype", "f64", "--backend", "ref", "--out", out],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print("FAIL fused == single: %s failed: %s" % (mode, r.stderr.strip()))
            return 1
        logits.append(read_st(out, "logits"))
    err = max(abs(a - b) for a, b in zip(*logits)) / max(abs(a) for a in logits[0])
    ok = err <= 1e-12
    print("%s fused == single (xlstm_large E=48 NH=3 L=2 use_bias): logits rel %.2e" % ("ok  " if ok else "FAIL", err))
    return 0 if ok else 1


def main():
    xlc = sys.argv[1]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for label, cfg in VARIANTS:
            want = large_shapes(cfg) if "num_heads" in cfg else lm_shapes(cfg)
            got, err = xlc_shapes(xlc, cfg, tmp)
            if got is None:
                print("FAIL %-50s xlc failed: %s" % (label, err))
                failures += 1
                continue
            diff = [(k, want.get(k), got.get(k)) for k in sorted(set(want) | set(got)) if want.get(k) != got.get(k)]
            if diff:
                failures += 1
                print("FAIL %-50s %d differences" % (label, len(diff)))
                for k, w, g in diff[:6]:
                    print("     %s: official %s, xlc %s" % (k, w, g))
            else:
                print("ok   %-50s %d parameters" % (label, len(want)))
        failures += fused_equals_single(xlc, tmp)
    print("%d passed, %d failed" % (len(VARIANTS) + 1 - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
