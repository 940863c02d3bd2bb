#!/usr/bin/env bash
# example.sh - the README's first command: set up, build, and train a small xLSTM on parity.
#  1. installs the Debian packages and builds xlc (release),
#  2. checks the standard library and a user-defined cell variant (examples/mlstm_sig.xl),
#  3. trains xLSTM[0:1] (two sLSTM blocks, embedding 64, one head) on the parity of bit
#     strings in two stages, as docs/results.md does: lengths 3-12 (1,500 steps), then 3-40
#     (3,000 steps, from the stage-1 parameters), and reports the accuracy on lengths 41-256
#     (extrapolation: the paper's test lengths) and where the loss/accuracy plot is; about
#     1-4 minutes on 2 cores,
#  4. greedy-decodes from the trained model and checks the step-by-step logits against one
#     full forward pass.
# Everything goes to ${XLC_RUNS:-runs}/example-s1 and .../example; a second run continues
# (or reports) them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
B=${XLC_BUILD:-build}
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$B" -j"$(nproc 2>/dev/null || echo 2)" --target xlc
RUNS=${XLC_RUNS:-runs}
MODEL="--task parity --set E=64 --set L=2 --set NH=1 --set slstm_at=[0,1] --batch 32 --eval-every 250 --log-every 100"
echo "== xlc check"
"$B"/xlc check stdlib/xlstm.xl examples/mlstm_sig.xl
# stage DIR ARGS...: train (or resume, or report) one stage
stage() {
  local dir=$1
  shift
  if [ -f "$dir/ckpt.safetensors" ] && [ ! -f "$dir/results.json" ]; then
    "$B"/xlc train --resume --out "$dir"
  elif [ ! -f "$dir/results.json" ]; then
    # shellcheck disable=SC2086
    "$B"/xlc train $MODEL "$@" --out "$dir"
  else
    echo "(already trained: $dir; remove it to train again)"
    "$B"/xlc eval "$dir/ckpt.safetensors"
  fi
}
echo "== stage 1: xLSTM[0:1] on parity, train lengths 3-12 (test lengths 13-40)"
stage "$RUNS/example-s1" --max-len 12 --test-min-len 13 --test-max-len 40 --steps 1500 --lr 1e-3
echo "== stage 2: train lengths 3-40, from stage 1's parameters; test lengths 41-256 (extrapolation)"
stage "$RUNS/example" --init "$RUNS/example-s1/ckpt.safetensors" --steps 3000 --lr 3e-4
echo "== greedy decoding from the trained model (tokens: 1 = bit 0, 2 = bit 1)"
"$B"/xlc generate "$RUNS/example/ckpt.safetensors" --prompt-tokens 2,1,2,2,1 --max-new 8 --temperature 0 --verify
echo "plot: $RUNS/example/plot.svg   metrics: $RUNS/example/metrics.csv   results: $RUNS/example/results.json"
