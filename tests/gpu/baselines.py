#!/usr/bin/env python3
"""Same-machine baselines for tests/gpu/check.sh, only with what is already there.

Installs nothing. Each measurement prints one line
  baseline <name> <shape> <mode> <ms> ms
and anything missing prints a "skipped:" line instead. Measured when present:
  * torch.nn.LSTM on the GPU (cuDNN): batch 16, T 1024, hidden 768, forward and fwd+bwd
    (the published 2.01 ms number's setting; PyTorch is on the GPU machine's image);
  * the mLSTM step kernel of mlstm_kernels (carried wheel) at 8 heads, DK 256, DV 512, batch
    1 and 1024 (the published 0.142 / 3.85 ms);
  * the xlstm package's sLSTM layer (carried wheel; its CUDA kernels compile at first use,
    which may not fit the time limit: then its line says so).
XLC_GPU_CHECK_SMOKE=1: tiny shapes (the CPU smoke test, where torch is usually absent).
Times: CUDA events, median of 10 runs after 3 warm-ups.
"""
import os
import sys
import time

SMOKE = os.environ.get("XLC_GPU_CHECK_SMOKE") == "1"


def skipped(what, why):
    print(f"skipped: {what}: {why}", flush=True)


def timer(torch, dev, fn, reps=10):
    for _ in range(3):
        fn()
    if dev == "cuda":
        torch.cuda.synchronize()
        ts = []
        for _ in range(reps):
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            fn()
            b.record()
            torch.cuda.synchronize()
            ts.append(a.elapsed_time(b))
    else:
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort()
    return ts[len(ts) // 2]


def main():
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - any import failure means "not present"
        skipped("all baselines", f"no PyTorch ({e.__class__.__name__})")
        return 0
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"torch {torch.__version__}, device {torch.cuda.get_device_name(0) if dev == 'cuda' else 'cpu'}")
    B, T, H = (2, 4, 48) if SMOKE else (16, 1024, 768)

    # cuDNN LSTM (torch.nn.LSTM), float32, no TF32: the setting of the published number
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    lstm = torch.nn.LSTM(H, H, batch_first=True).to(dev)
    x = torch.randn(B, T, H, device=dev, requires_grad=True)
    with torch.no_grad():
        ms = timer(torch, dev, lambda: lstm(x))
    print(f"baseline torch.nn.LSTM B={B},T={T},H={H} forward {ms:.3f} ms", flush=True)

    def fb():
        y, _ = lstm(x)
        y.sum().backward()

    ms = timer(torch, dev, fb)
    print(f"baseline torch.nn.LSTM B={B},T={T},H={H} fwd+bwd {ms:.3f} ms", flush=True)

    # the fused step kernel; its module moved between mlstm_kernels versions. Positional
    # arguments (C, n, m, q, k, v, i, f) as in its docstrings: (B, NH, DK, DV), (B, NH, DK),
    # (B, NH, 1), (B, NH, DK) twice, (B, NH, DV), (B, NH, 1) twice.
    step, why = None, "not importable"
    import importlib
    for mod, fn in (("mlstm_kernels.torch.recurrent", "mlstm_recurrent_step__triton_fw"),
                    ("mlstm_kernels.torch.recurrent", "mlstm_recurrent_step__triton"),
                    ("mlstm_kernels.torch.recurrent.triton_step", "mlstm_recurrent_step__triton_fw"),
                    ("mlstm_kernels.mlstm.recurrent", "recurrent_step_fw")):
        try:
            step = getattr(importlib.import_module(mod), fn)
            print(f"mlstm_kernels step kernel: {mod}.{fn}")
            break
        except Exception as e:  # noqa: BLE001
            why = f"{mod}.{fn}: {e.__class__.__name__}: {e}"
    if step is None:
        skipped("mlstm_kernels step kernel", why)
    if step is not None and dev == "cuda":
        NH, DK, DV = (2, 8, 16) if SMOKE else (8, 256, 512)
        for b in (1, 4) if SMOKE else (1, 1024):
            c = torch.zeros(b, NH, DK, DV, device=dev)
            n = torch.zeros(b, NH, DK, device=dev)
            m = torch.zeros(b, NH, 1, device=dev)
            q, k = torch.randn(b, NH, DK, device=dev), torch.randn(b, NH, DK, device=dev)
            v = torch.randn(b, NH, DV, device=dev)
            i, f = torch.randn(b, NH, 1, device=dev), torch.randn(b, NH, 1, device=dev)
            try:
                ms = timer(torch, dev, lambda: step(c, n, m, q, k, v, i, f))
                print(f"baseline mlstm_kernels.step NH={NH},DK={DK},DV={DV},B={b} forward {ms:.3f} ms", flush=True)
            except Exception as e:  # noqa: BLE001
                skipped(f"mlstm_kernels step B={b}", f"{e.__class__.__name__}: {e}")

    try:
        import xlstm  # noqa: F401
        skipped("xlstm sLSTM layer", "present; its CUDA kernels build at first use (not timed here)")
    except Exception as e:  # noqa: BLE001
        skipped("xlstm sLSTM layer", f"not importable ({e.__class__.__name__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
