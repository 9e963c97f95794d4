# Every third-party dependency comes from Debian packages
# (scripts/install-deps.sh); nothing is downloaded at build time.
find_package(PkgConfig REQUIRED)
if(OPENLAPS_WINDOWS_DEPS)
  # The cross-build's libsodium (scripts/build-windows.sh), never the host's.
  set(ENV{PKG_CONFIG_LIBDIR} ${OPENLAPS_WINDOWS_DEPS}/lib/pkgconfig)
endif()
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Threads REQUIRED)

if(OPENLAPS_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(OPENLAPS_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
if(OPENLAPS_BUILD_SERVER)
  find_package(SQLite3 REQUIRED)
  find_package(PostgreSQL REQUIRED)
  find_package(OpenSSL REQUIRED)
  find_package(Boost 1.74 REQUIRED)
  # lapsd's configuration file; Debian's libtomlplusplus-dev ships the compiled
  # library with a CMake package (tomlplusplus::tomlplusplus).
  find_package(tomlplusplus 3 REQUIRED)
endif()
