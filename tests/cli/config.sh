#!/bin/sh
# config.sh - `--config FILE` (an experiment file in the official xlstm layout): training from
# the YAML equals training with the same settings given as options (every metric but the
# timing, bit for bit), the JSON form equals the YAML, options and --set override the file,
# `xlc run --config` runs the stdlib's xlstm_lm at the file's context_length, and broken files
# fail with exit 1 and a message naming the file, the key or the line:column.
. "$(dirname "$0")/lib.sh"
export XLC_NUM_THREADS=1
Y="$CLI/parity_xlstm11_tiny.yaml"
J="$CLI/parity_xlstm11_tiny.json"
metrics() { cut -d, -f1-4,6,7 "$1/metrics.csv"; } # without tokens_per_s

say_case "train --config YAML writes a checkpoint; ignored keys are noted"
xrun train --config "$Y" --out "$T/a"
expect_rc 0
expect_err "note: $Y: model.slstm_block.slstm.backend ignored (kernel choice of the official code"
expect_err "training.device ignored (device)"
expect_out "xlstm_lm_at on parity"
[ -s "$T/a/ckpt.safetensors" ] || fail "no checkpoint"
[ "$(wc -l <"$T/a/metrics.csv")" = 5 ] || fail "metrics.csv should have a header and 4 rows"

say_case "the same model and trainer settings given as options give bit-identical metrics"
xrun train --task parity --data-vocab 3 --min-len 3 --max-len 12 --test-min-len 13 --test-max-len 20 \
  --eval-batches 1 --test-batches 1 --batch 4 --steps 4 --eval-every 2 --warmup 1 --lr 0.002 --lr-min 0.001 \
  --weight-decay 0.1 --seed 3 --set V=3 --set E=16 --set L=2 --set NH=2 --set 'slstm_at=[1]' --out "$T/b"
expect_rc 0
metrics "$T/a" >"$T/ma"; metrics "$T/b" >"$T/mb"
cmp -s "$T/ma" "$T/mb" || { fail "metrics differ"; diff "$T/ma" "$T/mb" | head; }
grep -v '"sets"' "$T/a/results.json" >"$T/ra"; grep -v '"sets"' "$T/b/results.json" >"$T/rb"
cmp -s "$T/ra" "$T/rb" || fail "results.json differ"

say_case "the JSON form of the file gives the same run"
xrun train --config "$J" --out "$T/c"
expect_rc 0
metrics "$T/c" >"$T/mc"
cmp -s "$T/ma" "$T/mc" || fail "JSON metrics differ from YAML"

say_case "options and --set given explicitly override the file"
xrun train --config "$Y" --steps 2 --set NH=1 --out "$T/d"
expect_rc 0
[ "$(wc -l <"$T/d/metrics.csv")" = 3 ] || fail "--steps 2 did not override num_steps"
grep -q 'NH=1' "$T/d/results.json" || fail "--set NH=1 did not override the file"
metrics "$T/d" >"$T/md"
cmp -s "$T/ma" "$T/md" && fail "an overridden run should differ"

say_case "run --config without FILE ENTRY runs xlstm_lm at the file's context_length"
xrun run --config "$Y" --random-inputs --out "$T/o.safetensors"
expect_rc 0; expect_out "logits: [1, 24, 3]"
xrun run --config "$Y" --random-inputs --set T=5 --set B=2 --out "$T/o.safetensors"
expect_rc 0; expect_out "logits: [2, 5, 3]"

say_case "generate/eval --config: a plain state dict's model comes from the file"
xrun generate "$T/o.safetensors" --config "$Y" --max-new 2
expect_rc 1; expect_err "does not fit xlstm_lm L=2 E=16 V=3 mlstm_NH=2 slstm_NH=2 slstm_at=[1]"
xrun eval "$T/a/ckpt.safetensors" --config "$Y"
expect_rc 0; expect_err "the model comes from the checkpoint; --config $Y ignored"

bad() { # bad NAME CONTENT: write $T/NAME
  printf '%s\n' "$2" >"$T/$1"
}
say_case "an unknown model key fails naming its path"
sed 's/^      num_heads: 2$/      num_heads: 2\n      foo: 1/' "$Y" >"$T/unk.yaml"
grep -q 'foo: 1' "$T/unk.yaml" || fail "test setup: sed did not add the key"
xrun train --config "$T/unk.yaml" --out "$T/e"
expect_rc 1; expect_err "xlc: error: $T/unk.yaml: model.mlstm_block.mlstm.foo: unknown key"
[ -e "$T/e" ] && fail "a failed run created its output directory"
xrun run --config "$T/unk.yaml" --random-inputs --out "$T/o2.safetensors"
expect_rc 1; expect_err "model.mlstm_block.mlstm.foo: unknown key"

say_case "broken files"
xrun train --config "$T/missing.yaml"
expect_rc 1; expect_err "xlc: error: cannot read '$T/missing.yaml'"
bad syn.yaml 'model:
  num_blocks: [1, 2
training: {}'
xrun train --config "$T/syn.yaml"
expect_rc 1; expect_err "$T/syn.yaml:3:"; expect_err ": error: did not find expected"
bad list.yaml '- model'
xrun run --config "$T/list.yaml" --random-inputs --out "$T/o3.safetensors"
expect_rc 1; expect_err "$T/list.yaml: the top level is not a mapping"
bad type.yaml 'model: {embedding_dim: "16", slstm_at: []}'
xrun run --config "$T/type.yaml" --random-inputs --out "$T/o3.safetensors"
expect_rc 1; expect_err "model.embedding_dim: must be an integer"
bad ref.yaml 'model:
  embedding_dim: ${dataset.width}'
xrun run --config "$T/ref.yaml" --random-inputs --out "$T/o3.safetensors"
expect_rc 1; expect_err "model.embedding_dim: cannot resolve \${dataset.width}: no key 'dataset'"
bad cyc.yaml 'model:
  embedding_dim: ${.x}
  x: ${.embedding_dim}'
xrun run --config "$T/cyc.yaml" --random-inputs --out "$T/o3.safetensors"
expect_rc 1; expect_err "reference cycle: model.embedding_dim -> model.x -> model.embedding_dim"
sed 's/synth_lang_type: parity/synth_lang_type: palindrome/' "$Y" >"$T/task.yaml"
xrun train --config "$T/task.yaml" --out "$T/f"
expect_rc 1; expect_err "dataset.kwargs.synth_lang_type: unknown task 'palindrome'"
sed 's/^  weight_decay: 0.1$/  weight_decay: 11/' "$Y" >"$T/wd.yaml"
xrun train --config "$T/wd.yaml" --out "$T/f"
expect_rc 1; expect_err "training.weight_decay: expected a number in [0, 10]"
sed 's/^  seed: 3$/  seed: 3\n  momentum: 0.9/' "$Y" >"$T/tk.yaml"
xrun train --config "$T/tk.yaml" --out "$T/f"
expect_rc 1; expect_err "training.momentum: unknown key"
xrun train --config "$Y" --resume --out "$T/a"
expect_rc 1; expect_err "do not give --config"
[ -e "$T/o3.safetensors" ] && fail "a failed run wrote its output"
finish
