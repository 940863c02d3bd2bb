#!/bin/sh
# build_cuda.sh - `xlc build --target cuda` (CUDA C from the kernel IR compiled by NVRTC, no GPU
# needed) and `xlc dump --stage=cuda` on the stdlib cells: the .cu/.ptx files and report.txt
# (ptxas registers, spills, shared memory, bytes, FLOPs, roofline, how the scan runs), sm_80 and
# sm_90, f32/f64/bf16, --grad, the disk cache, and the errors: an unknown --arch, an
# --emit-dir that cannot be created, NVRTC missing (XLC_NVRTC_LIB naming no library): exit 1,
# a clear message, nothing written. Skipped (77) when libnvrtc is not installed, unless
# CI=true (then it fails).
. "$(dirname "$0")/lib.sh"

X="$(cd "$CLI/../.." && pwd)/stdlib/xlstm.xl"
XLC_CACHE_DIR=$T/cache
export XLC_CACHE_DIR

say_case "probe: NVRTC available"
xrun build "$X" lstm_cell --set B=1 --set T=1 --target cuda --emit-dir "$T/probe"
if [ "$RC" != 0 ] && grep -q "NVRTC not found" "$T/stderr"; then
  if [ "$CI" = true ]; then echo "FAIL: CI=true but NVRTC is missing:"; cat "$T/stderr"; exit 1; fi
  echo "SKIP: $(cat "$T/stderr")"
  exit 77
fi

say_case "help"
xrun build --target cuda --help; expect_rc 0; expect_out "--arch sm_80|sm_90"; expect_out "report.txt"
xrun build --help; expect_rc 0; expect_out "--target cuda"

say_case "slstm_cell forward for sm_90: files and report"
O="$T/out/sm90"
xrun build "$X" slstm_cell --set B=1 --set T=4 --target cuda --arch sm_90 --emit-dir "$O"
expect_rc 0; expect_out "1 CUDA kernel for sm_90 (f32), 0 with spills"; expect_out "$O"
n=0
for c in "$O"/*.cu; do
  [ -f "$c" ] || continue
  n=$((n + 1))
  b=${c%.cu}
  grep -q '^extern "C" __global__ void k[0-9]' "$c" || fail "$c has no kernel"
  grep -q '#include' "$c" && fail "$c includes a header"
  grep -q "^\.visible \.entry k[0-9]" "$b.ptx" || fail "$b.ptx has no entry"
done
[ "$n" = 1 ] || fail "expected 1 .cu file, found $n"
[ -z "$(find "$O" -name '*.tmp*')" ] || fail "temp files left in $O"
R="$O/report.txt"
for want in "entry: slstm_cell" "settings: B=1 T=4" "dtype: f32" "arch: sm_90 (compute capability 9.0" \
  "3.35 TB/s, 67.0 TFLOP/s f32, 34.0 TFLOP/s f64" "nvrtc: " "per-step kernels" "in: body of scan %" \
  "nodes: %8 einsum at " "ptxas: registers " "spill stores 0 bytes, spill loads 0 bytes" "bytes moved: " \
  "roofline: " "-bound)" "launch: grid 1, block " "(compiled)" \
  "table: kernel regs spill_st spill_ld smem_static smem_dyn grid block bytes flops roofline_us reps" \
  "total: kernels 1, with spills 0"; do
  grep -qF -- "$want" "$R" || fail "report.txt lacks: $want"
done

say_case "a second build finds the compile in the disk cache"
xrun build "$X" slstm_cell --set B=1 --set T=4 --target cuda --emit-dir "$O"
expect_rc 0; grep -qF "(disk-cache hit)" "$R" || fail "report.txt lacks: (disk-cache hit)"

say_case "mlstm_cell --grad, bf16, sm_80; f64"
xrun build "$X" mlstm_cell --set B=2 --set T=3 --grad --dtype bf16 --target=cuda --arch sm_80 --emit-dir "$T/bf16"
expect_rc 0; expect_out "for sm_80 (bf16)"
grep -qF "dtype: bf16 (bf16 storage, f32 arithmetic)" "$T/bf16/report.txt" || fail "bf16 report"
grep -q "typedef unsigned short xl_s;" "$T/bf16"/*.cu || fail "bf16 storage type missing"
xrun build "$X" lstm_cell --set B=2 --set T=3 --dtype f64 --target cuda --emit-dir "$T/f64"
expect_rc 0; grep -q "typedef double xl_r;" "$T/f64"/*.cu || fail "f64 compute type missing"

say_case "dump --stage=cuda"
xrun dump "$X" mlstm_cell --set B=1 --set T=2 --stage=cuda
expect_rc 0; expect_out 'extern "C" __global__ void k'; expect_out "__syncthreads();"; expect_out "// kernel k"
xrun dump "$X" mlstm_cell --set B=1 --set T=2 --stage=mlir --dtype bf16
expect_rc 1; expect_err "--dtype bf16 is for --stage=cuda only"

say_case "an unknown --arch: exit 1, nothing written"
xrun build "$X" slstm_cell --set B=1 --set T=4 --target cuda --arch sm_75 --emit-dir "$T/bad"
expect_rc 1; expect_err "unknown --arch 'sm_75' (known: sm_80, sm_90)"
[ -e "$T/bad" ] && fail "$T/bad was created"
xrun build "$X" slstm_cell --target gpu --emit-dir "$T/bad"
expect_rc 1; expect_err "unknown --target 'gpu' (expected cpu or cuda)"

say_case "an --emit-dir that cannot be created: exit 1, nothing partial"
echo keep >"$T/file"
xrun build "$X" slstm_cell --set B=1 --set T=4 --target cuda --emit-dir "$T/file/sub"
expect_rc 1; expect_err "cannot create directory"
[ "$(cat "$T/file")" = keep ] || fail "$T/file changed"

say_case "NVRTC missing: exit 1 naming the library, nothing written"
XLC_NVRTC_LIB=/nonexistent/libnvrtc.so.13 xrun build "$X" slstm_cell --set B=1 --set T=4 --target cuda --emit-dir "$T/nonv"
expect_rc 1; expect_err "NVRTC not found (/nonexistent/libnvrtc.so.13"
[ -e "$T/nonv" ] && fail "$T/nonv was created"

finish
