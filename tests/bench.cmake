# Benchmarks are not tests: CI only checks that a tiny `xlc bench --smoke` runs (label bench).
add_test(NAME bench.smoke COMMAND $<TARGET_FILE:xlc> bench --smoke --steps 1)
set_tests_properties(bench.smoke PROPERTIES LABELS bench TIMEOUT 300
  ENVIRONMENT "XLC_STDLIB=${CMAKE_SOURCE_DIR}/stdlib/xlstm.xl" PASS_REGULAR_EXPRESSION "generate +[0-9]+ tokens/s")
# an entry that is not a token model runs as one graph with random inputs
add_test(NAME bench.smoke_block COMMAND $<TARGET_FILE:xlc> bench ${CMAKE_SOURCE_DIR}/stdlib/xlstm.xl mlstm_block
  --set E=16 --set NH=2 --set T=4 --set B=2 --steps 1)
set_tests_properties(bench.smoke_block PROPERTIES LABELS bench TIMEOUT 300 PASS_REGULAR_EXPRESSION "train +[0-9]+ tokens/s")
