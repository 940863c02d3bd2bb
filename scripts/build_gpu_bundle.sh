#!/usr/bin/env bash
# build_gpu_bundle.sh [BUILD_DIR] - builds the GPU bundle: what tests/gpu/check.sh runs on a GPU
# machine that has the NVIDIA driver and the CUDA toolkit but none of the Debian -dev packages.
#
# Configures BUILD_DIR (default build-gpu) with XLC_WITH_CPU=OFF XLC_STATIC_DEPS=ON (no MLIR
# CPU backend; libyaml linked statically), builds xlc and the GPU test programs, and assembles
#   BUILD_DIR/bundle/bin/        xlc and the GPU test programs (GPU_TESTS below: check.sh runs
#                                bin/test_*gpu*; the NVRTC compile-all test is not carried, CI
#                                runs it and it takes minutes)
#   BUILD_DIR/bundle/lib/        libcjson.so.1 (Debian ships no libcjson.a; RPATH $ORIGIN/../lib)
#   BUILD_DIR/bundle/share/xlc/stdlib/   the stdlib (found by xlc beside its binary)
#   BUILD_DIR/bundle/ref/        the reference cases (../shared/ref, or $XLC_REF_DIR), because
#                                the device machine gets the repository, not ../shared
# then checks it (tests/gpu/check_bundle.sh: the NEEDED lists, the size under the 64 MiB that the
# device tool carries) and prints the size. Carry BUILD_DIR/bundle (tests/gpu/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bd=${1:-build-gpu}
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$bd" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXLC_WITH_CPU=OFF -DXLC_STATIC_DEPS=ON >/dev/null
GPU_TESTS="test_cuda_gpu" # the unit tests that need a GPU (tests/unit/test_*gpu*.c)
cmake --build "$bd" -j"$jobs" --target xlc $GPU_TESTS
b="$bd/bundle"
rm -rf "$b.tmp"
mkdir -p "$b.tmp/bin" "$b.tmp/lib" "$b.tmp/share/xlc"
for t in xlc $(printf 'tests/%s ' $GPU_TESTS); do
  f="$bd/$t"
  [ -x "$f" ] || f=$(find "$bd" -name "$(basename "$t")" -type f -perm -u+x | head -1)
  [ -n "$f" ] && [ -x "$f" ] || { echo "build_gpu_bundle: $(basename "$t") was not built" >&2; exit 1; }
  cp "$f" "$b.tmp/bin/"
  strip --strip-debug "$b.tmp/bin/$(basename "$t")"
done
# the one shared library besides libc and libm: the file the loader would pick here
cj=$(ldd "$b.tmp/bin/xlc" | awk '$1 == "libcjson.so.1" {print $3}')
[ -n "$cj" ] && [ -f "$cj" ] || { echo "build_gpu_bundle: libcjson.so.1 not found by ldd" >&2; exit 1; }
cp -L "$cj" "$b.tmp/lib/libcjson.so.1"
cp -rL stdlib "$b.tmp/share/xlc/stdlib"
ref=${XLC_REF_DIR:-../shared/ref}
[ -f "$ref/MANIFEST.json" ] || ref=/work/shared/ref
if [ -f "$ref/MANIFEST.json" ]; then
  cp -rL "$ref" "$b.tmp/ref" # links followed: the device tool carries a link as a link
else
  echo "build_gpu_bundle: no reference cases (../shared/ref or XLC_REF_DIR): the bundle has none" >&2
fi
rm -rf "$b"
mv "$b.tmp" "$b"
tests/gpu/check_bundle.sh "$b"
