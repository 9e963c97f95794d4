#!/usr/bin/env bash
# Installs what is needed, builds, and runs the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPENLAPS_BUILD_TESTS=OFF -DOPENLAPS_BUILD_BENCH=OFF
exec ./build/src/demo/openlaps-demo "$@"
