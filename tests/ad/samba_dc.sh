#!/usr/bin/env bash
# A Samba AD domain controller for the Active Directory tests, in a scratch
# directory, on its own loopback address (no DNS, nothing of the machine's
# own Samba or Kerberos configuration touched). Needs root (provisioning
# chowns sysvol); exits 77 (ctest's skip) without it.
#
#   samba_dc.sh up DIR                  provision, extend the schema, start, wait
#   samba_dc.sh down DIR                stop
#   samba_dc.sh computer DIR NAME       a computer account; its keytab DIR/NAME.keytab
#   samba_dc.sh grant-self DIR NAME     SELF may write its LAPS attributes
#   samba_dc.sh admin-search DIR FILTER ATTR...   LDIF, as Administrator over LDAP
#   samba_dc.sh admin-replace DIR NAME ATTR VALUE as Administrator over LDAP
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
schema_dir=$here/../../packaging/active-directory
command=${1:?usage: samba_dc.sh up|down|computer|grant-self|admin-search|admin-replace DIR ...}
dir=${2:?a scratch directory}
shift 2

# The DC's own loopback address, so its ports (88, 389, 445, ...) clash with
# nothing on 127.0.0.1; where lo cannot take a second address (no
# CAP_NET_ADMIN) `up` falls back to 127.0.0.1 and records which it chose.
own_address=127.0.0.77
address=$(cat "$dir/address" 2>/dev/null || echo "$own_address")
readonly realm=OPENLAPS.TEST
readonly workgroup=OPENLAPS
readonly base_dn=DC=openlaps,DC=test
readonly admin_password='Adm1n-Passw0rd-For-Tests'
conf=$dir/etc/smb.conf
sam=$dir/private/sam.ldb

if [[ $(id -u) != 0 ]]; then
  echo "skipped: provisioning a Samba AD DC needs root (CI runs as root)"
  exit 77
fi

as_admin() { "$@" -H "ldap://$address" --configfile="$conf" -U "Administrator%$admin_password"; }
computer_dn() { echo "CN=$1,CN=Computers,$base_dn"; }

# An attribute's schemaIDGUID, as the DC assigned it.
schema_guid() {
  ldbsearch -H "$sam" --configfile="$conf" -b "CN=Schema,CN=Configuration,$base_dn" \
    "(lDAPDisplayName=$1)" schemaIDGUID | sed -n 's/^schemaIDGUID: //p'
}

# Unfolds LDIF continuation lines, so each attribute is one line.
unfold() { awk 'NR > 1 && /^ / { line = line substr($0, 2); next } { if (NR > 1) print line; line = $0 } END { print line }'; }

wait_for_ldap() {
  local deadline=$((SECONDS + 60))
  until ldbsearch -H "ldap://$address" --configfile="$conf" -U "Administrator%$admin_password" \
    -b "" -s base dnsHostName >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      echo "the DC did not answer LDAP within 60 s" >&2
      tail -30 "$dir/log.samba" >&2 || true
      return 1
    fi
    if ! kill -0 "$(cat "$dir/samba.pid" 2>/dev/null)" 2>/dev/null; then
      echo "samba exited" >&2
      tail -30 "$dir/log.samba" >&2 || true
      return 1
    fi
    sleep 0.2 # polling an external daemon's readiness: nothing to wait on instead
  done
}

up() {
  down 2>/dev/null || true
  rm -rf "$dir"
  mkdir -p "$dir"
  local started=$SECONDS
  # Samba serves only addresses an interface holds.
  address=$own_address
  if ! ip -o addr show dev lo | grep -q " $address/"; then
    if ip addr add "$address/32" dev lo 2>/dev/null; then
      touch "$dir/added-address"
    else
      address=127.0.0.1
      echo "note: lo cannot take $own_address here; the DC listens on $address"
    fi
  fi
  echo "$address" >"$dir/address"
  samba-tool domain provision --targetdir="$dir" --realm=$realm --domain=$workgroup \
    --server-role=dc --dns-backend=NONE --use-rfc2307 --adminpass="$admin_password" \
    --host-name=dc1 --host-ip=$address \
    --option="interfaces=$address" --option="bind interfaces only=yes" \
    --option="log file=$dir/log.%m" --option="max log size=0" \
    --option="ldap server require strong auth=yes" >"$dir/provision.log" 2>&1 ||
    { tail -30 "$dir/provision.log" >&2; return 1; }
  echo "provisioned in $((SECONDS - started)) s"

  # The schema, offline, from the LDIF admins use (packaging/active-directory).
  local ldif part
  for ldif in windows-laps-schema.ldif legacy-laps-schema.ldif; do
    # ldbmodify reloads the schema only between runs, so each part up to a
    # schemaUpdateNow record (which ldifde honours in one run) is one run.
    sed "s/DC=X\$/$base_dn/" "$schema_dir/$ldif" |
      awk -v out="$dir/schema-part-" 'BEGIN { n = 0 }
        /^dn:$/ { skip = 1; n++; next }
        skip && /^$/ { skip = 0; next }
        !skip { print > (out n ".ldif") }'
    for part in "$dir"/schema-part-*.ldif; do
      ldbmodify -H "$sam" --configfile="$conf" --option='dsdb:schema update allowed=true' \
        "$part" >/dev/null
    done
    rm -f "$dir"/schema-part-*.ldif
  done

  # A Kerberos configuration of the test realm only; clients use the name
  # given (no DNS, no reverse lookup), so the LDAP service is ldap/<address>.
  cat >"$dir/krb5.conf" <<EOF
[libdefaults]
  default_realm = $realm
  dns_lookup_kdc = false
  dns_lookup_realm = false
  dns_canonicalize_hostname = false
  rdns = false
[realms]
  $realm = {
    kdc = $address
  }
EOF
  ldbmodify -H "$sam" --configfile="$conf" >/dev/null <<EOF
dn: CN=DC1,OU=Domain Controllers,$base_dn
changetype: modify
add: servicePrincipalName
servicePrincipalName: ldap/$address
EOF

  samba -s "$conf" -i -M single </dev/null >"$dir/log.samba" 2>&1 &
  echo $! >"$dir/samba.pid"
  wait_for_ldap
  cat >"$dir/dc.env" <<EOF
AD_LDAP_URI=ldap://$address
AD_KRB5_CONFIG=$dir/krb5.conf
AD_REALM=$realm
AD_BASE_DN=$base_dn
EOF
  echo "DC up in $((SECONDS - started)) s at ldap://$address"
}

down() {
  local pid
  if pid=$(cat "$dir/samba.pid" 2>/dev/null); then
    kill "$pid" 2>/dev/null || true
    # samba exits on SIGTERM within a second or two; bounded, then forced.
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/samba.pid" "$dir/dc.env"
  if [[ -e $dir/added-address ]]; then
    ip addr del "$own_address/32" dev lo 2>/dev/null || true
    rm -f "$dir/added-address"
  fi
}

computer() {
  local name=${1:?a computer name}
  # Enabled, with a random password of which the keytab holds the keys, as
  # a join (adcli, realm join, net ads join) leaves a machine.
  samba-tool computer create "$name" --prepare-oldjoin -H "$sam" -s "$conf" >/dev/null
  samba-tool user setpassword "$name\$" --random-password -H "$sam" -s "$conf" >/dev/null
  rm -f "$dir/$name.keytab"
  samba-tool domain exportkeytab "$dir/$name.keytab" --principal="$name\$" -s "$conf" >/dev/null
}

# SELF write (and, for the property set that holds the version, read with
# control access, as confidential attributes need) on the computer itself.
self_aces() {
  local attribute
  for attribute in msLAPS-Password msLAPS-PasswordExpirationTime ms-Mcs-AdmPwd \
    ms-Mcs-AdmPwdExpirationTime; do
    echo "(OA;;WP;$(schema_guid "$attribute");;PS)"
  done
  echo "(OA;;RPWPCR;f3531ec6-6330-4f8e-8d39-7a671fbac605;;PS)"
}

grant_self() {
  local name=${1:?a computer name} aces
  aces=$(self_aces | tr -d '\n')
  samba-tool dsacl set --objectdn="$(computer_dn "$name")" --sddl="$aces" -H "$sam" -s "$conf" >/dev/null
}

admin_search() {
  local filter=${1:?an LDAP filter}
  shift
  as_admin ldbsearch -b "$base_dn" "$filter" "$@" | unfold
}

admin_replace() {
  local name=${1:?a computer name} attribute=${2:?an attribute} value=${3?a value}
  as_admin ldbmodify >/dev/null <<EOF
dn: $(computer_dn "$name")
changetype: modify
replace: $attribute
$attribute: $value
EOF
}

case $command in
  up) up ;;
  down) down ;;
  computer) computer "$@" ;;
  grant-self) grant_self "$@" ;;
  admin-search) admin_search "$@" ;;
  admin-replace) admin_replace "$@" ;;
  *) echo "unknown command: $command" >&2; exit 2 ;;
esac
