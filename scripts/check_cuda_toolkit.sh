#!/usr/bin/env bash
# check_cuda_toolkit.sh - is the CUDA toolkit that the CUDA tests use here? (issue 19 item 5)
# The tests use, at run time and without any header or nvcc:
#   - NVRTC 13 (libnvrtc.so.13 and its libnvrtc-builtins.so.13.*), dlopen'ed by
#     runtime/cuda/nvrtc.c: cuda.compile.*, test_kir_cuda, cli.build_cuda;
#   - the toolkit's stub driver, $CUDA_HOME/lib64/stubs/libcuda.so (default /usr/local/cuda):
#     cli.cuda's CUDA_ERROR_STUB_LIBRARY case;
#   - a host C++ compiler (c++, or $XLC_EMU_CXX) for the emulated device (cuda-emu).
# Under CI (CI=true: .ci/run through scripts/test.sh) a missing piece is an error (exit 1, what
# is missing and how to get it), so that CI never passes by skipping the CUDA tests; elsewhere it
# is a note (exit 0) and those tests skip.
set -uo pipefail
missing=()
py_load() { # py_load LIB: can the dynamic loader open LIB here?
  python3 -c 'import ctypes, sys; ctypes.CDLL(sys.argv[1])' "$1" >/dev/null 2>&1
}
if ! py_load libnvrtc.so.13; then
  missing+=("NVRTC 13 (libnvrtc.so.13 not loadable: the toolkit's cuda-nvrtc-13-0, or its lib directory on LD_LIBRARY_PATH)")
else
  # the directory the loader took it from (NVRTC looks for its builtins library there)
  dir=$(python3 -c 'import ctypes, os
ctypes.CDLL("libnvrtc.so.13")
print(next((os.path.dirname(l.split()[-1]) for l in open("/proc/self/maps") if "libnvrtc.so.13" in l), ""))' 2>/dev/null)
  ls "${dir:-/nonexistent}"/libnvrtc-builtins.so.13* >/dev/null 2>&1 ||
    missing+=("libnvrtc-builtins.so.13.* beside ${dir:-libnvrtc.so.13} (NVRTC loads it to compile)")
fi
stub=${CUDA_HOME:-/usr/local/cuda}/lib64/stubs/libcuda.so
[ -f "$stub" ] || missing+=("the toolkit's stub driver $stub (cuda-driver-dev-13-0; or set CUDA_HOME)")
cxx=${XLC_EMU_CXX:-c++}
command -v "$cxx" >/dev/null || missing+=("a host C++ compiler '$cxx' for cuda-emu (g++; or set XLC_EMU_CXX)")
if [ ${#missing[@]} -eq 0 ]; then
  echo "check_cuda_toolkit: NVRTC 13, the stub driver and $cxx are here"
  exit 0
fi
if [ "${CI:-}" = true ]; then
  echo "check_cuda_toolkit: FAIL (CI=true): the CUDA toolkit the tests expect is missing:" >&2
  for m in "${missing[@]}"; do echo "  - $m" >&2; done
  echo "  The CUDA tests would otherwise be skipped; CI must run them (docs/testing.md, CUDA)." >&2
  exit 1
fi
echo "check_cuda_toolkit: note: the CUDA tests that need these will skip here:"
for m in "${missing[@]}"; do echo "  - $m"; done
exit 0
