#!/usr/bin/env python3
"""make_cases.py - the record of how the reference cases in tests/ref_extra/ were made.

Each case is a configuration the shipped cases (../shared/ref) do not cover, computed by the
official NX-AI code (pip packages `xlstm` and `mlstm_kernels`, CPU, float64) and written in the
format of ../shared/ref (see its README.md): <case>/manifest.json plus <name>.f64.bin (little-
endian binary64, C order), <name>.f32.bin (the same values rounded to binary32) and
<name>.i32.bin (token ids).

  python3 -m venv /work/venv-ref && /work/venv-ref/bin/pip install torch xlstm mlstm_kernels
  /work/venv-ref/bin/python tests/ref_extra/make_cases.py [--out tests/ref_extra] [CASE...]

Backends: the vanilla (pure torch) sLSTM backend and the xlstm package's parallel mLSTM form for
the original package; the native torch kernels of mlstm_kernels for xlstm_large
(chunkwise--native_autograd in mode "train", native_sequence__native / native in mode
"inference"). Parameters: the official init (`reset_parameters()`) for the language models; the
official init plus N(0, 0.05^2) noise for the block cases (as the shipped block cases), so that
zero-initialised paths are exercised; for xlstm_large, which has no init code, the scheme of the
shipped xlstm_large_tiny case (see its notes). Losses: mean next-token cross-entropy for models,
sum(y * Gy) for blocks. This script only drives the official modules; it computes nothing of the
model itself.
"""
import argparse
import copy
import json
import math
import os
import struct
import sys
from array import array

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 1234


# ---------------------------------------------------------------------------------------------
# writing a case
# ---------------------------------------------------------------------------------------------

def _flat(t):
    return t.detach().cpu().contiguous().reshape(-1)


class Case:
    def __init__(self, out, name, description, official_sources, config):
        self.dir = os.path.join(out, name)
        os.makedirs(self.dir, exist_ok=True)
        for f in os.listdir(self.dir):  # a fresh case: no stale files
            if f.endswith(".bin") or f == "manifest.json":
                os.remove(os.path.join(self.dir, f))
        self.m = {"format_version": 1, "case": name, "description": description,
                  "official_sources": official_sources, "config": config, "tensors": []}
        self.total = 0

    def _write(self, fname, data):
        with open(os.path.join(self.dir, fname), "wb") as fh:
            fh.write(data)
        self.total += len(data)

    def add(self, name, t, role, official_name=None, layout=None, note=None):
        t = t.detach()
        base = name.replace("/", "_")
        e = {"name": name, "shape": list(t.shape), "numel": t.numel(), "role": role}
        if t.dtype in (torch.int32, torch.int64):
            v = array("i", [int(x) for x in _flat(t).tolist()])
            if sys.byteorder != "little":
                v.byteswap()
            e["files"] = {"int32": base + ".i32.bin"}
            self._write(base + ".i32.bin", v.tobytes())
        else:
            d = _flat(t).to(torch.float64)
            v64 = array("d", d.tolist())
            v32 = array("f", d.to(torch.float32).tolist())  # values exact in binary32
            if sys.byteorder != "little":
                v64.byteswap()
                v32.byteswap()
            e["files"] = {"float64": base + ".f64.bin", "float32": base + ".f32.bin"}
            self._write(base + ".f64.bin", v64.tobytes())
            self._write(base + ".f32.bin", v32.tobytes())
            e["absmax"] = float(d.abs().max()) if d.numel() else 0.0
        if official_name is not None:
            e["official_name"] = official_name
        if layout is not None:
            e["layout"] = layout
        if note is not None:
            e["note"] = note
        self.m["tensors"].append(e)

    def finish(self, checks, notes):
        self.m["checks"] = checks
        self.m["notes"] = notes
        self.m["total_bytes"] = self.total
        with open(os.path.join(self.dir, "manifest.json"), "w") as fh:
            json.dump(self.m, fh, indent=1)
            fh.write("\n")
        return {"case": self.m["case"], "dir": self.m["case"], "description": self.m["description"],
                "num_tensors": len(self.m["tensors"]), "total_bytes": self.total}


GRAD_NOTE = "d loss / d param (official autograd, float64)"


def rel_err(a, b):
    a, b = a.detach().double(), b.detach().double()
    mx = float((a - b).abs().max())
    ref = float(b.abs().max())
    return mx, (mx / ref if ref > 0 else mx)


def f32_checks(key, out64, out32):
    mx, rel = rel_err(out32, out64)
    return {key: {"max_abs": mx, "max_abs_over_ref_absmax": rel}}


def worst_grad(m64, m32):
    worst = (0.0, None)
    g32 = dict(m32.named_parameters())
    for n, p in m64.named_parameters():
        if p.grad is None or g32[n].grad is None:
            continue
        _, rel = rel_err(g32[n].grad, p.grad)
        if rel > worst[0]:
            worst = (rel, n)
    return [worst[0], worst[1]]


# ---------------------------------------------------------------------------------------------
# the original package: xLSTMLMModel
# ---------------------------------------------------------------------------------------------

LM_SOURCES = ["xlstm/xlstm_lm_model.py: xLSTMLMModel", "xlstm/xlstm_block_stack.py: xLSTMBlockStack",
              "xlstm/blocks/*", "xlstm/components/*"]


def _fields(obj, keys):
    return {k: getattr(obj, k) for k in keys}


def lm_case(out, name, description, *, V, E, L, ctx, slstm_at, mlstm=None, slstm=None, ffn="none", tie=False,
            post_norm=True, bias=False, wd_emb=False, B=2, seed=SEED, step_api=True, extra_notes=(),
            step_tensors=True):
    """mlstm / slstm: dicts of mLSTMLayerConfig / sLSTMLayerConfig fields (None: no such block kind);
    ffn: dict of FeedForwardConfig fields, or None for slstm_block.feedforward = None."""
    from xlstm import (FeedForwardConfig, mLSTMBlockConfig, mLSTMLayerConfig, sLSTMBlockConfig, sLSTMLayerConfig,
                       xLSTMLMModel, xLSTMLMModelConfig)
    torch.manual_seed(seed)
    mcfg = mLSTMBlockConfig(mlstm=mLSTMLayerConfig(**mlstm)) if mlstm is not None else None
    scfg = None
    if slstm is not None:
        sl = dict(slstm)
        sl.setdefault("backend", "vanilla")
        scfg = sLSTMBlockConfig(slstm=sLSTMLayerConfig(**sl),
                                feedforward=FeedForwardConfig(**ffn) if ffn is not None else None)
    cfg = xLSTMLMModelConfig(vocab_size=V, embedding_dim=E, num_blocks=L, context_length=ctx, slstm_at=slstm_at,
                             mlstm_block=mcfg, slstm_block=scfg, tie_weights=tie, add_post_blocks_norm=post_norm,
                             bias=bias, weight_decay_on_embedding=wd_emb)
    model = xLSTMLMModel(cfg)
    model.reset_parameters()
    model = model.double()
    tokens = torch.randint(0, V, (B, ctx + 1), dtype=torch.int64)
    x_in, tgt = tokens[:, :-1], tokens[:, 1:]

    acts = {}
    hooks = [model.token_embedding.register_forward_hook(lambda m, i, o: acts.__setitem__("act/embedding_out", o))]
    for i, blk in enumerate(model.xlstm_block_stack.blocks):
        hooks.append(blk.register_forward_hook(lambda m, inp, o, i=i: acts.__setitem__(f"act/block{i}_out", o)))
    pbn = model.xlstm_block_stack.post_blocks_norm
    hooks.append(pbn.register_forward_hook(lambda m, i, o: acts.__setitem__("act/post_blocks_norm_out", o)))

    m32 = copy.deepcopy(model).float()
    logits = model(x_in)
    loss = F.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1))
    model.zero_grad()
    loss.backward()
    for h in hooks:
        h.remove()
    if not post_norm:
        acts.pop("act/post_blocks_norm_out", None)  # an Identity: the same tensor as the last block's
    checks = {}
    if step_api:  # the official step API, token by token from the zero state (before the AdamW step)
        with torch.no_grad():
            state, outs = None, []
            for t in range(ctx):
                lg, state = model.step(x_in[:, t:t + 1], state=state)
                outs.append(lg)
            checks["step_api_vs_forward/logits"] = rel_err(torch.cat(outs, 1), logits)[0]

    # the derived widths, as the official config computed them
    bc = cfg
    conf = {"vocab_size": V, "embedding_dim": E, "num_blocks": L, "context_length": ctx,
            "slstm_at": slstm_at if isinstance(slstm_at, str) else list(cfg.slstm_at),  # "all" as given
            "block_map": [int(c) for c in cfg._block_map.split(",")]}
    conf["mlstm"] = None
    if mlstm is not None:
        ml = dict(mlstm)
        mls = [b.xlstm for b in model.xlstm_block_stack.blocks if hasattr(b.xlstm, "mlstm_cell")]
        ml["_proj_up_dim"] = mls[0].config._inner_embedding_dim  # the width the official config derived
        conf["mlstm"] = ml
    conf["slstm"] = None
    conf["feedforward"] = None
    if slstm is not None:
        sl = dict(slstm)
        sl.setdefault("backend", "vanilla")
        sl.setdefault("bias_init", bc.slstm_block.slstm.bias_init)
        conf["slstm"] = sl
        if ffn is not None:
            ff = dict(ffn)
            ffns = [b.ffn for b in model.xlstm_block_stack.blocks if getattr(b, "ffn", None) is not None]
            ff["up_dim"] = ffns[0].config._proj_up_dim  # the width the official config derived
            conf["feedforward"] = ff
    conf.update({"tie_weights": tie, "add_post_blocks_norm": post_norm, "bias": bias,
                 "weight_decay_on_embedding": wd_emb, "B": B,
                 "loss": "F.cross_entropy(logits.view(-1,V), tokens[:,1:].view(-1)), mean"})

    # one AdamW step with the official weight-decay grouping
    wd, nwd = model._create_weight_decay_optim_groups()
    names = {id(p): n for n, p in model.named_parameters()}
    wd_names = sorted(names[id(p)] for p in wd)
    adamw = {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay_params": wd_names, "weight_decay": 0.1}
    conf["adamw"] = adamw
    opt = torch.optim.AdamW([{"params": list(wd), "weight_decay": 0.1}, {"params": list(nwd), "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    grads = {n: (p.grad.detach().clone() if p.grad is not None else None) for n, p in model.named_parameters()}
    opt.step()
    after = {n: p.detach().clone() for n, p in model.named_parameters()}

    c = Case(out, name, description, LM_SOURCES, conf)
    c.add("input/tokens", tokens.to(torch.int32), "input",
          layout="(B, CTX+1) int32; model input = [:, :-1]; targets = [:, 1:]")
    for n, _ in model.named_parameters():
        c.add("param/" + n, before[n], "param", official_name=n)
        if grads[n] is not None:
            c.add("grad/" + n, grads[n], "grad", official_name=n, note=GRAD_NOTE)
    for k in ["act/embedding_out"] + [f"act/block{i}_out" for i in range(L)] + ["act/post_blocks_norm_out"]:
        if k in acts:
            c.add(k, acts[k], "activation")
    c.add("output/logits", logits, "output", layout="(B,CTX,V)")
    c.add("output/loss", loss, "output")
    wdset = set(wd_names)
    for n, _ in (model.named_parameters() if step_tensors else ()):
        d = 0.1 if n in wdset else 0.0
        c.add("adamw_step1/" + n, after[n], "param_after_step", official_name=n,
              note=f"after one torch.optim.AdamW step, lr=1e-3, betas=(0.9,0.999), eps=1e-8, weight_decay={d}")

    lg32 = m32(x_in)
    F.cross_entropy(lg32.reshape(-1, V), tgt.reshape(-1)).backward()
    checks.update(f32_checks("float32_official_run_vs_float64/logits", logits, lg32))
    # m32 was copied before the step; its parameters equal `before` rounded to binary32
    checks["float32_official_run_vs_float64/grads_worst_param"] = worst_grad(_with_grads(model, grads), m32)
    notes = ["Official init (xLSTMLMModel.reset_parameters()), constructed and initialised in float64.",
             "Parameter names are model.named_parameters() names; sLSTM params use the vanilla backend layout.",
             "config.mlstm / config.slstm / config.feedforward hold the official layer-config fields set for this "
             "case (null: no such block, or slstm_block.feedforward = None); mlstm._proj_up_dim and "
             "feedforward.up_dim are the widths the official config derived."]
    notes += list(extra_notes)
    if not step_tensors:
        notes.append("No adamw_step1/ tensors in this case (to keep it small): config.adamw still lists the "
                     "officially decayed parameters (xLSTMLMModel._create_weight_decay_optim_groups).")
    if tie:
        notes.append("tie_weights: lm_head.weight is token_embedding.weight (one parameter, listed once).")
    return c.finish(checks, notes)


class _with_grads:
    """named_parameters() of `model` with the gradients saved before the optimizer step"""

    def __init__(self, model, grads):
        self.model, self.grads = model, grads

    def named_parameters(self):
        for n, p in self.model.named_parameters():
            q = torch.nn.Parameter(p.detach().clone())
            q.grad = self.grads[n]
            yield n, q


# ---------------------------------------------------------------------------------------------
# the original package: one block
# ---------------------------------------------------------------------------------------------

def _perturb(block, gen):
    init = {n: p.detach().clone() for n, p in block.named_parameters()}
    with torch.no_grad():
        for n, p in block.named_parameters():
            s = 0.2 if n.endswith("_recurrent_kernel_") else 0.05
            p.add_(torch.randn(p.shape, generator=gen, dtype=p.dtype) * s)
    return init


def block_case(out, name, description, sources, *, kind, E, S, B, block_kwargs, stack_kwargs, conf, seed=SEED):
    from xlstm import (FeedForwardConfig, mLSTMBlockConfig, mLSTMLayerConfig, sLSTMBlockConfig, sLSTMLayerConfig,
                       xLSTMBlockStack, xLSTMBlockStackConfig)
    torch.manual_seed(seed)
    if kind == "mlstm":
        bcfg = {"mlstm_block": mLSTMBlockConfig(mlstm=mLSTMLayerConfig(**block_kwargs["layer"])), "slstm_block": None,
                "slstm_at": []}
    else:
        ff = block_kwargs.get("ffn")
        bcfg = {"mlstm_block": None,
                "slstm_block": sLSTMBlockConfig(slstm=sLSTMLayerConfig(**block_kwargs["layer"]),
                                                feedforward=FeedForwardConfig(**ff) if ff is not None else None),
                "slstm_at": [0]}
    scfg = xLSTMBlockStackConfig(num_blocks=1, embedding_dim=E, context_length=S, add_post_blocks_norm=False,
                                 **bcfg, **stack_kwargs)
    stack = xLSTMBlockStack(scfg)
    stack.reset_parameters()
    block = stack.blocks[0].double()
    gen = torch.Generator().manual_seed(seed + 1)
    init = _perturb(block, gen)
    x = torch.randn(B, S, E, generator=gen, dtype=torch.float64, requires_grad=True)
    Gy = torch.randn(B, S, E, generator=gen, dtype=torch.float64)
    b32 = copy.deepcopy(block).float()
    y = block(x)
    loss = (y * Gy).sum()
    loss.backward()
    with torch.no_grad():
        state, ys = {}, []
        for t in range(S):
            yt, state = block.step(x[:, t:t + 1].detach(), **state)
            ys.append(yt)
        y_step = torch.cat(ys, 1)
    c = Case(out, name, description, sources, conf)
    c.add("input/x", x, "input", layout="(B,S,E)")
    c.add("weight/Gy", Gy, "loss_weight", layout="(B,S,E)")
    for n, p in block.named_parameters():
        c.add("param/" + n, p, "param", official_name=n)
        c.add("grad/" + n, p.grad, "grad", official_name=n, note=GRAD_NOTE)
    c.add("output/y", y, "output", layout="(B,S,E)")
    c.add("output/loss", loss, "output")
    c.add("grad/x", x.grad, "grad", layout="(B,S,E)", note="d loss / d x (official autograd, float64)")
    c.add("output/y_step_api", y_step, "output", note="official block.step() token by token from zero state")
    x32 = x.detach().float().requires_grad_(True)
    y32 = b32(x32)
    checks = {"step_api_vs_forward/y": rel_err(y_step, y)[0]}
    checks.update(f32_checks("float32_official_run_vs_float64/y", y, y32))
    notes = ["All parameters = official init (reset_parameters of a one-block xLSTMBlockStack) + N(0, 0.05^2) noise "
             "(sLSTM recurrent kernel: N(0, 0.2^2)), so that zero-initialised paths are exercised.",
             "LayerNorm/MultiHeadLayerNorm weights in this package are stored as offsets: effective scale = 1 + weight."]
    return c.finish(checks, notes)


# ---------------------------------------------------------------------------------------------
# xlstm_large
# ---------------------------------------------------------------------------------------------

LARGE_SOURCES = ["xlstm/xlstm_large/model.py: xLSTMLarge, mLSTMBlock, mLSTMLayer, FeedForward",
                 "xlstm/xlstm_large/components.py: RMSNorm, MultiHeadLayerNorm, soft_cap",
                 "mlstm_kernels/torch/backend_module.py: mLSTMBackend",
                 "mlstm_kernels/torch/chunkwise/native/fw.py: mlstm_chunkwise_fw",
                 "mlstm_kernels/torch/kernel_wrappers.py: wrap_chunkwise__arbitrary_sequence_length",
                 "mlstm_kernels/torch/recurrent/native_step.py, native_sequence.py"]


def large_case(out, name, description, *, V, E, NH, L, S, B, chunk, ffn_pf, use_bias, add_out_norm, prefill,
               qk_f=0.5, v_f=1.0, seed=SEED):
    from xlstm.xlstm_large.model import xLSTMLarge, xLSTMLargeConfig
    torch.manual_seed(seed)

    def make_cfg(mode, chunk_size, dtype):
        return xLSTMLargeConfig(embedding_dim=E, num_heads=NH, num_blocks=L, vocab_size=V, use_bias=use_bias,
                                qk_dim_factor=qk_f, v_dim_factor=v_f,
                                add_out_norm=add_out_norm, ffn_proj_factor=ffn_pf, chunk_size=chunk_size,
                                chunkwise_kernel="chunkwise--native_autograd",
                                sequence_kernel="native_sequence__native", step_kernel="native", mode=mode,
                                return_last_states=True, autocast_kernel_dtype=dtype,
                                norm_reduction_force_float32=False, inference_state_dtype=dtype)

    cfg = make_cfg("train", chunk, "float64")
    model = xLSTMLarge(cfg)
    gen = torch.Generator().manual_seed(seed + 2)
    with torch.no_grad():  # the shipped xlstm_large_tiny scheme (xlstm_large has no init code)
        for n, p in model.named_parameters():
            if n.endswith("igate_preact.weight") or n.endswith("fgate_preact.weight"):
                p.mul_(12.0)
            elif n == "lm_head.weight":
                p.mul_(40.0)
            elif n.endswith("igate_preact.bias"):
                p.copy_(torch.randn(p.shape, generator=gen))
            elif n.endswith("fgate_preact.bias"):
                p.copy_(torch.linspace(3.0, 6.0, p.numel()))
            elif "norm" in n and n.endswith(".weight"):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=gen))
            elif "norm" in n and n.endswith(".bias"):  # use_bias: zero-initialised norm biases
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
    model = model.double()
    tokens = torch.randint(0, V, (B, S + 1), generator=gen, dtype=torch.int64)
    x_in, tgt = tokens[:, :-1], tokens[:, 1:]
    m32 = copy.deepcopy(model).float()
    m32.config.autocast_kernel_dtype = "float32"

    acts = {}
    hooks = [model.embedding.register_forward_hook(lambda m, i, o: acts.__setitem__("act/embedding_out", o))]
    for i, blk in enumerate(model.backbone.blocks):
        hooks.append(blk.register_forward_hook(
            lambda m, inp, o, i=i: acts.__setitem__(f"act/block{i}_out", o[0] if isinstance(o, tuple) else o)))
    logits, state = model(x_in)
    loss = F.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1))
    loss.backward()
    for h in hooks:
        h.remove()

    # inference mode: the whole sequence in one call, and a prefill then single steps
    inf = xLSTMLarge(make_cfg("inference", S, "float64")).double()
    inf.load_state_dict(model.state_dict())
    with torch.no_grad():
        lg_full, _ = inf(x_in)
        lg_a, st = inf(x_in[:, :prefill])
        parts = [lg_a]
        for t in range(prefill, S):
            lg_t, st = inf(x_in[:, t:t + 1], st)
            parts.append(lg_t)
        lg_steps = torch.cat(parts, 1)

    DQK, DV = int(E * qk_f) // NH, int(E * v_f) // NH
    U = model.backbone.blocks[0].ffn.proj_up.weight.shape[0]
    conf = {"vocab_size": V, "embedding_dim": E, "num_heads": NH, "num_blocks": L, "B": B, "S": S,
            "qk_dim_factor": qk_f, "v_dim_factor": v_f, "qk_dim": int(E * qk_f), "v_dim": int(E * v_f),
            "ffn_proj_factor": ffn_pf,
            "ffn_round_up_to_multiple_of": cfg.ffn_round_up_to_multiple_of, "ffn_up_dim": U,
            "gate_soft_cap": cfg.gate_soft_cap, "output_logit_soft_cap": cfg.output_logit_soft_cap,
            "norm_eps": cfg.norm_eps, "eps": cfg.eps, "chunk_size_train": chunk, "use_bias": use_bias,
            "add_out_norm": add_out_norm, "weight_mode": cfg.weight_mode,
            "loss": "mean next-token cross-entropy on soft-capped logits",
            "norm_reduction_force_float32": False, "inference_state_dtype": "float64"}
    c = Case(out, name, description, LARGE_SOURCES, conf)
    c.add("input/tokens", tokens.to(torch.int32), "input", layout="(B,S+1); input [:, :-1], targets [:, 1:]")
    for n, p in model.named_parameters():
        c.add("param/" + n, p, "param", official_name=n)
        c.add("grad/" + n, p.grad, "grad", official_name=n, note=GRAD_NOTE)
    for k in ["act/embedding_out"] + [f"act/block{i}_out" for i in range(L)]:
        c.add(k, acts[k], "activation")
    c.add("output/logits", logits, "output", layout="(B,S,V) soft-capped")
    c.add("output/loss", loss, "output")
    for b in range(L):
        C_, n_, m_ = state[b]
        c.add(f"output/state_block{b}_C", C_, "output", layout="(B,NH,DHQK,DHV) unscaled-k convention")
        c.add(f"output/state_block{b}_n", n_, "output", layout="(B,NH,DHQK)")
        c.add(f"output/state_block{b}_m", m_, "output", layout="(B,NH,1)")
    c.add("output/inference_logits_full", lg_full, "output", note=f"mode='inference', chunk_size={S}, one call on S={S}")
    c.add(f"output/inference_logits_prefill{prefill}_then_steps", lg_steps, "output",
          note=f"mode='inference': prefill {prefill} tokens (recurrent sequence kernel), then {S - prefill} single "
               "steps (step kernel)")
    lg32, _ = m32(x_in)
    checks = {"inference_full_vs_train/logits": rel_err(lg_full, logits)[0],
              "inference_prefill_steps_vs_full/logits": rel_err(lg_steps, lg_full)[0],
              "ffn_up_dim/official_vs_ceil": [U, int(math.ceil(E * ffn_pf / 64) * 64)]}
    checks.update(f32_checks("float32_official_run_vs_float64/logits", logits, lg32))
    F.cross_entropy(lg32.reshape(-1, V), tgt.reshape(-1)).backward()
    checks["float32_official_run_vs_float64/grads_worst_param"] = worst_grad(model, m32)
    notes = ["xlstm_large has no weight-init code: parameters = torch default init of the constructor, then i/f gate "
             "weights x12 and lm_head x40 (so that both soft caps are active), igate bias ~ N(0,1), fgate bias = "
             "linspace(3,6), norm weights 1 + N(0,0.1^2) (the scheme of the shipped xlstm_large_tiny); with use_bias the "
             "norm biases (zero in the constructor) are set to N(0,0.1^2) so that they are exercised.",
             "Reference run uses norm_reduction_force_float32=False and inference_state_dtype='float64'.",
             "Model parameter names are the xLSTMLarge state-dict names.",
             f"Head widths: qk {int(E * qk_f)} // {NH} = {DQK}, v {int(E * v_f)} // {NH} = {DV}; ffn up dim "
             f"int(((E * pf + 63) // 64) * 64) = {U} (ceil would give {int(math.ceil(E * ffn_pf / 64) * 64)})."]
    return c.finish(checks, notes)


# ---------------------------------------------------------------------------------------------
# cells: the sLSTM cell (vanilla backend), the mLSTM cell of the xlstm package (backends.py),
# the mlstm_kernels torch references, torch.nn.LSTM (the layouts of the shipped cell cases)
# ---------------------------------------------------------------------------------------------

SLSTM_CELL_SOURCES = ["xlstm/blocks/slstm/cell.py: sLSTMCell -> sLSTMCell_vanilla.forward",
                      "xlstm/blocks/slstm/src/vanilla/__init__.py: slstm_forward",
                      "xlstm/blocks/slstm/src/vanilla/slstm.py: slstm_forward_pointwise"]


def slstm_cell_case(out, name, description, *, NH, D, T, B=2, state0=False, seed=SEED):
    from xlstm.blocks.slstm.cell import sLSTMCell, sLSTMCellConfig
    from xlstm.blocks.slstm.src.vanilla import slstm_forward
    H = NH * D
    gen = torch.Generator().manual_seed(seed + 3)
    cell = sLSTMCell(sLSTMCellConfig(hidden_size=H, num_heads=NH, backend="vanilla",
                                     bias_init="powerlaw_blockdependent"))
    cell = cell.double()
    b_init = cell._bias_int2ext(cell._bias_.detach()).clone()  # canonical (NH, 4, D): right after the official init
    with torch.no_grad():  # R random, i/z/o biases random, f bias = official init + N(0, 0.3^2)
        R = torch.randn(NH, D, 4, D, generator=gen, dtype=torch.float64) * (1.0 / math.sqrt(D))
        b = torch.randn(NH, 4, D, generator=gen, dtype=torch.float64)
        b[:, 1, :] = b_init[:, 1, :] + 0.3 * torch.randn(NH, D, generator=gen, dtype=torch.float64)
        cell._recurrent_kernel_.copy_(cell._recurrent_kernel_ext2int(R))
        cell._bias_.copy_(cell._bias_ext2int(b))
    x = (torch.randn(B, T, 4 * H, generator=gen, dtype=torch.float64)).requires_grad_(True)
    s0 = None
    if state0:
        s0 = torch.randn(4, B, H, generator=gen, dtype=torch.float64)
        s0[2] = s0[2].abs() + 0.5  # n > 0
        s0 = s0.requires_grad_(True)
    Gy = torch.randn(B, NH, T, D, generator=gen, dtype=torch.float64)
    cell32 = copy.deepcopy(cell).float()
    y, last = cell(x, s0)
    loss = (y * Gy).sum()
    loss.backward()
    with torch.no_grad():  # every state and the gates: the vanilla sequence function itself
        st = s0.detach() if state0 else cell._zero_state(cell._permute_input(x.detach()))
        states_all, _, g = slstm_forward(cell._permute_input(x.detach()), st, cell._recurrent_kernel, cell._bias,
                                         cell.pointwise, constants=cell.config.constants)
    conf = {"B": B, "T": T, "num_heads": NH, "head_dim": D, "hidden_size": H, "gate_order": ["i", "f", "z", "o"],
            "forget_gate": "sigmoid (log-space)", "input_gate": "exp",
            "bias_init": "powerlaw_blockdependent (+ noise, see notes)", "loss": "sum(y * Gy)"}
    c = Case(out, name, description, SLSTM_CELL_SOURCES, conf)
    c.add("input/x", x, "input", layout="(B,T,4*H); last axis = [gate(i,f,z,o)][head][dh] (input_shape BSGNH) "
                                         "pre-activations W x (+ nothing else); the cell adds R h_{t-1} + b")
    if state0:
        c.add("input/state0", s0, "input", layout="(4,B,H): [h,c,n,m], H=[head][dh]")
    c.add("param/_recurrent_kernel_", cell._recurrent_kernel_, "param", official_name="_recurrent_kernel_",
          layout="vanilla internal (NH, 4*DH_out, DH_in): [h, g*DH+j, k]")
    c.add("param/_bias_", cell._bias_, "param", official_name="_bias_",
          layout="vanilla internal (4*NH*DH,): gate-major [g][h][j]")
    c.add("param_ext/R", R, "param",
          layout="canonical (NH, DH_in, 4, DH_out): Ry[g,h,j]=sum_k h[h,k]*R[h,k,g,j]")
    c.add("param_ext/b", b, "param", layout="canonical (NH, 4, DH)")
    c.add("param_ext/b_official_init", b_init, "param",
          note="bias right after official powerlaw_blockdependent init (before noise)")
    c.add("weight/Gy", Gy, "loss_weight", layout="same as output/y")
    c.add("output/y", y, "output", layout="(B,NH,T,DH) (output_shape BNSH)")
    c.add("output/last_state", last, "output", layout="(4,B,H): [h,c,n,m] after step T")
    c.add("output/states_all", states_all, "output",
          layout="(4,T+1,B,H): [h,c,n,m]; index 0 = initial state, index t+1 = after step t")
    c.add("output/gates_all", g[:T], "output",
          layout="(T,4,B,H): per step [i' = exp(i-m_new), f' = exp(logsig(f)+m-m_new), z_preact, sigmoid(o)]")
    c.add("output/loss", loss, "output")
    c.add("grad/x", x.grad, "grad")
    c.add("grad/_recurrent_kernel_", cell._recurrent_kernel_.grad, "grad", official_name="_recurrent_kernel_")
    c.add("grad/_bias_", cell._bias_.grad, "grad", official_name="_bias_")
    c.add("grad_ext/R", cell._recurrent_kernel_int2ext(cell._recurrent_kernel_.grad), "grad")
    c.add("grad_ext/b", cell._bias_int2ext(cell._bias_.grad), "grad")
    if state0:
        c.add("grad/state0", s0.grad, "grad",
              note="full autograd; d/dm0 is the true derivative (the CUDA kernel returns 0 for m)")
    y32, _ = cell32(x.detach().float(), s0.detach().float() if state0 else None)
    checks = {"state_all_last_vs_last_state": rel_err(states_all[:, -1], last)[0]}
    checks.update(f32_checks("float32_official_run_vs_float64/y", y, y32))
    notes = ["R and the i/z/o biases are random (the official init has R=0, i/z/o bias=0); f bias = official "
             "powerlaw_blockdependent init + N(0,0.3^2).",
             "Made by tests/ref_extra/make_cases.py (the shipped slstm_cell layout); sLSTMCell(sLSTMCellConfig("
             "hidden_size, num_heads, backend='vanilla')) in float64, autograd through the vanilla backend."]
    return c.finish(checks, notes)


MLSTM_CELL_SOURCES = ["xlstm/blocks/mlstm/backends.py: parallel_stabilized_simple",
                      "xlstm/blocks/mlstm/backends.py: recurrent_step_stabilized_simple",
                      "xlstm/blocks/mlstm/backends.py: chunkwise_simple"]


def _mlstm_inputs(gen, B, NH, S, DK, DV):
    q = torch.randn(B, NH, S, DK, generator=gen, dtype=torch.float64)
    k = torch.randn(B, NH, S, DK, generator=gen, dtype=torch.float64)
    v = torch.randn(B, NH, S, DV, generator=gen, dtype=torch.float64)
    i = torch.randn(B, NH, S, generator=gen, dtype=torch.float64)
    f = torch.randn(B, NH, S, generator=gen, dtype=torch.float64) + 2.0
    i[0, 0, min(5, S - 1)] = 12.0  # exercise the stabilizer (as the shipped case)
    f[B - 1, NH - 1, min(3, S - 1)] = -10.0
    return q, k, v, i, f


def mlstm_cell_case(out, name, description, *, NH, DH, S, chunk, B=2, seed=SEED):
    from xlstm.blocks.mlstm.backends import chunkwise_simple, parallel_stabilized_simple, \
        recurrent_step_stabilized_simple
    gen = torch.Generator().manual_seed(seed + 4)
    q, k, v, i, f = _mlstm_inputs(gen, B, NH, S, DH, DH)
    G = torch.randn(B, NH, S, DH, generator=gen, dtype=torch.float64)
    eps = 1e-6

    def leaves():
        return [t.clone().requires_grad_(True) for t in (q, k, v, i, f)]

    lp = leaves()
    h_par = parallel_stabilized_simple(lp[0], lp[1], lp[2], lp[3][..., None], lp[4][..., None], eps=eps)
    (h_par * G).sum().backward()
    lr = leaves()
    C = torch.zeros(B, NH, DH, DH)
    n = torch.zeros(B, NH, DH, 1)
    m = torch.zeros(B, NH, 1, 1)
    hs, Cs, ns, ms = [], [], [], []
    for t in range(S):
        # (clones: the official step squeezes its q, k, v in place)
        h, (C, n, m) = recurrent_step_stabilized_simple(C, n, m, lr[0][:, :, t:t + 1].clone(),
                                                        lr[1][:, :, t:t + 1].clone(),
                                                        lr[2][:, :, t:t + 1].clone(), lr[3][:, :, t, None, None],
                                                        lr[4][:, :, t, None, None], eps=eps)
        hs.append(h.reshape(B, NH, 1, DH))
        Cs.append(C)
        ns.append(n[..., 0])
        ms.append(m[..., 0, 0])
    h_rec = torch.cat(hs, 2)
    (h_rec * G).sum().backward()
    with torch.no_grad():
        h_chk, (Cl, nl, ml) = chunkwise_simple(q, k, v, i, f, chunk_size=chunk, return_last_state=True, eps=eps)
    conf = {"B": B, "NH": NH, "S": S, "DH": DH, "eps": eps, "chunk_size": chunk, "forget_gate": "log-sigmoid",
            "input_gate": "exp", "qk_scaling": "1/sqrt(DH) (keys in parallel/recurrent, queries in chunkwise_simple)",
            "loss": "sum(h * G)"}
    c = Case(out, name, description, MLSTM_CELL_SOURCES, conf)
    for nm, t in zip(("q", "k", "v"), (q, k, v)):
        c.add("input/" + nm, t, "input", layout="(B,NH,S,DH)")
    c.add("input/i_preact", i, "input", layout="(B,NH,S)")
    c.add("input/f_preact", f, "input", layout="(B,NH,S)")
    c.add("weight/G", G, "loss_weight", layout="(B,NH,S,DH)")
    c.add("output/h_parallel", h_par, "output", layout="(B,NH,S,DH)")
    for nm, t in zip(("q", "k", "v", "i_preact", "f_preact"), lp):
        c.add("grad_parallel_autograd/" + nm, t.grad, "grad",
              note="autograd through parallel_stabilized_simple (gradient flows through normalizer and m)")
    c.add("output/h_recurrent", h_rec, "output", layout="(B,NH,S,DH)")
    c.add("output/recurrent_C_all", torch.stack(Cs, 2), "output",
          layout="(B,NH,S,DH,DH) state after each step; xlstm-package convention: C = sum f..i (k/sqrt(DH)) v^T")
    c.add("output/recurrent_n_all", torch.stack(ns, 2), "output", layout="(B,NH,S,DH) (k/sqrt(DH) convention)")
    c.add("output/recurrent_m_all", torch.stack(ms, 2), "output", layout="(B,NH,S)")
    for nm, t in zip(("q", "k", "v", "i_preact", "f_preact"), lr):
        c.add("grad_recurrent_autograd/" + nm, t.grad, "grad")
    c.add("output/h_chunkwise_simple", h_chk, "output", layout="(B,NH,S,DH)")
    c.add("output/chunkwise_simple_last_C", Cl, "output", layout="(B,NH,DH,DH) (unscaled-k convention)")
    c.add("output/chunkwise_simple_last_n", nl, "output", layout="(B,NH,DH)")
    c.add("output/chunkwise_simple_last_m", ml, "output", layout="(B,NH,1)")
    h32 = parallel_stabilized_simple(q.float(), k.float(), v.float(), i.float()[..., None], f.float()[..., None],
                                     eps=eps)
    checks = {"parallel_vs_recurrent/h": rel_err(h_rec, h_par)[0],
              "parallel_vs_chunkwise_simple/h": rel_err(h_chk, h_par)[0],
              "state_convention/chunkwise_C_minus_sqrtDH_times_recurrent_C": rel_err(Cl, Cs[-1] * math.sqrt(DH))[0]}
    checks.update(f32_checks("float32_official_run_vs_float64/h_parallel", h_par, h32))
    notes = [f"i_preact[0,0,{min(5, S - 1)}]=12 and f_preact[{B - 1},{NH - 1},{min(3, S - 1)}]=-10 are set on purpose "
             "to exercise the stabilizer; f_preact ~ N(2,1) elsewhere.",
             "recurrent: recurrent_step_stabilized_simple step by step from C=n=m=0; chunkwise_simple from its zero "
             "initial state (m=0)."]
    return c.finish(checks, notes)


KERNEL_SOURCES = ["mlstm_kernels/torch/parallel/native/fw.py: mlstm_parallel_fw",
                  "mlstm_kernels/torch/parallel/native/bw.py: mlstm_parallel_bw",
                  "mlstm_kernels/torch/chunkwise/native/fw.py: mlstm_chunkwise_fw",
                  "mlstm_kernels/torch/chunkwise/native/bw.py: mlstm_chunkwise_bw",
                  "mlstm_kernels/torch/recurrent/native_step.py: mlstm_recurrent_step__native_fw",
                  "mlstm_kernels/torch/recurrent/native_sequence.py: _mlstm_recurrent_sequence_loop_fw"]


def mlstm_kernels_case(out, name, description, *, NH, DHQK, DHV, S, chunk, asym, B=2, seed=SEED):
    from mlstm_kernels.torch.chunkwise.native.fw import mlstm_chunkwise_fw
    from mlstm_kernels.torch.chunkwise.native.bw import mlstm_chunkwise_bw
    from mlstm_kernels.torch.parallel.native.fw import mlstm_parallel_fw
    from mlstm_kernels.torch.parallel.native.bw import mlstm_parallel_bw
    from mlstm_kernels.torch.recurrent.native_sequence import _mlstm_recurrent_sequence_loop_fw
    from mlstm_kernels.torch.recurrent.native_step import mlstm_recurrent_step__native_fw
    gen = torch.Generator().manual_seed(seed + 5)
    q, k, v, i, f = _mlstm_inputs(gen, B, NH, S, DHQK, DHV)
    G = torch.randn(B, NH, S, DHV, generator=gen, dtype=torch.float64)
    eps = 1e-6
    f64 = torch.float64

    def leaves():
        return [t.clone().requires_grad_(True) for t in (q, k, v, i, f)]

    la = leaves()
    h_par, n_par, m_par = mlstm_parallel_fw(*la, eps=eps)
    (h_par * G).sum().backward()
    with torch.no_grad():  # the official custom backward (what _mlstm_parallel_fwbw.backward calls)
        g_pc = mlstm_parallel_bw(G, q, k, v, i, f, n_par.detach(), m_par.detach(), eps=eps)
    with torch.no_grad():
        h_ch, n_ch, m_ch, _, (Call, nall, mall) = mlstm_chunkwise_fw(q, k, v, i, f, return_last_states=True,
                                                                     return_all_states=True, chunk_size=chunk, eps=eps)
    NC = S // chunk
    with torch.no_grad():  # the official chunkwise custom backward, states recomputed (recompute_states_in_bw)
        g_cc = mlstm_chunkwise_bw(q, k, v, i, f, matDeltaH=G, vecN_out=n_ch, vecM_out=m_ch, CHUNK_SIZE=chunk,
                                  EPS=eps)[:5]
    with torch.no_grad():
        h_rec, _, (Cr, nr, mr) = _mlstm_recurrent_sequence_loop_fw(
            mlstm_recurrent_step__native_fw, q, k, v, i, f, return_last_states=True, return_all_states=True, eps=eps,
            dtype_state=f64)
        C0 = torch.randn(B, NH, DHQK, DHV, generator=gen, dtype=f64)
        n0 = torch.randn(B, NH, DHQK, generator=gen, dtype=f64)
        m0 = torch.randn(B, NH, 1, generator=gen, dtype=f64)
        h_ic, _, _, (Ci, ni, mi), _ = mlstm_chunkwise_fw(q, k, v, i, f, C0, n0, m0, return_last_states=True,
                                                         chunk_size=chunk, eps=eps)
        h_ir, (Cir, nir, mir), _ = _mlstm_recurrent_sequence_loop_fw(
            mlstm_recurrent_step__native_fw, q, k, v, i, f, C0, n0, m0, return_last_states=True, eps=eps,
            dtype_state=f64)
        aK, aV, aS, aC = asym["DHQK"], asym["DHV"], asym.get("S", S), asym.get("chunk_size", chunk)
        aq, ak, av, ai, af = _mlstm_inputs(gen, B, NH, aS, aK, aV)
        ah_par, _, _ = mlstm_parallel_fw(aq, ak, av, ai, af, eps=eps)
        ah_ch, _, _, (aCl, anl, aml), _ = mlstm_chunkwise_fw(aq, ak, av, ai, af, return_last_states=True,
                                                             chunk_size=aC, eps=eps)
    conf = {"B": B, "NH": NH, "S": S, "DHQK": DHQK, "DHV": DHV, "chunk_size": chunk, "eps": eps,
            "qk_scale": "DHQK**-0.5 applied to q (states hold unscaled k)", "asym_variant": dict(asym),
            "loss": "sum(h * G)"}
    c = Case(out, name, description, KERNEL_SOURCES, conf)
    for nm, t in zip(("q", "k", "v", "i_preact", "f_preact"), (q, k, v, i, f)):
        c.add("input/" + nm, t, "input")
    c.add("weight/G", G, "loss_weight")
    c.add("output/parallel_h", h_par, "output", layout="(B,NH,S,DHV)")
    c.add("output/parallel_n", n_par, "output", layout="(B,NH,S) = max(|rowsum|, exp(-m))")
    c.add("output/parallel_m", m_par, "output", layout="(B,NH,S) row max of log D")
    for nm, tc, ta in zip(("q", "k", "v", "i_preact", "f_preact"), g_pc, la):
        c.add("grad_parallel_custbw/" + nm, tc, "grad",
              note="official custom backward: treats normalizer n and stabilizer m as constants")
        c.add("grad_parallel_autograd/" + nm, ta.grad, "grad", note="autograd through mlstm_parallel_fw (full)")
    c.add("output/chunkwise_h", h_ch, "output")
    c.add("output/chunkwise_n_out", n_ch, "output", layout="(B,NH,S) denominator max(|.|,exp(-m)) per step")
    c.add("output/chunkwise_m_out", m_ch, "output", layout="(B,NH,S) combined stabilizer per step")
    c.add("output/chunkwise_C_states", Call.reshape(B, NH, NC + 1, DHQK, DHV), "output",
          layout="(B,NH,NC+1,DHQK,DHV): index 0 = initial, index c+1 = after chunk c")
    c.add("output/chunkwise_n_states", nall.reshape(B, NH, NC + 1, DHQK), "output")
    c.add("output/chunkwise_m_states", mall.reshape(B, NH, NC + 1), "output", layout="(B,NH,NC+1)")
    for nm, t in zip(("q", "k", "v", "i_preact", "f_preact"), g_cc):
        c.add("grad_chunkwise_custbw/" + nm, t, "grad",
              note="official chunkwise custom backward (normalizer/m constant)")
    c.add("output/recurrent_h", h_rec, "output")
    c.add("output/recurrent_C_all", Cr, "output", layout="(B,NH,S+1,DHQK,DHV) index 0 = initial")
    c.add("output/recurrent_n_all", nr, "output", layout="(B,NH,S+1,DHQK)")
    c.add("output/recurrent_m_all", mr, "output", layout="(B,NH,S+1)")
    c.add("input/C0", C0, "input", layout="(B,NH,DHQK,DHV) (unscaled-k convention)")
    c.add("input/n0", n0, "input", layout="(B,NH,DHQK)")
    c.add("input/m0", m0, "input", layout="(B,NH,1)")
    c.add("output/init_chunkwise_h", h_ic, "output")
    c.add("output/init_chunkwise_last_C", Ci, "output")
    c.add("output/init_chunkwise_last_n", ni, "output")
    c.add("output/init_chunkwise_last_m", mi, "output")
    c.add("output/init_recurrent_h", h_ir, "output")
    c.add("output/init_recurrent_last_C", Cir, "output")
    c.add("output/init_recurrent_last_n", nir, "output")
    c.add("output/init_recurrent_last_m", mir, "output")
    for nm, t in zip(("q", "k", "v", "i_preact", "f_preact"), (aq, ak, av, ai, af)):
        c.add("asym_input/" + nm, t, "input")
    c.add("asym_output/parallel_h", ah_par, "output")
    c.add("asym_output/chunkwise_h", ah_ch, "output")
    c.add("asym_output/chunkwise_last_C", aCl, "output", layout=f"(B,NH,{aK},{aV})")
    c.add("asym_output/chunkwise_last_n", anl, "output")
    c.add("asym_output/chunkwise_last_m", aml, "output")
    checks = {"chunkwise_vs_parallel/h": rel_err(h_ch, h_par)[0],
              "chunkwise_custbw_vs_parallel_custbw/max": max(rel_err(a, b)[0] for a, b in zip(g_cc, g_pc)), "recurrent_vs_chunkwise/h": rel_err(h_rec, h_ch)[0],
              "recurrent_vs_chunkwise/last_C": rel_err(Cr[:, :, -1], Call.reshape(B, NH, NC + 1, DHQK, DHV)[:, :, -1])[0],
              "init_state/chunkwise_vs_recurrent_h": rel_err(h_ic, h_ir)[0],
              "init_state/chunkwise_vs_recurrent_last_C": rel_err(Ci, Cir)[0],
              "asym/chunkwise_vs_parallel_h": rel_err(ah_ch, ah_par)[0]}
    notes = ["The kernels require S to be a multiple of chunk_size (mlstm_chunkwise_fw / _bw assert it).",
             "Custom-backward gradients: mlstm_parallel_bw / mlstm_chunkwise_bw called as the autograd Functions "
             "of parallel/native/fwbw.py and chunkwise/native/fwbw.py call them (the fwbw wrappers refuse "
             "autocast_kernel_dtype float64); chunkwise states recomputed in the backward.",
             "asym_variant: its own inputs (asym_input/*), same B and NH; S and chunk_size as given there, else the "
             "case's."]
    return c.finish(checks, notes)


def lstm_cell_case(out, name, description, *, I, H, T, B=2, seed=SEED):
    torch.manual_seed(seed)
    lstm = torch.nn.LSTM(I, H, num_layers=1, batch_first=True).double()
    gen = torch.Generator().manual_seed(seed + 6)
    x = torch.randn(B, T, I, generator=gen, dtype=torch.float64).requires_grad_(True)
    h0 = torch.randn(1, B, H, generator=gen, dtype=torch.float64).mul(0.5).requires_grad_(True)
    c0 = torch.randn(1, B, H, generator=gen, dtype=torch.float64).mul(0.5).requires_grad_(True)
    G = torch.randn(B, T, H, generator=gen, dtype=torch.float64)
    Gh = torch.randn(1, B, H, generator=gen, dtype=torch.float64)
    Gc = torch.randn(1, B, H, generator=gen, dtype=torch.float64)
    l32 = copy.deepcopy(lstm).float()
    y, (hT, cT) = lstm(x, (h0, c0))
    loss = (y * G).sum() + (hT * Gh).sum() + (cT * Gc).sum()
    loss.backward()
    conf = {"B": B, "T": T, "I": I, "H": H, "seed": seed, "gate_order": ["i", "f", "g", "o"], "variant": "default",
            "loss": "sum(y*G) + sum(h_T*Gh) + sum(c_T*Gc)"}
    c = Case(out, name, description, [f"torch.nn.LSTM (PyTorch {torch.__version__})"], conf)
    c.add("input/x", x, "input", layout="(B,T,I)")
    c.add("input/h0", h0, "input", layout="(1,B,H)")
    c.add("input/c0", c0, "input", layout="(1,B,H)")
    for n, p in lstm.named_parameters():
        c.add("param/" + n, p, "param", official_name=n)
    c.add("weight/G", G, "loss_weight")
    c.add("weight/Gh", Gh, "loss_weight")
    c.add("weight/Gc", Gc, "loss_weight")
    c.add("output/y", y, "output", layout="(B,T,H)")
    c.add("output/h_T", hT, "output", layout="(1,B,H)")
    c.add("output/c_T", cT, "output", layout="(1,B,H)")
    c.add("output/loss", loss, "output")
    c.add("grad/x", x.grad, "grad")
    c.add("grad/h0", h0.grad, "grad")
    c.add("grad/c0", c0.grad, "grad")
    for n, p in lstm.named_parameters():
        c.add("grad/" + n, p.grad, "grad", official_name=n)
    y32, _ = l32(x.detach().float(), (h0.detach().float(), c0.detach().float()))
    checks = f32_checks("float32_official_run_vs_float64/y", y, y32)
    return c.finish(checks, ["torch default init (torch.manual_seed(seed)), float64, batch_first."])


# ---------------------------------------------------------------------------------------------
# the cases
# ---------------------------------------------------------------------------------------------

MLSTM_BLOCK_SOURCES = ["xlstm/blocks/mlstm/block.py: mLSTMBlock", "xlstm/blocks/xlstm_block.py: xLSTMBlock.forward",
                       "xlstm/blocks/mlstm/layer.py: mLSTMLayer.forward", "xlstm/blocks/mlstm/cell.py: mLSTMCell.forward",
                       "xlstm/blocks/mlstm/backends.py: parallel_stabilized_simple",
                       "xlstm/components/{conv,linear_headwise,ln}.py"]
SLSTM_BLOCK_SOURCES = ["xlstm/blocks/slstm/block.py: sLSTMBlock", "xlstm/blocks/xlstm_block.py: xLSTMBlock.forward",
                       "xlstm/blocks/slstm/layer.py: sLSTMLayer.forward", "xlstm/blocks/slstm/cell.py: sLSTMCell_vanilla",
                       "xlstm/blocks/slstm/src/vanilla/slstm.py: slstm_forward_pointwise",
                       "xlstm/components/feedforward.py: GatedFeedForward"]


def case_lm_mixed_heads(out):
    return lm_case(out, "lm_mixed_heads",
                   "xLSTM LM, 3 blocks (sLSTM at 0 and 2, mLSTM at 1), E=48: mLSTM NH=4, conv 3, proj_factor 1.5 "
                   "(72 -> 128); sLSTM NH=2, conv 2; feed-forward proj_factor 2.0, relu; official init, float64",
                   V=32, E=48, L=3, ctx=8, slstm_at=[0, 2],
                   mlstm={"num_heads": 4, "proj_factor": 1.5, "qkv_proj_blocksize": 4, "conv1d_kernel_size": 3},
                   slstm={"num_heads": 2, "conv1d_kernel_size": 2, "backend": "vanilla",
                          "bias_init": "powerlaw_blockdependent"},
                   ffn={"proj_factor": 2.0, "act_fn": "relu"}, step_tensors=False)


def case_lm_bias_tied(out):
    return lm_case(out, "lm_bias_tied",
                   "xLSTM LM with bias=True, tie_weights=True, add_post_blocks_norm=False, weight_decay_on_embedding="
                   "True; mLSTM proj_factor 1.5, qkv_proj_blocksize 8, round_proj_up_to_multiple_of 16 (48; 64 would give "
                   "64); sLSTM conv1d_kernel_size 0 "
                   "(no convolution); feed-forward selu; official init, float64",
                   V=32, E=32, L=2, ctx=8, slstm_at=[1], tie=True, post_norm=False, bias=True, wd_emb=True,
                   mlstm={"num_heads": 4, "proj_factor": 1.5, "qkv_proj_blocksize": 8, "conv1d_kernel_size": 4,
                          "round_proj_up_to_multiple_of": 16},
                   slstm={"num_heads": 4, "conv1d_kernel_size": 0, "backend": "vanilla",
                          "bias_init": "powerlaw_blockdependent"},
                   ffn={"proj_factor": 1.3, "act_fn": "selu"})


def case_lm_slstm_only(out):
    return lm_case(out, "lm_slstm_only",
                   "sLSTM-only xLSTM LM (mlstm_block None, slstm_at 'all'), no feed-forward "
                   "(slstm_block.feedforward None), group_norm_weight False; official init, float64",
                   V=32, E=32, L=2, ctx=8, slstm_at="all", mlstm=None,
                   slstm={"num_heads": 4, "conv1d_kernel_size": 4, "backend": "vanilla",
                          "bias_init": "powerlaw_blockdependent", "group_norm_weight": False},
                   ffn=None)


def case_lm_mlstm_only(out):
    # mLSTM conv1d_kernel_size 0 (asked for) is rejected by the official code: mLSTMLayer always
    # builds CausalConv1d, whose constructor calls self.conv.reset_parameters() with conv = None
    # for kernel_size 0 (AttributeError, xlstm/components/conv.py); kernel_size 1 builds but its
    # forward slices y[:, :, :-0] (empty) and fails in LinearHeadwiseExpand. 2 is the nearest
    # accepted kernel size.
    return lm_case(out, "lm_mlstm_only",
                   "mLSTM-only xLSTM LM (slstm_block None, slstm_at []), proj_factor 1.3 rounded down "
                   "to a multiple of 16 (round_proj_up_dim_up False: E=32, 41.6 -> 32; up would give 48), mLSTM "
                   "conv1d_kernel_size 2 "
                   "(0 and 1 are rejected by the official code); official init, float64",
                   V=32, E=32, L=2, ctx=8, slstm_at=[], slstm=None, ffn=None,
                   mlstm={"num_heads": 4, "proj_factor": 1.3, "qkv_proj_blocksize": 4, "conv1d_kernel_size": 2,
                          "round_proj_up_dim_up": False, "round_proj_up_to_multiple_of": 16},
                   extra_notes=["mLSTM conv1d_kernel_size 0 is rejected by the official code (CausalConv1d's "
                                "constructor calls self.conv.reset_parameters() with conv = None: AttributeError in "
                                "xlstm/components/conv.py); kernel_size 1 builds but its forward slices "
                                "y[:, :, :-0] (empty) and fails; so this case uses 2."])


def case_mlstm_block_bias(out):
    E, S, B, NH = 32, 16, 2, 2
    conf = {"B": B, "S": S, "embedding_dim": E, "num_heads": NH, "proj_factor": 2.0, "inner_dim": 64,
            "head_dim": 64 // NH, "qkv_proj_blocksize": 4, "conv1d_kernel_size": 4, "context_length": S, "bias": True,
            "ln_eps": 1e-05, "cell_eps": 1e-06, "loss": "sum(y * Gy)"}
    return block_case(out, "mlstm_block_bias",
                      "one mLSTM block with bias=True (biases of proj_up, proj_down, q/k/v, layer norms), NH=2, "
                      "official xlstm package, float64",
                      MLSTM_BLOCK_SOURCES, kind="mlstm", E=E, S=S, B=B,
                      block_kwargs={"layer": {"num_heads": NH, "proj_factor": 2.0, "qkv_proj_blocksize": 4,
                                              "conv1d_kernel_size": 4}},
                      stack_kwargs={"bias": True}, conf=conf)


def case_slstm_block_relu2(out):
    E, S, B, NH = 32, 16, 2, 2
    conf = {"B": B, "S": S, "embedding_dim": E, "num_heads": NH, "head_dim": E // NH, "conv1d_kernel_size": 4,
            "ffn_proj_factor": 1.3, "ffn_up_dim": 64, "ffn_act": "relu^2", "ln_eps": 1e-05,
            "bias_init": "powerlaw_blockdependent", "loss": "sum(y * Gy)"}
    return block_case(out, "slstm_block_relu2",
                      "one sLSTM block, NH=2, feed-forward act_fn relu^2, official xlstm package (vanilla backend), "
                      "float64",
                      SLSTM_BLOCK_SOURCES, kind="slstm", E=E, S=S, B=B,
                      block_kwargs={"layer": {"num_heads": NH, "conv1d_kernel_size": 4, "backend": "vanilla",
                                              "bias_init": "powerlaw_blockdependent"},
                                    "ffn": {"proj_factor": 1.3, "act_fn": "relu^2"}},
                      stack_kwargs={}, conf=conf)


def _slstm_block_act(out, name, act):
    E, S, B, NH = 16, 8, 2, 2
    conf = {"B": B, "S": S, "embedding_dim": E, "num_heads": NH, "head_dim": E // NH, "conv1d_kernel_size": 3,
            "ffn_proj_factor": 1.3, "ffn_up_dim": 64, "ffn_act": act, "ln_eps": 1e-05,
            "bias_init": "powerlaw_blockdependent", "loss": "sum(y * Gy)"}
    return block_case(out, name,
                      f"one small sLSTM block (E=16, NH=2, conv 3), feed-forward act_fn {act}, official xlstm package "
                      "(vanilla backend), float64",
                      SLSTM_BLOCK_SOURCES, kind="slstm", E=E, S=S, B=B,
                      block_kwargs={"layer": {"num_heads": NH, "conv1d_kernel_size": 3, "backend": "vanilla",
                                              "bias_init": "powerlaw_blockdependent"},
                                    "ffn": {"proj_factor": 1.3, "act_fn": act}},
                      stack_kwargs={}, conf=conf)


def case_slstm_block_swish(out):
    return _slstm_block_act(out, "slstm_block_swish", "swish")


def case_slstm_block_sigmoid(out):
    return _slstm_block_act(out, "slstm_block_sigmoid", "sigmoid")


def case_large_e48(out):
    return large_case(out, "xlstm_large_e48",
                      "model with the xLSTM-7B architecture (xlstm/xlstm_large/model.py), 1 block, E=48, NH=3 (qk 24/3, v "
                      "48/3), ffn_proj_factor 2.6667 (up dim 128, ceil would give 192), use_bias True, add_out_norm "
                      "False; mLSTM backend 'chunkwise--native_autograd' (mlstm_kernels pure torch), float64",
                      V=32, E=48, NH=3, L=1, S=16, B=2, chunk=4, ffn_pf=2.6667, use_bias=True, add_out_norm=False,
                      prefill=11)


# variants of every shipped case kind: other head counts, sizes where rounding rules differ,
# lengths that are not multiples of a chunk (ref_extra README, "variants")

def case_slstm_cell_nh4(out):
    return slstm_cell_case(out, "slstm_cell_nh4", "sLSTM cell sequence, official vanilla torch backend, float64, "
                           "NH=4, head_dim 4, T=7, zero initial state", NH=4, D=4, T=7)


def case_slstm_cell_state0_nh1(out):
    return slstm_cell_case(out, "slstm_cell_state0_nh1", "sLSTM cell sequence, official vanilla torch backend, "
                           "float64, NH=1, head_dim 6, T=7, random initial state", NH=1, D=6, T=7, state0=True)


def case_mlstm_cell_nh3(out):
    return mlstm_cell_case(out, "mlstm_cell_nh3", "mLSTM cell, xlstm package backends (parallel / recurrent step / "
                           "chunkwise), float64, NH=3, DH=5, S=12, chunk 4", NH=3, DH=5, S=12, chunk=4)


def case_mlstm_cell_s10c5(out):
    return mlstm_cell_case(out, "mlstm_cell_s10c5", "mLSTM cell, xlstm package backends (parallel / recurrent step / "
                           "chunkwise), float64, NH=1, DH=6, S=10, chunk 5", NH=1, DH=6, S=10, chunk=5)


def case_mlstm_kernels_nh3(out):
    return mlstm_kernels_case(out, "mlstm_kernels_nh3", "mLSTM cell, NX-AI/mlstm_kernels pure-torch references "
                              "(parallel fw/bw, chunkwise fw/bw, recurrent), float64, NH=3, DHQK=6, DHV=10, S=20, "
                              "chunk 4; asym variant DHQK=3, DHV=7",
                              NH=3, DHQK=6, DHV=10, S=20, chunk=4,
                              asym={"DHQK": 3, "DHV": 7})


def case_lstm_cell_i5h7(out):
    return lstm_cell_case(out, "lstm_cell_i5h7", "classic LSTM cell: torch.nn.LSTM, one layer, batch_first, float64, "
                          "random initial state, I=5, H=7, T=9", I=5, H=7, T=9)


def case_mlstm_block_s13(out):
    E, S, B, NH = 16, 13, 2, 2
    conf = {"B": B, "S": S, "embedding_dim": E, "num_heads": NH, "proj_factor": 1.3, "inner_dim": 64,
            "head_dim": 64 // NH, "qkv_proj_blocksize": 4, "conv1d_kernel_size": 4, "context_length": S, "bias": False,
            "ln_eps": 1e-05, "cell_eps": 1e-06, "loss": "sum(y * Gy)"}
    return block_case(out, "mlstm_block_s13",
                      "one mLSTM block, E=16, NH=2, proj_factor 1.3 (20.8 rounded up to a multiple of 64: 64), S=13, "
                      "official xlstm package, float64",
                      MLSTM_BLOCK_SOURCES, kind="mlstm", E=E, S=S, B=B,
                      block_kwargs={"layer": {"num_heads": NH, "proj_factor": 1.3, "qkv_proj_blocksize": 4,
                                              "conv1d_kernel_size": 4}},
                      stack_kwargs={}, conf=conf)


def case_mlstm_block_r16(out):
    E, S, B, NH = 16, 11, 2, 2
    conf = {"B": B, "S": S, "embedding_dim": E, "num_heads": NH, "proj_factor": 1.3, "inner_dim": 32,
            "head_dim": 32 // NH, "qkv_proj_blocksize": 4, "conv1d_kernel_size": 3, "round_proj_up_to_multiple_of": 16,
            "context_length": S, "bias": False, "ln_eps": 1e-05, "cell_eps": 1e-06, "loss": "sum(y * Gy)"}
    return block_case(out, "mlstm_block_r16",
                      "one mLSTM block, E=16, NH=2, proj_factor 1.3 (20.8 rounded up to a multiple of 16: 32), conv 3, "
                      "S=11, official xlstm package, float64",
                      MLSTM_BLOCK_SOURCES, kind="mlstm", E=E, S=S, B=B,
                      block_kwargs={"layer": {"num_heads": NH, "proj_factor": 1.3, "qkv_proj_blocksize": 4,
                                              "conv1d_kernel_size": 3, "round_proj_up_to_multiple_of": 16}},
                      stack_kwargs={}, conf=conf)


def case_slstm_block_nh3(out):
    E, S, B, NH = 24, 13, 2, 3
    conf = {"B": B, "S": S, "embedding_dim": E, "num_heads": NH, "head_dim": E // NH, "conv1d_kernel_size": 4,
            "ffn_proj_factor": 1.3, "ffn_up_dim": 64, "ffn_act": "gelu", "ln_eps": 1e-05,
            "bias_init": "powerlaw_blockdependent", "loss": "sum(y * Gy)"}
    return block_case(out, "slstm_block_nh3",
                      "one sLSTM block, E=24, NH=3 (head_dim 8), S=13, feed-forward 1.3 gelu (31.2 -> 64), official "
                      "xlstm package (vanilla backend), float64",
                      SLSTM_BLOCK_SOURCES, kind="slstm", E=E, S=S, B=B,
                      block_kwargs={"layer": {"num_heads": NH, "conv1d_kernel_size": 4, "backend": "vanilla",
                                              "bias_init": "powerlaw_blockdependent"},
                                    "ffn": {"proj_factor": 1.3, "act_fn": "gelu"}},
                      stack_kwargs={}, conf=conf)


def case_lm_s13_e24(out):
    return lm_case(out, "lm_s13_e24",
                   "xLSTM[1:1] LM, 2 blocks (mLSTM at 0, sLSTM at 1), E=24, context_length 13: mLSTM NH=2 (proj 48 "
                   "-> 64), sLSTM NH=3, feed-forward 1.3 gelu (31.2 -> 64); official init, float64",
                   V=32, E=24, L=2, ctx=13, slstm_at=[1],
                   mlstm={"num_heads": 2, "proj_factor": 2.0, "qkv_proj_blocksize": 4, "conv1d_kernel_size": 4},
                   slstm={"num_heads": 3, "conv1d_kernel_size": 4, "backend": "vanilla",
                          "bias_init": "powerlaw_blockdependent"},
                   ffn={"proj_factor": 1.3, "act_fn": "gelu"}, step_tensors=False)


def case_large_nh4(out):
    return large_case(out, "xlstm_large_nh4",
                      "model with the xLSTM-7B architecture, 1 block, E=64, NH=4, qk_dim_factor 0.25 (16/4), "
                      "v_dim_factor 0.5 (32/4), ffn_proj_factor 0.9 (57.6 -> 64), S=12, chunk 4, prefill 5 then 7 "
                      "steps; mLSTM backend "
                      "'chunkwise--native_autograd' (mlstm_kernels pure torch), float64",
                      V=32, E=64, NH=4, L=1, S=12, B=2, chunk=4, ffn_pf=0.9, use_bias=False, add_out_norm=True,
                      prefill=5, qk_f=0.25, v_f=0.5)


VARIANTS = {"slstm_cell_nh4": case_slstm_cell_nh4, "slstm_cell_state0_nh1": case_slstm_cell_state0_nh1,
            "mlstm_cell_nh3": case_mlstm_cell_nh3, "mlstm_cell_s10c5": case_mlstm_cell_s10c5,
            "mlstm_kernels_nh3": case_mlstm_kernels_nh3, "lstm_cell_i5h7": case_lstm_cell_i5h7,
            "mlstm_block_s13": case_mlstm_block_s13, "mlstm_block_r16": case_mlstm_block_r16,
            "slstm_block_nh3": case_slstm_block_nh3, "lm_s13_e24": case_lm_s13_e24,
            "xlstm_large_nh4": case_large_nh4}


# ---------------------------------------------------------------------------------------------
# the installed release against the shipped cases (made at the revision MANIFEST.json names)
# ---------------------------------------------------------------------------------------------

def _load(case_dir, name, dtype=torch.float64):
    m = json.load(open(os.path.join(case_dir, "manifest.json")))
    t = next(t for t in m["tensors"] if t["name"] == name)
    if "int32" in t["files"]:
        a = array("i")
        a.frombytes(open(os.path.join(case_dir, t["files"]["int32"]), "rb").read())
        return torch.tensor(a.tolist(), dtype=torch.int64).reshape(t["shape"])
    a = array("d")
    a.frombytes(open(os.path.join(case_dir, t["files"]["float64"]), "rb").read())
    return torch.tensor(a.tolist(), dtype=dtype).reshape(t["shape"])


def verify_shipped(ref):
    """Runs the installed official code on the shipped lm_xlstm11 and xlstm_large_tiny parameters and
    tokens; prints the largest differences of logits, loss and gradients from the shipped values."""
    from xlstm import (FeedForwardConfig, mLSTMBlockConfig, mLSTMLayerConfig, sLSTMBlockConfig, sLSTMLayerConfig,
                       xLSTMLMModel, xLSTMLMModelConfig)
    from xlstm.xlstm_large.model import xLSTMLarge, xLSTMLargeConfig
    res = {}
    d = os.path.join(ref, "lm_xlstm11")
    cfg = xLSTMLMModelConfig(
        vocab_size=32, embedding_dim=32, num_blocks=2, context_length=16, slstm_at=[1],
        mlstm_block=mLSTMBlockConfig(mlstm=mLSTMLayerConfig(num_heads=4, proj_factor=2.0, qkv_proj_blocksize=4,
                                                            conv1d_kernel_size=4)),
        slstm_block=sLSTMBlockConfig(slstm=sLSTMLayerConfig(num_heads=4, conv1d_kernel_size=4, backend="vanilla",
                                                            bias_init="powerlaw_blockdependent"),
                                     feedforward=FeedForwardConfig(proj_factor=1.3, act_fn="gelu")))
    models = [("lm_xlstm11", d, xLSTMLMModel(cfg).double(), lambda m, x: m(x))]
    d2 = os.path.join(ref, "xlstm_large_tiny")
    lcfg = xLSTMLargeConfig(embedding_dim=64, num_heads=2, num_blocks=2, vocab_size=32, ffn_proj_factor=2.6667,
                            chunk_size=4, chunkwise_kernel="chunkwise--native_autograd",
                            sequence_kernel="native_sequence__native", step_kernel="native", mode="train",
                            return_last_states=True, autocast_kernel_dtype="float64",
                            norm_reduction_force_float32=False, inference_state_dtype="float64")
    models.append(("xlstm_large_tiny", d2, xLSTMLarge(lcfg).double(), lambda m, x: m(x)[0]))
    for name, cd, model, fwd in models:
        with torch.no_grad():
            for n, p in model.named_parameters():
                p.copy_(_load(cd, "param/" + n))
        tok = _load(cd, "input/tokens")
        lg = fwd(model, tok[:, :-1])
        loss = F.cross_entropy(lg.reshape(-1, lg.shape[-1]), tok[:, 1:].reshape(-1))
        loss.backward()
        gmax = max(rel_err(p.grad, _load(cd, "grad/" + n))[1] for n, p in model.named_parameters())
        res[name] = {"logits_rel": rel_err(lg, _load(cd, "output/logits"))[1],
                     "loss_abs": abs(float(loss.detach()) - float(_load(cd, "output/loss"))), "grads_worst_rel": gmax}
    return res


CASES = {"lm_mixed_heads": case_lm_mixed_heads, "lm_bias_tied": case_lm_bias_tied,
         "lm_slstm_only": case_lm_slstm_only, "lm_mlstm_only": case_lm_mlstm_only,
         "mlstm_block_bias": case_mlstm_block_bias, "slstm_block_relu2": case_slstm_block_relu2,
         "slstm_block_swish": case_slstm_block_swish, "slstm_block_sigmoid": case_slstm_block_sigmoid,
         "xlstm_large_e48": case_large_e48}
CASES.update(VARIANTS)


def versions():
    from importlib.metadata import version
    v = {"torch_version": torch.__version__, "python_version": sys.version.split()[0]}
    for p in ("xlstm", "mlstm_kernels"):
        try:
            v[p + "_version"] = version(p)
        except Exception:  # noqa: BLE001
            v[p + "_version"] = None
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--ref", default=os.path.join(HERE, "..", "..", "..", "shared", "ref"),
                    help="the shipped cases, for the check of the installed release against them")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    torch.set_default_dtype(torch.float64)  # construct (and init) in float64
    names = a.cases or list(CASES)
    idx_path = os.path.join(a.out, "MANIFEST.json")
    index = {"format_version": 1, "generator": "tests/ref_extra/make_cases.py", "endianness": "little",
             "float_files": "every float tensor is stored twice: <name>.f64.bin (reference) and <name>.f32.bin "
                            "(rounded)", "seed": SEED, **versions(), "cases": []}
    if os.path.exists(idx_path):
        old = json.load(open(idx_path))
        index["cases"] = [c for c in old.get("cases", []) if c["case"] not in names]
    ref = a.ref if os.path.isdir(a.ref) else "/work/shared/ref"
    if os.path.isdir(ref):
        v = verify_shipped(ref)
        print("installed release vs shipped cases:", json.dumps(v), flush=True)
        index["installed_release_vs_shipped_cases"] = v
        shipped = json.load(open(os.path.join(ref, "MANIFEST.json")))
        index["shipped_cases_revisions"] = {"xlstm_rev": shipped.get("xlstm_rev"),
                                            "mlstm_kernels_rev": shipped.get("mlstm_kernels_rev")}
    for n in names:
        print("case", n, flush=True)
        index["cases"].append(CASES[n](a.out))
    index["cases"].sort(key=lambda c: c["case"])
    index["total_bytes"] = sum(c["total_bytes"] for c in index["cases"])
    with open(idx_path, "w") as fh:
        json.dump(index, fh, indent=1)
        fh.write("\n")
    print("total bytes", index["total_bytes"])


if __name__ == "__main__":
    main()
