if(NOT XLC_CPU) # `xlc build` is the cpu backend's command (XLC_WITH_CPU)
  return()
endif()
# Generated-kernel goldens (label golden): tests/run_kernels_gen.sh runs `xlc build --emit-dir`
# on a few small entries (forward, backward --grad and decode of the stdlib slstm_cell,
# mlstm_cell and lstm_cell, and one test cell; kernels_gen/README.md lists them) and compares
# every <kernel>.mlir and plan.txt with kernels_gen/<case>/ (the .ll/.s files depend on the
# host CPU and are not kept). After a reviewed change to the
# plan or the MLIR emitter:  XLC_UPDATE_GOLDEN=1 sh tests/run_kernels_gen.sh build/xlc .
add_test(NAME golden.kernels_gen
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/run_kernels_gen.sh $<TARGET_FILE:xlc> ${CMAKE_SOURCE_DIR})
set_tests_properties(golden.kernels_gen PROPERTIES LABELS golden TIMEOUT 300)
