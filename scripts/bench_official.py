#!/usr/bin/env python3
"""Baseline: time the official PyTorch xLSTM package (PyPI "xlstm") on the CPU.

Run through scripts/bench_official.sh, which installs torch and xlstm into a
virtual environment first. Nothing of the official package is kept in this
repository.

What it measures, for each configuration (A-D, see CONFIGS):
  * forward tokens/s without gradients (the mLSTM in its default parallel
    form, the sLSTM through the "vanilla" PyTorch backend),
  * training-step tokens/s: forward, cross-entropy, backward, AdamW step,
  * generation tokens/s at batch 1, token by token through model.step() with
    the model's own recurrent state (after checking that step() reproduces
    the forward pass),
  * peak RSS of the process (each configuration runs in its own process, so
    the number is that configuration's own).
It also prints the torch build (BLAS backend), the threads, and the measured
float32 GEMM throughput of the machine, which says whether torch has a fast
BLAS at all.

Usage: bench_official.py [--out bench_official.json] [--configs A,B,C,D]
                         [--threads 2] [--quick] [--isa avx2]
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

# name: (embedding_dim, num_blocks, slstm_at, context_length, batch)
CONFIGS = {
    "A": dict(embedding_dim=128, num_blocks=4, slstm_at=[1, 3], context_length=256, batch=8),
    "B": dict(embedding_dim=128, num_blocks=4, slstm_at=[], context_length=256, batch=8),
    "C": dict(embedding_dim=128, num_blocks=4, slstm_at=[0, 1, 2, 3], context_length=256, batch=8),
    "D": dict(embedding_dim=256, num_blocks=8, slstm_at=[3], context_length=512, batch=4),
}
VOCAB = 256


# --------------------------------------------------------------------------
# machine / load helpers (no torch needed)

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    fl = line.split(":", 1)[1].split()
                    return [x for x in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile") if x in fl]
    except OSError:
        pass
    return []


def mem_total_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _busy_jiffies():
    """Busy jiffies of the whole machine (all CPUs), from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]


def _self_jiffies():
    with open("/proc/self/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return int(parts[11]) + int(parts[12])  # utime + stime (fields 14, 15)


class LoadMeter:
    """CPU used by *other* processes while we measure, as a fraction of all cores."""

    def __init__(self):
        self.hz = os.sysconf("SC_CLK_TCK")
        self.ncpu = os.cpu_count() or 1
        self.t0 = time.time()
        self.b0 = _busy_jiffies()
        self.s0 = _self_jiffies()
        self.load0 = os.getloadavg()

    def stop(self):
        dt = time.time() - self.t0
        busy = _busy_jiffies() - self.b0
        mine = _self_jiffies() - self.s0
        other = max(0.0, (busy - mine) / self.hz) / (dt * self.ncpu) if dt > 0 else 0.0
        return {
            "seconds": round(dt, 1),
            "other_cpu_frac": round(other, 3),
            "loadavg_before": [round(x, 2) for x in self.load0],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        }


def wait_quiet(max_other, max_wait_s, window_s=3.0):
    """Wait until other processes use at most max_other of the machine's CPU
    over a window (we are idle meanwhile). Returns (seconds waited, last share)."""
    t0 = time.time()
    while True:
        lm = LoadMeter()
        time.sleep(window_s)
        other = lm.stop()["other_cpu_frac"]
        if other <= max_other or time.time() - t0 >= max_wait_s:
            return round(time.time() - t0, 1), other


def peak_rss_mib():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def uptime_line():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: %.2f, %.2f, %.2f" % os.getloadavg()


# --------------------------------------------------------------------------
# torch side

def setup_torch(threads):
    import torch
    torch.set_num_threads(threads)
    torch.set_default_dtype(torch.float32)
    return torch


def sgemm_gflops(torch, sizes=(1024, 2048), reps=5):
    out = {}
    for n in sizes:
        a = torch.randn(n, n, dtype=torch.float32)
        b = torch.randn(n, n, dtype=torch.float32)
        c = torch.empty(n, n, dtype=torch.float32)
        torch.mm(a, b, out=c)  # warm-up
        best = float("inf")
        for _ in range(reps):
            t = time.perf_counter()
            torch.mm(a, b, out=c)
            best = min(best, time.perf_counter() - t)
        out[str(n)] = round(2.0 * n ** 3 / best / 1e9, 1)
    return out


def build_model(torch, cfg):
    from xlstm import (
        FeedForwardConfig,
        mLSTMBlockConfig,
        mLSTMLayerConfig,
        sLSTMBlockConfig,
        sLSTMLayerConfig,
        xLSTMLMModel,
        xLSTMLMModelConfig,
    )

    nb = cfg["num_blocks"]
    slstm_at = list(cfg["slstm_at"])
    mlstm_block = None
    if len(slstm_at) < nb:
        mlstm_block = mLSTMBlockConfig(
            mlstm=mLSTMLayerConfig(conv1d_kernel_size=4, qkv_proj_blocksize=4, num_heads=4)
        )
    slstm_block = None
    if slstm_at:
        slstm_block = sLSTMBlockConfig(
            slstm=sLSTMLayerConfig(
                backend="vanilla",  # the "cuda" default needs a GPU and nvcc at run time
                num_heads=4,
                conv1d_kernel_size=4,
                bias_init="powerlaw_blockdependent",
            ),
            feedforward=FeedForwardConfig(proj_factor=1.3, act_fn="gelu"),
        )
    mcfg = xLSTMLMModelConfig(
        mlstm_block=mlstm_block,
        slstm_block=slstm_block,
        context_length=cfg["context_length"],
        num_blocks=nb,
        embedding_dim=cfg["embedding_dim"],
        slstm_at=slstm_at if mlstm_block is not None else "all",
        vocab_size=VOCAB,
    )
    model = xLSTMLMModel(mcfg)
    model.reset_parameters()
    for n, p in model.named_parameters():
        assert p.dtype == torch.float32, (n, p.dtype)
    return model, mcfg


def time_loop(fn, warmup, max_steps, min_steps, budget_s):
    """Run fn() warmup times, then time it for up to max_steps steps or budget_s
    seconds (at least min_steps). Returns the per-step wall times."""
    for _ in range(warmup):
        fn()
    times = []
    t_start = time.perf_counter()
    while len(times) < max_steps:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if len(times) >= min_steps and time.perf_counter() - t_start >= budget_s:
            break
    return times


def summarize(times, tokens_per_step):
    med = statistics.median(times)
    return {
        "steps": len(times),
        "step_s_median": round(med, 4),
        "step_s_min": round(min(times), 4),
        "step_s_mean": round(statistics.fmean(times), 4),
        "tokens_per_s": round(tokens_per_step / med, 1),  # from the median step
        "tokens_per_s_best": round(tokens_per_step / min(times), 1),
        "tokens_per_s_mean": round(tokens_per_step * len(times) / sum(times), 1),
    }


def check_step_matches_forward(torch, model, T=48):
    """max |logits(step by step) - logits(forward)| over a random sequence."""
    g = torch.Generator().manual_seed(1)
    idx = torch.randint(0, VOCAB, (1, T), generator=g)
    model.eval()
    with torch.no_grad():
        ref = model(idx)
        state = None
        outs = []
        for t in range(T):
            lo, state = model.step(idx[:, t : t + 1], state=state)
            outs.append(lo)
        got = torch.cat(outs, dim=1)
    return float((got - ref).abs().max())


def bench_generation(torch, model, n_tokens, rounds=5, warmup=16):
    """Greedy generation at batch 1: n_tokens per round, `rounds` rounds that
    continue one state; the median round gives the rate (the host is shared)."""
    model.eval()
    per_round = max(1, n_tokens // rounds)
    with torch.no_grad():
        tok = torch.zeros((1, 1), dtype=torch.long)
        state = None
        for _ in range(warmup):
            logits, state = model.step(tok, state=state)
            tok = logits[:, -1:].argmax(-1)
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            for _ in range(per_round):
                logits, state = model.step(tok, state=state)
                tok = logits[:, -1:].argmax(-1)  # greedy: feed the prediction back
            times.append(time.perf_counter() - t)
    med = statistics.median(times)
    return {"tokens": per_round * rounds, "rounds": rounds, "tokens_per_s": round(per_round / med, 1),
            "tokens_per_s_best": round(per_round / min(times), 1),
            "tokens_per_s_mean": round(per_round * rounds / sum(times), 1),
            "ms_per_token": round(1000 * med / per_round, 3)}


def run_config(name, args):
    torch = setup_torch(args.threads)
    if args.flush_denormal:
        torch.set_flush_denormal(True)
    import xlstm  # its import (torch's CUDA build included) is part of the baseline RSS
    rss_import = peak_rss_mib()
    cfg = CONFIGS[name]
    torch.manual_seed(0)
    model, _ = build_model(torch, cfg)
    nparams = sum(p.numel() for p in model.parameters())
    B, T = cfg["batch"], cfg["context_length"]
    g = torch.Generator().manual_seed(0)
    data = torch.randint(0, VOCAB, (B, T + 1), generator=g)
    x, y = data[:, :-1].contiguous(), data[:, 1:].contiguous()
    ntok = B * T
    q = args.quick
    res = {"config": name, **cfg, "vocab": VOCAB, "params": nparams, "tokens_per_step": ntok,
           "rss_mib_after_import": rss_import, "xlstm": xlstm.__version__}

    # how fast the machine is right now (the host is shared): sgemm n=1024
    res["sgemm1024_gflops_before"] = sgemm_gflops(torch, sizes=(1024,), reps=10)["1024"]

    # forward, no grad
    lm = LoadMeter()
    model.eval()

    def fwd():
        with torch.no_grad():
            model(x)

    ft = time_loop(fwd, warmup=1 if q else 2, max_steps=2 if q else 30, min_steps=2 if q else 5,
                   budget_s=2 if q else args.fwd_budget)
    res["forward"] = summarize(ft, ntok)
    res["forward"]["load"] = lm.stop()
    res["peak_rss_mib_after_forward"] = peak_rss_mib()

    # generation, batch 1, token by token through step()
    res["step_vs_forward_max_abs_diff"] = check_step_matches_forward(torch, model)
    lm = LoadMeter()
    res["generation"] = bench_generation(torch, model, 32 if q else args.gen_tokens)
    res["generation"]["load"] = lm.stop()

    # training step: forward, cross-entropy, backward, AdamW
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    lossf = torch.nn.functional.cross_entropy
    losses = []

    def train_step():
        opt.zero_grad(set_to_none=True)
        logits = model(x)
        loss = lossf(logits.reshape(-1, VOCAB), y.reshape(-1))
        loss.backward()
        opt.step()
        losses.append(float(loss))

    lm = LoadMeter()
    tt = time_loop(train_step, warmup=1 if q else 2, max_steps=2 if q else 40, min_steps=2 if q else 4,
                   budget_s=2 if q else args.train_budget)
    res["train"] = summarize(tt, ntok)
    res["train"]["load"] = lm.stop()
    res["train"]["loss_first_last"] = [round(losses[0], 4), round(losses[-1], 4)]
    res["peak_rss_mib"] = peak_rss_mib()
    res["sgemm1024_gflops_after"] = sgemm_gflops(torch, sizes=(1024,), reps=10)["1024"]
    return res


def environment(args):
    torch = setup_torch(args.threads)
    import xlstm

    info = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "cpu_model": cpu_model(),
        "cpu_flags": cpu_flags(),
        "cores": os.cpu_count(),
        "mem_total_gib": mem_total_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "xlstm": getattr(xlstm, "__version__", "?"),
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "blas": None,
        "cpu_capability": None,
        "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "ATEN_CPU_CAPABILITY",
                                               "MKL_ENABLE_INSTRUCTIONS", "DNNL_MAX_CPU_ISA")},
        "flush_denormal": bool(args.flush_denormal),
        "uptime_before": uptime_line(),
    }
    show = torch.__config__.show()
    for line in show.splitlines():
        if "BLAS_INFO=" in line:
            info["blas"] = line.split("BLAS_INFO=", 1)[1].split(",")[0]
        if "CPU capability usage" in line:
            info["cpu_capability"] = line.split(":", 1)[1].strip()
    try:
        info["cpu_capability_active"] = torch.backends.cpu.get_cpu_capability()
    except Exception:  # older torch
        pass
    return torch, info, show


def print_table(results, info):
    print()
    print("Official xLSTM %s, torch %s (%s, %s), %d threads, float32, sLSTM backend vanilla"
          % (info["xlstm"], info["torch"], info["blas"], info.get("cpu_capability_active") or info["cpu_capability"],
             info["threads"]))
    print("sgemm GFLOP/s (best of 5): %s" % ", ".join("%s: %s" % kv for kv in info["sgemm_gflops"].items()))
    hdr = "%-3s %7s %6s %-10s %5s %9s %9s %9s %9s %7s %6s" % (
        "cfg", "emb", "blocks", "sLSTM at", "BxT", "params", "fwd tok/s", "trn tok/s", "gen tok/s", "RSS MiB",
        "other")
    print(hdr)
    print("-" * len(hdr))
    for r in results:
        if "error" in r:
            print("%-3s  failed: %s" % (r["config"], r["error"].splitlines()[-1] if r["error"] else "?"))
            continue
        other = r["other_cpu_frac_max"]
        print("%-3s %7d %6d %-10s %5s %9d %9.0f %9.0f %9.1f %7.0f %5.0f%%" % (
            r["config"], r["embedding_dim"], r["num_blocks"], ",".join(map(str, r["slstm_at"])) or "-",
            "%dx%d" % (r["batch"], r["context_length"]), r["params"], r["forward"]["tokens_per_s"],
            r["train"]["tokens_per_s"], r["generation"]["tokens_per_s"], r["peak_rss_mib"], 100 * other) + ("  NOISY" if r.get("noisy") else ""))
    print("tok/s from the median step; 'other' = most CPU share of the machine used by other processes "
          "while timing (NOISY: above --max-other after all retries)")


def _other(x):
    return x.get("other_cpu_frac_max",
                 max(x[k]["load"]["other_cpu_frac"] for k in ("forward", "generation", "train") if "load" in x[k]))


def merge(paths, max_other):
    """Best (highest) and range over runs of each measure, from result files of
    separate runs (the host is shared: the best run is the least disturbed)."""
    runs = [json.load(open(p)) for p in paths]
    keys = [("forward", "fwd tok/s"), ("train", "trn tok/s"), ("generation", "gen tok/s")]
    print("%d runs: %s" % (len(runs), ", ".join(paths)))
    print("%-3s " % "" + " ".join("%22s" % k[1] for k in keys))
    print("%-3s " % "cfg" + " ".join("%22s" % "best median worst" for k in keys) + " %8s" % "RSS MiB")
    names = []
    for r in runs:
        for x in r["results"]:
            if x["config"] not in names:
                names.append(x["config"])
    for name in names:
        xs = [x for r in runs for x in r["results"] if x["config"] == name and "error" not in x]
        quiet = [x for x in xs if _other(x) <= max_other]
        xs = quiet or xs  # leave out runs disturbed by other processes, unless all were
        cells = []
        for k, _ in keys:
            v = sorted(x[k]["tokens_per_s"] for x in xs)
            cells.append("%6.0f %6.0f %6.0f" % (v[-1], statistics.median(v), v[0]) if k != "generation"
                         else "%6.1f %6.1f %6.1f" % (v[-1], statistics.median(v), v[0]))
        print("%-3s " % name + " ".join("%22s" % c for c in cells) + " %8.0f" % max(x["peak_rss_mib"] for x in xs)
              + "  (%d of %d runs quiet)" % (len(quiet), len([r for r in runs if any(
                  y["config"] == name for y in r["results"])])))
    g = [r["environment"]["sgemm_gflops"] for r in runs]
    print("sgemm GFLOP/s per run: %s" % "; ".join(", ".join("%s: %s" % kv for kv in x.items()) for x in g))
    print("best, median and worst over the quiet runs (other processes <= %d%% of the CPU); "
          "tok/s of a run = from its median step" % round(100 * max_other))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="bench_official.json")
    ap.add_argument("--configs", default="A,B,C,D")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="smoke run: 2 steps of each")
    ap.add_argument("--fwd-budget", type=float, default=20.0, help="seconds of timed forward steps per config")
    ap.add_argument("--train-budget", type=float, default=60.0, help="seconds of timed training steps per config")
    ap.add_argument("--gen-tokens", type=int, default=640, help="tokens generated (in 5 rounds) per config")
    ap.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True)")
    ap.add_argument("--isa", choices=["native", "avx2"], default="native",
                    help="avx2: restrict ATen, MKL and oneDNN to AVX2 (for a comparison with AVX2-only code)")
    ap.add_argument("--max-other", type=float, default=0.10,
                    help="retry a config whose timing saw other processes use more than this share of the CPU")
    ap.add_argument("--retries", type=int, default=2, help="retries of a disturbed config")
    ap.add_argument("--quiet-wait", type=float, default=300.0,
                    help="seconds to wait at most for a quiet machine before each config")
    ap.add_argument("--merge", nargs="+", metavar="JSON",
                    help="no measuring: print, per config, the best and the range over several result files")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.merge:
        merge(args.merge, args.max_other)
        return

    if args.worker:  # one configuration, in a process of its own (for its own peak RSS)
        res = run_config(args.worker, args)
        print("RESULT_JSON " + json.dumps(res), flush=True)
        return

    if args.isa == "avx2":
        os.environ.update(ATEN_CPU_CAPABILITY="avx2", MKL_ENABLE_INSTRUCTIONS="AVX2", DNNL_MAX_CPU_ISA="AVX2")
        if "RESTARTED" not in os.environ:  # the variables must be set before torch loads
            os.environ["RESTARTED"] = "1"
            os.execv(sys.executable, [sys.executable] + sys.argv)

    torch, info, show = environment(args)
    print("== torch %s, xlstm %s, python %s" % (info["torch"], info["xlstm"], info["python"]))
    print("== CPU: %s, %s cores, %s GiB, flags %s" % (info["cpu_model"], info["cores"], info["mem_total_gib"],
                                                       " ".join(info["cpu_flags"])))
    print("== torch.__config__.show():")
    print(show)
    print("== threads: %d (interop %d), ISA in use: %s" % (info["threads"], info["interop_threads"],
                                                           info.get("cpu_capability_active")))
    print("== load: %s" % info["uptime_before"])
    info["sgemm_quiet_wait"] = wait_quiet(args.max_other, args.quiet_wait)
    info["sgemm_gflops"] = sgemm_gflops(torch)
    print("=" * 70)
    print("== sgemm float32, %d threads: %s GFLOP/s  (BLAS: %s)" % (
        info["threads"], ", ".join("n=%s: %s" % kv for kv in info["sgemm_gflops"].items()), info["blas"]))
    print("=" * 70, flush=True)

    results = []
    for name in args.configs.split(","):
        name = name.strip().upper()
        print("== config %s: %s" % (name, CONFIGS[name]), flush=True)
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", name, "--threads", str(args.threads),
               "--fwd-budget", str(args.fwd_budget), "--train-budget", str(args.train_budget),
               "--gen-tokens", str(args.gen_tokens)]
        if args.quick:
            cmd.append("--quick")
        if args.flush_denormal:
            cmd.append("--flush-denormal")
        attempts = []
        for attempt in range(1 + args.retries):
            waited, other_before = wait_quiet(args.max_other, args.quiet_wait)
            t = time.time()
            p = subprocess.run(cmd, capture_output=True, text=True)
            res = None
            for line in p.stdout.splitlines():
                if line.startswith("RESULT_JSON "):
                    res = json.loads(line[len("RESULT_JSON "):])
            if res is None:
                res = {"config": name, "error": (p.stderr or p.stdout)[-2000:]}
                print(res["error"], file=sys.stderr)
                break
            other = max(res[k]["load"]["other_cpu_frac"] for k in ("forward", "generation", "train"))
            res["other_cpu_frac_max"] = other
            res["quiet_wait_s"] = waited
            print("   try %d (waited %.0f s for a quiet machine): forward %.0f tok/s (%d steps), train %.0f tok/s "
                  "(%d steps), generation %.1f tok/s, peak RSS %.0f MiB, step-vs-forward max diff %.2g, "
                  "other CPU up to %.0f%%, sgemm n=1024 %s/%s GFLOP/s before/after, %.0f s" % (
                      attempt + 1, waited, res["forward"]["tokens_per_s"], res["forward"]["steps"],
                      res["train"]["tokens_per_s"], res["train"]["steps"], res["generation"]["tokens_per_s"],
                      res["peak_rss_mib"], res["step_vs_forward_max_abs_diff"], 100 * other,
                      res.get("sgemm1024_gflops_before"), res.get("sgemm1024_gflops_after"), time.time() - t),
                  flush=True)
            attempts.append(res)
            if other <= args.max_other:
                break
        if attempts:  # keep the attempt least disturbed by other processes
            res = min(attempts, key=lambda r: r["other_cpu_frac_max"])
            res["attempts"] = len(attempts)
            res["noisy"] = res["other_cpu_frac_max"] > args.max_other
        results.append(res)

    info["uptime_after"] = uptime_line()
    print_table(results, info)
    print("== load after: %s" % info["uptime_after"])
    with open(args.out, "w") as f:
        json.dump({"environment": info, "results": results, "quick": args.quick}, f, indent=1)
    print("== wrote %s" % args.out)
    if any("error" in r for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
