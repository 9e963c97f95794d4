#!/usr/bin/env bash
# Cross-builds the device-side modules for 64-bit Windows with mingw-w64 and
# runs their unit tests under wine (ctest label `windows`).
# Usage: scripts/build-windows.sh [BUILD_DIR] (default build-windows).
# Idempotent: installs what it needs from Debian, and builds libsodium (from
# Debian's own source package, fetched with a scratch apt configuration so
# the machine's stays untouched) and GoogleTest (/usr/src/googletest) once
# into BUILD_DIR/deps.
set -euo pipefail
cd "$(dirname "$0")/.."
source=$(pwd)
build=${1:-build-windows}
mkdir -p "$build"
build=$(cd "$build" && pwd)
jobs=${OPENLAPS_JOBS:-2}
deps=$build/deps
prefix=$deps/prefix
host=x86_64-w64-mingw32

packages=(g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix mingw-w64-x86-64-dev
  wine wine64 autoconf automake libtool make dpkg-dev cmake ninja-build
  googletest nlohmann-json3-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "build-windows: installing ${missing[*]}"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
fi
mkdir -p "$prefix/include" "$prefix/lib"

# libsodium: Debian ships it for Linux only; its source package builds for
# mingw as is.
if [ ! -f "$prefix/lib/libsodium.a" ]; then
  apt_dir=$deps/apt
  rm -rf "$apt_dir" "$deps/libsodium-src"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts" \
    "$deps/libsodium-src"
  # The machine's Debian sources, as deb-src, in a scratch list.
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
    >"$apt_dir/parts/debian.sources"
  apt_options=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/parts"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
    -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
  apt-get "${apt_options[@]}" update -qq
  (cd "$deps/libsodium-src" && apt-get "${apt_options[@]}" source --download-only -qq libsodium23 &&
    dpkg-source -x --no-check libsodium_*.dsc src >/dev/null)
  (cd "$deps/libsodium-src/src" &&
    { [ -x configure ] || ./autogen.sh -s >"$deps/libsodium-autogen.log" 2>&1; } &&
    ./configure --host=$host --prefix="$prefix" --disable-shared --enable-static \
      --disable-dependency-tracking >"$deps/libsodium-configure.log" 2>&1 &&
    make -j "$jobs" >"$deps/libsodium-make.log" 2>&1 && make install >/dev/null)
fi

# GoogleTest, from the sources Debian ships for exactly this.
if [ ! -f "$prefix/lib/libgtest.a" ]; then
  cmake -S /usr/src/googletest -B "$deps/googletest" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$source/cmake/toolchain-mingw64.cmake" \
    -DOPENLAPS_WINDOWS_DEPS="$prefix" -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -Dgtest_disable_pthreads=OFF >/dev/null
  cmake --build "$deps/googletest" -j "$jobs" >/dev/null
  cmake --install "$deps/googletest" >/dev/null
fi

# Header-only libraries: only their own headers, never all of /usr/include.
ln -sfn /usr/include/nlohmann "$prefix/include/nlohmann"
mkdir -p "$prefix/share/cmake"
rm -rf "$prefix/share/cmake/nlohmann_json"
cp -r /usr/share/cmake/nlohmann_json "$prefix/share/cmake/nlohmann_json"

# A wine prefix of the build's own, and one wineserver kept for the whole
# run (each test then starts in ~0.05 s instead of ~3 s).
export WINEPREFIX=$build/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  # wineboot returns before the prefix is written; wineserver -w waits for it.
  wineboot --init >/dev/null 2>&1
  wineserver -w
fi
wineserver -p
trap 'wineserver -k 2>/dev/null || true' EXIT
# Wine's own services (services.exe, plugplay, rpcss) start with the first
# program: started here, their start-up is not charged to a test.
wine cmd /c exit </dev/null >/dev/null 2>&1

cmake -S . -B "$build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$source/cmake/toolchain-mingw64.cmake" \
  -DOPENLAPS_WINDOWS_DEPS="$prefix" -DOPENLAPS_WINEPREFIX="$WINEPREFIX" \
  -DCMAKE_BUILD_TYPE=Release -DOPENLAPS_BUILD_SERVER=OFF -DOPENLAPS_BUILD_BENCH=OFF \
  ${CMAKE_CXX_COMPILER_LAUNCHER:+-DCMAKE_CXX_COMPILER_LAUNCHER=$CMAKE_CXX_COMPILER_LAUNCHER} >/dev/null
cmake --build "$build" -j "$jobs"
(cd "$build" && ctest --output-on-failure -j "$jobs" --timeout 300 -L windows)
