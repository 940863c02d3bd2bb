#!/bin/sh
# ckpt_meta.sh - a checkpoint's metadata is held to the command line's ranges on
# `xlc train --resume`, `xlc eval` and `xlc generate` (one table in tools/train.c): every bad
# value is an error naming the file and the field, status 1 (it was a SIGFPE, a SIGSEGV, a
# silent restart at step 0, a 32 GB allocation, or accepted). Parameters and AdamW moments must
# be finite (optim.v.* >= 0). A run whose steps are all non-finite keeps its last checkpoint.
. "$(dirname "$0")/lib.sh"
need_python
export XLC_NUM_THREADS=1
RUN="--task parity --set E=8 --set L=1 --set NH=1 --batch 2 --max-len 6 --test-min-len 7 --test-max-len 8
     --eval-batches 1 --test-batches 1"
EMB=token_embedding.weight

say_case "a small run to edit"
xrun train $RUN --steps 2 --eval-every 1 --out "$T/a"
expect_rc 0
CK="$T/a/ckpt.safetensors"

n=0
# bad WANT EDIT...: the edited checkpoint is refused by train --resume, eval and generate with
# status 1 and a message containing "<file>: WANT"
bad() {
  want=$1; shift
  n=$((n + 1)); D="$T/e$n"; mkdir "$D"
  python3 "$CLI/st.py" edit "$CK" "$D/ckpt.safetensors" "$@" || { fail "st.py edit $*"; return; }
  cp "$D/ckpt.safetensors" "$D/orig"
  say_case "$* -> train --resume"
  xrun train --resume --out "$D" --steps 4; expect_rc 1; expect_err "xlc: error: $D/ckpt.safetensors: $want"
  say_case "$* -> eval"
  xrun eval "$D/ckpt.safetensors"; expect_rc 1; expect_err "xlc: error: $D/ckpt.safetensors: $want"
  if [ $((n % 3)) = 1 ]; then # generate reads the same way: a third of the cases (time under ASan)
    say_case "$* -> generate"
    xrun generate "$D/ckpt.safetensors" --prompt-tokens 1,2 --max-new 2
    expect_rc 1; expect_err "xlc: error: $D/ckpt.safetensors: $want"
  fi
  cmp -s "$D/ckpt.safetensors" "$D/orig" || fail "the checkpoint was changed"
}

bad "metadata 'eval_every' = 0: must be >= 1" trainer:eval_every=0
bad "metadata 'eval_every' = 2.5: must be an integer" trainer:eval_every=2.5
bad "metadata 'step' = -5: must be an integer in [0, 1e+12]" meta:step=-5
bad "metadata 'step' = abc: must be an integer" meta:step=abc
bad "metadata 'step' = : must be an integer" meta:step=
bad "metadata 'step' is missing" meta:step=-
bad "metadata 'max_len' = 1000000000: must be <= 1e+06" trainer:max_len=1e9
bad "metadata 'lr' = -0.001: must be >= 0" trainer:lr=-0.001
bad "metadata 'lr' = \"0.1\": must be a number" 'trainer:lr="0.1"'
bad "metadata 'batch' = 0: must be >= 1" trainer:batch=0
bad "metadata 'accum' = -3: must be >= 1" trainer:accum=-3
bad "metadata 'clip' = 1e+300: must be <= 1e+12" trainer:clip=1e300
bad "metadata 'backend' = gpu: is unknown (available: cpu, ref)" 'trainer:backend="gpu"'
bad "metadata 'backend' = 3: must be a string" trainer:backend=3
bad "metadata 'dtype' = f16: must be f32 or f64" 'trainer:dtype="f16"'
bad "metadata 'decay_embedding' = 1: must be true or false" trainer:decay_embedding=1
bad "metadata 'seed' = -1: must be an unsigned 64-bit integer" meta:seed=-1
bad "metadata 'sets' = {}: must be a JSON array of strings" 'meta:sets={}'
bad "metadata 'sets' = 3: every element must be a string" 'meta:sets=["E=8",3]'
bad "metadata 'trainer' = [1]: must be a JSON object" 'meta:trainer=[1]'
bad "tensor 'optim.v.$EMB' holds -1 at element 2: optimizer second moments must be finite and >= 0" "tensor:optim.v.$EMB:2=-1"
bad "tensor 'optim.v.$EMB' holds nan at element 0" "tensor:optim.v.$EMB:0=nan"
bad "tensor 'optim.m.$EMB' holds inf at element 5: values must be finite" "tensor:optim.m.$EMB:5=inf"
bad "tensor '$EMB' holds nan at element 1: values must be finite" "tensor:$EMB:1=nan"

say_case "a valid edit is accepted (and older checkpoints without a key keep the default)"
mkdir "$T/ok"
python3 "$CLI/st.py" edit "$CK" "$T/ok/ckpt.safetensors" trainer:warm_steps=- trainer:lr=0.002
xrun train --resume --out "$T/ok" --steps 3; expect_rc 0; expect_out "steps 3 (from 2)"; expect_out "lr 0.002"

say_case "every step non-finite: the last checkpoint is kept, not overwritten by the diverged model"
mkdir "$T/div"
# a head of 3e38s: finite parameters, infinite logits, a NaN loss at every step
python3 "$CLI/st.py" edit "$CK" "$T/div/ckpt.safetensors" "tensor:lm_head.weight:*=3e38"
cp "$T/div/ckpt.safetensors" "$T/div.orig"
xrun train --resume --out "$T/div" --steps 5 --eval-every 1
expect_err "was not finite: $T/div/ckpt.safetensors not written (the last one is kept)"
cmp -s "$T/div/ckpt.safetensors" "$T/div.orig" || fail "the checkpoint was overwritten"
[ "$(python3 "$CLI/st.py" meta "$T/div/ckpt.safetensors" step)" = 2 ] || fail "checkpoint step changed"
finish
