#!/usr/bin/env bash
# test.sh - the test command: installs dependencies, builds xlc three times (release,
# ASan+UBSan, and release without the CPU backend: XLC_WITH_CPU=OFF, no MLIR/LLVM/OpenBLAS)
# and runs the CTest suite in each (the third build registers only the tests that do not
# need the cpu backend; about 40 s of build and 1 minute of tests on 2 cores), then builds the
# GPU bundle (scripts/build_gpu_bundle.sh: no CPU backend, static libraries; it checks the
# bundle's NEEDED list and size). Before building it checks the CUDA toolkit the tests use
# (scripts/check_cuda_toolkit.sh): missing under CI=true (.ci/run) is an error, not a skip.
# Reference cases are found through XLC_REF_DIR (default: ../shared/ref next to the repo).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/check_cuda_toolkit.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DXLC_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs")
cmake -S . -B build-nocpu -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXLC_WITH_CPU=OFF >/dev/null
cmake --build build-nocpu -j"$jobs"
(cd build-nocpu && ctest --output-on-failure -j"$jobs")
scripts/build_gpu_bundle.sh build-gpu
echo "test.sh: all tests passed (release, sanitizer and no-cpu-backend builds; GPU bundle checked)"
