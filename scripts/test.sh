#!/usr/bin/env bash
# test.sh - the test command: installs dependencies, builds xlc twice (release, and
# ASan+UBSan) and runs the whole CTest suite in both builds.
# Reference cases are found through XLC_REF_DIR (default: ../shared/ref next to the repo).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DXLC_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs")
echo "test.sh: all tests passed (release and sanitizer builds)"
