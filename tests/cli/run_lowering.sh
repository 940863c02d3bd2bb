#!/bin/sh
# shellcheck disable=SC2086  # $SETS is split into words on purpose
# run_lowering.sh - `xlc dump --stage=cg/cg-grad` and `xlc run` end to end on tiny.xl (the
# cell acc: s' = s + x, out y = s'). Needs the lowering (lang/lower*.c): while
# `xlc dump tiny.xl acc --stage=cg` fails, the test is skipped (exit 77); set
# XLC_CLI_REQUIRE_LOWERING=1 to make that a failure instead.
# Conventions assumed (adjust here if the lowering settles otherwise): the shape of x is read
# back from xlc's own "missing input" message; a cell entry run over a sequence has x of
# rank 3 [B, T, N] (y = cumulative sum over T) or rank 2 [B, N] (one step, y = x); its state
# input is named "state.s" with shape [B, N].
. "$(dirname "$0")/lib.sh"
need_python

X="$CLI/tiny.xl"
SETS="--set N=3 --set B=2 --set T=4"
O="$T/out"
mkdir "$O"

say_case "probe: lowering available"
need_lowering "$X" acc $SETS
expect_out "input"

say_case "dump cg-grad: cotangent mode"
xrun dump "$X" acc --stage=cg-grad $SETS; expect_rc 0; expect_out "cot.y"
say_case "dump cg-grad --loss without a loss output"
xrun dump "$X" acc --stage=cg-grad --loss $SETS; expect_rc 1; expect_err "entry 'acc' has no output 'loss'"
expect_no_out
say_case "dump: unknown entry"
xrun dump "$X" nosuch --stage=cg $SETS; expect_rc 1; expect_err "nosuch"

say_case "run: missing input names its expected shape"
xrun run "$X" acc $SETS --out "$O/r.safetensors"
expect_rc 1; expect_err "missing input 'x' (expected shape ["; expect_empty_dir "$O"
SHAPE=$(sed -n "s/.*missing input 'x' (expected shape \[\([0-9, ]*\)\]).*/\1/p" "$T/stderr" | tr -d ' ')
[ -n "$SHAPE" ] || { fail "cannot read the shape of x"; finish; }
echo "x has shape [$SHAPE]"
mkst "$T/in.safetensors" "x=F32:$SHAPE:iota"

say_case "run: params file with an unknown tensor"
mkst "$T/p.safetensors" bogus=F32:3:1
xrun run "$X" acc $SETS --inputs "$T/in.safetensors" --params "$T/p.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "p.safetensors: tensor 'bogus' is not a parameter of entry 'acc'"
expect_empty_dir "$O"

say_case "run: inputs file with an unknown tensor"
mkst "$T/in2.safetensors" "x=F32:$SHAPE:iota" "xx=F32:$SHAPE:iota"
xrun run "$X" acc $SETS --inputs "$T/in2.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "tensor 'xx' is not an input or state of entry 'acc'"; expect_err "did you mean 'x'?"
expect_empty_dir "$O"

say_case "run: an input passed as a parameter"
mkst "$T/p2.safetensors" "x=F32:$SHAPE:iota"
xrun run "$X" acc $SETS --inputs "$T/in.safetensors" --params "$T/p2.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "pass it with --inputs"; expect_empty_dir "$O"

say_case "run: wrong rank of a data input (the lowering binds dims from it and objects)"
mkst "$T/bad.safetensors" x=F32:7:1
xrun run "$X" acc $SETS --inputs "$T/bad.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "'x'"; expect_empty_dir "$O"

say_case "run: wrong shape of a state"
B=$(echo "$SHAPE" | cut -d, -f1); N=$(echo "$SHAPE" | awk -F, '{print $NF}')
mkst "$T/bad2.safetensors" "x=F32:$SHAPE:iota" "state.s=F32:$B,7:1"
xrun run "$X" acc $SETS --inputs "$T/bad2.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "bad2.safetensors: tensor 'state.s' has shape [$B, 7], expected [$B, $N]"
expect_empty_dir "$O"

say_case "run: --loss without a loss output"
xrun run "$X" acc $SETS --inputs "$T/in.safetensors" --loss --out "$O/r.safetensors"
expect_rc 1; expect_err "entry 'acc' has no output 'loss'"; expect_empty_dir "$O"

say_case "run: output into a missing directory"
xrun run "$X" acc $SETS --inputs "$T/in.safetensors" --out "$O/nodir/r.safetensors"
expect_rc 1; expect_empty_dir "$O"

check_acc() { # FILE DTYPE MODE(fwd|cot|state)
  python3 - "$1" "$2" "$3" "$SHAPE" "$X" "$CLI" <<'PY' || fail "wrong content in $1"
import sys
sys.path.insert(0, sys.argv[6])
import st
path, dtype, mode, shape, xl = sys.argv[1:6]
shape = [int(d) for d in shape.split(",")]
meta, ts = st.read(path)
want = {"entry": "acc", "file": xl, "dtype": dtype.lower(), "seed": "0"}
assert meta == want, ("metadata", meta, want)
g = {n: (d, s, v) for n, d, s, v in ts}
assert "y" in g, sorted(g)
dt, sh, y = g["y"]
assert dt == dtype and sh == shape, ("y", dt, sh)
assert all(d == dtype for d, s, v in g.values()), "outputs in mixed dtypes"
x = list(range(len(y)))
init = 1.0 if mode == "state" else 0.0
if len(shape) == 3:
    B, T, N = shape
    for b in range(B):
        for n in range(N):
            acc = init
            for t in range(T):
                i = (b * T + t) * N + n
                acc += x[i]
                assert abs(y[i] - acc) < 1e-5, ("y", i, y[i], acc)
else:
    assert all(abs(y[i] - x[i] - init) < 1e-5 for i in range(len(y))), "y != x"
if mode == "cot":
    assert "grad.x" in g, sorted(g)
    gx = g["grad.x"][2]
    for i, v in enumerate(gx):
        want = shape[1] - (i // shape[2]) % shape[1] if len(shape) == 3 else 1.0
        assert abs(v - want) < 1e-6, ("grad.x", i, v, want)
PY
}

say_case "run: forward, f32"
xrun run "$X" acc $SETS --inputs "$T/in.safetensors" --out "$O/r.safetensors"
expect_rc 0; expect_out "y: [$(echo "$SHAPE" | sed 's/,/, /g')]"; expect_out "wrote"
[ -f "$O/r.safetensors" ] && check_acc "$O/r.safetensors" F32 fwd
[ "$(ls -A "$O")" = r.safetensors ] || fail "unexpected files in $O: $(ls -A "$O")"
rm -f "$O/r.safetensors"

say_case "run: forward, f64"
xrun run "$X" acc $SETS --inputs "$T/in.safetensors" --dtype f64 --out "$O/r.safetensors"
expect_rc 0; [ -f "$O/r.safetensors" ] && check_acc "$O/r.safetensors" F64 fwd
rm -f "$O/r.safetensors"

say_case "run: initial state from the inputs file"
mkst "$T/in3.safetensors" "x=F32:$SHAPE:iota" "state.s=F32:$B,$N:1"
xrun run "$X" acc $SETS --inputs "$T/in3.safetensors" --out "$O/r.safetensors"
expect_rc 0; [ -f "$O/r.safetensors" ] && check_acc "$O/r.safetensors" F32 state
rm -f "$O/r.safetensors"

say_case "run: cotangents"
mkst "$T/cot.safetensors" "y=F32:$SHAPE:1"
xrun run "$X" acc $SETS --inputs "$T/in.safetensors" --cotangents "$T/cot.safetensors" --out "$O/r.safetensors"
expect_rc 0; expect_out "grad.x"
[ -f "$O/r.safetensors" ] && check_acc "$O/r.safetensors" F32 cot
rm -f "$O/r.safetensors"

say_case "run: cotangent for a name that is not an output"
mkst "$T/cot2.safetensors" "z=F32:$SHAPE:1"
xrun run "$X" acc $SETS --inputs "$T/in.safetensors" --cotangents "$T/cot2.safetensors" --out "$O/r.safetensors"
expect_rc 1; expect_err "tensor 'z' is not a cotangent of an output of entry 'acc'"; expect_empty_dir "$O"

finish
