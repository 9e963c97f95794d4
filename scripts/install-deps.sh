#!/usr/bin/env bash
# Installs every Debian package OpenLAPS needs to build, test and benchmark.
# Idempotent: apt-get skips what is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format clang-tidy-16
  clang libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsodium-dev libssl-dev libcrypt-dev openssl
  nlohmann-json3-dev libboost-dev libtomlplusplus-dev
  libsqlite3-dev sqlite3
  libpq-dev postgresql
  libldap-dev libkrb5-dev libsasl2-dev libsasl2-modules-gssapi-mit
  samba samba-ad-dc samba-ad-provision winbind ldb-tools ldap-utils krb5-user iproute2
  curl wrk nginx-light
  chromium
)
# The browser tests need Node.js and npm; a machine that already has them (for
# example from NodeSource) keeps its own, as Debian's npm would replace them.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
