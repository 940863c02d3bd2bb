#!/bin/sh
# run_tokens.sh - `xlc run` on tiny_lm.xl (token inputs with `hint vocab`, one parameter with
# a random initializer, a scalar loss): token id checks, parameters from a file or from the
# seed, --loss gradients, unknown parameter names. Skipped (77) without the lowering.
. "$(dirname "$0")/lib.sh"
need_python

L="$CLI/tiny_lm.xl"
O="$T/out"
mkdir "$O"
need_lowering "$L" tiny_lm --set B=2 --set T=3

mkst "$T/in.safetensors" tokens=I32:2,3:0,1,2,3,4,0 targets=F32:2,3:1,2,3,4,0,0
mkst "$T/p.safetensors" w=F32:5,5:iota

say_case "loss with parameters from a file"
xrun run "$L" tiny_lm --inputs "$T/in.safetensors" --params "$T/p.safetensors" --loss --dtype f64 \
  --out "$O/r.safetensors"
# rows of w are k*5 + [0..4]: loss = mean(logsumexp(0..4) - target) = 4.451914 - 10/6
expect_rc 0; expect_out "loss = 2.78525"; expect_out "grad.w: [5, 5]"; expect_out "logits: [2, 3, 5]"
rm -f "$O/r.safetensors"

say_case "parameters from the seed: same seed, same loss; other seed, other loss"
xrun run "$L" tiny_lm --inputs "$T/in.safetensors" --seed 7 --out "$O/a.safetensors"
expect_rc 0; grep "^loss = " "$T/stdout" >"$T/loss_a"
xrun run "$L" tiny_lm --inputs "$T/in.safetensors" --seed 7 --out "$O/b.safetensors"
expect_rc 0; grep "^loss = " "$T/stdout" >"$T/loss_b"
xrun run "$L" tiny_lm --inputs "$T/in.safetensors" --seed 8 --out "$O/c.safetensors"
expect_rc 0; grep "^loss = " "$T/stdout" >"$T/loss_c"
cmp -s "$T/loss_a" "$T/loss_b" || fail "same seed, different loss: $(cat "$T/loss_a") / $(cat "$T/loss_b")"
cmp -s "$T/loss_a" "$T/loss_c" && fail "seeds 7 and 8 give the same loss: $(cat "$T/loss_a")"
cmp -s "$O/a.safetensors" "$O/b.safetensors" || fail "same seed, different output files"
python3 "$CLI/st.py" show "$O/c.safetensors" | grep -qF '"seed": "8"' || fail "metadata lacks seed 8"
rm -f "$O"/*

say_case "token id out of the vocabulary"
mkst "$T/bad.safetensors" tokens=I32:2,3:0,1,2,3,5,0 targets=F32:2,3:0
xrun run "$L" tiny_lm --inputs "$T/bad.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "bad.safetensors: tensor 'tokens' holds 5 at index [1, 1], outside [0, 5)"
expect_empty_dir "$O"

say_case "targets -1 are not scored: the loss is the mean over the other positions"
mkst "$T/m.safetensors" tokens=I32:2,3:0,1,2,3,4,0 targets=I32:2,3:1,-1,3,-1,0,-1
xrun run "$L" tiny_lm --inputs "$T/m.safetensors" --params "$T/p.safetensors" --loss --dtype f64 \
  --out "$O/r.safetensors"
# scored targets 1, 3, 0: loss = logsumexp(0..4) - 4/3
expect_rc 0; expect_out "loss = 3.11858"
rm -f "$O/r.safetensors"

say_case "target below -1"
mkst "$T/bad.safetensors" tokens=I32:2,3:0 targets=I64:2,3:0,0,-2,0,0,0
xrun run "$L" tiny_lm --inputs "$T/bad.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "tensor 'targets' holds -2 at index [0, 2], outside [-1, 5)"; expect_empty_dir "$O"

say_case "token -1 is refused: tokens index the embedding"
mkst "$T/bad.safetensors" tokens=I32:2,3:0,-1,0,0,0,0 targets=I64:2,3:0
xrun run "$L" tiny_lm --inputs "$T/bad.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "tensor 'tokens' holds -1 at index [0, 1], outside [0, 5)"; expect_empty_dir "$O"

say_case "non-integral token id"
mkst "$T/bad.safetensors" tokens=F32:2,3:0,0.5,0,0,0,0 targets=F32:2,3:0
xrun run "$L" tiny_lm --inputs "$T/bad.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "tensor 'tokens' must hold integers, but holds 0.5 at index [0, 1]"
expect_empty_dir "$O"

say_case "params file with an unknown tensor: suggestion"
mkst "$T/p2.safetensors" ww=F32:5,5:0
xrun run "$L" tiny_lm --inputs "$T/in.safetensors" --params "$T/p2.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "p2.safetensors: tensor 'ww' is not a parameter of entry 'tiny_lm'"
expect_err "did you mean 'w'?"; expect_empty_dir "$O"

say_case "parameter of the wrong shape"
mkst "$T/p3.safetensors" w=F32:5,4:0
xrun run "$L" tiny_lm --inputs "$T/in.safetensors" --params "$T/p3.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "p3.safetensors: tensor 'w' has shape [5, 4], expected [5, 5]"; expect_empty_dir "$O"

say_case "missing data input"
mkst "$T/in2.safetensors" tokens=I32:2,3:0
xrun run "$L" tiny_lm --inputs "$T/in2.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "missing integer input 'targets' (expected shape [2, 3])"; expect_empty_dir "$O"

finish
