#!/usr/bin/env bash
# lapsd's server benchmarks against nginx, measured in the same run with the
# same load driver (bench/fleet_load), all on loopback:
#   1. signed check-ins per second with 10,000 enrolled devices, p50/p99;
#   2. nginx serving a small static file (the reference);
#   3. idle long-polls held, and lapsd's resident memory per 10,000.
# Usage: scripts/bench-server.sh [seconds per run] [devices] [driver threads]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
devices=${2:-10000}
threads=${3:-4}

build=${OPENLAPS_BENCH_BUILD:-build-bench}
bash scripts/install-deps.sh
bash scripts/build.sh "$build" -DCMAKE_BUILD_TYPE=Release -DOPENLAPS_BUILD_TESTS=OFF

work=$(mktemp -d)
cleanup() {
  [ -n "${lapsd_pid:-}" ] && kill "$lapsd_pid" 2>/dev/null && wait "$lapsd_pid" 2>/dev/null
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=lib/reference-nginx.sh
source scripts/lib/reference-nginx.sh
start_reference_nginx "$work" 18081

./$build/src/server/lapsd --data-dir "$work/lapsd" --port 0 --threads 2 \
  --port-file "$work/port" --log-level warning 2>"$work/lapsd.log" &
lapsd_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
url="http://127.0.0.1:$port"
admin="$work/lapsd/initial-admin.json"

driver=./$build/bench/fleet_load
echo "== check-ins: $devices devices, $threads driver threads, ${seconds}s"
checkin=$($driver checkin --url "$url" --admin-file "$admin" --devices "$devices" \
  --threads "$threads" --seconds "$seconds")
echo "$checkin"
echo "== nginx static file, same driver"
static=$($driver static --url http://127.0.0.1:18081 --target /index.html \
  --threads "$threads" --seconds "$seconds")
echo "$static"
echo "== idle long-polls"
idle=$($driver idle --url "$url" --admin-file "$admin" --devices "$devices" --pid "$lapsd_pid" \
  --threads "$threads")
echo "$idle"

python3 - "$checkin" "$static" "$idle" <<'PY'
import json, sys
c, s, i = (json.loads(x) for x in sys.argv[1:4])
print(f"check-ins/s {c['rps']:.0f} vs nginx {s['rps']:.0f}: ratio {c['rps']/s['rps']:.3f}")
print(f"p50 {c['p50_us']:.0f} us vs {s['p50_us']:.0f} us; p99 {c['p99_us']:.0f} us vs {s['p99_us']:.0f} us")
print(f"idle long-polls {i['connections']}: {i['kib_per_10k']/1024:.1f} MiB per 10,000")
PY
