#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for a bounded
# time on a copy of its seed corpus, two at a time. Prints executions/s and
# coverage per target; exits non-zero on any finding (crash, sanitizer
# report, leak, timeout, out-of-memory), leaving the input that caused it in
# build-fuzz/fuzz-work/<target>/ and naming it.
# Usage: scripts/fuzz.sh [seconds per target (30)] [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
jobs=${OPENLAPS_JOBS:-2}

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DOPENLAPS_FUZZ=ON -DOPENLAPS_BUILD_TESTS=OFF -DOPENLAPS_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j "$jobs" --target fuzzers
# Past findings and the seeds first: each replayed once.
(cd build-fuzz && ctest --output-on-failure -j "$jobs" -L fuzz)

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in build-fuzz/fuzz/*_fuzzer; do targets+=("$(basename "$f" _fuzzer)"); done
fi

# Longest input per target: JSON documents and settings need room, the rest
# are short lines.
max_len() {
  case $1 in
    intune_settings) echo 16384 ;;
    bounded_json | policy_json | device_fields | agent_files | odata_query) echo 4096 ;;
    *) echo 1024 ;;
  esac
}

work=build-fuzz/fuzz-work
rm -rf "$work"
run_one() {
  local name=$1 dir=$work/$1
  mkdir -p "$dir/corpus"
  cp fuzz/corpus/"$name"/* "$dir/corpus/"
  # -close_fd_mask=1: the targets' stdout is noise; libFuzzer reports on stderr.
  if ./build-fuzz/fuzz/"$name"_fuzzer "$dir/corpus" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len="$(max_len "$name")" -print_final_stats=1 \
    -artifact_prefix="$dir/" -close_fd_mask=1 >"$dir/log" 2>&1; then
    echo ok >"$dir/result"
  else
    echo failed >"$dir/result"
  fi
}

running=0
for name in "${targets[@]}"; do
  run_one "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

status=0
printf '%-18s %10s %8s %8s %8s\n' target execs exec/s cov ft
for name in "${targets[@]}"; do
  dir=$work/$name
  done_line=$(grep -E '^#[0-9]+\s+DONE' "$dir/log" | tail -1 || true)
  execs=$(grep -oE 'stat::number_of_executed_units:\s+[0-9]+' "$dir/log" | grep -oE '[0-9]+$' || echo '?')
  rate=$(grep -oE 'stat::average_exec_per_sec:\s+[0-9]+' "$dir/log" | grep -oE '[0-9]+$' || echo '?')
  cov=$(grep -oE 'cov: [0-9]+' <<<"$done_line" | grep -oE '[0-9]+' || echo '?')
  ft=$(grep -oE 'ft: [0-9]+' <<<"$done_line" | grep -oE '[0-9]+' || echo '?')
  printf '%-18s %10s %8s %8s %8s\n' "$name" "$execs" "$rate" "$cov" "$ft"
  if [ "$(cat "$dir/result")" != ok ]; then
    status=1
    echo "FINDING in $name:" >&2
    grep -E 'ERROR|SUMMARY|Test unit written|deadly signal' "$dir/log" | head -20 >&2
    ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* 2>/dev/null >&2 || true
  fi
done
exit "$status"
