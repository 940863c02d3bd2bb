#!/bin/sh
# mem_limits.sh - runs that need more memory than the process may use are refused before
# anything is allocated: "xlc: error: ..." naming the entry, the bytes and what to reduce,
# status 1, no output file (not a SIGSEGV on a NULL workspace, not an OOM kill, not status 2).
# Limits: physical memory (a T far too large for any machine) and RLIMIT_AS (ulimit -v).
. "$(dirname "$0")/lib.sh"

O="$T/out"
mkdir "$O"
# y: [B, T, T], a workspace (and output) quadratic in T from a 4-line program
cat >"$T/outer.xl" <<'XL'
block m() {
  in x: [T]
  out y = outer(x, x)
}
XL
# x: [B, T, 64], inputs linear in T
cat >"$T/lin.xl" <<'XL'
block m() {
  in x: [T, 64]
  out y = x * 2
}
XL

for be in cpu ref; do
  say_case "--set T=1000000: the $be plan exceeds physical memory"
  xrun run "$T/outer.xl" m --set T=1000000 --set B=1 --random-inputs --backend $be --out "$O/r.safetensors"
  expect_rc 1; expect_err "xlc: error: the $be executor on entry 'm'"; expect_err "TiB of memory"
  expect_err "physical memory"; expect_err "reduce the batch B or the sequence length T"; expect_empty_dir "$O"
done

say_case "--set T=300000000: the random inputs exceed physical memory"
xrun run "$T/lin.xl" m --set T=300000000 --set B=8 --random-inputs --out "$O/r.safetensors"
expect_rc 1; expect_err "xlc: error: binding the inputs of entry 'm' needs"; expect_err "XLC_MICROBATCH_TOKENS"
expect_empty_dir "$O"

# RLIMIT_AS: about 3.8 GiB of address space; the plan below needs 6.4 GiB (y: [2, 20000,
# 20000] f32 in the workspace and as the output). Sanitizer builds reserve terabytes of
# address space and cannot start under ulimit -v: those cases are skipped there.
LIM=4000000
if (ulimit -v $LIM && "$XLC" check "$T/outer.xl") >/dev/null 2>&1; then
  for be in cpu ref; do
    say_case "ulimit -v: the $be plan exceeds RLIMIT_AS"
    LASTCMD="(ulimit -v $LIM) run outer.xl m --set T=20000 --backend $be"
    (ulimit -v $LIM && exec "$XLC" run "$T/outer.xl" m --set T=20000 --set B=2 --random-inputs --backend $be \
      --out "$O/r.safetensors") >"$T/stdout" 2>"$T/stderr"
    RC=$?
    expect_rc 1; expect_err "GiB of memory"; expect_err "RLIMIT_AS (ulimit -v)"; expect_empty_dir "$O"

    say_case "ulimit -v: a small $be run still fits"
    (ulimit -v $LIM && exec "$XLC" run "$T/outer.xl" m --set T=100 --set B=2 --random-inputs --backend $be \
      --out "$O/r.safetensors") >"$T/stdout" 2>"$T/stderr"
    RC=$?
    expect_rc 0; rm -f "$O/r.safetensors"
  done
else
  echo "note: xlc does not start under ulimit -v $LIM (sanitizer build?): RLIMIT_AS cases skipped"
fi
finish
