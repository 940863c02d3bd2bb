# Reference checks (label refcheck): `xlc refcheck` against the official float64 values of
# every case directory under XLC_REF_DIR (tests/CMakeLists.txt; default ../shared/ref from the
# source root), in float64 and float32:
#   refcheck.f64.<case>, refcheck.f32.<case>   one case, one dtype
#   refcheck.renamed                           mlstm_block and slstm_cell copied to folders of
#                                              other names (the mapping reads the manifest)
#   refcheck.missing                           only when the reference dir is absent: skipped
# A test whose case folder has gone since configuring is skipped (77).
# The extra cases in tests/ref_extra/ (made by tests/ref_extra/make_cases.py from the official
# code; configurations the shipped cases do not cover) are committed with the sources:
#   refcheck.extra.f64.<case>, refcheck.extra.f32.<case>
# Every shipped and extra case again on the emulated GPU (--backend cuda-emu, XLC_CUDA_EMU=1:
# the CUDA C kernels run on the CPU; the same tolerances), label refcheck-emu:
#   refcheck.emu.f64.<case>, refcheck.emu.f32.<case>, refcheck.emu.extra.<dtype>.<case>
set(XLC_REFCHECK_RUNNER ${CMAKE_CURRENT_SOURCE_DIR}/run_refcheck.sh)
set(XLC_REFCHECK_STDLIB ${CMAKE_SOURCE_DIR}/stdlib/xlstm.xl)
set(XLC_REFCHECK_CASES "")
if(IS_DIRECTORY "${XLC_REF_DIR}")
  file(GLOB XLC_REF_MANIFESTS CONFIGURE_DEPENDS "${XLC_REF_DIR}/*/manifest.json")
  foreach(m IN LISTS XLC_REF_MANIFESTS)
    get_filename_component(dir "${m}" DIRECTORY)
    get_filename_component(case "${dir}" NAME)
    list(APPEND XLC_REFCHECK_CASES "${case}")
  endforeach()
  list(SORT XLC_REFCHECK_CASES)
endif()

if(XLC_REFCHECK_CASES)
  foreach(case IN LISTS XLC_REFCHECK_CASES)
    foreach(dt f64 f32)
      add_test(NAME refcheck.${dt}.${case}
        COMMAND sh ${XLC_REFCHECK_RUNNER} $<TARGET_FILE:xlc> ${XLC_REFCHECK_STDLIB} ${dt} ${XLC_REF_DIR}/${case})
      set_tests_properties(refcheck.${dt}.${case} PROPERTIES LABELS refcheck SKIP_RETURN_CODE 77 TIMEOUT 300)
    endforeach()
  endforeach()
  add_test(NAME refcheck.renamed
    COMMAND sh ${XLC_REFCHECK_RUNNER} --renamed $<TARGET_FILE:xlc> ${XLC_REFCHECK_STDLIB} ${XLC_REF_DIR}
            mlstm_block slstm_cell)
  set_tests_properties(refcheck.renamed PROPERTIES LABELS refcheck SKIP_RETURN_CODE 77 TIMEOUT 300)
else()
  add_test(NAME refcheck.missing
    COMMAND sh -c "echo 'SKIP: no reference cases under ${XLC_REF_DIR} (set XLC_REF_DIR when configuring)'; exit 77")
  set_tests_properties(refcheck.missing PROPERTIES LABELS refcheck SKIP_RETURN_CODE 77)
endif()

# committed extra cases (tests/ref_extra/<case>/manifest.json)
file(GLOB XLC_REF_EXTRA_MANIFESTS CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/ref_extra/*/manifest.json")
list(SORT XLC_REF_EXTRA_MANIFESTS)
foreach(m IN LISTS XLC_REF_EXTRA_MANIFESTS)
  get_filename_component(dir "${m}" DIRECTORY)
  get_filename_component(case "${dir}" NAME)
  foreach(dt f64 f32)
    add_test(NAME refcheck.extra.${dt}.${case}
      COMMAND sh ${XLC_REFCHECK_RUNNER} $<TARGET_FILE:xlc> ${XLC_REFCHECK_STDLIB} ${dt} ${dir})
    set_tests_properties(refcheck.extra.${dt}.${case} PROPERTIES LABELS refcheck SKIP_RETURN_CODE 77 TIMEOUT 300)
  endforeach()
endforeach()

# the emulated GPU: every case of both sets, f64 and f32 (not in the sanitizer build: the CPU
# refchecks run there, and the emulator's own tests run under ASan)
if(NOT XLC_SANITIZE AND XLC_CPU)
  set(XLC_REFCHECK_EMU_DIRS "")
  foreach(case IN LISTS XLC_REFCHECK_CASES)
    list(APPEND XLC_REFCHECK_EMU_DIRS "${case}=${XLC_REF_DIR}/${case}")
  endforeach()
  foreach(m IN LISTS XLC_REF_EXTRA_MANIFESTS)
    get_filename_component(dir "${m}" DIRECTORY)
    get_filename_component(case "${dir}" NAME)
    list(APPEND XLC_REFCHECK_EMU_DIRS "extra.${case}=${dir}")
  endforeach()
  foreach(entry IN LISTS XLC_REFCHECK_EMU_DIRS)
    string(REGEX REPLACE "=.*" "" case "${entry}")
    string(REGEX REPLACE "^[^=]*=" "" dir "${entry}")
    string(REGEX REPLACE "^extra\\." "" plain "${case}")
    foreach(dt f64 f32)
      if(case MATCHES "^extra\\.")
        set(tname refcheck.emu.extra.${dt}.${plain})
      else()
        set(tname refcheck.emu.${dt}.${case})
      endif()
      add_test(NAME ${tname}
        COMMAND sh ${XLC_REFCHECK_RUNNER} --backend cuda-emu $<TARGET_FILE:xlc> ${XLC_REFCHECK_STDLIB} ${dt} ${dir})
      set_tests_properties(${tname} PROPERTIES LABELS "refcheck;refcheck-emu" SKIP_RETURN_CODE 77 TIMEOUT 900
        ENVIRONMENT "XLC_CUDA_EMU=1")
    endforeach()
  endforeach()
endif()
