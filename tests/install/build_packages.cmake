# cmake -DCPACK=... -DCONFIG=.../CPackConfig.cmake -DDIR=... -P build_packages.cmake
# Build the Debian packages afresh into DIR (tests/install/check_packages.c).
file(REMOVE_RECURSE ${DIR})
file(MAKE_DIRECTORY ${DIR})
execute_process(COMMAND ${CPACK} -G DEB --config ${CONFIG} -B ${DIR}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cpack -G DEB failed: ${result}")
endif()
file(GLOB debs ${DIR}/*.deb)
message(STATUS "built: ${debs}")
