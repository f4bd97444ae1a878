# Finding the targets of the parts that land in parallel (launcher/, shim/).
include_guard(GLOBAL)

# tmpjail_part_target(<var> <dir> <output name> <types>...): the target of
# <dir> whose output file is named <output name>, or "" while that part has
# not landed. Found by reading the directory's targets so that this file
# does not depend on how each part names its CMake target.
function(tmpjail_part_target var dir output)
  set(found "")
  if(EXISTS ${PROJECT_SOURCE_DIR}/${dir}/CMakeLists.txt)
    get_property(targets DIRECTORY ${PROJECT_SOURCE_DIR}/${dir} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(target IN LISTS targets)
      get_target_property(type ${target} TYPE)
      get_target_property(name ${target} OUTPUT_NAME)
      if(NOT name)
        set(name ${target})
      endif()
      if(name STREQUAL output AND type IN_LIST ARGN)
        set(found ${target})
      endif()
    endforeach()
  endif()
  set(${var} ${found} PARENT_SCOPE)
endfunction()
