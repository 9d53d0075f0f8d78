import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { OpenedDb } from "@/db";

// GET /api/metrics (Prometheus text) and GET /api/metrics/latency (percentiles computed in Postgres)
// through the route handlers, after real searches, on PGlite and on PostgreSQL.

vi.mock("server-only", () => ({}));
const holder = vi.hoisted(() => ({ opened: undefined as OpenedDb | undefined }));
vi.mock("@/db", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/db")>();
  return { ...actual, getDb: async () => holder.opened!.db };
});

const { env } = await import("@/lib/env");
const { openDb } = await import("@/db");
const { openFreshPostgres, testDatabaseUrl, ingestFixture } = await import("@/db/testing");
const { queryRows } = await import("@/db/queries/sql");
const { sql } = await import("drizzle-orm");
const search = await import("../search/route");
const metrics = await import("./route");
const latency = await import("./latency/route");

const post = (query: string) =>
  new Request("http://127.0.0.1:3000/api/search", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, k: 5, rerank: false }),
  });

/** percentile_cont: linear interpolation between the closest ranks. */
function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const x = p * (s.length - 1);
  const lo = Math.floor(x);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (x - lo);
}

describe.each([
  ["PGlite", () => openDb({ memory: true })],
  ["PostgreSQL", () => openFreshPostgres(testDatabaseUrl())],
] as const)("metrics on %s", (_name, open) => {
  beforeAll(async () => {
    holder.opened = await open();
    await ingestFixture(holder.opened.db);
  });
  afterAll(async () => {
    await holder.opened?.close();
  });

  it("counts requests and stage latencies, and reports queue depth and worker health", async () => {
    for (const q of ["cats", "dogs and cats", "the ocean"]) expect((await search.POST(post(q))).status).toBe(200);
    const res = await metrics.GET(new Request("http://127.0.0.1:3000/api/metrics"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(Number(/ranklens_http_requests_total\{surface="search"\} (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/ranklens_stage_latency_ms_bucket\{le="\+Inf",stage="bm25Ms"\} \d+/);
    expect(text).toMatch(/ranklens_ingest_queue_depth\{state="queued"\} 0/);
    expect(text).toMatch(/ranklens_worker_up\{url="[^"]+"\} [01]/);
    expect(text).toMatch(/ranklens_rerank_cache_hit_ratio \d/);
  });

  it("computes P50/P95/P99 per stage over the last hour in the database", async () => {
    const rows = await queryRows<{ t: number }>(
      holder.opened!.db,
      sql`SELECT (timings->>'totalMs')::float8 AS t FROM retrieval_runs WHERE created_at > now() - interval '1 hour'`,
    );
    const totals = rows.map((r) => Number(r.t));
    const body = await (await latency.GET(new Request("http://127.0.0.1:3000/api/metrics/latency"))).json();
    const hour = body.windows[0];
    expect(hour.windowMs).toBe(3_600_000);
    expect(hour.runs).toBe(totals.length);
    for (const [p, key] of [
      [0.5, "p50"],
      [0.95, "p95"],
      [0.99, "p99"],
    ] as const) {
      expect(hour.stages.totalMs[key]).toBeCloseTo(percentile(totals, p), 6);
    }
    expect(hour.failOpenRate).toBeNull(); // no run asked for a rerank
    expect(body.rerankAlert).toMatchObject({ thresholdMs: 500, firing: false, reasons: [] });
    const hourly = body.series.totalMs;
    expect(hourly.reduce((n: number, p: { runs: number }) => n + p.runs, 0)).toBe(totals.length);
  });

  it("counts fail-open as the share of reranks asked for that fell back, not empty candidate sets", async () => {
    const db = holder.opened!.db;
    const run = (reranked: boolean, reason: string | null) =>
      db.execute(sql`INSERT INTO retrieval_runs (user_id, query, params, reranked, rerank_skipped_reason, timings, results)
                     VALUES ('local', 'q', '{"rerank": true}'::jsonb, ${reranked}, ${reason},
                             '{"totalMs": 1, "rerankMs": 500}'::jsonb, '[]'::jsonb)`);
    await run(true, null);
    await run(false, "reranker deadline of 500 ms exceeded");
    await run(false, "no candidates to rerank");
    const body = await (await latency.GET(new Request("http://127.0.0.1:3000/api/metrics/latency"))).json();
    expect(body.windows[0].failOpenRate).toBeCloseTo(0.5, 10);
    expect(body.rerankAlert.firing).toBe(true);
    expect(body.rerankAlert.reasons.join()).toMatch(/50\.0 % of searches answered without the reranker/);
  });

  it("needs an admin or the metrics token in accounts mode", async () => {
    const saved = { AUTH_MODE: env.AUTH_MODE, METRICS_TOKEN: env.METRICS_TOKEN };
    Object.assign(env, { AUTH_MODE: "accounts", METRICS_TOKEN: "scrape-token-123" });
    try {
      expect((await metrics.GET(new Request("http://127.0.0.1:3000/api/metrics"))).status).toBe(401);
      const wrong = new Request("http://127.0.0.1:3000/api/metrics", { headers: { authorization: "Bearer nope" } });
      expect((await metrics.GET(wrong)).status).toBe(401);
      const right = new Request("http://127.0.0.1:3000/api/metrics", {
        headers: { authorization: "Bearer scrape-token-123" },
      });
      expect((await metrics.GET(right)).status).toBe(200);
    } finally {
      Object.assign(env, saved);
    }
  });
});
