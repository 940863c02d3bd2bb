#!/bin/sh
# ckpt_source.sh - self-contained checkpoints (issue 18 item 2): the .xl source is stored in the
# checkpoint (metadata "sources"), so eval, generate, train --resume and train --init work from
# the checkpoint alone after the file was deleted, moved or edited, from another directory, and
# give the same numbers; a checkpoint without "sources" (the format of before) still loads from
# its source_path with the hash check; FILE ENTRY given explicitly override the stored source
# (parameters matched by name and shape: a renamed parameter is named, a comment is harmless).
. "$(dirname "$0")/lib.sh"
need_python
export XLC_NUM_THREADS=1
RUN="--task parity --batch 4 --max-len 8 --test-min-len 9 --test-max-len 12 --eval-every 2 --eval-batches 1 --test-batches 1"
GEN="--prompt-tokens 1,2,2,1 --max-new 5 --temperature 0"
mkdir -p "$T/src" "$T/elsewhere"
cp "$CLI/tiny_lm.xl" "$T/src/m.xl"
cd "$T/src" || exit 1

say_case "train from a relative path: the source is stored under that path"
xrun train m.xl tiny_lm $RUN --steps 4 --out "$T/a"; expect_rc 0
python3 - "$T/a/ckpt.safetensors" "$T/src/m.xl" <<'PY' || fail "metadata 'sources' is not {source_path: text}"
import json, struct, sys
data = open(sys.argv[1], "rb").read()
(hl,) = struct.unpack("<Q", data[:8])
meta = json.loads(data[8:8 + hl])["__metadata__"]
src = json.loads(meta["sources"])
assert meta["source_path"] == "m.xl" and list(src) == ["m.xl"], meta
assert src["m.xl"] == open(sys.argv[2]).read()
PY
cp -r "$T/a" "$T/r1"
cp -r "$T/a" "$T/r2"
python3 "$CLI/st.py" edit "$T/a/ckpt.safetensors" "$T/old.safetensors" meta:sources=- || fail "st.py edit"
xrun eval "$T/a/ckpt.safetensors"; expect_rc 0; cp "$T/stdout" "$T/eval_before"
xrun generate "$T/a/ckpt.safetensors" $GEN; expect_rc 0; cp "$T/stdout" "$T/gen_before"
xrun eval "$T/old.safetensors"; expect_rc 0
cmp -s "$T/stdout" "$T/eval_before" || fail "an old-format checkpoint evaluates differently"
xrun train --resume --out "$T/r1" --steps 6; expect_rc 0; expect_out "steps 6 (from 4)"

say_case "the file moved away and edited, run from another directory: eval, generate, --resume, --init"
mv "$T/src/m.xl" "$T/moved.xl"
echo "# edited" >>"$T/moved.xl"
cd "$T/elsewhere" || exit 1
xrun eval "$T/a/ckpt.safetensors"; expect_rc 0
cmp -s "$T/stdout" "$T/eval_before" || fail "eval differs after the move: $(cat "$T/eval_before") / $(cat "$T/stdout")"
xrun generate "$T/a/ckpt.safetensors" $GEN; expect_rc 0
cmp -s "$T/stdout" "$T/gen_before" || fail "generate differs after the move: $(cat "$T/gen_before") / $(cat "$T/stdout")"
xrun generate "$T/a/ckpt.safetensors" --prompt-tokens 1,2 --max-new 3 --verify; expect_rc 0; expect_out "OK"
xrun train --resume --out "$T/r2" --steps 6; expect_rc 0; expect_out "steps 6 (from 4)"
cut -d, -f1-4,6- "$T/r1/metrics.csv" >"$T/r1.cols"
cut -d, -f1-4,6- "$T/r2/metrics.csv" >"$T/r2.cols"
cmp -s "$T/r1.cols" "$T/r2.cols" || fail "--resume after the move differs: $(diff "$T/r1.cols" "$T/r2.cols" | head -4)"
cmp -s "$T/r1/results.json" "$T/r2/results.json" || fail "results.json of --resume differ after the move"
[ "$(python3 "$CLI/st.py" meta "$T/r2/ckpt.safetensors" sources)" = \
  "$(python3 "$CLI/st.py" meta "$T/a/ckpt.safetensors" sources)" ] || fail "--resume did not keep the stored source"
xrun train $RUN --init "$T/a/ckpt.safetensors" --lr 0 --steps 1 --out "$T/i"; expect_rc 0
xrun eval "$T/i/ckpt.safetensors"; expect_rc 0
cmp -s "$T/stdout" "$T/eval_before" || fail "eval after --init with lr 0 differs: $(cat "$T/eval_before") / $(cat "$T/stdout")"
[ "$(python3 "$CLI/st.py" meta "$T/i/ckpt.safetensors" entry)" = tiny_lm ] || fail "--init did not take the stored entry"

say_case "an old-format checkpoint needs its file: missing, then edited (hash check)"
xrun eval "$T/old.safetensors"; expect_rc 1; expect_err "cannot read 'm.xl'"
cd "$T/src" || exit 1
cp "$T/moved.xl" m.xl
xrun eval "$T/old.safetensors"; expect_rc 1; expect_err "has changed since"
xrun train --resume --out "$T/r1" --steps 8; expect_rc 0   # new format: the edit does not matter

say_case "explicit FILE ENTRY override the stored source"
cd "$T/elsewhere" || exit 1
sed 's/param w:/param w2:/; s/gather(w,/gather(w2,/' "$CLI/tiny_lm.xl" >"$T/renamed.xl"
xrun eval "$T/a/ckpt.safetensors" "$T/renamed.xl" tiny_lm; expect_rc 1
expect_err "missing tensor 'w2'"; expect_err "unexpected tensor 'w'"
xrun generate "$T/a/ckpt.safetensors" "$T/renamed.xl" tiny_lm $GEN; expect_rc 1; expect_err "missing tensor 'w2'"
xrun train "$T/renamed.xl" tiny_lm $RUN --init "$T/a/ckpt.safetensors" --steps 1 --out "$T/x"; expect_rc 1
expect_err "missing tensor 'w2'"
sed 's/^# tiny_lm.xl.*/# another comment/' "$CLI/tiny_lm.xl" >"$T/comment.xl"
xrun eval "$T/a/ckpt.safetensors" "$T/comment.xl" tiny_lm; expect_rc 0
cmp -s "$T/stdout" "$T/eval_before" || fail "eval with FILE ENTRY (a comment changed) differs"
xrun generate "$T/a/ckpt.safetensors" "$T/comment.xl" tiny_lm $GEN; expect_rc 0
cmp -s "$T/stdout" "$T/gen_before" || fail "generate with FILE ENTRY (a comment changed) differs"
xrun eval "$T/old.safetensors" "$T/comment.xl" tiny_lm; expect_rc 0   # no hash check for a file given
xrun eval "$T/a/ckpt.safetensors" "$T/nothing.xl" tiny_lm; expect_rc 1; expect_err "cannot read"

say_case "a damaged 'sources' is an error, never a fallback"
for e in 'meta:sources={' 'meta:sources={}' 'meta:sources={"m.xl":5}' 'meta:sources={"m.xl":"# other"}'; do
  python3 "$CLI/st.py" edit "$T/a/ckpt.safetensors" "$T/bad.safetensors" "$e" || fail "st.py edit $e"
  xrun eval "$T/bad.safetensors"; expect_rc 1; expect_err "metadata 'sources'"
done
finish
