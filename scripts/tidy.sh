#!/usr/bin/env bash
# clang-tidy with the checks in .clang-tidy over the project's own C++
# sources, compiled as BUILD_DIR's compile_commands.json says. Usage:
#   scripts/tidy.sh BUILD_DIR          the .cpp files changed since the merge base
#                                      with origin/main (HEAD~1 when nothing is
#                                      ahead of it), uncommitted ones, and the
#                                      .cpp beside a changed .h
#   scripts/tidy.sh BUILD_DIR --all    every .cpp in the build
# OPENLAPS_TIDY_BASE=COMMIT checks what changed since COMMIT instead.
# Exits non-zero on any finding. Uses Debian's clang-tidy-16: clang 14 cannot
# parse libstdc++ 12's coroutines, which lapsd's handlers are.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/tidy.sh BUILD_DIR [--all]}
mode=${2:-changed}
tidy=${CLANG_TIDY:-clang-tidy-16}
command -v "$tidy" >/dev/null || { echo "tidy: $tidy is missing (scripts/install-deps.sh)" >&2; exit 1; }
db="$build/compile_commands.json"
[[ -f $db ]] || { echo "tidy: $db is missing; configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON" >&2; exit 1; }

# The project's translation units in the build, generated sources aside.
all_units() {
  python3 -c 'import json,os,sys
root=os.getcwd()+"/"
for f in sorted({e["file"] for e in json.load(open(sys.argv[1]))}):
    if f.startswith(root) and f[len(root):].split("/")[0] in ("src","tests","bench","fuzz"):
        print(f[len(root):])' "$db"
}

changed_files() {
  local base head
  head=$(git rev-parse HEAD)
  base=${OPENLAPS_TIDY_BASE:-$(git merge-base HEAD origin/main 2>/dev/null || true)}
  # Nothing ahead of origin/main (a fresh clone in CI): the last commit.
  if [[ -z $base || $base == "$head" ]]; then base=$(git rev-parse -q --verify HEAD~1 || true); fi
  { [[ -n $base ]] && git diff --name-only "$base"; git diff --name-only HEAD; git ls-files --others --exclude-standard; } |
    sort -u
}

mapfile -t units < <(all_units)
if [[ $mode != --all ]]; then
  mapfile -t changed < <(changed_files | sed -E 's/\.h$/.cpp/' | sort -u)
  mapfile -t units < <(comm -12 <(printf '%s\n' "${units[@]}") <(printf '%s\n' "${changed[@]}"))
fi
if ((${#units[@]} == 0)); then
  echo "tidy: no changed sources to check"
  exit 0
fi
echo "tidy: checking ${#units[@]} files with $tidy"
# Boost 1.74's Asio looks for clang's old coroutines TS; clang 16 has C++20's.
printf '%s\n' "${units[@]}" |
  xargs -P "${TIDY_JOBS:-2}" -n 4 "$tidy" -p "$build" --quiet \
    --extra-arg=-Wno-unknown-warning-option \
    --extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 --extra-arg=-DBOOST_ASIO_HAS_STD_COROUTINE=1 \
    2> >(grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter' >&2)
echo "tidy: clean"
