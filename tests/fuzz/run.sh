#!/bin/sh
# run.sh [SECONDS] [JOBS] - fuzz the .xl front end and the compiler up to the memory plan
# (tests/fuzz/fuzz_frontend.c says which stages) with libFuzzer.
#
# Builds tests/fuzz/fuzz_frontend with clang, ASan/UBSan and coverage instrumentation in
# build-fuzz/ (XLC_FUZZ=ON, XLC_SANITIZE=ON), then fuzzes for SECONDS (default 60) starting
# from the seed corpus tests/fuzz/corpus/ with the dictionary tests/fuzz/xl.dict. New inputs
# go to build-fuzz/fuzz-corpus/ (the seeds in git are not touched); crashes, leaks and
# timeouts go to tests/fuzz/findings/ (git-ignored). Reproduce a finding with
#   build-fuzz/tests/fuzz_frontend tests/fuzz/findings/crash-...
# Prints the number of executions at the end; exits nonzero if libFuzzer found something.
# Environment: XLC_FUZZ_PARSE_ONLY=1 skips lang_check (fuzz the parser alone), XLC_FUZZ_CHECK_ONLY=1
# stops after lang_check;
# XLC_FUZZ_BUILD=DIR builds and keeps the working corpus in DIR instead of build-fuzz/.
set -eu
secs=${1:-60}
jobs=${2:-1}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${XLC_FUZZ_BUILD:-$root/build-fuzz}

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DXLC_SANITIZE=ON -DXLC_FUZZ=ON >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" --target fuzz_frontend >/dev/null

mkdir -p "$build/fuzz-corpus" "$here/findings"
log=$build/fuzz.log
set +e
if [ "$jobs" -gt 1 ]; then
  # parallel workers share the corpus directory; each writes fuzz-N.log in the build dir
  (cd "$build" && "$build/tests/fuzz_frontend" -fork="$jobs" -max_total_time="$secs" -timeout=10 \
    -dict="$here/xl.dict" -artifact_prefix="$here/findings/" -print_final_stats=1 \
    "$build/fuzz-corpus" "$here/corpus") >"$log" 2>&1
else
  "$build/tests/fuzz_frontend" -max_total_time="$secs" -timeout=10 -dict="$here/xl.dict" \
    -artifact_prefix="$here/findings/" -print_final_stats=1 \
    "$build/fuzz-corpus" "$here/corpus" >"$log" 2>&1
fi
rc=$?
set -e
tail -n 25 "$log"
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
if [ -z "$execs" ]; then # -fork prints only progress lines: take the last "#N" count
  execs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
fi
echo "fuzz: ${execs:-?} executions in ${secs}s, exit status $rc, log $log"
ls "$here/findings" 2>/dev/null | sed 's/^/finding: /'
exit "$rc"
