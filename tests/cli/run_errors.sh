#!/bin/sh
# run_errors.sh - `xlc run` with bad data files: a missing params file, truncated
# safetensors files, NaN/Inf in inputs and params. These are caught when the files are read,
# before the lowering, and must leave nothing in the output directory (no result, no temp).
. "$(dirname "$0")/lib.sh"
need_python

X="$CLI/tiny.xl"
O="$T/out"              # nothing but a failed run's leftovers could appear here
mkdir "$O"
mkst "$T/in.safetensors" x=F32:2,4,3:iota
mkst "$T/p.safetensors" w=F32:3:1

say_case "missing params file"
xrun run "$X" acc --inputs "$T/in.safetensors" --params "$T/nope.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "nope.safetensors"; expect_empty_dir "$O"

say_case "missing inputs file"
xrun run "$X" acc --inputs "$T/nope.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "nope.safetensors"; expect_empty_dir "$O"

say_case "truncated in the header"
head -c 20 "$T/in.safetensors" >"$T/trunc1.safetensors"
xrun run "$X" acc --inputs "$T/trunc1.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "trunc1.safetensors"; expect_empty_dir "$O"

say_case "truncated in the length field"
head -c 5 "$T/in.safetensors" >"$T/trunc2.safetensors"
xrun run "$X" acc --inputs "$T/trunc2.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "trunc2.safetensors"; expect_empty_dir "$O"

say_case "truncated in the data"
size=$(wc -c <"$T/in.safetensors")
head -c $((size - 4)) "$T/in.safetensors" >"$T/trunc3.safetensors"
xrun run "$X" acc --inputs "$T/trunc3.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "trunc3.safetensors"; expect_empty_dir "$O"

say_case "empty file as params"
: >"$T/empty.safetensors"
xrun run "$X" acc --inputs "$T/in.safetensors" --params "$T/empty.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "empty.safetensors"; expect_empty_dir "$O"

say_case "NaN in an input"
mkst "$T/nan.safetensors" x=F32:2,2,3:0,1,2,3,4,nan,6,7,8,9,10,11
xrun run "$X" acc --inputs "$T/nan.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "nan.safetensors: tensor 'x' holds NaN at index [0, 1, 2]"
expect_empty_dir "$O"

say_case "Inf in an f64 input"
mkst "$T/inf.safetensors" x=F64:3:1,2,-inf
xrun run "$X" acc --inputs "$T/inf.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "tensor 'x' holds -Inf at index [2]"; expect_empty_dir "$O"

say_case "NaN in a parameter"
mkst "$T/pnan.safetensors" w=F32:3:nan
xrun run "$X" acc --inputs "$T/in.safetensors" --params "$T/pnan.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "tensor 'w' holds NaN at index [0]"; expect_empty_dir "$O"

say_case "an existing output file survives a failed run"
echo keep >"$T/keep.safetensors"
xrun run "$X" acc --inputs "$T/nan.safetensors" --out "$T/keep.safetensors"
expect_rc 1
[ "$(cat "$T/keep.safetensors")" = keep ] || fail "the old output file was changed"

finish
