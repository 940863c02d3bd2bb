#!/bin/sh
# gradcheck.sh - `xlc gradcheck`: passes on stdlib cells and blocks and on a user cell, fails
# (status 1, the tensor named) on x * detach(x), checks large tensors along directions, and
# reports bad arguments as `xlc: error:` with status 1. Skipped (77) without the lowering.
. "$(dirname "$0")/lib.sh"

S="$CLI/../../stdlib/xlstm.xl"
G="$CLI/gate.xl"
need_lowering "$G" gru_min --set B=2 --set T=3

for e in slstm_cell mlstm_cell lstm_cell; do
  say_case "stdlib $e"
  xrun gradcheck "$S" $e --set B=2 --set T=3
  expect_rc 0; expect_out "gradcheck $e:"; expect_out ": PASS"
  grep -q "FAIL" "$T/stdout" && fail "a tensor failed"
done
say_case "stdlib slstm_cell: one line per tensor, the state m starting at -inf has no finite element"
xrun gradcheck "$S" slstm_cell --set B=2 --set T=3
expect_out "_recurrent_kernel_"; expect_out "state.c "; expect_out "(no finite element)"

say_case "stdlib mlstm_block at a small size (gate weights moved off their zero init)"
xrun gradcheck "$S" mlstm_block --set B=2 --set T=3 --set E=8 --set mult=8 --set NH=2 --param-noise 0.1
expect_rc 0; expect_out "xlstm.mlstm_cell.igate.weight"; expect_out "gradcheck mlstm_block:"; expect_out ": PASS"

say_case "a user cell, seeds and tolerance"
xrun gradcheck "$G" gru_min --set B=2 --set T=4 --seed 3 --tol 1e-7
expect_rc 0; expect_out "wz "; expect_out "state.h "; expect_out "(seed 3)"

say_case "x * detach(x) fails and names the tensor"
xrun gradcheck "$G" bad_square --set B=2 --set T=4
expect_rc 1; expect_out "FAIL"; expect_err "1 of 2 tensors above the tolerance"
grep -q "^x .*FAIL" "$T/stdout" || fail "the line of tensor x does not say FAIL"
grep -q "^state.s .*PASS" "$T/stdout" || fail "the line of state.s does not say PASS"

say_case "a tensor above 4096 elements is checked along --dirs directions"
xrun gradcheck "$G" gru_min --set B=1 --set T=1 --set N=70 --dirs 3
expect_rc 0; grep -q "^wz .* 3 checks" "$T/stdout" || fail "wz [70, 70] not checked along 3 directions"
grep -q "^x .* 70 checks" "$T/stdout" || fail "x [1, 1, 70] not checked element by element"

say_case "inputs from a file: a non-finite output is an error naming it"
need_python
mkst "$T/big.safetensors" x=F64:1,1,3:1e300,1,1
xrun gradcheck "$G" bad_square --inputs "$T/big.safetensors"
expect_rc 1; expect_err "xlc: error: output 'state.s' of entry 'bad_square' is infinite"

say_case "bad arguments"
xrun gradcheck; expect_rc 1; expect_err "xlc: error: 'xlc gradcheck' needs FILE and ENTRY"
xrun gradcheck "$G"; expect_rc 1; expect_err "needs FILE and ENTRY"
xrun gradcheck "$G" gru_min extra; expect_rc 1; expect_err "takes exactly FILE and ENTRY"
xrun gradcheck "$G" gru_min --tol 0; expect_rc 1; expect_err "xlc: error: --tol needs a positive number"
xrun gradcheck "$G" gru_min --tol abc; expect_rc 1; expect_err "--tol needs a positive number"
xrun gradcheck "$G" gru_min --dirs 0; expect_rc 1; expect_err "xlc: error: --dirs needs a positive integer"
xrun gradcheck "$G" gru_min --seed -1; expect_rc 1; expect_err "--seed needs a non-negative integer"
xrun gradcheck "$G" gru_min --param-noise -1; expect_rc 1; expect_err "--param-noise needs a non-negative number"
xrun gradcheck "$G" gru_min --frob; expect_rc 1; expect_err "xlc: error: unknown option '--frob'"
xrun gradcheck "$G" nothere --set B=1 --set T=1; expect_rc 1; expect_err "no definition named 'nothere'"
xrun gradcheck "$T/missing.xl" gru_min; expect_rc 1; expect_err "xlc: error: cannot read"
xrun gradcheck "$G" gru_min --set B=1 --set T=1 --inputs "$T/missing.safetensors"; expect_rc 1; expect_err "xlc: error:"
xrun help gradcheck; expect_rc 0; expect_out "usage: xlc gradcheck"; expect_out "1e-6"

finish
