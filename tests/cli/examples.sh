#!/bin/sh
# examples.sh - the language models of examples/ (issue 18's proof): each passes `xlc check`
# and `xlc gradcheck` (float64, small sizes, default tolerance), trains a few steps on a
# built-in task (MQAR, vocabulary 32) on the compiled cpu backend, and after its files moved
# away resumes from its self-contained checkpoint in another directory and evaluates; the
# recurrent and the parallel (cumsum/logcumsumexp) forms of minGRU and RG-LRU give the same
# logits and loss on the same inputs and parameters. Skipped (77) without the lowering.
. "$(dirname "$0")/lib.sh"
need_python
export XLC_NUM_THREADS=1
CLI=$(cd "$CLI" && pwd)              # absolute: the checks run from other directories
EX=$(cd "$CLI/../../examples" && pwd)
need_lowering "$EX/mingru.xl" mingru_lm --set B=2 --set T=4
RUN="--task mqar --data-vocab 32 --context 16 --pairs 2 --batch 4 --lr 3e-3 --eval-every 2 --eval-batches 1 --test-batches 1"
SMALL="--set V=8 --set E=8 --set T=6 --set B=2"
mkdir -p "$T/elsewhere"

# example FILE ENTRY GRADCHECK-SETS...: check, gradcheck, train 4 steps in $T/src/, move the
# sources away, resume to 6 steps and evaluate from $T/elsewhere
example() {
  f=$1 e=$2; shift 2
  say_case "$f $e: check and gradcheck"
  xrun check "$EX/$f"; expect_rc 0
  xrun gradcheck "$EX/$f" $e $SMALL "$@"; expect_rc 0; expect_out "gradcheck $e:"; expect_out ": PASS"
  grep -q "FAIL" "$T/stdout" && fail "a tensor failed"

  say_case "$f $e: train, move the sources, resume from another directory, eval"
  rm -rf "$T/src" "$T/moved" "$T/run"
  mkdir -p "$T/src"
  cp "$EX"/*.xl "$T/src/"           # the example and the files it imports
  (cd "$T/src" && "$XLC" train "$f" $e $RUN --steps 4 --out "$T/run" >"$T/stdout" 2>"$T/stderr"); RC=$?
  LASTCMD="train $f $e $RUN --steps 4 (in $T/src)"
  expect_rc 0; expect_out "steps 4 (from 0)"
  grep -q "non-finite" "$T/stderr" && fail "a training step was not finite"
  mv "$T/src" "$T/moved"
  cd "$T/elsewhere" || exit 1
  xrun train --resume --out "$T/run" --steps 6; expect_rc 0; expect_out "steps 6 (from 4)"
  xrun eval "$T/run/ckpt.safetensors"; expect_rc 0; expect_out "accuracy"
  cd "$T" || exit 1
}

example mlstm_sig_lm.xl mlstm_sig_lm --set NH=2
example gru.xl gru_lm --set H=8
example mingru.xl mingru_lm --set D=8
example rglru.xl rglru_lm --set D=8
example slstm_full.xl slstm_full_lm --set NH=2

say_case "the parallel forms pass gradcheck"
for f in mingru rglru; do
  xrun gradcheck "$EX/$f.xl" ${f}_lm $SMALL --set D=8 --set form=parallel
  expect_rc 0; expect_out ": PASS"; grep -q "FAIL" "$T/stdout" && fail "$f: a tensor failed"
done

# same seed: same parameters and inputs; logits and loss must agree (float64: to 1e-10
# relative to the largest logit; float32: 1e-4)
for f in mingru rglru; do
  for dt in f64 f32; do
    say_case "$f: the recurrent and the parallel form agree ($dt)"
    for form in recurrent parallel; do
      xrun run "$EX/$f.xl" ${f}_lm --set T=32 --set B=3 --set form=$form --dtype $dt --random-inputs \
        --seed 7 --out "$T/$form.safetensors"
      expect_rc 0
    done
    tol=$([ $dt = f64 ] && echo 1e-10 || echo 1e-4)
    python3 - "$CLI" "$T/recurrent.safetensors" "$T/parallel.safetensors" $tol <<'PY' || fail "the two forms differ"
import sys
sys.path.insert(0, sys.argv[1])
from st import read
a = {n: v for n, _, _, v in read(sys.argv[2])[1]}
b = {n: v for n, _, _, v in read(sys.argv[3])[1]}
tol = float(sys.argv[4])
for name in ("logits", "loss"):
    x, y = a[name], b[name]
    scale = max(1.0, max(abs(v) for v in x))
    err = max(abs(p - q) for p, q in zip(x, y)) / scale
    print("%s: %d values, max difference %.3g (relative to %.3g)" % (name, len(x), err, scale))
    if not err <= tol:
        sys.exit("%s differs by %g > %g" % (name, err, tol))
PY
  done
done

finish
