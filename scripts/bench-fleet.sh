#!/usr/bin/env bash
# lapsd at fleet scale with bench/fleet_sim, against nginx in the same run,
# all on loopback (figures are ratios to nginx; see docs/performance.md):
#   1. nginx serving a 512-byte static file (the reference), same driver;
#   2. steady check-ins per second over the whole enrolled fleet;
#   3. nginx again, so the reference brackets the measurement;
#   4. a policy-change burst: L parked long-polls (lapsd's RSS per 10,000),
#      a policy change assigned to the fleet (lapsd wakes the parked ones),
#      then every device checks in once while an admin asks for rotations
#      of parked devices, each timed until the agent reports it done.
# The fleet is enrolled once into $OPENLAPS_FLEET_DIR (lapsd's data dir and
# the simulator's fleet file) and reused by later runs.
#
# Usage: scripts/bench-fleet.sh [devices] [seconds] [long-polls] [rotations] [concurrency]
# Environment: OPENLAPS_BENCH_BUILD (build dir, default build-bench; configured
# Release if new), OPENLAPS_FLEET_DIR (default /var/tmp/openlaps-fleet-DEVICES,
# with -pg on PostgreSQL), OPENLAPS_LAPSD_ARGS (extra lapsd flags),
# OPENLAPS_SKIP_DEPS=1 (do not run install-deps.sh), OPENLAPS_BENCH_PG=1
# (lapsd on a PostgreSQL cluster of its own in FLEET_DIR.pg, with durable
# settings: fsync and synchronous_commit on; kept, like the fleet, for reuse).
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-100000}
seconds=${2:-15}
long_polls=${3:-10000}
rotations=${4:-200}
concurrency=${5:-16}

build=${OPENLAPS_BENCH_BUILD:-build-bench}
pg=${OPENLAPS_BENCH_PG:-0}
store=sqlite
suffix=
if [ "$pg" = 1 ]; then
  store=postgres
  suffix=-pg
fi
fleet_dir=${OPENLAPS_FLEET_DIR:-/var/tmp/openlaps-fleet-$devices$suffix}
read -r -a lapsd_extra <<<"${OPENLAPS_LAPSD_ARGS:-}"
[ "${OPENLAPS_SKIP_DEPS:-0}" = 1 ] || bash scripts/install-deps.sh
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DOPENLAPS_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" -j "${OPENLAPS_JOBS:-2}" --target lapsd fleet_sim >/dev/null
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")

mkdir -p "$fleet_dir"
chmod 700 "$fleet_dir"
work=$(mktemp -d)
pgdata="$fleet_dir.pg"
as_owner=()
if [ "$(id -u)" = 0 ]; then as_owner=(runuser -u "${OPENLAPS_PG_USER:-postgres}" --); fi
cleanup() {
  [ -n "${lapsd_pid:-}" ] && kill "$lapsd_pid" 2>/dev/null && wait "$lapsd_pid" 2>/dev/null
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  [ -f "$pgdata/postmaster.pid" ] && "${as_owner[@]}" "$pgbin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$pg" = 1 ]; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [ ! -d "$pgdata" ]; then
    mkdir -p "$pgdata"
    if [ "$(id -u)" = 0 ]; then chown "${OPENLAPS_PG_USER:-postgres}" "$pgdata"; fi
    "${as_owner[@]}" "$pgbin/initdb" -D "$pgdata" -U openlaps --auth=trust -E UTF8 \
      --locale=C.UTF-8 >/dev/null
  fi
  pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${as_owner[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pgport -k $pgdata -c max_connections=100 \
        -c shared_buffers=256MB" start >/dev/null
  "${as_owner[@]}" "$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U openlaps -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'openlaps'" | grep -q 1 ||
    "${as_owner[@]}" "$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U openlaps openlaps
  lapsd_extra+=(--database-url "postgresql://openlaps@127.0.0.1:$pgport/openlaps")
fi

# shellcheck source=lib/reference-nginx.sh
source scripts/lib/reference-nginx.sh
start_reference_nginx "$work" 18091

./$build/src/server/lapsd --data-dir "$fleet_dir/lapsd" --port 0 --threads 2 \
  --port-file "$work/port" --log-level warning --long-poll-max 900 "${lapsd_extra[@]}" \
  2>"$work/lapsd.log" &
lapsd_pid=$!
for _ in $(seq 300); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { cat "$work/lapsd.log"; exit 1; }
url="http://127.0.0.1:$(cat "$work/port")"
admin="$fleet_dir/lapsd/initial-admin.json"
fleet="$fleet_dir/fleet.jsonl"
sim=./$build/bench/fleet_sim
# Every run's raw JSON stays with the fleet, also when a step fails.
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$fleet_dir/run-$stamp"
mkdir -p "$out"

echo "== $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), build $build_type, store $store"
if [ ! -s "$fleet" ]; then
  echo "== enrolling $devices devices once into $fleet_dir"
  $sim --url "$url" --admin-file "$admin" --fleet-file "$fleet" --devices "$devices" \
    --concurrency "$concurrency" --duration 1 --json >"$work/enroll.json" || true
  python3 - "$work/enroll.json" <<'PY' | tee "$fleet_dir/enrollment.txt"
import json, sys
r = json.load(open(sys.argv[1]))
print(f"enrolled {r['enrolled']} devices in {r['enrollSeconds']:.0f} s "
      f"({r['enrolled'] / r['enrollSeconds']:.0f}/s), errors {r['errors']}")
PY
else
  cat "$fleet_dir/enrollment.txt" 2>/dev/null || true
fi

echo "== nginx static file, ${seconds}s, $concurrency connections"
$sim --url http://127.0.0.1:18091 --static /index.html --duration "$seconds" \
  --concurrency "$concurrency" --json >"$out/static1.json"
echo "== check-ins over $devices devices, ${seconds}s, $concurrency connections"
$sim --url "$url" --fleet-file "$fleet" --devices "$devices" --duration "$seconds" \
  --concurrency "$concurrency" --json >"$out/checkin.json" || true
echo "== nginx again"
$sim --url http://127.0.0.1:18091 --static /index.html --duration "$seconds" \
  --concurrency "$concurrency" --json >"$out/static2.json"
echo "== burst: $long_polls long-polls parked, a policy change, $devices check-ins, rotations"
$sim --url "$url" --admin-file "$admin" --fleet-file "$fleet" --devices "$devices" \
  --long-polls "$long_polls" --policy-change --checkins-per-device 1 --duration 300 \
  --rotations "$rotations" --rotation-interval-ms 100 --concurrency "$concurrency" \
  --lapsd-pid "$lapsd_pid" --json >"$out/burst.json" || true
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$out" "$out/results.json" <<'PY'
import json, sys
work, out = sys.argv[1], sys.argv[2]
r = {k: json.load(open(f"{work}/{k}.json")) for k in ("static1", "checkin", "static2", "burst")}
json.dump(r, open(out, "w"), indent=1)
def op(run, name):
    for o in run["load"]:
        if o["op"] == name:
            return o
    return {"count": 0, "errors": 0, "perSecond": 0, "p50Ms": 0, "p90Ms": 0, "p99Ms": 0, "maxMs": 0}
ref = (op(r["static1"], "static-get")["perSecond"] + op(r["static2"], "static-get")["perSecond"]) / 2
s = op(r["static1"], "static-get")
print(f"nginx GETs/s {op(r['static1'], 'static-get')['perSecond']:.0f} and "
      f"{op(r['static2'], 'static-get')['perSecond']:.0f} (mean {ref:.0f}); "
      f"p50 {s['p50Ms']:.2f} ms p99 {s['p99Ms']:.2f} ms")
c, cs = op(r["checkin"], "checkin"), op(r["checkin"], "session")
w = r["checkin"]["windowSeconds"]
print(f"check-ins/s {c['perSecond']:.0f} (ratio {c['perSecond'] / ref:.3f}), with {cs['count']} "
      f"sessions opened; all device requests/s {(c['count'] + cs['count']) / w:.0f} "
      f"(ratio {(c['count'] + cs['count']) / w / ref:.3f}); check-in p50 {c['p50Ms']:.2f} "
      f"p90 {c['p90Ms']:.2f} p99 {c['p99Ms']:.2f} max {c['maxMs']:.1f} ms")
b = r["burst"]
bc, bw, bs = op(b, "checkin"), op(b, "checkin-woken"), op(b, "session")
n = bc["count"] + bw["count"]
print(f"burst: {n} check-ins ({bw['count']} woken long-pollers) and {bs['count']} sessions in "
      f"{b['windowSeconds']:.1f} s = {n / b['windowSeconds']:.0f} check-ins/s "
      f"(ratio {n / b['windowSeconds'] / ref:.3f}); check-in p50 {bc['p50Ms']:.2f} "
      f"p99 {bc['p99Ms']:.2f} ms; woken p50 {bw['p50Ms']:.0f} p99 {bw['p99Ms']:.0f} ms")
if b["parked"]:
    per = (b["rssParkedKiB"] - b["rssBeforeParkKiB"]) * 10000 / b["parked"] / 1024
    print(f"long-polls parked {b['parked']}: lapsd RSS {b['rssBeforeParkKiB'] / 1024:.1f} -> "
          f"{b['rssParkedKiB'] / 1024:.1f} MiB, {per:.1f} MiB per 10,000")
rt = op(b, "rotate-to-done")
print(f"rotate-to-done under the burst: {rt['count']} rotations, p50 {rt['p50Ms']:.1f} "
      f"p90 {rt['p90Ms']:.1f} p99 {rt['p99Ms']:.1f} max {rt['maxMs']:.1f} ms")
print(f"errors: check-in run {r['checkin']['errors']}, burst {b['errors']}")
for name in ("checkin", "burst"):
    for o in r[name]["load"] + r[name]["setup"]:
        if o.get("firstError"):
            print(f"  {name} {o['op']}: {o['errors']} errors, first: {o['firstError']}")
print(f"raw results: {out}")
PY
