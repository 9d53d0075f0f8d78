#!/usr/bin/env bash
# A throwaway PostgreSQL 15 + pgvector cluster for the integration tests.
#
#   bash scripts/pg-test-server.sh start [DIR] [PORT]   install if missing, start, print DATABASE_URL
#   bash scripts/pg-test-server.sh stop  [DIR]          stop the cluster (the data dir is kept)
#   bash scripts/pg-test-server.sh url   [DIR] [PORT]   print DATABASE_URL
#
# Idempotent: every step checks before it acts. Installing needs root (apt-get); the server itself runs
# as the postgres user because PostgreSQL refuses to run as root. Debian bookworm has no pgvector
# package for PostgreSQL 15, so pgvector is built from Debian trixie's source package.
# DIR and PORT may also come from PG_TEST_DIR / PG_TEST_PORT.
set -euo pipefail

CMD="${1:-start}"
DIR="${2:-${PG_TEST_DIR:-/tmp/ranklens-pg}}"
PORT="${3:-${PG_TEST_PORT:-54329}}"
DB_NAME="ranklens_test"
PG_BIN="/usr/lib/postgresql/15/bin"
PG_CONFIG="$PG_BIN/pg_config"

log() { echo "[pg-test-server] $*" >&2; }

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  elif [ "$(id -un)" = "postgres" ]; then
    "$@"
  else
    sudo -u postgres -- "$@"
  fi
}

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    log "$1 needs root (apt-get); run this script as root or install it yourself."
    exit 1
  fi
}

pgvector_installed() {
  [ -x "$PG_CONFIG" ] || return 1
  local sharedir
  sharedir="$("$PG_CONFIG" --sharedir)"
  [ -f "$sharedir/extension/vector.control" ] && [ -f "$("$PG_CONFIG" --pkglibdir)/vector.so" ]
}

install_postgres() {
  local missing=()
  [ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15)
  # pg_config ships with the client package; the server headers and PGXS come with server-dev.
  [ -f /usr/include/postgresql/15/server/postgres.h ] || missing+=(postgresql-server-dev-15)
  command -v make >/dev/null || missing+=(make)
  command -v gcc >/dev/null || missing+=(gcc)
  command -v dpkg-source >/dev/null || missing+=(dpkg-dev)
  if [ ${#missing[@]} -gt 0 ]; then
    need_root "Installing ${missing[*]}"
    log "installing ${missing[*]}"
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends \
      "${missing[@]}" build-essential ca-certificates >/dev/null
  fi
  # Debian's package creates a default cluster and may start it; we only use our own.
  id postgres >/dev/null 2>&1 || { log "user postgres is missing after install"; exit 1; }
}

install_pgvector() {
  pgvector_installed && return 0
  need_root "Building pgvector"
  local src=/etc/apt/sources.list.d/trixie-src.sources
  if [ ! -f "$src" ]; then
    log "adding deb-src for Debian trixie ($src)"
    cat >"$src" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt-get -o DPkg::Lock::Timeout=900 update -qq
  fi
  local tmp
  tmp="$(mktemp -d)"
  log "building pgvector from Debian trixie sources in $tmp"
  (
    cd "$tmp"
    apt-get source -qq pgvector >/dev/null 2>&1 || {
      # The source index may be stale if the file existed but update never ran.
      apt-get -o DPkg::Lock::Timeout=900 update -qq && apt-get source -qq pgvector >/dev/null
    }
    cd "$(find . -maxdepth 1 -type d -name 'pgvector-*' | head -n1)"
    # OPTFLAGS="" avoids -march=native so the build runs on any CPU of this architecture.
    make -s PG_CONFIG="$PG_CONFIG" OPTFLAGS="" >/dev/null
    make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
  )
  rm -rf "$tmp"
  pgvector_installed || { log "pgvector build finished but vector.control/vector.so not found"; exit 1; }
  log "pgvector installed"
}

url() { echo "postgres://postgres@127.0.0.1:$PORT/$DB_NAME"; }

running() { [ -f "$DIR/postmaster.pid" ] && as_postgres "$PG_BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; }

start() {
  install_postgres
  install_pgvector
  if [ ! -f "$DIR/PG_VERSION" ]; then
    log "initialising cluster in $DIR"
    mkdir -p "$DIR"
    chown postgres:postgres "$DIR" 2>/dev/null || true
    chmod 700 "$DIR"
    as_postgres "$PG_BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! running; then
    log "starting on 127.0.0.1:$PORT"
    # The socket goes into the data dir so no system directory (/var/run/postgresql) is needed.
    as_postgres "$PG_BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
      -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null
  fi
  if ! as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
    as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB_NAME"
  fi
  url
}

stop() {
  if running; then
    as_postgres "$PG_BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null
    log "stopped"
  else
    log "not running"
  fi
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *)
    echo "usage: bash scripts/pg-test-server.sh start|stop|url [DIR] [PORT]" >&2
    exit 2
    ;;
esac
