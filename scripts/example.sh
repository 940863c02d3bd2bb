#!/usr/bin/env bash
# example.sh - the README's first command: set up, build, and run xLSTM examples on the CPU.
#  1. checks the standard library and a user-defined cell variant (examples/mlstm_sig.xl),
#  2. runs the tiny xLSTM[1:1] language model forward and backward (loss and gradients),
#  3. compares the stdlib against the official implementation's reference cases.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B ${XLC_BUILD:-build} -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build ${XLC_BUILD:-build} -j"$(nproc 2>/dev/null || echo 2)" --target xlc
out=$(mktemp -d)
echo "== xlc check"
${XLC_BUILD:-build}/xlc check stdlib/xlstm.xl examples/mlstm_sig.xl
echo "== a new cell variant written in .xl (examples/mlstm_sig.xl), forward on random inputs"
${XLC_BUILD:-build}/xlc run examples/mlstm_sig.xl mlstm_sig --set B=2 --set T=8 --random-inputs --seed 1 \
  --out "$out/sig.safetensors"
echo "== xLSTM[1:1] language model (V=32, E=32, 2 blocks), loss and every gradient"
${XLC_BUILD:-build}/xlc run stdlib/xlstm.xl xlstm_lm --set B=2 --set T=16 --random-inputs --loss --seed 1 \
  --dtype f64 --out "$out/lm.safetensors" | grep -E "^(loss|logits|grad.lm_head|wrote)"
ref=${XLC_REF_DIR:-../shared/ref}
if [ -d "$ref/lm_xlstm11" ]; then
  echo "== against the official code (reference case lm_xlstm11)"
  ${XLC_BUILD:-build}/xlc refcheck --dtype f64 "$ref/lm_xlstm11" | tail -4
fi
echo "outputs are in $out"
