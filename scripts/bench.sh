#!/usr/bin/env bash
# Builds in Release and runs every benchmark, printing the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build-bench -DCMAKE_BUILD_TYPE=Release -DOPENLAPS_BUILD_TESTS=OFF
./build-bench/bench/password_bench
taskset -c 0 ./build-bench/bench/effective_policy_bench
