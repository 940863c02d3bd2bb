#!/bin/sh
# diagnostics.sh - issue 18's P6/P8 diagnostics of `xlc check` and `xlc run`: an entry input
# shaped `[..., D]` (check instantiates it with a placeholder axis, run takes its leading axes
# from --inputs), no follow-up errors after a failed state update, the broadcast warning when
# two differently named dimensions are aligned, keyword typos and "did you mean".
. "$(dirname "$0")/lib.sh"
need_python

# the number of lines of $T/stderr that contain ": error: "
nerrors() { grep -c ": error: " "$T/stderr"; }

say_case "check: an entry input with '...' is instantiated (a placeholder leading axis)"
cat >"$T/ell.xl" <<'XL'
block b(D = 4) {
  in x: [..., D]
  param w: [D, D] = zeros
  out y = x @ w
}
XL
xrun check "$T/ell.xl"; expect_rc 0; expect_out "ok (1 definition)"
cat >"$T/ell_bad.xl" <<'XL'
block b(D = 4) {
  in x: [..., D]
  param w: [3, D] = zeros
  out y = x + w
}
XL
xrun check "$T/ell_bad.xl"; expect_rc 1; expect_err "cannot be broadcast together"

say_case "run: an entry input with '...' takes its leading axes from --inputs"
mkst "$T/in.safetensors" x=F32:2,3,5,4:0.5
xrun run "$T/ell.xl" b --inputs "$T/in.safetensors" --out "$T/o.safetensors"
expect_rc 0; expect_out "y: [2, 3, 5, 4]"
xrun run "$T/ell.xl" b --set B=2 --random-inputs --out "$T/o.safetensors"
expect_rc 1; expect_err "give it with --inputs"

say_case "a failed state update: one error, no \"used before the update\" (in this cell or a block)"
cat >"$T/casc.xl" <<'XL'
cell c(D = 4) {
  in x: [D]
  state h: [D] = 0
  state s: [D] = 0
  h' = h + x * [1, 2]
  s' = s + h'
  out y = h' + s'
}
block b(D = 4) {
  step: c(D)
  in x: [T, D]
  out y = scan step over T (x)
}
XL
xrun check "$T/casc.xl"; expect_rc 1; expect_err "cannot combine a tensor and a list"
grep -q "used before the update" "$T/stderr" && fail "a follow-up error after the failed update"
[ "$(nerrors)" = 1 ] || fail "$(nerrors) errors, expected 1"

say_case "broadcast warning: a per-head gate [NH] times [NH, DV] with NH == DV"
cat >"$T/gate.xl" <<'XL'
block b(NH = 4, DV = 4) {
  in g: [NH]
  in v: [NH, DV]
  out y = g * v
  out z = reshape(g, [NH, 1]) * v
}
XL
xrun check "$T/gate.xl"; expect_rc 0; expect_out "ok (1 definition)"
expect_err "gate.xl:4:11: warning: broadcasting aligns dimension NH of [NH=4] with dimension DV of [NH=4, DV=4]"
expect_err "reshape the lower-rank operand to [NH, 1]"
[ "$(grep -c "warning:" "$T/stderr")" = 1 ] || fail "expected one warning (none for the reshaped gate)"
xrun run "$T/gate.xl" b --set B=1 --random-inputs --out "$T/g.safetensors"
expect_rc 0; expect_err "warning: broadcasting aligns dimension NH"

say_case "no broadcast warning: different sizes, size 1, equal names, names across a block boundary"
cat >"$T/quiet.xl" <<'XL'
block scale(E) {
  param w: [E] = ones
  in x: [..., E]
  out y = x * w
}
block b(NH = 4, DV = 4, D = 4) {
  s: scale(D)
  in g: [NH]
  in v: [NH, DV]
  in u: [DV, D]
  in one: [1]
  out y = one * v + s(v) + g * u
}
XL
xrun check "$T/quiet.xl"; expect_rc 0
grep -q "warning:" "$T/stderr" && fail "a warning where broadcasting is as meant"

say_case "the stdlib gives no warning"
xrun check "$CLI/../../stdlib/xlstm.xl"; expect_rc 0
grep -q "warning:" "$T/stderr" && fail "stdlib/xlstm.xl warns"

say_case "did you mean: --set keys and entry names"
xrun run "$T/gate.xl" b --set B=1 --set NHH=4 --random-inputs --out "$T/g.safetensors"
expect_rc 1; expect_err "has no configuration parameter or dimension 'NHH'; did you mean 'NH'?"
xrun run "$T/gate.xl" bb --set B=1 --random-inputs --out "$T/g.safetensors"
expect_rc 1; expect_err "no definition named 'bb'; did you mean 'b'?"

finish
