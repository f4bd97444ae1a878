# libFuzzer target of the shim's path mapper (tests/shim/fuzz_mapper.c).
# Built with clang whatever the project's compiler, only when clang can link
# libFuzzer; registered as a short smoke run so CI exercises it on each run.
find_program(TJ_FUZZ_CLANG NAMES clang-14 clang)
if(NOT TJ_FUZZ_CLANG)
  message(STATUS "shim fuzz target: no clang, skipped")
  return()
endif()

set(probe ${CMAKE_CURRENT_BINARY_DIR}/fuzz_probe.c)
file(WRITE ${probe} "#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
execute_process(
  COMMAND ${TJ_FUZZ_CLANG} -fsanitize=fuzzer ${probe} -o ${CMAKE_CURRENT_BINARY_DIR}/fuzz_probe
  RESULT_VARIABLE probe_result OUTPUT_QUIET ERROR_QUIET)
if(NOT probe_result EQUAL 0)
  message(STATUS "shim fuzz target: ${TJ_FUZZ_CLANG} cannot link libFuzzer, skipped")
  return()
endif()

set(fuzzer ${CMAKE_CURRENT_BINARY_DIR}/fuzz_mapper)
add_custom_command(OUTPUT ${fuzzer}
  COMMAND ${TJ_FUZZ_CLANG} -g -O1 -std=gnu11 -D_GNU_SOURCE
          -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
          -I${PROJECT_SOURCE_DIR}/shim
          ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_mapper.c ${PROJECT_SOURCE_DIR}/shim/map.c
          -o ${fuzzer}
  DEPENDS fuzz_mapper.c ${PROJECT_SOURCE_DIR}/shim/map.c ${PROJECT_SOURCE_DIR}/shim/map.h
  COMMENT "Building the mapper's libFuzzer target with ${TJ_FUZZ_CLANG}"
  VERBATIM)
add_custom_target(tj_fuzz_mapper ALL DEPENDS ${fuzzer})

# Seed corpus in the build tree (libFuzzer adds what it finds to the first
# corpus directory; the source tree must stay clean).
set(corpus ${CMAKE_CURRENT_BINARY_DIR}/fuzz_corpus)
set(seeds "/tmp" "//tmp/./a" "/tmp/../etc/passwd" "/tmp/a/../../x" "/var/tmp/x"
  "/tmp/tj-fuzz0000/tmp/x" "/tmpfoo" "/srv/a/b/../c" "relative/tmp" "/tmp/.X11-unix/X0"
  "tmp/x" "../../tmp/a" "./var/./tmp" "srv/a0/b" "lib/../tmp")
set(i 0)
foreach(seed IN LISTS seeds)
  file(WRITE ${corpus}/seed${i} "${seed}")
  math(EXPR i "${i} + 1")
endforeach()
string(ASCII 1 redirect_marker)
file(WRITE ${corpus}/seed_redirect "${redirect_marker}/scratch://data/./in/:/:..")

add_test(NAME shim_fuzz_mapper_smoke
  COMMAND ${fuzzer} -runs=300000 -max_total_time=30 -seed=1 -max_len=4200
          -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz- ${corpus})
set_tests_properties(shim_fuzz_mapper_smoke PROPERTIES TIMEOUT 120)
