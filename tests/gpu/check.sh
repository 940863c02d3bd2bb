#!/usr/bin/env bash
# check.sh [OUTDIR] - the GPU check of issue 19 (item 6): run from the repository root on a
# machine with an NVIDIA GPU, the driver and the CUDA toolkit (NVRTC, cuBLAS), with the GPU
# bundle of scripts/build_gpu_bundle.sh carried (build-gpu/bundle). Installs nothing, needs no
# network, ends within XLC_GPU_CHECK_BUDGET seconds (default 450: under 8 minutes).
#
# Parts, each under its own timeout, each written to OUTDIR (default $OUT, else gpu-check-out;
# at most 8 files, what the device tool brings back):
#   devices.txt    `xlc devices` (no usable GPU: the cause, and exit 1 at once: never a skip)
#   tests.txt      the GPU test programs (bin/test_*gpu*: test_cuda_gpu, ...; a program that
#                  skips itself, 77, fails here: it did not see the GPU)
#   refcheck.tsv   `xlc refcheck --backend B` on every shipped (ref/) and extra (tests/ref_extra)
#                  case in f32, f64 and bf16: case, dtype, status, passed, failed, max relative
#                  error, seconds, the answer's last line
#   refcheck.log   their whole output
#   bench.tsv      the speed goals of section 2 (tests/bench/gpu_layers.xl): benchmark, mode,
#                  ms per call, the published H100 number, the ratio
#   bench.log      the whole output of `xlc bench` (XLC_PROFILE=1: time per category)
#   baselines.txt  same-machine baselines when present: torch.nn.LSTM (cuDNN), and mlstm_kernels
#                  / xlstm from carried wheels (tests/gpu/baselines.py); never installs anything
#   summary.txt    one line per part and the tables above, also printed at the end
# Status words: PASS, FAIL (comparisons failed, a crash, a timeout), UNSUPPORTED (the backend
# or dtype answers that it is not available yet: recorded, not a failure), NOT-RUN (its part's
# time was spent; NOT-DONE: stopped when it ran out: refcheck until 220 s, 8 processes at a time; the benchmarks one at a time
# until 400 s; the baselines last). Exit status 1 when there is no usable GPU or any part
# FAILs, else 0.
#
# Environment:
#   XLC_GPU_CHECK_BACKEND  cuda (default) or cuda-emu (the CPU smoke run: XLC_CUDA_EMU=1 is set)
#   XLC_GPU_CHECK_SMOKE=1  tiny benchmark shapes and three cases (the CI smoke test)
#   XLC_GPU_CHECK_BUNDLE   the bundle (default build-gpu/bundle); XLC_GPU_CHECK_XLC overrides
#                          its bin/xlc, XLC_GPU_CHECK_TESTS its bin/ for the test programs
#   XLC_GPU_CHECK_CASES    case names to run instead of all (space-separated)
#   XLC_REF_DIR            the shipped cases (default: the bundle's ref/, shared/ref, ../shared/ref)
#   XLC_GPU_CHECK_BUDGET   seconds for the whole script (default 450)
#   XLC_GPU_CHECK_JOBS     refcheck processes at a time (default 8; smoke 2)
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
start=$SECONDS
budget=${XLC_GPU_CHECK_BUDGET:-450}
backend=${XLC_GPU_CHECK_BACKEND:-cuda}
smoke=${XLC_GPU_CHECK_SMOKE:-0}
out=${1:-${OUT:-gpu-check-out}}
mkdir -p "$out" || { echo "check.sh: cannot create $out" >&2; exit 1; }
out=$(cd "$out" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/xlc-gpu-check.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
bundle=${XLC_GPU_CHECK_BUNDLE:-build-gpu/bundle}
xlc=${XLC_GPU_CHECK_XLC:-$bundle/bin/xlc}
tests=${XLC_GPU_CHECK_TESTS:-$bundle/bin}
summary=$out/summary.txt
: >"$summary"
failed=0
say() { echo "$*" | tee -a "$summary"; }
table() { if command -v column >/dev/null; then column -t -s $'\t'; else cat; fi; } # TSV, aligned
case $backend in
cuda) ;;
cuda-emu) export XLC_CUDA_EMU=1 ;;
*) echo "check.sh: XLC_GPU_CHECK_BACKEND must be cuda or cuda-emu, not '$backend'" >&2; exit 1 ;;
esac
[ -x "$xlc" ] || {
  say "check.sh: FAIL: no xlc at $xlc: build the bundle (scripts/build_gpu_bundle.sh) and carry build-gpu/bundle"
  exit 1
}
xlc=$(cd "$(dirname "$xlc")" && pwd)/$(basename "$xlc")
ref=${XLC_REF_DIR:-}
for d in "$bundle/ref" shared/ref ../shared/ref; do
  [ -n "$ref" ] || { [ -f "$d/MANIFEST.json" ] && ref=$d; }
done
[ -z "$ref" ] || ref=$(cd "$ref" && pwd)
export XLC_CACHE_DIR=${XLC_CACHE_DIR:-$scratch/cache}

# run_t LIMIT LOG CMD...: CMD under `timeout`, its output appended to LOG; the limit is cut to
# what the budget has left (30 s are kept for the summary) and to the part's end (part_end,
# seconds since the start). Sets rc (124: timed out at LIMIT; 125: not run, no time left; 126:
# timed out at a limit cut below LIMIT by the budget, which is no verdict).
part_end=$budget
run_t() {
  local lim=$1 log=$2 left cut=0
  shift 2
  left=$((budget - (SECONDS - start) - 30))
  [ $((part_end - (SECONDS - start))) -ge "$left" ] || left=$((part_end - (SECONDS - start)))
  [ "$lim" -le "$left" ] || { lim=$left cut=1; }
  if [ "$lim" -lt 5 ]; then
    echo "check.sh: not run (this part's time is spent): $*" >>"$log"
    rc=125
    return
  fi
  timeout -k 5 "$lim" "$@" >>"$log" 2>&1
  rc=$?
  if [ "$cut" = 1 ] && { [ "$rc" = 124 ] || [ "$rc" = 137 ]; }; then
    echo "check.sh: stopped at $lim s, where this part's time ran out: $*" >>"$log"
    rc=126
  fi
}
# the status of an answer: UNSUPPORTED when xlc says the backend/dtype is not available yet
classify() { # classify RC LOG
  if [ "$1" = 0 ]; then echo PASS
  elif [ "$1" = 125 ]; then echo NOT-RUN
  elif [ "$1" = 126 ]; then echo NOT-DONE
  elif [ "$1" = 124 ] || [ "$1" = 137 ]; then echo FAIL-timeout
  elif tail -5 "$2" | grep -qiE "(supported|available|written|implemented) yet|not supported|unknown dtype|must be f32"; then
    echo UNSUPPORTED
  else echo FAIL; fi
}

say "xlc GPU check: backend $backend, smoke $smoke, xlc $xlc, ref ${ref:-none}, $(date -u +%FT%TZ)"

# ---- 1. the device: none usable is a failure, never a skip ----
run_t 30 "$out/devices.txt" "$xlc" devices
if [ "$backend" = cuda ] && [ "$rc" != 0 ]; then
  say "devices: FAIL: no usable GPU (xlc devices exit $rc):"
  sed 's/^/  /' "$out/devices.txt" | tee -a "$summary"
  exit 1
fi
say "devices: $([ "$rc" = 0 ] && echo PASS || echo "no GPU (expected with $backend)"): $(grep -m1 -E '^ *0[: ]|GPU|device' "$out/devices.txt" || head -1 "$out/devices.txt")"
command -v nvidia-smi >/dev/null && run_t 15 "$out/devices.txt" nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv

# ---- 2. the GPU test programs ----
: >"$out/tests.txt"
ntests=0
for t in "$tests"/test_*gpu*; do
  [ -x "$t" ] || continue
  ntests=$((ntests + 1))
  echo "== $(basename "$t")" >>"$out/tests.txt"
  XLC_SOURCE_DIR=$repo XLC_BIN=$xlc XLC_REF_DIR=$ref run_t 120 "$out/tests.txt" "$t"
  st=$(classify "$rc" "$out/tests.txt")
  if [ "$rc" = 77 ]; then
    if [ "$backend" = cuda ]; then st="FAIL (skipped itself: no GPU seen)"; else st="SKIP (needs a GPU)"; fi
  fi
  case $st in FAIL*) failed=1 ;; esac
  say "test $(basename "$t"): $st (exit $rc)"
done
if [ "$ntests" = 0 ]; then
  [ "$backend" = cuda ] && failed=1
  say "tests: $([ "$backend" = cuda ] && echo FAIL || echo none): no test_*gpu* program in $tests"
fi

# ---- 3. refcheck on every case, f32 f64 bf16 ----
cases=()
if [ -n "${XLC_GPU_CHECK_CASES:-}" ]; then
  for c in $XLC_GPU_CHECK_CASES; do
    for d in "$ref/$c" "tests/ref_extra/$c"; do [ -f "$d/manifest.json" ] && { cases+=("$d"); break; }; done
  done
elif [ "$smoke" = 1 ]; then
  for d in "$ref/slstm_cell" "$ref/lstm_cell" tests/ref_extra/mlstm_cell_nh3; do [ -f "$d/manifest.json" ] && cases+=("$d"); done
else
  for d in "$ref"/*/ tests/ref_extra/*/; do [ -f "$d/manifest.json" ] && cases+=("${d%/}"); done
fi
[ ${#cases[@]} -gt 0 ] || { say "refcheck: FAIL: no reference cases (ref: ${ref:-none}; tests/ref_extra)"; failed=1; }
printf 'case\tdtype\tstatus\tpassed\tfailed\tmax_rel_err\tseconds\tanswer\n' >"$out/refcheck.tsv"
: >"$out/refcheck.log"
# independent processes, XLC_GPU_CHECK_JOBS at a time (NVRTC compiles on the CPUs; the GPU is
# shared), f32 first, then f64, then bf16, until 220 s from the start
per=$([ "$smoke" = 1 ] && echo 240 || echo 60)
njobs=${XLC_GPU_CHECK_JOBS:-$([ "$smoke" = 1 ] && echo 2 || echo 8)}
part_end=$([ "$smoke" = 1 ] && echo "$budget" || echo 220)
refcheck_job() { # refcheck_job I CASE DTYPE: scratch/rc.I.log and scratch/rc.I.st ("RC SECONDS")
  local t0=$SECONDS
  : >"$scratch/rc.$1.log"
  run_t "$per" "$scratch/rc.$1.log" "$xlc" refcheck --backend "$backend" --dtype "$3" "$2"
  echo "$rc $((SECONDS - t0))" >"$scratch/rc.$1.st"
}
jobs_=()
for dt in f32 f64 bf16; do
  for c in "${cases[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$njobs" ]; do wait -n; done
    refcheck_job ${#jobs_[@]} "$c" "$dt" &
    jobs_+=("$c|$dt")
  done
done
wait
for i in "${!jobs_[@]}"; do
  IFS='|' read -r c dt <<<"${jobs_[$i]}"
  log=$scratch/rc.$i.log
  read -r rc secs <"$scratch/rc.$i.st" || { rc=1 secs=0; }
  st=$(classify "$rc" "$log")
  # "N passed, M failed", and the largest relative error over the comparison lines
  # ("... max_abs=A  rel=R  tol=T  PASS")
  np=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1/p' "$log" | tail -1)
  nf=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\2/p' "$log" | tail -1)
  mre=$(awk '/PASS|FAIL/ { for (i = 1; i <= NF; i++) if ($i ~ /^rel=/) { v = substr($i, 5) + 0; if (v > m) m = v } } END { if (m != "") printf "%.3g", m; else print "-" }' "$log")
  ans=$(grep -v '^\s*$' "$log" | tail -1 | tr '\t' ' ' | cut -c1-160)
  case $st in FAIL*) [ "$dt" = bf16 ] && st="$st (bf16)"; failed=1 ;; esac
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(basename "$c")" "$dt" "$st" "${np:--}" "${nf:--}" "$mre" \
    "$secs" "$ans" >>"$out/refcheck.tsv"
  { echo "== $(basename "$c") $dt: $st"; cat "$log"; } >>"$out/refcheck.log"
done
for dt in f32 f64 bf16; do
  say "refcheck $dt: $(awk -F'\t' -v d="$dt" '$2 == d { n++; s[$3]++ } END { for (k in s) printf "%s %d  ", k, s[k]; if (!n) printf "none" }' "$out/refcheck.tsv")"
done

# ---- 4. the benchmarks of section 2 ----
# name  entry  sets  published-forward-ms  published-fwd+bwd-ms (- = none)
if [ "$smoke" = 1 ]; then
  H=96 B=2 T=4 DB1=1 DB2=4 NHd=2 DK=8 DV=16 steps=1 # D = 2 at 48 heads: powerlaw needs 2
else
  H=768 B=16 T=1024 DB1=1 DB2=1024 NHd=8 DK=256 DV=512 steps=5
fi
benches=()
for nh in 1 12 48; do
  benches+=("slstm.nh$nh|slstm_layer|NH=$nh D=$((H / nh)) B=$B T=$T|4.87 FlashRNN fwd|-")
done
for nh in 1 12 48; do
  pub="4.87 FlashRNN fwd"
  [ "$nh" = 1 ] && pub="2.01 cuDNN LSTM"
  benches+=("lstm.nh$nh|lstm_layer|NH=$nh D=$((H / nh)) B=$B T=$T|$pub|-")
done
benches+=("mlstm_decode.b$DB1|mlstm_decode|NH=$NHd DK=$DK DV=$DV B=$DB1 T=1|0.142 mlstm_kernels step|-")
benches+=("mlstm_decode.b$DB2|mlstm_decode|NH=$NHd DK=$DK DV=$DV B=$DB2 T=1|3.85 mlstm_kernels step|-")
printf 'benchmark\tshape\tmode\tms\tpublished_ms\tpublished\tratio\tstatus\n' >"$out/bench.tsv"
: >"$out/bench.log"
bper=$([ "$smoke" = 1 ] && echo 240 || echo 40)
part_end=$([ "$smoke" = 1 ] && echo "$budget" || echo 400) # one at a time (timings), until 400 s
for b in "${benches[@]}"; do
  IFS='|' read -r name entry sets pubf pubb <<<"$b"
  args=()
  for s in $sets; do args+=(--set "$s"); done
  log=$scratch/bench.log
  : >"$log"
  XLC_PROFILE=1 run_t "$bper" "$log" "$xlc" bench tests/bench/gpu_layers.xl "$entry" "${args[@]}" \
    --steps "$steps" --no-optimizer --backend "$backend"
  st=$(classify "$rc" "$log")
  case $st in FAIL*) failed=1 ;; esac
  { echo "== $name ($sets): $st"; cat "$log"; } >>"$out/bench.log"
  for mode in forward fwd+bwd; do
    ms=$(awk -v m="$mode" '$1 == m { for (i = 1; i < NF; i++) if ($i == "step") { print $(i + 1); exit } }' "$log")
    pub=$([ "$mode" = forward ] && echo "$pubf" || echo "$pubb")
    pms=${pub%% *}
    what=${pub#* }
    [ "$pub" = - ] && what=-
    ratio=-
    [ -n "$ms" ] && [ "$pms" != - ] && ratio=$(awk -v a="$ms" -v b="$pms" 'BEGIN { printf "%.2f", a / b }')
    [ "$name" = "${name#mlstm_decode}" ] || [ "$mode" = forward ] || continue # decode: forward only
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$sets" "$mode" "${ms:--}" "$pms" "$what" "$ratio" "$st" \
      >>"$out/bench.tsv"
  done
done
say "bench (ms per call; ratio = xlc / published H100 number; smoke shapes are not comparable):"
table <"$out/bench.tsv" | sed 's/^/  /' | tee -a "$summary"

# ---- 5. same-machine baselines, only where present ----
: >"$out/baselines.txt"
if command -v python3 >/dev/null; then
  part_end=$budget
  XLC_GPU_CHECK_SMOKE=$smoke run_t 90 "$out/baselines.txt" python3 tests/gpu/baselines.py
  say "baselines: $(grep -c '^baseline' "$out/baselines.txt") measured (exit $rc; baselines.txt)"
  grep '^baseline' "$out/baselines.txt" | sed 's/^/  /' | tee -a "$summary"
else
  say "baselines: none (no python3)"
fi

say "refcheck table:"
table <"$out/refcheck.tsv" | cut -c1-200 | sed 's/^/  /' >>"$summary"
nnot=$(cat "$out/refcheck.tsv" "$out/bench.tsv" | grep -cE $'\tNOT-(RUN|DONE)')
say "check.sh: $([ $failed = 0 ] && echo PASS || echo FAIL)$([ "$nnot" = 0 ] || echo " (incomplete: $nnot runs NOT-RUN/NOT-DONE for lack of time)") in $((SECONDS - start)) s (results in $out)"
exit $failed
