# Benchmarks are not tests: CI only checks that a tiny `xlc bench --smoke` runs (label bench).
add_test(NAME bench.smoke COMMAND $<TARGET_FILE:xlc> bench --smoke --steps 1)
set_tests_properties(bench.smoke PROPERTIES LABELS bench TIMEOUT 300
  ENVIRONMENT "XLC_STDLIB=${CMAKE_SOURCE_DIR}/stdlib/xlstm.xl" PASS_REGULAR_EXPRESSION "generate +[0-9]+ tokens/s")
# an entry that is not a token model runs as one graph with random inputs
add_test(NAME bench.smoke_block COMMAND $<TARGET_FILE:xlc> bench ${CMAKE_SOURCE_DIR}/stdlib/xlstm.xl mlstm_block
  --set E=16 --set NH=2 --set T=4 --set B=2 --steps 1)
set_tests_properties(bench.smoke_block PROPERTIES LABELS bench TIMEOUT 300 PASS_REGULAR_EXPRESSION "train +[0-9]+ tokens/s")
# st_read on a file of many tiny tensors (docs/performance.md, "Robustness: safetensors reader");
# the test runs a small N only to keep the program building and working.
add_executable(bench_st_read ${CMAKE_CURRENT_SOURCE_DIR}/bench/bench_st_read.c)
target_link_libraries(bench_st_read xl_runtime xl_compiler ${CJSON_LIBRARY} m)
add_test(NAME bench.st_read COMMAND bench_st_read 2000)
set_tests_properties(bench.st_read PROPERTIES LABELS bench TIMEOUT 60 PASS_REGULAR_EXPRESSION "2000 tensors")
# --no-optimizer: forward+backward without AdamW on the speed-goal entries (tests/bench/gpu_layers.xl,
# tests/gpu/check.sh), at tiny shapes; refused with a message for a token model
add_test(NAME bench.no_optimizer COMMAND $<TARGET_FILE:xlc> bench ${CMAKE_CURRENT_SOURCE_DIR}/bench/gpu_layers.xl lstm_layer
  --set NH=2 --set D=4 --set T=3 --set B=2 --steps 1 --no-optimizer)
set_tests_properties(bench.no_optimizer PROPERTIES LABELS bench TIMEOUT 300 PASS_REGULAR_EXPRESSION "fwd\\+bwd +[0-9]+ tokens/s  step +[0-9]+\\.[0-9][0-9][0-9] ms")
add_test(NAME bench.no_optimizer_token_model COMMAND $<TARGET_FILE:xlc> bench --smoke --no-optimizer)
set_tests_properties(bench.no_optimizer_token_model PROPERTIES LABELS bench TIMEOUT 60
  PASS_REGULAR_EXPRESSION "error: --no-optimizer times entries that are not token models")
