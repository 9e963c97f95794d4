# Warnings, language level and sanitizers in one INTERFACE target that every
# OpenLAPS target links, so no target can forget them.
add_library(openlaps_flags INTERFACE)
add_library(openlaps::flags ALIAS openlaps_flags)
target_compile_options(openlaps_flags INTERFACE -Wall -Wextra -Wpedantic -Werror)
# GCC 12 at -O3 reports std::string concatenation as an overlapping copy
# (GCC bug 105329); the warning is noise there, so it stays a warning.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(openlaps_flags INTERFACE -Wno-error=restrict)
endif()
target_compile_features(openlaps_flags INTERFACE cxx_std_20)

if(OPENLAPS_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_compile_options(openlaps_flags INTERFACE ${_san})
  target_link_options(openlaps_flags INTERFACE ${_san})
endif()

if(OPENLAPS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "OPENLAPS_FUZZ needs clang (CXX=clang++): libFuzzer comes with it")
  endif()
  # Every library is instrumented for coverage and checked by ASan+UBSan;
  # only the fuzz targets link libFuzzer's main. clang's own warnings are
  # not gcc's: they stay warnings in this build.
  set(_fuzz -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
            -fno-omit-frame-pointer)
  target_compile_options(openlaps_flags INTERFACE ${_fuzz} -Wno-error)
  target_link_options(openlaps_flags INTERFACE -fsanitize=address,undefined)
endif()

# openlaps_add_test(NAME name SOURCES a.cpp ... LIBS lib ... [LABELS slow]
#                   [PROPERTIES prop value ...])
# One GoogleTest executable, registered with ctest test by test; PROPERTIES
# are set on every one of them (e.g. a ctest fixture they require).
function(openlaps_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS;PROPERTIES" ${ARGN})
  if(NOT OPENLAPS_BUILD_TESTS)
    return()
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} openlaps::testing GTest::gtest_main GTest::gmock openlaps::flags)
  set(_labels ${T_LABELS})
  if(NOT _labels)
    set(_labels fast)
  endif()
  set(_discovery_timeout 60)
  if(WIN32)
    set(_labels windows)  # cross-built, run under wine
    # A wine process's first start in a fresh prefix, under a parallel
    # build, has been seen to take over a minute.
    set(_discovery_timeout 300)
  endif()
  gtest_discover_tests(${T_NAME} PROPERTIES LABELS "${_labels}" ${T_PROPERTIES}
                       DISCOVERY_TIMEOUT ${_discovery_timeout})
endfunction()
