# The sandbox suites: --seccomp presets, --seccomp-log, policy files and
# --seal. Included by tests/launcher/CMakeLists.txt. The launcher is an
# executable, so the suites compile its sandbox sources themselves; the
# tests that drive the built launcher skip while it does not exist.
set(sandbox_helpers ${CMAKE_CURRENT_LIST_DIR}/helpers)
set(sandbox_sources
  ${PROJECT_SOURCE_DIR}/launcher/seccomp.c
  ${PROJECT_SOURCE_DIR}/launcher/policy.c
  ${PROJECT_SOURCE_DIR}/launcher/seal.c
  ${PROJECT_SOURCE_DIR}/launcher/realname.c
  ${PROJECT_SOURCE_DIR}/launcher/setup.c
  ${sandbox_helpers}/probe_ops.c)

# The probe is static so that the shim cannot be preloaded into it: only
# seccomp and the seal stand between it and the kernel. Never sanitized
# (ASan does not link statically).
add_executable(tj_probe ${sandbox_helpers}/tj_probe.c ${sandbox_helpers}/probe_ops.c)
target_link_options(tj_probe PRIVATE -static)
target_link_libraries(tj_probe PRIVATE Threads::Threads)

set(sandbox_env
  TJ_PROBE=$<TARGET_FILE:tj_probe>
  TJ_SECCOMP_DOC=${PROJECT_SOURCE_DIR}/docs/seccomp.md)
if(TARGET tmpjail-launcher)
  list(APPEND sandbox_env TMPJAIL_BIN=$<TARGET_FILE:tmpjail-launcher>)
endif()
if(TARGET tmpjail-preload)
  list(APPEND sandbox_env TMPJAIL_SHIM=$<TARGET_FILE:tmpjail-preload>)
endif()

foreach(area seccomp policy seal)
  tmpjail_check_test(check_${area}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_${area}.c ${sandbox_sources}
    LIBRARIES PkgConfig::SECCOMP Threads::Threads
    ENVIRONMENT ${sandbox_env}
    TIMEOUT 60)
  target_include_directories(check_${area} PRIVATE ${sandbox_helpers} ${PROJECT_SOURCE_DIR}/launcher)
  add_dependencies(check_${area} tj_probe)
  # The launcher tests run the launcher and its shim: build them first.
  foreach(dep tmpjail-launcher tmpjail-preload)
    if(TARGET ${dep})
      add_dependencies(check_${area} ${dep})
    endif()
  endforeach()
endforeach()
