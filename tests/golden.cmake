# Golden dump tests (label golden): one CTest per line of tests/golden/cases.txt, named
# golden.<case name> (see tests/run_golden.sh for the names). Each runs `xlc dump` and
# compares stdout with tests/golden/expected/<case name>.txt. To regenerate after a reviewed
# change:  XLC_UPDATE_GOLDEN=1 sh tests/run_golden.sh build/xlc .   (then read the diff).
# golden.orphans fails when an expected file belongs to no case.
set(XLC_GOLDEN_RUNNER ${CMAKE_CURRENT_SOURCE_DIR}/run_golden.sh)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_SOURCE_DIR}/golden/cases.txt ${XLC_GOLDEN_RUNNER})
execute_process(COMMAND sh ${XLC_GOLDEN_RUNNER} --list ${CMAKE_SOURCE_DIR}
  OUTPUT_VARIABLE XLC_GOLDEN_NAMES ERROR_VARIABLE XLC_GOLDEN_ERR RESULT_VARIABLE XLC_GOLDEN_RC)
if(NOT XLC_GOLDEN_RC EQUAL 0)
  message(WARNING "golden: cannot list the cases: ${XLC_GOLDEN_ERR}")
  # a test that shows the problem instead of silently registering nothing
  add_test(NAME golden.cases COMMAND sh ${XLC_GOLDEN_RUNNER} --list ${CMAKE_SOURCE_DIR})
  set_tests_properties(golden.cases PROPERTIES LABELS golden)
else()
  string(REGEX REPLACE "\n$" "" XLC_GOLDEN_NAMES "${XLC_GOLDEN_NAMES}")
  string(REPLACE "\n" ";" XLC_GOLDEN_NAMES "${XLC_GOLDEN_NAMES}")
  foreach(name IN LISTS XLC_GOLDEN_NAMES)
    add_test(NAME golden.${name} COMMAND sh ${XLC_GOLDEN_RUNNER} $<TARGET_FILE:xlc> ${CMAKE_SOURCE_DIR} ${name})
    set_tests_properties(golden.${name} PROPERTIES LABELS golden TIMEOUT 60)
  endforeach()
endif()
add_test(NAME golden.orphans COMMAND sh ${XLC_GOLDEN_RUNNER} --orphans ${CMAKE_SOURCE_DIR})
set_tests_properties(golden.orphans PROPERTIES LABELS golden)
