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
               seed=SEED):
    from xlstm.xlstm_large.model import xLSTMLarge, xLSTMLargeConfig
    torch.manual_seed(seed)

    def make_cfg(mode, chunk_size, dtype):
        return xLSTMLargeConfig(embedding_dim=E, num_heads=NH, num_blocks=L, vocab_size=V, use_bias=use_bias,
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

    DQK, DV = int(E * 0.5) // NH, int(E * 1.0) // NH
    U = model.backbone.blocks[0].ffn.proj_up.weight.shape[0]
    conf = {"vocab_size": V, "embedding_dim": E, "num_heads": NH, "num_blocks": L, "B": B, "S": S,
            "qk_dim_factor": 0.5, "v_dim_factor": 1.0, "qk_dim": int(E * 0.5), "v_dim": int(E * 1.0),
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
    notes = ["xlstm_large has no weight-init code: parameters = torch default init of the constructor, then i/f gate "
             "weights x12 and lm_head x40 (so that both soft caps are active), igate bias ~ N(0,1), fgate bias = "
             "linspace(3,6), norm weights 1 + N(0,0.1^2) (the scheme of the shipped xlstm_large_tiny); with use_bias the "
             "norm biases (zero in the constructor) are set to N(0,0.1^2) so that they are exercised.",
             "Reference run uses norm_reduction_force_float32=False and inference_state_dtype='float64'.",
             "Model parameter names are the xLSTMLarge state-dict names.",
             f"Head widths: qk {int(E * 0.5)} // {NH} = {DQK}, v {int(E * 1.0)} // {NH} = {DV}; ffn up dim "
             f"int(((E * pf + 63) // 64) * 64) = {U} (ceil would give {int(math.ceil(E * ffn_pf / 64) * 64)})."]
    return c.finish(checks, notes)


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
