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
  # USE_C10D_GLOO exposes ProcessGroupGloo in Debian's c10d headers (DESIGN §4).
  target_compile_definitions(${target} PRIVATE USE_C10D_GLOO)
endfunction()

# galt_module(NAME <name> [DEPS <targets...>]): a static library galt_<name>
# from every .cpp under src/<name>/.
function(galt_module)
  cmake_parse_arguments(M "" "NAME" "DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT srcs)
    message(STATUS "galt: module ${M_NAME} has no sources yet; skipped")
    return()
  endif()
  add_library(galt_${M_NAME} STATIC ${srcs})
  target_include_directories(galt_${M_NAME} PUBLIC ${CMAKE_SOURCE_DIR}/include
                                                    ${TORCH_INCLUDE_DIRS}
                                             PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(galt_${M_NAME} PUBLIC ${M_DEPS} ${TORCH_LIBRARIES} Threads::Threads)
  galt_apply_flags(galt_${M_NAME})
  target_precompile_headers(galt_${M_NAME} REUSE_FROM galt_pch)
endfunction()

# galt_test(NAME <name> [DEPS <targets...>]): a GoogleTest executable
# galt_test_<name> from every .cpp under tests/<name>/, registered with ctest.
function(galt_test)
  cmake_parse_arguments(T "" "NAME" "DEPS" ${ARGN})
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
  target_precompile_headers(galt_test_${T_NAME} REUSE_FROM galt_pch)
  gtest_discover_tests(galt_test_${T_NAME} DISCOVERY_TIMEOUT 120
                       PROPERTIES LABELS ${T_NAME})
endfunction()
