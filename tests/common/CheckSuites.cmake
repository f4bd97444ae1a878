# Registering tmpjail's Check suites with CTest.

# tmpjail_check_test(<name> SOURCES <src>... [LIBRARIES <lib>...]
#                    [ENVIRONMENT <VAR=value>...] [TIMEOUT <seconds>])
# Builds one Check suite and registers each of its TCases with CTest as its
# own test, run alone through CK_RUN_CASE. Cases are found by reading the
# sources for tcase_create("<name>"); a suite without any is an error.
# A test exits 77 (CTest: skipped) when it calls TJ_SKIP().
function(tmpjail_check_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBRARIES;ENVIRONMENT" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 60)
  endif()
  add_executable(${name} ${T_SOURCES} ${PROJECT_SOURCE_DIR}/tests/common/check_main.c)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
  target_link_libraries(${name} PRIVATE PkgConfig::CHECK ${T_LIBRARIES})
  tmpjail_sanitize(${name})

  set(cases)
  foreach(src IN LISTS T_SOURCES)
    get_filename_component(src_path ${src} ABSOLUTE)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${src_path})
    file(STRINGS ${src_path} lines REGEX "tcase_create\\(\"[^\"]+\"\\)")
    foreach(line IN LISTS lines)
      string(REGEX MATCHALL "tcase_create\\(\"[^\"]+\"\\)" calls "${line}")
      foreach(call IN LISTS calls)
        string(REGEX REPLACE "tcase_create\\(\"([^\"]+)\"\\)" "\\1" case_name "${call}")
        list(APPEND cases ${case_name})
      endforeach()
    endforeach()
  endforeach()
  if(NOT cases)
    message(FATAL_ERROR "${name}: no tcase_create(\"...\") in ${T_SOURCES}")
  endif()

  foreach(case_name IN LISTS cases)
    add_test(NAME ${name}.${case_name} COMMAND ${name})
    set_tests_properties(${name}.${case_name} PROPERTIES
      ENVIRONMENT "CK_RUN_CASE=${case_name};CK_DEFAULT_TIMEOUT=${T_TIMEOUT};${T_ENVIRONMENT}"
      TIMEOUT ${T_TIMEOUT}
      SKIP_RETURN_CODE 77)
  endforeach()
endfunction()
