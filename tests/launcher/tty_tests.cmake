# check_launcher_tty: Ctrl-C on a pseudo-terminal (forkpty) reaches the
# command once. Included by tests/launcher/CMakeLists.txt after the other
# launcher suites, whose environment (TMPJAIL_LAUNCHER_TEST_ENV) it shares.

# The command run under the launcher; never sanitized, like any program a
# user runs.
add_executable(tj_sigint_counter ${CMAKE_CURRENT_LIST_DIR}/helpers/sigint_counter.c)

# forkpty() is in libc since glibc 2.34; libutil keeps older ones linking.
tmpjail_check_test(check_launcher_tty
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_launcher_tty.c
  LIBRARIES tmpjail_launcher_test_util util
  ENVIRONMENT ${TMPJAIL_LAUNCHER_TEST_ENV} TJ_SIGINT_COUNTER=$<TARGET_FILE:tj_sigint_counter>
  TIMEOUT 60)
add_dependencies(check_launcher_tty ${launcher_target} tj_sigint_counter)
if(TARGET tmpjail-preload)
  add_dependencies(check_launcher_tty tmpjail-preload)
endif()
