#!/bin/sh
# shellcheck disable=SC2086  # $SETS is split into words on purpose
# build.sh - `xlc build --emit-dir` on tiny.xl (the cell acc: s' = s + x, one fused add in the
# scan body) and `xlc dump --stage=mlir`: the files per kernel, plan.txt and report.txt, a
# vectorized kernel (N=64: the inner loop fills whole 8 x f32 vectors), f64, --grad (cotangent
# mode) and its clash with --loss, the disk cache on
# a second build, and a --emit-dir that cannot be created. Needs the lowering and the MLIR/LLVM
# JIT; skipped (77) while `xlc dump tiny.xl acc --stage=cg` fails.
. "$(dirname "$0")/lib.sh"

X="$CLI/tiny.xl"
SETS="--set N=64 --set B=2 --set T=4"
XLC_CACHE_DIR=$T/cache # a private JIT cache
XLC_VECTOR_BITS=256    # the expectations below are for 8 f32 lanes (512: a case of its own)
export XLC_CACHE_DIR XLC_VECTOR_BITS

say_case "probe: lowering available"
need_lowering "$X" acc $SETS

say_case "help"
xrun build --help; expect_rc 0; expect_out "usage: xlc build"; expect_out "--emit-dir"
xrun help; expect_out "build"

say_case "build into a directory that does not exist yet"
O="$T/out/gen"
xrun build "$X" acc $SETS --emit-dir "$O"
expect_rc 0; expect_out "1 kernel (1 vectorized)"; expect_out "$O"
for f in plan.txt report.txt; do [ -s "$O/$f" ] || fail "missing or empty $O/$f"; done
nk=0
for m in "$O"/*.mlir; do
  [ -f "$m" ] || continue
  nk=$((nk + 1))
  b=${m%.mlir}
  [ -s "$b.ll" ] || fail "missing $b.ll"
  [ -s "$b.s" ] || fail "missing $b.s"
  head -1 "$m" | grep -q "^// kernel k[0-9]" || fail "$m does not start with the kernel comment"
  grep -q "func.func @" "$m" || fail "$m has no func.func"
  grep -q "vector<8xf32>" "$m" || fail "$m has no vector<8xf32>"
done
[ "$nk" = 1 ] || fail "expected 1 kernel, found $nk .mlir files"
left=$(find "$O" -name '*.tmp*')
[ -z "$left" ] || fail "temp files left in $O: $left"
R="$O/report.txt"
for want in "entry: acc" "settings: N=64 B=2 T=4" "dtype: f32" "graph: forward" "host: " \
  "pipeline: builtin.module(" "steps: kernels 1, gemms 0" "vectorized: yes (<8 x float> in the LLVM IR)" \
  "(compiled)" "nodes: %" "domain: [2, 64]"; do
  grep -qF -- "$want" "$R" || fail "report.txt lacks: $want"
done
grep -q "kernel k0_add" "$O/plan.txt" || fail "plan.txt lacks the KIR of k0_add"

say_case "a second build finds the kernels in the disk cache"
xrun build "$X" acc $SETS --emit-dir "$O"
expect_rc 0; grep -qF "(disk-cache hit)" "$R" || fail "report.txt lacks: (disk-cache hit)"

say_case "f64"
xrun build "$X" acc $SETS --dtype f64 --emit-dir "$T/f64"
expect_rc 0; grep -qF "vectorized: yes (<4 x double> in the LLVM IR)" "$T/f64/report.txt" || fail "f64 not vectorized"
grep -qF "dtype: f64" "$T/f64/report.txt" || fail "report.txt lacks: dtype: f64"

say_case "512-bit vectors (XLC_VECTOR_BITS=512): 16 f32 lanes, not split by LLVM"
XLC_VECTOR_BITS=512
xrun build "$X" acc $SETS --emit-dir "$T/v512"
expect_rc 0; grep -qF "vectorized: yes (<16 x float> in the LLVM IR)" "$T/v512/report.txt" || fail "512: not <16 x float>"
grep -q "vector<16xf32>" "$T/v512"/k0_add.mlir || fail "512: the MLIR has no vector<16xf32>"
if grep -q avx512f /proc/cpuinfo 2>/dev/null; then
  grep -q "zmm" "$T/v512"/k0_add.s || fail "512 on an AVX-512 host: no zmm register in the assembly"
fi
XLC_VECTOR_BITS=1024
xrun build "$X" acc $SETS --emit-dir "$T/vbad"
expect_rc 0; expect_err "XLC_VECTOR_BITS must be 256 or 512 (got '1024')"
XLC_VECTOR_BITS=256

say_case "--grad: forward + backward seeded by cotangent inputs (no 'loss' output needed)"
xrun build "$X" acc $SETS --grad --emit-dir "$T/grad"
expect_rc 0; expect_out "acc: "
grep -qF "graph: forward + backward (cotangent inputs 'cot.NAME')" "$T/grad/report.txt" || fail "--grad: report.txt lacks the graph line"
ngrad=$(find "$T/grad" -name '*.mlir' | wc -l)
[ "$ngrad" -gt 1 ] || fail "--grad: expected the backward kernels beside the forward one, found $ngrad .mlir files"
xrun build "$X" acc $SETS --grad --loss --emit-dir "$T/both"
expect_rc 1; expect_err "--loss and --grad exclude each other"; expect_no_out
[ ! -e "$T/both" ] || fail "$T/both created although --loss --grad was refused"

say_case "dump --stage=mlir"
xrun dump "$X" acc --stage=mlir $SETS
expect_rc 0; expect_out "// kernel k0_add: fuses %2 add (body of scan %2)"; expect_out "func.func @k0_add"
cmp -s "$T/stdout" "$O/k0_add.mlir" || fail "dump --stage=mlir differs from the .mlir file of build"

say_case "unwritable --emit-dir"
if [ -d /proc/self ]; then
  xrun build "$X" acc $SETS --emit-dir /proc/xlc
  expect_rc 1; expect_err "xlc: error: cannot create directory '/proc/xlc'"; expect_no_out
fi
: >"$T/afile"
xrun build "$X" acc $SETS --emit-dir "$T/afile/sub"
expect_rc 1; expect_err "xlc: error: cannot create directory '$T/afile/sub': Not a directory"; expect_no_out

say_case "command-line mistakes"
xrun build "$X" acc $SETS; expect_rc 1; expect_err "needs --emit-dir"
xrun build "$X" --emit-dir "$T/x"; expect_rc 1; expect_err "needs FILE and ENTRY"
xrun build "$X" acc $SETS --dtype f16 --emit-dir "$T/x"; expect_rc 1; expect_err "unknown dtype 'f16'"
xrun build "$X" nosuch $SETS --emit-dir "$T/x"; expect_rc 1; expect_err "nosuch"
[ ! -e "$T/x" ] || fail "$T/x created although the build failed before writing"

finish
