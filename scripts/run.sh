#!/usr/bin/env bash
# Installs what is needed, builds, and runs lapsd on the embedded default
# (SQLite in ./demo-data) with a demo fleet, in the foreground.
# Port: LAPSD_PORT (default 8080). Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPENLAPS_BUILD_TESTS=OFF -DOPENLAPS_BUILD_BENCH=OFF
./build/src/demo/openlaps-demo
data_dir=${LAPSD_DATA_DIR:-$PWD/demo-data}
port=${LAPSD_PORT:-8080}
cat <<MSG

Starting lapsd on http://127.0.0.1:$port with a demo fleet of 25 devices.
The first administrator's credentials are in $data_dir/initial-admin.json (mode 0600):
  curl -s -XPOST http://127.0.0.1:$port/api/v1/login -d @$data_dir/initial-admin.json
MSG
exec ./build/src/server/lapsd --data-dir "$data_dir" --port "$port" --demo-fleet 25
