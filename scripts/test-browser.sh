#!/usr/bin/env bash
# Runs the web console's browser tests (tests/browser) in headless Chromium
# against the lapsd and laps-agent of a build tree. Usage:
#   scripts/test-browser.sh BUILD_DIR
# Installs the pinned playwright-core with `npm ci` (no browser download: the
# tests drive Debian's /usr/bin/chromium). Screenshots go to
# artifacts/screenshots/. Exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/test-browser.sh BUILD_DIR}
build=$(cd "$build" && pwd)
export LAPSD=${LAPSD:-$build/src/server/lapsd}
export LAPS_AGENT=${LAPS_AGENT:-$build/src/agent/laps-agent}
for binary in "$LAPSD" "$LAPS_AGENT"; do
  [[ -x $binary ]] || { echo "test-browser: $binary is missing; build lapsd and laps-agent first" >&2; exit 1; }
done
[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || { echo "test-browser: chromium is missing (scripts/install-deps.sh)" >&2; exit 1; }
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
cd tests/browser
node --test --test-concurrency=1 --test-reporter=spec console.test.js module_graph.test.js
