#!/usr/bin/env bash
# smoke_test.sh XLC TESTS_DIR WORK_DIR - the CI test of tests/gpu/check.sh (CTest gpu.check_smoke):
#  1. with --backend cuda and no GPU here, check.sh fails at once (exit 1) naming the cause,
#     rather than skipping;
#  2. the whole script on the emulated device at tiny shapes (XLC_GPU_CHECK_BACKEND=cuda-emu,
#     XLC_GPU_CHECK_SMOKE=1) passes and fills its files: refcheck f32 and f64 PASS on its three
#     cases, the largest relative error of each within the tolerances (f32 1e-4, the gradients'
#     bound; f64 1e-8; refcheck's own PASS checks each comparison's bound), bf16 answered
#     (PASS or UNSUPPORTED), every benchmark row with a time in ms, at most 8 files.
set -uo pipefail
XLC=${1:?usage: smoke_test.sh XLC TESTS_DIR WORK_DIR}
TESTS=${2:?missing TESTS_DIR}
W=${3:?missing WORK_DIR}
cd "$(dirname "$0")"
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$W/nogpu" "$W/emu"
mkdir -p "$W"
if xcu_cause=$("$XLC" devices 2>&1); then
  echo "note: a usable GPU is here; the no-GPU case is not checked"
else
  out=$(XLC_GPU_CHECK_BACKEND=cuda XLC_GPU_CHECK_XLC=$XLC XLC_GPU_CHECK_TESTS=$TESTS timeout 60 ./check.sh "$W/nogpu" 2>&1)
  rc=$?
  [ "$rc" = 1 ] || fail "check.sh --backend cuda without a GPU: exit $rc, expected 1: $out"
  echo "$out" | grep -q "devices: FAIL: no usable GPU" || fail "no 'no usable GPU' line: $out"
  echo "$out" | grep -q "no usable CUDA GPU" || fail "the cause is not printed: $out"
  [ ! -e "$W/nogpu/refcheck.tsv" ] || fail "refcheck ran without a GPU"
fi
XLC_GPU_CHECK_BACKEND=cuda-emu XLC_GPU_CHECK_SMOKE=1 XLC_GPU_CHECK_XLC=$XLC XLC_GPU_CHECK_TESTS=$TESTS \
  timeout 900 ./check.sh "$W/emu" || fail "check.sh on cuda-emu at smoke shapes failed (exit $?)"
n=$(find "$W/emu" -type f | wc -l)
[ "$n" -le 8 ] || fail "$n files in the output folder (the device tool brings back 8)"
R=$W/emu/refcheck.tsv
[ "$(awk -F'\t' 'NR > 1 && ($2 == "f32" || $2 == "f64") && $3 == "PASS"' "$R" | wc -l)" = 6 ] ||
  fail "refcheck f32/f64: not 6 PASS rows: $(cat "$R")"
awk -F'\t' 'NR > 1 && (($2 == "f32" && $6 + 0 > 1e-4) || ($2 == "f64" && $6 + 0 > 1e-8) || $6 == "-") && $2 != "bf16" { bad = 1 }
  END { exit bad }' "$R" || fail "a relative error above the tolerance or missing: $(cat "$R")"
[ "$(awk -F'\t' 'NR > 1 && $2 == "bf16" && ($3 == "PASS" || $3 == "UNSUPPORTED")' "$R" | wc -l)" = 3 ] ||
  fail "bf16 not answered on the 3 cases: $(cat "$R")"
B=$W/emu/bench.tsv
[ "$(awk -F'\t' 'NR > 1 && $4 ~ /^[0-9.]+$/ && $4 + 0 > 0 && $8 == "PASS"' "$B" | wc -l)" = 14 ] ||
  fail "bench: not 14 timed rows: $(cat "$B")"
grep -q "^check.sh: PASS" "$W/emu/summary.txt" || fail "summary.txt has no PASS line"
echo "ok: check.sh smoke on cuda-emu ($(tail -1 "$W/emu/summary.txt"))"
