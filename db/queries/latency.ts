import { sql } from "drizzle-orm";
import { num, queryRows, type Executor } from "./sql";

/** Stage timings stored in retrieval_runs.timings (ms), as named by the search API. */
export const STAGES = [
  "embedMs",
  "bm25Ms",
  "denseMs",
  "fusionMs",
  "rerankQueueMs",
  "rerankComputeMs",
  "rerankMs",
  "totalMs",
] as const;
export type Stage = (typeof STAGES)[number];

export type Percentiles = { count: number; p50: number | null; p95: number | null; p99: number | null };

export type LatencyWindow = {
  windowMs: number;
  runs: number;
  stages: Record<Stage, Percentiles>;
  /**
   * Share of runs that asked for a rerank of some candidates and answered from the fused order (deadline,
   * worker down, breaker open, …); null when there were none.
   */
  failOpenRate: number | null;
};

/**
 * P50 / P95 / P99 of every stage over the runs of the last `windowMs`, computed in Postgres
 * (percentile_cont, linear interpolation), all users together.
 */
export async function stageLatency({
  db,
  windowMs,
  now = new Date(),
}: {
  db: Executor;
  windowMs: number;
  now?: Date;
}): Promise<LatencyWindow> {
  const since = new Date(now.getTime() - windowMs).toISOString();
  const cols = STAGES.map(
    (s) =>
      sql`percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY (timings->>${s})::float8) AS ${sql.identifier(s)}`,
  );
  const [row] = await queryRows<Record<string, unknown>>(
    db,
    sql`SELECT count(*) AS runs,
               avg(CASE WHEN (params->>'rerank')::boolean
                        AND rerank_skipped_reason IS DISTINCT FROM 'no candidates to rerank'
                       THEN (NOT reranked)::int END) AS fail_open,
               ${sql.join(cols, sql`, `)}
        FROM retrieval_runs WHERE created_at > ${since}::timestamptz`,
  );
  const runs = num(row.runs);
  const stages = Object.fromEntries(
    STAGES.map((s) => {
      const v = parseArray(row[s]);
      return [s, { count: runs, p50: v?.[0] ?? null, p95: v?.[1] ?? null, p99: v?.[2] ?? null }];
    }),
  ) as Record<Stage, Percentiles>;
  return { windowMs, runs, stages, failOpenRate: row.fail_open == null ? null : num(row.fail_open) };
}

// float8[] comes back as a JS array (postgres.js) or its text form "{1,2,3}" (PGlite, depending on parsers).
function parseArray(v: unknown): number[] | null {
  if (v == null) return null;
  if (Array.isArray(v)) return v.map(num);
  return String(v).replace(/[{}]/g, "").split(",").filter(Boolean).map(Number);
}

export type LatencyPoint = { hour: string; runs: number; p50: number | null; p95: number | null; p99: number | null };

/** Hourly P50/P95/P99 of one stage over the last `hours` hours (hours without runs are left out). */
export async function stageLatencySeries({
  db,
  stage,
  hours,
  now = new Date(),
}: {
  db: Executor;
  stage: Stage;
  hours: number;
  now?: Date;
}): Promise<LatencyPoint[]> {
  const since = new Date(now.getTime() - hours * 3_600_000).toISOString();
  const rows = await queryRows<{ hour: Date | string; runs: unknown; p: unknown }>(
    db,
    sql`SELECT date_trunc('hour', created_at) AS hour, count(*) AS runs,
               percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY (timings->>${stage})::float8) AS p
        FROM retrieval_runs WHERE created_at > ${since}::timestamptz
        GROUP BY 1 ORDER BY 1`,
  );
  return rows.map((r) => {
    const p = parseArray(r.p);
    return {
      hour: new Date(r.hour).toISOString(),
      runs: num(r.runs),
      p50: p?.[0] ?? null,
      p95: p?.[1] ?? null,
      p99: p?.[2] ?? null,
    };
  });
}
