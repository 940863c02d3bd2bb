#!/usr/bin/env bash
# example.sh - the README's first command: set up, build, and train a small xLSTM on parity.
#  1. installs the Debian packages and builds xlc (release),
#  2. checks the standard library and a user-defined cell variant (examples/mlstm_sig.xl),
#  3. trains xLSTM[0:1] (two sLSTM blocks, embedding 64, one head) on the parity of bit
#     strings of length 3-12 for a few minutes on the CPU, then reports the accuracy on
#     lengths 13-40 (extrapolation) and where the loss/accuracy plot is,
#  4. greedy-decodes from the trained model and checks the step-by-step logits against one
#     full forward pass.
# Everything goes to ${XLC_RUNS:-runs}/example; a second run continues (or reports) it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
B=${XLC_BUILD:-build}
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$B" -j"$(nproc 2>/dev/null || echo 2)" --target xlc
RUN=${XLC_RUNS:-runs}/example
echo "== xlc check"
"$B"/xlc check stdlib/xlstm.xl examples/mlstm_sig.xl
echo "== training xLSTM[0:1] on parity (train lengths 3-12, test lengths 13-40)"
if [ -f "$RUN/ckpt.safetensors" ] && [ ! -f "$RUN/results.json" ]; then
  "$B"/xlc train --resume --out "$RUN"
elif [ ! -f "$RUN/results.json" ]; then
  "$B"/xlc train --task parity --set E=64 --set L=2 --set NH=1 --set slstm_at=[0,1] \
    --max-len 12 --test-min-len 13 --test-max-len 40 --steps 1500 --batch 32 --lr 1e-3 \
    --eval-every 250 --log-every 100 --out "$RUN"
else
  echo "(already trained: $RUN; remove it to train again)"
  "$B"/xlc eval "$RUN/ckpt.safetensors"
fi
echo "== greedy decoding from the trained model (tokens: 1 = bit 0, 2 = bit 1)"
"$B"/xlc generate "$RUN/ckpt.safetensors" --prompt-tokens 2,1,2,2,1 --max-new 8 --temperature 0 --verify
echo "plot: $RUN/plot.svg   metrics: $RUN/metrics.csv   results: $RUN/results.json"
