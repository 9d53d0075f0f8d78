import "server-only";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { sql } from "drizzle-orm";
import { getDb } from "@/db";
import { queryRows, num } from "@/db/queries/sql";
import { env } from "@/lib/env";
import { setErrorObserver, type ErrorSurface } from "@/lib/errors";
import { rerankCacheStats } from "@/lib/rerank/cache";
import type { Timings } from "@/lib/retrieval/search";

// The app's Prometheus metrics (GET /api/metrics), one registry per process (kept on globalThis so a
// dev reload does not register twice). Gauges that need the database or the worker are read at scrape.

const STAGE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 1000, 2000, 5000];

function create() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "ranklens_" });
  const requests = new Counter({
    name: "ranklens_http_requests_total",
    help: "API requests by route surface (counted when authentication starts)",
    labelNames: ["surface"] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: "ranklens_http_errors_total",
    help: "API requests answered with an error, by error code (<type>:<surface>)",
    labelNames: ["code"] as const,
    registers: [registry],
  });
  const stages = new Histogram({
    name: "ranklens_stage_latency_ms",
    help: "Search stage latency in milliseconds (rerank stages 0 when skipped or cached)",
    labelNames: ["stage"] as const,
    buckets: STAGE_BUCKETS,
    registers: [registry],
  });
  const failOpen = new Counter({
    name: "ranklens_rerank_fail_open_total",
    help: "Searches that asked for a rerank and answered from the fused order, by reason class",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "ranklens_rerank_cache_hit_ratio",
    help: "Rerank cache hits / (hits + misses) since the process started",
    registers: [registry],
    collect() {
      this.set(rerankCacheStats().hitRate);
    },
  });
  new Gauge({
    name: "ranklens_ingest_queue_depth",
    help: "Ingestion jobs queued or running",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      const rows = await queryRows<{ state: string; n: unknown }>(
        await getDb(),
        sql`SELECT state, count(*) AS n FROM ingest_jobs GROUP BY state`,
      );
      this.reset();
      for (const state of ["queued", "running"]) {
        this.set({ state }, num(rows.find((r) => r.state === state)?.n ?? 0));
      }
    },
  });
  new Gauge({
    name: "ranklens_worker_up",
    help: "1 when the reranker worker answers /health/ready, per worker URL (RERANKER_PROTOCOL=ranklens only)",
    labelNames: ["url"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      // A remote reranker (nim, tei, cohere) has no /health/ready to probe; its health shows as fail-open counts.
      if (env.RERANKER_PROTOCOL !== "ranklens") return;
      await Promise.all(
        env.RERANKER_URL.split(",").map(async (raw) => {
          const url = raw.trim().replace(/\/+$/, "");
          const up = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(500) })
            .then((r) => r.ok)
            .catch(() => false);
          this.set({ url }, up ? 1 : 0);
        }),
      );
    },
  });
  return { registry, requests, errors, stages, failOpen };
}

const globalForMetrics = globalThis as unknown as { __ranklensMetrics?: ReturnType<typeof create> };
export const appMetrics = (globalForMetrics.__ranklensMetrics ??= create());

setErrorObserver((code) => appMetrics.errors.inc({ code }));

export function countRequest(surface: ErrorSurface): void {
  appMetrics.requests.inc({ surface });
}

/** Records a finished search's stage timings and, when it failed open, why (as a coarse class). */
export function observeSearch(timings: Timings, outcome: { asked: boolean; reranked: boolean; reason?: string }): void {
  for (const [stage, ms] of Object.entries(timings)) appMetrics.stages.observe({ stage }, ms);
  if (outcome.asked && !outcome.reranked) {
    const r = outcome.reason ?? "";
    const reason = /deadline|timed out/i.test(r)
      ? "deadline"
      : /circuit/i.test(r)
        ? "breaker"
        : /unavailable|ECONNREFUSED|connect/i.test(r)
          ? "unavailable"
          : /no candidates/i.test(r)
            ? "no_candidates"
            : "error";
    if (reason !== "no_candidates") appMetrics.failOpen.inc({ reason });
  }
}
