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

finish
