# Finite differences on the emulated GPU (label gradcheck-emu; issue 19's proof): `xlc
# gradcheck --backend cuda-emu` (XLC_CUDA_EMU=1), float64: the gradient graph the cuda-emu
# executor runs (its CUDA C kernels on the CPU) against fourth-order central differences of
# the objective it computes, every element of every float input, parameter and state, at
# 1e-6 relative (gradcheck's default), for the stdlib cells and blocks and a small
# xlstm_large. The settings are those tests/cli/gradcheck.sh and test_stdlib_grad.c use on
# the reference executor (--param-noise 0.1 where zero-initialized gate weights put a
# stabilizer max at a tie), smaller where the number of forward runs would cost minutes.
# Not xlstm_lm: at the sizes that run in seconds gradcheck's stencil (h = 1e-3) misses 1e-6 on
# the reference executor too (2.9e-6 .. 1.5e-2 measured at E 8 and 16, one or two sLSTM
# blocks, with and without parameter noise): its gradients on cuda-emu are compared with
# ref's by the executor-agreement tests (test_exec_cpu.emu) instead.
# Not in the sanitizer build (the emulator's own tests run there) nor without the CPU backend.
if(NOT XLC_SANITIZE AND XLC_CPU)
  set(XLC_GC_EMU
      "slstm_cell|--set B=2 --set T=3"
      "lstm_cell|--set B=2 --set T=3"
      "mlstm_cell|--set B=2 --set T=3"
      "mlstm_chunkwise|--set B=2 --set T=7 --set NH=2 --set DK=3 --set DV=4 --set chunk=3"
      "slstm_block|--set B=1 --set T=3 --set E=16"
      "mlstm_block|--set B=2 --set T=3 --set E=8 --set mult=8 --set NH=2 --param-noise 0.1"
      "xlstm_large|--set B=1 --set T=3 --set E=16 --set NH=2 --set V=7 --set m0=-inf")
  foreach(spec IN LISTS XLC_GC_EMU)
    string(REGEX REPLACE "\\|.*" "" entry "${spec}")
    string(REGEX REPLACE "^[^|]*\\|" "" args "${spec}")
    separate_arguments(parts UNIX_COMMAND "${args}")
    add_test(NAME gradcheck.emu.${entry}
      COMMAND $<TARGET_FILE:xlc> gradcheck ${CMAKE_SOURCE_DIR}/stdlib/xlstm.xl ${entry} ${parts} --backend cuda-emu)
    set_tests_properties(gradcheck.emu.${entry} PROPERTIES LABELS gradcheck-emu TIMEOUT 900
      ENVIRONMENT "XLC_CUDA_EMU=1")
  endforeach()
endif()
