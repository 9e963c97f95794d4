#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: the normal build
# (then its store and integration tests again on PostgreSQL), then the same
# suite under AddressSanitizer + UndefinedBehaviorSanitizer (with the
# PostgreSQL store and two-node tests again), then every libFuzzer target for
# a bounded time; the Windows cross-build's unit tests run under wine
# between the two builds; the formatting check comes first, clang-tidy after the
# first build (OPENLAPS_TIDY=all checks every source, not only the changed).
# Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${OPENLAPS_JOBS:-2}

bash scripts/install-deps.sh

echo "== format check"
mapfile -t sources < <(git ls-files -- '*.h' '*.cpp' 2>/dev/null || find src bench tests -name '*.h' -o -name '*.cpp')
clang-format --dry-run --Werror "${sources[@]}"

echo "== build (RelWithDebInfo)"
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== clang-tidy (${OPENLAPS_TIDY:-changed} sources)"
bash scripts/tidy.sh build "${OPENLAPS_TIDY:+--$OPENLAPS_TIDY}"
echo "== tests"
(cd build && ctest --output-on-failure -j "$jobs" --timeout 600)
echo "== browser tests" && bash scripts/test-browser.sh build
echo "== store conformance and integration tests on PostgreSQL"
# A throw-away cluster; every test and every lapsd gets a database of its own.
(cd build && bash ../scripts/with-postgres.sh \
  ctest --output-on-failure -j "$jobs" --timeout 600 -L 'store|integration')

echo "== Windows: cross-build (mingw-w64) and the unit tests under wine"
bash scripts/build-windows.sh build-windows

echo "== build (ASan + UBSan)"
bash scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DOPENLAPS_SANITIZE=ON -DOPENLAPS_BUILD_BENCH=OFF
echo "== tests under sanitizers"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs" --timeout 900)
echo "== PostgreSQL store and two-node tests under sanitizers"
# The pool, the listener thread and the retry loop under ASan/UBSan; the rest
# of the integration suite on PostgreSQL runs in the normal build only.
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  bash ../scripts/with-postgres.sh \
  ctest --output-on-failure -j "$jobs" --timeout 900 -R '^(Backends/StoreTest\..*/Postgres|Tampering/.*Postgres|PostgresStoreTest\.|MultiNodeTest\.)')
echo "== fuzzing (each parser's libFuzzer target, ${OPENLAPS_FUZZ_SECONDS:-30} s each, ASan + UBSan)"
bash scripts/fuzz.sh "${OPENLAPS_FUZZ_SECONDS:-30}"
