# Helpers that keep every folder's CMakeLists.txt to a few lines.

function(galt_apply_flags target)
  # Partial designated initialisers are idiomatic here; GCC 12's
  # -Wstringop-overflow/-overread, -Warray-bounds and -Wrestrict fire falsely
  # (at -O3) inside libstdc++'s
  # string operator+.
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter
                                           -Wno-missing-field-initializers -Wno-stringop-overflow
                                           -Wno-array-bounds -Wno-restrict -Wno-stringop-overread)
  if(GALT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# galt_use_torch(<target> <PUBLIC|PRIVATE>): LibTorch's headers and libraries,
# and the shared precompiled header (cmake/pch.h, which includes
# torch/torch.h: LibTorch is most of the compile time). Marks the target
# GALT_TORCH, so the tests of a LibTorch module get the header too.
function(galt_use_torch target visibility)
  target_include_directories(${target} ${visibility} ${TORCH_INCLUDE_DIRS})
  target_link_libraries(${target} ${visibility} ${TORCH_LIBRARIES})
  target_precompile_headers(${target} REUSE_FROM galt_pch)
  set_target_properties(${target} PROPERTIES GALT_TORCH ON)
endfunction()

# galt_use_c10d(<target>): for a target that uses PyTorch's distributed layer
# (c10d with the Gloo backend, DESIGN §4). Debian's c10d headers hide
# ProcessGroupGloo unless USE_C10D_GLOO is defined, and Gloo is Debian's
# libgloo-dev. The define is the target's own; nothing torch/torch.h includes
# tests it, so the shared precompiled header stays valid. galt_dist (src/dist)
# is the one target that uses it.
function(galt_use_c10d target)
  find_library(GALT_GLOO_LIBRARY gloo REQUIRED)
  target_compile_definitions(${target} PRIVATE USE_C10D_GLOO)
  target_link_libraries(${target} PRIVATE ${GALT_GLOO_LIBRARY})
endfunction()

# galt_module(NAME <name> [TORCH] [DEPS <targets...>]): a static library
# galt_<name> from every .cpp under src/<name>/. TORCH: the module's code
# includes LibTorch (galt_use_torch). A module without it neither links nor
# includes LibTorch, except through the public headers of a dependency that
# does (memory sees ATen's Tensor through graph's ConstraintEdge).
function(galt_module)
  cmake_parse_arguments(M "TORCH" "NAME" "DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT srcs)
    message(STATUS "galt: module ${M_NAME} has no sources yet; skipped")
    return()
  endif()
  add_library(galt_${M_NAME} STATIC ${srcs})
  target_include_directories(galt_${M_NAME} PUBLIC ${CMAKE_SOURCE_DIR}/include
                                             PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(galt_${M_NAME} PUBLIC ${M_DEPS} Threads::Threads)
  galt_apply_flags(galt_${M_NAME})
  if(M_TORCH)
    galt_use_torch(galt_${M_NAME} PUBLIC)
  endif()
endfunction()

# galt_test(NAME <name> [SLOW] [DEPS <targets...>]): a GoogleTest executable
# galt_test_<name> from every .cpp under tests/<name>/, registered with ctest
# and labelled <name>, and "fast" unless SLOW: the fast suites run in one
# process without the galt executable and build without galt_cli and
# galt_dist (scripts/sanitize.sh runs them under the sanitizers).
# It uses LibTorch (and its precompiled header) when one of DEPS does.
function(galt_test)
  cmake_parse_arguments(T "SLOW" "NAME" "DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT srcs)
    return()
  endif()
  foreach(dep IN LISTS T_DEPS)
    if(dep MATCHES "^galt_" AND NOT TARGET ${dep})
      message(STATUS "galt: tests ${T_NAME} skipped (${dep} not built)")
      return()
    endif()
  endforeach()
  add_executable(galt_test_${T_NAME} ${srcs})
  target_include_directories(galt_test_${T_NAME} PRIVATE ${CMAKE_SOURCE_DIR}/src
                                                         ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(galt_test_${T_NAME} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main)
  galt_apply_flags(galt_test_${T_NAME})
  if(GALT_SANITIZE)
    # Under the sanitizers GCC 12's flow analysis warns falsely that
    # LibTorch's inline c10::optional<at::Generator> "may be used
    # uninitialized" (tests/models at -O1); the library modules compile
    # clean, and the normal build keeps the warning.
    target_compile_options(galt_test_${T_NAME} PRIVATE -Wno-maybe-uninitialized)
  endif()
  foreach(dep IN LISTS T_DEPS)
    if(TARGET ${dep})
      get_target_property(torch ${dep} GALT_TORCH)
      if(torch)
        galt_use_torch(galt_test_${T_NAME} PRIVATE)
        break()
      endif()
    endif()
  endforeach()
  gtest_discover_tests(galt_test_${T_NAME} DISCOVERY_TIMEOUT 120
                       PROPERTIES LABELS ${T_NAME})
  if(NOT T_SLOW)
    # A directory label: gtest_discover_tests splits a list-valued LABELS
    # into separate arguments, so "fast" cannot go with the module's.
    set_property(DIRECTORY APPEND PROPERTY LABELS fast)
  endif()
endfunction()
