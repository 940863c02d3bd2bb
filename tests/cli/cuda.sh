#!/bin/sh
# cuda.sh - `xlc devices` and `--backend cuda` without a usable GPU (issue 19 item 4): the cause
# is named and the exit status is 1, with nothing written. Causes: no driver library
# (XLC_CUDA_LIBRARY at a missing file), the toolkit's stub libcuda.so (cuInit returns
# CUDA_ERROR_STUB_LIBRARY; through XLC_CUDA_LIBRARY, and through LD_LIBRARY_PATH where the
# system has no real driver to find first). The stub part needs the CUDA toolkit: skipped
# without it, failed under CI=true. Where a GPU is present, `xlc devices` lists it.
. "$(dirname "$0")/lib.sh"

STUB=${CUDA_HOME:-/usr/local/cuda}/lib64/stubs/libcuda.so
unset XLC_CUDA_LIBRARY

say_case "devices: usage"
xrun devices --help; expect_rc 0; expect_out "usage: xlc devices"
xrun devices extra; expect_rc 1; expect_err "unexpected argument 'extra'"
xrun --help; expect_rc 0; expect_out "cuda "
# the emulated device runs the CPU executor's plan walker: a row only where the cpu backend is built
grep -q "^  cpu " "$T/stdout" && expect_out "cuda-emu"

say_case "no driver library"
export XLC_CUDA_LIBRARY="$T/none/libcuda.so.1"
xrun devices; expect_rc 1; expect_err "no usable CUDA GPU: no CUDA driver library"; expect_no_out
xrun run "$CLI/tiny.xl" acc --random-inputs --out "$T/o.safetensors" --backend cuda; expect_rc 1
expect_err "backend 'cuda' is not usable here: no CUDA driver library"
[ ! -e "$T/o.safetensors" ] || fail "an output was written"
xrun bench A --backend cuda; expect_rc 1; expect_err "no CUDA driver library"
unset XLC_CUDA_LIBRARY

say_case "the toolkit's stub driver"
if [ -f "$STUB" ]; then
  export XLC_CUDA_LIBRARY="$STUB"
  xrun devices; expect_rc 1; expect_err "is the toolkit's stub (cuInit returned CUDA_ERROR_STUB_LIBRARY)"
  xrun run "$CLI/tiny.xl" acc --random-inputs --out "$T/o.safetensors" --backend cuda; expect_rc 1
  expect_err "backend 'cuda' is not usable here: the CUDA driver library $STUB is the toolkit's stub"
  [ ! -e "$T/o.safetensors" ] || fail "an output was written"
  unset XLC_CUDA_LIBRARY
  if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1 '; then
    LASTCMD="devices (LD_LIBRARY_PATH=$(dirname "$STUB"))"
    LD_LIBRARY_PATH="$(dirname "$STUB")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$XLC" devices >"$T/stdout" 2>"$T/stderr"
    RC=$?
    expect_rc 1; expect_err "CUDA_ERROR_STUB_LIBRARY"
  fi
elif [ -n "$CI" ]; then
  fail "the CUDA toolkit's stub driver $STUB is missing (CI expects the toolkit)"
else
  echo "note: $STUB not found: the stub-driver case is not checked"
fi

say_case "a GPU, where there is one"
xrun devices
if [ "$RC" = 0 ]; then
  expect_out "CUDA driver"; expect_out "sm_"
else
  expect_rc 1; expect_err "no usable CUDA GPU: "
fi

finish
