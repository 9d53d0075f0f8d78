#!/usr/bin/env bash
# Installs what RankLens needs, idempotently: Node packages (npm ci), the starter models, and with
# --test the test-only system packages (Debian's Chromium for Playwright). PostgreSQL 15 + pgvector
# for the integration tests are installed by scripts/pg-test-server.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "[install] $*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  log "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))."
  exit 1
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing Node packages (npm ci)"
  npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "--test" ]; then
  # Chromium for the browser tests, and fonts so that Japanese text renders (not as tofu boxes).
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
  dpkg -s fonts-liberation >/dev/null 2>&1 || missing+=(fonts-liberation)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
      log "missing ${missing[*]}: run 'apt-get install -y ${missing[*]}' as root."
      exit 1
    fi
    log "installing ${missing[*]} for the browser tests"
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

npm run --silent models:build
