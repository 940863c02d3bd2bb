#!/bin/sh
# no_fallbacks.sh - issue 18 item 5: no interpreter compute step in the forward, training
# (--loss) or gradient (--grad) plan, nor the batch-1 decode plan, of the stdlib's entries
# (xlstm_lm, xlstm_lm_at, xlstm_large) and the models of examples/ (every form): `xlc build`
# lists any such step as an "interpreter:" line in report.txt, and there must be none.
# (Registered once gather, one_hot, scatter_add, concat and pad have compiled paths.)
. "$(dirname "$0")/lib.sh"
EX=$(cd "$CLI/../../examples" && pwd)
STD=$(cd "$CLI/../../stdlib" && pwd)/xlstm.xl
need_lowering "$STD" xlstm_lm --set B=2 --set T=4

# plans FILE ENTRY SETS...: forward, and the training plan (--loss) of entries with a loss
# output, else --grad
plans() {
  f=$1 e=$2; shift 2
  for mode in "" --grad --loss; do
    [ "$mode" = --loss ] && ! grep -q "out loss" "$f" && continue
    [ "$mode" = --grad ] && grep -q "out loss" "$f" && continue
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
plans "$STD" xlstm_lm --set B=1 --set T=1                       # decode: one token at batch 1
plans "$STD" xlstm_lm_at --set B=1 --set T=1 --set P=1
plans "$STD" xlstm_large $S
plans "$STD" xlstm_large --set B=1 --set T=1
for f in "$EX"/*.xl; do
  for e in $(sed -n 's/^model \([a-z_0-9]*\).*/\1/p' "$f"); do
    plans "$f" "$e" $S
    grep -q 'form = "recurrent"' "$f" && plans "$f" "$e" $S --set form=parallel
    plans "$f" "$e" --set B=1 --set T=1
  done
done
finish
