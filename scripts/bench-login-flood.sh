#!/usr/bin/env bash
# Sign-in flood vs. everything else: /healthz p50/p99 on a quiet lapsd, then
# while N connections post wrong passwords as fast as they can, measured in
# the same run by bench/login_flood. The lockouts are lifted for the run so
# every attempt costs a real Argon2id check (the worst case: a flood of
# distinct sources); Argon2id runs on lapsd's bounded password pool, so the
# I/O threads answer /healthz meanwhile and a full pool answers 503 at once.
# Usage: scripts/bench-login-flood.sh [seconds per phase] [flood connections]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-8}

build=${OPENLAPS_BENCH_BUILD:-build-bench}
if [ -z "${OPENLAPS_BENCH_NO_BUILD:-}" ]; then
  bash scripts/install-deps.sh
  bash scripts/build.sh "$build" -DCMAKE_BUILD_TYPE=Release -DOPENLAPS_BUILD_TESTS=OFF
fi

work=$(mktemp -d)
cleanup() {
  [ -n "${lapsd_pid:-}" ] && kill "$lapsd_pid" 2>/dev/null && wait "$lapsd_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

./$build/src/server/lapsd --data-dir "$work/lapsd" --port 0 --threads 2 \
  --sign-in-max-failures 1000000 --sign-in-source-max-failures 1000000 \
  --port-file "$work/port" --log-level warning 2>"$work/lapsd.log" &
lapsd_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")"

echo "== /healthz alone, then under a flood of wrong sign-ins ($connections connections, ${seconds}s each)"
result=$(./$build/bench/login_flood --url "$url" --user admin --connections "$connections" \
  --seconds "$seconds")
echo "$result"
python3 - "$result" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
q, f = r["healthz_quiet"], r["healthz_flood"]
print(f"/healthz quiet: p50 {q['p50_us']/1000:.2f} ms, p99 {q['p99_us']/1000:.2f} ms ({q['samples']} samples)")
print(f"/healthz flood: p50 {f['p50_us']/1000:.2f} ms, p99 {f['p99_us']/1000:.2f} ms ({f['samples']} samples)")
print(f"sign-in attempts {r['login_attempts_per_s']:.0f}/s, answers {r['login_statuses']}")
PY
