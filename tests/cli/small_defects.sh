#!/bin/sh
# small_defects.sh - regressions of issue 18's P6: random integer inputs drawn below what they
# index (xlstm_lm_at's positions below T, not below the vocabulary), --set values in double
# quotes, the help texts' default backend, one line for repeated non-finite training steps.
# Skipped (77) without the lowering.
. "$(dirname "$0")/lib.sh"
need_python

S="$CLI/../../stdlib/xlstm.xl"
need_lowering "$S" slstm_cell --set B=1 --set T=1

say_case "xlstm_lm_at with random inputs: positions below T (12), tokens below V (32)"
xrun run "$S" xlstm_lm_at --set B=2 --set T=12 --set P=3 --random-inputs --save-inputs "$T/in.safetensors" \
  --out "$T/o.safetensors"
expect_rc 0; expect_out "logits: [2, 3, 32]"
python3 "$CLI/st.py" show "$T/in.safetensors" >"$T/show" || fail "st.py show"
python3 - "$T/show" <<'PY' || fail "drawn ids out of range"
import sys
rng = {"positions": 12, "tokens": 32, "targets": 32}
seen = set()
for line in open(sys.argv[1]):
    f = line.split(None, 3)
    if len(f) == 4 and f[0] in rng:
        vals = [float(v) for v in f[3].replace("[", " ").replace("]", " ").replace(",", " ").split()]
        assert all(0 <= v < rng[f[0]] for v in vals), (f[0], vals)
        seen.add(f[0])
assert seen == set(rng), seen
PY

say_case "xlstm_lm_at: a position at T from --inputs is a user error naming the range"
mkst "$T/bad.safetensors" tokens=I32:1,4:0,1,2,3 positions=I32:1,2:1,4 targets=I32:1,2:0,1
xrun run "$S" xlstm_lm_at --inputs "$T/bad.safetensors" --out "$T/b.safetensors"
expect_rc 1; expect_err "tensor 'positions' holds 4 at index [0, 1], outside [-1, 4)"

say_case "--set form=\"parallel\" is --set form=parallel"
xrun run "$S" mlstm_block --set B=1 --set T=3 --set 'form="parallel"' --random-inputs --out "$T/q1.safetensors"
expect_rc 0
xrun run "$S" mlstm_block --set B=1 --set T=3 --set form=parallel --random-inputs --out "$T/q2.safetensors"
expect_rc 0
cmp -s "$T/q1.safetensors" "$T/q2.safetensors" || fail "quoted and bare settings differ"
xrun run "$S" mlstm_block --set B=1 --set T=3 --set 'form="nonsense"' --random-inputs --out "$T/q3.safetensors"
expect_rc 1; expect_err "form must be"

say_case "help texts: the compiled cpu backend is run's default"
xrun help run; expect_rc 0; expect_out "compiled cpu backend (the default"
grep -q "with the reference executor" "$T/stdout" && fail "help run still says the reference executor"
xrun help; expect_rc 0
grep "^  run " "$T/stdout" | grep -q "compiled cpu backend" || fail "the command list misstates run's backend"

say_case "xlc train: repeated non-finite steps give one warning and a count"
xrun train "$CLI/nan_lm.xl" nan_lm --task parity --steps 20 --eval-every 100 --eval-batches 1 --test-batches 1 \
  --out "$T/train"
expect_rc 1; expect_err "step 1: loss"; expect_err "10 non-finite steps in a row"
expect_err "... 9 more non-finite steps skipped (the last at step 10)"
n=$(grep -c "step skipped" "$T/stderr")
[ "$n" = 1 ] || fail "$n 'step skipped' lines, expected 1"

finish
