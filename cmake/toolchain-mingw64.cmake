# Cross-building the device side (core, os, crypto, protocol, later the
# agent) for 64-bit Windows with Debian's mingw-w64 (posix threads, so
# std::thread works). scripts/build-windows.sh passes OPENLAPS_WINDOWS_DEPS,
# the prefix it built libsodium and GoogleTest into, and OPENLAPS_WINEPREFIX,
# the wine prefix ctest runs the tests in.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)

# Only the mingw sysroot and our prefix: never a Linux library or header
# from /usr/include (Boost and nlohmann-json headers are linked into the
# prefix one by one).
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32 ${OPENLAPS_WINDOWS_DEPS})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# One self-contained .exe: no libstdc++ or winpthread DLLs to ship.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

# ctest (and gtest_discover_tests) run the .exe files under wine.
set(CMAKE_CROSSCOMPILING_EMULATOR
    env WINEPREFIX=${OPENLAPS_WINEPREFIX} WINEDEBUG=-all WINEDLLOVERRIDES=mscoree,mshtml= wine)
