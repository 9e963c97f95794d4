#!/usr/bin/env bash
# Where one signed check-in's instructions go, on SQLite or PostgreSQL:
# lapsd (one I/O thread) runs under callgrind, whose instruction counts stay
# put on a noisy machine, while bench/fleet_load checks 20 devices in, twice
# (SHORT and LONG seconds). Dividing the difference of the two runs' counts
# by the difference of their check-ins removes start-up and enrollment, so
# each row is instructions per check-in, inclusive of what the function
# calls. PostgreSQL's own server work is not counted, only lapsd's side.
# Usage: scripts/profile-checkin.sh [sqlite|postgres] [SHORT] [LONG]
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:-sqlite}
short=${2:-8}
long=${3:-20}
build=${OPENLAPS_PROFILE_BUILD:-build}

if [[ $store == postgres && -z ${OPENLAPS_TEST_PG_URL:-} ]]; then
  exec bash scripts/with-postgres.sh bash "$0" "$@"
fi
for tool in valgrind callgrind_annotate; do
  command -v $tool >/dev/null || { echo "profile-checkin: $tool is missing (apt-get install valgrind)" >&2; exit 1; }
done
[[ -x $build/src/server/lapsd && -x $build/bench/fleet_load ]] ||
  { echo "profile-checkin: build lapsd and fleet_load in $build first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# profile NAME SECONDS: prints the number of check-ins; leaves NAME/incl.txt.
profile() {
  local name=$1 seconds=$2 dir=$work/$1 database=()
  mkdir -p "$dir"
  if [[ $store == postgres ]]; then
    psql -q "$OPENLAPS_TEST_PG_URL" -c "CREATE DATABASE profile_$name" >/dev/null
    database=(--database-url "${OPENLAPS_TEST_PG_URL%/*}/profile_$name")
  fi
  valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" \
    "$build/src/server/lapsd" --data-dir "$dir/data" --port 0 --threads 1 \
    --port-file "$dir/port" --log-level warning "${database[@]}" 2>"$dir/lapsd.log" &
  local pid=$!
  for _ in $(seq 600); do [[ -s $dir/port ]] && break; sleep 0.1; done
  "$build/bench/fleet_load" checkin --url "http://127.0.0.1:$(cat "$dir/port")" \
    --admin-file "$dir/data/initial-admin.json" --devices 20 --threads 1 \
    --seconds "$seconds" >"$dir/load.json"
  kill "$pid"
  wait "$pid" || true
  callgrind_annotate --inclusive=yes --threshold=100 "$dir/callgrind.out" >"$dir/incl.txt"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$dir/load.json"
}

n_short=$(profile short "$short")
n_long=$(profile long "$long")
python3 - "$work" "$n_short" "$n_long" "$store" <<'PY'
import re, sys
work, n_short, n_long, store = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
# The rows: a label and a pattern for the function's own line (not a call
# edge) in callgrind_annotate's inclusive listing.
ROWS = [
    ("lapsd in all", r"PROGRAM TOTALS"),
    ("device authentication", r"LapsServer::AuthenticateDevice\("),
    ("  nonce write (RememberNonce)", r"SqlStore::RememberNonce\("),
    ("  device lookup (GetDeviceByGuid)", r"SqlStore::GetDeviceByGuid\("),
    ("check-in handler (DeviceApi::Checkin)", r"DeviceApi::Checkin\("),
    ("  check-in write (RecordCheckin)", r"SqlStore::RecordCheckin\("),
    ("  answer (CheckinAnswerFor)", r"DeviceApi::CheckinAnswerFor\("),
    ("    policy resolution (ResolveFor)", r"ServerContext::ResolveFor\("),
    ("    pending actions", r"SqlStore::ListOutstandingActions\("),
    ("  JSON answer (CheckinAnswer::ToJson)", r"CheckinAnswer::ToJson"),
    ("all SQLite statements (sqlite3_step)", r"(^|:)sqlite3_step \["),
    ("all libpq round trips (PQexecPrepared)", r"(^|:)PQexecPrepared \["),
    ("all malloc", r"(^|:)malloc \["),
]
def load(name):
    counts = {}
    for line in open(f"{work}/{name}/incl.txt"):
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+\*?\s*(.*)$", line)
        if not m or re.search(r"\(\d[\d,]*x\)$", m.group(2)):
            continue  # a call edge, counted at its function's own line
        counts.setdefault(m.group(2), int(m.group(1).replace(",", "")))
    return counts
a, b = load("short"), load("long")
def per_checkin(pattern):
    total = 0
    for name in b:
        if re.search(pattern, name):
            total += b[name] - a.get(name, 0)
            if pattern != r"PROGRAM TOTALS":
                break  # the first (largest) match: one function
    return total / (n_long - n_short)
print(f"{store}: {n_short} and {n_long} check-ins; instructions per check-in, inclusive")
print(f"| {'where':44} | {'instructions':>12} | {'share':>6} |")
print(f"|{'-'*46}|{'-'*14}|{'-'*8}|")
whole = per_checkin(ROWS[0][1])
def row(label, value):
    print(f"| {label:44} | {value:12,.0f} | {value / whole:6.1%} |")
for label, pattern in ROWS:
    value = per_checkin(pattern)
    if value > 0:
        row(label, value)
# Coroutine resumptions hide the transport from the call graph: the rest is
# HTTP reading and writing and Asio's scheduling.
row("the rest (HTTP, Asio)",
    whole - per_checkin(r"LapsServer::AuthenticateDevice\(") - per_checkin(r"DeviceApi::Checkin\("))
PY
