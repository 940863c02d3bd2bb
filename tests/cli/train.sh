#!/bin/sh
# train.sh - `xlc train` end to end on tiny models: outputs, resume after SIGKILL equals an
# uninterrupted run, settings restored from the checkpoint, bad data and settings give clear
# errors. XLC_NUM_THREADS=1 so that runs are bit-identical.
. "$(dirname "$0")/lib.sh"
need_python
export XLC_NUM_THREADS=1
TINY="--set E=16 --set L=2 --set NH=1 --set slstm_at=[1] --batch 4 --max-len 12 --test-min-len 13 --test-max-len 20"

say_case "a short parity run writes checkpoint, metrics, plot and results"
xrun train --task parity $TINY --steps 8 --eval-every 4 --eval-batches 1 --test-batches 1 --out "$T/a"
expect_rc 0; expect_out "scaled accuracy"; expect_out "random guessing 0.5"
for f in ckpt.safetensors metrics.csv plot.svg results.json; do [ -s "$T/a/$f" ] || fail "no $f"; done
[ "$(python3 "$CLI/st.py" meta "$T/a/ckpt.safetensors" step)" = 8 ] || fail "checkpoint step is not 8"
[ "$(python3 "$CLI/st.py" meta "$T/a/ckpt.safetensors" entry)" = xlstm_lm_at ] || fail "checkpoint entry"
python3 "$CLI/st.py" meta "$T/a/ckpt.safetensors" sets | grep -qF '"V=3"' || fail "V=3 (the task's vocabulary) not recorded"
[ "$(wc -l <"$T/a/metrics.csv")" = 9 ] || fail "metrics.csv should have a header and 8 rows"
grep -q "</svg>" "$T/a/plot.svg" || fail "plot.svg is incomplete"
ls "$T/a" | grep -q tmp && fail "temporary files left in $T/a"

say_case "--init: parameters from a checkpoint (lr 0: unchanged, so eval agrees)"
xrun train --task parity $TINY --init "$T/a/ckpt.safetensors" --lr 0 --steps 1 --eval-every 1 --eval-batches 1 --test-batches 1 --out "$T/i"
expect_rc 0
xrun eval "$T/a/ckpt.safetensors"; cp "$T/stdout" "$T/eval_a"
xrun eval "$T/i/ckpt.safetensors"; expect_rc 0
cmp -s "$T/eval_a" "$T/stdout" || fail "eval after --init with lr 0 differs: $(cat "$T/eval_a") / $(cat "$T/stdout")"
xrun train --task parity $TINY --init "$T/nothing.safetensors" --out "$T/x"; expect_rc 1; expect_err "nothing.safetensors"

say_case "SIGKILL in the middle, then --resume: the same losses as an uninterrupted run"
RUN="--task parity $TINY --steps 300 --eval-every 10 --eval-batches 1 --test-batches 1 --warm-steps 50 --warm-len 6"
xrun train $RUN --out "$T/full"
expect_rc 0
"$XLC" train $RUN --out "$T/kill" >/dev/null 2>&1 &
pid=$!
# poll the metrics file (one flushed row per step; a checkpoint every 10 steps) without
# starting processes, so that the kill lands soon after step 40 even on a loaded machine
i=0
while :; do
  [ -f "$T/kill/metrics.csv" ] && [ "$(wc -l <"$T/kill/metrics.csv")" -gt 40 ] && break
  i=$((i + 1)); [ $i -gt 3000000 ] && break
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
s=$(python3 "$CLI/st.py" meta "$T/kill/ckpt.safetensors" step)
[ -n "$s" ] || fail "no readable checkpoint after SIGKILL"
[ "$s" -lt 300 ] || fail "the run finished before it was killed (step $s): make it longer"
xrun train --resume --out "$T/kill"
expect_rc 0; expect_out "steps 300 (from $s)"
# every column but the wall-clock one (tokens_per_s) must be identical
cut -d, -f1-4,6- "$T/full/metrics.csv" >"$T/full.cols"
cut -d, -f1-4,6- "$T/kill/metrics.csv" >"$T/kill.cols"
cmp -s "$T/full.cols" "$T/kill.cols" || fail "resumed metrics differ from the uninterrupted run: $(diff "$T/full.cols" "$T/kill.cols" | head -4)"
cmp -s "$T/full/results.json" "$T/kill/results.json" || fail "results.json differ"

say_case "xlstm_lm_at (head and loss at the scored positions only), also on 2 data-parallel shards, trains exactly like xlstm_lm"
STDLIB_XL=$(python3 "$CLI/st.py" meta "$T/a/ckpt.safetensors" source_path)
AT="--task mqar --context 24 --pairs 3 --data-vocab 40 --set E=16 --set L=2 --set NH=1 --set slstm_at=[1] --batch 4
    --steps 6 --eval-every 3 --eval-batches 1 --test-batches 1 --dtype f64"
xrun train "$STDLIB_XL" xlstm_lm $AT --out "$T/lm"; expect_rc 0
xrun train "$STDLIB_XL" xlstm_lm_at $AT --out "$T/at"; expect_rc 0
XLC_NUM_THREADS=2 xrun train "$STDLIB_XL" xlstm_lm_at $AT --out "$T/dp"; expect_rc 0
for other in at dp; do
python3 - "$T/lm/metrics.csv" "$T/$other/metrics.csv" "$T/lm/results.json" "$T/$other/results.json" <<'PY' || fail "$other (xlstm_lm_at; dp: 2 data-parallel shards) differs from xlstm_lm"
import csv, json, math, sys
a, b = (list(csv.DictReader(open(f))) for f in sys.argv[1:3])
assert len(a) == len(b) == 6, (len(a), len(b))
def close(x, y):
    x, y = float(x), float(y)
    return (math.isnan(x) and math.isnan(y)) or abs(x - y) <= 1e-9 * max(1.0, abs(x))
for ra, rb in zip(a, b):
    for k in ("loss", "grad_norm", "val_loss", "val_acc"):
        assert close(ra[k], rb[k]), (ra["step"], k, ra[k], rb[k])
ja, jb = (json.load(open(f)) for f in sys.argv[3:5])
for sp in ("validation", "test"):
    for k in ("loss", "accuracy", "scored_positions"):
        assert close(ja[sp][k], jb[sp][k]), (sp, k, ja[sp][k], jb[sp][k])
PY
done
xrun generate "$T/at/ckpt.safetensors" --prompt-tokens 3,25,7,30,3 --max-new 4 --temperature 0 --verify
expect_rc 0; expect_out "OK"
xrun eval "$T/at/ckpt.safetensors" --split test; expect_rc 0; expect_out "accuracy"

say_case "2 data-parallel shards: float32 runs are bit-identical run after run"
DP="--task parity $TINY --steps 6 --eval-every 3 --eval-batches 1 --test-batches 1"
XLC_NUM_THREADS=2 xrun train $DP --out "$T/dp1"; expect_rc 0
XLC_NUM_THREADS=2 xrun train $DP --out "$T/dp2"; expect_rc 0
cut -d, -f1-4,6- "$T/dp1/metrics.csv" >"$T/dp1.cols"
cut -d, -f1-4,6- "$T/dp2/metrics.csv" >"$T/dp2.cols"
cmp -s "$T/dp1.cols" "$T/dp2.cols" || fail "two runs with 2 shards differ: $(diff "$T/dp1.cols" "$T/dp2.cols" | head -4)"
cmp -s "$T/dp1/results.json" "$T/dp2/results.json" || fail "results.json of two runs with 2 shards differ"

say_case "the mLSTM form per length (parallel up to 2 chunks, chunkwise beyond) gives the parallel form's numbers"
AF="--task mqar --data-vocab 32 --context 40 --pairs 3 --set E=16 --set L=2 --set NH=1 --set slstm_at=[1] --set chunk=8
    --batch 2 --steps 3 --eval-every 3 --eval-batches 1 --test-batches 1 --dtype f64"
xrun train $AF --out "$T/af"; expect_rc 0; expect_out "mLSTM form: parallel for padded lengths <= 16, chunkwise (chunks of 8) beyond"
xrun train $AF --set form=parallel --out "$T/ap"; expect_rc 0
grep -q "mLSTM form" "$T/stdout" && fail "--set form=parallel should switch the choice off"
python3 - "$T/af/metrics.csv" "$T/ap/metrics.csv" <<'PY' || fail "chunkwise (auto) and parallel runs differ"
import csv, math, sys
a, b = (list(csv.DictReader(open(f))) for f in sys.argv[1:3])
for ra, rb in zip(a, b):
    for k in ("loss", "grad_norm", "val_loss"):
        x, y = float(ra[k]), float(rb[k])
        assert (math.isnan(x) and math.isnan(y)) or abs(x - y) <= 1e-9 * max(1, abs(x)), (k, x, y)
PY

say_case "bad settings and data"
xrun train --task nosuchtask --out "$T/x"; expect_rc 1; expect_err "nosuchtask"
xrun train --task "bytes:$T/missing.txt" --out "$T/x"; expect_rc 1; expect_err "missing.txt"
xrun train --task parity --set V=2 --out "$T/x"; expect_rc 1; expect_err "vocabulary (2) is smaller than the task's (3)"
xrun train --task parity --steps abc; expect_rc 1; expect_err "--steps: 'abc' is not a number"
xrun train --resume --out "$T/nothing"; expect_rc 1; expect_err "nothing/ckpt.safetensors"
xrun train --resume --out "$T/a" --set E=8; expect_rc 1; expect_err "--set E=8 cannot change it"
xrun train "$CLI/tiny.xl" acc --set N=3 --task parity --out "$T/x"; expect_rc 1; expect_err "is not a token model"
xrun train --task parity $TINY --set form=chunkwize --steps 1 --out "$T/x"; expect_rc 1
expect_err 'form must be "recurrent", "parallel" or "chunkwise"'
[ -e "$T/x" ] && fail "a failed start created $T/x"

say_case "resume compiles the stored source; a checkpoint without it (older format) refuses a changed .xl file"
cp "$CLI/tiny_lm.xl" "$T/m.xl"
xrun train "$T/m.xl" tiny_lm --task parity --steps 4 --eval-every 2 --eval-batches 1 --test-batches 1 --out "$T/m"
expect_rc 0
echo "# edited" >>"$T/m.xl"
cp -r "$T/m" "$T/m_old"
python3 "$CLI/st.py" edit "$T/m/ckpt.safetensors" "$T/m_old/ckpt.safetensors" meta:sources=- || fail "st.py edit"
xrun train --resume --out "$T/m_old" --steps 6; expect_rc 1; expect_err "has changed since"
xrun train --resume --out "$T/m" --steps 6; expect_rc 0

say_case "eval and generate from the checkpoint (settings from its metadata)"
xrun eval "$T/a/ckpt.safetensors"; expect_rc 0; expect_out "test split (lengths 13-20"; expect_out "scaled accuracy"
xrun eval "$T/a/ckpt.safetensors" --split test --seed 5; expect_rc 0; cp "$T/stdout" "$T/eval_seed5"
xrun eval "$T/a/ckpt.safetensors" --split test; cmp -s "$T/stdout" "$T/eval_seed5" && fail "--seed does not change the data"
xrun eval "$T/a/ckpt.safetensors" --split validation --batches 2; expect_rc 0; expect_out "validation split (lengths 3-12, 2 batches"
xrun generate "$T/a/ckpt.safetensors" --prompt-tokens 1,2,2,1 --max-new 6 --temperature 0 --verify
expect_rc 0; expect_out "verify: logits of prefill + 6 steps vs one forward pass over 9 tokens"; expect_out "OK"
xrun generate "$T/a/ckpt.safetensors" --prompt-tokens 2,1 --max-new 5 --seed 3 --top-k 2 --top-p 0.9 --verify --backend ref --dtype f64
expect_rc 0; expect_out "(tol 1e-10) OK"
xrun generate "$T/a/ckpt.safetensors" --prompt-tokens 1,7; expect_rc 1; expect_err "prompt token 7 at position 1 is outside the vocabulary [0, 3)"
xrun generate "$T/a/ckpt.safetensors" --prompt "hi"; expect_rc 1; expect_err "--prompt is for byte-level models"
xrun eval "$T/missing.safetensors"; expect_rc 1; expect_err "missing.safetensors"

say_case "a plain state dict (official names, no metadata) with FILE ENTRY and --set"
python3 - "$T/a/ckpt.safetensors" "$T/plain.safetensors" <<'PY'
import json, struct, sys
data = open(sys.argv[1], "rb").read()
(hl,) = struct.unpack("<Q", data[:8])
h = json.loads(data[8:8 + hl]); body = data[8 + hl:]
h.pop("__metadata__", None)
out, blobs, off = {}, [], 0
for k, t in sorted(h.items(), key=lambda kv: kv[1]["data_offsets"][0]):
    if k.startswith("optim."): continue
    a, b = t["data_offsets"]; blobs.append(body[a:b])
    out[k] = {"dtype": t["dtype"], "shape": t["shape"], "data_offsets": [off, off + b - a]}; off += b - a
hb = json.dumps(out).encode(); hb += b" " * ((8 - len(hb) % 8) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(hb)) + hb + b"".join(blobs))
PY
xrun generate "$T/plain.safetensors" --prompt-tokens 1,2; expect_rc 1; expect_err "is a plain state dict"
STDLIB=$(python3 "$CLI/st.py" meta "$T/a/ckpt.safetensors" source_path)
xrun generate "$T/plain.safetensors" "$STDLIB" xlstm_lm --set E=16 --set L=2 --set NH=1 --set slstm_at=[1] --set V=3 \
  --prompt-tokens 1,2,2,1 --max-new 6 --temperature 0 --quiet
expect_rc 0
xrun generate "$T/a/ckpt.safetensors" --prompt-tokens 1,2,2,1 --max-new 6 --temperature 0 --quiet
out_ckpt=$(cat "$T/stdout")
xrun generate "$T/plain.safetensors" "$STDLIB" xlstm_lm --set E=16 --set L=2 --set NH=1 --set slstm_at=[1] --set V=3 \
  --prompt-tokens 1,2,2,1 --max-new 6 --temperature 0 --quiet
[ "$(cat "$T/stdout")" = "$out_ckpt" ] || fail "the state dict generates '$(cat "$T/stdout")', the checkpoint '$out_ckpt'"
xrun generate "$T/plain.safetensors" "$STDLIB" xlstm_lm --set E=8 --set L=2 --set NH=1 --set slstm_at=[1] --set V=3 \
  --prompt-tokens 1,2
expect_rc 1; expect_err "plain.safetensors does not fit xlstm_lm"; expect_err "token_embedding.weight"

say_case "xlc data shows batches"
xrun data parity --rows 3 --split test; expect_rc 0; expect_out "parity, test split, batch 0: vocab 3"
expect_out "rows of length 41-256"; [ "$(grep -c '^row ' "$T/stdout")" = 3 ] || fail "expected 3 rows"
xrun data mqar --rows 1 --context 16 --pairs 2 --data-vocab 64; expect_rc 0; expect_out "row 0 (length 16)"
[ "$(grep '  scored:' "$T/stdout" | wc -w)" = 3 ] || fail "mqar with 2 pairs should score 2 positions"
xrun data nosuchtask; expect_rc 1; expect_err "nosuchtask"
xrun data parity --split dev; expect_rc 1; expect_err "--split must be train, validation or test"

say_case "XLC_PROFILE=1 prints the trainer's executor profiles (CPU backend only)"
if "$XLC" --help 2>&1 | grep -q '^  cpu '; then
  XLC_PROFILE=1 xrun train --task parity $TINY --steps 2 --eval-every 2 --eval-batches 1 --out "$T/prof"
  expect_rc 0; expect_out "profile: xlstm_lm_at B=4"; expect_out "training ("; expect_out "kernels"
  xrun train --task parity $TINY --steps 2 --eval-every 2 --eval-batches 1 --out "$T/noprof"
  expect_rc 0; ! grep -q '^profile: ' "$T/stdout" || fail "a profile without XLC_PROFILE"
fi

say_case "byte-level text"
i=0; : >"$T/text.txt"
while [ $i -lt 200 ]; do echo "the quick brown fox jumps over the lazy dog $i" >>"$T/text.txt"; i=$((i + 1)); done
xrun train --task "bytes:$T/text.txt" --context 32 $TINY --steps 4 --eval-every 2 --eval-batches 1 --out "$T/b"
expect_rc 0; expect_out "validation"
xrun generate "$T/b/ckpt.safetensors" --prompt "the quick" --max-new 8 --verify
expect_rc 0; expect_out "the quick"; expect_out "OK"
finish
