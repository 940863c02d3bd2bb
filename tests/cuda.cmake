# CUDA code generation without a GPU (label cuda): tests/cuda/cuda_compile_all.c emits every
# fused kernel of the stdlib's entries and the examples' models (forward, backward, decode; two
# shape sets) as CUDA C and compiles it with NVRTC, one test per architecture and dtype:
#   cuda.compile.<sm_80|sm_90>.<f32|f64|bf16>
# Every kernel must compile and have no local-memory spills (ptxas's report). NVRTC is loaded
# at run time: without libnvrtc.so.13 the tests skip (77), and fail under CI=true.
# Not registered in the sanitizer build: NVRTC is not instrumented, and the emitter's own code
# runs under ASan/UBSan in test_kir_cuda and the emulator tests (the 6 x 2,004 compiles took
# over 10 minutes there on a loaded 2-core machine).
if(XLC_SANITIZE)
  return()
endif()
add_executable(cuda_compile_all ${CMAKE_CURRENT_SOURCE_DIR}/cuda/cuda_compile_all.c)
target_include_directories(cuda_compile_all PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit)
target_link_libraries(cuda_compile_all xl_cuda_rt xl_runtime xl_pipeline)
foreach(arch sm_80 sm_90)
  foreach(dt f32 f64 bf16)
    add_test(NAME cuda.compile.${arch}.${dt} COMMAND cuda_compile_all ${arch} ${dt} ${CMAKE_SOURCE_DIR})
    set_tests_properties(cuda.compile.${arch}.${dt} PROPERTIES LABELS cuda SKIP_RETURN_CODE 77 TIMEOUT 900)
  endforeach()
endforeach()
