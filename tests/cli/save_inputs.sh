#!/bin/sh
# save_inputs.sh - `xlc run --random-inputs --save-inputs I` writes the inputs it drew under
# the names --inputs reads: `run --inputs I` repeats the run bit for bit (float inputs of a
# stdlib cell, token ids of tiny_lm.xl). Skipped (77) without the lowering.
. "$(dirname "$0")/lib.sh"

S="$CLI/../../stdlib/xlstm.xl"
L="$CLI/tiny_lm.xl"
need_lowering "$L" tiny_lm --set B=2 --set T=3

for backend in cpu ref; do
  say_case "slstm_cell on $backend: drawn inputs saved, the run repeated from them"
  xrun run "$S" slstm_cell --set B=2 --set T=4 --random-inputs --seed 5 --backend $backend \
    --save-inputs "$T/in_$backend.safetensors" --out "$T/a_$backend.safetensors"
  expect_rc 0; expect_out "wrote the inputs to $T/in_$backend.safetensors"
  xrun run "$S" slstm_cell --inputs "$T/in_$backend.safetensors" --seed 5 --backend $backend \
    --out "$T/b_$backend.safetensors"
  expect_rc 0
  cmp -s "$T/a_$backend.safetensors" "$T/b_$backend.safetensors" || fail "outputs differ"
done

say_case "token inputs (f64, --loss)"
xrun run "$L" tiny_lm --set B=3 --set T=5 --random-inputs --seed 2 --dtype f64 --loss \
  --save-inputs "$T/tok.safetensors" --out "$T/c.safetensors"
expect_rc 0
xrun run "$L" tiny_lm --inputs "$T/tok.safetensors" --seed 2 --dtype f64 --loss --out "$T/d.safetensors"
expect_rc 0
cmp -s "$T/c.safetensors" "$T/d.safetensors" || fail "outputs differ"

say_case "--save-inputs and --out the same file"
xrun run "$L" tiny_lm --set B=1 --set T=2 --random-inputs --save-inputs "$T/x.safetensors" --out "$T/x.safetensors"
expect_rc 1; expect_err "xlc: error: --save-inputs and --out name the same file"
[ -e "$T/x.safetensors" ] && fail "a file was written"

finish
