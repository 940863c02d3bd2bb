# cli.size_rules (label cli): xlc's width builtins (round_up, round_down, next_multiple, trunc)
# and the widths of the stdlib entries xlstm_lm / xlstm_large against the official width rules
# evaluated in Python floats over a grid (tests/ref_extra/size_rules.tsv, written by
# tests/ref_extra/size_rules.py). One xlc invocation per rule; skipped (77) without python3.
find_program(XLC_PYTHON3 python3)
if(XLC_PYTHON3)
  add_test(NAME cli.size_rules
    COMMAND ${XLC_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/ref_extra/check_size_rules.py $<TARGET_FILE:xlc>
            --tsv ${CMAKE_CURRENT_SOURCE_DIR}/ref_extra/size_rules.tsv --stdlib ${CMAKE_SOURCE_DIR}/stdlib/xlstm.xl)
  set_tests_properties(cli.size_rules PROPERTIES LABELS cli TIMEOUT 300)
else()
  add_test(NAME cli.size_rules COMMAND sh -c "echo 'SKIP: python3 not found'; exit 77")
  set_tests_properties(cli.size_rules PROPERTIES LABELS cli SKIP_RETURN_CODE 77)
endif()
