#!/usr/bin/env bash
# RankLens scaled out on one machine: M reranker workers and N app instances (`next start`) sharing one
# database, started with the same commands and environment each would get on machines of its own.
#
#   DATABASE_URL=postgres://… bash scripts/scale-out.sh [--apps 2] [--workers 2] [--port 3000]
#                                                      [--worker-port 3101] [--dir DIR] [--timeout 240]
#
# Workers listen on --worker-port, +1, …; apps on --port, +1, …; every app gets RERANKER_URL listing every
# worker (round-robin with failover, lib/rerank/client.ts). Without DATABASE_URL only one app may run
# (PGlite under PGLITE_DIR is one process's). Migrations run once before the apps start: instances racing
# to migrate an empty database would collide. Everything else (AUTH_MODE, APP_URL, ADMIN_EMAIL,
# ADMIN_PASSWORD, AUTH_SECRET, WORKER_TOKEN, RATE_LIMIT_*, …) comes from the environment and is the same
# for every process; AUTH_SECRET unset means the one generated in the database, shared by all instances.
# Needs a build (`npm run build`; NEXT_DIST_DIR names its directory).
#
# Writes DIR/worker-<i>.{pid,log} and DIR/app-<i>.{pid,log}, prints `ready <app URLs>` on stdout once every
# process answers, then stays in the foreground; SIGTERM or Ctrl-C stops them all. A process that dies is
# not restarted (the scale-out test kills a worker on purpose); exit 1 if any dies before ready.
set -uo pipefail
cd "$(dirname "$0")/.."

APPS=2 WORKERS=2 PORT0=3000 WORKER_PORT0=3101 DIR="" TIMEOUT=240
while [ $# -gt 0 ]; do
  case "$1" in
    --apps) APPS=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --port) PORT0=$2; shift 2 ;;
    --worker-port) WORKER_PORT0=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    *) echo "scale-out: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ "$APPS" -gt 1 ] && [ -z "${DATABASE_URL:-}" ]; then
  echo "scale-out: more than one app needs DATABASE_URL (a PostgreSQL with pgvector)" >&2
  exit 2
fi
[ -n "$DIR" ] || DIR=$(mktemp -d /tmp/ranklens-scale-out.XXXXXX)
mkdir -p "$DIR"
echo $$ >"$DIR/scale-out.pid"
HOST=${HOST:-127.0.0.1}
export HOST NEXT_TELEMETRY_DISABLED=1

pids=()
stop() {
  trap - EXIT INT TERM
  [ ${#pids[@]} -gt 0 ] || exit "${1:-0}"
  kill "${pids[@]}" 2>/dev/null
  # Next.js and the worker drain for a moment; whatever is still there after 10 s is killed.
  for _ in $(seq 1 20); do
    kill -0 "${pids[@]}" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
  exit "${1:-0}"
}
trap 'stop $?' EXIT
trap 'stop 0' INT TERM

urls=()
for i in $(seq 1 "$WORKERS"); do
  port=$((WORKER_PORT0 + i - 1))
  urls+=("http://${HOST}:${port}")
  # node --import tsx (not the tsx CLI, which runs the script in a child): the pid is the worker itself.
  WORKER_PORT=$port WORKER_HOST=$HOST node --import tsx worker/index.ts >"$DIR/worker-$i.log" 2>&1 &
  pids+=($!)
  echo $! >"$DIR/worker-$i.pid"
done
RERANKER_URL=$(IFS=,; echo "${urls[*]}")
export RERANKER_URL

node --import tsx scripts/migrate.ts >"$DIR/migrate.log" 2>&1 || {
  echo "scale-out: migrations failed:" >&2
  cat "$DIR/migrate.log" >&2
  exit 1
}

apps=()
for i in $(seq 1 "$APPS"); do
  port=$((PORT0 + i - 1))
  apps+=("http://${HOST}:${port}")
  node_modules/.bin/next start -H "$HOST" -p "$port" >"$DIR/app-$i.log" 2>&1 &
  pids+=($!)
  echo $! >"$DIR/app-$i.pid"
done

answers() { # answers URL — the HTTP status, or 000 while nothing listens
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" 2>/dev/null
}
deadline=$((SECONDS + TIMEOUT))
while :; do
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || {
      echo "scale-out: a process exited before it was ready; logs in $DIR" >&2
      tail -n 20 "$DIR"/*.log >&2
      exit 1
    }
  done
  ready=1
  for u in "${urls[@]}"; do [ "$(answers "$u/health/ready")" = 200 ] || ready=0; done
  # /api/me: 200 in local mode, 401 signed out in accounts mode; either means the instance serves.
  for u in "${apps[@]}"; do [[ "$(answers "$u/api/me")" =~ ^(200|401)$ ]] || ready=0; done
  [ $ready -eq 1 ] && break
  if [ $SECONDS -ge $deadline ]; then
    echo "scale-out: not ready after ${TIMEOUT} s; logs in $DIR" >&2
    tail -n 20 "$DIR"/*.log >&2
    exit 1
  fi
  sleep 0.5
done
echo "ready ${apps[*]}"

# Stay up while anything runs; `wait` returns early when a trapped signal arrives.
while [ -n "$(jobs -rp)" ]; do wait -n 2>/dev/null || true; done
stop 0
