# Error suite (label errors): every tests/errors/*.xl must fail `xlc check` with the
# diagnostics its "# expect: LINE:COL: error: MESSAGE" comments list (run_error_case.sh).
file(GLOB XLC_ERROR_CASES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/errors/*.xl)
foreach(f ${XLC_ERROR_CASES})
  get_filename_component(name ${f} NAME_WE)
  add_test(NAME errors.${name}
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/run_error_case.sh $<TARGET_FILE:xlc> ${f})
  set_tests_properties(errors.${name} PROPERTIES LABELS errors TIMEOUT 60)
endforeach()
