#!/usr/bin/env bash
# Starts RankLens on this machine: installs what is missing, builds the starter models, migrates the
# embedded database, builds the web app, then runs the reranker worker and the web app together.
# Ctrl-C stops both. Settings come from the environment (see .env.example; a .env file is read too).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f .env ]; then set -a; . ./.env; set +a; fi
bash scripts/install.sh
npm run --silent db:migrate

# Rebuild the web app when any source is newer than the last build.
if [ ! -f .next/BUILD_ID ] || [ -n "$(find app components lib db drizzle next.config.ts package-lock.json -newer .next/BUILD_ID -print -quit)" ]; then
  echo "[start] building the web app (next build)…"
  npx next build >/tmp/ranklens-next-build.log 2>&1 || { cat /tmp/ranklens-next-build.log; exit 1; }
fi

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-3000}"
WORKER_PORT="${WORKER_PORT:-3001}"

# Started directly (not through npm) so that $! is the worker and stopping the app stops it too.
node_modules/.bin/tsx worker/index.ts &
worker=$!
trap 'kill $worker 2>/dev/null || true; wait $worker 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 120); do
  if curl -fsS "http://${WORKER_HOST:-127.0.0.1}:${WORKER_PORT}/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 $worker 2>/dev/null || { echo "[start] the reranker worker exited; see its output above"; exit 1; }
  sleep 0.5
done

echo "[start] RankLens: http://${HOST}:${PORT}  (reranker worker on port ${WORKER_PORT})"
node_modules/.bin/next start -H "$HOST" -p "$PORT"
