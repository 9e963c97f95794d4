#!/usr/bin/env bash
# Checks what `cmake --install BUILD_DIR --prefix /usr` lays out (with
# DESTDIR into a temporary directory): exactly the expected files, binaries
# executable, units and data 0644, nothing setuid, and the paths the units
# and the PAM hook run exist in the tree. Any extra file (a test binary, a
# benchmark, the demo) fails the test.
# Usage: install_layout_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

source_dir=$1
build_dir=$2
destdir=$(mktemp -d "${TMPDIR:-/tmp}/openlaps-install.XXXXXX")
trap 'rm -rf "$destdir"' EXIT

fail() {
  echo "install_layout_test: $*" >&2
  exit 1
}

# Files get their modes from the rules; directories CMake creates with the
# installer's umask, so give it the usual one (dpkg-deb normalises them too).
umask 022
DESTDIR=$destdir cmake --install "$build_dir" --prefix /usr >/dev/null

# path mode, one a line: the whole installed tree (files only).
expected=$(
  {
    echo "usr/bin/lapsctl 755"
    echo "usr/sbin/lapsd 755"
    echo "usr/sbin/laps-agent 755"
    echo "usr/lib/systemd/system/lapsd.service 644"
    echo "usr/lib/systemd/system/laps-agent.service 644"
    echo "usr/share/doc/openlaps/examples/lapsd.toml 644"
    echo "usr/share/doc/openlaps/examples/pam-laps-agent 644"
    for doc in "$source_dir"/docs/*.md; do
      echo "usr/share/doc/openlaps/$(basename "$doc") 644"
    done
  } | LC_ALL=C sort
)
actual=$(cd "$destdir" && find . -mindepth 1 ! -type d -printf '%P %m\n' | LC_ALL=C sort)
if [[ "$actual" != "$expected" ]]; then
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  fail "installed tree differs from the expected layout (< expected, > installed)"
fi

# Only regular files: no symlink or device may sneak in; directories 0755.
if [[ -n $(find "$destdir" -mindepth 1 ! -type f ! -type d) ]]; then
  fail "non-regular files installed"
fi
while read -r dir; do
  mode=$(stat -c '%a' "$dir")
  [[ $mode == 755 ]] || fail "directory ${dir#"$destdir"} has mode $mode, not 755"
done < <(find "$destdir" -mindepth 1 -type d)

# The installed binaries are the real ones: ELF executables.
for bin in usr/bin/lapsctl usr/sbin/lapsd usr/sbin/laps-agent; do
  [[ $(head -c 4 "$destdir/$bin" | od -An -c | tr -d ' ') == '177ELF' ]] ||
    fail "$bin is not an ELF executable"
done

# ExecStart= of each unit and the PAM hook's command name installed binaries.
check_runs_installed() {
  local what=$1 path=$2
  [[ $path == /* ]] || fail "$what runs '$path', not an absolute path"
  [[ -f $destdir$path && -x $destdir$path ]] || fail "$what runs $path, which is not installed"
}
for unit in lapsd.service laps-agent.service; do
  exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$destdir/usr/lib/systemd/system/$unit")
  [[ -n $exec_start ]] || fail "$unit has no ExecStart="
  check_runs_installed "$unit" "$exec_start"
done
pam_command=$(sed -n 's/^session .*pam_exec\.so quiet \([^ ]*\).*/\1/p' \
  "$destdir/usr/share/doc/openlaps/examples/pam-laps-agent")
[[ -n $pam_command ]] || fail "pam-laps-agent has no pam_exec line"
check_runs_installed pam-laps-agent "$pam_command"

echo "install_layout_test: $(wc -l <<<"$actual") files as expected"
