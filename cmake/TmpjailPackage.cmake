# Debian packages from the install rules: `cpack -G DEB` in the build tree
# (docs/install.md). One package per install component:
#   tmpjail              (runtime) the launcher, the shim, libtmpjail.so.0,
#                        tmpjail(1), the bash completion
#   libtmpjail-dev       (dev)     the header, libtmpjail.a, the .so link,
#                        pkg-config and CMake package files, libtmpjail(3)
#   slurm-spank-tmpjail  (slurm)   the SPANK plugin and an example
#                        plugstack.conf.d line (when the plugin is built)
# tests/install/check_packages.c builds them, unpacks them with dpkg -x and
# runs tmpjail from there.
set(CPACK_PACKAGE_NAME tmpjail)
set(CPACK_PACKAGE_VENDOR "tmpjail")
set(CPACK_PACKAGE_CONTACT "tmpjail maintainers <tmpjail@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.invalid/tmpjail")

set(CPACK_COMPONENTS_ALL runtime dev)
if(TARGET spank_tmpjail)
  list(APPEND CPACK_COMPONENTS_ALL slurm)
endif()

# dpkg-shlibdeps (dpkg-dev) adds libc6 with the version the binaries need;
# without it the packages still name what they cannot do without.
find_program(TMPJAIL_DPKG_SHLIBDEPS dpkg-shlibdeps)
set(seccomp_depends "libseccomp2 (>= 2.5), ")
if(TMPJAIL_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(seccomp_depends "")
endif()

set(exact_version "${PROJECT_VERSION}")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME tmpjail)
string(REGEX REPLACE ", $" "" CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "${seccomp_depends}")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "private, self-cleaning /tmp for every process tree
 tmpjail(1) runs a command with /tmp and /var/tmp redirected into a private
 directory that is removed when the command's process tree ends.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libtmpjail-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# The .so link points into tmpjail's libtmpjail.so.0; the CMake package names the launcher.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "tmpjail (= ${exact_version})")
set(CPACK_DEBIAN_DEV_DESCRIPTION "Python's tempfile for C, and a secure tree remover (development files)
 libtmpjail: temporary files and directories, spooled files and a remover
 that never follows links or crosses mounts; header, static library,
 pkg-config and CMake package files.")

if(TARGET spank_tmpjail)
  set(CPACK_DEBIAN_SLURM_PACKAGE_NAME slurm-spank-tmpjail)
  set(CPACK_DEBIAN_SLURM_PACKAGE_SECTION admin)
  # SPANK loads a plugin only into the Slurm release (major.minor) it was
  # built for; slurm-wlm-basic-plugins is that release on every host that
  # loads it (slurmd's and slurm-client's dependency, versioned with them).
  set(CPACK_DEBIAN_SLURM_PACKAGE_DEPENDS "tmpjail (= ${exact_version}), ${seccomp_depends}\
slurm-wlm-basic-plugins (>= ${TMPJAIL_SLURM_SERIES}), \
slurm-wlm-basic-plugins (<< ${TMPJAIL_SLURM_NEXT_SERIES})")
  set(CPACK_DEBIAN_SLURM_DESCRIPTION "tmpjail for Slurm: a private /tmp for every job step
 A SPANK plugin: srun/sbatch --tmpjail, or every job by site policy, get a
 private /tmp and /var/tmp per job step and node, removed when the step
 ends, with optional Landlock seal and seccomp filter.")
endif()

include(CPack)
