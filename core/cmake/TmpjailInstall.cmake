# Installation of tmpjail: `cmake --install build --prefix P` gives a
# relocatable tree:
#   P/bin/tmpjail                              the launcher
#   P/<libdir>/libtmpjail-preload.so           the shim
#   P/<libdir>/libtmpjail.so{,.0,.0.1.0}, .a   the core, shared and static
#   P/include/tmpjail/tempfile.h
#   P/<libdir>/pkgconfig/tmpjail.pc            prefix from ${pcfiledir}
#   P/<libdir>/cmake/tmpjail/                  find_package(tmpjail)
#   P/share/man/man1/tmpjail.1, man3/libtmpjail.3
#   P/share/bash-completion/completions/tmpjail
# Nothing in it holds an absolute path: the launcher finds the shim by the
# relative path from bin to libdir, the pkg-config file by ${pcfiledir}, the
# CMake files by their own location. Test programs and the raw core archive
# (tmpjail_core_raw, linked into the shim) are never installed.
# The launcher (launcher/CMakeLists.txt) and the shim (shim/CMakeLists.txt)
# install themselves, keeping the layout of the build tree, where bin/ sits
# beside <libdir>/: the launcher finds the shim by that relative path. This
# file installs the core's package files.
include(CMakePackageConfigHelpers)

# The core's targets are declared with EXPORT tmpjailTargets in core/.
set(TMPJAIL_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tmpjail)
install(EXPORT tmpjailTargets
  NAMESPACE tmpjail::
  DESTINATION ${TMPJAIL_CMAKE_INSTALL_DIR} COMPONENT dev)

if(TMPJAIL_SANITIZE)
  set(TMPJAIL_SANITIZE_BOOL ON)
  set(TMPJAIL_PC_SANITIZE " -fsanitize=address,undefined")
else()
  set(TMPJAIL_SANITIZE_BOOL OFF)
  set(TMPJAIL_PC_SANITIZE "")
endif()
set(TMPJAIL_CONFIG_LAUNCHER ${CMAKE_INSTALL_BINDIR}/tmpjail)
# The exported static library names the packages the core links (e.g.
# Threads::Threads); the package config finds them for its users.
set(TMPJAIL_CONFIG_DEPENDENCIES "")
get_target_property(core_links tmpjail_static LINK_LIBRARIES)
if(core_links AND "Threads::Threads" IN_LIST core_links)
  set(TMPJAIL_CONFIG_DEPENDENCIES "find_dependency(Threads)")
endif()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/tmpjailConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/tmpjailConfig.cmake
  INSTALL_DESTINATION ${TMPJAIL_CMAKE_INSTALL_DIR}
  PATH_VARS TMPJAIL_CONFIG_LAUNCHER)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/tmpjailConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/cmake/tmpjailConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/tmpjailConfigVersion.cmake
  DESTINATION ${TMPJAIL_CMAKE_INSTALL_DIR} COMPONENT dev)

# pkg-config: the prefix is the .pc file's directory plus a relative path
# worked out here from the layout, so the tree can be moved.
file(RELATIVE_PATH TMPJAIL_PC_TO_PREFIX
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" TMPJAIL_PC_TO_PREFIX "${TMPJAIL_PC_TO_PREFIX}")
# What a static link needs besides libtmpjail.a: the libraries the core
# links, as -l flags.
set(TMPJAIL_PC_LIBS_PRIVATE "")
get_target_property(core_links tmpjail_static INTERFACE_LINK_LIBRARIES)
if(NOT core_links)
  set(core_links "")
endif()
foreach(lib IN LISTS core_links)
  string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" lib "${lib}")
  if(lib STREQUAL "Threads::Threads")
    string(APPEND TMPJAIL_PC_LIBS_PRIVATE " -pthread")
  elseif(lib MATCHES "^-")
    string(APPEND TMPJAIL_PC_LIBS_PRIVATE " ${lib}")
  elseif(lib AND NOT TARGET ${lib})
    string(APPEND TMPJAIL_PC_LIBS_PRIVATE " -l${lib}")
  endif()
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/tmpjail.pc.in ${PROJECT_BINARY_DIR}/cmake/tmpjail.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cmake/tmpjail.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

install(FILES ${PROJECT_SOURCE_DIR}/docs/man/libtmpjail.3 DESTINATION ${CMAKE_INSTALL_MANDIR}/man3
  COMPONENT dev)
