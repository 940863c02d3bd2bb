#!/bin/sh
# no_fallbacks.sh - issue 18 item 5: no interpreter compute step in the forward, training
# (--loss) or gradient (--grad) plan, nor the batch-1 decode plan, of the stdlib's entries
# (xlstm_lm, xlstm_lm_at, xlstm_large) and the models of examples/ (every form): `xlc build`
# lists any such step as an "interpreter:" line in report.txt, and there must be none.
# The training plan contains the forward computation, so entries with a loss output build
# their training plan (--loss) and the batch-1, one-token plan (decode); others the gradient
# plan. test_kplan checks the stdlib models' forward and gradient plans without compiling.
. "$(dirname "$0")/lib.sh"
EX=$(cd "$CLI/../../examples" && pwd)
STD=$(cd "$CLI/../../stdlib" && pwd)/xlstm.xl
need_lowering "$STD" xlstm_lm --set B=2 --set T=4
export XLC_NO_JIT=1 # the plans are what is checked: build writes them without compiling kernels

# plans [--decode] FILE ENTRY SETS...: the training plan (--loss) of entries with a loss output,
# else the gradient plan (--grad); FILE ENTRY SETS...: --decode builds the forward plan only
plans() {
  modes="--grad --loss"
  [ "$1" = --decode ] && { modes=fwd; shift; }
  f=$1 e=$2; shift 2
  for mode in $modes; do
    [ "$mode" = --loss ] && ! grep -q "out loss" "$f" && continue
    [ "$mode" = --grad ] && grep -q "out loss" "$f" && continue
    [ "$mode" = fwd ] && mode=
    say_case "$(basename "$f") $e $* $mode"
    rm -rf "$T/emit"
    xrun build "$f" "$e" "$@" $mode --emit-dir "$T/emit"
    [ "$mode" = --loss ] && [ "$RC" = 1 ] && grep -q "no output 'loss'" "$T/stderr" && continue
    expect_rc 0
    if grep -q "^interpreter:" "$T/emit/report.txt" 2>/dev/null; then
      grep "^interpreter:" "$T/emit/report.txt" | sed 's/^/  /'
      fail "interpreter compute steps in the plan"
    fi
  done
}

S="--set B=2 --set T=8"
plans "$STD" xlstm_lm $S
plans "$STD" xlstm_lm $S --set form=parallel
plans "$STD" xlstm_lm $S --set form=chunkwise --set chunk=4
plans "$STD" xlstm_lm_at $S --set P=3
plans --decode "$STD" xlstm_lm --set B=1 --set T=1             # decode: one token at batch 1
plans --decode "$STD" xlstm_lm_at --set B=1 --set T=1 --set P=1
plans "$STD" xlstm_large $S
plans --decode "$STD" xlstm_large --set B=1 --set T=1
for f in "$EX"/*.xl; do
  for e in $(sed -n 's/^model \([a-z_0-9]*\).*/\1/p' "$f"); do
    plans "$f" "$e" $S
    grep -q 'form = "recurrent"' "$f" && plans "$f" "$e" $S --set form=parallel
    plans --decode "$f" "$e" --set B=1 --set T=1
  done
done
finish
