# Helper programs of the shim's Check suites (included by
# tests/shim/CMakeLists.txt). They run under the shim, so they are never
# instrumented: the ASan runtime cannot come after a preloaded library.
# Each calls interposed symbols by the names real binaries import; the
# suites find them through TJ_HELPERS and the test library through TJ_DLLIB.

find_package(Threads REQUIRED)
set(tj_helper_dir ${CMAKE_CURRENT_BINARY_DIR}/helpers)
set(tj_helper_src ${CMAKE_CURRENT_SOURCE_DIR}/helpers)

# tj_shim_helper(<name> [FORTIFY] [LIBRARIES <lib>...])
# Builds helpers/<name>.c into ${tj_helper_dir}. FORTIFY builds it the way
# distributions build packages (-O2 -D_FORTIFY_SOURCE=2), so glibc's headers
# route calls to __open_2, __readlink_chk, __realpath_chk, ...; the others
# are built without fortification so they import the plain names.
function(tj_shim_helper name)
  cmake_parse_arguments(H "FORTIFY" "" "LIBRARIES" ${ARGN})
  set(target tjhelper_${name})
  add_executable(${target} ${tj_helper_src}/${name}.c)
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${name}
    RUNTIME_OUTPUT_DIRECTORY ${tj_helper_dir})
  if(H_FORTIFY)
    target_compile_options(${target} PRIVATE -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2)
  else()
    target_compile_options(${target} PRIVATE -U_FORTIFY_SOURCE)
  endif()
  if(H_LIBRARIES)
    target_link_libraries(${target} PRIVATE ${H_LIBRARIES})
  endif()
endfunction()

foreach(family open tempnames stat metadata namespace dirs exec sockets loader)
  tj_shim_helper(calls_${family})
endforeach()
tj_shim_helper(fortify FORTIFY)
tj_shim_helper(xstat_compat)
tj_shim_helper(consistency)
tj_shim_helper(threads LIBRARIES Threads::Threads)
tj_shim_helper(spawn_stress LIBRARIES Threads::Threads)
target_link_libraries(tjhelper_calls_loader PRIVATE ${CMAKE_DL_LIBS})

add_library(tjhelper_answer MODULE ${tj_helper_src}/answer.c)
set_target_properties(tjhelper_answer PROPERTIES
  OUTPUT_NAME tjanswer
  LIBRARY_OUTPUT_DIRECTORY ${tj_helper_dir})

# Integration suites beyond the list tests/shim/CMakeLists.txt builds.
foreach(area programs_env programs_tools)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/check_${area}.c)
    tmpjail_check_test(check_shim_${area}
      SOURCES check_${area}.c
      LIBRARIES tmpjail_static
      ENVIRONMENT "TMPJAIL_SHIM=$<TARGET_FILE:tmpjail-preload>"
      TIMEOUT 300)
    add_dependencies(check_shim_${area} tmpjail-preload)
  endif()
endforeach()

# After tests/shim/CMakeLists.txt has defined its suites: link them with the
# core (their fixtures remove scratch roots with tf_rmtree), make them wait
# for the helpers, and tell every test where the helpers are.
function(tj_shim_helpers_attach helper_dir)
  get_property(targets DIRECTORY PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target IN LISTS targets)
    get_target_property(sources ${target} SOURCES)
    if(sources MATCHES "check_(programs[a-z_]*|symbols_[a-z]+)\\.c")
      target_link_libraries(${target} PRIVATE tmpjail_static)
      add_dependencies(${target}
        tjhelper_answer tjhelper_fortify tjhelper_xstat_compat tjhelper_consistency
        tjhelper_threads tjhelper_spawn_stress tjhelper_calls_open tjhelper_calls_tempnames
        tjhelper_calls_stat tjhelper_calls_metadata tjhelper_calls_namespace
        tjhelper_calls_dirs tjhelper_calls_exec tjhelper_calls_sockets tjhelper_calls_loader)
    endif()
  endforeach()
  get_property(tests DIRECTORY PROPERTY TESTS)
  foreach(test IN LISTS tests)
    if(test MATCHES "programs|symbols")
      set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT
        "TJ_HELPERS=${helper_dir}"
        "TJ_DLLIB=${helper_dir}/${CMAKE_SHARED_MODULE_PREFIX}tjanswer${CMAKE_SHARED_MODULE_SUFFIX}")
      # Real programs (gcc, sqlite3, git) take a while on a busy machine.
      set_property(TEST ${test} PROPERTY TIMEOUT 300)
    endif()
  endforeach()
endfunction()

cmake_language(DEFER CALL tj_shim_helpers_attach "${tj_helper_dir}")
