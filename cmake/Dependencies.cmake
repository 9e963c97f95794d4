# Every third-party dependency comes from Debian packages
# (scripts/install-deps.sh); nothing is downloaded at build time.
find_package(PkgConfig REQUIRED)
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
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Boost 1.74 REQUIRED)
# lapsd's configuration file; Debian's libtomlplusplus-dev ships the compiled
# library with a CMake package (tomlplusplus::tomlplusplus).
find_package(tomlplusplus 3 REQUIRED)
