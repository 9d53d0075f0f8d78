#!/usr/bin/env bash
# Runs every RankLens test on this machine, installing what they need first:
#   static checks → unit → integration (PGlite and a real PostgreSQL 15 + pgvector) → e2e (Chromium).
# One app + reranker worker serve the whole e2e suite, on a fresh data directory. Each suite's time
# is printed; the last line is the total "N passed, N failed".
# `bash scripts/test.sh e2e integration` runs only the named suites.
set -uo pipefail
cd "$(dirname "$0")/.."

export NEXT_TELEMETRY_DISABLED=1
results=()
passed=0
failed=0
ONLY=" $* "
wanted() { [ "$ONLY" = "  " ] || [[ "$ONLY" == *" $1 "* ]]; }
suite() { # suite NAME COMMAND… — runs one suite, records its time and outcome
  local name=$1; shift
  wanted "$name" || return 0
  local t0=$SECONDS
  echo "::: ${name}"
  if "$@"; then
    passed=$((passed + 1)); results+=("PASS  ${name}  $((SECONDS - t0)) s")
  else
    failed=$((failed + 1)); results+=("FAIL  ${name}  $((SECONDS - t0)) s")
  fi
  echo "::: ${name} took $((SECONDS - t0)) s"
}
summary() {
  echo
  echo "Suites:"
  printf '  %s\n' "${results[@]}"
  echo "suites: ${passed} passed, ${failed} failed"
}

bash scripts/install.sh --test || { echo "install failed"; exit 1; }

suite "typecheck" npx tsc --noEmit
suite "lint" npx eslint .
suite "unit" npx vitest run --project unit

# Integration: PGlite in-process, and a throwaway PostgreSQL 15 with pgvector (built if missing).
if wanted integration; then
PG_DIR=$(mktemp -d /tmp/ranklens-pg.XXXXXX)
chmod 755 "$PG_DIR"
PG_PORT=${PG_TEST_PORT:-54329}
if TEST_DATABASE_URL=$(bash scripts/pg-test-server.sh start "$PG_DIR/data" "$PG_PORT"); then
  export TEST_DATABASE_URL
  suite "integration" npx vitest run --project integration
  bash scripts/pg-test-server.sh stop "$PG_DIR/data" >/dev/null 2>&1 || true
else
  failed=$((failed + 1)); results+=("FAIL  integration  (PostgreSQL test server did not start)")
fi
rm -rf "$PG_DIR"
fi

# End to end: build once, one app + worker for the suite, on a fresh embedded database.
e2e() {
  npx next build >/tmp/ranklens-e2e-build.log 2>&1 || { tail -50 /tmp/ranklens-e2e-build.log; return 1; }
  e2e_built=1 # the scale-out suite reuses this build
  local data app worker rc
  data=$(mktemp -d /tmp/ranklens-e2e.XXXXXX)
  export PGLITE_DIR="$data/pglite" PORT=${E2E_PORT:-3310} WORKER_PORT=${E2E_WORKER_PORT:-3311} HOST=127.0.0.1
  export RERANKER_URL="http://127.0.0.1:${WORKER_PORT}"
  # Signed-in mode with a first admin the setup project signs in as; a worker that wants its token.
  export AUTH_MODE=accounts APP_URL="http://127.0.0.1:${PORT}" ADMIN_EMAIL=admin@e2e.test
  export ADMIN_PASSWORD="e2e-admin-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  export WORKER_TOKEN="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
  # The deadline is not under test here (unit tests cover it); a loaded CI machine must not flake the suite.
  export RERANK_DEADLINE_MS=${E2E_RERANK_DEADLINE_MS:-5000}
  # Started without npx so that $! is the worker itself and the reranker-down spec can stop it.
  node_modules/.bin/tsx worker/index.ts >"$data/worker.log" 2>&1 &
  worker=$!
  node_modules/.bin/next start -H 127.0.0.1 -p "$PORT" >"$data/app.log" 2>&1 &
  app=$!
  local ready=0
  for _ in $(seq 1 240); do
    if curl -fsS "http://127.0.0.1:${WORKER_PORT}/health/ready" >/dev/null 2>&1 &&
      curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT}/api/me" 2>/dev/null | grep -q 401; then ready=1; break; fi
    sleep 0.5
  done
  if [ $ready -eq 1 ]; then
    E2E_BASE_URL="http://127.0.0.1:${PORT}" E2E_WORKER_URL="$RERANKER_URL" E2E_STOP_WORKER_CMD="kill ${worker}" \
      E2E_ADMIN_EMAIL="$ADMIN_EMAIL" E2E_ADMIN_PASSWORD="$ADMIN_PASSWORD" npx playwright test ${E2E_ARGS:-}
    rc=$?
  else
    echo "e2e: the app or the worker did not become ready"; rc=1
  fi
  if [ $rc -ne 0 ]; then echo "--- app log"; tail -40 "$data/app.log"; echo "--- worker log"; tail -20 "$data/worker.log"; fi
  kill "$app" "$worker" 2>/dev/null; wait "$app" "$worker" 2>/dev/null
  rm -rf "$data"
  return $rc
}
suite "e2e" e2e

# Scale-out: two apps + two workers (scripts/scale-out.sh) on a PostgreSQL of their own, driven by the
# vitest project `scaleout`; the e2e suite's build when it ran, else one made here (NEXT_DIST_DIR applies).
# A subshell, so e2e's exported settings stay out and the trap cleans up on every way out.
scale_out() (
  set -u
  dir=$(mktemp -d /tmp/ranklens-scale-out.XXXXXX)
  chmod 755 "$dir"
  cleanup() {
    local pid
    [ -f "$dir/run/scale-out.pid" ] && kill "$(cat "$dir/run/scale-out.pid")" 2>/dev/null && sleep 2
    for pid in $(cat "$dir"/run/*.pid 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    bash scripts/pg-test-server.sh stop "$dir/pg" >/dev/null 2>&1
    rm -rf "$dir"
  }
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  if [ "${e2e_built:-0}" != 1 ]; then
    npx next build >"$dir/build.log" 2>&1 || { tail -50 "$dir/build.log"; exit 1; }
  fi
  TEST_DATABASE_URL=$(bash scripts/pg-test-server.sh start "$dir/pg" "${SCALE_OUT_PG_PORT:-54331}") ||
    { echo "scale-out: the PostgreSQL test server did not start"; exit 1; }
  mkdir -p "$dir/run"
  TEST_DATABASE_URL=$TEST_DATABASE_URL SCALE_OUT_DIR="$dir/run" SCALE_OUT_PORT=${SCALE_OUT_PORT:-3320} \
    SCALE_OUT_WORKER_PORT=${SCALE_OUT_WORKER_PORT:-3325} npx vitest run --project scaleout
  rc=$?
  if [ $rc -ne 0 ]; then
    for f in "$dir"/run/*.log; do echo "--- $(basename "$f")"; tail -30 "$f"; done
  fi
  exit $rc
)
suite "scale-out" scale_out

summary
[ "$failed" -eq 0 ]
