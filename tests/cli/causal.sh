#!/bin/sh
# causal.sh - the causality check of token models (issue 18 item 7): `xlc check --causal`
# passes the stdlib's xlstm_lm in its recurrent, chunkwise and parallel forms, xlstm_lm_at and
# xlstm_large, a --config model and a cumsum model, and fails models that read later tokens
# (tests/cli/noncausal.xl: a reverse cumsum; two tokens ahead at the entry's own T), naming
# the position and the token; `xlc train` refuses such a model before writing anything and
# trains it with --no-causal-check. Skipped (77) without the lowering.
. "$(dirname "$0")/lib.sh"
export XLC_NUM_THREADS=1
S="$CLI/../../stdlib/xlstm.xl"
F="$CLI/noncausal.xl"
need_lowering "$F" peek_lm --set B=2 --set T=8
SMALL="--set E=16 --set L=2 --set NH=2 --set slstm_at=[1]"

say_case "xlstm_lm in every form"
for form in recurrent parallel chunkwise; do
  xrun check --causal "$S" xlstm_lm $SMALL --set form=$form --set chunk=4
  expect_rc 0; expect_out "causal: ok (T=8, 7 positions checked)"
done

say_case "chunkwise over several chunks at a longer T (first, middle and last positions)"
xrun check --causal "$S" xlstm_lm $SMALL --set form=chunkwise --set chunk=4 --set T=20
expect_rc 0; expect_out "causal: ok (T=20, 3 positions checked)"

say_case "xlstm_lm_at (logits at positions 0..T-1) and xlstm_large"
xrun check --causal "$S" xlstm_lm_at $SMALL --set form=parallel
expect_rc 0; expect_out "causal: ok (T=8, 7 positions checked)"
xrun check --causal "$S" xlstm_large
expect_rc 0; expect_out "causal: ok (T=8, 7 positions checked)"

say_case "a forward cumsum is causal"
xrun check --causal "$F" cum_lm --seed 3
expect_rc 0; expect_out "causal: ok"

say_case "a reverse cumsum is not"
xrun check --causal "$F" peek_lm
expect_rc 1; expect_err "not causal: logits at position 0 change when token 1 changes (max |diff|"
[ -s "$T/stdout" ] && fail "stdout should be empty"

say_case "an entry with its own T, reading two tokens ahead"
xrun check --causal "$F" ahead_lm
expect_rc 1; expect_err "not causal: logits at position 0 change when token 2 changes"
expect_err "checked 2 rows of T=6 tokens below 5 (seed 0)"

say_case "--config: the model of an experiment file, --set on top"
xrun check --causal --config "$CLI/parity_xlstm11_tiny.yaml" --set T=5
expect_rc 0; expect_out "causal: ok (T=5, 4 positions checked)"

say_case "not a token model, and the usage"
xrun check --causal "$CLI/cumulative.xl" cum_block
expect_rc 1; expect_err "entry 'cum_block' is not a token model: it has no input 'tokens'"
xrun check --causal "$F"
expect_rc 1; expect_err "takes exactly FILE.xl and ENTRY"
xrun check --set V=3 "$F"
expect_rc 1; expect_err "--set needs --causal"
xrun check --causal "$F" no_such_entry
expect_rc 1; expect_err "no_such_entry"

say_case "xlc train refuses a non-causal model and writes nothing"
RUN="--task parity --steps 2 --eval-every 2 --eval-batches 1 --test-batches 1 --batch 4 --max-len 8"
xrun train "$F" peek_lm $RUN --out "$T/peek"
expect_rc 1; expect_err "not causal: logits at position 0 change when token 1 changes"
expect_err "--no-causal-check"
[ -e "$T/peek" ] && fail "train created its output directory"
xrun train "$F" peek_lm $RUN --out "$T/peek" --no-causal-check
expect_rc 0; [ -f "$T/peek/ckpt.safetensors" ] || fail "no checkpoint with --no-causal-check"

say_case "xlc train runs the check silently on causal models"
xrun train "$F" cum_lm $RUN --out "$T/cum"
expect_rc 0; grep -q "causal:" "$T/stdout" "$T/stderr" && fail "the check printed on success"

finish
