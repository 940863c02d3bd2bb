# Fuzzing the front end and the compiler stages up to the memory plan (label fuzz).
#   fuzz_replay    the harness (fuzz/fuzz_frontend.c) with a plain main that runs saved inputs;
#                  always built; CTest fuzz.replay runs it over tests/fuzz/corpus/ (parse,
#                  check, lower, autodiff, cg-opt, kplan, memplan for every seed; a second or
#                  less, also in the sanitizer build).
#   fuzz_frontend  the libFuzzer binary (-DXLC_FUZZ=ON, clang only); tests/fuzz/run.sh builds
#                  it in build-fuzz and runs it. With XLC_SANITIZE=ON the front-end and
#                  compiler libraries are also instrumented for coverage.
add_executable(fuzz_replay fuzz/fuzz_frontend.c fuzz/replay_main.c)
target_link_libraries(fuzz_replay xl_lang xl_runtime xl_compiler ${CJSON_LIBRARY} m)
add_test(NAME fuzz.replay COMMAND fuzz_replay ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus)
set_tests_properties(fuzz.replay PROPERTIES LABELS fuzz TIMEOUT 300)

if(XLC_FUZZ)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    add_executable(fuzz_frontend fuzz/fuzz_frontend.c)
    target_compile_options(fuzz_frontend PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_frontend PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_frontend xl_lang xl_runtime xl_compiler ${CJSON_LIBRARY} m)
    if(XLC_SANITIZE)
      # coverage feedback from the code under test; the sanitizer runtime every target
      # links with XLC_SANITIZE provides the coverage callbacks outside libFuzzer
      target_compile_options(xl_lang PRIVATE -fsanitize=fuzzer-no-link)
      target_compile_options(xl_compiler PRIVATE -fsanitize=fuzzer-no-link)
    else()
      message(WARNING "XLC_FUZZ without XLC_SANITIZE: only the harness is instrumented; "
                      "configure with -DXLC_SANITIZE=ON for coverage of the front end")
    endif()
  else()
    message(WARNING "XLC_FUZZ needs clang (CMAKE_C_COMPILER=clang); fuzz_frontend not built")
  endif()
endif()
