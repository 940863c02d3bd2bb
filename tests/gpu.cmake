# The GPU check script (label gpu): tests/gpu/smoke_test.sh runs tests/gpu/check.sh here, without
# a GPU: with --backend cuda it must fail at once naming the cause; on the emulated device
# (cuda-emu, so only in builds with the CPU backend) at tiny shapes it must pass and fill its
# result files, so that the script the GPU machine runs cannot rot. Not in the sanitizer build
# (the script and the emulator's paths it takes are exercised there by the unit tests).
# The GPU bundle itself (scripts/build_gpu_bundle.sh, tests/gpu/check_bundle.sh) is checked by
# scripts/test.sh after the no-CPU build.
if(XLC_CPU AND NOT XLC_SANITIZE)
  add_test(NAME gpu.check_smoke
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/gpu/smoke_test.sh $<TARGET_FILE:xlc> ${CMAKE_BINARY_DIR}/tests
            ${CMAKE_BINARY_DIR}/gpu-check-smoke)
  set_tests_properties(gpu.check_smoke PROPERTIES LABELS gpu TIMEOUT 1200
    ENVIRONMENT "XLC_REF_DIR=${XLC_REF_DIR};XLC_CACHE_DIR=${CMAKE_BINARY_DIR}/gpu-check-smoke-cache")
endif()
