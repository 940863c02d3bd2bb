# Benchmarks are not tests: CI only checks that a tiny `xlc bench --smoke` runs (label bench).
add_test(NAME bench.smoke COMMAND $<TARGET_FILE:xlc> bench --smoke --steps 1)
set_tests_properties(bench.smoke PROPERTIES LABELS bench TIMEOUT 300
  ENVIRONMENT "XLC_STDLIB=${CMAKE_SOURCE_DIR}/stdlib/xlstm.xl")
