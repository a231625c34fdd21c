#!/usr/bin/env bash
# Installs what the tests, benchmarks and demo need, and only what is missing: redis-server,
# redis-tools, memcached, libmemcached-tools (memcaslap, memccat), Debian's nutcracker (the reference
# the compatibility tests compare against) and python3-redis via apt-get; then the npm packages.
# Safe to run again: it does nothing when everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(redis-server redis-tools memcached libmemcached-tools nutcracker python3-redis)
# Services some of these packages start on install: the tests never use their ports, but the demo
# wants 22121/22122/22222, which a running nutcracker service would hold.
SERVICES=(redis-server memcached nutcracker)

log() { printf 'install-deps: %s\n' "$*" >&2; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "need root to run: $*"; return 1
  fi
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    installed "$pkg" || missing+=("$pkg")
  done
else
  # Not Debian/Ubuntu: check for the programs instead and say what to install.
  for bin in redis-server redis-cli memcached nutcracker; do
    command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || [ -x "/usr/local/sbin/$bin" ] || missing+=("$bin")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "no apt-get here; please install: ${missing[*]}"
    exit 1
  fi
fi

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update
  as_root apt-get install -y --no-install-recommends "${missing[@]}"
  # Stop only the services of packages installed just now; a service the user already ran stays up.
  for svc in "${SERVICES[@]}"; do
    case " ${missing[*]} " in *" $svc "*) ;; *) continue ;; esac
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
      as_root systemctl stop "$svc" || true
    elif command -v service >/dev/null 2>&1; then
      as_root service "$svc" stop >/dev/null 2>&1 || true
    fi
  done
else
  log "system packages already installed"
fi

if ! command -v node >/dev/null 2>&1; then
  log "Node.js 20 or newer is required (https://nodejs.org/); it is not on PATH"
  exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  log "Node.js 20 or newer is required; found $(node -v)"
  exit 1
fi

# npm ci wipes node_modules; skip it when the installed tree already matches the lockfile.
if [ -f package-lock.json ]; then
  if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
     && [ node_modules/.package-lock.json -nt package.json ]; then
    log "npm packages up to date"
  else
    npm ci --no-audit --no-fund
  fi
else
  npm install --no-audit --no-fund
fi
