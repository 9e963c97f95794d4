#!/usr/bin/env bash
# Runs CMD with a throw-away PostgreSQL cluster: initdb in a temporary
# directory, a server on a free local port with its unix socket in that
# directory, OPENLAPS_TEST_PG_URL pointing at it, and the cluster stopped and
# removed afterwards, also when CMD fails or the script is interrupted.
# Usage: scripts/with-postgres.sh CMD [ARGS...]
# As root (CI), initdb and postgres run as the unprivileged user
# ${OPENLAPS_PG_USER:-postgres}, since they refuse to run as root.
set -euo pipefail
[[ $# -gt 0 ]] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }

find_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true
}
bindir=${OPENLAPS_PG_BINDIR:-$(find_bindir)}
if [[ ! -x $bindir/initdb ]]; then
  # Debian's packages, as for everything else the build needs.
  bash "$(dirname "$0")/install-deps.sh"
  bindir=$(find_bindir)
fi
[[ -x $bindir/initdb ]] || { echo "with-postgres: no PostgreSQL server found (apt-get install postgresql)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/openlaps-pg.XXXXXX)
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  owner=${OPENLAPS_PG_USER:-postgres}
  chown "$owner" "$tmp"
  as_owner=(runuser -u "$owner" --)
fi

cleanup() {
  local rc=$?
  if [[ -f $tmp/data/postmaster.pid ]]; then
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${as_owner[@]}" "$bindir/initdb" -D "$tmp/data" -U openlaps --auth=trust -E UTF8 \
  --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }
# Durability is not under test here: fsync off makes CREATE DATABASE per
# test cheap. Enough connections for several lapsd pools at once. The port
# is a random one from the dynamic range; another is tried when it is taken.
started=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
  port=$((49152 + RANDOM % 16000))
  if "${as_owner[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c max_connections=300 -c log_checkpoints=off" \
    start >/dev/null; then
    started=yes
    break
  fi
done
[[ -n $started ]] || { cat "$tmp/server.log" >&2; exit 1; }

export OPENLAPS_TEST_PG_URL="postgresql://openlaps@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on port $port"
# In the background, so a TERM to this script (a CI timeout) is handled at
# once: the command is stopped, then the cluster.
set +e
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 130' INT TERM
wait "$child"
rc=$?
set -e
if [[ $rc -ne 0 && -f $tmp/server.log ]]; then
  echo "with-postgres: the command failed ($rc); last server log lines:" >&2
  tail -n 20 "$tmp/server.log" >&2
fi
exit "$rc"
