#!/bin/sh
# cumulative.sh - cumsum and logcumsumexp from the command line (tests/cli/cumulative.xl):
# `xlc gradcheck` passes on a block (logcumsumexp at magnitudes where exp overflows, the
# axis negative, reverse) and on a cell (inside the scan); the cg dump names axis and
# reverse; `xlc run` on the compiled cpu backend and on ref writes the same shapes.
# Skipped (77) without the lowering.
. "$(dirname "$0")/lib.sh"

F="$CLI/cumulative.xl"
need_lowering "$F" cum_block --set B=2

say_case "gradcheck of a block"
xrun gradcheck "$F" cum_block --set B=2
expect_rc 0; expect_out "gradcheck cum_block:"; expect_out ": PASS"
grep -q "FAIL" "$T/stdout" && fail "a tensor failed"
grep -q "^w .*PASS" "$T/stdout" || fail "the parameter w is not checked"

say_case "gradcheck of a cell (cumsum and logcumsumexp in the scan body)"
xrun gradcheck "$F" cum_cell --set B=2 --set T=3 --seed 5
expect_rc 0; expect_out "gradcheck cum_cell:"; expect_out ": PASS"
grep -q "FAIL" "$T/stdout" && fail "a tensor failed"

say_case "the cg dump: the axis counts the batch, reverse is named"
xrun dump "$F" cum_block --stage=cg --set B=2
expect_rc 0
expect_out "logcumsumexp %"; expect_out " axis=1 : [2, 5, 3]"; expect_out " axis=2 reverse : [2, 5, 3]"

say_case "run on both backends"
for b in cpu ref; do
  xrun run "$F" cum_cell --set B=2 --set T=3 --random-inputs --backend $b --out "$T/$b.safetensors"
  expect_rc 0; expect_out "y: [2, 3, 4]"
done

finish
