#!/bin/sh
# usage.sh - help texts, unknown commands and options, and command-line mistakes that are
# caught before any file is parsed. Needs nothing but the xlc binary.
. "$(dirname "$0")/lib.sh"

say_case "no arguments"
xrun; expect_rc 1; expect_err "usage: xlc"

for h in --help help -h; do
  say_case "xlc $h"
  xrun $h; expect_rc 0; expect_out "usage: xlc COMMAND"
  expect_out "check"; expect_out "dump"; expect_out "run"
done

for c in check dump run; do
  say_case "xlc $c --help"
  xrun $c --help; expect_rc 0; expect_out "usage: xlc $c"
  say_case "xlc help $c"
  xrun help $c; expect_rc 0; expect_out "usage: xlc $c"
done
xrun run --help; expect_out "zero cotangent"

say_case "unknown command"
xrun frobnicate foo.xl; expect_rc 1
expect_err "xlc: error: unknown command 'frobnicate'"; expect_err "usage: xlc"
xrun help frobnicate; expect_rc 1; expect_err "unknown command 'frobnicate'"
xrun --frobnicate; expect_rc 1; expect_err "unknown option '--frobnicate'"

say_case "eval and generate without a checkpoint"
xrun eval; expect_rc 1; expect_err "expected CKPT.safetensors"
xrun generate; expect_rc 1; expect_err "expected CKPT.safetensors"

say_case "check without a file"
xrun check; expect_rc 1; expect_err "needs a file"

say_case "check a missing file"
xrun check "$T/missing.xl"; expect_rc 1; expect_no_out
expect_err "xlc: error: cannot read '$T/missing.xl': No such file or directory"

say_case "check a directory"
xrun check "$T"; expect_rc 1; expect_err "cannot read '$T'"

say_case "unknown option"
xrun check --bogus "$CLI/tiny.xl"; expect_rc 1; expect_err "unknown option '--bogus' for 'xlc check'"

say_case "dump: stage"
xrun dump "$CLI/tiny.xl" acc --stage=bogus; expect_rc 1
expect_err "unknown stage 'bogus'"; expect_err "tokens ast cg cg-grad"
xrun dump "$CLI/tiny.xl" acc; expect_rc 1; expect_err "needs --stage"
xrun dump "$CLI/tiny.xl" --stage=cg; expect_rc 1; expect_err "needs an ENTRY"
xrun dump "$CLI/tiny.xl" acc --stage=cuda --set N=2 --set B=1 --set T=2; expect_rc 0; expect_out "__global__ void k"
xrun dump "$CLI/tiny.xl" --stage=cg-opt; expect_rc 1; expect_err "needs an ENTRY"
xrun dump "$CLI/tiny.xl" acc --stage=cg-opt --stats --set N=2 --set B=1 --set T=2; expect_rc 0
expect_out "// cg-opt: nodes"
xrun dump "$CLI/tiny.xl" acc --stage=cg --stats --set N=2 --set B=1 --set T=2; expect_rc 0
expect_err "--stats only matters for --stage=cg-opt"
xrun dump "$CLI/tiny.xl" acc --stage; expect_rc 1; expect_err "needs a value"
xrun dump "$T/missing.xl" --stage=ast; expect_rc 1; expect_err "cannot read '$T/missing.xl'"

say_case "dump: malformed --set"
xrun dump "$CLI/tiny.xl" acc --stage=cg --set B; expect_rc 1; expect_err "malformed setting 'B'"
xrun dump "$CLI/tiny.xl" acc --stage=cg --set =3; expect_rc 1; expect_err "malformed setting"

say_case "run: command line"
xrun run "$CLI/tiny.xl" acc; expect_rc 1; expect_err "needs --out"
xrun run "$CLI/tiny.xl" --out "$T/o.safetensors"; expect_rc 1; expect_err "needs FILE and ENTRY"
XLC_CUDA_LIBRARY="$T/none.so"; export XLC_CUDA_LIBRARY # no GPU here, whatever the machine has
xrun run "$CLI/tiny.xl" acc --out "$T/o.safetensors" --backend cuda; expect_rc 1
expect_err "backend 'cuda' is not usable here: no CUDA driver library"
unset XLC_CUDA_LIBRARY
xrun run "$CLI/tiny.xl" acc --out "$T/o.safetensors" --dtype f16; expect_rc 1; expect_err "unknown dtype 'f16'"
xrun run "$CLI/tiny.xl" acc --out "$T/o.safetensors" --seed -1; expect_rc 1; expect_err "--seed"
xrun run "$CLI/tiny.xl" acc --out "$T/o.safetensors" --seed 12x; expect_rc 1; expect_err "--seed"
xrun run "$CLI/tiny.xl" acc --out "$T/o.safetensors" --loss --cotangents "$T/c.safetensors"
expect_rc 1; expect_err "exclude each other"
xrun run "$CLI/tiny.xl" acc --out "$T/o.safetensors" --loss=1; expect_rc 1; expect_err "takes no value"
xrun run "$T/missing.xl" acc --out "$T/o.safetensors"; expect_rc 1
expect_err "cannot read '$T/missing.xl': No such file or directory"
[ ! -e "$T/o.safetensors" ] || fail "a failed run wrote its output"

finish
