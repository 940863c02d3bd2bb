#!/bin/sh
# determinism.sh XLC CLIDIR - for a fixed thread count, `xlc run` on the compiled CPU backend
# gives bit-identical outputs (forward, loss and every gradient) run after run; also with a
# training graph large enough that kernels are split over threads.
set -u
XLC=$1
SRC=$(cd "$2/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for t in 1 2; do
  for r in a b; do
    XLC_NUM_THREADS=$t "$XLC" run "$SRC/stdlib/xlstm.xl" xlstm_lm --set B=8 --set T=64 --set E=64 \
      --random-inputs --loss --seed 3 --out "$tmp/out_${t}_$r.safetensors" >/dev/null 2>"$tmp/err" || {
      echo "FAIL: xlc run (threads $t) failed:"; cat "$tmp/err"; exit 1; }
  done
  if ! cmp -s "$tmp/out_${t}_a.safetensors" "$tmp/out_${t}_b.safetensors"; then
    echo "FAIL: two runs with XLC_NUM_THREADS=$t differ"
    fail=1
  fi
done
[ $fail -eq 0 ] && echo "determinism: ok"
exit $fail
