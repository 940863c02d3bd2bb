#!/usr/bin/env bash
# Baseline: measure the official PyTorch xLSTM package (PyPI "xlstm") on this
# machine, CPU only, so that xlc's numbers can be compared in the same setting.
#
# Nothing from the official package lives in this repository: it is installed
# into a virtual environment at run time.
#
# Usage: scripts/bench_official.sh [OUT_JSON] [-- extra args for bench_official.py]
#   VENV=path          virtual environment (default ./.venv-bench, git-ignored)
#   TORCH_SPEC=spec    pip requirement for torch (default "torch")
#   XLSTM_SPEC=spec    pip requirement for xlstm (default "xlstm")
#   SKIP_INSTALL=1     reuse the venv as it is
#   COMPARE=0          do not run xlc afterwards (default: if build/xlc exists, run
#                      scripts/bench_compare.py on the result: xlc's numbers beside these,
#                      with the ratios)
#
# Examples:
#   scripts/bench_official.sh                      # full run, writes bench_official.json
#   scripts/bench_official.sh out.json -- --quick  # smoke run (a few steps only)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv-bench}"
TORCH_SPEC="${TORCH_SPEC:-torch}"
XLSTM_SPEC="${XLSTM_SPEC:-xlstm}"
OUT="bench_official.json"
if [[ $# -gt 0 && "$1" != "--" ]]; then OUT="$1"; shift; fi
if [[ $# -gt 0 && "$1" == "--" ]]; then shift; fi

PY="${PYTHON:-python3}"
if [[ ! -x "$VENV/bin/python" ]]; then
  echo "== creating venv $VENV"
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"

if [[ "${SKIP_INSTALL:-0}" != 1 ]]; then
  "$VPY" -m pip install -q --upgrade pip
  if "$VPY" -c 'import torch' 2>/dev/null; then
    echo "== torch already installed: $("$VPY" -c 'import torch; print(torch.__version__)')"
  else
    # Prefer the CPU-only wheel (small, MKL inside). Its index is not always
    # reachable (here only PyPI is); then fall back to PyPI's default Linux
    # wheel, which is the CUDA build with its nvidia-* dependencies (several
    # GB) but runs on the CPU all the same, with the same MKL CPU kernels.
    echo "== installing torch (trying the CPU-only index first)"
    if ! "$VPY" -m pip install -q --timeout 20 --retries 0 \
         --index-url https://download.pytorch.org/whl/cpu "$TORCH_SPEC" 2>/dev/null; then
      echo "   CPU-only index not reachable; installing $TORCH_SPEC from PyPI"
      "$VPY" -m pip install -q "$TORCH_SPEC"
    fi
  fi
  echo "== installing $XLSTM_SPEC (and its light deps)"
  # xlstm 2.x pulls mlstm_kernels (einops, matplotlib, numpy, PyYAML), ninja,
  # safetensors, packaging. The benchmark uses none of the CUDA/Triton paths.
  "$VPY" -m pip install -q "$XLSTM_SPEC" einops numpy
fi

echo "== load before the run: $(uptime)"
"$VPY" "$ROOT/scripts/bench_official.py" --out "$OUT" "$@"
if [[ "${COMPARE:-1}" != 0 && -x "$ROOT/build/xlc" ]]; then
  echo "== xlc on the same configurations (scripts/bench_compare.py)"
  "$PY" "$ROOT/scripts/bench_compare.py" "$OUT" --xlc "$ROOT/build/xlc"
fi
